/* h_account.c — POST /api-key/rotate?user_email=... (api-docs/
 * authentication.txt "Rotating the key"): a new key in the documented form,
 * in the answer and nowhere else; the old key stops working at once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "json_util.h"
#include "router.h"
#include "validate.h"

void h_api_key_rotate(struct api_call *c)
{
    char email[512];
    int r = router_query_param(c->target, "user_email", email, sizeof(email));
    if (r == 0) {
        api_invalid(c, loc_query("user_email"), "Field required", "missing");
        return;
    }
    char key[API_KEY_LEN + 1];
    /* The key must be the email's own: another user's email rotates nothing. */
    if (r < 0 || accounts_rotate(&c->app->accounts, c->account, email, key) < 0) {
        api_fail(c, 403, "access_denied", "user_email does not match the account of this API key");
        return;
    }
    char *owner = accounts_email(&c->app->accounts, c->account);
    char now[21];
    iso_now(now);
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "api_key", key);
    cJSON_AddStringToObject(root, "user_email", owner ? owner : email);
    cJSON_AddStringToObject(root, "rotated_at", now);
    cJSON_AddStringToObject(root, "message",
                            "API key rotated. The previous key no longer works: update every "
                            "integration to the new key.");
    free(owner);
    explicit_bzero(key, sizeof(key));
    api_ok(c, root);
}
