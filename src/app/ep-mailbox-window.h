/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-mailbox-window.h: a list of messages with a viewer: the Sandbox Inbox, or the Sent messages. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

typedef enum {
  EP_MAILBOX_SANDBOX,
  EP_MAILBOX_SENT,
} EpMailboxKind;

#define EP_TYPE_MAILBOX_WINDOW (ep_mailbox_window_get_type ())
G_DECLARE_FINAL_TYPE (EpMailboxWindow, ep_mailbox_window, EP, MAILBOX_WINDOW, AdwApplicationWindow)

EpMailboxWindow *ep_mailbox_window_new          (GtkApplication  *application,
                                                 EpMailboxKind    kind);
EpMailboxKind    ep_mailbox_window_get_kind     (EpMailboxWindow *self);
void             ep_mailbox_window_reload       (EpMailboxWindow *self);

G_END_DECLS
