/* caller: what the mount may learn of the process behind a kernel
 * request — here, only whether it is being killed, so a wait for the API
 * ends for Ctrl-C, SIGTERM and SIGKILL but not for SIGCHLD or SIGWINCH. */
#ifndef TC_CALLER_H
#define TC_CALLER_H

#include <stdbool.h>
#include <sys/types.h>

/* Whether thread tid has SIGKILL pending (the kernel queues it for every
 * signal whose action is to terminate), or is gone. */
bool caller_killed(pid_t tid);

#endif
