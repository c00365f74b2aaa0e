/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-window.h: a compose window (one per message). */
#pragma once

#include <adwaita.h>

#include "ep-draft.h"
#include "ep-mailto.h"
#include "ep-message.h"
#include "ep-profile.h"
#include "ep-profile-store.h"
#include "ep-smtp-result.h"

G_BEGIN_DECLS

#define EP_TYPE_WINDOW (ep_window_get_type ())
G_DECLARE_FINAL_TYPE (EpWindow, ep_window, EP, WINDOW, AdwApplicationWindow)

/* Without a known server limit, warn above this (a common provider limit). */
#define EP_WINDOW_DEFAULT_SIZE_LIMIT (25 * 1000 * 1000)

/* @store: the profiles to choose from (the application's); the window keeps a reference. */
EpWindow   *ep_window_new             (AdwApplication *application,
                                       EpProfileStore *store);
void        ep_window_add_file        (EpWindow       *self,
                                       GFile          *file,
                                       const char     *display_name);
void        ep_window_set_size_limit  (EpWindow       *self,
                                       guint64         size_limit);
guint64     ep_window_get_encoded_size(EpWindow       *self);
void        ep_window_apply_mailto    (EpWindow       *self,
                                       const EpMailto *mailto);
char       *ep_window_dup_send_blocker(EpWindow       *self);
gboolean    ep_window_has_content     (EpWindow       *self);
EpDraft    *ep_window_to_draft        (EpWindow       *self);
void        ep_window_load_draft      (EpWindow       *self,
                                       const EpDraft  *draft);
gboolean    ep_window_save_draft_sync (EpWindow       *self,
                                       GError        **error);
void        ep_window_discard_draft   (EpWindow       *self);
EpProfile  *ep_window_get_profile     (EpWindow       *self);
void        ep_window_set_profile     (EpWindow       *self,
                                       EpProfile      *profile);
EpMessage  *ep_window_build_message   (EpWindow       *self,
                                       GError        **error);
void        ep_window_show_toast      (EpWindow       *self,
                                       const char     *text);

G_END_DECLS
