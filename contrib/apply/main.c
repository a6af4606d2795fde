/* tenantcorefs-apply: put a fleet's state back from a snapshot, or apply a
 * desired-state directory, through a tenantcorefs mount: plan, confirm,
 * apply in parallel, read back. Exit 0 when the live state matches, 1 when
 * something failed or cannot apply (--check: drift), 2 when nothing was
 * attempted. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "desired.h"
#include "execute.h"
#include "interrupt.h"
#include "mem.h"
#include "mount.h"
#include "plan.h"
#include "report.h"

#define PROG         "tenantcorefs-apply"
#define EXIT_TROUBLE 2

enum mode { M_APPLY, M_CHECK, M_DRY_RUN };

struct options {
    enum mode mode;
    bool yes, json;
    unsigned jobs; /* 0: the mount's max_conns */
    const char *desired, *mountpoint;
};

static void usage(FILE *f)
{
    fputs("usage: " PROG
          " [--check | --dry-run | --yes] [--jobs N] [--json] DESIRED_DIR MOUNTPOINT\n",
          f);
}

static void help(void)
{
    usage(stdout);
    fputs("\nMake the values a tenantcorefs mount shows match DESIRED_DIR, a tree in the\n"
          "mount's layout (a snapshot, a tar of the mount, or a hand-written sparse tree).\n\n"
          "  --check     plan only; exit 0 no drift, 1 drift, 2 trouble\n"
          "  --dry-run   plan only\n"
          "  --yes       apply without asking (needed when stdin is not a terminal)\n"
          "  --jobs N    changes in parallel (default: the mount's max_conns)\n"
          "  --json      print the plan and outcome as JSON\n"
          "  --help, --version\n\n"
          "Exit status: 0 live state matches (--check: no drift), 1 a change failed or\n"
          "cannot apply (--check: drift), 2 nothing was attempted.\n"
          "See tenantcorefs-apply(1).\n",
          stdout);
}

/* 0 to go on, 1 done (help, version), -1 bad usage. */
static int parse_args(int argc, char **argv, struct options *o)
{
    static const struct option longs[] = {
        {"check", no_argument, NULL, 'c'},   {"dry-run", no_argument, NULL, 'n'},
        {"yes", no_argument, NULL, 'y'},     {"jobs", required_argument, NULL, 'j'},
        {"json", no_argument, NULL, 'J'},    {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'}, {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    int modes = 0, c;
    while ((c = getopt_long(argc, argv, "j:hV", longs, NULL)) != -1) {
        switch (c) {
        case 'c':
            o->mode = M_CHECK;
            modes++;
            break;
        case 'n':
            o->mode = M_DRY_RUN;
            modes++;
            break;
        case 'y':
            o->yes = true;
            modes++;
            break;
        case 'J':
            o->json = true;
            break;
        case 'j': {
            char *end;
            errno = 0;
            long n = strtol(optarg, &end, 10);
            if (errno || *end || end == optarg || n < 1 || n > 256) {
                fprintf(stderr, PROG ": --jobs takes a number from 1 to 256\n");
                return -1;
            }
            o->jobs = (unsigned)n;
            break;
        }
        case 'h':
            help();
            return 1;
        case 'V':
            printf(PROG " %s\n", TC_VERSION);
            return 1;
        default:
            return -1;
        }
    }
    if (modes > 1) {
        fprintf(stderr, PROG ": --check, --dry-run and --yes exclude each other\n");
        return -1;
    }
    if (argc - optind != 2)
        return -1;
    o->desired = argv[optind];
    o->mountpoint = argv[optind + 1];
    return 0;
}

/* DESIRED_DIR must be a directory outside the mount (reading the mount
 * as its own desired state would plan nothing and prove nothing). */
static int check_desired(const struct options *o, const struct mnt *m)
{
    struct stat st;
    if (stat(o->desired, &st) != 0) {
        fprintf(stderr, PROG ": %s: %s\n", o->desired, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, PROG ": %s: not a directory\n", o->desired);
        return -1;
    }
    char *real = realpath(o->desired, NULL);
    size_t n = strlen(m->path);
    bool inside = st.st_dev == m->dev ||
                  (real && strncmp(real, m->path, n) == 0 && (real[n] == '/' || real[n] == '\0'));
    free(real);
    if (inside) {
        fprintf(stderr, PROG ": %s is inside the mount %s: give a copy of the tree instead\n",
                o->desired, m->path);
        return -1;
    }
    return 0;
}

static void print_refusals(char **errors, size_t n)
{
    size_t shown = n > 20 ? 20 : n;
    for (size_t i = 0; i < shown; i++)
        fprintf(stderr, PROG ": %s\n", errors[i]);
    if (n > shown)
        fprintf(stderr, PROG ": ... and %zu more\n", n - shown);
    fprintf(stderr, PROG ": refusing to apply anything: nothing was written\n");
}

/* Like terraform apply: a person types "yes", or --yes says it. */
static bool confirmed(const struct options *o, size_t changes)
{
    if (o->yes)
        return true;
    if (!isatty(STDIN_FILENO)) {
        fprintf(stderr,
                PROG ": not applying %zu change%s without confirmation: stdin is not a "
                     "terminal; run with --yes\n",
                changes, changes == 1 ? "" : "s");
        return false;
    }
    fprintf(stderr, "\nApply %zu change%s to %s? Only 'yes' is accepted: ", changes,
            changes == 1 ? "" : "s", o->mountpoint);
    fflush(stderr);
    char line[64];
    bool yes = fgets(line, sizeof line, stdin) && strcmp(line, "yes\n") == 0;
    if (!yes)
        fprintf(stderr, PROG ": not applied; nothing was written\n");
    return yes;
}

static void warn_unknown(const struct desired *d)
{
    if (!d->unknown)
        return;
    bool one = d->unknown == 1;
    fprintf(stderr,
            PROG ": warning: %zu %s in DESIRED_DIR %s not part of the mount's tree and %s ignored:",
            d->unknown, one ? "entry" : "entries", one ? "is" : "are", one ? "is" : "are");
    for (size_t i = 0; i < d->unknown && i < 5; i++)
        fprintf(stderr, " %s", d->unknown_first[i]);
    fprintf(stderr, "%s\n", d->unknown > 5 ? " ..." : "");
}

static int run(const struct options *o, const struct mnt *m)
{
    if (check_desired(o, m) != 0)
        return EXIT_TROUBLE;
    if (o->mode == M_APPLY && m->readonly) {
        fprintf(stderr,
                PROG ": %s is mounted read-only: nothing can be applied (--check and "
                     "--dry-run work)\n",
                o->mountpoint);
        return EXIT_TROUBLE;
    }
    struct desired d;
    int rc = desired_read(o->desired, &d);
    if (rc != 0) {
        fprintf(stderr, PROG ": %s: %s\n", o->desired, strerror(-rc));
        return EXIT_TROUBLE;
    }
    if (d.nerrors) {
        print_refusals(d.errors, d.nerrors);
        desired_free(&d);
        return EXIT_TROUBLE;
    }
    warn_unknown(&d);
    struct report_ctx rc_ = {
        .desired_dir = o->desired,
        .mountpoint = o->mountpoint,
        .mode = o->mode == M_CHECK     ? "check"
                : o->mode == M_DRY_RUN ? "dry-run"
                                       : "apply",
        .ttl = m->ttl,
        .jobs = o->jobs        ? o->jobs
                : m->max_conns ? m->max_conns
                               : 8,
    };
    struct progress prog = {.enabled = isatty(STDERR_FILENO)};
    struct plan pl;
    int status = EXIT_TROUBLE;
    interrupt_catch();
    if (plan_build(&pl, &d, m, rc_.jobs, &prog) != 0) {
        print_refusals(pl.errors, pl.nerrors);
        goto out;
    }
    if (interrupted()) {
        fprintf(stderr, PROG ": interrupted while planning; nothing was written\n");
        goto out;
    }
    report_sort(&pl);
    struct counts c;
    counts_of(&pl, &d, &c);
    if (!o->json)
        report_plan(stdout, &pl, &c, &rc_);
    bool applied = false;
    struct outcome oc = {0};
    if (o->mode == M_CHECK) {
        status = c.unreadable ? EXIT_TROUBLE : c.changes || c.cannot ? 1 : 0;
    } else if (o->mode == M_DRY_RUN) {
        status = c.unreadable ? EXIT_TROUBLE : 0;
    } else if (c.changes == 0) {
        status = c.cannot || c.unreadable ? 1 : 0;
        if (!o->json)
            puts(status ? "Nothing that can be applied." : "Nothing to apply.");
    } else {
        fflush(stdout);
        if (!confirmed(o, c.changes) || interrupted())
            goto out;
        execute(&pl, m, rc_.jobs, &prog, &oc);
        applied = true;
        bool matches = true;
        for (size_t i = 0; i < pl.n && matches; i++) {
            enum state s = pl.items[i]->state;
            matches = s == ST_UNCHANGED || s == ST_DONE || s == ST_SETTLED;
        }
        status = matches ? 0 : 1;
        if (!o->json)
            report_outcome(stdout, &pl, &oc, &rc_);
    }
    if (o->json)
        report_json(stdout, &pl, &c, applied ? &oc : NULL, &rc_, status);
out:
    plan_free(&pl);
    desired_free(&d);
    return status;
}

int main(int argc, char **argv)
{
    struct options o;
    int rc = parse_args(argc, argv, &o);
    if (rc > 0)
        return 0;
    if (rc < 0) {
        usage(stderr);
        return EXIT_TROUBLE;
    }
    struct mnt m;
    char why[512];
    if (mnt_open(o.mountpoint, &m, why, sizeof why) != 0) {
        fprintf(stderr, PROG ": %s\n", why);
        return EXIT_TROUBLE;
    }
    int status = run(&o, &m);
    mnt_close(&m);
    fflush(stdout);
    return status;
}
