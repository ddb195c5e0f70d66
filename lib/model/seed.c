/* seed.c - a clone's NoCloud seed: who it is, on a small ISO 9660 volume. */
#include "model/seed.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <libvirt/virterror.h>
#include <libxml/tree.h>
/* the burn_source that libisofs hands out is declared by libisofs.h only
 * when libburn's own header is not used */
#define LIBISOFS_WITHOUT_LIBBURN 1
#include <libisofs/libisofs.h>

#include "base/error.h"
#include "base/escape.h"
#include "base/fault.h"
#include "base/log.h"
#include "model/disk_use.h"
#include "model/domxml.h"
#include "model/image.h"

#define DEFAULT_USER_DATA "#cloud-config\n"
#define UPLOAD_CHUNK (64 * 1024)

const char gf_seed_var_list[] =
    "${host}, ${farm}, ${image}, ${image_version}, ${hypervisor}, ${instance_id}";

/* ---- templates ---- */

/* A growing string. */
struct text {
    char *p;
    size_t len, cap;
};

/* Append N bytes of S to T.  0, or -1 with an error. */
static int text_add(struct text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        size_t cap = (t->len + n + 1) * 2;
        char *grown = realloc(t->p, cap);
        if (!grown) {
            gf_err(GF_ERR_OP, "out of memory");
            return -1;
        }
        t->p = grown;
        t->cap = cap;
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0';
    return 0;
}

/* The value of variable NAME (N bytes) in V, or NULL when there is no
 * such variable.  NUM holds a number's text. */
static const char *var_value(const struct gf_seed_vars *v, const char *name, size_t n, char *num,
                             size_t numlen)
{
    static const char *const names[] = {"host",       "farm",        "image", "image_version",
                                        "hypervisor", "instance_id", NULL};
    int i;

    for (i = 0; names[i]; i++)
        if (strlen(names[i]) == n && memcmp(names[i], name, n) == 0)
            break;
    switch (i) {
    case 0:
        return v->host ? v->host : "";
    case 1:
        return v->farm ? v->farm : "";
    case 2:
        return v->image ? v->image : "";
    case 3:
        snprintf(num, numlen, "%u", v->version);
        return num;
    case 4:
        return v->hypervisor ? v->hypervisor : "";
    case 5:
        return v->instance_id ? v->instance_id : "";
    }
    return NULL;
}

int gf_seed_render(const char *name, const char *tmpl, const struct gf_seed_vars *v, char **out,
                   size_t *len, int *line)
{
    struct text t = {0};
    const char *bad = NULL;
    char file[GF_ESC_LEN], what[GF_ESC_LEN], num[16];
    size_t tlen = strlen(tmpl);
    int ln = 1;

    *out = NULL;
    if (line)
        *line = 0;
    gf_esc(name, file, sizeof(file));
    if (tlen > GF_SEED_TEMPLATE_MAX) {
        gf_err(GF_ERR_INPUT, "%s: %zu bytes, more than a template may have (%d KiB)", file, tlen,
               GF_SEED_TEMPLATE_MAX / 1024);
        return -1;
    }
    if (!g_utf8_validate(tmpl, (gssize)tlen, &bad)) {
        for (const char *c = tmpl; c < bad; c++)
            ln += *c == '\n';
        gf_err(GF_ERR_INPUT, "%s:%d: not UTF-8 text", file, ln);
        goto fail;
    }
    if (text_add(&t, "", 0) < 0)
        goto fail;
    for (const char *c = tmpl; *c; c++) {
        const char *close, *value;
        if (c[0] == '$' && c[1] == '$' && c[2] == '{') { /* $${ is a literal ${ */
            if (text_add(&t, "${", 2) < 0)
                goto fail;
            c += 2;
        } else if (c[0] == '$' && c[1] == '{') {
            for (close = c + 2; *close && *close != '}' && *close != '\n'; close++)
                ;
            if (*close != '}') {
                gf_err(GF_ERR_INPUT,
                       "%s:%d: '${' is not closed by '}' on its line (write $${ for a literal ${)",
                       file, ln);
                goto fail;
            }
            if (!(value = var_value(v, c + 2, (size_t)(close - c - 2), num, sizeof(num)))) {
                char var[GF_ESC_LEN];
                snprintf(var, sizeof(var), "%.*s", (int)(close - c - 2), c + 2);
                gf_err(GF_ERR_INPUT,
                       "%s:%d: unknown variable ${%s} (known: %s; write $${ for a literal ${)",
                       file, ln, gf_esc(var, what, sizeof(what)), gf_seed_var_list);
                goto fail;
            }
            if (text_add(&t, value, strlen(value)) < 0)
                goto fail;
            c = close;
        } else {
            ln += *c == '\n';
            if (text_add(&t, c, 1) < 0)
                goto fail;
        }
        if (t.len > GF_SEED_FILE_MAX) {
            gf_err(GF_ERR_INPUT,
                   "%s:%d: rendered, it grows past %d KiB, more than a seed file may "
                   "have",
                   file, ln, GF_SEED_FILE_MAX / 1024);
            goto fail;
        }
    }
    *out = t.p;
    *len = t.len;
    return 0;
fail:
    if (line && gf_err_class_get() == GF_ERR_INPUT)
        *line = ln;
    free(t.p);
    return -1;
}

const char *gf_seed_host_name_problem(enum gf_guest_os guest, const char *name)
{
    size_t len = strlen(name), label = 0;
    int digits_only = 1;

    if (len == 0)
        return "is empty";
    for (size_t i = 0; i <= len; i++) {
        char c = name[i];
        if (c == '.' || c == '\0') {
            if (label == 0)
                return "has an empty label (two dots, or a dot at an end)";
            if (label > 63)
                return "has a label longer than 63 characters";
            if (name[i - 1] == '-')
                return "has a label that ends with '-'";
            label = 0;
            continue;
        }
        if (!g_ascii_isalnum(c) && c != '-')
            return "has a character other than letters, digits, '-' and '.'";
        if (c == '-' && label == 0)
            return "has a label that starts with '-'";
        digits_only &= g_ascii_isdigit(c) != 0;
        label++;
    }
    if (guest != GF_GUEST_WINDOWS)
        return NULL;
    if (len > GF_NETBIOS_MAX)
        return "is longer than the 15 characters of a Windows computer name (NetBIOS)";
    if (strchr(name, '.'))
        return "has a '.', which a Windows computer name may not have";
    if (digits_only)
        return "is only digits, which a Windows computer name may not be";
    return NULL;
}

/* ---- the ISO image ---- */

static pthread_mutex_t iso_lock = PTHREAD_MUTEX_INITIALIZER;
static int iso_ready;

/* Add file NAME holding LEN bytes of DATA to IMG's root.  A libisofs
 * result: 1, or < 0. */
static int iso_add(IsoImage *img, const char *name, const char *data, size_t len)
{
    unsigned char *copy = malloc(len ? len : 1);
    IsoStream *stream;
    IsoFile *file;
    int r;

    if (!copy)
        return (int)ISO_OUT_OF_MEM;
    memcpy(copy, data, len);
    if ((r = iso_memory_stream_new(copy, len, &stream)) < 0) {
        free(copy);
        return r;
    }
    /* the file takes the stream's reference */
    return iso_image_add_new_file(img, iso_image_get_root(img), name, stream, &file);
}

/* Build S's ISO image from its files into S->iso.  Called with iso_lock
 * held.  Returns a libisofs result: 1, or < 0. */
static int iso_build(struct gf_seed *s)
{
    IsoImage *img = NULL;
    IsoWriteOpts *opts = NULL;
    struct burn_source *src = NULL;
    off_t size;
    int r;

    if ((r = iso_image_new(GF_SEED_LABEL, &img)) < 0)
        return r;
    if ((r = iso_add(img, "meta-data", s->meta_data, s->meta_len)) < 0 ||
        (r = iso_add(img, "user-data", s->user_data, s->user_len)) < 0 ||
        (s->network_config &&
         (r = iso_add(img, "network-config", s->network_config, s->network_len)) < 0))
        goto cleanup;
    /* Rock Ridge: Linux's isofs shows the real names; Joliet: Windows does;
     * relaxed: the volume id stays "cidata", lower case, as cloud-localds
     * and genisoimage -V write it (ISO 9660 alone would make it CIDATA). */
    if ((r = iso_write_opts_new(&opts, 0)) < 0 || (r = iso_write_opts_set_rockridge(opts, 1)) < 0 ||
        (r = iso_write_opts_set_joliet(opts, 1)) < 0 ||
        (r = iso_write_opts_set_relaxed_vol_atts(opts, 1)) < 0 ||
        (r = iso_image_create_burn_source(img, opts, &src)) < 0)
        goto cleanup;
    size = src->get_size(src);
    if (size <= 0 || size % 2048 || !(s->iso = malloc((size_t)size))) {
        r = (int)ISO_OUT_OF_MEM;
        goto cleanup;
    }
    for (off_t at = 0; at < size; at += 2048) {
        if ((r = src->read_xt(src, s->iso + at, 2048)) != 2048) {
            r = r < 0 ? r : (int)ISO_WRITE_ERROR;
            goto cleanup;
        }
    }
    s->iso_len = (size_t)size;
    r = 1;
cleanup:
    if (src) {
        if (r < 0)
            src->cancel(src);
        src->free_data(src);
        free(src);
    }
    if (r < 0) {
        free(s->iso);
        s->iso = NULL;
    }
    iso_write_opts_free(opts);
    iso_image_unref(img);
    return r;
}

/* Build S's ISO image.  Returns 0, or -1 with an error naming HOST. */
static int make_iso(struct gf_seed *s, const char *host)
{
    int r;

    pthread_mutex_lock(&iso_lock); /* one libisofs user at a time */
    if (!iso_ready) {
        /* bit 0: leave the locale alone; libisofs prints nothing itself */
        if ((r = iso_init_with_flag(1)) >= 0) {
            iso_set_msgs_severities("NEVER", "NEVER", "goldfarm");
            iso_ready = 1;
        }
    }
    r = iso_ready ? iso_build(s) : r;
    pthread_mutex_unlock(&iso_lock);
    if (r < 0) {
        gf_err(GF_ERR_OP, "building the seed image of '%s': %s", host, iso_error_to_msg(r));
        return -1;
    }
    return 0;
}

void gf_seed_clear(struct gf_seed *s)
{
    free(s->meta_data);
    free(s->user_data);
    free(s->network_config);
    free(s->iso);
    memset(s, 0, sizeof(*s));
}

int gf_seed_make(const struct gf_identity *id, const struct gf_seed_vars *v, struct gf_seed *out)
{
    const char *problem = gf_seed_host_name_problem(id->guest, v->host);
    char host[GF_ESC_LEN];

    memset(out, 0, sizeof(*out));
    gf_esc(v->host, host, sizeof(host));
    if (problem) {
        gf_err(GF_ERR_INPUT, "host name '%s' %s: it cannot be the %s guest's host name", host,
               problem, id->guest == GF_GUEST_WINDOWS ? "Windows" : "Linux");
        return -1;
    }
    /* names checked above: nothing in them needs quoting in YAML */
    if (asprintf(&out->meta_data, "instance-id: %s\nlocal-hostname: %s\n",
                 v->instance_id ? v->instance_id : "", v->host) < 0) {
        out->meta_data = NULL;
        gf_err(GF_ERR_OP, "out of memory");
        goto fail;
    }
    out->meta_len = strlen(out->meta_data);
    if (id->user_data) {
        if (gf_seed_render(id->user_data_name, id->user_data, v, &out->user_data, &out->user_len,
                           NULL) < 0)
            goto fail;
    } else if (!(out->user_data = strdup(DEFAULT_USER_DATA))) {
        gf_err(GF_ERR_OP, "out of memory");
        goto fail;
    } else
        out->user_len = strlen(out->user_data);
    if (id->network_config && gf_seed_render(id->network_config_name, id->network_config, v,
                                             &out->network_config, &out->network_len, NULL) < 0)
        goto fail;
    if (make_iso(out, v->host) < 0)
        goto fail;
    return 0;
fail:
    gf_seed_clear(out);
    return -1;
}

/* ---- the volume ---- */

void gf_seed_volume_name(const char *host, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s", host, GF_SEED_SUFFIX);
}

/* The <volume> XML of a raw volume NAME of BYTES: a new string to free(),
 * or NULL with an error. */
static char *volume_xml(const char *name, size_t bytes)
{
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = xmlNewDocNode(doc, NULL, BAD_CAST "volume", NULL), n;
    xmlBufferPtr buf = xmlBufferCreate();
    char text[32];
    char *out;

    xmlDocSetRootElement(doc, root);
    xmlNewTextChild(root, NULL, BAD_CAST "name", BAD_CAST name);
    snprintf(text, sizeof(text), "%zu", bytes);
    n = xmlNewTextChild(root, NULL, BAD_CAST "capacity", BAD_CAST text);
    xmlSetProp(n, BAD_CAST "unit", BAD_CAST "bytes");
    xmlNewTextChild(root, NULL, BAD_CAST "allocation", BAD_CAST "0");
    n = xmlNewChild(xmlNewChild(root, NULL, BAD_CAST "target", NULL), NULL, BAD_CAST "format",
                    NULL);
    xmlSetProp(n, BAD_CAST "type", BAD_CAST "raw");
    xmlNodeDump(buf, doc, root, 0, 0);
    if (!(out = strdup((const char *)xmlBufferContent(buf))))
        gf_err(GF_ERR_OP, "out of memory");
    xmlBufferFree(buf);
    xmlFreeDoc(doc);
    return out;
}

/* Write S's ISO into VOL through a libvirt stream.  0 or -1 with an error. */
static int upload(virStorageVolPtr vol, const char *volname, const struct gf_seed *s)
{
    virStreamPtr st = virStreamNew(virStorageVolGetConnect(vol), 0);
    size_t at = 0;

    if (!st) {
        gf_err_virt("uploading seed '%s'", volname);
        return -1;
    }
    if (virStorageVolUpload(vol, st, 0, s->iso_len, 0) < 0) {
        gf_err_virt("uploading seed '%s'", volname);
        virStreamFree(st);
        return -1;
    }
    while (at < s->iso_len) {
        size_t n = s->iso_len - at < UPLOAD_CHUNK ? s->iso_len - at : UPLOAD_CHUNK;
        int sent = virStreamSend(st, (const char *)s->iso + at, n);
        if (sent <= 0) {
            gf_err_virt("uploading seed '%s'", volname);
            virStreamAbort(st);
            virStreamFree(st);
            return -1;
        }
        at += (size_t)sent;
    }
    if (virStreamFinish(st) < 0) {
        gf_err_virt("uploading seed '%s'", volname);
        virStreamFree(st);
        return -1;
    }
    virStreamFree(st);
    return 0;
}

virStorageVolPtr gf_seed_write(virStoragePoolPtr pool, const char *volname, const struct gf_seed *s)
{
    virConnectPtr conn = virStoragePoolGetConnect(pool);
    const char *type = virConnectGetType(conn);
    char *xml = volume_xml(volname, s->iso_len);
    char host[GF_ESC_LEN];
    size_t vlen = strlen(volname), slen = strlen(GF_SEED_SUFFIX);
    size_t hlen = vlen > slen ? vlen - slen : vlen;
    virStorageVolPtr vol;

    /* the fault point's subject is the host, as the clone's are */
    snprintf(host, sizeof(host), "%.*s", (int)hlen, volname);
    if (!xml)
        return NULL;
    vol = virStorageVolCreateXML(pool, xml, 0);
    free(xml);
    if (!vol) {
        gf_err_virt("creating seed volume '%s'", volname);
        return NULL;
    }
    if (type && strcmp(type, "TEST") == 0) {
        /* not an upload pretended: the test driver keeps no volume contents */
        gf_note("%s: seed volume made (%zu bytes); libvirt's test driver cannot upload "
                "(virStorageVolUpload), its content is not written",
                volname, s->iso_len);
        if (gf_fault("seed-upload", host) < 0)
            goto undo;
        return vol;
    }
    if (gf_fault("seed-upload", host) < 0 || upload(vol, volname, s) < 0)
        goto undo;
    gf_note("%s: seed written (%zu KiB: meta-data, user-data%s)", volname, s->iso_len / 1024,
            s->network_config ? ", network-config" : "");
    return vol;
undo : {
    char msg[1024];
    snprintf(msg, sizeof(msg), "%s", gf_err_message());
    if (virStorageVolDelete(vol, 0) < 0)
        gf_err(GF_ERR_OP, "%s; deleting the seed volume '%s' failed too", msg, volname);
    virStorageVolFree(vol);
    return NULL;
}
}

int gf_seed_find(virDomainPtr dom, char *path, size_t len)
{
    char *xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
    int ret;

    path[0] = '\0';
    if (!xml) {
        gf_err_virt("reading '%s'", virDomainGetName(dom));
        return -1;
    }
    ret = gf_domxml_seed(xml, path, len);
    free(xml);
    return ret;
}

int gf_seed_delete(virConnectPtr conn, const char *path, const char *owner)
{
    virStorageVolPtr vol = virStorageVolLookupByPath(conn, path);
    char who[256], p[GF_ESC_LEN];
    int gold, users;

    if (!vol) {
        virResetLastError(); /* never made, or gone already */
        return 0;
    }
    if ((gold = gf_image_owns_disk(conn, path)) != 0) {
        virStorageVolFree(vol);
        return gold < 0 ? -1 : 0; /* a gold disk is never deleted */
    }
    if ((users = gf_disk_users(conn, path, who, sizeof(who))) < 0) {
        virStorageVolFree(vol);
        return -1;
    }
    if (users > 1 || (users == 1 && (!owner || strcmp(who, owner) != 0))) {
        gf_note("seed %s is also used by '%s': kept", gf_esc(path, p, sizeof(p)), who);
        virStorageVolFree(vol);
        return 0;
    }
    if (virStorageVolDelete(vol, 0) < 0) {
        gf_err_virt("deleting seed volume %s", path);
        virStorageVolFree(vol);
        return -1;
    }
    virStorageVolFree(vol);
    return 0;
}
