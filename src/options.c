/* options: fuse_opt table, value checks and key loading. */
#include "options.h"

#include <curl/curl.h>
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "strbuf.h"

enum {
    KEY_HELP,
    KEY_VERSION,
    KEY_FOREGROUND,
    KEY_DEBUG,
    KEY_SINGLE,
    KEY_FLAG, /* allow_delete */
    KEY_REFUSE,
    KEY_KEEP_NOTE, /* libfuse options we note and pass on */
};

/* clang-format off */
static const struct fuse_opt opt_spec[] = {
    FUSE_OPT_KEY("-h", KEY_HELP), FUSE_OPT_KEY("--help", KEY_HELP),
    FUSE_OPT_KEY("-V", KEY_VERSION), FUSE_OPT_KEY("--version", KEY_VERSION),
    FUSE_OPT_KEY("-f", KEY_FOREGROUND), FUSE_OPT_KEY("-d", KEY_DEBUG),
    FUSE_OPT_KEY("debug", KEY_DEBUG), FUSE_OPT_KEY("-s", KEY_SINGLE),
    FUSE_OPT_KEY("allow_delete", KEY_FLAG),
    /* Never accepted. */
    FUSE_OPT_KEY("umask=", KEY_REFUSE), FUSE_OPT_KEY("api_key=", KEY_REFUSE),
    FUSE_OPT_KEY("key=", KEY_REFUSE),
    FUSE_OPT_KEY("ro", KEY_KEEP_NOTE), FUSE_OPT_KEY("allow_other", KEY_KEEP_NOTE),
    FUSE_OPT_KEY("uid=", KEY_KEEP_NOTE), FUSE_OPT_KEY("gid=", KEY_KEEP_NOTE),
    FUSE_OPT_END,
};
/* clang-format on */

/* name=value options of ours (set_value has each one's rule). */
static const char *const our_values[] = {
    "api_url=", "api_key_file=", "ttl=", "stale_ttl=", "max_conns=", "max_rps=", "timeout=",
    "retries=", "prefetch=", "cache_max=", "action_timeout=", "cafile=", "enforcement_max=",
    "attr_timeout=", "entry_timeout=", "log_level=", NULL};

/* Accepted and ignored: keys that /etc/fstab and mount.fuse3 pass through
 * (and any x-*), and libfuse's high-level options, whose matters the
 * mount decides itself. */
static const char *const discarded[] = {
    "defaults", "auto", "noauto", "_netdev", "nofail", "user", "users", "nouser", "comment=",
    "default_permissions", "negative_timeout=", "kernel_cache", "auto_cache", "noauto_cache",
    "use_ino", "readdir_ino", "direct_io", "hard_remove", "nullpath_ok", NULL};

/* Whether arg is one of names: exactly, or by prefix for "name=". */
static bool listed(const char *const names[], const char *arg)
{
    for (size_t i = 0; names[i]; i++) {
        size_t n = strlen(names[i]);
        if (names[i][n - 1] == '=' ? strncmp(arg, names[i], n) == 0 : strcmp(arg, names[i]) == 0)
            return true;
    }
    return false;
}

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line on stderr, before anything is mounted. */
static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "tenantcorefs: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return -1;
}

/* A whole decimal number in [min, max]. */
static int parse_uint(const char *s, unsigned long min, unsigned long max, unsigned *out)
{
    if (!*s || !isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = (unsigned)v;
    return 0;
}

long options_parse_size(const char *s)
{
    if (!*s || !isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (errno || v < 0)
        return -1;
    double mult = 1;
    if (*end) {
        switch (toupper((unsigned char)*end)) {
        case 'K': mult = 1024.0; break;
        case 'M': mult = 1024.0 * 1024; break;
        case 'G': mult = 1024.0 * 1024 * 1024; break;
        default: return -1;
        }
        end++;
        if (*end == 'i' || *end == 'I')
            end++;
        if (*end == 'B' || *end == 'b')
            end++;
        if (*end)
            return -1;
    }
    double bytes = v * mult;
    if (bytes > (double)LONG_MAX / 2)
        return -1;
    return (long)bytes;
}

static bool is_loopback(const char *host)
{
    if (strcmp(host, "localhost") == 0 || strcmp(host, "::1") == 0 ||
        strcmp(host, "[::1]") == 0)
        return true;
    unsigned a, b, c, d;
    char extra;
    return sscanf(host, "%u.%u.%u.%u%c", &a, &b, &c, &d, &extra) == 4 && a == 127 && b < 256 &&
           c < 256 && d < 256;
}

int options_check_url(const char *url, const char **why)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *query = NULL, *fragment = NULL, *user = NULL;
    int rc = -1;
    *why = "not a valid http(s) URL";
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
        goto out;
    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
    curl_url_get(u, CURLUPART_HOST, &host, 0);
    curl_url_get(u, CURLUPART_QUERY, &query, 0);
    curl_url_get(u, CURLUPART_FRAGMENT, &fragment, 0);
    curl_url_get(u, CURLUPART_USER, &user, 0);
    if (!scheme || !host || (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0))
        goto out;
    if (query || fragment || user) {
        *why = "the API URL must not carry a query, fragment or user name";
        goto out;
    }
    if (strcmp(scheme, "http") == 0 && !is_loopback(host)) {
        *why = "refusing to send the API key over plain http to a host that is not loopback "
               "(use https)";
        goto out;
    }
    rc = 0;
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(query);
    curl_free(fragment);
    curl_free(user);
    curl_url_cleanup(u);
    return rc;
}

static void set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = xstrdup(v);
}

/* The options that take a whole number: bounds, and what the error says. */
static const struct whole_number {
    const char *name;
    unsigned long min, max;
    size_t offset; /* of the unsigned in struct tc_options */
    const char *meaning;
} whole_numbers[] = {
    {"ttl", 0, 86400 * 7, offsetof(struct tc_options, ttl), "seconds, 0 to 604800"},
    {"stale_ttl", 0, 86400 * 30, offsetof(struct tc_options, stale_ttl), "seconds, 0 to 2592000"},
    {"max_conns", 1, 256, offsetof(struct tc_options, max_conns), "1 to 256"},
    {"timeout", 1, 3600, offsetof(struct tc_options, timeout), "seconds, 1 to 3600"},
    {"retries", 0, 20, offsetof(struct tc_options, retries), "0 to 20"},
    {"action_timeout", 1, 86400, offsetof(struct tc_options, action_timeout),
     "seconds, 1 to 86400"},
    {"enforcement_max", 0, 1000000, offsetof(struct tc_options, enforcement_max),
     "events, 0 to 1000000; 0 hides the enforcement log"},
};

/* name=value options of ours; returns 0 or -1 after a message. */
static int set_value(struct tc_options *o, const char *arg)
{
    const char *eq = strchr(arg, '=');
    size_t nlen = (size_t)(eq - arg);
    const char *v = eq + 1;
    char name[32];
    snprintf(name, sizeof name, "%.*s", (int)nlen, arg);
#define IS(n) (strcmp(name, n) == 0)
    for (size_t i = 0; i < sizeof whole_numbers / sizeof *whole_numbers; i++) {
        const struct whole_number *w = &whole_numbers[i];
        if (!IS(w->name))
            continue;
        if (parse_uint(v, w->min, w->max, (unsigned *)((char *)o + w->offset)))
            return fail("invalid %s=%s (%s)", w->name, v, w->meaning);
        return 0;
    }
    if (IS("api_url")) {
        set_str(&o->api_url, v);
        o->api_url_set = true;
    } else if (IS("api_key_file")) {
        set_str(&o->api_key_file, v);
    } else if (IS("cafile")) {
        set_str(&o->cafile, v);
    } else if (IS("attr_timeout") || IS("entry_timeout")) {
        char *end;
        errno = 0;
        double t = strtod(v, &end);
        if (errno || end == v || *end || !(t > 0 && t <= 86400))
            return fail("invalid %.*s=%s (seconds, more than 0 and at most 86400)",
                        (int)(strchr(arg, '=') - arg), arg, v);
        if (IS("attr_timeout"))
            o->attr_timeout = t;
        else
            o->entry_timeout = t;
    } else if (IS("prefetch")) {
        if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
            return fail("invalid prefetch=%s (0 or 1)", v);
        o->prefetch = v[0] == '1';
    } else if (IS("max_rps")) {
        char *end;
        errno = 0;
        double r = strtod(v, &end);
        if (!*v || errno || *end || !(r >= 0 && r <= 100000))
            return fail("invalid max_rps=%s (requests per second, 0 for no limit)", v);
        o->max_rps = r;
    } else if (IS("cache_max")) {
        long n = options_parse_size(v);
        if (n < 65536)
            return fail("invalid cache_max=%s (a size such as 64M, at least 64K)", v);
        o->cache_max = n;
    } else if (IS("log_level")) {
        int l = log_level_parse(v);
        if (l < 0)
            return fail("invalid log_level=%s (error, warn, info or debug)", v);
        o->log_level = l;
    }
#undef IS
    return 0;
}

static int opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
    struct tc_options *o = data;
    (void)outargs;
    switch (key) {
    case KEY_HELP: o->show_help = true; return 0;
    case KEY_VERSION: o->show_version = true; return 0;
    case KEY_FOREGROUND: o->foreground = true; return 0;
    case KEY_DEBUG: o->debug = o->foreground = true; return 1; /* libfuse prints requests */
    case KEY_SINGLE: o->singlethread = true; return 0;
    case KEY_FLAG: o->allow_delete = true; return 0;
    case KEY_REFUSE:
        if (strncmp(arg, "umask=", 6) == 0)
            return fail("umask= is not supported: file modes come from the API's semantics");
        return fail("the API key is never accepted as an option (it would show in ps); use "
                    "api_key_file=PATH or TENANTCORE_API_KEY");
    case KEY_KEEP_NOTE:
        if (strcmp(arg, "ro") == 0)
            o->read_only = true;
        else if (strcmp(arg, "allow_other") == 0)
            o->allow_other = true;
        else if (strncmp(arg, "uid=", 4) == 0)
            o->uid = (uid_t)strtoul(arg + 4, NULL, 10);
        else if (strncmp(arg, "gid=", 4) == 0)
            o->gid = (gid_t)strtoul(arg + 4, NULL, 10);
        /* Owners are ours to report: libfuse's low-level API does not
         * know uid= and gid=. */
        return arg[0] != 'u' && arg[0] != 'g';
    case FUSE_OPT_KEY_OPT:
        if (listed(our_values, arg))
            return set_value(o, arg);
        if (listed(discarded, arg) || strncmp(arg, "x-", 2) == 0) /* x-systemd.* and friends */
            return 0;
        return 1;
    case FUSE_OPT_KEY_NONOPT:
        if (o->npositional >= 2)
            return fail("too many arguments: %s", arg);
        o->positional[o->npositional++] = xstrdup(arg);
        return 0;
    default: return 1;
    }
}

static char *absolute(const char *path)
{
    char *r = realpath(path, NULL);
    return r ? r : xstrdup(path);
}

int options_parse(int argc, char **argv, struct tc_options *o, struct fuse_args *args)
{
    memset(o, 0, sizeof *o);
    o->api_url = xstrdup("https://api.tenantcore.io");
    o->ttl = 30;
    o->stale_ttl = 300;
    o->max_conns = 8;
    o->timeout = 30;
    o->retries = 3;
    o->action_timeout = 300;
    o->enforcement_max = 1000;
    o->attr_timeout = o->entry_timeout = 86400;
    o->prefetch = true;
    o->cache_max = 64L << 20;
    o->log_level = LOG_LEVEL_WARN;
    o->uid = getuid();
    o->gid = getgid();
    args->argc = argc;
    args->argv = argv;
    args->allocated = 0;
    if (fuse_opt_parse(args, o, opt_spec, opt_proc) != 0)
        return -1;
    if (o->show_help || o->show_version)
        return 0;
    /* [SOURCE] MOUNTPOINT: a URL source sets api_url, others are ignored. */
    if (o->npositional == 0)
        return fail("no mount point given (usage: tenantcorefs [SOURCE] MOUNTPOINT [-o OPTIONS])");
    const char *mnt = o->positional[o->npositional - 1];
    if (o->npositional == 2) {
        const char *src = o->positional[0];
        if (!o->api_url_set && (strncmp(src, "https://", 8) == 0 || strncmp(src, "http://", 7) == 0))
            set_str(&o->api_url, src);
    }
    o->mountpoint = absolute(mnt);
    struct stat st;
    if (stat(o->mountpoint, &st) != 0 || !S_ISDIR(st.st_mode))
        return fail("mount point %s is not a directory", o->mountpoint);
    size_t ulen = strlen(o->api_url);
    while (ulen > 0 && o->api_url[ulen - 1] == '/')
        o->api_url[--ulen] = '\0';
    const char *why;
    if (options_check_url(o->api_url, &why) != 0)
        return fail("api_url %s: %s", o->api_url, why);
    if (o->cafile) {
        char *abs = absolute(o->cafile);
        free(o->cafile);
        o->cafile = abs;
        if (access(o->cafile, R_OK) != 0)
            return fail("cafile %s cannot be read", o->cafile);
    }
    if (o->api_key_file) {
        char *abs = absolute(o->api_key_file);
        free(o->api_key_file);
        o->api_key_file = abs;
    }
    return 0;
}

void options_free(struct tc_options *o)
{
    free(o->api_url);
    free(o->api_key_file);
    free(o->cafile);
    free(o->mountpoint);
    for (int i = 0; i < o->npositional; i++)
        free(o->positional[i]);
}

void options_usage(const char *prog)
{
    printf("usage: %s [SOURCE] MOUNTPOINT [-f] [-d] [-s] [-o OPTION[,OPTION...]]\n\n"
           "Mounts the TenantCore API as a tree of plain files.\n\n"
           "The API key comes from TENANTCORE_API_KEY or -o api_key_file=PATH (mode 0600).\n\n"
           "tenantcorefs options:\n"
           "    -o api_url=URL          API base (default https://api.tenantcore.io);\n"
           "                            a SOURCE that is an http(s) URL sets it too\n"
           "    -o api_key_file=PATH    file holding the key; refused if group/world-readable\n"
           "    -o ttl=SECONDS          serve API data from cache this long (default 30)\n"
           "    -o stale_ttl=SECONDS    on API failure serve cached data up to this age (300)\n"
           "    -o max_conns=N          concurrent HTTP requests (8)\n"
           "    -o max_rps=N            client-side request rate cap (0: none)\n"
           "    -o timeout=SECONDS      whole-request timeout (30; connect timeout 10)\n"
           "    -o retries=N            retries on 429, 5xx and connection failures (3)\n"
           "    -o prefetch=0|1         warm children in parallel when listing (1)\n"
           "    -o cache_max=BYTES      memory bound of the cache, e.g. 64M (64M)\n"
           "    -o allow_delete         permit rmdir tenants/<id> (DELETE tenant)\n"
           "    -o action_timeout=SECS  limit of sync, provision, mkdir, verify (300)\n"
           "    -o enforcement_max=N    newest enforcement events in enforcement.log (1000; 0: none)\n"
           "    -o cafile=PATH          CA bundle for TLS verification\n"
           "    -o log_level=LEVEL      error, warn, info, debug (warn)\n"
           "    -f                      foreground, log to stderr (else syslog)\n"
           "    -d                      debug: foreground, libfuse request trace\n"
           "    -s                      single-threaded\n"
           "    -h, --help              this help\n"
           "    -V, --version           print the version\n\n"
           "libfuse options (default_permissions is always on; umask= is refused):\n"
           "    -o ro                   read-only mount, the safe mode for backup jobs\n"
           "    -o allow_other          let other users in (they act with this mount's key)\n"
           "    -o allow_root           let root in\n"
           "    -o auto_unmount         unmount when the daemon exits\n"
           "    -o uid=N                owner of every file (default: the mounting user)\n"
           "    -o gid=N                group of every file (default: the mounting user's)\n"
           "    -o attr_timeout=S       longest the kernel keeps attributes and pages (86400;\n"
           "                            the data's own remaining ttl is used when shorter)\n"
           "    -o entry_timeout=S      longest the kernel keeps a name (86400)\n"
           "    -o fsname=NAME          name shown in /proc/mounts (default tenantcorefs)\n"
           "The mount decides kernel caching itself: kernel_cache, auto_cache, direct_io,\n"
           "negative_timeout, use_ino and readdir_ino are accepted and have no effect.\n"
           "Mount-only keys from /etc/fstab (defaults, auto, noauto, _netdev, nofail,\n"
           "user, users, comment=, x-*) are accepted and ignored.\n",
           prog);
}
