/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-atomic-file.c: write to a temporary file beside the target, fsync, rename over it.
 *
 * A crash, a full disk or a failing write leaves the previous file exactly as it was: the
 * only operation that touches the target name is rename(2), which is atomic on POSIX file
 * systems. Every store (profiles, drafts, Sent copies) writes through here. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "ep-atomic-file.h"
#include "ep-store-error.h"
#include "ep-store-util.h"

/* Big enough to make syscalls cheap for multi-megabyte messages, small enough for a stack. */
#define EP_ATOMIC_FILE_COPY_CHUNK (64 * 1024)

G_LOCK_DEFINE_STATIC (fail_hook);
static EpAtomicFileFailHook fail_hook;
static gpointer fail_hook_data;

/* A GOutputStream writing straight to the temporary file's descriptor. It exists (rather
 * than GUnixOutputStream) so that the first errno is remembered for the final error and so
 * that tests can inject failures exactly where the kernel would report them. */
#define EP_TYPE_ATOMIC_FILE_STREAM (ep_atomic_file_stream_get_type ())
G_DECLARE_FINAL_TYPE (EpAtomicFileStream, ep_atomic_file_stream, EP, ATOMIC_FILE_STREAM, GOutputStream)

struct _EpAtomicFileStream
{
  GOutputStream parent_instance;

  int      fd;
  char    *path;          /* the final name, for the test hook */
  guint64  written;
  int      failed_errno;  /* first failure, reported by commit */
};

G_DEFINE_FINAL_TYPE (EpAtomicFileStream, ep_atomic_file_stream, G_TYPE_OUTPUT_STREAM)

struct _EpAtomicFile
{
  char               *path;
  char               *tmp_path;
  EpAtomicFileStream *stream;
  gboolean            done;     /* committed, or failed and cleaned up */
};

void
ep_atomic_file_set_fail_hook (EpAtomicFileFailHook hook,
                              gpointer             user_data)
{
  G_LOCK (fail_hook);
  fail_hook = hook;
  fail_hook_data = user_data;
  G_UNLOCK (fail_hook);
}

static int
injected_errno (const char        *path,
                EpAtomicFileStage  stage,
                guint64            offset)
{
  EpAtomicFileFailHook hook;
  gpointer data;

  G_LOCK (fail_hook);
  hook = fail_hook;
  data = fail_hook_data;
  G_UNLOCK (fail_hook);

  return hook != NULL ? hook (path, stage, offset, data) : 0;
}

static void
set_save_error (GError     **error,
                int          saved_errno,
                const char  *path)
{
  g_autofree char *display = g_filename_display_name (path);
  EpStoreError code = ep_store_error_from_errno (saved_errno);

  if (code == EP_STORE_ERROR_NO_SPACE)
    g_set_error (error, EP_STORE_ERROR, code,
                 _("Could not save “%s”: the disk is full. Any earlier version of the file was kept."),
                 display);
  else
    g_set_error (error, EP_STORE_ERROR, code,
                 _("Could not save “%s”: %s"), display, g_strerror (saved_errno));
}

static gssize
ep_atomic_file_stream_write_fn (GOutputStream  *stream,
                                const void     *buffer,
                                gsize           count,
                                GCancellable   *cancellable,
                                GError        **error)
{
  EpAtomicFileStream *self = EP_ATOMIC_FILE_STREAM (stream);
  gssize n;
  int errsv;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;

  /* Bounded writes: a full disk shows up part way through, as it would for real, and the
   * test hook sees the offsets advance. */
  count = MIN (count, EP_ATOMIC_FILE_COPY_CHUNK);
  errsv = injected_errno (self->path, EP_ATOMIC_FILE_STAGE_WRITE, self->written);
  if (errsv == 0)
    {
      do
        n = write (self->fd, buffer, count);
      while (n < 0 && errno == EINTR);

      if (n >= 0)
        {
          self->written += n;
          return n;
        }
      errsv = errno;
    }

  if (self->failed_errno == 0)
    self->failed_errno = errsv;
  g_set_error_literal (error, G_IO_ERROR, g_io_error_from_errno (errsv), g_strerror (errsv));
  return -1;
}

/* The descriptor belongs to EpAtomicFile: it must be fsynced before it is closed. */
static gboolean
ep_atomic_file_stream_close_fn (GOutputStream  *stream,
                                GCancellable   *cancellable,
                                GError        **error)
{
  return TRUE;
}

static void
ep_atomic_file_stream_finalize (GObject *object)
{
  EpAtomicFileStream *self = EP_ATOMIC_FILE_STREAM (object);

  g_free (self->path);

  G_OBJECT_CLASS (ep_atomic_file_stream_parent_class)->finalize (object);
}

static void
ep_atomic_file_stream_class_init (EpAtomicFileStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GOutputStreamClass *stream_class = G_OUTPUT_STREAM_CLASS (klass);

  object_class->finalize = ep_atomic_file_stream_finalize;
  stream_class->write_fn = ep_atomic_file_stream_write_fn;
  stream_class->close_fn = ep_atomic_file_stream_close_fn;
}

static void
ep_atomic_file_stream_init (EpAtomicFileStream *self)
{
  self->fd = -1;
}

gboolean
ep_store_ensure_private_dir (const char  *path,
                             GError     **error)
{
  g_return_val_if_fail (path != NULL, FALSE);

  if (g_mkdir_with_parents (path, 0700) != 0)
    {
      int errsv = errno;
      g_autofree char *display = g_filename_display_name (path);

      g_set_error (error, EP_STORE_ERROR, ep_store_error_from_errno (errsv),
                   _("Could not create the folder “%s”: %s"), display, g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

/* Removes the temporary file; the target was never touched. */
static void
ep_atomic_file_discard (EpAtomicFile *self)
{
  if (self->done)
    return;
  self->done = TRUE;

  if (self->stream->fd >= 0)
    {
      close (self->stream->fd);
      self->stream->fd = -1;
    }
  g_unlink (self->tmp_path);
}

/**
 * ep_atomic_file_new:
 * @path: the file to replace (its directory is created, mode 0700, when missing)
 * @mode: permissions of the new file, e.g. %EP_ATOMIC_FILE_PRIVATE_MODE
 *
 * Starts a replacement of @path. Write through ep_atomic_file_get_output_stream(), then call
 * ep_atomic_file_commit(). Freeing without a commit leaves @path as it was.
 */
EpAtomicFile *
ep_atomic_file_new (const char  *path,
                    guint        mode,
                    GError     **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  g_autofree char *tmp_path = NULL;
  EpAtomicFile *self;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);

  dir = g_path_get_dirname (path);
  base = g_path_get_basename (path);
  if (!ep_store_ensure_private_dir (dir, error))
    return NULL;

  /* Same directory, so rename(2) never crosses a file system; a leading dot keeps stale
   * temporaries (after a crash) out of every store's listing. */
  tmp_path = g_strdup_printf ("%s/.%s.tmp-XXXXXX", dir, base);
  fd = g_mkstemp_full (tmp_path, O_WRONLY | O_CLOEXEC, mode);
  if (fd < 0)
    {
      set_save_error (error, errno, path);
      return NULL;
    }
  /* The umask must not widen or narrow what the caller asked for. */
  if (fchmod (fd, mode) != 0)
    {
      int errsv = errno;

      close (fd);
      g_unlink (tmp_path);
      set_save_error (error, errsv, path);
      return NULL;
    }

  self = g_new0 (EpAtomicFile, 1);
  self->path = g_strdup (path);
  self->tmp_path = g_steal_pointer (&tmp_path);
  self->stream = g_object_new (EP_TYPE_ATOMIC_FILE_STREAM, NULL);
  self->stream->fd = fd;
  self->stream->path = g_strdup (path);
  return self;
}

/* Writes go straight to the file, unbuffered; the stream's errors are G_IO_ERRORs, and the
 * first one is reported again, as an EP_STORE_ERROR, by ep_atomic_file_commit(). */
GOutputStream *
ep_atomic_file_get_output_stream (EpAtomicFile *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return G_OUTPUT_STREAM (self->stream);
}

guint64
ep_atomic_file_get_size (EpAtomicFile *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->stream->written;
}

gboolean
ep_atomic_file_commit (EpAtomicFile  *self,
                       GError       **error)
{
  g_autofree char *dir = NULL;
  int errsv;
  int fd;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (!self->done, FALSE);

  if (self->stream->failed_errno != 0)
    {
      set_save_error (error, self->stream->failed_errno, self->path);
      ep_atomic_file_discard (self);
      return FALSE;
    }

  fd = self->stream->fd;
  errsv = injected_errno (self->path, EP_ATOMIC_FILE_STAGE_SYNC, self->stream->written);
  if (errsv == 0 && fsync (fd) != 0)
    errsv = errno;
  if (errsv == 0)
    {
      /* Some file systems (NFS, quotas) only report a full disk at close. */
      self->stream->fd = -1;
      if (close (fd) != 0)
        errsv = errno;
    }
  if (errsv == 0 && g_rename (self->tmp_path, self->path) != 0)
    errsv = errno;

  if (errsv != 0)
    {
      set_save_error (error, errsv, self->path);
      ep_atomic_file_discard (self);
      return FALSE;
    }

  self->done = TRUE;
  /* The rename itself made durable. */
  dir = g_path_get_dirname (self->path);
  ep_store_sync_dir (dir);
  return TRUE;
}

void
ep_atomic_file_free (EpAtomicFile *self)
{
  if (self == NULL)
    return;

  ep_atomic_file_discard (self);
  g_output_stream_close (G_OUTPUT_STREAM (self->stream), NULL, NULL);
  g_clear_object (&self->stream);
  g_free (self->path);
  g_free (self->tmp_path);
  g_free (self);
}

/**
 * ep_atomic_file_write:
 *
 * Replaces @path with @length bytes of @data. On failure @path is as it was before and the
 * error is an %EP_STORE_ERROR (%EP_STORE_ERROR_NO_SPACE when the disk is full).
 */
gboolean
ep_atomic_file_write (const char  *path,
                      const void  *data,
                      gsize        length,
                      guint        mode,
                      GError     **error)
{
  g_autoptr(EpAtomicFile) file = NULL;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  file = ep_atomic_file_new (path, mode, error);
  if (file == NULL)
    return FALSE;

  /* A failed write is remembered by the stream and reported, mapped, by the commit. */
  g_output_stream_write_all (ep_atomic_file_get_output_stream (file), data, length, NULL, NULL, NULL);
  return ep_atomic_file_commit (file, error);
}

/**
 * ep_atomic_file_copy_from:
 *
 * Appends everything read from @input, in chunks (the content is never held in memory).
 * Fails only for errors reading @input and for cancellation, both passed through unchanged;
 * a write error is remembered and reported by ep_atomic_file_commit().
 */
gboolean
ep_atomic_file_copy_from (EpAtomicFile  *self,
                          GInputStream  *input,
                          GCancellable  *cancellable,
                          GError       **error)
{
  g_autofree guint8 *buffer = NULL;
  GOutputStream *output;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (G_IS_INPUT_STREAM (input), FALSE);

  output = ep_atomic_file_get_output_stream (self);
  buffer = g_malloc (EP_ATOMIC_FILE_COPY_CHUNK);
  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      gssize n = g_input_stream_read (input, buffer, EP_ATOMIC_FILE_COPY_CHUNK, cancellable, error);

      if (n < 0)
        return FALSE;
      if (n == 0)
        return TRUE;
      if (!g_output_stream_write_all (output, buffer, n, NULL, cancellable, &local_error))
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          return TRUE;
        }
    }
}

/**
 * ep_atomic_file_write_stream:
 * @out_size: (out) (optional): the number of bytes written
 *
 * Replaces @path with everything read from @input, in chunks. Errors reading @input and
 * cancellation are passed through unchanged; write errors are %EP_STORE_ERRORs. On any
 * failure @path is untouched.
 */
gboolean
ep_atomic_file_write_stream (const char    *path,
                             GInputStream  *input,
                             guint          mode,
                             guint64       *out_size,
                             GCancellable  *cancellable,
                             GError       **error)
{
  g_autoptr(EpAtomicFile) file = NULL;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (G_IS_INPUT_STREAM (input), FALSE);

  file = ep_atomic_file_new (path, mode, error);
  if (file == NULL)
    return FALSE;
  if (!ep_atomic_file_copy_from (file, input, cancellable, error))
    return FALSE;
  if (!ep_atomic_file_commit (file, error))
    return FALSE;
  if (out_size != NULL)
    *out_size = ep_atomic_file_get_size (file);
  return TRUE;
}
