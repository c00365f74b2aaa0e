/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-test-certs.c: generates the test CA and the good and broken server certificates with GnuTLS. */

#include "config.h"

#include "ep-test-certs.h"

#include <glib/gstdio.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <string.h>

/* ECDSA P-256 keys: generated in microseconds, unlike RSA, and every TLS stack here takes them. */
#define EP_TEST_CERT_CURVE GNUTLS_ECC_CURVE_SECP256R1
#define EP_TEST_CERT_DAY   (24 * 60 * 60)

typedef struct
{
  gnutls_x509_crt_t     crt;
  gnutls_x509_privkey_t key;
} CertAndKey;

typedef enum
{
  HOSTS_LOCAL,
  HOSTS_WRONG,
  HOSTS_DISCOVER,
} Hosts;

/* The names settings discovery's tests give their local servers (a fake resolver maps them to
 * 127.0.0.1): the address's domain and a hoster's, each with its subdomains. */
static const char * const discover_names[] = {
  "localhost", "example.test", "*.example.test", "hoster.test", "*.hoster.test",
};

static GMutex      certs_lock;
static char       *certs_dir;
static gboolean    certs_dir_is_ours;
static GHashTable *certs_sha256;   /* name → lower-case hex SHA-256 of the DER certificate */

static void
cert_and_key_clear (CertAndKey *ck)
{
  if (ck->crt != NULL)
    gnutls_x509_crt_deinit (ck->crt);
  if (ck->key != NULL)
    gnutls_x509_privkey_deinit (ck->key);
  ck->crt = NULL;
  ck->key = NULL;
}

static void
check_gnutls (int         ret,
              const char *what)
{
  if (ret < 0)
    g_error ("test certificates: %s failed: %s", what, gnutls_strerror (ret));
}

static void
set_random_serial (gnutls_x509_crt_t crt)
{
  guint8 serial[12];

  for (guint i = 0; i < sizeof serial; i++)
    serial[i] = (guint8) g_random_int_range (0, 256);
  /* A positive INTEGER: the top bit must be clear, and a leading zero octet is not minimal. */
  serial[0] = (serial[0] & 0x7f) | 0x01;
  check_gnutls (gnutls_x509_crt_set_serial (crt, serial, sizeof serial), "set serial");
}

static void
set_key_ids (gnutls_x509_crt_t crt,
             gnutls_x509_crt_t issuer)
{
  guint8 id[64];
  size_t id_size = sizeof id;

  check_gnutls (gnutls_x509_crt_get_key_id (crt, GNUTLS_KEYID_USE_SHA1, id, &id_size), "key id");
  check_gnutls (gnutls_x509_crt_set_subject_key_id (crt, id, id_size), "subject key id");

  if (issuer != NULL)
    {
      id_size = sizeof id;
      check_gnutls (gnutls_x509_crt_get_subject_key_id (issuer, id, &id_size, NULL), "issuer key id");
      check_gnutls (gnutls_x509_crt_set_authority_key_id (crt, id, id_size), "authority key id");
    }
}

/* @issuer NULL: self-signed. @not_before/@not_after are in days relative to now. */
static void
make_cert (CertAndKey       *out,
           const char       *common_name,
           gboolean          is_ca,
           Hosts             hosts,
           int               not_before,
           int               not_after,
           const CertAndKey *issuer)
{
  time_t now = time (NULL);

  check_gnutls (gnutls_x509_privkey_init (&out->key), "privkey init");
  check_gnutls (gnutls_x509_privkey_generate (out->key, GNUTLS_PK_ECDSA,
                                              GNUTLS_CURVE_TO_BITS (EP_TEST_CERT_CURVE), 0),
                "key generation");
  check_gnutls (gnutls_x509_crt_init (&out->crt), "crt init");
  check_gnutls (gnutls_x509_crt_set_version (out->crt, 3), "version");
  set_random_serial (out->crt);
  check_gnutls (gnutls_x509_crt_set_activation_time (out->crt, now + (time_t) not_before * EP_TEST_CERT_DAY),
                "activation time");
  check_gnutls (gnutls_x509_crt_set_expiration_time (out->crt, now + (time_t) not_after * EP_TEST_CERT_DAY),
                "expiration time");
  check_gnutls (gnutls_x509_crt_set_dn_by_oid (out->crt, GNUTLS_OID_X520_ORGANIZATION_NAME, 0,
                                               "Epistle tests", strlen ("Epistle tests")),
                "organisation");
  check_gnutls (gnutls_x509_crt_set_dn_by_oid (out->crt, GNUTLS_OID_X520_COMMON_NAME, 0,
                                               common_name, strlen (common_name)),
                "common name");
  check_gnutls (gnutls_x509_crt_set_key (out->crt, out->key), "set key");
  check_gnutls (gnutls_x509_crt_set_basic_constraints (out->crt, is_ca, -1), "basic constraints");

  if (is_ca)
    {
      check_gnutls (gnutls_x509_crt_set_key_usage (out->crt, GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN),
                    "key usage");
    }
  else
    {
      const guint8 loopback[4] = { 127, 0, 0, 1 };
      const guint8 test_net[4] = { 192, 0, 2, 1 };   /* RFC 5737 TEST-NET-1 */
      const char *dns = hosts == HOSTS_WRONG ? "mail.example.net" : "localhost";
      const guint8 *ip = hosts == HOSTS_WRONG ? test_net : loopback;

      check_gnutls (gnutls_x509_crt_set_key_usage (out->crt, GNUTLS_KEY_DIGITAL_SIGNATURE), "key usage");
      check_gnutls (gnutls_x509_crt_set_key_purpose_oid (out->crt, GNUTLS_KP_TLS_WWW_SERVER, 0), "purpose");
      check_gnutls (gnutls_x509_crt_set_subject_alt_name (out->crt, GNUTLS_SAN_DNSNAME, dns, strlen (dns),
                                                          GNUTLS_FSAN_APPEND),
                    "dns name");
      /* discover_names[0] is "localhost", already there. */
      for (guint i = 1; hosts == HOSTS_DISCOVER && i < G_N_ELEMENTS (discover_names); i++)
        check_gnutls (gnutls_x509_crt_set_subject_alt_name (out->crt, GNUTLS_SAN_DNSNAME, discover_names[i],
                                                            strlen (discover_names[i]), GNUTLS_FSAN_APPEND),
                      "dns name");
      check_gnutls (gnutls_x509_crt_set_subject_alt_name (out->crt, GNUTLS_SAN_IPADDRESS, ip, 4,
                                                          GNUTLS_FSAN_APPEND),
                    "ip address");
    }

  set_key_ids (out->crt, issuer != NULL ? issuer->crt : NULL);
  check_gnutls (gnutls_x509_crt_sign2 (out->crt,
                                       issuer != NULL ? issuer->crt : out->crt,
                                       issuer != NULL ? issuer->key : out->key,
                                       GNUTLS_DIG_SHA256, 0),
                "signing");
}

static void
write_cert (const char       *name,
            const CertAndKey *ck,
            gboolean          with_key)
{
  gnutls_datum_t pem = { NULL, 0 };
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_strdup_printf ("%s/%s.pem", certs_dir, name);
  guint8 digest[32];
  size_t digest_size = sizeof digest;
  GString *hex = g_string_new (NULL);

  check_gnutls (gnutls_x509_crt_export2 (ck->crt, GNUTLS_X509_FMT_PEM, &pem), "certificate export");
  g_string_append_len (text, (const char *) pem.data, pem.size);
  gnutls_free (pem.data);

  if (with_key)
    {
      check_gnutls (gnutls_x509_privkey_export2_pkcs8 (ck->key, GNUTLS_X509_FMT_PEM, NULL,
                                                       GNUTLS_PKCS_PLAIN, &pem),
                    "key export");
      g_string_append_len (text, (const char *) pem.data, pem.size);
      gnutls_free (pem.data);
    }

  if (!g_file_set_contents_full (path, text->str, text->len, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    g_error ("test certificates: %s", error->message);

  check_gnutls (gnutls_x509_crt_get_fingerprint (ck->crt, GNUTLS_DIG_SHA256, digest, &digest_size),
                "fingerprint");
  for (gsize i = 0; i < digest_size; i++)
    g_string_append_printf (hex, "%02x", digest[i]);
  g_hash_table_insert (certs_sha256, g_strdup (name), g_string_free (hex, FALSE));
}

static const char * const cert_names[] = {
  "ca", "good", "self-signed", "unknown-issuer", "wrong-host", "expired", "not-yet-valid",
  "discover",
};

/* Written last: a directory with it holds a complete set. */
#define COMPLETE_MARKER "complete"

/* Reuses a set another process generated (see ep_test_certs_share()). */
static gboolean
reuse_locked (const char *dir)
{
  g_autofree char *marker = g_build_filename (dir, COMPLETE_MARKER, NULL);

  if (!g_file_test (marker, G_FILE_TEST_EXISTS))
    return FALSE;

  certs_sha256 = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < G_N_ELEMENTS (cert_names); i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/%s.pem", dir, cert_names[i]);
      g_autofree char *pem = NULL;
      gsize pem_len = 0;
      gnutls_x509_crt_t crt = NULL;
      gnutls_datum_t datum;
      guint8 digest[32];
      size_t digest_size = sizeof digest;
      GString *hex = g_string_new (NULL);

      if (!g_file_get_contents (path, &pem, &pem_len, NULL))
        g_error ("test certificates: cannot read %s", path);
      datum.data = (unsigned char *) pem;
      datum.size = (unsigned int) pem_len;
      check_gnutls (gnutls_x509_crt_init (&crt), "crt init");
      check_gnutls (gnutls_x509_crt_import (crt, &datum, GNUTLS_X509_FMT_PEM), "certificate import");
      check_gnutls (gnutls_x509_crt_get_fingerprint (crt, GNUTLS_DIG_SHA256, digest, &digest_size), "fingerprint");
      gnutls_x509_crt_deinit (crt);
      for (gsize j = 0; j < digest_size; j++)
        g_string_append_printf (hex, "%02x", digest[j]);
      g_hash_table_insert (certs_sha256, g_strdup (cert_names[i]), g_string_free (hex, FALSE));
    }

  certs_dir = g_strdup (dir);
  certs_dir_is_ours = FALSE;
  return TRUE;
}

static void
generate_locked (void)
{
  const char *parent = g_getenv ("EPISTLE_TEST_TMPDIR");
  const char *shared = g_getenv ("EPISTLE_TEST_CERTS_DIR");
  CertAndKey ca = { NULL, NULL }, other_ca = { NULL, NULL }, leaf = { NULL, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *marker = NULL;

  if (shared != NULL && *shared != '\0' && reuse_locked (shared))
    return;

  if (parent != NULL && *parent != '\0')
    {
      certs_dir = g_build_filename (parent, "test-certs", NULL);
      if (g_mkdir_with_parents (certs_dir, 0700) != 0)
        g_error ("test certificates: cannot create %s", certs_dir);
      certs_dir_is_ours = FALSE;   /* the test wrapper removes EPISTLE_TEST_TMPDIR */
    }
  else
    {
      certs_dir = g_dir_make_tmp ("epistle-certs-XXXXXX", &error);
      if (certs_dir == NULL)
        g_error ("test certificates: %s", error->message);
      certs_dir_is_ours = TRUE;
    }

  certs_sha256 = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  make_cert (&ca, "Epistle Test CA", TRUE, HOSTS_LOCAL, -2, 365, NULL);
  write_cert ("ca", &ca, FALSE);

  make_cert (&other_ca, "Untrusted Test CA", TRUE, HOSTS_LOCAL, -2, 365, NULL);

  make_cert (&leaf, "localhost", FALSE, HOSTS_LOCAL, -1, 30, &ca);
  write_cert ("good", &leaf, TRUE);
  cert_and_key_clear (&leaf);

  make_cert (&leaf, "localhost", FALSE, HOSTS_LOCAL, -1, 30, NULL);
  write_cert ("self-signed", &leaf, TRUE);
  cert_and_key_clear (&leaf);

  make_cert (&leaf, "localhost", FALSE, HOSTS_LOCAL, -1, 30, &other_ca);
  write_cert ("unknown-issuer", &leaf, TRUE);
  cert_and_key_clear (&leaf);

  make_cert (&leaf, "mail.example.net", FALSE, HOSTS_WRONG, -1, 30, &ca);
  write_cert ("wrong-host", &leaf, TRUE);
  cert_and_key_clear (&leaf);

  make_cert (&leaf, "localhost", FALSE, HOSTS_LOCAL, -30, -1, &ca);
  write_cert ("expired", &leaf, TRUE);
  cert_and_key_clear (&leaf);

  make_cert (&leaf, "localhost", FALSE, HOSTS_LOCAL, 1, 30, &ca);
  write_cert ("not-yet-valid", &leaf, TRUE);
  cert_and_key_clear (&leaf);

  make_cert (&leaf, "example.test", FALSE, HOSTS_DISCOVER, -1, 30, &ca);
  write_cert ("discover", &leaf, TRUE);
  cert_and_key_clear (&leaf);

  cert_and_key_clear (&other_ca);
  cert_and_key_clear (&ca);

  marker = g_build_filename (certs_dir, COMPLETE_MARKER, NULL);
  if (!g_file_set_contents (marker, "", 0, &error))
    g_error ("test certificates: %s", error->message);
}

/**
 * ep_test_certs_dir:
 *
 * Generates the certificates on first use (thread-safe) into $EPISTLE_TEST_TMPDIR/test-certs,
 * or into a private temporary directory that ep_test_certs_cleanup() removes.
 *
 * Returns: (transfer none): the directory holding `NAME.pem` files
 */
const char *
ep_test_certs_dir (void)
{
  const char *dir;

  g_mutex_lock (&certs_lock);
  if (certs_dir == NULL)
    generate_locked ();
  dir = certs_dir;
  g_mutex_unlock (&certs_lock);

  return dir;
}

char *
ep_test_certs_path (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);

  return g_strdup_printf ("%s/%s.pem", ep_test_certs_dir (), name);
}

/* A certificate with its private key, as a TLS server uses it; @name may also be a PEM path. */
GTlsCertificate *
ep_test_certs_load (const char  *name,
                    GError     **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (name != NULL, NULL);

  if (strchr (name, '/') != NULL)
    path = g_strdup (name);
  else
    path = ep_test_certs_path (name);

  return g_tls_certificate_new_from_file (path, error);
}

/* Lower-case hex SHA-256 of the certificate's DER encoding, without separators. */
char *
ep_test_certs_sha256 (const char *name)
{
  const char *hex;

  g_return_val_if_fail (name != NULL, NULL);

  ep_test_certs_dir ();
  g_mutex_lock (&certs_lock);
  hex = g_hash_table_lookup (certs_sha256, name);
  g_mutex_unlock (&certs_lock);
  g_return_val_if_fail (hex != NULL, NULL);

  return g_strdup (hex);
}

/* A database that trusts the test CA only (for clients written inside the tests). */
GTlsDatabase *
ep_test_certs_ca_database (GError **error)
{
  g_autofree char *path = ep_test_certs_path ("ca");

  return g_tls_file_database_new (path, error);
}

static void
remove_dir (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *entry;

  if (handle == NULL)
    return;
  while ((entry = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, entry, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

/**
 * ep_test_certs_share:
 *
 * Generates the certificates now and exports their directory in $EPISTLE_TEST_CERTS_DIR, so
 * that subprocesses (g_test_trap_subprocess()) reuse them instead of making their own. Call it
 * from main(), before any thread exists (it changes the environment).
 */
void
ep_test_certs_share (void)
{
  g_setenv ("EPISTLE_TEST_CERTS_DIR", ep_test_certs_dir (), TRUE);
}

/* Forgets the certificates; removes their directory when it is not under $EPISTLE_TEST_TMPDIR. */
void
ep_test_certs_cleanup (void)
{
  g_mutex_lock (&certs_lock);
  if (certs_dir != NULL && certs_dir_is_ours)
    remove_dir (certs_dir);
  g_clear_pointer (&certs_dir, g_free);
  g_clear_pointer (&certs_sha256, g_hash_table_unref);
  g_mutex_unlock (&certs_lock);
}
