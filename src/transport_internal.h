/* transport_internal: what transport.c (the queues and the loop) and
 * http_attempt.c (one attempt with libcurl) share. Not for other modules. */
#ifndef TC_TRANSPORT_INTERNAL_H
#define TC_TRANSPORT_INTERNAL_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "ratelimit.h"
#include "strbuf.h"
#include "transport.h"

enum req_where { Q_NONE, Q_FOREGROUND, Q_BACKGROUND, Q_DELAYED, Q_ACTIVE, Q_DONE };

struct http_request {
    atomic_int refs;
    struct transport *t;
    enum http_method method;
    char *url, *path, *body;
    enum api_endpoint ep;
    enum request_class cls;
    int64_t budget_ms, attempt_ms;
    int64_t deadline_ms; /* 0 until the budget starts */
    int64_t due_ms;      /* delayed retry time */
    int attempts;
    enum req_where where;
    struct http_request *prev, *next;
    /* Per attempt, transport thread only. */
    CURL *easy;
    struct curl_slist *headers; /* holds the key: wiped when the attempt ends */
    unsigned key_gen;           /* generation of the key the attempt sent */
    bool key_retried;           /* retried once already after a 401 with a new key */
    struct strbuf resp;
    int retry_after_s;
    bool too_big;
    char errbuf[CURL_ERROR_SIZE];
    http_done_fn done;
    void *arg;
};

struct queue {
    struct http_request *head, *tail;
    size_t len;
};

struct transport {
    struct transport_config cfg;
    char *base_url, *cafile;
    CURLM *multi;
    pthread_t thread;
    bool running;
    pthread_mutex_t lock;
    bool stopping;
    struct queue fg, bg, delayed, active;
    struct ratelimit rl;
};

/* What a finished attempt means. */
struct attempt_outcome {
    int status;         /* HTTP status, 0 without an answer */
    int err;            /* 0 with an answer, else the errno */
    const char *errmsg; /* points into the request or is static */
    bool retryable; /* SPEC §6: GETs on 429/5xx/connection failures; writes on 429 and not-sent */
    bool new_key;   /* a 401, and a newer key is available: retry at once, once */
    int64_t delay_ms; /* when a retry may go: backoff, or Retry-After capped at timeout */
};

/* A configured easy handle for r's next attempt (NULL if out of memory). */
CURL *attempt_easy(struct transport *t, struct http_request *r, int64_t now);
/* Free r's easy handle and wipe its headers (which hold the key). */
void attempt_end(struct http_request *r);
/* Classify r's attempt that ended with code; counts its connections. */
void attempt_outcome(struct transport *t, struct http_request *r, CURLcode code,
                     struct attempt_outcome *o);

#endif
