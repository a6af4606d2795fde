/* http_attempt: one attempt of a request with libcurl — the easy handle's
 * options, the headers with the current key, and what the finished attempt
 * means. transport.c (the queues and the loop) builds on this; nothing
 * else needs it. */
#ifndef TC_HTTP_ATTEMPT_H
#define TC_HTTP_ATTEMPT_H

#include <curl/curl.h>
#include <stdbool.h>

#include "strbuf.h"
#include "endpoint.h"

#define HTTP_MAX_BODY (16u << 20) /* answers above this are refused (EIO) */

struct apikey;

/* What every attempt of the transport shares. */
struct attempt_config {
    const char *cafile; /* NULL: the system bundle */
    struct apikey *key; /* read for each attempt: a rotated key is used at once */
    int timeout_s;      /* per attempt; connect timeout is min(10 s, this) */
};

/* A request as attempts see it: what to send, and one attempt's state. */
struct http_attempt {
    enum http_method method;
    char *url, *path, *body; /* owned */
    int64_t attempt_ms;
    int64_t deadline_ms; /* of the whole request; 0 until its budget starts */
    int attempts;        /* made so far, this one included */
    /* Per attempt, transport thread only. */
    CURL *easy;
    struct curl_slist *headers; /* holds the key: wiped when the attempt ends */
    unsigned key_gen;           /* generation of the key the attempt sent */
    bool key_retried;           /* retried once already after a 401 with a new key */
    struct strbuf resp;
    int retry_after_s;
    bool too_big;
    char errbuf[CURL_ERROR_SIZE];
};

/* What a finished attempt means. */
struct attempt_outcome {
    int status;         /* HTTP status, 0 without an answer */
    int err;            /* 0 with an answer, else the errno */
    const char *errmsg; /* points into the request or is static */
    bool retryable; /* SEMANTICS.md §6: GETs on 429/5xx/connection failures; writes on 429 and not-sent */
    bool new_key;   /* a 401, and a newer key is available: retry at once, once */
    int64_t delay_ms; /* when a retry may go: backoff, or Retry-After capped at timeout */
};

/* A configured easy handle for a's next attempt (NULL if out of memory);
 * the caller sets CURLOPT_PRIVATE. */
CURL *attempt_easy(const struct attempt_config *cfg, struct http_attempt *a, int64_t now);
/* Free a's easy handle and wipe its headers (which hold the key). */
void attempt_end(struct http_attempt *a);
/* Classify a's attempt that ended with code; counts its connections. */
void attempt_outcome(const struct attempt_config *cfg, struct http_attempt *a, CURLcode code,
                     struct attempt_outcome *o);

#endif
