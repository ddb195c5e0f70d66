/* health_cases.h - what the health test programs share (health_cases.c):
 * the prepared farm farm-health.xml (gold hf-gold, farm hf with hf-001 to
 * hf-004 running), its policy with a health group, the health command, and
 * checks of replacement and quarantine. */
#ifndef GF_TEST_HEALTH_CASES_H
#define GF_TEST_HEALTH_CASES_H

#include "farmd_fixture.h"

#define GOLD_VOL "hf-gold.qcow2"

/* Fingerprints in use, freed by the teardown when a test fails. */
extern char *held[2];
extern const char one_each[];
extern const char *policy_memory;

int hf_teardown(void **state);
void write_health_script(struct fx *f);
void set_bad(struct fx *f, const char *host, int bad);
void hf_policy(struct fx *f, const char *uri, int standby, const char *health);
const char *health_cmd(struct fx *f, const char *extra);
struct fx *hf_farm(void **state);
time_t at(struct fx *f, const char *hhmm, int secs);
void tick(struct fx *f, time_t t);
unsigned long tick_may_fail(struct fx *f, time_t t);
void destroy(virConnectPtr conn, const char *name);
void meta_of(virConnectPtr conn, const char *name, struct gf_meta *m);
int dom_state(virConnectPtr conn, const char *name, int *reason);
void snapshot_named(virConnectPtr conn, const char *name, const char *prefix, char *buf,
                    size_t len);
void assert_quarantined(virConnectPtr conn, const char *name, const char *why);
void assert_replacement(virConnectPtr conn, const char *old, const char *new_host);
int has_line(struct fx *f, const char *needle);
void expect_clone_line(struct fx *f, const char *host, const char *failed, const char *why);

#endif
