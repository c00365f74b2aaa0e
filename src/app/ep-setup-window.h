/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-setup-window.h: a server profile from an e-mail address alone: discovery with the progress
 * of each source, what was found and from where, the live connection test, and the profile saved
 * once that passes. "Set Up Manually" hands what was found to the full editor. */
#pragma once

#include <adwaita.h>

#include "ep-profile-store.h"

G_BEGIN_DECLS

#define EP_TYPE_SETUP_WINDOW (ep_setup_window_get_type ())
G_DECLARE_FINAL_TYPE (EpSetupWindow, ep_setup_window, EP, SETUP_WINDOW, AdwWindow)

/* Signals:
 *   "set-up-manually" (EpProfile *values, const char *password): the person chose the full
 *     editor; @values is an unsaved profile with what was found (or only the address), @password
 *     (nullable) what was typed. The window closes after it.
 *   "saved" (EpProfile *profile): the profile passed the connection test and is in the store. */
EpSetupWindow *ep_setup_window_new          (GtkWindow      *parent,
                                             EpProfileStore *store);
/* Fills in the address and starts looking at once. */
void           ep_setup_window_find         (EpSetupWindow  *self,
                                             const char     *address);
/* Returns: (transfer none) (nullable): the profile saved, once it is */
EpProfile     *ep_setup_window_get_saved    (EpSetupWindow  *self);

G_END_DECLS
