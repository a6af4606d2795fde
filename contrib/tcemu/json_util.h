/* json_util.h — small cJSON helpers shared by the handlers: typed getters
 * that tolerate wrong types (fields may hold any JSON after /_emu/set),
 * order-preserving setters, timestamps and the error-body shapes. */
#ifndef TCEMU_JSON_UTIL_H
#define TCEMU_JSON_UTIL_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <time.h>

#include "options.h"

/* String value of obj[key], or NULL when absent or not a string. */
const char *json_str(const cJSON *obj, const char *key);
/* true when obj[key] is an integral number (stored in *out). */
bool json_int(const cJSON *obj, const char *key, long *out);
/* true when obj[key] is JSON true. */
bool json_true(const cJSON *obj, const char *key);
/* Replaces obj[key] in place (keeping key order) or appends it; takes item. */
void json_put(cJSON *obj, const char *key, cJSON *item);
void json_put_str(cJSON *obj, const char *key, const char *s);
void json_put_num(cJSON *obj, const char *key, double v);
void json_put_null(cJSON *obj, const char *key);
/* Appends a copy of obj[key] (JSON null when absent) to dst. */
void json_copy_field(cJSON *dst, const cJSON *obj, const char *key);
/* Same, stored under another key. */
void json_copy_field_as(cJSON *dst, const char *dst_key, const cJSON *obj, const char *key);

/* ISO-8601 UTC "YYYY-MM-DDTHH:MM:SSZ" (21 bytes with NUL). */
void iso_time(time_t t, char out[21]);
void iso_now(char out[21]);
/* Reads back an iso_time string; false for anything else. */
bool iso_parse(const char *s, time_t *out);

/* Adds "x_emu" to every object in the tree (--extra-fields). */
void json_add_extra_fields(cJSON *item);

/* Prints unformatted; aborts on allocation failure. Caller frees. */
char *json_print(const cJSON *item);

/* Error body in the configured shape; NULL for the "none" shape. */
char *json_error_body(enum error_shape shape, const char *code, const char *message);

/* Case-insensitive ASCII suffix test. */
bool ends_with_ci(const char *s, const char *suffix);

#endif
