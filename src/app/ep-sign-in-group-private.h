/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-sign-in-group-private.h: what the tests need of the sign-in group: the browser replaced by
 * a script, and the widgets to press. */
#pragma once

#include "ep-oauth.h"
#include "ep-sign-in-group.h"

G_BEGIN_DECLS

/* Replaces opening the system browser (a test follows the URL itself). */
void        ep_sign_in_group_set_open_uri_func  (EpSignInGroup      *self,
                                                 EpOAuthOpenUriFunc  func,
                                                 gpointer            user_data);
/* "switch", "status", "sign-in", "device", "sign-out", "client", "client-id", "client-secret". */
GtkWidget  *ep_sign_in_group_get_widget         (EpSignInGroup      *self,
                                                 const char         *name);
/* The dialog shown while waiting for the browser or the other device, if any. */
AdwMessageDialog *ep_sign_in_group_get_dialog   (EpSignInGroup      *self);
/* Whether a sign-in, or the keyring question after it, is under way. */
gboolean    ep_sign_in_group_get_busy           (EpSignInGroup      *self);

G_END_DECLS
