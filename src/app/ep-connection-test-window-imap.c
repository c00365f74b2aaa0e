/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-connection-test-window-imap.c: the IMAP side of the connection test (the copy in the Sent
 * folder on the server): its steps as rows after the SMTP ones, shown only for a profile that
 * makes the copy, each updated live as the SMTP ones are; and when the server has several Sent
 * folders, a row to pick the one the copies go to (the profile's imap-sent-folder). */
#include "config.h"

#include <glib/gi18n.h>

#include "ep-connection-test-window-private.h"
#include "ep-imap-error.h"
#include "ep-secrets.h"

/* A step's state as an icon (the SMTP steps' too). */
GtkWidget *
ep_connection_test_window_make_step_icons (void)
{
  GtkWidget *stack = gtk_stack_new ();
  GtkWidget *pending = gtk_image_new_from_icon_name ("content-loading-symbolic");
  GtkWidget *spinner = gtk_spinner_new ();
  GtkWidget *ok = gtk_image_new_from_icon_name ("emblem-ok-symbolic");
  GtkWidget *skipped = gtk_image_new_from_icon_name ("action-unavailable-symbolic");
  GtkWidget *failed = gtk_image_new_from_icon_name ("dialog-error-symbolic");

  gtk_widget_add_css_class (pending, "dim-label");
  gtk_widget_add_css_class (skipped, "dim-label");
  gtk_widget_add_css_class (ok, "success");
  gtk_widget_add_css_class (failed, "error");
  gtk_spinner_set_spinning (GTK_SPINNER (spinner), TRUE);
  gtk_stack_add_named (GTK_STACK (stack), pending, "pending");
  gtk_stack_add_named (GTK_STACK (stack), spinner, "running");
  gtk_stack_add_named (GTK_STACK (stack), ok, "ok");
  gtk_stack_add_named (GTK_STACK (stack), skipped, "skipped");
  gtk_stack_add_named (GTK_STACK (stack), failed, "failed");
  gtk_widget_set_valign (stack, GTK_ALIGN_CENTER);
  /* The row's subtitle says the same in words, for screen readers. */
  gtk_accessible_update_state (GTK_ACCESSIBLE (stack), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
  return stack;
}

static const char *
imap_step_title (EpImapCheckStep step)
{
  switch (step)
    {
    case EP_IMAP_CHECK_STEP_CONNECT:
      return _("Sent folder copy: connect to the IMAP server");
    case EP_IMAP_CHECK_STEP_GREETING:
      return _("Sent folder copy: greeting");
    case EP_IMAP_CHECK_STEP_TLS:
      return _("Sent folder copy: encryption");
    case EP_IMAP_CHECK_STEP_AUTH:
      return _("Sent folder copy: sign in");
    case EP_IMAP_CHECK_STEP_SENT_FOLDER:
      return _("Sent folder copy: find the Sent folder");
    case EP_IMAP_CHECK_STEP_LOGOUT:
      return _("Sent folder copy: say goodbye (LOGOUT)");
    default:
      g_assert_not_reached ();
    }
}

/* The candidates of an ambiguous Sent folder, once the test is over; NULL otherwise. */
static char **
sent_candidates (EpConnectionTestWindow *self)
{
  const EpImapResult *result;

  if (!self->finished || self->test == NULL ||
      !g_error_matches (ep_connection_test_get_imap_error (self->test), EP_IMAP_ERROR,
                        EP_IMAP_ERROR_SENT_FOLDER_AMBIGUOUS))
    return NULL;
  result = ep_connection_test_get_imap_result (self->test);
  return result != NULL ? result->candidates : NULL;
}

static void
update_choose_row (EpConnectionTestWindow *self)
{
  char **candidates = sent_candidates (self);
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);

  gtk_widget_set_visible (GTK_WIDGET (self->imap_choose_row), candidates != NULL);
  if (candidates == NULL)
    return;
  for (guint i = 0; candidates[i] != NULL; i++)
    {
      g_autofree char *shown = ep_imap_mailbox_dup_display_name (candidates[i]);

      gtk_string_list_append (names, shown);
    }
  adw_combo_row_set_model (self->imap_choose_row, G_LIST_MODEL (names));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->imap_choose_row),
                               _("The server has more than one folder for sent mail: choose the "
                                 "one for the copies, then test again."));
}

/**
 * ep_connection_test_window_choose_sent_folder:
 * @index: a candidate of the ambiguous Sent folder, as listed
 *
 * Makes it the profile's Sent folder (the editor's draft, kept on Save), as "Use" does.
 */
void
ep_connection_test_window_choose_sent_folder (EpConnectionTestWindow *self,
                                              guint                   index)
{
  char **candidates;
  g_autofree char *shown = NULL;
  g_autofree char *text = NULL;

  g_return_if_fail (EP_IS_CONNECTION_TEST_WINDOW (self));

  candidates = sent_candidates (self);
  if (candidates == NULL || index >= g_strv_length (candidates))
    return;
  ep_profile_set_imap_sent_folder (self->profile, candidates[index]);
  shown = ep_imap_mailbox_dup_display_name (candidates[index]);
  /* Translators: %s is a mailbox name, e.g. "Copies go to “Sent”" */
  text = g_strdup_printf (_("Copies go to “%s”"), shown);
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->imap_choose_row), text);
}

static void
use_clicked_cb (EpConnectionTestWindow *self)
{
  ep_connection_test_window_choose_sent_folder (self, adw_combo_row_get_selected (self->imap_choose_row));
}

/* Returns: (nullable) (transfer none) */
GtkWidget *
ep_connection_test_window_get_sent_folder_chooser (EpConnectionTestWindow *self)
{
  g_return_val_if_fail (EP_IS_CONNECTION_TEST_WINDOW (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->imap_choose_row)) ? GTK_WIDGET (self->imap_choose_row) : NULL;
}

void
ep_connection_test_window_update_imap (EpConnectionTestWindow *self)
{
  static const char *pages[] = { "pending", "running", "ok", "skipped", "failed" };
  gboolean shown = self->test != NULL && ep_connection_test_get_checks_imap (self->test);

  for (guint i = 0; i < EP_IMAP_CHECK_N_STEPS; i++)
    {
      const char *detail = NULL;
      EpTestStepState state = shown ? ep_connection_test_get_imap_step_state (self->test, i, &detail)
                                    : EP_TEST_STEP_STATE_PENDING;
      const char *subtitle;

      gtk_widget_set_visible (GTK_WIDGET (self->imap_rows[i]), shown);
      gtk_stack_set_visible_child_name (self->imap_icons[i], pages[state]);
      if (state == EP_TEST_STEP_STATE_RUNNING)
        subtitle = _("In progress…");
      else if (state == EP_TEST_STEP_STATE_OK || state == EP_TEST_STEP_STATE_FAILED)
        subtitle = detail != NULL && *detail != '\0' ? detail
                   : state == EP_TEST_STEP_STATE_OK ? _("Done") : _("Failed");
      else if (state == EP_TEST_STEP_STATE_SKIPPED)
        subtitle = _("Skipped");
      else
        subtitle = self->finished ? _("Not run") : "";
      adw_action_row_set_subtitle (self->imap_rows[i], subtitle);
    }
  update_choose_row (self);
}

static void
imap_changed_cb (EpConnectionTestWindow *self)
{
  ep_connection_test_window_update_imap (self);
}

void
ep_connection_test_window_init_imap (EpConnectionTestWindow *self)
{
  for (guint i = 0; i < EP_IMAP_CHECK_N_STEPS; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *icons = ep_connection_test_window_make_step_icons ();

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), imap_step_title (i));
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icons);
      gtk_widget_set_visible (row, FALSE);
      adw_preferences_group_add (self->steps_group, row);
      self->imap_rows[i] = ADW_ACTION_ROW (row);
      self->imap_icons[i] = GTK_STACK (icons);
    }

  {
    GtkWidget *row = adw_combo_row_new ();
    GtkWidget *button = gtk_button_new_with_mnemonic (_("_Use"));

    adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Sent folder for the copies"));
    adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
    gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
    gtk_widget_set_tooltip_text (button, _("Copy Sent Messages to This Folder"));
    g_signal_connect_swapped (button, "clicked", G_CALLBACK (use_clicked_cb), self);
    adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
    gtk_widget_set_visible (row, FALSE);
    adw_preferences_group_add (self->steps_group, row);
    self->imap_choose_row = ADW_COMBO_ROW (row);
  }
}

void
ep_connection_test_window_set_imap_password (EpConnectionTestWindow *self,
                                             const char             *password)
{
  g_return_if_fail (EP_IS_CONNECTION_TEST_WINDOW (self));

  g_clear_pointer (&self->imap_password, ep_secrets_password_free);
  if (password != NULL && *password != '\0')
    self->imap_password = g_strdup (password);
}

/* After the SMTP rows, which are put back in their order for each test. */
void
ep_connection_test_window_move_imap_last (EpConnectionTestWindow *self)
{
  for (guint i = 0; i <= EP_IMAP_CHECK_N_STEPS; i++)
    {
      GtkWidget *widget = i < EP_IMAP_CHECK_N_STEPS ? GTK_WIDGET (self->imap_rows[i])
                                                    : GTK_WIDGET (self->imap_choose_row);
      g_autoptr(GtkWidget) row = g_object_ref (widget);

      adw_preferences_group_remove (self->steps_group, row);
      adw_preferences_group_add (self->steps_group, row);
    }
}

void
ep_connection_test_window_finalize_imap (EpConnectionTestWindow *self)
{
  g_clear_pointer (&self->imap_password, ep_secrets_password_free);
}

void
ep_connection_test_window_watch_imap (EpConnectionTestWindow *self)
{
  g_signal_connect_swapped (self->test, "imap-step-changed", G_CALLBACK (imap_changed_cb), self);
  /* Known with the configuration: whether there is an IMAP side at all. */
  g_signal_connect_swapped (self->test, "notify::secret-source", G_CALLBACK (imap_changed_cb), self);
  ep_connection_test_window_update_imap (self);
}

EpTestStepState
ep_connection_test_window_get_imap_step_state (EpConnectionTestWindow  *self,
                                               EpImapCheckStep          step,
                                               const char             **detail)
{
  g_return_val_if_fail (EP_IS_CONNECTION_TEST_WINDOW (self), EP_TEST_STEP_STATE_PENDING);
  g_return_val_if_fail (step < EP_IMAP_CHECK_N_STEPS, EP_TEST_STEP_STATE_PENDING);

  if (detail != NULL)
    *detail = adw_action_row_get_subtitle (self->imap_rows[step]);
  if (!gtk_widget_get_visible (GTK_WIDGET (self->imap_rows[step])))
    return EP_TEST_STEP_STATE_PENDING;
  return ep_connection_test_get_imap_step_state (self->test, step, NULL);
}
