/* test_meta_pack.c - the metadata cache's compact form of struct gf_meta:
 * every field comes back as it was, and the room text does not use is not
 * kept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/meta_pack.h"

/* Fill text field F of M with N copies of C (N < its room). */
#define FILL(m, f, c, n)                                                                           \
    do {                                                                                           \
        memset((m)->f, 0, sizeof((m)->f));                                                         \
        memset((m)->f, (c), (n) < sizeof((m)->f) ? (n) : sizeof((m)->f) - 1);                      \
    } while (0)

/* Every number set and every text field at its longest: packed and
 * unpacked, the struct is the same byte for byte. */
static void full_metadata_comes_back_whole(void **state)
{
    struct gf_meta m, back;
    unsigned char *buf;
    size_t len;

    (void)state;
    memset(&m, 0, sizeof(m));
    m.role = GF_ROLE_HOST;
    m.image_version = 7;
    m.state = GF_HS_DRAINING;
    m.standby_kind = GF_SB_SAVED;
    m.since = 1700000001;
    m.drained_by = GF_DRAIN_ADMIN;
    m.notified = 1700000002;
    m.logoff_sent = 1700000003;
    m.replace = GF_REPLACE_NONE;
    m.seal_version = 8;
    m.created = 1700000004;
    m.ready_since = 1700000005;
    m.resized = 1700000006;
    m.boot_vcpus = 3;
    m.boot_memory_kib = 123456789ULL;
    m.parent_version = 6;
    m.promoted = 9;
    m.shared = GF_SHARE_SHARED;
    FILL(&m, farm, 'a', sizeof(m.farm));
    FILL(&m, image, 'b', sizeof(m.image));
    FILL(&m, reason, 'c', sizeof(m.reason));
    FILL(&m, seal_gold, 'd', sizeof(m.seal_gold));
    FILL(&m, replaces, 'e', sizeof(m.replaces));
    FILL(&m, replaced_by, 'f', sizeof(m.replaced_by));
    FILL(&m, supersedes, 'g', sizeof(m.supersedes));
    FILL(&m, superseded_by, 'h', sizeof(m.superseded_by));
    FILL(&m, op_tag, 'i', sizeof(m.op_tag));
    FILL(&m, sealed_from, 'j', sizeof(m.sealed_from));
    FILL(&m, note, 'k', sizeof(m.note));
    FILL(&m, sha256, 'l', sizeof(m.sha256));
    buf = gf_meta_pack(&m, &len);
    assert_non_null(buf);
    assert_true(len <= sizeof(m));
    memset(&back, 0x5a, sizeof(back));
    gf_meta_unpack(buf, &back);
    assert_memory_equal(&m, &back, sizeof(m));
    free(buf);
}

/* A host's usual metadata (farm, image, a reason, an operation tag) packs
 * into a fifth of the struct, and comes back field by field, the text
 * fields zero after their end. */
static void a_host_packs_small(void **state)
{
    struct gf_meta m, back;
    unsigned char *buf;
    size_t len;

    (void)state;
    memset(&m, 0, sizeof(m));
    m.role = GF_ROLE_HOST;
    m.state = GF_HS_ACTIVE;
    m.image_version = 2;
    m.since = 1700000000;
    snprintf(m.farm, sizeof(m.farm), "%s", "rds");
    snprintf(m.image, sizeof(m.image), "%s", "rds-2022-gold");
    snprintf(m.reason, sizeof(m.reason), "%s", "scale out: 3 of 4 hosts over 80%");
    snprintf(m.op_tag, sizeof(m.op_tag), "%s", "clone-1700000000-42");
    buf = gf_meta_pack(&m, &len);
    assert_non_null(buf);
    assert_true(len < sizeof(m) / 5);
    memset(&back, 0x5a, sizeof(back));
    gf_meta_unpack(buf, &back);
    assert_memory_equal(&m, &back, sizeof(m));
    assert_string_equal(back.reason, "scale out: 3 of 4 hosts over 80%");
    assert_int_equal(back.replaces[0], 0);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_metadata_comes_back_whole),
        cmocka_unit_test(a_host_packs_small),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
