/* json.h - a small JSON writer for --json listings. */
#ifndef GF_JSON_H
#define GF_JSON_H

#include <stdio.h>

#define GF_JSON_DEPTH 16

struct gf_json {
    FILE *out;
    int depth;
    int count[GF_JSON_DEPTH]; /* members written at each depth */
};

/* Start writing to OUT. */
void gf_json_init(struct gf_json *j, FILE *out);

/* Open an object or array ('{' or '['), as a member KEY of the enclosing
 * object, or as an element when KEY is NULL. */
void gf_json_open(struct gf_json *j, const char *key, char bracket);

/* Close the innermost object or array ('}' or ']'); at depth 0, a newline. */
void gf_json_close(struct gf_json *j, char bracket);

/* Write member KEY (NULL inside an array) with a string (NULL: null),
 * a number or a boolean value. */
void gf_json_str(struct gf_json *j, const char *key, const char *value);
void gf_json_int(struct gf_json *j, const char *key, long long value);
void gf_json_bool(struct gf_json *j, const char *key, int value);

#endif
