/* options.h — tcemu's command line: the start-up configuration every other
 * module reads (and that /_emu/reset restores). */
#ifndef TCEMU_OPTIONS_H
#define TCEMU_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum error_shape { ERR_NESTED, ERR_FLAT, ERR_STRING, ERR_DETAIL, ERR_NONE };
enum limits_shape { LIMITS_TOP, LIMITS_NESTED };

struct emu_account {
    char *key;
    char *email;
};

/* Fault and response-shape settings; changeable at run time via /_emu/config. */
struct emu_faults {
    int latency_ms;
    int jitter_ms;
    double error_rate;
    double rate_429;
    int retry_after;
    double drop_rate;
    enum error_shape error_shape;
    enum limits_shape limits_shape;
    bool extra_fields;
};

struct emu_options {
    char *bind;
    int port;
    char *port_file;
    int tenants;
    int domains;
    int mailboxes;
    uint64_t seed;
    int other_tenants;
    struct emu_account *accounts;
    int naccounts;
    struct emu_faults faults;
    char *tls_cert_pem;
    char *tls_key_pem;
    bool quiet;
};

/* Parses argv into opts. Returns 0 to run, 1 when --help/--version printed
 * (exit 0), -1 on a usage error (message already printed, exit 2). */
int options_parse(struct emu_options *opts, int argc, char **argv);
void options_free(struct emu_options *opts);

const char *error_shape_name(enum error_shape s);
int error_shape_parse(const char *s, enum error_shape *out);
const char *limits_shape_name(enum limits_shape s);
int limits_shape_parse(const char *s, enum limits_shape *out);

/* Reads a whole file into a NUL-terminated malloc'ed buffer (NULL on error). */
char *read_file(const char *path, size_t max, size_t *len_out);

#endif
