/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-send-cli.h: the epistle-send command line (its contract: docs/architecture.md and --help). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Exit statuses, from sysexits.h, as the contract lists them. */
typedef enum {
  EP_EXIT_OK          = 0,
  EP_EXIT_USAGE       = 64,
  EP_EXIT_DATAERR     = 65,
  EP_EXIT_NOINPUT     = 66,
  EP_EXIT_UNAVAILABLE = 69,
  EP_EXIT_SOFTWARE    = 70,
  EP_EXIT_IOERR       = 74,
  EP_EXIT_TEMPFAIL    = 75,
  EP_EXIT_PROTOCOL    = 76,
  EP_EXIT_NOPERM      = 77,
  EP_EXIT_CONFIG      = 78,
  /* Outside sysexits on purpose: a wrapper that requeues on 75 and bounces on anything else
   * must not send these again to everyone. */
  EP_EXIT_PARTIAL     = 80,   /* some recipients have the message, the others do not */
  EP_EXIT_UNKNOWN     = 81,   /* lost after the end of the message: it may have been delivered */
} EpExitStatus;

int ep_send_cli_run (int argc, char **argv);

G_END_DECLS
