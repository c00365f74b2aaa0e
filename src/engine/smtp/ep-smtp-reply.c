/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp-reply.c: SMTP replies; the parser takes raw bytes as they arrive and never trusts the server. */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "ep-smtp-error.h"
#include "ep-smtp-reply.h"
#include "ep-text.h"

/* RFC 5321 §4.2: "NNN" then SP (last line), "-" (more lines follow) or nothing. */
#define REPLY_CODE_LENGTH 3

struct _EpSmtpReplyParser {
  GString     *line;    /* the line being received, without its LF */
  GPtrArray   *lines;   /* texts of the completed lines of this reply */
  guint        code;    /* of the first line, 0 before it */
  gsize        total;   /* octets of this reply so far */
  EpSmtpReply *reply;   /* the completed reply, until taken */
};

G_DEFINE_BOXED_TYPE (EpSmtpReply, ep_smtp_reply, ep_smtp_reply_copy, ep_smtp_reply_free)

/* RFC 3463 §2: class "." subject "." detail, subject and detail 1 to 3 digits. Returns the length
 * of the code at @text (followed by a space or the end), or 0. */
static gsize
enhanced_code_length (const char *text,
                      guint       reply_class)
{
  const char *p = text;

  if ((guint) (p[0] - '0') != reply_class || (p[0] != '2' && p[0] != '4' && p[0] != '5') || p[1] != '.')
    return 0;
  p += 2;

  for (int part = 0; part < 2; part++)
    {
      gsize digits = 0;

      while (g_ascii_isdigit (p[digits]))
        digits++;
      if (digits < 1 || digits > 3)
        return 0;
      p += digits;
      if (part == 0)
        {
          if (*p != '.')
            return 0;
          p++;
        }
    }

  if (*p != '\0' && *p != ' ')
    return 0;

  return p - text;
}

EpSmtpReply *
ep_smtp_reply_new (guint               code,
                   const char * const *lines)
{
  EpSmtpReply *self;
  gsize enhanced_len;

  g_return_val_if_fail (code >= 200 && code <= 599, NULL);

  self = g_new0 (EpSmtpReply, 1);
  self->code = code;
  self->lines = lines != NULL ? g_strdupv ((char **) lines) : g_new0 (char *, 1);

  if (self->lines[0] != NULL && (enhanced_len = enhanced_code_length (self->lines[0], code / 100)) > 0)
    self->enhanced = g_strndup (self->lines[0], enhanced_len);

  return self;
}

EpSmtpReply *
ep_smtp_reply_copy (const EpSmtpReply *self)
{
  EpSmtpReply *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (EpSmtpReply, 1);
  copy->code = self->code;
  copy->enhanced = g_strdup (self->enhanced);
  copy->lines = g_strdupv (self->lines);

  return copy;
}

void
ep_smtp_reply_free (EpSmtpReply *self)
{
  if (self == NULL)
    return;

  g_free (self->enhanced);
  g_strfreev (self->lines);
  g_free (self);
}

char *
ep_smtp_reply_dup_text (const EpSmtpReply *self,
                        const char        *separator)
{
  g_autoptr(GString) text = g_string_new (NULL);

  g_return_val_if_fail (self != NULL, NULL);

  for (guint i = 0; self->lines[i] != NULL; i++)
    {
      const char *line = self->lines[i];
      gsize skip = self->enhanced != NULL ? enhanced_code_length (line, self->code / 100) : 0;

      line += skip;
      while (skip > 0 && *line == ' ')
        line++;

      if (i > 0)
        g_string_append (text, separator);
      g_string_append (text, line);
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}

char *
ep_smtp_reply_to_string (const EpSmtpReply *self)
{
  g_autofree char *text = NULL;
  g_autoptr(GString) out = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  text = ep_smtp_reply_dup_text (self, " ");
  out = g_string_new (NULL);
  g_string_append_printf (out, "%u", self->code);
  if (self->enhanced != NULL)
    g_string_append_printf (out, " %s", self->enhanced);
  if (*text != '\0')
    g_string_append_printf (out, " %s", text);

  return g_string_free (g_steal_pointer (&out), FALSE);
}

EpSmtpReplyParser *
ep_smtp_reply_parser_new (void)
{
  EpSmtpReplyParser *self = g_new0 (EpSmtpReplyParser, 1);

  self->line = g_string_sized_new (128);
  self->lines = g_ptr_array_new_with_free_func (g_free);

  return self;
}

void
ep_smtp_reply_parser_free (EpSmtpReplyParser *self)
{
  if (self == NULL)
    return;

  g_string_free (self->line, TRUE);
  g_ptr_array_unref (self->lines);
  ep_smtp_reply_free (self->reply);
  g_free (self);
}

void
ep_smtp_reply_parser_reset (EpSmtpReplyParser *self)
{
  g_return_if_fail (self != NULL);

  g_string_truncate (self->line, 0);
  g_ptr_array_set_size (self->lines, 0);
  self->code = 0;
  self->total = 0;
  g_clear_pointer (&self->reply, ep_smtp_reply_free);
}

/* The server's text ends up in terminals and dialogs: control characters (escape sequences, NUL,
 * stray CR) become '?', invalid UTF-8 the replacement character. */
static gboolean
fail (GError    **error,
      const char *message)
{
  g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_PROTOCOL, message);
  return FALSE;
}

/* Handles one complete line (CR already stripped). Sets *last on the final line of a reply. */
static gboolean
parser_take_line (EpSmtpReplyParser *self,
                  const char        *line,
                  gsize              len,
                  gboolean          *last,
                  GError           **error)
{
  guint code;

  if (len < REPLY_CODE_LENGTH
      || line[0] < '2' || line[0] > '5'
      || line[1] < '0' || line[1] > '5'
      || !g_ascii_isdigit (line[2]))
    return fail (error, _("Malformed reply from the server (no valid reply code)"));

  code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');

  if (len == REPLY_CODE_LENGTH || line[3] == ' ')
    *last = TRUE;
  else if (line[3] == '-')
    *last = FALSE;
  else
    return fail (error, _("Malformed reply from the server (no space or hyphen after the reply code)"));

  if (self->code != 0 && code != self->code)
    return fail (error, _("Malformed reply from the server (the lines of one reply have different codes)"));
  self->code = code;

  if (self->lines->len >= EP_SMTP_REPLY_MAX_LINES)
    return fail (error, _("The server's reply has too many lines"));

  if (len > REPLY_CODE_LENGTH)
    g_ptr_array_add (self->lines, ep_text_make_printable (line + REPLY_CODE_LENGTH + 1,
                                                          len - REPLY_CODE_LENGTH - 1));
  else
    g_ptr_array_add (self->lines, g_strdup (""));

  return TRUE;
}

EpSmtpReplyParserStatus
ep_smtp_reply_parser_feed (EpSmtpReplyParser *self,
                           const char        *data,
                           gsize              len,
                           gsize             *consumed,
                           GError           **error)
{
  gsize pos = 0;

  g_return_val_if_fail (self != NULL, EP_SMTP_REPLY_PARSER_ERROR);
  g_return_val_if_fail (data != NULL || len == 0, EP_SMTP_REPLY_PARSER_ERROR);
  g_return_val_if_fail (self->reply == NULL, EP_SMTP_REPLY_PARSER_ERROR);

  *consumed = 0;

  while (pos < len)
    {
      const char *nl = memchr (data + pos, '\n', len - pos);
      gsize segment = (nl != NULL ? (gsize) (nl - data) : len) - pos;
      gsize with_lf = segment + (nl != NULL ? 1 : 0);
      gboolean last = FALSE;
      gsize line_len;

      if (self->line->len + with_lf > EP_SMTP_REPLY_LINE_MAX)
        {
          fail (error, _("The server sent a reply line that is too long"));
          return EP_SMTP_REPLY_PARSER_ERROR;
        }
      if (self->total + with_lf > EP_SMTP_REPLY_MAX_BYTES)
        {
          fail (error, _("The server's reply is too long"));
          return EP_SMTP_REPLY_PARSER_ERROR;
        }

      g_string_append_len (self->line, data + pos, segment);
      self->total += with_lf;
      pos += with_lf;

      if (nl == NULL)
        break;

      line_len = self->line->len;
      if (line_len > 0 && self->line->str[line_len - 1] == '\r')
        line_len--;

      if (!parser_take_line (self, self->line->str, line_len, &last, error))
        return EP_SMTP_REPLY_PARSER_ERROR;
      g_string_truncate (self->line, 0);

      if (last)
        {
          g_ptr_array_add (self->lines, NULL);
          self->reply = g_new0 (EpSmtpReply, 1);
          self->reply->code = self->code;
          self->reply->lines = (GStrv) g_ptr_array_steal (self->lines, NULL);
          {
            gsize enhanced_len = enhanced_code_length (self->reply->lines[0], self->code / 100);
            if (enhanced_len > 0)
              self->reply->enhanced = g_strndup (self->reply->lines[0], enhanced_len);
          }
          *consumed = pos;
          return EP_SMTP_REPLY_PARSER_COMPLETE;
        }
    }

  *consumed = pos;
  return EP_SMTP_REPLY_PARSER_NEED_MORE;
}

EpSmtpReply *
ep_smtp_reply_parser_take_reply (EpSmtpReplyParser *self)
{
  EpSmtpReply *reply;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (self->reply != NULL, NULL);

  reply = g_steal_pointer (&self->reply);
  ep_smtp_reply_parser_reset (self);

  return reply;
}

EpSmtpReply *
ep_smtp_reply_parse (const char *text,
                     gssize      len,
                     GError    **error)
{
  g_autoptr(EpSmtpReplyParser) parser = ep_smtp_reply_parser_new ();
  gsize consumed = 0;
  EpSmtpReplyParserStatus status;

  g_return_val_if_fail (text != NULL, NULL);

  if (len < 0)
    len = strlen (text);

  status = ep_smtp_reply_parser_feed (parser, text, len, &consumed, error);
  if (status == EP_SMTP_REPLY_PARSER_ERROR)
    return NULL;
  if (status == EP_SMTP_REPLY_PARSER_NEED_MORE)
    {
      g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_PROTOCOL,
                           _("Incomplete reply from the server"));
      return NULL;
    }
  if (consumed != (gsize) len)
    {
      g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_PROTOCOL,
                           _("Unexpected data after the server's reply"));
      return NULL;
    }

  return ep_smtp_reply_parser_take_reply (parser);
}
