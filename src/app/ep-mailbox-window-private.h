/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-mailbox-window-private.h: lookups into the mailbox window for the tests; the app uses ep-mailbox-window.h. */
#pragma once

#include "ep-mailbox-window.h"

G_BEGIN_DECLS

guint            ep_mailbox_window_get_n_items  (EpMailboxWindow *self);
void             ep_mailbox_window_select       (EpMailboxWindow *self,
                                                 guint            index);

GtkWidget       *ep_mailbox_window_get_choose_button (EpMailboxWindow *self);

G_END_DECLS
