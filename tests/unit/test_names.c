/* test_names.c - name validation and size parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/error.h"
#include "base/escape.h"
#include "base/names.h"
#include "base/size.h"

static void good_names_pass(void **state)
{
    (void)state;
    assert_int_equal(gf_name_check("host", "rds-001"), 0);
    assert_int_equal(gf_name_check("host", "RDS_2022.gold+v3"), 0);
    assert_int_equal(gf_name_check("host", "a"), 0);
    /* exactly 64 characters */
    assert_int_equal(
        gf_name_check("host", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
        0);
}

/* Each bad name is refused as bad input, with a message naming the fault. */
static void bad_names_fail(void **state)
{
    static const struct {
        const char *name, *says;
    } cases[] = {
        {"", "empty"},
        {"a/b", "contains '/'"},
        {"..", "contains '..'"},
        {"a..b", "contains '..'"},
        {"a<b", "XML metacharacter"},
        {"a>b", "XML metacharacter"},
        {"a&b", "XML metacharacter"},
        {"a'b", "XML metacharacter"},
        {"a\"b", "XML metacharacter"},
        {"a b", "whitespace"},
        {"a\tb", "whitespace"},
        {"a\nb", "whitespace"},
        {"a\x01"
         "b",
         "control character"},
        {"a\x7f", "control character"},
        {"-rf", "starts with '-'"},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "longer than 64"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        gf_err_clear();
        assert_int_equal(gf_name_check("snapshot", cases[i].name), -1);
        assert_int_equal(gf_err_class_get(), GF_ERR_INPUT);
        if (!strstr(gf_err_message(), cases[i].says))
            fail_msg("name #%zu: '%s' does not say '%s'", i, gf_err_message(), cases[i].says);
        assert_non_null(strstr(gf_err_message(), "snapshot"));
    }
}

static void sizes_parse(void **state)
{
    static const struct {
        const char *text;
        unsigned long long kib;
    } cases[] = {
        {"4G", 4ULL << 20}, {"4g", 4ULL << 20}, {"512M", 512ULL << 10}, {"1536MiB", 1536ULL << 10},
        {"2T", 2ULL << 30}, {"65536K", 65536},  {"16GiB", 16ULL << 20},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned long long kib = 0;
        assert_int_equal(gf_size_parse("--memory", cases[i].text, &kib), 0);
        assert_int_equal(kib, cases[i].kib);
    }
}

static void bad_sizes_fail(void **state)
{
    static const struct {
        const char *text, *says;
    } cases[] = {
        {"4096", "needs a unit"},
        {"4X", "unknown unit"},
        {"0G", "more than zero"},
        {"-1G", "expected a size"},
        {"", "expected a size"},
        {"G", "expected a size"},
        {"99999999999999999999G", "too large"},
        {"2000000T", "too large"},
        {"4 G", "unknown unit"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned long long kib = 7;
        gf_err_clear();
        assert_int_equal(gf_size_parse("--memory", cases[i].text, &kib), -1);
        assert_int_equal(kib, 7);
        assert_int_equal(gf_err_class_get(), GF_ERR_INPUT);
        if (!strstr(gf_err_message(), cases[i].says))
            fail_msg("size '%s': '%s' does not say '%s'", cases[i].text, gf_err_message(),
                     cases[i].says);
    }
}

static void sizes_format(void **state)
{
    char buf[32];

    (void)state;
    gf_size_format(4ULL << 20, buf, sizeof(buf));
    assert_string_equal(buf, "4G");
    gf_size_format(1536ULL << 10, buf, sizeof(buf));
    assert_string_equal(buf, "1536M");
    gf_size_format(100, buf, sizeof(buf));
    assert_string_equal(buf, "100K");
}

/* Echoed names and values stay on one line and move no cursor. */
static void escapes_controls(void **state)
{
    char buf[GF_ESC_LEN], small[12];

    (void)state;
    assert_string_equal(gf_esc("rds-001", buf, sizeof(buf)), "rds-001");
    assert_string_equal(gf_esc("b\xc3\xbcro", buf, sizeof(buf)), "b\xc3\xbcro"); /* UTF-8 kept */
    assert_string_equal(gf_esc("a\x1b[2Jb", buf, sizeof(buf)), "a\\x1b[2Jb");
    assert_string_equal(gf_esc("one\ntwo", buf, sizeof(buf)), "one\\x0atwo");
    assert_string_equal(gf_esc("back\\slash", buf, sizeof(buf)), "back\\\\slash");
    assert_string_equal(gf_esc("bad\xff", buf, sizeof(buf)), "bad\\xff");     /* not UTF-8 */
    assert_string_equal(gf_esc("c1\xc2\x9b", buf, sizeof(buf)), "c1\\u009b"); /* C1 CSI */
    assert_string_equal(gf_esc(NULL, buf, sizeof(buf)), "(null)");
    assert_string_equal(gf_esc("abcdefghijklmnop", small, sizeof(small)), "abcdefgh...");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_names_pass), cmocka_unit_test(bad_names_fail),
        cmocka_unit_test(sizes_parse),     cmocka_unit_test(bad_sizes_fail),
        cmocka_unit_test(sizes_format),    cmocka_unit_test(escapes_controls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
