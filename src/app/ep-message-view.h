/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-message-view.h: shows one message: headers, text, attachments, raw source and SMTP transcript. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define EP_TYPE_MESSAGE_VIEW (ep_message_view_get_type ())
G_DECLARE_FINAL_TYPE (EpMessageView, ep_message_view, EP, MESSAGE_VIEW, AdwBin)

GtkWidget *ep_message_view_new           (void);
/* @raw: the exact message bytes; @transcript and @details (nullable): shown on their pages. */
void       ep_message_view_set_message   (EpMessageView *self,
                                          GBytes        *raw,
                                          const char    *transcript,
                                          const char    *details);
void       ep_message_view_clear         (EpMessageView *self);
guint      ep_message_view_get_n_attachments (EpMessageView *self);

G_END_DECLS
