/* check: a desired value judged by the mount's own rules (values.h, the
 * code a write through the mount runs) before anything is planned. */
#ifndef TCA_CHECK_H
#define TCA_CHECK_H

#include "desired.h"

/* A desired value after the checks: canonical text and, for limits, the
 * number (-1 for "none"). */
struct norm {
    char *text;
    int num;
};

/* NULL with n filled in, or a malloc'd reason ("\"26\": out of range ...")
 * for refusing the run. */
char *check_value(const struct dvalue *v, struct norm *n);

#endif
