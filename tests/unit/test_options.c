/* test_options: the command line of SEMANTICS.md §2 — defaults, every option's good
 * and bad values, SOURCE, the fstab keys, what is passed on to libfuse, the
 * API URL policy, sizes, and where the API key may come from. options_parse
 * prints one line to stderr on each failure: those lines are expected. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "log.h"
#include "options.h"
#include "strbuf.h"

static char mnt[64];       /* a temporary directory as mount point */
static char plainfile[96]; /* a regular file (not a directory) */

/* argv from a NULL-terminated list of literals; "MNT" stands for the mount
 * point. */
struct parsed {
    int rc;
    struct tc_options o;
    struct fuse_args args;
    char **argv;
    int argc;
    char passed[1024]; /* libfuse's arguments after argv[0], space-separated */
};

static void parse(struct parsed *p, const char *const *list)
{
    memset(p, 0, sizeof *p);
    int n = 0;
    while (list[n])
        n++;
    p->argv = calloc((size_t)n + 1, sizeof *p->argv);
    for (int i = 0; i < n; i++)
        p->argv[i] = strdup(strcmp(list[i], "MNT") == 0 ? mnt : list[i]);
    p->argc = n;
    p->rc = options_parse(p->argc, p->argv, &p->o, &p->args);
    size_t o = 0;
    p->passed[0] = '\0';
    for (int i = 1; p->rc == 0 && i < p->args.argc; i++)
        o += (size_t)snprintf(p->passed + o, sizeof p->passed - o, "%s%s", i > 1 ? " " : "",
                              p->args.argv[i]);
}

static void done(struct parsed *p)
{
    options_free(&p->o);
    fuse_opt_free_args(&p->args);
    for (int i = 0; i < p->argc; i++)
        free(p->argv[i]);
    free(p->argv);
}

#define ARGS(...) ((const char *const[]){"tenantcorefs", __VA_ARGS__, NULL})

/* Parse argv and expect rc; returns nothing, checks only the result. */
#define EXPECT_RC(want, ...)                                                                       \
    do {                                                                                           \
        struct parsed p_;                                                                          \
        parse(&p_, ARGS(__VA_ARGS__));                                                             \
        CHECK_INT(p_.rc, want);                                                                    \
        if (p_.rc != (want))                                                                       \
            fprintf(stderr, "  (line %d)\n", __LINE__);                                            \
        done(&p_);                                                                                 \
    } while (0)

static void test_defaults(void)
{
    struct parsed p;
    parse(&p, ARGS("MNT"));
    CHECK_INT(p.rc, 0);
    CHECK_STR(p.o.api_url, "https://api.tenantcore.io");
    CHECK(p.o.api_key_file == NULL);
    CHECK(p.o.cafile == NULL);
    CHECK_STR(p.o.mountpoint, mnt);
    CHECK_INT(p.o.ttl, 30);
    CHECK_INT(p.o.stale_ttl, 300);
    CHECK_INT(p.o.max_conns, 8);
    CHECK(p.o.max_rps == 0);
    CHECK_INT(p.o.timeout, 30);
    CHECK_INT(p.o.retries, 3);
    CHECK(p.o.prefetch);
    CHECK_INT(p.o.cache_max, 64L << 20);
    CHECK(!p.o.allow_delete);
    CHECK_INT(p.o.action_timeout, 300);
    CHECK_INT(p.o.log_level, LOG_LEVEL_WARN);
    CHECK(!p.o.foreground && !p.o.debug && !p.o.singlethread);
    CHECK(!p.o.allow_other && !p.o.read_only);
    CHECK(!p.o.show_help && !p.o.show_version);
    CHECK_INT(p.o.uid, getuid());
    CHECK_INT(p.o.gid, getgid());
    CHECK_STR(p.passed, "");
    CHECK_STR(p.args.argv[0], "tenantcorefs");
    done(&p);
}

static void test_values(void)
{
    struct parsed p;
    parse(&p, ARGS("MNT", "-o",
                   "ttl=0,stale_ttl=0,max_conns=1,max_rps=2.5,timeout=1,retries=0,"
                   "prefetch=0,cache_max=128M,action_timeout=86400,log_level=debug,allow_delete"));
    CHECK_INT(p.rc, 0);
    CHECK_INT(p.o.ttl, 0);
    CHECK_INT(p.o.stale_ttl, 0);
    CHECK_INT(p.o.max_conns, 1);
    CHECK(p.o.max_rps == 2.5);
    CHECK_INT(p.o.timeout, 1);
    CHECK_INT(p.o.retries, 0);
    CHECK(!p.o.prefetch);
    CHECK_INT(p.o.cache_max, 128L << 20);
    CHECK_INT(p.o.action_timeout, 86400);
    CHECK_INT(p.o.log_level, LOG_LEVEL_DEBUG);
    CHECK(p.o.allow_delete);
    CHECK_STR(p.passed, ""); /* none of ours reaches libfuse */
    done(&p);

    /* Upper bounds; separate -o groups; the last value wins. */
    parse(&p, ARGS("-o", "ttl=604800", "MNT", "-o", "stale_ttl=2592000", "-o",
                   "max_conns=256,timeout=3600,retries=20,cache_max=1G", "-o", "ttl=5",
                   "-oprefetch=1", "-o", "log_level=error,max_rps=0"));
    CHECK_INT(p.rc, 0);
    CHECK_INT(p.o.ttl, 5);
    CHECK_INT(p.o.stale_ttl, 2592000);
    CHECK_INT(p.o.max_conns, 256);
    CHECK_INT(p.o.timeout, 3600);
    CHECK_INT(p.o.retries, 20);
    CHECK_INT(p.o.cache_max, 1L << 30);
    CHECK(p.o.prefetch);
    CHECK_INT(p.o.log_level, LOG_LEVEL_ERROR);
    CHECK(p.o.max_rps == 0);
    done(&p);

    /* Each option's bad values. */
    static const char *const bad[] = {
        "ttl=abc",
        "ttl=",
        "ttl=-1",
        "ttl=+5",
        "ttl= 5",
        "ttl=5s",
        "ttl=1.5",
        "ttl=0x10",
        "ttl=604801",
        "ttl=99999999999999999999999",
        "stale_ttl=abc",
        "stale_ttl=2592001",
        "max_conns=0",
        "max_conns=257",
        "max_conns=-8",
        "max_conns=eight",
        "max_rps=-1",
        "max_rps=abc",
        "max_rps=",
        "max_rps=nan",
        "max_rps=inf",
        "max_rps=1e9",
        "max_rps=5x",
        "timeout=0",
        "timeout=3601",
        "timeout=30s",
        "retries=21",
        "retries=x",
        "retries=-1",
        "prefetch=2",
        "prefetch=yes",
        "prefetch=",
        "prefetch=01",
        "cache_max=1Q",
        "cache_max=abc",
        "cache_max=",
        "cache_max=1K", /* below the 64K floor */
        "cache_max=-64M",
        "cache_max=64MX",
        "cache_max=99999999999G",
        "action_timeout=0",
        "action_timeout=86401",
        "log_level=loud",
        "log_level=",
        "log_level=WARN",
        "log_level=3",
        "api_url=ftp://api.tenantcore.io",
        "api_url=http://api.tenantcore.io",
        "api_url=not a url",
        "api_url=https://user:pass@api.tenantcore.io",
        "api_url=https://api.tenantcore.io/?key=x",
        "cafile=/nonexistent/ca.pem",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        parse(&p, ARGS("MNT", "-o", bad[i]));
        CHECK_INT(p.rc, -1);
        if (p.rc != -1)
            fprintf(stderr, "  -o %s was accepted\n", bad[i]);
        done(&p);
        /* Also inside a list of good ones. */
        struct strbuf opt = STRBUF_INIT;
        sb_printf(&opt, "ttl=10,%s,retries=2", bad[i]);
        parse(&p, ARGS("MNT", "-o", opt.data));
        CHECK_INT(p.rc, -1);
        done(&p);
        sb_free(&opt);
    }

    /* Sizes and rates in other spellings. */
    parse(&p, ARGS("MNT", "-o", "cache_max=65536,max_rps=100000"));
    CHECK_INT(p.rc, 0);
    CHECK_INT(p.o.cache_max, 65536);
    CHECK(p.o.max_rps == 100000);
    done(&p);
    parse(&p, ARGS("MNT", "-o", "cache_max=64k"));
    CHECK_INT(p.rc, 0);
    CHECK_INT(p.o.cache_max, 65536);
    done(&p);
    parse(&p, ARGS("MNT", "-o", "log_level=info"));
    CHECK_INT(p.rc, 0);
    CHECK_INT(p.o.log_level, LOG_LEVEL_INFO);
    done(&p);

    /* Paths become absolute (the daemon chdirs to /). */
    char cwd[4096];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECK(chdir(mnt) == 0);
    int fd = open("key", O_CREAT | O_WRONLY | O_TRUNC, 0600);
    CHECK(fd >= 0);
    if (fd >= 0)
        close(fd);
    parse(&p, ARGS(".", "-o", "api_key_file=key,cafile=key"));
    CHECK_INT(p.rc, 0);
    char want[128];
    snprintf(want, sizeof want, "%s/key", mnt);
    CHECK_STR(p.o.api_key_file, want);
    CHECK_STR(p.o.cafile, want);
    CHECK_STR(p.o.mountpoint, mnt);
    done(&p);
    unlink("key");
    CHECK(chdir(cwd) == 0);
}

static void test_source_and_mountpoint(void)
{
    struct parsed p;
    /* A URL SOURCE sets api_url; a trailing slash is dropped. */
    parse(&p, ARGS("https://tc.example.com/", "MNT"));
    CHECK_INT(p.rc, 0);
    CHECK_STR(p.o.api_url, "https://tc.example.com");
    CHECK_STR(p.o.mountpoint, mnt);
    done(&p);
    parse(&p, ARGS("http://127.0.0.1:8080", "MNT", "-f"));
    CHECK_INT(p.rc, 0);
    CHECK_STR(p.o.api_url, "http://127.0.0.1:8080");
    CHECK(p.o.foreground);
    done(&p);
    /* Not a URL (what mount(8) passes from fstab's first field): ignored. */
    parse(&p, ARGS("tenantcore", "MNT"));
    CHECK_INT(p.rc, 0);
    CHECK_STR(p.o.api_url, "https://api.tenantcore.io");
    done(&p);
    parse(&p, ARGS("tenantcorefs#prod", "MNT", "-o", "api_url=https://b.example.com//"));
    CHECK_INT(p.rc, 0);
    CHECK_STR(p.o.api_url, "https://b.example.com");
    done(&p);
    /* A URL SOURCE is held to the same rules as api_url. */
    EXPECT_RC(-1, "http://api.example.com", "MNT");
    EXPECT_RC(-1, "https://u:p@api.example.com", "MNT");

    /* Mount point: required, a directory, one only. */
    EXPECT_RC(-1, "-f");
    EXPECT_RC(-1, "-o", "ttl=5");
    EXPECT_RC(-1, "/nonexistent/mountpoint");
    EXPECT_RC(-1, plainfile);
    EXPECT_RC(-1, "a", "b", "MNT");
    EXPECT_RC(-1, "https://x.example.com", plainfile);

    /* Help and version need no mount point. */
    parse(&p, ARGS("--help"));
    CHECK_INT(p.rc, 0);
    CHECK(p.o.show_help);
    done(&p);
    parse(&p, ARGS("-V"));
    CHECK_INT(p.rc, 0);
    CHECK(p.o.show_version);
    done(&p);

    /* -f, -d, -s */
    parse(&p, ARGS("MNT", "-s", "-d"));
    CHECK_INT(p.rc, 0);
    CHECK(p.o.singlethread);
    CHECK(p.o.debug);
    CHECK(p.o.foreground); /* -d implies -f */
    CHECK(strstr(p.passed, "-d") != NULL);
    done(&p);
}

static void test_refused(void)
{
    /* The key is never an option value; umask= is refused. */
    EXPECT_RC(-1, "MNT", "-o", "api_key=tc_live_secret");
    EXPECT_RC(-1, "MNT", "-o", "ttl=5,api_key=tc_live_secret");
    EXPECT_RC(-1, "MNT", "-o", "key=tc_live_secret");
    EXPECT_RC(-1, "MNT", "-o", "umask=022");
    EXPECT_RC(-1, "MNT", "-o", "ro,umask=0");
}

static void test_fstab_and_fuse_options(void)
{
    struct parsed p;
    /* What /etc/fstab and mount.fuse3 pass: accepted, not passed on. */
    parse(&p, ARGS("tenantcore", "MNT", "-o",
                   "defaults,auto,noauto,_netdev,nofail,user,users,comment=x,"
                   "x-systemd.automount,x-systemd.idle-timeout=60,ttl=60"));
    CHECK_INT(p.rc, 0);
    CHECK_INT(p.o.ttl, 60);
    CHECK_STR(p.passed, "");
    static const char *const gone[] = {"defaults", "auto",    "_netdev",   "nofail",
                                       "user",     "comment", "x-systemd", "ttl"};
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++)
        CHECK(strstr(p.passed, gone[i]) == NULL);
    done(&p);

    /* ro, allow_other are noted and passed on to libfuse; uid=, gid= are
     * the mount's own (the owner it reports), not libfuse's low level's. */
    parse(&p, ARGS("MNT", "-o", "ro,allow_other,uid=1234,gid=5678,_netdev,ttl=9"));
    CHECK_INT(p.rc, 0);
    CHECK(p.o.read_only);
    CHECK(p.o.allow_other);
    CHECK_INT(p.o.uid, 1234);
    CHECK_INT(p.o.gid, 5678);
    CHECK_INT(p.o.ttl, 9);
    CHECK_STR(p.passed, "-o ro,allow_other");
    done(&p);

    /* libfuse's own options pass through untouched; attr_timeout= and
     * entry_timeout= are upper bounds the mount applies itself, and the
     * high-level API's other options are accepted and left out. */
    parse(&p, ARGS("MNT", "-o", "attr_timeout=2,entry_timeout=1.5,max_read=131072"));
    CHECK_INT(p.rc, 0);
    CHECK_STR(p.passed, "-o max_read=131072");
    CHECK(p.o.attr_timeout == 2.0 && p.o.entry_timeout == 1.5);
    done(&p);
    parse(&p, ARGS("MNT", "-o", "kernel_cache,negative_timeout=0,use_ino,ttl=5"));
    CHECK_INT(p.rc, 0);
    CHECK_STR(p.passed, "");
    done(&p);
    parse(&p, ARGS("MNT"));
    CHECK(p.o.attr_timeout == 86400 && p.o.entry_timeout == 86400);
    done(&p);
    EXPECT_RC(-1, "MNT", "-o", "attr_timeout=0");
    EXPECT_RC(-1, "MNT", "-o", "entry_timeout=abc");
    EXPECT_RC(-1, "MNT", "-o", "attr_timeout=-1");
}

static void test_check_url(void)
{
    static const char *const good[] = {
        "https://api.tenantcore.io",
        "https://api.tenantcore.io/",
        "https://api.tenantcore.io:8443/base",
        "https://10.0.0.1",
        "http://127.0.0.1:8080",
        "http://127.0.0.1",
        "http://127.1.2.3:9",
        "http://localhost:8080",
        "http://localhost",
        "http://[::1]:8080",
        "http://[::1]",
    };
    const char *why;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        why = NULL;
        int rc = options_check_url(good[i], &why);
        CHECK_INT(rc, 0);
        if (rc)
            fprintf(stderr, "  %s refused: %s\n", good[i], why ? why : "?");
    }
    static const char *const bad[] = {
        "http://api.tenantcore.io",
        "http://example.com:80",
        "http://10.0.0.1:8080",
        "http://127.0.0.1.evil.example",
        "http://localhost.evil.example",
        "http://127.0.0.1@evil.example",
        "http://[::2]",
        "http://[::ffff:8.8.8.8]",
        "https://user@api.tenantcore.io",
        "https://user:pass@api.tenantcore.io",
        "https://api.tenantcore.io/?token=x",
        "https://api.tenantcore.io/v1?x",
        "https://api.tenantcore.io/#frag",
        "ftp://api.tenantcore.io",
        "file:///etc/passwd",
        "api.tenantcore.io",
        "//api.tenantcore.io",
        "https://",
        "",
        "not a url",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why = NULL;
        int rc = options_check_url(bad[i], &why);
        CHECK_INT(rc, -1);
        CHECK(why != NULL && *why != '\0');
        if (rc != -1)
            fprintf(stderr, "  %s accepted\n", bad[i]);
    }
}

static void test_parse_size(void)
{
    CHECK_INT(options_parse_size("0"), 0);
    CHECK_INT(options_parse_size("512"), 512);
    CHECK_INT(options_parse_size("1K"), 1024);
    CHECK_INT(options_parse_size("1k"), 1024);
    CHECK_INT(options_parse_size("64M"), 64L << 20);
    CHECK_INT(options_parse_size("64m"), 64L << 20);
    CHECK_INT(options_parse_size("64MB"), 64L << 20);
    CHECK_INT(options_parse_size("64MiB"), 64L << 20);
    CHECK_INT(options_parse_size("2G"), 2L << 30);
    CHECK_INT(options_parse_size("1.5M"), 3L << 19);
    CHECK_INT(options_parse_size("1Q"), -1);
    CHECK_INT(options_parse_size(""), -1);
    CHECK_INT(options_parse_size("M"), -1);
    CHECK_INT(options_parse_size("-1"), -1);
    CHECK_INT(options_parse_size("-1M"), -1);
    CHECK_INT(options_parse_size(" 1M"), -1);
    CHECK_INT(options_parse_size("1M "), -1);
    CHECK_INT(options_parse_size("1MM"), -1);
    CHECK_INT(options_parse_size("1MBx"), -1);
    CHECK_INT(options_parse_size("abc"), -1);
    CHECK_INT(options_parse_size("99999999999999G"), -1);
    CHECK_INT(options_parse_size("1e400"), -1);
}

int main(void)
{
    snprintf(mnt, sizeof mnt, "/tmp/tcfs-test-options.XXXXXX");
    if (!mkdtemp(mnt)) {
        perror("mkdtemp");
        return 1;
    }
    /* realpath: /tmp may itself be a link. */
    char *real = realpath(mnt, NULL);
    if (real) {
        snprintf(mnt, sizeof mnt, "%s", real);
        free(real);
    }
    snprintf(plainfile, sizeof plainfile, "%s/file", mnt);
    int fd = open(plainfile, O_CREAT | O_WRONLY, 0600);
    if (fd >= 0)
        close(fd);

    test_defaults();
    test_values();
    test_source_and_mountpoint();
    test_refused();
    test_fstab_and_fuse_options();
    test_check_url();
    test_parse_size();

    unlink(plainfile);
    rmdir(mnt);
    return check_report("test_options");
}
