/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-outbox-overdue.c: the question at start-up about messages whose Send Later time passed
 * while Epistle was not running. One answer for all of them: they were usually put off together,
 * and each can still be changed in the Outbox. Closing the question leaves them waiting there. */
#include "config.h"

#include <glib/gi18n.h>

#include "ep-outbox-draft.h"
#include "ep-outbox-overdue.h"
#include "ep-schedule-dialog.h"

typedef struct {
  EpOutboxWorker *worker;
  GStrv           ids;
} Overdue;

static void
overdue_free (Overdue *overdue)
{
  g_object_unref (overdue->worker);
  g_strfreev (overdue->ids);
  g_free (overdue);
}

static void
report_error (GtkWindow    *parent,
              const GError *error)
{
  GtkWidget *dialog = adw_message_dialog_new (parent, _("The Outbox Could Not Be Changed"),
                                              error->message);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
reschedule_chosen_cb (EpScheduleDialog *dialog,
                      GDateTime        *time,
                      Overdue          *overdue)
{
  EpOutboxStore *store = ep_outbox_worker_get_store (overdue->worker);

  for (guint i = 0; overdue->ids[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;

      if (!ep_outbox_store_hold (store, overdue->ids[i], time, &error))
        report_error (gtk_window_get_transient_for (GTK_WINDOW (dialog)), error);
    }
  ep_outbox_worker_reload (overdue->worker);
}

static void
response_cb (AdwMessageDialog *dialog,
             const char       *response,
             Overdue          *overdue)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (dialog));
  EpOutboxStore *store = ep_outbox_worker_get_store (overdue->worker);

  if (g_str_equal (response, "send"))
    {
      for (guint i = 0; overdue->ids[i] != NULL; i++)
        ep_outbox_worker_retry_now (overdue->worker, overdue->ids[i]);
    }
  else if (g_str_equal (response, "reschedule"))
    {
      EpScheduleDialog *picker = ep_schedule_dialog_new (parent, _("Reschedule"), _("_Reschedule"),
                                                         NULL);
      Overdue *copy = g_new0 (Overdue, 1);

      copy->worker = g_object_ref (overdue->worker);
      copy->ids = g_strdupv (overdue->ids);
      g_signal_connect_data (picker, "chosen", G_CALLBACK (reschedule_chosen_cb), copy,
                             (GClosureNotify) overdue_free, 0);
      gtk_window_present (GTK_WINDOW (picker));
    }
  else if (g_str_equal (response, "draft"))
    {
      g_autoptr(EpDraftStore) drafts = ep_draft_store_new (NULL);

      for (guint i = 0; overdue->ids[i] != NULL; i++)
        {
          g_autoptr(GError) error = NULL;
          g_autofree char *draft_id = ep_outbox_draft_take (store, drafts, overdue->ids[i], &error);

          if (draft_id == NULL)
            report_error (parent, error);
          else
            g_action_group_activate_action (G_ACTION_GROUP (g_application_get_default ()),
                                            "open-draft", g_variant_new_string (draft_id));
        }
      ep_outbox_worker_reload (overdue->worker);
    }
}

static GtkWidget *
entry_row (EpOutboxStore       *store,
           const EpOutboxEntry *entry)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *subject = entry->subject ? g_strdup (entry->subject)
                                            : ep_outbox_draft_dup_subject (store, entry->id);
  g_autofree char *when = ep_schedule_format_time (entry->not_before);
  g_autofree char *title = g_markup_escape_text (subject && *subject ? subject : _("(No subject)"),
                                                 -1);
  g_autofree char *subtitle = NULL;
  g_autofree char *text = NULL;

  /* Translators: %s is a day and a time, such as "Tuesday 8 December at 08:00" */
  text = g_strdup_printf (_("Was to be sent %s"), when);
  subtitle = g_markup_escape_text (text, -1);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  return row;
}

void
ep_outbox_overdue_hold_missed (EpOutboxStore *store,
                               GDateTime     *now)
{
  g_autoptr(GPtrArray) entries = NULL;

  g_return_if_fail (EP_IS_OUTBOX_STORE (store));
  g_return_if_fail (now != NULL);

  entries = ep_outbox_store_list (store, NULL, NULL);
  for (guint i = 0; entries != NULL && i < entries->len; i++)
    {
      EpOutboxEntry *entry = entries->pdata[i];
      g_autoptr(GError) error = NULL;

      if ((entry->state != EP_OUTBOX_STATE_QUEUED && entry->state != EP_OUTBOX_STATE_PARTIAL) ||
          entry->hold_until == NULL || g_date_time_compare (entry->hold_until, now) > 0)
        continue;
      /* Another process may be sending it right now: then it is not missed. */
      if (!ep_outbox_store_hold (store, entry->id, entry->hold_until, &error))
        g_debug ("outbox: %s: %s", entry->id, error->message);
    }
}

GPtrArray *
ep_outbox_overdue_list (EpOutboxStore *store,
                        GDateTime     *now)
{
  g_autoptr(GPtrArray) entries = NULL;
  GPtrArray *overdue;

  g_return_val_if_fail (EP_IS_OUTBOX_STORE (store), NULL);
  g_return_val_if_fail (now != NULL, NULL);

  overdue = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_outbox_entry_free);
  /* A store that cannot be read has nothing to ask about; the Outbox window says why. */
  entries = ep_outbox_store_list (store, NULL, NULL);
  for (guint i = 0; entries != NULL && i < entries->len; i++)
    {
      EpOutboxEntry *entry = entries->pdata[i];

      if (entry->state == EP_OUTBOX_STATE_HELD && entry->not_before != NULL &&
          g_date_time_compare (entry->not_before, now) <= 0)
        g_ptr_array_add (overdue, ep_outbox_entry_copy (entry));
    }
  return overdue;
}

GtkWidget *
ep_outbox_overdue_present (GtkWindow      *parent,
                           EpOutboxWorker *worker,
                           GPtrArray      *entries)
{
  g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();
  EpOutboxStore *store;
  GtkWidget *dialog, *list;
  Overdue *overdue;
  guint n;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (EP_IS_OUTBOX_WORKER (worker), NULL);
  g_return_val_if_fail (entries != NULL && entries->len > 0, NULL);

  store = ep_outbox_worker_get_store (worker);
  n = entries->len;
  dialog = adw_message_dialog_new (parent,
                                   ngettext ("A Scheduled Message Was Not Sent",
                                             "Scheduled Messages Were Not Sent", n),
                                   ngettext ("Its time came while Epistle was not running. "
                                             "Send it now, choose another time, "
                                             "or keep it as a draft?",
                                             "Their time came while Epistle was not running. "
                                             "Send them now, choose another time, "
                                             "or keep them as drafts?", n));
  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Scheduled messages"), -1);
  for (guint i = 0; i < n; i++)
    {
      const EpOutboxEntry *entry = entries->pdata[i];

      gtk_list_box_append (GTK_LIST_BOX (list), entry_row (store, entry));
      g_strv_builder_add (ids, entry->id);
    }
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), list);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "draft", ngettext ("_Keep as Draft", "_Keep as Drafts", n),
                                    "reschedule", _("_Reschedule…"),
                                    "send", _("_Send Now"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "send",
                                              ADW_RESPONSE_SUGGESTED);
  /* Closed without an answer: they wait in the Outbox, still held. */
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "later");

  overdue = g_new0 (Overdue, 1);
  overdue->worker = g_object_ref (worker);
  overdue->ids = g_strv_builder_end (ids);
  g_signal_connect_data (dialog, "response", G_CALLBACK (response_cb), overdue,
                         (GClosureNotify) overdue_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}
