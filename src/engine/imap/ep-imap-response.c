/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-imap-response.c: the framing of IMAP responses (lines, literals, limits) and their parse
 * into items. Strict: anything outside RFC 3501's grammar for what we read is an error. */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "ep-imap-response.h"

/* ---- items and responses --------------------------------------------------------------------- */

static void
item_free (gpointer data)
{
  EpImapItem *item = data;

  if (item == NULL)
    return;
  g_free (item->text);
  if (item->children != NULL)
    g_ptr_array_unref (item->children);
  g_free (item);
}

void
ep_imap_response_free (EpImapResponse *self)
{
  if (self == NULL)
    return;
  g_free (self->tag);
  g_free (self->code);
  g_free (self->code_args);
  g_free (self->text);
  g_ptr_array_unref (self->items);
  g_free (self);
}

static EpImapItem *
item_copy (const EpImapItem *item)
{
  EpImapItem *copy = g_new0 (EpImapItem, 1);

  copy->kind = item->kind;
  copy->len = item->len;
  copy->text = item->text != NULL ? g_memdup2 (item->text, item->len + 1) : NULL;
  if (item->children != NULL)
    {
      copy->children = g_ptr_array_new_with_free_func (item_free);
      for (guint i = 0; i < item->children->len; i++)
        g_ptr_array_add (copy->children, item_copy (g_ptr_array_index (item->children, i)));
    }
  return copy;
}

static EpImapResponse *
response_copy (const EpImapResponse *self)
{
  EpImapResponse *copy = g_new0 (EpImapResponse, 1);

  copy->kind = self->kind;
  copy->tag = g_strdup (self->tag);
  copy->status = self->status;
  copy->code = g_strdup (self->code);
  copy->code_args = g_strdup (self->code_args);
  copy->text = g_strdup (self->text);
  copy->items = g_ptr_array_new_with_free_func (item_free);
  for (guint i = 0; i < self->items->len; i++)
    g_ptr_array_add (copy->items, item_copy (g_ptr_array_index (self->items, i)));
  return copy;
}

G_DEFINE_BOXED_TYPE (EpImapResponse, ep_imap_response, response_copy, ep_imap_response_free)

const EpImapItem *
ep_imap_response_get_item (const EpImapResponse *self,
                           guint                 index)
{
  g_return_val_if_fail (self != NULL, NULL);

  return index < self->items->len ? g_ptr_array_index (self->items, index) : NULL;
}

const char *
ep_imap_item_get_text (const EpImapItem *item)
{
  if (item == NULL || (item->kind != EP_IMAP_ITEM_ATOM && item->kind != EP_IMAP_ITEM_STRING))
    return NULL;
  return item->text;
}

gboolean
ep_imap_item_get_number (const EpImapItem *item,
                         guint32          *out_number)
{
  guint64 value = 0;

  if (item == NULL || item->kind != EP_IMAP_ITEM_ATOM || item->len == 0 || item->len > 10)
    return FALSE;
  for (gsize i = 0; i < item->len; i++)
    {
      if (!g_ascii_isdigit (item->text[i]))
        return FALSE;
      value = value * 10 + (item->text[i] - '0');
    }
  if (value > G_MAXUINT32)
    return FALSE;
  if (out_number != NULL)
    *out_number = (guint32) value;
  return TRUE;
}

gboolean
ep_imap_response_is (const EpImapResponse *self,
                     const char           *name)
{
  const char *first;

  g_return_val_if_fail (self != NULL, FALSE);

  if (self->kind != EP_IMAP_RESPONSE_UNTAGGED || self->status != EP_IMAP_STATUS_NONE)
    return FALSE;
  first = ep_imap_item_get_text (ep_imap_response_get_item (self, 0));
  return first != NULL && ((const EpImapItem *) g_ptr_array_index (self->items, 0))->kind == EP_IMAP_ITEM_ATOM
         && g_ascii_strcasecmp (first, name) == 0;
}

char *
ep_imap_response_dup_display_text (const EpImapResponse *self)
{
  g_autoptr(GString) out = g_string_new (NULL);

  g_return_val_if_fail (self != NULL, NULL);

  if (self->code != NULL)
    {
      g_string_append_printf (out, "[%s", self->code);
      if (self->code_args != NULL)
        g_string_append_printf (out, " %s", self->code_args);
      g_string_append (out, "]");
      if (self->text != NULL && *self->text != '\0')
        g_string_append_c (out, ' ');
    }
  if (self->text != NULL)
    g_string_append (out, self->text);

  return g_utf8_make_valid (out->str, out->len);
}

/* ---- the parse of one framed response -------------------------------------------------------- */

typedef struct {
  const char *data;
  gsize       len;
  gsize       pos;
  guint       n_items;
  GError    **error;
} Scan;

static gboolean
fail (Scan       *s,
      const char *what)
{
  g_autofree char *where = g_strdup_printf ("%" G_GSIZE_FORMAT, s->pos);

  /* Translators: "The server's response is malformed: an unterminated quoted string (at octet 12)" */
  g_set_error (s->error, EP_IMAP_ERROR, EP_IMAP_ERROR_PROTOCOL,
               _("The server’s response is malformed: %s (at octet %s)"), what, where);
  return FALSE;
}

static gboolean
at_crlf (Scan *s)
{
  return s->pos + 1 < s->len && s->data[s->pos] == '\r' && s->data[s->pos + 1] == '\n';
}

/* RFC 3501 §9: ATOM-CHAR is any CHAR except atom-specials. We also take what servers do put in
 * the atoms we read: ']' (resp-specials, in "BODY[]"), '%' and '*' (in the flag \*), and a
 * leading '\\' (flags and mailbox attributes such as \Sent are read as one atom). */
static gboolean
is_atom_char (guchar c)
{
  return c > 0x20 && c < 0x7f && c != '(' && c != ')' && c != '{' && c != '"';
}

static gboolean
count_item (Scan *s)
{
  if (++s->n_items > EP_IMAP_ITEMS_MAX)
    return fail (s, _("too many items"));
  return TRUE;
}

static EpImapItem *
parse_quoted (Scan *s)
{
  g_autoptr(GString) text = g_string_new (NULL);
  EpImapItem *item;

  s->pos++;  /* the opening quote */
  for (;;)
    {
      guchar c;

      if (s->pos >= s->len || at_crlf (s))
        {
          fail (s, _("an unterminated quoted string"));
          return NULL;
        }
      c = s->data[s->pos];
      if (c == '"')
        break;
      if (c == '\\')
        {
          /* RFC 3501 §9 quoted-specials: only \" and \\ are escapes. */
          if (s->pos + 1 >= s->len || (s->data[s->pos + 1] != '"' && s->data[s->pos + 1] != '\\'))
            {
              fail (s, _("an invalid escape in a quoted string"));
              return NULL;
            }
          s->pos++;
          c = s->data[s->pos];
        }
      g_string_append_c (text, c);
      s->pos++;
    }
  s->pos++;  /* the closing quote */

  item = g_new0 (EpImapItem, 1);
  item->kind = EP_IMAP_ITEM_STRING;
  item->len = text->len;
  item->text = g_string_free (g_steal_pointer (&text), FALSE);
  return item;
}

/* The framing has checked the size, the CRLF and that the octets are there. */
static EpImapItem *
parse_literal (Scan *s)
{
  guint64 size = 0;
  EpImapItem *item;

  s->pos++;  /* { */
  while (s->pos < s->len && g_ascii_isdigit (s->data[s->pos]))
    size = size * 10 + (s->data[s->pos++] - '0');
  if (s->pos < s->len && s->data[s->pos] == '+')
    s->pos++;
  if (s->pos >= s->len || s->data[s->pos] != '}')
    {
      fail (s, _("a malformed literal"));
      return NULL;
    }
  s->pos++;
  if (!at_crlf (s) || s->len - s->pos - 2 < size)
    {
      fail (s, _("a malformed literal"));
      return NULL;
    }
  s->pos += 2;

  item = g_new0 (EpImapItem, 1);
  item->kind = EP_IMAP_ITEM_STRING;
  item->len = size;
  item->text = g_strndup (s->data + s->pos, size);
  s->pos += size;
  return item;
}

static EpImapItem *
parse_atom (Scan *s)
{
  gsize start = s->pos;
  EpImapItem *item;

  while (s->pos < s->len && is_atom_char (s->data[s->pos]))
    s->pos++;
  if (s->pos == start)
    {
      fail (s, _("an unexpected character"));
      return NULL;
    }

  item = g_new0 (EpImapItem, 1);
  item->len = s->pos - start;
  item->text = g_strndup (s->data + start, item->len);
  item->kind = g_ascii_strcasecmp (item->text, "NIL") == 0 ? EP_IMAP_ITEM_NIL : EP_IMAP_ITEM_ATOM;
  return item;
}

/* Items separated by single spaces up to ')' (inside a list, @depth > 0) or the final CRLF. */
static gboolean
parse_items (Scan      *s,
             GPtrArray *items,
             guint      depth)
{
  for (;;)
    {
      EpImapItem *item;
      guchar c;

      if (s->pos >= s->len)
        return fail (s, _("an unexpected end"));
      c = s->data[s->pos];

      if (depth > 0 && c == ')')
        return TRUE;
      if (depth == 0 && at_crlf (s))
        return TRUE;

      if (items->len > 0)
        {
          if (c != ' ')
            return fail (s, _("a missing space between items"));
          s->pos++;
          if (s->pos >= s->len)
            return fail (s, _("an unexpected end"));
          c = s->data[s->pos];
        }

      if (!count_item (s))
        return FALSE;

      if (c == '(')
        {
          if (depth + 1 > EP_IMAP_NESTING_MAX)
            return fail (s, _("lists nested too deeply"));
          s->pos++;
          item = g_new0 (EpImapItem, 1);
          item->kind = EP_IMAP_ITEM_LIST;
          item->children = g_ptr_array_new_with_free_func (item_free);
          g_ptr_array_add (items, item);
          if (!parse_items (s, item->children, depth + 1))
            return FALSE;
          s->pos++;  /* ) */
          continue;
        }
      if (c == '"')
        item = parse_quoted (s);
      else if (c == '{')
        item = parse_literal (s);
      else
        item = parse_atom (s);
      if (item == NULL)
        return FALSE;
      g_ptr_array_add (items, item);
    }
}

static gboolean
parse_status_word (const char   *word,
                   gsize         len,
                   EpImapStatus *out_status)
{
  static const struct { const char *name; EpImapStatus status; } words[] = {
    { "OK", EP_IMAP_STATUS_OK }, { "NO", EP_IMAP_STATUS_NO }, { "BAD", EP_IMAP_STATUS_BAD },
    { "BYE", EP_IMAP_STATUS_BYE }, { "PREAUTH", EP_IMAP_STATUS_PREAUTH },
  };

  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    if (strlen (words[i].name) == len && g_ascii_strncasecmp (word, words[i].name, len) == 0)
      {
        *out_status = words[i].status;
        return TRUE;
      }
  return FALSE;
}

/* RFC 3501 §9 resp-text = ["[" resp-text-code "]" SP] text, up to the CRLF that ends the
 * response (the framing refused literals in status responses). */
static gboolean
parse_resp_text (Scan           *s,
                 EpImapResponse *response)
{
  gsize end;

  end = s->len - 2;
  if (s->pos < end && s->data[s->pos] == ' ')
    s->pos++;

  if (s->pos < end && s->data[s->pos] == '[')
    {
      const char *close = memchr (s->data + s->pos, ']', end - s->pos);
      gsize code_start = s->pos + 1;
      gsize code_end;

      if (close == NULL)
        return fail (s, _("an unterminated response code"));
      code_end = close - s->data;
      s->pos = code_start;
      while (s->pos < code_end && is_atom_char (s->data[s->pos]))
        s->pos++;
      if (s->pos == code_start)
        return fail (s, _("an empty response code"));
      response->code = g_ascii_strup (s->data + code_start, s->pos - code_start);
      if (s->pos < code_end)
        {
          if (s->data[s->pos] != ' ')
            return fail (s, _("a malformed response code"));
          response->code_args = g_strndup (s->data + s->pos + 1, code_end - s->pos - 1);
        }
      s->pos = code_end + 1;
      if (s->pos < end && s->data[s->pos] == ' ')
        s->pos++;
    }

  response->text = g_strndup (s->data + s->pos, end - s->pos);
  s->pos = end;
  return TRUE;
}

static gboolean
scan_response (Scan           *s,
               EpImapResponse *response)
{
  gsize start;

  if (s->len < 3 || s->data[s->len - 2] != '\r' || s->data[s->len - 1] != '\n')
    return fail (s, _("no CRLF at the end"));

  /* "+ text": a continuation request (RFC 3501 §7.5); its text may be a base64 challenge. */
  if (s->data[0] == '+')
    {
      response->kind = EP_IMAP_RESPONSE_CONTINUATION;
      s->pos = 1;
      if (s->pos < s->len - 2 && s->data[s->pos] != ' ')
        return fail (s, _("a malformed continuation request"));
      if (memchr (s->data, '\n', s->len - 1) != NULL)
        return fail (s, _("a status response with a literal"));
      return parse_resp_text (s, response);
    }

  if (s->data[0] == '*')
    {
      response->kind = EP_IMAP_RESPONSE_UNTAGGED;
      s->pos = 1;
    }
  else
    {
      response->kind = EP_IMAP_RESPONSE_TAGGED;
      while (s->pos < s->len && is_atom_char (s->data[s->pos]) && s->data[s->pos] != '+')
        s->pos++;
      if (s->pos == 0 || s->pos > EP_IMAP_TAG_MAX)
        return fail (s, _("a malformed tag"));
      response->tag = g_strndup (s->data, s->pos);
    }

  if (s->pos >= s->len || s->data[s->pos] != ' ')
    return fail (s, _("a missing space after the tag"));
  s->pos++;

  start = s->pos;
  while (s->pos < s->len && g_ascii_isalpha (s->data[s->pos]))
    s->pos++;
  if (parse_status_word (s->data + start, s->pos - start, &response->status)
      && (s->pos >= s->len || s->data[s->pos] == ' ' || at_crlf (s)))
    {
      if (response->kind == EP_IMAP_RESPONSE_TAGGED
          && response->status != EP_IMAP_STATUS_OK && response->status != EP_IMAP_STATUS_NO
          && response->status != EP_IMAP_STATUS_BAD)
        return fail (s, _("a tagged response that is not OK, NO or BAD"));
      if (memchr (s->data + s->pos, '\n', s->len - s->pos - 1) != NULL)
        return fail (s, _("a status response with a literal"));
      return parse_resp_text (s, response);
    }
  if (response->kind == EP_IMAP_RESPONSE_TAGGED)
    return fail (s, _("a tagged response that is not OK, NO or BAD"));

  response->status = EP_IMAP_STATUS_NONE;
  s->pos = start;
  if (!parse_items (s, response->items, 0))
    return FALSE;
  if (response->items->len == 0)
    return fail (s, _("an empty response"));
  if (s->pos + 2 != s->len)
    return fail (s, _("data after the end of the response"));
  return TRUE;
}

EpImapResponse *
ep_imap_response_parse (const char *data,
                        gsize       len,
                        GError    **error)
{
  g_autoptr(EpImapParser) parser = ep_imap_parser_new ();
  g_autoptr(EpImapResponse) response = NULL;
  gsize consumed = 0;
  EpImapParserStatus status;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  status = ep_imap_parser_feed (parser, data, len, &consumed, error);
  if (status == EP_IMAP_PARSER_ERROR)
    return NULL;
  if (status == EP_IMAP_PARSER_NEED_MORE || consumed != len)
    {
      g_set_error_literal (error, EP_IMAP_ERROR, EP_IMAP_ERROR_PROTOCOL,
                           status == EP_IMAP_PARSER_NEED_MORE
                           ? _("The server’s response is incomplete")
                           : _("The server’s response is followed by more data"));
      return NULL;
    }
  response = ep_imap_parser_take_response (parser);
  return g_steal_pointer (&response);
}

/* ---- the framing ----------------------------------------------------------------------------- */

struct _EpImapParser {
  GByteArray *buf;          /* the response so far, as on the wire */
  GPtrArray  *lines;        /* its lines without CRLF and without literal octets */
  gsize       line_start;   /* offset in buf of the current line */
  guint64     literal_left; /* octets of the current literal still to come */
  gboolean    in_literal;
  guint       n_literals;
  EpImapResponse *response; /* after COMPLETE */
};

EpImapParser *
ep_imap_parser_new (void)
{
  EpImapParser *self = g_new0 (EpImapParser, 1);

  self->buf = g_byte_array_new ();
  self->lines = g_ptr_array_new_with_free_func (g_free);
  return self;
}

void
ep_imap_parser_reset (EpImapParser *self)
{
  g_return_if_fail (self != NULL);

  g_byte_array_set_size (self->buf, 0);
  g_ptr_array_set_size (self->lines, 0);
  self->line_start = 0;
  self->literal_left = 0;
  self->in_literal = FALSE;
  self->n_literals = 0;
  g_clear_pointer (&self->response, ep_imap_response_free);
}

void
ep_imap_parser_free (EpImapParser *self)
{
  if (self == NULL)
    return;
  ep_imap_parser_reset (self);
  g_byte_array_unref (self->buf);
  g_ptr_array_unref (self->lines);
  g_free (self);
}

gboolean
ep_imap_parser_in_literal (EpImapParser *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->in_literal;
}

static EpImapParserStatus
framing_error (EpImapParser *self,
               GError      **error,
               const char   *what)
{
  g_set_error (error, EP_IMAP_ERROR, EP_IMAP_ERROR_PROTOCOL,
               _("The server’s response is malformed: %s"), what);
  ep_imap_parser_reset (self);
  return EP_IMAP_PARSER_ERROR;
}

/* The line that just ended (buf[line_start..], CRLF included) announces a literal when it ends
 * in "{N}" or "{N+}" (RFC 3501 §4.3, RFC 7888 §3). Returns FALSE on a malformed size. */
static gboolean
line_literal (EpImapParser *self,
              gboolean     *out_has,
              guint64      *out_size)
{
  const char *line = (const char *) self->buf->data + self->line_start;
  gsize len = self->buf->len - self->line_start - 2;
  gsize i, digits_end;
  guint64 size = 0;

  *out_has = FALSE;
  if (len < 3 || line[len - 1] != '}')
    return TRUE;
  i = len - 1;
  if (line[i - 1] == '+')
    i--;
  digits_end = i;
  while (i > 0 && g_ascii_isdigit (line[i - 1]))
    i--;
  if (i == 0 || line[i - 1] != '{')
    return TRUE;
  if (i == digits_end || digits_end - i > 10)
    return FALSE;
  for (gsize k = i; k < digits_end; k++)
    size = size * 10 + (line[k] - '0');
  *out_has = TRUE;
  *out_size = size;
  return TRUE;
}

EpImapParserStatus
ep_imap_parser_feed (EpImapParser *self,
                     const char   *data,
                     gsize         len,
                     gsize        *consumed,
                     GError      **error)
{
  gsize i = 0;

  g_return_val_if_fail (self != NULL, EP_IMAP_PARSER_ERROR);
  g_return_val_if_fail (data != NULL || len == 0, EP_IMAP_PARSER_ERROR);

  *consumed = 0;
  if (self->response != NULL)
    g_clear_pointer (&self->response, ep_imap_response_free);

  while (i < len)
    {
      guchar c = data[i];

      if (self->in_literal)
        {
          gsize n = (gsize) MIN ((guint64) (len - i), self->literal_left);

          /* Literals are CHAR8 (RFC 3501 §9): no NUL. */
          const char *nul = memchr (data + i, '\0', n);

          if (nul != NULL)
            {
              /* Consumed up to and including the NUL, however the input was cut. */
              *consumed = (gsize) (nul - data) + 1;
              return framing_error (self, error, _("a NUL octet in a literal"));
            }
          g_byte_array_append (self->buf, (const guint8 *) data + i, n);
          i += n;
          self->literal_left -= n;
          if (self->literal_left == 0)
            {
              self->in_literal = FALSE;
              self->line_start = self->buf->len;
            }
          continue;
        }

      i++;
      if (self->buf->len + 1 > EP_IMAP_RESPONSE_MAX)
        {
          *consumed = i;
          return framing_error (self, error, _("a response too long"));
        }
      if (self->buf->len - self->line_start + 1 > EP_IMAP_LINE_MAX)
        {
          *consumed = i;
          return framing_error (self, error, _("a line too long"));
        }
      g_byte_array_append (self->buf, &c, 1);

      if (c == '\n')
        {
          gboolean has_literal;
          guint64 size = 0;

          if (self->buf->len - self->line_start < 2 || self->buf->data[self->buf->len - 2] != '\r')
            {
              *consumed = i;
              return framing_error (self, error, _("a line that does not end in CRLF"));
            }
          g_ptr_array_add (self->lines, g_strndup ((const char *) self->buf->data + self->line_start,
                                                   self->buf->len - self->line_start - 2));
          if (!line_literal (self, &has_literal, &size))
            {
              *consumed = i;
              return framing_error (self, error, _("a malformed literal size"));
            }
          if (has_literal)
            {
              if (size > EP_IMAP_LITERAL_MAX)
                {
                  *consumed = i;
                  return framing_error (self, error, _("a literal too long"));
                }
              if (++self->n_literals > EP_IMAP_LITERALS_MAX)
                {
                  *consumed = i;
                  return framing_error (self, error, _("too many literals"));
                }
              if (self->buf->len + size > EP_IMAP_RESPONSE_MAX)
                {
                  *consumed = i;
                  return framing_error (self, error, _("a response too long"));
                }
              self->literal_left = size;
              self->in_literal = size > 0;
              self->line_start = self->buf->len;
              continue;
            }

          /* The response is complete: parse it. */
          {
            g_autoptr(GError) local_error = NULL;
            EpImapResponse *response = g_new0 (EpImapResponse, 1);
            Scan s = { (const char *) self->buf->data, self->buf->len, 0, 0, &local_error };

            response->items = g_ptr_array_new_with_free_func (item_free);
            *consumed = i;
            if (!scan_response (&s, response))
              {
                ep_imap_response_free (response);
                ep_imap_parser_reset (self);
                g_propagate_error (error, g_steal_pointer (&local_error));
                return EP_IMAP_PARSER_ERROR;
              }
            g_byte_array_set_size (self->buf, 0);
            self->line_start = 0;
            self->n_literals = 0;
            self->response = response;
            return EP_IMAP_PARSER_COMPLETE;
          }
        }
      else if (c == '\0' || (c < 0x20 && c != '\r') || c == 0x7f)
        {
          /* TEXT-CHAR and the rest of the grammar exclude controls outside literals; a CR is
           * checked as part of CRLF above. */
          *consumed = i;
          return framing_error (self, error, _("a control character"));
        }
      else if (self->buf->len - self->line_start >= 2 && self->buf->data[self->buf->len - 2] == '\r')
        {
          *consumed = i;
          return framing_error (self, error, _("a CR that does not end a line"));
        }
    }

  *consumed = len;
  return EP_IMAP_PARSER_NEED_MORE;
}

EpImapResponse *
ep_imap_parser_take_response (EpImapParser *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_ptr_array_set_size (self->lines, 0);
  return g_steal_pointer (&self->response);
}

char **
ep_imap_parser_dup_lines (EpImapParser *self)
{
  GStrvBuilder *builder;
  char **lines;

  g_return_val_if_fail (self != NULL, NULL);

  builder = g_strv_builder_new ();
  for (guint i = 0; i < self->lines->len; i++)
    g_strv_builder_add (builder, g_ptr_array_index (self->lines, i));
  lines = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return lines;
}
