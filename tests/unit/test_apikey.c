/* test_apikey: loading the key (file or environment, every refusal),
 * the Authorization header, and rotation: a changed file is taken once per
 * refusal, an unchanged one is not, concurrent refusals read it once, and
 * every key held stays redacted in the log. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apikey.h"
#include "check.h"
#include "log.h"

static char dir[64];

static void write_file(const char *path, const char *content, mode_t mode)
{
    unlink(path);
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    CHECK(write(fd, content, strlen(content)) == (ssize_t)strlen(content));
    CHECK(fchmod(fd, mode) == 0);
    close(fd);
}

/* Replace the file as the README's rotation recipe does: a new file, renamed. */
static void replace_file(const char *path, const char *content)
{
    char tmp[128];
    snprintf(tmp, sizeof tmp, "%s.new", path);
    write_file(tmp, content, 0600);
    CHECK(rename(tmp, path) == 0);
}

/* The key as the header carries it, or NULL when loading failed. */
static char *header_key(struct apikey *k)
{
    if (!k)
        return NULL;
    char buf[APIKEY_HEADER_MAX];
    apikey_header(k, buf, sizeof buf);
    const char *prefix = "Authorization: Bearer ";
    CHECK(strncmp(buf, prefix, strlen(prefix)) == 0);
    return strdup(buf + strlen(prefix));
}

static char *key_from_file(const char *content, mode_t mode)
{
    char path[128], why[256] = "";
    snprintf(path, sizeof path, "%s/api.key", dir);
    write_file(path, content, mode);
    struct apikey *k = apikey_load(path, why, sizeof why);
    char *key = header_key(k);
    if (!k)
        CHECK(why[0] != '\0' && strstr(why, "tc_live") == NULL);
    apikey_free(k);
    unlink(path);
    return key;
}

static void test_load(void)
{
    unsetenv("TENANTCORE_API_KEY");
    char *k = key_from_file("tc_live_0123456789abcdef\n", 0600);
    CHECK_STR(k, "tc_live_0123456789abcdef");
    free(k);
    k = key_from_file("  \ttc_live_0123456789abcdef \r\n\n", 0400);
    CHECK_STR(k, "tc_live_0123456789abcdef");
    free(k);
    /* Readable by group or others: refused. */
    CHECK(key_from_file("tc_live_0123456789abcdef\n", 0644) == NULL);
    CHECK(key_from_file("tc_live_0123456789abcdef\n", 0640) == NULL);
    CHECK(key_from_file("tc_live_0123456789abcdef\n", 0604) == NULL);
    CHECK(key_from_file("tc_live_0123456789abcdef\n", 0620) == NULL);
    /* Empty, blank, or not a possible key. */
    CHECK(key_from_file("", 0600) == NULL);
    CHECK(key_from_file(" \n\t\n", 0600) == NULL);
    CHECK(key_from_file("tc_live_0123 456789\n", 0600) == NULL);
    CHECK(key_from_file("tc_live_0123\x01"
                        "456789\n",
                        0600) == NULL);
    CHECK(key_from_file("tc_live_0123\x7f\n", 0600) == NULL);
    CHECK(key_from_file("tc_live_first\ntc_live_second\n", 0600) == NULL);
    CHECK(key_from_file("tc_live_caf\xc3\xa9\n", 0600) == NULL);
    /* Missing file, a directory. */
    char path[128], why[256];
    snprintf(path, sizeof path, "%s/missing.key", dir);
    CHECK(apikey_load(path, why, sizeof why) == NULL);
    CHECK(apikey_load(dir, why, sizeof why) == NULL);
    /* A key file wins over the environment. */
    setenv("TENANTCORE_API_KEY", "tc_live_fromenv", 1);
    k = key_from_file("tc_live_fromfile\n", 0600);
    CHECK_STR(k, "tc_live_fromfile");
    free(k);

    /* From the environment, which is scrubbed afterwards. */
    setenv("TENANTCORE_API_KEY", " tc_live_fromenv\n", 1);
    struct apikey *ak = apikey_load(NULL, why, sizeof why);
    k = header_key(ak);
    CHECK_STR(k, "tc_live_fromenv");
    free(k);
    CHECK(!apikey_has_file(ak));
    CHECK_INT(apikey_reload(ak, 1), 0); /* nothing to re-read */
    apikey_free(ak);
    CHECK(getenv("TENANTCORE_API_KEY") == NULL);
    extern char **environ;
    for (char **e = environ; *e; e++)
        CHECK(strstr(*e, "tc_live_fromenv") == NULL);
    /* Neither: refused. */
    CHECK(apikey_load(NULL, why, sizeof why) == NULL);
    setenv("TENANTCORE_API_KEY", "", 1);
    CHECK(apikey_load(NULL, why, sizeof why) == NULL);
    setenv("TENANTCORE_API_KEY", "tc live with spaces", 1);
    CHECK(apikey_load(NULL, why, sizeof why) == NULL);
    CHECK(strstr(why, "tc live") == NULL);
    unsetenv("TENANTCORE_API_KEY");
}

static void test_rotation(void)
{
    char path[128], why[256], buf[APIKEY_HEADER_MAX];
    snprintf(path, sizeof path, "%s/rotating.key", dir);
    write_file(path, "tc_live_old0000\n", 0600);
    struct apikey *k = apikey_load(path, why, sizeof why);
    CHECK(k != NULL && apikey_has_file(k));
    if (!k)
        return;
    unsigned g1 = apikey_header(k, buf, sizeof buf);
    CHECK_STR(buf, "Authorization: Bearer tc_live_old0000");

    /* The API refused the key but the file holds the same one: no change,
     * so the refused request is not retried. */
    CHECK_INT(apikey_reload(k, g1), 0);
    CHECK_INT(apikey_header(k, buf, sizeof buf), g1);

    /* Rotated: the first refusal takes the new key... */
    replace_file(path, "tc_live_new1111\n");
    CHECK_INT(apikey_reload(k, g1), 1);
    unsigned g2 = apikey_header(k, buf, sizeof buf);
    CHECK(g2 == g1 + 1);
    CHECK_STR(buf, "Authorization: Bearer tc_live_new1111");
    /* ...and a request that was refused with the old key meanwhile retries
     * with the new one without reading again. */
    replace_file(path, "tc_live_newer2222\n");
    CHECK_INT(apikey_reload(k, g1), 1);
    CHECK_INT(apikey_header(k, buf, sizeof buf), g2);
    CHECK_STR(buf, "Authorization: Bearer tc_live_new1111");
    /* The new key refused too: read once more (never a loop: one per refusal). */
    CHECK_INT(apikey_reload(k, g2), 1);
    unsigned g3 = apikey_header(k, buf, sizeof buf);
    CHECK_STR(buf, "Authorization: Bearer tc_live_newer2222");
    CHECK_INT(apikey_reload(k, g3), 0);

    /* A file that became unusable keeps the current key. */
    write_file(path, "tc_live_leaky3333\n", 0644);
    CHECK(apikey_reload(k, g3) < 0);
    apikey_header(k, buf, sizeof buf);
    CHECK_STR(buf, "Authorization: Bearer tc_live_newer2222");
    unlink(path);
    CHECK(apikey_reload(k, g3) < 0);
    CHECK_INT(apikey_header(k, buf, sizeof buf), g3);

    /* Every key held stays redacted: an API message may quote an old one. */
    char *line = log_redact_dup("a tc_live_old0000 b tc_live_new1111 c tc_live_newer2222");
    CHECK(strstr(line, "old0000") == NULL);
    CHECK(strstr(line, "new1111") == NULL);
    CHECK(strstr(line, "newer2222") == NULL);
    free(line);
    apikey_free(k);
}

struct racer {
    struct apikey *k;
    unsigned seen;
    int rc;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    r->rc = apikey_reload(r->k, r->seen);
    return NULL;
}

/* Refusals that arrive together all retry with the one new key. */
static void test_concurrent_refusals(void)
{
    char path[128], why[256], buf[APIKEY_HEADER_MAX];
    snprintf(path, sizeof path, "%s/race.key", dir);
    write_file(path, "tc_live_a\n", 0600);
    struct apikey *k = apikey_load(path, why, sizeof why);
    CHECK(k != NULL);
    if (!k)
        return;
    unsigned g = apikey_header(k, buf, sizeof buf);
    replace_file(path, "tc_live_b\n");
    struct racer r[8];
    pthread_t th[8];
    for (int i = 0; i < 8; i++) {
        r[i] = (struct racer){k, g, -99};
        pthread_create(&th[i], NULL, race, &r[i]);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        CHECK_INT(r[i].rc, 1);
    }
    CHECK_INT(apikey_header(k, buf, sizeof buf), g + 1);
    CHECK_STR(buf, "Authorization: Bearer tc_live_b");
    apikey_free(k);
    unlink(path);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/tcfs-test-apikey.XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_load();
    test_rotation();
    test_concurrent_refusals();
    log_set_secret(NULL);
    rmdir(dir);
    return check_report("test_apikey");
}
