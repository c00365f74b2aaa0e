/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-goa-ui.h: how profiles from GNOME Online Accounts look in the app: read-only rows that say
 * where they come from (or why they are not used), and the way to the settings that own them. */
#pragma once

#include <gtk/gtk.h>

#include "ep-profile.h"

G_BEGIN_DECLS

/* Whether @profile is one of Online Accounts' (read-only: its settings are edited there). */
gboolean            ep_goa_ui_is_goa            (EpProfile  *profile);
/* "From GNOME Online Accounts · Google · smtp.gmail.com:587 · STARTTLS", or the reason it is
 * not used; @server: the server part as the caller words it. */
char               *ep_goa_ui_dup_subtitle      (EpProfile  *profile,
                                                 const char *server);
/* Whether it can be sent with (usable, as far as Online Accounts' settings go). */
gboolean            ep_goa_ui_is_usable         (EpProfile  *profile);

/* GNOME Settings, whose Online Accounts panel edits these accounts, is installed. */
gboolean            ep_goa_ui_can_open_settings (void);
gboolean            ep_goa_ui_open_settings     (GError    **error);

/* The rows of a profile choice (the compose window's drop-down): the name, and under it where
 * a profile from Online Accounts comes from, dimmed with the reason when it is not used. */
GtkListItemFactory *ep_goa_ui_profile_factory   (void);

G_END_DECLS
