/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-imap-error.c: the IMAP client's error domain. */
#include "config.h"

#include "ep-imap-error.h"
#include "ep-smtp-error.h"

G_DEFINE_QUARK (ep-imap-error-quark, ep_imap_error)

gboolean
ep_imap_error_is_temporary (const GError *error)
{
  if (error == NULL || error->domain != EP_IMAP_ERROR)
    return FALSE;

  switch ((EpImapError) error->code)
    {
    case EP_IMAP_ERROR_CONNECT:
    case EP_IMAP_ERROR_TIMEOUT:
    case EP_IMAP_ERROR_AUTH_TEMPORARY:
    case EP_IMAP_ERROR_SERVICE_UNAVAILABLE:
    case EP_IMAP_ERROR_OVER_QUOTA:
    case EP_IMAP_ERROR_CONNECTION_LOST:
    case EP_IMAP_ERROR_UPLOAD_UNKNOWN:
      return TRUE;
    case EP_IMAP_ERROR_TLS:
    case EP_IMAP_ERROR_TLS_CERTIFICATE:
    case EP_IMAP_ERROR_STARTTLS_UNAVAILABLE:
    case EP_IMAP_ERROR_INJECTION:
    case EP_IMAP_ERROR_CLEARTEXT_AUTH:
    case EP_IMAP_ERROR_AUTH_UNSUPPORTED:
    case EP_IMAP_ERROR_AUTH_FAILED:
    case EP_IMAP_ERROR_NO_SENT_FOLDER:
    case EP_IMAP_ERROR_SENT_FOLDER_AMBIGUOUS:
    case EP_IMAP_ERROR_MESSAGE_TOO_BIG:
    case EP_IMAP_ERROR_REFUSED:
    case EP_IMAP_ERROR_PROTOCOL:
    case EP_IMAP_ERROR_INVALID_CONFIG:
    default:
      return FALSE;
    }
}

void
ep_imap_error_from_transport (GError **error)
{
  EpImapError code;

  if (error == NULL || *error == NULL || (*error)->domain != EP_SMTP_ERROR)
    return;

  switch ((*error)->code)
    {
    case EP_SMTP_ERROR_CONNECT:         code = EP_IMAP_ERROR_CONNECT; break;
    case EP_SMTP_ERROR_TIMEOUT:         code = EP_IMAP_ERROR_TIMEOUT; break;
    case EP_SMTP_ERROR_TLS:             code = EP_IMAP_ERROR_TLS; break;
    case EP_SMTP_ERROR_TLS_CERTIFICATE: code = EP_IMAP_ERROR_TLS_CERTIFICATE; break;
    case EP_SMTP_ERROR_CONNECTION_LOST: code = EP_IMAP_ERROR_CONNECTION_LOST; break;
    case EP_SMTP_ERROR_INVALID_CONFIG:  code = EP_IMAP_ERROR_INVALID_CONFIG; break;
    case EP_SMTP_ERROR_AUTH_FAILED:     code = EP_IMAP_ERROR_AUTH_FAILED; break;
    default:                            code = EP_IMAP_ERROR_PROTOCOL; break;
    }
  (*error)->domain = EP_IMAP_ERROR;
  (*error)->code = code;
}
