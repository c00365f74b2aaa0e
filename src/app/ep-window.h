/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-window.h: a compose window (one per message). */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define EP_TYPE_WINDOW (ep_window_get_type ())
G_DECLARE_FINAL_TYPE (EpWindow, ep_window, EP, WINDOW, AdwApplicationWindow)

EpWindow *ep_window_new (AdwApplication *application);

G_END_DECLS
