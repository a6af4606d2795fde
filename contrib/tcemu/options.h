/* options.h — tcemu's command line: the start-up configuration every other
 * module reads (and that /_emu/reset restores). */
#ifndef TCEMU_OPTIONS_H
#define TCEMU_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ERR_DOCUMENTED is the shape of api-docs/introduction.txt (the default);
 * the others are dialects other servers speak, for client robustness tests. */
enum error_shape { ERR_NESTED, ERR_FLAT, ERR_STRING, ERR_DETAIL, ERR_NONE, ERR_DOCUMENTED };
enum limits_shape { LIMITS_TOP, LIMITS_NESTED };

/* API plans (api-docs/authentication.txt) and their tenant ceilings;
 * PLAN_UNLIMITED is tcemu's own, for fleets larger than any documented plan. */
enum emu_plan { PLAN_STARTER, PLAN_GROWTH, PLAN_SCALE, PLAN_LAPSED, PLAN_UNLIMITED };

/* A key of the documented form: "tc_live_" + 48 hex characters. */
#define API_KEY_PREFIX "tc_live_"
#define API_KEY_HEX    48
#define API_KEY_LEN    (sizeof(API_KEY_PREFIX) - 1 + API_KEY_HEX)

struct emu_account {
    char *key;
    char *email;
    enum emu_plan plan;
    bool plan_given; /* --plan named it; otherwise the default for its fleet */
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
    int events_per_request; /* new events logged before each events request */
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
    long events; /* --events N: account 1's fixture history; -1 = the natural one */
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
const char *plan_name(enum emu_plan p);
int plan_parse(const char *s, enum emu_plan *out);
/* Tenant ceiling of a plan; -1 for none (unlimited; lapsed allows nothing). */
long plan_ceiling(enum emu_plan p);

/* true when [key, key+len) has the documented form (hex in either case). */
bool api_key_well_formed(const char *key, size_t len);

/* Reads a whole file into a NUL-terminated malloc'ed buffer (NULL on error). */
char *read_file(const char *path, size_t max, size_t *len_out);

#endif
