/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp-connection.h: one TCP (and then TLS) connection to an SMTP server: bounded reply reading
 * with deadlines, command writing with transcript logging, the TLS upgrade and certificate checks. */
#pragma once

#include <gio/gio.h>

#include "ep-smtp-reply.h"
#include "ep-smtp-tls-info.h"
#include "ep-smtp-transcript.h"

G_BEGIN_DECLS

/* Octets read from the socket at a time; replies are parsed straight out of this buffer and what
 * follows a reply stays in it (that is how pipelined replies and injected bytes are seen). */
#define EP_SMTP_READ_BUFFER_SIZE (16 * 1024)

#define EP_TYPE_SMTP_CONNECTION (ep_smtp_connection_get_type ())
G_DECLARE_FINAL_TYPE (EpSmtpConnection, ep_smtp_connection, EP, SMTP_CONNECTION, GObject)

EpSmtpConnection *ep_smtp_connection_new               (EpSmtpTranscript  *transcript,
                                                        guint              timeout_seconds);
/* For the whole process, before any connection: every connection (SMTP and IMAP) asks
 * @resolver where to go (NULL: GIO's default, the desktop's proxy settings). */
void              ep_smtp_connection_set_proxy_resolver (GProxyResolver   *resolver);
/* Where the lines go from now on: a session sending several messages gives each its own. */
void              ep_smtp_connection_set_transcript    (EpSmtpConnection  *self,
                                                        EpSmtpTranscript  *transcript);
gboolean          ep_smtp_connection_connect           (EpSmtpConnection  *self,
                                                        const char        *host,
                                                        guint16            port,
                                                        GCancellable      *cancellable,
                                                        GError           **error);
/* "[192.0.2.1]" or "[IPv6:2001:db8::1]" (RFC 5321 §4.1.3) of our end of the connection. */
char             *ep_smtp_connection_dup_address_literal (EpSmtpConnection *self);

/* TLS handshake over the current connection (implicit TLS, or after "220" to STARTTLS). The server
 * certificate must be valid for @host and chain to the system store or to @cafile; when @host and
 * @port are @pinned_host and @pinned_port (the server the pin was trusted for), a @pinned_sha256
 * certificate is accepted whatever else is wrong with it, and then no other is; for another server
 * the pin is not used (and a refusal says whose it is). Errors:
 * EP_SMTP_ERROR_TLS_CERTIFICATE (names the failed checks and the SHA-256 fingerprint),
 * EP_SMTP_ERROR_TLS, EP_SMTP_ERROR_TIMEOUT, EP_SMTP_ERROR_INVALID_CONFIG (unreadable cafile). */
gboolean          ep_smtp_connection_start_tls         (EpSmtpConnection  *self,
                                                        const char        *host,
                                                        guint16            port,
                                                        const char        *cafile,
                                                        const char        *pinned_sha256,
                                                        const char        *pinned_host,
                                                        guint16            pinned_port,
                                                        GCancellable      *cancellable,
                                                        GError           **error);
gboolean          ep_smtp_connection_is_encrypted      (EpSmtpConnection  *self);
/* After start_tls (also a failed one, when a certificate was seen); transfer none. */
EpSmtpTlsInfo    *ep_smtp_connection_get_tls_info      (EpSmtpConnection  *self);

/* Reads one reply; the whole reply must arrive within the timeout (a drip-feed does not extend
 * it). @timeout_ms 0 = the connection's timeout. Errors: EP_SMTP_ERROR_TIMEOUT, _PROTOCOL,
 * _CONNECTION_LOST; cancellation passes through. The reply is logged in the transcript. */
EpSmtpReply      *ep_smtp_connection_read_reply        (EpSmtpConnection  *self,
                                                        guint              timeout_ms,
                                                        GCancellable      *cancellable,
                                                        GError           **error);
/* While TRUE, 334 replies are logged as "334 [redacted]" (SASL challenges can carry secrets). */
void              ep_smtp_connection_set_redact_challenges (EpSmtpConnection *self,
                                                            gboolean          redact);
/* Writes @lines, each followed by CRLF, in ONE write (a PIPELINING group, RFC 2920 §3.1). Each line
 * is logged as its @log_as counterpart when given (NULL entries: as sent): that is how AUTH
 * payloads are redacted. Lines with CR, LF or NUL are refused (EP_SMTP_ERROR_INVALID_ADDRESS). */
gboolean          ep_smtp_connection_send_lines        (EpSmtpConnection  *self,
                                                        const char * const *lines,
                                                        const char * const *log_as,
                                                        GCancellable      *cancellable,
                                                        GError           **error);
gboolean          ep_smtp_connection_send_line         (EpSmtpConnection  *self,
                                                        const char        *line,
                                                        const char        *log_as,
                                                        GCancellable      *cancellable,
                                                        GError           **error);
/* Raw body bytes go here (through the data or BDAT stream); each piece of up to
 * EP_IO_DEADLINE_WRITE_PIECE octets must leave within the timeout (G_IO_ERROR_TIMED_OUT otherwise). Write errors are plain GIO errors: map them with
 * ep_smtp_connection_map_io_error. Transfer none. */
GOutputStream    *ep_smtp_connection_get_output_stream (EpSmtpConnection  *self);
/* Turns a GIO error into EP_SMTP_ERROR_TIMEOUT / _CONNECTION_LOST (cancellation untouched). */
void              ep_smtp_connection_map_io_error      (EpSmtpConnection  *self,
                                                        GError           **error,
                                                        const char        *doing);

/* For a protocol other than SMTP over the same transport (the IMAP client): copies up to @size
 * octets, those already buffered first, else what arrives next, waiting at most until @deadline
 * (monotonic µs; 0 = the connection's timeout from now). Nothing is logged: the caller parses
 * and logs. Returns the number of octets (> 0), or -1 with EP_SMTP_ERROR_TIMEOUT or
 * _CONNECTION_LOST (the peer closing is an error too); cancellation passes through. */
gssize            ep_smtp_connection_read_raw          (EpSmtpConnection  *self,
                                                        char              *buffer,
                                                        gsize              size,
                                                        gint64             deadline,
                                                        GCancellable      *cancellable,
                                                        GError           **error);

/* Bytes already received but not yet parsed: in our buffer only. */
gboolean          ep_smtp_connection_has_buffered_input (EpSmtpConnection *self);
/* Also bytes waiting in the kernel (plain connections only: on TLS they may be session tickets). */
gboolean          ep_smtp_connection_has_pending_input  (EpSmtpConnection *self);
/* A complete reply is (or part of one is) readable without blocking. */
gboolean          ep_smtp_connection_reply_ready        (EpSmtpConnection *self);

/* Closes the socket at once, without TLS close_notify or waiting: aborting (data in flight,
 * injection). Idempotent. */
void              ep_smtp_connection_abort             (EpSmtpConnection  *self);
/* Orderly close (TLS close_notify), bounded by a short timeout; errors ignored. Idempotent. */
void              ep_smtp_connection_close             (EpSmtpConnection  *self);
gboolean          ep_smtp_connection_is_closed         (EpSmtpConnection  *self);

G_END_DECLS
