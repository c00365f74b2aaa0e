/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-error-advice.c: the advice shown for an error while sending and while testing a profile,
 * without GTK or a display: every error gets a heading in both places, and the advice worked out
 * from the profile or the server (a port used with the other security mode, nothing listening on
 * this computer, the sign-in methods offered) says exactly what it should. A message that may
 * have been delivered is never followed by advice to try again. */
#include "config.h"

#include <string.h>
#include <gio/gio.h>

#include "ep-error-advice.h"
#include "ep-mime-error.h"
#include "ep-goa-error.h"
#include "ep-oauth-error.h"
#include "ep-smtp-error.h"
#include "ep-store-error.h"

static const EpErrorAdviceContext contexts[] = { EP_ERROR_ADVICE_SENDING, EP_ERROR_ADVICE_TESTING };

#define PORT_465_STARTTLS "Port 465 usually expects Implicit TLS; this profile uses STARTTLS."
#define PORT_587_TLS      "Port 587 usually expects STARTTLS; this profile uses Implicit TLS."
#define PORT_465_NONE     "Port 465 usually expects Implicit TLS: choose Implicit TLS as the security."
#define LOOPBACK          "Nothing answers at this port on this computer. Is the local server " \
                          "(for example Proton Mail Bridge) running, and is the port right?"

typedef struct {
  char *heading;
  char *suggestion;
} Advice;

static void
advice_clear (Advice *advice)
{
  g_clear_pointer (&advice->heading, g_free);
  g_clear_pointer (&advice->suggestion, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Advice, advice_clear)

static EpProfile *
profile_for (const char     *host,
             guint16         port,
             EpSmtpSecurity  security)
{
  EpProfile *profile = ep_profile_new ("Test");

  ep_profile_set_host (profile, host);
  ep_profile_set_port (profile, port);
  ep_profile_set_security (profile, security);
  return profile;
}

static void
describe (Advice               *advice,
          GQuark                domain,
          int                   code,
          EpErrorAdviceContext  context,
          EpProfile            *profile,
          EpSmtpResult         *result)
{
  g_autoptr(GError) error = g_error_new_literal (domain, code, "what the engine said");

  advice_clear (advice);
  ep_error_advice_describe (error, context, profile, result, &advice->heading, &advice->suggestion);
  g_assert_nonnull (advice->heading);
  g_assert_cmpstr (advice->heading, !=, "");
  if (advice->suggestion != NULL)
    g_assert_cmpstr (advice->suggestion, !=, "");
}

/* Every code of every domain the send and the test can meet, with and without a profile. */
static void
test_every_error_has_a_heading (void)
{
  g_autoptr(EpProfile) profile = profile_for ("smtp.example.org", 587, EP_SMTP_SECURITY_STARTTLS);
  struct {
    GQuark domain;
    int    last_code;
  } domains[] = {
    { EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_CONFIG },
    { EP_MIME_ERROR, EP_MIME_ERROR_INVALID_ENCODING },
    { EP_STORE_ERROR, EP_STORE_ERROR_KEYRING },
    { G_IO_ERROR, G_IO_ERROR_CANCELLED },
    { g_quark_from_static_string ("ep-unknown-domain"), 3 },
  };
  g_auto(Advice) advice = { 0 };
  guint n = 0;

  for (guint d = 0; d < G_N_ELEMENTS (domains); d++)
    for (int code = 0; code <= domains[d].last_code; code++)
      for (guint c = 0; c < G_N_ELEMENTS (contexts); c++)
        {
          describe (&advice, domains[d].domain, code, contexts[c], profile, NULL);
          describe (&advice, domains[d].domain, code, contexts[c], NULL, NULL);
          n++;
        }
  g_assert_cmpuint (n, >, 2 * 25);
}

static void
test_default_headings (void)
{
  g_auto(Advice) advice = { 0 };

  describe (&advice, EP_STORE_ERROR, EP_STORE_ERROR_KEYRING, EP_ERROR_ADVICE_SENDING, NULL, NULL);
  g_assert_cmpstr (advice.heading, ==, "The Message Was Not Sent");
  g_assert_null (advice.suggestion);
  describe (&advice, EP_STORE_ERROR, EP_STORE_ERROR_KEYRING, EP_ERROR_ADVICE_TESTING, NULL, NULL);
  g_assert_cmpstr (advice.heading, ==, "The Test Failed");
  g_assert_null (advice.suggestion);

  describe (&advice, G_IO_ERROR, G_IO_ERROR_CANCELLED, EP_ERROR_ADVICE_TESTING, NULL, NULL);
  g_assert_cmpstr (advice.heading, ==, "Test Cancelled");
  describe (&advice, EP_MIME_ERROR, EP_MIME_ERROR_INVALID_HEADER, EP_ERROR_ADVICE_SENDING, NULL, NULL);
  g_assert_cmpstr (advice.heading, ==, "The Message Cannot Be Sent As It Is");
  g_assert_null (advice.suggestion);
  describe (&advice, EP_MIME_ERROR, EP_MIME_ERROR_FILE_CHANGED, EP_ERROR_ADVICE_SENDING, NULL, NULL);
  g_assert_cmpstr (advice.heading, ==, "The Message Cannot Be Sent As It Is");
  g_assert_cmpstr (advice.suggestion, ==, "Remove the attachment or attach it again.");
  describe (&advice, EP_SMTP_ERROR, EP_SMTP_ERROR_RECIPIENT_REJECTED, EP_ERROR_ADVICE_SENDING, NULL, NULL);
  g_assert_cmpstr (advice.heading, ==, "Some Recipients Were Refused");
}

/* The port says which security it expects (465 implicit TLS, 587 STARTTLS): the other one is
 * named, whether the handshake failed, STARTTLS was missing or the server stayed silent. */
static void
test_port_security_mismatch (void)
{
  struct {
    guint16         port;
    EpSmtpSecurity  security;
    EpSmtpError     code;
    const char     *says;     /* NULL: the row's usual text, naming no port */
  } cases[] = {
    { 465, EP_SMTP_SECURITY_STARTTLS, EP_SMTP_ERROR_TLS, PORT_465_STARTTLS },
    { 465, EP_SMTP_SECURITY_STARTTLS, EP_SMTP_ERROR_STARTTLS_UNAVAILABLE, PORT_465_STARTTLS },
    { 465, EP_SMTP_SECURITY_STARTTLS, EP_SMTP_ERROR_TIMEOUT, PORT_465_STARTTLS },
    { 587, EP_SMTP_SECURITY_TLS, EP_SMTP_ERROR_TLS, PORT_587_TLS },
    { 587, EP_SMTP_SECURITY_TLS, EP_SMTP_ERROR_TIMEOUT, PORT_587_TLS },
    { 465, EP_SMTP_SECURITY_NONE, EP_SMTP_ERROR_TIMEOUT, PORT_465_NONE },
    /* The right mode, or a port without a fixed one: nothing about ports. */
    { 465, EP_SMTP_SECURITY_TLS, EP_SMTP_ERROR_TLS, NULL },
    { 587, EP_SMTP_SECURITY_STARTTLS, EP_SMTP_ERROR_STARTTLS_UNAVAILABLE, NULL },
    { 587, EP_SMTP_SECURITY_NONE, EP_SMTP_ERROR_TIMEOUT, NULL },
    { 25, EP_SMTP_SECURITY_TLS, EP_SMTP_ERROR_TLS, NULL },
    { 2525, EP_SMTP_SECURITY_STARTTLS, EP_SMTP_ERROR_STARTTLS_UNAVAILABLE, NULL },
  };
  g_auto(Advice) advice = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    for (guint c = 0; c < G_N_ELEMENTS (contexts); c++)
      {
        g_autoptr(EpProfile) profile = profile_for ("smtp.example.org", cases[i].port, cases[i].security);

        describe (&advice, EP_SMTP_ERROR, cases[i].code, contexts[c], profile, NULL);
        g_test_message ("port %u, code %d, context %d: %s", cases[i].port, cases[i].code, contexts[c],
                        advice.suggestion);
        g_assert_nonnull (advice.suggestion);
        if (cases[i].says != NULL)
          g_assert_cmpstr (advice.suggestion, ==, cases[i].says);
        else
          g_assert_null (strstr (advice.suggestion, "usually expects"));
      }

  /* Without TLS on 587 or 465's mode right, the handshake advice is the general one. */
  for (guint c = 0; c < G_N_ELEMENTS (contexts); c++)
    {
      g_autoptr(EpProfile) profile = profile_for ("smtp.example.org", 465, EP_SMTP_SECURITY_TLS);

      describe (&advice, EP_SMTP_ERROR, EP_SMTP_ERROR_TLS, contexts[c], profile, NULL);
      g_assert_cmpstr (advice.suggestion, ==,
                       "The server did not set up encryption as the profile requires. Check the port and "
                       "security settings; Epistle never falls back to an unencrypted connection.");
    }
}

/* Nothing listening on this computer: a local bridge that is not running, in both places. */
static void
test_loopback_connect (void)
{
  const char *local[] = { "127.0.0.1", "::1", "localhost", "LocalHost", "127.0.0.53" };
  const char *remote[] = { "smtp.example.org", "192.0.2.1", "localhost.example.org", "2001:db8::1" };
  g_auto(Advice) advice = { 0 };

  for (guint c = 0; c < G_N_ELEMENTS (contexts); c++)
    {
      for (guint i = 0; i < G_N_ELEMENTS (local); i++)
        {
          g_autoptr(EpProfile) profile = profile_for (local[i], 1025, EP_SMTP_SECURITY_STARTTLS);

          describe (&advice, EP_SMTP_ERROR, EP_SMTP_ERROR_CONNECT, contexts[c], profile, NULL);
          g_assert_cmpstr (advice.heading, ==, "Could Not Reach the Server");
          g_assert_cmpstr (advice.suggestion, ==, LOOPBACK);
        }
      for (guint i = 0; i < G_N_ELEMENTS (remote); i++)
        {
          g_autoptr(EpProfile) profile = profile_for (remote[i], 587, EP_SMTP_SECURITY_STARTTLS);

          describe (&advice, EP_SMTP_ERROR, EP_SMTP_ERROR_CONNECT, contexts[c], profile, NULL);
          g_assert_cmpstr (advice.heading, ==, "Could Not Reach the Server");
          g_assert_cmpstr (advice.suggestion, ==,
                           contexts[c] == EP_ERROR_ADVICE_SENDING
                           ? "Check the server name and port in the profile, and your network connection."
                           : "Check the server name and port, and your network connection. Some networks block outgoing mail ports.");
        }
    }
}

/* A refused sign-in method: the ones the server offered, in its order. */
static void
test_offered_mechanisms (void)
{
  g_autoptr(EpProfile) profile = profile_for ("smtp.example.org", 587, EP_SMTP_SECURITY_STARTTLS);
  g_autoptr(EpSmtpResult) offered = ep_smtp_result_new (NULL);
  g_autoptr(EpSmtpResult) none = ep_smtp_result_new (NULL);
  const char *mechs[] = { "SCRAM-SHA-256", "PLAIN", "LOGIN", NULL };
  EpSmtpError codes[] = { EP_SMTP_ERROR_AUTH_UNSUPPORTED, EP_SMTP_ERROR_AUTH_TOO_WEAK,
                          EP_SMTP_ERROR_AUTH_ENCRYPTION_REQUIRED };
  g_auto(Advice) advice = { 0 };

  offered->capabilities = ep_smtp_capabilities_new ();
  g_strfreev (offered->capabilities->auth_mechs);
  offered->capabilities->auth_mechs = g_strdupv ((char **) mechs);
  none->capabilities = ep_smtp_capabilities_new ();

  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    for (guint c = 0; c < G_N_ELEMENTS (contexts); c++)
      {
        gboolean sending = contexts[c] == EP_ERROR_ADVICE_SENDING;

        describe (&advice, EP_SMTP_ERROR, codes[i], contexts[c], profile, offered);
        g_assert_cmpstr (advice.suggestion, ==,
                         "Choose Automatic or one of the methods the server offers: SCRAM-SHA-256, PLAIN, LOGIN.");
        g_assert_cmpstr (advice.heading, ==, sending ? "The Message Was Not Sent" : "Sign-in Method Not Accepted");

        describe (&advice, EP_SMTP_ERROR, codes[i], contexts[c], profile, none);
        g_assert_cmpstr (advice.suggestion, ==,
                         sending ? "Choose another authentication method in the profile, or Automatic."
                                 : "The server offers no sign-in method here. Check the port, or leave the user name and password empty if the server needs no sign-in.");
        describe (&advice, EP_SMTP_ERROR, codes[i], contexts[c], profile, NULL);
        g_assert_null (strstr (advice.suggestion, "offers:"));
      }
}

/* The message may be with the server: checking with a recipient, never trying again. */
static void
test_delivery_unknown (void)
{
  g_autoptr(EpProfile) profile = profile_for ("smtp.example.org", 587, EP_SMTP_SECURITY_STARTTLS);
  g_auto(Advice) advice = { 0 };

  describe (&advice, EP_SMTP_ERROR, EP_SMTP_ERROR_DELIVERY_UNKNOWN, EP_ERROR_ADVICE_SENDING, profile, NULL);
  g_assert_cmpstr (advice.heading, ==, "The Message May Have Been Sent");
  g_assert_cmpstr (advice.suggestion, ==,
                   "The connection was lost after the server received the message. Check with a "
                   "recipient before sending it again.");
  describe (&advice, EP_SMTP_ERROR, EP_SMTP_ERROR_DELIVERY_UNKNOWN, EP_ERROR_ADVICE_TESTING, profile, NULL);
  g_assert_true (advice.suggestion == NULL || strstr (advice.suggestion, "ry again") == NULL);

  /* Whereas a failure before the end of the message is worth another try. */
  describe (&advice, EP_SMTP_ERROR, EP_SMTP_ERROR_CONNECTION_LOST, EP_ERROR_ADVICE_SENDING, profile, NULL);
  g_assert_cmpstr (advice.suggestion, ==, "This is usually temporary. Try again in a few minutes.");
}

/* Where both places say the same thing, they say it in the same words. */
static void
test_shared_wording (void)
{
  EpSmtpError shared[] = { EP_SMTP_ERROR_AUTH_FAILED, EP_SMTP_ERROR_TLS, EP_SMTP_ERROR_STARTTLS_UNAVAILABLE,
                           EP_SMTP_ERROR_AUTH_TEMPORARY, EP_SMTP_ERROR_TEMPORARY, EP_SMTP_ERROR_CONNECTION_LOST,
                           EP_SMTP_ERROR_SERVICE_REFUSED, EP_SMTP_ERROR_PROTOCOL, EP_SMTP_ERROR_INVALID_CONFIG };
  g_autoptr(EpProfile) profile = profile_for ("smtp.example.org", 587, EP_SMTP_SECURITY_STARTTLS);

  for (guint i = 0; i < G_N_ELEMENTS (shared); i++)
    {
      g_auto(Advice) sending = { 0 };
      g_auto(Advice) testing = { 0 };

      describe (&sending, EP_SMTP_ERROR, shared[i], EP_ERROR_ADVICE_SENDING, profile, NULL);
      describe (&testing, EP_SMTP_ERROR, shared[i], EP_ERROR_ADVICE_TESTING, profile, NULL);
      g_assert_nonnull (sending.suggestion);
      g_assert_cmpstr (sending.suggestion, ==, testing.suggestion);
    }

  {
    g_auto(Advice) advice = { 0 };

    describe (&advice, EP_SMTP_ERROR, EP_SMTP_ERROR_AUTH_FAILED, EP_ERROR_ADVICE_SENDING, profile, NULL);
    g_assert_cmpstr (advice.heading, ==, "The Server Refused the Password");
    g_assert_cmpstr (advice.suggestion, ==,
                     "Check the user name and password. Gmail, iCloud, Yahoo and Fastmail need an app "
                     "password rather than your usual one.");
  }
}

/* A provider's reply that names its own fix gets that fix, in both places, rather than the
 * generic advice for its SMTP code (which would say "check the password"). */
static void
test_provider_replies (void)
{
  static const struct {
    EpSmtpError  code;
    const char  *message;
    const char  *heading;
    const char  *words;
  } cases[] = {
    { EP_SMTP_ERROR_AUTH_FAILED,
      "Authentication (LOGIN) failed: 535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication "
      "is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.",
      "Your Organisation Has Turned Off SMTP Sign-In", "Authenticated SMTP" },
    { EP_SMTP_ERROR_AUTH_FAILED,
      "Authentication (PLAIN) failed: 534 5.7.9 Application-specific password required. Learn more at "
      "https://support.google.com/mail/?p=InvalidSecondFactor",
      "Google Wants an App Password or a Sign-In", "app password" },
    { EP_SMTP_ERROR_SENDER_REJECTED,
      "The server refused the sender: 550 5.7.30 Basic authentication is not supported for Client Submission.",
      "Microsoft No Longer Takes Passwords Here", "Sign in with Microsoft" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    for (guint c = 0; c < G_N_ELEMENTS (contexts); c++)
      {
        g_autoptr(GError) error = g_error_new_literal (EP_SMTP_ERROR, cases[i].code, cases[i].message);
        g_autofree char *heading = NULL;
        g_autofree char *suggestion = NULL;

        ep_error_advice_describe (error, contexts[c], NULL, NULL, &heading, &suggestion);
        g_assert_cmpstr (heading, ==, cases[i].heading);
        g_assert_nonnull (suggestion);
        g_assert_nonnull (strstr (suggestion, cases[i].words));
      }

  /* The enhanced code alone, with other words, is not enough: other servers use 5.7.9 too. */
  {
    g_autoptr(GError) error = g_error_new_literal (EP_SMTP_ERROR, EP_SMTP_ERROR_AUTH_FAILED,
                                                   "Authentication (PLAIN) failed: 535 5.7.9 Bad credentials");
    g_autofree char *heading = NULL;
    g_autofree char *suggestion = NULL;

    ep_error_advice_describe (error, EP_ERROR_ADVICE_SENDING, NULL, NULL, &heading, &suggestion);
    g_assert_cmpstr (heading, ==, "The Server Refused the Password");
  }
}

/* A sign-in that is missing or refused leads to signing in again, never to "check the password". */
static void
test_sign_in_again (void)
{
  int codes[] = { EP_OAUTH_ERROR_NOT_SIGNED_IN, EP_OAUTH_ERROR_SIGN_IN_AGAIN };

  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    for (guint c = 0; c < G_N_ELEMENTS (contexts); c++)
      {
        g_auto(Advice) advice = { 0 };

        describe (&advice, EP_OAUTH_ERROR, codes[i], contexts[c], NULL, NULL);
        g_assert_cmpstr (advice.heading, ==, "Sign In Again");
        g_assert_cmpstr (advice.suggestion, ==,
                         "Open the profile in Server Profiles and sign in with your provider again.");
      }
}

/* GNOME Online Accounts' errors point to Online Accounts (or to built-in sign-in for a Microsoft
 * 365 token), never to a profile's password or its own Sign In button. */
static void
test_goa (void)
{
  static const struct {
    int         code;
    const char *heading;
    const char *words;
  } cases[] = {
    { EP_GOA_ERROR_SIGN_IN_AGAIN, "Sign In Again in Online Accounts", "Settings → Online Accounts" },
    { EP_GOA_ERROR_UNUSABLE, "This Account Is Not Used", "Settings → Online Accounts" },
    { EP_GOA_ERROR_NOT_FOR_SMTP, "This Account Cannot Send Mail from Epistle", "sign in with Microsoft" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    for (guint c = 0; c < G_N_ELEMENTS (contexts); c++)
      {
        g_auto(Advice) advice = { 0 };

        describe (&advice, EP_GOA_ERROR, cases[i].code, contexts[c], NULL, NULL);
        g_assert_cmpstr (advice.heading, ==, cases[i].heading);
        g_assert_nonnull (advice.suggestion);
        g_assert_nonnull (strstr (advice.suggestion, cases[i].words));
      }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/error-advice/every-error-has-a-heading", test_every_error_has_a_heading);
  g_test_add_func ("/error-advice/default-headings", test_default_headings);
  g_test_add_func ("/error-advice/port-security-mismatch", test_port_security_mismatch);
  g_test_add_func ("/error-advice/loopback-connect", test_loopback_connect);
  g_test_add_func ("/error-advice/offered-mechanisms", test_offered_mechanisms);
  g_test_add_func ("/error-advice/delivery-unknown", test_delivery_unknown);
  g_test_add_func ("/error-advice/shared-wording", test_shared_wording);
  g_test_add_func ("/error-advice/provider-replies", test_provider_replies);
  g_test_add_func ("/error-advice/sign-in-again", test_sign_in_again);
  g_test_add_func ("/error-advice/goa", test_goa);

  return g_test_run ();
}
