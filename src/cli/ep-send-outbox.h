/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-send-outbox.h: epistle-send and the outbox: --queue and --at (a message into it),
 * --flush (every due message sent once), --outbox (the list). */
#pragma once

#include "ep-message.h"
#include "ep-send-options.h"

G_BEGIN_DECLS

/* --at TIME: an ISO 8601 date and time (with an offset, or local), or HH:MM for the next such
 * local time; after @now (NULL: the real time). Returns the time in UTC, or NULL with @error. */
GDateTime *ep_send_parse_at     (const char     *text,
                                 GDateTime      *now,
                                 GError        **error);

/* --queue / --at: @message (composed and prepared) into the outbox for opts->profile; prints
 * the new entry's id on stdout. Returns the exit status. */
int        ep_send_queue        (EpSendOptions  *opts,
                                 EpMessage      *message);

/* --flush: every due queued or partial entry (of opts->profile, when given) tried once, one
 * at a time; each outcome on stderr. 0: all delivered; 69: one failed for good or its
 * delivery is unknown; 75: one is still waiting. */
int        ep_send_flush        (EpSendOptions  *opts);

/* --outbox: one tab-separated line per entry on stdout. */
int        ep_send_list_outbox  (EpSendOptions  *opts);

G_END_DECLS
