/* errlog: a fixed ring of formatted failure lines behind one mutex. */
#include "errlog.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "stats.h"
#include "timefmt.h"

static char *ring[ERRLOG_CAPACITY];
static unsigned long total;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* Paths come from users and names from the API: keep each line one line. */
static void clean_field(const char *in, char *out, size_t outlen)
{
    size_t o = 0;
    if (!in || !*in)
        in = "-";
    for (const unsigned char *p = (const unsigned char *)in; *p && o + 1 < outlen; p++)
        out[o++] = (*p < 0x20 || *p == 0x7f) ? '?' : (char)*p;
    out[o] = '\0';
}

/* The path is one field of a space-separated line: escape whitespace and
 * backslashes as /proc/mounts does (" " is \040), so it parses back. */
static void escape_path(const char *in, char *out, size_t outlen)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)(in && *in ? in : "-"); *p; p++) {
        if (*p <= 0x20 || *p == 0x7f || *p == '\\') {
            if (o + 5 >= outlen)
                break;
            o += (size_t)snprintf(out + o, outlen - o, "\\%03o", *p);
        } else if (o + 1 < outlen) {
            out[o++] = (char)*p;
        }
    }
    out[o] = '\0';
}

void errlog_add(const char *op, const char *path, const struct api_error *e)
{
    char when[32], status[16], p[1024], code[80], msg[300];
    iso8601_format(clock_wall(), when, sizeof when);
    if (e->http_status)
        snprintf(status, sizeof status, "%d", e->http_status);
    else
        snprintf(status, sizeof status, "-");
    escape_path(path, p, sizeof p);
    clean_field(e->code, code, sizeof code);
    clean_field(e->message, msg, sizeof msg);

    struct strbuf sb = STRBUF_INIT;
    sb_printf(&sb, "%s %s %s %s %s %s %s", when, op, p, errno_name(e->err), status, code, msg);
    /* The file is part of the tree: the key never goes into it. */
    char *line = log_redact_dup(sb.data);
    sb_free(&sb);
    log_warn("%s", line + strlen(when) + 1);

    pthread_mutex_lock(&lock);
    size_t slot = total % ERRLOG_CAPACITY;
    free(ring[slot]);
    ring[slot] = line;
    total++;
    pthread_mutex_unlock(&lock);
    stats_count_failure(e->err);
}

void errlog_render(struct strbuf *sb)
{
    pthread_mutex_lock(&lock);
    unsigned long first = total > ERRLOG_CAPACITY ? total - ERRLOG_CAPACITY : 0;
    for (unsigned long i = first; i < total; i++) {
        sb_puts(sb, ring[i % ERRLOG_CAPACITY]);
        sb_putc(sb, '\n');
    }
    pthread_mutex_unlock(&lock);
}

unsigned long errlog_total(void)
{
    pthread_mutex_lock(&lock);
    unsigned long n = total;
    pthread_mutex_unlock(&lock);
    return n;
}

void errlog_clear(void)
{
    pthread_mutex_lock(&lock);
    for (int i = 0; i < ERRLOG_CAPACITY; i++) {
        free(ring[i]);
        ring[i] = NULL;
    }
    total = 0;
    pthread_mutex_unlock(&lock);
}
