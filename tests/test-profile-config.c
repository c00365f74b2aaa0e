/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-profile-config.c: a profile's SMTP configuration and where its secret comes from, for
 * each caller's case: a send (the keyring's, or the one typed; nothing is an error that names
 * the profile), the connection test (nothing means AUTH is skipped, and why; a saved password
 * stays with the saved server), epistle-send (--server elsewhere leaves out the pin and the
 * saved password; a password file wins), the Sandbox started on demand, password or OAuth
 * token by the mechanism. Run through ep-keyring-env.sh, with and without a headless keyring
 * (EP_TEST_KEYRING=present|absent); the Sandbox runs in this process. */
#include "config.h"

#include "ep-address.h"
#include "ep-profile-config.h"
#include "ep-sandbox-server.h"
#include "ep-secrets.h"
#include "ep-send-operation.h"
#include "ep-store-error.h"

#define PASSWORD "saved-Pa55word"
#define TYPED    "typed-Pa55word"

#define WAIT_US (20 * G_USEC_PER_SEC)

static gboolean
keyring_present (void)
{
  return g_strcmp0 (g_getenv ("EP_TEST_KEYRING"), "present") == 0;
}

static gboolean
require (gboolean present)
{
  if (g_getenv ("EP_TEST_KEYRING") == NULL)
    {
      g_test_skip ("not run through ep-keyring-env.sh");
      return FALSE;
    }
  if (keyring_present () != present)
    {
      g_test_skip (present ? "needs the keyring" : "needs a session without a keyring");
      return FALSE;
    }
  return TRUE;
}

/* A saved profile at 127.0.0.1:587 with a user name and a pinned certificate; with @password,
 * that is in the keyring under its id. */
static EpProfile *
work_profile (const char *password)
{
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *id = g_strconcat ("work-", uuid, NULL);
  EpProfile *profile = ep_profile_new_with_id (id, "Work");

  ep_profile_set_host (profile, "127.0.0.1");
  ep_profile_set_port (profile, 587);
  ep_profile_set_security (profile, EP_SMTP_SECURITY_STARTTLS);
  ep_profile_set_sender_address (profile, "me@example.org");
  ep_profile_set_username (profile, "me@example.org");
  ep_profile_set_pinned_sha256 (profile, "ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:"
                                         "ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89");
  if (password != NULL)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (ep_secrets_store_sync (id, "Work", password, NULL, &error));
      g_assert_no_error (error);
    }
  return profile;
}

static EpProfileConfig *
build (EpProfile                    *profile,
       const EpProfileConfigRequest *request)
{
  g_autoptr(GError) error = NULL;
  EpProfileConfig *result = ep_profile_config_build (profile, request, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_nonnull (result->config);
  return result;
}

/* ---- a send: the profile itself is the saved one ------------------------------------------- */

static void
test_send_keyring (void)
{
  g_autoptr(EpProfile) profile = NULL;
  g_autoptr(EpProfileConfig) result = NULL;

  if (!require (TRUE))
    return;
  profile = work_profile (PASSWORD);
  result = build (profile, &(EpProfileConfigRequest) { .saved = profile });
  g_assert_cmpint (result->secret, ==, EP_PROFILE_SECRET_KEYRING);
  g_assert_cmpstr (result->config->password, ==, PASSWORD);
  g_assert_null (result->config->oauth_token);
  g_assert_cmpstr (result->config->username, ==, "me@example.org");
  g_assert_cmpstr (result->config->host, ==, "127.0.0.1");
  g_assert_cmpuint (result->config->port, ==, 587);
  g_assert_nonnull (result->config->pinned_sha256);
  g_assert_cmpint (result->left_out, ==, EP_PROFILE_LEFT_OUT_NOTHING);
  g_assert_null (result->saved_server);
}

/* XOAUTH2 and OAUTHBEARER sign in with a token: the same secret goes there. */
static void
test_send_keyring_token (void)
{
  g_autoptr(EpProfile) profile = NULL;
  g_autoptr(EpProfileConfig) result = NULL;

  if (!require (TRUE))
    return;
  profile = work_profile (PASSWORD);
  ep_profile_set_auth (profile, EP_SMTP_AUTH_XOAUTH2);
  result = build (profile, &(EpProfileConfigRequest) { .saved = profile });
  g_assert_cmpint (result->secret, ==, EP_PROFILE_SECRET_KEYRING);
  g_assert_cmpstr (result->config->oauth_token, ==, PASSWORD);
  g_assert_null (result->config->password);
}

static void
test_send_typed (void)
{
  g_autoptr(EpProfile) profile = work_profile (NULL);
  g_autoptr(EpProfileConfig) result = NULL;

  /* With or without a keyring: the one typed is used, the keyring is not needed. */
  result = build (profile, &(EpProfileConfigRequest) { .saved = profile, .secret = TYPED });
  g_assert_cmpint (result->secret, ==, EP_PROFILE_SECRET_GIVEN);
  g_assert_cmpstr (result->config->password, ==, TYPED);
  g_assert_nonnull (result->config->pinned_sha256);
}

static void
test_send_no_user (void)
{
  g_autoptr(EpProfile) profile = work_profile (NULL);
  g_autoptr(EpProfileConfig) result = NULL;

  ep_profile_set_username (profile, NULL);
  result = build (profile, &(EpProfileConfigRequest) { .saved = profile });
  g_assert_cmpint (result->secret, ==, EP_PROFILE_SECRET_NONE);
  g_assert_null (result->config->username);
  g_assert_null (result->config->password);
}

/* Nothing typed and nothing saved: an error the send window answers by asking for it. */
static void
test_send_missing (void)
{
  g_autoptr(EpProfile) profile = work_profile (NULL);
  g_autoptr(GError) error = NULL;
  EpProfileConfig *result;

  result = ep_profile_config_build (profile, &(EpProfileConfigRequest) { .saved = profile }, NULL, &error);
  g_assert_null (result);
  if (keyring_present ())
    g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND);
  else
    g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NO_KEYRING);
}

/* The same through EpSendOperation: the error before any connection, no result. */
static void
send_done_cb (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  GError **error = user_data;
  EpSmtpResult *result = ep_send_operation_run_finish (EP_SEND_OPERATION (source), res, error);

  g_assert_null (result);
  g_assert_nonnull (*error);
}

static void
test_send_operation_missing (void)
{
  g_autoptr(EpProfile) profile = work_profile (NULL);
  g_autoptr(EpMessage) message = ep_message_new ();
  g_autoptr(EpAddress) from = ep_address_new (NULL, "me@example.org", "From", NULL);
  g_autoptr(EpAddress) to = ep_address_new (NULL, "you@example.org", "To", NULL);
  g_autoptr(EpSendOperation) op = NULL;
  g_autoptr(GError) error = NULL;
  gint64 end = g_get_monotonic_time () + WAIT_US;

  /* Nothing listens there: a connection attempt would fail with another error. */
  ep_profile_set_port (profile, 9);
  ep_message_set_from (message, from);
  ep_message_add_to (message, to);
  g_assert_true (ep_message_set_subject (message, "x", NULL));
  g_assert_true (ep_message_set_body (message, "x\n", -1, NULL));
  op = ep_send_operation_new (profile, message);
  ep_send_operation_run_async (op, NULL, send_done_cb, &error);
  while (error == NULL && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  if (keyring_present ())
    g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND);
  else
    g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NO_KEYRING);
}

/* ---- epistle-send's --server: another server gets neither the pin nor the saved password -- */

static void
test_server_elsewhere (void)
{
  g_autoptr(EpProfile) profile = NULL;
  g_autoptr(EpProfileConfig) result = NULL;

  if (!require (TRUE))
    return;
  profile = work_profile (PASSWORD);
  result = build (profile, &(EpProfileConfigRequest) {
                    .saved = profile, .server_host = "127.0.0.1", .server_port = 2525 });
  g_assert_cmpint (result->secret, ==, EP_PROFILE_SECRET_OTHER_SERVER);
  g_assert_cmpint (result->left_out, ==, EP_PROFILE_LEFT_OUT_PIN | EP_PROFILE_LEFT_OUT_SECRET);
  g_assert_cmpstr (result->saved_server, ==, "127.0.0.1:587");
  g_assert_null (result->config->password);
  g_assert_null (result->config->oauth_token);
  g_assert_null (result->config->pinned_sha256);
  g_assert_null (result->config->pinned_host);
  g_assert_cmpstr (result->config->host, ==, "127.0.0.1");
  g_assert_cmpuint (result->config->port, ==, 2525);
  /* The user name stays: a password file may go with it. */
  g_assert_cmpstr (result->config->username, ==, "me@example.org");
}

/* ...without even asking the keyring: with none, that is no error either. */
static void
test_server_elsewhere_no_keyring (void)
{
  g_autoptr(EpProfile) profile = NULL;
  g_autoptr(EpProfileConfig) result = NULL;

  if (!require (FALSE))
    return;
  profile = work_profile (NULL);
  result = build (profile, &(EpProfileConfigRequest) {
                    .saved = profile, .server_host = "mx.example.net", .server_port = 587 });
  g_assert_cmpint (result->secret, ==, EP_PROFILE_SECRET_OTHER_SERVER);
  g_assert_cmpstr (result->config->host, ==, "mx.example.net");
}

/* A password file goes with --server wherever it points; the saved one is still left out. */
static void
test_server_elsewhere_given (void)
{
  g_autoptr(EpProfile) profile = work_profile (NULL);
  g_autoptr(EpProfileConfig) result = NULL;

  result = build (profile, &(EpProfileConfigRequest) {
                    .saved = profile, .secret = TYPED, .server_host = "127.0.0.1", .server_port = 2525 });
  g_assert_cmpint (result->secret, ==, EP_PROFILE_SECRET_GIVEN);
  g_assert_cmpstr (result->config->password, ==, TYPED);
  g_assert_cmpint (result->left_out, ==, EP_PROFILE_LEFT_OUT_PIN | EP_PROFILE_LEFT_OUT_SECRET);
  g_assert_null (result->config->pinned_sha256);
}

/* --server naming the profile's own server (any case) changes nothing. */
static void
test_server_same (void)
{
  g_autoptr(EpProfile) profile = NULL;
  g_autoptr(EpProfileConfig) result = NULL;

  if (!require (TRUE))
    return;
  profile = work_profile (PASSWORD);
  ep_profile_set_host (profile, "smtp.example.org");
  ep_profile_set_pinned_sha256 (profile, "ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:"
                                         "ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89");
  result = build (profile, &(EpProfileConfigRequest) {
                    .saved = profile, .server_host = "SMTP.example.org", .server_port = 587 });
  g_assert_cmpint (result->secret, ==, EP_PROFILE_SECRET_KEYRING);
  g_assert_cmpint (result->left_out, ==, EP_PROFILE_LEFT_OUT_NOTHING);
  g_assert_nonnull (result->config->pinned_sha256);
  g_assert_cmpstr (result->config->password, ==, PASSWORD);
}

/* A profile without a user name and without a pin has nothing to leave out. */
static void
test_server_elsewhere_nothing (void)
{
  g_autoptr(EpProfile) profile = work_profile (NULL);
  g_autoptr(EpProfileConfig) result = NULL;

  ep_profile_set_username (profile, NULL);
  ep_profile_set_pinned_sha256 (profile, NULL);
  result = build (profile, &(EpProfileConfigRequest) {
                    .saved = profile, .server_host = "127.0.0.1", .server_port = 2525 });
  g_assert_cmpint (result->secret, ==, EP_PROFILE_SECRET_NONE);
  g_assert_cmpint (result->left_out, ==, EP_PROFILE_LEFT_OUT_NOTHING);
}

/* ---- the connection test: values being edited, a missing secret skips AUTH --------------- */

static void
test_test_keyring (void)
{
  g_autoptr(EpProfile) saved = NULL;
  g_autoptr(EpProfile) edited = NULL;
  g_autoptr(EpProfileConfig) result = NULL;

  if (!require (TRUE))
    return;
  saved = work_profile (PASSWORD);
  edited = ep_profile_copy (saved, ep_profile_get_id (saved), NULL);
  ep_profile_set_timeout (edited, 7);
  result = build (edited, &(EpProfileConfigRequest) {
                    .saved = saved, .flags = EP_PROFILE_CONFIG_SECRET_OPTIONAL });
  g_assert_cmpint (result->secret, ==, EP_PROFILE_SECRET_KEYRING);
  g_assert_cmpstr (result->config->password, ==, PASSWORD);
  g_assert_cmpuint (result->config->timeout_seconds, ==, 7);
}

/* The fields point at another port: the saved password is for the saved server only. The pin
 * in the fields is the edited profile's own (moving the server forgets it), so it stays. */
static void
test_test_other_server (void)
{
  g_autoptr(EpProfile) saved = NULL;
  g_autoptr(EpProfile) edited = NULL;
  g_autoptr(EpProfileConfig) result = NULL;

  saved = work_profile (keyring_present () ? PASSWORD : NULL);
  edited = ep_profile_copy (saved, ep_profile_get_id (saved), NULL);
  ep_profile_set_port (edited, 2525);
  ep_profile_set_pinned_sha256 (edited, "01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:"
                                        "01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef");
  result = build (edited, &(EpProfileConfigRequest) {
                    .saved = saved, .flags = EP_PROFILE_CONFIG_SECRET_OPTIONAL });
  g_assert_cmpint (result->secret, ==, EP_PROFILE_SECRET_OTHER_SERVER);
  g_assert_cmpint (result->left_out, ==, EP_PROFILE_LEFT_OUT_SECRET);
  g_assert_cmpstr (result->saved_server, ==, "127.0.0.1:587");
  g_assert_null (result->config->password);
  g_assert_nonnull (result->config->pinned_sha256);
  g_assert_cmpuint (result->config->port, ==, 2525);
}

static void
test_test_missing (void)
{
  g_autoptr(EpProfile) saved = work_profile (NULL);
  g_autoptr(EpProfile) unsaved = work_profile (NULL);
  g_autoptr(EpProfileConfig) result = NULL;
  g_autoptr(EpProfileConfig) result_unsaved = NULL;

  /* Nothing in the keyring, or no keyring at all: no error, AUTH is skipped. */
  result = build (saved, &(EpProfileConfigRequest) {
                    .saved = saved, .flags = EP_PROFILE_CONFIG_SECRET_OPTIONAL });
  g_assert_cmpint (result->secret, ==, EP_PROFILE_SECRET_MISSING);
  g_assert_null (result->config->password);
  g_assert_cmpstr (result->config->username, ==, "me@example.org");

  /* A profile not saved yet has nothing in the keyring. */
  result_unsaved = build (unsaved, &(EpProfileConfigRequest) {
                            .saved = NULL, .flags = EP_PROFILE_CONFIG_SECRET_OPTIONAL });
  g_assert_cmpint (result_unsaved->secret, ==, EP_PROFILE_SECRET_MISSING);
}

/* A cancelled test stays cancelled, even where a missing secret is no error. */
static void
test_test_cancelled (void)
{
  g_autoptr(EpProfile) profile = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  EpProfileConfig *result;

  if (!require (TRUE))
    return;
  profile = work_profile (PASSWORD);
  g_cancellable_cancel (cancellable);
  result = ep_profile_config_build (profile, &(EpProfileConfigRequest) {
                                      .saved = profile, .flags = EP_PROFILE_CONFIG_SECRET_OPTIONAL },
                                    cancellable, &error);
  g_assert_null (result);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* ---- the Sandbox ---------------------------------------------------------------------------- */

static void
test_sandbox (void)
{
  g_autoptr(EpProfile) profile = ep_profile_new_sandbox ();
  g_autoptr(EpProfileConfig) result = NULL;
  EpSandboxServer *server = ep_sandbox_server_get_default ();

  result = build (profile, &(EpProfileConfigRequest) { .saved = profile });
  /* Started on demand, and pointed at. */
  g_assert_true (ep_sandbox_server_is_running (server));
  g_assert_cmpint (result->secret, ==, EP_PROFILE_SECRET_SANDBOX);
  g_assert_cmpstr (result->config->host, ==, "127.0.0.1");
  g_assert_cmpuint (result->config->port, ==, ep_sandbox_server_get_port (server));
  g_assert_cmpstr (result->config->username, ==, ep_sandbox_server_get_username (server));
  g_assert_cmpstr (result->config->password, ==, ep_sandbox_server_get_password (server));
  g_assert_cmpstr (result->config->pinned_sha256, ==, ep_sandbox_server_get_certificate_sha256 (server));
  g_assert_cmpint (result->left_out, ==, EP_PROFILE_LEFT_OUT_NOTHING);
}

/* An edited copy of the Sandbox (not marked as the Sandbox) is it too, with the flag. */
static void
test_sandbox_flag (void)
{
  g_autoptr(EpProfile) sandbox = ep_profile_new_sandbox ();
  g_autoptr(EpProfile) copy = ep_profile_copy (sandbox, ep_profile_get_id (sandbox), NULL);
  g_autoptr(EpProfileConfig) result = NULL;

  g_assert_false (ep_profile_get_is_sandbox (copy));
  result = build (copy, &(EpProfileConfigRequest) {
                    .flags = EP_PROFILE_CONFIG_SANDBOX | EP_PROFILE_CONFIG_SECRET_OPTIONAL });
  g_assert_cmpint (result->secret, ==, EP_PROFILE_SECRET_SANDBOX);
  g_assert_cmpuint (result->config->port, ==, ep_sandbox_server_get_port (ep_sandbox_server_get_default ()));
}

/* --server elsewhere with --profile Sandbox: its account and certificate stay with it; a
 * password file still goes. */
static void
test_sandbox_elsewhere (void)
{
  g_autoptr(EpProfile) profile = ep_profile_new_sandbox ();
  g_autoptr(EpProfileConfig) result = NULL;
  g_autoptr(EpProfileConfig) given = NULL;
  EpSandboxServer *server = ep_sandbox_server_get_default ();
  g_autofree char *own = NULL;

  result = build (profile, &(EpProfileConfigRequest) {
                    .saved = profile, .server_host = "127.0.0.2", .server_port = 2525 });
  own = g_strdup_printf ("127.0.0.1:%u", ep_sandbox_server_get_port (server));
  g_assert_cmpint (result->secret, ==, EP_PROFILE_SECRET_OTHER_SERVER);
  g_assert_cmpint (result->left_out, ==, EP_PROFILE_LEFT_OUT_PIN | EP_PROFILE_LEFT_OUT_SECRET);
  g_assert_cmpstr (result->saved_server, ==, own);
  g_assert_null (result->config->password);
  g_assert_null (result->config->pinned_sha256);
  g_assert_cmpstr (result->config->host, ==, "127.0.0.2");
  g_assert_cmpuint (result->config->port, ==, 2525);

  given = build (profile, &(EpProfileConfigRequest) {
                   .saved = profile, .secret = TYPED, .server_host = "127.0.0.2", .server_port = 2525 });
  g_assert_cmpint (given->secret, ==, EP_PROFILE_SECRET_GIVEN);
  g_assert_cmpstr (given->config->password, ==, TYPED);
}

/* ---- the secret's slot ---------------------------------------------------------------------- */

static void
test_set_secret (void)
{
  g_autoptr(EpSmtpConfig) config = ep_smtp_config_new ();

  config->password = g_strdup ("old");
  config->auth = EP_SMTP_AUTH_OAUTHBEARER;
  ep_profile_config_set_secret (config, "token");
  g_assert_null (config->password);
  g_assert_cmpstr (config->oauth_token, ==, "token");

  config->auth = EP_SMTP_AUTH_PLAIN;
  ep_profile_config_set_secret (config, "password");
  g_assert_null (config->oauth_token);
  g_assert_cmpstr (config->password, ==, "password");

  ep_profile_config_set_secret (config, NULL);
  g_assert_null (config->password);
  g_assert_null (config->oauth_token);
}

/* ---- the copy in the Sent folder ----------------------------------------------------------- */

/* The IMAP side gets the SMTP side's secret (a password, or a token for the same mechanism),
 * its own server and user name, never the SMTP server's pin; no IMAP server, no configuration. */
static void
test_imap_config (void)
{
  g_autoptr(EpProfile) profile = work_profile (NULL);
  g_autoptr(EpProfileConfig) result = NULL;
  g_autoptr(EpImapConfig) imap = NULL;
  g_autoptr(GError) error = NULL;

  result = build (profile, &(EpProfileConfigRequest) { .saved = profile, .secret = TYPED });
  g_assert_null (ep_profile_config_dup_imap (result, profile));

  ep_profile_set_sent_copy (profile, TRUE);
  ep_profile_set_imap_host (profile, "imap.example.org");
  ep_profile_set_imap_sent_folder (profile, "Sent Items");
  ep_profile_set_imap_pinned_sha256 (profile, "01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:"
                                              "01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef");
  imap = ep_profile_config_dup_imap (result, profile);
  g_assert_nonnull (imap);
  g_assert_cmpstr (imap->host, ==, "imap.example.org");
  g_assert_cmpint (imap->security, ==, EP_SMTP_SECURITY_TLS);
  g_assert_cmpuint (ep_imap_config_get_port (imap), ==, EP_IMAP_PORT_TLS);
  g_assert_cmpstr (imap->username, ==, "me@example.org");
  g_assert_cmpstr (imap->password, ==, TYPED);
  g_assert_null (imap->oauth_token);
  g_assert_cmpint (imap->auth, ==, EP_SMTP_AUTH_AUTO);
  /* Its own pin, for its own server; never the SMTP server's. */
  g_assert_cmpstr (imap->pinned_sha256, !=, result->config->pinned_sha256);
  g_assert_true (g_str_has_prefix (imap->pinned_sha256, "01:23"));
  g_assert_cmpstr (imap->pinned_host, ==, "imap.example.org");
  g_assert_cmpuint (ep_imap_config_get_pinned_port (imap), ==, EP_IMAP_PORT_TLS);
  g_assert_cmpstr (imap->sent_mailbox, ==, "Sent Items");
  g_assert_cmpuint (imap->timeout_seconds, ==, result->config->timeout_seconds);
  g_assert_true (ep_imap_config_validate (imap, &error));
  g_assert_no_error (error);
  g_clear_pointer (&imap, ep_imap_config_free);

  /* Its own user name; a token signs in with the SMTP side's token mechanism. */
  ep_profile_set_imap_username (profile, "me");
  ep_profile_set_imap_port (profile, 1993);
  ep_profile_set_imap_sent_folder (profile, "");
  ep_profile_set_auth (profile, EP_SMTP_AUTH_OAUTHBEARER);
  g_clear_pointer (&result, ep_profile_config_free);
  result = build (profile, &(EpProfileConfigRequest) { .saved = profile, .secret = TYPED });
  imap = ep_profile_config_dup_imap (result, profile);
  g_assert_cmpstr (imap->username, ==, "me");
  g_assert_cmpuint (imap->port, ==, 1993);
  g_assert_cmpstr (imap->oauth_token, ==, TYPED);
  g_assert_null (imap->password);
  g_assert_cmpint (imap->auth, ==, EP_SMTP_AUTH_OAUTHBEARER);
  g_assert_null (imap->sent_mailbox);
  /* The port changed: the pin was for the other one. */
  g_assert_null (imap->pinned_sha256);
}

/* An IMAP server with a password of its own: the one typed for the session, else the keyring's
 * (saved for this profile and this IMAP server); never the SMTP side's secret, never a token. */
static void
test_imap_own_password (void)
{
  g_autoptr(EpProfile) profile = NULL;
  g_autoptr(EpProfile) elsewhere = NULL;
  g_autoptr(EpProfileConfig) result = NULL;
  g_autoptr(EpImapConfig) imap = NULL;
  g_autoptr(GError) error = NULL;

  if (!require (TRUE))
    return;

  profile = work_profile (PASSWORD);
  ep_profile_set_sent_copy (profile, TRUE);
  ep_profile_set_imap_host (profile, "imap.example.org");
  ep_profile_set_imap_username (profile, "mailbox-user");
  ep_profile_set_imap_own_password (profile, TRUE);
  g_assert_true (ep_secrets_store_token_sync (ep_profile_get_id (profile), EP_SECRETS_KIND_IMAP_PASSWORD,
                                              "Work (IMAP)", "imap-Pa55word", NULL, &error));
  g_assert_no_error (error);

  /* A send: the SMTP password from the keyring, the IMAP one from its own entry. */
  result = build (profile, &(EpProfileConfigRequest) { .saved = profile });
  g_assert_cmpstr (result->config->password, ==, PASSWORD);
  g_assert_cmpint (result->imap_secret, ==, EP_PROFILE_SECRET_KEYRING);
  imap = ep_profile_config_dup_imap (result, profile);
  g_assert_cmpstr (imap->username, ==, "mailbox-user");
  g_assert_cmpstr (imap->password, ==, "imap-Pa55word");
  g_assert_null (imap->oauth_token);
  g_clear_pointer (&imap, ep_imap_config_free);
  g_clear_pointer (&result, ep_profile_config_free);

  /* Typed (the editor's Test Connection) wins. */
  result = build (profile, &(EpProfileConfigRequest) { .saved = profile, .imap_secret = TYPED });
  g_assert_cmpint (result->imap_secret, ==, EP_PROFILE_SECRET_GIVEN);
  imap = ep_profile_config_dup_imap (result, profile);
  g_assert_cmpstr (imap->password, ==, TYPED);
  g_clear_pointer (&imap, ep_imap_config_free);
  g_clear_pointer (&result, ep_profile_config_free);

  /* Another IMAP server than the saved one does not get the saved password, nor the SMTP one. */
  elsewhere = ep_profile_copy (profile, ep_profile_get_id (profile), NULL);
  ep_profile_set_imap_host (elsewhere, "imap.elsewhere.example");
  result = build (elsewhere, &(EpProfileConfigRequest) { .saved = profile });
  g_assert_cmpint (result->imap_secret, ==, EP_PROFILE_SECRET_OTHER_SERVER);
  imap = ep_profile_config_dup_imap (result, elsewhere);
  g_assert_null (imap->password);
  g_assert_null (imap->oauth_token);
  g_clear_pointer (&imap, ep_imap_config_free);
  g_clear_pointer (&result, ep_profile_config_free);

  /* Nothing saved: missing, and the SMTP password is not used in its place. */
  g_assert_true (ep_secrets_clear_token_sync (ep_profile_get_id (profile), EP_SECRETS_KIND_IMAP_PASSWORD,
                                              NULL, &error));
  result = build (profile, &(EpProfileConfigRequest) { .saved = profile });
  g_assert_cmpint (result->imap_secret, ==, EP_PROFILE_SECRET_MISSING);
  imap = ep_profile_config_dup_imap (result, profile);
  g_assert_null (imap->password);
  g_clear_pointer (&imap, ep_imap_config_free);
  g_clear_pointer (&result, ep_profile_config_free);

  /* Without imap-own-password: the SMTP side's, as before. */
  ep_profile_set_imap_own_password (profile, FALSE);
  result = build (profile, &(EpProfileConfigRequest) { .saved = profile });
  g_assert_cmpint (result->imap_secret, ==, EP_PROFILE_SECRET_NONE);
  imap = ep_profile_config_dup_imap (result, profile);
  g_assert_cmpstr (imap->password, ==, PASSWORD);
  ep_secrets_clear_sync (ep_profile_get_id (profile), NULL, NULL);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/profile-config/send/keyring", test_send_keyring);
  g_test_add_func ("/profile-config/send/keyring-token", test_send_keyring_token);
  g_test_add_func ("/profile-config/send/typed", test_send_typed);
  g_test_add_func ("/profile-config/send/no-user", test_send_no_user);
  g_test_add_func ("/profile-config/send/missing", test_send_missing);
  g_test_add_func ("/profile-config/send/operation-missing", test_send_operation_missing);
  g_test_add_func ("/profile-config/server/elsewhere", test_server_elsewhere);
  g_test_add_func ("/profile-config/server/elsewhere-no-keyring", test_server_elsewhere_no_keyring);
  g_test_add_func ("/profile-config/server/elsewhere-given", test_server_elsewhere_given);
  g_test_add_func ("/profile-config/server/same", test_server_same);
  g_test_add_func ("/profile-config/server/elsewhere-nothing", test_server_elsewhere_nothing);
  g_test_add_func ("/profile-config/test/keyring", test_test_keyring);
  g_test_add_func ("/profile-config/test/other-server", test_test_other_server);
  g_test_add_func ("/profile-config/test/missing", test_test_missing);
  g_test_add_func ("/profile-config/test/cancelled", test_test_cancelled);
  g_test_add_func ("/profile-config/sandbox/started", test_sandbox);
  g_test_add_func ("/profile-config/sandbox/flag", test_sandbox_flag);
  g_test_add_func ("/profile-config/sandbox/elsewhere", test_sandbox_elsewhere);
  g_test_add_func ("/profile-config/set-secret", test_set_secret);
  g_test_add_func ("/profile-config/imap", test_imap_config);
  g_test_add_func ("/profile-config/imap-own-password", test_imap_own_password);

  ret = g_test_run ();
  ep_sandbox_server_stop (ep_sandbox_server_get_default ());
  ep_secrets_disconnect ();
  return ret;
}
