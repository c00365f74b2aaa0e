/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-error-advice.c: the table that turns an engine error into a heading and a suggested fix,
 * for the compose window and for Test Connection. Engine types only, never GTK: the advice is
 * tested without a display. */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "ep-error-advice.h"
#include "ep-goa-error.h"
#include "ep-mime-error.h"
#include "ep-oauth-error.h"
#include "ep-smtp-error.h"

/* A suggestion worked out from the profile or what the server said; NULL when the row's own
 * text applies. */
typedef char *(*AdviceCompute) (EpProfile    *profile,
                                EpSmtpResult *result);

/* Ends a row's list of codes. */
#define END_CODES (-1)

/* Texts per context, in the order of EpErrorAdviceContext; BOTH when both say the same. */
#define EACH(sending, testing) { sending, testing }
#define BOTH(text)             { text, text }

typedef struct
{
  GQuark      (*domain) (void);
  int           codes[4];                                   /* ended by END_CODES */
  const char   *heading[EP_ERROR_ADVICE_N_CONTEXTS];        /* NULL: the context's default */
  const char   *suggestion[EP_ERROR_ADVICE_N_CONTEXTS];     /* NULL: nothing to suggest */
  AdviceCompute compute;                                    /* nullable: overrides the suggestion */
} AdviceRow;

/* The heading when no row names one: what the user needs to know first. */
static const char *const default_headings[EP_ERROR_ADVICE_N_CONTEXTS] =
  EACH (N_("The Message Was Not Sent"), N_("The Test Failed"));

static gboolean
is_loopback (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (host == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

/* Nothing listening on this computer is a local bridge or relay that is not running, not a
 * network problem. */
static char *
loopback_advice (EpProfile    *profile,
                 EpSmtpResult *result)
{
  if (profile == NULL || !is_loopback (ep_profile_get_host (profile)))
    return NULL;
  return g_strdup (_("Nothing answers at this port on this computer. Is the local server (for example Proton Mail Bridge) running, and is the port right?"));
}

/* The usual mistake behind a failed handshake, or a silent server (one expecting implicit TLS
 * waits for a handshake that a STARTTLS client never starts): the other mode for this port. */
static char *
mismatch_advice (EpProfile    *profile,
                 EpSmtpResult *result)
{
  EpSmtpSecurity security, expected;

  if (profile == NULL)
    return NULL;
  security = ep_profile_get_security (profile);
  if (!ep_smtp_port_security_mismatch (ep_profile_get_port (profile), security, &expected))
    return NULL;

  /* The engine expects a mode only on 465 (implicit TLS) and 587 (STARTTLS), where "none" is
   * weak but not the wrong mode: the port is known from what it expects. */
  if (expected == EP_SMTP_SECURITY_STARTTLS)
    return g_strdup (_("Port 587 usually expects STARTTLS; this profile uses Implicit TLS."));
  if (security == EP_SMTP_SECURITY_STARTTLS)
    return g_strdup (_("Port 465 usually expects Implicit TLS; this profile uses STARTTLS."));
  return g_strdup (_("Port 465 usually expects Implicit TLS: choose Implicit TLS as the security."));
}

/* The mechanisms the server named are the ones worth choosing from. */
static char *
mechanisms_advice (EpProfile    *profile,
                   EpSmtpResult *result)
{
  g_autofree char *offered = NULL;

  if (result == NULL || result->capabilities == NULL || result->capabilities->auth_mechs[0] == NULL)
    return NULL;
  offered = g_strjoinv (", ", result->capabilities->auth_mechs);
  return g_strdup_printf (_("Choose Automatic or one of the methods the server offers: %s."), offered);
}

/* First match wins: a row for some codes of a domain comes before the row for all of them. */
static const AdviceRow advice_table[] = {
  { ep_smtp_error_quark, { EP_SMTP_ERROR_CONNECT, END_CODES },
    BOTH (N_("Could Not Reach the Server")),
    EACH (N_("Check the server name and port in the profile, and your network connection."),
          N_("Check the server name and port, and your network connection. Some networks block outgoing mail ports.")),
    loopback_advice },
  { ep_smtp_error_quark, { EP_SMTP_ERROR_TIMEOUT, END_CODES },
    EACH (NULL, N_("The Server Did Not Answer")),
    EACH (N_("The server did not answer in time. Try again later, or check that the port is right."),
          N_("Check the port and the security setting: a server expecting implicit TLS stays silent when spoken to in clear. Some networks also block mail ports. You can raise the timeout under Advanced.")),
    mismatch_advice },
  { ep_smtp_error_quark, { EP_SMTP_ERROR_TLS, END_CODES },
    EACH (NULL, N_("Encryption Failed")),
    BOTH (N_("The server did not set up encryption as the profile requires. Check the port and security settings; Epistle never falls back to an unencrypted connection.")),
    mismatch_advice },
  { ep_smtp_error_quark, { EP_SMTP_ERROR_STARTTLS_UNAVAILABLE, END_CODES },
    EACH (NULL, N_("The Server Does Not Offer Encryption Here")),
    BOTH (N_("The server does not offer STARTTLS on this port. Try Implicit TLS on port 465, or check your provider’s settings. Epistle never falls back to an unencrypted connection.")),
    mismatch_advice },
  { ep_smtp_error_quark, { EP_SMTP_ERROR_TLS_CERTIFICATE, END_CODES },
    BOTH (N_("The Server’s Certificate Is Not Trusted")),
    EACH (N_("Someone may be intercepting the connection, or the server is misconfigured. Open the profile and test the connection to review the certificate."),
          N_("Review the certificate. Trust it only if you know it belongs to your server; otherwise someone may be intercepting the connection.")),
    NULL },
  { ep_smtp_error_quark, { EP_SMTP_ERROR_INJECTION, END_CODES },
    EACH (NULL, N_("Possible Tampering Detected")),
    EACH (N_("The server sent data it should not have while encryption was set up, a sign of tampering. Nothing was sent."),
          N_("The server sent data it should not have while encryption was being set up, a sign that someone may be interfering with the connection. Try another network.")),
    NULL },
  { ep_smtp_error_quark, { EP_SMTP_ERROR_CLEARTEXT_AUTH, END_CODES },
    EACH (NULL, N_("Password Would Travel Unencrypted")),
    EACH (N_("This profile would send your password unencrypted. Choose Implicit TLS or STARTTLS."),
          N_("Choose Implicit TLS or STARTTLS, or leave the user name and password empty if the server needs no sign-in.")),
    NULL },
  { ep_smtp_error_quark, { EP_SMTP_ERROR_AUTH_FAILED, END_CODES },
    BOTH (N_("The Server Refused the Password")),
    BOTH (N_("Check the user name and password. Gmail, iCloud, Yahoo and Fastmail need an app password rather than your usual one.")),
    NULL },
  { ep_smtp_error_quark,
    { EP_SMTP_ERROR_AUTH_UNSUPPORTED, EP_SMTP_ERROR_AUTH_TOO_WEAK, EP_SMTP_ERROR_AUTH_ENCRYPTION_REQUIRED, END_CODES },
    EACH (NULL, N_("Sign-in Method Not Accepted")),
    EACH (N_("Choose another authentication method in the profile, or Automatic."),
          N_("The server offers no sign-in method here. Check the port, or leave the user name and password empty if the server needs no sign-in.")),
    mechanisms_advice },
  { ep_smtp_error_quark, { EP_SMTP_ERROR_AUTH_REQUIRED, END_CODES },
    EACH (NULL, N_("The Server Wants You to Sign In")),
    EACH (N_("The server wants you to sign in: set a user name and password in the profile."),
          N_("Enter a user name and password.")),
    NULL },
  { ep_smtp_error_quark,
    { EP_SMTP_ERROR_AUTH_TEMPORARY, EP_SMTP_ERROR_TEMPORARY, EP_SMTP_ERROR_CONNECTION_LOST, END_CODES },
    EACH (NULL, N_("Temporary Failure")),
    BOTH (N_("This is usually temporary. Try again in a few minutes.")),
    NULL },
  { ep_smtp_error_quark, { EP_SMTP_ERROR_SERVICE_REFUSED, END_CODES },
    EACH (NULL, N_("The Server Refused the Connection")),
    BOTH (N_("Check the server name and port; the provider may also block connections from your network.")),
    NULL },
  { ep_smtp_error_quark, { EP_SMTP_ERROR_PROTOCOL, END_CODES },
    EACH (NULL, N_("Unexpected Answer")),
    BOTH (N_("The server answered something an SMTP server should not. Check that this port is the provider’s mail submission port.")),
    NULL },
  { ep_smtp_error_quark, { EP_SMTP_ERROR_INVALID_CONFIG, END_CODES },
    EACH (NULL, N_("The Settings Are Not Usable")),
    BOTH (N_("Check the server name, the EHLO name and the trusted certificate under Advanced.")),
    NULL },
  /* A test ends before MAIL FROM: these come from sending only. */
  { ep_smtp_error_quark, { EP_SMTP_ERROR_SENDER_REJECTED, END_CODES },
    EACH (NULL, NULL),
    EACH (N_("Use the address that belongs to your account in From."), NULL),
    NULL },
  { ep_smtp_error_quark, { EP_SMTP_ERROR_RECIPIENT_REJECTED, END_CODES },
    EACH (N_("Some Recipients Were Refused"), NULL),
    EACH (NULL, NULL),
    NULL },
  { ep_smtp_error_quark, { EP_SMTP_ERROR_MESSAGE_TOO_BIG, END_CODES },
    EACH (N_("The Message Is Too Large"), NULL),
    EACH (N_("Remove or shrink some attachments."), NULL),
    NULL },
  { ep_smtp_error_quark, { EP_SMTP_ERROR_SMTPUTF8_UNSUPPORTED, END_CODES },
    EACH (NULL, NULL),
    EACH (N_("This server cannot carry addresses with non-ASCII characters before the @."), NULL),
    NULL },
  { ep_smtp_error_quark, { EP_SMTP_ERROR_DSN_UNSUPPORTED, END_CODES },
    EACH (NULL, NULL),
    EACH (N_("This server cannot send delivery notifications. Turn them off under Delivery Options."), NULL),
    NULL },
  { ep_smtp_error_quark, { EP_SMTP_ERROR_REQUIRETLS_UNSUPPORTED, END_CODES },
    EACH (NULL, NULL),
    EACH (N_("This server cannot promise that the message travels over TLS all the way. Send it without that requirement under Delivery Options, or not at all."), NULL),
    NULL },
  /* Never "try again": the server may have the message, and a second try could deliver it twice. */
  { ep_smtp_error_quark, { EP_SMTP_ERROR_DELIVERY_UNKNOWN, END_CODES },
    EACH (N_("The Message May Have Been Sent"), NULL),
    EACH (N_("The connection was lost after the server received the message. Check with a recipient before sending it again."), NULL),
    NULL },
  { ep_mime_error_quark, { EP_MIME_ERROR_FILE, EP_MIME_ERROR_FILE_CHANGED, END_CODES },
    EACH (N_("The Message Cannot Be Sent As It Is"), NULL),
    EACH (N_("Remove the attachment or attach it again."), NULL),
    NULL },
  { ep_mime_error_quark, { END_CODES },
    EACH (N_("The Message Cannot Be Sent As It Is"), NULL),
    EACH (NULL, NULL),
    NULL },
  /* Built-in sign-in: the saved sign-in is missing or no longer accepted; only a new one helps. */
  { ep_oauth_error_quark, { EP_OAUTH_ERROR_NOT_SIGNED_IN, EP_OAUTH_ERROR_SIGN_IN_AGAIN, END_CODES },
    BOTH (N_("Sign In Again")),
    BOTH (N_("Open the profile in Server Profiles and sign in with your provider again.")),
    NULL },
  { ep_oauth_error_quark, { EP_OAUTH_ERROR_NO_CLIENT_ID, END_CODES },
    BOTH (N_("Sign-In Is Not Set Up")),
    BOTH (N_("Give the profile your own client ID under “Use my own client ID”, or ask whoever "
             "built Epistle to register one.")),
    NULL },
  /* GNOME Online Accounts: the account is changed, and signed in, there. */
  { ep_goa_error_quark, { EP_GOA_ERROR_SIGN_IN_AGAIN, END_CODES },
    BOTH (N_("Sign In Again in Online Accounts")),
    BOTH (N_("Open Settings → Online Accounts and sign in to this account again.")),
    NULL },
  { ep_goa_error_quark, { EP_GOA_ERROR_UNUSABLE, EP_GOA_ERROR_GONE, END_CODES },
    BOTH (N_("This Account Is Not Used")),
    BOTH (N_("Change the account in Settings → Online Accounts, or add it in Epistle with its own profile.")),
    NULL },
  /* Microsoft 365 in Online Accounts signs in for Microsoft Graph, which SMTP does not take. */
  { ep_goa_error_quark, { EP_GOA_ERROR_NOT_FOR_SMTP, END_CODES },
    BOTH (N_("This Account Cannot Send Mail from Epistle")),
    BOTH (N_("Add the account in Epistle (Server Profiles → Add → Microsoft 365) and sign in with Microsoft there.")),
    NULL },
  /* A cancelled send is a toast in the compose window, never a dialog. */
  { g_io_error_quark, { G_IO_ERROR_CANCELLED, END_CODES },
    EACH (NULL, N_("Test Cancelled")),
    EACH (NULL, NULL),
    NULL },
};

/* Replies that name their own fix: a provider's enhanced status code (RFC 3463 §3) together with
 * the words its servers send with it, found in the error's text (which keeps the server's).
 * Checked before the table: the generic advice for the same SMTP code would be wrong. */
typedef struct
{
  const char *enhanced;
  const char *words;
  const char *heading;
  const char *suggestion;
} ProviderReply;

static const ProviderReply provider_replies[] = {
  /* Microsoft 365 with SMTP AUTH turned off for the tenant (or the mailbox). */
  { "5.7.139", "SmtpClientAuthentication",
    N_("Your Organisation Has Turned Off SMTP Sign-In"),
    N_("Microsoft 365 refuses authenticated SMTP for this mailbox. Ask your administrator to allow "
       "“Authenticated SMTP” for it (Microsoft 365 admin center → Users → Mail → Manage email apps).") },
  /* Google with 2-Step Verification, given the account's usual password. */
  { "5.7.9", "Application-specific password",
    N_("Google Wants an App Password or a Sign-In"),
    N_("Sign in with Google in the profile, or create an app password (Google Account → Security → "
       "App passwords) and use it instead of your usual password.") },
  /* Exchange Online without basic authentication: passwords no longer work at all. */
  { "5.7.30", "Basic authentication",
    N_("Microsoft No Longer Takes Passwords Here"),
    N_("Outlook and Microsoft 365 no longer accept a password for sending. Sign in with Microsoft in "
       "the profile instead.") },
};

static const ProviderReply *
provider_reply_for (const GError *error)
{
  if (error->domain != EP_SMTP_ERROR || error->message == NULL)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (provider_replies); i++)
    if (strstr (error->message, provider_replies[i].enhanced) != NULL &&
        strstr (error->message, provider_replies[i].words) != NULL)
      return &provider_replies[i];
  return NULL;
}

static gboolean
row_matches (const AdviceRow *row,
             const GError    *error)
{
  if (error->domain != row->domain ())
    return FALSE;
  /* No codes: the row is for the whole domain. */
  if (row->codes[0] == END_CODES)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (row->codes) && row->codes[i] != END_CODES; i++)
    if (row->codes[i] == error->code)
      return TRUE;
  return FALSE;
}

/**
 * ep_error_advice_describe:
 * @error: what went wrong
 * @context: where the user met it
 * @profile: (nullable): the profile used, for advice about its host, port and security
 * @result: (nullable): the session's result, for what the server offered
 * @heading: (out) (transfer full): a short title, never empty
 * @suggestion: (out) (transfer full) (nullable): what to try, or NULL
 */
void
ep_error_advice_describe (const GError          *error,
                          EpErrorAdviceContext   context,
                          EpProfile             *profile,
                          EpSmtpResult          *result,
                          char                 **heading,
                          char                 **suggestion)
{
  const AdviceRow *row = NULL;
  const ProviderReply *reply;
  char *computed = NULL;

  g_return_if_fail (error != NULL && heading != NULL && suggestion != NULL);
  g_return_if_fail (context == EP_ERROR_ADVICE_SENDING || context == EP_ERROR_ADVICE_TESTING);

  reply = provider_reply_for (error);
  if (reply != NULL)
    {
      *heading = g_strdup (_(reply->heading));
      *suggestion = g_strdup (_(reply->suggestion));
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (advice_table) && row == NULL; i++)
    if (row_matches (&advice_table[i], error))
      row = &advice_table[i];

  if (row == NULL)
    {
      *heading = g_strdup (_(default_headings[context]));
      *suggestion = NULL;
      return;
    }

  *heading = g_strdup (_(row->heading[context] != NULL ? row->heading[context] : default_headings[context]));
  if (row->compute != NULL)
    computed = row->compute (profile, result);
  if (computed != NULL)
    *suggestion = computed;
  else
    *suggestion = row->suggestion[context] != NULL ? g_strdup (_(row->suggestion[context])) : NULL;
}
