/* lease.c - one daemon acting on a farm: a lease in libvirt's metadata. */
#include "model/lease.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "base/error.h"
#include "base/textfile.h"
#include "base/timefmt.h"

int gf_lease_self(struct gf_lease *me, const char *state_dir)
{
    char *id = NULL;
    size_t len;

    memset(me, 0, sizeof(*me));
    if (gf_text_file_read("/etc/machine-id", NULL, 4096, &id, &len) < 0)
        id = NULL;
    if (gethostname(me->host, sizeof(me->host) - 1) != 0)
        snprintf(me->host, sizeof(me->host), "?");
    if (id)
        id[strcspn(id, "\n")] = '\0';
    snprintf(me->holder, sizeof(me->holder), "%s:%s", id && *id ? id : me->host, state_dir);
    free(id);
    gf_err_clear();
    me->pid = (long)getpid();
    return 0;
}

/* The namespace URI of FARM's lease into BUF. */
static void ns_of(const char *farm, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s", GF_LEASE_NS, farm);
}

int gf_lease_read(virDomainPtr dom, const char *farm, struct gf_lease *out)
{
    char ns[256], *xml;
    xmlDocPtr doc = NULL;
    xmlNodePtr root;
    int ret = -1;

    memset(out, 0, sizeof(*out));
    ns_of(farm, ns, sizeof(ns));
    if (!(xml = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, ns,
                                     VIR_DOMAIN_AFFECT_CONFIG))) {
        virErrorPtr e = virGetLastError();
        if (e && e->code == VIR_ERR_NO_DOMAIN_METADATA) {
            virResetLastError();
            return 0;
        }
        gf_err_virt("reading the lease of farm %s on '%s'", farm, virDomainGetName(dom));
        return -1;
    }
    if (!(doc = xmlReadMemory(xml, (int)strlen(xml), "lease.xml", NULL, XML_PARSE_NONET)) ||
        !(root = xmlDocGetRootElement(doc)))
        goto bad;
    {
        static const char *const names[] = {"holder", "host", "pid", "renewed", "expires"};
        xmlChar *v[5];
        int ok = 1;
        for (int i = 0; i < 5; i++)
            ok &= (v[i] = xmlGetProp(root, BAD_CAST names[i])) != NULL;
        if (ok && strlen((char *)v[0]) < sizeof(out->holder) &&
            strlen((char *)v[1]) < sizeof(out->host) &&
            gf_time_parse_iso((char *)v[3], &out->renewed) == 0 &&
            gf_time_parse_iso((char *)v[4], &out->expires) == 0) {
            char *end;
            snprintf(out->holder, sizeof(out->holder), "%s", (char *)v[0]);
            snprintf(out->host, sizeof(out->host), "%s", (char *)v[1]);
            out->pid = strtol((char *)v[2], &end, 10);
            ok = !*end && out->holder[0];
        } else {
            ok = 0;
        }
        for (int i = 0; i < 5; i++)
            xmlFree(v[i]);
        if (!ok)
            goto bad;
    }
    ret = 1;
    goto cleanup;
bad:
    gf_err(GF_ERR_OP, "the lease of farm %s on '%s' is malformed: nobody takes it over", farm,
           virDomainGetName(dom));
cleanup:
    xmlFreeDoc(doc);
    free(xml);
    return ret;
}

/* Write L as FARM's lease on DOM (L NULL: remove it).  0 or -1. */
static int write_lease(virDomainPtr dom, const char *farm, const struct gf_lease *l)
{
    char ns[256], renewed[GF_TIME_LEN], expires[GF_TIME_LEN], pid[24];
    xmlDocPtr doc = NULL;
    xmlBufferPtr buf = NULL;
    xmlNodePtr node;
    int ret = -1;

    ns_of(farm, ns, sizeof(ns));
    if (!l) {
        if (virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, NULL, GF_LEASE_PREFIX, ns,
                                 VIR_DOMAIN_AFFECT_CONFIG) < 0) {
            gf_err_virt("removing the lease of farm %s on '%s'", farm, virDomainGetName(dom));
            return -1;
        }
        return 0;
    }
    gf_time_iso(l->renewed, renewed);
    gf_time_iso(l->expires, expires);
    snprintf(pid, sizeof(pid), "%ld", l->pid);
    if (!(doc = xmlNewDoc(BAD_CAST "1.0")) || !(buf = xmlBufferCreate()) ||
        !(node = xmlNewDocNode(doc, NULL, BAD_CAST "lease", NULL))) {
        gf_err(GF_ERR_OP, "out of memory");
        goto cleanup;
    }
    xmlDocSetRootElement(doc, node);
    xmlSetProp(node, BAD_CAST "holder", BAD_CAST l->holder); /* libxml2 escapes */
    xmlSetProp(node, BAD_CAST "host", BAD_CAST l->host);
    xmlSetProp(node, BAD_CAST "pid", BAD_CAST pid);
    xmlSetProp(node, BAD_CAST "renewed", BAD_CAST renewed);
    xmlSetProp(node, BAD_CAST "expires", BAD_CAST expires);
    xmlNodeDump(buf, doc, node, 0, 0);
    if (virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, (const char *)xmlBufferContent(buf),
                             GF_LEASE_PREFIX, ns, VIR_DOMAIN_AFFECT_CONFIG) < 0) {
        gf_err_virt("writing the lease of farm %s on '%s'", farm, virDomainGetName(dom));
        goto cleanup;
    }
    ret = 0;
cleanup:
    xmlBufferFree(buf);
    xmlFreeDoc(doc);
    return ret;
}

int gf_lease_claim(virDomainPtr dom, const char *farm, const struct gf_lease *me, time_t now,
                   int ttl, struct gf_lease *other, int *fresh)
{
    struct gf_lease cur, next = *me;
    int has = gf_lease_read(dom, farm, &cur);

    *fresh = 0;
    if (has < 0)
        return -1;
    if (has && strcmp(cur.holder, me->holder) != 0 && cur.expires > now) {
        *other = cur;
        return 0;
    }
    *fresh = !has || strcmp(cur.holder, me->holder) != 0;
    next.renewed = now;
    next.expires = now + ttl;
    if (write_lease(dom, farm, &next) < 0)
        return -1;
    return 1;
}

int gf_lease_release(virDomainPtr dom, const char *farm, const struct gf_lease *me)
{
    struct gf_lease cur;
    int has = gf_lease_read(dom, farm, &cur);

    if (has <= 0)
        return has;
    if (strcmp(cur.holder, me->holder) != 0)
        return 0;
    return write_lease(dom, farm, NULL);
}
