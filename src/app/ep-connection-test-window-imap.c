/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-connection-test-window-imap.c: the IMAP side of the connection test (the copy in the Sent
 * folder on the server): its steps as rows after the SMTP ones, shown only for a profile that
 * makes the copy, each updated live as the SMTP ones are. */
#include "config.h"

#include <glib/gi18n.h>

#include "ep-connection-test-window-private.h"

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
