/* overrides.h — canned raw answers for exact (method, path+query) pairs,
 * set through /_emu/override, optionally stalled (silent) or trickled
 * (drip) to exercise client timeouts. */
#ifndef TCEMU_OVERRIDES_H
#define TCEMU_OVERRIDES_H

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

enum stall_mode { STALL_NONE, STALL_SILENT, STALL_DRIP };

struct override {
    char *method;
    char *path; /* raw request target, query included */
    int status;
    char *body;
    size_t body_len;
    char *content_type;
    int times; /* -1 = forever */
    enum stall_mode stall;
    int drip_interval_ms;
};

struct override_list {
    pthread_mutex_t mu;
    struct override *items;
    size_t n, cap;
};

void overrides_init(struct override_list *l);
void overrides_destroy(struct override_list *l);
void overrides_clear(struct override_list *l);
/* Parses a /_emu/override body and adds it. 0, or -1 with err set. */
int overrides_add(struct override_list *l, const cJSON *spec, char *err, size_t errsize);
/* On a match, fills *out with an owned copy (override_release frees it) and
 * consumes one of its `times`. The newest matching override wins. */
bool overrides_take(struct override_list *l, const char *method, const char *target,
                    struct override *out);
void override_release(struct override *o);

#endif
