/* stats.h — request accounting for /_emu/stats: totals, connections,
 * in-flight, per-route and per-path counts and the list of write requests,
 * so tests and benchmarks can count API calls exactly. One mutex; each
 * request takes it a few times for a handful of integer updates. */
#ifndef TCEMU_STATS_H
#define TCEMU_STATS_H

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Insertion-ordered string → count map with a hash index. */
struct counter_map {
    struct counter_entry {
        char *key;
        long count;
    } * entries;
    size_t n, cap;
    int32_t *index; /* open addressing, -1 = empty */
    size_t index_cap;
};

struct write_entry {
    char *method;
    char *path;
    cJSON *body;
    int status;
};

struct stats {
    pthread_mutex_t mu;
    uint64_t generation; /* bumped by reset; stale updates are ignored */
    long total, connections, in_flight, max_in_flight;
    struct counter_map by_route, by_path;
    const char *const *route_keys; /* always listed in by_route, even at 0 */
    size_t nroute_keys;
    struct write_entry *writes;
    size_t nwrites, writes_cap;
};

/* A ticket ties a request's later updates to the generation it began in. */
struct stats_ticket {
    uint64_t generation;
    long write_index; /* -1: not a write */
};

void stats_init(struct stats *st, const char *const *route_keys, size_t nroute_keys);
void stats_destroy(struct stats *st);
void stats_reset(struct stats *st);

/* Counts one /v1 request. conn_gen is the connection's own marker, so each
 * connection is counted once per generation. */
struct stats_ticket stats_begin(struct stats *st, uint64_t *conn_gen, const char *method,
                                const char *route_key, const char *raw_path);
/* Records a non-GET request's body (raw bytes, may be NULL) in writes. */
void stats_record_write(struct stats *st, struct stats_ticket *tk, const char *method,
                        const char *raw_path, const char *body, size_t body_len);
/* The status sent (0 = dropped) for a recorded write. */
void stats_set_status(struct stats *st, const struct stats_ticket *tk, int status);
void stats_end(struct stats *st, const struct stats_ticket *tk);

cJSON *stats_to_json(struct stats *st, bool with_paths);

#endif
