/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-secrets.h: profile passwords in the Secret Service (GNOME Keyring), never on disk. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The libsecret schema name; its one attribute, "profile", holds the profile id. */
#define EP_SECRETS_SCHEMA_NAME "io.github.epistlemail.Epistle.Password"
#define EP_SECRETS_ATTRIBUTE_PROFILE "profile"

/* Tokens (a sign-in's refresh token) are kept by the same profile attribute under a sibling
 * schema, with one more attribute, "kind", saying what the token is. */
#define EP_SECRETS_TOKEN_SCHEMA_NAME "io.github.epistlemail.Epistle.Token"
#define EP_SECRETS_ATTRIBUTE_KIND "kind"
#define EP_SECRETS_KIND_OAUTH2_REFRESH_TOKEN "oauth2-refresh-token"
/* The password of the IMAP server (the copy in the Sent folder) of a profile with
 * imap-own-password: kept as a token of its own kind, so that the SMTP password lookup (which
 * matches on the profile alone) never returns it. */
#define EP_SECRETS_KIND_IMAP_PASSWORD "imap-password"

gboolean ep_secrets_check_available (GCancellable        *cancellable,
                                     GError             **error);

gboolean ep_secrets_store_sync      (const char          *profile_id,
                                     const char          *label,
                                     const char          *password,
                                     GCancellable        *cancellable,
                                     GError             **error);
char    *ep_secrets_lookup_sync     (const char          *profile_id,
                                     GCancellable        *cancellable,
                                     GError             **error);
gboolean ep_secrets_clear_sync      (const char          *profile_id,
                                     GCancellable        *cancellable,
                                     GError             **error);

gboolean ep_secrets_store_token_sync  (const char        *profile_id,
                                       const char        *kind,
                                       const char        *label,
                                       const char        *token,
                                       GCancellable      *cancellable,
                                       GError           **error);
char    *ep_secrets_lookup_token_sync (const char        *profile_id,
                                       const char        *kind,
                                       GCancellable      *cancellable,
                                       GError           **error);
gboolean ep_secrets_clear_token_sync  (const char        *profile_id,
                                       const char        *kind,
                                       GCancellable      *cancellable,
                                       GError           **error);

void     ep_secrets_store_async     (const char          *profile_id,
                                     const char          *label,
                                     const char          *password,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
gboolean ep_secrets_store_finish    (GAsyncResult        *result,
                                     GError             **error);
void     ep_secrets_lookup_async    (const char          *profile_id,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
char    *ep_secrets_lookup_finish   (GAsyncResult        *result,
                                     GError             **error);
void     ep_secrets_clear_async     (const char          *profile_id,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
gboolean ep_secrets_clear_finish    (GAsyncResult        *result,
                                     GError             **error);
/* Everything a deleted profile leaves in the keyring that is not a sign-in (its password and
 * its IMAP password); finished with ep_secrets_clear_finish(). */
void     ep_secrets_clear_profile_async (const char      *profile_id,
                                         GCancellable    *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer         user_data);

void     ep_secrets_password_free   (char                *password);
void     ep_secrets_disconnect      (void);

G_END_DECLS
