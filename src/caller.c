/* caller: the calling thread's pending signals, from /proc. */
#include "caller.h"

#include <signal.h>
#include <stdio.h>

bool caller_killed(pid_t tid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)tid);
    FILE *f = fopen(path, "re");
    if (!f)
        return true; /* the process is gone: nobody waits for the answer */
    bool fatal = false;
    while (fgets(line, sizeof line, f)) {
        unsigned long long mask;
        if ((sscanf(line, "SigPnd: %llx", &mask) == 1 ||
             sscanf(line, "ShdPnd: %llx", &mask) == 1) &&
            (mask & (1ULL << (SIGKILL - 1))))
            fatal = true;
    }
    fclose(f);
    return fatal;
}
