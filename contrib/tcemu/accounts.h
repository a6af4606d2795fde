/* accounts.h — the accounts as the API sees them at run time: each one's
 * current key (rotation replaces it), email and plan (api-docs/
 * authentication.txt). Start-up values come from the options; /_emu/reset
 * restores them. One mutex; keys never leave this module except as the
 * answer to a rotation. */
#ifndef TCEMU_ACCOUNTS_H
#define TCEMU_ACCOUNTS_H

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdbool.h>

#include "options.h"

struct account_state {
    char key[API_KEY_LEN + 1];
    char *email;
    enum emu_plan plan;
    long rotations;
};

struct accounts {
    pthread_mutex_t mu;
    struct account_state *v;
    int n;
};

/* How an Authorization header fails (api-docs/authentication.txt). */
enum auth_result {
    AUTH_OK,
    AUTH_BAD_HEADER,  /* missing, or not "Bearer ..." : invalid_auth_header */
    AUTH_EMPTY_TOKEN, /* "Bearer" with nothing after it: missing_api_key */
    AUTH_UNKNOWN_KEY, /* malformed or no such key: invalid_api_key */
};

void accounts_init(struct accounts *a, const struct emu_options *o);
void accounts_reset(struct accounts *a, const struct emu_options *o);
void accounts_destroy(struct accounts *a);

/* Resolves a raw Authorization header; *account gets the index on AUTH_OK. */
enum auth_result accounts_authenticate(struct accounts *a, const char *header, int *account);
/* Error code and message of a failed authentication. */
void auth_error(enum auth_result r, const char **code, const char **message);

enum emu_plan accounts_plan(struct accounts *a, int account);
/* 0, or -1 when there is no such account (1-based index in /_emu). */
int accounts_set_plan(struct accounts *a, int account, enum emu_plan plan);

/* Replaces the account's key with a fresh one written to new_key, if email
 * is the account's (case-insensitive). Returns 0, or -1 on a wrong email. */
int accounts_rotate(struct accounts *a, int account, const char *email,
                    char new_key[API_KEY_LEN + 1]);

/* Copy of the account's email (caller frees), NULL when out of range. */
char *accounts_email(struct accounts *a, int account);

/* {"account":N,"email",...,"plan",...,"tenant_ceiling",...,"key_rotations"}
 * for /_emu — never the key. */
cJSON *accounts_entry_json(struct accounts *a, int account);

#endif
