/* desired: a walk of DESIRED_DIR by descriptors (openat with O_NOFOLLOW at
 * every step, so a link swapped in mid-walk is not followed either). The
 * walk knows the mount's layout: each level names the files it manages,
 * the files the API owns, and the links it expects. */
#include "desired.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"
#include "values.h"

#define JSON_MAX (64 * 1024) /* a mailbox.json is far smaller */

struct walk {
    struct desired *d;
    char path[4096]; /* relative to DESIRED_DIR */
    size_t len;
    const char *tenant;
    bool by_name;
    const char *domain;
};

/* The file the API owns at each level (read-only data, views, action
 * files, results of actions): skipped and counted. */
static const char *const root_owned[] = {"health", "enforcement.log", "enforcement.jsonl", NULL};
static const char *const tenant_owned[] = {"tenant.json",
                                           "name",
                                           "sync",
                                           "last_sync.json",
                                           "health",
                                           "dns.zone",
                                           "mailboxes.csv",
                                           "enforcement.log",
                                           "enforcement.jsonl",
                                           NULL};
static const char *const domain_owned[] = {
    "domain.json", "dns.json", "dns.zone", "dkim.json", "provision", "last_provision.json", NULL};

static bool in_list(const char *const *list, const char *name)
{
    for (; *list; list++)
        if (strcmp(*list, name) == 0)
            return true;
    return false;
}

bool name_is_showable(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 255 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '/')
            return false;
    return utf8_valid(s, n);
}

static void refuse(struct walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void refuse(struct walk *w, const char *fmt, ...)
{
    struct desired *d = w->d;
    va_list ap;
    va_start(ap, fmt);
    char *why = NULL;
    if (vasprintf(&why, fmt, ap) < 0)
        why = NULL;
    va_end(ap);
    char *where = printable(w->path);
    grow_array((void **)&d->errors, &d->caperrors, d->nerrors + 1, sizeof *d->errors);
    d->errors[d->nerrors++] = fmtstr("%s: %s", where, why ? why : "refused");
    free(where);
    free(why);
}

static void unknown(struct walk *w)
{
    struct desired *d = w->d;
    if (d->unknown < sizeof d->unknown_first / sizeof *d->unknown_first)
        d->unknown_first[d->unknown] = printable(w->path);
    d->unknown++;
}

/* Enter name: the path grows by one component; the old length is returned
 * to leave it again. */
static size_t enter(struct walk *w, const char *name)
{
    size_t old = w->len;
    int n = snprintf(w->path + w->len, sizeof w->path - w->len, "%s%s", w->len ? "/" : "", name);
    if (n > 0)
        w->len = w->len + (size_t)n < sizeof w->path ? w->len + (size_t)n : sizeof w->path - 1;
    return old;
}

static void leave(struct walk *w, size_t old)
{
    w->len = old;
    w->path[old] = '\0';
}

/* Read a regular file of at most max bytes (a larger one sets *too_big and
 * keeps the first max). 0, or -1 after refusing. */
static int read_file(struct walk *w, int dfd, const char *name, size_t max, char **out, size_t *len,
                     bool *too_big)
{
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        refuse(w, "cannot read: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        refuse(w, "not a regular file");
        close(fd);
        return -1;
    }
    char *buf = zalloc(max + 2);
    size_t n = 0;
    while (n <= max) {
        ssize_t r = read(fd, buf + n, max + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            refuse(w, "cannot read: %s", strerror(errno));
            close(fd);
            free(buf);
            return -1;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    *too_big = n > max;
    if (n > max)
        n = max;
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

static void add_value(struct walk *w, int dfd, const char *name, enum dkind kind,
                      const char *mailbox, bool by_email)
{
    struct dvalue v = {.kind = kind};
    if (kind != D_DOMAIN && read_file(w, dfd, name, VALUE_MAX_WRITE, &v.value, &v.len, &v.too_big))
        return;
    struct desired *d = w->d;
    v.tenant = dupstr(w->tenant);
    v.tenant_by_name = w->by_name;
    v.domain = dupstr(w->domain);
    v.mailbox = dupstr(mailbox);
    v.mailbox_by_email = by_email;
    v.source = dupstr(w->path);
    grow_array((void **)&d->v, &d->cap, d->n + 1, sizeof *d->v);
    d->v[d->n++] = v;
}

static void add_mailbox(struct walk *w, const char *id, const char *email, const char *domain,
                        bool from_json)
{
    struct desired *d = w->d;
    grow_array((void **)&d->mb, &d->capmb, d->nmb + 1, sizeof *d->mb);
    d->mb[d->nmb++] = (struct dmailbox){
        .tenant = dupstr(w->tenant),
        .tenant_by_name = w->by_name,
        .id = dupstr(id),
        .email = dupstr(email),
        .domain = dupstr(domain),
        .from_json = from_json,
    };
}

typedef void (*entry_fn)(struct walk *w, int dfd, const char *name, const struct stat *st,
                         void *arg);

/* Call fn for every entry of the directory name under dfd (not following
 * links), with the walk's path extended by each entry's name. */
static void each_entry(struct walk *w, int dfd, const char *name, entry_fn fn, void *arg)
{
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    if (!dir) {
        refuse(w, "cannot open the directory: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        struct stat st;
        size_t old = enter(w, e->d_name);
        if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            refuse(w, "cannot stat: %s", strerror(errno));
        else
            fn(w, fd, e->d_name, &st, arg);
        leave(w, old);
    }
    closedir(dir);
}

/* A name that becomes part of a mount path must be one the mount shows. */
static bool showable_or_refuse(struct walk *w, const char *name)
{
    if (name_is_showable(name))
        return true;
    refuse(w, "not a name the mount can show (empty, control characters, not UTF-8, or too long)");
    return false;
}

/* A managed file: a regular file, never a link (it would be followed). */
static bool managed_file(struct walk *w, const struct stat *st)
{
    if (S_ISREG(st->st_mode))
        return true;
    refuse(w, S_ISLNK(st->st_mode) ? "a symbolic link: apply never follows links, make it a file"
                                   : "not a regular file");
    return false;
}

/* mailbox.json: the email of a mailbox named by id, for finding it again
 * should its id have changed. Unparseable files are simply no help. */
static void mailbox_json(struct walk *w, int dfd, const char *name, const char *id)
{
    char *s;
    size_t len;
    bool big;
    if (read_file(w, dfd, name, JSON_MAX, &s, &len, &big) != 0)
        return;
    cJSON *j = big ? NULL : cJSON_ParseWithLength(s, len);
    const cJSON *email = cJSON_GetObjectItemCaseSensitive(j, "primary_smtp");
    const cJSON *dom = cJSON_GetObjectItemCaseSensitive(j, "domain_name");
    if (cJSON_IsString(email) && name_is_showable(email->valuestring)) {
        const char *dn =
            cJSON_IsString(dom) && name_is_showable(dom->valuestring) ? dom->valuestring : NULL;
        add_mailbox(w, id, email->valuestring, dn, true);
    }
    cJSON_Delete(j);
    free(s);
}

struct mailbox_ref {
    const char *mailbox;
    bool by_email;
};

static void mailbox_entry(struct walk *w, int dfd, const char *name, const struct stat *st,
                          void *arg)
{
    const struct mailbox_ref *ref = arg;
    enum dkind kind;
    if (strcmp(name, "daily_send_limit") == 0)
        kind = D_DAILY_LIMIT;
    else if (strcmp(name, "display_name") == 0)
        kind = D_DISPLAY_NAME;
    else {
        if (S_ISREG(st->st_mode) && strcmp(name, "mailbox.json") == 0) {
            w->d->api_owned++;
            if (!ref->by_email)
                mailbox_json(w, dfd, name, ref->mailbox);
        } else if (S_ISREG(st->st_mode) && strcmp(name, "usage.json") == 0) {
            w->d->api_owned++;
        } else {
            unknown(w);
        }
        return;
    }
    if (managed_file(w, st))
        add_value(w, dfd, name, kind, ref->mailbox, ref->by_email);
}

static void mailboxes_entry(struct walk *w, int dfd, const char *name, const struct stat *st,
                            void *arg)
{
    (void)arg;
    if (!S_ISDIR(st->st_mode)) {
        unknown(w);
        return;
    }
    if (!showable_or_refuse(w, name))
        return;
    struct mailbox_ref ref = {name, false};
    each_entry(w, dfd, name, mailbox_entry, &ref);
}

/* domains/<d>/mailboxes/<email>: a link to ../../../mailboxes/<id> in a
 * snapshot (its target read as text only), or a hand-written directory. */
static void domain_mailboxes_entry(struct walk *w, int dfd, const char *name, const struct stat *st,
                                   void *arg)
{
    (void)arg;
    if (S_ISLNK(st->st_mode)) {
        w->d->links++;
        char target[512];
        ssize_t n = readlinkat(dfd, name, target, sizeof target - 1);
        static const char prefix[] = "../../../mailboxes/";
        if (n <= 0)
            return;
        target[n] = '\0';
        const char *id = target + sizeof prefix - 1;
        if (strncmp(target, prefix, sizeof prefix - 1) == 0 && name_is_showable(id) &&
            name_is_showable(name))
            add_mailbox(w, id, name, w->domain, false);
        return;
    }
    if (!S_ISDIR(st->st_mode)) {
        unknown(w);
        return;
    }
    if (!showable_or_refuse(w, name))
        return;
    struct mailbox_ref ref = {name, true};
    each_entry(w, dfd, name, mailbox_entry, &ref);
}

static void domain_entry(struct walk *w, int dfd, const char *name, const struct stat *st,
                         void *arg)
{
    (void)arg;
    enum dkind kind;
    if (strcmp(name, "dkim_status") == 0)
        kind = D_DKIM;
    else if (strcmp(name, "verify") == 0)
        kind = D_VERIFY;
    else if (strcmp(name, "mailbox_limit") == 0)
        kind = D_DOMAIN_LIMIT;
    else {
        if (strcmp(name, "mailboxes") == 0 && S_ISDIR(st->st_mode))
            each_entry(w, dfd, name, domain_mailboxes_entry, NULL);
        else if (S_ISREG(st->st_mode) && in_list(domain_owned, name))
            w->d->api_owned++;
        else
            unknown(w);
        return;
    }
    if (managed_file(w, st))
        add_value(w, dfd, name, kind, NULL, false);
}

static void domains_entry(struct walk *w, int dfd, const char *name, const struct stat *st,
                          void *arg)
{
    (void)arg;
    if (!S_ISDIR(st->st_mode)) {
        unknown(w);
        return;
    }
    if (!showable_or_refuse(w, name))
        return;
    w->domain = name;
    add_value(w, dfd, name, D_DOMAIN, NULL, false);
    each_entry(w, dfd, name, domain_entry, NULL);
    w->domain = NULL;
}

static void tenant_entry(struct walk *w, int dfd, const char *name, const struct stat *st,
                         void *arg)
{
    (void)arg;
    bool dir = S_ISDIR(st->st_mode);
    if (strcmp(name, "mailbox_limit") == 0) {
        if (managed_file(w, st))
            add_value(w, dfd, name, D_TENANT_LIMIT, NULL, false);
    } else if (dir && strcmp(name, "domains") == 0) {
        each_entry(w, dfd, name, domains_entry, NULL);
    } else if (dir && strcmp(name, "mailboxes") == 0) {
        each_entry(w, dfd, name, mailboxes_entry, NULL);
    } else if (S_ISREG(st->st_mode) && in_list(tenant_owned, name)) {
        w->d->api_owned++;
    } else {
        unknown(w);
    }
}

/* tenants/<id> and by-name/<name>: directories are walked; by-name links
 * (a snapshot's) point at tenants/ and are counted, not followed. */
static void tenants_entry(struct walk *w, int dfd, const char *name, const struct stat *st,
                          void *arg)
{
    bool by_name = arg != NULL;
    if (by_name && S_ISLNK(st->st_mode)) {
        w->d->links++;
        return;
    }
    if (!S_ISDIR(st->st_mode)) {
        unknown(w);
        return;
    }
    if (!showable_or_refuse(w, name))
        return;
    w->tenant = name;
    w->by_name = by_name;
    each_entry(w, dfd, name, tenant_entry, NULL);
    w->tenant = NULL;
}

static void owned_entry(struct walk *w, int dfd, const char *name, const struct stat *st, void *arg)
{
    (void)dfd;
    (void)name;
    (void)arg;
    if (S_ISREG(st->st_mode))
        w->d->api_owned++;
    else
        unknown(w);
}

static void root_entry(struct walk *w, int dfd, const char *name, const struct stat *st, void *arg)
{
    (void)arg;
    bool dir = S_ISDIR(st->st_mode);
    if (dir && strcmp(name, "tenants") == 0)
        each_entry(w, dfd, name, tenants_entry, NULL);
    else if (dir && strcmp(name, "by-name") == 0)
        each_entry(w, dfd, name, tenants_entry, (void *)1);
    else if (dir && strcmp(name, ".tenantcorefs") == 0)
        each_entry(w, dfd, name, owned_entry, NULL);
    else if (S_ISREG(st->st_mode) && in_list(root_owned, name))
        w->d->api_owned++;
    else if (name[0] != '.') /* .git and friends: the repository, not the tree */
        unknown(w);
}

int desired_read(const char *dir, struct desired *d)
{
    memset(d, 0, sizeof *d);
    struct walk w = {.d = d};
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    each_entry(&w, fd, ".", root_entry, NULL);
    close(fd);
    return 0;
}

const struct dmailbox *desired_mailbox(const struct desired *d, const char *tenant, bool by_name,
                                       const char *id)
{
    const struct dmailbox *link = NULL;
    for (size_t i = 0; i < d->nmb; i++) {
        const struct dmailbox *m = &d->mb[i];
        if (m->tenant_by_name != by_name || strcmp(m->tenant, tenant) || strcmp(m->id, id))
            continue;
        if (m->from_json)
            return m; /* mailbox.json first: it is the mailbox's own record */
        link = m;
    }
    return link;
}

void desired_free(struct desired *d)
{
    for (size_t i = 0; i < d->n; i++) {
        struct dvalue *v = &d->v[i];
        free(v->tenant);
        free(v->domain);
        free(v->mailbox);
        free(v->value);
        free(v->source);
    }
    free(d->v);
    for (size_t i = 0; i < d->nmb; i++) {
        free(d->mb[i].tenant);
        free(d->mb[i].id);
        free(d->mb[i].email);
        free(d->mb[i].domain);
    }
    free(d->mb);
    for (size_t i = 0; i < d->nerrors; i++)
        free(d->errors[i]);
    free(d->errors);
    for (size_t i = 0; i < sizeof d->unknown_first / sizeof *d->unknown_first; i++)
        free(d->unknown_first[i]);
    memset(d, 0, sizeof *d);
}
