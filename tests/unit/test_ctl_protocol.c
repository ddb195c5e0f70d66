/* test_ctl_protocol.c - the control socket's protocol (requests parsed and
 * refused with typed codes, answers, the default socket), its messages on
 * the wire, and the farm's admin state goldfarmd keeps.  No daemon. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/error.h"
#include "control/protocol.h"
#include "control/wire.h"
#include "reconcile/admin.h"

/* Parse TEXT; returns its code, the reason into WHY. */
static enum gf_ctl_code parse(const char *text, struct gf_ctl_req *r, char *why, size_t len)
{
    return gf_ctl_req_parse(text, strlen(text), r, why, len);
}

static void requests_parse(void **state)
{
    struct gf_ctl_req r;
    char why[512];

    (void)state;
    assert_int_equal(
        parse("{\"protocol\":1,\"verb\":\"farm.pause\",\"farm\":\"rds\"}", &r, why, sizeof(why)),
        GF_CTL_OK);
    assert_int_equal(r.verb, GF_CTL_FARM_PAUSE);
    assert_string_equal(r.farm, "rds");
    assert_int_equal(parse("{\"verb\":\"farm.replace\",\"host\":\"rds-002\",\"now\":true}\r\n", &r,
                           why, sizeof(why)),
                     GF_CTL_OK);
    assert_int_equal(r.verb, GF_CTL_FARM_REPLACE);
    assert_string_equal(r.host, "rds-002");
    assert_string_equal(r.farm, "");
    assert_true(r.now);
    assert_int_equal(parse("{\"verb\":\"rollout.start\",\"farm\":\"ro\",\"to\":2,\"batch\":3,"
                           "\"min_in_service\":75,\"min_pct\":true,\"soak\":600}",
                           &r, why, sizeof(why)),
                     GF_CTL_OK);
    assert_int_equal(r.rollout.kind, GF_REQ_START);
    assert_int_equal(r.rollout.to, 2);
    assert_int_equal(r.rollout.batch, 3);
    assert_int_equal(r.rollout.min, 75);
    assert_true(r.rollout.min_pct);
    assert_int_equal(r.rollout.soak, 600);
    /* the planner's line for it, what a trace would say */
    assert_string_equal(r.rollout.text, "start to=2 batch=3 min=75% soak=600");
    assert_int_equal(parse("{\"verb\":\"rollout.abort\",\"farm\":\"ro\"}", &r, why, sizeof(why)),
                     GF_CTL_OK);
    assert_int_equal(r.rollout.kind, GF_REQ_ABORT);
    assert_string_equal(r.rollout.text, "abort");
    assert_int_equal(parse("{\"verb\":\"rollout.status\",\"farm\":\"ro\",\"id\":3,\"after\":17}",
                           &r, why, sizeof(why)),
                     GF_CTL_OK);
    assert_int_equal(r.id, 3);
    assert_int_equal(r.after, 17);
    assert_int_equal(parse("{\"verb\":\"farm.status\"}", &r, why, sizeof(why)), GF_CTL_OK);
    assert_int_equal(r.after, -1); /* at once */
    assert_int_equal(parse("{\"verb\":\"reload\"}", &r, why, sizeof(why)), GF_CTL_OK);
    assert_int_equal(r.verb, GF_CTL_RELOAD);
}

/* Every malformed request is refused with its code and a reason naming
 * what is wrong. */
static void bad_requests_refused(void **state)
{
    static const struct {
        const char *text;
        enum gf_ctl_code code;
        const char *says;
    } cases[] = {
        {"", GF_CTL_BAD_REQUEST, "it ends too early"},
        {"pause rds", GF_CTL_BAD_REQUEST, "not a JSON object"},
        {"[\"farm.pause\"]", GF_CTL_BAD_REQUEST, "not an object"},
        {"{\"verb\":\"farm.pause\",\"farm\":\"rds\"", GF_CTL_BAD_REQUEST, "it ends too early"},
        {"{\"verb\":\"farm.pause\",\"farm\":\"rds\"} {}", GF_CTL_BAD_REQUEST,
         "text after the object"},
        {"{\"verb\":\"farm.pause\",\"farm\":\"rds\"}x", GF_CTL_BAD_REQUEST, "not a JSON object"},
        {"{\"a\":[[[[[[[[[[[[[[1]]]]]]]]]]]]]]}", GF_CTL_BAD_REQUEST, "not a JSON object"},
        {"{\"farm\":\"rds\"}", GF_CTL_BAD_REQUEST, "a request needs a 'verb'"},
        {"{\"verb\":7}", GF_CTL_BAD_REQUEST, "a request needs a 'verb'"},
        {"{\"verb\":\"farm.explode\",\"farm\":\"rds\"}", GF_CTL_UNKNOWN_VERB,
         "unknown verb 'farm.explode'"},
        {"{\"protocol\":2,\"verb\":\"reload\"}", GF_CTL_BAD_REQUEST, "protocol version 2"},
        {"{\"verb\":\"farm.pause\"}", GF_CTL_BAD_REQUEST, "a farm.pause request needs a 'farm'"},
        {"{\"verb\":\"farm.drain\",\"farm\":\"rds\"}", GF_CTL_BAD_REQUEST, "needs a 'host'"},
        {"{\"verb\":\"farm.pause\",\"farm\":\"rds\",\"now\":true}", GF_CTL_BAD_REQUEST,
         "'now' is not a member of a farm.pause request"},
        {"{\"verb\":\"farm.pause\",\"farm\":\"rds\",\"farms\":1}", GF_CTL_BAD_REQUEST,
         "'farms' is not a member"},
        {"{\"verb\":\"farm.pause\",\"farm\":\"../etc\"}", GF_CTL_BAD_REQUEST,
         "is not a valid farm name"},
        {"{\"verb\":\"farm.pause\",\"farm\":\"a\\u0000b\"}", GF_CTL_BAD_REQUEST,
         "'farm' must be a name"},
        {"{\"verb\":\"farm.pause\",\"farm\":5}", GF_CTL_BAD_REQUEST, "'farm' must be a name"},
        {"{\"verb\":\"farm.replace\",\"host\":\"h\",\"now\":1}", GF_CTL_BAD_REQUEST,
         "'now' must be true or false"},
        {"{\"verb\":\"rollout.start\",\"farm\":\"ro\",\"batch\":0}", GF_CTL_BAD_REQUEST,
         "'batch' must be a whole number from 1 to 100"},
        {"{\"verb\":\"rollout.start\",\"farm\":\"ro\",\"to\":\"2\"}", GF_CTL_BAD_REQUEST,
         "'to' must be a whole number"},
        {"{\"verb\":\"rollout.start\",\"farm\":\"ro\",\"soak\":86401}", GF_CTL_BAD_REQUEST,
         "'soak' must be a whole number from 0 to 86400"},
        {"{\"verb\":\"rollout.start\",\"farm\":\"ro\",\"min_in_service\":150,\"min_pct\":true}",
         GF_CTL_BAD_REQUEST, "as a percentage must be from 0 to 100"},
        {"{\"verb\":\"rollout.start\",\"farm\":\"ro\",\"min_pct\":true}", GF_CTL_BAD_REQUEST,
         "'min_pct' goes with 'min_in_service'"},
        {"{\"verb\":\"rollout.pause\",\"farm\":\"ro\",\"to\":2}", GF_CTL_BAD_REQUEST,
         "'to' is not a member of a rollout.pause request"},
    };
    struct gf_ctl_req r;
    char why[512];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum gf_ctl_code code = parse(cases[i].text, &r, why, sizeof(why));
        if (code != cases[i].code || !strstr(why, cases[i].says))
            fail_msg("'%s': %s '%s', expected %s '%s'", cases[i].text, gf_ctl_code_name(code), why,
                     gf_ctl_code_name(cases[i].code), cases[i].says);
        assert_null(strchr(why, '\n'));
    }
}

static void oversized_request_refused(void **state)
{
    size_t len = GF_CTL_REQUEST_MAX + 10;
    char *text = malloc(len + 1), why[256];
    struct gf_ctl_req r;

    (void)state;
    assert_non_null(text);
    memset(text, ' ', len);
    memcpy(text, "{\"verb\":\"reload\"}", 17);
    text[len] = '\0';
    assert_int_equal(gf_ctl_req_parse(text, len, &r, why, sizeof(why)), GF_CTL_TOO_LARGE);
    assert_non_null(strstr(why, "longer than 65536 bytes"));
    free(text);
}

/* A request sent is the request parsed, for every verb. */
static void requests_round_trip(void **state)
{
    (void)state;
    for (int v = 0; v < GF_CTL_NVERBS; v++) {
        struct gf_ctl_req r, back;
        json_object *o;
        char why[256];
        const char *text;
        gf_ctl_req_init(&r, (enum gf_ctl_verb)v);
        snprintf(r.farm, sizeof(r.farm), "f-%d", v);
        snprintf(r.host, sizeof(r.host), "h-%d", v);
        snprintf(r.uri, sizeof(r.uri), "qemu+ssh://hv%d/system", v);
        r.now = 1;
        r.id = 9;
        r.after = 4;
        if (v == GF_CTL_ROLLOUT_START) {
            r.rollout.to = 3;
            r.rollout.min = 4;
        }
        assert_non_null(o = gf_ctl_req_json(&r));
        text = json_object_to_json_string(o);
        if (gf_ctl_req_parse(text, strlen(text), &back, why, sizeof(why)) != GF_CTL_OK)
            fail_msg("%s: %s", text, why);
        assert_int_equal(back.verb, v);
        if (v == GF_CTL_FARM_EVACUATE || v == GF_CTL_FARM_UNEVACUATE)
            assert_string_equal(back.uri, r.uri);
        assert_int_equal(gf_ctl_verb_parse(gf_ctl_verb_name((enum gf_ctl_verb)v)), v);
        if (v == GF_CTL_ROLLOUT_START) {
            assert_int_equal(back.rollout.to, 3);
            assert_int_equal(back.rollout.min, 4);
            assert_int_equal(back.rollout.batch, GF_REQ_UNSET);
            assert_string_equal(back.rollout.text, "start to=3 min=4");
        }
        if (v == GF_CTL_FARM_REPLACE) {
            assert_string_equal(back.host, "h-3");
            assert_true(back.now);
        }
        if (v == GF_CTL_ROLLOUT_STATUS) {
            assert_int_equal(back.id, 9);
            assert_int_equal(back.after, 4);
        }
        json_object_put(o);
    }
}

static void answers_and_codes(void **state)
{
    json_object *a;
    char text[64];

    (void)state;
    for (int c = 0; c < GF_CTL_NCODES; c++)
        assert_int_equal(gf_ctl_code_parse(gf_ctl_code_name((enum gf_ctl_code)c)), c);
    a = gf_ctl_answer(GF_CTL_UNKNOWN_FARM, "no farm '%s'", "x");
    assert_int_equal(gf_ctl_answer_code(a), GF_CTL_UNKNOWN_FARM);
    assert_string_equal(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN),
                        "{\"code\":\"unknown_farm\",\"reason\":\"no farm 'x'\"}");
    json_object_put(a);
    a = gf_ctl_answer(GF_CTL_OK, "done");
    assert_int_equal(gf_ctl_answer_code(a), GF_CTL_OK);
    json_object_put(a);
    /* an answer with a code goldfarmd does not know is a failure, not a success */
    a = json_tokener_parse("{\"code\":\"fine\"}");
    assert_int_equal(gf_ctl_answer_code(a), GF_CTL_FAILED);
    json_object_put(a);
    gf_ctl_default_path(NULL, text, sizeof(text));
    assert_string_equal(text, "/run/goldfarm/control.sock");
    gf_ctl_default_path("/var/lib/goldfarm/", text, sizeof(text));
    assert_string_equal(text, "/run/goldfarm/control.sock");
    gf_ctl_default_path("/tmp/x/state/", text, sizeof(text));
    assert_string_equal(text, "/tmp/x/state/control.sock");
}

/* The wire: a line read whole, an answer too long, a peer that closes. */
static void wire_bounds(void **state)
{
    int sv[2];
    json_object *o;
    char big[5000];

    (void)state;
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    o = gf_ctl_answer(GF_CTL_OK, "hello");
    assert_int_equal(gf_ctl_write(sv[0], o, 1000), 0);
    json_object_put(o);
    assert_non_null(o = gf_ctl_read(sv[1], 1000, 1000));
    assert_int_equal(gf_ctl_answer_code(o), GF_CTL_OK);
    json_object_put(o);
    memset(big, 'x', sizeof(big));
    assert_int_equal(write(sv[0], big, sizeof(big)), (ssize_t)sizeof(big));
    assert_null(gf_ctl_read(sv[1], 1000, 1000));
    assert_non_null(strstr(gf_err_message(), "longer than 1000 bytes"));
    close(sv[0]);
    close(sv[1]);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    close(sv[0]);
    assert_null(gf_ctl_read(sv[1], 1000, 1000));
    assert_non_null(strstr(gf_err_message(), "closed the connection without an answer"));
    close(sv[1]);
    /* no socket: not running, an operation that failed (exit 1) */
    assert_int_equal(gf_ctl_connect("/nonexistent/control.sock"), -1);
    assert_string_equal(gf_err_message(),
                        "goldfarmd is not running (no socket at /nonexistent/control.sock)");
    assert_int_equal(gf_err_class_get(), GF_ERR_OP);
}

/* The admin state: saved and read back, 0640, the queue bounded, the
 * decided ones kept in order. */
static void admin_state_round_trip(void **state)
{
    char dir[] = "/tmp/gf-admin-XXXXXX", path[128];
    struct gf_admin a = {0}, b;
    struct gf_admin_req q = {.kind = GF_ADMIN_DRAIN, .host = "rds-002", .at = 100, .uid = 0};
    const struct gf_admin_done *d;
    struct stat st;
    int waiting;

    (void)state;
    assert_non_null(mkdtemp(dir));
    assert_int_equal(gf_admin_load(dir, "rds", &b), 0); /* none yet: empty */
    assert_int_equal(b.nqueue + b.paused, 0);
    a.paused = 1;
    a.paused_at = 42;
    assert_int_equal(gf_admin_queue(&a, &q), 1);
    q.kind = GF_ADMIN_ROLLOUT;
    q.rollout = (struct gf_rollout_req){.kind = GF_REQ_START,
                                        .to = 2,
                                        .batch = GF_REQ_UNSET,
                                        .min = 50,
                                        .min_pct = 1,
                                        .soak = GF_REQ_UNSET};
    assert_int_equal(gf_admin_queue(&a, &q), 2);
    assert_int_equal(gf_admin_save(dir, "rds", &a), 0);
    snprintf(path, sizeof(path), "%s/rds.admin", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    assert_int_equal(gf_admin_load(dir, "rds", &b), 0);
    assert_true(b.paused);
    assert_int_equal(b.paused_at, 42);
    assert_int_equal(b.nqueue, 2);
    assert_string_equal(b.queue[0].host, "rds-002");
    assert_string_equal(b.queue[1].rollout.text, "start to=2 min=50%");
    gf_admin_decided(&b, 1, GF_FATE_TAKEN, "rds-002 draining", 200);
    assert_int_equal(b.nqueue, 1);
    assert_non_null(d = gf_admin_fate_of(&b, 1, &waiting));
    assert_false(waiting);
    assert_int_equal(d->fate, GF_FATE_TAKEN);
    assert_null(gf_admin_fate_of(&b, 2, &waiting));
    assert_true(waiting);
    for (int i = b.nqueue; i < GF_ADMIN_QUEUE; i++)
        assert_true(gf_admin_queue(&b, &q) > 0);
    assert_int_equal(gf_admin_queue(&b, &q), 0); /* full */
    /* a file that is not goldfarmd's: an error, and nothing asked */
    {
        FILE *out = fopen(path, "w");
        assert_non_null(out);
        fputs("{\"queue\":[{\"kind\":\"explode\",\"id\":1}]}\n", out);
        fclose(out);
    }
    assert_int_equal(gf_admin_load(dir, "rds", &b), -1);
    assert_int_equal(b.nqueue + b.paused, 0);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(requests_parse),
        cmocka_unit_test(bad_requests_refused),
        cmocka_unit_test(oversized_request_refused),
        cmocka_unit_test(requests_round_trip),
        cmocka_unit_test(answers_and_codes),
        cmocka_unit_test(wire_bounds),
        cmocka_unit_test(admin_state_round_trip),
    };

    gf_err_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
