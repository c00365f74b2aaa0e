/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-script-server.c: runs one scripted connection on its own thread and records the client's bytes. */

#include "config.h"

#include "ep-script-server.h"
#include "ep-test-certs.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <gio/gnetworking.h>

/* Reads are this big at most; each read() result is recorded as one chunk. */
#define READ_BUFFER_SIZE   (64 * 1024)
/* A client line longer than this without LF is recorded as a failure rather than buffered forever. */
#define MAX_EXPECTED_LINE  (1024 * 1024)
#define DEFAULT_IO_TIMEOUT 5          /* seconds, per read or write of the server */
#define ACCEPT_TIMEOUT_US  (60 * G_USEC_PER_SEC)
#define STALL_SLICE_US     (10 * 1000)
/* RAW-DRIP and TLS-DRIP give up after dripping this long in all: a client that never gives up
 * still ends its test, with a failure. */
#define RAW_DRIP_LIMIT_MS  10000

typedef struct
{
  EpScriptStepKind kind;
  GBytes          *arg;      /* nullable */
  guint            number;   /* milliseconds or a count, per kind */
  guint            line;     /* line in the text script, 0 when added through the API */
  gboolean         exact;    /* EXPECT: no glob even with '*' or '?' */
  EpScriptResponder responder;
  gpointer         responder_data;
} Step;

typedef struct
{
  GBytes  *bytes;
  gboolean tls;
} Chunk;

typedef enum
{
  LINE_OK,
  LINE_EOF,
  LINE_ERROR,
} LineStatus;

struct _EpScriptServer
{
  GObject parent_instance;

  /* Set up before start, read-only afterwards. */
  GPtrArray    *steps;
  guint         io_timeout;

  GThread      *thread;
  GMainContext *context;
  GCancellable *cancellable;

  /* Shared with the thread, under lock. */
  GMutex        lock;
  GCond         cond;
  gboolean      ready;
  gboolean      finished;
  GError       *start_error;
  guint16       port;
  GPtrArray    *chunks;      /* Chunk */
  GPtrArray    *bodies;      /* GBytes */
  GPtrArray    *failures;    /* char * */
  gboolean      connected;
  gboolean      completed;
  gint          steps_done;   /* atomic: for tests that act when the script reaches a point */

  /* Thread-only state. */
  GSocket           *listener;
  GSocket           *socket;
  GSocketConnection *connection;
  GIOStream         *stream;       /* the connection, or the TLS connection over it */
  gboolean           tls_active;
  GByteArray        *pending;      /* received, not yet consumed by a step */
  gboolean           client_gone;  /* EOF, reset or a failed write seen */
  gint64             literal;      /* size of the IMAP literal ("{N}" or "{N+}") that ended the
                                      last line a C: step matched; -1 for none */
  gboolean           closed;       /* the server closed the connection */
  struct _DripOutputStream *drip;  /* under TLS when the script drips raw bytes, else NULL */
};

G_DEFINE_FINAL_TYPE (EpScriptServer, ep_script_server, G_TYPE_OBJECT)

/* --- dripping the bytes under TLS ----------------------------------------------------------- */

/* The output stream under the server's TLS layer when the script drips raw bytes: it passes
 * writes through, or (while drip_ms > 0) takes one byte per write after a pause, so that every
 * TLS record, handshake messages included, crawls out. It must be pollable: the TLS backend only
 * takes a pollable base stream. */
#define DRIP_TYPE_OUTPUT_STREAM (drip_output_stream_get_type ())
G_DECLARE_FINAL_TYPE (DripOutputStream, drip_output_stream, DRIP, OUTPUT_STREAM, GOutputStream)

struct _DripOutputStream
{
  GOutputStream  parent_instance;

  GOutputStream *base;           /* the socket's, pollable */
  GCancellable  *cancellable;    /* the server's */
  guint          drip_ms;        /* 0: pass through */
  gint64         dripped_us;     /* spent pausing, over the whole connection */
  gboolean       limit_reached;
};

static void drip_output_stream_pollable_init (GPollableOutputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DripOutputStream, drip_output_stream, G_TYPE_OUTPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_OUTPUT_STREAM,
                                                      drip_output_stream_pollable_init))

/* One byte after a pause; the pause is cut short only by the server being cancelled. */
static gssize
drip_one (DripOutputStream  *self,
          const void        *buffer,
          GError           **error)
{
  gint64 end = g_get_monotonic_time () + (gint64) self->drip_ms * 1000;

  if (self->dripped_us >= (gint64) RAW_DRIP_LIMIT_MS * 1000)
    {
      self->limit_reached = TRUE;
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "still dripping after %d ms: the client did not give up", RAW_DRIP_LIMIT_MS);
      return -1;
    }
  while (g_get_monotonic_time () < end)
    {
      if (g_cancellable_set_error_if_cancelled (self->cancellable, error))
        return -1;
      g_usleep (MIN (STALL_SLICE_US, MAX (0, end - g_get_monotonic_time ())));
    }
  self->dripped_us += (gint64) self->drip_ms * 1000;

  return g_output_stream_write (self->base, buffer, 1, self->cancellable, error);
}

static gssize
drip_output_stream_write (GOutputStream  *stream,
                          const void     *buffer,
                          gsize           count,
                          GCancellable   *cancellable,
                          GError        **error)
{
  DripOutputStream *self = DRIP_OUTPUT_STREAM (stream);

  if (self->drip_ms == 0 || count == 0)
    return g_output_stream_write (self->base, buffer, count, cancellable, error);
  return drip_one (self, buffer, error);
}

static gboolean
drip_output_stream_flush (GOutputStream  *stream,
                          GCancellable   *cancellable,
                          GError        **error)
{
  return g_output_stream_flush (DRIP_OUTPUT_STREAM (stream)->base, cancellable, error);
}

static gboolean
drip_output_stream_close (GOutputStream  *stream,
                          GCancellable   *cancellable,
                          GError        **error)
{
  /* The socket is closed with the connection. */
  return TRUE;
}

static gboolean
drip_output_stream_can_poll (GPollableOutputStream *stream)
{
  return TRUE;
}

static gboolean
drip_output_stream_is_writable (GPollableOutputStream *stream)
{
  return g_pollable_output_stream_is_writable (G_POLLABLE_OUTPUT_STREAM (DRIP_OUTPUT_STREAM (stream)->base));
}

static GSource *
drip_output_stream_create_source (GPollableOutputStream *stream,
                                  GCancellable          *cancellable)
{
  DripOutputStream *self = DRIP_OUTPUT_STREAM (stream);
  g_autoptr(GSource) base_source = g_pollable_output_stream_create_source (G_POLLABLE_OUTPUT_STREAM (self->base), NULL);
  GSource *source = g_pollable_source_new_full (stream, base_source, cancellable);

  return source;
}

static gssize
drip_output_stream_write_nonblocking (GPollableOutputStream  *stream,
                                      const void             *buffer,
                                      gsize                   count,
                                      GError                **error)
{
  DripOutputStream *self = DRIP_OUTPUT_STREAM (stream);

  /* A test server may block here: dripping is the point. */
  if (self->drip_ms > 0 && count > 0)
    return drip_one (self, buffer, error);
  return g_pollable_output_stream_write_nonblocking (G_POLLABLE_OUTPUT_STREAM (self->base), buffer, count,
                                                     NULL, error);
}

static void
drip_output_stream_pollable_init (GPollableOutputStreamInterface *iface)
{
  iface->can_poll = drip_output_stream_can_poll;
  iface->is_writable = drip_output_stream_is_writable;
  iface->create_source = drip_output_stream_create_source;
  iface->write_nonblocking = drip_output_stream_write_nonblocking;
}

static void
drip_output_stream_finalize (GObject *object)
{
  DripOutputStream *self = DRIP_OUTPUT_STREAM (object);

  g_clear_object (&self->base);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (drip_output_stream_parent_class)->finalize (object);
}

static void
drip_output_stream_class_init (DripOutputStreamClass *klass)
{
  GOutputStreamClass *stream_class = G_OUTPUT_STREAM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = drip_output_stream_finalize;
  stream_class->write_fn = drip_output_stream_write;
  stream_class->flush = drip_output_stream_flush;
  stream_class->close_fn = drip_output_stream_close;
}

static void
drip_output_stream_init (DripOutputStream *self)
{
}

static DripOutputStream *
drip_output_stream_new (GOutputStream *base,
                        GCancellable  *cancellable)
{
  DripOutputStream *self = g_object_new (DRIP_TYPE_OUTPUT_STREAM, NULL);

  self->base = g_object_ref (base);
  self->cancellable = g_object_ref (cancellable);
  return self;
}

static const char *
step_kind_name (EpScriptStepKind kind)
{
  switch (kind)
    {
    case EP_SCRIPT_STEP_SEND: return "send";
    case EP_SCRIPT_STEP_EXPECT: return "expect";
    case EP_SCRIPT_STEP_EXPECT_OPTIONAL: return "optional expect";
    case EP_SCRIPT_STEP_READ_DATA: return "read DATA";
    case EP_SCRIPT_STEP_READ_BDAT: return "read BDAT";
    case EP_SCRIPT_STEP_READ_LITERAL: return "read literal";
    case EP_SCRIPT_STEP_START_TLS: return "start TLS";
    case EP_SCRIPT_STEP_START_TLS_REJECTED: return "start TLS (rejected)";
    case EP_SCRIPT_STEP_STALL: return "stall";
    case EP_SCRIPT_STEP_DRIP: return "drip";
    case EP_SCRIPT_STEP_FLOOD: return "flood";
    case EP_SCRIPT_STEP_DISCONNECT: return "disconnect";
    case EP_SCRIPT_STEP_RESET: return "reset";
    case EP_SCRIPT_STEP_EXPECT_CLOSE: return "expect close";
    case EP_SCRIPT_STEP_DRAIN: return "drain";
    case EP_SCRIPT_STEP_QUIET: return "quiet";
    case EP_SCRIPT_STEP_RESPOND: return "respond";
    case EP_SCRIPT_STEP_START_TLS_DRIP: return "start TLS (dripped)";
    case EP_SCRIPT_STEP_RAW_DRIP: return "raw drip";
    default: return "?";
    }
}

static void
step_free (Step *step)
{
  g_clear_pointer (&step->arg, g_bytes_unref);
  g_free (step);
}

static void
chunk_free (Chunk *chunk)
{
  g_bytes_unref (chunk->bytes);
  g_free (chunk);
}

/* Printable form of client or script bytes for failure messages. */
static char *
escape_bytes (const guint8 *data,
              gsize         len)
{
  GString *out = g_string_new (NULL);
  gsize shown = MIN (len, 200);

  for (gsize i = 0; i < shown; i++)
    {
      guint8 c = data[i];

      if (c == '\r')
        g_string_append (out, "\\r");
      else if (c == '\n')
        g_string_append (out, "\\n");
      else if (c == '\\')
        g_string_append (out, "\\\\");
      else if (c < 0x20 || c >= 0x7f)
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_c (out, (char) c);
    }
  if (shown < len)
    g_string_append_printf (out, "… (%" G_GSIZE_FORMAT " bytes)", len);

  return g_string_free (out, FALSE);
}

static char *
escape_gbytes (GBytes *bytes)
{
  gsize len = 0;
  const guint8 *data = bytes != NULL ? g_bytes_get_data (bytes, &len) : NULL;

  return escape_bytes (data, len);
}

static void
add_failure (EpScriptServer *self,
             const Step     *step,
             guint           index,
             const char     *format,
             ...) G_GNUC_PRINTF (4, 5);

static void
add_failure (EpScriptServer *self,
             const Step     *step,
             guint           index,
             const char     *format,
             ...)
{
  g_autofree char *what = NULL;
  g_autofree char *where = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);

  if (step == NULL)
    where = g_strdup ("server");
  else if (step->line > 0)
    where = g_strdup_printf ("step %u (%s, script line %u)", index + 1, step_kind_name (step->kind), step->line);
  else
    where = g_strdup_printf ("step %u (%s)", index + 1, step_kind_name (step->kind));

  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->failures, g_strdup_printf ("%s: %s", where, what));
  g_mutex_unlock (&self->lock);
}

static gboolean
error_means_closed (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED) ||
         g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_EOF) ||
         g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_MISC) ||
         g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_NOT_TLS);
}

/* --- reading -------------------------------------------------------------------------------- */

/* One read() of the client's bytes, recorded as one chunk. Returns 0 at EOF, -1 on error. */
static gssize
read_some (EpScriptServer  *self,
           GError         **error)
{
  g_autofree guint8 *buffer = NULL;
  GInputStream *input;
  Chunk *chunk;
  gssize n;

  if (self->closed || self->stream == NULL)
    return 0;

  buffer = g_malloc (READ_BUFFER_SIZE);
  input = g_io_stream_get_input_stream (self->stream);
  n = g_input_stream_read (input, buffer, READ_BUFFER_SIZE, self->cancellable, error);
  if (n <= 0)
    {
      if (n == 0)
        self->client_gone = TRUE;
      return n;
    }

  g_byte_array_append (self->pending, buffer, (guint) n);

  chunk = g_new0 (Chunk, 1);
  chunk->bytes = g_bytes_new (buffer, (gsize) n);
  chunk->tls = self->tls_active;
  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->chunks, chunk);
  g_mutex_unlock (&self->lock);

  return n;
}

/* Takes one line (up to and including LF) out of the pending bytes, reading as needed. */
static LineStatus
take_line (EpScriptServer  *self,
           GBytes         **line_out,
           GError         **error)
{
  gsize scanned = 0;

  for (;;)
    {
      const guint8 *lf = NULL;

      if (self->pending->len > scanned)
        lf = memchr (self->pending->data + scanned, '\n', self->pending->len - scanned);

      if (lf != NULL)
        {
          gsize len = (gsize) (lf - self->pending->data) + 1;

          *line_out = g_bytes_new (self->pending->data, len);
          g_byte_array_remove_range (self->pending, 0, (guint) len);
          return LINE_OK;
        }

      scanned = self->pending->len;
      if (scanned > MAX_EXPECTED_LINE)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                       "client line longer than %d bytes", MAX_EXPECTED_LINE);
          return LINE_ERROR;
        }

      switch (read_some (self, error))
        {
        case -1:
          return LINE_ERROR;
        case 0:
          return LINE_EOF;
        default:
          break;
        }
    }
}

/* Reads until @count bytes are pending. */
static gboolean
fill_pending (EpScriptServer  *self,
              gsize            count,
              GError         **error)
{
  while (self->pending->len < count)
    {
      gssize n = read_some (self, error);

      if (n < 0)
        return FALSE;
      if (n == 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                       "client closed the connection after %u of %" G_GSIZE_FORMAT " bytes",
                       self->pending->len, count);
          return FALSE;
        }
    }
  return TRUE;
}

static void
store_body (EpScriptServer *self,
            GBytes         *body)
{
  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->bodies, g_bytes_ref (body));
  g_mutex_unlock (&self->lock);
}

/* --- writing -------------------------------------------------------------------------------- */

/* Writes @len bytes; a client that went away is noted, not a failure (the steps that need
 * the client judge that). */
static gboolean
write_bytes (EpScriptServer *self,
             const Step     *step,
             guint           index,
             const void     *data,
             gsize           len)
{
  g_autoptr(GError) error = NULL;
  GOutputStream *output;

  if (self->client_gone || self->closed || self->stream == NULL)
    return FALSE;

  output = g_io_stream_get_output_stream (self->stream);
  if (!g_output_stream_write_all (output, data, len, NULL, self->cancellable, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
          g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ||
          (self->drip != NULL && self->drip->limit_reached))
        add_failure (self, step, index, "write failed: %s", error->message);
      self->client_gone = TRUE;
      return FALSE;
    }
  return TRUE;
}

/* Sleeps @ms milliseconds, waking early only when cancelled. */
static gboolean
stall (EpScriptServer *self,
       guint           ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      if (g_cancellable_is_cancelled (self->cancellable))
        return FALSE;
      g_usleep (MIN (STALL_SLICE_US, MAX (0, end - g_get_monotonic_time ())));
    }
  return TRUE;
}

/* TRUE once the client has closed or reset its end (looked at without consuming anything). */
static gboolean
client_hung_up (EpScriptServer *self)
{
  char byte;
  gssize n;

  if (self->socket == NULL || self->closed)
    return FALSE;
  if ((g_socket_condition_check (self->socket, G_IO_IN | G_IO_HUP | G_IO_ERR) & (G_IO_IN | G_IO_HUP | G_IO_ERR)) == 0)
    return FALSE;

  n = recv (g_socket_get_fd (self->socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/* A STALL step: like stall(), but it ends early when the client hangs up, since nothing can
 * follow then; timeout cases need not sit out the server's whole pause. */
static gboolean
stall_step (EpScriptServer *self,
            guint           ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      if (g_cancellable_is_cancelled (self->cancellable))
        return FALSE;
      if (client_hung_up (self))
        return TRUE;
      g_usleep (MIN (STALL_SLICE_US, MAX (0, end - g_get_monotonic_time ())));
    }
  return TRUE;
}

/* --- steps ---------------------------------------------------------------------------------- */

/* The N of a line ending in "{N}\r\n" or "{N+}\r\n"; -1 otherwise. */
static gint64
line_literal (GBytes *line)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (line, &len);
  gsize end, i;
  gint64 size = 0;

  if (len < 5 || memcmp (data + len - 3, "}\r\n", 3) != 0)
    return -1;
  end = len - 3;
  if (data[end - 1] == '+')
    end--;
  i = end;
  while (i > 0 && g_ascii_isdigit (data[i - 1]) && end - i < 12)
    i--;
  if (i == end || i == 0 || data[i - 1] != '{')
    return -1;
  for (; i < end; i++)
    size = size * 10 + (data[i] - '0');
  return size;
}

static gboolean
line_matches (const Step *step,
              GBytes     *line)
{
  gsize expected_len = 0, len = 0;
  const char *expected = g_bytes_get_data (step->arg, &expected_len);
  const char *got = g_bytes_get_data (line, &len);
  g_autofree char *pattern = NULL;
  g_autofree char *text = NULL;

  if (len < 2 || got[len - 2] != '\r' || got[len - 1] != '\n')
    return FALSE;
  len -= 2;

  /* An empty line is expected as such (XOAUTH2's empty answer to an error challenge); an empty
   * GBytes has no data pointer, which neither memchr nor memcmp may be given. */
  if (expected_len == 0)
    return len == 0;
  if (step->exact ||
      (memchr (expected, '*', expected_len) == NULL && memchr (expected, '?', expected_len) == NULL))
    return len == expected_len && memcmp (expected, got, len) == 0;

  if (memchr (got, '\0', len) != NULL)
    return FALSE;
  pattern = g_strndup (expected, expected_len);
  text = g_strndup (got, len);
  return g_pattern_match_simple (pattern, text);
}

static gboolean
run_expect (EpScriptServer *self,
            const Step     *step,
            guint           index)
{
  g_autoptr(GBytes) line = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *want = escape_gbytes (step->arg);
  gboolean optional = step->kind == EP_SCRIPT_STEP_EXPECT_OPTIONAL;
  g_autofree char *got = NULL;

  if (self->closed)
    {
      add_failure (self, step, index, "the server closed the connection; expected \"%s\"", want);
      return FALSE;
    }

  switch (take_line (self, &line, &error))
    {
    case LINE_EOF:
      if (optional && self->pending->len == 0)
        return TRUE;
      got = escape_bytes (self->pending->data, self->pending->len);
      add_failure (self, step, index, "client closed the connection; expected \"%s\", pending \"%s\"",
                   want, got);
      return FALSE;

    case LINE_ERROR:
      if (optional && error_means_closed (error) && self->pending->len == 0)
        {
          self->client_gone = TRUE;
          return TRUE;
        }
      add_failure (self, step, index, "expected \"%s\": %s", want, error->message);
      return FALSE;

    case LINE_OK:
    default:
      break;
    }

  if (!line_matches (step, line))
    {
      got = escape_gbytes (line);
      add_failure (self, step, index, "expected \"%s\\r\\n\", client sent \"%s\"", want, got);
      return FALSE;
    }
  self->literal = line_literal (line);
  return TRUE;
}

/* An IMAP literal (RFC 3501 §4.3, RFC 7888): the line announced @N octets that follow it,
 * then the rest of the command (for APPEND, its CRLF). They are kept as a body. */
static gboolean
run_read_literal (EpScriptServer *self,
                  const Step     *step,
                  guint           index)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  gsize size;

  if (self->literal < 0)
    {
      add_failure (self, step, index, "the last client line announced no literal");
      return FALSE;
    }
  size = (gsize) self->literal;
  self->literal = -1;
  if (!fill_pending (self, size + 2, &error))
    {
      add_failure (self, step, index, "reading a literal of %" G_GSIZE_FORMAT " bytes: %s",
                   size, error->message);
      return FALSE;
    }
  body = g_bytes_new (self->pending->data, size);
  store_body (self, body);
  if (memcmp (self->pending->data + size, "\r\n", 2) != 0)
    {
      add_failure (self, step, index, "no CRLF after the literal of %" G_GSIZE_FORMAT " bytes", size);
      return FALSE;
    }
  g_byte_array_remove_range (self->pending, 0, (guint) (size + 2));
  return TRUE;
}

/* DATA body: everything up to CRLF.CRLF, as it was on the wire (still dot-stuffed). The body
 * keeps the CRLF that ends its last line; the terminating ".\r\n" is dropped. */
static gboolean
run_read_data (EpScriptServer *self,
               const Step     *step,
               guint           index)
{
  g_autoptr(GError) error = NULL;
  gsize scanned = 0;

  for (;;)
    {
      const guint8 *data = self->pending->data;
      gsize len = self->pending->len;
      gsize body_len = G_MAXSIZE;

      if (len >= 3 && memcmp (data, ".\r\n", 3) == 0)
        body_len = 0;
      else
        {
          gsize start = scanned >= 4 ? scanned - 4 : 0;

          for (gsize i = start; i + 5 <= len; i++)
            {
              if (data[i] == '\r' && memcmp (data + i, "\r\n.\r\n", 5) == 0)
                {
                  body_len = i + 2;
                  break;
                }
            }
        }

      if (body_len != G_MAXSIZE)
        {
          g_autoptr(GBytes) body = g_bytes_new (data, body_len);

          store_body (self, body);
          g_byte_array_remove_range (self->pending, 0, (guint) (body_len + 3));
          return TRUE;
        }

      scanned = len;
      switch (read_some (self, &error))
        {
        case -1:
          add_failure (self, step, index, "reading the DATA body: %s", error->message);
          return FALSE;
        case 0:
          add_failure (self, step, index, "client closed the connection inside the DATA body (%"
                       G_GSIZE_FORMAT " bytes)", len);
          return FALSE;
        default:
          break;
        }
    }
}

/* BDAT SIZE [LAST] (RFC 3030 section 2), chunk after chunk until LAST. */
static gboolean
run_read_bdat (EpScriptServer *self,
               const Step     *step,
               guint           index)
{
  g_autoptr(GByteArray) body = g_byte_array_new ();
  g_autoptr(GBytes) whole = NULL;
  gboolean last = FALSE;

  while (!last)
    {
      g_autoptr(GBytes) line = NULL;
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) words = NULL;
      g_autofree char *text = NULL;
      gsize len = 0;
      const char *data;
      guint64 size = 0;

      switch (take_line (self, &line, &error))
        {
        case LINE_EOF:
          add_failure (self, step, index, "client closed the connection; expected BDAT");
          return FALSE;
        case LINE_ERROR:
          add_failure (self, step, index, "expected BDAT: %s", error->message);
          return FALSE;
        case LINE_OK:
        default:
          break;
        }

      data = g_bytes_get_data (line, &len);
      if (len < 2 || data[len - 2] != '\r')
        {
          g_autofree char *got = escape_gbytes (line);
          add_failure (self, step, index, "BDAT line not terminated by CRLF: \"%s\"", got);
          return FALSE;
        }
      text = g_strndup (data, len - 2);
      words = g_strsplit (text, " ", -1);
      if (g_strv_length (words) < 2 || g_strv_length (words) > 3 ||
          g_ascii_strcasecmp (words[0], "BDAT") != 0 ||
          !g_ascii_string_to_unsigned (words[1], 10, 0, G_MAXUINT32, &size, NULL) ||
          (words[2] != NULL && g_ascii_strcasecmp (words[2], "LAST") != 0))
        {
          g_autofree char *got = escape_gbytes (line);
          add_failure (self, step, index, "expected \"BDAT <size> [LAST]\", client sent \"%s\"", got);
          return FALSE;
        }
      last = words[2] != NULL;

      if (!fill_pending (self, (gsize) size, &error))
        {
          add_failure (self, step, index, "reading a BDAT chunk: %s", error->message);
          return FALSE;
        }
      g_byte_array_append (body, self->pending->data, (guint) size);
      g_byte_array_remove_range (self->pending, 0, (guint) size);

      if (step->arg != NULL && g_bytes_get_size (step->arg) > 0)
        {
          g_autofree char *reply = g_strdup_printf ("%.*s\r\n", (int) g_bytes_get_size (step->arg),
                                                    (const char *) g_bytes_get_data (step->arg, NULL));
          write_bytes (self, step, index, reply, strlen (reply));
        }
    }

  whole = g_byte_array_free_to_bytes (g_steal_pointer (&body));
  store_body (self, whole);
  return TRUE;
}

static gboolean
uses_raw_drip (EpScriptServer *self)
{
  for (guint i = 0; i < self->steps->len; i++)
    {
      const Step *step = g_ptr_array_index (self->steps, i);

      if (step->kind == EP_SCRIPT_STEP_START_TLS_DRIP || step->kind == EP_SCRIPT_STEP_RAW_DRIP)
        return TRUE;
    }
  return FALSE;
}

static gboolean
run_start_tls (EpScriptServer *self,
               const Step     *step,
               guint           index)
{
  gboolean must_fail = step->kind == EP_SCRIPT_STEP_START_TLS_REJECTED;
  gboolean dripped = step->kind == EP_SCRIPT_STEP_START_TLS_DRIP;
  g_autofree char *cert_name = g_strndup (g_bytes_get_data (step->arg, NULL), g_bytes_get_size (step->arg));
  g_autoptr(GTlsCertificate) cert = NULL;
  g_autoptr(GIOStream) base = NULL;
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (self->closed || self->client_gone)
    {
      add_failure (self, step, index, "the connection is closed; cannot start TLS");
      return FALSE;
    }
  if (self->pending->len > 0)
    {
      /* Whatever the client sent before its ClientHello was sent in clear after STARTTLS. */
      g_autofree char *got = escape_bytes (self->pending->data, self->pending->len);
      add_failure (self, step, index, "client sent \"%s\" before the TLS handshake", got);
      return FALSE;
    }

  cert = ep_test_certs_load (cert_name, &error);
  if (cert == NULL)
    {
      add_failure (self, step, index, "cannot load certificate \"%s\": %s", cert_name, error->message);
      return FALSE;
    }

  if (uses_raw_drip (self))
    {
      GOutputStream *socket_output = g_io_stream_get_output_stream (self->stream);

      g_clear_object (&self->drip);
      self->drip = drip_output_stream_new (socket_output, self->cancellable);
      base = g_simple_io_stream_new (g_io_stream_get_input_stream (self->stream), G_OUTPUT_STREAM (self->drip));
    }
  else
    base = g_object_ref (self->stream);

  /* With an explicit (empty) database: one left unset is GIO's default, the whole system
   * bundle, loaded while the client's handshake clock runs; this server asks for no client
   * certificate and needs no anchors. */
  tls = g_initable_new (g_tls_backend_get_server_connection_type (g_tls_backend_get_default ()),
                        NULL, &error,
                        "base-io-stream", base,
                        "certificate", cert,
                        "database", NULL,
                        NULL);
  if (tls == NULL)
    {
      add_failure (self, step, index, "TLS not available: %s", error->message);
      return FALSE;
    }
  /* Whether the client sends close_notify is not what these tests judge. */
  g_tls_connection_set_require_close_notify (G_TLS_CONNECTION (tls), FALSE);

  if (dripped)
    self->drip->drip_ms = step->number;
  ok = g_tls_connection_handshake (G_TLS_CONNECTION (tls), self->cancellable, &error);
  if (dripped)
    self->drip->drip_ms = 0;

  if (!ok)
    {
      /* Close it here: the backend's handshake thread may hold the last reference, and
       * dropping it there would close the socket under a later read (EBADF). Reading the
       * closed stream then tells the steps that follow that nothing more came. */
      g_io_stream_close (tls, NULL, NULL);
      if (must_fail)
        return TRUE;
      if (dripped && !self->drip->limit_reached && !g_cancellable_is_cancelled (self->cancellable))
        {
          /* The client gave up on the slow handshake: what follows (EOF) judges the rest. */
          self->client_gone = TRUE;
          return TRUE;
        }
      add_failure (self, step, index, "TLS handshake with \"%s\" failed: %s", cert_name, error->message);
      return FALSE;
    }

  /* A client that completes the handshake with a certificate it should reject may still end
   * the session at once; the steps after TLS-REJECT (normally EOF) judge what it sent. */
  g_clear_object (&self->stream);
  self->stream = g_steal_pointer (&tls);
  self->tls_active = TRUE;
  return TRUE;
}

static gboolean
run_expect_close (EpScriptServer *self,
                  const Step     *step,
                  guint           index,
                  gboolean        drain)
{
  if (self->closed)
    return TRUE;

  if (!drain && self->pending->len > 0)
    {
      g_autofree char *got = escape_bytes (self->pending->data, self->pending->len);
      add_failure (self, step, index, "expected the client to close, it sent \"%s\"", got);
      return FALSE;
    }

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gssize n;

      n = read_some (self, &error);
      if (n == 0)
        return TRUE;
      if (n < 0)
        {
          if (error_means_closed (error))
            {
              self->client_gone = TRUE;
              return TRUE;
            }
          add_failure (self, step, index, "expected the client to close: %s", error->message);
          return FALSE;
        }
      if (!drain)
        {
          g_autofree char *got = escape_bytes (self->pending->data, self->pending->len);
          add_failure (self, step, index, "expected the client to close, it sent \"%s\"", got);
          return FALSE;
        }
      g_byte_array_set_size (self->pending, 0);
    }
}

/* The client must not send anything for a while: it is waiting for our reply. */
static gboolean
run_quiet (EpScriptServer *self,
           const Step     *step,
           guint           index)
{
  g_autoptr(GError) error = NULL;

  if (self->pending->len > 0)
    {
      g_autofree char *got = escape_bytes (self->pending->data, self->pending->len);
      add_failure (self, step, index, "the client should wait for a reply, it already sent \"%s\"", got);
      return FALSE;
    }
  if (self->closed || self->socket == NULL)
    return TRUE;

  /* Decrypted data may already sit in the TLS layer, where the socket cannot show it. */
  if (!(self->tls_active &&
        g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (self->stream)))) &&
      !g_socket_condition_timed_wait (self->socket, G_IO_IN, (gint64) step->number * 1000,
                                      self->cancellable, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        return TRUE;
      add_failure (self, step, index, "%s", error->message);
      return FALSE;
    }

  g_clear_error (&error);
  if (read_some (self, &error) > 0)
    {
      g_autofree char *got = escape_bytes (self->pending->data, self->pending->len);
      add_failure (self, step, index, "the client should wait for a reply, it sent \"%s\"", got);
    }
  else
    add_failure (self, step, index, "the client closed the connection instead of waiting for a reply");
  return FALSE;
}

static gboolean
run_respond (EpScriptServer *self,
             const Step     *step,
             guint           index)
{
  EpScriptResponse response;

  do
    {
      g_autoptr(GBytes) line = NULL;
      g_autoptr(GByteArray) reply = g_byte_array_new ();
      g_autoptr(GError) error = NULL;
      g_autofree char *text = NULL;
      gsize len = 0;
      const char *data;

      switch (take_line (self, &line, &error))
        {
        case LINE_EOF:
          add_failure (self, step, index, "client closed the connection; a responder waited for a line");
          return FALSE;
        case LINE_ERROR:
          add_failure (self, step, index, "a responder waited for a line: %s", error->message);
          return FALSE;
        case LINE_OK:
        default:
          break;
        }

      data = g_bytes_get_data (line, &len);
      if (len < 2 || data[len - 2] != '\r' || memchr (data, '\0', len) != NULL)
        {
          g_autofree char *got = escape_gbytes (line);
          add_failure (self, step, index, "client sent \"%s\" (not a CRLF line)", got);
          return FALSE;
        }
      text = g_strndup (data, len - 2);

      response = step->responder (text, reply, step->responder_data, &error);
      if (response == EP_SCRIPT_RESPONSE_FAIL)
        {
          add_failure (self, step, index, "%s", error != NULL ? error->message : "responder failed");
          return FALSE;
        }
      if (reply->len > 0)
        write_bytes (self, step, index, reply->data, reply->len);
    }
  while (response == EP_SCRIPT_RESPONSE_AGAIN);

  return TRUE;
}

static void
close_connection (EpScriptServer *self,
                  gboolean        abortive)
{
  if (self->closed)
    return;
  self->closed = TRUE;

  if (abortive && self->socket != NULL)
    {
      /* SO_LINGER with a zero timeout makes close() send RST instead of FIN. */
      struct linger linger = { 1, 0 };

      if (setsockopt (g_socket_get_fd (self->socket), SOL_SOCKET, SO_LINGER, &linger, sizeof linger) != 0)
        g_warning ("script server: SO_LINGER: %s", g_strerror (errno));
      g_socket_close (self->socket, NULL);
      return;
    }

  if (self->stream != NULL)
    g_io_stream_close (self->stream, NULL, NULL);
  if (self->socket != NULL)
    g_socket_close (self->socket, NULL);
}

static gboolean
run_step (EpScriptServer *self,
          const Step     *step,
          guint           index)
{
  gsize len = 0;
  const guint8 *arg = step->arg != NULL ? g_bytes_get_data (step->arg, &len) : NULL;

  switch (step->kind)
    {
    case EP_SCRIPT_STEP_SEND:
      write_bytes (self, step, index, arg, len);
      return TRUE;

    case EP_SCRIPT_STEP_EXPECT:
    case EP_SCRIPT_STEP_EXPECT_OPTIONAL:
      return run_expect (self, step, index);

    case EP_SCRIPT_STEP_READ_DATA:
      return run_read_data (self, step, index);

    case EP_SCRIPT_STEP_READ_LITERAL:
      return run_read_literal (self, step, index);

    case EP_SCRIPT_STEP_READ_BDAT:
      return run_read_bdat (self, step, index);

    case EP_SCRIPT_STEP_START_TLS:
    case EP_SCRIPT_STEP_START_TLS_REJECTED:
    case EP_SCRIPT_STEP_START_TLS_DRIP:
      return run_start_tls (self, step, index);

    case EP_SCRIPT_STEP_RAW_DRIP:
      if (self->drip == NULL)
        {
          add_failure (self, step, index, "RAW-DRIP needs TLS first");
          return FALSE;
        }
      self->drip->drip_ms = step->number;
      return TRUE;

    case EP_SCRIPT_STEP_STALL:
      if (!stall_step (self, step->number))
        {
          add_failure (self, step, index, "cancelled");
          return FALSE;
        }
      return TRUE;

    case EP_SCRIPT_STEP_DRIP:
      for (gsize i = 0; i < len; i++)
        {
          if (!write_bytes (self, step, index, arg + i, 1))
            break;
          if (i + 1 < len && !stall (self, step->number))
            {
              add_failure (self, step, index, "cancelled");
              return FALSE;
            }
        }
      return TRUE;

    case EP_SCRIPT_STEP_FLOOD:
      {
        /* Repeat the text into a block so that a flood is a few big writes, not N small ones. */
        g_autoptr(GByteArray) block = g_byte_array_new ();
        guint per_block = MAX (1, (guint) (READ_BUFFER_SIZE / MAX (len, 1)));
        guint left = step->number;

        for (guint i = 0; i < MIN (per_block, left); i++)
          g_byte_array_append (block, arg, (guint) len);
        while (left > 0 && len > 0)
          {
            guint n = MIN (per_block, left);

            if (!write_bytes (self, step, index, block->data, (gsize) n * len))
              break;
            left -= n;
          }
        return TRUE;
      }

    case EP_SCRIPT_STEP_DISCONNECT:
      close_connection (self, FALSE);
      return TRUE;

    case EP_SCRIPT_STEP_RESET:
      close_connection (self, TRUE);
      return TRUE;

    case EP_SCRIPT_STEP_EXPECT_CLOSE:
      return run_expect_close (self, step, index, FALSE);

    case EP_SCRIPT_STEP_DRAIN:
      return run_expect_close (self, step, index, TRUE);

    case EP_SCRIPT_STEP_QUIET:
      return run_quiet (self, step, index);

    case EP_SCRIPT_STEP_RESPOND:
      return run_respond (self, step, index);

    default:
      g_assert_not_reached ();
    }
}

/* --- the thread ----------------------------------------------------------------------------- */

static gboolean
listen_locally (EpScriptServer  *self,
                GError         **error)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, self->port);
  g_autoptr(GSocketAddress) bound = NULL;

  self->listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (self->listener == NULL)
    return FALSE;
  if (!g_socket_bind (self->listener, address, TRUE, error) ||
      !g_socket_listen (self->listener, error))
    return FALSE;

  bound = g_socket_get_local_address (self->listener, error);
  if (bound == NULL)
    return FALSE;
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return TRUE;
}

static gboolean
accept_client (EpScriptServer *self)
{
  g_autoptr(GError) error = NULL;

  if (!g_socket_condition_timed_wait (self->listener, G_IO_IN, ACCEPT_TIMEOUT_US, self->cancellable, &error))
    {
      if (self->steps->len > 0)
        add_failure (self, NULL, 0, "no client connected: %s", error->message);
      else if (g_socket_condition_check (self->listener, G_IO_IN) & G_IO_IN)
        add_failure (self, NULL, 0, "a client connected although the script expected none");
      return FALSE;
    }

  self->socket = g_socket_accept (self->listener, self->cancellable, &error);
  if (self->socket == NULL)
    {
      add_failure (self, NULL, 0, "accept: %s", error->message);
      return FALSE;
    }

  g_mutex_lock (&self->lock);
  self->connected = TRUE;
  g_mutex_unlock (&self->lock);

  if (self->steps->len == 0)
    {
      add_failure (self, NULL, 0, "a client connected although the script expected none");
      return FALSE;
    }

  g_socket_set_blocking (self->socket, TRUE);
  g_socket_set_timeout (self->socket, self->io_timeout);
  /* Each send step leaves at once as its own segment: without this, Nagle's algorithm holds a
   * second small write until the client's (delayed) ACK, 40 ms per multiline reply. */
  g_socket_set_option (self->socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  self->connection = g_socket_connection_factory_create_connection (self->socket);
  self->stream = G_IO_STREAM (g_object_ref (self->connection));
  return TRUE;
}

static gpointer
server_thread (gpointer data)
{
  EpScriptServer *self = data;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  /* Whatever GIO attaches to the thread-default context (TLS internals) stays off the test's. */
  g_main_context_push_thread_default (self->context);

  ok = listen_locally (self, &error);
  g_mutex_lock (&self->lock);
  self->ready = TRUE;
  if (!ok)
    self->start_error = g_steal_pointer (&error);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  if (ok && self->steps->len == 0)
    {
      /* Nobody may connect: the script is complete when nobody did. */
      accept_client (self);
      g_mutex_lock (&self->lock);
      self->completed = self->failures->len == 0;
      g_mutex_unlock (&self->lock);
    }
  else if (ok && accept_client (self))
    {
      guint i;

      for (i = 0; i < self->steps->len; i++)
        {
          if (!run_step (self, g_ptr_array_index (self->steps, i), i))
            break;
          g_atomic_int_inc (&self->steps_done);
        }

      g_mutex_lock (&self->lock);
      self->completed = i == self->steps->len;
      g_mutex_unlock (&self->lock);

      close_connection (self, FALSE);
    }

  if (self->listener != NULL)
    g_socket_close (self->listener, NULL);

  g_main_context_pop_thread_default (self->context);

  g_mutex_lock (&self->lock);
  self->finished = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  return NULL;
}

/* --- script parsing ------------------------------------------------------------------------- */

static int
hex_value (char c)
{
  return g_ascii_isxdigit (c) ? g_ascii_xdigit_value (c) : -1;
}

/* TEXT with \r \n \t \\ \xHH escapes, plus CRLF when @add_crlf. */
static GBytes *
parse_text (const char  *text,
            gboolean     add_crlf,
            GError     **error)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();

  for (const char *p = text; *p != '\0'; p++)
    {
      guint8 c = (guint8) *p;

      if (c == '\\')
        {
          p++;
          switch (*p)
            {
            case 'r': c = '\r'; break;
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case '\\': c = '\\'; break;
            case 'x':
              if (hex_value (p[1]) < 0 || hex_value (p[2]) < 0)
                {
                  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "bad \\x escape in \"%s\"", text);
                  return NULL;
                }
              c = (guint8) (hex_value (p[1]) * 16 + hex_value (p[2]));
              p += 2;
              break;
            default:
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "bad escape in \"%s\"", text);
              return NULL;
            }
        }
      g_byte_array_append (out, &c, 1);
    }

  if (add_crlf)
    g_byte_array_append (out, (const guint8 *) "\r\n", 2);

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* If @line starts with @keyword, returns what follows it (one optional blank skipped). */
static const char *
after_keyword (const char *line,
               const char *keyword)
{
  gsize n = strlen (keyword);

  if (strncmp (line, keyword, n) != 0)
    return NULL;
  line += n;
  if (*line == ' ')
    line++;
  return line;
}

/* "DRIP 20: text" / "FLOOD 100! text": the number, then ':' or '!', then the text. */
static gboolean
parse_counted (const char  *rest,
               guint       *number,
               char        *separator,
               const char **text)
{
  char *end = NULL;
  guint64 value = g_ascii_strtoull (rest, &end, 10);

  if (end == rest || (*end != ':' && *end != '!') || value > G_MAXUINT)
    return FALSE;
  *number = (guint) value;
  *separator = *end;
  end++;
  if (*end == ' ')
    end++;
  *text = end;
  return TRUE;
}

static gboolean
parse_line (EpScriptServer  *self,
            const char      *line,
            guint            line_number,
            GError         **error)
{
  const char *rest;
  EpScriptStepKind kind;
  g_autoptr(GBytes) arg = NULL;
  guint number = 0;
  gboolean exact = FALSE;
  Step *step;

  if ((rest = after_keyword (line, "S:")) != NULL)
    {
      kind = EP_SCRIPT_STEP_SEND;
      arg = parse_text (rest, TRUE, error);
    }
  else if ((rest = after_keyword (line, "S!")) != NULL)
    {
      kind = EP_SCRIPT_STEP_SEND;
      arg = parse_text (rest, FALSE, error);
    }
  else if ((rest = after_keyword (line, "C:")) != NULL)
    {
      kind = EP_SCRIPT_STEP_EXPECT;
      arg = parse_text (rest, FALSE, error);
    }
  else if ((rest = after_keyword (line, "C=")) != NULL)
    {
      kind = EP_SCRIPT_STEP_EXPECT;
      exact = TRUE;
      arg = parse_text (rest, FALSE, error);
    }
  else if ((rest = after_keyword (line, "C?")) != NULL)
    {
      kind = EP_SCRIPT_STEP_EXPECT_OPTIONAL;
      arg = parse_text (rest, FALSE, error);
    }
  else if (g_str_equal (line, "DATA"))
    {
      kind = EP_SCRIPT_STEP_READ_DATA;
    }
  else if (g_str_equal (line, "LITERAL"))
    {
      kind = EP_SCRIPT_STEP_READ_LITERAL;
    }
  else if ((rest = after_keyword (line, "BDAT:")) != NULL)
    {
      kind = EP_SCRIPT_STEP_READ_BDAT;
      arg = parse_text (rest, FALSE, error);
    }
  else if ((rest = after_keyword (line, "TLS-REJECT:")) != NULL)
    {
      kind = EP_SCRIPT_STEP_START_TLS_REJECTED;
      arg = g_bytes_new (rest, strlen (rest));
    }
  else if ((rest = after_keyword (line, "TLS:")) != NULL)
    {
      kind = EP_SCRIPT_STEP_START_TLS;
      arg = g_bytes_new (rest, strlen (rest));
    }
  else if ((rest = after_keyword (line, "TLS-DRIP")) != NULL)
    {
      char separator = 0;
      const char *text = NULL;

      kind = EP_SCRIPT_STEP_START_TLS_DRIP;
      if (!parse_counted (rest, &number, &separator, &text) || separator != ':' || number == 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "line %u: expected \"TLS-DRIP MILLISECONDS: CERT\"", line_number);
          return FALSE;
        }
      arg = g_bytes_new (text, strlen (text));
    }
  else if ((rest = after_keyword (line, "RAW-DRIP:")) != NULL)
    {
      guint64 ms = 0;

      kind = EP_SCRIPT_STEP_RAW_DRIP;
      if (!g_ascii_string_to_unsigned (rest, 10, 0, G_MAXUINT, &ms, NULL))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "line %u: expected \"RAW-DRIP: MILLISECONDS\"", line_number);
          return FALSE;
        }
      number = (guint) ms;
    }
  else if ((rest = after_keyword (line, "STALL:")) != NULL ||
           (rest = after_keyword (line, "QUIET:")) != NULL)
    {
      guint64 ms = 0;

      kind = line[0] == 'S' ? EP_SCRIPT_STEP_STALL : EP_SCRIPT_STEP_QUIET;
      if (!g_ascii_string_to_unsigned (rest, 10, 0, G_MAXUINT, &ms, NULL))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "line %u: expected \"%s: MILLISECONDS\"", line_number,
                       kind == EP_SCRIPT_STEP_STALL ? "STALL" : "QUIET");
          return FALSE;
        }
      number = (guint) ms;
    }
  else if ((rest = after_keyword (line, "DRIP")) != NULL ||
           (rest = after_keyword (line, "FLOOD")) != NULL)
    {
      char separator = 0;
      const char *text = NULL;

      kind = line[0] == 'D' ? EP_SCRIPT_STEP_DRIP : EP_SCRIPT_STEP_FLOOD;
      if (!parse_counted (rest, &number, &separator, &text))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "line %u: expected \"%s N: TEXT\"", line_number,
                       kind == EP_SCRIPT_STEP_DRIP ? "DRIP" : "FLOOD");
          return FALSE;
        }
      arg = parse_text (text, kind == EP_SCRIPT_STEP_DRIP && separator == ':', error);
    }
  else if (g_str_equal (line, "CLOSE"))
    kind = EP_SCRIPT_STEP_DISCONNECT;
  else if (g_str_equal (line, "RESET"))
    kind = EP_SCRIPT_STEP_RESET;
  else if (g_str_equal (line, "EOF"))
    kind = EP_SCRIPT_STEP_EXPECT_CLOSE;
  else if (g_str_equal (line, "DRAIN"))
    kind = EP_SCRIPT_STEP_DRAIN;
  else
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "line %u: unknown step \"%s\"", line_number, line);
      return FALSE;
    }

  if (error != NULL && *error != NULL)
    return FALSE;
  if ((kind == EP_SCRIPT_STEP_SEND || kind == EP_SCRIPT_STEP_EXPECT || kind == EP_SCRIPT_STEP_EXPECT_OPTIONAL ||
       kind == EP_SCRIPT_STEP_DRIP || kind == EP_SCRIPT_STEP_FLOOD || kind == EP_SCRIPT_STEP_READ_BDAT) &&
      arg == NULL)
    return FALSE;

  step = g_new0 (Step, 1);
  step->kind = kind;
  step->arg = g_steal_pointer (&arg);
  step->number = number;
  step->line = line_number;
  step->exact = exact;
  g_ptr_array_add (self->steps, step);
  return TRUE;
}

/* --- GObject -------------------------------------------------------------------------------- */

static void
ep_script_server_finalize (GObject *object)
{
  EpScriptServer *self = EP_SCRIPT_SERVER (object);

  if (self->thread != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      g_thread_join (self->thread);
    }

  g_clear_object (&self->stream);
  g_clear_object (&self->drip);
  g_clear_object (&self->connection);
  g_clear_object (&self->socket);
  g_clear_object (&self->listener);
  g_clear_pointer (&self->pending, g_byte_array_unref);
  g_clear_pointer (&self->steps, g_ptr_array_unref);
  g_clear_pointer (&self->chunks, g_ptr_array_unref);
  g_clear_pointer (&self->bodies, g_ptr_array_unref);
  g_clear_pointer (&self->failures, g_ptr_array_unref);
  g_clear_error (&self->start_error);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (ep_script_server_parent_class)->finalize (object);
}

static void
ep_script_server_class_init (EpScriptServerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ep_script_server_finalize;
}

static void
ep_script_server_init (EpScriptServer *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->steps = g_ptr_array_new_with_free_func ((GDestroyNotify) step_free);
  self->chunks = g_ptr_array_new_with_free_func ((GDestroyNotify) chunk_free);
  self->bodies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  self->failures = g_ptr_array_new_with_free_func (g_free);
  self->pending = g_byte_array_new ();
  self->literal = -1;
  self->cancellable = g_cancellable_new ();
  self->context = g_main_context_new ();
  self->io_timeout = DEFAULT_IO_TIMEOUT;
}

/* --- public API ----------------------------------------------------------------------------- */

EpScriptServer *
ep_script_server_new (void)
{
  return g_object_new (EP_TYPE_SCRIPT_SERVER, NULL);
}

/* Parses @script and starts serving it: the usual way to make a server in a test. */
EpScriptServer *
ep_script_server_new_for_script (const char  *script,
                                 GError     **error)
{
  g_autoptr(EpScriptServer) self = ep_script_server_new ();

  if (!ep_script_server_add_script (self, script, error) ||
      !ep_script_server_start (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

/* ep_script_server_new_for_script() where the test has nothing to check about starting it: a
 * script that does not parse, or no port to listen on, fails the test there. */
EpScriptServer *
ep_script_server_new_for_test (const char *script)
{
  g_autoptr(GError) error = NULL;
  EpScriptServer *self = ep_script_server_new_for_script (script, &error);

  g_assert_no_error (error);
  g_assert_nonnull (self);
  return self;
}

/**
 * ep_script_server_add_step:
 * @arg: (nullable): bytes to send or expect, certificate name, BDAT reply
 * @arg_len: length of @arg, or -1 when NUL-terminated
 * @number: milliseconds (STALL, DRIP) or repetitions (FLOOD)
 *
 * Appends one step; @arg is used exactly as given (no CRLF added, no escapes).
 */
void
ep_script_server_add_step (EpScriptServer   *self,
                           EpScriptStepKind  kind,
                           const char       *arg,
                           gssize            arg_len,
                           guint             number)
{
  Step *step;

  g_return_if_fail (EP_IS_SCRIPT_SERVER (self));
  g_return_if_fail (self->thread == NULL);
  g_return_if_fail (kind != EP_SCRIPT_STEP_RESPOND);

  step = g_new0 (Step, 1);
  step->kind = kind;
  if (arg != NULL)
    step->arg = g_bytes_new (arg, arg_len < 0 ? strlen (arg) : (gsize) arg_len);
  step->number = number;
  g_ptr_array_add (self->steps, step);
}

/* Appends a step that reads client lines and answers each through @responder (on the server
 * thread; @user_data must outlive the server's wait). */
void
ep_script_server_add_responder (EpScriptServer    *self,
                                EpScriptResponder  responder,
                                gpointer           user_data)
{
  Step *step;

  g_return_if_fail (EP_IS_SCRIPT_SERVER (self));
  g_return_if_fail (responder != NULL);
  g_return_if_fail (self->thread == NULL);

  step = g_new0 (Step, 1);
  step->kind = EP_SCRIPT_STEP_RESPOND;
  step->responder = responder;
  step->responder_data = user_data;
  g_ptr_array_add (self->steps, step);
}

gboolean
ep_script_server_add_script (EpScriptServer  *self,
                             const char      *script,
                             GError         **error)
{
  g_auto(GStrv) lines = NULL;

  g_return_val_if_fail (EP_IS_SCRIPT_SERVER (self), FALSE);
  g_return_val_if_fail (script != NULL, FALSE);
  g_return_val_if_fail (self->thread == NULL, FALSE);

  lines = g_strsplit (script, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = lines[i];
      gsize len;

      while (*line == ' ' || *line == '\t')
        line++;
      len = strlen (line);
      if (len > 0 && line[len - 1] == '\r')
        line[len - 1] = '\0';
      if (*line == '\0' || *line == '#')
        continue;

      if (!parse_line (self, line, i + 1, error))
        {
          if (error != NULL && *error == NULL)
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "line %u: invalid step", i + 1);
          return FALSE;
        }
    }
  return TRUE;
}

/* Bounds each read and write of the server (default 5 s), so a silent client cannot hang a test. */
void
ep_script_server_set_io_timeout (EpScriptServer *self,
                                 guint           seconds)
{
  g_return_if_fail (EP_IS_SCRIPT_SERVER (self));
  g_return_if_fail (self->thread == NULL);
  g_return_if_fail (seconds > 0);

  self->io_timeout = seconds;
}

/* Before the start: listen on @port rather than on one the system picks (0), e.g. where a
 * client already failed to connect. */
void
ep_script_server_set_port (EpScriptServer *self,
                           guint16         port)
{
  g_return_if_fail (EP_IS_SCRIPT_SERVER (self));
  g_return_if_fail (self->thread == NULL);

  self->port = port;
}

/* Starts the thread and returns once the server listens (its port is known). */
gboolean
ep_script_server_start (EpScriptServer  *self,
                        GError         **error)
{
  g_return_val_if_fail (EP_IS_SCRIPT_SERVER (self), FALSE);
  g_return_val_if_fail (self->thread == NULL, FALSE);

  self->thread = g_thread_new ("script-server", server_thread, self);

  g_mutex_lock (&self->lock);
  while (!self->ready)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);

  if (self->start_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&self->start_error));
      return FALSE;
    }
  return TRUE;
}

guint16
ep_script_server_get_port (EpScriptServer *self)
{
  g_return_val_if_fail (EP_IS_SCRIPT_SERVER (self), 0);

  return self->port;
}

/**
 * ep_script_server_wait:
 * @timeout_ms: how long the script may still take
 *
 * Waits until the script has run (or stopped at its first failure), then joins the thread.
 * An empty script means that no client may connect: the wait then ends at once.
 *
 * Returns: %TRUE when a client connected (or none was expected), every step passed and the
 *   script ran to its end; otherwise %FALSE with an error listing every failure
 */
gboolean
ep_script_server_wait (EpScriptServer  *self,
                       guint            timeout_ms,
                       GError         **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gboolean timed_out = FALSE;
  g_autoptr(GString) message = NULL;

  g_return_val_if_fail (EP_IS_SCRIPT_SERVER (self), FALSE);
  g_return_val_if_fail (self->thread != NULL, FALSE);

  if (self->steps->len == 0)
    g_cancellable_cancel (self->cancellable);

  g_mutex_lock (&self->lock);
  while (!self->finished)
    if (!g_cond_wait_until (&self->cond, &self->lock, deadline))
      {
        timed_out = !self->finished;
        break;
      }
  g_mutex_unlock (&self->lock);

  if (timed_out)
    g_cancellable_cancel (self->cancellable);
  g_thread_join (self->thread);
  self->thread = NULL;

  if (self->steps->len == 0 && !timed_out && self->failures->len == 0)
    return TRUE;
  if (!timed_out && self->failures->len == 0 && self->completed)
    return TRUE;

  message = g_string_new ("script server:");
  if (timed_out)
    g_string_append_printf (message, " timed out after %u ms;", timeout_ms);
  for (guint i = 0; i < self->failures->len; i++)
    g_string_append_printf (message, " %s;", (const char *) g_ptr_array_index (self->failures, i));
  if (!self->completed && self->failures->len == 0 && !timed_out)
    g_string_append (message, " script did not complete;");
  g_string_truncate (message, message->len - 1);

  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, message->str);
  return FALSE;
}

/* Waits up to @timeout_ms for the script's end; the test fails unless the script ran to its end
 * without a failure (the message lists what went wrong). */
void
ep_script_server_assert_done (EpScriptServer *self,
                              guint           timeout_ms)
{
  g_autoptr(GError) error = NULL;

  ep_script_server_wait (self, timeout_ms, &error);
  g_assert_no_error (error);
  g_assert_true (ep_script_server_get_completed (self));
}

gboolean
ep_script_server_get_connected (EpScriptServer *self)
{
  gboolean connected;

  g_return_val_if_fail (EP_IS_SCRIPT_SERVER (self), FALSE);

  g_mutex_lock (&self->lock);
  connected = self->connected;
  g_mutex_unlock (&self->lock);
  return connected;
}

guint
ep_script_server_get_n_steps_done (EpScriptServer *self)
{
  g_return_val_if_fail (EP_IS_SCRIPT_SERVER (self), 0);

  return (guint) g_atomic_int_get (&self->steps_done);
}

gboolean
ep_script_server_get_completed (EpScriptServer *self)
{
  gboolean completed;

  g_return_val_if_fail (EP_IS_SCRIPT_SERVER (self), FALSE);

  g_mutex_lock (&self->lock);
  completed = self->completed;
  g_mutex_unlock (&self->lock);
  return completed;
}

static GBytes *
concat_chunks (EpScriptServer *self,
               gboolean        cleartext_only)
{
  g_autoptr(GByteArray) all = g_byte_array_new ();

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->chunks->len; i++)
    {
      Chunk *chunk = g_ptr_array_index (self->chunks, i);
      gsize len = 0;
      const guint8 *data = g_bytes_get_data (chunk->bytes, &len);

      if (cleartext_only && chunk->tls)
        continue;
      g_byte_array_append (all, data, (guint) len);
    }
  g_mutex_unlock (&self->lock);

  return g_byte_array_free_to_bytes (g_steal_pointer (&all));
}

/* Everything the client sent, in order (after TLS: the decrypted application data). */
GBytes *
ep_script_server_get_received (EpScriptServer *self)
{
  g_return_val_if_fail (EP_IS_SCRIPT_SERVER (self), NULL);

  return concat_chunks (self, FALSE);
}

/* The same as a NUL-terminated string, for g_assert_cmpstr(). */
char *
ep_script_server_dup_received_string (EpScriptServer *self)
{
  g_autoptr(GBytes) all = ep_script_server_get_received (self);
  gsize len = 0;
  const char *data = g_bytes_get_data (all, &len);

  g_return_val_if_fail (EP_IS_SCRIPT_SERVER (self), NULL);

  return len > 0 ? g_strndup (data, len) : g_strdup ("");
}

/* What the client sent before any TLS handshake (all of it on a plain connection). */
GBytes *
ep_script_server_get_received_cleartext (EpScriptServer *self)
{
  g_return_val_if_fail (EP_IS_SCRIPT_SERVER (self), NULL);

  return concat_chunks (self, TRUE);
}

/* TRUE when @needle occurs anywhere in what the client sent. */
gboolean
ep_script_server_received_contains (EpScriptServer *self,
                                    const char     *needle)
{
  g_autoptr(GBytes) all = ep_script_server_get_received (self);
  gsize len = 0;
  const char *data = g_bytes_get_data (all, &len);
  gsize needle_len;

  g_return_val_if_fail (needle != NULL, FALSE);

  needle_len = strlen (needle);
  for (gsize i = 0; needle_len > 0 && i + needle_len <= len; i++)
    if (data[i] == needle[0] && memcmp (data + i, needle, needle_len) == 0)
      return TRUE;
  return FALSE;
}

/* Number of read() results the server recorded; each is what the client's writes became. */
guint
ep_script_server_get_n_reads (EpScriptServer *self)
{
  guint n;

  g_return_val_if_fail (EP_IS_SCRIPT_SERVER (self), 0);

  g_mutex_lock (&self->lock);
  n = self->chunks->len;
  g_mutex_unlock (&self->lock);
  return n;
}

GBytes *
ep_script_server_get_read (EpScriptServer *self,
                           guint           index)
{
  GBytes *bytes = NULL;

  g_return_val_if_fail (EP_IS_SCRIPT_SERVER (self), NULL);

  g_mutex_lock (&self->lock);
  if (index < self->chunks->len)
    bytes = g_bytes_ref (((Chunk *) g_ptr_array_index (self->chunks, index))->bytes);
  g_mutex_unlock (&self->lock);
  return bytes;
}

gboolean
ep_script_server_get_read_is_tls (EpScriptServer *self,
                                  guint           index)
{
  gboolean tls = FALSE;

  g_return_val_if_fail (EP_IS_SCRIPT_SERVER (self), FALSE);

  g_mutex_lock (&self->lock);
  if (index < self->chunks->len)
    tls = ((Chunk *) g_ptr_array_index (self->chunks, index))->tls;
  g_mutex_unlock (&self->lock);
  return tls;
}

guint
ep_script_server_get_n_bodies (EpScriptServer *self)
{
  guint n;

  g_return_val_if_fail (EP_IS_SCRIPT_SERVER (self), 0);

  g_mutex_lock (&self->lock);
  n = self->bodies->len;
  g_mutex_unlock (&self->lock);
  return n;
}

/* The @index-th message body read by a DATA (raw, dot-stuffed) or BDAT (chunks joined) step. */
GBytes *
ep_script_server_get_body (EpScriptServer *self,
                           guint           index)
{
  GBytes *bytes = NULL;

  g_return_val_if_fail (EP_IS_SCRIPT_SERVER (self), NULL);

  g_mutex_lock (&self->lock);
  if (index < self->bodies->len)
    bytes = g_bytes_ref (g_ptr_array_index (self->bodies, index));
  g_mutex_unlock (&self->lock);
  return bytes;
}
