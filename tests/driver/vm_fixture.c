/* vm_fixture.c - vmctl's commands in-process on one test-driver connection. */
#include "vm_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>
#include <libvirt/virterror.h>

#include "base/log.h"

struct fixture *vm_open(const char *uri)
{
    struct fixture *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    f->conn = virConnectOpen(uri);
    assert_non_null(f->conn);
    f->ctx.conn = f->conn;
    return f;
}

void vm_close(struct fixture *f)
{
    unsetenv("GOLDFARM_FAULT");
    if (!f)
        return;
    virConnectClose(f->conn);
    free(f->out);
    free(f);
}

int vm(struct fixture *f, ...)
{
    char *argv[32];
    int argc = 0, code;
    FILE *mem;
    va_list ap;

    va_start(ap, f);
    while (argc < 31 && (argv[argc] = va_arg(ap, char *)))
        argc++;
    va_end(ap);
    free(f->out);
    f->out = NULL;
    mem = open_memstream(&f->out, &f->out_len);
    assert_non_null(mem);
    f->ctx.out = mem;
    gf_log_set_stream(mem);
    code = vmctl_run(&f->ctx, argc, argv);
    gf_log_set_stream(NULL);
    fclose(mem);
    return code;
}

virDomainPtr domain(struct fixture *f, const char *name)
{
    virDomainPtr dom = virDomainLookupByName(f->conn, name);

    if (!dom)
        fail_msg("no domain '%s'", name);
    return dom;
}

struct gf_meta meta_of(struct fixture *f, const char *name)
{
    virDomainPtr dom = domain(f, name);
    struct gf_meta m;

    assert_int_equal(gf_meta_get(dom, &m), 1);
    virDomainFree(dom);
    return m;
}

char *volume_xml(struct fixture *f, const char *name)
{
    virStoragePoolPtr pool = virStoragePoolLookupByName(f->conn, "goldfarm");
    virStorageVolPtr vol = virStorageVolLookupByName(pool, name);
    char *xml = vol ? virStorageVolGetXMLDesc(vol, 0) : NULL;

    if (vol)
        virStorageVolFree(vol);
    virStoragePoolFree(pool);
    virResetLastError();
    return xml;
}
