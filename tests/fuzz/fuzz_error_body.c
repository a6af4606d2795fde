/* fuzz_error_body: api_error_from_http with any status, endpoint and body
 * (and api_error_set with any code and message). Whatever the server sends,
 * code and message are terminated within their fields, hold no control
 * characters, stay valid UTF-8 when the body was (cut on a character
 * boundary, no shorter than needed), never carry the API key, and the
 * errno is one SEMANTICS.md §6 maps an HTTP answer to.
 *
 * Input: byte 0 picks the endpoint and the mode, byte 1-2 the status, the
 * rest is the body (mode "set": code NUL message). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <string.h>

#include "api_error.h"
#include "fuzz_check.h"
#include "log.h"

/* The statuses the table distinguishes, so most inputs hit one of them. */
static const int statuses[] = {400, 401, 403, 404, 409, 413, 422, 429, 500,
                               502, 503, 504, 200, 204, 0,   301, 402};
#define NSTATUS (sizeof statuses / sizeof statuses[0])

static void check_fields(const struct api_error *e)
{
    FUZZ_CHECK(fuzz_field_clean(e->code, sizeof e->code));
    FUZZ_CHECK(fuzz_field_clean(e->message, sizeof e->message));
}

/* SEMANTICS.md §6, from the HTTP status alone (plus EEXIST for add domain). */
static void check_errno(const struct api_error *e, enum api_endpoint ep)
{
    int s = e->http_status, err = e->err;
    FUZZ_CHECK(err == EINVAL || err == EDQUOT || err == EAGAIN || err == EACCES || err == ENOENT ||
               err == EBUSY || err == EEXIST || err == EIO);
    FUZZ_CHECK(err == errno_from_api_error(e, ep));
    const char *name = errno_name(err); /* a name, not the "E<number>" fallback */
    FUZZ_CHECK(name[0] == 'E' && !(name[1] >= '0' && name[1] <= '9'));
    if (err == EEXIST)
        FUZZ_CHECK(ep == EP_DOMAIN_ADD && (s == 400 || s == 409));
    else if (s == 400 || s == 422)
        FUZZ_CHECK(err == EINVAL || err == EDQUOT || err == EAGAIN);
    else if (s == 401 || s == 403)
        FUZZ_CHECK(err == EACCES);
    else if (s == 402)
        FUZZ_CHECK(err == (strcmp(e->code, "tenant_limit_reached") == 0 ? EDQUOT : EACCES));
    else if (s == 404)
        FUZZ_CHECK(err == ENOENT);
    else if (s == 409)
        FUZZ_CHECK(err == EBUSY);
    else if (s == 429)
        FUZZ_CHECK(err == EAGAIN);
    else if (s >= 500)
        FUZZ_CHECK(err == EIO);
}

/* The API key as the mount registers it: an error message that quotes it
 * must not carry it (or a cut-off piece of it) into the errors file. */
#define SECRET      "tc_live_k3Yq9ZpL2mXv7Rw4"
#define SECRET_PART "k3Yq9ZpL"

static size_t count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static void check_no_key(const char *field, const char *src)
{
    FUZZ_CHECK(!strstr(field, SECRET));
    /* Where every piece of the key in the source belonged to a whole key,
     * none may survive redaction (a cut through the key would leave one). */
    if (src && count(src, SECRET_PART) == count(src, SECRET))
        FUZZ_CHECK(!strstr(field, SECRET_PART));
}

/* A field copied from a valid UTF-8 string is its longest prefix of whole
 * characters that fits, control characters as spaces. */
static void check_copy(const char *field, size_t size, const char *src)
{
    check_no_key(field, src);
    size_t len = strlen(src);
    if (strstr(src, SECRET) || !fuzz_utf8_valid((const unsigned char *)src, len))
        return; /* redaction rewrites the key */
    size_t want = 0;
    while (want < len) {
        size_t n = 1;
        while (want + n < len && ((unsigned char)src[want + n] & 0xC0) == 0x80)
            n++;
        if (want + n > size - 1)
            break;
        want += n;
    }
    FUZZ_CHECK(strlen(field) == want);
    for (size_t i = 0; i < want; i++) {
        unsigned char c = (unsigned char)src[i];
        FUZZ_CHECK(field[i] == ((c < 0x20 || c == 0x7F) ? ' ' : src[i]));
    }
}

static bool clean_code(const cJSON *code, size_t size)
{
    return cJSON_IsString(code) && strlen(code->valuestring) < size &&
           fuzz_field_clean(code->valuestring, strlen(code->valuestring) + 1) &&
           !strstr(code->valuestring, SECRET); /* else redacted */
}

/* When the body names a short, clean code in the documented detail.code,
 * that is the code; failing that, a clean error.code is. */
static void check_code_found(const struct api_error *e, const uint8_t *body, size_t len)
{
    cJSON *root = cJSON_ParseWithLength((const char *)body, len);
    const cJSON *detail = cJSON_GetObjectItemCaseSensitive(root, "detail");
    const cJSON *error = cJSON_GetObjectItemCaseSensitive(root, "error");
    const cJSON *dcode = cJSON_GetObjectItemCaseSensitive(detail, "code");
    const cJSON *ecode = cJSON_GetObjectItemCaseSensitive(error, "code");
    if (cJSON_IsObject(root) && cJSON_IsObject(detail) && clean_code(dcode, sizeof e->code))
        FUZZ_CHECK(strcmp(e->code, dcode->valuestring) == 0);
    else if (cJSON_IsObject(root) && !(cJSON_IsObject(detail) && cJSON_IsString(dcode)) &&
             cJSON_IsObject(error) && clean_code(ecode, sizeof e->code))
        FUZZ_CHECK(strcmp(e->code, ecode->valuestring) == 0);
    cJSON_Delete(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    enum api_endpoint ep = (enum api_endpoint)(data[0] % EP_COUNT);
    bool mode_set = data[0] >= 0xF0;
    int status = data[1] < 0x80 ? statuses[data[1] % NSTATUS] : ((data[1] << 8) | data[2]) % 1000;
    const uint8_t *body = data + 3;
    size_t len = size - 3;

    struct api_error e;
    memset(&e, 0x41, sizeof e); /* no help from a zeroed struct */
    if (mode_set) {
        /* api_error_set takes C strings: code NUL message. */
        char *copy = malloc(len + 1);
        memcpy(copy, body, len);
        copy[len] = '\0';
        const char *code = copy, *msg = copy + strlen(copy);
        if (msg < copy + len)
            msg++;
        api_error_set(&e, EIO, status, len % 2 ? code : NULL, msg);
        check_fields(&e);
        FUZZ_CHECK(e.http_status == status && e.err == EIO);
        if (len % 2)
            check_copy(e.code, sizeof e.code, code);
        check_copy(e.message, sizeof e.message, msg);
        free(copy);
        return 0;
    }

    /* An empty body also goes in as NULL, as the transport may pass it. */
    api_error_from_http(&e, ep, status, len ? (const char *)body : NULL, len);
    FUZZ_CHECK(e.http_status == status);
    check_fields(&e);
    check_errno(&e, ep);
    /* cJSON keeps the bytes of a valid UTF-8 body, and \u escapes decode
     * to valid UTF-8: a cut must not leave half a character. */
    if (fuzz_utf8_valid(body, len)) {
        FUZZ_CHECK(fuzz_utf8_valid((const unsigned char *)e.code, strlen(e.code)));
        FUZZ_CHECK(fuzz_utf8_valid((const unsigned char *)e.message, strlen(e.message)));
    }
    check_code_found(&e, body, len);
    char *text = strndup((const char *)body, len);
    check_no_key(e.code, memchr(body, '\0', len) || strstr(text, "\\") ? NULL : text);
    check_no_key(e.message, memchr(body, '\0', len) || strstr(text, "\\") ? NULL : text);
    free(text);
    return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_set_secret(SECRET);
    return 0;
}
