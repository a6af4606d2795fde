/* validate.h — the checks the API's framework (FastAPI with pydantic
 * models, api-docs/introduction.txt) makes before an endpoint runs: the
 * body is JSON, an object, and every declared field is present when
 * required and of its JSON type. Each failure becomes one item of a 422
 * answer, {"loc": [...], "msg": "...", "type": "..."}, as FastAPI words
 * them. Types are strict: "20" is not an integer, 20 is not a string. */
#ifndef TCEMU_VALIDATE_H
#define TCEMU_VALIDATE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

enum field_type { FIELD_STR, FIELD_INT, FIELD_LIST };

struct field_spec {
    const char *name; /* NULL ends a list of fields */
    enum field_type type;
    bool required;                  /* absent, or null, is an error */
    const struct field_spec *items; /* FIELD_LIST: each item is an object of these */
};

/* Strict parse: one JSON value and nothing but whitespace after it. NULL on
 * failure, with the byte offset of the error in *error_pos when given. */
cJSON *json_parse_body(const char *body, size_t len, size_t *error_pos);

/* Parses and checks a request body against fields. Returns the body (an
 * object) when it passed, else NULL with the failures appended to errors. */
cJSON *validate_body(const char *body, size_t len, const struct field_spec *fields, cJSON *errors);

/* Appends {"loc": loc, "msg": msg, "type": type} to errors (takes loc). */
void validation_error(cJSON *errors, cJSON *loc, const char *msg, const char *type);
/* ["query", name] */
cJSON *loc_query(const char *name);

/* A query integer as pydantic reads one: optional '-', decimal digits, at
 * most 2^53 in size. Returns false when it is not one. */
bool parse_query_int(const char *s, long long *out);

#endif
