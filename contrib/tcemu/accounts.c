/* accounts.c — see accounts.h. */
#include "accounts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "store.h"

static void load(struct accounts *a, const struct emu_options *o)
{
    a->v = calloc((size_t)o->naccounts + 1, sizeof(*a->v));
    if (!a->v)
        abort();
    a->n = o->naccounts;
    for (int i = 0; i < o->naccounts; i++) {
        snprintf(a->v[i].key, sizeof(a->v[i].key), "%s", o->accounts[i].key);
        a->v[i].email = strdup(o->accounts[i].email);
        if (!a->v[i].email)
            abort();
        a->v[i].plan = o->accounts[i].plan;
    }
}

static void unload(struct accounts *a)
{
    for (int i = 0; i < a->n; i++) {
        explicit_bzero(a->v[i].key, sizeof(a->v[i].key));
        free(a->v[i].email);
    }
    free(a->v);
    a->v = NULL;
    a->n = 0;
}

void accounts_init(struct accounts *a, const struct emu_options *o)
{
    pthread_mutex_init(&a->mu, NULL);
    load(a, o);
}

void accounts_reset(struct accounts *a, const struct emu_options *o)
{
    pthread_mutex_lock(&a->mu);
    unload(a);
    load(a, o);
    pthread_mutex_unlock(&a->mu);
}

void accounts_destroy(struct accounts *a)
{
    unload(a);
    pthread_mutex_destroy(&a->mu);
}

enum auth_result accounts_authenticate(struct accounts *a, const char *header, int *account)
{
    if (!header)
        return AUTH_BAD_HEADER;
    header += strspn(header, " \t");
    if (strncasecmp(header, "Bearer", 6) != 0)
        return AUTH_BAD_HEADER;
    /* HTTP servers trim trailing blanks, so "Bearer " arrives as "Bearer":
     * both are an empty token, not a malformed header. */
    if (header[6] != '\0' && header[6] != ' ' && header[6] != '\t')
        return AUTH_BAD_HEADER;
    const char *token = header + 6 + strspn(header + 6, " \t");
    size_t len = strlen(token);
    while (len > 0 && (token[len - 1] == ' ' || token[len - 1] == '\t'))
        len--;
    if (len == 0)
        return AUTH_EMPTY_TOKEN;
    if (!api_key_well_formed(token, len))
        return AUTH_UNKNOWN_KEY;
    enum auth_result r = AUTH_UNKNOWN_KEY;
    pthread_mutex_lock(&a->mu);
    for (int i = 0; i < a->n; i++) {
        if (memcmp(a->v[i].key, token, len) == 0) {
            *account = i;
            r = AUTH_OK;
            break;
        }
    }
    pthread_mutex_unlock(&a->mu);
    return r;
}

void auth_error(enum auth_result r, const char **code, const char **message)
{
    switch (r) {
    case AUTH_BAD_HEADER:
        *code = "invalid_auth_header";
        *message = "Authorization header missing or malformed; expected 'Bearer <API key>'";
        return;
    case AUTH_EMPTY_TOKEN:
        *code = "missing_api_key";
        *message = "The Bearer token is empty";
        return;
    case AUTH_OK:
    case AUTH_UNKNOWN_KEY:
        break;
    }
    *code = "invalid_api_key";
    *message = "Invalid API key";
}

enum emu_plan accounts_plan(struct accounts *a, int account)
{
    pthread_mutex_lock(&a->mu);
    enum emu_plan p = account >= 0 && account < a->n ? a->v[account].plan : PLAN_LAPSED;
    pthread_mutex_unlock(&a->mu);
    return p;
}

int accounts_set_plan(struct accounts *a, int account, enum emu_plan plan)
{
    int rc = -1;
    pthread_mutex_lock(&a->mu);
    if (account >= 0 && account < a->n) {
        a->v[account].plan = plan;
        rc = 0;
    }
    pthread_mutex_unlock(&a->mu);
    return rc;
}

/* 24 random bytes from the kernel; the splitmix stream only if that fails. */
static void random_key(char out[API_KEY_LEN + 1])
{
    unsigned char bytes[API_KEY_HEX / 2];
    if (getrandom(bytes, sizeof(bytes), 0) != (ssize_t)sizeof(bytes)) {
        uint64_t st = (uint64_t)time(NULL) ^ (uint64_t)clock();
        for (size_t i = 0; i < sizeof(bytes); i++)
            bytes[i] = (unsigned char)prng_next(&st);
    }
    size_t n = (size_t)snprintf(out, API_KEY_LEN + 1, "%s", API_KEY_PREFIX);
    for (size_t i = 0; i < sizeof(bytes); i++)
        n += (size_t)snprintf(out + n, API_KEY_LEN + 1 - n, "%02x", bytes[i]);
    explicit_bzero(bytes, sizeof(bytes));
}

int accounts_rotate(struct accounts *a, int account, const char *email,
                    char new_key[API_KEY_LEN + 1])
{
    int rc = -1;
    pthread_mutex_lock(&a->mu);
    if (account >= 0 && account < a->n && email && strcasecmp(a->v[account].email, email) == 0) {
        random_key(new_key);
        memcpy(a->v[account].key, new_key, API_KEY_LEN + 1);
        a->v[account].rotations++;
        rc = 0;
    }
    pthread_mutex_unlock(&a->mu);
    return rc;
}

char *accounts_email(struct accounts *a, int account)
{
    char *e = NULL;
    pthread_mutex_lock(&a->mu);
    if (account >= 0 && account < a->n)
        e = strdup(a->v[account].email);
    pthread_mutex_unlock(&a->mu);
    return e;
}

cJSON *accounts_entry_json(struct accounts *a, int account)
{
    cJSON *o = NULL;
    pthread_mutex_lock(&a->mu);
    if (account >= 0 && account < a->n) {
        const struct account_state *s = &a->v[account];
        o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "account", account + 1);
        cJSON_AddStringToObject(o, "email", s->email);
        cJSON_AddStringToObject(o, "plan", plan_name(s->plan));
        long ceiling = plan_ceiling(s->plan);
        if (ceiling < 0)
            cJSON_AddNullToObject(o, "tenant_ceiling");
        else
            cJSON_AddNumberToObject(o, "tenant_ceiling", (double)ceiling);
        cJSON_AddNumberToObject(o, "key_rotations", (double)s->rotations);
    }
    pthread_mutex_unlock(&a->mu);
    return o;
}
