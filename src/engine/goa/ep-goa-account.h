/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-goa-account.h: one GNOME Online Accounts mail account behind a read-only profile: why it
 * cannot be used, if it cannot, and its credentials for a session (EnsureCredentials first,
 * then an OAuth 2.0 access token or the SMTP password). */
#pragma once

#include <gio/gio.h>

#include "ep-profile.h"

G_BEGIN_DECLS

/* Profile ids of GOA accounts: the prefix and GOA's own account id. ':' is not allowed in a
 * profiles.ini id, so one of these never clashes with a saved profile. */
#define EP_GOA_PROFILE_ID_PREFIX "goa:"

#define EP_TYPE_GOA_ACCOUNT (ep_goa_account_get_type ())
G_DECLARE_FINAL_TYPE (EpGoaAccount, ep_goa_account, EP, GOA_ACCOUNT, GObject)

/* The account behind a profile listed by #EpGoaAccounts, %NULL for any other profile. */
EpGoaAccount *ep_goa_account_from_profile       (EpProfile            *profile);

/* "Google", "Microsoft 365", … as Online Accounts names it (a new string). */
char         *ep_goa_account_dup_provider_name  (EpGoaAccount         *self);
/* Why the account is listed but not used (mail turned off, no SMTP server, certificate errors
 * accepted, no encryption), in a sentence for the person; %NULL when it can be used. */
char         *ep_goa_account_dup_problem        (EpGoaAccount         *self);
gboolean      ep_goa_account_get_attention_needed (EpGoaAccount       *self);
/* Microsoft 365 in Online Accounts: its tokens are for Microsoft Graph, not SMTP. */
gboolean      ep_goa_account_get_is_microsoft_365 (EpGoaAccount       *self);

/* Blocking D-Bus calls, for a worker thread or a command-line tool: EnsureCredentials, then
 * GetAccessToken for a token mechanism (@auth: ep_smtp_auth_mechanism_uses_token()) or
 * GetPassword("smtp-password"). Free the result with ep_secrets_password_free(): it is wiped.
 * Errors: EP_GOA_ERROR_* (the account's problem, sign in again, gone, Online Accounts' own
 * failure) and G_IO_ERROR_CANCELLED. */
char         *ep_goa_account_dup_secret_sync    (EpGoaAccount         *self,
                                                 EpSmtpAuthMechanism   auth,
                                                 GCancellable         *cancellable,
                                                 GError              **error);

G_END_DECLS
