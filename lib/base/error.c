/* error.c - the one recorded error of a failed operation. */
#include "base/error.h"

#include <stdio.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/xmlerror.h>

static _Thread_local char err_message[1536];
static _Thread_local gf_err_class err_class;

/* libvirt's newest error message, copied when raised: libvirt's own
 * last-error slot is reset by every public API call, even
 * virDomainGetName, so it would be gone by the time the caller names
 * the domain in its message. */
static _Thread_local char virt_message[768];

/* Make MSG one line: each run of line breaks (QEMU's messages, passed on
 * by libvirt, have them) becomes "; ". */
static void one_line(char *msg)
{
    char out[sizeof(err_message)];
    size_t w = 0;

    for (const char *r = msg; *r && w + 3 < sizeof(out); r++) {
        if (*r == '\n' || *r == '\r') {
            while (r[1] == '\n' || r[1] == '\r')
                r++;
            if (r[1] && w > 0) {
                out[w++] = ';';
                out[w++] = ' ';
            }
            continue;
        }
        out[w++] = *r;
    }
    out[w] = '\0';
    memcpy(msg, out, w + 1);
}

void gf_err(gf_err_class cls, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err_message, sizeof(err_message), fmt, ap);
    va_end(ap);
    one_line(err_message);
    err_class = cls;
}

void gf_err_virt(const char *fmt, ...)
{
    char context[512];
    const char *detail = virt_message[0] ? virt_message : virGetLastErrorMessage();
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(context, sizeof(context), fmt, ap);
    va_end(ap);
    snprintf(err_message, sizeof(err_message), "%s: %s", context,
             detail ? detail : "unknown libvirt error");
    one_line(err_message);
    err_class = GF_ERR_OP;
}

const char *gf_err_message(void)
{
    return err_message;
}

gf_err_class gf_err_class_get(void)
{
    return err_class;
}

void gf_err_clear(void)
{
    err_message[0] = '\0';
    err_class = GF_ERR_NONE;
}

/* libvirt calls this for every error it raises: keep its message for
 * gf_err_virt instead of printing it. */
static void keep_handler(void *opaque, virErrorPtr error)
{
    (void)opaque;
    snprintf(virt_message, sizeof(virt_message), "%s",
             error && error->message ? error->message : "unknown libvirt error");
}

/* libxml2 reports parse errors through this; Goldfarm reports its own, once. */
static void xml_silent(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

void gf_err_init(void)
{
    xmlSetGenericErrorFunc(NULL, xml_silent);
    virSetErrorFunc(NULL, keep_handler);
}
