/* main.c — tcemu's entry point: parse options, build the fixture fleet,
 * start the server, report the port, and shut down cleanly on SIGTERM or
 * SIGINT (every connection closed, every byte freed). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <pthread.h>

#include "app.h"
#include "fixtures.h"
#include "http_server.h"

/* Write temp + rename, so a poller never reads a half-written port. */
static int write_port_file(const char *path, int port)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        goto fail;
    fprintf(f, "%d\n", port);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        goto fail;
    }
    return 0;
fail:
    fprintf(stderr, "tcemu: cannot write --port-file %s: %s\n", path, strerror(errno));
    return -1;
}

/* Returns -1 (message printed) when the fixtures cannot be built. */
static int app_init(struct emu_app *app)
{
    size_t nkeys;
    char err[256];
    const char *const *keys = api_route_keys(&nkeys);
    store_init(&app->store);
    if (fixtures_build(&app->store, &app->opts, err, sizeof(err)) < 0) {
        fprintf(stderr, "tcemu: %s\n", err);
        store_destroy(&app->store);
        return -1;
    }
    accounts_init(&app->accounts, &app->opts);
    stats_init(&app->stats, keys, nkeys);
    faults_init(&app->faults, &app->opts.faults);
    overrides_init(&app->overrides);
    atomic_init(&app->stopping, false);
    return 0;
}

static void app_destroy(struct emu_app *app)
{
    overrides_destroy(&app->overrides);
    faults_destroy(&app->faults);
    stats_destroy(&app->stats);
    accounts_destroy(&app->accounts);
    store_destroy(&app->store);
    options_free(&app->opts);
}

int main(int argc, char **argv)
{
    static struct emu_app app;
    int rc = options_parse(&app.opts, argc, argv);
    if (rc != 0) {
        options_free(&app.opts);
        return rc > 0 ? 0 : 2;
    }

    /* Block the stop signals before any thread exists: all threads inherit
     * the mask and only sigwait() below receives them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (app_init(&app) < 0) {
        options_free(&app.opts);
        return 2;
    }
    int port = 0;
    struct http_server *srv = http_server_start(&app, &port);
    if (!srv || (app.opts.port_file && write_port_file(app.opts.port_file, port) < 0)) {
        http_server_stop(srv);
        app_destroy(&app);
        return 1;
    }
    const char *host = app.opts.bind;
    bool v6 = strchr(host, ':') != NULL;
    printf("tcemu listening on %s://%s%s%s:%d\n", app.opts.tls_cert_pem ? "https" : "http",
           v6 ? "[" : "", host, v6 ? "]" : "", port);
    fflush(stdout);

    int sig = 0;
    sigwait(&stop, &sig);
    atomic_store(&app.stopping, true);
    http_server_stop(srv);
    if (!app.opts.quiet)
        fprintf(stderr, "tcemu: stopped (%s)\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    app_destroy(&app);
    return 0;
}
