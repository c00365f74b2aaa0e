/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-window-private.h: the compose window's state, shared by its ep-window-*.c parts. */
#pragma once

#include "ep-draft-store.h"
#include "ep-outbox-worker.h"
#include "ep-profile.h"
#include "ep-send-operation.h"
#include "ep-spell-text.h"
#include "ep-window.h"

G_BEGIN_DECLS

typedef struct _EpWindowDelivery EpWindowDelivery;
typedef struct _EpWindowIdentity EpWindowIdentity;

struct _EpWindow
{
  AdwApplicationWindow parent_instance;

  /* Template widgets */
  AdwToastOverlay *toast_overlay;
  GtkWidget       *send_button;      /* an AdwSplitButton: Send, and Send Later in its menu */
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
  GtkListView     *attachments_list;
  GtkLabel        *attachments_summary;
  GtkImage        *size_warning_icon;
  GtkLabel        *size_warning_label;
  GtkRevealer     *offer_revealer;
  GtkRevealer     *sandbox_revealer;
  GtkRevealer     *delivered_revealer;
  GtkLabel        *delivered_label;
  GtkLabel        *offer_label;
  GtkDropDown     *profile_dropdown;
  GtkRevealer     *progress_revealer;
  GtkLabel        *progress_label;
  GtkProgressBar  *progress_bar;
  GtkButton       *cancel_button;

  /* Owned */
  EpProfileStore  *store;            /* the profiles, given by whoever made the window */
  GListStore      *attachments;      /* of EpAttachment */
  GCancellable    *cancellable;      /* window-wide: cancelled on dispose */
  GSettings       *settings;
  guint64          size_limit;       /* the profile's SIZE, or a default */
  gboolean         size_limit_known;
  guint            pending_adds;     /* files being checked, or checked and not listed yet */
  GPtrArray       *checked;          /* checked attachments waiting to be listed (EpAttachment) */
  guint            checked_idle;     /* lists them a few at a time */
  GHashTable      *attached_files;   /* the GFiles of the list and of checked: duplicates */
  gboolean         sending;
  EpSendOperation *send_op;
  GCancellable    *send_cancellable;
  EpProfile       *send_profile;
  EpSmtpResult    *last_result;
  GStrv            delivered;        /* envelope addresses that already have this message */
  EpOutboxWorker  *outbox_worker;    /* the application's, when it has one */
  EpOutboxStore   *outbox;
  char            *outbox_id;        /* the entry this window sends (the worker leaves it alone) */
  gboolean         outbox_failed;    /* it failed for good: the window has the message back */
  gboolean         outbox_partial;   /* some have it, the others wait: the window asks what next */
  gboolean         send_allow_partial;
  gboolean         send_disposed;    /* closed: what the window sends goes to the worker */
  gboolean         adding;           /* Send was pressed: the message is being written into the
                                        Outbox (attachments encoded) */
  GApplication    *close_hold;       /* held while an attempt of a closed window ends */
  guint            undo_timeout;     /* the undo time runs: nothing was sent yet */
  guint            undo_left;        /* its seconds left */
  GDateTime       *undo_until;       /* the entry's not-before time */
  AdwToast        *undo_toast;       /* weak */
  GtkWidget       *error_dialog;     /* weak */
  char            *auto_from;        /* what we put in From for the profile, to know it is ours */
  GPtrArray       *offered_files;
  char            *profile_id;
  EpDraftStore    *drafts;
  char            *draft_id;
  char            *saving_draft_id;  /* the draft an asynchronous save is writing */
  guint            draft_timeout;
  gboolean         draft_dirty;
  gboolean         draft_saving;
  gboolean         loading_draft;
  gboolean         close_confirmed;    /* of GFile: from a link, waiting for the user's yes */

  /* Send Later and the Outbox strip (ep-window-send-later.c, ep-window-waiting.c) */
  GtkRevealer     *waiting_revealer;
  GtkImage        *waiting_icon;
  GtkLabel        *waiting_label;
  EpOutboxWorker  *waiting_worker;
  GtkWidget       *schedule_dialog;    /* weak */
  gboolean         scheduling;

  /* Spelling (ep-window-spell.c) */
  EpSpellChecker  *spell_checker;
  EpSpellText     *spell;              /* NULL when no dictionary is installed */
  char            *spell_language;     /* chosen for this message; NULL: the locale's */
  gboolean         spell_ready;        /* the checker is set up (after the first frame) */
  gulong           spell_paint_handler;
  GCancellable    *spell_loading;      /* the dictionaries being read on a worker thread */
  /* Delivery Options (ep-window-delivery.c) */
  GtkMenuButton   *delivery_button;
  EpWindowDelivery *delivery;
  /* Identities and the signature (ep-window-identity.c) */
  EpWindowIdentity *identity;
};

/* ep-window-fields.c */
void  ep_window_fields_init           (EpWindow *self);
void  ep_window_update_send_state     (EpWindow *self);
char *ep_window_dup_not_ready_reason  (EpWindow *self);
void  ep_window_sync_reveal           (EpWindow *self);
void  ep_window_set_delivered         (EpWindow *self,
                                       const char * const *delivered);
gboolean ep_window_select_address     (EpWindow   *self,
                                       const char *address);

/* ep-window-draft.c */
void     ep_window_draft_init          (EpWindow *self);
void     ep_window_schedule_draft_save (EpWindow *self);
gboolean ep_window_confirm_close       (EpWindow *self);

/* ep-window-profile.c */
void       ep_window_profile_setup   (EpWindow *self);

/* ep-window-send.c */
void       ep_window_send_class_init (GtkWidgetClass *widget_class);
void       ep_window_send_init       (EpWindow *self);
void       ep_window_send_dispose    (EpWindow *self);
gboolean   ep_window_is_handed_over  (EpWindow *self);
void       ep_window_send_close      (EpWindow *self);
void       ep_window_clear_fields    (EpWindow *self);
/* Questions a pre-send check may skip once the person answered "Send Anyway". */
#define EP_CHECK_SUBJECT    (1 << 0)
#define EP_CHECK_ATTACHMENT (1 << 1)
#define EP_CHECK_MANY_RECIPIENTS (1 << 2)
#define EP_CHECK_IDENTITY_DOMAIN (1 << 3)
void       ep_window_check_and_send  (EpWindow  *self,
                                      guint      skip,
                                      GDateTime *when,
                                      gboolean   server_hold);

/* ep-window-delivery.c */
void       ep_window_delivery_init         (EpWindow              *self);
void       ep_window_delivery_dispose      (EpWindow              *self);
void       ep_window_delivery_get          (EpWindow              *self,
                                            EpSmtpDeliveryRequest *out_request,
                                            gboolean              *out_read_receipt);
/* Sending again after the person answered (ep-window-send.c's start of a send). */
typedef void (*EpWindowResumeSend) (EpWindow *self,
                                    gboolean  allow_partial,
                                    gboolean  immediate);
gboolean   ep_window_delivery_ask_before_send (EpWindow           *self,
                                               EpWindowResumeSend  resume,
                                               gboolean            allow_partial,
                                               gboolean            immediate);
void       ep_window_delivery_save         (EpWindow              *self,
                                            EpDraft               *draft);
void       ep_window_delivery_load         (EpWindow              *self,
                                            const EpDraft         *draft);

/* ep-window-identity.c */
void       ep_window_identity_init         (EpWindow              *self);
void       ep_window_identity_dispose      (EpWindow              *self);
void       ep_window_identity_profile_changed (EpWindow           *self);
gboolean   ep_window_identity_apply        (EpWindow              *self,
                                            EpMessage             *message,
                                            GError               **error);
gboolean   ep_window_identity_body_is_empty (EpWindow             *self);
/* The identity's questions before sending (many visible recipients, a From outside the
 * profile's domain): %TRUE when one is asked; its answer sends again with its flag in @skip. */
gboolean   ep_window_identity_ask_before_send (EpWindow           *self,
                                               guint               skip,
                                               GDateTime          *when,
                                               gboolean            server_hold);
void       ep_window_identity_save         (EpWindow              *self,
                                            EpDraft               *draft);
void       ep_window_identity_load         (EpWindow              *self,
                                            const EpDraft         *draft);

/* ep-window-send-later.c */
void       ep_window_send_later_class_init (GtkWidgetClass *widget_class);
void       ep_window_send_later_init       (EpWindow       *self);
void       ep_window_send_later_dispose    (EpWindow       *self);
GtkWidget *ep_window_get_schedule_dialog   (EpWindow       *self);
gboolean   ep_window_is_scheduling         (EpWindow       *self);
void       ep_window_schedule              (EpWindow       *self,
                                            GDateTime      *when,
                                            gboolean        server_hold);

/* ep-window-waiting.c */
void       ep_window_waiting_class_init    (GtkWidgetClass *widget_class);
void       ep_window_waiting_setup         (EpWindow       *self);
void       ep_window_waiting_dispose       (EpWindow       *self);

/* ep-window-spell.c */
void        ep_window_spell_init         (EpWindow   *self);
void        ep_window_spell_dispose      (EpWindow   *self);
void        ep_window_spell_set_language (EpWindow   *self,
                                          const char *language);
const char *ep_window_spell_get_language (EpWindow   *self);

/* ep-window-attachments.c */
void ep_window_attachments_init        (EpWindow *self);
void ep_window_attachments_class_init  (GtkWidgetClass *widget_class);
void ep_window_add_texture             (EpWindow   *self,
                                        GdkTexture *texture);
void ep_window_release_images          (EpWindow   *self);

/* For the tests: lookups of state the app's own code does not need. */
GListModel *ep_window_get_attachments (EpWindow       *self);
const char *ep_window_get_draft_id    (EpWindow       *self);
GtkWidget  *ep_window_get_error_dialog (EpWindow      *self);
GtkWidget  *ep_window_get_field       (EpWindow       *self,
                                       const char     *name);
EpSmtpResult *ep_window_get_last_result (EpWindow     *self);
double      ep_window_get_progress    (EpWindow       *self,
                                       const char    **status);
gboolean    ep_window_is_busy         (EpWindow       *self);
gboolean    ep_window_is_sending      (EpWindow       *self);
const char *ep_window_get_outbox_id   (EpWindow       *self);
gboolean    ep_window_is_undo_pending (EpWindow       *self);
EpSpellText *ep_window_get_spell      (EpWindow       *self);
char       *ep_window_dup_signature   (EpWindow       *self);

G_END_DECLS
