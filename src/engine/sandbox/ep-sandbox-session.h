/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-sandbox-session.h: one SMTP conversation of the Sandbox server (private to the server). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* RFC 5321 4.5.3.1.4: a command line is at most 512 octets, CRLF included. */
#define EP_SANDBOX_COMMAND_LINE_MAX 512
/* RFC 4954 4: the AUTH command and each response line may be up to 12288 octets. */
#define EP_SANDBOX_AUTH_LINE_MAX 12288
/* RFC 5321 4.5.3.1.6 allows 1000 octets per text line; real mail breaks it, so the Sandbox
 * accepts longer lines (and records the longest) up to this bound. */
#define EP_SANDBOX_DATA_LINE_MAX (1024 * 1024)
/* RFC 5321 4.5.3.1.3: a path, angle brackets included, is at most 256 octets. */
#define EP_SANDBOX_PATH_MAX 256
/* RFC 5321 4.5.3.1.1 and 4.5.3.1.2. */
#define EP_SANDBOX_LOCAL_PART_MAX 64
#define EP_SANDBOX_DOMAIN_MAX 255
/* RFC 5321 4.5.3.1.8: at least 100 recipients must be accepted; more get 452 4.5.3. */
#define EP_SANDBOX_MAX_RECIPIENTS 100
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
