/* faults.c — see faults.h. Random draws use a per-thread generator so that
 * connection threads never contend on a lock for them. */
#include "faults.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "json_util.h"
#include "store.h"

void faults_init(struct fault_state *fs, const struct emu_faults *initial)
{
    pthread_mutex_init(&fs->mu, NULL);
    fs->cur = *initial;
}

void faults_destroy(struct fault_state *fs)
{
    pthread_mutex_destroy(&fs->mu);
}

struct emu_faults faults_snapshot(struct fault_state *fs)
{
    pthread_mutex_lock(&fs->mu);
    struct emu_faults f = fs->cur;
    pthread_mutex_unlock(&fs->mu);
    return f;
}

void faults_reset(struct fault_state *fs, const struct emu_faults *initial)
{
    pthread_mutex_lock(&fs->mu);
    fs->cur = *initial;
    pthread_mutex_unlock(&fs->mu);
}

static int get_ms(const cJSON *patch, const char *key, int *out, char *err, size_t errsize)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(patch, key);
    long v;
    if (!it)
        return 0;
    if (!json_int(patch, key, &v) || v < 0 || v > 3600000) {
        snprintf(err, errsize, "%s must be an integer in 0..3600000", key);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int get_count(const cJSON *patch, const char *key, int *out, char *err, size_t errsize)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(patch, key);
    long v;
    if (!it)
        return 0;
    if (!json_int(patch, key, &v) || v < 0 || v > 10000) {
        snprintf(err, errsize, "%s must be an integer in 0..10000", key);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int get_rate(const cJSON *patch, const char *key, double *out, char *err, size_t errsize)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(patch, key);
    if (!it)
        return 0;
    if (!cJSON_IsNumber(it) || !(it->valuedouble >= 0.0 && it->valuedouble <= 1.0)) {
        snprintf(err, errsize, "%s must be a number in [0,1]", key);
        return -1;
    }
    *out = it->valuedouble;
    return 0;
}

static int apply_patch(struct emu_faults *fp, const cJSON *patch, char *err, size_t errsize);

static const char *known_keys[] = {
    "latency_ms", "jitter_ms",   "error_rate",   "rate_429",     "retry_after",
    "drop_rate",  "error_shape", "limits_shape", "extra_fields", "events_per_request"};

int faults_update(struct fault_state *fs, const cJSON *patch, char *err, size_t errsize)
{
    if (!cJSON_IsObject(patch)) {
        snprintf(err, errsize, "body must be a JSON object");
        return -1;
    }
    for (const cJSON *it = patch->child; it; it = it->next) {
        bool known = false;
        for (size_t i = 0; i < sizeof(known_keys) / sizeof(*known_keys); i++)
            known = known || strcmp(it->string, known_keys[i]) == 0;
        if (!known) {
            snprintf(err, errsize, "unknown config field '%.64s'", it->string);
            return -1;
        }
    }
    /* Validate into a copy taken under the lock; commit only if all is well. */
    pthread_mutex_lock(&fs->mu);
    struct emu_faults f = fs->cur;
    int rc = apply_patch(&f, patch, err, errsize);
    if (rc == 0)
        fs->cur = f;
    pthread_mutex_unlock(&fs->mu);
    return rc;
}

static int apply_patch(struct emu_faults *fp, const cJSON *patch, char *err, size_t errsize)
{
    struct emu_faults f = *fp;
    if (get_ms(patch, "latency_ms", &f.latency_ms, err, errsize) ||
        get_ms(patch, "jitter_ms", &f.jitter_ms, err, errsize) ||
        get_ms(patch, "retry_after", &f.retry_after, err, errsize) ||
        get_count(patch, "events_per_request", &f.events_per_request, err, errsize) ||
        get_rate(patch, "error_rate", &f.error_rate, err, errsize) ||
        get_rate(patch, "rate_429", &f.rate_429, err, errsize) ||
        get_rate(patch, "drop_rate", &f.drop_rate, err, errsize))
        return -1;
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(patch, "error_shape");
    if (it && (!cJSON_IsString(it) || error_shape_parse(it->valuestring, &f.error_shape))) {
        snprintf(err, errsize,
                 "error_shape must be documented, nested, flat, string, detail or none");
        return -1;
    }
    it = cJSON_GetObjectItemCaseSensitive(patch, "limits_shape");
    if (it && (!cJSON_IsString(it) || limits_shape_parse(it->valuestring, &f.limits_shape))) {
        snprintf(err, errsize, "limits_shape must be top or nested");
        return -1;
    }
    it = cJSON_GetObjectItemCaseSensitive(patch, "extra_fields");
    if (it) {
        if (!cJSON_IsBool(it)) {
            snprintf(err, errsize, "extra_fields must be a boolean");
            return -1;
        }
        f.extra_fields = cJSON_IsTrue(it);
    }
    *fp = f;
    return 0;
}

cJSON *faults_to_json(const struct emu_faults *f)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "latency_ms", f->latency_ms);
    cJSON_AddNumberToObject(o, "jitter_ms", f->jitter_ms);
    cJSON_AddNumberToObject(o, "error_rate", f->error_rate);
    cJSON_AddNumberToObject(o, "rate_429", f->rate_429);
    cJSON_AddNumberToObject(o, "retry_after", f->retry_after);
    cJSON_AddNumberToObject(o, "drop_rate", f->drop_rate);
    cJSON_AddStringToObject(o, "error_shape", error_shape_name(f->error_shape));
    cJSON_AddStringToObject(o, "limits_shape", limits_shape_name(f->limits_shape));
    cJSON_AddBoolToObject(o, "extra_fields", f->extra_fields);
    cJSON_AddNumberToObject(o, "events_per_request", f->events_per_request);
    return o;
}

double faults_uniform(void)
{
    static _Thread_local uint64_t state;
    static atomic_uint_fast64_t counter;
    if (state == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        state = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^
                (atomic_fetch_add(&counter, 1) * 0x9e3779b97f4a7c15ull) ^ (uint64_t)pthread_self();
        state |= 1;
    }
    return (double)(prng_next(&state) >> 11) / 9007199254740992.0;
}

enum fault_kind faults_draw(const struct emu_faults *f, int *status)
{
    if (f->drop_rate <= 0 && f->error_rate <= 0 && f->rate_429 <= 0)
        return FAULT_NONE;
    /* One draw split into bands, so each rate holds exactly in expectation. */
    double u = faults_uniform();
    if (u < f->drop_rate)
        return FAULT_DROP;
    u -= f->drop_rate;
    if (u < f->error_rate) {
        static const int codes[] = {500, 502, 503};
        *status = codes[(int)(faults_uniform() * 3) % 3];
        return FAULT_5XX;
    }
    u -= f->error_rate;
    if (u < f->rate_429) {
        *status = 429;
        return FAULT_429;
    }
    return FAULT_NONE;
}

int faults_latency_ms(const struct emu_faults *f)
{
    if (f->jitter_ms <= 0)
        return f->latency_ms;
    double v = f->latency_ms - f->jitter_ms + faults_uniform() * (2.0 * f->jitter_ms);
    return v > 0 ? (int)(v + 0.5) : 0;
}

void sleep_ms_interruptible(int ms, const atomic_bool *stop)
{
    while (ms > 0 && !(stop && atomic_load(stop))) {
        int step = ms > 50 ? 50 : ms;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)step * 1000000L};
        while (nanosleep(&ts, &ts) != 0)
            ;
        ms -= step;
    }
}
