/* journal.c - operations in flight, so a crash is finished or undone. */
#include "model/journal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "model/clone.h"
#include "base/error.h"
#include "model/image.h"
#include "base/log.h"
#include "model/meta.h"

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

struct gf_journal *gf_journal_open(const char *state_dir)
{
    struct gf_journal *j = calloc(1, sizeof(*j));

    if (!j) {
        gf_err(GF_ERR_OP, "out of memory");
        return NULL;
    }
    snprintf(j->path, sizeof(j->path), "%s/journal", state_dir);
    if (!(j->file = fopen(j->path, "a+"))) {
        gf_err(GF_ERR_OP, "cannot open journal %s: %s", j->path, strerror(errno));
        free(j);
        return NULL;
    }
    pthread_mutex_init(&j->lock, NULL);
    j->next_id = (unsigned long)time(NULL) * 1000;
    return j;
}

void gf_journal_close(struct gf_journal *j)
{
    if (!j)
        return;
    fclose(j->file);
    pthread_mutex_destroy(&j->lock);
    free(j);
}

/* Append LINE and make it durable.  Called with the lock held. */
static int append(struct gf_journal *j, const char *line)
{
    if (fputs(line, j->file) < 0 || fflush(j->file) != 0 || fsync(fileno(j->file)) != 0) {
        gf_err(GF_ERR_OP, "writing journal %s: %s", j->path, strerror(errno));
        return -1;
    }
    return 0;
}

unsigned long gf_journal_begin(struct gf_journal *j, const char *op, const char *host,
                               const char *uri)
{
    char line[1024];
    unsigned long id;

    if (!j)
        return 1;
    pthread_mutex_lock(&j->lock);
    id = ++j->next_id;
    snprintf(line, sizeof(line), "B %lu %s %s %s\n", id, op, uri, host);
    if (append(j, line) < 0)
        id = 0;
    pthread_mutex_unlock(&j->lock);
    return id;
}

int gf_journal_volume(struct gf_journal *j, unsigned long id, const char *path)
{
    char line[4200];
    int ret;

    if (!j)
        return 0;
    snprintf(line, sizeof(line), "V %lu %s\n", id, path);
    pthread_mutex_lock(&j->lock);
    ret = append(j, line);
    pthread_mutex_unlock(&j->lock);
    return ret;
}

int gf_journal_end(struct gf_journal *j, unsigned long id)
{
    char line[64];
    int ret;

    if (!j)
        return 0;
    snprintf(line, sizeof(line), "E %lu\n", id);
    pthread_mutex_lock(&j->lock);
    ret = append(j, line);
    pthread_mutex_unlock(&j->lock);
    return ret;
}

/* One entry read back from the file. */
struct entry {
    unsigned long id;
    char op[16], uri[512], host[128];
    char (*vols)[4096];
    int nvols, open;
};

/* Remove what entry E left: its domain (only a Goldfarm host of that name)
 * and its volumes (never a gold disk).  Returns 0 or -1 with an error. */
static int clean_up(virConnectPtr conn, const struct entry *e)
{
    virDomainPtr dom = virDomainLookupByName(conn, e->host);

    if (dom) {
        struct gf_meta m;
        int managed = gf_meta_get(dom, &m);
        if (managed < 0) {
            virDomainFree(dom);
            return -1;
        }
        if (managed == 1 && m.role == GF_ROLE_HOST && strcmp(e->op, "retire") == 0 &&
            strcmp(m.state, "retiring") != 0) {
            /* the retirement stopped before it began for real, and the host
             * may serve again since: it is not touched, nor are its disks */
            gf_note("journal: retire %s: not retiring (%s): left as it is", e->host, m.state);
            virDomainFree(dom);
            return 0;
        }
        if (managed == 1 && m.role == GF_ROLE_HOST) {
            if (virDomainIsActive(dom) == 1)
                virDomainDestroy(dom);
            if (gf_undefine(dom) < 0) {
                gf_err_virt("journal: removing domain '%s'", e->host);
                virDomainFree(dom);
                return -1;
            }
            gf_note("journal: %s %s: domain removed", e->op, e->host);
        }
        virDomainFree(dom);
    }
    virResetLastError();
    for (int i = 0; i < e->nvols; i++) {
        virStorageVolPtr vol = virStorageVolLookupByPath(conn, e->vols[i]);
        int gold;
        if (!vol)
            continue; /* never created, or already gone */
        if ((gold = gf_image_owns_disk(conn, e->vols[i])) != 0) {
            virStorageVolFree(vol);
            if (gold < 0)
                return -1;
            continue; /* a gold disk is never deleted */
        }
        if (virStorageVolDelete(vol, 0) < 0) {
            gf_err_virt("journal: deleting volume %s", e->vols[i]);
            virStorageVolFree(vol);
            return -1;
        }
        gf_note("journal: %s %s: volume %s deleted", e->op, e->host, e->vols[i]);
        virStorageVolFree(vol);
    }
    return 0;
}

/* Read the entries of J's file into *ENTRIES.  Returns their number. */
static int read_entries(struct gf_journal *j, struct entry **entries)
{
    char line[4200];
    struct entry *list = NULL;
    int n = 0;

    rewind(j->file);
    while (fgets(line, sizeof(line), j->file)) {
        unsigned long id;
        char kind;
        int off = 0;
        line[strcspn(line, "\n")] = '\0';
        if (sscanf(line, "%c %lu %n", &kind, &id, &off) < 2)
            continue;
        if (kind == 'B') {
            struct entry *grown = realloc(list, (size_t)(n + 1) * sizeof(*list));
            if (!grown)
                break;
            list = grown;
            memset(&list[n], 0, sizeof(list[n]));
            list[n].id = id;
            list[n].open = 1;
            if (sscanf(line + off, "%15s %511s %127s", list[n].op, list[n].uri, list[n].host) == 3)
                n++;
            if (id > j->next_id)
                j->next_id = id;
            continue;
        }
        for (int i = 0; i < n; i++) {
            if (list[i].id != id)
                continue;
            if (kind == 'E')
                list[i].open = 0;
            else if (kind == 'V') {
                char(*grown)[4096] =
                    realloc(list[i].vols, (size_t)(list[i].nvols + 1) * sizeof(*grown));
                if (grown) {
                    list[i].vols = grown;
                    snprintf(list[i].vols[list[i].nvols++], 4096, "%s", line + off);
                }
            }
        }
    }
    *entries = list;
    return n;
}

/* Rewrite J's file with only the open entries of LIST. */
static int compact(struct gf_journal *j, const struct entry *list, int n)
{
    char tmp[4200];
    FILE *f;

    snprintf(tmp, sizeof(tmp), "%s.new", j->path);
    if (!(f = fopen(tmp, "w"))) {
        gf_err(GF_ERR_OP, "rewriting journal %s: %s", tmp, strerror(errno));
        return -1;
    }
    for (int i = 0; i < n; i++) {
        if (!list[i].open)
            continue;
        fprintf(f, "B %lu %s %s %s\n", list[i].id, list[i].op, list[i].uri, list[i].host);
        for (int v = 0; v < list[i].nvols; v++)
            fprintf(f, "V %lu %s\n", list[i].id, list[i].vols[v]);
    }
    if (fflush(f) != 0 || fsync(fileno(f)) != 0 || fclose(f) != 0 || rename(tmp, j->path) != 0) {
        gf_err(GF_ERR_OP, "rewriting journal %s: %s", j->path, strerror(errno));
        return -1;
    }
    fclose(j->file);
    if (!(j->file = fopen(j->path, "a+"))) {
        gf_err(GF_ERR_OP, "reopening journal %s: %s", j->path, strerror(errno));
        return -1;
    }
    return 0;
}

int gf_journal_recover(struct gf_journal *j,
                       virConnectPtr (*connect)(void *opaque, const char *uri), void *opaque)
{
    struct entry *list = NULL;
    int n, left = 0, ret = -1;

    pthread_mutex_lock(&j->lock);
    n = read_entries(j, &list);
    for (int i = 0; i < n; i++) {
        virConnectPtr conn;
        if (!list[i].open)
            continue;
        if (!(conn = connect(opaque, list[i].uri))) {
            gf_note("journal: %s %s: %s unreachable, kept for the next start", list[i].op,
                    list[i].host, list[i].uri);
            left++;
            continue;
        }
        if (clean_up(conn, &list[i]) < 0) {
            gf_note("journal: %s %s: %s; kept for the next start", list[i].op, list[i].host,
                    gf_err_message());
            left++;
            continue;
        }
        gf_note("journal: %s %s interrupted by a crash: %s", list[i].op, list[i].host,
                strcmp(list[i].op, "clone") == 0 ? "undone" : "finished");
        list[i].open = 0;
    }
    if (compact(j, list, n) == 0)
        ret = left;
    for (int i = 0; i < n; i++)
        free(list[i].vols);
    free(list);
    pthread_mutex_unlock(&j->lock);
    return ret;
}
