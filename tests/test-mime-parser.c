/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-mime-parser.c: reading messages back: headers, RFC 2047/2231, multipart, transfer encodings,
 * and hostile structure staying bounded. */
#include "config.h"

#include <string.h>

#include "ep-mime-parser.h"

static EpMimePart *
parse (const char *text)
{
  g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));
  g_autoptr(GError) error = NULL;
  EpMimePart *part = ep_mime_parse (bytes, &error);

  g_assert_no_error (error);
  g_assert_nonnull (part);
  return part;
}

static void
test_headers (void)
{
  g_autoptr(EpMimePart) m = parse ("From: Jane <j@x.org>\r\n"
                                   "Subject: =?UTF-8?B?Q2Fmw6k=?= and\r\n"
                                   " =?UTF-8?Q?na=C3=AFve?=\r\n"
                                   "X-Empty:\r\n"
                                   "\r\n"
                                   "Hello\r\n");
  g_autofree char *subject = ep_mime_part_dup_header_text (m, "subject");
  g_autofree char *text = ep_mime_part_dup_text (m, NULL);

  g_assert_cmpstr (ep_mime_part_get_header (m, "FROM"), ==, "Jane <j@x.org>");
  g_assert_cmpstr (subject, ==, "Café and naïve");
  g_assert_cmpstr (ep_mime_part_get_header (m, "X-Empty"), ==, "");
  g_assert_cmpstr (ep_mime_part_get_content_type (m), ==, "text/plain");
  g_assert_cmpstr (text, ==, "Hello\n");
  g_assert_false (ep_mime_part_is_attachment (m));
}

static void
test_multipart (void)
{
  g_autoptr(EpMimePart) m = parse (
    "Content-Type: multipart/mixed; boundary=\"=_b 1\"\r\n"
    "\r\n"
    "preamble\r\n"
    "--=_b 1\r\n"
    "Content-Type: text/plain; charset=iso-8859-1\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Caf=E9 soft=\r\n"
    "break\r\n"
    "--=_b 1\r\n"
    "Content-Type: image/png; name=\"old.png\"\r\n"
    "Content-Disposition: attachment;\r\n"
    " filename*0*=UTF-8''%E6%97%A5%E6%9C%AC;\r\n"
    " filename*1*=%E8%AA%9E.png;\r\n"
    " filename=\"fallback.png\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "iVBORw0K\r\n"
    "GgA=\r\n"
    "--=_b 1--\r\n"
    "epilogue\r\n");
  g_autoptr(GPtrArray) leaves = ep_mime_part_collect_leaves (m);
  g_autofree char *text = NULL;
  g_autofree char *name = NULL;
  g_autoptr(GBytes) png = NULL;
  static const guint8 expected[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, 0 };

  g_assert_cmpuint (leaves->len, ==, 2);
  text = ep_mime_part_dup_text (leaves->pdata[0], NULL);
  g_assert_cmpstr (text, ==, "Café softbreak");
  g_assert_true (ep_mime_part_is_attachment (leaves->pdata[1]));
  name = ep_mime_part_dup_filename (leaves->pdata[1]);
  g_assert_cmpstr (name, ==, "日本語.png");
  png = ep_mime_part_decode (leaves->pdata[1], NULL);
  g_assert_cmpmem (g_bytes_get_data (png, NULL), g_bytes_get_size (png), expected, sizeof expected);
}

static void
test_filename_fallbacks (void)
{
  g_autoptr(EpMimePart) a = parse ("Content-Type: application/pdf; name==?UTF-8?Q?r=C3=A9sum=C3=A9.pdf?=\r\n\r\nx");
  g_autoptr(EpMimePart) b = parse ("Content-Type: application/pdf\r\n"
                                   "Content-Disposition: attachment; filename=\"../../etc/passwd\"\r\n\r\nx");
  g_autoptr(EpMimePart) c = parse ("Content-Type: text/plain\r\n"
                                   "Content-Disposition: attachment; filename*=iso-8859-1'fr'caf%E9.txt\r\n\r\nx");
  g_autofree char *an = ep_mime_part_dup_filename (a);
  g_autofree char *bn = ep_mime_part_dup_filename (b);
  g_autofree char *cn = ep_mime_part_dup_filename (c);

  g_assert_cmpstr (an, ==, "résumé.pdf");
  g_assert_cmpstr (bn, ==, "passwd");   /* never a path */
  g_assert_cmpstr (cn, ==, "café.txt");
}

static void
test_hostile (void)
{
  g_autoptr(GString) deep = g_string_new (NULL);
  g_autoptr(GString) wide = g_string_new ("Content-Type: multipart/mixed; boundary=b\r\n\r\n");
  g_autoptr(EpMimePart) d = NULL;
  g_autoptr(EpMimePart) w = NULL;
  g_autoptr(GPtrArray) leaves = NULL;
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr(GError) error = NULL;

  /* Nesting far beyond the limit stops at the limit. */
  for (guint i = 0; i < 200; i++)
    g_string_append_printf (deep, "Content-Type: multipart/mixed; boundary=b%u\r\n\r\n--b%u\r\n", i, i);
  d = parse (deep->str);
  g_assert_nonnull (d);

  /* Many parts: bounded. */
  for (guint i = 0; i < 5000; i++)
    g_string_append (wide, "--b\r\n\r\nx\r\n");
  w = parse (wide->str);
  leaves = ep_mime_part_collect_leaves (w);
  g_assert_cmpuint (leaves->len, <, EP_MIME_PARSER_MAX_PARTS);

  /* No header/body separator, no colon, bad base64: no crash, clear results. */
  {
    g_autoptr(EpMimePart) x = parse ("garbage line without colon\r\nContent-Transfer-Encoding: base64");
    g_autoptr(EpMimePart) y = parse ("Content-Transfer-Encoding: base64\r\n\r\n!!!!");
    g_autoptr(GError) e = NULL;
    g_autoptr(GBytes) out = ep_mime_part_decode (y, &e);

    g_assert_nonnull (x);
    g_assert_null (out);
    g_assert_nonnull (e);
  }

  g_assert_null (ep_mime_parse (empty, &error));
  g_assert_nonnull (error);
}

/* Found by fuzz-mime-parser: 8-bit headers and encoded-words of bad UTF-8 came back as they were,
 * and the Sandbox view puts this text into GTK labels, which need valid UTF-8. */
static void
test_invalid_utf8_text (void)
{
  g_autoptr(EpMimePart) m = parse ("Subject: caf\xe9 \xff\r\n"
                                   "From: =?UTF-8?B?/w==?= <a@example.com>\r\n"
                                   "Content-Disposition: attachment; filename=\"r\xe9sum\xe9.pdf\"\r\n"
                                   "\r\nx");
  g_autofree char *subject = ep_mime_part_dup_header_text (m, "Subject");
  g_autofree char *from = ep_mime_part_dup_header_text (m, "From");
  g_autofree char *filename = ep_mime_part_dup_filename (m);

  g_assert_cmpstr (subject, ==, "caf\xef\xbf\xbd \xef\xbf\xbd");
  g_assert_cmpstr (from, ==, "\xef\xbf\xbd <a@example.com>");
  g_assert_cmpstr (filename, ==, "r\xef\xbf\xbdsum\xef\xbf\xbd.pdf");
}

/* Found by fuzz-mime-parser (in a CI run): glibc's iconv takes the charset "u?=tf-8" for UTF-8
 * and passes through bytes that are not UTF-8 (F6 starts no valid sequence); the text went to
 * GTK as it was. Whatever a conversion gives is made valid now. */
static void
test_charset_alias_invalid_utf8 (void)
{
  g_autoptr(EpMimePart) m = parse ("Content-Type: text/plain; charset=u?=tf-8\r\n"
                                   "\r\nok \xf6\x9c\x90\x9f end");
  g_autoptr(GError) error = NULL;
  g_autofree char *text = ep_mime_part_dup_text (m, &error);

  g_assert_no_error (error);
  g_assert_true (g_utf8_validate (text, -1, NULL));
  g_assert_true (g_str_has_prefix (text, "ok "));
  g_assert_true (g_str_has_suffix (text, " end"));
}

/* Found by fuzz-mime-parser: a multipart without its close delimiter (a message cut short) lost
 * its last part, and one without any delimiter had no leaves at all: the text vanished. */
static void
test_unclosed_multipart (void)
{
  g_autoptr(EpMimePart) cut = parse ("Content-Type: multipart/mixed; boundary=b\r\n\r\n"
                                     "--b\r\nContent-Type: text/plain\r\n\r\nfirst\r\n"
                                     "--b\r\nContent-Type: text/plain\r\n\r\nsecond, cut short\r\n");
  g_autoptr(EpMimePart) none = parse ("Content-Type: multipart/mixed; boundary=b\r\n\r\nno delimiter\r\n");
  g_autoptr(GPtrArray) cut_leaves = ep_mime_part_collect_leaves (cut);
  g_autoptr(GPtrArray) none_leaves = ep_mime_part_collect_leaves (none);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autoptr(GBytes) body = NULL;

  g_assert_cmpuint (cut_leaves->len, ==, 2);
  first = ep_mime_part_dup_text (cut_leaves->pdata[0], NULL);
  second = ep_mime_part_dup_text (cut_leaves->pdata[1], NULL);
  g_assert_cmpstr (first, ==, "first");
  g_assert_cmpstr (second, ==, "second, cut short\n");

  g_assert_null (ep_mime_part_get_children (none));
  g_assert_cmpuint (none_leaves->len, ==, 1);
  g_assert_true (none_leaves->pdata[0] == (gpointer) none);
  body = ep_mime_part_decode (none, NULL);
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), "no delimiter\r\n", 14);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mime-parser/headers", test_headers);
  g_test_add_func ("/mime-parser/multipart", test_multipart);
  g_test_add_func ("/mime-parser/filename-fallbacks", test_filename_fallbacks);
  g_test_add_func ("/mime-parser/hostile", test_hostile);
  g_test_add_func ("/mime-parser/invalid-utf8-text", test_invalid_utf8_text);
  g_test_add_func ("/mime-parser/charset-alias-invalid-utf8", test_charset_alias_invalid_utf8);
  g_test_add_func ("/mime-parser/unclosed-multipart", test_unclosed_multipart);
  return g_test_run ();
}
