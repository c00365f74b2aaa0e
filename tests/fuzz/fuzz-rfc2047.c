/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-rfc2047.c: encoded-words and header folding, both directions.
 *
 * The decoder takes the input as it is (header values of received messages). The encoders take
 * it made into what they accept (valid UTF-8 without control characters, as ep_header_text_check
 * demands) and must round-trip: decoding the encoded, and the folded then unfolded, text gives
 * back the input, and every output line is printable ASCII within the lengths of RFC 2047 §2 and
 * RFC 5322 §2.1.1. */
#include "config.h"

#include <string.h>

#include "ep-fuzz.h"
#include "ep-rfc2047.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  ep_fuzz_init ();
  return 0;
}

/* The input as header text: invalid UTF-8 replaced, control characters dropped. */
static char *
to_header_text (const uint8_t *data,
                size_t         size)
{
  g_autofree char *valid = g_utf8_make_valid ((const char *) data, (gssize) size);
  GString *out = g_string_new (NULL);

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
        continue;
      g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

static void
check_printable_ascii (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    EP_FUZZ_CHECK_MSG ((guchar) *p >= 0x20 && (guchar) *p < 0x7f,
                       "octet 0x%02x in encoded text", (guchar) *p);
}

/* Each encoded-word (a space-separated token starting with "=?") is at most @max long. */
static void
check_word_lengths (const char *encoded,
                    gsize       max)
{
  g_auto(GStrv) tokens = g_strsplit (encoded, " ", -1);

  for (guint i = 0; tokens[i] != NULL; i++)
    if (g_str_has_prefix (tokens[i], "=?"))
      EP_FUZZ_CHECK_MSG (strlen (tokens[i]) <= max, "encoded-word of %" G_GSIZE_FORMAT " characters",
                         strlen (tokens[i]));
}

static void
check_decodes_to (const char *encoded,
                  const char *expected)
{
  g_autofree char *decoded = ep_rfc2047_decode (encoded);

  EP_FUZZ_CHECK_MEM (decoded, strlen (decoded), expected, strlen (expected));
}

/* "Subject: …\r\n …\r\n": lines within 78 columns, and unfolded and decoded it is @text. */
static void
check_folded (const char *encoded,
              const char *text)
{
  g_autofree char *folded = ep_header_fold ("Subject", encoded, FALSE);
  g_autoptr(GString) unfolded = g_string_new (NULL);
  g_auto(GStrv) lines = NULL;
  guint n;

  EP_FUZZ_CHECK (g_str_has_prefix (folded, "Subject:"));
  EP_FUZZ_CHECK (g_str_has_suffix (folded, "\r\n"));
  lines = g_strsplit (folded, "\r\n", -1);
  n = g_strv_length (lines);
  EP_FUZZ_CHECK (n >= 2 && *lines[n - 1] == '\0');
  for (guint i = 0; i + 1 < n; i++)
    {
      EP_FUZZ_CHECK_MSG (strlen (lines[i]) <= EP_HEADER_LINE_LENGTH, "folded line %u has %" G_GSIZE_FORMAT
                         " characters", i, strlen (lines[i]));
      EP_FUZZ_CHECK (strchr (lines[i], '\r') == NULL && strchr (lines[i], '\n') == NULL);
      /* A continuation line starts with white space (RFC 5322 §2.2.3), and none is empty. */
      if (i > 0)
        EP_FUZZ_CHECK (lines[i][0] == ' ' && lines[i][1] != '\0');
      g_string_append (unfolded, lines[i]);
    }

  /* "Subject:" then one space before the value, unless the value is empty. */
  if (*text == '\0')
    return;
  EP_FUZZ_CHECK (g_str_has_prefix (unfolded->str, "Subject: "));
  check_decodes_to (unfolded->str + strlen ("Subject: "), text);
}

/* A quoted-string's content, or NULL when @phrase is not one. */
static char *
unquote (const char *phrase)
{
  gsize len = strlen (phrase);
  GString *out;

  if (len < 2 || phrase[0] != '"' || phrase[len - 1] != '"')
    return NULL;
  out = g_string_new (NULL);
  for (gsize i = 1; i + 1 < len; i++)
    {
      if (phrase[i] == '\\')
        i++;
      else
        EP_FUZZ_CHECK (phrase[i] != '"');
      g_string_append_c (out, phrase[i]);
    }
  return g_string_free (out, FALSE);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *raw = ep_fuzz_to_string (data, size);
  g_autofree char *raw_decoded = ep_rfc2047_decode (raw);
  g_autofree char *text = to_header_text (data, size);
  g_autofree char *unstructured = NULL;
  g_autofree char *phrase = NULL;
  g_autofree char *quoted = NULL;
  g_autoptr(GString) words = g_string_new (NULL);
  gsize max_word;

  EP_FUZZ_CHECK (raw_decoded != NULL);
  EP_FUZZ_CHECK (ep_header_text_check (text, "Subject", NULL));

  unstructured = ep_rfc2047_encode_unstructured (text);
  check_printable_ascii (unstructured);
  check_word_lengths (unstructured, EP_RFC2047_WORD_LENGTH);
  check_decodes_to (unstructured, text);
  check_folded (unstructured, text);

  phrase = ep_rfc2047_encode_phrase (text);
  check_printable_ascii (phrase);
  check_word_lengths (phrase, EP_RFC2047_WORD_LENGTH);
  quoted = unquote (phrase);
  if (quoted != NULL)
    EP_FUZZ_CHECK_MEM (quoted, strlen (quoted), text, strlen (text));
  else
    check_decodes_to (phrase, text);

  /* The lowest-level encoder at every word length it allows. */
  max_word = 24 + (size > 0 ? data[0] % (EP_RFC2047_MAX_WORD_LENGTH - 24 + 1) : 0);
  ep_rfc2047_append_encoded (words, text, strlen (text), max_word);
  check_printable_ascii (words->str);
  check_word_lengths (words->str, max_word);
  check_decodes_to (words->str, text);

  return 0;
}
