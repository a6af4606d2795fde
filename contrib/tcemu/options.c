/* options.c — parses tcemu's command line (see CONTRACT.md "Command line")
 * and the --keys-file. Everything here runs once, before the server starts. */
#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TCEMU_VERSION "0.1.0"

/* The hex parts are the first 48 hex digits of sha256("tcemu alpha") and
 * sha256("tcemu beta"): fixed, documented, and of the documented form. */
static const char *default_keys[2][2] = {
    {"tc_live_e8f928b40a537f4c19d9dd58600a0945e90721ff7ca980f3", "alpha@example.com"},
    {"tc_live_b9af924bbe61cfd52372e9b8cdd72a2213b3d44bdceb5c75", "beta@example.com"},
};

/* A plan that holds the account's fixture tenants: scale up to its 100,
 * unlimited beyond (no documented plan holds more). */
#define DEFAULT_PLAN_MAX_TENANTS 100
#define MAX_PLAN_OPTIONS         64
#define EVENTS_MAX               1000000L

static void usage(FILE *out)
{
    fputs("usage: tcemu [--bind ADDR] [--port N] [--port-file PATH]\n"
          "             [--tenants N] [--domains N] [--mailboxes N] [--seed S]\n"
          "             [--other-tenants N] [--keys-file PATH] [--plan [ACCOUNT:]PLAN]\n"
          "             [--events N]\n"
          "             [--latency MS] [--jitter MS] [--error-rate P] [--rate-429 P]\n"
          "             [--retry-after S] [--drop-rate P]\n"
          "             [--error-shape documented|nested|flat|string|detail|none]\n"
          "             [--limits-shape top|nested] [--extra-fields]\n"
          "             [--tls-cert PATH --tls-key PATH] [--quiet] [--help] [--version]\n"
          "A local TenantCore-compatible API server; see README.md and CONTRACT.md.\n",
          out);
}

static const char *shape_names[] = {"nested", "flat", "string", "detail", "none", "documented"};
static const char *limits_names[] = {"top", "nested"};
static const char *plan_names[] = {"starter", "growth", "scale", "lapsed", "unlimited"};
#define NSHAPES (sizeof(shape_names) / sizeof(*shape_names))
#define NPLANS  (sizeof(plan_names) / sizeof(*plan_names))

const char *error_shape_name(enum error_shape s)
{
    return shape_names[s];
}

int error_shape_parse(const char *s, enum error_shape *out)
{
    for (size_t i = 0; i < NSHAPES; i++) {
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

const char *plan_name(enum emu_plan p)
{
    return plan_names[p];
}

int plan_parse(const char *s, enum emu_plan *out)
{
    for (size_t i = 0; i < NPLANS; i++) {
        if (strcmp(s, plan_names[i]) == 0) {
            *out = (enum emu_plan)i;
            return 0;
        }
    }
    return -1;
}

long plan_ceiling(enum emu_plan p)
{
    switch (p) {
    case PLAN_STARTER:
        return 25;
    case PLAN_GROWTH:
        return 50;
    case PLAN_SCALE:
        return 100;
    case PLAN_LAPSED:
        return 0;
    case PLAN_UNLIMITED:
        break;
    }
    return -1;
}

bool api_key_well_formed(const char *key, size_t len)
{
    size_t plen = sizeof(API_KEY_PREFIX) - 1;
    if (len != API_KEY_LEN || strncmp(key, API_KEY_PREFIX, plen) != 0)
        return false;
    for (size_t i = plen; i < len; i++) {
        if (!isxdigit((unsigned char)key[i]))
            return false;
    }
    return true;
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

/* Checks one keys-file entry; the messages never quote the key. */
static int check_key_line(const struct emu_options *opts, const char *path, int lineno,
                          const char *key, const char *email)
{
    if (!api_key_well_formed(key, strlen(key))) {
        fprintf(stderr,
                "tcemu: --keys-file %s line %d: not a key of the documented form "
                "(tc_live_ and 48 hex characters)\n",
                path, lineno);
        return -1;
    }
    if (email && !strchr(email, '@')) {
        fprintf(stderr, "tcemu: --keys-file %s line %d: the second field must be an email\n", path,
                lineno);
        return -1;
    }
    for (int i = 0; i < opts->naccounts; i++) {
        if (strcmp(opts->accounts[i].key, key) == 0) {
            fprintf(stderr, "tcemu: --keys-file %s line %d: the same key as account %d\n", path,
                    lineno, i + 1);
            return -1;
        }
    }
    return 0;
}

/* One account per non-empty line: "KEY" or "KEY EMAIL"; '#' starts a comment. */
static int load_keys_file(struct emu_options *opts, const char *path)
{
    char *text = read_file(path, 1 << 20, NULL);
    if (!text) {
        fprintf(stderr, "tcemu: cannot read --keys-file %s: %s\n", path, strerror(errno));
        return -1;
    }
    int lineno = 0;
    for (char *line = text, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
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
        if (check_key_line(opts, path, lineno, key, email) < 0) {
            free(text);
            return -1;
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
    OPT_PLAN,
    OPT_EVENTS,
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
    {"plan", required_argument, NULL, OPT_PLAN},
    {"events", required_argument, NULL, OPT_EVENTS},
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

/* Options that can only be applied once the whole command line is read. */
struct parse_ctx {
    const char *cert, *key;
    struct {
        int account; /* 1-based */
        enum emu_plan plan;
    } plans[MAX_PLAN_OPTIONS];
    int nplans;
};

/* --plan [ACCOUNT:]PLAN; the account is checked once the keys are known. */
static int parse_plan_option(struct parse_ctx *ctx, const char *arg)
{
    const char *colon = strchr(arg, ':');
    int account = 1;
    if (colon) {
        char num[16];
        snprintf(num, sizeof(num), "%.*s", (int)(colon - arg), arg);
        if (parse_int("plan", num, 1, 100000, &account) < 0)
            return -1;
    }
    enum emu_plan plan;
    if (plan_parse(colon ? colon + 1 : arg, &plan) < 0) {
        fprintf(stderr,
                "tcemu: --plan wants [ACCOUNT:]PLAN with PLAN starter, growth, scale, lapsed or "
                "unlimited, got '%s'\n",
                arg);
        return -1;
    }
    if (ctx->nplans == MAX_PLAN_OPTIONS) {
        fprintf(stderr, "tcemu: at most %d --plan options\n", MAX_PLAN_OPTIONS);
        return -1;
    }
    ctx->plans[ctx->nplans].account = account;
    ctx->plans[ctx->nplans++].plan = plan;
    return 0;
}

static int apply_option(struct emu_options *o, int c, const char *arg, struct parse_ctx *ctx)
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
    case OPT_PLAN:
        return parse_plan_option(ctx, arg);
    case OPT_EVENTS:
        errno = 0;
        o->events = strtol(arg, &end, 10);
        if (errno || end == arg || *end || o->events < 0 || o->events > EVENTS_MAX) {
            fprintf(stderr, "tcemu: --events wants an integer in 0..%ld, got '%s'\n", EVENTS_MAX,
                    arg);
            return -1;
        }
        return 0;
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
        ctx->cert = arg;
        return 0;
    case OPT_TLS_KEY:
        ctx->key = arg;
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

/* Every account gets a plan: the one --plan names, else one that holds
 * its fixture tenants. */
static int apply_plans(struct emu_options *o, const struct parse_ctx *ctx)
{
    for (int i = 0; i < o->naccounts; i++) {
        long fleet = i == 0 ? o->tenants : i == 1 ? o->other_tenants : 0;
        o->accounts[i].plan = fleet <= DEFAULT_PLAN_MAX_TENANTS ? PLAN_SCALE : PLAN_UNLIMITED;
    }
    for (int i = 0; i < ctx->nplans; i++) {
        int a = ctx->plans[i].account;
        if (a > o->naccounts) {
            fprintf(stderr, "tcemu: --plan names account %d; there are %d\n", a, o->naccounts);
            return -1;
        }
        o->accounts[a - 1].plan = ctx->plans[i].plan;
        o->accounts[a - 1].plan_given = true;
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
    o->events = -1;
    o->faults.retry_after = 1;
    o->faults.error_shape = ERR_DOCUMENTED;

    struct parse_ctx ctx = {0};
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
        if (apply_option(o, c, optarg, &ctx) < 0)
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
    if (apply_plans(o, &ctx) < 0)
        return -1;
    return load_tls(o, ctx.cert, ctx.key);
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
