/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-send-exit.h: epistle-send's exit statuses and the mapping from errors to them. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

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

/* The exit status for an error from the engine (EP_SMTP_ERROR, EP_MIME_ERROR, GIO; EP_EXIT_OK
 * for NULL). Partial delivery is decided from the
 * session's result, not from an error: see ep_send_deliver(). */
int ep_send_exit_status_for (const GError *error);

G_END_DECLS
