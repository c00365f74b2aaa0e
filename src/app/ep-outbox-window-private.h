/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-outbox-window-private.h: lookups into the Outbox window for the tests; the app uses
 * ep-outbox-window.h. */
#pragma once

#include "ep-outbox-window.h"

G_BEGIN_DECLS

/* Whether a load is running or due (the tests wait for it to settle). */
gboolean    ep_outbox_window_is_loading     (EpOutboxWindow *self);
guint       ep_outbox_window_get_n_items    (EpOutboxWindow *self);
/* The words the list shows for entry @id's state, or NULL when it is not listed. */
const char *ep_outbox_window_get_state_text (EpOutboxWindow *self,
                                             const char     *id);
/* The question being asked (Delete, Send Again) or the schedule dialog, or NULL. */
GtkWidget  *ep_outbox_window_get_dialog     (EpOutboxWindow *self);

G_END_DECLS
