/* test_push_storage.c - which pools of two hypervisors are the same network
 * storage (gf_push_same_storage): gluster pools by their server, volume and
 * directory.  On libvirt's test driver: two nodes, each its own instance of
 * farm.xml (libvirt refuses a second pool of one source on one node), pools
 * defined through the API and never started. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "base/error.h"
#include "model/push_int.h"

static char farm_uri[600]; /* test:///.../farm.xml: each connection its own node */

/* A gluster pool NAME of gluster volume VOLUME at DIR on server HOST, on CONN. */
static virStoragePoolPtr gluster_pool(virConnectPtr conn, const char *name, const char *host,
                                      const char *volume, const char *dir)
{
    char xml[1024];
    virStoragePoolPtr pool;

    snprintf(xml, sizeof(xml),
             "<pool type='gluster'><name>%s</name><source><host name='%s'/><dir path='%s'/>"
             "<name>%s</name></source></pool>",
             name, host, dir, volume);
    if (!(pool = virStoragePoolDefineXML(conn, xml, 0)))
        fail_msg("defining gluster pool %s: %s", name, virGetLastErrorMessage());
    return pool;
}

/* The same server, volume and directory are the same storage; another volume of that
 * server, at the same directory, is not. */
static void gluster_pools_are_the_same_storage_by_their_volume(void **state)
{
    virConnectPtr one = virConnectOpen(farm_uri), two = virConnectOpen(farm_uri);
    virStoragePoolPtr a, b, other;
    char why[1100];

    (void)state;
    assert_non_null(one);
    assert_non_null(two);
    a = gluster_pool(one, "gl", "gfs1.example.com", "gv0", "/gold");
    b = gluster_pool(two, "gl", "gfs1.example.com", "gv0", "/gold");
    other = gluster_pool(two, "gl-other", "gfs1.example.com", "gv1", "/gold");
    assert_int_equal(gf_push_same_storage(a, b, why, sizeof(why)), 1);
    assert_string_equal(why, "gluster gfs1.example.com:gv0/gold");
    assert_int_equal(gf_push_same_storage(a, other, why, sizeof(why)), 0);
    assert_string_equal(why, "");
    virStoragePoolUndefine(a);
    virStoragePoolUndefine(b);
    virStoragePoolUndefine(other);
    virStoragePoolFree(a);
    virStoragePoolFree(b);
    virStoragePoolFree(other);
    virConnectClose(one);
    virConnectClose(two);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gluster_pools_are_the_same_storage_by_their_volume),
    };

    if (argc != 2) {
        fprintf(stderr, "usage: %s DIRECTORY-OF-farm.xml\n", argv[0]);
        return 2;
    }
    snprintf(farm_uri, sizeof(farm_uri), "test://%s/farm.xml", argv[1]);
    gf_err_init();
    return cmocka_run_group_tests_name("network pools: the same storage", tests, NULL, NULL) ? 1
                                                                                             : 0;
}
