/* fuzz_trace.c - the trace reader (gf_trace_parse) on any text.
 *
 * For every input: a refused trace has one input error, one line of
 * printable text naming the file, and no rows; an accepted one has rows in
 * strictly increasing time, within the span, with sessions, active
 * sessions, CPU and memory in range, and gf_trace_at finds each of them. */
#include "fuzz.h"

#include "base/error.h"
#include "observe/trace.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    gf_err_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the size picks the zone local times are parsed in: seeds stay plain text */
    static const char *const zones[] = {"UTC", "Europe/Berlin", "America/New_York", NULL};
    const char *zone = zones[size % 4];
    char *text = fuzz_text(data, size);
    struct gf_trace tr;
    int hint = -1;

    gf_err_clear();
    if (gf_trace_parse("fuzz.csv", text, zone, &tr) < 0) {
        FUZZ_CHECK(gf_err_class_get() == GF_ERR_INPUT, "not an input error");
        FUZZ_CHECK(!strchr(gf_err_message(), '\n'), "an error of more than one line");
        FUZZ_CHECK(fuzz_clean_lines(gf_err_message(), "fuzz.csv:"), "an error that is not clean");
        FUZZ_CHECK(!tr.rows && !tr.nrows, "rows kept from a refused trace");
    } else {
        FUZZ_CHECK(tr.nrows >= 1 && tr.resolution >= 1, "an accepted trace without rows");
        for (int i = 0; i < tr.nrows; i++) {
            const struct gf_trace_row *r = &tr.rows[i];
            FUZZ_CHECK(r->sessions >= 0 && r->sessions <= GF_TRACE_MAX_SESSIONS, "sessions");
            FUZZ_CHECK(r->active == -1 || (r->active >= 0 && r->active <= r->sessions), "active");
            FUZZ_CHECK(tr.has_cpu ? r->cpu >= 0 && r->cpu <= GF_TRACE_MAX_CPU : r->cpu == -1,
                       "cpu");
            FUZZ_CHECK(tr.has_memory ? r->memory_mib >= 0 && r->memory_mib <= GF_TRACE_MAX_MEMORY
                                     : r->memory_mib == -1,
                       "memory");
            FUZZ_CHECK(!i || r->t > tr.rows[i - 1].t, "time not increasing");
            FUZZ_CHECK(!i || r->t - tr.rows[i - 1].t >= tr.resolution, "a gap under resolution");
            FUZZ_CHECK(r->t - tr.rows[0].t <= GF_TRACE_MAX_SPAN, "past the span");
            FUZZ_CHECK(gf_trace_at(&tr, r->t, &hint) == i, "gf_trace_at with a hint");
            FUZZ_CHECK(gf_trace_at(&tr, r->t, NULL) == i, "gf_trace_at");
        }
        FUZZ_CHECK(gf_trace_at(&tr, tr.rows[0].t - 1, NULL) == -1, "before the first row");
        gf_trace_free(&tr);
    }
    free(text);
    return 0;
}
