/* faults.h — run-time fault injection and response-shape settings
 * (latency, jitter, 5xx, 429, dropped connections, error/limits shapes),
 * shared by every connection thread and changed by /_emu/config. */
#ifndef TCEMU_FAULTS_H
#define TCEMU_FAULTS_H

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "options.h"

struct fault_state {
    pthread_mutex_t mu;
    struct emu_faults cur;
};

enum fault_kind { FAULT_NONE, FAULT_DROP, FAULT_5XX, FAULT_429 };

void faults_init(struct fault_state *fs, const struct emu_faults *initial);
void faults_destroy(struct fault_state *fs);
/* Consistent copy for one request. */
struct emu_faults faults_snapshot(struct fault_state *fs);
void faults_reset(struct fault_state *fs, const struct emu_faults *initial);

/* Applies any subset of the /_emu/config fields; all or nothing.
 * Returns 0, or -1 with a message in err. */
int faults_update(struct fault_state *fs, const cJSON *patch, char *err, size_t errsize);
cJSON *faults_to_json(const struct emu_faults *f);

/* Picks this request's fate; *status gets 500/502/503 or 429. */
enum fault_kind faults_draw(const struct emu_faults *f, int *status);
/* Latency with jitter, uniform in [l-j, l+j], floored at 0. */
int faults_latency_ms(const struct emu_faults *f);
/* Sleeps ms, waking early when *stop becomes true. */
void sleep_ms_interruptible(int ms, const atomic_bool *stop);
/* Uniform double in [0,1) from a per-thread generator. */
double faults_uniform(void);

#endif
