/* main: parse options, read the key, check the API once, mount, daemonize,
 * run the FUSE loop, and take everything down again in order. */
#include <curl/curl.h>
#include <errno.h>
#include <fuse.h>
#include <fuse_lowlevel.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "cache.h"
#include "clock.h"
#include "fs.h"
#include "fuse_ops.h"
#include "log.h"
#include "notify.h"
#include "options.h"
#include "transport.h"

struct daemon {
    struct tc_options opt;
    char *key;
    struct transport *transport;
    struct api *api;
    struct cache *cache;
    struct fs fs;
};

static struct transport *make_transport(const struct daemon *d)
{
    struct transport_config tc = {
        .base_url = d->opt.api_url,
        .api_key = d->key,
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
        .write_budget_ms = t * (o->retries + 1),
        .write_attempt_ms = t,
    };
    return c;
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
    if (err.http_status == 401 || err.http_status == 403)
        fprintf(stderr, "tenantcorefs: the API at %s refused the key (HTTP %d%s%s)\n",
                d->opt.api_url, err.http_status, err.message[0] ? ": " : "", err.message);
    else if (err.http_status)
        fprintf(stderr, "tenantcorefs: GET %s/v1/tenants failed: HTTP %d %s %s\n",
                d->opt.api_url, err.http_status, err.code, err.message);
    else
        fprintf(stderr, "tenantcorefs: cannot reach the API at %s: %s (%s)\n", d->opt.api_url,
                err.message[0] ? err.message : strerror(err.err), errno_name(err.err));
    return NULL;
}

/* libfuse defaults we want; the user's own -o options come later and win. */
static void add_fuse_defaults(struct fuse_args *args)
{
    fuse_opt_insert_arg(args, 1, "-oattr_timeout=1,entry_timeout=1,negative_timeout=0");
    fuse_opt_add_arg(args, "-odefault_permissions,fsname=tenantcorefs,subtype=tenantcorefs");
}

static int run(struct daemon *d, struct fuse_args *args, struct resource *tenants)
{
    add_fuse_defaults(args);
    struct fuse *f = fuse_new(args, &tc_fuse_operations, sizeof tc_fuse_operations, &d->fs);
    if (!f)
        return 1; /* libfuse printed why */
    if (fuse_mount(f, d->opt.mountpoint) != 0) {
        fuse_destroy(f);
        return 1;
    }
    if (fuse_daemonize(d->opt.foreground) != 0) {
        fuse_unmount(f);
        fuse_destroy(f);
        return 1;
    }
    if (!d->opt.foreground)
        log_use_syslog();
    if (d->opt.allow_other)
        log_warn("allow_other: every local user acts with this mount's API key");

    /* Threads start only now: fuse_daemonize() forks. */
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
    struct fs_config fc = {
        .read_wait_ms = (int64_t)d->opt.timeout * 1000 * (d->opt.retries + 1) + 1000,
        .prefetch = d->opt.prefetch,
        .allow_delete = d->opt.allow_delete,
        .uid = d->opt.uid,
        .gid = d->opt.gid,
        .cache_max = d->opt.cache_max,
        .max_conns = d->opt.max_conns,
        .ttl = d->opt.ttl,
    };
    fs_init(&d->fs, &fc, d->cache, d->api);
    struct res_id id = {.kind = RES_TENANTS};
    cache_insert(d->cache, &id, tenants);

    int rc = 1;
    struct notifier *n = NULL;
    if (transport_start(d->transport) != 0) {
        log_error("cannot start the HTTP thread");
        goto out;
    }
    n = notifier_start(f);
    d->fs.notify = notifier_queue;
    d->fs.notify_arg = n;
    struct fuse_session *se = fuse_get_session(f);
    if (fuse_set_signal_handlers(se) != 0)
        goto out;
    log_info("mounted %s at %s", d->opt.api_url, d->opt.mountpoint);
    if (d->opt.singlethread) {
        rc = fuse_loop(f);
    } else {
        /* Few idle workers: a warm walk is one request at a time, and a
         * large pool hands consecutive requests to cold threads (measured
         * warm grep -r on fleet S: 2 idle ~105 ms, 8 idle ~125 ms; 1 idle
         * churns threads, ~420 ms). */
        struct fuse_loop_config *lc = fuse_loop_cfg_create();
        fuse_loop_cfg_set_max_threads(lc, 16);
        fuse_loop_cfg_set_idle_threads(lc, 2);
        rc = fuse_loop_mt(f, lc);
        fuse_loop_cfg_destroy(lc);
    }
    rc = rc < 0 ? 1 : 0;
    fuse_remove_signal_handlers(se);
out:
    d->fs.notify = NULL;
    notifier_stop(n);
    fuse_unmount(f);
    transport_free(d->transport); /* fails what is queued: fetch callbacks end */
    fs_destroy(&d->fs);
    cache_free(d->cache);
    api_free(d->api);
    fuse_destroy(f);
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
    d.key = options_load_key(&d.opt);
    if (!d.key)
        goto out;
    log_set_secret(d.key);
    struct resource *tenants = preflight(&d);
    if (!tenants)
        goto out;
    rc = run(&d, &args, tenants);
out:
    if (d.key) {
        memset(d.key, 0, strlen(d.key));
        free(d.key);
    }
    log_close();
    options_free(&d.opt);
    fuse_opt_free_args(&args);
    curl_global_cleanup();
    return rc;
}
