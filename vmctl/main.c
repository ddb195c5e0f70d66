/* main.c - vmctl's entry point: global options, then the commands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>

#include "base/error.h"
#include "base/log.h"
#include "vmctl.h"

#ifndef GOLDFARM_VERSION
#define GOLDFARM_VERSION "0.1.0"
#endif

int main(int argc, char **argv)
{
    struct vmctl_ctx ctx = {.out = stdout};
    int i, code;

    gf_err_init();
    gf_log_set_stream(stdout);
    for (i = 1; i < argc && argv[i][0] == '-' && strcmp(argv[i], ";") != 0; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-c") == 0 || strcmp(a, "--connect") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "vmctl: option '%s' needs a URI\n", a);
                return 2;
            }
            ctx.uri = argv[++i];
        } else if (strncmp(a, "--connect=", 10) == 0) {
            ctx.uri = a + 10;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            vmctl_help(stdout, NULL, 0);
            return 0;
        } else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
            printf("vmctl (Goldfarm) %s\n", GOLDFARM_VERSION);
            return 0;
        } else {
            fprintf(stderr, "vmctl: unknown option '%s' (vmctl help)\n", a);
            return 2;
        }
    }
    code = vmctl_run(&ctx, argc - i, argv + i);
    if (ctx.own_conn)
        virConnectClose(ctx.conn);
    return code;
}
