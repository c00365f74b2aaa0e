/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-mailto.c: RFC 6068 parsing, and what a hostile link must not achieve. */
#include "config.h"

#include "ep-mailto.h"

static void
test_simple (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EpMailto) m = ep_mailto_parse ("mailto:jane@example.com", &error);

  g_assert_no_error (error);
  g_assert_cmpuint (m->to->len, ==, 1);
  g_assert_cmpstr (m->to->pdata[0], ==, "jane@example.com");
  g_assert_null (m->subject);
  g_assert_null (m->body);
  g_assert_cmpuint (m->attachments->len, ==, 0);
}

static void
test_fields (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EpMailto) m = ep_mailto_parse (
    "MAILTO:a@x.org,%20b@y.org?cc=c@z.org&BCC=d@z.org,e@z.org&subject=Caf%C3%A9%20%26%20more"
    "&body=line%201%0D%0Aline%202&to=f@x.org&x-unknown=1", &error);

  g_assert_no_error (error);
  g_assert_cmpuint (m->to->len, ==, 3);
  g_assert_cmpstr (m->to->pdata[1], ==, "b@y.org");
  g_assert_cmpstr (m->to->pdata[2], ==, "f@x.org");
  g_assert_cmpuint (m->cc->len, ==, 1);
  g_assert_cmpuint (m->bcc->len, ==, 2);
  g_assert_cmpstr (m->subject, ==, "Café & more");
  g_assert_cmpstr (m->body, ==, "line 1\r\nline 2");
}

static void
test_attachments (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EpMailto) m = ep_mailto_parse (
    "mailto:a@x.org?attach=/tmp/report.pdf&attachment=file:///tmp/My%20Photo.png", &error);
  g_autofree char *p0 = NULL, *p1 = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (m->attachments->len, ==, 2);
  p0 = g_file_get_path (m->attachments->pdata[0]);
  p1 = g_file_get_path (m->attachments->pdata[1]);
  g_assert_cmpstr (p0, ==, "/tmp/report.pdf");
  g_assert_cmpstr (p1, ==, "/tmp/My Photo.png");
}

static void
test_xdg_email_form (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EpMailto) m = ep_mailto_parse ("mailto://a@x.org?subject=hi", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (m->to->pdata[0], ==, "a@x.org");
  g_assert_cmpstr (m->subject, ==, "hi");
}

static void
test_refused (void)
{
  const char *bad[] = {
    "http://example.com",                                    /* not mailto */
    "mailto:a@x.org?subject=hi%0D%0ABcc:%20evil@x.org",      /* header injection */
    "mailto:a@x.org?subject=hi%0Aevil",
    "mailto:a@x.org%0D%0ABcc:evil@x.org",                    /* injection in the address */
    "mailto:a@x.org?subject=a%00b",                          /* NUL */
    "mailto:a@x.org?subject=%FF%FE",                         /* not UTF-8 */
    "mailto:a@x.org?subject=%G1",                            /* bad escape */
    "mailto:a@x.org?attach=https://evil.example/x",          /* not a local file */
    "mailto:a@x.org?attach=relative/path",
    "mailto:a@x.org?cc=%07bell@x.org",                       /* other control characters */
    "mailto:a@x.org?subject=a%09b",                          /* a tab outside the body */
    "mailto:a@x.org?subject=%C2%9B31m",                      /* a C1 control (CSI), as in headers */
    "mailto:a@x.org?body=one%C2%85two",                      /* a C1 control in the body (NEL) */
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(EpMailto) m = ep_mailto_parse (bad[i], &error);

      g_test_message ("%s", bad[i]);
      g_assert_null (m);
      g_assert_nonnull (error);
    }
}

static void
test_limits (void)
{
  g_autoptr(GString) many = g_string_new ("mailto:a@x.org?");
  g_autoptr(GError) error = NULL;
  g_autoptr(EpMailto) m = NULL;

  for (guint i = 0; i < 300; i++)
    g_string_append (many, "x=1&");
  m = ep_mailto_parse (many->str, &error);
  g_assert_null (m);
  g_assert_error (error, G_URI_ERROR, G_URI_ERROR_FAILED);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mailto/simple", test_simple);
  g_test_add_func ("/mailto/fields", test_fields);
  g_test_add_func ("/mailto/attachments", test_attachments);
  g_test_add_func ("/mailto/xdg-email-form", test_xdg_email_form);
  g_test_add_func ("/mailto/refused", test_refused);
  g_test_add_func ("/mailto/limits", test_limits);
  return g_test_run ();
}
