/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-connection-test.c: on a worker thread, the configuration (ep_profile_config_build(): the
 * keyring's password for the saved server only, the Sandbox started on demand, a missing
 * password meaning AUTH is skipped) and ep_smtp_test_connection_sync(); what the worker meets
 * goes through an EpRelay to the caller's main context, where the steps' states are kept. The
 * profiles are copied when the test starts: the worker never reads an object the main thread
 * may be editing. */
#include "config.h"

#include "ep-connection-test.h"
#include "ep-imap-client.h"
#include "ep-relay.h"
#include "ep-secrets.h"

struct _EpConnectionTest
{
  GObject          parent_instance;

  EpProfile       *profile;
  EpProfile       *saved;
  gboolean         sandbox;
  char            *secret;
  char            *imap_secret;
  char            *oauth_client_id;
  char            *oauth_client_secret;
  EpRelay         *relay;
  gboolean         started;

  /* Main context */
  EpTestStepState  states[EP_CONNECTION_TEST_N_STEPS];
  char            *details[EP_CONNECTION_TEST_N_STEPS];
  EpProfileSecret  secret_source;
  char            *saved_server;
  gboolean         signs_in;
  gboolean         finished;
  /* The IMAP side (the copy in the Sent folder), when the profile makes one. */
  gboolean         checks_imap;
  EpTestStepState  imap_states[EP_IMAP_CHECK_N_STEPS];
  char            *imap_details[EP_IMAP_CHECK_N_STEPS];
  EpImapResult    *imap_result;
  GError          *imap_error;
};

G_DEFINE_FINAL_TYPE (EpConnectionTest, ep_connection_test, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SECRET_SOURCE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_STEP_CHANGED,
  SIGNAL_IMAP_STEP_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* What the worker needs, copied on the main thread when the test starts. */
typedef struct {
  EpProfile        *profile;
  EpProfile        *saved;
  gboolean          sandbox;
  char             *secret;
  char             *imap_secret;
  char             *oauth_client_id;
  char             *oauth_client_secret;
  EpRelay          *relay;
} Job;

static void
job_free (Job *job)
{
  g_clear_object (&job->profile);
  g_clear_object (&job->saved);
  g_clear_pointer (&job->secret, ep_secrets_password_free);
  g_clear_pointer (&job->imap_secret, ep_secrets_password_free);
  g_free (job->oauth_client_id);
  g_free (job->oauth_client_secret);
  ep_relay_unref (job->relay);
  g_free (job);
}

typedef struct {
  EpSmtpResult *result;
  GError       *error;
  EpImapResult *imap_result;
  GError       *imap_error;
} Outcome;

static void
outcome_free (Outcome *outcome)
{
  g_clear_pointer (&outcome->result, ep_smtp_result_unref);
  g_clear_error (&outcome->error);
  g_clear_pointer (&outcome->imap_result, ep_imap_result_free);
  g_clear_error (&outcome->imap_error);
  g_free (outcome);
}

/* ---- What the worker reports ----------------------------------------------------------------- */

typedef enum {
  EVENT_CONFIGURED,   /* where the secret came from */
  EVENT_STEP,
  EVENT_IMAP_STEP,    /* a step of the IMAP side */
} EventKind;

typedef struct {
  EventKind         kind;
  EpProfileSecret   secret_source;
  char             *saved_server;
  gboolean          signs_in;
  gboolean          checks_imap;
  EpSmtpTestStep    step;
  EpImapCheckStep   imap_step;
  EpSmtpTestStatus  status;
  char             *detail;
} Event;

static void
event_free (Event *event)
{
  g_free (event->saved_server);
  g_free (event->detail);
  g_free (event);
}

static void
set_step (EpConnectionTest *self,
          EpSmtpTestStep    step,
          EpTestStepState   state,
          const char       *detail)
{
  char *copy = g_strdup (detail);

  g_free (self->details[step]);
  self->details[step] = copy;
  self->states[step] = state;
  g_signal_emit (self, signals[SIGNAL_STEP_CHANGED], 0, (guint) step);
}

static void
apply_step (EpConnectionTest *self,
            EpSmtpTestStep    step,
            EpSmtpTestStatus  status,
            const char       *detail)
{
  static const EpTestStepState states[] = {
    [EP_SMTP_TEST_STATUS_STARTED] = EP_TEST_STEP_STATE_RUNNING,
    [EP_SMTP_TEST_STATUS_OK] = EP_TEST_STEP_STATE_OK,
    [EP_SMTP_TEST_STATUS_SKIPPED] = EP_TEST_STEP_STATE_SKIPPED,
    [EP_SMTP_TEST_STATUS_FAILED] = EP_TEST_STEP_STATE_FAILED,
  };

  g_return_if_fail (step < EP_CONNECTION_TEST_N_STEPS && status <= EP_SMTP_TEST_STATUS_FAILED);

  /* A failure's text is the engine's precise one; keep it over a later, vaguer report. */
  if (self->states[step] == EP_TEST_STEP_STATE_FAILED && status != EP_SMTP_TEST_STATUS_STARTED)
    return;
  set_step (self, step, states[status], detail);
}

static void
apply_imap_step (EpConnectionTest *self,
                 EpImapCheckStep   step,
                 EpSmtpTestStatus  status,
                 const char       *detail)
{
  static const EpTestStepState states[] = {
    [EP_SMTP_TEST_STATUS_STARTED] = EP_TEST_STEP_STATE_RUNNING,
    [EP_SMTP_TEST_STATUS_OK] = EP_TEST_STEP_STATE_OK,
    [EP_SMTP_TEST_STATUS_SKIPPED] = EP_TEST_STEP_STATE_SKIPPED,
    [EP_SMTP_TEST_STATUS_FAILED] = EP_TEST_STEP_STATE_FAILED,
  };

  g_return_if_fail (step < EP_IMAP_CHECK_N_STEPS && status <= EP_SMTP_TEST_STATUS_FAILED);

  if (self->imap_states[step] == EP_TEST_STEP_STATE_FAILED && status != EP_SMTP_TEST_STATUS_STARTED)
    return;
  g_free (self->imap_details[step]);
  self->imap_details[step] = g_strdup (detail);
  self->imap_states[step] = states[status];
  g_signal_emit (self, signals[SIGNAL_IMAP_STEP_CHANGED], 0, (guint) step);
}

/* Main context, in the order the worker posted. */
static void
event_cb (gpointer data,
          gpointer user_data)
{
  Event *event = data;
  EpConnectionTest *self = user_data;

  switch (event->kind)
    {
    case EVENT_CONFIGURED:
      self->secret_source = event->secret_source;
      g_free (self->saved_server);
      self->saved_server = g_steal_pointer (&event->saved_server);
      self->signs_in = event->signs_in;
      self->checks_imap = event->checks_imap;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SECRET_SOURCE]);
      break;
    case EVENT_STEP:
      apply_step (self, event->step, event->status, event->detail);
      break;
    case EVENT_IMAP_STEP:
      apply_imap_step (self, event->imap_step, event->status, event->detail);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* Worker thread. */
static void
step_cb (EpSmtpTestStep    step,
         EpSmtpTestStatus  status,
         const char       *detail,
         gpointer          user_data)
{
  Event *event = g_new0 (Event, 1);

  event->kind = EVENT_STEP;
  event->step = step;
  event->status = status;
  event->detail = g_strdup (detail);
  ep_relay_post_event (user_data, event, (GDestroyNotify) event_free);
}

/* Worker thread. */
static void
imap_step_cb (EpImapCheckStep   step,
              EpSmtpTestStatus  status,
              const char       *detail,
              gpointer          user_data)
{
  Event *event = g_new0 (Event, 1);

  event->kind = EVENT_IMAP_STEP;
  event->imap_step = step;
  event->status = status;
  event->detail = g_strdup (detail);
  ep_relay_post_event (user_data, event, (GDestroyNotify) event_free);
}

static Outcome *
run (Job          *job,
     GCancellable *cancellable)
{
  Outcome *outcome = g_new0 (Outcome, 1);
  g_autoptr(EpProfileConfig) profile_config = NULL;
  g_autoptr(EpSmtpTranscript) transcript = ep_smtp_transcript_new ();
  EpProfileConfigRequest request = {
    .saved = job->saved,
    .secret = job->secret,
    .imap_secret = job->imap_secret,
    .oauth_client_id = job->oauth_client_id,
    .oauth_client_secret = job->oauth_client_secret,
    /* Nothing typed and nothing saved: the test skips AUTH, and says why. */
    .flags = EP_PROFILE_CONFIG_SECRET_OPTIONAL | (job->sandbox ? EP_PROFILE_CONFIG_SANDBOX : 0),
  };
  const char *sender = ep_profile_get_sender_address (job->profile);
  EpSmtpConfig *config;
  g_autoptr(EpImapConfig) imap = NULL;
  Event *configured;

  profile_config = ep_profile_config_build (job->profile, &request, cancellable, &outcome->error);
  if (profile_config == NULL)
    return outcome;
  config = profile_config->config;
  /* The user name defaults to the sender address when a password is given (as on Save). */
  if (config->username == NULL && job->secret != NULL && sender != NULL && *sender != '\0')
    config->username = g_strdup (sender);

  configured = g_new0 (Event, 1);
  configured->kind = EVENT_CONFIGURED;
  configured->secret_source = profile_config->secret;
  configured->saved_server = g_strdup (profile_config->saved_server);
  configured->signs_in = config->username != NULL;
  /* The IMAP side of a profile that makes the copy in the Sent folder, with the same secret. */
  if (ep_profile_get_sent_copy (job->profile))
    imap = ep_profile_config_dup_imap (profile_config, job->profile);
  configured->checks_imap = imap != NULL;
  ep_relay_post_event (job->relay, configured, (GDestroyNotify) event_free);

  outcome->result = ep_smtp_test_connection_sync (config, transcript, step_cb, job->relay,
                                                  cancellable, &outcome->error);
  /* After the SMTP side, in the same transcript, whatever it found: two servers, two answers. */
  if (imap != NULL && !g_cancellable_is_cancelled (cancellable))
    {
      if (imap->username == NULL && config->username != NULL)
        imap->username = g_strdup (config->username);
      ep_smtp_transcript_add (transcript, EP_SMTP_TRANSCRIPT_INFO, "The copy in the Sent folder: the IMAP server");
      ep_imap_check (imap, transcript, imap_step_cb, job->relay, &outcome->imap_result, cancellable,
                     &outcome->imap_error);
    }
  return outcome;
}

static void
test_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Job *job = task_data;
  Outcome *outcome = run (job, cancellable);

  /* Once the steps before it are delivered, the relay lets go of the test. */
  ep_relay_post_end (job->relay);
  g_task_return_pointer (task, outcome, (GDestroyNotify) outcome_free);
}

static void
ep_connection_test_finalize (GObject *object)
{
  EpConnectionTest *self = EP_CONNECTION_TEST (object);

  g_clear_object (&self->profile);
  g_clear_object (&self->saved);
  g_clear_pointer (&self->secret, ep_secrets_password_free);
  g_clear_pointer (&self->imap_secret, ep_secrets_password_free);
  g_free (self->oauth_client_id);
  g_free (self->oauth_client_secret);
  g_clear_pointer (&self->relay, ep_relay_unref);
  for (guint i = 0; i < EP_CONNECTION_TEST_N_STEPS; i++)
    g_free (self->details[i]);
  for (guint i = 0; i < EP_IMAP_CHECK_N_STEPS; i++)
    g_free (self->imap_details[i]);
  g_clear_pointer (&self->imap_result, ep_imap_result_free);
  g_clear_error (&self->imap_error);
  g_free (self->saved_server);

  G_OBJECT_CLASS (ep_connection_test_parent_class)->finalize (object);
}

static void
ep_connection_test_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  EpConnectionTest *self = EP_CONNECTION_TEST (object);

  switch (prop_id)
    {
    case PROP_SECRET_SOURCE:
      g_value_set_int (value, self->secret_source);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ep_connection_test_class_init (EpConnectionTestClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ep_connection_test_finalize;
  object_class->get_property = ep_connection_test_get_property;

  /* An EpProfileSecret. */
  properties[PROP_SECRET_SOURCE] =
    g_param_spec_int ("secret-source", NULL, NULL, 0, G_MAXINT, EP_PROFILE_SECRET_NONE,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The state or the detail of the step (an EpSmtpTestStep) changed. */
  signals[SIGNAL_STEP_CHANGED] =
    g_signal_new ("step-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  /* The state or the detail of a step of the IMAP side (an EpImapCheckStep) changed. */
  signals[SIGNAL_IMAP_STEP_CHANGED] =
    g_signal_new ("imap-step-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
ep_connection_test_init (EpConnectionTest *self)
{
}

/* ---- Public API ------------------------------------------------------------------------------ */

void
ep_connection_test_run_async (EpConnectionTest    *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (EP_IS_CONNECTION_TEST (self));
  g_return_if_fail (!self->started);

  self->started = TRUE;
  self->relay = ep_relay_new (NULL, 0, event_cb, NULL, g_object_ref (self), g_object_unref);

  job = g_new0 (Job, 1);
  job->profile = ep_profile_copy (self->profile, ep_profile_get_id (self->profile), NULL);
  job->saved = self->saved != NULL ? ep_profile_copy (self->saved, ep_profile_get_id (self->saved), NULL) : NULL;
  /* A copy is not marked as the Sandbox: say it. */
  job->sandbox = self->sandbox || ep_profile_get_is_sandbox (self->profile);
  /* The Sandbox's account is its own: a password typed for a profile is not for it. */
  job->secret = job->sandbox ? NULL : g_strdup (self->secret);
  job->imap_secret = job->sandbox ? NULL : g_strdup (self->imap_secret);
  job->oauth_client_id = g_strdup (self->oauth_client_id);
  job->oauth_client_secret = g_strdup (self->oauth_client_secret);
  job->relay = ep_relay_ref (self->relay);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ep_connection_test_run_async);
  /* A cancelled test still returns what it found, with its error. */
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, test_thread);
}

EpSmtpResult *
ep_connection_test_run_finish (EpConnectionTest  *self,
                               GAsyncResult      *result,
                               GError           **error)
{
  g_autoptr(GError) local_error = NULL;
  Outcome *outcome;
  EpSmtpResult *smtp;
  gboolean any_failed = FALSE;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  /* Every step is in before the outcome; nothing comes after it. */
  ep_relay_flush (self->relay);
  outcome = g_task_propagate_pointer (G_TASK (result), &local_error);
  if (outcome != NULL)
    {
      smtp = g_steal_pointer (&outcome->result);
      local_error = g_steal_pointer (&outcome->error);
      self->imap_result = g_steal_pointer (&outcome->imap_result);
      self->imap_error = g_steal_pointer (&outcome->imap_error);
      outcome_free (outcome);
    }
  else
    smtp = NULL;
  self->finished = TRUE;

  /* A step the engine left running failed with the error; one that never started stays
   * pending, so nothing after the failure looks as if it had passed. */
  for (guint i = 0; i < EP_CONNECTION_TEST_N_STEPS; i++)
    {
      if (self->states[i] == EP_TEST_STEP_STATE_RUNNING && local_error != NULL)
        set_step (self, i, EP_TEST_STEP_STATE_FAILED, local_error->message);
      else if (self->states[i] == EP_TEST_STEP_STATE_RUNNING)
        set_step (self, i, EP_TEST_STEP_STATE_OK, self->details[i]);
      any_failed |= self->states[i] == EP_TEST_STEP_STATE_FAILED;
    }
  if (local_error != NULL && !any_failed)
    set_step (self, EP_SMTP_TEST_STEP_CONNECT, EP_TEST_STEP_STATE_FAILED, local_error->message);
  /* The same for the IMAP side, with its own error. */
  any_failed = FALSE;
  for (guint i = 0; self->checks_imap && i < EP_IMAP_CHECK_N_STEPS; i++)
    {
      if (self->imap_states[i] == EP_TEST_STEP_STATE_RUNNING)
        apply_imap_step (self, i, self->imap_error != NULL ? EP_SMTP_TEST_STATUS_FAILED : EP_SMTP_TEST_STATUS_OK,
                         self->imap_error != NULL ? self->imap_error->message : self->imap_details[i]);
      any_failed |= self->imap_states[i] == EP_TEST_STEP_STATE_FAILED;
    }
  if (self->checks_imap && self->imap_error != NULL && !any_failed)
    apply_imap_step (self, EP_IMAP_CHECK_STEP_CONNECT, EP_SMTP_TEST_STATUS_FAILED, self->imap_error->message);

  /* Remembered (saved with the profile) for the compose window's size warning and Send Later's
   * offer to let the server hold the message. */
  if (smtp != NULL && smtp->capabilities != NULL)
    ep_profile_learn_capabilities (self->profile, smtp->capabilities, NULL);

  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return smtp;
}

EpConnectionTest *
ep_connection_test_new (EpProfile *profile)
{
  EpConnectionTest *self;

  g_return_val_if_fail (EP_IS_PROFILE (profile), NULL);

  self = g_object_new (EP_TYPE_CONNECTION_TEST, NULL);
  self->profile = g_object_ref (profile);
  return self;
}

void
ep_connection_test_set_saved (EpConnectionTest *self,
                              EpProfile        *saved)
{
  g_return_if_fail (EP_IS_CONNECTION_TEST (self));
  g_return_if_fail (saved == NULL || EP_IS_PROFILE (saved));

  g_set_object (&self->saved, saved);
}

void
ep_connection_test_set_sandbox (EpConnectionTest *self,
                                gboolean          sandbox)
{
  g_return_if_fail (EP_IS_CONNECTION_TEST (self));
  self->sandbox = sandbox;
}

void
ep_connection_test_set_secret (EpConnectionTest *self,
                               const char       *secret)
{
  g_return_if_fail (EP_IS_CONNECTION_TEST (self));

  g_clear_pointer (&self->secret, ep_secrets_password_free);
  if (secret != NULL && *secret != '\0')
    self->secret = g_strdup (secret);
}

void
ep_connection_test_set_imap_secret (EpConnectionTest *self,
                                    const char       *secret)
{
  g_return_if_fail (EP_IS_CONNECTION_TEST (self));

  g_clear_pointer (&self->imap_secret, ep_secrets_password_free);
  if (secret != NULL && *secret != '\0')
    self->imap_secret = g_strdup (secret);
}

void
ep_connection_test_set_oauth_client (EpConnectionTest *self,
                                     const char       *client_id,
                                     const char       *client_secret)
{
  g_return_if_fail (EP_IS_CONNECTION_TEST (self));

  g_free (self->oauth_client_id);
  self->oauth_client_id = g_strdup (client_id);
  g_free (self->oauth_client_secret);
  self->oauth_client_secret = g_strdup (client_secret);
}

EpTestStepState
ep_connection_test_get_step_state (EpConnectionTest  *self,
                                   EpSmtpTestStep     step,
                                   const char       **detail)
{
  g_return_val_if_fail (EP_IS_CONNECTION_TEST (self), EP_TEST_STEP_STATE_PENDING);
  g_return_val_if_fail (step < EP_CONNECTION_TEST_N_STEPS, EP_TEST_STEP_STATE_PENDING);

  if (detail != NULL)
    *detail = self->details[step];
  return self->states[step];
}

EpProfileSecret
ep_connection_test_get_secret_source (EpConnectionTest *self)
{
  g_return_val_if_fail (EP_IS_CONNECTION_TEST (self), EP_PROFILE_SECRET_NONE);
  return self->secret_source;
}

const char *
ep_connection_test_get_saved_server (EpConnectionTest *self)
{
  g_return_val_if_fail (EP_IS_CONNECTION_TEST (self), NULL);
  return self->saved_server;
}

gboolean
ep_connection_test_get_signs_in (EpConnectionTest *self)
{
  g_return_val_if_fail (EP_IS_CONNECTION_TEST (self), FALSE);
  return self->signs_in;
}

gboolean
ep_connection_test_is_finished (EpConnectionTest *self)
{
  g_return_val_if_fail (EP_IS_CONNECTION_TEST (self), FALSE);
  return self->finished;
}

gboolean
ep_connection_test_get_checks_imap (EpConnectionTest *self)
{
  g_return_val_if_fail (EP_IS_CONNECTION_TEST (self), FALSE);
  return self->checks_imap;
}

EpTestStepState
ep_connection_test_get_imap_step_state (EpConnectionTest  *self,
                                        EpImapCheckStep    step,
                                        const char       **detail)
{
  g_return_val_if_fail (EP_IS_CONNECTION_TEST (self), EP_TEST_STEP_STATE_PENDING);
  g_return_val_if_fail (step < EP_IMAP_CHECK_N_STEPS, EP_TEST_STEP_STATE_PENDING);

  if (detail != NULL)
    *detail = self->imap_details[step];
  return self->imap_states[step];
}

const EpImapResult *
ep_connection_test_get_imap_result (EpConnectionTest *self)
{
  g_return_val_if_fail (EP_IS_CONNECTION_TEST (self), NULL);
  return self->imap_result;
}

const GError *
ep_connection_test_get_imap_error (EpConnectionTest *self)
{
  g_return_val_if_fail (EP_IS_CONNECTION_TEST (self), NULL);
  return self->imap_error;
}
