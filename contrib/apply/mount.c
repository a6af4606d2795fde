/* mount: finding the mount in /proc/self/mountinfo, its published
 * settings, file I/O through it, and the API's messages in its errors file. */
#include "mount.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"

#define READ_MAX (1 << 20)

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s)
{
    char *o = s;
    for (char *p = s; *p;) {
        if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
            p[3] >= '0' && p[3] <= '7') {
            *o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
            p += 4;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
}

static bool has_option(const char *list, const char *opt)
{
    size_t n = strlen(opt);
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, opt, n) == 0)
            return true;
        p = e ? e + 1 : NULL;
    }
    return false;
}

/* The topmost mount at path: its fstype and whether it is read-only.
 * 0 found, -1 not a mount point. */
static int find_mount(const char *path, char *fstype, size_t fslen, bool *ro)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    int found = -1;
    while (getline(&line, &cap, f) > 0) {
        /* id parent maj:min root mountpoint options [optional...] - fstype source superopts */
        char *save = NULL, *fields[6] = {0};
        char *tok = strtok_r(line, " \n", &save);
        for (int i = 0; i < 6 && tok; i++, tok = strtok_r(NULL, " \n", &save))
            fields[i] = tok;
        while (tok && strcmp(tok, "-") != 0)
            tok = strtok_r(NULL, " \n", &save);
        char *type = tok ? strtok_r(NULL, " \n", &save) : NULL;
        char *source = type ? strtok_r(NULL, " \n", &save) : NULL;
        char *super = source ? strtok_r(NULL, " \n", &save) : NULL;
        if (!fields[4] || !fields[5] || !type)
            continue;
        unescape_octal(fields[4]);
        if (strcmp(fields[4], path) != 0)
            continue;
        snprintf(fstype, fslen, "%s", type);
        *ro = has_option(fields[5], "ro") || has_option(super, "ro");
        found = 0; /* keep going: a later line is mounted over this one */
    }
    free(line);
    fclose(f);
    return found;
}

/* max_conns and ttl from stats.json; absent in mounts older than apply. */
static void read_settings(struct mnt *m)
{
    m->max_conns = 0;
    m->ttl = -1;
    char *s;
    size_t len;
    if (mnt_read(m, ".tenantcorefs/stats.json", &s, &len) != 0)
        return;
    cJSON *j = cJSON_ParseWithLength(s, len);
    free(s);
    const cJSON *mc = cJSON_GetObjectItemCaseSensitive(j, "max_conns");
    const cJSON *ttl = cJSON_GetObjectItemCaseSensitive(j, "ttl");
    if (cJSON_IsNumber(mc) && mc->valuedouble >= 1 && mc->valuedouble <= 1024)
        m->max_conns = (unsigned)mc->valuedouble;
    if (cJSON_IsNumber(ttl) && ttl->valuedouble >= 0 && ttl->valuedouble < 1e9)
        m->ttl = (long)ttl->valuedouble;
    cJSON_Delete(j);
}

int mnt_open(const char *mountpoint, struct mnt *m, char *why, size_t whylen)
{
    memset(m, 0, sizeof *m);
    m->root = -1;
    char *real = realpath(mountpoint, NULL);
    if (!real) {
        snprintf(why, whylen, "%s: %s", mountpoint, strerror(errno));
        return -1;
    }
    char fstype[128];
    bool ro = false;
    if (find_mount(real, fstype, sizeof fstype, &ro) != 0) {
        snprintf(why, whylen, "%s is not a mount point", mountpoint);
        free(real);
        return -1;
    }
    if (strcmp(fstype, "fuse.tenantcorefs") != 0) {
        snprintf(why, whylen, "%s is a %s mount, not a tenantcorefs mount", mountpoint, fstype);
        free(real);
        return -1;
    }
    m->root = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct stat st;
    if (m->root < 0 || fstat(m->root, &st) != 0) {
        snprintf(why, whylen, "%s: %s", mountpoint, strerror(errno));
        free(real);
        if (m->root >= 0)
            close(m->root);
        m->root = -1;
        return -1;
    }
    m->path = real;
    m->dev = st.st_dev;
    m->readonly = ro;
    read_settings(m);
    return 0;
}

void mnt_close(struct mnt *m)
{
    if (m->root >= 0)
        close(m->root);
    m->root = -1;
    free(m->path);
    m->path = NULL;
}

int mnt_read(const struct mnt *m, const char *rel, char **out, size_t *len)
{
    int fd = openat(m->root, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -errno;
    size_t cap = 256, n = 0;
    char *buf = zalloc(cap);
    int rc = 0;
    for (;;) {
        if (n + 1 >= cap) {
            if (cap >= READ_MAX) {
                rc = -EFBIG;
                break;
            }
            cap *= 2;
            buf = regrow(buf, cap);
        }
        ssize_t r = read(fd, buf + n, cap - n - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = -errno;
            break;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (rc) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

int mnt_open_write(const struct mnt *m, const char *rel)
{
    int fd = openat(m->root, rel, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    return fd < 0 ? -errno : fd;
}

int mnt_write_fd(int fd, const char *buf, size_t len)
{
    ssize_t w;
    do
        w = write(fd, buf, len);
    while (w < 0 && errno == EINTR);
    int rc = w < 0 ? -errno : (size_t)w != len ? -EIO : 0;
    if (close(fd) != 0 && rc == 0)
        rc = -errno;
    return rc;
}

int mnt_write(const struct mnt *m, const char *rel, const char *buf, size_t len)
{
    int fd = mnt_open_write(m, rel);
    return fd < 0 ? fd : mnt_write_fd(fd, buf, len);
}

int mnt_mkdir(const struct mnt *m, const char *rel)
{
    return mkdirat(m->root, rel, 0755) == 0 ? 0 : -errno;
}

int mnt_isdir(const struct mnt *m, const char *rel)
{
    struct stat st;
    if (fstatat(m->root, rel, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return -errno;
    return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int mnt_readlink(const struct mnt *m, const char *rel, char **target)
{
    char buf[4096];
    ssize_t n = readlinkat(m->root, rel, buf, sizeof buf - 1);
    if (n < 0)
        return -errno;
    *target = dupmem(buf, (size_t)n);
    return 0;
}

/* One line of the errors file: "TIME OP PATH ERRNO STATUS CODE MESSAGE". */
static char *match_line(char *line, const char *op, const char *abs)
{
    char *f[6];
    char *p = line;
    for (int i = 0; i < 6; i++) {
        f[i] = p;
        p = strchr(p, ' ');
        if (!p)
            return NULL;
        *p++ = '\0';
    }
    unescape_octal(f[2]);
    if (strcmp(f[1], op) != 0 || strcmp(f[2], abs) != 0)
        return NULL;
    const char *status = strcmp(f[4], "-") ? f[4] : NULL;
    const char *code = strcmp(f[5], "-") ? f[5] : NULL;
    const char *msg = strcmp(p, "-") ? p : "";
    return fmtstr("%s%s%s%s%s", status ? status : "", status && code ? " " : "", code ? code : "",
                  (status || code) && *msg ? ": " : "", msg);
}

char *mnt_failure_detail(const struct mnt *m, const char *op, const char *rel)
{
    char *s;
    size_t len;
    if (mnt_read(m, ".tenantcorefs/errors", &s, &len) != 0)
        return NULL;
    char *abs = fmtstr("/%s", rel);
    char *found = NULL;
    /* Newest last: scan lines from the end. */
    for (char *end = s + len; end > s && !found;) {
        if (end[-1] == '\n')
            *--end = '\0';
        char *start = end;
        while (start > s && start[-1] != '\n')
            start--;
        found = match_line(start, op, abs);
        end = start;
    }
    free(abs);
    free(s);
    return found;
}

const char *errno_symbol(int err)
{
    switch (err) {
#define E(x)                                                                                       \
    case x:                                                                                        \
        return #x;
        E(EPERM)
        E(ENOENT)
        E(EIO)
        E(EBADF) E(EAGAIN) E(ENOMEM) E(EACCES) E(EBUSY) E(EEXIST) E(ENOTDIR) E(EISDIR) E(EINVAL)
            E(EFBIG) E(ENOSPC) E(EROFS) E(ENAMETOOLONG) E(ENOTSUP) E(ETIMEDOUT) E(ECONNREFUSED)
                E(EHOSTUNREACH) E(EDQUOT) E(EINTR) E(ENOTCONN) E(ELOOP)
#undef E
                    default : return "E?";
    }
}
