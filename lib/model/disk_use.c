/* disk_use.c - who uses a disk file: asked before anything is deleted. */
#include "model/disk_use.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "base/error.h"

/* Whether XML (a domain's) names PATH as a disk source anywhere in a disk,
 * its backing chain included: 1, 0, or -1 when XML is not XML. */
static int xml_names(const char *xml, const char *path)
{
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL, XML_PARSE_NONET);
    xmlXPathContextPtr ctx = doc ? xmlXPathNewContext(doc) : NULL;
    xmlXPathObjectPtr found = NULL;
    int ret = -1;

    if (!ctx)
        goto cleanup;
    found = xmlXPathEvalExpression(BAD_CAST "//devices/disk//source", ctx);
    if (!found)
        goto cleanup;
    ret = 0;
    for (int i = 0; found->nodesetval && i < found->nodesetval->nodeNr && !ret; i++) {
        static const char *const attrs[] = {"file", "dev", "volume"};
        for (size_t a = 0; a < sizeof(attrs) / sizeof(attrs[0]) && !ret; a++) {
            xmlChar *v = xmlGetProp(found->nodesetval->nodeTab[i], BAD_CAST attrs[a]);
            ret = v && strcmp((const char *)v, path) == 0;
            xmlFree(v);
        }
    }
cleanup:
    xmlXPathFreeObject(found);
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(doc);
    return ret;
}

int gf_disk_users(virConnectPtr conn, const char *path, char *who, size_t len)
{
    virDomainPtr *all = NULL;
    int n, users = 0;

    if (who && len)
        who[0] = '\0';
    if ((n = virConnectListAllDomains(conn, &all, 0)) < 0) {
        gf_err_virt("listing domains to see who uses %s", path);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        unsigned int flavours[2] = {VIR_DOMAIN_XML_INACTIVE, 0};
        int uses = 0;
        for (int f = 0; f < 2 && users >= 0 && !uses; f++) {
            char *xml;
            if (f == 1 && virDomainIsActive(all[i]) != 1)
                break;
            if (!(xml = virDomainGetXMLDesc(all[i], flavours[f]))) {
                virErrorPtr e = virGetLastError();
                if (e && e->code == VIR_ERR_NO_DOMAIN) /* gone meanwhile: uses nothing */
                    break;
                gf_err_virt("reading domain '%s' to see who uses %s", virDomainGetName(all[i]),
                            path);
                users = -1;
                break;
            }
            if ((uses = xml_names(xml, path)) < 0) {
                gf_err(GF_ERR_OP, "domain '%s' has XML libxml2 cannot read",
                       virDomainGetName(all[i]));
                users = -1;
            }
            free(xml);
        }
        if (users >= 0 && uses > 0) {
            if (!users && who && len)
                snprintf(who, len, "%s", virDomainGetName(all[i]));
            users++;
        }
        virDomainFree(all[i]);
    }
    free(all);
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
