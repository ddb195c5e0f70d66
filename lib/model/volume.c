/* volume.c - new volumes in a storage pool: qcow2 overlays and copies. */
#include "model/volume.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "base/error.h"
#include "base/log.h"

int gf_volume_pool_path(virStoragePoolPtr pool, const char *name, char *buf, size_t len)
{
    char *xml = virStoragePoolGetXMLDesc(pool, 0);
    xmlDocPtr doc =
        xml ? xmlReadMemory(xml, (int)strlen(xml), "pool.xml", NULL, XML_PARSE_NONET) : NULL;
    xmlNodePtr n = doc ? xmlDocGetRootElement(doc) : NULL;
    int ret = -1;

    buf[0] = '\0';
    for (n = n ? n->children : NULL; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE || !xmlStrEqual(n->name, BAD_CAST "target"))
            continue;
        for (xmlNodePtr c = n->children; c; c = c->next) {
            if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, BAD_CAST "path")) {
                xmlChar *dir = xmlNodeGetContent(c);
                if (dir && *dir) {
                    snprintf(buf, len, "%s/%s", (const char *)dir, name);
                    ret = 0;
                }
                xmlFree(dir);
            }
        }
    }
    xmlFreeDoc(doc);
    free(xml);
    return ret;
}

/* The <volume> XML for SPEC: a new string to free(), or NULL with an error. */
static char *volume_xml(const struct gf_volume_spec *spec)
{
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = xmlNewDocNode(doc, NULL, BAD_CAST "volume", NULL), target, n;
    xmlBufferPtr buf = xmlBufferCreate();
    char capacity[32];
    char *out;

    xmlDocSetRootElement(doc, root);
    xmlNewTextChild(root, NULL, BAD_CAST "name", BAD_CAST spec->name);
    snprintf(capacity, sizeof(capacity), "%llu", spec->capacity);
    n = xmlNewTextChild(root, NULL, BAD_CAST "capacity", BAD_CAST capacity);
    xmlSetProp(n, BAD_CAST "unit", BAD_CAST "bytes");
    /* Nothing preallocated: an overlay starts empty, a copy stays sparse. */
    xmlNewTextChild(root, NULL, BAD_CAST "allocation", BAD_CAST "0");
    target = xmlNewChild(root, NULL, BAD_CAST "target", NULL);
    n = xmlNewChild(target, NULL, BAD_CAST "format", NULL);
    xmlSetProp(n, BAD_CAST "type", BAD_CAST spec->format);
    /* libvirt's default for qcow2 is the old version 2 (compat 0.10). */
    if (strcmp(spec->format, "qcow2") == 0)
        xmlNewTextChild(target, NULL, BAD_CAST "compat", BAD_CAST "1.1");
    if (spec->backing) {
        xmlNodePtr bs = xmlNewChild(root, NULL, BAD_CAST "backingStore", NULL);
        xmlNewTextChild(bs, NULL, BAD_CAST "path", BAD_CAST spec->backing);
        n = xmlNewChild(bs, NULL, BAD_CAST "format", NULL);
        xmlSetProp(n, BAD_CAST "type", BAD_CAST spec->backing_format);
    }
    xmlNodeDump(buf, doc, root, 0, 0);
    if (!(out = strdup((const char *)xmlBufferContent(buf))))
        gf_err(GF_ERR_OP, "out of memory");
    xmlBufferFree(buf);
    xmlFreeDoc(doc);
    return out;
}

/* A copy running in a thread, so the caller can show progress. */
struct copy_job {
    virStoragePoolPtr pool;
    virStorageVolPtr src;
    const char *xml;
    virStorageVolPtr result;
    char error[512];
    volatile int done;
};

static void *copy_thread(void *arg)
{
    struct copy_job *job = arg;

    job->result = virStorageVolCreateXMLFrom(job->pool, job->xml, job->src, 0);
    if (!job->result)
        snprintf(job->error, sizeof(job->error), "%s", virGetLastErrorMessage());
    job->done = 1;
    return NULL;
}

/* Copy SRC by XML into POOL as volume NAME of CAPACITY bytes, showing
 * progress on stderr under LABEL when SHOW.  The new volume or NULL. */
static virStorageVolPtr copy_volume(virStoragePoolPtr pool, virStorageVolPtr src, const char *xml,
                                    const struct gf_volume_spec *spec, int show, const char *label)
{
    struct copy_job job = {.pool = pool, .src = src, .xml = xml};
    pthread_t tid;
    double start = gf_now();

    if (pthread_create(&tid, NULL, copy_thread, &job) != 0) {
        gf_err(GF_ERR_OP, "cannot start the copy into %s", spec->name);
        return NULL;
    }
    while (!job.done) {
        struct timespec tick = {0, 200 * 1000 * 1000};
        nanosleep(&tick, NULL);
        if (show && !job.done) {
            virStorageVolPtr v = virStorageVolLookupByName(pool, spec->name);
            virStorageVolInfo info;
            if (v && virStorageVolGetInfo(v, &info) == 0 && spec->capacity)
                fprintf(stderr, "\r%s: %llu / %llu MiB (%.0f s)", label, info.allocation >> 20,
                        spec->capacity >> 20, gf_now() - start);
            else
                fprintf(stderr, "\r%s: %.0f s", label, gf_now() - start);
            if (v)
                virStorageVolFree(v);
            virResetLastError();
        }
    }
    pthread_join(tid, NULL);
    if (show)
        fprintf(stderr, "\r\033[K");
    if (!job.result)
        gf_err(GF_ERR_OP, "%s: %s", label, job.error);
    return job.result;
}

virStorageVolPtr gf_volume_create(virStoragePoolPtr pool, const struct gf_volume_spec *spec,
                                  virStorageVolPtr src, int progress, const char *label)
{
    char *xml = volume_xml(spec);
    virStorageVolPtr vol = NULL;

    if (!xml)
        return NULL;
    if (!spec->backing)
        vol = copy_volume(pool, src, xml, spec, progress, label);
    else if (!(vol = virStorageVolCreateXML(pool, xml, 0)))
        gf_err_virt("creating overlay '%s' on %s", spec->name, spec->backing);
    free(xml);
    return vol;
}
