/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-profile-editor-sent.c: the editor's "Copy to Sent Folder" section: whether a copy of each
 * message sent goes to the Sent folder on the server (IMAP APPEND), and that server: host, port,
 * security (TLS or STARTTLS, never plain), user name, the password (the sending one, or one of
 * its own kept in the keyring), and the Sent folder (found on the server, or chosen: "Choose…"
 * asks the server for its candidates). The fields edit the draft like the others; the IMAP
 * password is kept on Save, beside the SMTP one. */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ep-imap-client.h"
#include "ep-imap-error.h"
#include "ep-outbox-delivery.h"
#include "ep-profile-config.h"
#include "ep-profile-editor-private.h"
#include "ep-secrets.h"

/* RFC 6335 §6: TCP ports are 16-bit; 0 is reserved. */
#define EP_SENT_PORT_MIN 1
#define EP_SENT_PORT_MAX 65535

/* The security choices, in the order of EpSmtpSecurity (never NONE: the copy signs in). */
enum { SECURITY_TLS, SECURITY_STARTTLS };
/* The password choices. */
enum { PASSWORD_SAME, PASSWORD_OWN };
/* The Sent folder choices. */
enum { FOLDER_FIND, FOLDER_CHOSEN };

struct _EpProfileEditorSent
{
  AdwActionRow         *enable_row;       /* with a GtkSwitch: libadwaita 1.2 has no switch row */
  GtkSwitch            *enable_switch;
  AdwActionRow         *reason_row;
  AdwEntryRow          *host_row;
  AdwEntryRow          *port_row;
  AdwComboRow          *security_row;
  AdwEntryRow          *username_row;
  AdwComboRow          *password_mode_row;
  AdwPasswordEntryRow  *password_row;
  AdwComboRow          *folder_mode_row;
  AdwEntryRow          *folder_row;
  AdwActionRow         *choose_row;
  GtkButton            *choose_button;
  GtkSpinner           *choose_spinner;

  GCancellable         *cancellable;      /* the folder check, the keyring */
  AdwMessageDialog     *chooser;          /* weak */
  char                **candidates;       /* what the chooser offers */
  char                 *choose_problem;   /* why the last check found nothing to choose */
  gboolean              loading;
};

/* ---- helpers --------------------------------------------------------------------------------- */

/* The IMAP port as typed: 0 when empty (the security's usual one), -1 when not a port. */
static int
parse_port (EpProfileEditorSent *sent)
{
  g_autofree char *text = dup_trimmed (sent->port_row);
  guint64 port;

  if (*text == '\0')
    return 0;
  if (!g_ascii_string_to_unsigned (text, 10, EP_SENT_PORT_MIN, EP_SENT_PORT_MAX, &port, NULL))
    return -1;
  return (int) port;
}

/* The provider that files sent mail itself, when the fields name its server. */
static const EpPreset *
files_sent_itself (EpProfileEditor *self)
{
  const char *smtp_host = ep_profile_get_host (self->draft);
  const char *imap_host = ep_profile_get_imap_host (self->draft);
  const EpPreset *presets;
  guint n;

  presets = ep_presets_get_all (&n);
  for (guint i = 0; i < n; i++)
    if (presets[i].sent_copy_off != NULL &&
        (g_ascii_strcasecmp (smtp_host, presets[i].host) == 0 ||
         (presets[i].imap_host != NULL && g_ascii_strcasecmp (imap_host, presets[i].imap_host) == 0)))
      return &presets[i];
  return NULL;
}

static void
update_sensitivity (EpProfileEditor *self)
{
  EpProfileEditorSent *sent = self->sent;
  gboolean on = gtk_switch_get_active (sent->enable_switch);
  gboolean own = adw_combo_row_get_selected (sent->password_mode_row) == PASSWORD_OWN;
  gboolean chosen = adw_combo_row_get_selected (sent->folder_mode_row) == FOLDER_CHOSEN;
  const EpPreset *preset = files_sent_itself (self);
  gpointer rows[] = { sent->host_row, sent->port_row, sent->security_row, sent->username_row,
                      sent->password_mode_row, sent->password_row, sent->folder_mode_row,
                      sent->folder_row, sent->choose_row };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    gtk_widget_set_visible (GTK_WIDGET (rows[i]), on);
  gtk_widget_set_visible (GTK_WIDGET (sent->password_row), on && own);
  gtk_widget_set_visible (GTK_WIDGET (sent->folder_row), on && chosen);
  /* Why a preset left it off: the provider files what its server sends already, so a copy
   * would be a second one. */
  if (preset != NULL)
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (sent->reason_row), _(preset->sent_copy_off));
  gtk_widget_set_visible (GTK_WIDGET (sent->reason_row), !on && preset != NULL);
}

static void
update_port_hint (EpProfileEditorSent *sent)
{
  int port = parse_port (sent);

  ep_profile_editor_mark_error (sent->port_row, port < 0);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (sent->security_row),
                               adw_combo_row_get_selected (sent->security_row) == SECURITY_STARTTLS
                               ? _("An empty port means 143") : _("An empty port means 993"));
}

/* ---- fields → draft -------------------------------------------------------------------------- */

static void
enable_changed_cb (EpProfileEditor *self)
{
  if (self->sent->loading)
    return;
  ep_profile_set_sent_copy (self->draft, gtk_switch_get_active (self->sent->enable_switch));
  update_sensitivity (self);
}

static void
host_changed_cb (EpProfileEditor *self)
{
  g_autofree char *host = NULL;

  if (self->sent->loading)
    return;
  host = dup_trimmed (self->sent->host_row);
  ep_profile_set_imap_host (self->draft, host);
  ep_profile_editor_mark_error (self->sent->host_row, strpbrk (host, " \t") != NULL);
  update_sensitivity (self);
}

static void
port_changed_cb (EpProfileEditor *self)
{
  int port;

  if (self->sent->loading)
    return;
  port = parse_port (self->sent);
  if (port >= 0)
    ep_profile_set_imap_port (self->draft, (guint16) port);
  update_port_hint (self->sent);
}

static void
security_changed_cb (EpProfileEditor *self)
{
  if (self->sent->loading)
    return;
  ep_profile_set_imap_security (self->draft,
                                adw_combo_row_get_selected (self->sent->security_row) == SECURITY_STARTTLS
                                ? EP_SMTP_SECURITY_STARTTLS : EP_SMTP_SECURITY_TLS);
  update_port_hint (self->sent);
}

static void
username_changed_cb (EpProfileEditor *self)
{
  g_autofree char *text = NULL;

  if (self->sent->loading)
    return;
  text = dup_trimmed (self->sent->username_row);
  ep_profile_set_imap_username (self->draft, text);
}

static void
password_mode_changed_cb (EpProfileEditor *self)
{
  if (self->sent->loading)
    return;
  ep_profile_set_imap_own_password (self->draft,
                                    adw_combo_row_get_selected (self->sent->password_mode_row) == PASSWORD_OWN);
  update_sensitivity (self);
}

static void
folder_changed_cb (EpProfileEditor *self)
{
  EpProfileEditorSent *sent = self->sent;
  g_autofree char *folder = NULL;

  if (sent->loading)
    return;
  folder = adw_combo_row_get_selected (sent->folder_mode_row) == FOLDER_CHOSEN ? dup_trimmed (sent->folder_row)
                                                                               : g_strdup ("");
  ep_profile_set_imap_sent_folder (self->draft, folder);
  update_sensitivity (self);
}

/* A Sent folder now chosen for the profile: copies that failed because the server had several
 * are due again at once (the outbox worker looks again when the profile store changes). Reads
 * the Sent store's small status files only, and its list only when a copy waits for this. */
static void
requeue_copies (EpProfile *profile)
{
  ep_outbox_requeue_sent_copies (NULL, ep_profile_get_id (profile), NULL);
}

/* A Sent folder chosen elsewhere (in Test Connection's results): the fields follow; a stored
 * profile for the same IMAP server keeps it at once, as a certificate trusted there. */
static void
draft_sent_folder_cb (EpProfileEditor *self)
{
  EpProfileEditorSent *sent = self->sent;
  const char *folder = ep_profile_get_imap_sent_folder (self->draft);
  g_autofree char *shown = NULL;

  shown = adw_combo_row_get_selected (sent->folder_mode_row) == FOLDER_CHOSEN ? dup_trimmed (sent->folder_row)
                                                                              : g_strdup ("");
  if (g_strcmp0 (shown, folder) == 0)
    return;
  sent->loading = TRUE;
  set_text (sent->folder_row, folder);
  adw_combo_row_set_selected (sent->folder_mode_row, *folder != '\0' ? FOLDER_CHOSEN : FOLDER_FIND);
  sent->loading = FALSE;
  update_sensitivity (self);

  if (self->original != NULL && self->original != self->draft && *folder != '\0' &&
      g_ascii_strcasecmp (ep_profile_get_imap_host (self->original), ep_profile_get_imap_host (self->draft)) == 0 &&
      ep_profile_get_imap_port (self->original) == ep_profile_get_imap_port (self->draft))
    {
      g_autoptr(GError) error = NULL;

      ep_profile_set_imap_sent_folder (self->original, folder);
      if (self->baseline != NULL)
        ep_profile_set_imap_sent_folder (self->baseline, folder);   /* saved already: no change */
      if (ep_profile_store_save (self->store, &error))
        requeue_copies (self->original);
      else
        {
          GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

          if (ADW_IS_PREFERENCES_WINDOW (root))
            adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (root), adw_toast_new (error->message));
        }
    }
}

/* ---- building the section -------------------------------------------------------------------- */

static AdwEntryRow *
add_entry (AdwPreferencesGroup *group,
           const char          *title,
           GtkInputPurpose      purpose)
{
  GtkWidget *row = adw_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  adw_entry_row_set_input_purpose (ADW_ENTRY_ROW (row), purpose);
  adw_preferences_group_add (group, row);
  return ADW_ENTRY_ROW (row);
}

static AdwComboRow *
add_combo (AdwPreferencesGroup *group,
           const char          *title,
           const char * const  *items)
{
  GtkWidget *row = adw_combo_row_new ();
  g_autoptr(GtkStringList) model = gtk_string_list_new (items);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (model));
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  adw_preferences_group_add (group, row);
  return ADW_COMBO_ROW (row);
}

static void choose_clicked_cb (EpProfileEditor *self);

/**
 * ep_profile_editor_sent_init:
 *
 * Builds the section into its group and loads the draft's values. Before the editor is
 * connected to the draft (the fields write into it from here on).
 */
void
ep_profile_editor_sent_init (EpProfileEditor *self)
{
  EpProfileEditorSent *sent = g_new0 (EpProfileEditorSent, 1);
  AdwPreferencesGroup *group = self->sent_group;
  const char *security_items[] = { _("Implicit TLS"), _("STARTTLS"), NULL };
  const char *password_items[] = { _("Same as for sending"), _("A separate one"), NULL };
  const char *folder_items[] = { _("Find automatically"), _("Chosen by name"), NULL };
  GtkWidget *row, *box, *icon;
  g_autofree char *port = NULL;
  EpProfile *p = self->draft;

  self->sent = sent;
  sent->cancellable = g_cancellable_new ();
  adw_preferences_group_set_title (group, _("Copy to Sent Folder"));
  adw_preferences_group_set_description (group, _("A copy of each message sent is put in the Sent "
                                                  "folder on your mail server (IMAP), so it shows on "
                                                  "your other devices too."));

  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Copy _Sent Messages to the Server"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  sent->enable_switch = GTK_SWITCH (gtk_switch_new ());
  gtk_widget_set_valign (GTK_WIDGET (sent->enable_switch), GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), GTK_WIDGET (sent->enable_switch));
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), GTK_WIDGET (sent->enable_switch));
  gtk_accessible_update_property (GTK_ACCESSIBLE (sent->enable_switch), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Copy Sent Messages to the Server"), -1);
  adw_preferences_group_add (group, row);
  sent->enable_row = ADW_ACTION_ROW (row);

  row = adw_action_row_new ();
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("A copy from Epistle would be a second one. "
                                                       "Turn it on only if your Sent folder stays "
                                                       "empty."));
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  icon = gtk_image_new_from_icon_name ("dialog-information-symbolic");
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  adw_preferences_group_add (group, row);
  sent->reason_row = ADW_ACTION_ROW (row);

  sent->host_row = add_entry (group, _("IMAP Ser_ver"), GTK_INPUT_PURPOSE_URL);
  sent->port_row = add_entry (group, _("IMAP P_ort"), GTK_INPUT_PURPOSE_DIGITS);
  sent->security_row = add_combo (group, _("IMAP Securit_y"), security_items);
  sent->username_row = add_entry (group, _("IMAP User Na_me (empty: the same as for sending)"),
                                  GTK_INPUT_PURPOSE_FREE_FORM);
  sent->password_mode_row = add_combo (group, _("IMAP Pass_word"), password_items);
  row = adw_password_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Separate IMAP Password"));
  adw_preferences_group_add (group, row);
  sent->password_row = ADW_PASSWORD_ENTRY_ROW (row);
  ep_profile_editor_name_peek_buttons (row);
  sent->folder_mode_row = add_combo (group, _("Sent _Folder"), folder_items);
  sent->folder_row = add_entry (group, _("Sent Folder _Name"), GTK_INPUT_PURPOSE_FREE_FORM);

  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Ask the server which folder"));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  sent->choose_spinner = GTK_SPINNER (gtk_spinner_new ());
  gtk_widget_set_visible (GTK_WIDGET (sent->choose_spinner), FALSE);
  sent->choose_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Choose…")));
  gtk_widget_set_valign (GTK_WIDGET (sent->choose_button), GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (GTK_WIDGET (sent->choose_button),
                               _("Connect to the IMAP Server and Choose Its Sent Folder"));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (sent->choose_spinner));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (sent->choose_button));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), box);
  adw_preferences_group_add (group, row);
  sent->choose_row = ADW_ACTION_ROW (row);

  /* The draft's values, before anything flows back into it. */
  sent->loading = TRUE;
  gtk_switch_set_active (sent->enable_switch, ep_profile_get_sent_copy (p));
  set_text (sent->host_row, ep_profile_get_imap_host (p));
  port = ep_profile_get_imap_port (p) > 0 ? g_strdup_printf ("%u", ep_profile_get_imap_port (p)) : NULL;
  set_text (sent->port_row, port);
  adw_combo_row_set_selected (sent->security_row, ep_profile_get_imap_security (p) == EP_SMTP_SECURITY_STARTTLS
                                                  ? SECURITY_STARTTLS : SECURITY_TLS);
  set_text (sent->username_row, ep_profile_get_imap_username (p));
  adw_combo_row_set_selected (sent->password_mode_row,
                              ep_profile_get_imap_own_password (p) ? PASSWORD_OWN : PASSWORD_SAME);
  adw_combo_row_set_selected (sent->folder_mode_row,
                              *ep_profile_get_imap_sent_folder (p) != '\0' ? FOLDER_CHOSEN : FOLDER_FIND);
  set_text (sent->folder_row, ep_profile_get_imap_sent_folder (p));
  sent->loading = FALSE;

  g_signal_connect_swapped (sent->enable_switch, "notify::active", G_CALLBACK (enable_changed_cb), self);
  g_signal_connect_swapped (sent->host_row, "changed", G_CALLBACK (host_changed_cb), self);
  g_signal_connect_swapped (sent->port_row, "changed", G_CALLBACK (port_changed_cb), self);
  g_signal_connect_swapped (sent->security_row, "notify::selected", G_CALLBACK (security_changed_cb), self);
  g_signal_connect_swapped (sent->username_row, "changed", G_CALLBACK (username_changed_cb), self);
  g_signal_connect_swapped (sent->password_mode_row, "notify::selected",
                            G_CALLBACK (password_mode_changed_cb), self);
  g_signal_connect_swapped (sent->folder_mode_row, "notify::selected", G_CALLBACK (folder_changed_cb), self);
  g_signal_connect_swapped (sent->folder_row, "changed", G_CALLBACK (folder_changed_cb), self);
  g_signal_connect_swapped (sent->choose_button, "clicked", G_CALLBACK (choose_clicked_cb), self);
  g_signal_connect_object (self->draft, "notify::imap-sent-folder", G_CALLBACK (draft_sent_folder_cb), self,
                           G_CONNECT_SWAPPED);
  /* The provider note follows the SMTP server too. */
  g_signal_connect_object (self->draft, "notify::host", G_CALLBACK (update_sensitivity), self,
                           G_CONNECT_SWAPPED);

  gtk_widget_set_visible (GTK_WIDGET (group), !self->is_sandbox);
  update_port_hint (sent);
  update_sensitivity (self);
}

/* A provider's IMAP server, and whether the copy starts on (off where the provider files sent
 * mail itself: the reason row says so). */
void
ep_profile_editor_sent_apply_preset (EpProfileEditor *self,
                                     const EpPreset  *preset)
{
  EpProfileEditorSent *sent = self->sent;
  g_autofree char *port = NULL;

  if (sent == NULL || preset->imap_host == NULL)
    return;
  port = preset->imap_port > 0 ? g_strdup_printf ("%u", preset->imap_port) : NULL;
  adw_combo_row_set_selected (sent->security_row, SECURITY_TLS);
  set_text (sent->host_row, preset->imap_host);
  set_text (sent->port_row, port);
  gtk_switch_set_active (sent->enable_switch, preset->sent_copy_off == NULL);
  update_sensitivity (self);
}

/* ---- choosing the Sent folder ---------------------------------------------------------------- */

typedef struct {
  EpProfile *draft;
  EpProfile *saved;
  char      *secret;
  char      *imap_secret;
} CheckJob;

static void
check_job_free (CheckJob *job)
{
  g_clear_object (&job->draft);
  g_clear_object (&job->saved);
  g_clear_pointer (&job->secret, ep_secrets_password_free);
  g_clear_pointer (&job->imap_secret, ep_secrets_password_free);
  g_free (job);
}

/* On a worker: the IMAP server's Sent folder candidates, or the folder it found. */
static void
check_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  CheckJob *job = task_data;
  EpProfileConfigRequest request = {
    .saved = job->saved,
    .secret = job->secret,
    .imap_secret = job->imap_secret,
    .flags = EP_PROFILE_CONFIG_SECRET_OPTIONAL,
  };
  g_autoptr(EpProfileConfig) config = NULL;
  g_autoptr(EpImapConfig) imap = NULL;
  g_autoptr(EpImapResult) result = NULL;
  GError *error = NULL;
  char **candidates = NULL;

  config = ep_profile_config_build (job->draft, &request, cancellable, &error);
  if (config == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  imap = ep_profile_config_dup_imap (config, job->draft);
  if (imap == NULL)
    {
      g_task_return_new_error (task, EP_IMAP_ERROR, EP_IMAP_ERROR_INVALID_CONFIG, "%s",
                               _("Enter the IMAP server’s name first."));
      return;
    }
  /* The user name defaults to the sender address, as on Save. */
  if (imap->username == NULL && *ep_profile_get_sender_address (job->draft) != '\0')
    imap->username = g_strdup (ep_profile_get_sender_address (job->draft));
  /* Whatever is chosen now: the server's own candidates are the question. */
  g_clear_pointer (&imap->sent_mailbox, g_free);

  if (ep_imap_check (imap, NULL, NULL, NULL, &result, cancellable, &error))
    candidates = g_strdupv ((char *[]) { result->mailbox, NULL });
  else if (g_error_matches (error, EP_IMAP_ERROR, EP_IMAP_ERROR_SENT_FOLDER_AMBIGUOUS) &&
           result != NULL && result->candidates != NULL)
    {
      g_clear_error (&error);
      candidates = g_strdupv (result->candidates);
    }
  if (candidates != NULL)
    g_task_return_pointer (task, candidates, (GDestroyNotify) g_strfreev);
  else
    g_task_return_error (task, error);
}

static void
choose_set_busy (EpProfileEditorSent *sent,
                 gboolean             busy)
{
  gtk_widget_set_visible (GTK_WIDGET (sent->choose_spinner), busy);
  gtk_spinner_set_spinning (sent->choose_spinner, busy);
  gtk_widget_set_sensitive (GTK_WIDGET (sent->choose_button), !busy);
}

/* Test Connection signs in to the IMAP server with the separate password typed, if any. */
void
ep_profile_editor_sent_pass_password (EpProfileEditor        *self,
                                      EpConnectionTestWindow *window)
{
  if (self->sent == NULL || window == NULL)
    return;
  ep_connection_test_window_set_imap_password (window,
                                               ep_profile_get_imap_own_password (self->draft)
                                               ? text_of (self->sent->password_row) : NULL);
}

/**
 * ep_profile_editor_sent_choose:
 * @folder: a mailbox name as the server spells it
 *
 * Makes @folder the profile's Sent folder (the fields, hence the draft; kept on Save).
 */
void
ep_profile_editor_sent_choose (EpProfileEditor *self,
                               const char      *folder)
{
  EpProfileEditorSent *sent = self->sent;

  set_text (sent->folder_row, folder);
  adw_combo_row_set_selected (sent->folder_mode_row, FOLDER_CHOSEN);
  folder_changed_cb (self);
}

static void
candidate_activated_cb (GtkListBox      *list,
                        GtkListBoxRow   *row,
                        EpProfileEditor *self)
{
  EpProfileEditorSent *sent = self->sent;
  int index = gtk_list_box_row_get_index (row);

  if (sent->candidates == NULL || index < 0 || (guint) index >= g_strv_length (sent->candidates))
    return;
  ep_profile_editor_sent_choose (self, sent->candidates[index]);
  if (sent->chooser != NULL)
    {
      adw_message_dialog_response (sent->chooser, "cancel");
      gtk_window_close (GTK_WINDOW (sent->chooser));
    }
}

static void
show_chooser (EpProfileEditor *self)
{
  EpProfileEditorSent *sent = self->sent;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog, *list;

  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                   _("Choose the Sent Folder"),
                                   g_strv_length (sent->candidates) > 1
                                   ? _("The server has more than one folder for sent mail. Copies "
                                       "go to the one you choose.")
                                   : _("The server names this folder for sent mail."));
  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  for (guint i = 0; sent->candidates[i] != NULL; i++)
    {
      g_autofree char *shown = ep_imap_mailbox_dup_display_name (sent->candidates[i]);
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), shown);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
      gtk_list_box_append (GTK_LIST_BOX (list), row);
    }
  g_signal_connect_object (list, "row-activated", G_CALLBACK (candidate_activated_cb), self, 0);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), list);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"));
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  sent->chooser = ADW_MESSAGE_DIALOG (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &sent->chooser);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
check_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  char **candidates = g_task_propagate_pointer (G_TASK (result), &error);
  EpProfileEditor *self;
  EpProfileEditorSent *sent;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* the editor is gone */
  self = EP_PROFILE_EDITOR (user_data);
  sent = self->sent;
  choose_set_busy (sent, FALSE);
  g_clear_pointer (&sent->choose_problem, g_free);
  g_strfreev (sent->candidates);
  sent->candidates = candidates;
  if (candidates == NULL)
    {
      if (g_error_matches (error, EP_IMAP_ERROR, EP_IMAP_ERROR_NO_SENT_FOLDER))
        /* Translators: %s is the server's own message */
        sent->choose_problem = g_strdup_printf (_("%s Type the folder’s name instead."), error->message);
      else
        sent->choose_problem = g_strdup (error->message);
      adw_action_row_set_subtitle (sent->choose_row, sent->choose_problem);
      return;
    }
  adw_action_row_set_subtitle (sent->choose_row, "");
  show_chooser (self);
}

static void
choose_clicked_cb (EpProfileEditor *self)
{
  EpProfileEditorSent *sent = self->sent;
  g_autoptr(GTask) task = NULL;
  CheckJob *job;
  const char *typed = text_of (self->password_row);
  const char *typed_imap = text_of (sent->password_row);

  job = g_new0 (CheckJob, 1);
  job->draft = ep_profile_copy (self->draft, ep_profile_get_id (self->draft), NULL);
  /* Whatever the switch says: the folder is asked for before the copy is turned on, too. */
  ep_profile_set_sent_copy (job->draft, TRUE);
  job->saved = self->original != NULL ? g_object_ref (self->original) : NULL;
  job->secret = *typed != '\0' ? g_strdup (typed) : NULL;
  job->imap_secret = *typed_imap != '\0' ? g_strdup (typed_imap) : NULL;

  choose_set_busy (sent, TRUE);
  adw_action_row_set_subtitle (sent->choose_row, _("Asking the server…"));
  task = g_task_new (NULL, sent->cancellable, check_done_cb, self);
  g_task_set_source_tag (task, choose_clicked_cb);
  g_task_set_task_data (task, job, (GDestroyNotify) check_job_free);
  g_task_run_in_thread (task, check_thread);
}

/* ---- Save ------------------------------------------------------------------------------------ */

/**
 * ep_profile_editor_sent_check:
 * @out_focus: (out): the field to focus
 *
 * Returns: (nullable): the first problem with the section's fields, named after the field
 */
const char *
ep_profile_editor_sent_check (EpProfileEditor  *self,
                              gpointer         *out_focus)
{
  EpProfileEditorSent *sent = self->sent;
  EpProfile *p = self->draft;
  gboolean on = ep_profile_get_sent_copy (p);

  if (sent == NULL || self->is_sandbox)
    return NULL;
  *out_focus = sent->host_row;
  if (on && *ep_profile_get_imap_host (p) == '\0')
    return _("Copy to Sent Folder: enter the IMAP server’s name.");
  if (strpbrk (ep_profile_get_imap_host (p), " \t") != NULL)
    return _("Copy to Sent Folder: the IMAP server’s name cannot contain spaces.");
  *out_focus = sent->port_row;
  if (parse_port (sent) < 0)
    return _("Copy to Sent Folder: the IMAP port must be a number from 1 to 65535, or empty.");
  *out_focus = sent->password_row;
  if (on && ep_profile_get_imap_own_password (p) && *text_of (sent->password_row) == '\0' &&
      (self->baseline == NULL || !ep_profile_get_imap_own_password (self->baseline)))
    return _("Copy to Sent Folder: type the separate IMAP password, or choose the same password "
             "as for sending.");
  *out_focus = sent->folder_row;
  if (on && adw_combo_row_get_selected (sent->folder_mode_row) == FOLDER_CHOSEN &&
      *ep_profile_get_imap_sent_folder (p) == '\0')
    return _("Copy to Sent Folder: enter the Sent folder’s name, or let Epistle find it.");
  *out_focus = NULL;
  return NULL;
}

/* The section's values onto the stored profile (the pin last: it is for the server set before). */
void
ep_profile_editor_sent_copy_to (EpProfileEditor *self,
                                EpProfile       *target)
{
  EpProfile *p = self->draft;

  ep_profile_set_sent_copy (target, ep_profile_get_sent_copy (p));
  ep_profile_set_imap_host (target, ep_profile_get_imap_host (p));
  ep_profile_set_imap_port (target, ep_profile_get_imap_port (p));
  ep_profile_set_imap_security (target, ep_profile_get_imap_security (p));
  ep_profile_set_imap_username (target, ep_profile_get_imap_username (p));
  ep_profile_set_imap_own_password (target, ep_profile_get_imap_own_password (p));
  ep_profile_set_imap_sent_folder (target, ep_profile_get_imap_sent_folder (p));
  ep_profile_set_imap_pinned_sha256 (target, ep_profile_get_imap_pinned_sha256 (p));
}

gboolean
ep_profile_editor_sent_has_changes (EpProfileEditor *self)
{
  EpProfile *a = self->baseline, *b = self->draft;

  if (self->sent == NULL || a == NULL)
    return FALSE;
  return *text_of (self->sent->password_row) != '\0' ||
         ep_profile_get_sent_copy (a) != ep_profile_get_sent_copy (b) ||
         g_strcmp0 (ep_profile_get_imap_host (a), ep_profile_get_imap_host (b)) != 0 ||
         ep_profile_get_imap_port (a) != ep_profile_get_imap_port (b) ||
         ep_profile_get_imap_security (a) != ep_profile_get_imap_security (b) ||
         g_strcmp0 (ep_profile_get_imap_username (a), ep_profile_get_imap_username (b)) != 0 ||
         ep_profile_get_imap_own_password (a) != ep_profile_get_imap_own_password (b) ||
         g_strcmp0 (ep_profile_get_imap_sent_folder (a), ep_profile_get_imap_sent_folder (b)) != 0;
}

typedef struct {
  char *profile_id;
  char *label;
  char *password;   /* NULL: forget it */
} KeyringJob;

static void
keyring_job_free (KeyringJob *job)
{
  g_free (job->profile_id);
  g_free (job->label);
  g_clear_pointer (&job->password, ep_secrets_password_free);
  g_free (job);
}

static void
keyring_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  KeyringJob *job = task_data;
  GError *error = NULL;
  gboolean ok;

  if (job->password != NULL)
    ok = ep_secrets_store_token_sync (job->profile_id, EP_SECRETS_KIND_IMAP_PASSWORD, job->label,
                                      job->password, cancellable, &error);
  else
    ok = ep_secrets_clear_token_sync (job->profile_id, EP_SECRETS_KIND_IMAP_PASSWORD, cancellable, &error);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
keyring_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GWeakRef *editor = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(EpProfileEditor) self = g_weak_ref_get (editor);
  GtkRoot *root;
  g_autofree char *text = NULL;

  g_weak_ref_clear (editor);
  g_free (editor);
  /* The editor usually closes on Save: the toast goes to the window it was in, if any. */
  if (g_task_propagate_boolean (G_TASK (result), &error) || self == NULL)
    return;
  root = gtk_widget_get_root (GTK_WIDGET (self));
  /* Translators: %s is the keyring's error */
  text = g_strdup_printf (_("The keyring did not keep the IMAP password: %s"), error->message);
  if (ADW_IS_PREFERENCES_WINDOW (root))
    adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (root), adw_toast_new (text));
}

/* After a save: the separate IMAP password typed goes to the keyring (never profiles.ini);
 * one no longer wanted is forgotten. */
void
ep_profile_editor_sent_saved (EpProfileEditor *self,
                              EpProfile       *target)
{
  EpProfileEditorSent *sent = self->sent;
  const char *typed;
  g_autoptr(GTask) task = NULL;
  GWeakRef *editor;
  KeyringJob *job;

  if (sent == NULL || self->is_sandbox)
    return;
  if (*ep_profile_get_imap_sent_folder (target) != '\0' &&
      (self->baseline == NULL ||
       g_strcmp0 (ep_profile_get_imap_sent_folder (self->baseline), ep_profile_get_imap_sent_folder (target)) != 0))
    requeue_copies (target);
  typed = text_of (sent->password_row);
  if (ep_profile_get_imap_own_password (target) && *typed == '\0')
    return;
  if (!ep_profile_get_imap_own_password (target) &&
      (self->baseline == NULL || !ep_profile_get_imap_own_password (self->baseline)))
    return;

  job = g_new0 (KeyringJob, 1);
  job->profile_id = g_strdup (ep_profile_get_id (target));
  /* Translators: what the keyring shows; %s is the profile's name */
  job->label = g_strdup_printf (_("Epistle IMAP password: %s"), ep_profile_get_name (target));
  job->password = ep_profile_get_imap_own_password (target) ? g_strdup (typed) : NULL;
  set_text (sent->password_row, "");
  /* Not cancelled with the editor, which usually closes right after a save. */
  editor = g_new0 (GWeakRef, 1);
  g_weak_ref_init (editor, self);
  task = g_task_new (NULL, NULL, keyring_done_cb, editor);
  g_task_set_source_tag (task, ep_profile_editor_sent_saved);
  g_task_set_task_data (task, job, (GDestroyNotify) keyring_job_free);
  g_task_run_in_thread (task, keyring_thread);
}

/* ---- for tests, and tear-down ---------------------------------------------------------------- */

/* Returns: (nullable) (transfer none): "sent-copy", "imap-reason", "imap-host", "imap-port",
 *   "imap-security", "imap-username", "imap-password-mode", "imap-password", "sent-folder-mode",
 *   "sent-folder", "sent-folder-choose", "sent-folder-chooser" (the open chooser dialog) */
GtkWidget *
ep_profile_editor_sent_get_field (EpProfileEditor *self,
                                  const char      *name)
{
  EpProfileEditorSent *sent = self->sent;
  const struct { const char *name; gpointer widget; } fields[] = {
    { "sent-copy", sent->enable_switch },
    { "imap-reason", sent->reason_row },
    { "imap-host", sent->host_row },
    { "imap-port", sent->port_row },
    { "imap-security", sent->security_row },
    { "imap-username", sent->username_row },
    { "imap-password-mode", sent->password_mode_row },
    { "imap-password", sent->password_row },
    { "sent-folder-mode", sent->folder_mode_row },
    { "sent-folder", sent->folder_row },
    { "sent-folder-choose", sent->choose_button },
    { "sent-folder-choose-row", sent->choose_row },
    { "sent-folder-chooser", sent->chooser },
  };

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    if (g_str_equal (fields[i].name, name))
      return fields[i].widget != NULL ? GTK_WIDGET (fields[i].widget) : NULL;
  return NULL;
}

void
ep_profile_editor_sent_dispose (EpProfileEditor *self)
{
  EpProfileEditorSent *sent = self->sent;

  if (sent == NULL)
    return;
  /* The rows outlive this state by a little (the template goes after it): nothing of theirs
   * may call back into it. */
  {
    gpointer widgets[] = { sent->enable_switch, sent->host_row, sent->port_row, sent->security_row,
                           sent->username_row, sent->password_mode_row, sent->folder_mode_row,
                           sent->folder_row, sent->choose_button };

    for (guint i = 0; i < G_N_ELEMENTS (widgets); i++)
      g_signal_handlers_disconnect_by_data (widgets[i], self);
  }
  if (self->draft != NULL)
    g_signal_handlers_disconnect_by_data (self->draft, self);
  g_cancellable_cancel (sent->cancellable);
  if (sent->chooser != NULL)
    gtk_window_destroy (GTK_WINDOW (sent->chooser));
  g_clear_object (&sent->cancellable);
  g_strfreev (sent->candidates);
  g_free (sent->choose_problem);
  g_clear_pointer (&self->sent, g_free);
}
