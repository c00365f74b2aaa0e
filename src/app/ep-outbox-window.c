/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-outbox-window.c: the Outbox. Each entry is listed with its subject, recipients and where
 * it stands in words; the details show every attempt with the server's reply and the
 * conversation. The list is read on a worker thread and read again whenever the outbox worker
 * says something changed, so what the window shows follows the sends. The actions offered are
 * the ones the entry's state allows: a message that may have arrived is sent again only after
 * the person has been told it may arrive twice. */
#include "config.h"

#include <glib/gi18n.h>

#include "ep-draft-store.h"
#include "ep-outbox-draft.h"
#include "ep-outbox-window-private.h"
#include "ep-schedule-dialog.h"
#include "ep-store-error.h"

typedef struct {
  EpOutboxEntry *entry;
  char          *subject;
  char          *state_text;
} OutboxItem;

typedef struct {
  GPtrArray *items;      /* of OutboxItem */
  GPtrArray *problems;   /* of GError, nullable */
} LoadResult;

struct _EpOutboxWindow
{
  AdwApplicationWindow parent_instance;

  /* Template widgets */
  AdwToastOverlay *toast_overlay;
  GtkStack        *stack;
  GtkListBox      *list;
  GtkLabel        *subject_label;
  GtkLabel        *state_label;
  GtkLabel        *details_label;
  GtkWidget       *retry_button;
  GtkWidget       *send_now_button;
  GtkWidget       *send_again_button;
  GtkWidget       *reschedule_button;
  GtkWidget       *edit_button;
  GtkWidget       *delete_button;
  GtkWidget       *attempts_heading;
  GtkListBox      *attempts_list;

  /* Owned */
  EpOutboxWorker  *worker;
  GPtrArray       *items;         /* of OutboxItem */
  GCancellable    *cancellable;   /* the load running, if any */
  gboolean         reload_again;  /* the store changed while a load was running */
  char            *selected_id;
  GtkWidget       *dialog;        /* weak: the question or the schedule dialog */
};

#define EP_OUTBOX_WINDOW_UI "/io/github/epistlemail/Epistle/ep-outbox-window.ui"

G_DEFINE_FINAL_TYPE (EpOutboxWindow, ep_outbox_window, ADW_TYPE_APPLICATION_WINDOW)

static void
outbox_item_free (OutboxItem *item)
{
  ep_outbox_entry_free (item->entry);
  g_free (item->subject);
  g_free (item->state_text);
  g_free (item);
}

static void
load_result_free (LoadResult *result)
{
  g_clear_pointer (&result->items, g_ptr_array_unref);
  g_clear_pointer (&result->problems, g_ptr_array_unref);
  g_free (result);
}

/* ---- What an entry is, in words -------------------------------------------------------------- */

/* Whether the last attempt was refused: a queued entry then waits for the time it was meant
 * for, the server having refused to hold it. */
static gboolean
last_attempt_refused (const EpOutboxEntry *entry)
{
  const EpOutboxAttempt *last;

  if (entry->attempts->len == 0)
    return FALSE;
  last = g_ptr_array_index (entry->attempts, entry->attempts->len - 1);
  return last->outcome == EP_SMTP_OUTCOME_REFUSED;
}

static char *
dup_state_text (const EpOutboxEntry *entry,
                GDateTime           *now)
{
  g_autofree char *when = entry->not_before ? ep_schedule_format_time (entry->not_before) : NULL;
  gboolean later = entry->not_before != NULL && g_date_time_compare (entry->not_before, now) > 0;

  switch (entry->state)
    {
    case EP_OUTBOX_STATE_HELD:
      if (!later)
        /* Translators: %s is a day and a time, such as "Tuesday 8 December at 08:00" */
        return g_strdup_printf (_("Was scheduled for %s; waiting for you"), when);
      /* Translators: %s is a day and a time, such as "Tuesday 8 December at 08:00" */
      return g_strdup_printf (_("Scheduled for %s"), when);
    case EP_OUTBOX_STATE_QUEUED:
      if (!later && entry->hold_until != NULL)
        {
          g_autofree char *until = ep_schedule_format_time (entry->hold_until);

          /* Translators: %s is a day and a time, such as "Tuesday 8 December at 08:00" */
          return g_strdup_printf (_("Waiting to be sent; the server is to hold it until %s"),
                                  until);
        }
      if (!later)
        return g_strdup (_("Waiting to be sent"));
      /* Refused and still queued: the server would not hold it, and Epistle sends it at the
       * time it was meant for (its last reply says so). */
      if (entry->attempts->len == 0 || last_attempt_refused (entry))
        /* Translators: %s is a day and a time, such as "Tuesday 8 December at 08:00"; a message
         * queued for a time (the undo time, epistle-send --at) */
        return g_strdup_printf (_("To be sent %s"), when);
      /* Translators: %s is a day and a time, such as "Tuesday 8 December at 08:00" */
      return g_strdup_printf (_("Not sent yet; next attempt %s"), when);
    case EP_OUTBOX_STATE_SENDING:
      return g_strdup (_("Being sent now"));
    case EP_OUTBOX_STATE_PARTIAL:
      if (!later)
        return g_strdup (_("Sent to some recipients; the others are waiting"));
      /* Translators: %s is a day and a time, such as "Tuesday 8 December at 08:00" */
      return g_strdup_printf (_("Sent to some recipients; next attempt for the others %s"), when);
    case EP_OUTBOX_STATE_FAILED:
      return g_strdup (_("Could not be sent"));
    case EP_OUTBOX_STATE_UNKNOWN:
      return g_strdup (_("May have been sent: the server did not confirm it"));
    case EP_OUTBOX_STATE_DELIVERED:
      if (entry->hold_until != NULL && g_date_time_compare (entry->hold_until, now) > 0)
        {
          g_autofree char *until = ep_schedule_format_time (entry->hold_until);

          /* Translators: %s is a day and a time, such as "Tuesday 8 December at 08:00" */
          return g_strdup_printf (_("Sent; held by the server until %s"), until);
        }
      return g_strdup (_("Sent"));
    default:
      g_return_val_if_reached (NULL);
    }
}

static const char *
outcome_text (EpSmtpOutcome outcome)
{
  switch (outcome)
    {
    case EP_SMTP_OUTCOME_DELIVERED:
      return _("delivered");
    case EP_SMTP_OUTCOME_REFUSED:
      return _("refused");
    case EP_SMTP_OUTCOME_TEMPORARY:
      return _("temporary failure");
    case EP_SMTP_OUTCOME_UNKNOWN:
      return _("may have been delivered");
    case EP_SMTP_OUTCOME_PARTIAL:
      return _("delivered to some recipients");
    default:
      return ep_smtp_outcome_to_string (outcome);
    }
}

static const char *
recipient_state_text (EpSmtpRecipientState state)
{
  switch (state)
    {
    case EP_SMTP_RECIPIENT_DELIVERED:
      return _("has it");
    case EP_SMTP_RECIPIENT_REFUSED:
      return _("refused");
    case EP_SMTP_RECIPIENT_DEFERRED:
      return _("not yet: the server said to try later");
    case EP_SMTP_RECIPIENT_UNKNOWN:
      return _("may have it");
    case EP_SMTP_RECIPIENT_PENDING:
    default:
      return _("waiting");
    }
}

/* The last thing a server said about it, or why no server said anything. */
static const char *
last_reply (const EpOutboxEntry *entry)
{
  if (entry->last_error != NULL)
    return entry->last_error;
  if (entry->attempts->len > 0)
    {
      EpOutboxAttempt *attempt = g_ptr_array_index (entry->attempts, entry->attempts->len - 1);

      return attempt->reply;
    }
  return NULL;
}

static char *
dup_recipients (const EpOutboxEntry *entry)
{
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; i < entry->recipients->len; i++)
    {
      EpOutboxRecipient *r = entry->recipients->pdata[i];

      if (s->len > 0)
        g_string_append (s, ", ");
      g_string_append (s, r->address);
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* ---- Loading --------------------------------------------------------------------------------- */

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  EpOutboxStore *store = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GPtrArray) entries = ep_outbox_store_list (store, &problems, &error);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  LoadResult *result;

  if (entries == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  result = g_new0 (LoadResult, 1);
  result->items = g_ptr_array_new_with_free_func ((GDestroyNotify) outbox_item_free);
  result->problems = g_steal_pointer (&problems);
  for (guint i = 0; i < entries->len; i++)
    {
      OutboxItem *item = g_new0 (OutboxItem, 1);

      item->entry = ep_outbox_entry_copy (entries->pdata[i]);
      /* Entries keep their subject; one written without it is read from its message. */
      item->subject = item->entry->subject ? g_strdup (item->entry->subject)
                                           : ep_outbox_draft_dup_subject (store, item->entry->id);
      item->state_text = dup_state_text (item->entry, now);
      g_ptr_array_add (result->items, item);
    }
  g_task_return_pointer (task, result, (GDestroyNotify) load_result_free);
}

static GtkWidget *
create_row (OutboxItem *item)
{
  GtkWidget *row = adw_action_row_new ();
  const char *subject = item->subject && *item->subject ? item->subject : _("(No subject)");
  g_autofree char *title = g_markup_escape_text (subject, -1);
  g_autofree char *recipients = dup_recipients (item->entry);
  const char *reply = last_reply (item->entry);
  g_autofree char *subtitle_text = NULL;
  g_autofree char *subtitle = NULL;
  const char *icon = NULL;

  /* What the server said last, on a line of its own: often all the person needs to know. */
  if (reply != NULL)
    subtitle_text = g_strdup_printf ("%s\n%s\n%s", recipients, item->state_text, reply);
  else
    subtitle_text = g_strdup_printf ("%s\n%s", recipients, item->state_text);
  subtitle = g_markup_escape_text (subtitle_text, -1);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), reply != NULL ? 3 : 2);
  if (item->entry->state == EP_OUTBOX_STATE_FAILED || item->entry->state == EP_OUTBOX_STATE_UNKNOWN)
    icon = "dialog-warning-symbolic";
  else if (item->entry->state == EP_OUTBOX_STATE_HELD)
    icon = "alarm-symbolic";
  if (icon != NULL)
    {
      GtkWidget *image = gtk_image_new_from_icon_name (icon);

      gtk_accessible_update_property (GTK_ACCESSIBLE (image), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      item->state_text, -1);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), image);
    }
  return row;
}

static OutboxItem *
find_item (EpOutboxWindow *self,
           const char     *id)
{
  for (guint i = 0; id != NULL && i < self->items->len; i++)
    {
      OutboxItem *item = self->items->pdata[i];

      if (g_str_equal (item->entry->id, id))
        return item;
    }
  return NULL;
}

/* ---- The details of one entry ---------------------------------------------------------------- */

static GtkWidget *
transcript_view (const char *text)
{
  GtkWidget *view = gtk_text_view_new ();

  gtk_text_view_set_editable (GTK_TEXT_VIEW (view), FALSE);
  gtk_text_view_set_monospace (GTK_TEXT_VIEW (view), TRUE);
  gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (view), GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (view), 12);
  gtk_text_view_set_right_margin (GTK_TEXT_VIEW (view), 12);
  gtk_text_view_set_top_margin (GTK_TEXT_VIEW (view), 6);
  gtk_text_view_set_bottom_margin (GTK_TEXT_VIEW (view), 6);
  gtk_accessible_update_property (GTK_ACCESSIBLE (view), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Conversation with the server"), -1);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (view)), text, -1);
  return view;
}

static GtkWidget *
attempt_row (EpOutboxWindow *self,
             OutboxItem     *item,
             guint           index)
{
  EpOutboxAttempt *attempt = item->entry->attempts->pdata[index];
  GtkWidget *row = adw_expander_row_new ();
  g_autofree char *when = ep_schedule_format_time (attempt->time);
  g_autofree char *title = NULL;
  g_autofree char *subtitle = g_markup_escape_text (attempt->reply ? attempt->reply : "", -1);
  g_autofree char *transcript = NULL;
  g_autoptr(GError) error = NULL;

  /* Translators: "Attempt 2, Tuesday 8 December at 08:00: temporary failure" */
  title = g_strdup_printf (_("Attempt %u, %s: %s"), index + 1, when,
                           outcome_text (attempt->outcome));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), subtitle);
  if (attempt->has_transcript)
    transcript = ep_outbox_store_load_transcript (ep_outbox_worker_get_store (self->worker),
                                                  item->entry->id, index + 1, &error);
  if (transcript != NULL)
    adw_expander_row_add_row (ADW_EXPANDER_ROW (row), transcript_view (transcript));
  else
    {
      GtkWidget *label = gtk_label_new (error ? error->message : _("No conversation was kept."));

      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_set_margin_start (label, 12);
      gtk_widget_set_margin_end (label, 12);
      gtk_widget_set_margin_top (label, 6);
      gtk_widget_set_margin_bottom (label, 6);
      gtk_widget_add_css_class (label, "dim-label");
      adw_expander_row_add_row (ADW_EXPANDER_ROW (row), label);
    }
  return row;
}

static void
update_actions (EpOutboxWindow *self,
                OutboxItem     *item)
{
  EpOutboxState state = item ? item->entry->state : EP_OUTBOX_STATE_SENDING;
  struct { const char *action; GtkWidget *button; gboolean enabled; } actions[] = {
    { "outbox.retry", self->retry_button,
      item && (state == EP_OUTBOX_STATE_QUEUED || state == EP_OUTBOX_STATE_PARTIAL ||
               state == EP_OUTBOX_STATE_FAILED) },
    { "outbox.send-now", self->send_now_button, item && state == EP_OUTBOX_STATE_HELD },
    { "outbox.send-again", self->send_again_button, item && state == EP_OUTBOX_STATE_UNKNOWN },
    { "outbox.reschedule", self->reschedule_button, item && state == EP_OUTBOX_STATE_HELD },
    { "outbox.edit", self->edit_button,
      item && (state == EP_OUTBOX_STATE_HELD || state == EP_OUTBOX_STATE_QUEUED ||
               state == EP_OUTBOX_STATE_PARTIAL || state == EP_OUTBOX_STATE_FAILED) },
    { "outbox.delete", self->delete_button,
      item && state != EP_OUTBOX_STATE_SENDING },
  };

  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    {
      gtk_widget_action_set_enabled (GTK_WIDGET (self), actions[i].action, actions[i].enabled);
      gtk_widget_set_visible (actions[i].button, actions[i].enabled);
    }
}

static void
show_item (EpOutboxWindow *self,
           OutboxItem     *item)
{
  g_autoptr(GString) details = g_string_new (NULL);
  g_autofree char *created = NULL;
  const char *reply;
  GtkWidget *child;

  g_free (self->selected_id);
  self->selected_id = g_strdup (item->entry->id);

  gtk_label_set_text (self->subject_label, item->subject && *item->subject ? item->subject
                                                                             : _("(No subject)"));
  gtk_label_set_text (self->state_label, item->state_text);

  for (guint i = 0; i < item->entry->recipients->len; i++)
    {
      EpOutboxRecipient *r = item->entry->recipients->pdata[i];

      /* Translators: a recipient and where it stands: "bob@example.org: has it" */
      g_string_append_printf (details, _("%s: %s"), r->address, recipient_state_text (r->state));
      g_string_append_c (details, '\n');
    }
  created = ep_schedule_format_time (item->entry->created);
  /* Translators: %s is a day and a time, such as "Tuesday 8 December at 08:00" */
  g_string_append_printf (details, _("Added to the Outbox: %s"), created);
  reply = last_reply (item->entry);
  if (reply != NULL)
    {
      g_string_append_c (details, '\n');
      /* Translators: %s is what the server answered, such as "451 4.3.0 Try again later" */
      g_string_append_printf (details, _("Last reply: %s"), reply);
    }
  gtk_label_set_text (self->details_label, details->str);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->attempts_list))) != NULL)
    gtk_list_box_remove (self->attempts_list, child);
  for (guint i = item->entry->attempts->len; i > 0; i--)
    gtk_list_box_append (self->attempts_list, attempt_row (self, item, i - 1));
  gtk_widget_set_visible (self->attempts_heading, item->entry->attempts->len > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->attempts_list), item->entry->attempts->len > 0);
  update_actions (self, item);
}

static void
row_selected_cb (GtkListBox     *list,
                 GtkListBoxRow  *row,
                 EpOutboxWindow *self)
{
  int index;

  if (row == NULL)
    return;
  index = gtk_list_box_row_get_index (row);
  if (index >= 0 && (guint) index < self->items->len)
    show_item (self, self->items->pdata[index]);
}

static void
load_cb (GObject      *object,
         GAsyncResult *res,
         gpointer      user_data)
{
  EpOutboxWindow *self = EP_OUTBOX_WINDOW (object);
  g_autoptr(GError) error = NULL;
  LoadResult *result = g_task_propagate_pointer (G_TASK (res), &error);
  GtkWidget *child;
  guint select = 0;

  if (result == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->cancellable);
  if (self->reload_again)
    {
      if (result != NULL)
        load_result_free (result);
      ep_outbox_window_reload (self);
      return;
    }
  if (result == NULL)
    {
      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
      return;
    }

  /* An entry the store found damaged was moved aside, never deleted: say where. */
  for (guint i = 0; result->problems != NULL && i < result->problems->len; i++)
    adw_toast_overlay_add_toast (self->toast_overlay,
                                 adw_toast_new (((GError *) result->problems->pdata[i])->message));

  g_signal_handlers_block_by_func (self->list, row_selected_cb, self);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  self->items = g_steal_pointer (&result->items);
  load_result_free (result);
  for (guint i = 0; i < self->items->len; i++)
    {
      OutboxItem *item = self->items->pdata[i];

      gtk_list_box_append (self->list, create_row (item));
      if (g_strcmp0 (item->entry->id, self->selected_id) == 0)
        select = i;
    }
  g_signal_handlers_unblock_by_func (self->list, row_selected_cb, self);

  gtk_stack_set_visible_child_name (self->stack, self->items->len > 0 ? "entries" : "empty");
  if (self->items->len > 0)
    {
      gtk_list_box_select_row (self->list, gtk_list_box_get_row_at_index (self->list, select));
      show_item (self, self->items->pdata[select]);
    }
  else
    update_actions (self, NULL);
}

static void
worker_changed_cb (EpOutboxWindow *self)
{
  ep_outbox_window_reload (self);
}

/* ---- Actions --------------------------------------------------------------------------------- */

static void
show_error (EpOutboxWindow *self,
            const GError   *error)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
}

/* The store changed under the worker's feet: it schedules again, and the list follows. */
static void
store_changed (EpOutboxWindow *self)
{
  ep_outbox_worker_reload (self->worker);
  ep_outbox_window_reload (self);
}

static void
set_dialog (EpOutboxWindow *self,
            GtkWidget      *dialog)
{
  if (self->dialog != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->dialog), (gpointer *) &self->dialog);
  self->dialog = dialog;
  if (dialog != NULL)
    g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->dialog);
}

/* A question about the selected entry; @response is the one that goes ahead. The entry's id
 * travels with the dialog: the selection may change while it is open. */
static void
ask (EpOutboxWindow *self,
     const char     *heading,
     const char     *body,
     const char     *response,
     const char     *label,
     AdwResponseAppearance appearance,
     GCallback       callback)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    response, label, NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), response, appearance);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "entry-id", g_strdup (self->selected_id), g_free);
  /* The question may outlive the window: its answer then goes nowhere. */
  g_signal_connect_object (dialog, "response", callback, self, 0);
  set_dialog (self, dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
retry_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  EpOutboxWindow *self = EP_OUTBOX_WINDOW (widget);

  if (self->selected_id == NULL)
    return;
  ep_outbox_worker_retry_now (self->worker, self->selected_id);
  ep_outbox_window_reload (self);
}

static void
send_again_response_cb (AdwMessageDialog *dialog,
                        const char       *response,
                        EpOutboxWindow   *self)
{
  if (!g_str_equal (response, "send"))
    return;
  ep_outbox_worker_retry_now (self->worker, g_object_get_data (G_OBJECT (dialog), "entry-id"));
  ep_outbox_window_reload (self);
}

static void
send_again_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  EpOutboxWindow *self = EP_OUTBOX_WINDOW (widget);

  if (self->selected_id == NULL)
    return;
  ask (self, _("Send Again?"),
       _("The connection ended after the message was handed over and before the server confirmed "
         "it, so the recipients may already have it. Sending again may deliver it twice."),
       "send", _("_Send Again"), ADW_RESPONSE_SUGGESTED, G_CALLBACK (send_again_response_cb));
}

static void
delete_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    EpOutboxWindow   *self)
{
  g_autoptr(GError) error = NULL;
  EpOutboxStore *store = ep_outbox_worker_get_store (self->worker);

  if (!g_str_equal (response, "delete"))
    return;
  if (!ep_outbox_store_delete (store, g_object_get_data (G_OBJECT (dialog), "entry-id"), &error))
    show_error (self, error);
  store_changed (self);
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  EpOutboxWindow *self = EP_OUTBOX_WINDOW (widget);

  if (self->selected_id == NULL)
    return;
  ask (self, _("Delete This Message?"),
       _("It will not be sent, and it cannot be brought back."),
       "delete", _("_Delete"), ADW_RESPONSE_DESTRUCTIVE, G_CALLBACK (delete_response_cb));
}

static void
edit_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  EpOutboxWindow *self = EP_OUTBOX_WINDOW (widget);
  g_autoptr(EpDraftStore) drafts = ep_draft_store_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *draft_id = NULL;

  if (self->selected_id == NULL)
    return;
  draft_id = ep_outbox_draft_take (ep_outbox_worker_get_store (self->worker), drafts,
                                   self->selected_id, &error);
  if (draft_id == NULL)
    show_error (self, error);
  else
    gtk_widget_activate_action (GTK_WIDGET (self), "app.open-draft", "s", draft_id);
  store_changed (self);
}

static void
reschedule_chosen_cb (EpScheduleDialog *dialog,
                      GDateTime        *time,
                      EpOutboxWindow   *self)
{
  g_autoptr(GError) error = NULL;
  const char *id = g_object_get_data (G_OBJECT (dialog), "entry-id");

  if (!ep_outbox_store_hold (ep_outbox_worker_get_store (self->worker), id, time, &error))
    show_error (self, error);
  store_changed (self);
}

static void
reschedule_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  EpOutboxWindow *self = EP_OUTBOX_WINDOW (widget);
  OutboxItem *item = find_item (self, self->selected_id);
  EpScheduleDialog *dialog;

  if (item == NULL)
    return;
  dialog = ep_schedule_dialog_new (GTK_WINDOW (self), _("Reschedule"), _("_Reschedule"),
                                   item->entry->not_before);
  g_object_set_data_full (G_OBJECT (dialog), "entry-id", g_strdup (item->entry->id), g_free);
  g_signal_connect_object (dialog, "chosen", G_CALLBACK (reschedule_chosen_cb), self, 0);
  set_dialog (self, GTK_WIDGET (dialog));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- The type -------------------------------------------------------------------------------- */

static void
ep_outbox_window_dispose (GObject *object)
{
  EpOutboxWindow *self = EP_OUTBOX_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->worker != NULL)
    g_signal_handlers_disconnect_by_data (self->worker, self);
  set_dialog (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), EP_TYPE_OUTBOX_WINDOW);

  G_OBJECT_CLASS (ep_outbox_window_parent_class)->dispose (object);
}

static void
ep_outbox_window_finalize (GObject *object)
{
  EpOutboxWindow *self = EP_OUTBOX_WINDOW (object);

  g_clear_object (&self->worker);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_free (self->selected_id);

  G_OBJECT_CLASS (ep_outbox_window_parent_class)->finalize (object);
}

static void
ep_outbox_window_class_init (EpOutboxWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ep_outbox_window_dispose;
  object_class->finalize = ep_outbox_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, EP_OUTBOX_WINDOW_UI);
  gtk_widget_class_bind_template_child (widget_class, EpOutboxWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, EpOutboxWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, EpOutboxWindow, list);
  gtk_widget_class_bind_template_child (widget_class, EpOutboxWindow, subject_label);
  gtk_widget_class_bind_template_child (widget_class, EpOutboxWindow, state_label);
  gtk_widget_class_bind_template_child (widget_class, EpOutboxWindow, details_label);
  gtk_widget_class_bind_template_child (widget_class, EpOutboxWindow, retry_button);
  gtk_widget_class_bind_template_child (widget_class, EpOutboxWindow, send_now_button);
  gtk_widget_class_bind_template_child (widget_class, EpOutboxWindow, send_again_button);
  gtk_widget_class_bind_template_child (widget_class, EpOutboxWindow, reschedule_button);
  gtk_widget_class_bind_template_child (widget_class, EpOutboxWindow, edit_button);
  gtk_widget_class_bind_template_child (widget_class, EpOutboxWindow, delete_button);
  gtk_widget_class_bind_template_child (widget_class, EpOutboxWindow, attempts_heading);
  gtk_widget_class_bind_template_child (widget_class, EpOutboxWindow, attempts_list);

  gtk_widget_class_install_action (widget_class, "outbox.retry", NULL, retry_action);
  gtk_widget_class_install_action (widget_class, "outbox.send-now", NULL, retry_action);
  gtk_widget_class_install_action (widget_class, "outbox.send-again", NULL, send_again_action);
  gtk_widget_class_install_action (widget_class, "outbox.reschedule", NULL, reschedule_action);
  gtk_widget_class_install_action (widget_class, "outbox.edit", NULL, edit_action);
  gtk_widget_class_install_action (widget_class, "outbox.delete", NULL, delete_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "outbox.delete", NULL);
}

static void
ep_outbox_window_init (EpOutboxWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->items = g_ptr_array_new_with_free_func ((GDestroyNotify) outbox_item_free);
  g_signal_connect (self->list, "row-selected", G_CALLBACK (row_selected_cb), self);
  update_actions (self, NULL);
}

/* ---- Public API ------------------------------------------------------------------------------ */

EpOutboxWindow *
ep_outbox_window_new (GtkApplication *application,
                      EpOutboxWorker *worker)
{
  EpOutboxWindow *self;

  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (EP_IS_OUTBOX_WORKER (worker), NULL);

  self = g_object_new (EP_TYPE_OUTBOX_WINDOW, "application", application, NULL);
  self->worker = g_object_ref (worker);
  g_signal_connect_swapped (worker, "changed", G_CALLBACK (worker_changed_cb), self);
  ep_outbox_window_reload (self);
  return self;
}

/* One load at a time; a change during one loads again when it ends, so the last state wins. */
void
ep_outbox_window_reload (EpOutboxWindow *self)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (EP_IS_OUTBOX_WINDOW (self));

  if (self->cancellable != NULL)
    {
      self->reload_again = TRUE;
      return;
    }
  self->reload_again = FALSE;
  self->cancellable = g_cancellable_new ();
  task = g_task_new (self, self->cancellable, load_cb, NULL);
  g_task_set_source_tag (task, ep_outbox_window_reload);
  g_task_set_task_data (task, g_object_ref (ep_outbox_worker_get_store (self->worker)),
                        g_object_unref);
  g_task_run_in_thread (task, load_thread);
}

void
ep_outbox_window_select (EpOutboxWindow *self,
                         const char     *id)
{
  g_return_if_fail (EP_IS_OUTBOX_WINDOW (self));

  for (guint i = 0; i < self->items->len; i++)
    {
      OutboxItem *item = self->items->pdata[i];

      if (g_str_equal (item->entry->id, id))
        {
          gtk_list_box_select_row (self->list, gtk_list_box_get_row_at_index (self->list, i));
          show_item (self, item);
          return;
        }
    }
  /* Not listed yet: shown once it is. */
  g_free (self->selected_id);
  self->selected_id = g_strdup (id);
}

gboolean
ep_outbox_window_is_loading (EpOutboxWindow *self)
{
  g_return_val_if_fail (EP_IS_OUTBOX_WINDOW (self), FALSE);
  return self->cancellable != NULL;
}

guint
ep_outbox_window_get_n_items (EpOutboxWindow *self)
{
  g_return_val_if_fail (EP_IS_OUTBOX_WINDOW (self), 0);
  return self->items->len;
}

const char *
ep_outbox_window_get_state_text (EpOutboxWindow *self,
                                 const char     *id)
{
  OutboxItem *item;

  g_return_val_if_fail (EP_IS_OUTBOX_WINDOW (self), NULL);

  item = find_item (self, id);
  return item ? item->state_text : NULL;
}

GtkWidget *
ep_outbox_window_get_dialog (EpOutboxWindow *self)
{
  g_return_val_if_fail (EP_IS_OUTBOX_WINDOW (self), NULL);
  return self->dialog;
}
