/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-mailbox-window.c: the Sandbox Inbox and the Sent messages: a live list and a message view.
 * Listing reads only each message's head, on a worker thread; the store's directory is
 * watched so that messages delivered by epistle-send appear while the window is open. */
#include "config.h"

#include <glib/gi18n.h>

#include "ep-mailbox-window-private.h"
#include "ep-message-view.h"
#include "ep-mime-parser.h"
#include "ep-sandbox-store.h"
#include "ep-schedule-dialog.h"
#include "ep-sent-copy-status.h"
#include "ep-sent-store.h"

/* Headers of any sane message fit; the rest is not needed for the list. */
#define EP_MAILBOX_HEAD_SIZE (64 * 1024)
#define EP_MAILBOX_RELOAD_DELAY_MS 250

typedef struct {
  char      *id;
  char      *path;
  char      *from;
  char      *subject;
  GDateTime *date;
  guint64    size;
  gboolean   has_attachments;
  char      *transcript;
  char      *details;
  char      *choose_profile;   /* the profile whose Sent folder the person must choose */
} MailboxItem;

struct _EpMailboxWindow
{
  AdwApplicationWindow parent_instance;

  /* Template widgets */
  AdwToastOverlay *toast_overlay;
  GtkStack        *stack;
  AdwStatusPage   *empty_page;
  GtkListBox      *list;
  EpMessageView   *view;
  GtkWidget       *choose_bar;
  GtkWidget       *choose_button;

  /* Owned */
  EpMailboxKind    kind;
  GPtrArray       *items;        /* of MailboxItem */
  GFileMonitor    *monitor;
  GCancellable    *cancellable;
  guint            reload_source;
  char            *selected_id;
};

G_DEFINE_FINAL_TYPE (EpMailboxWindow, ep_mailbox_window, ADW_TYPE_APPLICATION_WINDOW)

static void
mailbox_item_free (MailboxItem *item)
{
  g_free (item->id);
  g_free (item->path);
  g_free (item->from);
  g_free (item->subject);
  g_clear_pointer (&item->date, g_date_time_unref);
  g_free (item->transcript);
  g_free (item->details);
  g_free (item->choose_profile);
  g_free (item);
}

/* Fills what the store's record does not say from the message's own headers. */
static void
read_head (MailboxItem *item)
{
  g_autoptr(GFile) file = g_file_new_for_path (item->path);
  g_autoptr(GFileInputStream) in = g_file_read (file, NULL, NULL);
  g_autofree guint8 *buffer = g_malloc (EP_MAILBOX_HEAD_SIZE);
  gsize n = 0;
  g_autoptr(GBytes) head = NULL;
  g_autoptr(EpMimePart) part = NULL;

  if (in == NULL ||
      !g_input_stream_read_all (G_INPUT_STREAM (in), buffer, EP_MAILBOX_HEAD_SIZE, &n, NULL, NULL) ||
      n == 0)
    return;
  head = g_bytes_new (buffer, n);
  part = ep_mime_parse (head, NULL);
  if (part == NULL)
    return;
  if (item->from == NULL)
    item->from = ep_mime_part_dup_header_text (part, "From");
  if (item->subject == NULL)
    item->subject = ep_mime_part_dup_header_text (part, "Subject");
  item->has_attachments = g_str_equal (ep_mime_part_get_content_type (part), "multipart/mixed");
}

static char *
sandbox_details (EpSandboxEntry *entry)
{
  g_autoptr(GString) s = g_string_new (NULL);
  g_autofree char *when = g_date_time_format (entry->received, "%c");
  g_autofree char *rcpts = g_strjoinv (", ", entry->recipients);

  g_string_append_printf (s, _("Received: %s\n"), when);
  g_string_append_printf (s, _("Envelope sender: <%s>\n"), entry->sender);
  g_string_append_printf (s, _("Envelope recipients: %s\n"), rcpts);
  g_string_append_printf (s, _("Client: %s (%s %s)\n"), entry->client_address,
                          entry->greeting ? entry->greeting : "", entry->client_name ? entry->client_name : "");
  if (entry->tls)
    g_string_append_printf (s, _("Encryption: %s %s\n"), entry->tls_protocol ? entry->tls_protocol : "TLS",
                            entry->tls_cipher ? entry->tls_cipher : "");
  else
    g_string_append (s, _("Encryption: none\n"));
  if (entry->auth_mechanism)
    g_string_append_printf (s, _("Authenticated: %s as %s\n"), entry->auth_mechanism,
                            entry->auth_user ? entry->auth_user : "");
  g_string_append_printf (s, _("Transfer: %s"), entry->transfer ? entry->transfer : "DATA");
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static GPtrArray *
load_sandbox (GError **error)
{
  g_autoptr(GPtrArray) entries = ep_sandbox_store_list (error);
  g_autoptr(GPtrArray) items = NULL;

  if (entries == NULL)
    return NULL;
  items = g_ptr_array_new_with_free_func ((GDestroyNotify) mailbox_item_free);
  for (guint i = 0; i < entries->len; i++)
    {
      EpSandboxEntry *entry = entries->pdata[i];
      MailboxItem *item = g_new0 (MailboxItem, 1);

      item->id = g_strdup (entry->id);
      item->path = g_strdup (entry->eml_path);
      item->date = entry->received ? g_date_time_ref (entry->received) : NULL;
      item->size = entry->size;
      item->transcript = g_strdup (entry->transcript);
      item->details = sandbox_details (entry);
      read_head (item);
      g_ptr_array_add (items, item);
    }
  return g_steal_pointer (&items);
}

static const char *
outcome_label (EpSmtpOutcome outcome)
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

static char *
sent_details (EpSentInfo       *info,
              EpSentCopyStatus *copy)
{
  g_autoptr(GString) s = g_string_new (NULL);
  g_autofree char *when = info->date ? g_date_time_format (info->date, "%c") : g_strdup ("");
  g_autofree char *rcpts = info->recipients ? g_strjoinv (", ", info->recipients) : g_strdup ("");

  g_string_append_printf (s, _("Sent: %s\n"), when);
  g_string_append_printf (s, _("Server: %s\n"), info->server ? info->server : "");
  g_string_append_printf (s, _("Envelope recipients: %s\n"), rcpts);
  g_string_append_printf (s, _("Outcome: %s"), outcome_label (info->outcome));
  if (info->outcome_text != NULL)
    g_string_append_printf (s, " (%s)", info->outcome_text);
  if (info->not_delivered != NULL && info->not_delivered[0] != NULL)
    {
      g_autofree char *missing = g_strjoinv (", ", info->not_delivered);

      g_string_append_printf (s, _("\nNot delivered to: %s"), missing);
    }
  if (info->hold_until != NULL)
    {
      g_autofree char *until = ep_schedule_format_time (info->hold_until);

      /* Translators: %s is a day and a time, such as "Tuesday 8 December at 08:00" */
      g_string_append_printf (s, _("\nHeld by the server until %s"), until);
    }
  /* The copy in the Sent folder on the server, when the profile makes one. */
  if (copy != NULL && copy->state == EP_SENT_COPY_DONE)
    g_string_append (s, _("\nCopied to the Sent folder on the server"));
  else if (copy != NULL && copy->state == EP_SENT_COPY_PENDING && copy->next_attempt != NULL)
    {
      g_autofree char *next = ep_schedule_format_time (copy->next_attempt);

      /* Translators: the IMAP server's words, then a day and a time */
      g_string_append_printf (s, _("\nNot copied to the Sent folder on the server yet: %s (next try: %s)"),
                              copy->last_error != NULL ? copy->last_error : "", next);
    }
  else if (copy != NULL)
    /* Translators: %s is the IMAP server's words */
    g_string_append_printf (s, _("\nNot copied to the Sent folder on the server: %s"),
                            copy->last_error != NULL ? copy->last_error : "");
  if (copy != NULL && copy->choose_folder)
    g_string_append (s, _("\nTo choose the Sent folder, open Server Profiles, edit the profile, and "
                          "press Choose… under Copy to Sent Folder."));
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static GPtrArray *
load_sent (GError **error)
{
  g_autoptr(EpSentStore) store = ep_sent_store_new (NULL);
  g_autoptr(GPtrArray) infos = ep_sent_store_list (store, NULL, error);
  g_autoptr(GPtrArray) items = NULL;

  if (infos == NULL)
    return NULL;
  items = g_ptr_array_new_with_free_func ((GDestroyNotify) mailbox_item_free);
  for (guint i = 0; i < infos->len; i++)
    {
      EpSentInfo *info = infos->pdata[i];
      MailboxItem *item = g_new0 (MailboxItem, 1);

      item->id = g_strdup (info->id);
      item->path = ep_sent_store_dup_message_path (store, info->id);
      item->date = info->date ? g_date_time_ref (info->date) : NULL;
      item->size = info->size;
      item->from = g_strdup (info->from);
      item->subject = g_strdup (info->subject);
      item->transcript = ep_sent_store_load_transcript (store, info->id, NULL);
      {
        g_autofree char *entry_dir = g_build_filename (ep_sent_store_get_dir (store), info->id, NULL);
        g_autoptr(EpSentCopyStatus) copy = ep_sent_copy_status_load (entry_dir, NULL);

        item->details = sent_details (info, copy);
        if (copy != NULL && copy->choose_folder && info->profile_id != NULL)
          item->choose_profile = g_strdup (info->profile_id);
      }
      /* The summary lacks it: the message head says whether it is multipart/mixed. */
      read_head (item);
      g_ptr_array_add (items, item);
    }
  return g_steal_pointer (&items);
}

static gboolean
delete_sent (const char  *id,
             GError     **error)
{
  g_autoptr(EpSentStore) store = ep_sent_store_new (NULL);

  return ep_sent_store_delete (store, id, error);
}

static int
compare_newest_first (gconstpointer a,
                      gconstpointer b)
{
  const MailboxItem *ia = *(MailboxItem **) a, *ib = *(MailboxItem **) b;

  if (ia->date && ib->date)
    return g_date_time_compare (ib->date, ia->date);
  return g_strcmp0 (ib->id, ia->id);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  EpMailboxKind kind = GPOINTER_TO_INT (task_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = NULL;

  if (kind == EP_MAILBOX_SANDBOX)
    items = load_sandbox (&error);
  else
    items = load_sent (&error);

  if (items == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_ptr_array_sort (items, compare_newest_first);
  g_task_return_pointer (task, g_steal_pointer (&items), (GDestroyNotify) g_ptr_array_unref);
}

static GtkWidget *
create_row (MailboxItem *item)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *title = g_markup_escape_text (item->subject && *item->subject ? item->subject
                                                                                   : _("(No subject)"), -1);
  g_autofree char *from = g_markup_escape_text (item->from ? item->from : "", -1);
  g_autofree char *when = item->date ? g_date_time_format (item->date, "%x %X") : g_strdup ("");
  g_autofree char *size = g_format_size (item->size);
  g_autofree char *subtitle = g_strdup_printf ("%s\n%s · %s", from, when, size);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 2);
  if (item->has_attachments)
    {
      GtkWidget *icon = gtk_image_new_from_icon_name ("mail-attachment-symbolic");

      gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Has attachments"), -1);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), icon);
    }
  return row;
}

static void
show_item (EpMailboxWindow *self,
           MailboxItem     *item)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GMappedFile) mapped = g_mapped_file_new (item->path, FALSE, &error);
  g_autoptr(GBytes) bytes = NULL;

  g_free (self->selected_id);
  self->selected_id = g_strdup (item->id);
  /* A copy that waits for the person to choose among the server's Sent folders: the way to the
   * profile editor, where Choose… is. */
  gtk_widget_set_visible (self->choose_bar, item->choose_profile != NULL);
  if (item->choose_profile != NULL)
    {
      /* The target before the name: app.edit-profile takes a profile id. */
      gtk_actionable_set_action_target (GTK_ACTIONABLE (self->choose_button), "s", item->choose_profile);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->choose_button), "app.edit-profile");
    }

  if (mapped == NULL)
    {
      ep_message_view_clear (self->view);
      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
      return;
    }
  bytes = g_mapped_file_get_bytes (mapped);
  ep_message_view_set_message (self->view, bytes, item->transcript, item->details);
}

static void
row_selected_cb (GtkListBox      *list,
                 GtkListBoxRow   *row,
                 EpMailboxWindow *self)
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
         GAsyncResult *result,
         gpointer      user_data)
{
  EpMailboxWindow *self = EP_MAILBOX_WINDOW (object);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = g_task_propagate_pointer (G_TASK (result), &error);
  GtkWidget *child;
  guint select = 0;

  if (items == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
      return;
    }

  g_signal_handlers_block_by_func (self->list, row_selected_cb, self);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  self->items = g_steal_pointer (&items);
  for (guint i = 0; i < self->items->len; i++)
    {
      MailboxItem *item = self->items->pdata[i];

      gtk_list_box_append (self->list, create_row (item));
      if (g_strcmp0 (item->id, self->selected_id) == 0)
        select = i;
    }
  g_signal_handlers_unblock_by_func (self->list, row_selected_cb, self);

  gtk_stack_set_visible_child_name (self->stack, self->items->len ? "messages" : "empty");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "mailbox.delete", self->items->len > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "mailbox.delete-all", self->items->len > 0);
  if (self->items->len > 0)
    ep_mailbox_window_select (self, select);
  else
    {
      ep_message_view_clear (self->view);
      gtk_widget_set_visible (self->choose_bar, FALSE);
    }
}

static gboolean
reload_timeout_cb (gpointer user_data)
{
  EpMailboxWindow *self = user_data;

  self->reload_source = 0;
  ep_mailbox_window_reload (self);
  return G_SOURCE_REMOVE;
}

static void
directory_changed_cb (GFileMonitor      *monitor,
                      GFile             *file,
                      GFile             *other,
                      GFileMonitorEvent  event,
                      EpMailboxWindow   *self)
{
  /* A delivery writes several files; one reload once they have settled. */
  if (self->reload_source == 0)
    self->reload_source = g_timeout_add (EP_MAILBOX_RELOAD_DELAY_MS, reload_timeout_cb, self);
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  EpMailboxWindow *self = EP_MAILBOX_WINDOW (widget);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (self->selected_id == NULL)
    return;
  if (self->kind == EP_MAILBOX_SANDBOX)
    ok = ep_sandbox_store_delete (self->selected_id, &error);
  else
    ok = delete_sent (self->selected_id, &error);
  if (!ok)
    adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
  ep_mailbox_window_reload (self);
}

static void
delete_all_response_cb (AdwMessageDialog *dialog,
                        const char       *response,
                        EpMailboxWindow  *self)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (!g_str_equal (response, "delete"))
    return;
  if (self->kind == EP_MAILBOX_SANDBOX)
    ok = ep_sandbox_store_delete_all (&error);
  else
    {
      ok = TRUE;
      for (guint i = 0; ok && i < self->items->len; i++)
        ok = delete_sent (((MailboxItem *) self->items->pdata[i])->id, &error);
    }
  if (!ok)
    adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
  ep_mailbox_window_reload (self);
}

static void
delete_all_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  EpMailboxWindow *self = EP_MAILBOX_WINDOW (widget);
  GtkWidget *dialog;
  g_autofree char *body = NULL;

  body = g_strdup_printf (ngettext ("%u message will be deleted for good.",
                                    "%u messages will be deleted for good.", self->items->len),
                          self->items->len);
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Delete All Messages?"), body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "delete", _("_Delete All"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (delete_all_response_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
ep_mailbox_window_dispose (GObject *object)
{
  EpMailboxWindow *self = EP_MAILBOX_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->reload_source, g_source_remove);
  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  g_clear_object (&self->monitor);
  gtk_widget_dispose_template (GTK_WIDGET (self), EP_TYPE_MAILBOX_WINDOW);

  G_OBJECT_CLASS (ep_mailbox_window_parent_class)->dispose (object);
}

static void
ep_mailbox_window_finalize (GObject *object)
{
  EpMailboxWindow *self = EP_MAILBOX_WINDOW (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_free (self->selected_id);

  G_OBJECT_CLASS (ep_mailbox_window_parent_class)->finalize (object);
}

static void
ep_mailbox_window_class_init (EpMailboxWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ep_mailbox_window_dispose;
  object_class->finalize = ep_mailbox_window_finalize;

  g_type_ensure (EP_TYPE_MESSAGE_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/epistlemail/Epistle/ep-mailbox-window.ui");
  gtk_widget_class_bind_template_child (widget_class, EpMailboxWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, EpMailboxWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, EpMailboxWindow, empty_page);
  gtk_widget_class_bind_template_child (widget_class, EpMailboxWindow, list);
  gtk_widget_class_bind_template_child (widget_class, EpMailboxWindow, view);
  gtk_widget_class_bind_template_child (widget_class, EpMailboxWindow, choose_bar);
  gtk_widget_class_bind_template_child (widget_class, EpMailboxWindow, choose_button);

  gtk_widget_class_install_action (widget_class, "mailbox.delete", NULL, delete_action);
  gtk_widget_class_install_action (widget_class, "mailbox.delete-all", NULL, delete_all_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "mailbox.delete", NULL);
}

static void
ep_mailbox_window_init (EpMailboxWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->items = g_ptr_array_new_with_free_func ((GDestroyNotify) mailbox_item_free);
  g_signal_connect (self->list, "row-selected", G_CALLBACK (row_selected_cb), self);
}

void
ep_mailbox_window_reload (EpMailboxWindow *self)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (EP_IS_MAILBOX_WINDOW (self));

  task = g_task_new (self, self->cancellable, load_cb, NULL);
  g_task_set_source_tag (task, ep_mailbox_window_reload);
  g_task_set_task_data (task, GINT_TO_POINTER (self->kind), NULL);
  g_task_run_in_thread (task, load_thread);
}

EpMailboxWindow *
ep_mailbox_window_new (GtkApplication *application,
                       EpMailboxKind   kind)
{
  EpMailboxWindow *self;
  g_autofree char *dir = NULL;
  g_autoptr(GFile) dir_file = NULL;

  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);

  self = g_object_new (EP_TYPE_MAILBOX_WINDOW, "application", application, NULL);
  self->kind = kind;
  if (kind == EP_MAILBOX_SANDBOX)
    {
      gtk_window_set_title (GTK_WINDOW (self), _("Sandbox Inbox"));
      adw_status_page_set_description (self->empty_page,
                                       _("Messages sent with the Sandbox profile arrive here. Nothing leaves this computer."));
      ep_sandbox_ensure_dirs (NULL);
      dir = ep_sandbox_dup_inbox_dir ();
    }
  else
    {
      gtk_window_set_title (GTK_WINDOW (self), _("Sent Messages"));
      adw_status_page_set_description (self->empty_page,
                                       _("Every message you send is kept here with its exact source and the conversation with the server."));
      g_autoptr(EpSentStore) store = ep_sent_store_new (NULL);
      dir = g_strdup (ep_sent_store_get_dir (store));
    }

  g_mkdir_with_parents (dir, 0700);
  dir_file = g_file_new_for_path (dir);
  self->monitor = g_file_monitor_directory (dir_file, G_FILE_MONITOR_NONE, NULL, NULL);
  if (self->monitor != NULL)
    g_signal_connect (self->monitor, "changed", G_CALLBACK (directory_changed_cb), self);

  ep_mailbox_window_reload (self);
  return self;
}

EpMailboxKind
ep_mailbox_window_get_kind (EpMailboxWindow *self)
{
  g_return_val_if_fail (EP_IS_MAILBOX_WINDOW (self), EP_MAILBOX_SANDBOX);
  return self->kind;
}

guint
ep_mailbox_window_get_n_items (EpMailboxWindow *self)
{
  g_return_val_if_fail (EP_IS_MAILBOX_WINDOW (self), 0);
  return self->items->len;
}

void
ep_mailbox_window_select (EpMailboxWindow *self,
                          guint            index)
{
  GtkListBoxRow *row;

  g_return_if_fail (EP_IS_MAILBOX_WINDOW (self));

  row = gtk_list_box_get_row_at_index (self->list, index);
  if (row != NULL)
    {
      gtk_list_box_select_row (self->list, row);
      show_item (self, self->items->pdata[index]);
    }
}

/* Returns: (transfer none) (nullable): the button to the profile editor, when the selected
 * message's copy waits for the person to choose the Sent folder; for the tests */
GtkWidget *
ep_mailbox_window_get_choose_button (EpMailboxWindow *self)
{
  g_return_val_if_fail (EP_IS_MAILBOX_WINDOW (self), NULL);
  return gtk_widget_get_visible (self->choose_bar) ? self->choose_button : NULL;
}
