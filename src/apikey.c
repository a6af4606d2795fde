/* apikey: loading, holding and rotating the API key. One mutex guards the
 * key; readers copy it into a header buffer of their own, so a rotation
 * never frees a key that a request is still reading. */
#include "apikey.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "strbuf.h"

#define KEY_FILE_MAX 4096

struct apikey {
    pthread_mutex_t lock;
    char *key;  /* current key, NUL-terminated */
    char *file; /* NULL: from the environment */
    unsigned gen;
};

static void wipe_free(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

/* Keys go into an HTTP header: printable ASCII without spaces only.
 * Surrounding whitespace (a trailing newline) is dropped in place. */
static const char *clean_key(char *raw, const char **why)
{
    size_t len = strlen(raw);
    while (len > 0 && isspace((unsigned char)raw[len - 1]))
        raw[--len] = '\0';
    while (*raw && isspace((unsigned char)*raw))
        raw++;
    if (!*raw) {
        *why = "is empty";
        return NULL;
    }
    for (const char *p = raw; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f) {
            *why = "contains characters an API key cannot have";
            return NULL;
        }
    return raw;
}

/* Read and check the key file; a malloc'd key or NULL with why set. */
static char *read_key_file(const char *file, char *why, size_t whylen)
{
    int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(why, whylen, "cannot read api_key_file %s: %s", file, strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        snprintf(why, whylen, "api_key_file %s is not a regular file", file);
        return NULL;
    }
    if (st.st_mode & 077) {
        close(fd);
        snprintf(why, whylen, "api_key_file %s is readable by group or others; chmod 600 it",
                 file);
        return NULL;
    }
    char buf[KEY_FILE_MAX + 1];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    int read_errno = errno;
    close(fd);
    if (n < 0) {
        snprintf(why, whylen, "cannot read api_key_file %s: %s", file, strerror(read_errno));
        return NULL;
    }
    buf[n] = '\0';
    const char *problem = NULL;
    const char *key = clean_key(buf, &problem);
    char *copy = key ? xstrdup(key) : NULL;
    explicit_bzero(buf, sizeof buf);
    if (!copy)
        snprintf(why, whylen, "the API key in api_key_file %s %s", file, problem);
    return copy;
}

static char *read_key_env(char *why, size_t whylen)
{
    char *env = getenv("TENANTCORE_API_KEY");
    if (!env || !*env) {
        snprintf(why, whylen, "no API key: set TENANTCORE_API_KEY or -o api_key_file=PATH");
        return NULL;
    }
    char *raw = xstrdup(env);
    /* The environment block is what /proc/PID/environ shows: wipe it,
     * whether or not the key turns out to be usable. */
    explicit_bzero(env, strlen(env));
    unsetenv("TENANTCORE_API_KEY");
    const char *problem = NULL;
    const char *key = clean_key(raw, &problem);
    char *copy = key ? xstrdup(key) : NULL;
    wipe_free(raw);
    if (!copy)
        snprintf(why, whylen, "the API key from TENANTCORE_API_KEY %s", problem);
    return copy;
}

struct apikey *apikey_load(const char *file, char *why, size_t whylen)
{
    char *key = file ? read_key_file(file, why, whylen) : read_key_env(why, whylen);
    if (!key)
        return NULL;
    struct apikey *k = xcalloc(1, sizeof *k);
    pthread_mutex_init(&k->lock, NULL);
    k->key = key;
    k->file = file ? xstrdup(file) : NULL;
    k->gen = 1;
    log_add_secret(key);
    return k;
}

void apikey_free(struct apikey *k)
{
    if (!k)
        return;
    wipe_free(k->key);
    free(k->file);
    pthread_mutex_destroy(&k->lock);
    free(k);
}

unsigned apikey_header(struct apikey *k, char *buf, size_t len)
{
    pthread_mutex_lock(&k->lock);
    snprintf(buf, len, "Authorization: Bearer %s", k->key);
    unsigned gen = k->gen;
    pthread_mutex_unlock(&k->lock);
    return gen;
}

bool apikey_has_file(const struct apikey *k)
{
    return k->file != NULL;
}

/* Read the file and install its key if it differs. 1 changed, 0 same,
 * -errno unusable. Called with k->lock held: concurrent 401s read the file
 * one after another, and each sees what the previous one installed. */
static int reload_locked(struct apikey *k)
{
    char why[512];
    char *key = read_key_file(k->file, why, sizeof why);
    if (!key) {
        log_error("API key not re-read: %s", why);
        return -EACCES;
    }
    if (strcmp(key, k->key) == 0) {
        wipe_free(key);
        return 0;
    }
    log_add_secret(key); /* before any line could mention it */
    wipe_free(k->key);
    k->key = key;
    k->gen++;
    return 1;
}

int apikey_reload(struct apikey *k, unsigned seen)
{
    if (!k->file)
        return 0;
    pthread_mutex_lock(&k->lock);
    int rc = 1; /* another request already took a newer key */
    if (k->gen == seen) {
        rc = reload_locked(k);
        if (rc == 1)
            log_warn("the API refused the key; using the new key from %s", k->file);
    }
    pthread_mutex_unlock(&k->lock);
    return rc;
}

void apikey_reload_now(struct apikey *k)
{
    if (!k->file) {
        log_warn("SIGHUP: the API key came from the environment; remount to change it");
        return;
    }
    pthread_mutex_lock(&k->lock);
    int rc = reload_locked(k);
    pthread_mutex_unlock(&k->lock);
    if (rc == 1)
        log_warn("SIGHUP: new API key read from %s", k->file);
    else if (rc == 0)
        log_info("SIGHUP: the API key in %s is unchanged", k->file);
}
