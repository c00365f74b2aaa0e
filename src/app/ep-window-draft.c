/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-window-draft.c: nothing typed is ever lost: the draft is saved within seconds of every change
 * (atomically, off the main thread), restored after a crash, and deleted only after a confirmed send. */
#include "config.h"

#include <glib/gi18n.h>

#include "ep-attachment.h"
#include "ep-draft-store.h"
#include "ep-window-private.h"

/* A save starts this long after the first unsaved change; continuous typing cannot postpone it. */
#define EP_DRAFT_SAVE_DELAY_MS 1000

static char *
entry_text (GtkEntry *entry)
{
  return g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry)));
}

static char *
body_text (EpWindow *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

gboolean
ep_window_has_content (EpWindow *self)
{
  GtkEntry *entries[] = { self->to_entry, self->cc_entry, self->bcc_entry, self->subject_entry };

  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    if (*gtk_editable_get_text (GTK_EDITABLE (entries[i])) != '\0')
      return TRUE;
  return !ep_window_identity_body_is_empty (self) ||
         g_list_model_get_n_items (G_LIST_MODEL (self->attachments)) > 0;
}

EpDraft *
ep_window_to_draft (EpWindow *self)
{
  EpDraft *draft;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->attachments));

  if (self->draft_id == NULL)
    {
      draft = ep_draft_new ();
      self->draft_id = g_strdup (draft->id);
    }
  else
    draft = ep_draft_new_with_id (self->draft_id);

  /* The draft starts with empty strings of its own: replace them. */
  g_free (draft->profile_id);
  draft->profile_id = g_strdup (self->profile_id);
  draft->language = g_strdup (ep_window_spell_get_language (self));
  g_free (draft->from);
  draft->from = entry_text (self->from_entry);
  g_free (draft->to);
  draft->to = entry_text (self->to_entry);
  g_free (draft->cc);
  draft->cc = entry_text (self->cc_entry);
  g_free (draft->bcc);
  draft->bcc = entry_text (self->bcc_entry);
  g_free (draft->subject);
  draft->subject = entry_text (self->subject_entry);
  g_free (draft->body);
  draft->body = body_text (self);
  draft->delivered = g_strdupv (self->delivered);
  ep_window_delivery_save (self, draft);
  ep_window_identity_save (self, draft);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(EpAttachment) attachment = g_list_model_get_item (G_LIST_MODEL (self->attachments), i);
      g_autofree char *uri = g_file_get_uri (ep_attachment_get_file (attachment));

      ep_draft_add_attachment (draft, uri, ep_attachment_get_display_name (attachment),
                               ep_attachment_get_content_type (attachment),
                               ep_attachment_get_size (attachment));
    }
  return draft;
}

static void ep_window_save_draft_now (EpWindow *self);

static void
draft_saved_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(EpWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  self->draft_saving = FALSE;
  /* Sent or discarded while this save was writing: do not let it bring the draft back. */
  if (g_strcmp0 (self->draft_id, self->saving_draft_id) != 0)
    {
      ep_draft_store_delete (EP_DRAFT_STORE (object), self->saving_draft_id, NULL);
      g_clear_pointer (&self->saving_draft_id, g_free);
      return;
    }
  g_clear_pointer (&self->saving_draft_id, g_free);
  if (!ep_draft_store_save_finish (EP_DRAFT_STORE (object), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* The previous draft on disk is intact (atomic write); say so and keep trying. */
      {
        g_autofree char *text = g_strdup_printf (_("The draft could not be saved: %s"), error->message);
        ep_window_show_toast (self, text);
      }
      self->draft_dirty = TRUE;
    }
  if (self->draft_dirty)
    ep_window_schedule_draft_save (self);
}

static void
ep_window_save_draft_now (EpWindow *self)
{
  g_autoptr(EpDraft) draft = NULL;

  if (self->draft_saving)
    return;   /* draft_saved_cb schedules another save for what changed meanwhile */

  self->draft_dirty = FALSE;
  if (!ep_window_has_content (self))
    {
      ep_window_discard_draft (self);
      return;
    }
  draft = ep_window_to_draft (self);
  self->draft_saving = TRUE;
  g_free (self->saving_draft_id);
  self->saving_draft_id = g_strdup (draft->id);
  ep_draft_store_save_async (self->drafts, draft, NULL, draft_saved_cb, g_object_ref (self));
}

static gboolean
draft_timeout_cb (gpointer user_data)
{
  EpWindow *self = user_data;

  self->draft_timeout = 0;
  ep_window_save_draft_now (self);
  return G_SOURCE_REMOVE;
}

void
ep_window_schedule_draft_save (EpWindow *self)
{
  if (self->loading_draft)
    return;
  if (self->draft_id == NULL)
    {
      g_autoptr(EpDraft) fresh = ep_draft_new ();
      self->draft_id = g_strdup (fresh->id);
    }
  self->draft_dirty = TRUE;
  if (self->draft_timeout == 0)
    self->draft_timeout = g_timeout_add (EP_DRAFT_SAVE_DELAY_MS, draft_timeout_cb, self);
}

/* For closing: write the draft now, on this thread, so that it is on disk before the window goes. */
gboolean
ep_window_save_draft_sync (EpWindow  *self,
                           GError   **error)
{
  g_autoptr(EpDraft) draft = NULL;

  g_clear_handle_id (&self->draft_timeout, g_source_remove);
  self->draft_dirty = FALSE;
  if (!ep_window_has_content (self))
    return TRUE;
  draft = ep_window_to_draft (self);
  return ep_draft_store_save (self->drafts, draft, error);
}

/* The message is done with, sent or thrown away: its draft goes, and so do its pasted images. */
void
ep_window_discard_draft (EpWindow *self)
{
  ep_window_release_images (self);
  g_clear_handle_id (&self->draft_timeout, g_source_remove);
  self->draft_dirty = FALSE;
  if (self->draft_id != NULL)
    {
      ep_draft_store_delete (self->drafts, self->draft_id, NULL);
      g_clear_pointer (&self->draft_id, g_free);
    }
}

void
ep_window_load_draft (EpWindow      *self,
                      const EpDraft *draft)
{
  g_return_if_fail (EP_IS_WINDOW (self));
  g_return_if_fail (draft != NULL);

  self->loading_draft = TRUE;
  g_free (self->draft_id);
  self->draft_id = g_strdup (draft->id);
  if (draft->profile_id != NULL)
    {
      GListModel *model = gtk_drop_down_get_model (self->profile_dropdown);
      guint n = model ? g_list_model_get_n_items (model) : 0;

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(EpProfile) p = g_list_model_get_item (model, i);

          if (g_strcmp0 (ep_profile_get_id (p), draft->profile_id) == 0)
            ep_window_set_profile (self, p);
        }
    }
  ep_window_spell_set_language (self, draft->language);
  gtk_editable_set_text (GTK_EDITABLE (self->from_entry), draft->from ? draft->from : "");
  gtk_editable_set_text (GTK_EDITABLE (self->to_entry), draft->to ? draft->to : "");
  gtk_editable_set_text (GTK_EDITABLE (self->cc_entry), draft->cc ? draft->cc : "");
  gtk_editable_set_text (GTK_EDITABLE (self->bcc_entry), draft->bcc ? draft->bcc : "");
  gtk_editable_set_text (GTK_EDITABLE (self->subject_entry), draft->subject ? draft->subject : "");
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->body_view), draft->body ? draft->body : "", -1);
  ep_window_set_delivered (self, (const char * const *) draft->delivered);
  ep_window_delivery_load (self, draft);
  ep_window_identity_load (self, draft);
  for (guint i = 0; draft->attachments && i < draft->attachments->len; i++)
    {
      EpDraftAttachment *a = draft->attachments->pdata[i];
      g_autoptr(GFile) file = g_file_new_for_uri (a->uri);

      /* Checked again: a file may have gone since; the toast names it. */
      ep_window_add_file (self, file, a->display_name);
    }
  ep_window_sync_reveal (self);
  self->loading_draft = FALSE;
}

const char *
ep_window_get_draft_id (EpWindow *self)
{
  g_return_val_if_fail (EP_IS_WINDOW (self), NULL);
  return self->draft_id;
}

static void
changed_cb (EpWindow *self)
{
  ep_window_schedule_draft_save (self);
}

static gboolean
close_now_cb (gpointer user_data)
{
  gtk_window_close (GTK_WINDOW (user_data));
  return G_SOURCE_REMOVE;
}

/* Closed once the answer is over: closed inside it, the window would be freed while the dialog
 * still points to it as its parent, and the dialog would crash when it goes. */
static void
close_after_answer (EpWindow *self)
{
  self->close_confirmed = TRUE;
  g_idle_add_full (G_PRIORITY_DEFAULT, close_now_cb, g_object_ref (self), g_object_unref);
}

/* Closing with unsent content asks: Save Draft / Discard / Cancel. */
static void
close_response_cb (AdwMessageDialog *dialog,
                   const char       *response,
                   EpWindow         *self)
{
  if (g_str_equal (response, "save"))
    {
      g_autoptr(GError) error = NULL;

      if (!ep_window_save_draft_sync (self, &error))
        {
          g_autofree char *text = g_strdup_printf (_("The draft could not be saved: %s"), error->message);
          ep_window_show_toast (self, text);
          return;
        }
      /* Kept on disk with its images: the next start opens it again. */
      close_after_answer (self);
    }
  else if (g_str_equal (response, "discard"))
    {
      ep_window_discard_draft (self);
      close_after_answer (self);
    }
}

gboolean
ep_window_confirm_close (EpWindow *self)
{
  GtkWidget *dialog;

  /* Confirmed: sent or discarded (the draft is gone already), or saved (it stays). */
  if (self->close_confirmed)
    return FALSE;
  /* Sent (the undo time runs, or it is being sent): the Outbox has it, the worker finishes. */
  if (ep_window_is_handed_over (self))
    {
      ep_window_send_close (self);
      return FALSE;
    }
  if (!ep_window_has_content (self))
    {
      ep_window_discard_draft (self);
      return FALSE;
    }

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Save the Message as a Draft?"),
                                   _("This message has not been sent. A saved draft opens again the next time Epistle starts."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "discard", _("_Discard"),
                                    "save", _("_Save Draft"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "save");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (close_response_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

void
ep_window_draft_init (EpWindow *self)
{
  GtkEntry *entries[] = { self->from_entry, self->to_entry, self->cc_entry, self->bcc_entry,
                          self->subject_entry };

  self->drafts = ep_draft_store_new (NULL);
  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    g_signal_connect_swapped (entries[i], "changed", G_CALLBACK (changed_cb), self);
  g_signal_connect_swapped (gtk_text_view_get_buffer (self->body_view), "changed",
                            G_CALLBACK (changed_cb), self);
  g_signal_connect_swapped (self->attachments, "items-changed", G_CALLBACK (changed_cb), self);
}
