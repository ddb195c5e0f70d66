/* guest_files.h - reading a file inside a test guest through its guest agent
 * (guest-file-open, guest-file-read, guest-file-close), for the QEMU tests that
 * check what the guest itself sees (/proc/cpuinfo, /proc/meminfo). */
#ifndef GF_TEST_GUEST_FILES_H
#define GF_TEST_GUEST_FILES_H

#include <stddef.h>

/* Read PATH inside DOM through its guest agent into *TEXT (a new string to free()).
 * Returns 0, or -1 with the reason in WHY (LEN bytes). */
int ga_read_file(const char *dom, const char *path, char **text, char *why, size_t len);

/* The lines of TEXT that start with PREFIX. */
int ga_count_lines(const char *text, const char *prefix);

/* The number after "KEY:" on its line of TEXT (/proc/meminfo's "MemTotal:"), or -1. */
long long ga_field(const char *text, const char *key);

#endif
