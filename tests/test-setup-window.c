/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-setup-window.c: set-up from an e-mail address under Xvfb, from Server Profiles' Add,
 * against local servers only: an HTTPS SoupServer with the test CA's certificate for
 * example.test and hoster.test stands in for the providers' autoconfig files, a fake resolver
 * answers every name and MX record (a DNS server of ours the DNSSEC check: nothing validated),
 * and the scripted SMTP server is the submission server. The
 * found settings appear with where they came from, the live connection test passes and the
 * profile is saved (profiles.ini read back); a server named by an unsigned MX record outside the
 * domain needs the confirmation switch before Test and Save can be pressed; nothing found leads
 * to the manual editor with the address filled in; Cancel stops the looking; and the first start
 * offers the window until it is closed once. Screenshots in BUILDDIR/screenshots. */
#include "config.h"

#include <string.h>
#include <libsoup/soup.h>

#include "ep-application-private.h"
#include "ep-discover-private.h"
#include "ep-fake-dns.h"
#include "ep-fake-resolver.h"
#include "ep-profiles-test-util.h"
#include "ep-script-server.h"
#include "ep-setup-window-private.h"
#include "ep-sign-in-group-private.h"
#include "ep-smtp-scripts.h"
#include "ep-test-certs.h"
#include "ep-test-util.h"

/* Stretched under the sanitizers, like each discovery source's own limit. */
#define WAIT_MS  ((guint) (ep_test_slack (20000 * 1000) / 1000))
#define ADDRESS  "jo@example.test"
#define PASSWORD "pw-S3tup!"

/* Implicit TLS with the test CA's certificate for smtp.example.test, signing in with PLAIN. */
#define SIGNS_IN                              \
  "TLS: discover\n"                           \
  EP_SCRIPT_GREETING_READY                    \
  "C: EHLO *\n"                               \
  "S: 250-smtp.example.test greets you\n"     \
  "S: 250-SIZE 35882577\n"                    \
  "S: 250 AUTH PLAIN LOGIN\n"                 \
  "C: AUTH PLAIN *\n"                         \
  "S: 235 2.7.0 Accepted\n"                   \
  EP_SCRIPT_QUIT

typedef struct
{
  char             *dir;
  EpProfileStore   *store;
  EpProfilesDialog *dialog;
  EpSetupWindow    *setup;
  EpFakeResolver   *resolver;
  GResolver        *old_resolver;
  EpFakeDns        *dns;
  SoupServer       *server;
  guint16           https_port;
  guint16           http_port;
  GHashTable       *routes;       /* "https://host/path" → body; "" for a request never answered */
  GPtrArray        *stalled;
  char             *cafile;
} Fixture;

/* ---- The web server --------------------------------------------------------------------------- */

static void
handle (SoupServer        *server,
        SoupServerMessage *msg,
        const char        *path,
        GHashTable        *query,
        gpointer           user_data)
{
  Fixture *f = user_data;
  GUri *uri = soup_server_message_get_uri (msg);
  g_autofree char *key = g_strdup_printf ("%s://%s%s", g_uri_get_scheme (uri), g_uri_get_host (uri), path);
  const char *body = g_hash_table_lookup (f->routes, key);

  if (body == NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  if (*body == '\0')
    {
      soup_server_message_pause (msg);
      g_ptr_array_add (f->stalled, g_object_ref (msg));
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/xml", SOUP_MEMORY_COPY, body, strlen (body));
}

/* An autoconfig file at @url naming one implicit-TLS server signed in to with @auth. */
static void
serve_config_auth (Fixture    *f,
                   const char *url,
                   const char *host,
                   guint16     port,
                   const char *display_name,
                   const char *auth)
{
  char *body = g_strdup_printf ("<?xml version=\"1.0\"?><clientConfig version=\"1.1\">"
                                "<emailProvider id=\"x\"><displayName>%s</displayName>"
                                "<outgoingServer type=\"smtp\"><hostname>%s</hostname><port>%u</port>"
                                "<socketType>SSL</socketType><username>%%EMAILADDRESS%%</username>"
                                "<authentication>%s</authentication></outgoingServer>"
                                "</emailProvider></clientConfig>", display_name, host, port, auth);

  g_hash_table_insert (f->routes, g_strdup (url), body);
}

static void
serve_config (Fixture    *f,
              const char *url,
              const char *host,
              guint16     port,
              const char *display_name)
{
  serve_config_auth (f, url, host, port, display_name, "password-cleartext");
}

static guint16
port_of (SoupServer *server,
         const char *scheme)
{
  GSList *uris = soup_server_get_uris (server);
  guint16 port = 0;

  for (GSList *l = uris; l != NULL; l = l->next)
    if (g_str_equal (g_uri_get_scheme (l->data), scheme))
      port = (guint16) g_uri_get_port (l->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return port;
}

/* ---- Hooks: discovery and the connection test pointed at the local servers -------------------- */

static void
discover_hook (EpDiscover *discover,
               gpointer    user_data)
{
  Fixture *f = user_data;
  guint16 closed = ep_test_closed_port ();

  /* The test CA, as the app's tests pin a certificate for the scripted server: trusted here only. */
  ep_discover_set_cafile (discover, f->cafile);
  ep_discover_set_ispdb_url (discover, "https://localhost:1/v1.1/");
  ep_discover_set_test_ports (discover, f->https_port, f->http_port, closed, closed);
  ep_discover_set_test_nameserver (discover, ep_fake_dns_get_address (f->dns));
  /* Each source's limit, stretched under the sanitizers (a TLS handshake there takes long). */
  ep_discover_set_timeout (discover, (guint) (ep_test_slack (5000 * 1000) / 1000));
}

static void
profile_hook (EpProfile *profile,
              gpointer   user_data)
{
  g_autofree char *sha = ep_test_certs_sha256 ("discover");

  /* As if the person had trusted the test CA's certificate before. */
  ep_profile_set_pinned_sha256 (profile, sha);
}

/* ---- Fixture ---------------------------------------------------------------------------------- */

static EpSetupWindow *
find_setup_window (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  EpSetupWindow *found = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (EP_IS_SETUP_WINDOW (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        found = EP_SETUP_WINDOW (window);
    }
  return found;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  static guint counter;
  g_autofree char *name = g_strdup_printf ("config-%u", ++counter);
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) cert = ep_test_certs_load ("discover", &error);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  const char *names[] = { "example.test", "autoconfig.example.test", "smtp.example.test",
                          "mail.example.test", "hoster.test", "autoconfig.hoster.test",
                          "smtp.hoster.test", "mx1.hoster.test" };

  g_assert_no_error (error);
  f->resolver = ep_fake_resolver_new ();
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    ep_fake_resolver_add_host (f->resolver, names[i], "127.0.0.1");
  f->old_resolver = g_resolver_get_default ();
  g_resolver_set_default (G_RESOLVER (f->resolver));
  f->dns = ep_fake_dns_new ();

  f->routes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  f->stalled = g_ptr_array_new_with_free_func (g_object_unref);
  f->server = soup_server_new ("tls-certificate", cert, NULL);
  soup_server_add_handler (f->server, NULL, handle, f, NULL);
  g_assert_true (soup_server_listen (f->server, address, SOUP_SERVER_LISTEN_HTTPS, &error));
  g_assert_no_error (error);
  g_assert_true (soup_server_listen (f->server, address, 0, &error));
  g_assert_no_error (error);
  f->https_port = port_of (f->server, "https");
  f->http_port = port_of (f->server, "http");
  f->cafile = ep_test_certs_path ("ca");

  f->dir = g_build_filename (g_getenv ("EPISTLE_TEST_TMPDIR"), name, NULL);
  g_assert_cmpint (g_mkdir_with_parents (f->dir, 0700), ==, 0);
  f->store = ep_profile_store_new (f->dir);
  f->dialog = ep_profiles_dialog_new (NULL, f->store);
  gtk_window_present (GTK_WINDOW (f->dialog));

  /* Server Profiles' Add starts from the address. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->dialog), "profiles.setup", NULL));
  f->setup = find_setup_window ();
  g_assert_nonnull (f->setup);
  g_assert_cmpstr (ep_setup_window_get_page (f->setup), ==, "address");
  ep_setup_window_set_test_hooks (f->setup, discover_hook, profile_hook, f);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  EpSetupWindow *setup = find_setup_window ();

  if (setup != NULL)
    gtk_window_destroy (GTK_WINDOW (setup));
  gtk_window_destroy (GTK_WINDOW (f->dialog));
  for (guint i = 0; i < f->stalled->len; i++)
    soup_server_message_unpause (f->stalled->pdata[i]);
  soup_server_disconnect (f->server);
  ep_test_iterate (200);
  g_clear_object (&f->server);
  g_resolver_set_default (f->old_resolver);
  g_clear_object (&f->old_resolver);
  ep_fake_dns_free (f->dns);
  g_clear_object (&f->resolver);
  g_ptr_array_unref (f->stalled);
  g_hash_table_unref (f->routes);
  g_clear_object (&f->store);
  g_free (f->cafile);
  g_free (f->dir);
}

/* ---- Helpers ---------------------------------------------------------------------------------- */

static GtkWidget *
field (Fixture    *f,
       const char *name)
{
  return ep_setup_window_get_field (f->setup, name);
}

static gboolean
done_looking (gpointer data)
{
  return !ep_setup_window_is_looking (data);
}

static gboolean
test_done (gpointer data)
{
  EpSetupWindow *setup = data;
  EpConnectionTestWindow *window = ep_setup_window_get_test_window (setup);

  return g_str_equal (ep_setup_window_get_page (setup), "done") ||
         (window != NULL && !ep_connection_test_window_is_running (window) &&
          ep_connection_test_window_get_error (window) != NULL);
}

static gboolean
primary_sensitive (Fixture *f)
{
  return gtk_widget_is_sensitive (field (f, "primary"));
}

/* Types @address and presses Find Settings, then waits for the answer. */
static void
find (Fixture    *f,
      const char *address)
{
  gtk_editable_set_text (GTK_EDITABLE (field (f, "address")), address);
  g_assert_true (primary_sensitive (f));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->setup), "setup.primary", NULL));
  g_assert_cmpstr (ep_setup_window_get_page (f->setup), ==, "lookup");
  g_assert_true (ep_test_wait (done_looking, f->setup, WAIT_MS));
}

static const char *
subtitle_of (gpointer row)
{
  return adw_action_row_get_subtitle (ADW_ACTION_ROW (row));
}

static const char *
source_words (Fixture          *f,
              EpDiscoverSource  source)
{
  return subtitle_of (ep_setup_window_get_source_row (f->setup, source));
}

/* ---- Tests ------------------------------------------------------------------------------------ */

static void
test_found_tested_saved (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(EpScriptServer) smtp = ep_script_server_new_for_test (SIGNS_IN);
  g_autoptr(EpProfileStore) again = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *rows;
  EpProfile *saved;

  serve_config (f, "https://autoconfig.example.test/mail/config-v1.1.xml", "smtp.example.test",
                ep_script_server_get_port (smtp), "Example Mail");

  /* Not an address yet: nothing to look for. */
  gtk_editable_set_text (GTK_EDITABLE (field (f, "address")), "jo@");
  g_assert_false (primary_sensitive (f));
  /* The ISPDB is asked only with consent, off unless the person turns it on. */
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (field (f, "consent"))));

  find (f, ADDRESS);
  rows = ep_setup_window_get_candidate_rows (f->setup);
  g_assert_cmpuint (rows->len, >=, 1);
  g_assert_true (ep_test_contains (adw_preferences_row_get_title (rows->pdata[0]), "smtp.example.test:"));
  g_assert_true (ep_test_contains (subtitle_of (rows->pdata[0]), "Example Mail’s own configuration (HTTPS)")
                 || ep_test_contains (subtitle_of (rows->pdata[0]), "Example Mail's own configuration (HTTPS)"));
  g_assert_cmpstr (source_words (f, EP_DISCOVER_SOURCE_AUTOCONFIG), ==, "Found settings");
  g_assert_cmpstr (source_words (f, EP_DISCOVER_SOURCE_PRESET), ==, "Nothing there");
  g_assert_cmpstr (source_words (f, EP_DISCOVER_SOURCE_ISPDB), ==, "Not asked: you did not allow it");
  g_assert_false (gtk_widget_get_visible (field (f, "confirm-row")));
  g_assert_false (gtk_widget_get_visible (field (f, "oauth")));

  /* The password first: Test and Save needs it. */
  g_assert_true (gtk_widget_get_visible (field (f, "password")));
  g_assert_false (primary_sensitive (f));
  gtk_editable_set_text (GTK_EDITABLE (field (f, "password")), PASSWORD);
  g_assert_true (primary_sensitive (f));
  ep_test_screenshot (GTK_WIDGET (f->setup), "setup-found.png");
  /* Nothing is stored before the test passed. */
  g_assert_cmpuint (g_list_model_get_n_items (ep_profile_store_list (f->store)), ==, 1);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->setup), "setup.primary", NULL));
  g_assert_nonnull (ep_setup_window_get_test_window (f->setup));
  g_assert_true (ep_test_wait (test_done, f->setup, WAIT_MS));
  ep_script_server_assert_done (smtp, 5000);
  g_assert_true (ep_script_server_received_contains (smtp, "AUTH PLAIN"));
  g_assert_cmpstr (ep_setup_window_get_page (f->setup), ==, "done");
  g_assert_null (ep_setup_window_get_test_window (f->setup));
  ep_test_iterate (300);
  g_assert_true (ep_test_contains (adw_status_page_get_description (ADW_STATUS_PAGE (field (f, "done"))),
                                   "saved"));
  ep_test_screenshot (GTK_WIDGET (f->setup), "setup-done.png");

  saved = ep_setup_window_get_saved (f->setup);
  g_assert_nonnull (saved);
  g_assert_true (ep_profile_store_lookup_by_id (f->store, ep_profile_get_id (saved)) == saved);
  /* The first real account becomes the default. */
  g_assert_true (ep_profile_store_get_default (f->store) == saved);

  /* profiles.ini read back. */
  again = ep_profile_store_new (f->dir);
  g_assert_true (ep_profile_store_load (again, &error));
  g_assert_no_error (error);
  saved = ep_profile_store_lookup_by_name (again, "Example Mail");
  g_assert_nonnull (saved);
  g_assert_cmpstr (ep_profile_get_host (saved), ==, "smtp.example.test");
  g_assert_cmpuint (ep_profile_get_port (saved), ==, ep_script_server_get_port (smtp));
  g_assert_cmpint (ep_profile_get_security (saved), ==, EP_SMTP_SECURITY_TLS);
  g_assert_cmpstr (ep_profile_get_username (saved), ==, ADDRESS);
  g_assert_cmpstr (ep_profile_get_sender_address (saved), ==, ADDRESS);
}

/* A test that fails (the password refused) saves nothing, and leaves the window to correct it. */
static void
test_failed_test_saves_nothing (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(EpScriptServer) smtp = ep_script_server_new_for_test (
    "TLS: discover\n"
    EP_SCRIPT_GREETING_READY
    "C: EHLO *\n"
    "S: 250-smtp.example.test greets you\n"
    "S: 250 AUTH PLAIN LOGIN\n"
    "C: AUTH PLAIN *\n"
    "S: 535 5.7.8 Authentication credentials invalid\n"
    "C? QUIT\n"
    "S: 221 2.0.0 Bye\n");
  EpConnectionTestWindow *window;
  g_autofree char *ini = g_build_filename (f->dir, "profiles.ini", NULL);

  serve_config (f, "https://autoconfig.example.test/mail/config-v1.1.xml", "smtp.example.test",
                ep_script_server_get_port (smtp), "Example Mail");
  find (f, ADDRESS);
  gtk_editable_set_text (GTK_EDITABLE (field (f, "password")), "wrong");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->setup), "setup.primary", NULL));
  g_assert_true (ep_test_wait (test_done, f->setup, WAIT_MS));
  ep_script_server_assert_done (smtp, 5000);

  window = ep_setup_window_get_test_window (f->setup);
  g_assert_nonnull (window);
  g_assert_nonnull (ep_connection_test_window_get_error (window));
  g_assert_cmpstr (ep_setup_window_get_page (f->setup), ==, "lookup");
  g_assert_null (ep_setup_window_get_saved (f->setup));
  g_assert_cmpuint (g_list_model_get_n_items (ep_profile_store_list (f->store)), ==, 1);
  g_assert_false (g_file_test (ini, G_FILE_TEST_EXISTS));
  /* The password can be typed again and tested again. */
  gtk_window_destroy (GTK_WINDOW (window));
  ep_test_iterate (50);
  g_assert_true (primary_sensitive (f));
}

/* A provider that takes only its own OAuth 2.0 sign-in: said plainly, no password asked, no
 * Test and Save; the manual editor stays. */
static void
test_oauth_only (Fixture       *f,
                 gconstpointer  data)
{
  serve_config_auth (f, "https://autoconfig.example.test/mail/config-v1.1.xml", "smtp.example.test", 465,
                     "Example Mail", "OAuth2");
  find (f, ADDRESS);
  g_assert_cmpuint (ep_setup_window_get_candidate_rows (f->setup)->len, >=, 1);
  g_assert_true (gtk_widget_get_visible (field (f, "oauth")));
  g_assert_true (ep_test_contains (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (field (f, "oauth"))),
                                   "Example Mail"));
  g_assert_false (gtk_widget_get_visible (field (f, "password")));
  g_assert_false (primary_sensitive (f));
  g_assert_true (gtk_widget_is_sensitive (field (f, "manual")));
  ep_test_screenshot (GTK_WIDGET (f->setup), "setup-oauth.png");
}

/* An OAuth 2.0-only server of a provider whose sign-in Epistle knows: Continue to Sign-In hands
 * the profile to the editor with that sign-in already turned on. */
static void
test_oauth_known_provider (Fixture       *f,
                           gconstpointer  data)
{
  EpProfileEditor *editor;
  EpSignInGroup *group;

  serve_config_auth (f, "https://autoconfig.example.test/mail/config-v1.1.xml", "smtp.office365.com", 587,
                     "Example 365", "OAuth2");
  find (f, ADDRESS);
  g_assert_true (gtk_widget_get_visible (field (f, "oauth")));
  g_assert_true (ep_test_contains (adw_action_row_get_subtitle (ADW_ACTION_ROW (field (f, "oauth"))),
                                   "Continue to Sign-In"));
  g_assert_false (gtk_widget_get_visible (field (f, "password")));
  g_assert_true (primary_sensitive (f));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (field (f, "primary"))), ==, "Continue to _Sign-In");
  ep_test_screenshot (GTK_WIDGET (f->setup), "setup-oauth-known.png");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->setup), "setup.primary", NULL));
  ep_test_iterate (100);
  g_assert_null (find_setup_window ());
  f->setup = NULL;
  editor = ep_profiles_dialog_get_editor (f->dialog);
  g_assert_nonnull (editor);
  g_assert_cmpstr (ep_test_get_field (editor, "host"), ==, "smtp.office365.com");
  group = EP_SIGN_IN_GROUP (ep_profile_editor_get_field (editor, "sign-in"));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (group)));
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (ep_sign_in_group_get_widget (group, "switch"))));
  g_assert_true (gtk_widget_get_visible (ep_sign_in_group_get_widget (group, "sign-in")));
  /* Nothing saved yet: signing in and Save are the editor's. */
  g_assert_cmpuint (g_list_model_get_n_items (ep_profile_store_list (f->store)), ==, 1);
}

static void
test_cross_domain_needs_confirmation (Fixture       *f,
                                      gconstpointer  data)
{
  GPtrArray *rows;

  /* example.test's mail is hosted by hoster.test, says an MX record not validated by DNSSEC. */
  ep_fake_resolver_add_mx (f->resolver, "example.test", 10, "mx1.hoster.test.");
  serve_config (f, "https://autoconfig.hoster.test/mail/config-v1.1.xml", "smtp.hoster.test", 465, "Hoster");

  find (f, ADDRESS);
  rows = ep_setup_window_get_candidate_rows (f->setup);
  g_assert_cmpuint (rows->len, >=, 1);
  g_assert_true (ep_test_contains (adw_preferences_row_get_title (rows->pdata[0]), "smtp.hoster.test:465"));
  g_assert_true (g_str_has_prefix (subtitle_of (rows->pdata[0]), "From DNS (not validated by DNSSEC)"));
  g_assert_cmpuint (ep_fake_dns_count (f->dns, "example.test"), ==, 1);
  g_assert_cmpstr (source_words (f, EP_DISCOVER_SOURCE_MX), ==, "Found settings");

  gtk_editable_set_text (GTK_EDITABLE (field (f, "password")), PASSWORD);
  /* Everything else is there; only the confirmation is missing. */
  g_assert_true (gtk_widget_get_visible (field (f, "confirm-row")));
  g_assert_true (ep_test_contains (subtitle_of (field (f, "confirm-row")), "smtp.hoster.test"));
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (field (f, "confirm"))));
  g_assert_false (primary_sensitive (f));
  ep_test_screenshot (GTK_WIDGET (f->setup), "setup-confirm.png");

  gtk_switch_set_active (GTK_SWITCH (field (f, "confirm")), TRUE);
  g_assert_true (primary_sensitive (f));
  gtk_switch_set_active (GTK_SWITCH (field (f, "confirm")), FALSE);
  g_assert_false (primary_sensitive (f));
}

static void
test_nothing_found_manual (Fixture       *f,
                           gconstpointer  data)
{
  EpProfileEditor *editor;

  find (f, "jo@example.test");
  g_assert_cmpuint (ep_setup_window_get_candidate_rows (f->setup)->len, ==, 0);
  g_assert_false (gtk_widget_get_visible (field (f, "found")));
  g_assert_true (gtk_widget_get_visible (field (f, "nothing")));
  g_assert_true (ep_test_contains (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (field (f, "nothing"))),
                                   "No settings found for example.test"));
  g_assert_true (gtk_widget_has_css_class (field (f, "manual"), "suggested-action"));
  ep_test_screenshot (GTK_WIDGET (f->setup), "setup-nothing.png");

  /* The manual editor, with the address typed. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->setup), "setup.manual", NULL));
  ep_test_iterate (100);
  g_assert_null (find_setup_window ());
  f->setup = NULL;
  editor = ep_profiles_dialog_get_editor (f->dialog);
  g_assert_nonnull (editor);
  g_assert_true (ep_profile_editor_get_is_new (editor));
  g_assert_cmpstr (ep_test_get_field (editor, "address"), ==, "jo@example.test");
  g_assert_cmpstr (ep_test_get_field (editor, "host"), ==, "");
  ep_test_screenshot (GTK_WIDGET (f->dialog), "setup-manual.png");
}

static void
test_manual_prefilled (Fixture       *f,
                       gconstpointer  data)
{
  EpProfileEditor *editor;

  serve_config (f, "https://autoconfig.example.test/mail/config-v1.1.xml", "smtp.example.test", 4650,
                "Example Mail");
  find (f, ADDRESS);
  gtk_editable_set_text (GTK_EDITABLE (field (f, "password")), PASSWORD);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->setup), "setup.manual", NULL));
  ep_test_iterate (100);
  f->setup = NULL;
  editor = ep_profiles_dialog_get_editor (f->dialog);
  g_assert_nonnull (editor);
  g_assert_cmpstr (ep_test_get_field (editor, "name"), ==, "Example Mail");
  g_assert_cmpstr (ep_test_get_field (editor, "address"), ==, ADDRESS);
  g_assert_cmpstr (ep_test_get_field (editor, "host"), ==, "smtp.example.test");
  g_assert_cmpstr (ep_test_get_field (editor, "port"), ==, "4650");
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (ep_profile_editor_get_field (editor, "security"))),
                    ==, EP_SMTP_SECURITY_TLS);
  g_assert_cmpstr (ep_test_get_field (editor, "username"), ==, ADDRESS);
  g_assert_cmpstr (ep_test_get_field (editor, "password"), ==, PASSWORD);
  /* Still unsaved: the editor's Save decides. */
  g_assert_cmpuint (g_list_model_get_n_items (ep_profile_store_list (f->store)), ==, 1);
}

/* The editor already holds unsaved edits: they are not lost without asking, and once discarded
 * the new editor has what was found. */
static void
test_manual_asks_before_replacing (Fixture       *f,
                                   gconstpointer  data)
{
  EpProfileEditor *half_done;
  EpProfileEditor *editor;
  AdwMessageDialog *question;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->dialog), "profiles.add", "s", "custom"));
  half_done = ep_profiles_dialog_get_editor (f->dialog);
  ep_test_set_field (half_done, "name", "Half done");
  g_assert_true (ep_profile_editor_has_changes (half_done));

  serve_config (f, "https://autoconfig.example.test/mail/config-v1.1.xml", "smtp.example.test", 4650,
                "Example Mail");
  find (f, ADDRESS);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->setup), "setup.manual", NULL));
  ep_test_iterate (100);
  f->setup = NULL;
  question = ep_profile_editor_get_discard_dialog (half_done);
  g_assert_nonnull (question);
  g_assert_true (ep_profiles_dialog_get_editor (f->dialog) == half_done);

  adw_message_dialog_response (question, "discard");
  gtk_window_close (GTK_WINDOW (question));
  ep_test_iterate (100);
  editor = ep_profiles_dialog_get_editor (f->dialog);
  g_assert_nonnull (editor);
  g_assert_true (editor != half_done);
  g_assert_cmpstr (ep_test_get_field (editor, "name"), ==, "Example Mail");
  g_assert_cmpstr (ep_test_get_field (editor, "host"), ==, "smtp.example.test");
  g_assert_cmpstr (ep_test_get_field (editor, "port"), ==, "4650");
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  gint64 start;

  /* The provider's web server never answers. */
  g_hash_table_insert (f->routes, g_strdup ("https://autoconfig.example.test/mail/config-v1.1.xml"),
                       g_strdup (""));
  gtk_editable_set_text (GTK_EDITABLE (field (f, "address")), ADDRESS);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->setup), "setup.primary", NULL));
  g_assert_true (ep_setup_window_is_looking (f->setup));
  ep_test_iterate (500);
  g_assert_true (ep_setup_window_is_looking (f->setup));
  g_assert_cmpstr (source_words (f, EP_DISCOVER_SOURCE_AUTOCONFIG), ==, "Looking…");
  g_assert_false (primary_sensitive (f));
  ep_test_screenshot (GTK_WIDGET (f->setup), "setup-looking.png");

  /* Cancel stops looking at once, and the address stays for another try. */
  start = g_get_monotonic_time ();
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->setup), "setup.cancel", NULL));
  g_assert_true (ep_test_wait (done_looking, f->setup, 2000));
  g_assert_cmpint (g_get_monotonic_time () - start, <, ep_test_slack (2 * G_USEC_PER_SEC));
  g_assert_cmpstr (ep_setup_window_get_page (f->setup), ==, "address");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (field (f, "address"))), ==, ADDRESS);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (f->setup)));
}

/* The first start offers the set-up over the compose window, until it was closed once. */
static void
test_first_run (void)
{
  g_autoptr(EpApplication) app = ep_application_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  EpProfilesDialog *dialog;
  EpSetupWindow *setup;

  g_unsetenv ("EPISTLE_NO_FIRST_RUN_SETUP");
  g_settings_reset (settings, "setup-dismissed");
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_assert_true (ep_application_offers_setup (app));

  g_application_activate (G_APPLICATION (app));
  ep_test_iterate (200);
  setup = find_setup_window ();
  g_assert_nonnull (setup);
  g_assert_cmpstr (ep_setup_window_get_page (setup), ==, "address");
  ep_test_screenshot (GTK_WIDGET (setup), "setup-first-run.png");

  gtk_widget_activate_action (GTK_WIDGET (setup), "setup.cancel", NULL);
  ep_test_iterate (200);
  g_assert_null (find_setup_window ());
  g_assert_true (g_settings_get_boolean (settings, "setup-dismissed"));
  g_assert_false (ep_application_offers_setup (app));

  /* The Sandbox banner's Set Up a Server: Set Up Manually goes on in Server Profiles' editor. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "setup-server", NULL);
  setup = find_setup_window ();
  g_assert_nonnull (setup);
  gtk_editable_set_text (GTK_EDITABLE (ep_setup_window_get_field (setup, "address")), ADDRESS);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (setup), "setup.manual", NULL));
  ep_test_iterate (100);
  g_assert_null (find_setup_window ());
  dialog = ep_profiles_dialog_present (NULL, ep_application_get_profile_store (app), NULL);
  g_assert_nonnull (ep_profiles_dialog_get_editor (dialog));
  g_assert_true (ep_profile_editor_get_is_new (ep_profiles_dialog_get_editor (dialog)));
  g_assert_cmpstr (ep_test_get_field (ep_profiles_dialog_get_editor (dialog), "address"), ==, ADDRESS);
  gtk_window_destroy (GTK_WINDOW (dialog));

  /* Closing every window lets the application go. */
  {
    GList *windows = gtk_application_get_windows (GTK_APPLICATION (app));

    while (windows != NULL)
      {
        gtk_window_destroy (windows->data);
        windows = gtk_application_get_windows (GTK_APPLICATION (app));
      }
  }
  ep_test_iterate (100);
  g_setenv ("EPISTLE_NO_FIRST_RUN_SETUP", "1", TRUE);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  /* The application class registers the resources (once). */
  g_type_class_unref (g_type_class_ref (EP_TYPE_APPLICATION));
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

#define ADD(path, func) \
  g_test_add ("/setup-window/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("found-tested-saved", test_found_tested_saved);
  ADD ("failed-test-saves-nothing", test_failed_test_saves_nothing);
  ADD ("oauth-only", test_oauth_only);
  ADD ("oauth-known-provider", test_oauth_known_provider);
  ADD ("cross-domain-needs-confirmation", test_cross_domain_needs_confirmation);
  ADD ("nothing-found-manual", test_nothing_found_manual);
  ADD ("manual-prefilled", test_manual_prefilled);
  ADD ("manual-asks-before-replacing", test_manual_asks_before_replacing);
  ADD ("cancel", test_cancel);
#undef ADD
  g_test_add_func ("/setup-window/first-run", test_first_run);

  return g_test_run ();
}
