/* api_error: tolerant parsing of error bodies and the one status → errno
 * table of SEMANTICS.md §6. */
#include "api_error.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <stdbool.h>
#include <stdlib.h>

#include "log.h"
#include "strbuf.h"
#include "values.h"

/* Copy an untrusted string into a fixed field: control characters become
 * spaces so one failure stays one line in the errors file, and a cut never
 * leaves half of a UTF-8 sequence. */
static void copy_clean(char *dst, size_t dstlen, const char *raw)
{
    /* Redact the key before the cut: a cut through the key would leave a
     * prefix of it that redaction no longer recognizes. */
    char *src = log_redact_dup(raw);
    size_t n = utf8_prefix(src, dstlen - 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[i] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
    }
    dst[n] = '\0';
    free(src);
}

static const char *string_member(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) && v->valuestring ? v->valuestring : NULL;
}

void api_error_set(struct api_error *e, int err, int http_status, const char *code,
                   const char *message)
{
    e->http_status = http_status;
    e->err = err;
    copy_clean(e->code, sizeof e->code, code ? code : "");
    copy_clean(e->message, sizeof e->message, message ? message : "");
}

/* "body.daily_send_limit: Input should be a valid integer; ..." from the
 * framework's [{"loc": [...], "msg": "...", "type": "..."}]. */
static void join_validation_list(const cJSON *list, struct strbuf *out)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, list)
    {
        const char *msg = string_member(item, "msg");
        if (!msg || !*msg)
            continue;
        if (out->len)
            sb_puts(out, "; ");
        const cJSON *loc = cJSON_GetObjectItemCaseSensitive(item, "loc");
        const cJSON *part;
        bool any = false;
        if (!cJSON_IsArray(loc))
            loc = NULL;
        cJSON_ArrayForEach(part, loc)
        {
            if (cJSON_IsString(part) && part->valuestring)
                sb_printf(out, "%s%s", any ? "." : "", part->valuestring);
            else if (cJSON_IsNumber(part))
                sb_printf(out, "%s%d", any ? "." : "", part->valueint);
            else
                continue;
            any = true;
        }
        sb_printf(out, "%s%s", any ? ": " : "", msg);
    }
}

/* Code and message from the first shape that carries them (SEMANTICS.md,
 * Errors): the documented {"detail": {"code", "message"}}, then
 * {"error": {"code", "message"}} or {"error": "code"}, then top-level code
 * and message, then detail as a string or as the framework's list. A
 * member of the wrong type is skipped, member by member. */
static void read_error_body(const cJSON *root, struct api_error *e)
{
    const cJSON *detail = cJSON_GetObjectItemCaseSensitive(root, "detail");
    const cJSON *error = cJSON_GetObjectItemCaseSensitive(root, "error");
    const char *code = NULL, *msg = NULL;
    if (cJSON_IsObject(detail)) {
        code = string_member(detail, "code");
        msg = string_member(detail, "message");
    }
    if (cJSON_IsString(error) && !code)
        code = error->valuestring;
    const cJSON *const flat[] = {cJSON_IsObject(error) ? error : NULL, root};
    for (size_t i = 0; i < sizeof flat / sizeof *flat; i++) {
        if (!flat[i])
            continue;
        if (!code)
            code = string_member(flat[i], "code");
        if (!msg)
            msg = string_member(flat[i], "message");
        if (!msg)
            msg = string_member(flat[i], "detail");
    }
    struct strbuf joined = STRBUF_INIT;
    if (!msg && cJSON_IsArray(detail)) {
        join_validation_list(detail, &joined);
        msg = joined.data;
    }
    copy_clean(e->code, sizeof e->code, code ? code : "");
    copy_clean(e->message, sizeof e->message, msg ? msg : "");
    sb_free(&joined);
}

void api_error_from_http(struct api_error *e, enum api_endpoint ep, int http_status,
                         const char *body, size_t len)
{
    api_error_set(e, 0, http_status, NULL, NULL);
    cJSON *root = body && len ? cJSON_ParseWithLength(body, len) : NULL;
    if (cJSON_IsObject(root))
        read_error_body(root, e);
    cJSON_Delete(root);
    e->err = errno_from_api_error(e, ep);
}

static int code_is(const struct api_error *e, const char *code)
{
    return strcmp(e->code, code) == 0;
}

static int says_already_exists(const struct api_error *e)
{
    return strcasestr(e->message, "already exist") || strcasestr(e->code, "exist");
}

int errno_from_api_error(const struct api_error *e, enum api_endpoint ep)
{
    int s = e->http_status;
    if (ep == EP_DOMAIN_ADD && (s == 400 || s == 409) && says_already_exists(e))
        return EEXIST;
    if (s == 400 || s == 422) {
        if (code_is(e, "domain_limit_reached") || code_is(e, "mailbox_limit_reached"))
            return EDQUOT;
        if (code_is(e, "verification_failed") || code_is(e, "dkim_not_ready"))
            return EAGAIN;
        return EINVAL;
    }
    /* The plan: a write past its tenant ceiling is a quota; a lapsed plan
     * (no_api_plan, on every request) is refused access. */
    if (s == 402)
        return code_is(e, "tenant_limit_reached") ? EDQUOT : EACCES;
    if (s == 401 || s == 403)
        return EACCES;
    if (s == 404)
        return ENOENT;
    if (s == 409)
        return EBUSY;
    if (s == 413)
        return EINVAL;
    if (s == 429)
        return EAGAIN;
    if (s >= 200 && s < 300)
        return EIO; /* a success status that could not be used */
    return EIO;
}

const char *errno_name(int err)
{
    switch (err) {
    case 0: return "OK";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case EFBIG: return "EFBIG";
    case ENOSPC: return "ENOSPC";
    case EROFS: return "EROFS";
    case ERANGE: return "ERANGE";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOTEMPTY: return "ENOTEMPTY";
    case ENOTSUP: return "ENOTSUP";
    case EPROTO: return "EPROTO";
    case ETIMEDOUT: return "ETIMEDOUT";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ECONNRESET: return "ECONNRESET";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    case ENETUNREACH: return "ENETUNREACH";
    case EDQUOT: return "EDQUOT";
    default: {
        static __thread char buf[24];
        snprintf(buf, sizeof buf, "E%d", err);
        return buf;
    }
    }
}
