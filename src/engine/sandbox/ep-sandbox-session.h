/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-sandbox-session.h: one SMTP conversation of the Sandbox server (private to the server). */
#pragma once

#include <gio/gio.h>

#include "ep-smtp-limits.h"

G_BEGIN_DECLS

/* The protocol's own limits (command and AUTH lines, paths, domains) are those of
 * ep-smtp-limits.h, enforced as they stand. These are the Sandbox's choices. */

/* RFC 5321 4.5.3.1.6 allows EP_SMTP_TEXT_LINE_MAX (1000) octets per text line; real mail breaks
 * it, so the Sandbox accepts longer lines (and records the longest) up to this bound. */
#define EP_SANDBOX_DATA_LINE_MAX (1024 * 1024)
/* The least RFC 5321 4.5.3.1.8 allows: more recipients get 452 4.5.3. */
#define EP_SANDBOX_MAX_RECIPIENTS EP_SMTP_RECIPIENTS_MIN
/* Not from an RFC: bounds on what one session may cost. */
#define EP_SANDBOX_MAX_COMMANDS 1000
#define EP_SANDBOX_MAX_ERRORS 10
#define EP_SANDBOX_TRANSCRIPT_MAX (256 * 1024)

/* A whole session, however busy: a 50 MB message over loopback takes about a second. */
#define EP_SANDBOX_DEFAULT_SESSION_TIMEOUT 900
/* The TLS handshake after STARTTLS takes a real client over loopback milliseconds. The idle
 * timeout (RFC 5321's 5 minutes) is for a client thinking between commands, and every byte
 * renews it: a client that sends its ClientHello a byte at a time would hold a connection slot
 * for the whole session limit without ever saying who it is. */
#define EP_SANDBOX_DEFAULT_HANDSHAKE_TIMEOUT 10

typedef struct {
  GTlsCertificate *certificate;
  char            *username;
  char            *password;
  guint64          size_limit;
  guint            idle_timeout;
  guint            session_timeout;   /* 0: EP_SANDBOX_DEFAULT_SESSION_TIMEOUT */
  guint            handshake_timeout; /* 0: EP_SANDBOX_DEFAULT_HANDSHAKE_TIMEOUT */
  GCancellable    *cancellable;   /* cancelled when the server stops */
} EpSandboxSessionConfig;

/* The server's handle on one running session. */
typedef struct {
  GCancellable *cancellable;     /* ends this session alone; the server cancels it as well when it stops */
  gint          authenticated;   /* atomic, set by the session once the client has authenticated */
  gint          evicted;         /* atomic, set by the server before it cancels: the slot was needed */
} EpSandboxSessionSlot;

void ep_sandbox_session_run    (const EpSandboxSessionConfig *config,
                                GSocketConnection            *connection,
                                EpSandboxSessionSlot         *slot);
void ep_sandbox_session_refuse (GSocketConnection            *connection,
                                const char                   *reply_text);

G_END_DECLS
