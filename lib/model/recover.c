/* recover.c - after a crash: finish or undo what the journal says was in
 * flight, after libvirt has shown it to be what the journal says.
 *
 * The journal is a hint, never proof.  A clone is finished (kept, started
 * if it was to be) when its domain carries the clone's tag; otherwise its
 * volumes are deleted, each only when no domain at all uses it, it is no
 * gold disk, and an overlay's backing file is the recorded one.  A
 * retirement is finished only on a domain in state retiring with the
 * retirement's tag and no user logged in (a host with users is drained
 * again instead).  Anything else (an unknown operation, a garbled or torn
 * line, a record of no operation, an operation that cannot be resolved
 * now) is reported and kept in the journal, never acted on.
 */
#include <stdlib.h>
#include <string.h>

#include <libvirt/virterror.h>

#include "base/error.h"
#include "base/escape.h"
#include "base/log.h"
#include "model/disk_use.h"
#include "model/hosts.h"
#include "model/image.h"
#include "model/journal.h"
#include "model/journal_int.h"
#include "model/meta.h"

/* One operation read back: its begin record, its other records, and the
 * lines they are on. */
struct op {
    struct gf_jrec begin;
    struct gf_jrec *vols;
    int nvols;
    char uuid[VIR_UUID_STRING_BUFLEN]; /* from a define record */
    int *lines, nlines;
    int ended;
};

/* What recovery did with an operation. */
enum outcome { RESOLVED, KEPT };

/* The domain of operation O: by the UUID it defined or recorded, else by
 * its host's name.  NULL when there is none. */
static virDomainPtr find_domain(virConnectPtr conn, const struct op *o)
{
    const char *uuid = o->uuid[0] ? o->uuid : o->begin.uuid;
    virDomainPtr dom = uuid[0] ? virDomainLookupByUUIDString(conn, uuid) : NULL;

    if (!dom)
        dom = virDomainLookupByName(conn, o->begin.host);
    virResetLastError();
    return dom;
}

/* The word for operation O in messages ("clone"). */
static const char *op_word(const struct op *o)
{
    switch (o->begin.op) {
    case GF_JOP_CLONE:
        return "clone";
    case GF_JOP_RETIRE:
        return "retire";
    case GF_JOP_PUSH:
        return "push";
    case GF_JOP_UNKNOWN:
        break;
    }
    return "?";
}

/* Whether DOM is a Goldfarm domain (a gold image for a push, else a host)
 * carrying O's tag: 1, 0, or -1 with an error; its metadata into M. */
static int carries_tag(virDomainPtr dom, const struct op *o, struct gf_meta *m)
{
    int managed = gf_meta_get(dom, m);
    gf_role role = o->begin.op == GF_JOP_PUSH ? GF_ROLE_GOLD : GF_ROLE_HOST;

    if (managed < 0)
        return -1;
    return managed == 1 && m->role == role && strcmp(m->op_tag, o->begin.tag) == 0;
}

/* Whether operation O has a volume record (a volume it made) of PATH. */
static int made_record(const struct op *o, const char *path)
{
    for (int i = 0; i < o->nvols; i++)
        if (o->vols[i].kind == GF_JREC_VOLUME && strcmp(o->vols[i].path, path) == 0)
            return 1;
    return 0;
}

/* Delete operation O's volumes that provably are its own (volume records;
 * an intent record is only reported): not used by any
 * domain, no gold disk, an overlay on the recorded backing file.  A volume
 * that is not is left, and said so; *DELETED counts those deleted.
 * RESOLVED, or KEPT on an error. */
static enum outcome delete_volumes(virConnectPtr conn, const struct op *o, int *deleted)
{
    const char *what = op_word(o);
    char host[GF_ESC_LEN];

    *deleted = 0;
    gf_esc(o->begin.host, host, sizeof(host));
    for (int i = 0; i < o->nvols; i++) {
        const char *path = o->vols[i].path;
        char who[256], backing[4096], p[GF_ESC_LEN];
        virStorageVolPtr vol = virStorageVolLookupByPath(conn, path);
        int gold, users;

        gf_esc(path, p, sizeof(p));
        if (!vol) {
            virResetLastError();
            continue; /* never made, or gone already */
        }
        if (o->vols[i].kind == GF_JREC_INTENT) {
            /* about to be made, never recorded made: perhaps another's */
            if (!made_record(o, path))
                gf_note("journal: %s %s: volume %s was about to be made, and nothing says this "
                        "operation made it: left as it is",
                        what, host, p);
            virStorageVolFree(vol);
            continue;
        }
        if ((gold = gf_image_owns_disk(conn, path)) != 0 ||
            (users = gf_disk_users(conn, path, who, sizeof(who))) != 0) {
            virStorageVolFree(vol);
            if (gold < 0 || (gold == 0 && users < 0)) {
                gf_error("journal: %s %s: cannot tell who uses %s: %s; kept for the next "
                         "start",
                         what, host, p, gf_err_message());
                return KEPT;
            }
            gf_note("journal: %s %s: volume %s %s: left as it is", what, host, p,
                    gold ? "is a gold disk" : "is used by another domain");
            continue;
        }
        if (o->vols[i].backing[0]) {
            if (gf_volume_backing(vol, backing, sizeof(backing)) < 0) {
                virStorageVolFree(vol);
                gf_error("journal: %s %s: %s; kept for the next start", what, host,
                         gf_err_message());
                return KEPT;
            }
            if (strcmp(backing, o->vols[i].backing) != 0) {
                virStorageVolFree(vol);
                gf_error("journal: %s %s: volume %s is not the overlay this operation made "
                         "(its backing file differs): left as it is",
                         what, host, p);
                continue;
            }
        }
        if (virStorageVolDelete(vol, 0) < 0) {
            gf_err_virt("deleting volume %s", path);
            virStorageVolFree(vol);
            gf_error("journal: %s %s: %s; kept for the next start", what, host, gf_err_message());
            return KEPT;
        }
        virStorageVolFree(vol);
        (*deleted)++;
        gf_note("journal: %s %s: volume %s deleted", what, host, p);
    }
    return RESOLVED;
}

/* A clone interrupted by a crash: finished when its domain exists with its
 * tag, else undone (its volumes, as delete_volumes allows). */
static enum outcome recover_clone(virConnectPtr conn, const struct op *o)
{
    virDomainPtr dom = find_domain(conn, o);
    char host[GF_ESC_LEN];
    struct gf_meta m;
    int ours, deleted;

    gf_esc(o->begin.host, host, sizeof(host));
    if (dom) {
        if ((ours = carries_tag(dom, o, &m)) < 0) {
            gf_error("journal: clone %s: %s; kept for the next start", host, gf_err_message());
            virDomainFree(dom);
            return KEPT;
        }
        if (ours) {
            int started = 0;
            if (o->begin.start && virDomainIsActive(dom) == 0 && m.state == GF_HS_ACTIVE) {
                if (virDomainCreate(dom) == 0)
                    started = 1;
                else
                    gf_error("journal: clone %s: starting it: %s", host, virGetLastErrorMessage());
            }
            gf_note("journal: clone %s interrupted by a crash after its domain was defined: "
                    "finished, the host is kept%s",
                    host, started ? " and started" : "");
            virDomainFree(dom);
            return RESOLVED;
        }
        gf_note("journal: clone %s: a domain of that name exists that this clone did not make: "
                "left as it is",
                host);
        virDomainFree(dom);
    }
    if (delete_volumes(conn, o, &deleted) == KEPT)
        return KEPT;
    if (deleted)
        gf_note("journal: clone %s interrupted by a crash: undone (%d volume%s deleted)", host,
                deleted, deleted == 1 ? "" : "s");
    else
        gf_note("journal: clone %s interrupted by a crash: nothing of it to undo", host);
    return RESOLVED;
}

/* A retirement interrupted by a crash: finished on a domain that is in
 * state retiring under this retirement's tag and has no user. */
static enum outcome recover_retire(virConnectPtr conn, const struct op *o)
{
    virDomainPtr dom = find_domain(conn, o);
    char host[GF_ESC_LEN];
    struct gf_meta m;
    int ours, deleted;

    gf_esc(o->begin.host, host, sizeof(host));
    if (dom) {
        if ((ours = carries_tag(dom, o, &m)) < 0) {
            gf_error("journal: retire %s: %s; kept for the next start", host, gf_err_message());
            virDomainFree(dom);
            return KEPT;
        }
        if (!ours || m.state != GF_HS_RETIRING) {
            /* the retirement stopped before it began for real, and the
             * host may serve again since: neither it nor its disks */
            gf_note("journal: retire %s: not retiring under this operation (%s): left as it is",
                    host,
                    m.role == GF_ROLE_HOST   ? gf_host_state_name(m.state)
                    : m.role == GF_ROLE_GOLD ? "a gold image"
                                             : "not managed by Goldfarm");
            virDomainFree(dom);
            return RESOLVED;
        }
        if (virDomainIsActive(dom) == 1) {
            int users = gf_guest_users(dom);
            if (users > 0) {
                /* users came back (a revert, an admin): the drain goes on */
                gf_meta_set_state(dom, GF_HS_DRAINING,
                                  "retirement interrupted with users logged in: draining again",
                                  time(NULL));
                gf_error("journal: retire %s: %d user%s logged in: not retired, draining "
                         "again",
                         host, users, users == 1 ? "" : "s");
                virDomainFree(dom);
                return RESOLVED;
            }
            if (virDomainDestroy(dom) < 0 && virDomainIsActive(dom) == 1) {
                gf_error("journal: retire %s: stopping it: %s; kept for the next start", host,
                         virGetLastErrorMessage());
                virDomainFree(dom);
                return KEPT;
            }
        }
        if (gf_undefine(dom) < 0) {
            gf_error("journal: retire %s: undefining it: %s; kept for the next start", host,
                     virGetLastErrorMessage());
            virDomainFree(dom);
            return KEPT;
        }
        gf_note("journal: retire %s: domain removed", host);
        virDomainFree(dom);
    }
    if (delete_volumes(conn, o, &deleted) == KEPT)
        return KEPT;
    gf_note("journal: retire %s interrupted by a crash: finished (%d volume%s deleted)", host,
            deleted, deleted == 1 ? "" : "s");
    return RESOLVED;
}

/* A push interrupted by a crash: finished when its gold domain exists on
 * the target with the push's tag (it is defined last, once the copy was
 * verified), else undone (its volumes there, as delete_volumes allows). */
static enum outcome recover_push(virConnectPtr conn, const struct op *o)
{
    virDomainPtr dom = find_domain(conn, o);
    char host[GF_ESC_LEN];
    struct gf_meta m;
    int ours, deleted;

    gf_esc(o->begin.host, host, sizeof(host));
    if (dom) {
        ours = carries_tag(dom, o, &m);
        virDomainFree(dom);
        if (ours < 0) {
            gf_error("journal: push %s: %s; kept for the next start", host, gf_err_message());
            return KEPT;
        }
        if (ours) {
            gf_note("journal: push %s interrupted after its gold domain was defined: finished",
                    host);
            return RESOLVED;
        }
        gf_note("journal: push %s: a domain of that name exists that this push did not make: "
                "left as it is",
                host);
    }
    if (delete_volumes(conn, o, &deleted) == KEPT)
        return KEPT;
    gf_note("journal: push %s interrupted: undone (%d volume%s deleted)", host, deleted,
            deleted == 1 ? "" : "s");
    return RESOLVED;
}

/* The operation of id ID among OPS (N), or NULL. */
static struct op *op_of(struct op *ops, int n, unsigned long id)
{
    for (int i = 0; i < n; i++)
        if (ops[i].begin.id == id)
            return &ops[i];
    return NULL;
}

/* Add line LINE to O's lines.  0 or -1. */
static int own_line(struct op *o, int line)
{
    int *grown = realloc(o->lines, (size_t)(o->nlines + 1) * sizeof(int));

    if (!grown)
        return -1;
    o->lines = grown;
    o->lines[o->nlines++] = line;
    return 0;
}

int gf_journal_recover(struct gf_journal *j,
                       virConnectPtr (*connect)(void *opaque, const char *uri), void *opaque)
{
    char **lines = NULL;
    struct op *ops = NULL;
    int n = 0, nops = 0, left = 0, ret = -1;
    int *keep = NULL;

    pthread_mutex_lock(&j->lock);
    if (journal_read_lines(j, &lines, &n) < 0)
        goto cleanup;
    if (!(keep = calloc((size_t)n + 1, sizeof(int))) ||
        !(ops = calloc((size_t)n + 1, sizeof(*ops)))) {
        gf_err(GF_ERR_OP, "out of memory");
        goto cleanup;
    }
    for (int i = 0; i < n; i++) {
        struct gf_jrec r;
        struct op *o;
        if (gf_journal_parse(lines[i], &r) < 0) {
            gf_error("journal line %d: %s: kept, not acted on", i + 1, gf_err_message());
            keep[i] = 1;
            left++;
            continue;
        }
        journal_note_id(j, r.id);
        o = op_of(ops, nops, r.id);
        if (r.kind == GF_JREC_BEGIN && !o) {
            o = &ops[nops++];
            o->begin = r;
        } else if (!o || r.kind == GF_JREC_BEGIN) {
            gf_error("journal line %d: a %s record of %s operation %lu: kept, not acted on", i + 1,
                     r.kind == GF_JREC_BEGIN ? "begin" : "later",
                     o ? "an already begun" : "no begun", r.id);
            keep[i] = 1;
            left++;
            continue;
        } else if (r.kind == GF_JREC_VOLUME || r.kind == GF_JREC_INTENT) {
            struct gf_jrec *grown = realloc(o->vols, (size_t)(o->nvols + 1) * sizeof(*grown));
            if (!grown) {
                gf_err(GF_ERR_OP, "out of memory");
                goto cleanup;
            }
            o->vols = grown;
            o->vols[o->nvols++] = r;
        } else if (r.kind == GF_JREC_DEFINE) {
            snprintf(o->uuid, sizeof(o->uuid), "%s", r.uuid);
        } else {
            o->ended = 1;
        }
        if (own_line(o, i) < 0) {
            gf_err(GF_ERR_OP, "out of memory");
            goto cleanup;
        }
    }
    for (int i = 0; i < nops; i++) {
        struct op *o = &ops[i];
        char host[GF_ESC_LEN], uri[GF_ESC_LEN], word[GF_ESC_LEN];
        enum outcome done = KEPT;
        virConnectPtr conn;
        if (o->ended)
            continue;
        gf_esc(o->begin.host, host, sizeof(host));
        gf_esc(o->begin.uri, uri, sizeof(uri));
        if (o->begin.op == GF_JOP_UNKNOWN) {
            gf_error("journal: operation %lu is of unknown kind '%s' (on %s): kept, not "
                     "acted on",
                     o->begin.id, gf_esc(o->begin.opword, word, sizeof(word)), host);
        } else if (!(conn = connect(opaque, o->begin.uri))) {
            gf_note("journal: %s %s: %s unreachable, kept for the next start", op_word(o), host,
                    uri);
        } else if (o->begin.op == GF_JOP_CLONE) {
            done = recover_clone(conn, o);
        } else if (o->begin.op == GF_JOP_PUSH) {
            done = recover_push(conn, o);
        } else {
            done = recover_retire(conn, o);
        }
        if (done == RESOLVED)
            continue;
        left++;
        for (int k = 0; k < o->nlines; k++)
            keep[o->lines[k]] = 1;
    }
    for (int i = 0; i < n; i++)
        if (!keep[i]) {
            free(lines[i]);
            lines[i] = NULL;
        }
    if (journal_rewrite(j, lines, n) == 0)
        ret = left;
cleanup:
    for (int i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    for (int i = 0; i < nops; i++) {
        free(ops[i].vols);
        free(ops[i].lines);
    }
    free(ops);
    free(keep);
    pthread_mutex_unlock(&j->lock);
    return ret;
}
