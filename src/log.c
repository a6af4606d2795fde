/* log: leveled logging with secret redaction. Lines look the same on stderr
 * and in syslog; only the sink changes when the daemon detaches. */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "strbuf.h"

static enum log_level current_level = LOG_LEVEL_WARN;
static int use_syslog;
/* Every key the mount has held (rotation adds one): an API message may
 * still quote an old key. Oldest dropped when full. */
#define MAX_SECRETS 8
static char *secrets[MAX_SECRETS];
static size_t nsecrets;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

int log_level_parse(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(s, level_names[i]) == 0)
            return i;
    if (strcmp(s, "warning") == 0)
        return LOG_LEVEL_WARN;
    return -1;
}

void log_set_level(enum log_level level)
{
    current_level = level;
}

enum log_level log_get_level(void)
{
    return current_level;
}

void log_use_syslog(void)
{
    openlog("tenantcorefs", LOG_PID, LOG_DAEMON);
    use_syslog = 1;
}

void log_close(void)
{
    if (use_syslog)
        closelog();
    log_set_secret(NULL);
}

static void clear_secrets_locked(void)
{
    for (size_t i = 0; i < nsecrets; i++) {
        explicit_bzero(secrets[i], strlen(secrets[i]));
        free(secrets[i]);
        secrets[i] = NULL;
    }
    nsecrets = 0;
}

void log_set_secret(const char *s)
{
    pthread_mutex_lock(&log_lock);
    clear_secrets_locked();
    pthread_mutex_unlock(&log_lock);
    log_add_secret(s);
}

void log_add_secret(const char *s)
{
    if (!s || !*s)
        return;
    pthread_mutex_lock(&log_lock);
    if (nsecrets == MAX_SECRETS) {
        explicit_bzero(secrets[0], strlen(secrets[0]));
        free(secrets[0]);
        memmove(secrets, secrets + 1, (MAX_SECRETS - 1) * sizeof *secrets);
        nsecrets--;
    }
    secrets[nsecrets++] = xstrdup(s);
    pthread_mutex_unlock(&log_lock);
}

/* The redacted form keeps the key's kind prefix ("tc_live_") so a reader
 * can tell which key was meant, and nothing that identifies the key. */
static void redacted_form(const char *key, char *out, size_t outlen)
{
    const char *p = key;
    int underscores = 0;
    while (*p && underscores < 2 && (size_t)(p - key) < 12) {
        if (*p == '_')
            underscores++;
        p++;
    }
    size_t keep = underscores == 2 ? (size_t)(p - key) : 0;
    snprintf(out, outlen, "%.*s\xe2\x80\xa6", (int)keep, key);
}

/* Replace every occurrence of one secret in msg. */
static char *redact_one(const char *msg, const char *secret)
{
    struct strbuf sb = STRBUF_INIT;
    char red[32];
    redacted_form(secret, red, sizeof red);
    size_t slen = strlen(secret);
    const char *hit;
    while ((hit = strstr(msg, secret))) {
        sb_append(&sb, msg, (size_t)(hit - msg));
        sb_puts(&sb, red);
        msg = hit + slen;
    }
    sb_puts(&sb, msg);
    return sb_detach(&sb, NULL);
}

char *log_redact_dup(const char *msg)
{
    char *out = xstrdup(msg);
    pthread_mutex_lock(&log_lock);
    for (size_t i = 0; i < nsecrets; i++) {
        char *next = redact_one(out, secrets[i]);
        free(out);
        out = next;
    }
    pthread_mutex_unlock(&log_lock);
    return out;
}

void log_redact(const char *msg, char *out, unsigned long outlen)
{
    if (outlen == 0)
        return;
    /* Redact, then cut: the cut can only shorten the redacted form. */
    char *red = log_redact_dup(msg);
    snprintf(out, outlen, "%s", red);
    free(red);
}

void tc_log(enum log_level level, const char *fmt, ...)
{
    if (level > current_level)
        return;
    /* Redact the whole message first, then cut: a cut inside the key would
     * leave a prefix of it that redaction no longer recognizes. */
    struct strbuf raw = STRBUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&raw, fmt, ap);
    va_end(ap);
    char *line = log_redact_dup(raw.data ? raw.data : "");
    sb_free(&raw);
    if (strlen(line) > 2000)
        strcpy(line + 1997, "...");
    if (use_syslog) {
        static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
        syslog(prio[level], "%s: %s", level_names[level], line);
    } else {
        /* One fprintf per line so lines from threads do not interleave. */
        fprintf(stderr, "tenantcorefs: %s: %s\n", level_names[level], line);
    }
    free(line);
}
