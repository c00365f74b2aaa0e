/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-window-private.h: the compose window's state, shared by its ep-window-*.c parts. */
#pragma once

#include "ep-window.h"

G_BEGIN_DECLS

struct _EpWindow
{
  AdwApplicationWindow parent_instance;

  /* Template widgets */
  AdwToastOverlay *toast_overlay;
  GtkButton       *send_button;
  GtkLabel        *cc_label;
  GtkLabel        *bcc_label;
  GtkToggleButton *cc_button;
  GtkToggleButton *bcc_button;
  GtkEntry        *from_entry;
  GtkEntry        *to_entry;
  GtkEntry        *cc_entry;
  GtkEntry        *bcc_entry;
  GtkEntry        *subject_entry;
  GtkTextView     *body_view;
  GtkRevealer     *drop_revealer;
  GtkRevealer     *attachments_revealer;
  GtkListBox      *attachments_list;
  GtkLabel        *attachments_summary;
  GtkImage        *size_warning_icon;
  GtkLabel        *size_warning_label;
  GtkRevealer     *offer_revealer;
  GtkLabel        *offer_label;

  /* Owned */
  GListStore      *attachments;      /* of EpAttachment */
  GCancellable    *cancellable;      /* window-wide: cancelled on dispose */
  GSettings       *settings;
  guint64          size_limit;       /* the profile's SIZE, or a default */
  guint            pending_adds;
  gboolean         sending;
  GPtrArray       *offered_files;    /* of GFile: from a link, waiting for the user's yes */
};

/* ep-window-fields.c */
void  ep_window_fields_init           (EpWindow *self);
void  ep_window_update_send_state     (EpWindow *self);
char *ep_window_dup_not_ready_reason  (EpWindow *self);
void  ep_window_sync_reveal           (EpWindow *self);

/* ep-window-attachments.c */
void ep_window_attachments_init        (EpWindow *self);
void ep_window_attachments_class_init  (GtkWidgetClass *widget_class);
void ep_window_add_texture             (EpWindow   *self,
                                        GdkTexture *texture);

G_END_DECLS
