/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-window.h: a compose window (one per message). */
#pragma once

#include <adwaita.h>

#include "ep-mailto.h"

G_BEGIN_DECLS

#define EP_TYPE_WINDOW (ep_window_get_type ())
G_DECLARE_FINAL_TYPE (EpWindow, ep_window, EP, WINDOW, AdwApplicationWindow)

/* Without a known server limit, warn above this (a common provider limit). */
#define EP_WINDOW_DEFAULT_SIZE_LIMIT (25 * 1000 * 1000)

EpWindow   *ep_window_new             (AdwApplication *application);
void        ep_window_add_file        (EpWindow       *self,
                                       GFile          *file,
                                       const char     *display_name);
GListModel *ep_window_get_attachments (EpWindow       *self);
void        ep_window_set_size_limit  (EpWindow       *self,
                                       guint64         size_limit);
guint64     ep_window_get_encoded_size(EpWindow       *self);
gboolean    ep_window_is_busy         (EpWindow       *self);
void        ep_window_apply_mailto    (EpWindow       *self,
                                       const EpMailto *mailto);
GtkWidget  *ep_window_get_field       (EpWindow       *self,
                                       const char     *name);
char       *ep_window_dup_send_blocker(EpWindow       *self);
void        ep_window_show_toast      (EpWindow       *self,
                                       const char     *text);

G_END_DECLS
