/* http_server.c — libmicrohttpd glue: collects each request (raw target,
 * headers, body up to 1 MiB), hands it to the API or the control endpoints
 * and sends the reply, including the fault modes (drop, silent, drip). */
#include "http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct http_server {
    struct MHD_Daemon *daemon;
    struct emu_app *app;
};

/* Per connection: the stats generation it was last counted in. */
struct conn_ctx {
    uint64_t stats_gen;
};

/* Per request, created by the URI log callback (which sees the raw target). */
struct req_ctx {
    char *target;
    bool started;
    bool too_large;
    char *body;
    size_t body_len, body_cap;
    bool counted; /* a stats ticket was taken: end it on completion */
    struct stats_ticket ticket;
};

struct drip {
    char *body;
    size_t len;
    int interval_ms;
    const atomic_bool *stop;
};

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct req_ctx *rc = calloc(1, sizeof(*rc));
    if (rc)
        rc->target = strdup(uri ? uri : "");
    return rc;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct emu_app *app = cls;
    struct req_ctx *rc = *req_cls;
    if (!rc)
        return;
    if (rc->counted)
        stats_end(&app->stats, &rc->ticket);
    free(rc->target);
    free(rc->body);
    free(rc);
    *req_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_context = calloc(1, sizeof(struct conn_ctx));
    } else {
        free(*socket_context);
        *socket_context = NULL;
    }
}

/* Keeps a "silent" request open until the client goes away or tcemu stops. */
static void wait_for_disconnect(struct emu_app *app, struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    int fd = ci ? ci->connect_fd : -1;
    while (!atomic_load(&app->stopping)) {
        if (fd < 0) {
            sleep_ms_interruptible(100, &app->stopping);
            continue;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN | POLLRDHUP};
        int n = poll(&p, 1, 100);
        if (n < 0 && errno != EINTR)
            return;
        if (n <= 0)
            continue;
        if (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL))
            return;
        char c;
        ssize_t r = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
            return;
        /* Pipelined bytes wait unread; do not spin on them. */
        sleep_ms_interruptible(100, &app->stopping);
    }
}

static ssize_t drip_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct drip *d = cls;
    if (pos >= d->len)
        return MHD_CONTENT_READER_END_OF_STREAM;
    sleep_ms_interruptible(d->interval_ms, d->stop);
    if (atomic_load(d->stop))
        return MHD_CONTENT_READER_END_WITH_ERROR;
    buf[0] = d->body[pos];
    return 1;
}

static void drip_free(void *cls)
{
    struct drip *d = cls;
    free(d->body);
    free(d);
}

static enum MHD_Result send_reply(struct emu_app *app, struct MHD_Connection *conn, struct reply *r)
{
    struct MHD_Response *resp;
    if (r->stall == STALL_DRIP) {
        struct drip *d = malloc(sizeof(*d));
        if (!d)
            abort();
        *d = (struct drip){r->body, r->body_len, r->drip_interval_ms, &app->stopping};
        r->body = NULL;
        resp = MHD_create_response_from_callback(d->len, 1, drip_read, d, drip_free);
    } else if (r->body) {
        resp = MHD_create_response_from_buffer(r->body_len, r->body, MHD_RESPMEM_MUST_FREE);
        r->body = NULL;
    } else {
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    if (!resp)
        return MHD_NO;
    if (r->content_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
    if (r->retry_after >= 0) {
        char v[24];
        snprintf(v, sizeof(v), "%d", r->retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, v);
    }
    if (r->allow[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static bool has_prefix_segment(const char *target, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(target, prefix, n) == 0 && (target[n] == '\0' || strchr("/?#", target[n]));
}

static enum MHD_Result process(struct emu_app *app, struct MHD_Connection *conn, struct req_ctx *rc,
                               const char *method)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct conn_ctx *cc = ci ? ci->socket_context : NULL;
    uint64_t scratch = 0;
    struct http_request req = {
        .method = method,
        .target = rc->target,
        .authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization"),
        .body = rc->body,
        .body_len = rc->body_len,
        .body_too_large = rc->too_large,
        .conn_gen = cc ? &cc->stats_gen : &scratch,
    };
    struct reply r = {.status = 500, .retry_after = -1};

    if (has_prefix_segment(rc->target, "/_emu")) {
        emu_control_handle(app, &req, &r);
    } else if (has_prefix_segment(rc->target, "/v1") ||
               has_prefix_segment(rc->target, "/api-key")) {
        api_handle(app, &req, &r, &rc->ticket);
        rc->counted = true;
    } else {
        /* Outside the API, but a client with a wrong base URL lands here:
         * answer in the API's configured error shape. */
        struct emu_faults f = faults_snapshot(&app->faults);
        reply_error(&r, 404, f.error_shape, false, "not_found", "No such endpoint");
    }

    enum MHD_Result ret;
    if (r.drop) {
        ret = MHD_NO; /* MHD closes the connection without a byte sent */
    } else if (r.stall == STALL_SILENT) {
        wait_for_disconnect(app, conn);
        ret = MHD_NO;
    } else {
        ret = send_reply(app, conn, &r);
    }
    free(r.body);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    struct emu_app *app = cls;
    struct req_ctx *rc = *req_cls;
    if (!rc || !rc->target)
        return MHD_NO; /* out of memory in on_uri */
    if (!rc->started) {
        rc->started = true;
        /* Refuse a declared oversize body before reading a byte of it. */
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > BODY_MAX) {
            rc->too_large = true;
            return process(app, conn, rc, method);
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (rc->too_large)
            return MHD_YES;
        if (rc->body_len + n > BODY_MAX) {
            /* Chunked uploads have no length up front: drain, then 413. */
            rc->too_large = true;
            free(rc->body);
            rc->body = NULL;
            rc->body_len = rc->body_cap = 0;
            return MHD_YES;
        }
        if (rc->body_len + n + 1 > rc->body_cap) {
            size_t cap = rc->body_cap ? rc->body_cap : 1024;
            while (cap < rc->body_len + n + 1)
                cap *= 2;
            char *nb = realloc(rc->body, cap);
            if (!nb)
                return MHD_NO;
            rc->body = nb;
            rc->body_cap = cap;
        }
        memcpy(rc->body + rc->body_len, upload_data, n);
        rc->body_len += n;
        rc->body[rc->body_len] = '\0';
        return MHD_YES;
    }
    return process(app, conn, rc, method);
}

/* MHD's error log, minus the line every injected drop would print. */
__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    if (strstr(fmt, "Application reported internal error"))
        return;
    fputs("tcemu: ", stderr);
    vfprintf(stderr, fmt, ap);
}

static int parse_bind(const char *bind, int port, struct sockaddr_storage *ss, bool *v6)
{
    memset(ss, 0, sizeof(*ss));
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, bind, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        *v6 = false;
        return 0;
    }
    if (inet_pton(AF_INET6, bind, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        *v6 = true;
        return 0;
    }
    return -1;
}

struct http_server *http_server_start(struct emu_app *app, int *port)
{
    const struct emu_options *o = &app->opts;
    struct sockaddr_storage ss;
    bool v6;
    if (parse_bind(o->bind, o->port, &ss, &v6) < 0) {
        fprintf(stderr, "tcemu: --bind wants a numeric IPv4 or IPv6 address, got '%s'\n", o->bind);
        return NULL;
    }
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;
    if (v6)
        flags |= MHD_USE_IPv6;
    if (!o->quiet)
        flags |= MHD_USE_ERROR_LOG;
    if (o->tls_cert_pem)
        flags |= MHD_USE_TLS;

    struct http_server *srv = calloc(1, sizeof(*srv));
    if (!srv)
        abort();
    srv->app = app;
    struct MHD_OptionItem tls[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, o->tls_cert_pem},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, o->tls_key_pem},
        {MHD_OPTION_END, 0, NULL},
    };
    srv->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, app, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, app,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_URI_LOG_CALLBACK, on_uri, app,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, app, MHD_OPTION_NOTIFY_CONNECTION, on_connection,
        app, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)600, MHD_OPTION_LISTEN_BACKLOG_SIZE,
        (unsigned)1024, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024), MHD_OPTION_ARRAY,
        o->tls_cert_pem ? tls : &tls[2], MHD_OPTION_END);
    if (!srv->daemon) {
        fprintf(stderr, "tcemu: cannot listen on %s port %d%s\n", o->bind, o->port,
                o->tls_cert_pem ? " (or the TLS certificate/key is unusable)" : "");
        free(srv);
        return NULL;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    *port = di ? di->port : o->port;
    return srv;
}

void http_server_stop(struct http_server *srv)
{
    if (!srv)
        return;
    MHD_stop_daemon(srv->daemon);
    free(srv);
}
