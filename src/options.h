/* options: the command line of SEMANTICS.md §2, parsed with libfuse's fuse_opt,
 * every value checked with a one-line error before anything is mounted. */
#ifndef TC_OPTIONS_H
#define TC_OPTIONS_H

#include <fuse_opt.h>
#include <stdbool.h>
#include <sys/types.h>

struct tc_options {
    char *api_url;
    char *api_key_file;
    char *cafile;
    char *mountpoint;
    unsigned ttl, stale_ttl, max_conns, timeout, retries, action_timeout, enforcement_max;
    double max_rps;
    bool prefetch;
    bool allow_delete;
    long cache_max;
    int log_level;
    double attr_timeout, entry_timeout; /* upper bounds of the kernel's caching, seconds */
    bool foreground, debug, singlethread, show_help, show_version;
    bool allow_other, read_only;
    uid_t uid;
    gid_t gid;
    /* positional arguments seen */
    char *positional[2];
    int npositional;
    bool api_url_set;
};

/* Parse argv. On success args holds what libfuse should see (argv[0],
 * -d, and -o options it understands). Returns 0, or -1 after printing one
 * line to stderr. */
int options_parse(int argc, char **argv, struct tc_options *o, struct fuse_args *args);
void options_free(struct tc_options *o);
void options_usage(const char *progname);

/* https anywhere; plain http only to a loopback host. 0 or -1 with *why. */
int options_check_url(const char *url, const char **why);
/* "64M" → bytes; -1 if not a size. */
long options_parse_size(const char *s);

#endif
