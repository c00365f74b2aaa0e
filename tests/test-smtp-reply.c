/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-smtp-reply.c: the SMTP reply parser (multiline, malformed input, limits, enhanced codes) and
 * the EHLO capability parser. */
#include "config.h"

#include <string.h>

#include "ep-smtp-capabilities.h"
#include "ep-smtp-reply.h"

static EpSmtpReply *
parse_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  EpSmtpReply *reply = ep_smtp_reply_parse (text, -1, &error);

  g_assert_no_error (error);
  g_assert_nonnull (reply);
  return reply;
}

static void
assert_malformed (const char *text,
                  gssize      len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EpSmtpReply) reply = ep_smtp_reply_parse (text, len, &error);

  g_assert_null (reply);
  g_assert_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_PROTOCOL);
}

static void
test_single_line (void)
{
  g_autoptr(EpSmtpReply) reply = parse_ok ("250 OK\r\n");
  g_autofree char *text = ep_smtp_reply_dup_text (reply, " ");

  g_assert_cmpuint (reply->code, ==, 250);
  g_assert_cmpuint (ep_smtp_reply_class (reply), ==, 2);
  g_assert_null (reply->enhanced);
  g_assert_cmpuint (g_strv_length (reply->lines), ==, 1);
  g_assert_cmpstr (text, ==, "OK");
}

static void
test_code_only (void)
{
  g_autoptr(EpSmtpReply) reply = parse_ok ("354\r\n");
  g_autofree char *str = ep_smtp_reply_to_string (reply);

  g_assert_cmpuint (reply->code, ==, 354);
  g_assert_cmpstr (reply->lines[0], ==, "");
  g_assert_cmpstr (str, ==, "354");
}

static void
test_multiline (void)
{
  g_autoptr(EpSmtpReply) reply = parse_ok ("220-mx.example.org ESMTP\r\n220-second line\r\n220 last\r\n");
  g_autofree char *text = ep_smtp_reply_dup_text (reply, "|");

  g_assert_cmpuint (reply->code, ==, 220);
  g_assert_cmpuint (g_strv_length (reply->lines), ==, 3);
  g_assert_cmpstr (text, ==, "mx.example.org ESMTP|second line|last");
}

static void
test_bare_lf (void)
{
  /* Lenient on input line endings: LF alone ends a line too. */
  g_autoptr(EpSmtpReply) reply = parse_ok ("250-a\n250 b\n");

  g_assert_cmpuint (g_strv_length (reply->lines), ==, 2);
  g_assert_cmpstr (reply->lines[1], ==, "b");
}

static void
test_incremental (void)
{
  const char *wire = "250-first\r\n250-second\r\n250 third\r\n221 next reply";
  gsize reply_len = strlen ("250-first\r\n250-second\r\n250 third\r\n");
  g_autoptr(EpSmtpReplyParser) parser = ep_smtp_reply_parser_new ();
  g_autoptr(EpSmtpReply) reply = NULL;
  gsize pos = 0;

  /* One octet at a time: the reply completes exactly at its last LF. */
  while (pos < strlen (wire))
    {
      g_autoptr(GError) error = NULL;
      gsize consumed = 0;
      EpSmtpReplyParserStatus status = ep_smtp_reply_parser_feed (parser, wire + pos, 1, &consumed, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (consumed, ==, 1);
      pos++;
      if (status == EP_SMTP_REPLY_PARSER_COMPLETE)
        break;
      g_assert_cmpint (status, ==, EP_SMTP_REPLY_PARSER_NEED_MORE);
    }

  g_assert_cmpuint (pos, ==, reply_len);
  reply = ep_smtp_reply_parser_take_reply (parser);
  g_assert_cmpuint (reply->code, ==, 250);
  g_assert_cmpstr (reply->lines[2], ==, "third");
}

static void
test_leaves_trailing_bytes (void)
{
  const char *wire = "220 go ahead\r\n250 injected\r\n";
  g_autoptr(EpSmtpReplyParser) parser = ep_smtp_reply_parser_new ();
  g_autoptr(EpSmtpReply) reply = NULL;
  g_autoptr(GError) error = NULL;
  gsize consumed = 0;

  g_assert_cmpint (ep_smtp_reply_parser_feed (parser, wire, strlen (wire), &consumed, &error), ==,
                   EP_SMTP_REPLY_PARSER_COMPLETE);
  g_assert_no_error (error);
  g_assert_cmpuint (consumed, ==, strlen ("220 go ahead\r\n"));
  reply = ep_smtp_reply_parser_take_reply (parser);
  g_assert_cmpuint (reply->code, ==, 220);

  /* And the whole-text convenience refuses the extra reply. */
  assert_malformed (wire, -1);
}

static void
test_malformed (void)
{
  assert_malformed ("25 OK\r\n", -1);
  assert_malformed ("OK\r\n", -1);
  assert_malformed ("\r\n", -1);
  assert_malformed ("250xOK\r\n", -1);
  assert_malformed ("2500 OK\r\n", -1);
  assert_malformed ("600 OK\r\n", -1);
  assert_malformed ("199 OK\r\n", -1);
  assert_malformed ("260 OK\r\n", -1);
  assert_malformed ("25a OK\r\n", -1);
  assert_malformed (" 250 OK\r\n", -1);
  /* The lines of one reply must agree on the code (RFC 5321 §4.2.1). */
  assert_malformed ("250-a\r\n251 b\r\n", -1);
  assert_malformed ("250-a\r\n550 b\r\n", -1);
  /* Incomplete: no final line. */
  assert_malformed ("250-a\r\n250-b\r\n", -1);
  assert_malformed ("250 no newline", -1);
}

static void
test_sanitized (void)
{
  /* Escape sequences and NUL from a hostile server never reach a terminal. */
  static const char wire[] = "550 bad\x1b[31mred\x00x\rz\r\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(EpSmtpReply) reply = ep_smtp_reply_parse (wire, sizeof wire - 1, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (reply->lines[0], ==, "bad?[31mred?x?z");
}

static void
test_invalid_utf8 (void)
{
  g_autoptr(EpSmtpReply) reply = parse_ok ("250 caf\xe9\r\n");

  g_assert_true (g_utf8_validate (reply->lines[0], -1, NULL));
  g_assert_true (g_str_has_prefix (reply->lines[0], "caf"));
}

static void
test_line_limit (void)
{
  g_autoptr(GString) line = g_string_new ("250 ");
  g_autoptr(EpSmtpReply) reply = NULL;
  g_autoptr(EpSmtpReplyParser) parser = ep_smtp_reply_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *endless = NULL;
  gsize consumed = 0;

  /* Exactly the limit, CRLF included: accepted. */
  while (line->len < EP_SMTP_REPLY_LINE_MAX - 2)
    g_string_append_c (line, 'x');
  g_string_append (line, "\r\n");
  g_assert_cmpuint (line->len, ==, EP_SMTP_REPLY_LINE_MAX);
  reply = parse_ok (line->str);
  g_assert_cmpuint (strlen (reply->lines[0]), ==, EP_SMTP_REPLY_LINE_MAX - 6);

  /* One more octet: refused. */
  g_string_insert_c (line, 5, 'y');
  assert_malformed (line->str, -1);

  /* A line without end is refused as soon as it passes the limit, before any LF arrives. */
  endless = g_strnfill (EP_SMTP_REPLY_LINE_MAX + 1, 'z');
  memcpy (endless, "250 ", 4);
  g_assert_cmpint (ep_smtp_reply_parser_feed (parser, endless, EP_SMTP_REPLY_LINE_MAX, &consumed, &error),
                   ==, EP_SMTP_REPLY_PARSER_NEED_MORE);
  g_assert_no_error (error);
  g_assert_cmpint (ep_smtp_reply_parser_feed (parser, endless, 1, &consumed, &error),
                   ==, EP_SMTP_REPLY_PARSER_ERROR);
  g_assert_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_PROTOCOL);
}

static void
test_lines_limit (void)
{
  g_autoptr(GString) wire = g_string_new (NULL);
  g_autoptr(EpSmtpReply) reply = NULL;

  for (guint i = 0; i < EP_SMTP_REPLY_MAX_LINES - 1; i++)
    g_string_append (wire, "250-x\r\n");
  g_string_append (wire, "250 end\r\n");
  reply = parse_ok (wire->str);
  g_assert_cmpuint (g_strv_length (reply->lines), ==, EP_SMTP_REPLY_MAX_LINES);

  g_string_prepend (wire, "250-one too many\r\n");
  assert_malformed (wire->str, -1);
}

static void
test_total_limit (void)
{
  g_autoptr(GString) wire = g_string_new (NULL);
  g_autofree char *filler = g_strnfill (1000, 'a');

  /* 70 lines of ~1 KiB: within the line limits, beyond the total. */
  for (guint i = 0; i < 70; i++)
    g_string_append_printf (wire, "250-%s\r\n", filler);
  g_string_append (wire, "250 end\r\n");
  g_assert_cmpuint (wire->len, >, EP_SMTP_REPLY_MAX_BYTES);
  assert_malformed (wire->str, -1);
}

static void
test_enhanced (void)
{
  g_autoptr(EpSmtpReply) reply = parse_ok ("550 5.1.1 <x@y>: no such user\r\n");
  g_autoptr(EpSmtpReply) multi = parse_ok ("451-4.3.0 try\r\n451 4.3.0 later\r\n");
  g_autoptr(EpSmtpReply) wrong_class = parse_ok ("550 2.1.1 odd\r\n");
  g_autoptr(EpSmtpReply) too_long = parse_ok ("550 5.1.1234 odd\r\n");
  g_autoptr(EpSmtpReply) glued = parse_ok ("550 5.1.1x odd\r\n");
  g_autoptr(EpSmtpReply) alone = parse_ok ("250 2.0.0\r\n");
  g_autofree char *text = ep_smtp_reply_dup_text (reply, " ");
  g_autofree char *str = ep_smtp_reply_to_string (reply);
  g_autofree char *multi_text = ep_smtp_reply_dup_text (multi, " ");
  g_autofree char *multi_str = ep_smtp_reply_to_string (multi);
  g_autofree char *alone_str = ep_smtp_reply_to_string (alone);
  g_autofree char *wrong_str = ep_smtp_reply_to_string (wrong_class);

  g_assert_cmpstr (reply->enhanced, ==, "5.1.1");
  g_assert_cmpstr (text, ==, "<x@y>: no such user");
  g_assert_cmpstr (str, ==, "550 5.1.1 <x@y>: no such user");
  g_assert_cmpstr (multi->enhanced, ==, "4.3.0");
  g_assert_cmpstr (multi_text, ==, "try later");
  g_assert_cmpstr (multi_str, ==, "451 4.3.0 try later");
  g_assert_null (wrong_class->enhanced);
  g_assert_cmpstr (wrong_str, ==, "550 2.1.1 odd");
  g_assert_null (too_long->enhanced);
  g_assert_null (glued->enhanced);
  g_assert_cmpstr (alone->enhanced, ==, "2.0.0");
  g_assert_cmpstr (alone_str, ==, "250 2.0.0");
}

static void
test_parser_reuse (void)
{
  g_autoptr(EpSmtpReplyParser) parser = ep_smtp_reply_parser_new ();
  const char *wire = "250-a\r\n250 b\r\n354 go\r\n";
  gsize consumed = 0, pos = 0;
  g_autoptr(EpSmtpReply) first = NULL;
  g_autoptr(EpSmtpReply) second = NULL;

  g_assert_cmpint (ep_smtp_reply_parser_feed (parser, wire, strlen (wire), &consumed, NULL), ==,
                   EP_SMTP_REPLY_PARSER_COMPLETE);
  first = ep_smtp_reply_parser_take_reply (parser);
  pos += consumed;
  g_assert_cmpint (ep_smtp_reply_parser_feed (parser, wire + pos, strlen (wire) - pos, &consumed, NULL), ==,
                   EP_SMTP_REPLY_PARSER_COMPLETE);
  second = ep_smtp_reply_parser_take_reply (parser);
  g_assert_cmpuint (first->code, ==, 250);
  g_assert_cmpuint (g_strv_length (first->lines), ==, 2);
  g_assert_cmpuint (second->code, ==, 354);
  g_assert_cmpuint (g_strv_length (second->lines), ==, 1);
}

/* ---- capabilities ---- */

static EpSmtpCapabilities *
caps_for (const char *wire)
{
  g_autoptr(EpSmtpReply) reply = parse_ok (wire);

  return ep_smtp_capabilities_new_from_ehlo (reply);
}

static void
test_capabilities (void)
{
  g_autoptr(EpSmtpCapabilities) caps = caps_for (
    "250-mail.example.org Hello [127.0.0.1]\r\n"
    "250-PIPELINING\r\n"
    "250-SIZE 10240000\r\n"
    "250-etrn\r\n"
    "250-starttls\r\n"
    "250-AUTH PLAIN login SCRAM-SHA-256 PLAIN\r\n"
    "250-ENHANCEDSTATUSCODES\r\n"
    "250-8BITMIME\r\n"
    "250-DSN\r\n"
    "250-SMTPUTF8\r\n"
    "250 CHUNKING\r\n");
  g_autofree char *str = ep_smtp_capabilities_to_string (caps);

  g_assert_true (caps->esmtp);
  g_assert_cmpstr (caps->domain, ==, "mail.example.org");
  g_assert_true (ep_smtp_capabilities_has (caps, EP_SMTP_CAP_PIPELINING));
  g_assert_true (ep_smtp_capabilities_has (caps, EP_SMTP_CAP_STARTTLS));
  g_assert_true (ep_smtp_capabilities_has (caps, EP_SMTP_CAP_SIZE));
  g_assert_true (ep_smtp_capabilities_has (caps, EP_SMTP_CAP_CHUNKING));
  g_assert_true (ep_smtp_capabilities_has (caps, EP_SMTP_CAP_8BITMIME));
  g_assert_true (ep_smtp_capabilities_has (caps, EP_SMTP_CAP_SMTPUTF8));
  g_assert_true (ep_smtp_capabilities_has (caps, EP_SMTP_CAP_ENHANCEDSTATUSCODES));
  g_assert_true (ep_smtp_capabilities_has (caps, EP_SMTP_CAP_DSN));
  g_assert_cmpuint (caps->size_max, ==, 10240000);
  g_assert_cmpuint (g_strv_length (caps->auth_mechs), ==, 3);
  g_assert_cmpstr (caps->auth_mechs[1], ==, "LOGIN");
  g_assert_true (ep_smtp_capabilities_has_auth (caps, EP_SMTP_AUTH_PLAIN));
  g_assert_true (ep_smtp_capabilities_has_auth (caps, EP_SMTP_AUTH_LOGIN));
  g_assert_true (ep_smtp_capabilities_has_auth (caps, EP_SMTP_AUTH_SCRAM_SHA_256));
  g_assert_false (ep_smtp_capabilities_has_auth (caps, EP_SMTP_AUTH_SCRAM_SHA_1));
  g_assert_false (ep_smtp_capabilities_has_auth (caps, EP_SMTP_AUTH_AUTO));
  g_assert_cmpstr (str, ==, "STARTTLS AUTH=PLAIN,LOGIN,SCRAM-SHA-256 SIZE=10240000 PIPELINING CHUNKING "
                            "8BITMIME SMTPUTF8 ENHANCEDSTATUSCODES DSN");
}

/* RFC 4865 FUTURERELEASE: its interval and latest date; missing or malformed ones are 0 (no
 * limit announced), the keyword still counts. */
static void
test_capabilities_future_release (void)
{
  g_autoptr(EpSmtpCapabilities) both = caps_for ("250-mx.example\r\n"
                                                 "250 FUTURERELEASE 604800 2030-01-02T03:04:05Z\r\n");
  g_autoptr(EpSmtpCapabilities) bare = caps_for ("250-mx.example\r\n"
                                                 "250 futurerelease\r\n");
  g_autoptr(EpSmtpCapabilities) bad = caps_for ("250-mx.example\r\n"
                                                "250 FUTURERELEASE soon tomorrow\r\n");
  g_autoptr(EpSmtpCapabilities) copy = NULL;
  g_autoptr(GDateTime) latest = g_date_time_new_utc (2030, 1, 2, 3, 4, 5);

  g_assert_true (ep_smtp_capabilities_has (both, EP_SMTP_CAP_FUTURERELEASE));
  g_assert_cmpuint (both->future_release_max_interval, ==, 604800);
  g_assert_cmpint (both->future_release_max_date, ==, g_date_time_to_unix (latest));
  copy = ep_smtp_capabilities_copy (both);
  g_assert_cmpuint (copy->future_release_max_interval, ==, 604800);
  g_assert_true (ep_smtp_capabilities_has (bare, EP_SMTP_CAP_FUTURERELEASE));
  g_assert_cmpuint (bare->future_release_max_interval, ==, 0);
  g_assert_cmpint (bare->future_release_max_date, ==, 0);
  g_assert_true (ep_smtp_capabilities_has (bad, EP_SMTP_CAP_FUTURERELEASE));
  g_assert_cmpuint (bad->future_release_max_interval, ==, 0);
  g_assert_cmpint (bad->future_release_max_date, ==, 0);
}

static void
test_capabilities_minimal (void)
{
  g_autoptr(EpSmtpCapabilities) caps = caps_for ("250 only.example\r\n");
  g_autoptr(EpSmtpCapabilities) empty = ep_smtp_capabilities_new ();

  g_assert_cmpuint (caps->flags, ==, EP_SMTP_CAP_NONE);
  g_assert_cmpstr (caps->domain, ==, "only.example");
  g_assert_nonnull (caps->auth_mechs);
  g_assert_null (caps->auth_mechs[0]);
  g_assert_false (ep_smtp_capabilities_has_auth (caps, EP_SMTP_AUTH_PLAIN));
  g_assert_false (empty->esmtp);
}

static void
test_capabilities_odd (void)
{
  /* The greeting line is never a keyword; legacy AUTH=; SIZE without or with a bad number;
   * a keyword that only starts like a known one. */
  g_autoptr(EpSmtpCapabilities) caps = caps_for (
    "250-STARTTLS is not a keyword on the first line\r\n"
    "250-AUTH=LOGIN CRAM-MD5\r\n"
    "250-SIZE\r\n"
    "250-PIPELININGX\r\n"
    "250 X-EXTENSION\r\n");
  g_autoptr(EpSmtpCapabilities) bad_size = caps_for ("250-x\r\n250 SIZE 12abc\r\n");
  g_autoptr(EpSmtpCapabilities) huge_size = caps_for ("250-x\r\n250 SIZE 999999999999999999999999\r\n");

  g_assert_false (ep_smtp_capabilities_has (caps, EP_SMTP_CAP_STARTTLS));
  g_assert_false (ep_smtp_capabilities_has (caps, EP_SMTP_CAP_PIPELINING));
  g_assert_true (ep_smtp_capabilities_has (caps, EP_SMTP_CAP_AUTH));
  g_assert_true (ep_smtp_capabilities_has_auth (caps, EP_SMTP_AUTH_LOGIN));
  g_assert_true (ep_smtp_capabilities_has_auth (caps, EP_SMTP_AUTH_CRAM_MD5));
  g_assert_true (ep_smtp_capabilities_has (caps, EP_SMTP_CAP_SIZE));
  g_assert_cmpuint (caps->size_max, ==, 0);
  g_assert_true (ep_smtp_capabilities_has (bad_size, EP_SMTP_CAP_SIZE));
  g_assert_cmpuint (bad_size->size_max, ==, 0);
  g_assert_cmpuint (huge_size->size_max, ==, 0);
}

static void
test_capabilities_copy (void)
{
  g_autoptr(EpSmtpCapabilities) caps = caps_for ("250-x\r\n250 AUTH PLAIN\r\n");
  g_autoptr(EpSmtpCapabilities) copy = ep_smtp_capabilities_copy (caps);

  g_assert_cmpuint (copy->flags, ==, caps->flags);
  g_assert_true (copy->auth_mechs != caps->auth_mechs);
  g_assert_cmpstr (copy->auth_mechs[0], ==, "PLAIN");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/smtp/reply/single-line", test_single_line);
  g_test_add_func ("/smtp/reply/code-only", test_code_only);
  g_test_add_func ("/smtp/reply/multiline", test_multiline);
  g_test_add_func ("/smtp/reply/bare-lf", test_bare_lf);
  g_test_add_func ("/smtp/reply/incremental", test_incremental);
  g_test_add_func ("/smtp/reply/trailing-bytes", test_leaves_trailing_bytes);
  g_test_add_func ("/smtp/reply/malformed", test_malformed);
  g_test_add_func ("/smtp/reply/sanitized", test_sanitized);
  g_test_add_func ("/smtp/reply/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/smtp/reply/limit/line", test_line_limit);
  g_test_add_func ("/smtp/reply/limit/lines", test_lines_limit);
  g_test_add_func ("/smtp/reply/limit/total", test_total_limit);
  g_test_add_func ("/smtp/reply/enhanced", test_enhanced);
  g_test_add_func ("/smtp/reply/parser-reuse", test_parser_reuse);
  g_test_add_func ("/smtp/capabilities/full", test_capabilities);
  g_test_add_func ("/smtp/capabilities/future-release", test_capabilities_future_release);
  g_test_add_func ("/smtp/capabilities/minimal", test_capabilities_minimal);
  g_test_add_func ("/smtp/capabilities/odd", test_capabilities_odd);
  g_test_add_func ("/smtp/capabilities/copy", test_capabilities_copy);

  return g_test_run ();
}
