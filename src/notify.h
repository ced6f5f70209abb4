/*
 * notify.h — tell someone how a run went ([notify] command and webhook).
 */
#ifndef COLDPACK_NOTIFY_H
#define COLDPACK_NOTIFY_H

#include "config.h"

/* Send summary_json per cfg->notify (only when failed, unless on = always).
 * Failures are logged as warnings and never change the run's result; the
 * return value (0 / -1) is informative. Thread-safety: call from one thread. */
int notify_run(const config_t *cfg, const char *summary_json, int failed);

#endif
