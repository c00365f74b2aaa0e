/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-tls-system-database.c: the database that reads the system's anchors only as far as a
 * chain needs them gives GIO's verdicts: for each test certificate and name, the flags equal
 * those of a GIO file database over the same bundle (the test CA among the system's real
 * anchors), and the expected ones; a damaged block in the bundle is skipped; a missing bundle
 * trusts nothing; and the process default is this system's bundle. */
#include "config.h"

#include <string.h>

#include "ep-test-certs.h"
#include "ep-test-util.h"
#include "ep-tls-system-database.h"

#define SYSTEM_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

static char *dir;

/* A bundle of the system's anchors (when there are any) with @extra (PEM) in the middle. */
static char *
write_bundle (const char *name,
              const char *extra)
{
  g_autofree char *system = NULL;
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GString) text = g_string_new (NULL);
  gsize half;

  if (g_file_get_contents (SYSTEM_BUNDLE, &system, NULL, NULL))
    {
      /* The test's anchors between two halves of the real ones, on a certificate boundary. */
      const char *middle = strstr (system + strlen (system) / 2, "-----BEGIN CERTIFICATE-----");

      half = middle != NULL ? (gsize) (middle - system) : strlen (system);
      g_string_append_len (text, system, half);
      g_string_append (text, extra);
      g_string_append (text, system + half);
    }
  else
    g_string_append (text, extra);
  ep_test_write_file (path, text->str);
  return g_steal_pointer (&path);
}

static char *
ca_pem (void)
{
  g_autofree char *path = ep_test_certs_path ("ca");

  return ep_test_read_file (path);
}

/* The certificate @name without its key, as a server presents it; @with_ca: the CA follows it in
 * the chain (a server that sends its root too). */
static GTlsCertificate *
presented (const char *name,
           gboolean    with_ca)
{
  g_autoptr(GTlsCertificate) loaded = ep_test_certs_load (name, NULL);
  g_autofree char *leaf = NULL;
  g_autofree char *ca = ca_pem ();
  g_autofree char *chain = NULL;
  g_autoptr(GError) error = NULL;
  GTlsCertificate *certificate;

  g_assert_nonnull (loaded);
  g_object_get (loaded, "certificate-pem", &leaf, NULL);
  chain = g_strconcat (leaf, with_ca ? ca : "", NULL);
  certificate = g_tls_certificate_new_from_pem (chain, -1, &error);
  g_assert_no_error (error);
  return certificate;
}

static GTlsCertificateFlags
verify (GTlsDatabase    *database,
        GTlsCertificate *chain,
        const char      *host)
{
  g_autoptr(GSocketConnectable) identity = g_network_address_new (host, 25);
  g_autoptr(GError) error = NULL;
  GTlsCertificateFlags flags;

  flags = g_tls_database_verify_chain (database, chain, G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER,
                                       identity, NULL, G_TLS_DATABASE_VERIFY_NONE, NULL, &error);
  g_assert_no_error (error);
  return flags;
}

static void
test_same_verdicts (void)
{
  g_autofree char *ca = ca_pem ();
  g_autofree char *bundle = write_bundle ("bundle.pem", ca);
  g_autoptr(EpTlsSystemDatabase) ours = ep_tls_system_database_new (bundle);
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsDatabase) gio = g_tls_file_database_new (bundle, &error);
  static const struct {
    const char           *cert;
    gboolean              with_ca;
    const char           *host;
    GTlsCertificateFlags  expected;
  } cases[] = {
    { "good", FALSE, "localhost", 0 },
    { "good", TRUE, "localhost", 0 },
    { "good", FALSE, "127.0.0.1", 0 },
    { "good", FALSE, "smtp.example.org", G_TLS_CERTIFICATE_BAD_IDENTITY },
    { "wrong-host", FALSE, "localhost", G_TLS_CERTIFICATE_BAD_IDENTITY },
    { "self-signed", FALSE, "localhost", G_TLS_CERTIFICATE_UNKNOWN_CA },
    { "unknown-issuer", FALSE, "localhost", G_TLS_CERTIFICATE_UNKNOWN_CA },
    { "unknown-issuer", FALSE, "smtp.example.org", G_TLS_CERTIFICATE_UNKNOWN_CA | G_TLS_CERTIFICATE_BAD_IDENTITY },
    { "expired", FALSE, "localhost", G_TLS_CERTIFICATE_EXPIRED },
    { "not-yet-valid", FALSE, "localhost", G_TLS_CERTIFICATE_NOT_ACTIVATED },
    { "ca", FALSE, "localhost", G_TLS_CERTIFICATE_BAD_IDENTITY },
  };

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GTlsCertificate) chain = NULL;
      GTlsCertificateFlags flags_ours, flags_gio;

      if (g_str_equal (cases[i].cert, "ca"))
        {
          chain = g_tls_certificate_new_from_pem (ca, -1, &error);
          g_assert_no_error (error);
        }
      else
        chain = presented (cases[i].cert, cases[i].with_ca);
      flags_ours = verify (G_TLS_DATABASE (ours), chain, cases[i].host);
      flags_gio = verify (gio, chain, cases[i].host);
      g_test_message ("%s%s for %s: ours 0x%x, GIO's 0x%x", cases[i].cert,
                      cases[i].with_ca ? " with its CA" : "", cases[i].host, flags_ours, flags_gio);
      g_assert_cmphex (flags_ours, ==, flags_gio);
      g_assert_cmphex (flags_ours, ==, cases[i].expected);
    }
}

/* A block that does not decode is skipped; the anchors after it still count. */
static void
test_damaged_block (void)
{
  g_autofree char *ca = ca_pem ();
  g_autofree char *extra = g_strconcat ("-----BEGIN CERTIFICATE-----\nnot base64 at all!\n"
                                        "-----END CERTIFICATE-----\n"
                                        "-----BEGIN CERTIFICATE-----\nMIIBAA==\n"
                                        "-----END CERTIFICATE-----\n", ca, NULL);
  g_autofree char *bundle = write_bundle ("damaged.pem", extra);
  g_autoptr(EpTlsSystemDatabase) ours = ep_tls_system_database_new (bundle);
  g_autoptr(GTlsCertificate) chain = presented ("good", FALSE);

  g_assert_cmphex (verify (G_TLS_DATABASE (ours), chain, "localhost"), ==, 0);
}

/* Without its bundle, nothing is trusted; the name is still checked. */
static void
test_missing_bundle (void)
{
  g_autofree char *bundle = g_build_filename (dir, "missing.pem", NULL);
  g_autoptr(EpTlsSystemDatabase) ours = ep_tls_system_database_new (bundle);
  g_autoptr(GTlsCertificate) chain = presented ("good", TRUE);

  g_assert_cmphex (verify (G_TLS_DATABASE (ours), chain, "localhost"), ==, G_TLS_CERTIFICATE_UNKNOWN_CA);
  g_assert_cmphex (verify (G_TLS_DATABASE (ours), chain, "smtp.example.org"), ==,
                   G_TLS_CERTIFICATE_UNKNOWN_CA | G_TLS_CERTIFICATE_BAD_IDENTITY);
}

/* Outside a Flatpak, on a system with the Debian bundle, that is the default; the test CA is
 * not in it. */
static void
test_default (void)
{
  EpTlsSystemDatabase *database = ep_tls_system_database_get_default ();
  g_autoptr(GTlsCertificate) chain = presented ("good", FALSE);

  if (!g_file_test (SYSTEM_BUNDLE, G_FILE_TEST_IS_REGULAR) || g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("no " SYSTEM_BUNDLE " here, or inside a Flatpak");
      return;
    }
  g_assert_nonnull (database);
  g_assert_true (ep_tls_system_database_get_default () == database);
  g_assert_cmpstr (ep_tls_system_database_get_bundle (database), ==, SYSTEM_BUNDLE);
  g_assert_cmphex (verify (G_TLS_DATABASE (database), chain, "localhost"), ==, G_TLS_CERTIFICATE_UNKNOWN_CA);
}

int
main (int    argc,
      char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  dir = ep_test_make_dir ("tls-system-database");

  g_test_add_func ("/tls-system-database/same-verdicts", test_same_verdicts);
  g_test_add_func ("/tls-system-database/damaged-block", test_damaged_block);
  g_test_add_func ("/tls-system-database/missing-bundle", test_missing_bundle);
  g_test_add_func ("/tls-system-database/default", test_default);

  ret = g_test_run ();
  ep_test_certs_cleanup ();
  g_free (dir);
  return ret;
}
