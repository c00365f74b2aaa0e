/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-smtp-config.c: the session configuration: what validation refuses before any connection
 * (a relative CA file, a pinned certificate that names no server), and a pinned certificate
 * applying only to the server it was trusted for: another host or port presenting that very
 * certificate gets the ordinary checks, a refusal that says whose pin it was, and no AUTH. */
#include "config.h"

#include "ep-script-server.h"
#include "ep-smtp-config.h"
#include "ep-smtp-session.h"
#include "ep-test-certs.h"

#define PIN_HEX "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

#define SESSION_UP "S: 220 mx.test ESMTP\n"     \
                   "C: EHLO *\n"                \
                   "S: 250-mx.test\n"           \
                   "S: 250 STARTTLS\n"          \
                   "C: STARTTLS\n"              \
                   "S: 220 2.0.0 Go ahead\n"

static EpSmtpConfig *
valid_config (void)
{
  EpSmtpConfig *config = ep_smtp_config_new ();

  config->host = g_strdup ("smtp.example.org");
  config->port = 587;
  return config;
}

/* GIO's TLS file database loads nothing from a relative path: refused at once, clearly. */
static void
test_relative_cafile (void)
{
  g_autoptr(EpSmtpConfig) config = valid_config ();
  g_autoptr(GError) error = NULL;
  g_autofree char *absolute = ep_test_certs_path ("ca");

  g_assert_true (g_path_is_absolute (absolute));
  config->cafile = g_strdup (absolute);
  g_assert_true (ep_smtp_config_validate (config, &error));
  g_assert_no_error (error);

  g_free (config->cafile);
  config->cafile = g_strdup ("certs/ca.pem");
  g_assert_false (ep_smtp_config_validate (config, &error));
  g_assert_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_CONFIG);
  g_assert_nonnull (strstr (error->message, "“certs/ca.pem”"));
  g_assert_nonnull (strstr (error->message, "absolute path"));
}

/* A fingerprint alone would vouch for whatever server the configuration points at. */
static void
test_pin_needs_server (void)
{
  g_autoptr(EpSmtpConfig) config = valid_config ();
  g_autoptr(EpSmtpConfig) copy = NULL;
  g_autoptr(GError) error = NULL;

  config->pinned_sha256 = g_strdup (PIN_HEX);
  g_assert_false (ep_smtp_config_validate (config, &error));
  g_assert_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_CONFIG);
  g_clear_error (&error);

  config->pinned_host = g_strdup ("smtp.example.org\r\nQUIT");
  g_assert_false (ep_smtp_config_validate (config, &error));
  g_assert_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_CONFIG);
  g_clear_error (&error);

  g_free (config->pinned_host);
  config->pinned_host = g_strdup ("smtp.example.org");
  config->pinned_port = 587;
  g_assert_true (ep_smtp_config_validate (config, &error));
  g_assert_no_error (error);

  copy = ep_smtp_config_copy (config);
  g_assert_cmpstr (copy->pinned_host, ==, "smtp.example.org");
  g_assert_cmpuint (copy->pinned_port, ==, 587);

  /* 0 is the security's usual port, as for the port itself. */
  config->pinned_port = 0;
  config->security = EP_SMTP_SECURITY_TLS;
  g_assert_cmpuint (ep_smtp_config_get_pinned_port (config), ==, 465);
}

static EpSmtpResult *
test_against (EpScriptServer  *server,
              guint16          pinned_port,
              GError         **error)
{
  g_autoptr(EpSmtpConfig) config = ep_smtp_config_new ();
  g_autofree char *sha = ep_test_certs_sha256 ("self-signed");
  EpSmtpResult *result;

  config->host = g_strdup ("127.0.0.1");
  config->port = ep_script_server_get_port (server);
  config->username = g_strdup ("me@example.org");
  config->password = g_strdup ("pin-S3cret");
  config->timeout_seconds = 5;
  config->pinned_sha256 = g_strdup (sha);
  config->pinned_host = g_strdup ("127.0.0.1");
  config->pinned_port = pinned_port;
  result = ep_smtp_test_connection_sync (config, NULL, NULL, NULL, NULL, error);
  g_assert_true (ep_script_server_wait (server, 5000, NULL));
  return result;
}

/* The pin trusted for 127.0.0.1 at one port; an impostor at another port presents the same
 * self-signed certificate: refused (self-signed, no pin), the refusal names the server the pin
 * is for, and nothing follows the failed handshake. */
static void
test_pin_other_port (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EpScriptServer) impostor = ep_script_server_new_for_script (SESSION_UP
                                                                        "TLS-REJECT: self-signed\n"
                                                                        "EOF\n", &error);
  g_autoptr(EpSmtpResult) result = NULL;
  g_autofree char *received = NULL;
  g_autofree char *elsewhere = NULL;
  guint16 port;

  g_assert_no_error (error);
  port = ep_script_server_get_port (impostor);
  result = test_against (impostor, port > 1024 ? port - 1 : port + 1, &error);
  g_assert_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_TLS_CERTIFICATE);
  g_test_message ("%s", error->message);
  elsewhere = g_strdup_printf ("is for another server, 127.0.0.1:%u", port > 1024 ? port - 1 : port + 1);
  g_assert_nonnull (strstr (error->message, elsewhere));
  g_assert_nonnull (result->tls);
  g_assert_false (result->tls->pinned);
  g_assert_false (result->tls->verified);

  g_assert_true (ep_script_server_get_completed (impostor));
  received = ep_script_server_dup_received_string (impostor);
  g_assert_cmpstr (received, ==, "EHLO [127.0.0.1]\r\nSTARTTLS\r\n");
}

/* The same certificate at the server it was pinned for: accepted, and the session goes on. */
static void
test_pin_same_server (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EpScriptServer) server = ep_script_server_new_for_script (SESSION_UP
                                                                      "TLS: self-signed\n"
                                                                      "C: EHLO *\n"
                                                                      "S: 250-mx.test\n"
                                                                      "S: 250 AUTH PLAIN\n"
                                                                      "C: AUTH PLAIN *\n"
                                                                      "S: 235 2.7.0 Accepted\n"
                                                                      "C: QUIT\n"
                                                                      "S: 221 Bye\n", &error);
  g_autoptr(EpSmtpResult) result = NULL;

  g_assert_no_error (error);
  result = test_against (server, ep_script_server_get_port (server), &error);
  g_assert_no_error (error);
  g_assert_true (result->tls->pinned);
  g_assert_true (ep_script_server_get_completed (server));
}

/* How a server is named in messages: IPv6 addresses in brackets, so the port stays readable. */
static void
test_format_server (void)
{
  g_autofree char *name = ep_smtp_format_server ("smtp.example.org", 587);
  g_autofree char *v4 = ep_smtp_format_server ("127.0.0.1", 25);
  g_autofree char *v6 = ep_smtp_format_server ("::1", 465);

  g_assert_cmpstr (name, ==, "smtp.example.org:587");
  g_assert_cmpstr (v4, ==, "127.0.0.1:25");
  g_assert_cmpstr (v6, ==, "[::1]:465");
}

/* One rule for the port/security pairing, used by the editor, the connection test, the compose
 * window and the CLI. */
static void
test_port_security (void)
{
  EpSmtpSecurity expected = EP_SMTP_SECURITY_NONE;

  g_assert_true (ep_smtp_port_expected_security (465, &expected));
  g_assert_cmpint (expected, ==, EP_SMTP_SECURITY_TLS);
  g_assert_true (ep_smtp_port_expected_security (587, &expected));
  g_assert_cmpint (expected, ==, EP_SMTP_SECURITY_STARTTLS);
  g_assert_false (ep_smtp_port_expected_security (25, &expected));
  g_assert_false (ep_smtp_port_expected_security (2525, &expected));

  g_assert_true (ep_smtp_port_security_mismatch (465, EP_SMTP_SECURITY_STARTTLS, &expected));
  g_assert_cmpint (expected, ==, EP_SMTP_SECURITY_TLS);
  g_assert_true (ep_smtp_port_security_mismatch (465, EP_SMTP_SECURITY_NONE, NULL));
  g_assert_true (ep_smtp_port_security_mismatch (587, EP_SMTP_SECURITY_TLS, &expected));
  g_assert_cmpint (expected, ==, EP_SMTP_SECURITY_STARTTLS);
  g_assert_false (ep_smtp_port_security_mismatch (587, EP_SMTP_SECURITY_NONE, NULL));
  g_assert_false (ep_smtp_port_security_mismatch (465, EP_SMTP_SECURITY_TLS, NULL));
  g_assert_false (ep_smtp_port_security_mismatch (587, EP_SMTP_SECURITY_STARTTLS, NULL));
  g_assert_false (ep_smtp_port_security_mismatch (2525, EP_SMTP_SECURITY_TLS, NULL));

  g_assert_true (ep_smtp_auth_mechanism_uses_token (EP_SMTP_AUTH_XOAUTH2));
  g_assert_true (ep_smtp_auth_mechanism_uses_token (EP_SMTP_AUTH_OAUTHBEARER));
  g_assert_false (ep_smtp_auth_mechanism_uses_token (EP_SMTP_AUTH_PLAIN));
  g_assert_false (ep_smtp_auth_mechanism_uses_token (EP_SMTP_AUTH_AUTO));
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  /* Generated before any thread exists. */
  ep_test_certs_dir ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/smtp-config/format-server", test_format_server);
  g_test_add_func ("/smtp-config/port-security", test_port_security);
  g_test_add_func ("/smtp-config/relative-cafile", test_relative_cafile);
  g_test_add_func ("/smtp-config/pin-needs-server", test_pin_needs_server);
  g_test_add_func ("/smtp-config/pin-other-port", test_pin_other_port);
  g_test_add_func ("/smtp-config/pin-same-server", test_pin_same_server);

  ret = g_test_run ();
  ep_test_certs_cleanup ();
  return ret;
}
