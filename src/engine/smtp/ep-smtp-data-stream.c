/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp-data-stream.c: the body on the wire: CRLF normalisation + dot-stuffing for DATA, framing for
 * BDAT. Scans with memchr and writes in large blocks; never holds more than one buffer. */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "ep-smtp-data-stream.h"

/* RFC 3030 §2: "BDAT" SP chunk-size [SP "LAST"] CRLF; chunk-size is 1*DIGIT. */
#define BDAT_HEADER_MAX 48

/* ---- DATA: CRLF + dot-stuffing --------------------------------------------------------------- */

struct _EpSmtpDataStream {
  GFilterOutputStream   parent_instance;

  EpSmtpDataStreamFlags flags;
  char                 *buf;
  gsize                 buf_len;
  gboolean              at_line_start;
  gboolean              pending_cr;     /* the last octet seen was CR; its LF may come next */
  gboolean              aborted;
  gboolean              base_failed;
  guint64               bytes_in;
  guint64               bytes_out;
};

G_DEFINE_FINAL_TYPE (EpSmtpDataStream, ep_smtp_data_stream, G_TYPE_FILTER_OUTPUT_STREAM)

static gboolean
data_flush_buffer (EpSmtpDataStream *self,
                   GCancellable     *cancellable,
                   GError          **error)
{
  GOutputStream *base = g_filter_output_stream_get_base_stream (G_FILTER_OUTPUT_STREAM (self));

  if (self->buf_len == 0)
    return TRUE;

  if (!g_output_stream_write_all (base, self->buf, self->buf_len, NULL, cancellable, error))
    {
      self->aborted = self->base_failed = TRUE;
      return FALSE;
    }

  self->bytes_out += self->buf_len;
  self->buf_len = 0;
  return TRUE;
}

static gboolean
data_emit (EpSmtpDataStream *self,
           const char       *data,
           gsize             len,
           GCancellable     *cancellable,
           GError          **error)
{
  if (self->buf_len + len > EP_SMTP_DATA_BUFFER_SIZE && !data_flush_buffer (self, cancellable, error))
    return FALSE;

  if (len >= EP_SMTP_DATA_BUFFER_SIZE)
    {
      GOutputStream *base = g_filter_output_stream_get_base_stream (G_FILTER_OUTPUT_STREAM (self));

      /* A line longer than the buffer (only possible with --raw): straight through. */
      if (!g_output_stream_write_all (base, data, len, NULL, cancellable, error))
        {
          self->aborted = self->base_failed = TRUE;
          return FALSE;
        }
      self->bytes_out += len;
      return TRUE;
    }

  memcpy (self->buf + self->buf_len, data, len);
  self->buf_len += len;
  return TRUE;
}

static gssize
ep_smtp_data_stream_write (GOutputStream *stream,
                           const void    *buffer,
                           gsize          count,
                           GCancellable  *cancellable,
                           GError       **error)
{
  EpSmtpDataStream *self = EP_SMTP_DATA_STREAM (stream);
  const char *p = buffer;
  const char *end = p + count;
  gboolean dot_stuff = (self->flags & EP_SMTP_DATA_STREAM_DOT_STUFF) != 0;

  if (self->aborted)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, _("The message data was aborted"));
      return -1;
    }

  /* Nothing to change in it: a scan per line would cost more than the copy (some 1.2 million
   * lines for a 64 MiB attachment in base64). */
  if ((self->flags & EP_SMTP_DATA_STREAM_CRLF_INPUT) != 0 && !dot_stuff)
    {
      if (!data_emit (self, p, count, cancellable, error))
        return -1;
      self->at_line_start = count > 0 && p[count - 1] == '\n';
      p = end;
    }

  while (p < end)
    {
      const char *lf, *limit, *cr;

      if (self->pending_cr)
        {
          /* CRLF, or a bare CR that ends a line all the same (RFC 5321 §2.3.8). */
          self->pending_cr = FALSE;
          self->at_line_start = TRUE;
          if (!data_emit (self, "\r\n", 2, cancellable, error))
            return -1;
          if (*p == '\n')
            {
              p++;
              continue;
            }
        }

      /* RFC 5321 §4.5.2: a line starting with "." gets one more. */
      if (self->at_line_start && dot_stuff && *p == '.')
        {
          if (!data_emit (self, ".", 1, cancellable, error))
            return -1;
        }

      lf = memchr (p, '\n', end - p);
      limit = lf != NULL ? lf : end;
      cr = memchr (p, '\r', limit - p);

      if (lf != NULL && cr == lf - 1)
        {
          /* The common case: a whole line that already ends in CRLF. */
          if (!data_emit (self, p, lf + 1 - p, cancellable, error))
            return -1;
          self->at_line_start = TRUE;
          p = lf + 1;
        }
      else if (cr != NULL)
        {
          if (!data_emit (self, p, cr - p, cancellable, error))
            return -1;
          self->pending_cr = TRUE;
          self->at_line_start = FALSE;
          p = cr + 1;
        }
      else if (lf != NULL)
        {
          /* Bare LF. */
          if (!data_emit (self, p, lf - p, cancellable, error) || !data_emit (self, "\r\n", 2, cancellable, error))
            return -1;
          self->at_line_start = TRUE;
          p = lf + 1;
        }
      else
        {
          if (!data_emit (self, p, end - p, cancellable, error))
            return -1;
          self->at_line_start = FALSE;
          p = end;
        }
    }

  self->bytes_in += count;
  return count;
}

static gboolean
ep_smtp_data_stream_flush (GOutputStream *stream,
                           GCancellable  *cancellable,
                           GError       **error)
{
  EpSmtpDataStream *self = EP_SMTP_DATA_STREAM (stream);
  GOutputStream *base = g_filter_output_stream_get_base_stream (G_FILTER_OUTPUT_STREAM (self));

  return data_flush_buffer (self, cancellable, error) && g_output_stream_flush (base, cancellable, error);
}

static gboolean
ep_smtp_data_stream_close (GOutputStream *stream,
                           GCancellable  *cancellable,
                           GError       **error)
{
  EpSmtpDataStream *self = EP_SMTP_DATA_STREAM (stream);
  gboolean ok = TRUE;

  if (!self->aborted)
    {
      if (self->pending_cr)
        {
          self->pending_cr = FALSE;
          self->at_line_start = TRUE;
          ok = data_emit (self, "\r\n", 2, cancellable, error);
        }

      /* RFC 5321 §4.1.1.4: the data ends with CRLF "." CRLF; the last line's CRLF counts. */
      if (ok && (self->flags & EP_SMTP_DATA_STREAM_TERMINATE) != 0)
        {
          if (self->at_line_start)
            ok = data_emit (self, ".\r\n", 3, cancellable, error);
          else
            ok = data_emit (self, "\r\n.\r\n", 5, cancellable, error);
        }

      ok = ok && ep_smtp_data_stream_flush (stream, cancellable, error);
    }

  /* Never closes the connection: the base stream is the socket. */
  return ok;
}

static void
ep_smtp_data_stream_finalize (GObject *object)
{
  EpSmtpDataStream *self = EP_SMTP_DATA_STREAM (object);

  g_free (self->buf);

  G_OBJECT_CLASS (ep_smtp_data_stream_parent_class)->finalize (object);
}

static void
ep_smtp_data_stream_class_init (EpSmtpDataStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GOutputStreamClass *stream_class = G_OUTPUT_STREAM_CLASS (klass);

  object_class->finalize = ep_smtp_data_stream_finalize;
  stream_class->write_fn = ep_smtp_data_stream_write;
  stream_class->flush = ep_smtp_data_stream_flush;
  stream_class->close_fn = ep_smtp_data_stream_close;
}

static void
ep_smtp_data_stream_init (EpSmtpDataStream *self)
{
  self->buf = g_malloc (EP_SMTP_DATA_BUFFER_SIZE);
  self->at_line_start = TRUE;
}

GOutputStream *
ep_smtp_data_stream_new (GOutputStream         *base_stream,
                         EpSmtpDataStreamFlags  flags)
{
  EpSmtpDataStream *self;

  g_return_val_if_fail (G_IS_OUTPUT_STREAM (base_stream), NULL);

  self = g_object_new (EP_TYPE_SMTP_DATA_STREAM,
                       "base-stream", base_stream,
                       "close-base-stream", FALSE,
                       NULL);
  self->flags = flags;

  return G_OUTPUT_STREAM (self);
}

void
ep_smtp_data_stream_abort (EpSmtpDataStream *self)
{
  g_return_if_fail (EP_IS_SMTP_DATA_STREAM (self));

  self->aborted = TRUE;
}

gboolean
ep_smtp_data_stream_get_base_failed (EpSmtpDataStream *self)
{
  g_return_val_if_fail (EP_IS_SMTP_DATA_STREAM (self), FALSE);

  return self->base_failed;
}

guint64
ep_smtp_data_stream_get_bytes_in (EpSmtpDataStream *self)
{
  g_return_val_if_fail (EP_IS_SMTP_DATA_STREAM (self), 0);

  return self->bytes_in;
}

guint64
ep_smtp_data_stream_get_bytes_out (EpSmtpDataStream *self)
{
  g_return_val_if_fail (EP_IS_SMTP_DATA_STREAM (self), 0);

  return self->bytes_out;
}

/* ---- BDAT framing ---------------------------------------------------------------------------- */

struct _EpSmtpBdatStream {
  GFilterOutputStream  parent_instance;

  gsize                chunk_size;
  char                *buf;
  gsize                buf_len;
  EpSmtpBdatChunkFunc  chunk_func;
  gpointer             chunk_data;
  gboolean             aborted;
  guint                n_chunks;
  guint64              bytes_in;
};

G_DEFINE_FINAL_TYPE (EpSmtpBdatStream, ep_smtp_bdat_stream, G_TYPE_FILTER_OUTPUT_STREAM)

static gboolean
bdat_emit_chunk (EpSmtpBdatStream *self,
                 const char       *data,
                 gsize             len,
                 gboolean          last,
                 GCancellable     *cancellable,
                 GError          **error)
{
  GOutputStream *base = g_filter_output_stream_get_base_stream (G_FILTER_OUTPUT_STREAM (self));
  char header[BDAT_HEADER_MAX];
  GOutputVector vectors[2];
  int header_len;

  header_len = g_snprintf (header, sizeof header, "BDAT %" G_GSIZE_FORMAT "%s\r\n", len, last ? " LAST" : "");
  vectors[0].buffer = header;
  vectors[0].size = header_len;
  vectors[1].buffer = data;
  vectors[1].size = len;

  /* One writev: header and data leave in the same segment where the socket allows it. */
  if (!g_output_stream_writev_all (base, vectors, len > 0 ? 2 : 1, NULL, cancellable, error))
    {
      self->aborted = TRUE;
      return FALSE;
    }

  self->n_chunks++;

  if (self->chunk_func != NULL && !self->chunk_func (len, last, self->chunk_data, error))
    {
      self->aborted = TRUE;
      return FALSE;
    }

  return TRUE;
}

static gssize
ep_smtp_bdat_stream_write (GOutputStream *stream,
                           const void    *buffer,
                           gsize          count,
                           GCancellable  *cancellable,
                           GError       **error)
{
  EpSmtpBdatStream *self = EP_SMTP_BDAT_STREAM (stream);
  gsize room;

  if (self->aborted)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, _("The message data was aborted"));
      return -1;
    }

  /* A large write with nothing pending goes out as its own chunk, without a copy. */
  if (self->buf_len == 0 && count >= self->chunk_size)
    {
      if (!bdat_emit_chunk (self, buffer, count, FALSE, cancellable, error))
        return -1;
      self->bytes_in += count;
      return count;
    }

  room = self->chunk_size - self->buf_len;
  if (count > room)
    count = room;

  memcpy (self->buf + self->buf_len, buffer, count);
  self->buf_len += count;
  self->bytes_in += count;

  if (self->buf_len == self->chunk_size)
    {
      if (!bdat_emit_chunk (self, self->buf, self->buf_len, FALSE, cancellable, error))
        return -1;
      self->buf_len = 0;
    }

  return count;
}

static gboolean
ep_smtp_bdat_stream_flush (GOutputStream *stream,
                           GCancellable  *cancellable,
                           GError       **error)
{
  /* A flush does not end a chunk: chunks are cut by size, so the framing does not depend on how
   * the writer happens to flush. */
  return TRUE;
}

static gboolean
ep_smtp_bdat_stream_close (GOutputStream *stream,
                           GCancellable  *cancellable,
                           GError       **error)
{
  EpSmtpBdatStream *self = EP_SMTP_BDAT_STREAM (stream);

  if (self->aborted)
    return TRUE;

  if (!bdat_emit_chunk (self, self->buf, self->buf_len, TRUE, cancellable, error))
    return FALSE;
  self->buf_len = 0;

  return TRUE;
}

static void
ep_smtp_bdat_stream_finalize (GObject *object)
{
  EpSmtpBdatStream *self = EP_SMTP_BDAT_STREAM (object);

  g_free (self->buf);

  G_OBJECT_CLASS (ep_smtp_bdat_stream_parent_class)->finalize (object);
}

static void
ep_smtp_bdat_stream_class_init (EpSmtpBdatStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GOutputStreamClass *stream_class = G_OUTPUT_STREAM_CLASS (klass);

  object_class->finalize = ep_smtp_bdat_stream_finalize;
  stream_class->write_fn = ep_smtp_bdat_stream_write;
  stream_class->flush = ep_smtp_bdat_stream_flush;
  stream_class->close_fn = ep_smtp_bdat_stream_close;
}

static void
ep_smtp_bdat_stream_init (EpSmtpBdatStream *self)
{
}

GOutputStream *
ep_smtp_bdat_stream_new (GOutputStream       *base_stream,
                         gsize                chunk_size,
                         EpSmtpBdatChunkFunc  chunk_func,
                         gpointer             user_data)
{
  EpSmtpBdatStream *self;

  g_return_val_if_fail (G_IS_OUTPUT_STREAM (base_stream), NULL);

  self = g_object_new (EP_TYPE_SMTP_BDAT_STREAM,
                       "base-stream", base_stream,
                       "close-base-stream", FALSE,
                       NULL);
  self->chunk_size = chunk_size > 0 ? chunk_size : EP_SMTP_BDAT_CHUNK_SIZE;
  self->buf = g_malloc (self->chunk_size);
  self->chunk_func = chunk_func;
  self->chunk_data = user_data;

  return G_OUTPUT_STREAM (self);
}

void
ep_smtp_bdat_stream_abort (EpSmtpBdatStream *self)
{
  g_return_if_fail (EP_IS_SMTP_BDAT_STREAM (self));

  self->aborted = TRUE;
}

guint
ep_smtp_bdat_stream_get_n_chunks (EpSmtpBdatStream *self)
{
  g_return_val_if_fail (EP_IS_SMTP_BDAT_STREAM (self), 0);

  return self->n_chunks;
}

guint64
ep_smtp_bdat_stream_get_bytes_in (EpSmtpBdatStream *self)
{
  g_return_val_if_fail (EP_IS_SMTP_BDAT_STREAM (self), 0);

  return self->bytes_in;
}
