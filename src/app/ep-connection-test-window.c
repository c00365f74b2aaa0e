/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-connection-test-window.c: runs ep_smtp_test_connection_sync() on a GTask thread for a profile
 * as it is being edited (nothing is saved for it), shows each step as the worker reports it
 * (marshalled to the main context; the worker never touches a widget), then the outcome in plain
 * words with a suggested fix, the server's capabilities, TLS and certificate, and the redacted
 * transcript. A refused certificate opens the certificate dialog; trusting it tests again. */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "ep-certificate-dialog.h"
#include "ep-connection-test-window.h"
#include "ep-error-advice.h"
#include "ep-sandbox-server.h"
#include "ep-secrets.h"
#include "ep-smtp-error.h"
#include "ep-store-error.h"

#define N_STEPS (EP_SMTP_TEST_STEP_QUIT + 1)

/* One test run, shared with the worker and its queued step events. Only the main thread reads
 * or writes @window, which is cleared when the window goes away or a newer run starts. */
typedef struct
{
  gatomicrefcount          ref_count;
  EpConnectionTestWindow  *window;
} Run;

typedef struct
{
  Run              *run;
  GMainContext     *context;    /* where step events go: the caller's */
  EpSmtpConfig     *config;
  EpSmtpTranscript *transcript;
  char             *profile_id;
  char             *sender_address;
  gboolean          sandbox;
  gboolean          lookup_password;
} TestJob;

typedef struct
{
  EpSmtpResult *result;
  GError       *error;
} TestOutcome;

typedef struct
{
  Run              *run;
  EpSmtpTestStep    step;
  EpSmtpTestStatus  status;
  char             *detail;
} StepEvent;

struct _EpConnectionTestWindow
{
  AdwWindow            parent_instance;

  /* Template widgets */
  AdwToastOverlay     *toast_overlay;
  AdwWindowTitle      *window_title;
  GtkButton           *again_button;
  AdwPreferencesGroup *steps_group;
  AdwPreferencesGroup *outcome_group;
  AdwPreferencesGroup *caps_group;
  AdwPreferencesGroup *tls_group;
  AdwPreferencesGroup *cert_group;
  AdwPreferencesGroup *transcript_group;
  AdwActionRow        *outcome_row;
  GtkImage            *outcome_icon;
  GtkTextView         *transcript_view;

  /* Owned */
  EpProfileStore      *store;
  EpProfile           *profile;
  char                *password;       /* typed, not saved; wiped when replaced or freed */
  gboolean             sandbox;
  Run                 *run;
  GCancellable        *cancellable;
  gboolean             finished;
  AdwActionRow        *step_rows[N_STEPS];
  GtkStack            *step_icons[N_STEPS];
  EpTestStepState      states[N_STEPS];
  char                *details[N_STEPS];
  GPtrArray           *result_rows;    /* rows added to caps/tls/cert groups, to remove them */
  EpSmtpResult        *result;
  GError              *error;
  char                *suggestion;
  gboolean             auth_had_user;
  char                *password_is_for;  /* the saved server, when its password was kept back */

  /* Weak */
  GtkWidget           *certificate_dialog;
};

G_DEFINE_FINAL_TYPE (EpConnectionTestWindow, ep_connection_test_window, ADW_TYPE_WINDOW)

static void ep_connection_test_window_finish (EpConnectionTestWindow *self,
                                              EpSmtpResult           *result,
                                              GError                 *error);

/* ---- the run, the job and the worker ----------------------------------------------------- */

static Run *
run_new (EpConnectionTestWindow *window)
{
  Run *run = g_new0 (Run, 1);

  g_atomic_ref_count_init (&run->ref_count);
  run->window = window;
  return run;
}

static Run *
run_ref (Run *run)
{
  g_atomic_ref_count_inc (&run->ref_count);
  return run;
}

static void
run_unref (Run *run)
{
  if (g_atomic_ref_count_dec (&run->ref_count))
    g_free (run);
}

static void
test_job_free (TestJob *job)
{
  run_unref (job->run);
  g_main_context_unref (job->context);
  ep_smtp_config_free (job->config);
  g_clear_object (&job->transcript);
  g_free (job->profile_id);
  g_free (job->sender_address);
  g_free (job);
}

static void
test_outcome_free (TestOutcome *outcome)
{
  g_clear_pointer (&outcome->result, ep_smtp_result_unref);
  g_clear_error (&outcome->error);
  g_free (outcome);
}

static void
step_event_free (StepEvent *event)
{
  run_unref (event->run);
  g_free (event->detail);
  g_free (event);
}

static void apply_step (EpConnectionTestWindow *self,
                        EpSmtpTestStep          step,
                        EpSmtpTestStatus        status,
                        const char             *detail);

static gboolean
step_event_dispatch (gpointer data)
{
  StepEvent *event = data;
  EpConnectionTestWindow *self = event->run->window;

  if (self != NULL && self->run == event->run)
    apply_step (self, event->step, event->status, event->detail);
  return G_SOURCE_REMOVE;
}

/* Worker thread: hand the step to the main context, before anything later (higher priority
 * than the task's completion, so every step is shown before the outcome). */
static void
step_cb (EpSmtpTestStep    step,
         EpSmtpTestStatus  status,
         const char       *detail,
         gpointer          user_data)
{
  TestJob *job = user_data;
  StepEvent *event = g_new0 (StepEvent, 1);

  event->run = run_ref (job->run);
  event->step = step;
  event->status = status;
  event->detail = g_strdup (detail);
  g_main_context_invoke_full (job->context, G_PRIORITY_HIGH, step_event_dispatch, event,
                              (GDestroyNotify) step_event_free);
}

/* The Sandbox is started on demand; its port, account and pinned certificate are its own. */
static gboolean
sandbox_config (EpSmtpConfig  *config,
                GCancellable  *cancellable,
                GError       **error)
{
  return ep_sandbox_server_configure (ep_sandbox_server_get_default (), config, cancellable, error);
}

static void
set_secret (EpSmtpConfig *config,
            char         *secret)
{
  char **slot = ep_smtp_auth_mechanism_uses_token (config->auth)
                ? &config->oauth_token : &config->password;

  if (*slot != NULL)
    ep_secrets_password_free (*slot);
  *slot = secret;
}

static void
test_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  TestJob *job = task_data;
  TestOutcome *outcome = g_new0 (TestOutcome, 1);

  if (job->sandbox)
    {
      if (!sandbox_config (job->config, cancellable, &outcome->error))
        {
          g_task_return_pointer (task, outcome, (GDestroyNotify) test_outcome_free);
          return;
        }
    }
  else if (job->lookup_password)
    {
      /* Nothing typed: the saved password, if the keyring has one. Without it, AUTH is skipped
       * and the window says why. */
      char *password = ep_secrets_lookup_sync (job->profile_id, cancellable, NULL);

      if (password != NULL)
        set_secret (job->config, password);
    }

  outcome->result = ep_smtp_test_connection_sync (job->config, job->transcript, step_cb, job,
                                                  cancellable, &outcome->error);
  g_task_return_pointer (task, outcome, (GDestroyNotify) test_outcome_free);
}

static void
test_done_cb (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  Run *run = user_data;
  TestOutcome *outcome = g_task_propagate_pointer (G_TASK (res), NULL);
  EpConnectionTestWindow *self = run->window;

  if (self != NULL && self->run == run && outcome != NULL)
    {
      ep_connection_test_window_finish (self, g_steal_pointer (&outcome->result),
                                        g_steal_pointer (&outcome->error));
    }
  if (outcome != NULL)
    test_outcome_free (outcome);
  run_unref (run);
}

/* ---- helpers ------------------------------------------------------------------------------- */

static const char *
step_title (EpSmtpTestStep    step,
            EpProfileSecurity security)
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
      if (security == EP_PROFILE_SECURITY_TLS)
        return _("Encrypt the connection (implicit TLS)");
      if (security == EP_PROFILE_SECURITY_STARTTLS)
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
      if (!self->auth_had_user)
        return g_strdup (_("Skipped: no user name is set, so Epistle does not sign in"));
      if (self->password_is_for != NULL)
        /* Translators: %s is the saved server, e.g. "smtp.example.org:587" */
        return g_strdup_printf (_("Skipped: the saved password is for %s; type the password for "
                                  "this server to test signing in"), self->password_is_for);
      return g_strdup (_("Skipped: no password was typed and none is saved in the keyring"));
    }
  return g_strdup (_("Skipped"));
}

static void
update_step_row (EpConnectionTestWindow *self,
                 EpSmtpTestStep          step)
{
  static const char *pages[] = { "pending", "running", "ok", "skipped", "failed" };
  EpTestStepState state = self->states[step];
  const char *detail = self->details[step];
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
set_step (EpConnectionTestWindow *self,
          EpSmtpTestStep          step,
          EpTestStepState         state,
          const char             *detail)
{
  g_free (self->details[step]);
  self->details[step] = g_strdup (detail);
  self->states[step] = state;
  update_step_row (self, step);
}

static void
apply_step (EpConnectionTestWindow *self,
            EpSmtpTestStep          step,
            EpSmtpTestStatus        status,
            const char             *detail)
{
  static const EpTestStepState states[] = {
    [EP_SMTP_TEST_STATUS_STARTED] = EP_TEST_STEP_STATE_RUNNING,
    [EP_SMTP_TEST_STATUS_OK] = EP_TEST_STEP_STATE_OK,
    [EP_SMTP_TEST_STATUS_SKIPPED] = EP_TEST_STEP_STATE_SKIPPED,
    [EP_SMTP_TEST_STATUS_FAILED] = EP_TEST_STEP_STATE_FAILED,
  };

  g_assert (step < N_STEPS && status <= EP_SMTP_TEST_STATUS_FAILED);

  /* A failure's text is the engine's precise one; keep it over a later, vaguer report. */
  if (self->states[step] == EP_TEST_STEP_STATE_FAILED && status != EP_SMTP_TEST_STATUS_STARTED)
    return;
  set_step (self, step, states[status], detail);
}

static GtkWidget *
make_step_icons (void)
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

/* A row that shows a label and a value the user may select and copy. */
static GtkWidget *
make_value_row (const char *caption,
                const char *value,
                gboolean    monospace)
{
  GtkWidget *row = adw_preferences_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
  GtkWidget *caption_label = gtk_label_new (caption);
  GtkWidget *value_label = gtk_label_new (value);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), caption);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_label_set_xalign (GTK_LABEL (caption_label), 0.0);
  gtk_widget_add_css_class (caption_label, "caption");
  gtk_widget_add_css_class (caption_label, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (value_label), 0.0);
  gtk_label_set_wrap (GTK_LABEL (value_label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (value_label), monospace ? PANGO_WRAP_CHAR : PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (value_label), TRUE);
  if (monospace)
    gtk_widget_add_css_class (value_label, "monospace");
  gtk_accessible_update_relation (GTK_ACCESSIBLE (value_label),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, caption_label, NULL, -1);
  gtk_box_append (GTK_BOX (box), caption_label);
  gtk_box_append (GTK_BOX (box), value_label);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  g_object_set_data_full (G_OBJECT (row), "ep-value", g_strdup (value), g_free);
  return row;
}

static void
add_result_row (EpConnectionTestWindow *self,
                AdwPreferencesGroup    *group,
                GtkWidget              *row)
{
  adw_preferences_group_add (group, row);
  g_ptr_array_add (self->result_rows, g_object_ref (row));
}

static void
add_value (EpConnectionTestWindow *self,
           AdwPreferencesGroup    *group,
           const char             *caption,
           const char             *value,
           gboolean                monospace)
{
  add_result_row (self, group, make_value_row (caption, value, monospace));
}

/* An extension the server does or does not offer: its name, what it is good for, yes or no. */
static void
add_extension (EpConnectionTestWindow   *self,
               const EpSmtpCapabilities *caps,
               EpSmtpCapFlags            flag,
               const char               *name,
               const char               *meaning)
{
  GtkWidget *row = adw_action_row_new ();
  gboolean offered = ep_smtp_capabilities_has (caps, flag);
  GtkWidget *value = gtk_label_new (offered ? _("Offered") : _("Not offered"));

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), meaning);
  if (!offered)
    gtk_widget_add_css_class (value, "dim-label");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), value);
  g_object_set_data_full (G_OBJECT (row), "ep-value", g_strdup (gtk_label_get_text (GTK_LABEL (value))), g_free);
  add_result_row (self, self->caps_group, row);
}

static void
clear_results (EpConnectionTestWindow *self)
{
  for (guint i = 0; i < self->result_rows->len; i++)
    {
      GtkWidget *row = self->result_rows->pdata[i];
      GtkWidget *group = gtk_widget_get_ancestor (row, ADW_TYPE_PREFERENCES_GROUP);

      if (group != NULL)
        adw_preferences_group_remove (ADW_PREFERENCES_GROUP (group), row);
    }
  g_ptr_array_set_size (self->result_rows, 0);
  gtk_widget_set_visible (GTK_WIDGET (self->caps_group), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->tls_group), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->cert_group), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->transcript_group), FALSE);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->transcript_view), "", -1);
}

static void
show_capabilities (EpConnectionTestWindow   *self,
                   const EpSmtpCapabilities *caps)
{
  g_autofree char *size = NULL;
  g_autofree char *mechanisms = NULL;

  if (!ep_smtp_capabilities_has (caps, EP_SMTP_CAP_SIZE))
    size = g_strdup (_("Not announced"));
  else if (caps->size_max == 0)
    size = g_strdup (_("Announced without a limit"));
  else
    {
      g_autofree char *human = g_format_size (caps->size_max);
      /* Translators: "35.9 MB (35882577 bytes)" */
      size = g_strdup_printf (_("%s (%" PRIu64 " bytes)"), human, caps->size_max);
    }
  mechanisms = caps->auth_mechs[0] != NULL ? g_strjoinv (" ", caps->auth_mechs)
                                           : g_strdup (_("None offered"));

  if (caps->domain != NULL)
    add_value (self, self->caps_group, _("Server name"), caps->domain, FALSE);
  add_value (self, self->caps_group, _("Largest message accepted (SIZE)"), size, FALSE);
  add_value (self, self->caps_group, _("Sign-in methods (AUTH)"), mechanisms, FALSE);
  add_extension (self, caps, EP_SMTP_CAP_PIPELINING, "PIPELINING",
                 _("Commands are sent in batches, saving round trips"));
  add_extension (self, caps, EP_SMTP_CAP_CHUNKING, "CHUNKING",
                 _("The message is sent in chunks (BDAT)"));
  add_extension (self, caps, EP_SMTP_CAP_8BITMIME, "8BITMIME",
                 _("Text may travel as 8-bit, without re-encoding"));
  add_extension (self, caps, EP_SMTP_CAP_SMTPUTF8, "SMTPUTF8",
                 _("Addresses may contain non-ASCII characters"));
  gtk_widget_set_visible (GTK_WIDGET (self->caps_group), TRUE);
}

static void
show_tls (EpConnectionTestWindow *self,
          const EpSmtpTlsInfo    *tls)
{
  g_autofree char *trust = NULL;
  g_autofree char *not_before = ep_certificate_format_date (tls->not_before);
  g_autofree char *not_after = ep_certificate_format_date (tls->not_after);
  g_autofree char *fingerprint = NULL;

  if (tls->verified && tls->pinned)
    trust = g_strdup (_("Trusted because you chose to trust this certificate"));
  else if (tls->verified)
    trust = g_strdup (_("Verified: issued for this server by an authority this computer trusts"));
  else
    {
      g_autofree char *checks = ep_smtp_certificate_flags_to_string (tls->errors);
      /* Translators: %s is a list such as "unknown issuer, expired" */
      trust = g_strdup_printf (_("Not trusted: %s"), checks);
    }

  if (tls->verified)
    {
      add_value (self, self->tls_group, _("Protocol"), tls->protocol_version, FALSE);
      add_value (self, self->tls_group, _("Cipher suite"), tls->ciphersuite, TRUE);
      gtk_widget_set_visible (GTK_WIDGET (self->tls_group), TRUE);
    }

  if (tls->sha256 == NULL)
    return;
  add_value (self, self->cert_group, _("Trust"), trust, FALSE);
  add_value (self, self->cert_group, _("Issued to"), tls->subject ? tls->subject : _("unknown"), FALSE);
  add_value (self, self->cert_group, _("Issued by"), tls->issuer ? tls->issuer : _("unknown"), FALSE);
  add_value (self, self->cert_group, _("Valid from"), not_before, FALSE);
  add_value (self, self->cert_group, _("Valid until"), not_after, FALSE);
  fingerprint = ep_certificate_format_fingerprint (tls->sha256);
  add_value (self, self->cert_group, _("SHA-256 fingerprint"), fingerprint, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->cert_group), TRUE);
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

/* ---- running and finishing ----------------------------------------------------------------- */

static void
show_steps_for_security (EpConnectionTestWindow *self,
                         EpProfileSecurity       security)
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
  const EpSmtpTestStep *order = security == EP_PROFILE_SECURITY_TLS ? tls_order : starttls_order;

  for (guint i = 0; i < N_STEPS; i++)
    {
      g_autoptr(GtkWidget) row = g_object_ref (GTK_WIDGET (self->step_rows[order[i]]));

      adw_preferences_group_remove (self->steps_group, row);
      adw_preferences_group_add (self->steps_group, row);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), step_title (order[i], security));
      /* A second EHLO follows STARTTLS only. */
      gtk_widget_set_visible (row, order[i] != EP_SMTP_TEST_STEP_EHLO_TLS ||
                                   security == EP_PROFILE_SECURITY_STARTTLS);
    }
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

/**
 * ep_connection_test_window_start:
 *
 * Tests the connection with the profile's values as they are now (and the password given, or
 * else the one saved in the keyring). Does nothing while a test runs.
 */
void
ep_connection_test_window_start (EpConnectionTestWindow *self)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *where = NULL;
  EpProfileSecurity security;
  EpProfile *saved;
  TestJob *job;

  g_return_if_fail (EP_IS_CONNECTION_TEST_WINDOW (self));

  if (ep_connection_test_window_is_running (self))
    return;

  g_clear_pointer (&self->result, ep_smtp_result_unref);
  g_clear_error (&self->error);
  g_clear_pointer (&self->suggestion, g_free);
  clear_results (self);
  self->finished = FALSE;

  security = self->sandbox ? EP_PROFILE_SECURITY_STARTTLS : ep_profile_get_security (self->profile);
  if (self->sandbox)
    where = g_strdup (_("The built-in Sandbox"));
  else
    where = g_strdup_printf ("%s:%u", ep_profile_get_host (self->profile),
                             ep_profile_get_port (self->profile));
  adw_window_title_set_subtitle (self->window_title, where);
  show_steps_for_security (self, security);
  for (guint i = 0; i < N_STEPS; i++)
    set_step (self, i, EP_TEST_STEP_STATE_PENDING, NULL);
  set_outcome (self, "content-loading-symbolic", "dim-label", _("Testing…"), NULL);

  job = g_new0 (TestJob, 1);
  job->context = g_main_context_ref_thread_default ();
  job->config = ep_profile_to_smtp_config (self->profile, self->password);
  job->transcript = ep_smtp_transcript_new ();
  job->profile_id = g_strdup (ep_profile_get_id (self->profile));
  job->sender_address = g_strdup (ep_profile_get_sender_address (self->profile));
  job->sandbox = self->sandbox;
  /* The user name defaults to the sender address when a password is given (as on Save). */
  if (job->config->username == NULL && self->password != NULL && *self->password != '\0' &&
      *job->sender_address != '\0')
    job->config->username = g_strdup (job->sender_address);
  job->lookup_password = !self->sandbox && (self->password == NULL || *self->password == '\0') &&
                         job->config->username != NULL;
  /* The keyring keeps the password of the saved profile, for its saved server: whoever answers
   * at another host or port (the fields being edited) must not get it. A profile not saved yet
   * has none there. */
  saved = self->store != NULL ? ep_profile_store_lookup_by_id (self->store, job->profile_id) : NULL;
  g_clear_pointer (&self->password_is_for, g_free);
  if (job->lookup_password && saved != NULL &&
      !ep_profile_has_server (saved, ep_profile_get_host (self->profile), ep_profile_get_port (self->profile)))
    self->password_is_for = g_strdup_printf ("%s:%u", ep_profile_get_host (saved), ep_profile_get_port (saved));
  if (saved == NULL || self->password_is_for != NULL)
    job->lookup_password = FALSE;
  self->auth_had_user = self->sandbox || job->config->username != NULL;

  if (self->run != NULL)
    {
      self->run->window = NULL;
      run_unref (self->run);
    }
  self->run = run_new (self);
  job->run = run_ref (self->run);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  ep_connection_test_window_set_running (self, TRUE);

  task = g_task_new (NULL, self->cancellable, test_done_cb, run_ref (self->run));
  g_task_set_source_tag (task, ep_connection_test_window_start);
  g_task_set_task_data (task, job, (GDestroyNotify) test_job_free);
  g_task_run_in_thread (task, test_thread);
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
  gboolean any_failed = FALSE;

  self->result = result;
  self->error = error;
  self->finished = TRUE;
  g_clear_object (&self->cancellable);

  /* A step the engine left running failed with the error; one that never started stays
   * "not run", so nothing after the failure looks as if it had passed. */
  for (guint i = 0; i < N_STEPS; i++)
    {
      if (self->states[i] == EP_TEST_STEP_STATE_RUNNING && error != NULL)
        set_step (self, i, EP_TEST_STEP_STATE_FAILED, error->message);
      else if (self->states[i] == EP_TEST_STEP_STATE_RUNNING)
        set_step (self, i, EP_TEST_STEP_STATE_OK, self->details[i]);
      any_failed |= self->states[i] == EP_TEST_STEP_STATE_FAILED;
      update_step_row (self, i);
    }
  if (error != NULL && !any_failed)
    set_step (self, EP_SMTP_TEST_STEP_CONNECT, EP_TEST_STEP_STATE_FAILED, error->message);

  if (error == NULL)
    {
      g_autofree char *text = NULL;

      if (self->states[EP_SMTP_TEST_STEP_AUTH] == EP_TEST_STEP_STATE_SKIPPED && self->auth_had_user)
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
    {
      g_autofree char *transcript = result->transcript != NULL
                                    ? ep_smtp_transcript_to_string (result->transcript) : NULL;

      if (result->capabilities != NULL)
        show_capabilities (self, result->capabilities);
      if (result->tls != NULL)
        show_tls (self, result->tls);
      if (transcript != NULL && *transcript != '\0')
        {
          gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->transcript_view), transcript, -1);
          gtk_widget_set_visible (GTK_WIDGET (self->transcript_group), TRUE);
        }

      /* Remembered for the compose window's size warning (saved with the profile). */
      if (result->capabilities != NULL && result->capabilities->size_max > 0)
        ep_profile_set_size_limit (self->profile, result->capabilities->size_max);
    }

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
}

/* ---- actions, GObject ---------------------------------------------------------------------- */

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

  /* The worker finishes on its own (closing promptly); its events find no window. */
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->run != NULL)
    {
      self->run->window = NULL;
      g_clear_pointer (&self->run, run_unref);
    }
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
  g_clear_pointer (&self->result, ep_smtp_result_unref);
  g_clear_error (&self->error);
  g_free (self->suggestion);
  g_free (self->password_is_for);
  for (guint i = 0; i < N_STEPS; i++)
    g_free (self->details[i]);

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
      GtkWidget *icons = make_step_icons ();

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), step_title (i, EP_PROFILE_SECURITY_STARTTLS));
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icons);
      adw_preferences_group_add (self->steps_group, row);
      self->step_rows[i] = ADW_ACTION_ROW (row);
      self->step_icons[i] = GTK_STACK (icons);
    }
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
  return self->states[step];
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
