/* options.c — parses tcemu's command line (see CONTRACT.md "Command line")
 * and the --keys-file. Everything here runs once, before the server starts. */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TCEMU_VERSION "0.1.0"

static const char *default_keys[2][2] = {
    {"tc_live_emu_alpha_0123456789abcdef", "alpha@example.com"},
    {"tc_live_emu_beta_0123456789abcdef", "beta@example.com"},
};

static void usage(FILE *out)
{
    fputs("usage: tcemu [--bind ADDR] [--port N] [--port-file PATH]\n"
          "             [--tenants N] [--domains N] [--mailboxes N] [--seed S]\n"
          "             [--other-tenants N] [--keys-file PATH]\n"
          "             [--latency MS] [--jitter MS] [--error-rate P] [--rate-429 P]\n"
          "             [--retry-after S] [--drop-rate P]\n"
          "             [--error-shape nested|flat|string|detail|none]\n"
          "             [--limits-shape top|nested] [--extra-fields]\n"
          "             [--tls-cert PATH --tls-key PATH] [--quiet] [--help] [--version]\n"
          "A local TenantCore-compatible API server; see README.md and CONTRACT.md.\n",
          out);
}

static const char *shape_names[] = {"nested", "flat", "string", "detail", "none"};
static const char *limits_names[] = {"top", "nested"};

const char *error_shape_name(enum error_shape s)
{
    return shape_names[s];
}

int error_shape_parse(const char *s, enum error_shape *out)
{
    for (int i = 0; i <= ERR_NONE; i++) {
        if (strcmp(s, shape_names[i]) == 0) {
            *out = (enum error_shape)i;
            return 0;
        }
    }
    return -1;
}

const char *limits_shape_name(enum limits_shape s)
{
    return limits_names[s];
}

int limits_shape_parse(const char *s, enum limits_shape *out)
{
    for (int i = 0; i <= LIMITS_NESTED; i++) {
        if (strcmp(s, limits_names[i]) == 0) {
            *out = (enum limits_shape)i;
            return 0;
        }
    }
    return -1;
}

char *read_file(const char *path, size_t max, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (len + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (len > max) {
            free(buf);
            buf = NULL;
            errno = EFBIG;
            break;
        }
        if (n == 0)
            break;
    }
    if (buf && ferror(f)) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[len] = '\0';
        if (len_out)
            *len_out = len;
    }
    return buf;
}

static int parse_int(const char *name, const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        fprintf(stderr, "tcemu: --%s wants an integer in %d..%d, got '%s'\n", name, lo, hi, s);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int parse_rate(const char *name, const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= 0.0 && v <= 1.0)) {
        fprintf(stderr, "tcemu: --%s wants a probability in [0,1], got '%s'\n", name, s);
        return -1;
    }
    *out = v;
    return 0;
}

static void add_account(struct emu_options *opts, const char *key, const char *email)
{
    opts->accounts = realloc(opts->accounts, sizeof(*opts->accounts) * (opts->naccounts + 1));
    if (!opts->accounts)
        abort();
    struct emu_account *a = &opts->accounts[opts->naccounts++];
    a->key = strdup(key);
    if (email) {
        a->email = strdup(email);
    } else if (asprintf(&a->email, "account%d@example.com", opts->naccounts) < 0) {
        abort();
    }
}

/* One account per non-empty line: "KEY" or "KEY EMAIL"; '#' starts a comment. */
static int load_keys_file(struct emu_options *opts, const char *path)
{
    char *text = read_file(path, 1 << 20, NULL);
    if (!text) {
        fprintf(stderr, "tcemu: cannot read --keys-file %s: %s\n", path, strerror(errno));
        return -1;
    }
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *key = line + strspn(line, " \t\r");
        if (*key == '\0' || *key == '#')
            continue;
        char *end = key + strcspn(key, " \t\r");
        char *email = NULL;
        if (*end) {
            *end = '\0';
            email = end + 1 + strspn(end + 1, " \t\r");
            email[strcspn(email, " \t\r")] = '\0';
            if (*email == '\0')
                email = NULL;
        }
        add_account(opts, key, email);
    }
    free(text);
    if (opts->naccounts == 0) {
        fprintf(stderr, "tcemu: --keys-file %s holds no key\n", path);
        return -1;
    }
    return 0;
}

enum {
    OPT_BIND = 256,
    OPT_PORT,
    OPT_PORT_FILE,
    OPT_TENANTS,
    OPT_DOMAINS,
    OPT_MAILBOXES,
    OPT_SEED,
    OPT_OTHER,
    OPT_KEYS,
    OPT_LATENCY,
    OPT_JITTER,
    OPT_ERROR_RATE,
    OPT_RATE_429,
    OPT_RETRY_AFTER,
    OPT_DROP_RATE,
    OPT_ERROR_SHAPE,
    OPT_LIMITS_SHAPE,
    OPT_EXTRA,
    OPT_TLS_CERT,
    OPT_TLS_KEY,
    OPT_QUIET,
    OPT_HELP,
    OPT_VERSION,
};

static const struct option long_opts[] = {
    {"bind", required_argument, NULL, OPT_BIND},
    {"port", required_argument, NULL, OPT_PORT},
    {"port-file", required_argument, NULL, OPT_PORT_FILE},
    {"tenants", required_argument, NULL, OPT_TENANTS},
    {"domains", required_argument, NULL, OPT_DOMAINS},
    {"mailboxes", required_argument, NULL, OPT_MAILBOXES},
    {"seed", required_argument, NULL, OPT_SEED},
    {"other-tenants", required_argument, NULL, OPT_OTHER},
    {"keys-file", required_argument, NULL, OPT_KEYS},
    {"latency", required_argument, NULL, OPT_LATENCY},
    {"jitter", required_argument, NULL, OPT_JITTER},
    {"error-rate", required_argument, NULL, OPT_ERROR_RATE},
    {"rate-429", required_argument, NULL, OPT_RATE_429},
    {"retry-after", required_argument, NULL, OPT_RETRY_AFTER},
    {"drop-rate", required_argument, NULL, OPT_DROP_RATE},
    {"error-shape", required_argument, NULL, OPT_ERROR_SHAPE},
    {"limits-shape", required_argument, NULL, OPT_LIMITS_SHAPE},
    {"extra-fields", no_argument, NULL, OPT_EXTRA},
    {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
    {"tls-key", required_argument, NULL, OPT_TLS_KEY},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static int apply_option(struct emu_options *o, int c, const char *arg, const char **cert,
                        const char **key)
{
    struct emu_faults *f = &o->faults;
    char *end;
    switch (c) {
    case OPT_BIND:
        free(o->bind);
        o->bind = strdup(arg);
        return 0;
    case OPT_PORT:
        return parse_int("port", arg, 0, 65535, &o->port);
    case OPT_PORT_FILE:
        free(o->port_file);
        o->port_file = strdup(arg);
        return 0;
    case OPT_TENANTS:
        return parse_int("tenants", arg, 0, 100000, &o->tenants);
    case OPT_DOMAINS:
        return parse_int("domains", arg, 0, 12, &o->domains);
    case OPT_MAILBOXES:
        return parse_int("mailboxes", arg, 0, 3, &o->mailboxes);
    case OPT_SEED:
        errno = 0;
        o->seed = strtoull(arg, &end, 10);
        if (errno || end == arg || *end) {
            fprintf(stderr, "tcemu: --seed wants an unsigned integer, got '%s'\n", arg);
            return -1;
        }
        return 0;
    case OPT_OTHER:
        return parse_int("other-tenants", arg, 0, 100000, &o->other_tenants);
    case OPT_KEYS:
        return load_keys_file(o, arg);
    case OPT_LATENCY:
        return parse_int("latency", arg, 0, 3600000, &f->latency_ms);
    case OPT_JITTER:
        return parse_int("jitter", arg, 0, 3600000, &f->jitter_ms);
    case OPT_ERROR_RATE:
        return parse_rate("error-rate", arg, &f->error_rate);
    case OPT_RATE_429:
        return parse_rate("rate-429", arg, &f->rate_429);
    case OPT_RETRY_AFTER:
        return parse_int("retry-after", arg, 0, 86400, &f->retry_after);
    case OPT_DROP_RATE:
        return parse_rate("drop-rate", arg, &f->drop_rate);
    case OPT_ERROR_SHAPE:
        if (error_shape_parse(arg, &f->error_shape) == 0)
            return 0;
        fprintf(stderr, "tcemu: unknown --error-shape '%s'\n", arg);
        return -1;
    case OPT_LIMITS_SHAPE:
        if (limits_shape_parse(arg, &f->limits_shape) == 0)
            return 0;
        fprintf(stderr, "tcemu: unknown --limits-shape '%s'\n", arg);
        return -1;
    case OPT_EXTRA:
        f->extra_fields = true;
        return 0;
    case OPT_TLS_CERT:
        *cert = arg;
        return 0;
    case OPT_TLS_KEY:
        *key = arg;
        return 0;
    case OPT_QUIET:
        o->quiet = true;
        return 0;
    default:
        return -1;
    }
}

static int load_tls(struct emu_options *o, const char *cert, const char *key)
{
    if (!cert && !key)
        return 0;
    if (!cert || !key) {
        fprintf(stderr, "tcemu: --tls-cert and --tls-key go together\n");
        return -1;
    }
    o->tls_cert_pem = read_file(cert, 1 << 20, NULL);
    if (!o->tls_cert_pem) {
        fprintf(stderr, "tcemu: cannot read --tls-cert %s: %s\n", cert, strerror(errno));
        return -1;
    }
    o->tls_key_pem = read_file(key, 1 << 20, NULL);
    if (!o->tls_key_pem) {
        fprintf(stderr, "tcemu: cannot read --tls-key %s: %s\n", key, strerror(errno));
        return -1;
    }
    return 0;
}

int options_parse(struct emu_options *o, int argc, char **argv)
{
    memset(o, 0, sizeof(*o));
    o->bind = strdup("127.0.0.1");
    o->port = 8080;
    o->tenants = 3;
    o->domains = 12;
    o->mailboxes = 3;
    o->seed = 1;
    o->other_tenants = 1;
    o->faults.retry_after = 1;

    const char *cert = NULL, *key = NULL;
    bool keys_given = false;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
        if (c == OPT_HELP) {
            usage(stdout);
            return 1;
        }
        if (c == OPT_VERSION) {
            puts("tcemu " TCEMU_VERSION);
            return 1;
        }
        if (c == '?' || c == ':') {
            fprintf(stderr, "tcemu: bad option '%s'\n", argv[optind - 1]);
            usage(stderr);
            return -1;
        }
        if (c == OPT_KEYS)
            keys_given = true;
        if (apply_option(o, c, optarg, &cert, &key) < 0)
            return -1;
    }
    if (optind < argc) {
        fprintf(stderr, "tcemu: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return -1;
    }
    if (!keys_given) {
        for (int i = 0; i < 2; i++)
            add_account(o, default_keys[i][0], default_keys[i][1]);
    }
    return load_tls(o, cert, key);
}

void options_free(struct emu_options *o)
{
    for (int i = 0; i < o->naccounts; i++) {
        free(o->accounts[i].key);
        free(o->accounts[i].email);
    }
    free(o->accounts);
    free(o->bind);
    free(o->port_file);
    free(o->tls_cert_pem);
    free(o->tls_key_pem);
    memset(o, 0, sizeof(*o));
}
