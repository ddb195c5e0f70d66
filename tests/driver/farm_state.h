/* farm_state.h - a fingerprint of everything libvirt holds, to check that
 * a refused or undone command changed nothing. */
#ifndef GF_TEST_FARM_STATE_H
#define GF_TEST_FARM_STATE_H

#include <libvirt/libvirt.h>

/* Every domain (state, persistent and live XML, snapshots and which is
 * current) and every volume of every pool on CONN, as one new string to
 * free().  goldfarmd's farm lease elements, renewed every tick, are left
 * out.  Aborts the test on a libvirt failure. */
char *farm_state(virConnectPtr conn);

/* Fail the running test, showing the first line that differs, when the
 * fingerprints BEFORE and AFTER differ.  WHAT names the command. */
void assert_same_state(const char *before, const char *after, const char *what);

#endif
