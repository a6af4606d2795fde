/* log: leveled logging to stderr (foreground) or syslog (daemon), with the
 * API key redacted from every line whatever its level. */
#ifndef TC_LOG_H
#define TC_LOG_H

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* Parse "error", "warn", "info", "debug"; -1 if unknown. */
int log_level_parse(const char *s);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Switch from stderr to syslog (ident "tenantcorefs") after daemonizing. */
void log_use_syslog(void);
/* Register the secret to redact, forgetting the others; the log keeps its
 * own copy. NULL clears them all. */
void log_set_secret(const char *secret);
/* Register one more secret (a rotated key); the older ones stay redacted. */
void log_add_secret(const char *secret);
void log_close(void);

void tc_log(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) tc_log(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...)  tc_log(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...)  tc_log(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)                                                                             \
    do {                                                                                           \
        if (log_get_level() >= LOG_LEVEL_DEBUG)                                                    \
            tc_log(LOG_LEVEL_DEBUG, __VA_ARGS__);                                                  \
    } while (0)

/* Copy msg into out replacing the registered secret by a redacted form
 * ("tc_live_…"). Exposed for tests. */
void log_redact(const char *msg, char *out, unsigned long outlen);
/* msg with the secret redacted, malloc'd (never cut). */
char *log_redact_dup(const char *msg);

#endif
