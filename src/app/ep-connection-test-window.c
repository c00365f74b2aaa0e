/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-connection-test-window.c: Test Connection's window for a profile as it is being edited
 * (nothing is saved for it). An EpConnectionTest runs the test; the window shows each step as
 * the test reports it on the main context, then the outcome in plain words with a suggested
 * fix, the server's capabilities, TLS and certificate, and the redacted transcript. A refused
 * certificate opens the certificate dialog; trusting it tests again. */
#include "config.h"

#include <glib/gi18n.h>

#include "ep-certificate-dialog.h"
#include "ep-connection-test-window-private.h"
#include "ep-error-advice.h"
#include "ep-secrets.h"
#include "ep-sign-in-group.h"

G_DEFINE_FINAL_TYPE (EpConnectionTestWindow, ep_connection_test_window, ADW_TYPE_WINDOW)

enum {
  FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void ep_connection_test_window_finish (EpConnectionTestWindow *self,
                                              EpSmtpResult           *result,
                                              GError                 *error);

static EpTestStepState
step_state (EpConnectionTestWindow *self,
            EpSmtpTestStep          step,
            const char            **detail)
{
  if (self->test == NULL)
    {
      if (detail != NULL)
        *detail = NULL;
      return EP_TEST_STEP_STATE_PENDING;
    }
  return ep_connection_test_get_step_state (self->test, step, detail);
}

/* ---- Helpers --------------------------------------------------------------------------------- */

static const char *
step_title (EpSmtpTestStep step,
            EpSmtpSecurity security)
{
  switch (step)
    {
    case EP_SMTP_TEST_STEP_CONNECT:
      return _("Connect to the server");
    case EP_SMTP_TEST_STEP_GREETING:
      return _("Server greeting");
    case EP_SMTP_TEST_STEP_EHLO:
      return _("Introduce Epistle (EHLO)");
    case EP_SMTP_TEST_STEP_TLS:
      if (security == EP_SMTP_SECURITY_TLS)
        return _("Encrypt the connection (implicit TLS)");
      if (security == EP_SMTP_SECURITY_STARTTLS)
        return _("Encrypt the connection (STARTTLS)");
      return _("Encryption");
    case EP_SMTP_TEST_STEP_EHLO_TLS:
      return _("Introduce again, encrypted (EHLO)");
    case EP_SMTP_TEST_STEP_AUTH:
      return _("Sign in (AUTH)");
    case EP_SMTP_TEST_STEP_QUIT:
      return _("Say goodbye (QUIT)");
    default:
      g_assert_not_reached ();
    }
}

static char *
skipped_text (EpConnectionTestWindow *self,
              EpSmtpTestStep          step)
{
  if (step == EP_SMTP_TEST_STEP_TLS)
    return g_strdup (_("Not encrypted: this profile uses no security"));
  if (step == EP_SMTP_TEST_STEP_AUTH)
    {
      if (!ep_connection_test_get_signs_in (self->test))
        return g_strdup (_("Skipped: no user name is set, so Epistle does not sign in"));
      if (ep_connection_test_get_secret_source (self->test) == EP_PROFILE_SECRET_OTHER_SERVER)
        /* Translators: %s is the saved server, e.g. "smtp.example.org:587" */
        return g_strdup_printf (_("Skipped: the saved password is for %s; type the password for "
                                  "this server to test signing in"),
                                ep_connection_test_get_saved_server (self->test));
      return g_strdup (_("Skipped: no password was typed and none is saved in the keyring"));
    }
  return g_strdup (_("Skipped"));
}

static void
update_step_row (EpConnectionTestWindow *self,
                 EpSmtpTestStep          step)
{
  static const char *pages[] = { "pending", "running", "ok", "skipped", "failed" };
  const char *detail = NULL;
  EpTestStepState state = step_state (self, step, &detail);
  g_autofree char *subtitle = NULL;

  gtk_stack_set_visible_child_name (self->step_icons[step], pages[state]);
  switch (state)
    {
    case EP_TEST_STEP_STATE_RUNNING:
      subtitle = g_strdup (_("In progress…"));
      break;
    case EP_TEST_STEP_STATE_OK:
      subtitle = g_strdup (detail != NULL && *detail != '\0' ? detail : _("Done"));
      break;
    case EP_TEST_STEP_STATE_SKIPPED:
      subtitle = skipped_text (self, step);
      break;
    case EP_TEST_STEP_STATE_FAILED:
      subtitle = g_strdup (detail != NULL && *detail != '\0' ? detail : _("Failed"));
      break;
    case EP_TEST_STEP_STATE_PENDING:
    default:
      subtitle = g_strdup (self->finished ? _("Not run") : "");
      break;
    }
  adw_action_row_set_subtitle (self->step_rows[step], subtitle);
}

static void
step_changed_cb (EpConnectionTest       *test,
                 guint                   step,
                 EpConnectionTestWindow *self)
{
  g_return_if_fail (step < N_STEPS);
  update_step_row (self, step);
}

static void
set_outcome (EpConnectionTestWindow *self,
             const char             *icon,
             const char             *css_class,
             const char             *title,
             const char             *subtitle)
{
  static const char *classes[] = { "success", "error", "warning", "dim-label" };

  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (self->outcome_icon), classes[i]);
  if (css_class != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->outcome_icon), css_class);
  gtk_image_set_from_icon_name (self->outcome_icon, icon);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->outcome_row), title);
  adw_action_row_set_subtitle (self->outcome_row, subtitle != NULL ? subtitle : "");
}

/* ---- Running and finishing ------------------------------------------------------------------- */

static void
show_steps_for_security (EpConnectionTestWindow *self,
                         EpSmtpSecurity          security)
{
  /* Implicit TLS encrypts before the greeting; the rows follow the order on the wire. */
  static const EpSmtpTestStep starttls_order[] = {
    EP_SMTP_TEST_STEP_CONNECT, EP_SMTP_TEST_STEP_GREETING, EP_SMTP_TEST_STEP_EHLO,
    EP_SMTP_TEST_STEP_TLS, EP_SMTP_TEST_STEP_EHLO_TLS, EP_SMTP_TEST_STEP_AUTH, EP_SMTP_TEST_STEP_QUIT,
  };
  static const EpSmtpTestStep tls_order[] = {
    EP_SMTP_TEST_STEP_CONNECT, EP_SMTP_TEST_STEP_TLS, EP_SMTP_TEST_STEP_GREETING,
    EP_SMTP_TEST_STEP_EHLO, EP_SMTP_TEST_STEP_EHLO_TLS, EP_SMTP_TEST_STEP_AUTH, EP_SMTP_TEST_STEP_QUIT,
  };
  const EpSmtpTestStep *order = security == EP_SMTP_SECURITY_TLS ? tls_order : starttls_order;

  for (guint i = 0; i < N_STEPS; i++)
    {
      g_autoptr(GtkWidget) row = g_object_ref (GTK_WIDGET (self->step_rows[order[i]]));

      adw_preferences_group_remove (self->steps_group, row);
      adw_preferences_group_add (self->steps_group, row);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), step_title (order[i], security));
      /* A second EHLO follows STARTTLS only. */
      gtk_widget_set_visible (row, order[i] != EP_SMTP_TEST_STEP_EHLO_TLS ||
                                   security == EP_SMTP_SECURITY_STARTTLS);
    }  /* The IMAP side comes after the SMTP side, as it runs. */
  ep_connection_test_window_move_imap_last (self);
}

static void
ep_connection_test_window_set_running (EpConnectionTestWindow *self,
                                       gboolean                running)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "test.run", !running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "test.copy-transcript", !running);
  if (running)
    gtk_widget_remove_css_class (GTK_WIDGET (self->again_button), "suggested-action");
}

static void
certificate_trusted_cb (EpProfile *profile,
                        gpointer   user_data)
{
  EpConnectionTestWindow *self = user_data;

  adw_toast_overlay_add_toast (self->toast_overlay,
                               adw_toast_new (_("Certificate trusted for this profile; testing again")));
  ep_connection_test_window_start (self);
}

static void
certificate_dialog_destroyed_cb (EpConnectionTestWindow *self)
{
  self->certificate_dialog = NULL;
}

static void
ep_connection_test_window_finish (EpConnectionTestWindow *self,
                                  EpSmtpResult           *result,
                                  GError                 *error)
{
  g_autofree char *heading = NULL;

  self->result = result;
  self->error = error;
  self->finished = TRUE;
  g_clear_object (&self->cancellable);

  /* The test completed the steps; those never run now say so. */
  for (guint i = 0; i < N_STEPS; i++)
    update_step_row (self, i);
  ep_connection_test_window_update_imap (self);

  if (error == NULL)
    {
      g_autofree char *text = NULL;

      if (step_state (self, EP_SMTP_TEST_STEP_AUTH, NULL) == EP_TEST_STEP_STATE_SKIPPED &&
          ep_connection_test_get_signs_in (self->test))
        text = g_strdup (_("Connected, but signing in was not tested: type the password and test again."));
      else if (self->sandbox)
        text = g_strdup (_("Messages sent with this profile stay on this computer, in the Sandbox Inbox."));
      else
        text = g_strdup_printf (_("Epistle can send through %s."), ep_profile_get_host (self->profile));
      set_outcome (self, "emblem-ok-symbolic", "success", _("Everything Works"), text);
    }
  else
    {
      g_autofree char *subtitle = NULL;

      ep_error_advice_describe (error, EP_ERROR_ADVICE_TESTING, self->profile, result, &heading,
                                &self->suggestion);
      subtitle = self->suggestion != NULL ? g_strdup_printf ("%s\n\n%s", error->message, self->suggestion)
                                          : g_strdup (error->message);
      set_outcome (self, "dialog-error-symbolic", "error", heading, subtitle);
    }

  if (result != NULL)
    ep_connection_test_window_show_result (self, result);

  ep_connection_test_window_set_running (self, FALSE);
  if (error != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->again_button), "suggested-action");

  if (ep_certificate_dialog_applies (error, result) && !self->sandbox)
    {
      if (self->certificate_dialog != NULL)
        gtk_window_destroy (GTK_WINDOW (self->certificate_dialog));
      self->certificate_dialog = ep_certificate_dialog_present (GTK_WINDOW (self), self->store,
                                                                self->profile, result,
                                                                certificate_trusted_cb,
                                                                g_object_ref (self), g_object_unref);
      g_signal_connect_object (self->certificate_dialog, "destroy",
                               G_CALLBACK (certificate_dialog_destroyed_cb), self, G_CONNECT_SWAPPED);
    }

  g_signal_emit (self, signals[FINISHED], 0);
}

/* ---- Actions, GObject ------------------------------------------------------------------------ */

static void
run_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  ep_connection_test_window_start (EP_CONNECTION_TEST_WINDOW (widget));
}

static void
copy_transcript_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  EpConnectionTestWindow *self = EP_CONNECTION_TEST_WINDOW (widget);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->transcript_view);
  g_autofree char *text = NULL;
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text);
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (_("Transcript copied")));
}

static void
ep_connection_test_window_dispose (GObject *object)
{
  EpConnectionTestWindow *self = EP_CONNECTION_TEST_WINDOW (object);

  /* The test finishes on its own (closing promptly); what it reports reaches no window. */
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->test != NULL)
    g_signal_handlers_disconnect_by_data (self->test, self);
  g_clear_object (&self->test);
  /* Its "Trust" would test again in a window that is gone. */
  if (self->certificate_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->certificate_dialog));
  g_clear_pointer (&self->result_rows, g_ptr_array_unref);

  gtk_widget_dispose_template (GTK_WIDGET (self), EP_TYPE_CONNECTION_TEST_WINDOW);

  G_OBJECT_CLASS (ep_connection_test_window_parent_class)->dispose (object);
}

static void
ep_connection_test_window_finalize (GObject *object)
{
  EpConnectionTestWindow *self = EP_CONNECTION_TEST_WINDOW (object);

  g_clear_object (&self->store);
  g_clear_object (&self->profile);
  g_clear_pointer (&self->password, ep_secrets_password_free);
  ep_connection_test_window_finalize_imap (self);
  g_clear_pointer (&self->result, ep_smtp_result_unref);
  g_clear_error (&self->error);
  g_free (self->suggestion);

  G_OBJECT_CLASS (ep_connection_test_window_parent_class)->finalize (object);
}

static void
ep_connection_test_window_class_init (EpConnectionTestWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ep_connection_test_window_dispose;
  object_class->finalize = ep_connection_test_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/epistlemail/Epistle/ep-connection-test-window.ui");
  gtk_widget_class_bind_template_child (widget_class, EpConnectionTestWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, EpConnectionTestWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, EpConnectionTestWindow, again_button);
  gtk_widget_class_bind_template_child (widget_class, EpConnectionTestWindow, steps_group);
  gtk_widget_class_bind_template_child (widget_class, EpConnectionTestWindow, outcome_group);
  gtk_widget_class_bind_template_child (widget_class, EpConnectionTestWindow, caps_group);
  gtk_widget_class_bind_template_child (widget_class, EpConnectionTestWindow, tls_group);
  gtk_widget_class_bind_template_child (widget_class, EpConnectionTestWindow, cert_group);
  gtk_widget_class_bind_template_child (widget_class, EpConnectionTestWindow, transcript_group);
  gtk_widget_class_bind_template_child (widget_class, EpConnectionTestWindow, outcome_row);
  gtk_widget_class_bind_template_child (widget_class, EpConnectionTestWindow, outcome_icon);
  gtk_widget_class_bind_template_child (widget_class, EpConnectionTestWindow, transcript_view);

  /* A run ended and its outcome is shown (ep_connection_test_window_get_error() says which):
   * what set-up from an address waits for before it saves a profile. */
  signals[FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_install_action (widget_class, "test.run", NULL, run_action);
  gtk_widget_class_install_action (widget_class, "test.copy-transcript", NULL, copy_transcript_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ep_connection_test_window_init (EpConnectionTestWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->result_rows = g_ptr_array_new_with_free_func (g_object_unref);
  /* The outcome row's title says it in words. */
  gtk_accessible_update_state (GTK_ACCESSIBLE (self->outcome_icon), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);

  for (guint i = 0; i < N_STEPS; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *icons = ep_connection_test_window_make_step_icons ();

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), step_title (i, EP_SMTP_SECURITY_STARTTLS));
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icons);
      adw_preferences_group_add (self->steps_group, row);
      self->step_rows[i] = ADW_ACTION_ROW (row);
      self->step_icons[i] = GTK_STACK (icons);
    }
  ep_connection_test_window_init_imap (self);
}

/* ---- Public API ------------------------------------------------------------------------------ */

static void
test_done_cb (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  GWeakRef *weak = user_data;
  g_autoptr(EpConnectionTestWindow) self = g_weak_ref_get (weak);
  EpConnectionTest *test = EP_CONNECTION_TEST (source);
  GError *error = NULL;
  EpSmtpResult *result;

  g_weak_ref_clear (weak);
  g_free (weak);
  /* The window went away (it cancelled the test): nothing to show, nothing to remember. */
  if (self == NULL || self->test != test)
    return;
  result = ep_connection_test_run_finish (test, res, &error);
  ep_connection_test_window_finish (self, result, error);
}

/**
 * ep_connection_test_window_start:
 *
 * Tests the connection with the profile's values as they are now (and the password given, or
 * else the one saved in the keyring for the saved server). Does nothing while a test runs.
 */
void
ep_connection_test_window_start (EpConnectionTestWindow *self)
{
  g_autofree char *where = NULL;
  EpSmtpSecurity security;
  GWeakRef *weak;

  g_return_if_fail (EP_IS_CONNECTION_TEST_WINDOW (self));

  if (ep_connection_test_window_is_running (self))
    return;

  g_clear_pointer (&self->result, ep_smtp_result_unref);
  g_clear_error (&self->error);
  g_clear_pointer (&self->suggestion, g_free);
  ep_connection_test_window_clear_results (self);
  self->finished = FALSE;

  if (self->test != NULL)
    g_signal_handlers_disconnect_by_data (self->test, self);
  g_clear_object (&self->test);
  self->test = ep_connection_test_new (self->profile);
  /* The keyring keeps the password of the saved profile, for its saved server: a profile not
   * saved yet has none there. */
  if (self->store != NULL)
    ep_connection_test_set_saved (self->test,
                                  ep_profile_store_lookup_by_id (self->store, ep_profile_get_id (self->profile)));
  ep_connection_test_set_sandbox (self->test, self->sandbox);
  ep_connection_test_set_secret (self->test, self->password);
  ep_connection_test_set_imap_secret (self->test, self->imap_password);
  {
    g_autofree char *client_id = NULL;
    g_autofree char *client_secret = NULL;

    ep_sign_in_client_for_profile (self->profile, &client_id, &client_secret);
    ep_connection_test_set_oauth_client (self->test, client_id, client_secret);
  }
  g_signal_connect (self->test, "step-changed", G_CALLBACK (step_changed_cb), self);
  ep_connection_test_window_watch_imap (self);

  security = self->sandbox ? EP_SMTP_SECURITY_STARTTLS : ep_profile_get_security (self->profile);
  if (self->sandbox)
    where = g_strdup (_("The built-in Sandbox"));
  else
    where = g_strdup_printf ("%s:%u", ep_profile_get_host (self->profile),
                             ep_profile_get_port (self->profile));
  adw_window_title_set_subtitle (self->window_title, where);
  show_steps_for_security (self, security);
  for (guint i = 0; i < N_STEPS; i++)
    update_step_row (self, i);
  set_outcome (self, "content-loading-symbolic", "dim-label", _("Testing…"), NULL);

  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  ep_connection_test_window_set_running (self, TRUE);

  weak = g_new0 (GWeakRef, 1);
  g_weak_ref_init (weak, self);
  ep_connection_test_run_async (self->test, self->cancellable, test_done_cb, weak);
}

/**
 * ep_connection_test_window_new:
 * @parent: (nullable): the window it belongs to (it is modal)
 * @store: (nullable): for saving a trusted certificate when @profile is a stored one
 * @profile: the values to test; the test reads them again each time it runs, and sets the
 *   SIZE limit and a trusted fingerprint on it
 * @sandbox: test the built-in Sandbox (its own server, account and certificate)
 * @password: (nullable): the password or token typed; %NULL to use the keyring's
 */
EpConnectionTestWindow *
ep_connection_test_window_new (GtkWindow      *parent,
                               EpProfileStore *store,
                               EpProfile      *profile,
                               gboolean        sandbox,
                               const char     *password)
{
  EpConnectionTestWindow *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (EP_IS_PROFILE (profile), NULL);

  self = g_object_new (EP_TYPE_CONNECTION_TEST_WINDOW, "transient-for", parent, NULL);
  self->store = store != NULL ? g_object_ref (store) : NULL;
  self->profile = g_object_ref (profile);
  self->sandbox = sandbox;
  ep_connection_test_window_set_password (self, password);
  return self;
}

void
ep_connection_test_window_set_password (EpConnectionTestWindow *self,
                                        const char             *password)
{
  g_return_if_fail (EP_IS_CONNECTION_TEST_WINDOW (self));

  g_clear_pointer (&self->password, ep_secrets_password_free);
  if (password != NULL && *password != '\0')
    self->password = g_strdup (password);
}

gboolean
ep_connection_test_window_is_running (EpConnectionTestWindow *self)
{
  g_return_val_if_fail (EP_IS_CONNECTION_TEST_WINDOW (self), FALSE);
  return self->cancellable != NULL;
}

/* For tests and tools: the state of @step and the text shown with it. */
EpTestStepState
ep_connection_test_window_get_step_state (EpConnectionTestWindow  *self,
                                          EpSmtpTestStep           step,
                                          const char             **detail)
{
  g_return_val_if_fail (EP_IS_CONNECTION_TEST_WINDOW (self), EP_TEST_STEP_STATE_PENDING);
  g_return_val_if_fail (step < N_STEPS, EP_TEST_STEP_STATE_PENDING);

  if (detail != NULL)
    *detail = adw_action_row_get_subtitle (self->step_rows[step]);
  return step_state (self, step, NULL);
}

gboolean
ep_connection_test_window_get_step_visible (EpConnectionTestWindow *self,
                                            EpSmtpTestStep          step)
{
  g_return_val_if_fail (EP_IS_CONNECTION_TEST_WINDOW (self), FALSE);
  g_return_val_if_fail (step < N_STEPS, FALSE);

  return gtk_widget_get_visible (GTK_WIDGET (self->step_rows[step]));
}

/* Returns: (transfer none) (nullable): the last finished test's result */
EpSmtpResult *
ep_connection_test_window_get_result (EpConnectionTestWindow *self)
{
  g_return_val_if_fail (EP_IS_CONNECTION_TEST_WINDOW (self), NULL);
  return self->result;
}

/* Returns: (transfer none) (nullable): why the last finished test failed */
const GError *
ep_connection_test_window_get_error (EpConnectionTestWindow *self)
{
  g_return_val_if_fail (EP_IS_CONNECTION_TEST_WINDOW (self), NULL);
  return self->error;
}

const char *
ep_connection_test_window_get_suggestion (EpConnectionTestWindow *self)
{
  g_return_val_if_fail (EP_IS_CONNECTION_TEST_WINDOW (self), NULL);
  return self->suggestion;
}

/* Returns: (transfer full): every text the window shows (outcome, results), for tests */
char *
ep_connection_test_window_dup_summary (EpConnectionTestWindow *self)
{
  g_autoptr(GString) text = g_string_new (NULL);

  g_return_val_if_fail (EP_IS_CONNECTION_TEST_WINDOW (self), NULL);

  g_string_append_printf (text, "%s\n%s\n",
                          adw_preferences_row_get_title (ADW_PREFERENCES_ROW (self->outcome_row)),
                          adw_action_row_get_subtitle (self->outcome_row));
  for (guint i = 0; i < self->result_rows->len; i++)
    {
      GtkWidget *row = self->result_rows->pdata[i];

      g_string_append_printf (text, "%s: %s",
                              adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)),
                              (const char *) g_object_get_data (G_OBJECT (row), "ep-value"));
      g_string_append_c (text, '\n');
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* Returns: (transfer none) (nullable): the certificate dialog this window opened, while open */
GtkWidget *
ep_connection_test_window_get_certificate_dialog (EpConnectionTestWindow *self)
{
  g_return_val_if_fail (EP_IS_CONNECTION_TEST_WINDOW (self), NULL);
  return self->certificate_dialog;
}
