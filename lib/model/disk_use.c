/* disk_use.c - who uses a disk file: asked before anything is deleted. */
#include "model/disk_use.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "base/error.h"
#include "model/disk_index.h"

/* For each of the N PATHS, whether XML (a domain's) names it as a disk
 * source anywhere in a disk, its backing chain included: NAMED[i] set to 1
 * (never cleared).  0, or -1 when XML is not XML. */
static int xml_names(const char *xml, const char *const *paths, size_t n, int *named)
{
    xmlDocPtr doc = NULL;
    xmlXPathContextPtr ctx = NULL;
    xmlXPathObjectPtr found = NULL;
    int ret = -1, maybe = 0;

    /* a path XML writes as it is that is nowhere in the text is in no
     * attribute: no need to parse (most domains, most of the time) */
    for (size_t k = 0; k < n && !maybe; k++)
        maybe = strpbrk(paths[k], "&<>\"'") || strstr(xml, paths[k]);
    if (!maybe)
        return 0;
    doc = xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL, XML_PARSE_NONET);
    ctx = doc ? xmlXPathNewContext(doc) : NULL;
    if (!ctx)
        goto cleanup;
    found = xmlXPathEvalExpression(BAD_CAST "//devices/disk//source", ctx);
    if (!found)
        goto cleanup;
    ret = 0;
    for (int i = 0; found->nodesetval && i < found->nodesetval->nodeNr; i++) {
        static const char *const attrs[] = {"file", "dev", "volume"};
        for (size_t a = 0; a < sizeof(attrs) / sizeof(attrs[0]); a++) {
            xmlChar *v = xmlGetProp(found->nodesetval->nodeTab[i], BAD_CAST attrs[a]);
            for (size_t k = 0; v && k < n; k++)
                if (strcmp((const char *)v, paths[k]) == 0)
                    named[k] = 1;
            xmlFree(v);
        }
    }
cleanup:
    xmlXPathFreeObject(found);
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(doc);
    return ret;
}

/* Whether domain DOM names any of the N PATHS in its definition or (when
 * running) its live XML: NAMED[i] set for each it names (cleared first).
 * 0, or -1 with an error; a domain gone meanwhile names nothing. */
static int domain_names(virDomainPtr dom, const char *const *paths, size_t n, int *named)
{
    static const unsigned int flavours[2] = {VIR_DOMAIN_XML_INACTIVE, 0};

    memset(named, 0, n * sizeof(*named));
    for (int f = 0; f < 2; f++) {
        char *xml;
        int bad;
        if (f == 1 && virDomainIsActive(dom) != 1)
            break;
        if (!(xml = virDomainGetXMLDesc(dom, flavours[f]))) {
            virErrorPtr e = virGetLastError();
            if (e && e->code == VIR_ERR_NO_DOMAIN) { /* gone meanwhile: uses nothing */
                memset(named, 0, n * sizeof(*named));
                return 0;
            }
            gf_err_virt("reading domain '%s' to see who uses its disks", virDomainGetName(dom));
            return -1;
        }
        bad = xml_names(xml, paths, n, named) < 0;
        free(xml);
        if (bad) {
            gf_err(GF_ERR_OP, "domain '%s' has XML libxml2 cannot read", virDomainGetName(dom));
            return -1;
        }
    }
    return 0;
}

/* gf_disk_users_each by reading every domain's XML: the proof, and the
 * answer when the index is off. */
static int users_by_scan(virConnectPtr conn, const char *const *paths, size_t n, int *users,
                         char (*who)[GF_DISK_WHO_LEN])
{
    virDomainPtr *all = NULL;
    int *named = calloc(n ? n : 1, sizeof(*named)), count, ret = 0;

    if (!named) {
        gf_err(GF_ERR_OP, "out of memory");
        return -1;
    }
    for (size_t k = 0; k < n; k++) {
        users[k] = 0;
        if (who)
            who[k][0] = '\0';
    }
    if ((count = virConnectListAllDomains(conn, &all, 0)) < 0) {
        gf_err_virt("listing domains to see who uses %s", n ? paths[0] : "a disk");
        free(named);
        return -1;
    }
    for (int i = 0; i < count; i++) {
        if (!ret && domain_names(all[i], paths, n, named) < 0)
            ret = -1;
        for (size_t k = 0; !ret && k < n; k++) {
            if (!named[k])
                continue;
            if (!users[k] && who)
                snprintf(who[k], GF_DISK_WHO_LEN, "%s", virDomainGetName(all[i]));
            users[k]++;
        }
        virDomainFree(all[i]);
    }
    free(all);
    free(named);
    return ret;
}

/* gf_disk_users_each among CANDS (NULL-terminated): each one's XML read
 * from libvirt now, the index only chose them.  0, or -1 with an error. */
static int users_among(virDomainPtr *cands, const char *const *paths, size_t n, int *users,
                       char (*who)[GF_DISK_WHO_LEN])
{
    int *named = calloc(n ? n : 1, sizeof(*named));

    if (!named) {
        gf_err(GF_ERR_OP, "out of memory");
        return -1;
    }
    for (int i = 0; cands[i]; i++) {
        if (domain_names(cands[i], paths, n, named) < 0) {
            free(named);
            return -1;
        }
        for (size_t k = 0; k < n; k++) {
            if (!named[k])
                continue;
            if (!users[k] && who)
                snprintf(who[k], GF_DISK_WHO_LEN, "%s", virDomainGetName(cands[i]));
            users[k]++;
        }
    }
    free(named);
    return 0;
}

int gf_disk_users_each(virConnectPtr conn, const char *const *paths, size_t n, int *users,
                       char (*who)[GF_DISK_WHO_LEN])
{
    virDomainPtr *cands = NULL;
    int on, ret;

    for (size_t k = 0; k < n; k++) {
        users[k] = 0;
        if (who)
            who[k][0] = '\0';
    }
    /* the index names the domains to read (on); without it, every one */
    if ((on = gf_disk_index_candidates(conn, paths, n, 1, &cands)) < 0)
        return -1;
    if (!on)
        return users_by_scan(conn, paths, n, users, who);
    ret = users_among(cands, paths, n, users, who);
    gf_disk_index_candidates_free(cands);
    return ret;
}

int gf_disk_users(virConnectPtr conn, const char *path, char *who, size_t len)
{
    char first[1][GF_DISK_WHO_LEN];
    int users;

    if (gf_disk_users_each(conn, &path, 1, &users, first) < 0)
        return -1;
    if (who && len)
        snprintf(who, len, "%s", first[0]);
    return users;
}

int gf_volume_backing(virStorageVolPtr vol, char *buf, size_t len)
{
    char *xml = virStorageVolGetXMLDesc(vol, 0);
    xmlDocPtr doc = NULL;
    xmlXPathContextPtr ctx = NULL;
    xmlXPathObjectPtr found = NULL;
    int ret = -1;

    buf[0] = '\0';
    if (!xml) {
        gf_err_virt("reading volume %s", virStorageVolGetName(vol));
        return -1;
    }
    if (!(doc = xmlReadMemory(xml, (int)strlen(xml), "volume.xml", NULL, XML_PARSE_NONET)) ||
        !(ctx = xmlXPathNewContext(doc)) ||
        !(found = xmlXPathEvalExpression(BAD_CAST "string(/volume/backingStore/path)", ctx))) {
        gf_err(GF_ERR_OP, "volume %s has XML libxml2 cannot read", virStorageVolGetName(vol));
        goto cleanup;
    }
    snprintf(buf, len, "%s", found->stringval ? (const char *)found->stringval : "");
    ret = 0;
cleanup:
    xmlXPathFreeObject(found);
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(doc);
    free(xml);
    return ret;
}
