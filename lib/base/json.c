/* json.c - a small JSON writer for --json listings. */
#include "base/json.h"

void gf_json_init(struct gf_json *j, FILE *out)
{
    j->out = out;
    j->depth = 0;
    j->count[0] = 0;
}

/* Write S as a JSON string literal. */
static void write_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", out);
        else if (c == '\t')
            fputs("\\t", out);
        else if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

/* Write the separator and key before a new member or element. */
static void member(struct gf_json *j, const char *key)
{
    if (j->count[j->depth]++)
        fputc(',', j->out);
    if (key) {
        write_string(j->out, key);
        fputc(':', j->out);
    }
}

void gf_json_open(struct gf_json *j, const char *key, char bracket)
{
    member(j, key);
    fputc(bracket, j->out);
    if (j->depth + 1 < GF_JSON_DEPTH)
        j->count[++j->depth] = 0;
}

void gf_json_close(struct gf_json *j, char bracket)
{
    fputc(bracket, j->out);
    if (j->depth > 0)
        j->depth--;
    if (j->depth == 0)
        fputc('\n', j->out);
}

void gf_json_str(struct gf_json *j, const char *key, const char *value)
{
    member(j, key);
    if (value)
        write_string(j->out, value);
    else
        fputs("null", j->out);
}

void gf_json_int(struct gf_json *j, const char *key, long long value)
{
    member(j, key);
    fprintf(j->out, "%lld", value);
}

void gf_json_bool(struct gf_json *j, const char *key, int value)
{
    member(j, key);
    fputs(value ? "true" : "false", j->out);
}
