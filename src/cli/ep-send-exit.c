/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-send-exit.c: one mapping from the engine's errors to epistle-send's exit statuses. */
#include "config.h"

#include <gio/gio.h>

#include "ep-goa-error.h"
#include "ep-mime-error.h"
#include "ep-oauth-error.h"
#include "ep-send-exit.h"
#include "ep-smtp-error.h"

int
ep_send_exit_status_for (const GError *error)
{
  if (error == NULL)
    return EP_EXIT_OK;

  if (error->domain == EP_SMTP_ERROR)
    {
      switch ((EpSmtpError) error->code)
        {
        case EP_SMTP_ERROR_CONNECT:
        case EP_SMTP_ERROR_TIMEOUT:
        case EP_SMTP_ERROR_TEMPORARY:
        case EP_SMTP_ERROR_AUTH_TEMPORARY:
        case EP_SMTP_ERROR_CONNECTION_LOST:
          return EP_EXIT_TEMPFAIL;
        case EP_SMTP_ERROR_DELIVERY_UNKNOWN:
          /* Not 75: wrappers requeue on 75, and the message may already be there. */
          return EP_EXIT_UNKNOWN;
        case EP_SMTP_ERROR_TLS:
        case EP_SMTP_ERROR_STARTTLS_UNAVAILABLE:
        case EP_SMTP_ERROR_INJECTION:
        case EP_SMTP_ERROR_PROTOCOL:
          return EP_EXIT_PROTOCOL;
        case EP_SMTP_ERROR_TLS_CERTIFICATE:
        case EP_SMTP_ERROR_AUTH_UNSUPPORTED:
        case EP_SMTP_ERROR_AUTH_FAILED:
        case EP_SMTP_ERROR_AUTH_REQUIRED:
        case EP_SMTP_ERROR_AUTH_TOO_WEAK:
        case EP_SMTP_ERROR_AUTH_ENCRYPTION_REQUIRED:
          return EP_EXIT_NOPERM;
        case EP_SMTP_ERROR_SENDER_REJECTED:
        case EP_SMTP_ERROR_RECIPIENT_REJECTED:
        case EP_SMTP_ERROR_MESSAGE_TOO_BIG:
        case EP_SMTP_ERROR_SMTPUTF8_UNSUPPORTED:
        case EP_SMTP_ERROR_DSN_UNSUPPORTED:
        case EP_SMTP_ERROR_REQUIRETLS_UNSUPPORTED:
        case EP_SMTP_ERROR_8BITMIME_UNSUPPORTED:
        case EP_SMTP_ERROR_MESSAGE_REJECTED:
        case EP_SMTP_ERROR_SERVICE_REFUSED:
          return EP_EXIT_UNAVAILABLE;
        case EP_SMTP_ERROR_INVALID_ADDRESS:
          return EP_EXIT_DATAERR;
        case EP_SMTP_ERROR_CLEARTEXT_AUTH:
          /* Credentials would cross an unencrypted connection: a security violation. */
          return EP_EXIT_PROTOCOL;
        case EP_SMTP_ERROR_INVALID_CONFIG:
          return EP_EXIT_CONFIG;
        default:
          return EP_EXIT_SOFTWARE;
        }
    }

  if (error->domain == EP_MIME_ERROR)
    {
      switch ((EpMimeError) error->code)
        {
        case EP_MIME_ERROR_FILE:
        case EP_MIME_ERROR_FILE_CHANGED:
          return EP_EXIT_NOINPUT;
        case EP_MIME_ERROR_MISSING_FIELD:
          return EP_EXIT_USAGE;
        case EP_MIME_ERROR_INVALID_ADDRESS:
        case EP_MIME_ERROR_INVALID_HEADER:
        case EP_MIME_ERROR_INVALID_UTF8:
        default:
          return EP_EXIT_DATAERR;
        }
    }

  /* Built-in sign-in: a sign-in to do (again) is an authentication failure; a server out of
   * reach may answer later; the rest is the configuration's. */
  if (error->domain == EP_OAUTH_ERROR)
    {
      switch ((EpOAuthError) error->code)
        {
        case EP_OAUTH_ERROR_NOT_SIGNED_IN:
        case EP_OAUTH_ERROR_SIGN_IN_AGAIN:
        case EP_OAUTH_ERROR_ACCESS_DENIED:
        case EP_OAUTH_ERROR_STATE_MISMATCH:
        case EP_OAUTH_ERROR_EXPIRED:
          return EP_EXIT_NOPERM;
        case EP_OAUTH_ERROR_NETWORK:
        case EP_OAUTH_ERROR_TIMEOUT:
          return EP_EXIT_TEMPFAIL;
        case EP_OAUTH_ERROR_SERVER:
        case EP_OAUTH_ERROR_PROTOCOL:
          return EP_EXIT_PROTOCOL;
        case EP_OAUTH_ERROR_NO_CLIENT_ID:
        case EP_OAUTH_ERROR_UNKNOWN_PROVIDER:
        case EP_OAUTH_ERROR_NO_DEVICE_FLOW:
        default:
          return EP_EXIT_CONFIG;
        }
    }

  /* GNOME Online Accounts: a sign-in to do again (or a token not meant for SMTP) is an
   * authentication failure; the service failing may pass; the rest is the account's settings. */
  if (error->domain == EP_GOA_ERROR)
    {
      switch ((EpGoaError) error->code)
        {
        case EP_GOA_ERROR_SIGN_IN_AGAIN:
        case EP_GOA_ERROR_NOT_FOR_SMTP:
          return EP_EXIT_NOPERM;
        case EP_GOA_ERROR_CREDENTIALS:
          return EP_EXIT_TEMPFAIL;
        case EP_GOA_ERROR_UNUSABLE:
        case EP_GOA_ERROR_GONE:
        default:
          return EP_EXIT_CONFIG;
        }
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return EP_EXIT_TEMPFAIL;

  /* Reading our own input (the --raw file) failed. */
  if (error->domain == G_IO_ERROR)
    return EP_EXIT_NOINPUT;

  return EP_EXIT_SOFTWARE;
}
