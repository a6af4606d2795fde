/* overrides.c — see overrides.h. */
#include "overrides.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_util.h"
#include "options.h"

#define OVERRIDE_BODY_MAX (64u << 20)

void overrides_init(struct override_list *l)
{
    memset(l, 0, sizeof(*l));
    pthread_mutex_init(&l->mu, NULL);
}

void override_release(struct override *o)
{
    free(o->method);
    free(o->path);
    free(o->body);
    free(o->content_type);
    memset(o, 0, sizeof(*o));
}

static void clear_locked(struct override_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        override_release(&l->items[i]);
    l->n = 0;
}

void overrides_clear(struct override_list *l)
{
    pthread_mutex_lock(&l->mu);
    clear_locked(l);
    pthread_mutex_unlock(&l->mu);
}

void overrides_destroy(struct override_list *l)
{
    clear_locked(l);
    free(l->items);
    pthread_mutex_destroy(&l->mu);
}

static int parse_spec(const cJSON *spec, struct override *o, char *err, size_t errsize)
{
    const char *method = json_str(spec, "method");
    const char *path = json_str(spec, "path");
    long v;
    if (!method || !*method || !path || path[0] != '/') {
        snprintf(err, errsize, "method and path (starting with /) are required strings");
        return -1;
    }
    o->method = strdup(method);
    o->path = strdup(path);
    o->status = 200;
    if (cJSON_GetObjectItemCaseSensitive(spec, "status")) {
        if (!json_int(spec, "status", &v) || v < 100 || v > 999) {
            snprintf(err, errsize, "status must be an integer in 100..999");
            return -1;
        }
        o->status = (int)v;
    }
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(spec, "body");
    const char *body_file = json_str(spec, "body_file");
    if (body && !cJSON_IsString(body)) {
        snprintf(err, errsize, "body must be a string (raw text)");
        return -1;
    }
    if (body) {
        o->body = strdup(body->valuestring);
        o->body_len = strlen(o->body);
    } else if (body_file) {
        o->body = read_file(body_file, OVERRIDE_BODY_MAX, &o->body_len);
        if (!o->body) {
            snprintf(err, errsize, "cannot read body_file: %s", strerror(errno));
            return -1;
        }
    } else {
        o->body = strdup("");
    }
    const char *ct = json_str(spec, "content_type");
    o->content_type = strdup(ct ? ct : "application/json");
    o->times = -1;
    if (cJSON_GetObjectItemCaseSensitive(spec, "times")) {
        if (!json_int(spec, "times", &v) || v < -1 || v == 0 || v > 1000000000) {
            snprintf(err, errsize, "times must be -1 (forever) or a positive integer");
            return -1;
        }
        o->times = (int)v;
    }
    const char *stall = json_str(spec, "stall");
    if (!stall || strcmp(stall, "none") == 0) {
        o->stall = STALL_NONE;
    } else if (strcmp(stall, "silent") == 0) {
        o->stall = STALL_SILENT;
    } else if (strcmp(stall, "drip") == 0) {
        o->stall = STALL_DRIP;
    } else {
        snprintf(err, errsize, "stall must be none, silent or drip");
        return -1;
    }
    o->drip_interval_ms = 1000;
    if (cJSON_GetObjectItemCaseSensitive(spec, "drip_interval_ms")) {
        if (!json_int(spec, "drip_interval_ms", &v) || v < 1 || v > 3600000) {
            snprintf(err, errsize, "drip_interval_ms must be an integer in 1..3600000");
            return -1;
        }
        o->drip_interval_ms = (int)v;
    }
    return 0;
}

int overrides_add(struct override_list *l, const cJSON *spec, char *err, size_t errsize)
{
    struct override o = {0};
    if (!cJSON_IsObject(spec)) {
        snprintf(err, errsize, "body must be a JSON object");
        return -1;
    }
    if (parse_spec(spec, &o, err, errsize) < 0) {
        override_release(&o);
        return -1;
    }
    pthread_mutex_lock(&l->mu);
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->items = realloc(l->items, l->cap * sizeof(*l->items));
        if (!l->items)
            abort();
    }
    l->items[l->n++] = o;
    pthread_mutex_unlock(&l->mu);
    return 0;
}

static char *dup_mem(const char *p, size_t n)
{
    char *d = malloc(n + 1);
    if (!d)
        abort();
    memcpy(d, p, n);
    d[n] = '\0';
    return d;
}

bool overrides_take(struct override_list *l, const char *method, const char *target,
                    struct override *out)
{
    bool found = false;
    pthread_mutex_lock(&l->mu);
    for (size_t i = l->n; i-- > 0;) {
        struct override *o = &l->items[i];
        if (strcmp(o->method, method) != 0 || strcmp(o->path, target) != 0)
            continue;
        *out = *o;
        out->method = strdup(o->method);
        out->path = strdup(o->path);
        out->body = dup_mem(o->body, o->body_len);
        out->content_type = strdup(o->content_type);
        if (o->times > 0 && --o->times == 0) {
            override_release(o);
            memmove(o, o + 1, (l->n - i - 1) * sizeof(*o));
            l->n--;
        }
        found = true;
        break;
    }
    pthread_mutex_unlock(&l->mu);
    return found;
}
