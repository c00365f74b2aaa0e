/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-send-exit.c: the CLI library's mapping from engine errors to exit statuses, and its
 * server-argument parser, without running the binary. */
#include "config.h"

#include <gio/gio.h>

#include "ep-mime-error.h"
#include "ep-send-deliver.h"
#include "ep-send-exit.h"
#include "ep-smtp-error.h"

static void
test_smtp_errors (void)
{
  static const struct { EpSmtpError code; int status; } cases[] = {
    { EP_SMTP_ERROR_CONNECT, EP_EXIT_TEMPFAIL },
    { EP_SMTP_ERROR_TIMEOUT, EP_EXIT_TEMPFAIL },
    { EP_SMTP_ERROR_TEMPORARY, EP_EXIT_TEMPFAIL },
    { EP_SMTP_ERROR_CONNECTION_LOST, EP_EXIT_TEMPFAIL },
    /* The message may be there: never the 75 that wrappers requeue. */
    { EP_SMTP_ERROR_DELIVERY_UNKNOWN, EP_EXIT_UNKNOWN },
    { EP_SMTP_ERROR_STARTTLS_UNAVAILABLE, EP_EXIT_PROTOCOL },
    { EP_SMTP_ERROR_INJECTION, EP_EXIT_PROTOCOL },
    { EP_SMTP_ERROR_CLEARTEXT_AUTH, EP_EXIT_PROTOCOL },
    { EP_SMTP_ERROR_TLS_CERTIFICATE, EP_EXIT_NOPERM },
    { EP_SMTP_ERROR_AUTH_FAILED, EP_EXIT_NOPERM },
    { EP_SMTP_ERROR_RECIPIENT_REJECTED, EP_EXIT_UNAVAILABLE },
    { EP_SMTP_ERROR_MESSAGE_REJECTED, EP_EXIT_UNAVAILABLE },
    { EP_SMTP_ERROR_INVALID_ADDRESS, EP_EXIT_DATAERR },
    { EP_SMTP_ERROR_INVALID_CONFIG, EP_EXIT_CONFIG },
  };

  g_assert_cmpint (ep_send_exit_status_for (NULL), ==, EP_EXIT_OK);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = g_error_new_literal (EP_SMTP_ERROR, cases[i].code, "x");

      g_assert_cmpint (ep_send_exit_status_for (error), ==, cases[i].status);
    }
}

static void
test_other_errors (void)
{
  g_autoptr(GError) file = g_error_new_literal (EP_MIME_ERROR, EP_MIME_ERROR_FILE, "x");
  g_autoptr(GError) header = g_error_new_literal (EP_MIME_ERROR, EP_MIME_ERROR_INVALID_HEADER, "x");
  g_autoptr(GError) cancelled = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "x");
  g_autoptr(GError) raw = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "x");
  g_autoptr(GError) other = g_error_new_literal (G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE, "x");

  g_assert_cmpint (ep_send_exit_status_for (file), ==, EP_EXIT_NOINPUT);
  g_assert_cmpint (ep_send_exit_status_for (header), ==, EP_EXIT_DATAERR);
  g_assert_cmpint (ep_send_exit_status_for (cancelled), ==, EP_EXIT_TEMPFAIL);
  g_assert_cmpint (ep_send_exit_status_for (raw), ==, EP_EXIT_NOINPUT);
  g_assert_cmpint (ep_send_exit_status_for (other), ==, EP_EXIT_SOFTWARE);
  /* Distinct from every status a script may already act on. */
  g_assert_cmpint (EP_EXIT_PARTIAL, !=, EP_EXIT_TEMPFAIL);
  g_assert_cmpint (EP_EXIT_PARTIAL, !=, EP_EXIT_UNAVAILABLE);
  g_assert_cmpint (EP_EXIT_UNKNOWN, !=, EP_EXIT_TEMPFAIL);
  g_assert_cmpint (EP_EXIT_UNKNOWN, !=, EP_EXIT_PARTIAL);
}

static void
test_parse_server (void)
{
  static const struct { const char *text; const char *host; guint16 port; } good[] = {
    { "smtp.example.org", "smtp.example.org", 0 },
    { "smtp.example.org:465", "smtp.example.org", 465 },
    { "[::1]:587", "::1", 587 },
    { "[::1]", "::1", 0 },
    { "::1", "::1", 0 },
  };
  static const char *bad[] = { "", ":25", "host:", "host:0", "host:65536", "[::1", "[]:25", "[::1]x" };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autofree char *host = NULL;
      guint16 port = 1;

      g_assert_true (ep_send_parse_server (good[i].text, &host, &port));
      g_assert_cmpstr (host, ==, good[i].host);
      g_assert_cmpuint (port, ==, good[i].port);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *host = NULL;
      guint16 port = 0;

      g_assert_false (ep_send_parse_server (bad[i], &host, &port));
      g_assert_null (host);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/send-exit/smtp-errors", test_smtp_errors);
  g_test_add_func ("/send-exit/other-errors", test_other_errors);
  g_test_add_func ("/send-exit/parse-server", test_parse_server);
  return g_test_run ();
}
