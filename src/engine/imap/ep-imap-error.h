/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-imap-error.h: the IMAP client's error domain. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define EP_IMAP_ERROR (ep_imap_error_quark ())

/* The server's text, when there is one, is always part of the error message. Which codes are
 * worth trying again later: ep_imap_error_is_temporary(). */
typedef enum {
  EP_IMAP_ERROR_CONNECT,                /* DNS/connect failure */
  EP_IMAP_ERROR_TIMEOUT,
  EP_IMAP_ERROR_TLS,                    /* handshake failure other than the certificate */
  EP_IMAP_ERROR_TLS_CERTIFICATE,        /* names the failed checks and the SHA-256 fingerprint */
  EP_IMAP_ERROR_STARTTLS_UNAVAILABLE,   /* not advertised, refused, or PREAUTH before it */
  EP_IMAP_ERROR_INJECTION,              /* bytes after the OK to STARTTLS, before the handshake */
  EP_IMAP_ERROR_CLEARTEXT_AUTH,         /* credentials on an unencrypted connection */
  EP_IMAP_ERROR_AUTH_UNSUPPORTED,       /* no usable mechanism offered, LOGINDISABLED */
  EP_IMAP_ERROR_AUTH_FAILED,            /* NO to AUTHENTICATE/LOGIN, or a failed SCRAM proof */
  EP_IMAP_ERROR_AUTH_TEMPORARY,         /* NO [UNAVAILABLE] to AUTHENTICATE/LOGIN */
  EP_IMAP_ERROR_SERVICE_UNAVAILABLE,    /* BYE (greeting or later), NO [UNAVAILABLE] / [INUSE] */
  EP_IMAP_ERROR_NO_SENT_FOLDER,         /* no \Sent mailbox and none of the usual names */
  EP_IMAP_ERROR_SENT_FOLDER_AMBIGUOUS,  /* several candidates: the person chooses */
  EP_IMAP_ERROR_MESSAGE_TOO_BIG,        /* over APPENDLIMIT, or NO [TOOBIG] / [LIMIT] */
  EP_IMAP_ERROR_OVER_QUOTA,             /* NO [OVERQUOTA]: may pass once the mailbox is emptied */
  EP_IMAP_ERROR_REFUSED,                /* any other NO or BAD */
  EP_IMAP_ERROR_PROTOCOL,               /* malformed or oversized responses, unexpected tags */
  EP_IMAP_ERROR_CONNECTION_LOST,        /* before the message was on its way */
  EP_IMAP_ERROR_UPLOAD_UNKNOWN,         /* lost after the message was sent, before the server's
                                           answer: it may be in the mailbox (check before a retry) */
  EP_IMAP_ERROR_INVALID_CONFIG,         /* no host, a bad fingerprint, a size that does not match */
} EpImapError;

GQuark   ep_imap_error_quark        (void);

/* TRUE for what may pass later without a change by the person: timeouts, lost connections
 * (also EP_IMAP_ERROR_UPLOAD_UNKNOWN: retry with the duplicate check), BYE, [UNAVAILABLE],
 * [OVERQUOTA]. */
gboolean ep_imap_error_is_temporary (const GError *error);

/* An error of the transport (EP_SMTP_ERROR, which the IMAP client shares with the SMTP engine)
 * turned into the IMAP domain with the same message. Other domains stay as they are. */
void     ep_imap_error_from_transport (GError **error);

G_END_DECLS
