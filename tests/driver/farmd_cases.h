/* farmd_cases.h - what the goldfarmd test programs share (farmd_cases.c). */
#ifndef GF_TEST_FARMD_CASES_H
#define GF_TEST_FARMD_CASES_H

#include <time.h>

#include "farmd_fixture.h"

#define GOLD "/var/lib/goldfarm/images/rds-gold.qcow2"

/* The day's sessions: a quiet night, the morning, a peak over the
 * threshold, the evening with two hosts left over, then empty. */
extern const char day_trace[];

int teardown(void **state);
void tick_changes_nothing(struct fx *f, const char *hhmm);
void assert_host(struct fx *f, int hv, const char *name, const char *state, time_t since);
void assert_overlay(struct fx *f, int hv, const char *name);
void assert_retired(struct fx *f, int hv, const char *name);
void replace(char *buf, size_t len, const char *from, const char *to);
void morning(struct fx *f, const char *uri);
void run_day(struct fx *f);
void uniform_policy(struct fx *f, char *buf, size_t len);
struct fx *rds_farm(void **state, int max_hosts);

/* Tick F at HHMM with GOLDFARM_CRASH=POINT: the tick stops there, as a
 * kill -9 would stop the daemon, with no cleanup. */
void tick_and_crash(struct fx *f, const char *point, const char *hhmm);

#endif
