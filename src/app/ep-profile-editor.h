/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-profile-editor.h: the page that creates or edits one server profile (a Server Profiles subpage). */
#pragma once

#include <adwaita.h>

#include "ep-connection-test-window.h"
#include "ep-keyring-row.h"
#include "ep-profile-store.h"

G_BEGIN_DECLS

#define EP_TYPE_PROFILE_EDITOR (ep_profile_editor_get_type ())
G_DECLARE_FINAL_TYPE (EpProfileEditor, ep_profile_editor, EP, PROFILE_EDITOR, AdwBin)

EpProfileEditor *ep_profile_editor_new                (EpProfileStore  *store,
                                                       EpProfile       *profile,
                                                       const char      *preset_id);
EpProfile       *ep_profile_editor_get_profile        (EpProfileEditor *self);
EpProfile       *ep_profile_editor_get_draft          (EpProfileEditor *self);
gboolean         ep_profile_editor_get_is_new         (EpProfileEditor *self);
gboolean         ep_profile_editor_save               (EpProfileEditor *self);
char            *ep_profile_editor_dup_password       (EpProfileEditor *self);
void             ep_profile_editor_test_connection    (EpProfileEditor *self);
EpConnectionTestWindow *ep_profile_editor_get_test_window (EpProfileEditor *self);
EpKeyringState   ep_profile_editor_get_keyring_state  (EpProfileEditor *self);
gboolean         ep_profile_editor_has_stored_password (EpProfileEditor *self);
const char      *ep_profile_editor_get_problem        (EpProfileEditor *self);
GtkWidget       *ep_profile_editor_get_field          (EpProfileEditor *self,
                                                       const char      *name);
gboolean         ep_profile_editor_has_changes        (EpProfileEditor *self);
void             ep_profile_editor_ask_discard_async  (EpProfileEditor     *self,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
gboolean         ep_profile_editor_ask_discard_finish (EpProfileEditor  *self,
                                                       GAsyncResult     *result,
                                                       GError          **error);
AdwMessageDialog *ep_profile_editor_get_discard_dialog (EpProfileEditor *self);

G_END_DECLS
