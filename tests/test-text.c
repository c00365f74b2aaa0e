/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-text.c: the engine's rules for control characters and ASCII (base/ep-text.h), octet by
 * octet for protocol text and character by character for text people read. */
#include "config.h"

#include <string.h>

#include "ep-text.h"

/* Octets (NUL among them, hence the length) and the text a function makes of them. */
typedef struct {
  const char *in;
  gsize       len;
  const char *out;
} OctetsCase;

static void
test_octet_is_control (void)
{
  for (guint c = 0; c < 256; c++)
    g_assert_cmpint (ep_text_octet_is_control ((guchar) c), ==, c < 0x20 || c == 0x7f);
}

/* Each octet alone, between two letters, against each predicate. */
static void
test_octet_predicates (void)
{
  for (guint c = 1; c < 256; c++)
    {
      char text[4] = { 'a', (char) c, 'b', '\0' };

      g_assert_cmpint (ep_text_is_ascii (text, -1), ==, c < 0x80);
      g_assert_cmpint (ep_text_is_printable_ascii (text, -1), ==, c >= 0x20 && c <= 0x7e);
      g_assert_cmpint (ep_text_is_visible_ascii (text, -1), ==, c > 0x20 && c <= 0x7e);
      g_assert_cmpint (ep_text_has_control (text, -1), ==, c < 0x20 || c == 0x7f);
      g_assert_cmpint (ep_text_has_line_break (text, -1), ==, c == '\r' || c == '\n');
    }
}

/* With a length, a NUL is an octet like the others and nothing past the length is read. */
static void
test_octet_lengths (void)
{
  const char with_nul[] = "ab\0cd";

  g_assert_true (ep_text_has_control (with_nul, 5));
  g_assert_false (ep_text_has_control (with_nul, -1));
  g_assert_false (ep_text_has_control (with_nul, 2));
  g_assert_false (ep_text_is_printable_ascii (with_nul, 5));
  g_assert_false (ep_text_is_visible_ascii (with_nul, 5));
  g_assert_true (ep_text_is_ascii (with_nul, 5));
  g_assert_false (ep_text_has_line_break ("ab\ncd", 2));
  g_assert_true (ep_text_has_line_break ("ab\ncd", 3));
  g_assert_true (ep_text_is_visible_ascii ("ab cd", 2));
  g_assert_false (ep_text_is_visible_ascii ("ab cd", 3));
  g_assert_true (ep_text_is_ascii ("ab\xc3\xa9", 2));
  g_assert_false (ep_text_is_ascii ("ab\xc3\xa9", 3));

  /* Empty text has nothing wrong in it. */
  g_assert_true (ep_text_is_ascii ("", -1));
  g_assert_true (ep_text_is_printable_ascii ("", -1));
  g_assert_true (ep_text_is_visible_ascii (NULL, 0));
  g_assert_false (ep_text_has_control ("", -1));
  g_assert_false (ep_text_has_line_break (NULL, 0));
}

static void
test_unichar_is_control (void)
{
  for (gunichar c = 0; c < 0x3000; c++)
    g_assert_cmpint (ep_text_unichar_is_control (c), ==, g_unichar_iscntrl (c));
  g_assert_false (ep_text_unichar_is_control (0xa0));
  g_assert_false (ep_text_unichar_is_control (0x200b));   /* a format character, not a control */
  g_assert_false (ep_text_unichar_is_control (0xfeff));
  g_assert_false (ep_text_unichar_is_control (0x10ffff));
}

static void
test_find_control (void)
{
  static const struct {
    const char *text;
    EpTextAllow allow;
    int         at;      /* offset of the control found, -1 for none */
  } cases[] = {
    { "", EP_TEXT_ALLOW_NONE, -1 },
    { "Grüße aus Köln", EP_TEXT_ALLOW_NONE, -1 },
    { "tab\there", EP_TEXT_ALLOW_NONE, 3 },
    { "tab\there", EP_TEXT_ALLOW_TAB, -1 },
    { "tab\there", EP_TEXT_ALLOW_LINE_BREAKS, 3 },
    { "line\r\nbreak", EP_TEXT_ALLOW_TAB, 4 },
    { "line\r\nbreak", EP_TEXT_ALLOW_LINE_BREAKS, -1 },
    { "line\nbreak\tand tab", EP_TEXT_ALLOW_LINE_BREAKS, 10 },
    { "line\nbreak\tand tab", EP_TEXT_ALLOW_LINE_BREAKS | EP_TEXT_ALLOW_TAB, -1 },
    { "bell\a", EP_TEXT_ALLOW_LINE_BREAKS | EP_TEXT_ALLOW_TAB, 4 },
    { "del\x7f", EP_TEXT_ALLOW_TAB, 3 },
    { "escape\x1b[31m", EP_TEXT_ALLOW_NONE, 6 },
    { "c1 \xc2\x9b" "31m", EP_TEXT_ALLOW_LINE_BREAKS | EP_TEXT_ALLOW_TAB, 3 },   /* U+009B CSI */
    { "c1 \xc2\x85", EP_TEXT_ALLOW_LINE_BREAKS, 3 },   /* U+0085 NEL is not a line break here */
    { "nbsp \xc2\xa0 ok", EP_TEXT_ALLOW_NONE, -1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *found = ep_text_find_control (cases[i].text, cases[i].allow);

      g_test_message ("case %u", i);
      if (cases[i].at < 0)
        g_assert_null (found);
      else
        g_assert_true (found == cases[i].text + cases[i].at);
    }
}

static void
test_single_line_and_header_value (void)
{
  static const struct {
    const char *text;
    gboolean    single_line;
    gboolean    header_value;
  } cases[] = {
    { "", TRUE, TRUE },
    { "Work account", TRUE, TRUE },
    { "Überweisung – März", TRUE, TRUE },
    { "with\ttab", FALSE, TRUE },
    { "with\nnewline", FALSE, FALSE },
    { "with\rreturn", FALSE, FALSE },
    { "with\x7f" "del", FALSE, FALSE },
    { "with \xc2\x80 C1", FALSE, FALSE },
    { "bad \xff UTF-8", FALSE, FALSE },
    { "overlong \xc0\xaf", FALSE, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("case %u", i);
      g_assert_cmpint (ep_text_is_single_line (cases[i].text), ==, cases[i].single_line);
      g_assert_cmpint (ep_text_is_header_value (cases[i].text), ==, cases[i].header_value);
    }
}

static void
test_make_printable (void)
{
  static const OctetsCase cases[] = {
    { "", 0, "" },
    { "250 OK", 6, "250 OK" },
    { "a\0b", 3, "a?b" },
    { "bell\a tab\t cr\r del\x7f", 19, "bell? tab? cr? del?" },
    { "Gr\xc3\xbc\xc3\x9f" "e", 7, "Grüße" },
    { "bad \xff end", 9, "bad \xef\xbf\xbd end" },
    { "c1 \xc2\x9b kept", 10, "c1 \xc2\x9b kept" },   /* octet rule: C1 is UTF-8, not a control octet */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = ep_text_make_printable (cases[i].in, cases[i].len);

      g_assert_cmpstr (out, ==, cases[i].out);
      g_assert_true (g_utf8_validate (out, -1, NULL));
      g_assert_false (ep_text_has_control (out, -1));
    }
}

static void
test_append_escaped (void)
{
  static const OctetsCase cases[] = {
    { "", 0, "" },
    { "MAIL FROM:<a@b>", 15, "MAIL FROM:<a@b>" },
    { "AUTH\tPLAIN", 10, "AUTH\\x09PLAIN" },
    { "a\0b", 3, "a\\x00b" },
    { "end\r\nS: 250 fake", 16, "end\\x0D\\x0AS: 250 fake" },
    { "del\x7f", 4, "del\\x7F" },
    { "Gr\xc3\xbc\xc3\x9f" "e", 7, "Grüße" },
    /* One stray octet: every octet from 0x80 up is shown as such. */
    { "Gr\xc3\xbc\xff", 5, "Gr\\xC3\\xBC\\xFF" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GString) out = g_string_new ("C: ");

      ep_text_append_escaped (out, cases[i].in, cases[i].len);
      g_assert_cmpstr (out->str + 3, ==, cases[i].out);
      g_assert_false (ep_text_has_control (out->str, (gssize) out->len));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/text/octet-is-control", test_octet_is_control);
  g_test_add_func ("/text/octet-predicates", test_octet_predicates);
  g_test_add_func ("/text/octet-lengths", test_octet_lengths);
  g_test_add_func ("/text/unichar-is-control", test_unichar_is_control);
  g_test_add_func ("/text/find-control", test_find_control);
  g_test_add_func ("/text/single-line-and-header-value", test_single_line_and_header_value);
  g_test_add_func ("/text/make-printable", test_make_printable);
  g_test_add_func ("/text/append-escaped", test_append_escaped);

  return g_test_run ();
}
