/* validate.c — see validate.h. */
#include "validate.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define JSON_SAFE_INT 9007199254740992LL /* 2^53 */

cJSON *json_parse_body(const char *body, size_t len, size_t *error_pos)
{
    if (error_pos)
        *error_pos = 0;
    if (!body || len == 0)
        return NULL;
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(body, len, &end, 0);
    if (j) {
        while (end && (size_t)(end - body) < len && *end && strchr(" \t\r\n", *end))
            end++;
        if (end && (size_t)(end - body) == len)
            return j;
        cJSON_Delete(j);
    }
    if (error_pos && end && end >= body && (size_t)(end - body) <= len)
        *error_pos = (size_t)(end - body);
    return NULL;
}

void validation_error(cJSON *errors, cJSON *loc, const char *msg, const char *type)
{
    cJSON *e = cJSON_CreateObject();
    cJSON_AddItemToObject(e, "loc", loc);
    cJSON_AddStringToObject(e, "msg", msg);
    cJSON_AddStringToObject(e, "type", type);
    cJSON_AddItemToArray(errors, e);
}

cJSON *loc_query(const char *name)
{
    cJSON *loc = cJSON_CreateArray();
    cJSON_AddItemToArray(loc, cJSON_CreateString("query"));
    cJSON_AddItemToArray(loc, cJSON_CreateString(name));
    return loc;
}

/* loc extended by one key (name) or index (name NULL). */
static cJSON *loc_child(const cJSON *loc, const char *name, int index)
{
    cJSON *l = cJSON_Duplicate(loc, 1);
    cJSON_AddItemToArray(l, name ? cJSON_CreateString(name) : cJSON_CreateNumber(index));
    return l;
}

static const char *const MSG_OBJECT = "Input should be a valid dictionary or object to extract "
                                      "fields from";

static void check_fields(const cJSON *obj, const struct field_spec *fields, const cJSON *loc,
                         cJSON *errors);

static void check_field(const cJSON *obj, const struct field_spec *f, const cJSON *loc,
                        cJSON *errors)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, f->name);
    cJSON *here = loc_child(loc, f->name, 0);
    if (!v || cJSON_IsNull(v)) {
        /* Optional fields take null as "not given", as Optional[...] = None does. */
        if (f->required) {
            if (!v)
                validation_error(errors, here, "Field required", "missing");
            else if (f->type == FIELD_STR)
                validation_error(errors, here, "Input should be a valid string", "string_type");
            else if (f->type == FIELD_INT)
                validation_error(errors, here, "Input should be a valid integer", "int_type");
            else
                validation_error(errors, here, "Input should be a valid list", "list_type");
            return;
        }
        cJSON_Delete(here);
        return;
    }
    switch (f->type) {
    case FIELD_STR:
        if (!cJSON_IsString(v)) {
            validation_error(errors, here, "Input should be a valid string", "string_type");
            return;
        }
        break;
    case FIELD_INT:
        if (!cJSON_IsNumber(v)) {
            validation_error(errors, here, "Input should be a valid integer", "int_type");
            return;
        }
        if (v->valuedouble != floor(v->valuedouble)) {
            validation_error(errors, here,
                             "Input should be a valid integer, got a number with a fractional part",
                             "int_from_float");
            return;
        }
        break;
    case FIELD_LIST:
        if (!cJSON_IsArray(v)) {
            validation_error(errors, here, "Input should be a valid list", "list_type");
            return;
        }
        if (f->items) {
            int i = 0;
            for (const cJSON *it = v->child; it; it = it->next, i++) {
                cJSON *at = loc_child(here, NULL, i);
                if (cJSON_IsObject(it))
                    check_fields(it, f->items, at, errors);
                else
                    validation_error(errors, cJSON_Duplicate(at, 1), MSG_OBJECT,
                                     "model_attributes_type");
                cJSON_Delete(at);
            }
        }
        break;
    }
    cJSON_Delete(here);
}

static void check_fields(const cJSON *obj, const struct field_spec *fields, const cJSON *loc,
                         cJSON *errors)
{
    for (const struct field_spec *f = fields; f && f->name; f++)
        check_field(obj, f, loc, errors);
}

cJSON *validate_body(const char *body, size_t len, const struct field_spec *fields, cJSON *errors)
{
    cJSON *loc = cJSON_CreateArray();
    cJSON_AddItemToArray(loc, cJSON_CreateString("body"));
    size_t pos;
    cJSON *j = json_parse_body(body, len, &pos);
    bool blank = true;
    for (size_t i = 0; body && i < len && blank; i++)
        blank = isspace((unsigned char)body[i]) != 0;
    if (!j && blank) {
        /* No body at all is a missing body, as is JSON null below. */
        validation_error(errors, loc, "Field required", "missing");
        return NULL;
    }
    if (!j) {
        cJSON *l = loc_child(loc, NULL, (int)pos);
        cJSON_Delete(loc);
        validation_error(errors, l, "JSON decode error", "json_invalid");
        return NULL;
    }
    if (cJSON_IsNull(j)) {
        cJSON_Delete(j);
        validation_error(errors, loc, "Field required", "missing");
        return NULL;
    }
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        validation_error(errors, loc, MSG_OBJECT, "model_attributes_type");
        return NULL;
    }
    int before = cJSON_GetArraySize(errors);
    check_fields(j, fields, loc, errors);
    cJSON_Delete(loc);
    if (cJSON_GetArraySize(errors) != before) {
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

bool parse_query_int(const char *s, long long *out)
{
    const char *p = s;
    if (*p == '-')
        p++;
    /* 16 digits hold 2^53; more never fit, and strtoll cannot overflow here. */
    if (!*p || strspn(p, "0123456789") != strlen(p) || strlen(p) > 16)
        return false;
    long long v = strtoll(s, NULL, 10);
    if (v > JSON_SAFE_INT || v < -JSON_SAFE_INT)
        return false;
    *out = v;
    return true;
}
