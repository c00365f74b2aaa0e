/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-setup-window-private.h: what only the tests reach in the set-up window: its fields, and
 * hooks that point discovery and the connection test at local servers. */
#pragma once

#include "ep-connection-test-window.h"
#include "ep-discover.h"
#include "ep-setup-window.h"

G_BEGIN_DECLS

/* Called with each EpDiscover before it runs (to set a CA file, ports), and with each profile
 * before it is tested (to pin a test certificate). */
typedef void (*EpSetupDiscoverHook) (EpDiscover *discover,
                                     gpointer    user_data);
typedef void (*EpSetupProfileHook)  (EpProfile  *profile,
                                     gpointer    user_data);

void        ep_setup_window_set_test_hooks  (EpSetupWindow       *self,
                                             EpSetupDiscoverHook  discover_hook,
                                             EpSetupProfileHook   profile_hook,
                                             gpointer             user_data);
/* "address", "lookup" or "done" */
const char *ep_setup_window_get_page        (EpSetupWindow       *self);
gboolean    ep_setup_window_is_looking      (EpSetupWindow       *self);
/* @name: "address", "consent", "password", "confirm", "primary", "manual", "found", "nothing",
 *   "oauth", "sources", "done" */
GtkWidget  *ep_setup_window_get_field       (EpSetupWindow       *self,
                                             const char          *name);
/* The rows of the candidates found, best first (AdwActionRow, each with a GtkCheckButton). */
GPtrArray  *ep_setup_window_get_candidate_rows (EpSetupWindow    *self);
/* The row of @source in the progress list. */
AdwActionRow *ep_setup_window_get_source_row (EpSetupWindow      *self,
                                              EpDiscoverSource    source);
EpConnectionTestWindow *ep_setup_window_get_test_window (EpSetupWindow *self);

G_END_DECLS
