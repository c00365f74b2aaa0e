/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-rfc2047.c: encoded-words, display-name phrases, header folding and header text checks. */
#include "config.h"

#include <string.h>

#include "ep-mime-error.h"
#include "ep-rfc2047.h"

static const char *samples[] = {
  "Hello world",
  "Café crème brûlée — déjà vu",
  "会議の議事録について：来週の予定を確認してください",
  "Party 🎉🎂 tonight 🥳 👨‍👩‍👧‍👦",
  "שלום עולם مرحبا بالعالم",
  "Ελληνικά Русский 中文 עברית 🎉 ASCII mix",
  "Literal =?UTF-8?B?SGk=?= stays literal",
  "a?=b and =?c",
  "  leading and trailing  ",
  "double  spaces   inside",
  " ",
  "x",
  "supercalifragilisticexpialidocious-supercalifragilisticexpialidocious-and-more-words-without-spaces",
  "日本語日本語日本語日本語日本語日本語日本語日本語日本語日本語日本語日本語日本語日本語日本語日本語日本語日本語",
  "🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉",
  "under_score and question? and equals= and (parens) \"quotes\" ,;:",
  "ASCII words then one é at the end",
};

/* Every encoded-word is at most 75 characters and holds whole UTF-8 characters. */
static void
check_words (const char *value)
{
  const char *p = value;

  while ((p = strstr (p, "=?")) != NULL)
    {
      const char *q = strstr (p + 10, "?=");
      g_autofree char *word = NULL;
      g_autofree char *decoded = NULL;

      g_assert_nonnull (q);
      word = g_strndup (p, q + 2 - p);
      g_assert_cmpuint (strlen (word), <=, EP_RFC2047_MAX_WORD_LENGTH);
      g_assert_true (g_str_has_prefix (word, "=?UTF-8?B?") || g_str_has_prefix (word, "=?UTF-8?Q?"));
      decoded = ep_rfc2047_decode (word);
      g_assert_true (g_utf8_validate (decoded, -1, NULL));
      p = q + 2;
    }
}

static void
test_unstructured_round_trip (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (samples); i++)
    {
      g_autofree char *encoded = ep_rfc2047_encode_unstructured (samples[i]);
      g_autofree char *folded = ep_header_fold ("Subject", encoded, FALSE);
      g_autofree char *decoded = NULL;
      g_auto(GStrv) lines = NULL;

      g_test_message ("“%s” → %s", samples[i], folded);
      check_words (encoded);
      for (const char *c = encoded; *c != '\0'; c++)
        g_assert_true ((guchar) *c >= 0x20 && (guchar) *c < 0x7f);
      g_assert_true (g_str_has_prefix (folded, "Subject:"));
      decoded = ep_rfc2047_decode (folded + strlen ("Subject:"));
      /* The space after the colon is not part of the value. */
      g_assert_cmpstr (decoded + 1, ==, samples[i]);
      lines = g_strsplit (folded, "\r\n", -1);
      for (guint l = 0; lines[l] != NULL; l++)
        g_assert_cmpuint (strlen (lines[l]), <=, EP_HEADER_LINE_LENGTH);
    }
}

static void
test_unstructured_plain (void)
{
  g_autofree char *ascii = ep_rfc2047_encode_unstructured ("Hello world, how are you?");
  g_autofree char *empty = ep_rfc2047_encode_unstructured ("");
  g_autofree char *mixed = ep_rfc2047_encode_unstructured ("Meeting Müller alles today");
  g_autofree char *literal = ep_rfc2047_encode_unstructured ("x =?UTF-8?Q?a?= y");

  g_assert_cmpstr (ascii, ==, "Hello world, how are you?");
  g_assert_cmpstr (empty, ==, "");
  /* Only the word that needs it is encoded; the rest stays readable. */
  g_assert_cmpstr (mixed, ==, "Meeting =?UTF-8?Q?M=C3=BCller?= alles today");
  /* Text that looks like an encoded-word is itself encoded, so no reader decodes it. */
  g_assert_true (g_str_has_prefix (literal, "x =?UTF-8?"));
  g_assert_null (strstr (literal, "=?UTF-8?Q?a?="));
}

/* B or Q, whichever is shorter. */
static void
test_b_or_q (void)
{
  g_autofree char *latin = ep_rfc2047_encode_unstructured ("Zürichseeufer");
  g_autofree char *cjk = ep_rfc2047_encode_unstructured ("日本語");

  g_assert_cmpstr (latin, ==, "=?UTF-8?Q?Z=C3=BCrichseeufer?=");
  g_assert_cmpstr (cjk, ==, "=?UTF-8?B?5pel5pys6Kqe?=");
}

static void
test_long_words_split (void)
{
  g_autofree char *word = g_strnfill (300, 'x');
  g_autofree char *encoded = ep_rfc2047_encode_unstructured (word);
  g_autofree char *decoded = NULL;
  GString *emoji = g_string_new (NULL);
  g_autofree char *emoji_encoded = NULL;
  g_autofree char *emoji_decoded = NULL;

  check_words (encoded);
  g_assert_cmpuint (strlen (encoded), >, 300);
  decoded = ep_rfc2047_decode (encoded);
  g_assert_cmpstr (decoded, ==, word);

  for (guint i = 0; i < 200; i++)
    g_string_append (emoji, i % 3 ? "🎉" : "é");
  emoji_encoded = ep_rfc2047_encode_unstructured (emoji->str);
  check_words (emoji_encoded);
  emoji_decoded = ep_rfc2047_decode (emoji_encoded);
  g_assert_cmpstr (emoji_decoded, ==, emoji->str);
  g_string_free (emoji, TRUE);
}

static void
test_phrase (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "Jane Doe", "Jane Doe" },
    { "Doe, Jane", "\"Doe, Jane\"" },
    { "John Q. Public", "\"John Q. Public\"" },
    { "He said \"hi\" \\o/", "\"He said \\\"hi\\\" \\\\o/\"" },
    { "O'Neil", "O'Neil" },
    { "Jürgen", "=?UTF-8?Q?J=C3=BCrgen?=" },
    { "Jürgen Müller", "=?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?=" },
    { "Dr. Jürgen", "=?UTF-8?B?RHIuIErDvHJnZW4=?=" },
    { "Zürichsee Wanderer", "=?UTF-8?Q?Z=C3=BCrichsee?= Wanderer" },
    { "Team Ünïcödé", "Team =?UTF-8?B?w5xuw69jw7Zkw6k=?=" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = ep_rfc2047_encode_phrase (cases[i].in);
      g_assert_cmpstr (out, ==, cases[i].out);
    }
}

static void
test_phrase_round_trip (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (samples); i++)
    {
      g_autofree char *phrase = ep_rfc2047_encode_phrase (samples[i]);
      g_autofree char *decoded = NULL;

      check_words (phrase);
      if (phrase[0] == '"')
        continue;   /* quoted-strings are checked in test_phrase */
      decoded = ep_rfc2047_decode (phrase);
      g_assert_cmpstr (decoded, ==, samples[i]);
      /* Only atext, spaces and encoded-words: nothing a phrase cannot hold. */
      for (const char *c = phrase; *c != '\0'; c++)
        g_assert_null (strchr ("\",;<>@[]\\():", *c));
    }
}

static void
test_long_quoted_phrase_encoded (void)
{
  const char *name = "Smith, Alexander Bartholomew Christopherson, Director of Long Names Dept.";
  g_autofree char *phrase = ep_rfc2047_encode_phrase (name);
  g_autofree char *decoded = ep_rfc2047_decode (phrase);

  g_assert_cmpint (phrase[0], !=, '"');
  g_assert_cmpstr (decoded, ==, name);
}

static void
test_fold (void)
{
  const char *value = "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp";
  g_autofree char *folded = ep_header_fold ("Subject", value, FALSE);
  g_autofree char *unfolded = NULL;
  g_auto(GStrv) lines = g_strsplit (folded, "\r\n", -1);
  g_autofree char *empty = ep_header_fold ("Subject", "", FALSE);
  g_autofree char *structured = ep_header_fold ("To",
      "\"A very long quoted name, with a comma\" <first.address@example.com>, "
      "\"Another long quoted name, also with a comma\" <second@example.com>", TRUE);
  g_autofree char *long_token = g_strnfill (200, 'y');
  g_autofree char *long_folded = ep_header_fold ("X-Long", long_token, FALSE);

  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_cmpuint (strlen (lines[0]), <=, 78);
  g_assert_true (lines[1][0] == ' ');
  g_assert_cmpstr (lines[2], ==, "");
  unfolded = g_strjoinv ("", lines);
  g_assert_cmpstr (unfolded, ==, "Subject: aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp");
  g_assert_cmpstr (empty, ==, "Subject:\r\n");
  /* Never inside a quoted-string or an angle-addr. */
  g_assert_cmpstr (structured, ==,
                   "To: \"A very long quoted name, with a comma\" <first.address@example.com>,\r\n"
                   " \"Another long quoted name, also with a comma\" <second@example.com>\r\n");
  /* A token longer than a line goes on a line of its own and is not cut. */
  g_assert_true (g_str_has_prefix (long_folded, "X-Long:\r\n yyy"));
}

static void
test_header_text_check (void)
{
  static const char *bad[] = {
    "a\rb", "a\nb", "Hi\r\nBcc: x@y", "bell\a", "del\x7f", "nel\xc2\x85", "vt\v",
    "esc\x1b[31m",
  };
  g_autoptr(GError) error = NULL;

  g_assert_true (ep_header_text_check ("Plain text, ünïcödé, 🎉", "Subject", &error));
  g_assert_no_error (error);
  /* A tab is whitespace in a header (RFC 5322 WSP): pasted into a subject, it is kept. */
  g_assert_true (ep_header_text_check ("tab\there", "Subject", &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_clear_error (&error);
      g_assert_false (ep_header_text_check (bad[i], "Subject", &error));
      g_assert_error (error, EP_MIME_ERROR, EP_MIME_ERROR_INVALID_HEADER);
      g_assert_true (g_str_has_prefix (error->message, "Subject: "));
    }

  g_clear_error (&error);
  g_assert_false (ep_header_text_check ("caf\xe9", "Subject", &error));
  g_assert_error (error, EP_MIME_ERROR, EP_MIME_ERROR_INVALID_UTF8);
  g_assert_true (g_str_has_prefix (error->message, "Subject: "));
}

static void
test_decode_foreign (void)
{
  g_autofree char *a = ep_rfc2047_decode ("=?utf-8?q?a_b?= =?UTF-8?B?w6k=?=");
  g_autofree char *b = ep_rfc2047_decode ("plain =?utf-8?q?x?= text");
  g_autofree char *c = ep_rfc2047_decode ("=?iso-8859-1?q?x?=");
  g_autofree char *d = ep_rfc2047_decode ("=?utf-8?x?bad?=");

  g_assert_cmpstr (a, ==, "a bé");
  g_assert_cmpstr (b, ==, "plain x text");
  /* Charsets other than UTF-8 are left as they are. */
  g_assert_cmpstr (c, ==, "=?iso-8859-1?q?x?=");
  g_assert_cmpstr (d, ==, "=?utf-8?x?bad?=");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/rfc2047/unstructured-round-trip", test_unstructured_round_trip);
  g_test_add_func ("/rfc2047/unstructured-plain", test_unstructured_plain);
  g_test_add_func ("/rfc2047/b-or-q", test_b_or_q);
  g_test_add_func ("/rfc2047/long-words-split", test_long_words_split);
  g_test_add_func ("/rfc2047/phrase", test_phrase);
  g_test_add_func ("/rfc2047/phrase-round-trip", test_phrase_round_trip);
  g_test_add_func ("/rfc2047/long-quoted-phrase-encoded", test_long_quoted_phrase_encoded);
  g_test_add_func ("/rfc2047/fold", test_fold);
  g_test_add_func ("/rfc2047/header-text-check", test_header_text_check);
  g_test_add_func ("/rfc2047/decode-foreign", test_decode_foreign);

  return g_test_run ();
}
