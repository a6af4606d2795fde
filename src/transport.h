/* transport: every HTTP request of the mount goes through one libcurl multi
 * handle driven by one thread. That thread owns the connections (keep-alive,
 * HTTP/2 multiplexing when offered), keeps at most max_conns transfers
 * active, serves foreground requests before background ones, enforces the
 * max_rps token bucket, and retries with exponential backoff and jitter as
 * SEMANTICS.md §6 allows. Callers get their answer through a callback run on the
 * transport thread, never with a transport lock held. */
#ifndef TC_TRANSPORT_H
#define TC_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "endpoint.h"

struct apikey;


struct transport_config {
    const char *base_url; /* scheme://host[:port][/prefix], no trailing slash */
    struct apikey *key;   /* read for each attempt: a rotated key is used at once */
    const char *cafile;   /* NULL: the system bundle */
    int max_conns;
    double max_rps;       /* 0: unlimited */
    int timeout_s;        /* per attempt; connect timeout is min(10 s, this) */
    int retries;
};

enum request_class {
    REQ_FOREGROUND, /* someone waits for it */
    REQ_BACKGROUND, /* prefetch: runs when no foreground request is queued */
};

struct http_result {
    int status;       /* HTTP status, 0 when no answer arrived */
    const char *body; /* NUL-terminated; valid during the callback only */
    size_t len;
    int err;          /* 0 when an HTTP answer arrived, else the errno */
    const char *errmsg; /* transport failure text, "" if none */
};

struct transport;
struct http_request;

typedef void (*http_done_fn)(struct http_request *req, const struct http_result *res, void *arg);

struct transport *transport_new(const struct transport_config *cfg);
int transport_start(struct transport *t);
/* Fail everything queued or active with ECANCELED, join the thread. */
void transport_stop(struct transport *t);
void transport_free(struct transport *t);

/* Queue a request. path is appended to base_url. GETs are retried on 429,
 * 5xx and connection failures; other methods only on 429 and on failures
 * where the request was not sent. A POST or DELETE always goes out on a
 * fresh connection, so libcurl never replays it; a PATCH (absolute values)
 * may reuse one. budget_ms bounds the whole life of the
 * request, queueing and retries included (background requests start their
 * budget when promoted or dispatched). attempt_ms bounds one attempt.
 * done runs exactly once. Returns a reference (transport_request_put). */
struct http_request *transport_submit(struct transport *t, enum http_method method,
                                      const char *path, const char *body, enum api_endpoint ep,
                                      enum request_class cls, int64_t budget_ms,
                                      int64_t attempt_ms, http_done_fn done, void *arg);
void transport_promote(struct transport *t, struct http_request *req);
void transport_request_put(struct http_request *req);

/* Submit as foreground and wait for the answer. *out's body is malloc'd
 * (http_answer_free). Returns 0 if an HTTP answer arrived, else -errno. */
struct http_answer {
    int status;
    char *body;
    size_t len;
    int err;
    char errmsg[256];
};
int transport_call(struct transport *t, enum http_method method, const char *path,
                   const char *body, enum api_endpoint ep, int64_t budget_ms, int64_t attempt_ms,
                   struct http_answer *out);
void http_answer_free(struct http_answer *a);

#endif
