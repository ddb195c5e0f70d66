/* escape.h - names and values echoed safely in one-line messages.
 *
 * Anything an admin or a file gave Goldfarm (a name, a value, a line of a
 * policy) is passed through gf_esc before it is printed in an error or a
 * log line: a control character, an escape sequence or a newline in it
 * then neither moves the terminal's cursor nor splits one message in two.
 */
#ifndef GF_ESCAPE_H
#define GF_ESCAPE_H

#include <stddef.h>

/* Longest escaped text gf_esc writes by default (GF_ESC_LEN bytes). */
#define GF_ESC_LEN 256

/* Write S into BUF (LEN bytes, at least 8) for printing: valid UTF-8
 * characters other than controls are kept; every other byte, the C0 and
 * C1 controls, DEL and the backslash become \xNN (\\ for the backslash);
 * what does not fit is cut and ends with "...".  S NULL is "(null)".
 * Returns BUF. */
const char *gf_esc(const char *s, char *buf, size_t len);

#endif
