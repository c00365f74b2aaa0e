/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-window-delivery.c: the compose window's Delivery Options: delivery status notifications
 * (RFC 3461), a read receipt (RFC 8098) and TLS all the way (RFC 8689), with what the chosen
 * profile's server offers when it is known. */
#include "config.h"

#include <glib/gi18n.h>

#include "ep-window-private.h"

struct _EpWindowDelivery {
  GtkCheckButton *success;
  GtkCheckButton *delay;
  GtkCheckButton *failure;
  GtkCheckButton *never;
  GtkCheckButton *ret_full;
  GtkLabel       *dsn_status;
  GtkCheckButton *read_receipt;
  GtkCheckButton *require_tls;
  GtkCheckButton *without_tls;
  GtkLabel       *tls_status;
  gboolean        updating;     /* set from a draft: not a change of the person's */
  gboolean        dsn_offered;  /* FALSE only when the server is known not to offer DSN */
};

/* ---- Helpers and callbacks ------------------------------------------------------------------- */

static GtkCheckButton *
add_check (GtkBox     *box,
           const char *label)
{
  GtkWidget *check = gtk_check_button_new_with_mnemonic (label);

  gtk_box_append (box, check);
  return GTK_CHECK_BUTTON (check);
}

static GtkLabel *
add_heading (GtkBox     *box,
             const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_add_css_class (label, "heading");
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_box_append (box, label);
  return GTK_LABEL (label);
}

static GtkLabel *
add_status (GtkBox *box)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_add_css_class (label, "caption");
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 40);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_box_append (box, label);
  return GTK_LABEL (label);
}

static gboolean
active (GtkCheckButton *check)
{
  return gtk_check_button_get_active (check);
}

/* Never excludes the others (RFC 3461 §4.1); RET and "send without" mean something only with
 * what they qualify. */
static void
sync_sensitivity (EpWindow *self)
{
  EpWindowDelivery *d = self->delivery;
  gboolean never = active (d->never);
  gboolean some = active (d->success) || active (d->delay) || active (d->failure);

  gtk_widget_set_sensitive (GTK_WIDGET (d->success), d->dsn_offered && !never);
  gtk_widget_set_sensitive (GTK_WIDGET (d->delay), d->dsn_offered && !never);
  gtk_widget_set_sensitive (GTK_WIDGET (d->failure), d->dsn_offered && !never);
  gtk_widget_set_sensitive (GTK_WIDGET (d->never), d->dsn_offered && !some);
  gtk_widget_set_sensitive (GTK_WIDGET (d->ret_full), d->dsn_offered && some);
  gtk_widget_set_sensitive (GTK_WIDGET (d->without_tls), active (d->require_tls));
}

static void
option_toggled_cb (GtkCheckButton *check,
                   EpWindow       *self)
{
  sync_sensitivity (self);
  if (!self->delivery->updating)
    ep_window_schedule_draft_save (self);
}

/* What the chosen profile's server offers, as last learned; nothing is claimed before it is
 * known. */
static void
update_status (EpWindow *self)
{
  EpWindowDelivery *d = self->delivery;
  EpProfile *profile = ep_window_get_profile (self);
  gboolean known = FALSE;
  EpSmtpCapFlags offered = profile != NULL ? ep_profile_get_delivery_extensions (profile, &known) : 0;

  d->dsn_offered = !known || (offered & EP_SMTP_CAP_DSN) != 0;
  if (!known)
    {
      gtk_label_set_text (d->dsn_status, _("Whether this server offers notifications is not known yet: if it does not, the message is not sent."));
      gtk_label_set_text (d->tls_status, _("Whether this server offers REQUIRETLS is not known yet."));
    }
  else
    {
      gtk_label_set_text (d->dsn_status, (offered & EP_SMTP_CAP_DSN) != 0
                          ? _("This server offers delivery notifications.")
                          : _("This server does not offer delivery notifications (DSN): none can be asked for."));
      gtk_label_set_text (d->tls_status, (offered & EP_SMTP_CAP_REQUIRETLS) != 0
                          ? _("This server offers REQUIRETLS.")
                          : _("This server does not offer REQUIRETLS: the message is sent only if you allow it to go without."));
    }
  sync_sensitivity (self);
}

static void
profile_changed_cb (GObject    *object,
                    GParamSpec *pspec,
                    EpWindow   *self)
{
  update_status (self);
}

static void
popover_show_cb (GtkWidget *popover,
                 EpWindow  *self)
{
  /* A send may have learned the server's extensions since. */
  update_status (self);
}

typedef struct {
  EpWindow           *window;
  EpWindowResumeSend  resume;
  gboolean            allow_partial;
  gboolean            immediate;
} Resume;

static void
ask_response_cb (AdwMessageDialog *dialog,
                 const char       *response,
                 Resume           *resume)
{
  EpWindow *self = resume->window;

  if (g_str_equal (response, "send") && self->delivery != NULL)
    {
      /* The person's choice, kept for this message (and its draft). */
      gtk_check_button_set_active (self->delivery->without_tls, TRUE);
      resume->resume (self, resume->allow_partial, resume->immediate);
    }
  g_object_unref (self);
  g_free (resume);
}

/* ---- Public API ------------------------------------------------------------------------------ */

void
ep_window_delivery_init (EpWindow *self)
{
  EpWindowDelivery *d = g_new0 (EpWindowDelivery, 1);
  GtkWidget *popover = gtk_popover_new ();
  GtkBox *box = GTK_BOX (gtk_box_new (GTK_ORIENTATION_VERTICAL, 6));
  GtkCheckButton *checks[9];

  self->delivery = d;
  gtk_widget_set_margin_top (GTK_WIDGET (box), 6);
  gtk_widget_set_margin_bottom (GTK_WIDGET (box), 6);
  gtk_widget_set_margin_start (GTK_WIDGET (box), 6);
  gtk_widget_set_margin_end (GTK_WIDGET (box), 6);

  add_heading (box, _("Delivery Notifications"));
  d->success = add_check (box, _("When _Delivered"));
  d->delay = add_check (box, _("When _Delayed"));
  d->failure = add_check (box, _("When Delivery _Fails"));
  d->never = add_check (box, _("_Never, Not Even on Failure"));
  d->ret_full = add_check (box, _("Return the _Whole Message"));
  d->dsn_status = add_status (box);
  gtk_box_append (box, gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
  d->read_receipt = add_check (box, _("Ask for a _Read Receipt"));
  gtk_box_append (box, gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
  add_heading (box, _("Encryption"));
  d->require_tls = add_check (box, _("Require _TLS All the Way"));
  d->without_tls = add_check (box, _("Send _Anyway if the Server Cannot Promise It"));
  d->tls_status = add_status (box);

  checks[0] = d->success;
  checks[1] = d->delay;
  checks[2] = d->failure;
  checks[3] = d->never;
  checks[4] = d->ret_full;
  checks[5] = d->read_receipt;
  checks[6] = d->require_tls;
  checks[7] = d->without_tls;
  checks[8] = NULL;
  for (guint i = 0; checks[i] != NULL; i++)
    g_signal_connect (checks[i], "toggled", G_CALLBACK (option_toggled_cb), self);

  gtk_popover_set_child (GTK_POPOVER (popover), GTK_WIDGET (box));
  g_signal_connect (popover, "show", G_CALLBACK (popover_show_cb), self);
  gtk_menu_button_set_popover (self->delivery_button, popover);
  g_signal_connect_object (self->profile_dropdown, "notify::selected",
                           G_CALLBACK (profile_changed_cb), self, 0);
  update_status (self);
}

void
ep_window_delivery_dispose (EpWindow *self)
{
  g_clear_pointer (&self->delivery, g_free);
}

/* What a send applies: notifications only where the server is not known to lack them (the
 * options are greyed out there, with the reason). */
void
ep_window_delivery_get (EpWindow              *self,
                        EpSmtpDeliveryRequest *out_request,
                        gboolean              *out_read_receipt)
{
  EpWindowDelivery *d = self->delivery;
  EpSmtpDeliveryRequest request = { 0 };

  if (d == NULL)
    {
      *out_request = request;
      *out_read_receipt = FALSE;
      return;
    }

  if (active (d->never))
    request.dsn_notify = EP_SMTP_DSN_NEVER;
  else
    request.dsn_notify = (active (d->success) ? EP_SMTP_DSN_SUCCESS : 0)
                         | (active (d->delay) ? EP_SMTP_DSN_DELAY : 0)
                         | (active (d->failure) ? EP_SMTP_DSN_FAILURE : 0);
  if (!d->dsn_offered)
    request.dsn_notify = EP_SMTP_DSN_NONE;
  request.dsn_ret = active (d->ret_full) ? EP_SMTP_DSN_RET_FULL : EP_SMTP_DSN_RET_HDRS;
  if (active (d->require_tls))
    request.require_tls = active (d->without_tls) ? EP_SMTP_REQUIRE_TLS_IF_OFFERED : EP_SMTP_REQUIRE_TLS_ON;
  *out_request = request;
  *out_read_receipt = active (d->read_receipt);
}

/* As the person chose them (a draft keeps the choice, also where the server lacks DSN). */
void
ep_window_delivery_save (EpWindow *self,
                         EpDraft  *draft)
{
  EpWindowDelivery *d = self->delivery;
  gboolean dsn_offered;

  if (d == NULL)
    return;
  dsn_offered = d->dsn_offered;
  d->dsn_offered = TRUE;
  ep_window_delivery_get (self, &draft->request, &draft->read_receipt);
  d->dsn_offered = dsn_offered;
}

void
ep_window_delivery_load (EpWindow      *self,
                         const EpDraft *draft)
{
  EpWindowDelivery *d = self->delivery;
  EpSmtpDsnNotify notify = draft->request.dsn_notify;

  if (d == NULL)
    return;
  d->updating = TRUE;
  gtk_check_button_set_active (d->success, (notify & EP_SMTP_DSN_SUCCESS) != 0);
  gtk_check_button_set_active (d->delay, (notify & EP_SMTP_DSN_DELAY) != 0);
  gtk_check_button_set_active (d->failure, (notify & EP_SMTP_DSN_FAILURE) != 0);
  gtk_check_button_set_active (d->never, (notify & EP_SMTP_DSN_NEVER) != 0);
  gtk_check_button_set_active (d->ret_full, draft->request.dsn_ret == EP_SMTP_DSN_RET_FULL);
  gtk_check_button_set_active (d->read_receipt, draft->read_receipt);
  gtk_check_button_set_active (d->require_tls, draft->request.require_tls != EP_SMTP_REQUIRE_TLS_OFF);
  gtk_check_button_set_active (d->without_tls, draft->request.require_tls == EP_SMTP_REQUIRE_TLS_IF_OFFERED);
  d->updating = FALSE;
  update_status (self);
}

/* When TLS all the way is required and the profile's server is known not to offer it, asks
 * whether to send without it or not at all; TRUE when asked (the send resumes on "send"). */
gboolean
ep_window_delivery_ask_before_send (EpWindow           *self,
                                    EpWindowResumeSend  resume,
                                    gboolean            allow_partial,
                                    gboolean            immediate)
{
  EpWindowDelivery *d = self->delivery;
  EpProfile *profile = ep_window_get_profile (self);
  gboolean known = FALSE;
  EpSmtpCapFlags offered;
  GtkWidget *dialog;
  Resume *data;

  if (d == NULL || profile == NULL || !active (d->require_tls) || active (d->without_tls))
    return FALSE;
  offered = ep_profile_get_delivery_extensions (profile, &known);
  if (!known || (offered & EP_SMTP_CAP_REQUIRETLS) != 0)
    return FALSE;

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Send Without TLS All the Way?"),
                                   _("This server does not offer REQUIRETLS, so it cannot promise that the message travels over TLS all the way to its recipients."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "send", _("Send _Without It"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "send", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  data = g_new0 (Resume, 1);
  data->window = g_object_ref (self);
  data->resume = resume;
  data->allow_partial = allow_partial;
  data->immediate = immediate;
  g_signal_connect (dialog, "response", G_CALLBACK (ask_response_cb), data);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}
