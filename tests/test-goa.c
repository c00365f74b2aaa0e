/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-goa.c: GNOME Online Accounts as a source of profiles, against a fake service on the
 * test's private session bus (ep-fake-goa.h) and the scripted SMTP server: accounts listed and
 * followed live, the accounts Epistle refuses, the token of GetAccessToken on the wire in
 * XOAUTH2, one fresh token after a refusal, "sign in again", Microsoft 365's Graph tokens, and
 * no service at all. */
#include "config.h"

#include <string.h>

#include "ep-fake-goa.h"
#include "ep-goa-account.h"
#include "ep-goa-accounts.h"
#include "ep-goa-error.h"
#include "ep-message.h"
#include "ep-outbox-delivery.h"
#include "ep-outbox-store.h"
#include "ep-profile-config.h"
#include "ep-profile-store.h"
#include "ep-send-cli.h"
#include "ep-script-server.h"
#include "ep-send-operation.h"
#include "ep-smtp-scripts.h"
#include "ep-store-error.h"
#include "ep-test-certs.h"
#include "ep-test-send.h"
#include "ep-test-util.h"

#define WAIT_MS 10000

static const EpFakeGoaAccount google = {
  .id = "account_1_0", .provider_type = "google", .provider_name = "Google",
  .address = EP_SCRIPT_SENDER, .smtp_host = "127.0.0.1:1", .kind = EP_FAKE_GOA_OAUTH2,
  .use_tls = TRUE,
};
static const EpFakeGoaAccount password = {
  .id = "account_2_0", .provider_type = "imap_smtp", .provider_name = "IMAP and SMTP",
  .address = "pat@example.org", .smtp_host = "smtp.example.org", .kind = EP_FAKE_GOA_PASSWORD,
  .use_ssl = TRUE,
};
static const EpFakeGoaAccount disabled = {
  .id = "account_3_0", .provider_type = "google", .provider_name = "Google",
  .address = "off@example.org", .smtp_host = "smtp.example.org", .kind = EP_FAKE_GOA_OAUTH2,
  .use_tls = TRUE, .mail_disabled = TRUE,
};
static const EpFakeGoaAccount any_certificate = {
  .id = "account_4_0", .provider_type = "imap_smtp", .provider_name = "IMAP and SMTP",
  .address = "lax@example.org", .smtp_host = "smtp.example.org:2525", .kind = EP_FAKE_GOA_PASSWORD,
  .use_tls = TRUE, .accept_ssl_errors = TRUE,
};
static const EpFakeGoaAccount plain = {
  .id = "account_5_0", .provider_type = "imap_smtp", .provider_name = "IMAP and SMTP",
  .address = "clear@example.org", .smtp_host = "smtp.example.org:25", .kind = EP_FAKE_GOA_PASSWORD,
};

/* ---- Helpers ---------------------------------------------------------------------------------- */

static GMutex log_lock;
static GString *logged;

/* Every log line, debug ones included, for the check that no token or password is ever logged. */
static GLogWriterOutput
log_writer (GLogLevelFlags   level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE"))
      {
        g_mutex_lock (&log_lock);
        g_string_append_len (logged, fields[i].value, fields[i].length);
        g_string_append_c (logged, '\n');
        g_mutex_unlock (&log_lock);
      }
  if (level & G_LOG_LEVEL_DEBUG)
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (level, fields, n_fields, user_data);
}

typedef struct {
  gboolean done;
  GError  *error;
} Loaded;

static void
loaded_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Loaded *loaded = user_data;

  ep_goa_accounts_load_finish (EP_GOA_ACCOUNTS (object), result, &loaded->error);
  loaded->done = TRUE;
}

/* Iterates the default context until @done is set (bounded). */
static void
spin_until (gboolean *done)
{
  gint64 deadline = g_get_monotonic_time () + ep_test_slack (10 * G_USEC_PER_SEC);

  while (!*done)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

static void
load (EpGoaAccounts *accounts)
{
  Loaded loaded = { 0 };

  ep_goa_accounts_load_async (accounts, NULL, loaded_cb, &loaded);
  spin_until (&loaded.done);
  g_assert_no_error (loaded.error);
}

typedef gboolean (*Predicate) (EpProfileStore *store, gconstpointer data);

/* Iterates until the store (changed by the service's signals) satisfies @predicate. */
static void
wait_for (EpProfileStore *store,
          Predicate       predicate,
          gconstpointer   data)
{
  gint64 deadline = g_get_monotonic_time () + ep_test_slack (10 * G_USEC_PER_SEC);

  while (!predicate (store, data))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static gboolean
listed (EpProfileStore *store,
        gconstpointer   id)
{
  return ep_profile_store_lookup_by_id (store, id) != NULL;
}

static gboolean
not_listed (EpProfileStore *store,
            gconstpointer   id)
{
  return ep_profile_store_lookup_by_id (store, id) == NULL;
}

static gboolean
has_problem (EpProfileStore *store,
             gconstpointer   id)
{
  EpProfile *profile = ep_profile_store_lookup_by_id (store, id);
  g_autofree char *problem = profile != NULL ? ep_goa_account_dup_problem (ep_goa_account_from_profile (profile)) : NULL;

  return problem != NULL;
}

static gboolean
usable (EpProfileStore *store,
        gconstpointer   id)
{
  EpProfile *profile = ep_profile_store_lookup_by_id (store, id);
  g_autofree char *problem = profile != NULL ? ep_goa_account_dup_problem (ep_goa_account_from_profile (profile)) : NULL;

  return profile != NULL && problem == NULL;
}

static EpProfileConfig *
build_config (EpProfile  *profile,
              GError    **error)
{
  EpProfileConfigRequest request = { .saved = profile };

  return ep_profile_config_build (profile, &request, NULL, error);
}

/* ---- Listing -------------------------------------------------------------------------------- */

/* No service on the bus (nothing auto-starts on the test's bus): nothing listed, no error, no
 * warning (warnings are fatal here). */
static void
test_absent (void)
{
  g_autoptr(EpProfileStore) store = ep_profile_store_new (g_get_user_config_dir ());
  g_autoptr(EpGoaAccounts) accounts = ep_goa_accounts_new (store);

  load (accounts);
  g_assert_cmpuint (ep_goa_accounts_get_n_listed (accounts), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (ep_profile_store_list (store)), ==, 1);
}

/* Every mail account listed, read-only, with its settings; the refused ones with the reason,
 * and never used: their configuration fails before any credentials are asked for. */
static void
test_list (void)
{
  g_autoptr(EpFakeGoa) fake = ep_fake_goa_new ();
  g_autoptr(EpProfileStore) store = ep_profile_store_new (g_get_user_config_dir ());
  g_autoptr(EpGoaAccounts) accounts = ep_goa_accounts_new (store);
  g_autoptr(GError) error = NULL;
  g_autofree char *file = NULL;
  const EpFakeGoaAccount *refused[] = { &disabled, &any_certificate, &plain };
  EpProfile *profile;

  ep_fake_goa_add (fake, &google);
  ep_fake_goa_add (fake, &password);
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    ep_fake_goa_add (fake, refused[i]);
  load (accounts);
  g_assert_cmpuint (ep_goa_accounts_get_n_listed (accounts), ==, 5);

  profile = ep_profile_store_lookup_by_id (store, "goa:account_1_0");
  g_assert_nonnull (profile);
  g_assert_nonnull (ep_goa_account_from_profile (profile));
  g_assert_cmpstr (ep_profile_get_name (profile), ==, EP_SCRIPT_SENDER " (Google)");
  g_assert_cmpstr (ep_profile_get_host (profile), ==, "127.0.0.1");
  g_assert_cmpuint (ep_profile_get_port (profile), ==, 1);
  g_assert_cmpint (ep_profile_get_security (profile), ==, EP_SMTP_SECURITY_STARTTLS);
  g_assert_cmpint (ep_profile_get_auth (profile), ==, EP_SMTP_AUTH_XOAUTH2);
  g_assert_cmpstr (ep_profile_get_username (profile), ==, EP_SCRIPT_SENDER);
  g_assert_true (usable (store, "goa:account_1_0"));

  profile = ep_profile_store_lookup_by_id (store, "goa:account_2_0");
  g_assert_cmpint (ep_profile_get_security (profile), ==, EP_SMTP_SECURITY_TLS);
  g_assert_cmpuint (ep_profile_get_port (profile), ==, 465);
  g_assert_cmpint (ep_profile_get_auth (profile), ==, EP_SMTP_AUTH_PLAIN);
  g_assert_true (usable (store, "goa:account_2_0"));

  /* A password account's secret is GOA's SMTP password. */
  {
    g_autoptr(EpProfileConfig) config = build_config (profile, &error);

    g_assert_no_error (error);
    g_assert_cmpint (config->secret, ==, EP_PROFILE_SECRET_GOA);
    g_assert_cmpstr (config->config->password, ==, "account_2_0-password");
    g_assert_null (config->config->oauth_token);
    g_assert_cmpuint (ep_fake_goa_count (fake, "account_2_0", "EnsureCredentials"), ==, 1);
    g_assert_cmpuint (ep_fake_goa_count (fake, "account_2_0", "GetPassword"), ==, 1);
  }

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autofree char *id = g_strconcat (EP_GOA_PROFILE_ID_PREFIX, refused[i]->id, NULL);
      g_autoptr(EpProfileConfig) config = NULL;

      profile = ep_profile_store_lookup_by_id (store, id);
      g_assert_nonnull (profile);
      g_assert_true (has_problem (store, id));
      config = build_config (profile, &error);
      g_assert_null (config);
      g_assert_error (error, EP_GOA_ERROR, EP_GOA_ERROR_UNUSABLE);
      g_test_message ("%s: %s", id, error->message);
      g_clear_error (&error);
      g_assert_cmpuint (ep_fake_goa_count (fake, refused[i]->id, "EnsureCredentials"), ==, 0);
      g_assert_cmpuint (ep_fake_goa_count (fake, refused[i]->id, "GetPassword"), ==, 0);
      g_assert_cmpuint (ep_fake_goa_count (fake, refused[i]->id, "GetAccessToken"), ==, 0);
    }
  {
    g_autofree char *reason = ep_goa_account_dup_problem (
      ep_goa_account_from_profile (ep_profile_store_lookup_by_id (store, "goa:account_4_0")));

    g_assert_nonnull (strstr (reason, "certificate errors"));
    g_free (reason);
    reason = ep_goa_account_dup_problem (
      ep_goa_account_from_profile (ep_profile_store_lookup_by_id (store, "goa:account_5_0")));
    g_assert_nonnull (strstr (reason, "without encryption"));
    g_free (reason);
    reason = ep_goa_account_dup_problem (
      ep_goa_account_from_profile (ep_profile_store_lookup_by_id (store, "goa:account_3_0")));
    g_assert_nonnull (strstr (reason, "Mail is turned off"));
  }

  /* Read-only: not deletable, never written to profiles.ini, kept when the file is read again. */
  profile = ep_profile_store_lookup_by_id (store, "goa:account_1_0");
  g_assert_true (ep_profile_store_is_external (store, profile));
  g_assert_false (ep_profile_store_remove (store, profile, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_PROTECTED);
  g_clear_error (&error);
  g_assert_true (ep_profile_store_save (store, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (ep_profile_store_get_path (store), &file, NULL, &error));
  g_assert_null (strstr (file, "goa"));
  g_assert_null (strstr (file, "example.org"));
  g_assert_true (ep_profile_store_load (store, &error));
  g_assert_true (ep_profile_store_lookup_by_id (store, "goa:account_1_0") == profile);
}

/* Accounts added, removed, mail turned off and on while listed: the list follows. */
static void
test_live (void)
{
  g_autoptr(EpFakeGoa) fake = ep_fake_goa_new ();
  g_autoptr(EpProfileStore) store = ep_profile_store_new (g_get_user_config_dir ());
  g_autoptr(EpGoaAccounts) accounts = ep_goa_accounts_new (store);
  g_autoptr(EpProfile) removed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(EpProfileConfig) config = NULL;

  load (accounts);
  g_assert_cmpuint (ep_goa_accounts_get_n_listed (accounts), ==, 0);

  ep_fake_goa_add (fake, &google);
  wait_for (store, listed, "goa:account_1_0");
  g_assert_true (usable (store, "goa:account_1_0"));

  ep_fake_goa_set_mail_disabled (fake, google.id, TRUE);
  wait_for (store, has_problem, "goa:account_1_0");
  ep_fake_goa_set_mail_disabled (fake, google.id, FALSE);
  wait_for (store, usable, "goa:account_1_0");

  removed = g_object_ref (ep_profile_store_lookup_by_id (store, "goa:account_1_0"));
  ep_fake_goa_remove (fake, google.id);
  wait_for (store, not_listed, "goa:account_1_0");
  g_assert_cmpuint (ep_goa_accounts_get_n_listed (accounts), ==, 0);
  /* A send that still holds the profile is told, and nothing is asked of the service. */
  config = build_config (removed, &error);
  g_assert_null (config);
  g_assert_error (error, EP_GOA_ERROR, EP_GOA_ERROR_UNUSABLE);
}

/* ---- Sending -------------------------------------------------------------------------------- */

#define GOA_OPENING EP_SCRIPT_GREETING EP_SCRIPT_EHLO_STARTTLS EP_SCRIPT_STARTTLS \
                    "TLS: good\n"                                                 \
                    "C: EHLO *\n"                                                 \
                    "S: 250-mx.test\n"                                            \
                    "S: 250-PIPELINING\n"                                         \
                    "S: 250 AUTH XOAUTH2 PLAIN\n"

/* The exact XOAUTH2 initial response for the account's @n-th token from GetAccessToken. */
static char *
xoauth2 (const char *id,
         guint       n)
{
  g_autofree char *token = ep_fake_goa_token (id, n);
  g_autofree char *raw = g_strdup_printf ("user=%s\001auth=Bearer %s\001\001", EP_SCRIPT_SENDER, token);

  return g_base64_encode ((const guchar *) raw, strlen (raw));
}

static char *
accepting_script (const char *id,
                  guint       n)
{
  g_autofree char *payload = xoauth2 (id, n);

  return g_strdup_printf (GOA_OPENING
                          "C: AUTH XOAUTH2 %s\n"
                          "S: 235 2.7.0 Accepted\n"
                          EP_SCRIPT_DELIVER_TO ("ann@example.org")
                          EP_SCRIPT_QUIT_EOF, payload);
}

static char *
refusing_script (const char *id,
                 guint       n)
{
  g_autofree char *payload = xoauth2 (id, n);

  return g_strdup_printf (GOA_OPENING
                          "C: AUTH XOAUTH2 %s\n"
                          "S: 334 eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIn0=\n"
                          "C: \n"
                          "S: 535 5.7.8 Username and Password not accepted\n"
                          EP_SCRIPT_QUIT_EOF, payload);
}

/* The second SMTP session: the fake hands out its second token once the first session is over. */
static void
second_server_hook (guint    n,
                    gpointer user_data)
{
  if (n >= 2)
    ep_test_relay_next (user_data);
}

static void
send_with (EpProfile         *profile,
           EpTestSendOutcome *outcome)
{
  g_autofree char *sent_dir = ep_test_make_dir ("goa-sent");

  ep_test_send (profile, sent_dir, NULL, outcome);
}

/* The fake's account @spec at 127.0.0.1:@port, listed, with the test certificate pinned (what
 * the person would see as a certificate trusted for the server). */
static EpProfile *
listed_profile (EpFakeGoa              *fake,
                EpProfileStore         *store,
                EpGoaAccounts          *accounts,
                const EpFakeGoaAccount *spec,
                guint16                 port)
{
  g_autofree char *host = g_strdup_printf ("127.0.0.1:%u", port);
  g_autofree char *id = g_strconcat (EP_GOA_PROFILE_ID_PREFIX, spec->id, NULL);
  g_autofree char *pin = ep_test_certs_sha256 ("good");
  EpFakeGoaAccount account = *spec;
  EpProfile *profile;

  account.smtp_host = host;
  ep_fake_goa_add (fake, &account);
  load (accounts);
  profile = ep_profile_store_lookup_by_id (store, id);
  g_assert_nonnull (profile);
  ep_profile_set_pinned_sha256 (profile, pin);
  ep_profile_set_timeout (profile, 5);
  return profile;
}

/* EnsureCredentials, then GetAccessToken's token exactly in XOAUTH2; redacted in the
 * transcript. */
static void
test_send_xoauth2 (void)
{
  g_autoptr(EpFakeGoa) fake = ep_fake_goa_new ();
  g_autoptr(EpProfileStore) store = ep_profile_store_new (g_get_user_config_dir ());
  g_autoptr(EpGoaAccounts) accounts = ep_goa_accounts_new (store);
  g_autofree char *script = accepting_script (google.id, 1);
  g_autoptr(EpScriptServer) smtp = ep_test_start_server (script, 0);
  EpProfile *profile = listed_profile (fake, store, accounts, &google, ep_script_server_get_port (smtp));
  g_autofree char *transcript = NULL;
  g_autofree char *token = ep_fake_goa_token (google.id, 1);
  EpTestSendOutcome outcome;

  send_with (profile, &outcome);
  g_assert_no_error (outcome.error);
  ep_script_server_assert_done (smtp, WAIT_MS);
  g_assert_cmpstr (outcome.result->auth_mechanism, ==, "XOAUTH2");
  g_assert_cmpuint (ep_fake_goa_count (fake, google.id, "EnsureCredentials"), ==, 1);
  g_assert_cmpuint (ep_fake_goa_count (fake, google.id, "GetAccessToken"), ==, 1);
  transcript = ep_smtp_transcript_to_string (outcome.result->transcript);
  g_assert_nonnull (strstr (transcript, "C: AUTH XOAUTH2 " EP_SMTP_TRANSCRIPT_REDACTED "\n"));
  g_assert_null (strstr (transcript, token));
  g_assert_null (strstr (transcript, "-token-"));
  ep_test_send_outcome_clear (&outcome);
}

/* The server refuses the token: EnsureCredentials and GetAccessToken once more, one more
 * session with the new token, delivered. */
static void
test_send_refused_once (void)
{
  g_autoptr(EpFakeGoa) fake = ep_fake_goa_new ();
  g_autoptr(EpProfileStore) store = ep_profile_store_new (g_get_user_config_dir ());
  g_autoptr(EpGoaAccounts) accounts = ep_goa_accounts_new (store);
  g_autofree char *first_script = refusing_script (google.id, 1);
  g_autofree char *transcript = NULL;
  EpTestRelay relay = { 0 };
  EpTestSendOutcome outcome;
  EpProfile *profile;

  relay.first = ep_test_start_server (first_script, 0);
  relay.port = ep_script_server_get_port (relay.first);
  relay.second_script = accepting_script (google.id, 2);
  profile = listed_profile (fake, store, accounts, &google, relay.port);
  ep_fake_goa_set_token_hook (fake, second_server_hook, &relay);

  send_with (profile, &outcome);
  g_assert_no_error (outcome.error);
  g_assert_nonnull (relay.second);
  ep_script_server_assert_done (relay.second, WAIT_MS);
  g_assert_cmpuint (ep_fake_goa_count (fake, google.id, "EnsureCredentials"), ==, 2);
  g_assert_cmpuint (ep_fake_goa_count (fake, google.id, "GetAccessToken"), ==, 2);
  transcript = ep_smtp_transcript_to_string (outcome.result->transcript);
  g_assert_nonnull (strstr (transcript, "GNOME Online Accounts: the server refused the access token"));
  g_assert_null (strstr (transcript, "-token-"));
  ep_test_send_outcome_clear (&outcome);
  ep_fake_goa_set_token_hook (fake, NULL, NULL);
  ep_test_relay_clear (&relay);
}

/* Refused again with the fresh token: the failure, never a third session or token. */
static void
test_send_refused_twice (void)
{
  g_autoptr(EpFakeGoa) fake = ep_fake_goa_new ();
  g_autoptr(EpProfileStore) store = ep_profile_store_new (g_get_user_config_dir ());
  g_autoptr(EpGoaAccounts) accounts = ep_goa_accounts_new (store);
  g_autofree char *first_script = refusing_script (google.id, 1);
  EpTestRelay relay = { 0 };
  EpTestSendOutcome outcome;
  EpProfile *profile;

  relay.first = ep_test_start_server (first_script, 0);
  relay.port = ep_script_server_get_port (relay.first);
  relay.second_script = refusing_script (google.id, 2);
  profile = listed_profile (fake, store, accounts, &google, relay.port);
  ep_fake_goa_set_token_hook (fake, second_server_hook, &relay);

  send_with (profile, &outcome);
  g_assert_error (outcome.error, EP_SMTP_ERROR, EP_SMTP_ERROR_AUTH_FAILED);
  ep_script_server_assert_done (relay.second, WAIT_MS);
  g_assert_cmpuint (ep_fake_goa_count (fake, google.id, "EnsureCredentials"), ==, 2);
  g_assert_cmpuint (ep_fake_goa_count (fake, google.id, "GetAccessToken"), ==, 2);
  ep_test_send_outcome_clear (&outcome);
  ep_fake_goa_set_token_hook (fake, NULL, NULL);
  ep_test_relay_clear (&relay);
}

/* Through the outbox (the app's send): the entry keeps the profile's "goa:" id, and its delivery
 * renews a refused token once as a direct send does. */
static void
test_send_outbox (void)
{
  g_autoptr(EpFakeGoa) fake = ep_fake_goa_new ();
  g_autoptr(EpProfileStore) store = ep_profile_store_new (g_get_user_config_dir ());
  g_autoptr(EpGoaAccounts) accounts = ep_goa_accounts_new (store);
  g_autofree char *first_script = refusing_script (google.id, 1);
  g_autofree char *dir = ep_test_make_dir ("goa-outbox");
  g_autofree char *sent_dir = ep_test_make_dir ("goa-outbox-sent");
  g_autoptr(EpOutboxStore) outbox = ep_outbox_store_new (dir);
  g_autoptr(EpMessage) message = ep_test_new_message ();
  g_autoptr(EpOutboxDeliveryReport) report = NULL;
  g_autoptr(EpOutboxEntry) entry = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  EpOutboxDeliveryOptions options = { 0 };
  EpTestRelay relay = { 0 };
  EpProfile *profile;

  relay.first = ep_test_start_server (first_script, 0);
  relay.port = ep_script_server_get_port (relay.first);
  relay.second_script = accepting_script (google.id, 2);
  profile = listed_profile (fake, store, accounts, &google, relay.port);
  ep_fake_goa_set_token_hook (fake, second_server_hook, &relay);

  id = ep_outbox_add_message_sync (outbox, message, ep_profile_get_id (profile), EP_OUTBOX_STATE_QUEUED,
                                   NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  entry = ep_outbox_store_load (outbox, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (entry->profile_id, ==, "goa:account_1_0");

  options.sent_dir = sent_dir;
  report = ep_outbox_deliver_sync (outbox, id, profile, &options, NULL, &error);
  g_assert_no_error (error);
  g_assert_no_error (report->error);
  g_assert_cmpint (report->state, ==, EP_OUTBOX_STATE_DELIVERED);
  ep_script_server_assert_done (relay.second, WAIT_MS);
  g_assert_cmpuint (ep_fake_goa_count (fake, google.id, "EnsureCredentials"), ==, 2);
  g_assert_cmpuint (ep_fake_goa_count (fake, google.id, "GetAccessToken"), ==, 2);
  ep_fake_goa_set_token_hook (fake, NULL, NULL);
  ep_test_relay_clear (&relay);
}

/* The account needs attention (its sign-in expired at the provider): "sign in again in
 * Online Accounts", and no token is asked for. */
static void
test_sign_in_again (void)
{
  g_autoptr(EpFakeGoa) fake = ep_fake_goa_new ();
  g_autoptr(EpProfileStore) store = ep_profile_store_new (g_get_user_config_dir ());
  g_autoptr(EpGoaAccounts) accounts = ep_goa_accounts_new (store);
  EpProfile *profile = listed_profile (fake, store, accounts, &google, 1);
  g_autoptr(EpProfileConfig) config = NULL;
  g_autoptr(GError) error = NULL;

  ep_fake_goa_set_expired (fake, google.id);
  config = build_config (profile, &error);
  g_assert_null (config);
  g_assert_error (error, EP_GOA_ERROR, EP_GOA_ERROR_SIGN_IN_AGAIN);
  g_assert_nonnull (strstr (error->message, "Online Accounts"));
  g_assert_cmpuint (ep_fake_goa_count (fake, google.id, "GetAccessToken"), ==, 0);
}

/* Microsoft 365 from Online Accounts: its token is refused (Graph scopes): explained, no retry. */
static void
test_microsoft_365 (void)
{
  static const EpFakeGoaAccount microsoft = {
    .id = "account_6_0", .provider_type = "ms_graph", .provider_name = "Microsoft 365",
    .address = EP_SCRIPT_SENDER, .kind = EP_FAKE_GOA_OAUTH2, .use_tls = TRUE,
  };
  g_autoptr(EpFakeGoa) fake = ep_fake_goa_new ();
  g_autoptr(EpProfileStore) store = ep_profile_store_new (g_get_user_config_dir ());
  g_autoptr(EpGoaAccounts) accounts = ep_goa_accounts_new (store);
  g_autofree char *script = refusing_script (microsoft.id, 1);
  g_autoptr(EpScriptServer) smtp = ep_test_start_server (script, 0);
  EpProfile *profile = listed_profile (fake, store, accounts, &microsoft, ep_script_server_get_port (smtp));
  EpTestSendOutcome outcome;

  send_with (profile, &outcome);
  g_assert_error (outcome.error, EP_GOA_ERROR, EP_GOA_ERROR_NOT_FOR_SMTP);
  g_assert_nonnull (strstr (outcome.error->message, "Microsoft Graph"));
  ep_script_server_assert_done (smtp, WAIT_MS);
  g_assert_cmpuint (ep_fake_goa_count (fake, microsoft.id, "GetAccessToken"), ==, 1);
  ep_test_send_outcome_clear (&outcome);
}

/* ---- epistle-send ------------------------------------------------------------------------------ */

static GString *cli_out;
static GString *cli_err;

static void
cli_print_cb (const char *text)
{
  g_string_append (cli_out, text);
}

static void
cli_printerr_cb (const char *text)
{
  g_string_append (cli_err, text);
}

/* epistle-send in this process (the fake service answers from its own thread). */
static int
run_cli (const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char **argv_copy = NULL;
  GPrintFunc old_print, old_printerr;
  int status;

  g_ptr_array_add (argv, g_strdup ("epistle-send"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  argv_copy = g_memdup2 (argv->pdata, argv->len * sizeof (char *));

  g_string_truncate (cli_out, 0);
  g_string_truncate (cli_err, 0);
  old_print = g_set_print_handler (cli_print_cb);
  old_printerr = g_set_printerr_handler (cli_printerr_cb);
  status = ep_send_cli_run ((int) argv->len - 1, argv_copy);
  g_set_print_handler (old_print);
  g_set_printerr_handler (old_printerr);
  g_test_message ("stdout: %s", cli_out->str);
  g_test_message ("stderr: %s", cli_err->str);
  return status;
}

/* --profile goa:ID sends with the account (its token in XOAUTH2, redacted in the transcript);
 * a name that matches nothing lists the accounts among the profiles; a refused account is a
 * configuration error with its reason. */
static void
test_cli (void)
{
  g_autoptr(EpFakeGoa) fake = ep_fake_goa_new ();
  g_autofree char *script = accepting_script (google.id, 1);
  g_autoptr(EpScriptServer) smtp = ep_test_start_server (script, 0);
  g_autofree char *host = g_strdup_printf ("127.0.0.1:%u", ep_script_server_get_port (smtp));
  g_autofree char *ca = ep_test_certs_path ("ca");
  g_autofree char *dir = ep_test_make_dir ("goa-cli");
  g_autofree char *body = g_build_filename (dir, "body.txt", NULL);
  g_autofree char *token = ep_fake_goa_token (google.id, 1);
  EpFakeGoaAccount account = google;
  int status;

  account.smtp_host = host;
  ep_fake_goa_add (fake, &account);
  ep_fake_goa_add (fake, &any_certificate);
  ep_test_write_file (body, "Hello from Online Accounts.\n");
  {
    const char *args[] = { "--profile", "goa:account_1_0", "--cafile", ca, "--from", EP_SCRIPT_SENDER,
                           "--subject", "Hi", "--body", body, "--transcript", "ann@example.org", NULL };

    status = run_cli (args);
    g_assert_cmpint (status, ==, 0);
    g_assert_nonnull (strstr (cli_err->str, "C: AUTH XOAUTH2 " EP_SMTP_TRANSCRIPT_REDACTED "\n"));
    g_assert_null (strstr (cli_err->str, token));
    g_assert_null (strstr (cli_out->str, token));
  }
  ep_script_server_assert_done (smtp, WAIT_MS);
  g_assert_cmpuint (ep_fake_goa_count (fake, google.id, "GetAccessToken"), ==, 1);
  {
    const char *args[] = { "--profile", "Nobody", "--from", EP_SCRIPT_SENDER, "--body", body,
                           "ann@example.org", NULL };

    status = run_cli (args);
    g_assert_cmpint (status, ==, 78);
    g_assert_nonnull (strstr (cli_err->str, "“" EP_SCRIPT_SENDER " (Google)”"));
  }
  /* --list-profiles: one line each, the accounts with where they come from and why one is
   * not used. */
  {
    const char *args[] = { "--list-profiles", NULL };
    g_autofree char *google_line = g_strdup_printf ("goa:account_1_0\t" EP_SCRIPT_SENDER " (Google)\t%s\tgoa\t-\n", host);

    status = run_cli (args);
    g_assert_cmpint (status, ==, 0);
    /* (Debug lines of the bus may come first: G_MESSAGES_DEBUG is "all" here.) */
    g_assert_nonnull (strstr (cli_out->str, "sandbox\tSandbox\t-\tsandbox\t-\n"));
    g_assert_nonnull (strstr (cli_out->str, google_line));
    g_assert_nonnull (strstr (cli_out->str, "goa:account_4_0\tlax@example.org (IMAP and SMTP)\tsmtp.example.org:2525\tgoa\tnot used: "));
  }
  {
    const char *args[] = { "--profile", "goa:account_4_0", "--from", "lax@example.org",
                           "--body", body, "ann@example.org", NULL };

    status = run_cli (args);
    g_assert_cmpint (status, ==, 78);
    g_assert_nonnull (strstr (cli_err->str, "certificate errors"));
    g_assert_cmpuint (ep_fake_goa_count (fake, any_certificate.id, "GetPassword"), ==, 0);
  }
}

/* ---- Nowhere else ------------------------------------------------------------------------------ */

/* The fake's secrets: "<id>-token-<n>" and "<id>-password". */
static gboolean
holds_secret (const char *text,
              gsize       length)
{
  static const char *const needles[] = { "-token-", "account_2_0-password" };

  for (guint i = 0; i < G_N_ELEMENTS (needles); i++)
    for (gsize at = 0; at + strlen (needles[i]) <= length; at++)
      if (memcmp (text + at, needles[i], strlen (needles[i])) == 0)
        return TRUE;
  return FALSE;
}

static void
check_tree (const char *path,
            GPtrArray  *found)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    {
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR) && g_file_get_contents (path, &contents, &length, NULL) &&
          holds_secret (contents, length))
        g_ptr_array_add (found, g_strdup (path));
      return;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (!g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        check_tree (child, found);
    }
}

/* Last: after the sends above (their Sent copies and transcripts, profiles.ini, epistle-send's
 * files), no token or password of Online Accounts in any file of this test's directory, and
 * none in any log line. */
static void
test_no_secret_anywhere (void)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  const char *root = g_getenv ("EPISTLE_TEST_TMPDIR");

  if (root == NULL)
    {
      g_test_skip ("not run through ep-test-env.sh");
      return;
    }
  check_tree (root, found);
  for (guint i = 0; i < found->len; i++)
    g_test_message ("a secret in %s", (const char *) found->pdata[i]);
  g_assert_cmpuint (found->len, ==, 0);

  g_mutex_lock (&log_lock);
  /* Captured (the bus connection logs at debug level), and clean. */
  g_assert_cmpuint (logged->len, >, 0);
  g_assert_false (holds_secret (logged->str, logged->len));
  g_mutex_unlock (&log_lock);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  logged = g_string_new (NULL);
  cli_out = g_string_new (NULL);
  cli_err = g_string_new (NULL);
  g_log_set_writer_func (log_writer, NULL, NULL);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/goa/absent", test_absent);
  g_test_add_func ("/goa/list", test_list);
  g_test_add_func ("/goa/live", test_live);
  g_test_add_func ("/goa/send/xoauth2", test_send_xoauth2);
  g_test_add_func ("/goa/send/refused-once", test_send_refused_once);
  g_test_add_func ("/goa/send/refused-twice", test_send_refused_twice);
  g_test_add_func ("/goa/send/outbox", test_send_outbox);
  g_test_add_func ("/goa/send/sign-in-again", test_sign_in_again);
  g_test_add_func ("/goa/send/microsoft-365", test_microsoft_365);
  g_test_add_func ("/goa/cli", test_cli);
  g_test_add_func ("/goa/stores/no-secret-anywhere", test_no_secret_anywhere);
  status = g_test_run ();
  g_string_free (cli_out, TRUE);
  g_string_free (cli_err, TRUE);
  g_string_free (logged, TRUE);
  return status;
}
