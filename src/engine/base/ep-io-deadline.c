/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-io-deadline.c: blocking GIO calls bounded by a deadline: a cancellable fired by a timer. */
#include "config.h"

#include "ep-io-deadline.h"

/*
 * The timers run on one thread of their own with its own main context: the blocking calls they
 * bound run on whatever thread the caller has (a GTask worker, the CLI's main thread, a Sandbox
 * session), none of which iterates a main context while it waits. Each timer is a source with
 * a ready time, so it fires at the microsecond asked for, not on a whole-second grid.
 */

struct _EpIoDeadline
{
  gatomicrefcount ref_count;   /* the caller's, and the timer source's while attached */
  GCancellable   *caller;      /* nullable */
  GCancellable   *cancellable; /* handed to the blocking call */
  gulong          caller_handler;
  GSource        *timer;
  gint            expired;     /* atomic: set by the timer before it cancels */
};

static gpointer
timer_thread (gpointer data)
{
  GMainContext *context = data;

  g_main_context_push_thread_default (context);
  for (;;)
    g_main_context_iteration (context, TRUE);
  return NULL;
}

static GMainContext *
timer_context (void)
{
  static GMainContext *context;

  if (g_once_init_enter (&context))
    {
      GMainContext *new_context = g_main_context_new ();

      /* Lives as long as the process, like GLib's own worker thread. */
      g_thread_unref (g_thread_new ("ep-io-deadline", timer_thread, new_context));
      g_once_init_leave (&context, new_context);
    }
  return context;
}

static gboolean
timer_dispatch (GSource     *source,
                GSourceFunc  callback,
                gpointer     user_data)
{
  return callback (user_data);
}

static GSourceFuncs timer_funcs = {
  .dispatch = timer_dispatch,
};

static EpIoDeadline *
deadline_ref (EpIoDeadline *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

static void
deadline_unref (gpointer data)
{
  EpIoDeadline *self = data;

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_clear_object (&self->caller);
  g_clear_object (&self->cancellable);
  g_free (self);
}

static gboolean
timer_cb (gpointer data)
{
  EpIoDeadline *self = data;

  g_atomic_int_set (&self->expired, 1);
  g_cancellable_cancel (self->cancellable);
  return G_SOURCE_REMOVE;
}

static void
caller_cancelled_cb (GCancellable *caller,
                     gpointer      data)
{
  g_cancellable_cancel (G_CANCELLABLE (data));
}

/**
 * ep_io_deadline_new:
 * @deadline: monotonic time (µs) by which the call must be done
 * @cancellable: (nullable): the caller's cancellable
 *
 * Returns: (transfer full): a guard for one blocking call; free it after the call
 */
EpIoDeadline *
ep_io_deadline_new (gint64        deadline,
                    GCancellable *cancellable)
{
  EpIoDeadline *self = g_new0 (EpIoDeadline, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->cancellable = g_cancellable_new ();

  if (cancellable != NULL)
    {
      self->caller = g_object_ref (cancellable);
      /* Runs at once when the caller's cancellable is already cancelled. */
      self->caller_handler = g_cancellable_connect (cancellable, G_CALLBACK (caller_cancelled_cb),
                                                    g_object_ref (self->cancellable), g_object_unref);
    }

  if (deadline <= g_get_monotonic_time ())
    {
      timer_cb (self);
      return self;
    }

  self->timer = g_source_new (&timer_funcs, sizeof (GSource));
  g_source_set_static_name (self->timer, "ep-io-deadline");
  g_source_set_priority (self->timer, G_PRIORITY_HIGH);
  g_source_set_ready_time (self->timer, deadline);
  /* The source keeps the guard alive while the timer may still run, even past its free. */
  g_source_set_callback (self->timer, timer_cb, deadline_ref (self), deadline_unref);
  g_source_attach (self->timer, timer_context ());

  return self;
}

GCancellable *
ep_io_deadline_get_cancellable (EpIoDeadline *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->cancellable;
}

gboolean
ep_io_deadline_expired (EpIoDeadline *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return g_atomic_int_get (&self->expired) != 0;
}

void
ep_io_deadline_check (EpIoDeadline  *self,
                      GError       **error)
{
  g_return_if_fail (self != NULL);

  if (error == NULL || *error == NULL)
    return;
  /* The caller's cancellation wins, even when the deadline passed at the same moment. */
  if (self->caller != NULL && g_cancellable_is_cancelled (self->caller))
    return;
  if (!ep_io_deadline_expired (self) || !g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_clear_error (error);
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "Deadline reached");
}

void
ep_io_deadline_free (EpIoDeadline *self)
{
  if (self == NULL)
    return;

  if (self->timer != NULL)
    {
      /* Thread-safe; a timer firing right now finishes first and holds its own reference. */
      g_source_destroy (self->timer);
      g_source_unref (self->timer);
      self->timer = NULL;
    }
  if (self->caller_handler != 0)
    g_cancellable_disconnect (self->caller, self->caller_handler);
  self->caller_handler = 0;

  deadline_unref (self);
}

/* A write interrupted at the deadline may still be reported as done: the TLS backend does so for
 * a socket write cut short (a socket timeout), the rest of its record kept inside to go out with
 * the next write. Late is failed, for writes: the caller must not count on those octets. */
static gboolean
write_was_late (EpIoDeadline  *self,
                GError       **error)
{
  if (!ep_io_deadline_expired (self) || (self->caller != NULL && g_cancellable_is_cancelled (self->caller)))
    return FALSE;

  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "Deadline reached");
  return TRUE;
}

/* A call under @guard failed with @local_error (taken): a cancellation that the deadline caused
 * becomes a timeout. Returns FALSE, for the caller to return. */
static gboolean
guard_failed (EpIoDeadline  *guard,
              GError        *local_error,
              GError       **error)
{
  ep_io_deadline_check (guard, &local_error);
  g_propagate_error (error, local_error);
  return FALSE;
}

/* ---- one call each --------------------------------------------------------------------------- */

gssize
ep_io_read (GInputStream  *stream,
            void          *buffer,
            gsize          count,
            gint64         deadline,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autoptr(EpIoDeadline) guard = ep_io_deadline_new (deadline, cancellable);
  g_autoptr(GError) local_error = NULL;
  gssize n;

  n = g_input_stream_read (stream, buffer, count, guard->cancellable, &local_error);
  if (n < 0)
    guard_failed (guard, g_steal_pointer (&local_error), error);
  return n;
}

gboolean
ep_io_write_all (GOutputStream *stream,
                 const void    *buffer,
                 gsize          count,
                 gint64         deadline,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autoptr(EpIoDeadline) guard = ep_io_deadline_new (deadline, cancellable);
  g_autoptr(GError) local_error = NULL;

  if (!g_output_stream_write_all (stream, buffer, count, NULL, guard->cancellable, &local_error))
    return guard_failed (guard, g_steal_pointer (&local_error), error);
  return !write_was_late (guard, error);
}

gboolean
ep_io_flush (GOutputStream *stream,
             gint64         deadline,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(EpIoDeadline) guard = ep_io_deadline_new (deadline, cancellable);
  g_autoptr(GError) local_error = NULL;

  if (!g_output_stream_flush (stream, guard->cancellable, &local_error))
    return guard_failed (guard, g_steal_pointer (&local_error), error);
  return !write_was_late (guard, error);
}

gboolean
ep_io_handshake (GTlsConnection *connection,
                 gint64          deadline,
                 GCancellable   *cancellable,
                 GError        **error)
{
  g_autoptr(EpIoDeadline) guard = ep_io_deadline_new (deadline, cancellable);
  g_autoptr(GError) local_error = NULL;

  if (!g_tls_connection_handshake (connection, guard->cancellable, &local_error))
    return guard_failed (guard, g_steal_pointer (&local_error), error);
  return TRUE;
}

gboolean
ep_io_close (GIOStream    *stream,
             gint64        deadline,
             GCancellable *cancellable,
             GError      **error)
{
  g_autoptr(EpIoDeadline) guard = ep_io_deadline_new (deadline, cancellable);
  g_autoptr(GError) local_error = NULL;

  if (!g_io_stream_close (stream, guard->cancellable, &local_error))
    return guard_failed (guard, g_steal_pointer (&local_error), error);
  return TRUE;
}

/* ---- the output stream filter ---------------------------------------------------------------- */

struct _EpIoDeadlineOutputStream
{
  GFilterOutputStream parent_instance;

  gint64 timeout_us;
};

G_DEFINE_FINAL_TYPE (EpIoDeadlineOutputStream, ep_io_deadline_output_stream, G_TYPE_FILTER_OUTPUT_STREAM)

static gssize
ep_io_deadline_output_stream_write (GOutputStream  *stream,
                                    const void     *buffer,
                                    gsize           count,
                                    GCancellable   *cancellable,
                                    GError        **error)
{
  EpIoDeadlineOutputStream *self = EP_IO_DEADLINE_OUTPUT_STREAM (stream);
  GOutputStream *base = g_filter_output_stream_get_base_stream (G_FILTER_OUTPUT_STREAM (stream));
  gsize piece = MIN (count, EP_IO_DEADLINE_WRITE_PIECE);

  /* A whole piece, not one write of the base: a peer that reads a byte now and then lets every
   * single write progress, and would hold the sender for ever. */
  if (!ep_io_write_all (base, buffer, piece, g_get_monotonic_time () + self->timeout_us, cancellable, error))
    return -1;
  return (gssize) piece;
}

static gboolean
ep_io_deadline_output_stream_flush (GOutputStream  *stream,
                                    GCancellable   *cancellable,
                                    GError        **error)
{
  EpIoDeadlineOutputStream *self = EP_IO_DEADLINE_OUTPUT_STREAM (stream);
  GOutputStream *base = g_filter_output_stream_get_base_stream (G_FILTER_OUTPUT_STREAM (stream));

  return ep_io_flush (base, g_get_monotonic_time () + self->timeout_us, cancellable, error);
}

static gboolean
ep_io_deadline_output_stream_close (GOutputStream  *stream,
                                    GCancellable   *cancellable,
                                    GError        **error)
{
  /* The base stream belongs to its connection; the flush before close has run already. */
  return TRUE;
}

static void
ep_io_deadline_output_stream_class_init (EpIoDeadlineOutputStreamClass *klass)
{
  GOutputStreamClass *stream_class = G_OUTPUT_STREAM_CLASS (klass);

  stream_class->write_fn = ep_io_deadline_output_stream_write;
  stream_class->flush = ep_io_deadline_output_stream_flush;
  stream_class->close_fn = ep_io_deadline_output_stream_close;
}

static void
ep_io_deadline_output_stream_init (EpIoDeadlineOutputStream *self)
{
}

GOutputStream *
ep_io_deadline_output_stream_new (GOutputStream *base,
                                  gint64         timeout_us)
{
  EpIoDeadlineOutputStream *self;

  g_return_val_if_fail (G_IS_OUTPUT_STREAM (base), NULL);
  g_return_val_if_fail (timeout_us > 0, NULL);

  self = g_object_new (EP_TYPE_IO_DEADLINE_OUTPUT_STREAM,
                       "base-stream", base,
                       "close-base-stream", FALSE,
                       NULL);
  self->timeout_us = timeout_us;
  return G_OUTPUT_STREAM (self);
}
