/* journal.c - operations in flight: the records and the file. */
#include "model/journal.h"
#include "model/journal_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <json-c/json.h>

#include "base/error.h"
#include "base/fault.h"
#include "base/file.h"
#include "base/textfile.h"
#include "base/log.h"
#include "model/domxml.h"

static void (*crash_handler)(const char *point);

void gf_crash_set_handler(void (*handler)(const char *point))
{
    crash_handler = handler;
}

void gf_crash_point(const char *point)
{
    const char *armed = getenv("GOLDFARM_CRASH");

    if (!armed || strcmp(armed, point) != 0)
        return;
    if (crash_handler)
        crash_handler(point);
    abort();
}

static const char *const kind_names[] = {"begin", "volume", "define", "end", "intent"};
static const char *const op_names[] = {"?", "clone", "retire", "push"};

/* ---- one record a line ------------------------------------------------ */

/* The checksum of TEXT: the first 16 hex digits of its SHA-256, into SUM. */
static void checksum(const char *text, char sum[17])
{
    gchar *full = g_compute_checksum_for_string(G_CHECKSUM_SHA256, text, -1);

    snprintf(sum, 17, "%.16s", full ? full : "");
    g_free(full);
}

char *gf_journal_format(const struct gf_jrec *r)
{
    json_object *o = json_object_new_object();
    const char *json;
    char sum[17], *line = NULL;

    if (!o) {
        gf_err(GF_ERR_OP, "out of memory");
        return NULL;
    }
    json_object_object_add(o, "k", json_object_new_string(kind_names[r->kind]));
    json_object_object_add(o, "id", json_object_new_int64((int64_t)r->id));
    switch (r->kind) {
    case GF_JREC_BEGIN:
        json_object_object_add(o, "op", json_object_new_string(op_names[r->op]));
        json_object_object_add(o, "host", json_object_new_string(r->host));
        json_object_object_add(o, "uri", json_object_new_string(r->uri));
        json_object_object_add(o, "tag", json_object_new_string(r->tag));
        if (r->uuid[0])
            json_object_object_add(o, "uuid", json_object_new_string(r->uuid));
        if (r->start)
            json_object_object_add(o, "start", json_object_new_boolean(1));
        break;
    case GF_JREC_INTENT:
        json_object_object_add(o, "path", json_object_new_string(r->path));
        break;
    case GF_JREC_VOLUME:
        json_object_object_add(o, "path", json_object_new_string(r->path));
        if (r->backing[0])
            json_object_object_add(o, "backing", json_object_new_string(r->backing));
        break;
    case GF_JREC_DEFINE:
        json_object_object_add(o, "uuid", json_object_new_string(r->uuid));
        break;
    case GF_JREC_END:
        break;
    }
    json = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    checksum(json, sum);
    if (asprintf(&line, "%s %s\n", sum, json) < 0) {
        line = NULL;
        gf_err(GF_ERR_OP, "out of memory");
    }
    json_object_put(o);
    return line;
}

/* Copy string member KEY of O into DST (LEN bytes); REQUIRED: missing is an
 * error.  0, or -1 with an error. */
static int str_member(json_object *o, const char *key, char *dst, size_t len, int required)
{
    json_object *v;
    const char *s;

    dst[0] = '\0';
    if (!json_object_object_get_ex(o, key, &v)) {
        if (!required)
            return 0;
        gf_err(GF_ERR_OP, "journal record without \"%s\"", key);
        return -1;
    }
    if (!json_object_is_type(v, json_type_string) || !(s = json_object_get_string(v)) ||
        strlen(s) >= len || strlen(s) != (size_t)json_object_get_string_len(v)) {
        gf_err(GF_ERR_OP, "journal record: \"%s\" is not a string of at most %zu bytes", key,
               len - 1);
        return -1;
    }
    memcpy(dst, s, strlen(s) + 1);
    return 0;
}

/* The index of WORD in NAMES (N of them), or -1. */
static int word_index(const char *word, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(word, names[i]) == 0)
            return i;
    return -1;
}

int gf_journal_parse(const char *line, struct gf_jrec *r)
{
    json_tokener *tok = NULL;
    json_object *o = NULL, *v;
    char sum[17], kind[16];
    const char *json;
    int k, ret = -1;

    memset(r, 0, sizeof(*r));
    if (strlen(line) < 18 || line[16] != ' ' || strspn(line, "0123456789abcdef") != 16) {
        gf_err(GF_ERR_OP, "journal record without its checksum");
        return -1;
    }
    json = line + 17;
    checksum(json, sum);
    if (memcmp(sum, line, 16) != 0) {
        gf_err(GF_ERR_OP, "journal record whose checksum does not match (torn or changed)");
        return -1;
    }
    if (!(tok = json_tokener_new_ex(4)) ||
        !(o = json_tokener_parse_ex(tok, json, (int)strlen(json))) ||
        json_tokener_get_error(tok) != json_tokener_success ||
        json_tokener_get_parse_end(tok) != strlen(json) ||
        !json_object_is_type(o, json_type_object)) {
        gf_err(GF_ERR_OP, "journal record that is not one JSON object");
        goto cleanup;
    }
    if (str_member(o, "k", kind, sizeof(kind), 1) < 0)
        goto cleanup;
    if ((k = word_index(kind, kind_names, 5)) < 0) {
        gf_err(GF_ERR_OP, "journal record of unknown kind");
        goto cleanup;
    }
    r->kind = (enum gf_jrec_kind)k;
    if (!json_object_object_get_ex(o, "id", &v) || !json_object_is_type(v, json_type_int) ||
        json_object_get_int64(v) <= 0) {
        gf_err(GF_ERR_OP, "journal record without a positive \"id\"");
        goto cleanup;
    }
    r->id = (unsigned long)json_object_get_int64(v);
    switch (r->kind) {
    case GF_JREC_BEGIN:
        if (str_member(o, "op", r->opword, sizeof(r->opword), 1) < 0 ||
            str_member(o, "host", r->host, sizeof(r->host), 1) < 0 ||
            str_member(o, "uri", r->uri, sizeof(r->uri), 1) < 0 ||
            str_member(o, "tag", r->tag, sizeof(r->tag), 1) < 0 ||
            str_member(o, "uuid", r->uuid, sizeof(r->uuid), 0) < 0)
            goto cleanup;
        k = word_index(r->opword, op_names, 4);
        r->op = k > 0 ? (enum gf_jop)k : GF_JOP_UNKNOWN;
        r->start = json_object_object_get_ex(o, "start", &v) && json_object_get_boolean(v);
        if (strlen(r->tag) != GF_OP_TAG_LEN - 1 ||
            strspn(r->tag, "0123456789abcdef") != GF_OP_TAG_LEN - 1) {
            gf_err(GF_ERR_OP, "journal record with a malformed tag");
            goto cleanup;
        }
        break;
    case GF_JREC_INTENT:
    case GF_JREC_VOLUME:
        if (str_member(o, "path", r->path, sizeof(r->path), 1) < 0 ||
            str_member(o, "backing", r->backing, sizeof(r->backing), 0) < 0)
            goto cleanup;
        if (r->path[0] != '/') {
            gf_err(GF_ERR_OP, "journal record with a volume path that is not absolute");
            goto cleanup;
        }
        break;
    case GF_JREC_DEFINE:
        if (str_member(o, "uuid", r->uuid, sizeof(r->uuid), 1) < 0)
            goto cleanup;
        break;
    case GF_JREC_END:
        break;
    }
    ret = 0;
cleanup:
    json_object_put(o);
    if (tok)
        json_tokener_free(tok);
    return ret;
}

/* ---- the file ---------------------------------------------------------- */

/* Write LINE at the end of J's file and sync it (called with the lock
 * held).  WHAT is the record's kind, for the fault point journal-write.
 * 0, or -1 with an error. */
static int write_line(struct gf_journal *j, const char *line, const char *what)
{
    size_t len = strlen(line), done = 0;

    if (gf_fault("journal-write", what) < 0) {
        gf_err(GF_ERR_OP, "writing journal %s: %s (injected)", j->path, strerror(ENOSPC));
        return -1;
    }
    while (done < len) {
        ssize_t n = write(j->fd, line + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            gf_err(GF_ERR_OP, "writing journal %s: %s", j->path, strerror(n < 0 ? errno : EIO));
            if (done && ftruncate(j->fd, lseek(j->fd, 0, SEEK_END) - (off_t)done) != 0) {
                /* a torn line is reported by its checksum at the next start */
            }
            return -1;
        }
        done += (size_t)n;
    }
    if (fdatasync(j->fd) != 0) {
        gf_err(GF_ERR_OP, "syncing journal %s: %s", j->path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Write the end record of ID (lock held).  0 or -1. */
static int write_end(struct gf_journal *j, unsigned long id)
{
    struct gf_jrec r = {.kind = GF_JREC_END, .id = id};
    char *line = gf_journal_format(&r);
    int ret = line ? write_line(j, line, "end") : -1;

    free(line);
    return ret;
}

/* Retry the end records still pending (lock held). */
static void retry_pending(struct gf_journal *j)
{
    int kept = 0;

    for (int i = 0; i < j->npending; i++) {
        if (write_end(j, j->pending_end[i]) == 0) {
            gf_note("journal: the end of operation %lu written on a retry", j->pending_end[i]);
            continue;
        }
        j->pending_end[kept++] = j->pending_end[i];
    }
    j->npending = kept;
}

/* Format and write record R (lock held), retrying pending ends first. */
static int append(struct gf_journal *j, const struct gf_jrec *r)
{
    char *line;
    int ret;

    retry_pending(j);
    if (!(line = gf_journal_format(r)))
        return -1;
    ret = write_line(j, line, kind_names[r->kind]);
    free(line);
    return ret;
}

/* Check that the file or directory FD (PATH) is this user's and writable by
 * no one else.  0, or -1 with an error. */
static int check_private(int fd, const char *path)
{
    struct stat st;

    if (fstat(fd, &st) != 0) {
        gf_err(GF_ERR_OP, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    if (st.st_uid != geteuid() || (st.st_mode & 022)) {
        gf_err(GF_ERR_OP,
               "%s is not private to goldfarmd (owner %ld, mode %04o): it is never read as "
               "instructions; make it owned by uid %ld and writable by it alone",
               path, (long)st.st_uid, (unsigned)(st.st_mode & 07777), (long)geteuid());
        return -1;
    }
    return 0;
}

struct gf_journal *gf_journal_open(const char *state_dir)
{
    struct gf_journal *j = calloc(1, sizeof(*j));
    int dfd;

    if (!j) {
        gf_err(GF_ERR_OP, "out of memory");
        return NULL;
    }
    j->fd = -1;
    if ((dfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        gf_err(GF_ERR_OP, "cannot open the state directory %s: %s", state_dir, strerror(errno));
        goto fail;
    }
    if (check_private(dfd, state_dir) < 0) {
        close(dfd);
        goto fail;
    }
    close(dfd);
    snprintf(j->path, sizeof(j->path), "%s/journal", state_dir);
    if ((j->fd = open(j->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0) {
        gf_err(GF_ERR_OP, "cannot open journal %s: %s", j->path, strerror(errno));
        goto fail;
    }
    if (check_private(j->fd, j->path) < 0)
        goto fail;
    pthread_mutex_init(&j->lock, NULL);
    j->next_id = (unsigned long)time(NULL) * 1000;
    return j;
fail:
    if (j->fd >= 0)
        close(j->fd);
    free(j);
    return NULL;
}

void gf_journal_close(struct gf_journal *j)
{
    if (!j)
        return;
    pthread_mutex_lock(&j->lock);
    retry_pending(j);
    pthread_mutex_unlock(&j->lock);
    close(j->fd);
    pthread_mutex_destroy(&j->lock);
    free(j);
}

/* A new random tag into TAG.  0 or -1. */
static int new_tag(char tag[GF_OP_TAG_LEN])
{
    unsigned char raw[16];

    if (gf_random_bytes(raw, sizeof(raw)) < 0)
        return -1;
    for (int i = 0; i < 16; i++)
        snprintf(tag + 2 * i, 3, "%02x", raw[i]);
    return 0;
}

unsigned long gf_journal_begin(struct gf_journal *j, enum gf_jop op, const char *host,
                               const char *uri, const char *uuid, int start,
                               char tag[GF_OP_TAG_LEN])
{
    struct gf_jrec r = {.kind = GF_JREC_BEGIN, .op = op, .start = start};
    unsigned long id;

    if (new_tag(tag) < 0)
        return 0;
    if (!j)
        return 1;
    snprintf(r.host, sizeof(r.host), "%s", host);
    snprintf(r.uri, sizeof(r.uri), "%s", uri);
    snprintf(r.uuid, sizeof(r.uuid), "%s", uuid ? uuid : "");
    snprintf(r.tag, sizeof(r.tag), "%s", tag);
    pthread_mutex_lock(&j->lock);
    id = r.id = ++j->next_id;
    if (append(j, &r) < 0)
        id = 0;
    else
        j->nopen++;
    pthread_mutex_unlock(&j->lock);
    return id;
}

int gf_journal_volume(struct gf_journal *j, unsigned long id, const char *path, const char *backing)
{
    struct gf_jrec r = {.kind = GF_JREC_VOLUME, .id = id};
    int ret;

    if (!j)
        return 0;
    if (strlen(path) >= sizeof(r.path) || (backing && strlen(backing) >= sizeof(r.backing))) {
        gf_err(GF_ERR_OP, "journal: a volume path is too long");
        return -1;
    }
    snprintf(r.path, sizeof(r.path), "%s", path);
    snprintf(r.backing, sizeof(r.backing), "%s", backing ? backing : "");
    pthread_mutex_lock(&j->lock);
    ret = append(j, &r);
    pthread_mutex_unlock(&j->lock);
    return ret;
}

int gf_journal_intent(struct gf_journal *j, unsigned long id, const char *path)
{
    struct gf_jrec r = {.kind = GF_JREC_INTENT, .id = id};
    int ret;

    if (!j)
        return 0;
    if (strlen(path) >= sizeof(r.path)) {
        gf_err(GF_ERR_OP, "journal: a volume path is too long");
        return -1;
    }
    snprintf(r.path, sizeof(r.path), "%s", path);
    pthread_mutex_lock(&j->lock);
    ret = append(j, &r);
    pthread_mutex_unlock(&j->lock);
    return ret;
}

int gf_journal_define(struct gf_journal *j, unsigned long id, const char *uuid)
{
    struct gf_jrec r = {.kind = GF_JREC_DEFINE, .id = id};
    int ret;

    if (!j)
        return 0;
    snprintf(r.uuid, sizeof(r.uuid), "%s", uuid);
    pthread_mutex_lock(&j->lock);
    ret = append(j, &r);
    pthread_mutex_unlock(&j->lock);
    return ret;
}

void gf_journal_end(struct gf_journal *j, unsigned long id)
{
    if (!j)
        return;
    pthread_mutex_lock(&j->lock);
    retry_pending(j);
    if (write_end(j, id) < 0) {
        gf_error("%s; operation %lu stays open (retried with the next record; a restart "
                 "finds its work done)",
                 gf_err_message(), id);
        if (j->npending < GF_JOURNAL_PENDING)
            j->pending_end[j->npending++] = id;
    }
    if (j->nopen > 0)
        j->nopen--;
    pthread_mutex_unlock(&j->lock);
}

/* ---- for recovery ------------------------------------------------------ */

int gf_journal_lines(char *text, size_t len, char ***lines, int *n)
{
    char *save = NULL, *line;
    char **list = NULL;
    int count = 0;

    *lines = NULL;
    *n = 0;
    /* a NUL byte (a torn write, a crafted file) makes its line garbled: it
     * is reported and kept, and the lines after it are read */
    for (size_t i = 0; i < len; i++)
        if (!text[i])
            text[i] = '?';
    text[len] = '\0';
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char **grown = count < INT_MAX ? realloc(list, (size_t)(count + 1) * sizeof(*list)) : NULL;
        if (grown)
            list = grown;
        if (!grown || !(list[count] = strdup(line))) {
            for (int i = 0; i < count; i++)
                free(list[i]);
            free(list);
            gf_err(GF_ERR_OP, "out of memory reading the journal");
            return -1;
        }
        count++;
    }
    *lines = list;
    *n = count;
    return 0;
}

int journal_read_lines(struct gf_journal *j, char ***lines, int *n)
{
    char *text = NULL;
    size_t len;
    int ret;

    *lines = NULL;
    *n = 0;
    if (gf_text_file_read(j->path, "journal", GF_JOURNAL_MAX, &text, &len) < 0)
        return -1;
    ret = gf_journal_lines(text, len, lines, n);
    free(text);
    return ret;
}

void journal_note_id(struct gf_journal *j, unsigned long id)
{
    if (id > j->next_id)
        j->next_id = id;
}

int journal_rewrite(struct gf_journal *j, char *const *lines, int n)
{
    FILE *out = gf_file_replace_begin(j->path, 0600);
    int fd;

    if (!out)
        return -1;
    for (int i = 0; i < n; i++)
        if (lines[i])
            fprintf(out, "%s\n", lines[i]);
    if (gf_file_replace_commit(out, j->path) < 0)
        return -1;
    if ((fd = open(j->path, O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW)) < 0) {
        gf_err(GF_ERR_OP, "reopening journal %s: %s", j->path, strerror(errno));
        return -1;
    }
    close(j->fd);
    j->fd = fd;
    return 0;
}
