/* interrupt: Ctrl-C (SIGINT) or SIGTERM during a run stops it between two
 * changes: writes in flight finish (each is one API call), the rest are
 * reported as not done. A second signal ends the program at once. */
#ifndef TCA_INTERRUPT_H
#define TCA_INTERRUPT_H

#include <stdbool.h>

/* Catch SIGINT and SIGTERM, unless they were ignored when we started
 * (nohup, a background job of a script). */
void interrupt_catch(void);
bool interrupted(void);

#endif
