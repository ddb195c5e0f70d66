/* size.h - memory sizes as admins write them ("4G", "512M"). */
#ifndef GF_SIZE_H
#define GF_SIZE_H

/* Parse TEXT ("4G", "512M", "1536MiB", "2T", "65536K") into KiB, binary
 * units.  A bare number has no unit and is refused, so "4096" cannot be
 * misread.  Returns 0, or -1 with a GF_ERR_INPUT error naming WHAT. */
int gf_size_parse(const char *what, const char *text, unsigned long long *kib);

/* Format KIB into BUF as the largest exact unit ("4G", "1536M"). */
void gf_size_format(unsigned long long kib, char *buf, unsigned long len);

#endif
