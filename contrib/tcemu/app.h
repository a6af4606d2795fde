/* app.h — the emulator's shared state and the request/reply records that
 * the HTTP layer (http_server.c) exchanges with the API (api.c) and the
 * control endpoints (emu_control.c). No libmicrohttpd types beyond here. */
#ifndef TCEMU_APP_H
#define TCEMU_APP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accounts.h"
#include "faults.h"
#include "options.h"
#include "overrides.h"
#include "stats.h"
#include "store.h"

#define BODY_MAX (1u << 20) /* request bodies above 1 MiB are answered 413 */

struct emu_app {
    struct emu_options opts;
    struct emu_store store;
    struct accounts accounts;
    struct stats stats;
    struct fault_state faults;
    struct override_list overrides;
    atomic_bool stopping; /* set on SIGTERM/SIGINT: stalled handlers return */
};

struct http_request {
    const char *method;
    const char *target; /* raw request target, query included, not decoded */
    const char *authorization;
    const char *body; /* NUL-terminated copy of the body, or NULL */
    size_t body_len;
    bool body_too_large;
    uint64_t *conn_gen; /* per-connection marker for stats */
};

struct reply {
    int status;
    char *body; /* malloc'ed, may be NULL */
    size_t body_len;
    const char *content_type; /* NULL: no Content-Type header */
    char ctype_buf[128];      /* storage for a content type set by an override */
    int retry_after;          /* < 0: no Retry-After header */
    char allow[128];          /* Allow header for 405 */
    bool drop;                /* close the connection without answering */
    enum stall_mode stall;
    int drip_interval_ms;
};

/* Sets a JSON reply (takes ownership of json). */
void reply_json(struct reply *r, int status, cJSON *json, bool extra_fields);
/* Sets an error reply in the given shape. */
void reply_error(struct reply *r, int status, enum error_shape shape, bool extra_fields,
                 const char *code, const char *message);

/* API requests (/v1 and /api-key): stats, faults, overrides, auth, plan,
 * routing, request checks, handlers. */
void api_handle(struct emu_app *app, const struct http_request *req, struct reply *out,
                struct stats_ticket *ticket);
/* Route keys ("GET /v1/tenants", ...) for stats' by_route. */
const char *const *api_route_keys(size_t *n);

/* /_emu/... control endpoints (no auth, not counted). */
void emu_control_handle(struct emu_app *app, const struct http_request *req, struct reply *out);

/* Rebuilds the fleet from the start-up options, restores the accounts' keys
 * and plans, and clears stats, overrides and faults (/_emu/reset). */
void app_reset(struct emu_app *app);

#endif
