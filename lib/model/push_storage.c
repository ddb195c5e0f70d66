/* push_storage.c - what a push needs to know of storage pools: whether two
 * pools on two hypervisors are the same storage, and a target volume made
 * like its source. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "base/error.h"
#include "model/push.h"
#include "model/push_int.h"

/* The text of the XPath EXPR in DOC (its first node, attribute or
 * element), as a new string to xmlFree, or NULL. */
static xmlChar *xpath_text(xmlDocPtr doc, const char *expr)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathObjectPtr obj = ctx ? xmlXPathEvalExpression(BAD_CAST expr, ctx) : NULL;
    xmlChar *text = NULL;

    if (obj && obj->nodesetval && obj->nodesetval->nodeNr > 0)
        text = xmlNodeGetContent(obj->nodesetval->nodeTab[0]);
    xmlXPathFreeObject(obj);
    xmlXPathFreeContext(ctx);
    return text;
}

/* POOL's identity as network storage ("netfs host:/dir", "gluster
 * host:volume/dir", "rbd pool@host") into BUF; "" for local storage (dir, fs, logical...), which
 * two hypervisors never share by name.  0, or -1 with an error. */
static int pool_identity(virStoragePoolPtr pool, char *buf, size_t len)
{
    char *xml = virStoragePoolGetXMLDesc(pool, 0);
    xmlDocPtr doc =
        xml ? xmlReadMemory(xml, (int)strlen(xml), "pool.xml", NULL, XML_PARSE_NONET) : NULL;
    xmlChar *type = NULL, *host = NULL, *dir = NULL, *name = NULL;

    buf[0] = '\0';
    if (!doc) {
        if (!xml)
            gf_err_virt("reading pool '%s'", virStoragePoolGetName(pool));
        else
            gf_err(GF_ERR_OP, "pool '%s': its XML does not parse", virStoragePoolGetName(pool));
        free(xml);
        return -1;
    }
    type = xpath_text(doc, "/pool/@type");
    host = xpath_text(doc, "/pool/source/host/@name");
    dir = xpath_text(doc, "/pool/source/dir/@path");
    name = xpath_text(doc, "/pool/source/name");
    if (type && host && xmlStrEqual(type, BAD_CAST "netfs"))
        snprintf(buf, len, "%s %s:%s", type, host, dir ? (const char *)dir : "");
    else if (type && host && name && xmlStrEqual(type, BAD_CAST "gluster"))
        /* a gluster server serves volumes by name, each with its directories */
        snprintf(buf, len, "%s %s:%s%s", type, host, name, dir ? (const char *)dir : "");
    else if (type && host && name &&
             (xmlStrEqual(type, BAD_CAST "rbd") || xmlStrEqual(type, BAD_CAST "sheepdog")))
        snprintf(buf, len, "%s %s@%s", type, name, host);
    xmlFree(type);
    xmlFree(host);
    xmlFree(dir);
    xmlFree(name);
    xmlFreeDoc(doc);
    free(xml);
    return 0;
}

int gf_push_same_storage(virStoragePoolPtr a, virStoragePoolPtr b, char *why, size_t len)
{
    char ia[1024], ib[1024];

    why[0] = '\0';
    if (pool_identity(a, ia, sizeof(ia)) < 0 || pool_identity(b, ib, sizeof(ib)) < 0)
        return -1;
    if (!ia[0] || strcmp(ia, ib) != 0)
        return 0;
    snprintf(why, len, "%s", ia);
    return 1;
}

int gf_push_volume_seen(virConnectPtr dst, virStorageVolPtr vol, virStoragePoolPtr pool,
                        virStorageVolPtr *seen, char *why, size_t len)
{
    const char *key = virStorageVolGetKey(vol);
    virStoragePoolPtr there = NULL;
    int same, ret = -1;

    *seen = NULL;
    why[0] = '\0';
    if (!key) {
        gf_err_virt("reading the key of volume '%s'", virStorageVolGetName(vol));
        return -1;
    }
    if (!(*seen = virStorageVolLookupByKey(dst, key))) {
        if (virGetLastErrorCode() == VIR_ERR_NO_STORAGE_VOL) {
            virResetLastError();
            return 0;
        }
        gf_err_virt("looking up volume key %s on the other hypervisor", key);
        return -1;
    }
    if (!(there = virStoragePoolLookupByVolume(*seen))) {
        gf_err_virt("reading the pool of volume %s on the other hypervisor", key);
        goto cleanup;
    }
    if ((same = gf_push_same_storage(pool, there, why, len)) < 0)
        goto cleanup;
    ret = same ? 1 : 2;
cleanup:
    if (there)
        virStoragePoolFree(there);
    if (ret < 0) {
        virStorageVolFree(*seen);
        *seen = NULL;
    }
    return ret;
}

virStorageVolPtr gf_push_make_volume(virStoragePoolPtr pool, const char *name, const char *format,
                                     unsigned long long capacity)
{
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr vol = doc ? xmlNewDocNode(doc, NULL, BAD_CAST "volume", NULL) : NULL, target, f;
    xmlBufferPtr buf = xmlBufferCreate();
    virStorageVolPtr made = NULL;
    char cap[32];

    if (!doc || !vol || !buf) {
        gf_err(GF_ERR_OP, "out of memory");
        goto cleanup;
    }
    xmlDocSetRootElement(doc, vol);
    snprintf(cap, sizeof(cap), "%llu", capacity);
    xmlNewTextChild(vol, NULL, BAD_CAST "name", BAD_CAST name);
    xmlSetProp(xmlNewTextChild(vol, NULL, BAD_CAST "capacity", BAD_CAST cap), BAD_CAST "unit",
               BAD_CAST "bytes");
    xmlNewTextChild(vol, NULL, BAD_CAST "allocation", BAD_CAST "0");
    target = xmlNewChild(vol, NULL, BAD_CAST "target", NULL);
    f = xmlNewChild(target, NULL, BAD_CAST "format", NULL);
    xmlSetProp(f, BAD_CAST "type", BAD_CAST format);
    if (xmlNodeDump(buf, doc, vol, 0, 0) < 0) {
        gf_err(GF_ERR_OP, "out of memory");
        goto cleanup;
    }
    if (!(made = virStorageVolCreateXML(pool, (const char *)xmlBufferContent(buf), 0)))
        gf_err_virt("creating volume '%s' in pool '%s'", name, virStoragePoolGetName(pool));
cleanup:
    xmlBufferFree(buf);
    xmlFreeDoc(doc);
    return made;
}
