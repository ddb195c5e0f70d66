/* policy_scan.c - a pass over a policy file's text before libconfig reads it.
 *
 * The scanner follows libconfig 1.5's (lib/scanner.l: flex, the longest
 * match wins, the earlier rule on a tie), the parser its grammar
 * (lib/grammar.y), so both find a syntax error at the same token, and the
 * line reported is libconfig's: 1 + the newlines read up to the end of
 * that token.  The parser recurses at most POLICY_SCAN_DEPTH levels. */
#include "policy/policy_scan.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/names.h"

enum tok {
    T_EOF,
    T_NAME,
    T_EQUALS, /* = or : */
    T_COMMA,
    T_SEMI,
    T_GROUP,
    T_GROUP_END,
    T_ARRAY,
    T_ARRAY_END,
    T_LIST,
    T_LIST_END,
    T_BOOL,
    T_INT, /* decimal or hex, with or without L */
    T_FLOAT,
    T_STRING,
    T_GARBAGE,
    T_INCLUDE, /* ^[ \t]*@include[ \t]+" */
};

/* The text, where the scanner is, and its current token. */
struct scanner {
    const char *s;
    size_t len, pos;
    int line;     /* 1 + the newlines read so far: libconfig's yylineno */
    enum tok t;   /* the current token ... */
    size_t start; /* ... its bytes [start, pos) ... */
    size_t slen;  /* ... a string's length once unescaped ... */
    int tline;    /* ... and the line it ends on */
    struct policy_scan *out;
};

/* The byte at I, or -1 past the end. */
static int at(const struct scanner *sc, size_t i)
{
    return i < sc->len ? (unsigned char)sc->s[i] : -1;
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int is_hex(int c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int is_name_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '*';
}

static int is_name_char(int c)
{
    return is_name_start(c) || is_digit(c) || c == '-' || c == '_';
}

/* Whether ^[ \t]*@include[ \t]+" starts at I (which is at a line start). */
static int include_at(const struct scanner *sc, size_t i)
{
    size_t j;

    if (i > 0 && sc->s[i - 1] != '\n')
        return 0;
    while (at(sc, i) == ' ' || at(sc, i) == '\t')
        i++;
    if (sc->len - i < 8 || memcmp(sc->s + i, "@include", 8) != 0)
        return 0;
    for (j = i + 8; at(sc, j) == ' ' || at(sc, j) == '\t'; j++)
        ;
    return j > i + 8 && at(sc, j) == '"';
}

/* End of [eE][-+]?[0-9]+ at I, or 0 when there is none. */
static size_t exponent_end(const struct scanner *sc, size_t i)
{
    if (at(sc, i) != 'e' && at(sc, i) != 'E')
        return 0;
    i++;
    if (at(sc, i) == '-' || at(sc, i) == '+')
        i++;
    if (!is_digit(at(sc, i)))
        return 0;
    while (is_digit(at(sc, i)))
        i++;
    return i;
}

/* The longest of libconfig's number rules at P: its length (0: none) and
 * its token in *T.  float comes first in scanner.l, so it wins a tie. */
static size_t number_at(const struct scanner *sc, size_t p, enum tok *t)
{
    size_t best = 0, i = p, digits, e;

    /* float: [-+]?[0-9]*\.[0-9]*([eE][-+]?[0-9]+)? */
    if (at(sc, i) == '-' || at(sc, i) == '+')
        i++;
    digits = i;
    while (is_digit(at(sc, i)))
        i++;
    digits = i - digits;
    if (at(sc, i) == '.') {
        size_t j = i + 1;
        while (is_digit(at(sc, j)))
            j++;
        if ((e = exponent_end(sc, j)))
            j = e;
        best = j - p;
        *t = T_FLOAT;
    }
    /* float: [-+]?[0-9]+(\.[0-9]*)?[eE][-+]?[0-9]+ */
    if (digits) {
        size_t j = i;
        if (at(sc, j) == '.')
            for (j++; is_digit(at(sc, j)); j++)
                ;
        if ((e = exponent_end(sc, j)) && e - p > best) {
            best = e - p;
            *t = T_FLOAT;
        }
        /* integer, integer64: [-+]?[0-9]+L?L? */
        j = i;
        if (at(sc, j) == 'L' && at(sc, ++j) == 'L')
            j++;
        if (j - p > best) {
            best = j - p;
            *t = T_INT;
        }
    }
    /* hex, hex64: 0[Xx][0-9A-Fa-f]+L?L? */
    if (at(sc, p) == '0' && (at(sc, p + 1) == 'x' || at(sc, p + 1) == 'X') &&
        is_hex(at(sc, p + 2))) {
        size_t j = p + 2;
        while (is_hex(at(sc, j)))
            j++;
        if (at(sc, j) == 'L' && at(sc, ++j) == 'L')
            j++;
        if (j - p > best) {
            best = j - p;
            *t = T_INT;
        }
    }
    return best;
}

/* A string from the opening quote at sc->pos: its unescaped length into
 * sc->slen.  Returns 0, or -1 when the text ends inside it (libconfig's
 * scanner then just ends). */
static int scan_string(struct scanner *sc)
{
    size_t i = sc->pos + 1;

    sc->slen = 0;
    for (;;) {
        int c = at(sc, i);
        if (c < 0) {
            sc->pos = i;
            return -1;
        }
        if (c == '"') {
            sc->pos = i + 1;
            return 0;
        }
        if (c == '\\') {
            int n = at(sc, i + 1);
            if (n == 'n' || n == 'r' || n == 't' || n == 'f' || n == '\\' || n == '"') {
                i += 2;
            } else if ((n == 'x' || n == 'X') && is_hex(at(sc, i + 2)) && is_hex(at(sc, i + 3))) {
                /* \x00 adds nothing: libconfig appends it as a C string */
                if (at(sc, i + 2) == '0' && at(sc, i + 3) == '0')
                    sc->slen--;
                i += 4;
            } else {
                i++; /* a lone backslash stands for itself */
            }
            sc->slen++;
            continue;
        }
        if (c == '\n')
            sc->line++;
        sc->slen++;
        i++;
    }
}

/* Read the next token into SC. */
static void next(struct scanner *sc)
{
    size_t n;
    int c;

    for (;;) {
        sc->start = sc->pos;
        sc->tline = sc->line;
        if (sc->pos >= sc->len) {
            sc->t = T_EOF;
            return;
        }
        if ((sc->pos == 0 || sc->s[sc->pos - 1] == '\n') && include_at(sc, sc->pos)) {
            sc->t = T_INCLUDE;
            return;
        }
        c = at(sc, sc->pos);
        if (c == '\n') {
            sc->line++;
            sc->pos++;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
            sc->pos++;
        } else if (c == '/' && at(sc, sc->pos + 1) == '*') {
            /* a comment to its end, or to the end of the text */
            for (sc->pos += 2; sc->pos < sc->len; sc->pos++) {
                if (sc->s[sc->pos] == '*' && at(sc, sc->pos + 1) == '/') {
                    sc->pos += 2;
                    break;
                }
                sc->line += sc->s[sc->pos] == '\n';
            }
        } else if ((c == '#' || (c == '/' && at(sc, sc->pos + 1) == '/')) &&
                   memchr(sc->s + sc->pos, '\n', sc->len - sc->pos)) {
            /* (#|//).*$ : only before a newline; at the very end it is garbage */
            sc->pos =
                (size_t)((const char *)memchr(sc->s + sc->pos, '\n', sc->len - sc->pos) - sc->s);
        } else {
            break;
        }
    }
    switch (c) {
    case '=':
    case ':':
        sc->t = T_EQUALS;
        break;
    case ',':
        sc->t = T_COMMA;
        break;
    case ';':
        sc->t = T_SEMI;
        break;
    case '{':
        sc->t = T_GROUP;
        break;
    case '}':
        sc->t = T_GROUP_END;
        break;
    case '[':
        sc->t = T_ARRAY;
        break;
    case ']':
        sc->t = T_ARRAY_END;
        break;
    case '(':
        sc->t = T_LIST;
        break;
    case ')':
        sc->t = T_LIST_END;
        break;
    case '"':
        sc->t = scan_string(sc) < 0 ? T_EOF : T_STRING;
        sc->tline = sc->line;
        return;
    default:
        if (is_name_start(c)) {
            for (n = 1; is_name_char(at(sc, sc->pos + n)); n++)
                ;
            /* true and false come before name in scanner.l */
            sc->t = (n == 4 && strncasecmp(sc->s + sc->pos, "true", 4) == 0) ||
                            (n == 5 && strncasecmp(sc->s + sc->pos, "false", 5) == 0)
                        ? T_BOOL
                        : T_NAME;
            sc->pos += n;
            return;
        }
        if ((n = number_at(sc, sc->pos, &sc->t))) {
            sc->pos += n;
            return;
        }
        sc->t = T_GARBAGE;
        break;
    }
    sc->pos++;
}

/* Record the first problem, at the current token's line; returns -1. */
static int fail(struct scanner *sc, enum policy_scan_kind kind, const char *what)
{
    sc->out->kind = kind;
    sc->out->line = sc->tline;
    sc->out->at_string = sc->t == T_STRING;
    snprintf(sc->out->what, sizeof(sc->out->what), "%s", what);
    return -1;
}

/* A syntax error at the current token (an @include is refused as such). */
static int syntax_error(struct scanner *sc)
{
    if (sc->t == T_INCLUDE)
        return fail(sc, POLICY_SCAN_REFUSED,
                    "@include is not allowed: a policy file is self-contained");
    return fail(sc, POLICY_SCAN_SYNTAX, "syntax error");
}

/* Whether the integer literal T (N bytes) fits in 32 bits, as libconfig 1.5
 * holds it exactly. */
static int fits_int32(const char *t, size_t n)
{
    unsigned long long v = 0;
    size_t i = 0;
    int neg = 0, hex;

    if (t[0] == '-' || t[0] == '+')
        neg = t[i++] == '-';
    hex = n - i > 2 && t[i] == '0' && (t[i + 1] == 'x' || t[i + 1] == 'X');
    for (i += hex ? 2 : 0; i < n && t[i] != 'L'; i++) {
        int d = is_digit(t[i]) ? t[i] - '0' : (t[i] | 0x20) - 'a' + 10;
        v = v * (hex ? 16 : 10) + (unsigned long long)d;
        if (v > 2147483648ULL)
            return 0;
    }
    return neg ? v <= 2147483648ULL : v <= 2147483647ULL;
}

/* Note the current token, an integer, as the value at PATH if libconfig
 * cannot hold it. */
static void note_int(struct scanner *sc, const char *path)
{
    size_t n = sc->pos - sc->start;
    struct policy_big_int *b;

    if (fits_int32(sc->s + sc->start, n))
        return;
    b = g_new0(struct policy_big_int, 1);
    b->line = sc->tline;
    if (n < sizeof(b->text))
        memcpy(b->text, sc->s + sc->start, n);
    else
        snprintf(b->text, sizeof(b->text), "%.*s...", (int)sizeof(b->text) - 4, sc->s + sc->start);
    g_hash_table_replace(sc->out->big, g_strdup(path), b);
}

/* The types libconfig gives an array's elements (all must have the first's). */
enum elem_type { E_NONE, E_BOOL, E_INT, E_INT64, E_FLOAT, E_STRING };

/* simple_value at PATH: a boolean, a number, or adjacent strings.  In an
 * array whose elements have type *TYPE (E_NONE: none yet), it must have
 * that type too (libconfig checks it when it takes the value, before it
 * reads on after a number, after the next token after strings). */
static int simple_value(struct scanner *sc, const char *path, enum elem_type *type)
{
    enum elem_type t;
    size_t total = 0;

    switch (sc->t) {
    case T_INT:
        note_int(sc, path);
        t = sc->s[sc->pos - 1] == 'L' ? E_INT64 : E_INT;
        break;
    case T_BOOL:
        t = E_BOOL;
        break;
    case T_FLOAT:
        t = E_FLOAT;
        break;
    case T_STRING:
        while (sc->t == T_STRING) {
            total += sc->slen;
            if (total > POLICY_SCAN_STRING)
                return fail(sc, POLICY_SCAN_REFUSED, "a string longer than 4096 bytes");
            next(sc);
        }
        t = E_STRING;
        break;
    default:
        return syntax_error(sc);
    }
    if (type && *type != E_NONE && *type != t)
        return fail(sc, POLICY_SCAN_SYNTAX, "mismatched element type in array");
    if (type)
        *type = t;
    if (t != E_STRING)
        next(sc);
    return 0;
}

static int value(struct scanner *sc, const char *path, int depth);

/* The entries of an array (SIMPLE) or a list after its opening bracket, up
 * to and with its closing END. */
static int entries(struct scanner *sc, const char *path, int depth, int simple, enum tok end)
{
    char epath[POLICY_SCAN_PATH];
    enum elem_type type = E_NONE;
    int n = 0;

    if (sc->t == end) {
        next(sc);
        return 0;
    }
    for (;;) {
        if (++n > POLICY_SCAN_ENTRIES)
            return fail(sc, POLICY_SCAN_REFUSED,
                        "more than 256 entries in one group, list or array");
        snprintf(epath, sizeof(epath), "%s[%d]", path, n);
        if ((simple ? simple_value(sc, epath, &type) : value(sc, epath, depth)) < 0)
            return -1;
        if (sc->t == end) {
            next(sc);
            return 0;
        }
        if (sc->t != T_COMMA)
            return syntax_error(sc);
        next(sc);
    }
}

/* The settings of the root (END T_EOF) or a group (END T_GROUP_END, read
 * too) at PATH ("" for the root). */
static int settings(struct scanner *sc, const char *path, int depth, enum tok end)
{
    char spath[POLICY_SCAN_PATH];
    struct {
        size_t start, len;
    } names[POLICY_SCAN_ENTRIES];
    int n = 0;

    for (;;) {
        size_t len;
        if (sc->t == end) {
            if (end != T_EOF)
                next(sc);
            return 0;
        }
        if (sc->t != T_NAME)
            return syntax_error(sc);
        if (++n > POLICY_SCAN_ENTRIES)
            return fail(sc, POLICY_SCAN_REFUSED,
                        "more than 256 entries in one group, list or array");
        len = sc->pos - sc->start;
        if (len > GF_NAME_MAX)
            return fail(sc, POLICY_SCAN_REFUSED, "a name longer than 64 characters");
        /* as libconfig checks it, at the name */
        for (int i = 0; i < n - 1; i++)
            if (names[i].len == len && memcmp(sc->s + names[i].start, sc->s + sc->start, len) == 0)
                return fail(sc, POLICY_SCAN_SYNTAX, "duplicate setting name");
        names[n - 1].start = sc->start;
        names[n - 1].len = len;
        snprintf(spath, sizeof(spath), "%s%s%.*s", path, *path ? "." : "", (int)len,
                 sc->s + sc->start);
        next(sc);
        if (sc->t != T_EQUALS)
            return syntax_error(sc);
        next(sc);
        if (value(sc, spath, depth) < 0)
            return -1;
        if (sc->t == T_SEMI || sc->t == T_COMMA)
            next(sc);
    }
}

/* A value at PATH, in a container at DEPTH. */
static int value(struct scanner *sc, const char *path, int depth)
{
    enum tok t = sc->t;

    if (t != T_GROUP && t != T_ARRAY && t != T_LIST)
        return simple_value(sc, path, NULL);
    if (depth + 1 > POLICY_SCAN_DEPTH)
        return fail(sc, POLICY_SCAN_REFUSED,
                    "nested deeper than 8 levels of groups, lists and arrays");
    next(sc);
    if (t == T_GROUP)
        return settings(sc, path, depth + 1, T_GROUP_END);
    return entries(sc, path, depth + 1, t == T_ARRAY, t == T_ARRAY ? T_ARRAY_END : T_LIST_END);
}

void policy_scan(const char *text, size_t len, struct policy_scan *s)
{
    struct scanner sc = {.s = text, .len = len, .line = 1, .out = s};
    const char *nul = memchr(text, '\0', len);

    memset(s, 0, sizeof(*s));
    s->big = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    if (nul) {
        /* libconfig would stop there: refused before anything else */
        sc.tline = 1;
        for (const char *c = text; c < nul; c++)
            sc.tline += *c == '\n';
        fail(&sc, POLICY_SCAN_REFUSED, "a NUL byte: a policy file is text");
        return;
    }
    next(&sc);
    settings(&sc, "", 0, T_EOF);
}

void policy_scan_clear(struct policy_scan *s)
{
    if (s->big)
        g_hash_table_destroy(s->big);
    s->big = NULL;
}
