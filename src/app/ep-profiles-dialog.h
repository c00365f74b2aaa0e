/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-profiles-dialog.h: Server Profiles: the list, add from a preset, edit, duplicate, delete with
 * undo, set as default. */
#pragma once

#include <adwaita.h>

#include "ep-profile-editor.h"
#include "ep-profile-store.h"

G_BEGIN_DECLS

#define EP_TYPE_PROFILES_DIALOG (ep_profiles_dialog_get_type ())
G_DECLARE_FINAL_TYPE (EpProfilesDialog, ep_profiles_dialog, EP, PROFILES_DIALOG, AdwPreferencesWindow)

EpProfilesDialog *ep_profiles_dialog_new           (GtkWindow        *parent,
                                                    EpProfileStore   *store);
EpProfilesDialog *ep_profiles_dialog_present       (GtkWindow        *parent,
                                                    EpProfileStore   *store,
                                                    EpProfile        *profile);
EpProfilesDialog *ep_profiles_dialog_present_new   (GtkWindow        *parent,
                                                    EpProfileStore   *store);
void              ep_profiles_dialog_add           (EpProfilesDialog *self,
                                                    const char       *preset_id);
void              ep_profiles_dialog_add_prefilled (EpProfilesDialog *self,
                                                    EpProfile        *values,
                                                    const char       *password);
gboolean          ep_profiles_dialog_is_busy       (EpProfilesDialog *self);

G_END_DECLS
