/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-sign-in-group.h: the profile editor's built-in sign-in (OAuth 2.0): whether the profile
 * signs in with its provider rather than a password, "Sign In with …" in the browser or on
 * another device, who is signed in, and "Use my own client ID". */
#pragma once

#include <adwaita.h>

#include "ep-profile.h"

G_BEGIN_DECLS

#define EP_TYPE_SIGN_IN_GROUP (ep_sign_in_group_get_type ())
G_DECLARE_FINAL_TYPE (EpSignInGroup, ep_sign_in_group, EP, SIGN_IN_GROUP, AdwPreferencesGroup)

EpSignInGroup *ep_sign_in_group_new             (void);
/* The draft the editor edits: the group follows its server and writes its "oauth-*" settings. */
void           ep_sign_in_group_set_profile     (EpSignInGroup  *self,
                                                 EpProfile      *draft);

/* For an editor closed without saving a new profile: a sign-in made for it is forgotten (on a
 * worker thread), since no profile will ever use it. */
void           ep_sign_in_group_forget_unsaved  (EpSignInGroup  *self);

/* The application's client ID (and secret) for @provider_id from GSettings ("oauth-client-ids",
 * "oauth-client-secrets"); NULL each when none is set, and the build's applies. */
void           ep_sign_in_client_from_settings  (const char     *provider_id,
                                                 char          **client_id,
                                                 char          **client_secret);

/* The same for the provider @profile signs in with (both NULL when it uses no built-in sign-in). */
void           ep_sign_in_client_for_profile    (EpProfile      *profile,
                                                 char          **client_id,
                                                 char          **client_secret);

/* Whether this build or the application's settings give @provider_id a client ID: only then
 * does a new profile from its preset start with sign-in turned on. */
gboolean       ep_sign_in_has_client            (const char     *provider_id);

/* The provider a server's SMTP host belongs to (a preset's), or NULL. */
const char    *ep_sign_in_provider_for_host     (const char     *host);

G_END_DECLS
