/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-smtp-reply.c: the incremental SMTP reply parser on what a hostile server may send.
 *
 * Oracles: the same bytes fed at once, one octet at a time and in uneven chunks give the same
 * replies and the same outcome; every reply holds only what the header promises (a code in
 * 200..559, at most EP_SMTP_REPLY_MAX_LINES lines of UTF-8 without control characters); and a
 * reply written back out parses to itself. */
#include "config.h"

#include <string.h>

#include "ep-fuzz.h"
#include "ep-smtp-error.h"
#include "ep-smtp-reply.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  ep_fuzz_init ();
  return 0;
}

static gboolean
text_is_clean (const char *text)
{
  if (!g_utf8_validate (text, -1, NULL))
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      return FALSE;
  return TRUE;
}

static void
check_reply (const EpSmtpReply *reply)
{
  g_autoptr(EpSmtpReply) copy = NULL;
  g_autoptr(EpSmtpReply) again = NULL;
  g_autoptr(GString) wire = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *line = NULL;
  guint n_lines;

  EP_FUZZ_CHECK (reply->code >= 200 && reply->code <= 559);
  EP_FUZZ_CHECK (reply->lines != NULL);
  n_lines = g_strv_length (reply->lines);
  EP_FUZZ_CHECK (n_lines >= 1 && n_lines <= EP_SMTP_REPLY_MAX_LINES);
  for (guint i = 0; i < n_lines; i++)
    EP_FUZZ_CHECK_MSG (text_is_clean (reply->lines[i]), "line %u is not clean text", i);
  if (reply->enhanced != NULL)
    {
      EP_FUZZ_CHECK (reply->enhanced[0] - '0' == (int) ep_smtp_reply_class (reply));
      EP_FUZZ_CHECK (g_str_has_prefix (reply->lines[0], reply->enhanced));
    }

  text = ep_smtp_reply_dup_text (reply, "\n");
  line = ep_smtp_reply_to_string (reply);
  EP_FUZZ_CHECK (g_utf8_validate (text, -1, NULL));
  EP_FUZZ_CHECK (text_is_clean (line));

  copy = ep_smtp_reply_copy (reply);
  EP_FUZZ_CHECK (copy->code == reply->code);
  EP_FUZZ_CHECK (g_strcmp0 (copy->enhanced, reply->enhanced) == 0);
  EP_FUZZ_CHECK (g_strv_equal ((const char * const *) copy->lines, (const char * const *) reply->lines));

  /* Written back as a server would send it, the reply parses to itself (unless replacement
   * characters for invalid UTF-8 made it longer than the parser's limits). */
  for (guint i = 0; i < n_lines; i++)
    {
      gsize before = wire->len;

      g_string_append_printf (wire, "%u%c%s\r\n", reply->code, i + 1 < n_lines ? '-' : ' ',
                              reply->lines[i]);
      if (wire->len - before > EP_SMTP_REPLY_LINE_MAX)
        return;
    }
  if (wire->len > EP_SMTP_REPLY_MAX_BYTES)
    return;
  again = ep_smtp_reply_parse (wire->str, wire->len, &error);
  EP_FUZZ_CHECK_MSG (again != NULL, "a reply written back does not parse: %s", error->message);
  EP_FUZZ_CHECK (again->code == reply->code);
  EP_FUZZ_CHECK (g_strcmp0 (again->enhanced, reply->enhanced) == 0);
  EP_FUZZ_CHECK (g_strv_equal ((const char * const *) again->lines, (const char * const *) reply->lines));
}

/* A description of everything the parser produced, to compare between feeding patterns. */
static void
describe_reply (GString           *out,
                const EpSmtpReply *reply)
{
  g_string_append_printf (out, "%u|%s", reply->code, reply->enhanced != NULL ? reply->enhanced : "-");
  for (guint i = 0; reply->lines[i] != NULL; i++)
    g_string_append_printf (out, "|%s", reply->lines[i]);
  g_string_append_c (out, '\n');
}

/* Feeds @data in pieces of at most @chunk octets (0: the sizes cycle through 1..7). */
static char *
parse_stream (const uint8_t *data,
              size_t         size,
              gsize          chunk)
{
  g_autoptr(EpSmtpReplyParser) parser = ep_smtp_reply_parser_new ();
  g_autoptr(GString) out = g_string_new (NULL);
  gsize pos = 0;
  guint step = 0;

  while (pos < size)
    {
      gsize want = chunk != 0 ? chunk : 1 + step++ % 7;
      gsize n = MIN (want, size - pos);
      gsize consumed = G_MAXSIZE;
      g_autoptr(GError) error = NULL;
      EpSmtpReplyParserStatus status;

      status = ep_smtp_reply_parser_feed (parser, (const char *) data + pos, n, &consumed, &error);
      EP_FUZZ_CHECK (consumed <= n);
      if (status == EP_SMTP_REPLY_PARSER_ERROR)
        {
          EP_FUZZ_CHECK (g_error_matches (error, EP_SMTP_ERROR, EP_SMTP_ERROR_PROTOCOL));
          /* Which limit trips first may depend on the chunking; that it trips may not. */
          g_string_append (out, "ERROR\n");
          return g_string_free (g_steal_pointer (&out), FALSE);
        }
      EP_FUZZ_CHECK (error == NULL);
      pos += consumed;
      if (status == EP_SMTP_REPLY_PARSER_COMPLETE)
        {
          g_autoptr(EpSmtpReply) reply = ep_smtp_reply_parser_take_reply (parser);

          EP_FUZZ_CHECK (reply != NULL);
          check_reply (reply);
          describe_reply (out, reply);
        }
      else
        EP_FUZZ_CHECK (consumed == n);
    }
  g_string_append (out, "END\n");
  return g_string_free (g_steal_pointer (&out), FALSE);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *whole = parse_stream (data, size, MAX (size, 1));
  g_autofree char *bytewise = parse_stream (data, size, 1);
  g_autofree char *uneven = parse_stream (data, size, 0);
  g_autoptr(EpSmtpReply) single = NULL;
  g_autoptr(GError) error = NULL;

  EP_FUZZ_CHECK_MEM (bytewise, strlen (bytewise), whole, strlen (whole));
  EP_FUZZ_CHECK_MEM (uneven, strlen (uneven), whole, strlen (whole));

  /* The one-shot form accepts exactly one complete reply and nothing after it. */
  single = ep_smtp_reply_parse ((const char *) data, (gssize) size, &error);
  if (single != NULL)
    {
      g_autoptr(GString) expected = g_string_new (NULL);

      describe_reply (expected, single);
      g_string_append (expected, "END\n");
      EP_FUZZ_CHECK_MEM (expected->str, expected->len, whole, strlen (whole));
    }
  else
    EP_FUZZ_CHECK (g_error_matches (error, EP_SMTP_ERROR, EP_SMTP_ERROR_PROTOCOL));

  return 0;
}
