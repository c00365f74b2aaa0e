/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-flowed.c: format=flowed text (RFC 3676) written by the engine and read back. */
#include "config.h"

#include <string.h>

#include "ep-flowed.h"

/* The text with each line's trailing spaces removed (except the signature separator): what a
 * fixed line can carry, so what a round trip gives back. */
static char *
without_trailing_spaces (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (strcmp (lines[i], "-- ") != 0)
      g_strchomp (lines[i]);
  return g_strjoinv ("\n", lines);
}

/* Every line of @flowed within the limits unless it cannot be broken, every soft break after a
 * space, and the text back exactly when decoded. */
static void
check_round_trip (const char *text)
{
  g_autofree char *flowed = ep_flowed_encode (text);
  g_autofree char *decoded = NULL;
  g_autofree char *expected = without_trailing_spaces (text);
  g_auto(GStrv) lines = NULL;

  g_assert_nonnull (flowed);
  lines = g_strsplit (flowed, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      glong chars = g_utf8_strlen (line, -1);

      /* Longer only when it has no space to break at (after its first word). */
      if (chars > EP_FLOWED_MAX_LINE && line[0] != '>')
        {
          const char *space = strchr (line + 1, ' ');

          g_assert_true (space == NULL || space[1] == '\0' || strchr (space + 1, ' ') == NULL
                         || g_utf8_strlen (line, space - line) > EP_FLOWED_WRAP_LINE);
        }
      /* Never a line start a reader would take for something else. */
      g_assert_false (g_str_has_prefix (line, "From "));
    }
  decoded = ep_flowed_decode (flowed, FALSE);
  g_assert_cmpstr (decoded, ==, expected);
}

static void
test_short_lines_untouched (void)
{
  /* No line over 78 characters: no flowed text at all, trailing spaces and all. */
  g_assert_null (ep_flowed_encode ("Hello,\n\nshort lines stay as they are.  \n"));
  g_assert_null (ep_flowed_encode (""));
  /* A long quoted line alone does not make the text flowed: quotes are left intact. */
  g_assert_null (ep_flowed_encode ("> a quoted line that is quite long, longer than seventy-eight characters in all\n"));
}

static void
test_wrap_exact (void)
{
  const char *text = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
                     "incididunt ut labore et dolore magna aliqua.\n";
  g_autofree char *flowed = ep_flowed_encode (text);

  /* Broken after the last space that keeps the line within 72 characters; the space stays
   * (DelSp=no), so a reader without flowed support shows the same words. */
  g_assert_cmpstr (flowed, ==,
                   "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod \n"
                   "tempor incididunt ut labore et dolore magna aliqua.\n");
  check_round_trip (text);
}

static void
test_stuffing (void)
{
  const char *long_words = "word word word word word word word word word word word word word word "
                           "From the start";
  g_autofree char *text = NULL;
  g_autofree char *flowed = NULL;

  /* A piece that would begin with "From " after a break, a line that begins with a space, and one
   * that begins with "From ": each gets one space more, which the reader removes. */
  text = g_strdup_printf ("%s and a bit more text to wrap around the end of the line here\n"
                          " indented line\n"
                          "From here on\n", long_words);
  flowed = ep_flowed_encode (text);
  g_assert_nonnull (strstr (flowed, "\n  indented line\n"));
  g_assert_nonnull (strstr (flowed, "\n From here on\n"));
  check_round_trip (text);
  check_round_trip ("word word word word word word word word word word word word word word word "
                    "word >not a quote after a break, since it starts a wrapped piece of the line\n");
}

static void
test_unbreakable (void)
{
  g_autofree char *path = g_strnfill (120, 'a');
  g_autofree char *url = g_strconcat ("See https://example.org/", path, " for details, "
                                      "and the rest of this line is long enough to need a break too.\n",
                                      NULL);
  g_autofree char *flowed = ep_flowed_encode (url);
  g_autofree char *alone = g_strnfill (200, 'x');

  /* The URL is never cut: it stays whole on a line of its own. */
  g_assert_nonnull (strstr (flowed, "\nhttps://example.org/aaaa"));
  check_round_trip (url);
  check_round_trip (alone);
}

static void
test_signature_and_quotes (void)
{
  const char *text =
    "A long first paragraph that certainly needs wrapping because it goes on and on past the limit.\n"
    "> quoted text that is also rather long, but quoted lines are left exactly as they were typed\n"
    ">>deeper\n"
    "\n"
    "-- \n"
    "Ana Lima, who has a signature line that is long enough to be wrapped by the writer as well\n";
  g_autofree char *flowed = ep_flowed_encode (text);

  /* The separator keeps its space and stays fixed; quoted lines come out as they went in. */
  g_assert_nonnull (strstr (flowed, "\n-- \n"));
  g_assert_nonnull (strstr (flowed, "\n> quoted text that is also rather long, but quoted lines are left exactly as they were typed\n>>deeper\n"));
  check_round_trip (text);
}

static void
test_trailing_spaces_and_no_final_newline (void)
{
  check_round_trip ("A line with trailing spaces that is long enough to be wrapped by the flowed writer    \nend");
  check_round_trip ("Multiple   spaces   between   words   are   kept   as   they   are   typed   in   the   text\n");
  check_round_trip ("    Leading spaces of an indented long line are kept, and the line is wrapped where it can\n");
  check_round_trip ("Ünïcödé text: ñame ñame ñame ñame ñame ñame ñame ñame ñame ñame ñame ñame ñame ñame ñame ñame ñame\n"
                    "日本語のテキストは空白がないので折り返されません日本語のテキストは空白がないので折り返されません日本語のテキストは空白がないので折り返されません\n");
}

static void
test_decode_others (void)
{
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;

  /* Another writer's quoted flowed paragraph, CRLF line ends. */
  a = ep_flowed_decode ("> one \r\n> two\r\n>> deeper \r\n>> still\r\nplain\r\n", FALSE);
  g_assert_cmpstr (a, ==, "> one two\n>> deeper still\nplain\n");
  /* DelSp=yes: the soft break's space is not part of the text. */
  b = ep_flowed_decode ("Germanwordcom \r\nposition\r\n", TRUE);
  g_assert_cmpstr (b, ==, "Germanwordcomposition\n");
  /* A flowed line before one of another depth ends its paragraph. */
  c = ep_flowed_decode ("text \r\n> quote\r\n", FALSE);
  g_assert_cmpstr (c, ==, "text \n> quote\n");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/flowed/short-lines-untouched", test_short_lines_untouched);
  g_test_add_func ("/flowed/wrap-exact", test_wrap_exact);
  g_test_add_func ("/flowed/stuffing", test_stuffing);
  g_test_add_func ("/flowed/unbreakable", test_unbreakable);
  g_test_add_func ("/flowed/signature-and-quotes", test_signature_and_quotes);
  g_test_add_func ("/flowed/trailing-spaces", test_trailing_spaces_and_no_final_newline);
  g_test_add_func ("/flowed/decode-others", test_decode_others);
  return g_test_run ();
}
