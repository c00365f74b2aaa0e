/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-cli-configure.c: `epistle-send --configure` end to end: the test build of epistle-send
 * (epistle-send-discover, which reads its DNS answers from a file) run as a child process
 * against an HTTPS SoupServer, a DNS server of ours (asked whether an MX answer was validated by
 * DNSSEC) and the scripted SMTP server on 127.0.0.1. What it prints must be a profiles.ini group
 * the app reads back; the exit status says found (0), nothing (69), not now (75) or not an
 * address (78); --save stores the profile, and refuses settings that need confirmation without
 * --confirm. */
#include "config.h"

#include <string.h>
#include <libsoup/soup.h>

#include "ep-fake-dns.h"
#include "ep-profile-keyfile.h"
#include "ep-script-server.h"
#include "ep-test-certs.h"
#include "ep-test-util.h"

typedef struct {
  GMainContext *context;
  SoupServer   *server;
  guint16       https_port;
  GHashTable   *files;     /* "host/path" → body */
  char         *dir;
  char         *dns;       /* the records file */
  EpFakeDns    *dnssec;    /* asked again whether MX and SRV answers were validated */
  GString      *records;
  char         *ports;
  char         *out;
  char         *err;
  int           status;
  gint64        elapsed_us;
} Fixture;

static void
handle (SoupServer        *server,
        SoupServerMessage *msg,
        const char        *path,
        GHashTable        *query,
        gpointer           user_data)
{
  Fixture *f = user_data;
  g_autofree char *key = g_strdup_printf ("%s%s", g_uri_get_host (soup_server_message_get_uri (msg)), path);
  const char *body = g_hash_table_lookup (f->files, key);

  if (body == NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/xml", SOUP_MEMORY_COPY, body, strlen (body));
}

static void
serve (Fixture    *f,
       const char *key,
       const char *host)
{
  g_hash_table_insert (f->files, g_strdup (key), g_strdup_printf (
    "<clientConfig version=\"1.1\"><emailProvider id=\"x\"><displayName>Example</displayName>"
    "<outgoingServer type=\"smtp\"><hostname>%s</hostname><port>465</port>"
    "<socketType>SSL</socketType><username>%%EMAILLOCALPART%%</username>"
    "<authentication>password-cleartext</authentication></outgoingServer>"
    "</emailProvider></clientConfig>", host));
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) cert = ep_test_certs_load ("discover", &error);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  GSList *uris;
  guint16 closed = ep_test_closed_port ();
  const char *names[] = { "example.test", "autoconfig.example.test", "smtp.example.test",
                          "mail.example.test", "autoconfig.hoster.test", "smtp.hoster.test" };

  g_assert_no_error (error);
  f->context = g_main_context_new ();
  g_main_context_push_thread_default (f->context);
  f->files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  f->server = soup_server_new ("tls-certificate", cert, NULL);
  soup_server_add_handler (f->server, NULL, handle, f, NULL);
  g_assert_true (soup_server_listen (f->server, address, SOUP_SERVER_LISTEN_HTTPS, &error));
  uris = soup_server_get_uris (f->server);
  f->https_port = (guint16) g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  f->dir = ep_test_make_dir ("cli-configure");
  f->dns = g_build_filename (f->dir, "dns", NULL);
  f->records = g_string_new ("# names of the local servers\n");
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_string_append_printf (f->records, "host %s 127.0.0.1\n", names[i]);
  f->ports = g_strdup_printf ("%u %u %u %u", f->https_port, closed, closed, closed);
  f->dnssec = ep_fake_dns_new ();
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  soup_server_disconnect (f->server);
  g_clear_object (&f->server);
  g_hash_table_unref (f->files);
  g_string_free (f->records, TRUE);
  ep_fake_dns_free (f->dnssec);
  g_free (f->dir);
  g_free (f->dns);
  g_free (f->ports);
  g_free (f->out);
  g_free (f->err);
  g_main_context_pop_thread_default (f->context);
  g_main_context_unref (f->context);
}

typedef struct {
  Fixture  *f;
  gboolean  done;
} Wait;

static void
communicated (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  Wait *wait = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), res, &wait->f->out, &wait->f->err, &error);
  g_assert_no_error (error);
  wait->done = TRUE;
}

/* Runs the test build of epistle-send with the arguments (NULL-terminated) and the test CA,
 * the main context serving meanwhile; bounded to 30 s. */
static void
run_cli (Fixture    *f,
         const char *first,
         ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ca = ep_test_certs_path ("ca");
  g_autofree char *config = g_build_filename (f->dir, "config", NULL);
  g_autofree char *exe = g_test_build_filename (G_TEST_BUILT, "epistle-send-discover", NULL);
  g_autofree char *nameserver = g_strdup_printf ("%u", g_inet_socket_address_get_port (ep_fake_dns_get_address (f->dnssec)));
  Wait wait = { f, FALSE };
  gint64 start, limit;
  va_list args;

  ep_test_write_file (f->dns, f->records->str);
  g_ptr_array_add (argv, exe);
  g_ptr_array_add (argv, (char *) "--cafile");
  g_ptr_array_add (argv, ca);
  va_start (args, first);
  for (const char *a = first; a != NULL; a = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) a);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "EPISTLE_TEST_DNS", f->dns, TRUE);
  g_subprocess_launcher_setenv (launcher, "EPISTLE_TEST_PORTS", f->ports, TRUE);
  g_subprocess_launcher_setenv (launcher, "EPISTLE_TEST_ISPDB",
                                "https://localhost:1/v1.1/", TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", config, TRUE);
  g_subprocess_launcher_setenv (launcher, "EPISTLE_TEST_NAMESERVER", nameserver, TRUE);
  /* The C library keeps a resolver's AD bit only when the system trusts it to validate. */
  g_subprocess_launcher_setenv (launcher, "RES_OPTIONS", "trust-ad", TRUE);
  start = g_get_monotonic_time ();
  child = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);

  g_clear_pointer (&f->out, g_free);
  g_clear_pointer (&f->err, g_free);
  g_subprocess_communicate_utf8_async (child, NULL, NULL, communicated, &wait);
  limit = start + ep_test_slack (30 * G_USEC_PER_SEC);
  while (!wait.done && g_get_monotonic_time () < limit)
    g_main_context_iteration (f->context, TRUE);
  g_assert_true (wait.done);
  g_subprocess_wait (child, NULL, &error);
  g_assert_no_error (error);
  f->elapsed_us = g_get_monotonic_time () - start;
  if (!g_subprocess_get_if_exited (child))
    g_error ("epistle-send ended by signal %d; stderr:\n%s", g_subprocess_get_term_sig (child), f->err);
  f->status = g_subprocess_get_exit_status (child);
  g_test_message ("exit %d after %" G_GINT64_FORMAT " ms; stdout:\n%s\nstderr:\n%s", f->status,
                  f->elapsed_us / 1000, f->out, f->err);
}

/* The printed group, read back with the app's own reader. */
static EpProfile *
read_printed_profile (Fixture *f)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) groups = NULL;
  EpProfile *profile;

  g_assert_true (g_key_file_load_from_data (keyfile, f->out, -1, G_KEY_FILE_NONE, &error));
  g_assert_no_error (error);
  groups = g_key_file_get_groups (keyfile, NULL);
  g_assert_cmpuint (g_strv_length (groups), ==, 1);
  g_assert_true (g_str_has_prefix (groups[0], "Profile "));
  profile = ep_profile_keyfile_read (keyfile, groups[0], groups[0] + strlen ("Profile "), &error);
  g_assert_no_error (error);
  return profile;
}

/* ---- Tests ---------------------------------------------------------------------------------- */

static void
test_preset (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(EpProfile) profile = NULL;

  run_cli (f, "--configure", "me@fastmail.com", NULL);
  g_assert_cmpint (f->status, ==, 0);
  profile = read_printed_profile (f);
  g_assert_cmpstr (ep_profile_get_host (profile), ==, "smtp.fastmail.com");
  g_assert_cmpuint (ep_profile_get_port (profile), ==, 465);
  g_assert_cmpint (ep_profile_get_security (profile), ==, EP_SMTP_SECURITY_TLS);
  g_assert_cmpstr (ep_profile_get_sender_address (profile), ==, "me@fastmail.com");
  g_assert_nonnull (strstr (f->out, "# Trust: verified"));
}

static void
test_autoconfig_transcript (Fixture       *f,
                            gconstpointer  data)
{
  const char *sources[] = { "preset", "autoconfig", "ispdb", "mx", "srv", "probe" };
  g_autoptr(EpProfile) profile = NULL;

  serve (f, "autoconfig.example.test/mail/config-v1.1.xml", "smtp.example.test");
  run_cli (f, "--configure", "jo@example.test", "--transcript", NULL);
  g_assert_cmpint (f->status, ==, 0);
  profile = read_printed_profile (f);
  g_assert_cmpstr (ep_profile_get_host (profile), ==, "smtp.example.test");
  g_assert_cmpstr (ep_profile_get_username (profile), ==, "jo");
  g_assert_nonnull (strstr (f->out, "# Found in Example’s own configuration (HTTPS)"));
  /* Every source is in the transcript, with what became of it. */
  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    {
      g_autofree char *needle = g_strdup_printf (" %s ", sources[i]);

      g_assert_nonnull (strstr (f->err, needle));
    }
  g_assert_nonnull (strstr (f->err, "found"));
  g_assert_nonnull (strstr (f->err, "https://autoconfig.example.test:"));
}

static void
test_nothing_found (Fixture       *f,
                    gconstpointer  data)
{
  run_cli (f, "--configure", "jo@example.test", NULL);
  g_assert_cmpint (f->status, ==, 69);
  g_assert_cmpstr (f->out, ==, "");
}

static void
test_not_now (Fixture       *f,
              gconstpointer  data)
{
  g_string_append (f->records, "stall autoconfig.example.test\nstall example.test\n"
                               "stall _submissions._tcp.example.test\nstall smtp.example.test\n");
  run_cli (f, "--configure", "jo@example.test", "--timeout", "1", NULL);
  g_assert_cmpint (f->status, ==, 75);
  /* The bound holds for the whole program. */
  g_assert_cmpint (f->elapsed_us, <, ep_test_slack (3 * G_USEC_PER_SEC));
}

static void
test_bad_address (Fixture       *f,
                  gconstpointer  data)
{
  run_cli (f, "--configure", "not an address", NULL);
  g_assert_cmpint (f->status, ==, 78);
  run_cli (f, "--configure", "jo@example.test", "you@example.org", NULL);
  g_assert_cmpint (f->status, ==, 64);
  run_cli (f, "--save", "Work", NULL);
  g_assert_cmpint (f->status, ==, 64);
}

static void
test_save (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *ini = g_build_filename (f->dir, "config", "epistle", "profiles.ini", NULL);
  g_autofree char *saved = NULL;

  /* Named by an MX record, outside the address's domain: saved only when confirmed. */
  g_string_append (f->records, "mx example.test 10 mx1.hoster.test\n");
  serve (f, "autoconfig.hoster.test/mail/config-v1.1.xml", "smtp.hoster.test");
  run_cli (f, "--configure", "jo@example.test", "--save", "Work", NULL);
  g_assert_cmpint (f->status, ==, 78);
  g_assert_nonnull (strstr (f->out, "# Trust: needs confirmation"));
  g_assert_false (g_file_test (ini, G_FILE_TEST_EXISTS));

  run_cli (f, "--configure", "jo@example.test", "--save", "Work", "--confirm", NULL);
  g_assert_cmpint (f->status, ==, 0);
  saved = ep_test_read_file (ini);
  g_assert_nonnull (strstr (saved, "name=Work\n"));
  g_assert_nonnull (strstr (saved, "host=smtp.hoster.test\n"));

  /* The name is taken now. */
  run_cli (f, "--configure", "jo@example.test", "--save", "work", "--confirm", NULL);
  g_assert_cmpint (f->status, ==, 78);
}

/* The same MX answer, validated by DNSSEC: saved without confirmation, and the output says why. */
static void
test_dnssec (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *ini = g_build_filename (f->dir, "config", "epistle", "profiles.ini", NULL);

  g_string_append (f->records, "mx example.test 10 mx1.hoster.test\n");
  serve (f, "autoconfig.hoster.test/mail/config-v1.1.xml", "smtp.hoster.test");
  run_cli (f, "--configure", "jo@example.test", NULL);
  g_assert_cmpint (f->status, ==, 0);
  g_assert_nonnull (strstr (f->out, "# DNSSEC: the DNS answer was not validated"));
  g_assert_nonnull (strstr (f->out, "# Trust: needs confirmation"));

  ep_fake_dns_add (f->dnssec, "example.test", 15, "mx1.hoster.test", TRUE);
  run_cli (f, "--configure", "jo@example.test", "--save", "Work", NULL);
  g_assert_cmpint (f->status, ==, 0);
  g_assert_nonnull (strstr (f->out, "# DNSSEC: the DNS answer was validated\n"));
  g_assert_nonnull (strstr (f->out, "# Trust: verified\n"));
  g_assert_true (g_file_test (ini, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (ep_fake_dns_count (f->dnssec, "example.test"), ==, 2);
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
    "S: 250 AUTH PLAIN\n"
    "C? QUIT\n"
    "S: 221 bye\n");
  g_autoptr(EpProfile) profile = NULL;

  g_free (f->ports);
  f->ports = g_strdup_printf ("%u %u %u %u", f->https_port, ep_test_closed_port (),
                              ep_script_server_get_port (smtp), ep_test_closed_port ());
  run_cli (f, "--configure", "jo@example.test", NULL);
  g_assert_cmpint (f->status, ==, 0);
  profile = read_printed_profile (f);
  g_assert_cmpstr (ep_profile_get_host (profile), ==, "smtp.example.test");
  g_assert_cmpint (ep_profile_get_security (profile), ==, EP_SMTP_SECURITY_TLS);
  ep_script_server_assert_done (smtp, 5000);
}

/* The installed program has no way to read fake DNS answers: the code is not in it. */
static void
test_hook_not_shipped (void)
{
  const char *installed = g_getenv ("EPISTLE_SEND");
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr(GError) error = NULL;

  if (installed == NULL)
    {
      g_test_skip ("EPISTLE_SEND is not set");
      return;
    }
  g_assert_true (g_file_get_contents (installed, &contents, &length, &error));
  g_assert_no_error (error);
  g_assert_null (g_strstr_len (contents, (gssize) length, "EPISTLE_TEST_DNS"));
  g_assert_null (g_strstr_len (contents, (gssize) length, "EPISTLE_TEST_PORTS"));
  g_assert_null (g_strstr_len (contents, (gssize) length, "EPISTLE_TEST_NAMESERVER"));
}

int
main (int argc, char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  ep_test_certs_share ();

#define ADD(path, func) \
  g_test_add ("/cli-configure/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("preset", test_preset);
  ADD ("autoconfig-transcript", test_autoconfig_transcript);
  ADD ("nothing-found", test_nothing_found);
  ADD ("not-now", test_not_now);
  ADD ("bad-address", test_bad_address);
  ADD ("save", test_save);
  ADD ("dnssec", test_dnssec);
  ADD ("probe", test_probe);
#undef ADD
  g_test_add_func ("/cli-configure/hook-not-shipped", test_hook_not_shipped);

  status = g_test_run ();
  ep_test_certs_cleanup ();
  return status;
}
