/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-profiles-dialog-private.h: lookups into the Server Profiles window for the tests; the app uses ep-profiles-dialog.h. */
#pragma once

#include "ep-profiles-dialog.h"

G_BEGIN_DECLS

void              ep_profiles_dialog_edit          (EpProfilesDialog *self,
                                                    EpProfile        *profile);
EpProfileEditor  *ep_profiles_dialog_get_editor    (EpProfilesDialog *self);
AdwToast         *ep_profiles_dialog_get_last_toast (EpProfilesDialog *self);
GtkWidget        *ep_profiles_dialog_get_row       (EpProfilesDialog *self,
                                                    EpProfile        *profile);
GMenuModel       *ep_profiles_dialog_get_row_menu  (EpProfilesDialog *self,
                                                    EpProfile        *profile);

G_END_DECLS
