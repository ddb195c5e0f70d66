/* json.c - JSON through json-c: a writer that prints a tree when it is
 * complete, and a reader for one document. */
#include "base/json.h"

#include <stdio.h>
#include <string.h>

void gf_json_init(struct gf_json *j, FILE *out)
{
    memset(j, 0, sizeof(*j));
    j->out = out;
}

/* Add VALUE (owned) to the innermost open container of J, as member KEY. */
static void add(struct gf_json *j, const char *key, json_object *value)
{
    json_object *top = j->depth ? j->stack[j->depth - 1] : NULL;

    if (!top) { /* a scalar at the top: printed as a document of its own */
        fprintf(j->out, "%s\n",
                json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN |
                                                          JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(value);
        return;
    }
    if (json_object_is_type(top, json_type_array))
        json_object_array_add(top, value);
    else
        json_object_object_add(top, key ? key : "", value);
}

void gf_json_open(struct gf_json *j, const char *key, char bracket)
{
    json_object *o = bracket == '[' ? json_object_new_array() : json_object_new_object();

    if (j->depth == GF_JSON_DEPTH) {
        json_object_put(o);
        return;
    }
    if (j->depth)
        add(j, key, o); /* owned by its parent; kept on the stack while open */
    j->stack[j->depth++] = o;
}

void gf_json_close(struct gf_json *j, char bracket)
{
    (void)bracket;
    if (!j->depth)
        return;
    if (--j->depth == 0) {
        fprintf(j->out, "%s\n",
                json_object_to_json_string_ext(j->stack[0], JSON_C_TO_STRING_PLAIN |
                                                                JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(j->stack[0]);
        j->stack[0] = NULL;
    }
}

void gf_json_str(struct gf_json *j, const char *key, const char *value)
{
    add(j, key, value ? json_object_new_string(value) : NULL);
}

void gf_json_int(struct gf_json *j, const char *key, long long value)
{
    add(j, key, json_object_new_int64(value));
}

void gf_json_bool(struct gf_json *j, const char *key, int value)
{
    add(j, key, json_object_new_boolean(value));
}

void gf_json_real(struct gf_json *j, const char *key, double value, int decimals)
{
    char text[64];

    snprintf(text, sizeof(text), "%.*f", decimals, value);
    add(j, key, json_object_new_double_s(value, text));
}

void gf_json_discard(struct gf_json *j)
{
    if (j->depth)
        json_object_put(j->stack[0]);
    j->depth = 0;
}

json_object *gf_json_parse_object(const char *text)
{
    json_tokener *tok = json_tokener_new_ex(GF_JSON_DEPTH);
    json_object *o = NULL;
    size_t len = strlen(text), end;

    if (!tok)
        return NULL;
    o = json_tokener_parse_ex(tok, text, (int)len);
    end = json_tokener_get_parse_end(tok);
    if (json_tokener_get_error(tok) != json_tokener_success ||
        !json_object_is_type(o, json_type_object) ||
        text[end + strspn(text + end, " \t\r\n")] != '\0') {
        json_object_put(o);
        o = NULL;
    }
    json_tokener_free(tok);
    return o;
}

const char *gf_json_text(json_object *obj, const char *key, char *buf, size_t len)
{
    json_object *v;

    buf[0] = '\0';
    if (!obj || !json_object_object_get_ex(obj, key, &v) || !v)
        return buf;
    snprintf(buf, len, "%s",
             json_object_is_type(v, json_type_string)
                 ? json_object_get_string(v)
                 : json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
    return buf;
}
