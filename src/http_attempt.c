/* http_attempt: one attempt of a request with libcurl — the easy handle's
 * options (timeouts, TLS verification, no redirects, fresh connections for
 * POSTs and DELETEs), the body and header callbacks, and what the finished
 * attempt means: its errno, and whether SEMANTICS.md §6 lets it be retried,
 * and when. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apikey.h"
#include "log.h"
#include "stats.h"
#include "http_attempt.h"

#define BACKOFF_BASE_MS 250
#define BACKOFF_CAP_MS  8000

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    struct http_attempt *r = arg;
    size_t len = size * n;
    if (r->resp.len + len > HTTP_MAX_BODY) {
        r->too_big = true;
        return 0; /* abort the transfer */
    }
    sb_append(&r->resp, data, len);
    return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
    struct http_attempt *r = arg;
    size_t len = size * n;
    static const char name[] = "retry-after:";
    if (len > sizeof name && strncasecmp(data, name, sizeof name - 1) == 0) {
        char value[64];
        size_t vlen = len - (sizeof name - 1);
        if (vlen >= sizeof value)
            vlen = sizeof value - 1;
        memcpy(value, data + sizeof name - 1, vlen);
        value[vlen] = '\0';
        char *end;
        long secs = strtol(value, &end, 10);
        if (end != value && secs >= 0) {
            r->retry_after_s = (int)(secs > 86400 ? 86400 : secs);
        } else {
            time_t when = curl_getdate(value, NULL);
            time_t now = time(NULL);
            if (when > now)
                r->retry_after_s = (int)(when - now > 86400 ? 86400 : when - now);
        }
    }
    return len;
}

/* The headers of one attempt, built with the current key (a rotation
 * takes effect at the next attempt) and wiped when it ends. */
static struct curl_slist *attempt_headers(const struct attempt_config *cfg,
                                          struct http_attempt *r)
{
    char auth[APIKEY_HEADER_MAX];
    r->key_gen = apikey_header(cfg->key, auth, sizeof auth);
    struct curl_slist *h = curl_slist_append(NULL, auth);
    explicit_bzero(auth, sizeof auth);
    h = curl_slist_append(h, "Accept: application/json");
    if (r->body) {
        h = curl_slist_append(h, "Content-Type: application/json");
        h = curl_slist_append(h, "Expect:");
    }
    r->headers = h;
    return h;
}

void attempt_end(struct http_attempt *r)
{
    if (r->easy)
        curl_easy_cleanup(r->easy);
    r->easy = NULL;
    for (struct curl_slist *h = r->headers; h; h = h->next)
        explicit_bzero(h->data, strlen(h->data));
    curl_slist_free_all(r->headers);
    r->headers = NULL;
}

CURL *attempt_easy(const struct attempt_config *cfg, struct http_attempt *r, int64_t now)
{
    CURL *e = curl_easy_init();
    if (!e)
        return NULL;
    int64_t left = r->deadline_ms - now;
    int64_t total = r->attempt_ms < left ? r->attempt_ms : left;
    if (total < 1)
        total = 1;
    int64_t connect = total < 10000 ? total : 10000;
    curl_easy_setopt(e, CURLOPT_URL, r->url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "tenantcorefs/" TC_VERSION);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, attempt_headers(cfg, r));
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)total);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)connect);
    /* A server that drips bytes is as dead as a silent one. */
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 10L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME,
                     (long)(cfg->timeout_s < 10 ? cfg->timeout_s : 10));
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (cfg->cafile)
        curl_easy_setopt(e, CURLOPT_CAINFO, cfg->cafile);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
    switch (r->method) {
    case HTTP_GET:
        break;
    case HTTP_POST:
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        break;
    case HTTP_PATCH:
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "PATCH");
        break;
    case HTTP_DELETE:
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "DELETE");
        break;
    }
    if (r->method != HTTP_GET) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body ? r->body : "");
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)(r->body ? strlen(r->body) : 0));
        /* libcurl replays a request on a reused connection that died
         * before any byte of the answer. A PATCH sets the fields it names
         * to absolute values, so a replay changes nothing more and it may
         * ride a kept-alive connection (no connect or TLS handshake per
         * write); a POST or DELETE acts, and a replay could do it twice. */
        if (r->method != HTTP_PATCH)
            curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
    }
    return e;
}

static const char *method_name(enum http_method m)
{
    static const char *const names[] = {"GET", "POST", "PATCH", "DELETE"};
    return names[m];
}

static int errno_from_curl(CURL *e, CURLcode code)
{
    long os = 0;
    switch (code) {
    case CURLE_COULDNT_CONNECT:
        curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &os);
        if (os == ECONNREFUSED || os == EHOSTUNREACH || os == ENETUNREACH || os == ETIMEDOUT)
            return (int)os;
        return ECONNREFUSED;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return EHOSTUNREACH;
    case CURLE_OPERATION_TIMEDOUT:
        return ETIMEDOUT;
    default:
        return EIO;
    }
}

/* Whether the request certainly never reached the server. */
static bool not_sent(CURL *e, CURLcode code)
{
    if (code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST ||
        code == CURLE_COULDNT_RESOLVE_PROXY)
        return true;
    if (code == CURLE_OPERATION_TIMEDOUT) {
        curl_off_t connected = 0;
        curl_easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &connected);
        return connected == 0;
    }
    return false;
}

static int64_t backoff_ms(int attempt)
{
    int64_t d = BACKOFF_BASE_MS;
    for (int i = 1; i < attempt && d < BACKOFF_CAP_MS; i++)
        d *= 2;
    if (d > BACKOFF_CAP_MS)
        d = BACKOFF_CAP_MS;
    /* Full jitter over the upper half keeps retries from marching in step. */
    return d / 2 + (int64_t)(random() % (d / 2 + 1));
}

void attempt_outcome(const struct attempt_config *cfg, struct http_attempt *r, CURLcode code,
                     struct attempt_outcome *o)
{
    CURL *e = r->easy;
    long status = 0, conns = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &conns);
    atomic_fetch_add(&g_stats.connections, (unsigned long)conns);

    memset(o, 0, sizeof *o);
    o->errmsg = "";
    if (code != CURLE_OK) {
        o->err = r->too_big ? EIO : errno_from_curl(e, code);
        o->errmsg = r->too_big ? "the API's answer is larger than 16 MiB"
                               : (r->errbuf[0] ? r->errbuf : curl_easy_strerror(code));
        /* TLS failures are configuration, not luck: retrying cannot help. */
        o->retryable = !r->too_big && (r->method == HTTP_GET || not_sent(e, code)) &&
                       code != CURLE_PEER_FAILED_VERIFICATION && code != CURLE_SSL_CONNECT_ERROR &&
                       code != CURLE_SSL_CACERT_BADFILE;
    } else {
        o->status = (int)status;
        o->retryable = status == 429 || (status >= 500 && r->method == HTTP_GET);
        /* A 401 after a key rotation: the request was refused before it
         * did anything, so even a write may go again — once, with the key
         * now in the file. */
        if (status == 401 && !r->key_retried && apikey_reload(cfg->key, r->key_gen) == 1) {
            r->key_retried = true;
            o->new_key = true;
        }
    }
    log_debug("%s %s -> %d%s%s (attempt %d)", method_name(r->method), r->path, o->status,
              o->err ? " " : "", o->err ? o->errmsg : "", r->attempts);
    o->delay_ms = o->new_key ? 0 : backoff_ms(r->attempts);
    if (r->retry_after_s > 0) {
        int64_t ra = (int64_t)r->retry_after_s * 1000;
        int64_t cap = (int64_t)cfg->timeout_s * 1000;
        o->delay_ms = ra < cap ? ra : cap;
    }
}
