/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-mime-writer.c: plans a message as literal segments and attachment data, then streams it. */
#include "config.h"


#include <string.h>
#include <glib/gi18n-lib.h>
#include <gnutls/crypto.h>

#include "ep-base64.h"
#include "ep-content-type.h"
#include "ep-engine.h"
#include "ep-message-private.h"
#include "ep-mime-error.h"
#include "ep-flowed.h"
#include "ep-mime-writer.h"
#include "ep-qp.h"
#include "ep-rfc2047.h"
#include "ep-text.h"

/* Output is handed to the stream in blocks of about this size. */
#define OUT_BLOCK (256 * 1024)

/* RFC 2231 continuation pieces hold at most this many characters of encoded value, so that
 * "filename*12*=" + piece + ";" stays within 78 columns. */
#define RFC2231_PIECE 50

/* A printable ASCII name goes as one plain quoted string up to this length: with the
 * parameter's name, the quotes and the escapes its line stays within RFC 5322's 998 octets
 * (§2.1.1). Longer ones take RFC 2231 continuations. */
#define MAX_PLAIN_PARAM 900

/* RFC 5322 §2.1.1: a line is at most 998 octets, without its CRLF. */
#define MESSAGE_MAX_LINE 998

typedef struct {
  GBytes       *literal;     /* header text, the text part, delimiters */
  EpAttachment *attachment;  /* or: this attachment's data, base64-encoded (borrowed) */
} Segment;

static void
segment_free (Segment *seg)
{
  g_clear_pointer (&seg->literal, g_bytes_unref);
  g_free (seg);
}

/* Random tokens for Message-ID and boundary: GnuTLS's nonce generator, so they say nothing
 * about the machine or the time. Base32 lower case: safe in both places. */
static char *
random_token (gsize n)
{
  static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  g_autofree guint8 *bytes = g_malloc (n);
  char *out = g_malloc (n + 1);

  if (gnutls_rnd (GNUTLS_RND_NONCE, bytes, n) != 0)
    for (gsize i = 0; i < n; i++)
      bytes[i] = (guint8) g_random_int ();
  for (gsize i = 0; i < n; i++)
    out[i] = alphabet[bytes[i] & 31];
  out[n] = '\0';
  return out;
}

/* RFC 5322 §3.3 date-time with the local offset, always with English names whatever the
 * locale (g_date_time_format's %a and %b are localised). */
char *
ep_mime_format_date (GDateTime *date)
{
  static const char days[7][4] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
  static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  gint64 offset;
  char sign;

  g_return_val_if_fail (date != NULL, NULL);

  offset = g_date_time_get_utc_offset (date) / G_TIME_SPAN_MINUTE;
  sign = offset < 0 ? '-' : '+';
  if (offset < 0)
    offset = -offset;

  return g_strdup_printf ("%s, %d %s %04d %02d:%02d:%02d %c%02d%02d",
                          days[g_date_time_get_day_of_week (date) - 1],
                          g_date_time_get_day_of_month (date),
                          months[g_date_time_get_month (date) - 1],
                          g_date_time_get_year (date),
                          g_date_time_get_hour (date),
                          g_date_time_get_minute (date),
                          g_date_time_get_second (date),
                          sign, (int) (offset / 60), (int) (offset % 60));
}

/* "=_" cannot occur in base64 nor in our quoted-printable (which writes "=" only before two hex
 * digits or a line break), so the boundary never collides with a part's content (RFC 2045 §6.7
 * note, RFC 2046 §5.1.1). */
char *
ep_mime_make_boundary (void)
{
  g_autofree char *token = random_token (24);

  return g_strconcat ("=_Epistle_", token, NULL);
}

char *
ep_mime_make_message_id (const char *domain)
{
  g_autofree char *token = random_token (26);

  g_return_val_if_fail (domain != NULL, NULL);
  return g_strdup_printf ("<%s@%s>", token, domain);
}

/* Header construction. */

static void
append_token (GString    *out,
              gsize      *column,
              const char *token)
{
  gsize len = strlen (token);

  if (*column + 1 + len > EP_HEADER_LINE_LENGTH)
    {
      g_string_append (out, "\r\n");
      *column = 0;
    }
  g_string_append_c (out, ' ');
  g_string_append (out, token);
  *column += 1 + len;
}

static void
append_folded (GString    *out,
               const char *name,
               const char *value,
               gboolean    structured)
{
  g_autofree char *line = ep_header_fold (name, value, structured);

  g_string_append (out, line);
}

static void
append_address_list (GString    *out,
                     const char *name,
                     GPtrArray  *list)
{
  g_autoptr(GString) value = g_string_new (NULL);

  for (guint i = 0; i < list->len; i++)
    {
      g_autofree char *one = ep_address_to_header (g_ptr_array_index (list, i));

      if (i > 0)
        g_string_append (value, ", ");
      g_string_append (value, one);
    }
  append_folded (out, name, value->str, TRUE);
}

/* Attachment names: which form every reader gets right.
 *
 * A printable ASCII name is a plain quoted string in both Content-Type name= and
 * Content-Disposition filename=, even when that makes its line longer than the 78 columns RFC
 * 5322 §2.1.1 recommends (it is within the 998 it requires). A quoted string cannot be folded
 * without changing its value (§3.2.2: unfolding keeps the space), and RFC 2231 continuations
 * are not read by every extractor: mpack's munpack, for one, reads only the plain parameters
 * and falls back to a made-up name, while Python's email, GMime and reformime read both.
 *
 * Any other name (non-ASCII, or with "=?" that a lenient reader could take for an encoded-word)
 * is exact in Content-Disposition filename*= with RFC 2231 (§3 continuations, §4 charset), the
 * parameter RFC 2183 §2.3 defines for it and every reader above prefers. Content-Type name= is
 * then a plain ASCII rendering of it: RFC 2047 encoded-words are not allowed inside a quoted
 * string (RFC 2047 §5), and a reader that knows only the plain parameters (munpack does not even
 * look at an RFC 2231 name=, and skips a text part without a name) still gets a readable name
 * and the file rather than nothing. */
static gboolean
is_plain_param (const char *value)
{
  gsize len = strlen (value);

  if (len == 0 || len > MAX_PLAIN_PARAM)
    return FALSE;
  return ep_text_is_printable_ascii (value, (gssize) len) && strstr (value, "=?") == NULL;
}

/* The plain ASCII rendering of a name for Content-Type name=: transliterated, with what a quoted
 * string or a lenient reader would trip on replaced, shortened in the middle when too long. */
static char *
ascii_fallback_name (const char *name)
{
  g_autofree char *ascii = g_str_to_ascii (name, "C");
  GString *s = g_string_new (NULL);
  gsize len;

  for (const char *p = ascii; *p != '\0'; p++)
    g_string_append_c (s, g_ascii_isprint (*p) && strchr ("\"\\?", *p) == NULL ? *p : '_');
  len = s->len;
  if (len > MAX_PLAIN_PARAM)
    g_string_erase (s, MAX_PLAIN_PARAM / 2, len - MAX_PLAIN_PARAM);
  if (s->len == 0)
    g_string_append_c (s, '_');
  return g_string_free (s, FALSE);
}

static char *
quote_param (const char *attribute,
             const char *value)
{
  GString *s = g_string_new (attribute);

  g_string_append (s, "=\"");
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (s, '\\');
      g_string_append_c (s, *p);
    }
  g_string_append_c (s, '"');
  return g_string_free (s, FALSE);
}

/* RFC 2231 §7 attribute-char: ASCII printable except space, "*", "'", "%" and tspecials. */
static gboolean
is_attribute_char (guchar c)
{
  return c > 0x20 && c < 0x7f && strchr ("*'%()<>@,;:\\\"/[]?=", c) == NULL;
}

/* filename*=UTF-8''... or, when long, filename*0*=UTF-8''...; filename*1*=... (RFC 2231 §3, §4);
 * pieces end between characters, never inside a %XX or a UTF-8 sequence. */
static void
append_rfc2231 (GString    *out,
                gsize      *column,
                const char *attribute,
                const char *value)
{
  g_autoptr(GPtrArray) pieces = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) piece = g_string_new (NULL);

  for (const char *p = value; *p != '\0';)
    {
      const char *next = g_utf8_next_char (p);
      char enc[13];
      gsize n = 0;

      for (const char *c = p; c < next; c++)
        {
          if (is_attribute_char ((guchar) *c))
            enc[n++] = *c;
          else
            n += g_snprintf (enc + n, 4, "%%%02X", (guchar) *c);
        }
      enc[n] = '\0';
      if (piece->len + n > RFC2231_PIECE)
        {
          g_ptr_array_add (pieces, g_strdup (piece->str));
          g_string_truncate (piece, 0);
        }
      g_string_append (piece, enc);
      p = next;
    }
  g_ptr_array_add (pieces, g_strdup (piece->str));

  for (guint i = 0; i < pieces->len; i++)
    {
      g_autofree char *token = NULL;
      const char *sep = i + 1 < pieces->len ? ";" : "";
      const char *charset = i == 0 ? "UTF-8''" : "";

      if (pieces->len == 1)
        token = g_strdup_printf ("%s*=%s%s%s", attribute, charset,
                                 (char *) g_ptr_array_index (pieces, i), sep);
      else
        token = g_strdup_printf ("%s*%u*=%s%s%s", attribute, i, charset,
                                 (char *) g_ptr_array_index (pieces, i), sep);
      append_token (out, column, token);
    }
}

static void
append_attachment_headers (GString      *out,
                           EpAttachment *att)
{
  g_autofree char *type = g_strconcat (att->effective_type, ";", NULL);
  gsize column;

  g_string_append (out, "Content-Type:");
  column = strlen ("Content-Type:");
  append_token (out, &column, type);
  if (is_plain_param (att->display_name))
    {
      g_autofree char *param = quote_param ("name", att->display_name);
      append_token (out, &column, param);
    }
  else
    {
      g_autofree char *fallback = ascii_fallback_name (att->display_name);
      g_autofree char *param = quote_param ("name", fallback);
      append_token (out, &column, param);
    }
  g_string_append (out, "\r\n");

  g_string_append (out, "Content-Disposition:");
  column = strlen ("Content-Disposition:");
  append_token (out, &column, "attachment;");
  if (is_plain_param (att->display_name))
    {
      g_autofree char *param = quote_param ("filename", att->display_name);
      append_token (out, &column, param);
    }
  else
    append_rfc2231 (out, &column, "filename", att->display_name);
  g_string_append (out, "\r\n");

  switch (att->encoding)
    {
    case EP_ATTACHMENT_MESSAGE_7BIT:
      g_string_append (out, "Content-Transfer-Encoding: 7bit\r\n\r\n");
      break;
    case EP_ATTACHMENT_MESSAGE_8BIT:
      g_string_append (out, "Content-Transfer-Encoding: 8bit\r\n\r\n");
      break;
    case EP_ATTACHMENT_BASE64:
    default:
      g_string_append (out, "Content-Transfer-Encoding: base64\r\n\r\n");
      break;
    }
}

/* 7bit is kept for plain ASCII text whose lines fit SMTP (RFC 5322 §2.1.1: 998 octets); anything
 * else is quoted-printable. */
static gboolean
body_is_7bit (const char *body)
{
  gsize line = 0;

  for (const char *p = body; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c == '\n')
        {
          line = 0;
          continue;
        }
      if (c >= 0x80 || (ep_text_octet_is_control (c) && c != '\t') || ++line > EP_LINE_LENGTH_MAX)
        return FALSE;
    }
  return TRUE;
}

/* The text part's headers and body; the text always ends with a line break. */
static void
append_text_part (GString    *out,
                  const char *body,
                  gboolean    flowed)
{
  gsize len = strlen (body);
  g_autofree char *text = NULL;
  char *wrapped;

  if (len > 0 && body[len - 1] != '\n')
    text = g_strconcat (body, "\n", NULL);
  else
    text = g_strdup (body);

  /* Long lines soft-wrapped (RFC 3676); DelSp=no: the break is after a space that stays. */
  wrapped = flowed ? ep_flowed_encode (text) : NULL;
  if (wrapped != NULL)
    {
      g_free (text);
      text = wrapped;
      g_string_append (out, "Content-Type: text/plain; charset=utf-8; format=flowed; delsp=no\r\n");
    }
  else
    g_string_append (out, "Content-Type: text/plain; charset=utf-8\r\n");
  if (body_is_7bit (text))
    {
      g_string_append (out, "Content-Transfer-Encoding: 7bit\r\n\r\n");
      for (const char *p = text; *p != '\0'; p++)
        {
          if (*p == '\n')
            g_string_append (out, "\r\n");
          else
            g_string_append_c (out, *p);
        }
    }
  else
    {
      gsize qp_len;
      g_autofree char *qp = ep_qp_encode_text (text, strlen (text), &qp_len);

      g_string_append (out, "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
      g_string_append_len (out, qp, qp_len);
    }
}

/* Prepare. */

static gboolean
file_error (GError     **error,
            GFile       *file,
            const char  *reason)
{
  g_autofree char *name = g_file_get_parse_name (file);

  g_set_error (error, EP_MIME_ERROR, EP_MIME_ERROR_FILE,
               /* Translators: the first %s is a file name, the second the reason */
               _("Attachment “%s”: %s"), name, reason);
  return FALSE;
}

/* An attached message (RFC 2046 §5.2.1) may only be 7bit, 8bit or binary, never base64 or
 * quoted-printable, so it goes as it is, with its line ends made CRLF. That needs a file that is
 * a message: header fields first (RFC 5322 §2.2: a name of printable ASCII up to a colon, or a
 * folded continuation), no NUL, no line over 998 octets, and 8-bit octets only where the server
 * takes them. Anything else is attached as application/octet-stream in base64, where it arrives
 * intact. Reads the whole file once; records the size on the wire. */
typedef struct {
  gboolean in_header;
  gboolean in_name;      /* in a header line, before its colon */
  gboolean seen_field;
  gboolean after_cr;     /* the last octet was a CR (its line already counted) */
  gboolean valid;
  gboolean eight_bit;
  gsize    line;         /* octets in the current line */
  guint64  wire;         /* octets on the wire so far */
} MessageScan;

static void
message_scan_line_end (MessageScan *scan)
{
  if (scan->in_header && scan->line == 0)
    {
      /* The empty line that ends the header section: a field must have come first. */
      scan->valid &= scan->seen_field;
      scan->in_header = FALSE;
    }
  else if (scan->in_header && scan->in_name)
    scan->valid = FALSE;   /* a header line without a colon */
  scan->wire += 2;
  scan->line = 0;
  scan->in_name = scan->in_header;
}

static void
message_scan_feed (MessageScan  *scan,
                   const guint8 *data,
                   gsize         len)
{
  for (gsize i = 0; i < len && scan->valid; i++)
    {
      guint8 c = data[i];

      if (c == '\n')
        {
          /* CRLF: the CR ended the line already. */
          if (!scan->after_cr)
            message_scan_line_end (scan);
          scan->after_cr = FALSE;
          continue;
        }
      scan->after_cr = FALSE;
      if (c == '\r')
        {
          message_scan_line_end (scan);
          scan->after_cr = TRUE;
          continue;
        }
      if (c == '\0' || ++scan->line > MESSAGE_MAX_LINE)
        {
          scan->valid = FALSE;
          break;
        }
      scan->wire++;
      if (c >= 0x80)
        scan->eight_bit = TRUE;
      if (scan->in_name)
        {
          if (scan->line == 1 && (c == ' ' || c == '\t'))
            scan->valid = scan->seen_field;    /* folded: continues the field before */
          else if (c == ':')
            {
              scan->valid = scan->line > 1;   /* a field has a name */
              scan->seen_field = TRUE;
            }
          else if (c <= ' ' || c >= 0x7f)
            scan->valid = FALSE;
          if (c == ':' || c == ' ' || c == '\t')
            scan->in_name = FALSE;
        }
    }
}

static gboolean
scan_message (EpAttachment  *att,
              gboolean       allow_8bit,
              GCancellable  *cancellable,
              GError       **error)
{
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree guint8 *chunk = g_malloc (EP_MIME_READ_CHUNK);
  MessageScan scan = { .in_header = TRUE, .in_name = TRUE, .valid = TRUE };

  att->encoding = EP_ATTACHMENT_BASE64;
  in = g_file_read (att->file, cancellable, &local_error);
  if (in == NULL)
    return file_error (error, att->file, local_error->message);
  while (scan.valid)
    {
      gsize n = 0;

      if (!g_input_stream_read_all (G_INPUT_STREAM (in), chunk, EP_MIME_READ_CHUNK, &n,
                                    cancellable, &local_error))
        return file_error (error, att->file, local_error->message);
      if (n == 0)
        break;
      message_scan_feed (&scan, chunk, n);
    }
  /* The last line gets its CRLF on the wire. */
  if (scan.valid && scan.line > 0)
    message_scan_line_end (&scan);
  if (!scan.valid || !scan.seen_field || (scan.eight_bit && !allow_8bit))
    {
      g_free (att->effective_type);
      att->effective_type = g_strdup (EP_CONTENT_TYPE_DEFAULT);
      return TRUE;
    }
  att->encoding = scan.eight_bit ? EP_ATTACHMENT_MESSAGE_8BIT : EP_ATTACHMENT_MESSAGE_7BIT;
  att->message_size = scan.wire;
  return TRUE;
}

/* Exists, is a regular file (never a FIFO or a device, whose reading would block or never end),
 * can be opened and read; records its size and sniffs its type. */
static gboolean
check_attachment (EpAttachment  *att,
                  gboolean       allow_8bit,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(GError) local_error = NULL;
  guint8 head[EP_CONTENT_TYPE_SNIFF_SIZE];
  gsize n_head = 0;

  info = g_file_query_info (att->file,
                            G_FILE_ATTRIBUTE_STANDARD_TYPE "," G_FILE_ATTRIBUTE_STANDARD_SIZE,
                            G_FILE_QUERY_INFO_NONE, cancellable, &local_error);
  if (info == NULL)
    return file_error (error, att->file, local_error->message);
  if (g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR)
    return file_error (error, att->file, _("not a regular file"));

  in = g_file_read (att->file, cancellable, &local_error);
  if (in == NULL)
    return file_error (error, att->file, local_error->message);
  if (!g_input_stream_read_all (G_INPUT_STREAM (in), head, sizeof head, &n_head,
                                cancellable, &local_error))
    return file_error (error, att->file, local_error->message);

  att->size = g_file_info_get_size (info);
  g_free (att->effective_type);
  if (ep_content_type_is_valid (att->content_type))
    att->effective_type = g_ascii_strdown (att->content_type, -1);
  else
    att->effective_type = ep_content_type_guess (att->display_name, head, n_head);

  /* Text has no NUL: binary data that a weak magic match called text (a file that starts with
   * "%" is MATLAB to shared-mime-info) goes as what it is, or a reader would show it as text. */
  if (g_str_has_prefix (att->effective_type, "text/") && memchr (head, '\0', n_head) != NULL)
    {
      g_free (att->effective_type);
      att->effective_type = g_strdup (EP_CONTENT_TYPE_DEFAULT);
    }

  /* Text without a charset is read as US-ASCII (RFC 2046 §4.1.2); say UTF-8 when the start of
   * the file is UTF-8 (a sequence cut by the end of the sample does not count against it). */
  if (g_str_has_prefix (att->effective_type, "text/"))
    {
      const char *end;

      if (g_utf8_validate_len ((const char *) head, n_head, &end) ||
          (n_head == sizeof head && (const guint8 *) end >= head + n_head - 3 &&
           (guchar) *end >= 0xc0))
        {
          char *with_charset = g_strconcat (att->effective_type, "; charset=utf-8", NULL);

          g_free (att->effective_type);
          att->effective_type = with_charset;
        }
    }

  att->encoding = EP_ATTACHMENT_BASE64;
  if (g_str_equal (att->effective_type, "message/rfc822"))
    return scan_message (att, allow_8bit, cancellable, error);
  return TRUE;
}

static void
push_literal (GPtrArray *segments,
              GString   *text)
{
  Segment *seg;

  if (text->len == 0)
    return;
  seg = g_new0 (Segment, 1);
  seg->literal = g_bytes_new (text->str, text->len);
  g_ptr_array_add (segments, seg);
  g_string_truncate (text, 0);
}

static void
build_plan (EpMessage *self)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *date = ep_mime_format_date (self->date);
  g_autofree char *from = ep_address_to_header (self->from);
  gboolean multipart = self->attachments->len > 0;

  g_clear_pointer (&self->segments, g_ptr_array_unref);
  self->segments = g_ptr_array_new_with_free_func ((GDestroyNotify) segment_free);

  g_string_append_printf (out, "Date: %s\r\n", date);
  append_folded (out, "From", from, TRUE);
  if (self->to->len > 0)
    append_address_list (out, "To", self->to);
  else if (self->cc->len == 0)
    /* RFC 5322 §3.6.3 allows no To at all; an empty group tells the reader why (Bcc only). */
    g_string_append (out, "To: undisclosed-recipients:;\r\n");
  if (self->cc->len > 0)
    append_address_list (out, "Cc", self->cc);
  if (self->reply_to->len > 0)
    append_address_list (out, "Reply-To", self->reply_to);
  if (self->subject != NULL)
    {
      g_autofree char *subject = ep_rfc2047_encode_unstructured (self->subject);
      append_folded (out, "Subject", subject, FALSE);
    }
  g_string_append_printf (out, "Message-ID: %s\r\n", self->message_id);
  /* RFC 8098 §2.1: where a reader's program sends the receipt: the author, as From says. */
  if (self->read_receipt)
    append_folded (out, "Disposition-Notification-To", from, TRUE);
  g_string_append_printf (out, "User-Agent: %s\r\n", ep_engine_user_agent ());
  g_string_append (out, "MIME-Version: 1.0\r\n");

  if (!multipart)
    {
      append_text_part (out, self->body, self->flowed);
      push_literal (self->segments, out);
      return;
    }

  g_string_append_printf (out, "Content-Type: multipart/mixed;\r\n boundary=\"%s\"\r\n\r\n",
                          self->boundary);
  g_string_append_printf (out, "--%s\r\n", self->boundary);
  append_text_part (out, self->body, self->flowed);
  /* The CRLF before a delimiter belongs to it (RFC 2046 §5.1.1): the text ends with a line
   * break of its own, so one more; base64 data already ends with one, empty data does not. */
  g_string_append_printf (out, "\r\n--%s\r\n", self->boundary);
  for (guint i = 0; i < self->attachments->len; i++)
    {
      EpAttachment *att = g_ptr_array_index (self->attachments, i);
      Segment *seg;

      append_attachment_headers (out, att);
      push_literal (self->segments, out);

      seg = g_new0 (Segment, 1);
      seg->attachment = att;
      g_ptr_array_add (self->segments, seg);

      /* An attached message ends with its own line break, which is part of it: the delimiter
       * brings its CRLF (RFC 2046 §5.1.1). */
      if (att->size == 0 || att->encoding != EP_ATTACHMENT_BASE64)
        g_string_append (out, "\r\n");
      g_string_append_printf (out, "--%s%s\r\n", self->boundary,
                              i + 1 < self->attachments->len ? "" : "--");
    }
  push_literal (self->segments, out);
}

gboolean
ep_mime_writer_prepare (EpMessage  *message,
                        GError    **error)
{
  guint n_recipients;

  g_return_val_if_fail (EP_IS_MESSAGE (message), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  ep_message_invalidate (message);

  if (message->from == NULL)
    {
      g_set_error (error, EP_MIME_ERROR, EP_MIME_ERROR_MISSING_FIELD,
                   _("From: the sender is missing"));
      return FALSE;
    }
  n_recipients = message->to->len + message->cc->len + message->bcc->len;
  if (n_recipients == 0)
    {
      g_set_error (error, EP_MIME_ERROR, EP_MIME_ERROR_MISSING_FIELD,
                   _("To: there is no recipient"));
      return FALSE;
    }

  for (guint i = 0; i < message->attachments->len; i++)
    if (!check_attachment (g_ptr_array_index (message->attachments, i), !message->no_8bit,
                           NULL, error))
      return FALSE;

  if (message->date == NULL)
    message->date = g_date_time_new_now_local ();
  if (message->message_id == NULL)
    message->message_id = ep_mime_make_message_id (ep_address_get_domain (message->from));
  /* A 7bit text part is the only content that could hold the boundary (quoted text of an
   * earlier message, say); base64 and our quoted-printable cannot. */
  while (message->boundary == NULL || strstr (message->body, message->boundary) != NULL)
    {
      g_free (message->boundary);
      message->boundary = ep_mime_make_boundary ();
    }

  build_plan (message);

  message->size = 0;
  for (guint i = 0; i < message->segments->len; i++)
    {
      Segment *seg = g_ptr_array_index (message->segments, i);

      if (seg->literal != NULL)
        message->size += g_bytes_get_size (seg->literal);
      else if (seg->attachment->encoding != EP_ATTACHMENT_BASE64)
        message->size += seg->attachment->message_size;
      else
        message->size += ep_base64_encoded_size (seg->attachment->size,
                                                 EP_BASE64_MIME_LINE_LENGTH);
    }
  message->prepared = TRUE;
  return TRUE;
}

guint64
ep_mime_writer_get_size (EpMessage *message)
{
  g_return_val_if_fail (EP_IS_MESSAGE (message), 0);
  g_return_val_if_fail (message->prepared, 0);

  return message->size;
}

/* Writing. */

typedef struct {
  GOutputStream      *stream;
  GCancellable       *cancellable;
  char               *buf;
  gsize               len;
  gsize               cap;
  guint64             written;
  guint64             total;
  EpMimeProgressFunc  progress;
  gpointer            user_data;
} Sink;

static gboolean
sink_flush (Sink    *sink,
            GError **error)
{
  if (sink->len == 0)
    return TRUE;
  if (!g_output_stream_write_all (sink->stream, sink->buf, sink->len, NULL,
                                  sink->cancellable, error))
    return FALSE;
  sink->written += sink->len;
  sink->len = 0;
  if (sink->progress != NULL)
    sink->progress (sink->written, sink->total, sink->user_data);
  return TRUE;
}

static gboolean
sink_append (Sink          *sink,
             const void    *data,
             gsize          len,
             GError       **error)
{
  if (sink->len + len > sink->cap && !sink_flush (sink, error))
    return FALSE;
  if (len > sink->cap)
    {
      if (!g_output_stream_write_all (sink->stream, data, len, NULL, sink->cancellable, error))
        return FALSE;
      sink->written += len;
      return TRUE;
    }
  memcpy (sink->buf + sink->len, data, len);
  sink->len += len;
  return TRUE;
}

static gboolean
changed_error (GError       **error,
               EpAttachment  *att,
               const char    *how)
{
  g_autofree char *name = g_file_get_parse_name (att->file);

  g_set_error (error, EP_MIME_ERROR, EP_MIME_ERROR_FILE_CHANGED,
               /* Translators: %s is a file name, then "grew" or "shrank" explained */
               _("Attachment “%s” changed while it was being sent: %s"), name, how);
  return FALSE;
}

/* Reads at most one byte more than the prepared size: enough to notice growth without
 * following a file that keeps growing. */
static gboolean
write_attachment (Sink          *sink,
                  EpAttachment  *att,
                  guint8        *chunk,
                  GError       **error)
{
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(GError) local_error = NULL;
  EpBase64Encoder enc;
  guint64 total = 0;

  in = g_file_read (att->file, sink->cancellable, &local_error);
  if (in == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      return file_error (error, att->file, local_error->message);
    }

  ep_base64_encoder_init (&enc, EP_BASE64_MIME_LINE_LENGTH);
  for (;;)
    {
      gsize want = MIN ((guint64) EP_MIME_READ_CHUNK, att->size - MIN (total, att->size) + 1);
      gsize n = 0;

      if (!g_input_stream_read_all (G_INPUT_STREAM (in), chunk, want, &n,
                                    sink->cancellable, error))
        return FALSE;
      total += n;
      if (total > att->size)
        return changed_error (error, att, _("it grew"));
      if (n == 0)
        break;
      if (sink->len + ep_base64_encoded_max (n, EP_BASE64_MIME_LINE_LENGTH) > sink->cap &&
          !sink_flush (sink, error))
        return FALSE;
      sink->len += ep_base64_encoder_feed (&enc, chunk, n, sink->buf + sink->len);
    }
  if (total < att->size)
    return changed_error (error, att, _("it shrank"));

  if (sink->len + 8 > sink->cap && !sink_flush (sink, error))
    return FALSE;
  sink->len += ep_base64_encoder_finish (&enc, sink->buf + sink->len);
  return TRUE;
}

/* An attached message as it is, each line end made CRLF, the last line ended; the same octets
 * the scan counted, or the file changed since. */
static gboolean
write_message (Sink          *sink,
               EpAttachment  *att,
               guint8        *chunk,
               GError       **error)
{
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(GError) local_error = NULL;
  guint64 total = 0, start = sink->written + sink->len;
  gboolean after_cr = FALSE, line_open = FALSE;

  in = g_file_read (att->file, sink->cancellable, &local_error);
  if (in == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      return file_error (error, att->file, local_error->message);
    }

  for (;;)
    {
      gsize want = MIN ((guint64) EP_MIME_READ_CHUNK, att->size - MIN (total, att->size) + 1);
      gsize n = 0;

      if (!g_input_stream_read_all (G_INPUT_STREAM (in), chunk, want, &n,
                                    sink->cancellable, error))
        return FALSE;
      total += n;
      if (total > att->size)
        return changed_error (error, att, _("it grew"));
      if (n == 0)
        break;
      /* Each octet becomes at most two (a lone CR or LF becomes CRLF). */
      if (sink->len + 2 * n > sink->cap && !sink_flush (sink, error))
        return FALSE;
      for (gsize i = 0; i < n; i++)
        {
          guint8 c = chunk[i];

          if (c == '\n' && after_cr)
            {
              after_cr = FALSE;
              continue;
            }
          after_cr = c == '\r';
          if (c == '\r' || c == '\n')
            {
              sink->buf[sink->len++] = '\r';
              sink->buf[sink->len++] = '\n';
              line_open = FALSE;
              continue;
            }
          sink->buf[sink->len++] = (char) c;
          line_open = TRUE;
        }
    }
  if (total < att->size)
    return changed_error (error, att, _("it shrank"));
  if (line_open && !sink_append (sink, "\r\n", 2, error))
    return FALSE;
  if (sink->written + sink->len - start != att->message_size)
    return changed_error (error, att, _("its lines changed"));
  return TRUE;
}

gboolean
ep_mime_writer_write (EpMessage           *message,
                      GOutputStream       *stream,
                      EpMimeProgressFunc   progress,
                      gpointer             user_data,
                      GCancellable        *cancellable,
                      GError             **error)
{
  g_autofree char *buf = NULL;
  g_autofree guint8 *chunk = NULL;
  Sink sink = { 0 };

  g_return_val_if_fail (EP_IS_MESSAGE (message), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (stream), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!message->prepared && !ep_mime_writer_prepare (message, error))
    return FALSE;

  sink.cap = OUT_BLOCK + ep_base64_encoded_max (EP_MIME_READ_CHUNK, EP_BASE64_MIME_LINE_LENGTH);
  buf = g_malloc (sink.cap);
  chunk = g_malloc (EP_MIME_READ_CHUNK);
  sink.buf = buf;
  sink.stream = stream;
  sink.cancellable = cancellable;
  sink.total = message->size;
  sink.progress = progress;
  sink.user_data = user_data;

  for (guint i = 0; i < message->segments->len; i++)
    {
      Segment *seg = g_ptr_array_index (message->segments, i);

      if (seg->literal != NULL)
        {
          gsize len;
          const void *data = g_bytes_get_data (seg->literal, &len);

          if (!sink_append (&sink, data, len, error))
            return FALSE;
        }
      else if (seg->attachment->encoding != EP_ATTACHMENT_BASE64)
        {
          if (!write_message (&sink, seg->attachment, chunk, error))
            return FALSE;
        }
      else if (!write_attachment (&sink, seg->attachment, chunk, error))
        return FALSE;
    }

  if (!sink_flush (&sink, error))
    return FALSE;
  g_warn_if_fail (sink.written == message->size);
  return g_output_stream_flush (stream, cancellable, error);
}
