/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-smtp-config.c: the session configuration: what validation refuses before any connection
 * (a relative CA file, a pinned certificate that names no server), and a pinned certificate
 * applying only to the server it was trusted for: another host or port presenting that very
 * certificate gets the ordinary checks, a refusal that says whose pin it was, and no AUTH. */
#include "config.h"

#include <string.h>

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

/* One change to valid_config(): NULL fields are left alone; "{256}" and "{255}" stand for names
 * of that many octets. */
typedef struct {
  const char          *name;
  const char          *host;
  gboolean             no_host;
  gboolean             bad_security;
  EpSmtpSecurity       security;      /* with set_security */
  gboolean             set_security;
  const char          *ehlo_name;
  const char          *username;
  const char          *password;
  const char          *token;
  EpSmtpAuthMechanism  auth;
  const char          *pinned;
  const char          *pinned_host;
  const char          *cafile;
  const char          *words;         /* in the refusal */
} Change;

static char *
change_text (const char *text)
{
  if (g_strcmp0 (text, "{256}") == 0)
    return g_strnfill (256, 'a');
  if (g_strcmp0 (text, "{255}") == 0)
    return g_strnfill (255, 'a');
  return g_strdup (text);
}

static EpSmtpConfig *
changed_config (const Change *change)
{
  EpSmtpConfig *config = valid_config ();

  if (change->host != NULL || change->no_host)
    {
      g_free (config->host);
      config->host = change_text (change->host);
    }
  if (change->bad_security)
    config->security = (EpSmtpSecurity) 42;
  if (change->set_security)
    config->security = change->security;
  config->ehlo_name = change_text (change->ehlo_name);
  config->username = g_strdup (change->username);
  config->password = g_strdup (change->password);
  config->oauth_token = g_strdup (change->token);
  config->auth = change->auth;
  config->pinned_sha256 = g_strdup (change->pinned);
  config->pinned_host = g_strdup (change->pinned_host);
  config->cafile = g_strdup (change->cafile);
  return config;
}

#define PIN_COLONS "SHA256:9F:86:D0:81:88:4C:7D:65:9A:2F:EA:A0:C5:5A:D0:15:" \
                   "A3:BF:4F:1B:2B:0B:82:2C:D1:5D:6C:15:B0:F0:0A:08"

/* Every refusal of ep_smtp_config_validate(): the code callers map (EP_EXIT_CONFIG in the CLI)
 * and words that say which setting is wrong. */
static void
test_rejections (void)
{
  static const Change cases[] = {
    { "no host", .no_host = TRUE, .words = "No SMTP server is set" },
    { "empty host", .host = "", .words = "No SMTP server is set" },
    { "host with CRLF", .host = "smtp.example.org\r\nRSET", .words = "not a valid host name" },
    { "host with a space", .host = "smtp example.org", .words = "not a valid host name" },
    { "host of 256 octets", .host = "{256}", .words = "not a valid host name" },
    { "unknown security", .bad_security = TRUE, .words = "Unknown security mode" },
    { "empty EHLO name", .ehlo_name = "", .words = "EHLO name" },
    { "EHLO name with a space", .ehlo_name = "my laptop", .words = "EHLO name" },
    { "8-bit EHLO name", .ehlo_name = "bücher.example", .words = "EHLO name" },
    { "EHLO name with DEL", .ehlo_name = "host\x7f", .words = "EHLO name" },
    { "EHLO name of 256 octets", .ehlo_name = "{256}", .words = "EHLO name" },
    { "user name with CRLF", .username = "me\r\nMAIL FROM:<x@y>", .password = "pw",
      .words = "user name or password contains control characters" },
    { "password with a tab", .username = "me", .password = "pa\tss",
      .words = "user name or password contains control characters" },
    { "token with a space", .username = "me", .token = "ya29 x", .auth = EP_SMTP_AUTH_XOAUTH2,
      .words = "OAuth token contains spaces or control characters" },
    { "token with LF", .username = "me", .token = "ya29\nx", .auth = EP_SMTP_AUTH_XOAUTH2,
      .words = "OAuth token contains spaces or control characters" },
    { "short fingerprint", .pinned = "9f86d081", .pinned_host = "smtp.example.org",
      .words = "not a SHA-256 fingerprint" },
    { "fingerprint not hex", .pinned = "zz" PIN_HEX, .pinned_host = "smtp.example.org",
      .words = "not a SHA-256 fingerprint" },
    { "pin without server", .pinned = PIN_HEX, .words = "does not name the server it was trusted for" },
    { "pin for a bad server", .pinned = PIN_HEX, .pinned_host = "smtp example.org",
      .words = "does not name the server it was trusted for" },
    { "relative CA file", .cafile = "ca.pem", .words = "must be given as an absolute path" },
    { "missing CA file", .cafile = "/nonexistent/epistle-ca.pem",
      .words = "does not exist or is not a regular file" },
    { "CA file a directory", .cafile = "/", .words = "does not exist or is not a regular file" },
    { "password without user", .password = "pw", .words = "A password or token is set but no user name" },
    { "password, empty user", .username = "", .password = "pw",
      .words = "A password or token is set but no user name" },
    { "token without user", .token = "ya29.x", .auth = EP_SMTP_AUTH_OAUTHBEARER,
      .words = "A password or token is set but no user name" },
    { "XOAUTH2 without token", .username = "me", .auth = EP_SMTP_AUTH_XOAUTH2,
      .words = "XOAUTH2 needs an access token" },
    { "PLAIN without password", .username = "me", .auth = EP_SMTP_AUTH_PLAIN,
      .words = "Authentication with PLAIN needs a password" },
    { "SCRAM without password", .username = "me", .auth = EP_SMTP_AUTH_SCRAM_SHA_256,
      .words = "Authentication with SCRAM-SHA-256 needs a password" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(EpSmtpConfig) config = changed_config (&cases[i]);
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", cases[i].name);
      g_assert_false (ep_smtp_config_validate (config, &error));
      g_assert_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_CONFIG);
      g_assert_nonnull (strstr (error->message, cases[i].words));
    }
}

/* The edges of those rules that must stay accepted. */
static void
test_accepted (void)
{
  static const Change cases[] = {
    { "IPv6 address", .host = "::1" },
    { "host of 255 octets", .host = "{255}" },
    { "EHLO address literal", .ehlo_name = "[192.0.2.1]" },
    { "fingerprint with prefix, colons, upper case", .pinned = PIN_COLONS, .pinned_host = "smtp.example.org" },
    { "PLAIN with an account", .username = "me", .password = "pw", .auth = EP_SMTP_AUTH_PLAIN },
    { "a token with an account", .username = "me", .token = "ya29.a0-token", .auth = EP_SMTP_AUTH_OAUTHBEARER },
    { "a password, auth none", .password = "pw", .auth = EP_SMTP_AUTH_NONE },
    { "security none", .set_security = TRUE, .security = EP_SMTP_SECURITY_NONE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(EpSmtpConfig) config = changed_config (&cases[i]);
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", cases[i].name);
      g_assert_true (ep_smtp_config_validate (config, &error));
      g_assert_no_error (error);
    }
}

/* An invalid configuration is refused before any connection: the server, listening, never sees
 * one. */
static void
test_refused_before_connecting (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) server_error = NULL;
  g_autoptr(EpScriptServer) server = ep_script_server_new_for_script ("S: 220 mx.test ESMTP\n", &error);
  g_autoptr(EpSmtpConfig) config = ep_smtp_config_new ();
  g_autoptr(GInputStream) raw = g_memory_input_stream_new_from_data ("Subject: x\r\n\r\nx\r\n", -1, NULL);
  g_autoptr(EpSmtpResult) result = NULL;
  static const char *rcpts[] = { "bob@example.net", NULL };

  g_assert_no_error (error);
  config->host = g_strdup ("127.0.0.1");
  config->port = ep_script_server_get_port (server);
  config->security = EP_SMTP_SECURITY_NONE;
  config->timeout_seconds = 2;
  config->username = g_strdup ("me\r\nRSET");
  config->password = g_strdup ("pw");

  result = ep_smtp_send_sync (config, NULL, raw, "alice@example.org", rcpts, NULL, NULL, NULL, NULL, &error);
  g_assert_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_CONFIG);
  g_assert_nonnull (result);
  g_assert_cmpint (result->outcome, ==, EP_SMTP_OUTCOME_REFUSED);
  g_clear_pointer (&result, ep_smtp_result_unref);
  g_clear_error (&error);

  result = ep_smtp_test_connection_sync (config, NULL, NULL, NULL, NULL, &error);
  g_assert_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_CONFIG);

  /* Nobody came within a while: a connection would have been accepted at once. */
  g_assert_false (ep_script_server_wait (server, 300, &server_error));
  g_assert_false (ep_script_server_get_connected (server));
  g_assert_finalize_object (g_steal_pointer (&server));
}

/* The helpers around the configuration: defaults, fingerprints, copies that own their strings. */
static void
test_helpers (void)
{
  g_autoptr(EpSmtpConfig) config = ep_smtp_config_new ();
  g_autoptr(EpSmtpConfig) copy = NULL;
  g_autofree char *upper = g_ascii_strup (PIN_HEX, -1);
  g_autofree char *prefixed = g_strconcat ("sha256/", PIN_HEX, NULL);
  g_autofree char *n1 = ep_smtp_fingerprint_normalize (upper);
  g_autofree char *n2 = ep_smtp_fingerprint_normalize (prefixed);
  g_autofree char *short_pin = g_strndup (PIN_HEX, 63);
  g_autofree char *long_pin = g_strconcat (PIN_HEX, "0", NULL);
  g_autofree char *n3 = ep_smtp_fingerprint_normalize (short_pin);
  g_autofree char *n4 = ep_smtp_fingerprint_normalize (long_pin);

  g_assert_cmpstr (n1, ==, PIN_HEX);
  g_assert_cmpstr (n2, ==, PIN_HEX);
  g_assert_null (n3);
  g_assert_null (n4);
  g_assert_null (ep_smtp_fingerprint_normalize (NULL));

  /* ep_smtp_config_new(): STARTTLS, AUTO, the default timeout; port 0 means the usual one. */
  g_assert_cmpint (config->security, ==, EP_SMTP_SECURITY_STARTTLS);
  g_assert_cmpint (config->auth, ==, EP_SMTP_AUTH_AUTO);
  g_assert_cmpuint (ep_smtp_config_get_timeout (config), ==, EP_SMTP_DEFAULT_TIMEOUT_SECONDS);
  g_assert_cmpuint (ep_smtp_config_get_port (config), ==, 587);
  config->security = EP_SMTP_SECURITY_TLS;
  g_assert_cmpuint (ep_smtp_config_get_port (config), ==, 465);
  /* Unencrypted is still submission (RFC 6409), not relaying on 25. */
  config->security = EP_SMTP_SECURITY_NONE;
  g_assert_cmpuint (ep_smtp_config_get_port (config), ==, 587);
  config->port = 2525;
  g_assert_cmpuint (ep_smtp_config_get_port (config), ==, 2525);
  config->timeout_seconds = 0;
  g_assert_cmpuint (ep_smtp_config_get_timeout (config), ==, EP_SMTP_DEFAULT_TIMEOUT_SECONDS);

  /* Credentials count only when they would be used. */
  g_assert_false (ep_smtp_config_has_credentials (config));
  config->username = g_strdup ("me");
  config->password = g_strdup ("pw");
  g_assert_true (ep_smtp_config_has_credentials (config));
  config->auth = EP_SMTP_AUTH_NONE;
  g_assert_false (ep_smtp_config_has_credentials (config));

  config->host = g_strdup ("smtp.example.org");
  copy = ep_smtp_config_copy (config);
  g_assert_true (copy->host != config->host);
  g_assert_true (copy->password != config->password);
  g_assert_cmpstr (copy->host, ==, "smtp.example.org");
  g_assert_cmpstr (copy->password, ==, "pw");
  g_assert_cmpuint (copy->port, ==, 2525);
  g_assert_cmpint (copy->auth, ==, EP_SMTP_AUTH_NONE);
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
  g_assert_finalize_object (g_steal_pointer (&impostor));
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
  g_assert_finalize_object (g_steal_pointer (&server));
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
  g_test_add_func ("/smtp-config/rejections", test_rejections);
  g_test_add_func ("/smtp-config/accepted", test_accepted);
  g_test_add_func ("/smtp-config/refused-before-connecting", test_refused_before_connecting);
  g_test_add_func ("/smtp-config/helpers", test_helpers);
  g_test_add_func ("/smtp-config/pin-needs-server", test_pin_needs_server);
  g_test_add_func ("/smtp-config/pin-other-port", test_pin_other_port);
  g_test_add_func ("/smtp-config/pin-same-server", test_pin_same_server);

  ret = g_test_run ();
  ep_test_certs_cleanup ();
  return ret;
}
