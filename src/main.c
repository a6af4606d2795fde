/* main: parse options, read the key, check the API once, mount, daemonize,
 * run the FUSE loop, and take everything down again in order. */
#include <curl/curl.h>
#include <errno.h>
#include <fuse_lowlevel.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "api.h"
#include "apikey.h"
#include "cache.h"
#include "clock.h"
#include "fs.h"
#include "fuse_ll.h"
#include "log.h"
#include "options.h"
#include "transport.h"

struct daemon {
    struct tc_options opt;
    struct apikey *key;
    struct transport *transport;
    struct api *api;
    struct cache *cache;
    struct fs fs;
    struct fuse_ll ll;
};

static struct transport *make_transport(const struct daemon *d)
{
    struct transport_config tc = {
        .base_url = d->opt.api_url,
        .key = d->key,
        .cafile = d->opt.cafile,
        .max_conns = (int)d->opt.max_conns,
        .max_rps = d->opt.max_rps,
        .timeout_s = (int)d->opt.timeout,
        .retries = (int)d->opt.retries,
    };
    return transport_new(&tc);
}

static struct api_config make_api_config(const struct tc_options *o)
{
    int64_t t = (int64_t)o->timeout * 1000;
    struct api_config c = {
        .read_budget_ms = t * (o->retries + 1),
        .read_attempt_ms = t,
        .action_budget_ms = (int64_t)o->action_timeout * 1000,
        .events_max = o->enforcement_max,
        .write_budget_ms = t * (o->retries + 1),
        .write_attempt_ms = t,
    };
    return c;
}

/* Writes go to the API through api_call (the mount context takes any
 * function of this shape; tests give it a fake). */
static int call_api(void *ctx, enum api_endpoint ep, const struct ep_args *args, const cJSON *body,
                    cJSON **answer, struct api_error *err)
{
    return api_call(ctx, ep, args, body, answer, err);
}

/* One GET /v1/tenants before mounting: a bad key or an unreachable API
 * fails here with one line, not later inside the tree. */
static struct resource *preflight(struct daemon *d)
{
    struct transport *t = make_transport(d);
    struct api_config ac = make_api_config(&d->opt);
    struct api *a = api_new(t, &ac);
    struct resource *tenants = NULL;
    struct api_error err;
    int rc = transport_start(t);
    if (rc == 0) {
        struct res_id id = {.kind = RES_TENANTS};
        rc = api_get(a, &id, &tenants, &err);
    } else {
        api_error_set(&err, -rc, 0, NULL, "cannot start the HTTP thread");
    }
    transport_free(t);
    api_free(a);
    if (rc == 0)
        return tenants;
    /* One line that says what to do; the API's code and message in it. */
    const char *sep = err.code[0] && err.message[0] ? ": " : "";
    if (err.http_status == 402 && strcmp(err.code, "tenant_limit_reached") != 0)
        fprintf(stderr,
                "tenantcorefs: the account has no active API plan (HTTP 402 %s%s%s); "
                "renew it in the TenantCore app\n",
                err.code[0] ? err.code : "no_api_plan", err.message[0] ? ": " : "",
                err.message);
    else if (err.http_status == 401 || err.http_status == 403)
        fprintf(stderr, "tenantcorefs: the API at %s refused the key (HTTP %d%s%s%s%s)\n",
                d->opt.api_url, err.http_status, err.code[0] || err.message[0] ? " " : "",
                err.code, sep, err.message);
    else if (err.http_status)
        fprintf(stderr, "tenantcorefs: GET %s/v1/tenants failed: HTTP %d %s %s\n",
                d->opt.api_url, err.http_status, err.code, err.message);
    else
        fprintf(stderr, "tenantcorefs: cannot reach the API at %s: %s (%s)\n", d->opt.api_url,
                err.message[0] ? err.message : strerror(err.err), errno_name(err.err));
    return NULL;
}

/* SIGHUP re-reads the key file (rotation). It is blocked in every thread
 * and taken with sigwait on a thread of its own: libfuse's handler, which
 * would unmount, never sees it, and nothing runs in a signal handler. */
struct hangup {
    pthread_t thread;
    struct apikey *key;
    atomic_bool stop;
    bool started;
};

static void *hangup_main(void *arg)
{
    struct hangup *h = arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    for (;;) {
        int sig;
        if (sigwait(&set, &sig) != 0)
            continue;
        if (atomic_load(&h->stop))
            break;
        apikey_reload_now(h->key);
    }
    return NULL;
}

/* Block SIGHUP before any thread starts (they inherit the mask). */
static void hangup_start(struct hangup *h, struct apikey *key)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    h->key = key;
    atomic_init(&h->stop, false);
    h->started = pthread_create(&h->thread, NULL, hangup_main, h) == 0;
}

static void hangup_stop(struct hangup *h)
{
    if (!h->started)
        return;
    atomic_store(&h->stop, true);
    pthread_kill(h->thread, SIGHUP);
    pthread_join(h->thread, NULL);
}

/* Mount options we always want, before the user's own -o options (which
 * win: -o fsname=NAME names the mount). */
static void add_fuse_defaults(struct fuse_args *args)
{
    fuse_opt_insert_arg(args, 1, "-odefault_permissions,fsname=tenantcorefs,subtype=tenantcorefs");
}

static int run(struct daemon *d, struct fuse_args *args, struct resource *tenants)
{
    add_fuse_defaults(args);
    struct fuse_session *se = fuse_session_new(args, &tc_ll_ops, sizeof tc_ll_ops, &d->ll);
    if (!se) {
        resource_put(tenants);
        return 1; /* libfuse printed why */
    }
    if (fuse_set_signal_handlers(se) != 0 || fuse_session_mount(se, d->opt.mountpoint) != 0) {
        fuse_session_destroy(se);
        resource_put(tenants);
        return 1;
    }
    if (fuse_daemonize(d->opt.foreground) != 0) {
        fuse_session_unmount(se);
        fuse_session_destroy(se);
        resource_put(tenants);
        return 1;
    }
    if (!d->opt.foreground)
        log_use_syslog();
    if (d->opt.allow_other)
        log_warn("allow_other: every local user acts with this mount's API key");

    /* Threads start only now: fuse_daemonize() forks. */
    struct hangup hup = {0};
    hangup_start(&hup, d->key);
    d->transport = make_transport(d);
    struct api_config ac = make_api_config(&d->opt);
    d->api = api_new(d->transport, &ac);
    struct cache_config cc = {
        .ttl_ms = (int64_t)d->opt.ttl * 1000,
        .stale_ttl_ms = (int64_t)d->opt.stale_ttl * 1000,
        .max_bytes = (size_t)d->opt.cache_max,
        .hold_ms = 5000,
    };
    struct cache_fetcher fetcher = api_fetcher(d->api);
    d->cache = cache_new(&cc, &fetcher);
    struct mount_config mc = {
        .read_wait_ms = (int64_t)d->opt.timeout * 1000 * (d->opt.retries + 1) + 1000,
        .prefetch = d->opt.prefetch,
        .allow_delete = d->opt.allow_delete,
        .uid = d->opt.uid,
        .gid = d->opt.gid,
        .cache_max = d->opt.cache_max,
        .max_conns = d->opt.max_conns,
        .ttl = d->opt.ttl,
        .events_max = d->opt.enforcement_max,
    };
    struct api_writer writer = {.call = call_api, .ctx = d->api};
    fs_init(&d->fs, &mc, d->cache, &writer);
    struct kattr_config lc = {
        .attr_timeout = d->opt.attr_timeout,
        .entry_timeout = d->opt.entry_timeout,
        .uid = d->opt.uid,
        .gid = d->opt.gid,
    };
    fuse_ll_init(&d->ll, &d->fs, &lc);
    struct res_id id = {.kind = RES_TENANTS};
    cache_insert(d->cache, &id, tenants);

    int rc = 1;
    if (transport_start(d->transport) != 0) {
        log_error("cannot start the HTTP thread");
        goto out;
    }
    fuse_ll_start(&d->ll, se);
    log_info("mounted %s at %s", d->opt.api_url, d->opt.mountpoint);
    if (d->opt.singlethread) {
        rc = fuse_session_loop(se);
    } else {
        /* Few idle workers: a warm walk is one request at a time, and a
         * large pool hands consecutive requests to cold threads (measured
         * warm grep -r on fleet S: 2 idle ~105 ms, 8 idle ~125 ms; 1 idle
         * churns threads, ~420 ms). */
        struct fuse_loop_config *loop = fuse_loop_cfg_create();
        fuse_loop_cfg_set_max_threads(loop, 16);
        fuse_loop_cfg_set_idle_threads(loop, 2);
        rc = fuse_session_loop_mt(se, loop);
        fuse_loop_cfg_destroy(loop);
    }
    rc = rc < 0 ? 1 : 0; /* a signal that ended the loop is a clean exit */
out:
    hangup_stop(&hup);
    fuse_ll_stop(&d->ll);
    fuse_session_unmount(se);
    fuse_remove_signal_handlers(se);
    transport_free(d->transport); /* fails what is queued: fetch callbacks end */
    fs_destroy(&d->fs);
    cache_free(d->cache);
    api_free(d->api);
    fuse_ll_destroy(&d->ll);
    fuse_session_destroy(se);
    return rc;
}

int main(int argc, char **argv)
{
    struct daemon d;
    memset(&d, 0, sizeof d);
    struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
    /* Two malloc arenas instead of one per thread: answers are parsed on the
     * transport thread and freed on FUSE threads, and per-thread arenas
     * left that memory fragmented (measured: 3 MB of a 40 MB budget). */
    mallopt(M_ARENA_MAX, 2);
    /* The key lives in this process as long as it runs. As ssh-agent does:
     * no core dump, no ptrace and no /proc/PID/mem for other processes of
     * the same user (root keeps CAP_SYS_PTRACE). Before the key is read,
     * and inherited by the daemon fuse_daemonize() forks. */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        fprintf(stderr, "tenantcorefs: prctl(PR_SET_DUMPABLE): %s\n", strerror(errno));
        return 1;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    srandom((unsigned)clock_mono_ms() ^ (unsigned)getpid());
    int rc = 1;
    if (options_parse(argc, argv, &d.opt, &args) != 0)
        goto out;
    if (d.opt.show_help) {
        options_usage(argv[0]);
        rc = 0;
        goto out;
    }
    if (d.opt.show_version) {
        printf("tenantcorefs %s (libfuse %s, %s)\n", TC_VERSION, fuse_pkgversion(),
               curl_version());
        rc = 0;
        goto out;
    }
    log_set_level(d.opt.debug ? LOG_LEVEL_DEBUG : (enum log_level)d.opt.log_level);
    char why[512];
    d.key = apikey_load(d.opt.api_key_file, why, sizeof why);
    if (!d.key) {
        fprintf(stderr, "tenantcorefs: %s\n", why);
        goto out;
    }
    struct resource *tenants = preflight(&d);
    if (!tenants)
        goto out;
    rc = run(&d, &args, tenants);
out:
    apikey_free(d.key);
    log_close();
    options_free(&d.opt);
    fuse_opt_free_args(&args);
    curl_global_cleanup();
    return rc;
}
