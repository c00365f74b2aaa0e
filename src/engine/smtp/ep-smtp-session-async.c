/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp-session-async.c: the GTask wrapper around ep_smtp_send_sync(), relaying progress to
 * the caller's main context at a bounded rate. */
#include "config.h"

#include "ep-message.h"
#include "ep-smtp-session.h"

/* The async wrapper forwards at most one progress update per stage per this many µs. */
#define PROGRESS_INTERVAL_US       (50 * 1000)

/* Shared by the worker and the progress events queued on the caller's context, so that the
 * caller's data lives until the last event has run. */
typedef struct {
  EpSmtpProgressFunc func;
  gpointer           data;
  GDestroyNotify     destroy;
} ProgressTarget;

static void
progress_target_clear (ProgressTarget *target)
{
  if (target->destroy != NULL)
    target->destroy (target->data);
}

typedef struct {
  EpSmtpConfig     *config;
  EpMessage        *message;
  GInputStream     *raw;
  char             *from;
  GStrv             rcpts;
  EpSmtpTranscript *transcript;
  ProgressTarget   *target;       /* g_atomic_rc_box */
  GMainContext     *context;
  EpSmtpStage       last_stage;
  gint64            last_time;
  EpSmtpResult     *result;
  GError           *error;
} SendData;

static void
send_data_free (SendData *data)
{
  ep_smtp_config_free (data->config);
  g_clear_object (&data->message);
  g_clear_object (&data->raw);
  g_free (data->from);
  g_strfreev (data->rcpts);
  g_clear_object (&data->transcript);
  if (data->target != NULL)
    g_atomic_rc_box_release_full (data->target, (GDestroyNotify) progress_target_clear);
  g_main_context_unref (data->context);
  g_clear_pointer (&data->result, ep_smtp_result_unref);
  g_clear_error (&data->error);
  g_free (data);
}

typedef struct {
  ProgressTarget *target;
  EpSmtpStage     stage;
  guint64         sent;
  guint64         total;
} ProgressEvent;

static void
progress_event_free (ProgressEvent *event)
{
  g_atomic_rc_box_release_full (event->target, (GDestroyNotify) progress_target_clear);
  g_free (event);
}

static gboolean
progress_event_dispatch (gpointer user_data)
{
  ProgressEvent *event = user_data;

  event->target->func (event->stage, event->sent, event->total, event->target->data);
  return G_SOURCE_REMOVE;
}

static void
async_progress_cb (EpSmtpStage stage,
                   guint64     sent,
                   guint64     total,
                   gpointer    user_data)
{
  SendData *data = user_data;
  gint64 now = g_get_monotonic_time ();
  ProgressEvent *event;

  /* The first and last update of each stage always go through; in between, a few per second. */
  if (stage == data->last_stage && now - data->last_time < PROGRESS_INTERVAL_US
      && (total == 0 || sent < total) && stage != EP_SMTP_STAGE_DONE)
    return;
  data->last_stage = stage;
  data->last_time = now;

  event = g_new0 (ProgressEvent, 1);
  event->target = g_atomic_rc_box_acquire (data->target);
  event->stage = stage;
  event->sent = sent;
  event->total = total;
  g_main_context_invoke_full (data->context, G_PRIORITY_DEFAULT, progress_event_dispatch, event,
                              (GDestroyNotify) progress_event_free);
}

static gboolean
release_target_dispatch (gpointer user_data)
{
  return G_SOURCE_REMOVE;
}

static void
release_target (gpointer user_data)
{
  g_atomic_rc_box_release_full (user_data, (GDestroyNotify) progress_target_clear);
}

static void
send_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SendData *data = task_data;

  data->result = ep_smtp_send_sync (data->config, data->message, data->raw, data->from,
                                    (const char * const *) data->rcpts, data->transcript,
                                    data->target != NULL ? async_progress_cb : NULL, data,
                                    cancellable, &data->error);

  /* The caller's progress data is let go of on the caller's context, after any progress event
   * still queued there, never on this thread. */
  if (data->target != NULL)
    g_main_context_invoke_full (data->context, G_PRIORITY_DEFAULT, release_target_dispatch,
                                g_steal_pointer (&data->target), release_target);

  g_task_return_boolean (task, TRUE);
}

void
ep_smtp_send_async (const EpSmtpConfig  *config,
                    EpMessage           *message,
                    GInputStream        *raw,
                    const char          *envelope_from_override,
                    const char * const  *envelope_rcpts_override,
                    EpSmtpTranscript    *transcript,
                    EpSmtpProgressFunc   progress_func,
                    gpointer             progress_data,
                    GDestroyNotify       progress_data_destroy,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SendData *data;

  g_return_if_fail (config != NULL);
  g_return_if_fail (message == NULL || EP_IS_MESSAGE (message));
  g_return_if_fail (raw == NULL || G_IS_INPUT_STREAM (raw));
  g_return_if_fail (message != NULL || raw != NULL);

  data = g_new0 (SendData, 1);
  data->config = ep_smtp_config_copy (config);
  data->message = message != NULL ? g_object_ref (message) : NULL;
  data->raw = raw != NULL ? g_object_ref (raw) : NULL;
  data->from = g_strdup (envelope_from_override);
  data->rcpts = g_strdupv ((char **) envelope_rcpts_override);
  data->transcript = transcript != NULL ? g_object_ref (transcript) : ep_smtp_transcript_new ();
  data->context = g_main_context_ref_thread_default ();
  data->last_stage = (EpSmtpStage) -1;
  if (progress_func != NULL)
    {
      data->target = g_atomic_rc_box_new0 (ProgressTarget);
      data->target->func = progress_func;
      data->target->data = progress_data;
      data->target->destroy = progress_data_destroy;
    }
  else if (progress_data_destroy != NULL)
    progress_data_destroy (progress_data);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ep_smtp_send_async);
  /* The worker reports cancellation itself, together with the result gathered so far. */
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, data, (GDestroyNotify) send_data_free);
  g_task_run_in_thread (task, send_thread);
}

EpSmtpResult *
ep_smtp_send_finish (GAsyncResult  *result,
                     GError       **error)
{
  SendData *data;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ep_smtp_send_async, NULL);

  data = g_task_get_task_data (G_TASK (result));
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return data->result != NULL ? ep_smtp_result_ref (data->result) : NULL;

  if (data->error != NULL)
    g_propagate_error (error, g_error_copy (data->error));

  return ep_smtp_result_ref (data->result);
}
