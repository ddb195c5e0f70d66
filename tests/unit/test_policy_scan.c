/* test_policy_scan.c - the pass before libconfig agrees with libconfig 1.5
 * on what is a syntax error and where, refuses what it must, and notes the
 * integers libconfig cannot hold. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <libconfig.h>

#include "policy/policy_scan.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define LSAN_OFF() __lsan_disable()
#define LSAN_ON() __lsan_enable()
#else
#define LSAN_OFF()
#define LSAN_ON()
#endif

/* libconfig's verdict on TEXT: 0 read, else its error line; its message
 * into WHAT.  Its own leak on some syntax errors is not this test's. */
static int libconfig_line(const char *text, char *what, size_t len)
{
    config_t cfg;
    int line = 0;

    LSAN_OFF();
    config_init(&cfg);
    if (config_read_string(&cfg, text) != CONFIG_TRUE) {
        line = config_error_line(&cfg);
        snprintf(what, len, "%s", config_error_text(&cfg));
    }
    config_destroy(&cfg);
    LSAN_ON();
    return line;
}

/* TEXT is read by both, or refused by both at one line for one reason. */
static void agree(const char *text)
{
    struct policy_scan s;
    char what[128] = "";
    int line = libconfig_line(text, what, sizeof(what));

    policy_scan(text, strlen(text), &s);
    if (s.kind == POLICY_SCAN_OK && line)
        fail_msg("[%s]: scan ok, libconfig: line %d: %s", text, line, what);
    if (s.kind == POLICY_SCAN_SYNTAX && !line)
        fail_msg("[%s]: scan: line %d: syntax error, libconfig: ok", text, s.line);
    if (s.kind == POLICY_SCAN_SYNTAX && (line != s.line || strcmp(what, s.what) != 0))
        fail_msg("[%s]: scan: line %d: %s, libconfig: line %d: %s", text, s.line, s.what, line,
                 what);
    assert_int_not_equal(s.kind, POLICY_SCAN_REFUSED);
    policy_scan_clear(&s);
}

static void agrees_with_libconfig(void **state)
{
    static const char *const texts[] = {
        "",
        "\n\n",
        "a = 1;",
        "a = 1",
        "a = 1 b = 2",
        "a = 1, b = 2,",
        "a = 1;;",
        "a = 1,;",
        "a : 1;",
        "a = ;",
        "a = 1; # comment\n",
        "a = 1; # comment at the very end",
        "a = 1; // comment\n",
        "a = 1; // comment at the very end",
        "a = 1; /* unterminated comment\n\n",
        "a = /* inside */ 1;",
        "a = 1; /* two\nlines */ b = ",
        "a = \"x\"; \"stray\"",
        "a = \"x\" \"y\" \"z\";",
        "a = \"unterminated\n\n",
        "a = \"esc \\n \\t \\\" \\\\ \\x41 \\x0 \\q \\x00\";",
        "a = \"multi\nline\" 5;",
        "a = [];",
        "a = [1, 2, 3];",
        "a = [1, 2,];",
        "a = [1 2];",
        "a = [1, \"x\"];",
        "a = [1, 2L];",
        "a = [[1]];",
        "a = [{}];",
        "a = ();",
        "a = (1, \"x\", [1], (2), {b = 1;});",
        "a = (1,);",
        "a = [1, 0x2, 3];",
        "a = [1L, 0x2L, 3LL];",
        "a = [5000000000, 1];",
        "a = [1.0, .5, 1e3, 1];",
        "a = [true, FALSE, 1];",
        "a = [\"x\", \"y\"\n\n\"z\", 1];",
        "a = [1, \"y\"\n\n\"z\"\n\n];",
        "a = [1,\n\n2.0];",
        "a = ([1], [\"x\"], 1, \"y\");",
        "a = 1;\nb = { a = 1; b = 2; };\nc = 3;\n\nb = 4;",
        "a = { x = 1; y = 2; x = 3; };",
        "a = ( { x = 1; }, { x = 2; x\n = 3; } );",
        "A = 1; a = 2;",
        "a = [1, \"x\"] b = = 1;",
        "a = (1 2);",
        "a = {};",
        "a = { b = 1; c = { d = (); }; };",
        "a = { b = 1; } c = 2;",
        "a = { b = 1; ;",
        "a = { b = 1 }}",
        "a = 1; a = 2;",
        "a = 1; }",
        "a = 0x1F; b = 0x1fL; c = 0x1FLL; d = 0x;",
        "a = 0x; b = 1;",
        "a = 1L; b = 2LL; c = 3LLL;",
        "a = +5; b = -5; c = -0;",
        "a = -; ",
        "a = +x;",
        "a = 1e5; b = 1.5e-3; c = .5; d = 5.; e = .;",
        "a = -.e5; b = 1.2.3;",
        "a = 1e; b = 1;",
        "a = 1.5e+; ",
        "a = 12abc;",
        "a = true; b = FALSE; c = True;",
        "a = truex;",
        "*a = 1; a-b = 2; a_b = 3; b* = 4;",
        "1a = 1;",
        "_a = 1;",
        "a = @;",
        "a = 1; @b",
        "a = 1;\n@include\"x\"\n",
        "a = 1; @include \"x\"\n",
        "a = \x01;",
        "a = \xc3\xa9;",
        "a\v= 1;",
        "a = 1;\r\rb = 2;\r",
        "a = 1;\r\nb = ;\r\n",
        "a = 1;\f b = 2;",
        "a = \"x\"\n\n\n;;",
        "a = [\n1,\n\n\"x\"];",
        "a = (\n{\n}\n,\n)",
        "a = 1;\n\n\nb\n\n=\n\n",
        "=",
        "a",
        "a =",
        "{",
        "\"x\"",
        "\"x",
        "a = \"x\\",
        "a = 1; /",
        "a = 1; #",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        agree(texts[i]);
}

/* TEXT (LEN bytes, 0: up to its NUL) is refused (not as a syntax error) at
 * LINE with WHAT. */
static void refused(const char *text, size_t len, int line, const char *what)
{
    struct policy_scan s;

    policy_scan(text, len ? len : strlen(text), &s);
    assert_int_equal(s.kind, POLICY_SCAN_REFUSED);
    assert_int_equal(s.line, line);
    assert_string_equal(s.what, what);
    policy_scan_clear(&s);
}

/* Where libconfig 1.5 leaks: a syntax error at a string, which the scan says. */
static void says_where_libconfig_would_leak(void **state)
{
    struct policy_scan s;

    (void)state;
    policy_scan("a = 1; \"x\"", 10, &s);
    assert_int_equal(s.kind, POLICY_SCAN_SYNTAX);
    assert_true(s.at_string);
    policy_scan_clear(&s);
    policy_scan("a = 1; 2", 8, &s);
    assert_int_equal(s.kind, POLICY_SCAN_SYNTAX);
    assert_false(s.at_string);
    policy_scan_clear(&s);
}

static void refuses_what_libconfig_must_not_read(void **state)
{
    char text[8192];
    size_t n;

    (void)state;
    refused("a = 1;\nb = 2;\0c = 3;\n", 21, 2, "a NUL byte: a policy file is text");
    refused("a = 1;\n@include \"/etc/passwd\"\n", 0, 2,
            "@include is not allowed: a policy file is self-contained");
    refused("a = 1;\n \t@include\t\"x\"\n", 0, 2,
            "@include is not allowed: a policy file is self-contained");
    refused(
        "a = { b = { c = { d = { e = { f = { g = { h = { i = { j = 1; }; }; }; }; }; }; }; }; };",
        0, 1, "nested deeper than 8 levels of groups, lists and arrays");
    /* 8 levels are fine */
    {
        struct policy_scan s;
        const char *deep = "a = { b = { c = { d = { e = { f = { g = ( [1] ); }; }; }; }; }; };";
        policy_scan(deep, strlen(deep), &s);
        assert_int_equal(s.kind, POLICY_SCAN_OK);
        policy_scan_clear(&s);
    }
    n = (size_t)snprintf(text, sizeof(text), "a = [");
    for (int i = 0; i < 257; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "%s\n%d", i ? "," : "", i);
    n += (size_t)snprintf(text + n, sizeof(text) - n, "];");
    refused(text, n, 258, "more than 256 entries in one group, list or array");
    n = (size_t)snprintf(text, sizeof(text), "a = \"%04097d\";", 0);
    refused(text, n, 1, "a string longer than 4096 bytes");
    n = (size_t)snprintf(text, sizeof(text), "a = \"%04096d\" \"\\\\\";", 0);
    refused(text, n, 1, "a string longer than 4096 bytes");
    n = (size_t)snprintf(text, sizeof(text), "a = \"%04096d\" \"\\x00\";", 0);
    {
        struct policy_scan s;
        policy_scan(text, n, &s); /* \x00 adds nothing: libconfig's own counting */
        assert_int_equal(s.kind, POLICY_SCAN_OK);
        policy_scan_clear(&s);
    }
    n = (size_t)snprintf(text, sizeof(text), "%065d = 1;", 0);
    text[0] = 'a';
    refused(text, n, 1, "a name longer than 64 characters");
}

/* The literal noted at PATH, or NULL. */
static const char *big(const struct policy_scan *s, const char *path)
{
    const struct policy_big_int *b = g_hash_table_lookup(s->big, path);

    return b ? b->text : NULL;
}

static void notes_integers_past_32_bits(void **state)
{
    const char *text =
        "a = 2147483647; b = 2147483648; c = -2147483648; d = -2147483649;\n"
        "e = 0x7fffffff; f = 0x80000000; g = 0xFFFFFFFFL; h = 4L; i = 5000000000L;\n"
        "j = { k = ( { l = 4294967297; }, 99999999999999999999999999999999999999999999"
        "999999999999 ); };\nm = 00000000000000000000000000000042;";
    struct policy_scan s;

    (void)state;
    policy_scan(text, strlen(text), &s);
    assert_int_equal(s.kind, POLICY_SCAN_OK);
    assert_null(big(&s, "a"));
    assert_string_equal(big(&s, "b"), "2147483648");
    assert_null(big(&s, "c"));
    assert_string_equal(big(&s, "d"), "-2147483649");
    assert_null(big(&s, "e"));
    assert_string_equal(big(&s, "f"), "0x80000000");
    assert_string_equal(big(&s, "g"), "0xFFFFFFFFL");
    assert_null(big(&s, "h"));
    assert_string_equal(big(&s, "i"), "5000000000L");
    assert_string_equal(big(&s, "j.k[1].l"), "4294967297");
    assert_string_equal(big(&s, "j.k[2]"), "99999999999999999999999999999999999999999999...");
    assert_null(big(&s, "m"));
    assert_int_equal(g_hash_table_size(s.big), 7);
    assert_int_equal(((const struct policy_big_int *)g_hash_table_lookup(s.big, "j.k[1].l"))->line,
                     3);
    policy_scan_clear(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(agrees_with_libconfig),
        cmocka_unit_test(refuses_what_libconfig_must_not_read),
        cmocka_unit_test(says_where_libconfig_would_leak),
        cmocka_unit_test(notes_integers_past_32_bits),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
