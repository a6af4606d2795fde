/* enforcement: the enforcement log as files. enforcement.log has one event
 * a line, oldest first (so `tail` shows the latest), six fields separated by
 * single spaces: created_at action_taken mailbox_address sent_count
 * limit_value tenant_id. A field is never empty and never holds a space or
 * a line break: bytes up to 0x20, 0x7f and the backslash are written as
 * \ooo (octal, as /proc/mounts does), and an absent, null or empty value
 * is "-". enforcement.jsonl has the same events, one compact JSON object a
 * line, as the API sent them. Neither ever holds the API key. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonout.h"
#include "log.h"
#include "render.h"
#include "timefmt.h"

static const char *const log_fields[] = {"created_at",  "action_taken", "mailbox_address",
                                         "sent_count",  "limit_value",  "tenant_id"};

static void escaped(struct strbuf *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p <= 0x20 || *p == 0x7f || *p == '\\')
            sb_printf(out, "\\%03o", *p);
        else
            sb_putc(out, (char)*p);
    }
}

static void log_field(struct strbuf *out, const cJSON *v)
{
    if (cJSON_IsString(v) && v->valuestring && *v->valuestring) {
        escaped(out, v->valuestring);
    } else if (cJSON_IsNumber(v)) {
        json_append_number(out, v->valuedouble);
    } else if (cJSON_IsBool(v)) {
        sb_puts(out, cJSON_IsTrue(v) ? "true" : "false");
    } else if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
        struct strbuf compact = STRBUF_INIT;
        json_print_compact(&compact, v);
        escaped(out, compact.data ? compact.data : "");
        sb_free(&compact);
    } else {
        sb_putc(out, '-');
    }
}

/* The events, oldest first; the mtime's stamp is the newest created_at. */
static int events_of(struct render_ctx *rctx, const struct route *rt, const cJSON **first)
{
    const struct resource *r;
    int err = rctx_get(rctx, RES_EVENTS, rt->tenant, NULL, &r);
    if (err)
        return err;
    const cJSON *events = cJSON_GetObjectItemCaseSensitive(r->json, "events");
    if (!cJSON_IsArray(events))
        return rctx_fail(rctx, EIO, "the enforcement log has no events");
    const cJSON *ev;
    cJSON_ArrayForEach(ev, events)
    {
        time_t t;
        const char *at = json_str(ev, "created_at");
        if (at && iso8601_parse(at, &t) == 0 && t > rctx->stamp)
            rctx->stamp = t;
    }
    *first = events->child;
    return 0;
}

static void log_line(struct strbuf *out, const cJSON *ev)
{
    for (size_t f = 0; f < sizeof log_fields / sizeof *log_fields; f++) {
        if (f)
            sb_putc(out, ' ');
        log_field(out, cJSON_GetObjectItemCaseSensitive(ev, log_fields[f]));
    }
}

/* One line per event, oldest first (the API sends newest first), with
 * every key the mount holds redacted. */
static int render_events(struct render_ctx *rctx, const struct route *rt, struct strbuf *out,
                         void (*line)(struct strbuf *, const cJSON *))
{
    const cJSON *first = NULL;
    int err = events_of(rctx, rt, &first);
    if (err)
        return err;
    struct strbuf text = STRBUF_INIT;
    /* cJSON links the first item's prev to the last one. */
    for (const cJSON *ev = first ? first->prev : NULL; ev; ev = ev == first ? NULL : ev->prev) {
        line(&text, ev);
        sb_putc(&text, '\n');
    }
    char *clean = log_redact_dup(text.data ? text.data : "");
    sb_puts(out, clean);
    free(clean);
    sb_free(&text);
    return 0;
}

int render_enforcement_log(struct render_ctx *rctx, const struct route *rt, struct strbuf *out)
{
    return render_events(rctx, rt, out, log_line);
}

int render_enforcement_jsonl(struct render_ctx *rctx, const struct route *rt, struct strbuf *out)
{
    return render_events(rctx, rt, out, json_print_compact);
}
