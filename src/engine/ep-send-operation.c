/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-send-operation.c: runs everything a send needs on one worker thread (keyring lookup, Sandbox
 * start-up, the SMTP session, the Sent copy) and reports progress as properties on the caller's
 * main context through an EpRelay: a new stage as an event, bytes within a stage coalesced, so
 * that a 256 MiB message cannot flood it. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ep-mime-writer.h"
#include "ep-profile-config.h"
#include "ep-relay.h"
#include "ep-secrets.h"
#include "ep-send-operation.h"
#include "ep-sent-store.h"
#include "ep-smtp-transcript.h"

struct _EpSendOperation
{
  GObject       parent_instance;

  EpProfile    *profile;
  EpMessage    *message;
  char         *password;
  char         *sent_dir;
  char         *oauth_client_id;
  char         *oauth_client_secret;
  gboolean      allow_partial;
  GStrv         already_delivered;
  /* An outbox attempt instead of @message */
  EpOutboxStore *outbox;
  char          *outbox_id;
  EpOutboxRetryPolicy retry_policy;
  EpOutboxDeliveryReport *outbox_report;
  EpRelay      *relay;         /* the current run's progress, to the caller's main context */

  /* Shown state (main context only) */
  EpSmtpStage   stage;
  guint64       bytes_sent;
  guint64       bytes_total;
  char         *status_text;
  char         *sent_id;
  GError       *sent_error;
};

/* Progress reaches the main context at most this often within a stage: a person cannot read
 * faster, and every update costs the UI a redraw. A new stage goes at once. */
#define EP_SEND_PROGRESS_INTERVAL_MS 100

G_DEFINE_FINAL_TYPE (EpSendOperation, ep_send_operation, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STAGE,
  PROP_FRACTION,
  PROP_BYTES_SENT,
  PROP_BYTES_TOTAL,
  PROP_STATUS_TEXT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct {
  EpSmtpResult *result;
  char         *sent_id;
  GError       *sent_error;
  EpOutboxDeliveryReport *report;
} RunResult;

static void
run_result_free (RunResult *r)
{
  g_clear_pointer (&r->result, ep_smtp_result_unref);
  g_clear_pointer (&r->report, ep_outbox_delivery_report_free);
  g_free (r->sent_id);
  g_clear_error (&r->sent_error);
  g_free (r);
}

static char *
format_status (EpSendOperation *self)
{
  const char *host = ep_profile_get_is_sandbox (self->profile) ? _("the Sandbox")
                                                               : ep_profile_get_host (self->profile);

  switch (self->stage)
    {
    case EP_SMTP_STAGE_CONNECTING:
      return g_strdup_printf (_("Connecting to %s…"), host);
    case EP_SMTP_STAGE_TLS:
      return g_strdup (_("Securing the connection…"));
    case EP_SMTP_STAGE_AUTH:
      return g_strdup (_("Signing in…"));
    case EP_SMTP_STAGE_SENDING:
      {
        g_autofree char *sent = g_format_size (self->bytes_sent);
        g_autofree char *total = g_format_size (self->bytes_total);
        /* Translators: "Sending 12.4 MB of 37.5 MB" */
        return g_strdup_printf (_("Sending %s of %s"), sent, total);
      }
    case EP_SMTP_STAGE_WAITING:
      return g_strdup (_("Waiting for the server to accept the message…"));
    case EP_SMTP_STAGE_DONE:
      return g_strdup (_("Finished"));
    default:
      return g_strdup ("");
    }
}

/* Main context: what the worker reported becomes the properties. */
static void
apply_progress (EpSendOperation *self,
                EpSmtpStage      stage,
                guint64          sent,
                guint64          total)
{
  g_object_freeze_notify (G_OBJECT (self));
  if (stage != self->stage)
    {
      self->stage = stage;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STAGE]);
    }
  if (sent != self->bytes_sent || total != self->bytes_total)
    {
      self->bytes_sent = sent;
      self->bytes_total = total;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTES_SENT]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTES_TOTAL]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
    }
  g_free (self->status_text);
  self->status_text = format_status (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS_TEXT]);
  g_object_thaw_notify (G_OBJECT (self));
}

/* A new stage, with the byte counts at its start: an event, delivered at once and in order. */
typedef struct {
  EpSmtpStage stage;
  guint64     sent;
  guint64     total;
} StageEvent;

static void
stage_event_cb (gpointer event,
                gpointer user_data)
{
  StageEvent *e = event;

  apply_progress (user_data, e->stage, e->sent, e->total);
}

static void
bytes_progress_cb (guint64  sent,
                   guint64  total,
                   gpointer user_data)
{
  EpSendOperation *self = user_data;

  apply_progress (self, self->stage, sent, total);
}

/* The worker's side of the relay; only the worker thread touches it. */
typedef struct {
  EpRelay     *relay;
  EpSmtpStage  stage;   /* the last one posted */
} Reporter;

/* Worker thread: a new stage is an event; bytes within a stage are coalesced progress. */
static void
progress_cb (EpSmtpStage stage,
             guint64     bytes_sent,
             guint64     bytes_total,
             gpointer    user_data)
{
  Reporter *reporter = user_data;

  if (stage != reporter->stage)
    {
      StageEvent *event = g_new0 (StageEvent, 1);

      event->stage = stage;
      event->sent = bytes_sent;
      event->total = bytes_total;
      reporter->stage = stage;
      ep_relay_post_event (reporter->relay, event, g_free);
    }
  else
    ep_relay_post_progress (reporter->relay, bytes_sent, bytes_total);
}

static gboolean
in_list (const char * const *list,
         const char         *address)
{
  for (guint i = 0; list != NULL && list[i] != NULL; i++)
    if (g_ascii_strcasecmp (list[i], address) == 0)
      return TRUE;
  return FALSE;
}

/* The message's envelope recipients but those that already have it (an earlier partial
 * delivery of the same message): they must not get a second copy. */
static GStrv
envelope_recipients (EpSendOperation *self)
{
  g_auto(GStrv) all = ep_message_dup_envelope_recipients (self->message);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; all != NULL && all[i] != NULL; i++)
    if (!in_list ((const char * const *) self->already_delivered, all[i]))
      g_strv_builder_add (builder, all[i]);
  return g_strv_builder_end (builder);
}

/* The recipients the session did not deliver to; NULL when it delivered to every one. */
static GStrv
dup_not_delivered (EpSmtpResult *result)
{
  g_autoptr(GStrvBuilder) missing = g_strv_builder_new ();
  g_auto(GStrv) list = NULL;

  for (guint i = 0; i < result->recipients->len; i++)
    {
      EpSmtpRecipientResult *r = g_ptr_array_index (result->recipients, i);

      if (r->state != EP_SMTP_RECIPIENT_DELIVERED)
        g_strv_builder_add (missing, r->address);
    }
  list = g_strv_builder_end (missing);
  return list[0] != NULL ? g_steal_pointer (&list) : NULL;
}

/* The exact bytes again, from the same prepared message: identical to what the server got. */
static gboolean
keep_sent_copy (EpSendOperation  *self,
                EpSmtpResult     *result,
                const GError     *failure,
                char            **out_id,
                GCancellable     *cancellable,
                GError          **error)
{
  g_autoptr(EpSentStore) store = ep_sent_store_new (self->sent_dir);
  g_autoptr(EpSentWriter) writer = NULL;
  g_autoptr(EpSentInfo) info = ep_sent_info_new ();
  g_autofree char *transcript = NULL;
  const EpAddress *from = ep_message_get_from (self->message);

  writer = ep_sent_store_begin (store, error);
  if (writer == NULL)
    return FALSE;
  if (!ep_mime_writer_write (self->message, ep_sent_writer_get_output_stream (writer),
                             NULL, NULL, cancellable, error))
    return FALSE;

  /* ep_sent_info_new() fills empty defaults: replace them, do not leak them. */
  info->date = g_date_time_ref (ep_message_get_date (self->message));
  g_free (info->subject);
  info->subject = g_strdup (ep_message_get_subject (self->message));
  g_free (info->from);
  info->from = from ? ep_address_to_header (from) : g_strdup ("");
  g_free (info->server);
  info->server = ep_profile_get_is_sandbox (self->profile)
                   ? g_strdup (_("Sandbox"))
                   : g_strdup_printf ("%s:%u", ep_profile_get_host (self->profile),
                                      ep_profile_get_port (self->profile));
  g_strfreev (info->recipients);
  info->recipients = envelope_recipients (self);
  /* Whoever does not have the message is named, also after a delivery to the accepted
   * recipients alone (allow-partial): the copy must not say that everyone has it. */
  info->not_delivered = dup_not_delivered (result);
  if (result->outcome == EP_SMTP_OUTCOME_PARTIAL)
    {
      info->outcome = EP_SMTP_OUTCOME_PARTIAL;
      info->outcome_text = g_strdup (failure != NULL ? failure->message : NULL);
    }
  else
    {
      info->outcome = EP_SMTP_OUTCOME_DELIVERED;
      if (result->final_text != NULL)
        info->outcome_text = g_strdup_printf ("%u %s", result->final_code, result->final_text);
    }
  info->profile_id = g_strdup (ep_profile_get_id (self->profile));
  transcript = ep_smtp_transcript_to_string (result->transcript);
  if (!ep_sent_writer_commit (writer, info, transcript, error))
    return FALSE;
  *out_id = g_strdup (info->id);
  return TRUE;
}

/* An outbox attempt: the store does the claim, the session and the Sent copy; the report
 * travels with the outcome. */
static void
run_outbox (GTask           *task,
            EpSendOperation *self,
            Reporter        *reporter,
            GCancellable    *cancellable)
{
  EpOutboxDeliveryOptions options = {
    .sent_dir = self->sent_dir,
    .secret = self->password,
    .oauth_client_id = self->oauth_client_id,
    .oauth_client_secret = self->oauth_client_secret,
    .allow_partial = self->allow_partial,
    .policy = &self->retry_policy,
    .progress = progress_cb,
    .progress_data = reporter,
  };
  g_autoptr(GError) error = NULL;
  RunResult *r;

  r = g_new0 (RunResult, 1);
  r->report = ep_outbox_deliver_sync (self->outbox, self->outbox_id, self->profile, &options,
                                      cancellable, &error);
  if (r->report == NULL)
    {
      run_result_free (r);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (r->report->result != NULL)
    r->result = ep_smtp_result_ref (r->report->result);
  r->sent_id = g_strdup (r->report->sent_id);
  if (r->report->sent_error != NULL)
    r->sent_error = g_error_copy (r->report->sent_error);

  if (r->report->error != NULL)
    {
      g_autoptr(GError) failure = g_error_copy (r->report->error);

      g_object_set_data_full (G_OBJECT (task), "ep-run", r, (GDestroyNotify) run_result_free);
      g_task_return_error (task, g_steal_pointer (&failure));
      return;
    }
  g_task_return_pointer (task, r, (GDestroyNotify) run_result_free);
}

/* Everything but the relay's end; returns the outcome on @task. */
static void
run (GTask           *task,
     EpSendOperation *self,
     Reporter        *reporter,
     GCancellable    *cancellable)
{
  g_autoptr(EpProfileConfig) profile_config = NULL;
  EpSmtpConfig *config;
  g_autoptr(EpSmtpTranscript) transcript = ep_smtp_transcript_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) rcpts = NULL;
  RunResult *r;

  /* Files are checked, and Date/Message-ID/boundary fixed, before anything touches the network. */
  if (!ep_mime_writer_prepare (self->message, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  progress_cb (EP_SMTP_STAGE_CONNECTING, 0, ep_mime_writer_get_size (self->message), reporter);
  /* The password typed for this send, or the keyring's; none is an error (the caller asks for
   * it and tries again). The Sandbox starts here if it does not run yet. */
  profile_config = ep_profile_config_build (self->profile,
                                            &(EpProfileConfigRequest) { .saved = self->profile,
                                                                        .secret = self->password,
                                                                        .oauth_client_id = self->oauth_client_id,
                                                                        .oauth_client_secret = self->oauth_client_secret,
                                                                        .transcript = transcript },
                                            cancellable, &error);
  if (profile_config == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  config = profile_config->config;
  config->allow_partial = self->allow_partial;

  rcpts = envelope_recipients (self);
  if (rcpts[0] == NULL)
    {
      g_task_return_new_error (task, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_ADDRESS,
                               _("Every recipient already has this message"));
      return;
    }

  r = g_new0 (RunResult, 1);
  r->result = ep_smtp_send_sync (config, self->message, NULL, NULL, (const char * const *) rcpts, transcript,
                                 progress_cb, reporter, cancellable, &error);
  if (error != NULL)
    {
      g_autoptr(GError) renew_error = NULL;

      /* A refused OAuth token: one new token and one more session (nothing was sent: AUTH
       * comes before the envelope). */
      if (ep_profile_config_renew_token (profile_config, error, cancellable, &renew_error))
        {
          g_clear_error (&error);
          g_clear_pointer (&r->result, ep_smtp_result_unref);
          r->result = ep_smtp_send_sync (config, self->message, NULL, NULL, (const char * const *) rcpts,
                                         transcript, progress_cb, reporter, cancellable, &error);
        }
      else if (renew_error != NULL)
        {
          g_clear_error (&error);
          error = g_steal_pointer (&renew_error);
        }
    }
  /* A partial delivery is a sent message too: its copy says who does not have it. */
  if (r->result != NULL && (r->result->outcome == EP_SMTP_OUTCOME_DELIVERED
                            || r->result->outcome == EP_SMTP_OUTCOME_PARTIAL))
    keep_sent_copy (self, r->result, error, &r->sent_id, NULL, &r->sent_error);

  if (error != NULL)
    {
      /* The result (transcript, refused recipients) travels with the error, and so does the
       * Sent copy of a partial delivery. */
      g_object_set_data_full (G_OBJECT (task), "ep-run", r, (GDestroyNotify) run_result_free);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, r, (GDestroyNotify) run_result_free);
}

static void
run_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  Reporter reporter = { task_data, (EpSmtpStage) -1 };
  EpSendOperation *self = source_object;

  if (self->outbox != NULL)
    run_outbox (task, self, &reporter, cancellable);
  else
    run (task, self, &reporter, cancellable);
  /* The outcome is on its way: once the progress before it has been shown, the relay lets go
   * of the operation, on the caller's context. */
  ep_relay_post_end (reporter.relay);
}

/* Where the Sent copy of this run is, or why there is none. */
static void
take_sent_copy (EpSendOperation *self,
                RunResult       *r)
{
  g_clear_pointer (&self->outbox_report, ep_outbox_delivery_report_free);
  self->outbox_report = g_steal_pointer (&r->report);
  g_free (self->sent_id);
  self->sent_id = g_steal_pointer (&r->sent_id);
  g_clear_error (&self->sent_error);
  self->sent_error = g_steal_pointer (&r->sent_error);
}

static void
ep_send_operation_finalize (GObject *object)
{
  EpSendOperation *self = EP_SEND_OPERATION (object);

  g_clear_object (&self->profile);
  g_clear_object (&self->message);
  if (self->password != NULL)
    ep_secrets_password_free (self->password);
  g_free (self->sent_dir);
  g_free (self->oauth_client_id);
  g_free (self->oauth_client_secret);
  g_strfreev (self->already_delivered);
  g_clear_object (&self->outbox);
  g_free (self->outbox_id);
  g_clear_pointer (&self->outbox_report, ep_outbox_delivery_report_free);
  g_clear_pointer (&self->relay, ep_relay_unref);
  g_free (self->status_text);
  g_free (self->sent_id);
  g_clear_error (&self->sent_error);

  G_OBJECT_CLASS (ep_send_operation_parent_class)->finalize (object);
}

static void
ep_send_operation_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  EpSendOperation *self = EP_SEND_OPERATION (object);

  switch (prop_id)
    {
    case PROP_STAGE:
      g_value_set_int (value, self->stage);
      break;
    case PROP_FRACTION:
      g_value_set_double (value, ep_send_operation_get_fraction (self));
      break;
    case PROP_BYTES_SENT:
      g_value_set_uint64 (value, self->bytes_sent);
      break;
    case PROP_BYTES_TOTAL:
      g_value_set_uint64 (value, self->bytes_total);
      break;
    case PROP_STATUS_TEXT:
      g_value_set_string (value, ep_send_operation_get_status_text (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ep_send_operation_class_init (EpSendOperationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ep_send_operation_finalize;
  object_class->get_property = ep_send_operation_get_property;

  properties[PROP_STAGE] =
    g_param_spec_int ("stage", NULL, NULL, 0, G_MAXINT, 0,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_FRACTION] =
    g_param_spec_double ("fraction", NULL, NULL, 0.0, 1.0, 0.0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_BYTES_SENT] =
    g_param_spec_uint64 ("bytes-sent", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_BYTES_TOTAL] =
    g_param_spec_uint64 ("bytes-total", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_STATUS_TEXT] =
    g_param_spec_string ("status-text", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ep_send_operation_init (EpSendOperation *self)
{
  ep_outbox_retry_policy_init_default (&self->retry_policy);
}

void
ep_send_operation_run_async (EpSendOperation     *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (EP_IS_SEND_OPERATION (self));
  g_return_if_fail (self->relay == NULL || ep_relay_is_closed (self->relay));

  /* Progress goes to the caller's thread-default context, as the outcome does. */
  g_clear_pointer (&self->relay, ep_relay_unref);
  self->relay = ep_relay_new (NULL, EP_SEND_PROGRESS_INTERVAL_MS, stage_event_cb, bytes_progress_cb,
                              g_object_ref (self), g_object_unref);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ep_send_operation_run_async);
  g_task_set_task_data (task, ep_relay_ref (self->relay), (GDestroyNotify) ep_relay_unref);
  g_task_run_in_thread (task, run_thread);
}

EpSmtpResult *
ep_send_operation_run_finish (EpSendOperation  *self,
                              GAsyncResult     *result,
                              GError          **error)
{
  RunResult *r;
  EpSmtpResult *smtp;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  /* The last progress is shown before the outcome; nothing comes after it. */
  ep_relay_flush (self->relay);

  /* A new run's report replaces the last one, also when this run tried nothing. */
  g_clear_pointer (&self->outbox_report, ep_outbox_delivery_report_free);
  r = g_task_propagate_pointer (G_TASK (result), error);
  if (r == NULL)
    {
      /* Still the task's; NULL when no session started. */
      RunResult *failed = g_object_get_data (G_OBJECT (result), "ep-run");

      if (failed == NULL)
        return NULL;
      take_sent_copy (self, failed);
      return failed->result != NULL ? ep_smtp_result_ref (failed->result) : NULL;
    }

  take_sent_copy (self, r);
  smtp = g_steal_pointer (&r->result);
  run_result_free (r);
  return smtp;
}

EpSendOperation *
ep_send_operation_new (EpProfile *profile,
                       EpMessage *message)
{
  EpSendOperation *self;

  g_return_val_if_fail (EP_IS_PROFILE (profile), NULL);
  g_return_val_if_fail (EP_IS_MESSAGE (message), NULL);

  self = g_object_new (EP_TYPE_SEND_OPERATION, NULL);
  self->profile = g_object_ref (profile);
  self->message = g_object_ref (message);
  return self;
}

EpSendOperation *
ep_send_operation_new_for_outbox (EpProfile     *profile,
                                  EpOutboxStore *store,
                                  const char    *id)
{
  EpSendOperation *self;

  g_return_val_if_fail (EP_IS_PROFILE (profile), NULL);
  g_return_val_if_fail (EP_IS_OUTBOX_STORE (store), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  self = g_object_new (EP_TYPE_SEND_OPERATION, NULL);
  self->profile = g_object_ref (profile);
  self->outbox = g_object_ref (store);
  self->outbox_id = g_strdup (id);
  return self;
}

void
ep_send_operation_set_retry_policy (EpSendOperation           *self,
                                    const EpOutboxRetryPolicy *policy)
{
  g_return_if_fail (EP_IS_SEND_OPERATION (self));

  if (policy != NULL)
    self->retry_policy = *policy;
  else
    ep_outbox_retry_policy_init_default (&self->retry_policy);
}

const EpOutboxDeliveryReport *
ep_send_operation_get_outbox_report (EpSendOperation *self)
{
  g_return_val_if_fail (EP_IS_SEND_OPERATION (self), NULL);
  return self->outbox_report;
}

void
ep_send_operation_set_password (EpSendOperation *self,
                                const char      *password)
{
  g_return_if_fail (EP_IS_SEND_OPERATION (self));

  if (self->password != NULL)
    ep_secrets_password_free (self->password);
  self->password = g_strdup (password);
}

void
ep_send_operation_set_allow_partial (EpSendOperation *self,
                                     gboolean         allow_partial)
{
  g_return_if_fail (EP_IS_SEND_OPERATION (self));
  self->allow_partial = allow_partial;
}

void
ep_send_operation_set_already_delivered (EpSendOperation    *self,
                                         const char * const *addresses)
{
  g_return_if_fail (EP_IS_SEND_OPERATION (self));
  g_strfreev (self->already_delivered);
  self->already_delivered = g_strdupv ((char **) addresses);
}

void
ep_send_operation_set_sent_dir (EpSendOperation *self,
                                const char      *sent_dir)
{
  g_return_if_fail (EP_IS_SEND_OPERATION (self));
  g_free (self->sent_dir);
  self->sent_dir = g_strdup (sent_dir);
}

void
ep_send_operation_set_oauth_client (EpSendOperation *self,
                                    const char      *client_id,
                                    const char      *client_secret)
{
  g_return_if_fail (EP_IS_SEND_OPERATION (self));
  g_free (self->oauth_client_id);
  self->oauth_client_id = g_strdup (client_id);
  g_free (self->oauth_client_secret);
  self->oauth_client_secret = g_strdup (client_secret);
}

EpSmtpStage
ep_send_operation_get_stage (EpSendOperation *self)
{
  g_return_val_if_fail (EP_IS_SEND_OPERATION (self), EP_SMTP_STAGE_CONNECTING);
  return self->stage;
}

double
ep_send_operation_get_fraction (EpSendOperation *self)
{
  g_return_val_if_fail (EP_IS_SEND_OPERATION (self), 0.0);
  if (self->bytes_total == 0)
    return 0.0;
  return MIN (1.0, (double) self->bytes_sent / (double) self->bytes_total);
}

guint64
ep_send_operation_get_bytes_sent (EpSendOperation *self)
{
  g_return_val_if_fail (EP_IS_SEND_OPERATION (self), 0);
  return self->bytes_sent;
}

guint64
ep_send_operation_get_bytes_total (EpSendOperation *self)
{
  g_return_val_if_fail (EP_IS_SEND_OPERATION (self), 0);
  return self->bytes_total;
}

const char *
ep_send_operation_get_status_text (EpSendOperation *self)
{
  g_return_val_if_fail (EP_IS_SEND_OPERATION (self), NULL);
  return self->status_text ? self->status_text : "";
}

const char *
ep_send_operation_get_sent_id (EpSendOperation *self)
{
  g_return_val_if_fail (EP_IS_SEND_OPERATION (self), NULL);
  return self->sent_id;
}

const GError *
ep_send_operation_get_sent_error (EpSendOperation *self)
{
  g_return_val_if_fail (EP_IS_SEND_OPERATION (self), NULL);
  return self->sent_error;
}
