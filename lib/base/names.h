/* names.h - validation of the names an admin gives Goldfarm. */
#ifndef GF_NAMES_H
#define GF_NAMES_H

#define GF_NAME_MAX 64

/* Check NAME for use as a KIND ("host", "snapshot", "farm", "image").
 * A name is 1..64 characters with no '/', no "..", no XML metacharacters
 * (< > & ' "), no whitespace and no control characters.
 * Returns 0 when valid; -1 with a GF_ERR_INPUT error naming the problem. */
int gf_name_check(const char *kind, const char *name);

/* Why NAME is not a valid name ("contains '/'"), or NULL when it is.
 * The result is a static string. */
const char *gf_name_problem(const char *name);

#endif
