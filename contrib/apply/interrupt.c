/* interrupt: the one piece of global state — a signal handler can reach
 * nothing else. */
#include "interrupt.h"

#include <signal.h>
#include <stddef.h>

static volatile sig_atomic_t hit;

static void on_signal(int sig)
{
    hit = 1;
    signal(sig, SIG_DFL); /* the next one is not caught */
}

void interrupt_catch(void)
{
    static const int sigs[] = {SIGINT, SIGTERM};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
        struct sigaction old, sa = {.sa_handler = on_signal};
        sigemptyset(&sa.sa_mask);
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
            sigaction(sigs[i], &sa, NULL);
    }
}

bool interrupted(void)
{
    return hit != 0;
}
