/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-window-send.c: Send: checks before sending, the message built from the fields, progress and
 * Cancel, and outcomes in plain words with a suggested fix. The fields are never touched on
 * failure: what the user wrote stays exactly as it was. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ep-address.h"
#include "ep-attachment.h"
#include "ep-certificate-dialog.h"
#include "ep-error-advice.h"
#include "ep-message.h"
#include "ep-mime-error.h"
#include "ep-oauth-error.h"
#include "ep-outbox-delivery.h"
#include "ep-profile-store.h"
#include "ep-send-operation.h"
#include "ep-sign-in-group.h"
#include "ep-smtp-error.h"
#include "ep-store-error.h"
#include "ep-window-private.h"

static void ep_window_start_send (EpWindow *self, gboolean allow_partial, gboolean immediate);
static void ep_window_send_remaining (EpWindow *self);
static void ep_window_hand_over_partial (EpWindow *self);

static char *
dup_body (EpWindow *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static gboolean
add_field (EpWindow    *self,
           EpMessage   *message,
           GtkEntry    *entry,
           const char  *field,
           void       (*add) (EpMessage *, const EpAddress *),
           GError     **error)
{
  g_autoptr(GPtrArray) list = ep_address_list_parse (gtk_editable_get_text (GTK_EDITABLE (entry)),
                                                     field, error);

  if (list == NULL)
    return FALSE;
  for (guint i = 0; i < list->len; i++)
    add (message, list->pdata[i]);
  return TRUE;
}

static void
set_from (EpMessage *message, const EpAddress *address)
{
  ep_message_set_from (message, address);
}

/* The message exactly as the fields hold it; errors name the field. */
EpMessage *
ep_window_build_message (EpWindow  *self,
                         GError   **error)
{
  g_autoptr(EpMessage) message = ep_message_new ();
  g_autofree char *body = dup_body (self);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->attachments));

  if (!add_field (self, message, self->from_entry, _("From"), set_from, error) ||
      !add_field (self, message, self->to_entry, _("To"), ep_message_add_to, error) ||
      !add_field (self, message, self->cc_entry, _("Cc"), ep_message_add_cc, error) ||
      !add_field (self, message, self->bcc_entry, _("Bcc"), ep_message_add_bcc, error) ||
      !ep_message_set_subject (message, gtk_editable_get_text (GTK_EDITABLE (self->subject_entry)), error) ||
      !ep_message_set_body (message, body, -1, error))
    return NULL;
  ep_message_set_format_flowed (message, g_settings_get_boolean (self->settings, "format-flowed"));
  {
    EpSmtpDeliveryRequest request;
    gboolean read_receipt;

    ep_window_delivery_get (self, &request, &read_receipt);
    ep_message_set_read_receipt (message, read_receipt);
  }
  if (!ep_window_identity_apply (self, message, error))
    return NULL;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(EpAttachment) a = g_list_model_get_item (G_LIST_MODEL (self->attachments), i);

      ep_message_add_attachment (message, ep_attachment_get_file (a), ep_attachment_get_display_name (a),
                                 ep_attachment_get_content_type (a));
    }
  return g_steal_pointer (&message);
}

static void
error_response_cb (AdwMessageDialog *dialog,
                   const char       *response,
                   EpWindow         *self)
{
  if (self->outbox_partial && g_str_equal (response, "retry"))
    ep_window_send_remaining (self);
  else if (self->outbox_partial && g_str_equal (response, "close"))
    ep_window_hand_over_partial (self);
  else if (g_str_equal (response, "retry"))
    ep_window_start_send (self, FALSE, TRUE);
  else if (g_str_equal (response, "others"))
    ep_window_start_send (self, TRUE, TRUE);
  else if (g_str_equal (response, "edit"))
    {
      const char *address = g_object_get_data (G_OBJECT (dialog), "refused-address");

      if (address != NULL)
        ep_window_select_address (self, address);
    }
  else if (g_str_equal (response, "profile"))
    {
      const char *id = g_object_get_data (G_OBJECT (dialog), "profile-id");

      gtk_widget_activate_action (GTK_WIDGET (self), "app.edit-profile", "s", id ? id : "");
    }
}

/* Shows @dialog (its responses added) as the window's outcome dialog: Close closes it, the
 * other responses go to error_response_cb, which may need the profile. */
static void
present_outcome_dialog (EpWindow  *self,
                        GtkWidget *dialog,
                        EpProfile *profile)
{
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "close");
  if (profile != NULL)
    g_object_set_data_full (G_OBJECT (dialog), "profile-id", g_strdup (ep_profile_get_id (profile)), g_free);
  g_signal_connect (dialog, "response", G_CALLBACK (error_response_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
  self->error_dialog = dialog;
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->error_dialog);
}

static void
ep_window_show_send_error (EpWindow     *self,
                           EpProfile    *profile,
                           const GError *error,
                           EpSmtpResult *result)
{
  g_autofree char *heading = NULL;
  g_autofree char *suggestion = NULL;
  g_autoptr(GString) body = g_string_new (NULL);
  GtkWidget *dialog;
  gboolean refused = g_error_matches (error, EP_SMTP_ERROR, EP_SMTP_ERROR_RECIPIENT_REJECTED);
  const char *first_refused = NULL;

  ep_error_advice_describe (error, EP_ERROR_ADVICE_SENDING, profile, result, &heading, &suggestion);
  if (refused && result != NULL)
    {
      g_string_append (body, _("Nothing was sent. The server refused:"));
      for (guint i = 0; i < result->recipients->len; i++)
        {
          EpSmtpRecipientResult *r = result->recipients->pdata[i];

          if (r->code < 400)
            continue;
          g_string_append_printf (body, "\n• %s — %u %s", r->address, r->code, r->text ? r->text : "");
          if (first_refused == NULL)
            first_refused = r->address;
        }
    }
  else
    {
      g_string_append (body, error->message);
      if (suggestion != NULL)
        g_string_append_printf (body, "\n\n%s", suggestion);
    }

  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body->str);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  if (refused)
    {
      /* Edit: back to the message with the first refused address selected. */
      if (first_refused != NULL)
        {
          adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "edit", _("_Edit Recipients"));
          g_object_set_data_full (G_OBJECT (dialog), "refused-address", g_strdup (first_refused), g_free);
        }
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "others", _("Send to the _Others"));
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "others", ADW_RESPONSE_SUGGESTED);
    }
  else if (g_error_matches (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_NOT_SIGNED_IN) ||
           g_error_matches (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_SIGN_IN_AGAIN))
    {
      /* Trying again cannot help: only a new sign-in, from the profile's Sign In button. */
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "profile", _("_Sign In Again…"));
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "profile", ADW_RESPONSE_SUGGESTED);
    }
  else if (!g_error_matches (error, EP_SMTP_ERROR, EP_SMTP_ERROR_DELIVERY_UNKNOWN) && error->domain != EP_MIME_ERROR)
    {
      if (profile != NULL && !ep_profile_get_is_sandbox (profile))
        adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "profile", _("_Edit Profile"));
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "retry", _("_Try Again"));
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "retry", ADW_RESPONSE_SUGGESTED);
    }
  present_outcome_dialog (self, dialog, profile);
}

void
ep_window_set_delivered (EpWindow           *self,
                         const char * const *delivered)
{
  /* Copied before the old list goes: @delivered may be a part of it. */
  char **copy = delivered != NULL && delivered[0] != NULL ? g_strdupv ((char **) delivered) : NULL;

  g_strfreev (self->delivered);
  self->delivered = copy;
  if (self->delivered != NULL)
    {
      g_autofree char *list = NULL;
      g_autofree char *text = NULL;

      list = g_strjoinv (", ", self->delivered);
      /* Translators: %s is a list of e-mail addresses */
      text = g_strdup_printf (_("Already sent to %s. Sending again leaves them out: only the other recipients get it."), list);
      gtk_label_set_text (self->delivered_label, text);
    }
  gtk_revealer_set_reveal_child (self->delivered_revealer, self->delivered != NULL);
}

/* The fields empty for the next message (after Send, after Send Later). */
void
ep_window_clear_fields (EpWindow *self)
{
  GtkEntry *entries[] = { self->to_entry, self->cc_entry, self->bcc_entry, self->subject_entry };

  self->loading_draft = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    gtk_editable_set_text (GTK_EDITABLE (entries[i]), "");
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->body_view), "", -1);
  g_list_store_remove_all (self->attachments);
  ep_window_set_delivered (self, NULL);
  self->loading_draft = FALSE;
  gtk_widget_grab_focus (GTK_WIDGET (self->to_entry));
}

/* The recipients that have (or may have) the message now: the earlier ones and this send's. */
static GStrv
merge_delivered (EpWindow     *self,
                 EpSmtpResult *result)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (self->delivered != NULL)
    g_strv_builder_addv (builder, (const char **) self->delivered);
  for (guint i = 0; i < result->recipients->len; i++)
    {
      EpSmtpRecipientResult *r = result->recipients->pdata[i];

      if (r->state == EP_SMTP_RECIPIENT_DELIVERED || r->state == EP_SMTP_RECIPIENT_UNKNOWN)
        g_strv_builder_add (builder, r->address);
    }
  return g_strv_builder_end (builder);
}

static void
append_recipients (GString            *body,
                   const char         *title,
                   EpSmtpResult       *result,
                   EpSmtpRecipientState state,
                   const char        **first)
{
  gboolean any = FALSE;

  for (guint i = 0; i < result->recipients->len; i++)
    {
      EpSmtpRecipientResult *r = result->recipients->pdata[i];

      if (r->state != state)
        continue;
      if (!any)
        g_string_append_printf (body, "%s%s", body->len > 0 ? "\n\n" : "", title);
      any = TRUE;
      /* A pending recipient's last reply may be an old 452 deferral: the error below says why. */
      if (r->code >= 400 && state != EP_SMTP_RECIPIENT_PENDING)
        g_string_append_printf (body, "\n• %s — %u %s", r->address, r->code, r->text ? r->text : "");
      else
        g_string_append_printf (body, "\n• %s", r->address);
      if (first != NULL && *first == NULL)
        *first = r->address;
    }
}

/* Some recipients have the message, the others not: never "not sent", and a second attempt goes
 * only to those who do not have it (the draft keeps that list across restarts). */
static void
ep_window_show_partial_delivery (EpWindow     *self,
                                 EpProfile    *profile,
                                 const GError *error,
                                 const GError *sent_error,
                                 EpSmtpResult *result)
{
  g_auto(GStrv) delivered = merge_delivered (self, result);
  g_autoptr(GString) body = g_string_new (NULL);
  const char *first_refused = NULL;
  gboolean unknown = ep_smtp_result_count_in_state (result, EP_SMTP_RECIPIENT_UNKNOWN) > 0;
  GtkWidget *dialog;

  /* The Outbox entry knows who has the message (after a crash too); the window says so. */
  ep_window_set_delivered (self, (const char * const *) delivered);

  append_recipients (body, _("Delivered to:"), result, EP_SMTP_RECIPIENT_DELIVERED, NULL);
  append_recipients (body, _("Refused:"), result, EP_SMTP_RECIPIENT_REFUSED, &first_refused);
  append_recipients (body, _("Not delivered:"), result, EP_SMTP_RECIPIENT_DEFERRED, NULL);
  append_recipients (body, _("Not delivered:"), result, EP_SMTP_RECIPIENT_PENDING, NULL);
  append_recipients (body, _("May have received it (the connection was lost before the server confirmed):"),
                     result, EP_SMTP_RECIPIENT_UNKNOWN, NULL);
  g_string_append_printf (body, "\n\n%s", error->message);
  if (unknown)
    g_string_append_printf (body, "\n\n%s", _("Sending again leaves out everyone who has or may have the message."));
  /* Some have it, so Sent should have it too: say so when it does not. */
  if (sent_error != NULL)
    {
      g_string_append (body, "\n\n");
      g_string_append_printf (body, _("No copy could be kept in Sent: %s"), sent_error->message);
    }

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Sent to Some Recipients"), body->str);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  if (first_refused != NULL)
    {
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "edit", _("_Edit Recipients"));
      g_object_set_data_full (G_OBJECT (dialog), "refused-address", g_strdup (first_refused), g_free);
    }
  if (ep_smtp_result_count_in_state (result, EP_SMTP_RECIPIENT_PENDING) > 0
      || ep_smtp_result_count_in_state (result, EP_SMTP_RECIPIENT_DEFERRED) > 0)
    {
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "retry", _("Send to the _Remaining"));
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "retry", ADW_RESPONSE_SUGGESTED);
    }
  present_outcome_dialog (self, dialog, profile);
}

/* ---- The entry in the Outbox ----------------------------------------------------------------- */

/* How often the undo time's countdown looks at the clock. */
#define EP_WINDOW_UNDO_TICK_MS 200

static void ep_window_run_attempt (EpWindow *self, const char *password);
static void ep_window_set_sending (EpWindow *self, gboolean sending);

/* The application's worker and its store, or a store of the window's own in an application
 * without one. */
static EpOutboxStore *
ep_window_get_outbox (EpWindow *self)
{
  if (self->outbox == NULL)
    {
      GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
      EpOutboxWorker *worker = ep_outbox_worker_get_for_application (G_APPLICATION (app));

      g_set_object (&self->outbox_worker, worker);
      self->outbox = worker != NULL ? g_object_ref (ep_outbox_worker_get_store (worker))
                                    : ep_outbox_store_new (NULL);
    }
  return self->outbox;
}

/* The window is done with its entry: the worker may take it (or it is gone already). */
static void
ep_window_let_go_of_entry (EpWindow *self)
{
  g_autofree char *id = g_steal_pointer (&self->outbox_id);

  self->outbox_failed = FALSE;
  self->outbox_partial = FALSE;
  if (id != NULL && self->outbox_worker != NULL)
    ep_outbox_worker_release (self->outbox_worker, id);
}

/* The message is back in the window (Undo, Cancel, a failure): its entry goes, so that it is
 * never sent twice. */
static void
ep_window_delete_entry (EpWindow *self)
{
  g_autoptr(GError) error = NULL;

  if (self->outbox_id == NULL)
    return;
  if (!ep_outbox_store_delete (ep_window_get_outbox (self), self->outbox_id, &error) &&
      !g_error_matches (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND))
    g_debug ("outbox entry %s kept: %s", self->outbox_id, error->message);
  ep_window_let_go_of_entry (self);
}

/* The draft went when the Outbox took the message; the message is the window's again. */
static void
ep_window_keep_as_draft (EpWindow *self)
{
  g_autoptr(GError) error = NULL;

  if (!ep_window_save_draft_sync (self, &error))
    {
      g_autofree char *text = g_strdup_printf (_("The draft could not be saved: %s"), error->message);

      ep_window_show_toast (self, text);
    }
}

/* No keyring, or nothing stored: ask for the password for this send only (never written down). */
static void
password_response_cb (AdwMessageDialog *dialog,
                      const char       *response,
                      EpWindow         *self)
{
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));

  if (g_str_equal (response, "send"))
    ep_window_run_attempt (self, gtk_editable_get_text (entry));
  else
    {
      /* Not sent: the message is back for editing, and nothing waits in the Outbox. */
      ep_window_delete_entry (self);
      ep_window_set_sending (self, FALSE);
      ep_window_keep_as_draft (self);
    }
  gtk_editable_set_text (entry, "");
}

static void
ep_window_ask_password (EpWindow     *self,
                        EpProfile    *profile,
                        const GError *error)
{
  GtkWidget *dialog, *entry;
  g_autofree char *body = NULL;

  body = g_strdup_printf (_("%s\n\nEnter the password for “%s”. It is used for this message only."),
                          error->message, ep_profile_get_name (profile));
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Password Needed"), body);
  entry = gtk_password_entry_new ();
  gtk_password_entry_set_show_peek_icon (GTK_PASSWORD_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Password"), -1);
  g_object_set (entry, "activates-default", TRUE, NULL);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "send", _("_Send"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "send", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "send");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (password_response_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* The user looked at the certificate and trusted it: its fingerprint is pinned; send again. */
static void
certificate_trusted_cb (EpProfile *profile,
                        gpointer   user_data)
{
  ep_window_start_send (EP_WINDOW (user_data), FALSE, TRUE);
}

static void
ep_window_set_sending (EpWindow *self,
                       gboolean  sending)
{
  GtkWidget *fields[] = { GTK_WIDGET (self->from_entry), GTK_WIDGET (self->to_entry),
                          GTK_WIDGET (self->cc_entry), GTK_WIDGET (self->bcc_entry),
                          GTK_WIDGET (self->subject_entry), GTK_WIDGET (self->body_view),
                          GTK_WIDGET (self->attachments_list), GTK_WIDGET (self->profile_dropdown) };

  self->sending = sending;
  /* Focus moves to Cancel first: a focused field must not become insensitive under the user. */
  gtk_revealer_set_reveal_child (self->progress_revealer, sending);
  if (sending)
    {
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-send", TRUE);
      gtk_widget_grab_focus (GTK_WIDGET (self->cancel_button));
    }
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    gtk_widget_set_sensitive (fields[i], !sending);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.attach", !sending);
  if (!sending)
    gtk_widget_grab_focus (GTK_WIDGET (self->to_entry));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-send", sending);
  if (sending)
    {
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.send", FALSE);
      gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
      gtk_label_set_text (self->progress_label, _("Preparing the message…"));
    }
  else
    ep_window_update_send_state (self);
}

static void
progress_notify_cb (EpSendOperation *op,
                    GParamSpec      *pspec,
                    EpWindow        *self)
{
  gtk_progress_bar_set_fraction (self->progress_bar, ep_send_operation_get_fraction (op));
  gtk_label_set_text (self->progress_label, ep_send_operation_get_status_text (op));
}

/* Sent, or the Outbox has it and tries again by itself: the draft and its images go, and the
 * window resets or closes as the preferences say. */
static void
ep_window_after_send (EpWindow *self)
{
  ep_window_discard_draft (self);
  if (g_settings_get_enum (self->settings, "after-send") == 1)
    {
      self->close_confirmed = TRUE;
      gtk_window_close (GTK_WINDOW (self));
    }
  else
    ep_window_clear_fields (self);
}

static void
ep_window_show_delivered (EpWindow     *self,
                          const GError *sent_error)
{
  if (sent_error != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Message sent, but no copy could be kept: %s"),
                                               sent_error->message);
      ep_window_show_toast (self, text);
    }
  else
    ep_window_show_toast (self, _("Message sent"));

  if (!gtk_window_is_active (GTK_WINDOW (self)))
    {
      g_autoptr(GNotification) notification = g_notification_new (_("Message sent"));
      const char *subject = gtk_editable_get_text (GTK_EDITABLE (self->subject_entry));

      g_notification_set_body (notification, *subject ? subject : _("(No subject)"));
      g_application_send_notification (g_application_get_default (), "message-sent", notification);
    }
}

/* A temporary failure: the Outbox keeps the message and the worker tries again. */
static void
ep_window_hand_over (EpWindow   *self,
                     GDateTime  *next_attempt)
{
  g_autofree char *text = NULL;

  if (next_attempt != NULL)
    {
      g_autoptr(GDateTime) local = g_date_time_to_local (next_attempt);
      g_autofree char *time = g_date_time_format (local, "%H:%M");

      /* Translators: %s is a time of day, e.g. 14:30 */
      text = g_strdup_printf (_("Saved in the Outbox; Epistle will try again at %s"), time);
    }
  else
    text = g_strdup (_("Saved in the Outbox; Epistle will send it"));
  ep_window_let_go_of_entry (self);
  ep_window_show_toast (self, text);
  ep_window_after_send (self);
}

/* What the server offered in this attempt's EHLO reply, kept on the profile (and saved) as the
 * Outbox's own deliveries keep it: the message sent again from here is made for what the server
 * offers now. An attached message kept as 8-bit text for a server that has since dropped
 * 8BITMIME then goes as a file. */
static void
ep_window_learn_capabilities (EpWindow     *self,
                              EpProfile    *profile,
                              EpSmtpResult *result)
{
  g_autoptr(GError) error = NULL;

  if (profile == NULL || result == NULL || result->capabilities == NULL || self->store == NULL)
    return;
  ep_profile_learn_capabilities (profile, result->capabilities, NULL);
  if (!ep_profile_store_save (self->store, &error))
    g_debug ("send: %s", error->message);
}

/* The attempt failed for good, or needs the person: the window shows why and has the message
 * back; the failed entry stays until the message is sent again or the window goes. */
static void
ep_window_show_failure (EpWindow     *self,
                        EpProfile    *profile,
                        const GError *error,
                        EpSmtpResult *result)
{
  self->outbox_failed = TRUE;
  ep_window_keep_as_draft (self);
  if (ep_certificate_dialog_applies (error, result))
    {
      /* Never accepted silently: the user sees what is wrong and decides. */
      self->error_dialog = ep_certificate_dialog_present (GTK_WINDOW (self), self->store,
                                                          profile, result, certificate_trusted_cb,
                                                          g_object_ref (self), g_object_unref);
      g_object_add_weak_pointer (G_OBJECT (self->error_dialog), (gpointer *) &self->error_dialog);
    }
  else
    ep_window_show_send_error (self, profile, error, result);
}

static void
attempt_finished_cb (GObject      *object,
                     GAsyncResult *res,
                     gpointer      user_data)
{
  EpSendOperation *op = EP_SEND_OPERATION (object);
  g_autoptr(EpWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(EpSmtpResult) result = ep_send_operation_run_finish (op, res, &error);
  g_autoptr(EpSendOperation) keep G_GNUC_UNUSED = g_object_ref (op);  /* alive until the end */
  const EpOutboxDeliveryReport *report = ep_send_operation_get_outbox_report (op);
  g_autoptr(EpProfile) profile = g_steal_pointer (&self->send_profile);

  g_signal_handlers_disconnect_by_data (op, self);
  g_clear_object (&self->send_op);
  g_clear_object (&self->send_cancellable);

  /* The window went meanwhile: whatever the entry's state, the worker carries on. */
  if (self->send_disposed)
    {
      ep_window_let_go_of_entry (self);
      if (self->close_hold != NULL)
        {
          g_application_release (self->close_hold);
          g_clear_object (&self->close_hold);
        }
      return;
    }

  g_clear_pointer (&self->last_result, ep_smtp_result_unref);
  self->last_result = result ? ep_smtp_result_ref (result) : NULL;
  ep_window_learn_capabilities (self, profile,
                                result != NULL ? result : report != NULL ? report->result : NULL);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* Cancel: nothing was sent (the entry is back as it was), so it goes and the message
       * stays here. */
      ep_window_delete_entry (self);
      ep_window_set_sending (self, FALSE);
      ep_window_keep_as_draft (self);
      ep_window_show_toast (self, _("Sending cancelled; the message was not sent"));
      return;
    }

  if (report == NULL)
    {
      g_autoptr(EpOutboxEntry) entry = self->outbox_id != NULL
                                       ? ep_outbox_store_load (ep_window_get_outbox (self), self->outbox_id, NULL)
                                       : NULL;

      if (entry == NULL)
        {
          /* Deleted meanwhile (from the Outbox window): nothing was sent, the message is here. */
          ep_window_let_go_of_entry (self);
          ep_window_set_sending (self, FALSE);
          ep_window_keep_as_draft (self);
          ep_window_show_toast (self, _("The message was taken out of the Outbox and not sent"));
          return;
        }
      if (error != NULL &&
          (g_error_matches (error, EP_STORE_ERROR, EP_STORE_ERROR_NO_KEYRING) ||
           g_error_matches (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND)) &&
          profile != NULL)
        {
          /* The fields stay locked: the entry is the message as it was when Send was pressed. */
          ep_window_ask_password (self, profile, error);
          return;
        }
      if (g_error_matches (error, EP_STORE_ERROR, EP_STORE_ERROR_BUSY))
        {
          /* Another sender has it (the Outbox window's Retry, epistle-send --flush). */
          ep_window_set_sending (self, FALSE);
          ep_window_hand_over (self, NULL);
          return;
        }
      ep_window_set_sending (self, FALSE);
      ep_window_show_failure (self, profile, error, result);
      return;
    }

  ep_window_set_sending (self, FALSE);
  switch (report->state)
    {
    case EP_OUTBOX_STATE_DELIVERED:
      /* Sent: the draft goes, a copy of the exact bytes stays in Sent. */
      ep_window_let_go_of_entry (self);
      ep_window_show_delivered (self, report->sent_error);
      ep_window_after_send (self);
      break;

    case EP_OUTBOX_STATE_PARTIAL:
      /* Some have it, the others failed for now: the window says who; "Send to the Remaining"
       * tries the same entry again at once, Close leaves it to the worker. The entry knows who
       * has it, and Sent gets its copy once everyone has it. */
      self->outbox_partial = TRUE;
      ep_window_show_partial_delivery (self, profile, error != NULL ? error : report->error,
                                       report->sent_error, result != NULL ? result : report->result);
      break;

    case EP_OUTBOX_STATE_QUEUED:
      ep_window_hand_over (self, report->next_attempt);
      break;

    default:
      ep_window_show_failure (self, profile, error != NULL ? error : report->error,
                              result != NULL ? result : report->result);
      break;
    }
}

/* "Send to the Remaining" after a partial delivery: the same entry, now. */
static void
ep_window_send_remaining (EpWindow *self)
{
  g_autoptr(GError) error = NULL;

  self->outbox_partial = FALSE;
  if (self->outbox_id == NULL || !ep_outbox_store_queue (ep_window_get_outbox (self), self->outbox_id, NULL, &error))
    {
      if (error != NULL)
        ep_window_show_toast (self, error->message);
      return;
    }
  ep_window_set_sending (self, TRUE);
  ep_window_run_attempt (self, NULL);
}

/* Closed the partial delivery's dialog: the worker tries the others again by itself. */
static void
ep_window_hand_over_partial (EpWindow *self)
{
  g_autoptr(EpOutboxEntry) entry = NULL;

  if (self->outbox_id == NULL)
    return;
  entry = ep_outbox_store_load (ep_window_get_outbox (self), self->outbox_id, NULL);
  ep_window_hand_over (self, entry != NULL ? entry->not_before : NULL);
}

/* One attempt at the window's entry, with the window's dialogs for what goes wrong. */
static void
ep_window_run_attempt (EpWindow   *self,
                       const char *password)
{
  EpProfile *profile = ep_window_get_profile (self);
  EpOutboxRetryPolicy policy;

  if (profile == NULL || self->outbox_id == NULL)
    {
      ep_window_delete_entry (self);
      ep_window_set_sending (self, FALSE);
      ep_window_keep_as_draft (self);
      return;
    }
  g_set_object (&self->send_profile, profile);
  self->send_op = ep_send_operation_new_for_outbox (profile, ep_window_get_outbox (self), self->outbox_id);
  ep_send_operation_set_allow_partial (self->send_op, self->send_allow_partial);
  {
    g_autofree char *client_id = NULL;
    g_autofree char *client_secret = NULL;

    ep_sign_in_client_for_profile (profile, &client_id, &client_secret);
    ep_send_operation_set_oauth_client (self->send_op, client_id, client_secret);
  }
  if (self->outbox_worker != NULL)
    {
      ep_outbox_worker_get_retry_policy (self->outbox_worker, &policy);
      ep_send_operation_set_retry_policy (self->send_op, &policy);
    }
  if (password != NULL)
    ep_send_operation_set_password (self->send_op, password);
  self->send_cancellable = g_cancellable_new ();
  g_signal_connect (self->send_op, "notify::status-text", G_CALLBACK (progress_notify_cb), self);
  gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
  gtk_label_set_text (self->progress_label, _("Preparing the message…"));
  ep_send_operation_run_async (self->send_op, self->send_cancellable, attempt_finished_cb, g_object_ref (self));
}

/* The seconds left, in the progress line and the toast. */
static void
ep_window_show_undo_left (EpWindow *self)
{
  g_autofree char *text = g_strdup_printf (ngettext ("Sending in %u second",
                                                     "Sending in %u seconds", self->undo_left),
                                           self->undo_left);

  gtk_label_set_text (self->progress_label, text);
  gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
  if (self->undo_toast != NULL)
    adw_toast_set_title (self->undo_toast, text);
}

static gboolean
undo_tick_cb (gpointer user_data)
{
  EpWindow *self = user_data;

  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  GTimeSpan left = g_date_time_difference (self->undo_until, now);

  /* Measured against the entry's own time: the attempt must not come before the entry is due. */
  if (left > 0)
    {
      guint seconds = (guint) ((left + G_TIME_SPAN_SECOND - 1) / G_TIME_SPAN_SECOND);

      if (seconds != self->undo_left)
        {
          self->undo_left = seconds;
          ep_window_show_undo_left (self);
        }
      return G_SOURCE_CONTINUE;
    }
  self->undo_timeout = 0;
  g_clear_pointer (&self->undo_until, g_date_time_unref);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.undo-send", FALSE);
  if (self->undo_toast != NULL)
    adw_toast_dismiss (self->undo_toast);
  ep_window_run_attempt (self, NULL);
  return G_SOURCE_REMOVE;
}

/* Undo: the entry was not claimed yet (nothing takes it before its time), so it simply goes. */
static void
ep_window_undo_send (EpWindow *self)
{
  if (self->undo_timeout == 0)
    return;
  g_clear_handle_id (&self->undo_timeout, g_source_remove);
  g_clear_pointer (&self->undo_until, g_date_time_unref);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.undo-send", FALSE);
  if (self->undo_toast != NULL)
    adw_toast_dismiss (self->undo_toast);
  ep_window_delete_entry (self);
  ep_window_set_sending (self, FALSE);
  ep_window_keep_as_draft (self);
}

typedef struct
{
  EpOutboxStore *store;
  EpMessage     *message;
  char          *profile_id;
  GDateTime     *not_before;
  EpSmtpDeliveryRequest request;
  gboolean       allow_8bit;    /* ep_outbox_profile_allows_8bit(), read on the main thread */
  GStrv          delivered;
  EpOutboxWorker *inhibited;    /* kept from looking at the store until the entry is adopted */
} AddData;

static void
add_data_free (gpointer data)
{
  AddData *add = data;

  g_object_unref (add->store);
  g_object_unref (add->message);
  g_free (add->profile_id);
  g_date_time_unref (add->not_before);
  g_strfreev (add->delivered);
  if (add->inhibited != NULL)
    ep_outbox_worker_uninhibit (add->inhibited);
  g_clear_object (&add->inhibited);
  g_free (add);
}

static void
add_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  AddData *add = task_data;
  GError *error = NULL;
  char *id = ep_outbox_add_message_with_request_sync (add->store, add->message, add->profile_id,
                                                      EP_OUTBOX_STATE_QUEUED, add->not_before, NULL,
                                                      &add->request, add->allow_8bit,
                                                      (const char * const *) add->delivered,
                                                      cancellable, &error);

  if (id == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, id, g_free);
}

static void
added_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  EpWindow *self = EP_WINDOW (object);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = g_task_propagate_pointer (G_TASK (result), &error);
  guint seconds = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (result), "undo-seconds"));
  AddData *add = g_task_get_task_data (G_TASK (result));

  /* Adopted before the worker may look at the store again. */
  if (id != NULL && !self->send_disposed && self->outbox_worker != NULL)
    ep_outbox_worker_adopt (self->outbox_worker, id);
  if (add->inhibited != NULL)
    {
      ep_outbox_worker_uninhibit (add->inhibited);
      g_clear_object (&add->inhibited);
    }

  self->adding = FALSE;
  if (self->send_disposed)
    {
      /* Send was pressed, then the window closed: the worker sends it, and the draft goes as
       * it would have here (the Outbox has the message). A failure leaves the draft. */
      if (id != NULL && self->draft_id != NULL)
        {
          ep_draft_store_delete (self->drafts, self->draft_id, NULL);
          g_clear_pointer (&self->draft_id, g_free);
        }
      if (id != NULL && self->outbox_worker != NULL)
        ep_outbox_worker_reload (self->outbox_worker);
      if (self->close_hold != NULL)
        {
          g_application_release (self->close_hold);
          g_clear_object (&self->close_hold);
        }
      return;
    }
  if (id == NULL)
    {
      /* A full disk, most likely: nothing was sent and the draft was never touched. */
      g_autofree char *body = g_strdup_printf (_("%s\n\nNothing was sent. The message stays here and in its draft."),
                                               error->message);
      GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("The Outbox Cannot Take the Message"), body);

      ep_window_set_sending (self, FALSE);
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
      present_outcome_dialog (self, dialog, NULL);
      return;
    }

  self->outbox_id = g_steal_pointer (&id);
  /* The Outbox holds the message now: the draft file goes (its pasted images stay until the
   * message is sent, for Undo). */
  g_clear_handle_id (&self->draft_timeout, g_source_remove);
  self->draft_dirty = FALSE;
  if (self->draft_id != NULL)
    {
      ep_draft_store_delete (self->drafts, self->draft_id, NULL);
      g_clear_pointer (&self->draft_id, g_free);
    }

  if (seconds == 0)
    {
      ep_window_run_attempt (self, NULL);
      return;
    }
  self->undo_toast = adw_toast_new ("");
  adw_toast_set_timeout (self->undo_toast, 0);
  adw_toast_set_button_label (self->undo_toast, _("_Undo"));
  adw_toast_set_action_name (self->undo_toast, "win.undo-send");
  g_object_add_weak_pointer (G_OBJECT (self->undo_toast), (gpointer *) &self->undo_toast);
  self->undo_left = seconds;
  ep_window_show_undo_left (self);
  adw_toast_overlay_add_toast (self->toast_overlay, self->undo_toast);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.undo-send", TRUE);
  self->undo_until = g_date_time_ref (((AddData *) g_task_get_task_data (G_TASK (result)))->not_before);
  self->undo_timeout = g_timeout_add_full (G_PRIORITY_DEFAULT, EP_WINDOW_UNDO_TICK_MS, undo_tick_cb,
                                           g_object_ref (self), g_object_unref);
}

/* Send: the message goes into the Outbox (on a worker thread: attachments are encoded now),
 * waits the undo time there, then this window makes the first attempt. @immediate: no undo time
 * (sent again from a dialog, the person just said so). */
static void
ep_window_start_send (EpWindow   *self,
                      gboolean    allow_partial,
                      gboolean    immediate)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EpMessage) message = NULL;
  g_autoptr(GTask) task = NULL;
  g_autoptr(GDateTime) now = NULL;
  EpProfile *profile = ep_window_get_profile (self);
  AddData *add;
  guint seconds = immediate ? 0 : g_settings_get_uint (self->settings, "undo-send-seconds");

  if (self->sending)
    return;
  if (profile == NULL)
    {
      ep_window_show_toast (self, _("Choose a server profile first"));
      return;
    }

  /* TLS all the way required of a server known not to offer it: the person decides first. */
  if (ep_window_delivery_ask_before_send (self, ep_window_start_send, allow_partial, immediate))
    return;

  message = ep_window_build_message (self, &error);
  if (message == NULL)
    {
      ep_window_show_send_error (self, profile, error, NULL);
      return;
    }

  /* Sent again after a failure: the failed entry goes, so that the message is there once. */
  ep_window_delete_entry (self);
  self->send_allow_partial = allow_partial;
  ep_window_set_sending (self, TRUE);
  now = g_date_time_new_now_utc ();
  add = g_new0 (AddData, 1);
  add->store = g_object_ref (ep_window_get_outbox (self));
  add->message = g_steal_pointer (&message);
  add->profile_id = g_strdup (ep_profile_get_id (profile));
  add->not_before = g_date_time_add_seconds (now, seconds);
  add->allow_8bit = ep_outbox_profile_allows_8bit (profile);
  add->delivered = g_strdupv (self->delivered);
  {
    gboolean read_receipt;

    ep_window_delivery_get (self, &add->request, &read_receipt);
  }
  if (self->outbox_worker != NULL)
    {
      add->inhibited = g_object_ref (self->outbox_worker);
      ep_outbox_worker_inhibit (add->inhibited);
    }
  self->adding = TRUE;
  task = g_task_new (self, NULL, added_cb, NULL);
  g_object_set_data (G_OBJECT (task), "undo-seconds", GUINT_TO_POINTER (seconds));
  g_task_set_task_data (task, add, add_data_free);
  g_task_run_in_thread (task, add_thread);
}

/* Pre-send questions: a missing subject, or a mention of an attachment without one. */
static gboolean
mentions_attachment (const char *body)
{
  /* Translators: words that suggest the writer meant to attach something, separated by
   * semicolons, in lower case; a message containing one of them with nothing attached makes
   * Epistle ask before sending. Keep the English words too if they are common in your language. */
  g_auto(GStrv) words = g_strsplit (_("attached;attachment;attaching;enclosed"), ";", -1);
  g_autofree char *lower = g_utf8_strdown (body, -1);

  for (guint i = 0; words[i] != NULL; i++)
    if (*words[i] != '\0' && strstr (lower, words[i]) != NULL)
      return TRUE;
  return FALSE;
}



static void
question_response_cb (AdwMessageDialog *dialog,
                      const char       *response,
                      EpWindow         *self)
{
  guint skip = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (dialog), "skip"));
  GDateTime *when = g_object_get_data (G_OBJECT (dialog), "when");
  gboolean server_hold = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (dialog), "server-hold"));

  if (g_str_equal (response, "send"))
    ep_window_check_and_send (self, skip, when, server_hold);
  else if (g_str_equal (response, "attach"))
    gtk_widget_activate_action (GTK_WIDGET (self), "win.attach", NULL);
  else if (skip & EP_CHECK_SUBJECT)
    gtk_widget_grab_focus (GTK_WIDGET (self->subject_entry));
}

static void
ask (EpWindow   *self,
     const char *heading,
     const char *body,
     guint       skip,
     gboolean    offer_attach,
     GDateTime  *when,
     gboolean    server_hold)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"));
  if (offer_attach)
    adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "attach", _("_Attach Files…"));
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "send", _("_Send Anyway"));
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "send", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data (G_OBJECT (dialog), "skip", GUINT_TO_POINTER (skip));
  if (when != NULL)
    g_object_set_data_full (G_OBJECT (dialog), "when", g_date_time_ref (when),
                            (GDestroyNotify) g_date_time_unref);
  g_object_set_data (G_OBJECT (dialog), "server-hold", GUINT_TO_POINTER (server_hold));
  g_signal_connect (dialog, "response", G_CALLBACK (question_response_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* The questions before a message leaves, the same for Send and Send Later: then it is sent now,
 * or at @when (nullable) through the outbox, the server holding it when @server_hold. */
void
ep_window_check_and_send (EpWindow  *self,
                          guint      skip,
                          GDateTime *when,
                          gboolean   server_hold)
{
  g_autofree char *reason = ep_window_dup_not_ready_reason (self);
  g_autofree char *body = dup_body (self);
  g_autofree char *subject = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->subject_entry))));

  if (reason != NULL)
    {
      ep_window_show_toast (self, reason);
      return;
    }
  if (!(skip & EP_CHECK_SUBJECT) && *subject == '\0')
    {
      ask (self, _("Send Without a Subject?"),
           _("A subject helps the recipients see what the message is about."),
           skip | EP_CHECK_SUBJECT, FALSE, when, server_hold);
      return;
    }
  if (!(skip & EP_CHECK_ATTACHMENT) &&
      g_list_model_get_n_items (G_LIST_MODEL (self->attachments)) == 0 &&
      (mentions_attachment (body) || mentions_attachment (subject)))
    {
      ask (self, _("Send Without Attachments?"),
           _("The message mentions an attachment, but nothing is attached."),
           skip | EP_CHECK_ATTACHMENT, TRUE, when, server_hold);
      return;
    }
  if (ep_window_identity_ask_before_send (self, skip, when, server_hold))
    return;
  if (when != NULL)
    ep_window_schedule (self, when, server_hold);
  else
    ep_window_start_send (self, FALSE, FALSE);
}

static void
send_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ep_window_check_and_send (EP_WINDOW (widget), 0, NULL, FALSE);
}

static void
cancel_send_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  EpWindow *self = EP_WINDOW (widget);

  /* Within the undo time, Cancel is Undo. */
  if (self->undo_timeout != 0)
    {
      ep_window_undo_send (self);
      return;
    }
  if (self->send_cancellable != NULL)
    g_cancellable_cancel (self->send_cancellable);
}

static void
undo_send_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  ep_window_undo_send (EP_WINDOW (widget));
}

void
ep_window_send_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.send", NULL, send_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-send", NULL, cancel_send_action);
  gtk_widget_class_install_action (widget_class, "win.undo-send", NULL, undo_send_action);
  /* Enabled only within the undo time; otherwise Ctrl+Z stays the text's own undo. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "win.undo-send", NULL);
}

void
ep_window_send_init (EpWindow *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-send", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.undo-send", FALSE);
}

void
ep_window_send_dispose (EpWindow *self)
{
  self->send_disposed = TRUE;
  /* Closed within the undo time: Send was pressed, so the worker sends it when the time is
   * over. A message the window had back after a failure is in its draft: its entry goes. */
  g_clear_handle_id (&self->undo_timeout, g_source_remove);
  if (self->outbox_failed)
    ep_window_delete_entry (self);
  else if (self->send_op == NULL)
    ep_window_let_go_of_entry (self);
  if (self->send_cancellable != NULL)
    g_cancellable_cancel (self->send_cancellable);
  if (self->send_op != NULL)
    g_signal_handlers_disconnect_by_data (self->send_op, self);
  g_clear_pointer (&self->last_result, ep_smtp_result_unref);
}

/* Closed while the Outbox has the message (being written into it, the undo time, an attempt
 * under way): Send was pressed, so it goes anyway. The window's own references keep it alive
 * for a while after it left the application: the worker is told now, and writing the entry or
 * an attempt under way holds the application until it ends, so that the process does not end
 * with it. */
void
ep_window_send_close (EpWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  self->send_disposed = TRUE;
  g_clear_handle_id (&self->undo_timeout, g_source_remove);
  g_clear_pointer (&self->undo_until, g_date_time_unref);
  if (self->send_op == NULL && !self->adding)
    ep_window_let_go_of_entry (self);
  else if (app != NULL && self->close_hold == NULL)
    {
      self->close_hold = G_APPLICATION (g_object_ref (app));
      g_application_hold (self->close_hold);
    }
}

gboolean
ep_window_is_handed_over (EpWindow *self)
{
  return (self->outbox_id != NULL && !self->outbox_failed) || self->adding;
}

EpSmtpResult *
ep_window_get_last_result (EpWindow *self)
{
  g_return_val_if_fail (EP_IS_WINDOW (self), NULL);
  return self->last_result;
}

GtkWidget *
ep_window_get_error_dialog (EpWindow *self)
{
  g_return_val_if_fail (EP_IS_WINDOW (self), NULL);
  return self->error_dialog;
}

gboolean
ep_window_is_sending (EpWindow *self)
{
  g_return_val_if_fail (EP_IS_WINDOW (self), FALSE);
  return self->sending;
}

const char *
ep_window_get_outbox_id (EpWindow *self)
{
  g_return_val_if_fail (EP_IS_WINDOW (self), NULL);
  return self->outbox_id;
}

gboolean
ep_window_is_undo_pending (EpWindow *self)
{
  g_return_val_if_fail (EP_IS_WINDOW (self), FALSE);
  return self->undo_timeout != 0;
}

double
ep_window_get_progress (EpWindow   *self,
                        const char **status)
{
  g_return_val_if_fail (EP_IS_WINDOW (self), 0.0);
  if (status != NULL)
    *status = gtk_label_get_text (self->progress_label);
  return gtk_progress_bar_get_fraction (self->progress_bar);
}
