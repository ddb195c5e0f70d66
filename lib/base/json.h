/* json.h - JSON for --json listings, status files and decision records,
 * through json-c.
 *
 * The writer builds a json-c tree as its caller walks its data (open an
 * object, add members, close it) and prints it, compact and in order, when
 * the outermost object or array closes.  The reader parses one document
 * with json-c's tokener (depth bounded) for vmctl's readers of goldfarmd's
 * files.  json-c is the library libvirt itself moved to (libvirt 10.1, from
 * yajl): the same on every node Goldfarm runs on, reference counted, with
 * a strict tokener.
 */
#ifndef GF_JSON_H
#define GF_JSON_H

#include <stdio.h>

#include <json-c/json.h>

#define GF_JSON_DEPTH 16

struct gf_json {
    FILE *out;
    int depth;
    json_object *stack[GF_JSON_DEPTH]; /* the open objects and arrays, outermost first */
};

/* Start writing to OUT. */
void gf_json_init(struct gf_json *j, FILE *out);

/* Open an object or array ('{' or '['), as a member KEY of the enclosing
 * object, or as an element when KEY is NULL. */
void gf_json_open(struct gf_json *j, const char *key, char bracket);

/* Close the innermost object or array ('}' or ']'); the outermost one is
 * printed then, with a newline. */
void gf_json_close(struct gf_json *j, char bracket);

/* Write member KEY (NULL inside an array) with a string (NULL: null),
 * a number or a boolean value. */
void gf_json_str(struct gf_json *j, const char *key, const char *value);
void gf_json_int(struct gf_json *j, const char *key, long long value);
void gf_json_bool(struct gf_json *j, const char *key, int value);

/* Write member KEY with a real number, DECIMALS after the point. */
void gf_json_real(struct gf_json *j, const char *key, double value, int decimals);

/* Drop what J built and has not printed (an error before its end). */
void gf_json_discard(struct gf_json *j);

/* Parse TEXT as one JSON object (nothing after it but blanks, nesting at
 * most GF_JSON_DEPTH).  A new reference to json_object_put, or NULL. */
json_object *gf_json_parse_object(const char *text);

/* Member KEY of OBJ as a string ("" when absent or null; a number or a
 * boolean as written) into BUF.  Returns BUF. */
const char *gf_json_text(json_object *obj, const char *key, char *buf, size_t len);

#endif
