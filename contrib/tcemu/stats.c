/* stats.c — see stats.h. */
#include "stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static void map_free(struct counter_map *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->entries[i].key);
    free(m->entries);
    free(m->index);
    memset(m, 0, sizeof(*m));
}

static void map_rehash(struct counter_map *m, size_t cap)
{
    free(m->index);
    m->index = malloc(cap * sizeof(*m->index));
    if (!m->index)
        abort();
    memset(m->index, 0xff, cap * sizeof(*m->index));
    m->index_cap = cap;
    for (size_t i = 0; i < m->n; i++) {
        size_t h = hash_str(m->entries[i].key) & (cap - 1);
        while (m->index[h] >= 0)
            h = (h + 1) & (cap - 1);
        m->index[h] = (int32_t)i;
    }
}

static void map_add(struct counter_map *m, const char *key, long delta)
{
    if (m->index_cap == 0)
        map_rehash(m, 64);
    size_t h = hash_str(key) & (m->index_cap - 1);
    while (m->index[h] >= 0) {
        struct counter_entry *e = &m->entries[m->index[h]];
        if (strcmp(e->key, key) == 0) {
            e->count += delta;
            return;
        }
        h = (h + 1) & (m->index_cap - 1);
    }
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        m->entries = realloc(m->entries, m->cap * sizeof(*m->entries));
        if (!m->entries)
            abort();
    }
    m->entries[m->n].key = strdup(key);
    m->entries[m->n].count = delta;
    m->index[h] = (int32_t)m->n++;
    if (m->n * 2 > m->index_cap)
        map_rehash(m, m->index_cap * 2);
}

static void clear_locked(struct stats *st)
{
    map_free(&st->by_route);
    map_free(&st->by_path);
    for (size_t i = 0; i < st->nwrites; i++) {
        free(st->writes[i].method);
        free(st->writes[i].path);
        cJSON_Delete(st->writes[i].body);
    }
    free(st->writes);
    st->writes = NULL;
    st->nwrites = st->writes_cap = 0;
    st->total = st->connections = st->in_flight = st->max_in_flight = 0;
    for (size_t i = 0; i < st->nroute_keys; i++)
        map_add(&st->by_route, st->route_keys[i], 0);
}

void stats_init(struct stats *st, const char *const *route_keys, size_t nroute_keys)
{
    memset(st, 0, sizeof(*st));
    pthread_mutex_init(&st->mu, NULL);
    st->route_keys = route_keys;
    st->nroute_keys = nroute_keys;
    st->generation = 1;
    clear_locked(st);
}

void stats_destroy(struct stats *st)
{
    st->nroute_keys = 0;
    clear_locked(st);
    map_free(&st->by_route);
    pthread_mutex_destroy(&st->mu);
}

void stats_reset(struct stats *st)
{
    pthread_mutex_lock(&st->mu);
    clear_locked(st);
    st->generation++;
    pthread_mutex_unlock(&st->mu);
}

struct stats_ticket stats_begin(struct stats *st, uint64_t *conn_gen, const char *method,
                                const char *route_key, const char *raw_path)
{
    char key[8200];
    struct stats_ticket tk = {.write_index = -1};
    pthread_mutex_lock(&st->mu);
    tk.generation = st->generation;
    st->total++;
    if (*conn_gen != st->generation) {
        *conn_gen = st->generation;
        st->connections++;
    }
    if (++st->in_flight > st->max_in_flight)
        st->max_in_flight = st->in_flight;
    snprintf(key, sizeof(key), "%s %s", method, route_key);
    map_add(&st->by_route, key, 1);
    snprintf(key, sizeof(key), "%s %s", method, raw_path);
    map_add(&st->by_path, key, 1);
    pthread_mutex_unlock(&st->mu);
    return tk;
}

void stats_record_write(struct stats *st, struct stats_ticket *tk, const char *method,
                        const char *raw_path, const char *body, size_t body_len)
{
    /* Parse outside the lock; a body that is not JSON is kept as a string. */
    cJSON *item = NULL;
    if (body && body_len > 0) {
        item = cJSON_ParseWithLength(body, body_len);
        if (!item)
            item = cJSON_CreateString(body); /* body is NUL-terminated by the server */
    } else {
        item = cJSON_CreateNull();
    }
    pthread_mutex_lock(&st->mu);
    if (tk->generation != st->generation) {
        pthread_mutex_unlock(&st->mu);
        cJSON_Delete(item);
        return;
    }
    if (st->nwrites == st->writes_cap) {
        st->writes_cap = st->writes_cap ? st->writes_cap * 2 : 64;
        st->writes = realloc(st->writes, st->writes_cap * sizeof(*st->writes));
        if (!st->writes)
            abort();
    }
    struct write_entry *w = &st->writes[st->nwrites];
    w->method = strdup(method);
    w->path = strdup(raw_path);
    w->body = item;
    w->status = 0;
    tk->write_index = (long)st->nwrites++;
    pthread_mutex_unlock(&st->mu);
}

void stats_set_status(struct stats *st, const struct stats_ticket *tk, int status)
{
    if (tk->write_index < 0)
        return;
    pthread_mutex_lock(&st->mu);
    if (tk->generation == st->generation && (size_t)tk->write_index < st->nwrites)
        st->writes[tk->write_index].status = status;
    pthread_mutex_unlock(&st->mu);
}

void stats_end(struct stats *st, const struct stats_ticket *tk)
{
    pthread_mutex_lock(&st->mu);
    if (tk->generation == st->generation && st->in_flight > 0)
        st->in_flight--;
    pthread_mutex_unlock(&st->mu);
}

static cJSON *map_to_json(const struct counter_map *m)
{
    cJSON *o = cJSON_CreateObject();
    for (size_t i = 0; i < m->n; i++)
        cJSON_AddNumberToObject(o, m->entries[i].key, (double)m->entries[i].count);
    return o;
}

cJSON *stats_to_json(struct stats *st, bool with_paths)
{
    cJSON *o = cJSON_CreateObject();
    pthread_mutex_lock(&st->mu);
    /* The moment these totals were read, so a client can turn two
     * snapshots into an exact rate whatever its own scheduling delays. */
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    cJSON_AddNumberToObject(o, "clock_ms", (double)ts.tv_sec * 1000.0 + (double)(ts.tv_nsec / 1000000));
    cJSON_AddNumberToObject(o, "total", (double)st->total);
    cJSON_AddNumberToObject(o, "connections", (double)st->connections);
    cJSON_AddNumberToObject(o, "in_flight", (double)st->in_flight);
    cJSON_AddNumberToObject(o, "max_in_flight", (double)st->max_in_flight);
    cJSON_AddNumberToObject(o, "distinct_paths", (double)st->by_path.n);
    cJSON_AddItemToObject(o, "by_route", map_to_json(&st->by_route));
    if (with_paths)
        cJSON_AddItemToObject(o, "by_path", map_to_json(&st->by_path));
    cJSON *writes = cJSON_AddArrayToObject(o, "writes");
    for (size_t i = 0; i < st->nwrites; i++) {
        const struct write_entry *w = &st->writes[i];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "method", w->method);
        cJSON_AddStringToObject(e, "path", w->path);
        cJSON_AddItemToObject(e, "body", cJSON_Duplicate(w->body, 1));
        cJSON_AddNumberToObject(e, "status", w->status);
        cJSON_AddItemToArray(writes, e);
    }
    pthread_mutex_unlock(&st->mu);
    return o;
}
