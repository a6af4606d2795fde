/* json_util.c — see json_util.h. */
#include "json_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *json_str(const cJSON *obj, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(it) ? it->valuestring : NULL;
}

bool json_int(const cJSON *obj, const char *key, long *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsNumber(it))
        return false;
    double v = it->valuedouble;
    /* Only integers in a sane range; 20.5 or 1e300 are not send limits. */
    if (!isfinite(v) || v != floor(v) || fabs(v) > 9007199254740992.0)
        return false;
    *out = (long)v;
    return true;
}

bool json_true(const cJSON *obj, const char *key)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

void json_put(cJSON *obj, const char *key, cJSON *item)
{
    if (!item)
        abort();
    if (cJSON_GetObjectItemCaseSensitive(obj, key))
        cJSON_ReplaceItemInObjectCaseSensitive(obj, key, item);
    else
        cJSON_AddItemToObject(obj, key, item);
}

void json_put_str(cJSON *obj, const char *key, const char *s)
{
    json_put(obj, key, s ? cJSON_CreateString(s) : cJSON_CreateNull());
}

void json_put_num(cJSON *obj, const char *key, double v)
{
    json_put(obj, key, cJSON_CreateNumber(v));
}

void json_put_null(cJSON *obj, const char *key)
{
    json_put(obj, key, cJSON_CreateNull());
}

void json_copy_field(cJSON *dst, const cJSON *obj, const char *key)
{
    json_copy_field_as(dst, key, obj, key);
}

void json_copy_field_as(cJSON *dst, const char *dst_key, const cJSON *obj, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    cJSON *copy = it ? cJSON_Duplicate(it, 1) : cJSON_CreateNull();
    if (!copy)
        abort();
    cJSON_AddItemToObject(dst, dst_key, copy);
}

void iso_time(time_t t, char out[21])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void iso_now(char out[21])
{
    iso_time(time(NULL), out);
}

bool iso_parse(const char *s, time_t *out)
{
    struct tm tm = {0};
    char z = 0;
    if (!s ||
        sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &z) != 7 ||
        z != 'Z')
        return false;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *out = timegm(&tm);
    return true;
}

void json_add_extra_fields(cJSON *item)
{
    for (cJSON *c = item ? item->child : NULL; c; c = c->next)
        json_add_extra_fields(c);
    if (cJSON_IsObject(item) && !cJSON_GetObjectItemCaseSensitive(item, "x_emu"))
        cJSON_AddStringToObject(item, "x_emu", "undocumented field added by tcemu --extra-fields");
}

char *json_print(const cJSON *item)
{
    char *s = cJSON_PrintUnformatted(item);
    if (!s)
        abort();
    return s;
}

char *json_error_body(enum error_shape shape, const char *code, const char *message)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *err;
    switch (shape) {
    case ERR_NONE:
        cJSON_Delete(root);
        return NULL;
    case ERR_NESTED:
        err = cJSON_AddObjectToObject(root, "error");
        cJSON_AddStringToObject(err, "code", code);
        cJSON_AddStringToObject(err, "message", message);
        break;
    case ERR_FLAT:
        cJSON_AddStringToObject(root, "code", code);
        cJSON_AddStringToObject(root, "message", message);
        break;
    case ERR_STRING:
        cJSON_AddStringToObject(root, "error", code);
        cJSON_AddStringToObject(root, "message", message);
        break;
    case ERR_DETAIL:
        cJSON_AddStringToObject(root, "code", code);
        cJSON_AddStringToObject(root, "detail", message);
        break;
    case ERR_DOCUMENTED:
        err = cJSON_AddObjectToObject(root, "detail");
        cJSON_AddStringToObject(err, "message", message);
        cJSON_AddStringToObject(err, "code", code);
        break;
    }
    char *s = json_print(root);
    cJSON_Delete(root);
    return s;
}

bool ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}
