/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-goa-error.h: the error domain of profiles from GNOME Online Accounts. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define EP_GOA_ERROR (ep_goa_error_quark ())

/**
 * EpGoaError:
 * @EP_GOA_ERROR_UNUSABLE: the account is listed but not used: mail turned off, no SMTP server,
 *   or settings Epistle refuses (certificate errors accepted, no encryption); the message says
 *   which
 * @EP_GOA_ERROR_SIGN_IN_AGAIN: Online Accounts needs the person to sign in again
 * @EP_GOA_ERROR_CREDENTIALS: Online Accounts could not give a token or a password (its own
 *   message follows)
 * @EP_GOA_ERROR_NOT_FOR_SMTP: the server refused the token of an account whose tokens are not
 *   for SMTP (Microsoft 365 in Online Accounts holds Microsoft Graph scopes)
 * @EP_GOA_ERROR_GONE: the account was removed from Online Accounts
 */
typedef enum {
  EP_GOA_ERROR_UNUSABLE,
  EP_GOA_ERROR_SIGN_IN_AGAIN,
  EP_GOA_ERROR_CREDENTIALS,
  EP_GOA_ERROR_NOT_FOR_SMTP,
  EP_GOA_ERROR_GONE,
} EpGoaError;

GQuark ep_goa_error_quark (void);

G_END_DECLS
