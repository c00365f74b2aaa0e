/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-send-cli.h: the epistle-send command line (its contract: docs/architecture.md and --help). */
#pragma once

#include <glib.h>

#include "ep-send-exit.h"

G_BEGIN_DECLS

/* Runs epistle-send; returns its exit status (an EpExitStatus). */
int ep_send_cli_run (int argc, char **argv);

G_END_DECLS
