/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-discover.c: the discovery pipeline against local servers only: an HTTPS (and HTTP)
 * SoupServer with the test CA's certificate for example.test and hoster.test standing in for
 * providers' autoconfig files and the ISPDB, a fake resolver for every name, MX and SRV record,
 * a DNS server of ours on UDP for the DNSSEC check (the C library's resolver asks it again
 * whether an MX or SRV answer was validated), and the scripted SMTP server for probes. Covers the
 * priority order, a source that never answers, redirects, HTTP errors, the cross-domain
 * confirmation rule, DNSSEC and cancellation; each test prints how long the result took.
 *
 * The C library keeps the AD bit only when the system trusts its resolver ("trust-ad"): main()
 * says so through RES_OPTIONS before the first question, and one case runs in a process where
 * nothing says so. */
#include "config.h"

#include <string.h>
#include <libsoup/soup.h>

#include "ep-discover-dnssec.h"
#include "ep-discover-private.h"
#include "ep-fake-dns.h"
#include "ep-fake-resolver.h"
#include "ep-script-server.h"
#include "ep-test-certs.h"
#include "ep-test-util.h"

#define ADDRESS "jo@example.test"

/* A bound that a result must beat when no source stalls (generous for slow machines). */
#define QUICK_US (2 * G_USEC_PER_SEC)

typedef struct {
  guint        status;
  char        *body;
  char        *location;
  gboolean     stall;   /* never answered */
  guint        delay_ms;
} Route;

typedef struct {
  GMainContext   *context;
  EpFakeResolver *resolver;
  GResolver      *old_resolver;
  EpFakeDns      *dns;         /* asked whether MX and SRV answers were validated */
  SoupServer     *server;
  guint16         https_port;
  guint16         http_port;
  GHashTable     *routes;      /* "scheme://host/path" → Route */
  GPtrArray      *requests;    /* "scheme://host/path?query" asked, in order */
  GPtrArray      *stalled;     /* SoupServerMessage paused for ever */
  char           *cafile;
  char           *ispdb;
  EpDiscover     *discover;
  EpDiscoverResult *result;
  GError         *error;
  gboolean        done;
  gint64          elapsed_us;
  GPtrArray      *changes;     /* "source state", as signalled */
} Fixture;

static void
route_free (Route *route)
{
  g_free (route->body);
  g_free (route->location);
  g_free (route);
}

static gboolean
unpause (gpointer user_data)
{
  soup_server_message_unpause (user_data);
  return G_SOURCE_REMOVE;
}

/* ---- The web server ------------------------------------------------------------------------- */

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
  Route *route = g_hash_table_lookup (f->routes, key);

  g_ptr_array_add (f->requests, g_uri_get_query (uri) != NULL
                   ? g_strdup_printf ("%s?%s", key, g_uri_get_query (uri)) : g_strdup (key));
  if (route == NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  if (route->stall)
    {
      soup_server_message_pause (msg);
      g_ptr_array_add (f->stalled, g_object_ref (msg));
      return;
    }
  soup_server_message_set_status (msg, route->status, NULL);
  if (route->location != NULL)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Location",
                                  route->location);
  if (route->body != NULL)
    soup_server_message_set_response (msg, "application/xml", SOUP_MEMORY_COPY,
                                      route->body, strlen (route->body));
  if (route->delay_ms > 0)
    {
      g_autoptr(GSource) timer = g_timeout_source_new (route->delay_ms);

      soup_server_message_pause (msg);
      g_source_set_callback (timer, unpause, g_object_ref (msg), g_object_unref);
      g_source_attach (timer, g_main_context_get_thread_default ());
    }
}

static void
add_route (Fixture    *f,
           const char *url,
           guint       status,
           const char *body,
           const char *location)
{
  Route *route = g_new0 (Route, 1);

  route->status = status;
  route->body = g_strdup (body);
  route->location = g_strdup (location);
  g_hash_table_insert (f->routes, g_strdup (url), route);
}

static void
add_stall (Fixture    *f,
           const char *url)
{
  Route *route = g_new0 (Route, 1);

  route->stall = TRUE;
  g_hash_table_insert (f->routes, g_strdup (url), route);
}

/* A file naming one outgoing server. */
static char *
config_for (const char *host,
            guint16     port,
            const char *socket_type,
            const char *display_name)
{
  return g_strdup_printf ("<?xml version=\"1.0\"?><clientConfig version=\"1.1\">"
                          "<emailProvider id=\"x\"><displayName>%s</displayName>"
                          "<outgoingServer type=\"smtp\"><hostname>%s</hostname><port>%u</port>"
                          "<socketType>%s</socketType><username>%%EMAILADDRESS%%</username>"
                          "<authentication>password-cleartext</authentication></outgoingServer>"
                          "</emailProvider></clientConfig>", display_name, host, port, socket_type);
}

static void
serve_config (Fixture    *f,
              const char *url,
              const char *host,
              guint16     port,
              const char *display_name)
{
  g_autofree char *body = config_for (host, port, "SSL", display_name);

  add_route (f, url, SOUP_STATUS_OK, body, NULL);
}

static gboolean
was_requested (Fixture    *f,
               const char *prefix)
{
  for (guint i = 0; i < f->requests->len; i++)
    if (g_str_has_prefix (f->requests->pdata[i], prefix))
      return TRUE;
  return FALSE;
}

/* ---- Fixture ---------------------------------------------------------------------------------- */

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

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) cert = ep_test_certs_load ("discover", &error);
  g_autoptr(GSocketAddress) address = NULL;
  const char *names[] = { "example.test", "autoconfig.example.test", "smtp.example.test",
                          "mail.example.test", "hoster.test", "autoconfig.hoster.test",
                          "smtp.hoster.test", "mx1.hoster.test" };

  g_assert_no_error (error);
  f->context = g_main_context_new ();
  g_main_context_push_thread_default (f->context);

  f->resolver = ep_fake_resolver_new ();
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    ep_fake_resolver_add_host (f->resolver, names[i], "127.0.0.1");
  f->old_resolver = g_resolver_get_default ();
  g_resolver_set_default (G_RESOLVER (f->resolver));
  f->dns = ep_fake_dns_new ();

  f->routes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) route_free);
  f->requests = g_ptr_array_new_with_free_func (g_free);
  f->stalled = g_ptr_array_new_with_free_func (g_object_unref);
  f->changes = g_ptr_array_new_with_free_func (g_free);
  f->server = soup_server_new ("tls-certificate", cert, NULL);
  soup_server_add_handler (f->server, NULL, handle, f, NULL);
  address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_assert_true (soup_server_listen (f->server, address, SOUP_SERVER_LISTEN_HTTPS, &error));
  g_assert_no_error (error);
  g_assert_true (soup_server_listen (f->server, address, 0, &error));
  g_assert_no_error (error);
  f->https_port = port_of (f->server, "https");
  f->http_port = port_of (f->server, "http");
  g_assert_cmpuint (f->https_port, !=, 0);
  g_assert_cmpuint (f->http_port, !=, 0);

  f->cafile = ep_test_certs_path ("ca");
  f->ispdb = g_strdup_printf ("https://localhost:%u/v1.1/", f->https_port);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->discover);
  g_clear_pointer (&f->result, ep_discover_result_unref);
  g_clear_error (&f->error);
  for (guint i = 0; i < f->stalled->len; i++)
    soup_server_message_unpause (f->stalled->pdata[i]);
  soup_server_disconnect (f->server);
  /* Let the server and the cancelled operations wind down. */
  for (guint i = 0; i < 50 && g_main_context_iteration (f->context, FALSE); i++)
    ;
  g_clear_object (&f->server);
  g_resolver_set_default (f->old_resolver);
  g_clear_object (&f->old_resolver);
  g_clear_object (&f->resolver);
  ep_fake_dns_free (f->dns);
  g_ptr_array_unref (f->stalled);
  g_ptr_array_unref (f->requests);
  g_ptr_array_unref (f->changes);
  g_hash_table_unref (f->routes);
  g_free (f->cafile);
  g_free (f->ispdb);
  g_main_context_pop_thread_default (f->context);
  g_main_context_unref (f->context);
}

/* A discovery for @address, pointed at the local servers: probes on closed ports unless the
 * test says otherwise. */
static EpDiscover *
make_discover (Fixture    *f,
               const char *address)
{
  EpDiscover *d = ep_discover_new (address);
  guint16 closed = ep_test_closed_port ();

  ep_discover_set_cafile (d, f->cafile);
  ep_discover_set_ispdb_url (d, f->ispdb);
  ep_discover_set_test_ports (d, f->https_port, f->http_port, closed, closed);
  ep_discover_set_test_nameserver (d, ep_fake_dns_get_address (f->dns));
  /* Far above what any case needs here (they end when every source has answered), so that a
   * machine slowed by sanitizers never turns an answer into a timeout; the cases about the
   * bound set their own. */
  ep_discover_set_timeout (d, 30000);
  g_clear_object (&f->discover);
  f->discover = d;
  return d;
}

static void
source_changed (EpDiscover       *d,
                EpDiscoverSource  source,
                EpDiscoverState   state,
                Fixture          *f)
{
  g_assert_true (g_main_context_is_owner (f->context));
  g_assert_false (f->done);
  g_ptr_array_add (f->changes, g_strdup_printf ("%s %s", ep_discover_source_to_string (source),
                                                ep_discover_state_to_string (state)));
}

static void
run_done (GObject      *source,
          GAsyncResult *res,
          gpointer      user_data)
{
  Fixture *f = user_data;

  f->result = ep_discover_run_finish (EP_DISCOVER (source), res, &f->error);
  f->done = TRUE;
}

/* Runs f->discover to its end (at most 30 s) and says how long it took. */
static void
run (Fixture      *f,
     GCancellable *cancellable)
{
  gint64 start = g_get_monotonic_time ();
  gint64 limit = start + ep_test_slack (30 * G_USEC_PER_SEC);

  g_signal_connect (f->discover, "source-changed", G_CALLBACK (source_changed), f);
  ep_discover_run_async (f->discover, cancellable, run_done, f);
  while (!f->done && g_get_monotonic_time () < limit)
    g_main_context_iteration (f->context, TRUE);
  g_assert_true (f->done);
  f->elapsed_us = g_get_monotonic_time () - start;
  /* Whatever was still running lets go of the discovery within moments of the result. */
  ep_test_wait_sole_owner (f->discover, f->context);
  g_test_message ("time to result: %" G_GINT64_FORMAT " ms", f->elapsed_us / 1000);
  if (f->result != NULL)
    for (guint i = 0; i < f->result->attempts->len; i++)
      {
        EpDiscoverAttempt *a = f->result->attempts->pdata[i];

        g_test_message ("  %5u ms %-10s %-10s %s: %s", a->elapsed_ms, ep_discover_source_to_string (a->source),
                        ep_discover_state_to_string (a->state), a->location, a->detail ? a->detail : "");
      }
}

static EpDiscoverCandidate *
best (Fixture *f)
{
  g_assert_no_error (f->error);
  g_assert_nonnull (f->result);
  g_assert_cmpuint (f->result->candidates->len, >, 0);
  return ep_discover_result_get_best (f->result);
}

static EpDiscoverAttempt *
find_attempt (Fixture          *f,
              EpDiscoverSource  source,
              const char       *location_part)
{
  for (guint i = 0; i < f->result->attempts->len; i++)
    {
      EpDiscoverAttempt *a = f->result->attempts->pdata[i];

      if (a->source == source && (location_part == NULL || strstr (a->location, location_part) != NULL))
        return a;
    }
  return NULL;
}

/* ---- Sources one by one ----------------------------------------------------------------------- */

static void
test_preset (Fixture       *f,
             gconstpointer  data)
{
  EpDiscoverCandidate *c;

  make_discover (f, "someone@fastmail.com");
  run (f, NULL);
  c = best (f);
  g_assert_cmpint (c->source, ==, EP_DISCOVER_SOURCE_PRESET);
  g_assert_cmpstr (c->host, ==, "smtp.fastmail.com");
  g_assert_cmpuint (c->port, ==, 465);
  g_assert_cmpint (c->security, ==, EP_SMTP_SECURITY_TLS);
  g_assert_cmpstr (c->preset_id, ==, "fastmail");
  g_assert_cmpstr (c->username, ==, "someone@fastmail.com");
  g_assert_cmpint (c->trust, ==, EP_DISCOVER_TRUST_VERIFIED);
  g_assert_nonnull (c->note);
  /* Offline: nothing asked of the network, and at once. */
  g_assert_cmpuint (f->requests->len, ==, 0);
  g_assert_cmpuint (ep_fake_resolver_count_lookups (f->resolver, "fastmail.com"), ==, 0);
  g_assert_cmpuint (ep_fake_resolver_count_lookups (f->resolver, "autoconfig.fastmail.com"), ==, 0);
  g_assert_cmpint (f->elapsed_us, <, ep_test_slack (200000));
  g_assert_cmpint (ep_discover_get_source_state (f->discover, EP_DISCOVER_SOURCE_PROBE), ==,
                   EP_DISCOVER_STATE_STOPPED);
  g_assert_cmpstr (f->changes->pdata[0], ==, "preset running");
  g_assert_cmpstr (f->changes->pdata[1], ==, "preset found");
}

/* The copy in the Sent folder on the server comes with a preset: on for Fastmail, off with its
 * reason for Gmail, which files what its SMTP server sends itself. */
static void
test_preset_sent_copy (Fixture       *f,
                       gconstpointer  data)
{
  EpDiscoverCandidate *c;
  g_autoptr(EpProfile) profile = NULL;

  make_discover (f, "someone@fastmail.com");
  run (f, NULL);
  c = best (f);
  g_assert_cmpstr (c->imap_host, ==, "imap.fastmail.com");
  g_assert_cmpuint (c->imap_port, ==, 993);
  g_assert_cmpint (c->imap_security, ==, EP_SMTP_SECURITY_TLS);
  g_assert_null (c->sent_copy_off);
  profile = ep_discover_candidate_to_profile (c, "Fastmail", "someone@fastmail.com");
  g_assert_true (ep_profile_get_sent_copy (profile));
  g_assert_cmpstr (ep_profile_get_imap_host (profile), ==, "imap.fastmail.com");
  g_assert_cmpuint (ep_profile_get_imap_port (profile), ==, 993);
  g_assert_true (ep_profile_validate (profile, NULL));
  g_clear_object (&profile);

  g_clear_pointer (&f->result, ep_discover_result_unref);
  f->done = FALSE;
  make_discover (f, "someone@gmail.com");
  run (f, NULL);
  c = best (f);
  g_assert_cmpstr (c->imap_host, ==, "imap.gmail.com");
  g_assert_nonnull (c->sent_copy_off);
  profile = ep_discover_candidate_to_profile (c, "Gmail", "someone@gmail.com");
  g_assert_false (ep_profile_get_sent_copy (profile));
  g_assert_cmpstr (ep_profile_get_imap_host (profile), ==, "imap.gmail.com");
}

static void
test_autoconfig (Fixture       *f,
                 gconstpointer  data)
{
  EpDiscoverCandidate *c;
  g_autofree char *described = NULL;

  serve_config (f, "https://autoconfig.example.test/mail/config-v1.1.xml", "smtp.example.test", 465, "Example");
  /* The MX lookup never answers: a lower source does not hold the result back. */
  ep_fake_resolver_add_stall (f->resolver, "example.test");
  make_discover (f, ADDRESS);
  run (f, NULL);
  c = best (f);
  g_assert_cmpint (c->source, ==, EP_DISCOVER_SOURCE_AUTOCONFIG);
  g_assert_cmpstr (c->host, ==, "smtp.example.test");
  g_assert_true (c->https);
  g_assert_cmpint (c->dnssec, ==, EP_DISCOVER_DNSSEC_NOT_USED);
  g_assert_cmpint (c->trust, ==, EP_DISCOVER_TRUST_VERIFIED);
  g_assert_true (g_str_has_prefix (c->location, "https://autoconfig.example.test:"));
  g_assert_nonnull (strstr (c->location, "/mail/config-v1.1.xml?emailaddress=jo%40example.test"));
  described = ep_discover_candidate_describe_source (c);
  g_assert_cmpstr (described, ==, "Found in Example’s own configuration (HTTPS)");
  g_assert_cmpint (f->elapsed_us, <, ep_test_slack (QUICK_US));
  g_assert_cmpint (ep_discover_get_source_state (f->discover, EP_DISCOVER_SOURCE_MX), ==,
                   EP_DISCOVER_STATE_STOPPED);
  /* No consent: the ISPDB was not asked. */
  g_assert_false (was_requested (f, "https://localhost/v1.1/"));
  g_assert_cmpint (find_attempt (f, EP_DISCOVER_SOURCE_ISPDB, NULL)->state, ==, EP_DISCOVER_STATE_SKIPPED);
}

static void
test_well_known (Fixture       *f,
                 gconstpointer  data)
{
  EpDiscoverCandidate *c;

  serve_config (f, "https://example.test/.well-known/autoconfig/mail/config-v1.1.xml",
                "smtp.example.test", 465, "Example");
  make_discover (f, ADDRESS);
  run (f, NULL);
  c = best (f);
  g_assert_cmpint (c->source, ==, EP_DISCOVER_SOURCE_AUTOCONFIG);
  g_assert_nonnull (strstr (c->location, "/.well-known/autoconfig/mail/config-v1.1.xml"));
  /* The first location answered 404 first, and said so. */
  g_assert_cmpint (find_attempt (f, EP_DISCOVER_SOURCE_AUTOCONFIG, "autoconfig.example.test")->state, ==,
                   EP_DISCOVER_STATE_NOT_FOUND);
  g_assert_true (was_requested (f, "https://autoconfig.example.test/mail/config-v1.1.xml?emailaddress="));
  /* The well-known location gets no address. */
  g_assert_true (was_requested (f, "https://example.test/.well-known/autoconfig/mail/config-v1.1.xml"));
  g_assert_false (was_requested (f, "https://example.test/.well-known/autoconfig/mail/config-v1.1.xml?"));
}

static void
test_ispdb (Fixture       *f,
            gconstpointer  data)
{
  EpDiscoverCandidate *c;

  serve_config (f, "https://localhost/v1.1/example.test", "smtp.hoster.test", 465, "Hoster");
  make_discover (f, ADDRESS);
  ep_discover_set_ispdb_consent (f->discover, TRUE);
  run (f, NULL);
  c = best (f);
  g_assert_cmpint (c->source, ==, EP_DISCOVER_SOURCE_ISPDB);
  g_assert_cmpstr (c->host, ==, "smtp.hoster.test");
  /* Over HTTPS from the database people agreed to ask: no confirmation. */
  g_assert_cmpint (c->trust, ==, EP_DISCOVER_TRUST_VERIFIED);
}

static void
test_mx (Fixture       *f,
         gconstpointer  data)
{
  EpDiscoverCandidate *c;
  g_autofree char *described = NULL;

  ep_fake_resolver_add_mx (f->resolver, "example.test", 20, "mx2.elsewhere.test.");
  ep_fake_resolver_add_mx (f->resolver, "example.test", 10, "mx1.hoster.test.");
  serve_config (f, "https://autoconfig.hoster.test/mail/config-v1.1.xml", "smtp.hoster.test", 465, "Hoster");
  make_discover (f, ADDRESS);
  run (f, NULL);
  c = best (f);
  g_assert_cmpint (c->source, ==, EP_DISCOVER_SOURCE_MX);
  g_assert_cmpstr (c->host, ==, "smtp.hoster.test");
  g_assert_true (c->https);
  g_assert_cmpint (c->dnssec, ==, EP_DISCOVER_DNSSEC_UNKNOWN);
  /* Named by an unsigned MX record and outside example.test: the person confirms. */
  g_assert_cmpint (c->trust, ==, EP_DISCOVER_TRUST_CONFIRM_DNS);
  described = ep_discover_candidate_describe_source (c);
  g_assert_true (g_str_has_prefix (described, "From DNS (not validated by DNSSEC)"));
  /* Asked again whether it was validated, once; the DNS server knew no such record. */
  g_assert_cmpuint (ep_fake_dns_count (f->dns, "example.test"), ==, 1);
  /* The hoster is not told the person's address. */
  g_assert_true (was_requested (f, "https://autoconfig.hoster.test/mail/config-v1.1.xml"));
  g_assert_false (was_requested (f, "https://autoconfig.hoster.test/mail/config-v1.1.xml?"));
}

static void
test_mx_inside_domain (Fixture       *f,
                       gconstpointer  data)
{
  ep_fake_resolver_add_mx (f->resolver, "example.test", 10, "mx.example.test.");
  make_discover (f, ADDRESS);
  run (f, NULL);
  g_assert_no_error (f->error);
  g_assert_cmpuint (f->result->candidates->len, ==, 0);
  g_assert_cmpint (find_attempt (f, EP_DISCOVER_SOURCE_MX, NULL)->state, ==, EP_DISCOVER_STATE_NOT_FOUND);
  g_assert_false (was_requested (f, "https://autoconfig.example.test/mail/config-v1.1.xml\n"));
}

static void
test_srv (Fixture       *f,
          gconstpointer  data)
{
  EpDiscoverCandidate *c;

  ep_fake_resolver_add_srv (f->resolver, "_submissions._tcp.example.test", 10, 0, 465, "smtp.example.test.");
  ep_fake_resolver_add_srv (f->resolver, "_submissions._tcp.example.test", 5, 0, 4650, "first.example.test.");
  make_discover (f, ADDRESS);
  run (f, NULL);
  c = best (f);
  g_assert_cmpint (c->source, ==, EP_DISCOVER_SOURCE_SRV);
  g_assert_cmpstr (c->host, ==, "first.example.test");
  g_assert_cmpuint (c->port, ==, 4650);
  g_assert_cmpint (c->security, ==, EP_SMTP_SECURITY_TLS);
  g_assert_cmpstr (c->location, ==, "_submissions._tcp.example.test");
  g_assert_cmpint (c->dnssec, ==, EP_DISCOVER_DNSSEC_UNKNOWN);
  /* Inside the address's own domain: usable as it is. */
  g_assert_cmpint (c->trust, ==, EP_DISCOVER_TRUST_VERIFIED);
}

static void
test_srv_starttls_elsewhere (Fixture       *f,
                             gconstpointer  data)
{
  EpDiscoverCandidate *c;

  ep_fake_resolver_add_srv (f->resolver, "_submissions._tcp.example.test", 0, 0, 0, ".");
  ep_fake_resolver_add_srv (f->resolver, "_submission._tcp.example.test", 0, 0, 587, "smtp.hoster.test");
  make_discover (f, ADDRESS);
  run (f, NULL);
  c = best (f);
  g_assert_cmpint (c->source, ==, EP_DISCOVER_SOURCE_SRV);
  g_assert_cmpstr (c->host, ==, "smtp.hoster.test");
  g_assert_cmpint (c->security, ==, EP_SMTP_SECURITY_STARTTLS);
  g_assert_cmpint (c->trust, ==, EP_DISCOVER_TRUST_CONFIRM_DNS);
}

static void
test_probe (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(EpScriptServer) smtp = ep_script_server_new_for_test (
    "TLS: discover\n"
    "S: 220 smtp.example.test ESMTP\n"
    "C: EHLO *\n"
    "S: 250-smtp.example.test\n"
    "S: 250-SIZE 10000000\n"
    "S: 250 AUTH PLAIN LOGIN SCRAM-SHA-256\n"
    "C? QUIT\n"
    "S: 221 bye\n");
  EpDiscoverCandidate *c;

  make_discover (f, ADDRESS);
  ep_discover_set_test_ports (f->discover, f->https_port, f->http_port,
                              ep_script_server_get_port (smtp), ep_test_closed_port ());
  run (f, NULL);
  c = best (f);
  g_assert_cmpint (c->source, ==, EP_DISCOVER_SOURCE_PROBE);
  g_assert_cmpstr (c->host, ==, "smtp.example.test");
  g_assert_cmpint (c->security, ==, EP_SMTP_SECURITY_TLS);
  g_assert_cmpint (c->trust, ==, EP_DISCOVER_TRUST_VERIFIED);
  g_assert_cmpstrv (c->mechanisms, ((const char *[]) { "PLAIN", "LOGIN", "SCRAM-SHA-256", NULL }));
  g_assert_cmpint (c->auth, ==, EP_DISCOVER_AUTH_PASSWORD | EP_DISCOVER_AUTH_PASSWORD_ENCRYPTED);
  ep_script_server_assert_done (smtp, 5000);
}

static void
test_probe_starttls (Fixture       *f,
                     gconstpointer  data)
{
  /* Nothing on 465 anywhere; smtp.example.test speaks STARTTLS on "587". */
  g_autoptr(EpScriptServer) smtp = ep_script_server_new_for_test (
    "S: 220 smtp.example.test ESMTP\n"
    "C: EHLO *\n"
    "S: 250-smtp.example.test\n"
    "S: 250 STARTTLS\n"
    "C: STARTTLS\n"
    "S: 220 go ahead\n"
    "TLS: discover\n"
    "C: EHLO *\n"
    "S: 250-smtp.example.test\n"
    "S: 250 AUTH XOAUTH2 OAUTHBEARER\n"
    "C? QUIT\n"
    "S: 221 bye\n");
  EpDiscoverCandidate *c;

  make_discover (f, ADDRESS);
  ep_discover_set_test_ports (f->discover, f->https_port, f->http_port,
                              ep_test_closed_port (), ep_script_server_get_port (smtp));
  run (f, NULL);
  c = best (f);
  g_assert_cmpint (c->source, ==, EP_DISCOVER_SOURCE_PROBE);
  g_assert_cmpint (c->security, ==, EP_SMTP_SECURITY_STARTTLS);
  g_assert_cmpint (c->auth, ==, EP_DISCOVER_AUTH_OAUTH2);
  g_assert_cmpint (ep_discover_candidate_get_auth_mechanism (c), ==, EP_SMTP_AUTH_XOAUTH2);
  ep_script_server_assert_done (smtp, 5000);
}

static void
test_probe_no_starttls (Fixture       *f,
                        gconstpointer  data)
{
  /* A server without STARTTLS is never proposed, and is told nothing but QUIT. */
  g_autoptr(EpScriptServer) smtp = ep_script_server_new_for_test (
    "S: 220 smtp.example.test ESMTP\n"
    "C: EHLO *\n"
    "S: 250-smtp.example.test\n"
    "S: 250 AUTH PLAIN LOGIN\n"
    "C? QUIT\n"
    "S: 221 bye\n"
    "EOF\n");

  make_discover (f, ADDRESS);
  ep_discover_set_test_ports (f->discover, f->https_port, f->http_port,
                              ep_test_closed_port (), ep_script_server_get_port (smtp));
  run (f, NULL);
  g_assert_no_error (f->error);
  g_assert_cmpuint (f->result->candidates->len, ==, 0);
  g_assert_cmpint (find_attempt (f, EP_DISCOVER_SOURCE_PROBE, "smtp.example.test:")->state, ==,
                   EP_DISCOVER_STATE_FAILED);
  ep_script_server_assert_done (smtp, 5000);
}

static void
test_probe_bad_certificate (Fixture       *f,
                            gconstpointer  data)
{
  /* "good" is for localhost only: smtp.example.test must not be accepted with it. */
  g_autoptr(EpScriptServer) smtp = ep_script_server_new_for_test ("TLS-REJECT: good\nEOF\n");

  make_discover (f, ADDRESS);
  ep_discover_set_test_ports (f->discover, f->https_port, f->http_port,
                              ep_script_server_get_port (smtp), ep_test_closed_port ());
  run (f, NULL);
  g_assert_no_error (f->error);
  g_assert_cmpuint (f->result->candidates->len, ==, 0);
  g_assert_cmpint (find_attempt (f, EP_DISCOVER_SOURCE_PROBE, "smtp.example.test")->state, ==,
                   EP_DISCOVER_STATE_FAILED);
  ep_script_server_assert_done (smtp, 5000);
}

/* ---- Order, time, and what is refused --------------------------------------------------------- */

static void
test_priority (Fixture       *f,
               gconstpointer  data)
{
  EpDiscoverAttempt *ispdb, *own;

  /* The ISPDB and SRV answer at once; the provider's own file 300 ms later, and wins. */
  serve_config (f, "https://localhost/v1.1/example.test", "smtp.ispdb.example.test", 465, "ISPDB");
  ep_fake_resolver_add_srv (f->resolver, "_submissions._tcp.example.test", 0, 0, 465, "srv.example.test");
  serve_config (f, "https://autoconfig.example.test/mail/config-v1.1.xml", "smtp.example.test", 465, "Own");
  ((Route *) g_hash_table_lookup (f->routes, "https://autoconfig.example.test/mail/config-v1.1.xml"))->delay_ms = 300;
  make_discover (f, ADDRESS);
  ep_discover_set_ispdb_consent (f->discover, TRUE);
  run (f, NULL);
  g_assert_cmpstr (best (f)->host, ==, "smtp.example.test");
  g_assert_cmpint (best (f)->source, ==, EP_DISCOVER_SOURCE_AUTOCONFIG);
  /* The others that had answered follow, in priority order. */
  g_assert_cmpuint (f->result->candidates->len, >=, 2);
  g_assert_cmpint (((EpDiscoverCandidate *) f->result->candidates->pdata[1])->source, ==,
                   EP_DISCOVER_SOURCE_ISPDB);
  ispdb = find_attempt (f, EP_DISCOVER_SOURCE_ISPDB, NULL);
  own = find_attempt (f, EP_DISCOVER_SOURCE_AUTOCONFIG, NULL);
  g_assert_cmpuint (ispdb->elapsed_ms, <, own->elapsed_ms);
  g_assert_cmpuint (own->elapsed_ms, >=, 300);
}

static void
test_slow_source_bound (Fixture       *f,
                        gconstpointer  data)
{
  /* The provider's file never comes; SRV answers. The result waits for the better source, but
   * not past the bound, and then has SRV's answer. */
  add_stall (f, "https://autoconfig.example.test/mail/config-v1.1.xml");
  ep_fake_resolver_add_srv (f->resolver, "_submissions._tcp.example.test", 0, 0, 465, "srv.example.test");
  make_discover (f, ADDRESS);
  ep_discover_set_timeout (f->discover, 800);
  run (f, NULL);
  g_assert_cmpint (best (f)->source, ==, EP_DISCOVER_SOURCE_SRV);
  g_assert_cmpint (f->elapsed_us, >=, 800000);
  g_assert_cmpint (f->elapsed_us, <, 800000 + ep_test_slack (500000));
  g_assert_cmpint (ep_discover_get_source_state (f->discover, EP_DISCOVER_SOURCE_AUTOCONFIG), ==,
                   EP_DISCOVER_STATE_TIMED_OUT);
  g_assert_false (f->result->temporary);
}

static void
test_nothing_answers (Fixture       *f,
                      gconstpointer  data)
{
  const char *names[] = { "example.test", "autoconfig.example.test", "_submissions._tcp.example.test",
                          "smtp.example.test" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    ep_fake_resolver_add_stall (f->resolver, names[i]);
  make_discover (f, ADDRESS);
  ep_discover_set_timeout (f->discover, 600);
  run (f, NULL);
  g_assert_no_error (f->error);
  g_assert_cmpuint (f->result->candidates->len, ==, 0);
  g_assert_true (f->result->temporary);
  g_assert_cmpint (f->elapsed_us, >=, 600000);
  g_assert_cmpint (f->elapsed_us, <, 600000 + ep_test_slack (500000));
  for (guint s = EP_DISCOVER_SOURCE_AUTOCONFIG; s < EP_DISCOVER_N_SOURCES; s++)
    if (s != EP_DISCOVER_SOURCE_ISPDB)
      g_assert_cmpint (ep_discover_get_source_state (f->discover, s), ==, EP_DISCOVER_STATE_TIMED_OUT);
  /* Nothing more is reported once the result is in. */
  ep_test_caller_assert_quiet (&(EpTestCaller) { .context = f->context, .thread = g_thread_self () }, 100);
}

static void
test_redirects (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *to_http = g_strdup_printf ("http://example.test:%u/plain.xml", f->http_port);
  EpDiscoverAttempt *a;

  /* HTTPS to HTTP: refused, even with plain HTTP allowed. */
  add_route (f, "https://autoconfig.example.test/mail/config-v1.1.xml", 301, NULL, to_http);
  serve_config (f, "http://example.test/plain.xml", "smtp.example.test", 465, "Plain");
  /* A loop: given up after a few hops. */
  add_route (f, "https://example.test/.well-known/autoconfig/mail/config-v1.1.xml", 302, NULL,
             "/.well-known/autoconfig/mail/config-v1.1.xml");
  make_discover (f, ADDRESS);
  run (f, NULL);
  g_assert_no_error (f->error);
  g_assert_cmpuint (f->result->candidates->len, ==, 0);
  g_assert_false (was_requested (f, "http://example.test/plain.xml"));
  a = find_attempt (f, EP_DISCOVER_SOURCE_AUTOCONFIG, "autoconfig.example.test");
  g_assert_cmpint (a->state, ==, EP_DISCOVER_STATE_FAILED);
  g_assert_nonnull (strstr (a->detail, "only HTTPS"));
  a = find_attempt (f, EP_DISCOVER_SOURCE_AUTOCONFIG, "well-known");
  g_assert_cmpint (a->state, ==, EP_DISCOVER_STATE_FAILED);
  g_assert_nonnull (strstr (a->detail, "redirects"));
  /* The first request and EP_DISCOVER_MAX_REDIRECTS more. */
  {
    guint n = 0;

    for (guint i = 0; i < f->requests->len; i++)
      n += g_str_has_prefix (f->requests->pdata[i], "https://example.test/.well-known/");
    g_assert_cmpuint (n, ==, 4);
  }
}

static void
test_http_errors (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *huge = g_strnfill (300 * 1024, ' ');
  EpDiscoverAttempt *a;

  add_route (f, "https://autoconfig.example.test/mail/config-v1.1.xml", 500, "oops", NULL);
  add_route (f, "https://example.test/.well-known/autoconfig/mail/config-v1.1.xml", 200, huge, NULL);
  make_discover (f, ADDRESS);
  run (f, NULL);
  g_assert_no_error (f->error);
  g_assert_cmpuint (f->result->candidates->len, ==, 0);
  a = find_attempt (f, EP_DISCOVER_SOURCE_AUTOCONFIG, "autoconfig.example.test");
  g_assert_cmpint (a->state, ==, EP_DISCOVER_STATE_FAILED);
  g_assert_nonnull (strstr (a->detail, "500"));
  a = find_attempt (f, EP_DISCOVER_SOURCE_AUTOCONFIG, "well-known");
  g_assert_cmpint (a->state, ==, EP_DISCOVER_STATE_FAILED);
  g_assert_nonnull (strstr (a->detail, "256 KiB"));
  /* A server error may pass: nothing found, for now. */
  g_assert_true (f->result->temporary);

  /* Only 404s and a file naming no usable server: nothing found, for good. */
  g_clear_pointer (&f->result, ep_discover_result_unref);
  f->done = FALSE;
  add_route (f, "https://autoconfig.example.test/mail/config-v1.1.xml", 200,
             "<clientConfig><emailProvider id=\"x\"/></clientConfig>", NULL);
  add_route (f, "https://example.test/.well-known/autoconfig/mail/config-v1.1.xml", 403, "no", NULL);
  make_discover (f, ADDRESS);
  run (f, NULL);
  g_assert_cmpuint (f->result->candidates->len, ==, 0);
  g_assert_false (f->result->temporary);
}

static void
test_plain_http (Fixture       *f,
                 gconstpointer  data)
{
  EpDiscoverCandidate *c;

  serve_config (f, "http://autoconfig.example.test/mail/config-v1.1.xml", "smtp.hoster.test", 465, "Plain");

  /* Off by default: never asked. */
  make_discover (f, ADDRESS);
  run (f, NULL);
  g_assert_cmpuint (f->result->candidates->len, ==, 0);
  g_assert_false (was_requested (f, "http://"));

  g_clear_pointer (&f->result, ep_discover_result_unref);
  f->done = FALSE;
  make_discover (f, ADDRESS);
  ep_discover_set_allow_plain_http (f->discover, TRUE);
  run (f, NULL);
  c = best (f);
  g_assert_false (c->https);
  g_assert_cmpstr (c->host, ==, "smtp.hoster.test");
  g_assert_cmpint (c->trust, ==, EP_DISCOVER_TRUST_CONFIRM_PLAIN_HTTP);
}

static void
test_untrusted_https (Fixture       *f,
                      gconstpointer  data)
{
  EpDiscoverAttempt *a;

  serve_config (f, "https://autoconfig.example.test/mail/config-v1.1.xml", "smtp.example.test", 465, "Example");
  make_discover (f, ADDRESS);
  ep_discover_set_cafile (f->discover, NULL);
  run (f, NULL);
  g_assert_no_error (f->error);
  g_assert_cmpuint (f->result->candidates->len, ==, 0);
  a = find_attempt (f, EP_DISCOVER_SOURCE_AUTOCONFIG, "autoconfig.example.test");
  g_assert_cmpint (a->state, ==, EP_DISCOVER_STATE_FAILED);
}

static gboolean
cancel_now (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GSource) timer = g_timeout_source_new (100);

  add_stall (f, "https://autoconfig.example.test/mail/config-v1.1.xml");
  make_discover (f, ADDRESS);
  g_source_set_callback (timer, cancel_now, cancellable, NULL);
  g_source_attach (timer, f->context);
  run (f, cancellable);
  g_assert_error (f->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (f->result);
  g_assert_cmpint (f->elapsed_us, <, ep_test_slack (1000000));
}

static void
test_invalid_address (Fixture       *f,
                      gconstpointer  data)
{
  const char *bad[] = { "", "jo", "@example.test", "jo@", "jo@localhost", "jo@127.0.0.1", "j o@example.test",
                        "jo@exa mple.test", "jo@example..test", "jo\n@example.test", "jo@@example.test" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      f->done = FALSE;
      g_clear_error (&f->error);
      make_discover (f, bad[i]);
      run (f, NULL);
      g_assert_error (f->error, EP_DISCOVER_ERROR, EP_DISCOVER_ERROR_INVALID_ADDRESS);
      g_assert_null (f->result);
    }
  g_assert_cmpuint (f->requests->len, ==, 0);
}

/* ---- DNSSEC ---------------------------------------------------------------------------------- */

/* The MX answer validated by DNSSEC: what the hoster's file over HTTPS says needs no
 * confirmation, and the provenance says why. */
static void
test_dnssec_mx (Fixture       *f,
                gconstpointer  data)
{
  EpDiscoverCandidate *c;
  g_autofree char *described = NULL;

  ep_fake_resolver_add_mx (f->resolver, "example.test", 10, "mx1.hoster.test.");
  ep_fake_dns_add (f->dns, "example.test", 15, "mx1.hoster.test", TRUE);
  serve_config (f, "https://autoconfig.hoster.test/mail/config-v1.1.xml", "smtp.hoster.test", 465, "Hoster");
  make_discover (f, ADDRESS);
  run (f, NULL);
  c = best (f);
  g_assert_cmpint (c->source, ==, EP_DISCOVER_SOURCE_MX);
  g_assert_cmpstr (c->host, ==, "smtp.hoster.test");
  g_assert_cmpint (c->dnssec, ==, EP_DISCOVER_DNSSEC_VALIDATED);
  g_assert_cmpint (c->trust, ==, EP_DISCOVER_TRUST_VERIFIED);
  described = ep_discover_candidate_describe_source (c);
  g_assert_nonnull (strstr (described, "validated by DNSSEC"));
  g_assert_cmpstr (find_attempt (f, EP_DISCOVER_SOURCE_MX, "autoconfig.hoster.test")->detail,
                   ==, "1 server; MX mx1.hoster.test, validated by DNSSEC");
}

/* A validated SRV answer naming a server outside the domain: usable as it is. */
static void
test_dnssec_srv (Fixture       *f,
                 gconstpointer  data)
{
  EpDiscoverCandidate *c;

  ep_fake_resolver_add_srv (f->resolver, "_submissions._tcp.example.test", 0, 0, 465, "smtp.hoster.test.");
  ep_fake_dns_add (f->dns, "_submissions._tcp.example.test", 33, "smtp.hoster.test", TRUE);
  make_discover (f, ADDRESS);
  run (f, NULL);
  c = best (f);
  g_assert_cmpint (c->source, ==, EP_DISCOVER_SOURCE_SRV);
  g_assert_cmpint (c->dnssec, ==, EP_DISCOVER_DNSSEC_VALIDATED);
  g_assert_cmpint (c->trust, ==, EP_DISCOVER_TRUST_VERIFIED);
}

/* The validated answer names another server than the one GResolver was told about: the one
 * told about stays unconfirmed. So does an answer without the AD bit. */
static void
test_dnssec_other_host (Fixture       *f,
                        gconstpointer  data)
{
  EpDiscoverCandidate *c;

  ep_fake_resolver_add_srv (f->resolver, "_submissions._tcp.example.test", 0, 0, 465, "smtp.hoster.test.");
  ep_fake_dns_add (f->dns, "_submissions._tcp.example.test", 33, "smtp.elsewhere.test", TRUE);
  ep_fake_resolver_add_mx (f->resolver, "example.test", 10, "mx1.hoster.test.");
  ep_fake_dns_add (f->dns, "example.test", 15, "mx1.hoster.test", FALSE);
  serve_config (f, "https://autoconfig.hoster.test/mail/config-v1.1.xml", "smtp.hoster.test", 465, "Hoster");
  make_discover (f, ADDRESS);
  run (f, NULL);
  g_assert_no_error (f->error);
  for (guint i = 0; i < f->result->candidates->len; i++)
    {
      c = f->result->candidates->pdata[i];
      g_assert_cmpint (c->dnssec, ==, EP_DISCOVER_DNSSEC_UNKNOWN);
      g_assert_cmpint (c->trust, ==, EP_DISCOVER_TRUST_CONFIRM_DNS);
    }
  g_assert_cmpuint (f->result->candidates->len, ==, 2);
}

/* A resolver that never answers the second question delays the result by the check's bound at
 * most, and the answer counts as not validated. */
static void
test_dnssec_silent (Fixture       *f,
                    gconstpointer  data)
{
  EpDiscoverCandidate *c;

  ep_fake_resolver_add_srv (f->resolver, "_submissions._tcp.example.test", 0, 0, 465, "smtp.example.test.");
  ep_fake_dns_add (f->dns, "_submissions._tcp.example.test", 33, "smtp.example.test", TRUE);
  ep_fake_dns_set_silent (f->dns, TRUE);
  make_discover (f, ADDRESS);
  run (f, NULL);
  c = best (f);
  g_assert_cmpint (c->source, ==, EP_DISCOVER_SOURCE_SRV);
  g_assert_cmpint (c->dnssec, ==, EP_DISCOVER_DNSSEC_UNKNOWN);
  g_assert_cmpuint (ep_fake_dns_count (f->dns, "_submissions._tcp.example.test"), >=, 1);
  g_assert_cmpint (f->elapsed_us, <, EP_DISCOVER_DNSSEC_TIMEOUT_MS * 1000 + ep_test_slack (QUICK_US));
}

/* Without "trust-ad" the C library drops the bit whatever the resolver says: nothing counts as
 * validated. In a process of its own, whose RES_OPTIONS say nothing. */
static void
test_dnssec_untrusted (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(EpFakeDns) dns = ep_fake_dns_new ();

      ep_fake_dns_add (dns, "example.test", 15, "mx1.hoster.test", TRUE);
      g_assert_false (ep_discover_dnssec_check ("example.test", 15, "mx1.hoster.test",
                                                ep_fake_dns_get_address (dns)));
      g_assert_cmpuint (ep_fake_dns_count (dns, "example.test"), ==, 1);
      return;
    }
  {
    g_autofree char *options = g_strdup (g_getenv ("RES_OPTIONS"));

    /* Empty, not unset: main() would say "trust-ad" again in the child. */
    g_setenv ("RES_OPTIONS", "", TRUE);
    g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
    g_setenv ("RES_OPTIONS", options, TRUE);
    g_test_trap_assert_passed ();
  }
}

/* The check itself: the bit, the named host (any case, with or without the final dot), NXDOMAIN. */
static void
test_dnssec_check (void)
{
  g_autoptr(EpFakeDns) dns = ep_fake_dns_new ();
  GInetSocketAddress *at = ep_fake_dns_get_address (dns);

  ep_fake_dns_add (dns, "example.test", 15, "mx1.hoster.test", TRUE);
  ep_fake_dns_add (dns, "_submission._tcp.example.test", 33, "smtp.example.test", TRUE);
  ep_fake_dns_add (dns, "unsigned.test", 15, "mx.unsigned.test", FALSE);
  g_assert_true (ep_discover_dnssec_check ("example.test", 15, "MX1.hoster.test.", at));
  g_assert_true (ep_discover_dnssec_check ("_submission._tcp.example.test", 33, "smtp.example.test", at));
  g_assert_false (ep_discover_dnssec_check ("example.test", 15, "mx2.hoster.test", at));
  g_assert_false (ep_discover_dnssec_check ("unsigned.test", 15, "mx.unsigned.test", at));
  g_assert_false (ep_discover_dnssec_check ("nothing.test", 15, "mx.nothing.test", at));
  /* An MX question is not answered by an SRV record of the same name. */
  g_assert_false (ep_discover_dnssec_check ("example.test", 33, "mx1.hoster.test", at));
}

int
main (int argc, char *argv[])
{
  int status;

  /* Before the C library reads its resolver configuration (once per process). */
  if (g_getenv ("RES_OPTIONS") == NULL)
    g_setenv ("RES_OPTIONS", "trust-ad", TRUE);
  g_test_init (&argc, &argv, NULL);
  ep_test_certs_share ();

#define ADD(path, func) \
  g_test_add ("/discover/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("preset", test_preset);
  ADD ("preset-sent-copy", test_preset_sent_copy);
  ADD ("autoconfig", test_autoconfig);
  ADD ("well-known", test_well_known);
  ADD ("ispdb", test_ispdb);
  ADD ("mx", test_mx);
  ADD ("mx-inside-domain", test_mx_inside_domain);
  ADD ("srv", test_srv);
  ADD ("srv-starttls-elsewhere", test_srv_starttls_elsewhere);
  ADD ("probe", test_probe);
  ADD ("probe-starttls", test_probe_starttls);
  ADD ("probe-no-starttls", test_probe_no_starttls);
  ADD ("probe-bad-certificate", test_probe_bad_certificate);
  ADD ("priority", test_priority);
  ADD ("slow-source-bound", test_slow_source_bound);
  ADD ("nothing-answers", test_nothing_answers);
  ADD ("redirects", test_redirects);
  ADD ("http-errors", test_http_errors);
  ADD ("plain-http", test_plain_http);
  ADD ("untrusted-https", test_untrusted_https);
  ADD ("cancel", test_cancel);
  ADD ("invalid-address", test_invalid_address);
  ADD ("dnssec/mx", test_dnssec_mx);
  ADD ("dnssec/srv", test_dnssec_srv);
  ADD ("dnssec/other-host", test_dnssec_other_host);
  ADD ("dnssec/silent", test_dnssec_silent);
#undef ADD
  g_test_add_func ("/discover/dnssec/check", test_dnssec_check);
  g_test_add_func ("/discover/dnssec/untrusted", test_dnssec_untrusted);

  status = g_test_run ();
  ep_test_certs_cleanup ();
  return status;
}
