/* plan_load.c - the load the scaler goes by: the most constrained of the
 * signals the policy counts (load.weights), sessions, CPU and memory, each
 * one's use of the hosts in service weighted; and how the rules show it.
 * Pure. */
#include "plan/plan.h"
#include "plan/plan_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void plan_load_count(struct planner *pl, const struct gf_host_obs *h)
{
    if (h->cpu_pct >= 0) {
        pl->use_sum[GF_SIG_CPU] += h->cpu_pct;
        pl->use_known[GF_SIG_CPU]++;
    }
    if (h->mem_avail_pct >= 0) {
        pl->use_sum[GF_SIG_MEMORY] += 100.0 - h->mem_avail_pct; /* memory in use */
        pl->use_known[GF_SIG_MEMORY]++;
    }
}

void plan_load_finish(struct planner *pl)
{
    struct gf_plan *out = pl->out;
    double best = -1;

    out->decided = GF_SIG_SESSIONS;
    for (int s = 0; s < GF_NSIGNALS; s++) {
        int w = pl->p->weight[s];
        double raw;
        out->signal_unknown[s] = 0;
        if (s == GF_SIG_SESSIONS)
            raw = out->capacity ? 100.0 * out->sessions / out->capacity : out->sessions ? 100 : 0;
        else {
            out->signal_unknown[s] = out->in_service - pl->use_known[s];
            raw = pl->use_known[s] ? pl->use_sum[s] / pl->use_known[s] : -1;
        }
        out->signal_raw_pct[s] = raw < 0 ? -1 : (int)lround(raw);
        pl->use[s] = !w || raw < 0 ? -1 : raw * w / 100.0;
        out->signal_pct[s] = pl->use[s] < 0 ? -1 : (int)lround(pl->use[s]);
        if (pl->use[s] > best) {
            best = pl->use[s];
            out->decided = (enum gf_signal)s;
        }
    }
}

/* Sessions counted: their use compared with PCT, exactly (SIGN of
 * sessions x weight - PCT x capacity). */
static long long sessions_vs(const struct planner *pl, int pct)
{
    return (long long)pl->out->sessions * pl->p->weight[GF_SIG_SESSIONS] -
           (long long)pct * pl->out->capacity;
}

int plan_load_over(const struct planner *pl, int pct)
{
    enum gf_signal d = pl->out->decided;

    if (d == GF_SIG_SESSIONS)
        return pl->p->weight[GF_SIG_SESSIONS] && sessions_vs(pl, pct) > 0;
    return pl->use[d] > pct;
}

int plan_load_below(const struct planner *pl, int pct)
{
    if (pl->p->weight[GF_SIG_SESSIONS] && sessions_vs(pl, pct) >= 0)
        return 0;
    for (int s = GF_SIG_CPU; s < GF_NSIGNALS; s++)
        if (pl->use[s] >= pct)
            return 0;
    return 1;
}

int plan_load_target(const struct planner *pl, int pct)
{
    long long w = pl->p->weight[GF_SIG_SESSIONS], per = (long long)pct * pl->p->max_sessions;
    int target = 0;

    if (w)
        target = (int)(((long long)pl->out->sessions * w + per - 1) / per);
    for (int s = GF_SIG_CPU; s < GF_NSIGNALS; s++) {
        int t;
        if (pl->use[s] < 0)
            continue;
        t = (int)ceil(pl->out->in_service * pl->use[s] / pct - 1e-9);
        if (t > target)
            target = t;
    }
    return target;
}

/* Signal S as the deciding one shows it, into BUF. */
static void signal_text(const struct planner *pl, enum gf_signal s, char *buf, size_t len)
{
    const struct gf_plan *out = pl->out;
    int w = pl->p->weight[s], n = s == GF_SIG_SESSIONS ? out->in_service : pl->use_known[s];
    char weighted[48] = "";

    if (w != 100)
        snprintf(weighted, sizeof(weighted), " x %d%% = %d%%", w, out->signal_pct[s]);
    if (s == GF_SIG_SESSIONS)
        snprintf(buf, len, "%d session%s / (%d host%s x %d) = %d%%%s", out->sessions,
                 out->sessions == 1 ? "" : "s", out->in_service, out->in_service == 1 ? "" : "s",
                 pl->p->max_sessions, out->usage_pct, weighted);
    else
        snprintf(buf, len, "%s %.0f%%%s on %d host%s%s", gf_signal_name(s), pl->use[s] * 100.0 / w,
                 s == GF_SIG_MEMORY ? " used" : "", n, n == 1 ? "" : "s", weighted);
}

void plan_load_text(const struct planner *pl, char *buf, size_t len)
{
    const struct gf_plan *out = pl->out;
    size_t used;
    int others = 0;

    used = (size_t)snprintf(buf, len, "%s: ", pl->label);
    if (used < len)
        signal_text(pl, out->decided, buf + used, len - used);
    for (int s = 0; s < GF_NSIGNALS; s++) {
        if (s == (int)out->decided || !pl->p->weight[s])
            continue;
        used = strlen(buf);
        if (out->signal_pct[s] < 0)
            snprintf(buf + used, len - used, "%s%s unknown", others ? ", " : " decides (",
                     gf_signal_name((enum gf_signal)s));
        else
            snprintf(buf + used, len - used, "%s%s %d%%", others ? ", " : " decides (",
                     gf_signal_name((enum gf_signal)s), out->signal_pct[s]);
        others++;
    }
    if (others) {
        used = strlen(buf);
        snprintf(buf + used, len - used, ")");
    }
}

int plan_load_unknown_notes(struct planner *pl)
{
    int notes = 0;

    for (int s = GF_SIG_CPU; s < GF_NSIGNALS; s++) {
        int n = pl->out->signal_unknown[s];
        if (!pl->p->weight[s] || n <= 0)
            continue;
        plan_add(pl, GF_ACT_NOTE, NULL, "%s: %s unknown on %d host%s: no scale-in", pl->label,
                 gf_signal_name((enum gf_signal)s), n, n == 1 ? "" : "s");
        notes++;
    }
    return notes;
}
