/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-rfc2047.c: encoded-words (B or Q, whichever is shorter), display-name phrases and folding. */
#include "config.h"


#include <string.h>
#include <glib/gi18n-lib.h>

#include "ep-base64.h"
#include "ep-mime-error.h"
#include "ep-rfc2047.h"
#include "ep-text.h"

/* "=?UTF-8?X?" + "?=" around the encoded text. */
#define WORD_OVERHEAD 12

/* Plain words longer than this are encoded so that they can be split across lines. */
#define MAX_PLAIN_WORD (EP_HEADER_LINE_LENGTH - 1)

/* Display names whose quoted form is longer than this are encoded instead: a quoted-string is
 * never folded here, and encoded-words can be. */
#define MAX_QUOTED_PHRASE 70

static const char hex_digits[] = "0123456789ABCDEF";

/* RFC 2047 §5 (3): the characters a Q-encoded word may carry literally inside a phrase; the
 * same (strictest) set is used for unstructured text. */
static gboolean
q_is_literal (guchar c)
{
  return g_ascii_isalnum (c) || c == '!' || c == '*' || c == '+' || c == '-' || c == '/';
}

static gsize
q_cost (guchar c)
{
  return q_is_literal (c) || c == ' ' ? 1 : 3;
}

static gsize
b_cost (gsize n_bytes)
{
  return (n_bytes + 2) / 3 * 4;
}

/* Appends @text as encoded-words separated by single spaces, each at most @max_word_length
 * characters, never splitting a UTF-8 sequence. */
void
ep_rfc2047_append_encoded (GString    *out,
                           const char *text,
                           gsize       len,
                           gsize       max_word_length)
{
  gsize payload_max = max_word_length - WORD_OVERHEAD;
  gsize q_total = 0;
  gboolean use_b;
  const char *p = text;
  const char *end = text + len;
  gboolean first = TRUE;

  g_return_if_fail (max_word_length >= WORD_OVERHEAD + 12);
  g_return_if_fail (max_word_length <= EP_RFC2047_MAX_WORD_LENGTH);

  for (gsize i = 0; i < len; i++)
    q_total += q_cost ((guchar) text[i]);
  use_b = b_cost (len) < q_total;

  while (p < end || first)
    {
      const char *word_end = p;
      gsize payload = 0;

      /* Whole characters while the encoded text still fits. */
      while (word_end < end)
        {
          const char *next = g_utf8_next_char (word_end);
          gsize cost;

          if (next > end)
            next = end;
          if (use_b)
            cost = b_cost ((next - p)) - payload;
          else
            {
              cost = 0;
              for (const char *c = word_end; c < next; c++)
                cost += q_cost ((guchar) *c);
            }
          if (payload + cost > payload_max && word_end > p)
            break;
          payload += cost;
          word_end = next;
        }

      if (!first)
        g_string_append_c (out, ' ');
      first = FALSE;

      g_string_append (out, use_b ? "=?UTF-8?B?" : "=?UTF-8?Q?");
      if (use_b)
        {
          g_autofree char *b64 = ep_base64_encode ((const guint8 *) p, word_end - p, 0);
          g_string_append (out, b64);
        }
      else
        {
          for (const char *c = p; c < word_end; c++)
            {
              guchar ch = (guchar) *c;

              if (ch == ' ')
                g_string_append_c (out, '_');
              else if (q_is_literal (ch))
                g_string_append_c (out, (char) ch);
              else
                {
                  g_string_append_c (out, '=');
                  g_string_append_c (out, hex_digits[ch >> 4]);
                  g_string_append_c (out, hex_digits[ch & 0xf]);
                }
            }
        }
      g_string_append (out, "?=");
      p = word_end;
    }
}

typedef gboolean (*WordIsPlainFunc) (const char *word,
                                     gsize       len);

static gboolean
has_encoded_word_marker (const char *word,
                         gsize       len)
{
  for (gsize i = 0; i + 1 < len; i++)
    if ((word[i] == '=' && word[i + 1] == '?') || (word[i] == '?' && word[i + 1] == '='))
      return TRUE;
  return FALSE;
}

/* Unstructured text (Subject): printable ASCII words go as they are, unless they look like an
 * encoded-word (which a decoder would decode) or cannot fit a folded line. */
static gboolean
unstructured_word_is_plain (const char *word,
                            gsize       len)
{
  if (len == 0 || len > MAX_PLAIN_WORD)
    return FALSE;
  return ep_text_is_visible_ascii (word, (gssize) len) && !has_encoded_word_marker (word, len);
}

/* RFC 5322 §3.2.3 atext: what a phrase word may hold without quoting. */
static gboolean
is_atext (guchar c)
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr ("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

static gboolean
phrase_word_is_plain (const char *word,
                      gsize       len)
{
  if (len == 0 || len > MAX_PLAIN_WORD)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!is_atext ((guchar) word[i]))
      return FALSE;
  return !has_encoded_word_marker (word, len);
}

/* Splits @text at single spaces; runs of words that cannot go plain are encoded together, the
 * spaces between them inside the encoding (a decoder drops whitespace between encoded-words).
 * Empty words (leading, trailing or repeated spaces) drag a neighbour into the encoding so that
 * every space survives the round trip. */
static char *
encode_mixed (const char      *text,
              WordIsPlainFunc  is_plain)
{
  g_auto(GStrv) words = g_strsplit (text, " ", -1);
  guint n = g_strv_length (words);
  g_autofree gboolean *plain = g_new0 (gboolean, n + 1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    plain[i] = is_plain (words[i], strlen (words[i]));
  for (guint i = 0; i < n; i++)
    if (words[i][0] == '\0')
      {
        if (i + 1 < n)
          plain[i + 1] = FALSE;
        else if (i > 0)
          plain[i - 1] = FALSE;
      }

  for (guint i = 0; i < n;)
    {
      if (out->len > 0)
        g_string_append_c (out, ' ');
      if (plain[i])
        {
          g_string_append (out, words[i]);
          i++;
        }
      else
        {
          g_autoptr(GString) run = g_string_new (words[i]);

          for (i++; i < n && !plain[i]; i++)
            {
              g_string_append_c (run, ' ');
              g_string_append (run, words[i]);
            }
          if (run->len > 0)
            ep_rfc2047_append_encoded (out, run->str, run->len, EP_RFC2047_WORD_LENGTH);
        }
    }

  return g_string_free (out, FALSE);
}

/* Subject and other unstructured fields; unfolded. */
char *
ep_rfc2047_encode_unstructured (const char *text)
{
  g_return_val_if_fail (text != NULL, NULL);

  if (text[0] == '\0')
    return g_strdup ("");
  return encode_mixed (text, unstructured_word_is_plain);
}

/* A display name: atoms as they are, a quoted-string when it holds specials, encoded-words when
 * it holds non-ASCII text (or would make a quoted-string too long to fold). */
char *
ep_rfc2047_encode_phrase (const char *text)
{
  gboolean all_atoms = TRUE;
  gboolean quotable = TRUE;
  gsize len;
  GString *quoted;

  g_return_val_if_fail (text != NULL, NULL);

  len = strlen (text);
  if (len == 0 || text[0] == ' ' || text[len - 1] == ' ' || strstr (text, "  ") != NULL ||
      has_encoded_word_marker (text, len) || !ep_text_is_printable_ascii (text, (gssize) len))
    quotable = FALSE;
  for (gsize i = 0; i < len && quotable && all_atoms; i++)
    if (text[i] != ' ' && !is_atext ((guchar) text[i]))
      all_atoms = FALSE;

  if (quotable && all_atoms)
    {
      g_auto(GStrv) words = g_strsplit (text, " ", -1);
      gboolean short_words = TRUE;

      for (guint i = 0; words[i] != NULL; i++)
        short_words &= strlen (words[i]) <= MAX_PLAIN_WORD;
      if (short_words)
        return g_strdup (text);
    }
  if (quotable)
    {
      quoted = g_string_new ("\"");
      for (gsize i = 0; i < len; i++)
        {
          if (text[i] == '"' || text[i] == '\\')
            g_string_append_c (quoted, '\\');
          g_string_append_c (quoted, text[i]);
        }
      g_string_append_c (quoted, '"');
      if (quoted->len <= MAX_QUOTED_PHRASE)
        return g_string_free (quoted, FALSE);
      g_string_free (quoted, TRUE);
    }

  return encode_mixed (text, phrase_word_is_plain);
}

/* Decodes one encoded-word at @p (UTF-8 or US-ASCII only); NULL if @p does not start one. */
static char *
decode_word (const char  *p,
             const char **word_end)
{
  const char *q1, *q2, *q3;
  g_autofree char *charset = NULL;
  g_autofree char *payload = NULL;
  char enc;

  if (p[0] != '=' || p[1] != '?')
    return NULL;
  q1 = strchr (p + 2, '?');
  if (q1 == NULL || q1[1] == '\0' || q1[2] != '?')
    return NULL;
  enc = g_ascii_toupper (q1[1]);
  q2 = q1 + 2;
  q3 = strstr (q2 + 1, "?=");
  if (q3 == NULL || (enc != 'B' && enc != 'Q'))
    return NULL;
  charset = g_strndup (p + 2, q1 - (p + 2));
  if (g_ascii_strcasecmp (charset, "UTF-8") != 0 && g_ascii_strcasecmp (charset, "US-ASCII") != 0)
    return NULL;
  payload = g_strndup (q2 + 1, q3 - (q2 + 1));
  if (strchr (payload, ' ') != NULL)
    return NULL;

  *word_end = q3 + 2;
  if (enc == 'B')
    {
      gsize n;
      g_autofree guint8 *bytes = ep_base64_decode (payload, &n, NULL);

      if (bytes == NULL)
        return NULL;
      return g_strndup ((const char *) bytes, n);
    }
  else
    {
      GString *s = g_string_new (NULL);

      for (const char *c = payload; *c != '\0'; c++)
        {
          if (*c == '_')
            g_string_append_c (s, ' ');
          else if (*c == '=' && g_ascii_isxdigit (c[1]) && g_ascii_isxdigit (c[2]))
            {
              g_string_append_c (s, (char) (g_ascii_xdigit_value (c[1]) * 16 +
                                            g_ascii_xdigit_value (c[2])));
              c += 2;
            }
          else
            g_string_append_c (s, *c);
        }
      return g_string_free (s, FALSE);
    }
}

/* Unfolds and decodes a header value as a reader would: whitespace between two adjacent
 * encoded-words disappears (RFC 2047 §6.2), everything else stays. For tests and the Sandbox
 * view. */
char *
ep_rfc2047_decode (const char *value)
{
  GString *out = g_string_new (NULL);
  const char *p = value;
  gboolean last_was_word = FALSE;

  g_return_val_if_fail (value != NULL, NULL);

  while (*p != '\0')
    {
      const char *ws = p;
      const char *word_end = NULL;
      g_autofree char *decoded = NULL;

      while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
      decoded = decode_word (p, &word_end);

      /* Line breaks are folding; other whitespace is kept unless it separates two words. */
      if (!(last_was_word && decoded != NULL))
        for (const char *c = ws; c < p; c++)
          if (*c != '\r' && *c != '\n')
            g_string_append_c (out, *c);

      if (decoded != NULL)
        {
          g_string_append (out, decoded);
          p = word_end;
          last_was_word = TRUE;
        }
      else
        {
          const char *e = p;

          while (*e != '\0' && *e != ' ' && *e != '\t' && *e != '\r' && *e != '\n')
            e++;
          g_string_append_len (out, p, e - p);
          p = e;
          last_was_word = FALSE;
        }
    }

  return g_string_free (out, FALSE);
}

/* Folds "Name: value" at spaces so that lines stay within 78 columns where the tokens allow.
 * In @structured values, quoted-strings and angle-addrs are never split. */
char *
ep_header_fold (const char *name,
                const char *value,
                gboolean    structured)
{
  GString *out = g_string_new (name);
  gsize column;
  const char *p = value;
  gboolean first = TRUE;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (value != NULL, NULL);

  g_string_append_c (out, ':');
  column = out->len;

  while (*p != '\0')
    {
      const char *start = p;
      gboolean in_quotes = FALSE;
      int angle = 0;
      gsize len;

      while (*p != '\0' && (*p != ' ' || in_quotes || angle > 0))
        {
          if (structured && *p == '\\' && in_quotes && p[1] != '\0')
            p++;
          else if (structured && *p == '"')
            in_quotes = !in_quotes;
          else if (structured && !in_quotes && *p == '<')
            angle++;
          else if (structured && !in_quotes && *p == '>' && angle > 0)
            angle--;
          p++;
        }
      len = p - start;

      if (column + 1 + len > EP_HEADER_LINE_LENGTH && (!first || len > 0))
        {
          g_string_append (out, "\r\n");
          column = 0;
        }
      g_string_append_c (out, ' ');
      g_string_append_len (out, start, len);
      column += 1 + len;
      first = FALSE;

      if (*p == ' ')
        p++;
    }

  g_string_append (out, "\r\n");
  return g_string_free (out, FALSE);
}

/* Header values must be UTF-8 without control characters: a CR or LF would let the value start
 * a header of its own (injection), the others have no business in a header either. */
gboolean
ep_header_text_check (const char  *text,
                      const char  *field,
                      GError     **error)
{
  const char *end;
  const char *control;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (field != NULL, FALSE);

  if (!g_utf8_validate (text, -1, &end))
    {
      g_set_error (error, EP_MIME_ERROR, EP_MIME_ERROR_INVALID_UTF8,
                   /* Translators: %s is a header name such as "Subject" */
                   _("%s: the text is not valid UTF-8"), field);
      return FALSE;
    }

  control = ep_text_find_control (text, EP_TEXT_ALLOW_TAB);
  if (control != NULL)
    {
      g_set_error (error, EP_MIME_ERROR, EP_MIME_ERROR_INVALID_HEADER,
                   /* Translators: %s is a header name, U+%04X the offending character */
                   _("%s: control character U+%04X is not allowed (line breaks cannot be "
                     "part of a header)"), field, g_utf8_get_char (control));
      return FALSE;
    }

  return TRUE;
}
