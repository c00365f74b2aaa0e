/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-sandbox-certificate.c: the Sandbox server's self-signed certificate, made once and reused. */
#include "config.h"

#include "ep-sandbox-certificate.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "ep-sandbox-error.h"

/* RFC 5280 4.1.2.2: a positive serial of at most 20 octets; 16 random ones are plenty. */
#define SERIAL_OCTETS 16

/* Clocks of the app and of a client in a VM may disagree a little. */
#define BACKDATE_SECONDS (24 * 60 * 60)

#define SECONDS_PER_DAY ((gint64) 24 * 60 * 60)

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_x509_privkey_t, gnutls_x509_privkey_deinit, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_x509_crt_t, gnutls_x509_crt_deinit, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_certificate_credentials_t, gnutls_certificate_free_credentials, NULL)

static gboolean
set_gnutls_error (GError    **error,
                  const char *step,
                  int         ret)
{
  g_set_error (error, EP_SANDBOX_ERROR, EP_SANDBOX_ERROR_CERTIFICATE,
               /* Translators: %s is a step such as "key generation", then GnuTLS's message */
               _("Could not make the Sandbox certificate (%s): %s"), step, gnutls_strerror (ret));
  return FALSE;
}

/* Two processes (the app and epistle-send) may start a Sandbox at the same moment: without
 * the lock one could pair its certificate with the other's key. */
static int
lock_dir (const char  *dir,
          GError     **error)
{
  g_autofree char *path = g_build_filename (dir, ".lock", NULL);
  int fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0 || flock (fd, LOCK_EX) != 0)
    {
      int saved_errno = errno;

      if (fd >= 0)
        close (fd);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not lock %s: %s"), path, g_strerror (saved_errno));
      return -1;
    }
  return fd;
}

static gboolean
generate_pair (GString **out_cert_pem,
               GString **out_key_pem,
               GError  **error)
{
  g_auto(gnutls_x509_privkey_t) key = NULL;
  g_auto(gnutls_x509_crt_t) crt = NULL;
  gnutls_datum_t datum = { NULL, 0 };
  guint8 serial[SERIAL_OCTETS];
  guint8 key_id[64];
  size_t key_id_size = sizeof key_id;
  const guint8 loopback[4] = { 127, 0, 0, 1 };
  time_t now = time (NULL);
  int ret;

  if ((ret = gnutls_x509_privkey_init (&key)) < 0 ||
      (ret = gnutls_x509_privkey_generate (key, GNUTLS_PK_ECDSA,
                                           GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1), 0)) < 0)
    return set_gnutls_error (error, "key generation", ret);

  if ((ret = gnutls_rnd (GNUTLS_RND_NONCE, serial, sizeof serial)) < 0)
    return set_gnutls_error (error, "serial number", ret);
  serial[0] = (serial[0] & 0x7f) | 0x01;   /* positive and of full length */

  if ((ret = gnutls_x509_crt_init (&crt)) < 0 ||
      (ret = gnutls_x509_crt_set_version (crt, 3)) < 0 ||
      (ret = gnutls_x509_crt_set_serial (crt, serial, sizeof serial)) < 0 ||
      (ret = gnutls_x509_crt_set_activation_time (crt, now - BACKDATE_SECONDS)) < 0 ||
      (ret = gnutls_x509_crt_set_expiration_time (crt, now + EP_SANDBOX_CERTIFICATE_VALIDITY_DAYS * SECONDS_PER_DAY)) < 0 ||
      (ret = gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0, "localhost", strlen ("localhost"))) < 0 ||
      (ret = gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_ORGANIZATION_NAME, 0,
                                            "Epistle Sandbox", strlen ("Epistle Sandbox"))) < 0 ||
      (ret = gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_DNSNAME, "localhost",
                                                   strlen ("localhost"), GNUTLS_FSAN_SET)) < 0 ||
      (ret = gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_IPADDRESS, loopback,
                                                   sizeof loopback, GNUTLS_FSAN_APPEND)) < 0 ||
      (ret = gnutls_x509_crt_set_basic_constraints (crt, 0, -1)) < 0 ||
      (ret = gnutls_x509_crt_set_key_usage (crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
      (ret = gnutls_x509_crt_set_key_purpose_oid (crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0 ||
      (ret = gnutls_x509_crt_set_key (crt, key)) < 0)
    return set_gnutls_error (error, "certificate fields", ret);

  if ((ret = gnutls_x509_crt_get_key_id (crt, 0, key_id, &key_id_size)) < 0 ||
      (ret = gnutls_x509_crt_set_subject_key_id (crt, key_id, key_id_size)) < 0)
    return set_gnutls_error (error, "key identifier", ret);

  if ((ret = gnutls_x509_crt_sign2 (crt, crt, key, GNUTLS_DIG_SHA256, 0)) < 0)
    return set_gnutls_error (error, "signature", ret);

  if ((ret = gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &datum)) < 0)
    return set_gnutls_error (error, "certificate export", ret);
  *out_cert_pem = g_string_new_len ((const char *) datum.data, datum.size);
  gnutls_free (datum.data);

  /* PKCS #8, the form every TLS backend reads. */
  if ((ret = gnutls_x509_privkey_export2_pkcs8 (key, GNUTLS_X509_FMT_PEM, NULL,
                                                GNUTLS_PKCS_PLAIN, &datum)) < 0)
    {
      g_string_free (g_steal_pointer (out_cert_pem), TRUE);
      return set_gnutls_error (error, "key export", ret);
    }
  *out_key_pem = g_string_new_len ((const char *) datum.data, datum.size);
  gnutls_memset (datum.data, 0, datum.size);
  gnutls_free (datum.data);
  return TRUE;
}

/* A stored pair is reused only when both files parse, belong together and stay valid a while. */
static gboolean
stored_pair_usable (const char *cert_path,
                    const char *key_path)
{
  g_autofree char *cert_pem = NULL;
  g_autofree char *key_pem = NULL;
  gsize cert_len = 0, key_len = 0;
  g_auto(gnutls_certificate_credentials_t) credentials = NULL;
  g_auto(gnutls_x509_crt_t) crt = NULL;
  gnutls_datum_t cert_datum, key_datum;
  time_t expires;
  gboolean ok;

  if (!g_file_get_contents (cert_path, &cert_pem, &cert_len, NULL) ||
      !g_file_get_contents (key_path, &key_pem, &key_len, NULL))
    return FALSE;

  cert_datum.data = (unsigned char *) cert_pem;
  cert_datum.size = cert_len;
  key_datum.data = (unsigned char *) key_pem;
  key_datum.size = key_len;

  /* GnuTLS refuses a key that does not match the certificate. */
  ok = gnutls_certificate_allocate_credentials (&credentials) >= 0 &&
       gnutls_certificate_set_x509_key_mem (credentials, &cert_datum, &key_datum,
                                            GNUTLS_X509_FMT_PEM) >= 0 &&
       gnutls_x509_crt_init (&crt) >= 0 &&
       gnutls_x509_crt_import (crt, &cert_datum, GNUTLS_X509_FMT_PEM) >= 0;
  if (ok)
    {
      expires = gnutls_x509_crt_get_expiration_time (crt);
      ok = expires != (time_t) -1 &&
           (gint64) expires - (gint64) time (NULL) > EP_SANDBOX_CERTIFICATE_RENEW_DAYS * SECONDS_PER_DAY;
    }
  explicit_bzero (key_pem, key_len);
  return ok;
}

/**
 * ep_sandbox_certificate_load_or_create:
 * @dir: the Sandbox directory (created beforehand, mode 0700)
 * @out_created: (out) (optional): set to %TRUE when a new pair was made
 *
 * Loads `cert.pem` and `key.pem` from @dir, or makes them (ECDSA P-256, subjectAltName
 * DNS:localhost and IP:127.0.0.1, ten years) when they are missing, broken, mismatched or
 * about to expire. The key file is written with mode 0600.
 */
GTlsCertificate *
ep_sandbox_certificate_load_or_create (const char  *dir,
                                       gboolean    *out_created,
                                       GError     **error)
{
  g_autofree char *cert_path = NULL;
  g_autofree char *key_path = NULL;
  GTlsCertificate *certificate;
  gboolean created = FALSE;
  int lock_fd;

  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  cert_path = g_build_filename (dir, EP_SANDBOX_CERTIFICATE_FILE, NULL);
  key_path = g_build_filename (dir, EP_SANDBOX_KEY_FILE, NULL);

  lock_fd = lock_dir (dir, error);
  if (lock_fd < 0)
    return NULL;

  if (!stored_pair_usable (cert_path, key_path))
    {
      g_autoptr(GString) cert_pem = NULL;
      g_autoptr(GString) key_pem = NULL;
      gboolean written;

      if (!generate_pair (&cert_pem, &key_pem, error))
        {
          close (lock_fd);
          return NULL;
        }
      /* The key first: a certificate on disk always has its key beside it. */
      written = g_file_set_contents_full (key_path, key_pem->str, key_pem->len,
                                          G_FILE_SET_CONTENTS_CONSISTENT, 0600, error) &&
                g_file_set_contents_full (cert_path, cert_pem->str, cert_pem->len,
                                          G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
      explicit_bzero (key_pem->str, key_pem->len);
      if (!written)
        {
          close (lock_fd);
          return NULL;
        }
      created = TRUE;
      g_debug ("made a new Sandbox certificate in %s", dir);
    }
  close (lock_fd);

  certificate = g_tls_certificate_new_from_files (cert_path, key_path, error);
  if (certificate == NULL)
    return NULL;
  if (out_created != NULL)
    *out_created = created;
  return certificate;
}

/**
 * ep_sandbox_certificate_dup_sha256:
 * @colons: %TRUE for "AB:CD:…" (upper case, as certificate viewers show it), %FALSE for
 *   plain lower-case hex
 *
 * Returns: the SHA-256 fingerprint of the DER form of @certificate.
 */
char *
ep_sandbox_certificate_dup_sha256 (GTlsCertificate *certificate,
                                   gboolean         colons)
{
  g_autoptr(GByteArray) der = NULL;
  g_autofree char *hex = NULL;
  GString *out;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  g_return_val_if_fail (der != NULL, NULL);
  hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
  if (!colons)
    return g_steal_pointer (&hex);

  out = g_string_sized_new (3 * strlen (hex));
  for (gsize i = 0; hex[i] != '\0'; i += 2)
    {
      if (i > 0)
        g_string_append_c (out, ':');
      g_string_append_c (out, g_ascii_toupper (hex[i]));
      g_string_append_c (out, g_ascii_toupper (hex[i + 1]));
    }
  return g_string_free (out, FALSE);
}
