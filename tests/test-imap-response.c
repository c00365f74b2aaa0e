/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-imap-response.c: the IMAP response parser: each kind of response, literals, quoted
 * strings with escapes, LIST with special-use attributes, and the limits against hostile input. */
#include "config.h"

#include <string.h>

#include "ep-imap-response.h"

static EpImapResponse *
parse_ok (const char *wire)
{
  g_autoptr(GError) error = NULL;
  EpImapResponse *response = ep_imap_response_parse (wire, strlen (wire), &error);

  g_assert_no_error (error);
  g_assert_nonnull (response);
  return response;
}

static void
assert_malformed (const char *wire,
                  gsize       len,
                  const char *what)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EpImapResponse) response = ep_imap_response_parse (wire, len, &error);

  g_assert_null (response);
  g_assert_error (error, EP_IMAP_ERROR, EP_IMAP_ERROR_PROTOCOL);
  if (what != NULL && strstr (error->message, what) == NULL)
    g_error ("“%s” does not mention “%s”", error->message, what);
}

static void
test_tagged (void)
{
  g_autoptr(EpImapResponse) ok = parse_ok ("A3 OK [APPENDUID 38505 3955] APPEND completed\r\n");
  g_autoptr(EpImapResponse) no = parse_ok ("a12 no [OVERQUOTA] Quota exceeded\r\n");
  g_autoptr(EpImapResponse) bad = parse_ok ("A1 BAD\r\n");
  g_autofree char *text = ep_imap_response_dup_display_text (ok);

  g_assert_cmpint (ok->kind, ==, EP_IMAP_RESPONSE_TAGGED);
  g_assert_cmpstr (ok->tag, ==, "A3");
  g_assert_cmpint (ok->status, ==, EP_IMAP_STATUS_OK);
  g_assert_cmpstr (ok->code, ==, "APPENDUID");
  g_assert_cmpstr (ok->code_args, ==, "38505 3955");
  g_assert_cmpstr (ok->text, ==, "APPEND completed");
  g_assert_cmpstr (text, ==, "[APPENDUID 38505 3955] APPEND completed");

  g_assert_cmpint (no->status, ==, EP_IMAP_STATUS_NO);
  g_assert_cmpstr (no->tag, ==, "a12");
  g_assert_cmpstr (no->code, ==, "OVERQUOTA");
  g_assert_null (no->code_args);
  g_assert_cmpint (bad->status, ==, EP_IMAP_STATUS_BAD);
  g_assert_cmpstr (bad->text, ==, "");

  /* Only OK, NO and BAD may be tagged. */
  assert_malformed ("A1 BYE now\r\n", 12, "not OK, NO or BAD");
  assert_malformed ("A1 LIST () \"/\" x\r\n", 18, "not OK, NO or BAD");
}

static void
test_untagged (void)
{
  g_autoptr(EpImapResponse) caps = parse_ok ("* CAPABILITY IMAP4rev1 LITERAL+ AUTH=PLAIN SASL-IR\r\n");
  g_autoptr(EpImapResponse) exists = parse_ok ("* 23 EXISTS\r\n");
  g_autoptr(EpImapResponse) greeting = parse_ok ("* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n");
  g_autoptr(EpImapResponse) bye = parse_ok ("* BYE shutting down\r\n");
  g_autoptr(EpImapResponse) search = parse_ok ("* SEARCH 4 4294967295\r\n");
  g_autoptr(EpImapResponse) cont = parse_ok ("+ dGVzdA==\r\n");
  g_autoptr(EpImapResponse) empty_cont = parse_ok ("+\r\n");
  g_autoptr(EpImapResponse) flags = parse_ok ("* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n");
  guint32 n = 0;

  g_assert_true (ep_imap_response_is (caps, "capability"));
  g_assert_cmpuint (caps->items->len, ==, 5);
  g_assert_cmpstr (ep_imap_item_get_text (ep_imap_response_get_item (caps, 2)), ==, "LITERAL+");

  g_assert_true (ep_imap_item_get_number (ep_imap_response_get_item (exists, 0), &n));
  g_assert_cmpuint (n, ==, 23);
  g_assert_false (ep_imap_item_get_number (ep_imap_response_get_item (exists, 1), NULL));

  g_assert_cmpint (greeting->kind, ==, EP_IMAP_RESPONSE_UNTAGGED);
  g_assert_cmpint (greeting->status, ==, EP_IMAP_STATUS_OK);
  g_assert_cmpstr (greeting->code, ==, "CAPABILITY");
  g_assert_cmpstr (greeting->code_args, ==, "IMAP4rev1 STARTTLS");
  g_assert_cmpint (bye->status, ==, EP_IMAP_STATUS_BYE);

  g_assert_true (ep_imap_item_get_number (ep_imap_response_get_item (search, 2), &n));
  g_assert_cmpuint (n, ==, G_MAXUINT32);

  g_assert_cmpint (cont->kind, ==, EP_IMAP_RESPONSE_CONTINUATION);
  g_assert_cmpstr (cont->text, ==, "dGVzdA==");
  g_assert_cmpstr (empty_cont->text, ==, "");
  g_assert_cmpstr (flags->code_args, ==, "(\\Deleted \\Seen \\*)");

  /* A number past 32 bits is not a number (RFC 3501 §9). */
  {
    g_autoptr(EpImapResponse) big = parse_ok ("* SEARCH 4294967296\r\n");

    g_assert_false (ep_imap_item_get_number (ep_imap_response_get_item (big, 1), NULL));
  }
}

static void
test_list_special_use (void)
{
  g_autoptr(EpImapResponse) list = parse_ok ("* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent \\\"Mail\\\" \\\\ x\"\r\n");
  g_autoptr(EpImapResponse) nil_delim = parse_ok ("* LIST (\\Noselect) NIL \"\"\r\n");
  g_autoptr(EpImapResponse) literal = parse_ok ("* LIST () \".\" {11}\r\nSent\r\nItems\r\n");
  g_autoptr(EpImapResponse) extended = parse_ok ("* LIST (\\Subscribed) \"/\" Sent (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n");
  const EpImapItem *flags = ep_imap_response_get_item (list, 1);
  const EpImapItem *name = ep_imap_response_get_item (list, 3);
  const EpImapItem *lit = ep_imap_response_get_item (literal, 3);

  g_assert_true (ep_imap_response_is (list, "LIST"));
  g_assert_cmpint (flags->kind, ==, EP_IMAP_ITEM_LIST);
  g_assert_cmpuint (flags->children->len, ==, 2);
  g_assert_cmpstr (((EpImapItem *) g_ptr_array_index (flags->children, 1))->text, ==, "\\Sent");
  g_assert_cmpint (name->kind, ==, EP_IMAP_ITEM_STRING);
  g_assert_cmpstr (name->text, ==, "Sent \"Mail\" \\ x");
  g_assert_cmpint (ep_imap_response_get_item (nil_delim, 2)->kind, ==, EP_IMAP_ITEM_NIL);
  g_assert_cmpuint (ep_imap_response_get_item (nil_delim, 3)->len, ==, 0);
  /* A literal holds anything but NUL, line breaks included. */
  g_assert_cmpint (lit->kind, ==, EP_IMAP_ITEM_STRING);
  g_assert_cmpuint (lit->len, ==, 11);
  g_assert_cmpstr (lit->text, ==, "Sent\r\nItems");
  g_assert_cmpuint (extended->items->len, ==, 5);
}

static void
test_malformed (void)
{
  assert_malformed ("* LIST (\\Sent \"/\" Sent\r\n", 24, NULL);
  assert_malformed ("* LIST () \"/\" \"Sent\r\n", 21, "unterminated quoted");
  assert_malformed ("* LIST () \"/\" \"S\\ent\"\r\n", 23, "escape");
  assert_malformed ("* LIST ()  \"/\" Sent\r\n", 21, NULL);
  assert_malformed ("* OK bare LF\n", 13, "CRLF");
  assert_malformed ("* OK bare\rCR\r\n", 14, "CR");
  assert_malformed ("* OK a\0b\r\n", 10, "control");
  assert_malformed ("* OK \x1b[31m\r\n", 11, "control");
  assert_malformed ("* LIST () \"/\" {3}\r\na\0b\r\n", 24, "NUL");
  assert_malformed ("A1 OK {5}\r\nhello\r\n", 18, "literal");
  assert_malformed ("* OK [ALERT\r\n", 13, "response code");
  assert_malformed ("* LIST () \"/\" {12345678901}\r\n", 29, "literal size");
  assert_malformed ("\r\n", 2, NULL);
  assert_malformed ("A1OK\r\n", 6, NULL);
  assert_malformed ("+x\r\n", 4, "continuation");
}

static void
test_limits (void)
{
  g_autoptr(GString) wire = g_string_new (NULL);
  g_autofree char *literal = NULL;

  /* A line of exactly EP_IMAP_LINE_MAX octets passes, one more does not. */
  g_string_append (wire, "* OK ");
  while (wire->len < EP_IMAP_LINE_MAX - 2)
    g_string_append_c (wire, 'x');
  g_string_append (wire, "\r\n");
  {
    g_autoptr(EpImapResponse) response = parse_ok (wire->str);

    g_assert_cmpuint (strlen (response->text), ==, EP_IMAP_LINE_MAX - 7);
  }
  g_string_insert_c (wire, 5, 'x');
  assert_malformed (wire->str, wire->len, "line too long");

  /* A literal of EP_IMAP_LITERAL_MAX passes; one octet more is refused at its announcement,
   * before any of it is read. */
  literal = g_strdup_printf ("* LIST () \"/\" {%d}\r\n", EP_IMAP_LITERAL_MAX + 1);
  assert_malformed (literal, strlen (literal), "literal too long");
  g_string_printf (wire, "* LIST () \"/\" {%d}\r\n", EP_IMAP_LITERAL_MAX);
  for (guint i = 0; i < EP_IMAP_LITERAL_MAX; i++)
    g_string_append_c (wire, 'a');
  g_string_append (wire, "\r\n");
  {
    g_autoptr(EpImapResponse) response = parse_ok (wire->str);

    g_assert_cmpuint (ep_imap_response_get_item (response, 3)->len, ==, EP_IMAP_LITERAL_MAX);
  }

  /* Too many literals in one response. */
  g_string_assign (wire, "* X");
  for (guint i = 0; i <= EP_IMAP_LITERALS_MAX; i++)
    g_string_append (wire, " {1}\r\na");
  g_string_append (wire, "\r\n");
  assert_malformed (wire->str, wire->len, "too many literals");

  /* Nesting: EP_IMAP_NESTING_MAX lists deep pass, one more does not. */
  g_string_assign (wire, "* X ");
  for (guint i = 0; i < EP_IMAP_NESTING_MAX; i++)
    g_string_append_c (wire, '(');
  for (guint i = 0; i < EP_IMAP_NESTING_MAX; i++)
    g_string_append_c (wire, ')');
  g_string_append (wire, "\r\n");
  g_clear_pointer (&literal, g_free);
  {
    g_autoptr(EpImapResponse) response = parse_ok (wire->str);

    g_assert_nonnull (response);
  }
  g_string_insert (wire, 4, "(");
  g_string_insert (wire, wire->len - 2, ")");
  assert_malformed (wire->str, wire->len, "nested too deeply");

  /* Items: EP_IMAP_ITEMS_MAX pass, one more does not (spread over lines by literals, since
   * that many do not fit in one line). */
  g_string_assign (wire, "* X");
  for (guint i = 1; i < EP_IMAP_ITEMS_MAX; i++)
    g_string_append (wire, i % 2000 == 0 ? " {1}\r\na" : " 1");
  g_string_append (wire, "\r\n");
  {
    g_autoptr(EpImapResponse) response = parse_ok (wire->str);

    g_assert_cmpuint (response->items->len, ==, EP_IMAP_ITEMS_MAX);
  }
  g_string_insert (wire, wire->len - 2, " 1");
  assert_malformed (wire->str, wire->len, "too many items");
}

/* Fed one octet at a time, the parser stops at the end of each response and finds the same. */
static void
test_incremental (void)
{
  const char *wire = "* LIST () \"/\" {4}\r\nSent\r\nA1 OK done\r\n* BYE\r\n";
  g_autoptr(EpImapParser) parser = ep_imap_parser_new ();
  g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_imap_response_free);
  gsize len = strlen (wire);
  gboolean saw_literal = FALSE;

  for (gsize i = 0; i < len; i++)
    {
      g_autoptr(GError) error = NULL;
      gsize consumed = 0;
      EpImapParserStatus status = ep_imap_parser_feed (parser, wire + i, 1, &consumed, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (consumed, ==, 1);
      saw_literal |= ep_imap_parser_in_literal (parser);
      if (status == EP_IMAP_PARSER_COMPLETE)
        {
          g_auto(GStrv) lines = ep_imap_parser_dup_lines (parser);

          if (got->len == 0)
            {
              /* The transcript's lines: the literal's octets are not among them. */
              g_assert_cmpuint (g_strv_length (lines), ==, 2);
              g_assert_cmpstr (lines[0], ==, "* LIST () \"/\" {4}");
              g_assert_cmpstr (lines[1], ==, "");
            }
          g_ptr_array_add (got, ep_imap_parser_take_response (parser));
        }
    }
  g_assert_true (saw_literal);
  g_assert_cmpuint (got->len, ==, 3);
  g_assert_cmpstr (ep_imap_item_get_text (ep_imap_response_get_item (g_ptr_array_index (got, 0), 3)), ==, "Sent");
  g_assert_cmpstr (((EpImapResponse *) g_ptr_array_index (got, 1))->tag, ==, "A1");

  /* Fed at once, it stops after the first response. */
  {
    g_autoptr(EpImapParser) whole = ep_imap_parser_new ();
    g_autoptr(EpImapResponse) first = NULL;
    gsize consumed = 0;

    g_assert_cmpint (ep_imap_parser_feed (whole, wire, len, &consumed, NULL), ==, EP_IMAP_PARSER_COMPLETE);
    g_assert_cmpuint (consumed, ==, strlen ("* LIST () \"/\" {4}\r\nSent\r\n"));
    first = ep_imap_parser_take_response (whole);
    g_assert_nonnull (first);
  }
}

/* A NUL in a literal is an error at the NUL itself, however the bytes arrive: the parser's
 * outcome must not depend on how the network cut them. */
static void
test_nul_in_literal_position (void)
{
  const char wire[] = "* LIST () \"/\" {5}\r\nab\0cd\r\n";
  gsize nul = strlen ("* LIST () \"/\" {5}\r\nab");

  for (gsize chunk = 1; chunk <= sizeof wire - 1; chunk++)
    {
      g_autoptr(EpImapParser) parser = ep_imap_parser_new ();
      gsize pos = 0;

      for (;;)
        {
          g_autoptr(GError) error = NULL;
          gsize consumed = 0;
          gsize n = MIN (chunk, sizeof wire - 1 - pos);
          EpImapParserStatus status = ep_imap_parser_feed (parser, wire + pos, n, &consumed, &error);

          pos += consumed;
          if (status == EP_IMAP_PARSER_ERROR)
            {
              g_assert_error (error, EP_IMAP_ERROR, EP_IMAP_ERROR_PROTOCOL);
              g_assert_cmpuint (pos, ==, nul + 1);
              break;
            }
          g_assert_cmpint (status, ==, EP_IMAP_PARSER_NEED_MORE);
          g_assert_cmpuint (pos, <, sizeof wire - 1);
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/imap-response/tagged", test_tagged);
  g_test_add_func ("/imap-response/untagged", test_untagged);
  g_test_add_func ("/imap-response/list-special-use", test_list_special_use);
  g_test_add_func ("/imap-response/malformed", test_malformed);
  g_test_add_func ("/imap-response/limits", test_limits);
  g_test_add_func ("/imap-response/incremental", test_incremental);
  g_test_add_func ("/imap-response/nul-in-literal-position", test_nul_in_literal_position);

  return g_test_run ();
}
