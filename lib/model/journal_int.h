/* journal_int.h - what recovery (recover.c) needs of the journal's file.
 * Internal to lib/model/journal.c and recover.c. */
#ifndef GF_JOURNAL_INT_H
#define GF_JOURNAL_INT_H

#include "model/journal.h"

/* Every line of J's file (without newlines) into *LINES (N strings, each
 * and the array to free()).  0, or -1 with an error. */
int journal_read_lines(struct gf_journal *j, char ***lines, int *n);

/* Make sure the next id J hands out is above ID. */
void journal_note_id(struct gf_journal *j, unsigned long id);

/* Replace J's file with LINES (N, NULL ones left out), atomically.  0 or -1. */
int journal_rewrite(struct gf_journal *j, char *const *lines, int n);

#endif
