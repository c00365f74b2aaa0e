/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-tls-system-database.c: the system's certificate authorities, read only as far as a chain
 * needs them.
 *
 * GIO's default database parses the whole system bundle (some 140 certificates) into GnuTLS
 * objects, and glib-networking parses it a second time for each connection's credentials: about
 * 9 MiB and tens of milliseconds for a send that needs one root. This database keeps only an
 * index: each certificate of the bundle in DER (some 200 KiB), by its subject name, decoded only
 * as far as that name; read again when the file changes. To verify a chain it gives GnuTLS just
 * the certificates whose subject is the issuer of one in the chain.
 * The verdict is GIO's: the same GnuTLS verification of the chain (no flags, as glib-networking's
 * database does it), the same translation into GTlsCertificateFlags, and GIO's own identity
 * check. An anchor can only be missed, never added, so it may refuse more than GIO would, never
 * less; a differential test holds the verdicts equal.
 *
 * Used only where that bundle is known to be what GnuTLS trusts (ep_tls_system_database_get_default):
 * not in a Flatpak, where the trust may come through p11-kit from the host. */
#include "config.h"

#include <string.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "ep-tls-system-database.h"

/* Where distributions keep the bundle their GnuTLS reads (Debian and its derivatives first). */
static const char * const bundles[] = {
  "/etc/ssl/certs/ca-certificates.crt",
  "/etc/pki/tls/certs/ca-bundle.crt",
  "/etc/ssl/ca-bundle.pem",
};

/* A chain longer than this is not a server's: GnuTLS itself stops at 16 (DEFAULT_MAX_VERIFY_DEPTH). */
#define MAX_CHAIN 16

#define PEM_BEGIN "-----BEGIN CERTIFICATE-----"
#define PEM_END   "-----END CERTIFICATE-----"

/* DER (X.690) tags of the fields walked through. */
#define DER_SEQUENCE   0x30
#define DER_INTEGER    0x02
#define DER_VERSION    0xa0   /* [0] EXPLICIT, in tbsCertificate */

struct _EpTlsSystemDatabase
{
  GTlsDatabase parent_instance;

  char       *bundle;
  GMutex      lock;        /* the index below: verifications run on the TLS backend's threads */
  GHashTable *by_subject;  /* encoded subject name (GBytes) → GPtrArray of DER certificates */
  gint64      mtime;       /* the bundle's, when it was indexed (µs); -1 before */
  goffset     size;
};

G_DEFINE_FINAL_TYPE (EpTlsSystemDatabase, ep_tls_system_database, G_TYPE_TLS_DATABASE)

/* ---- Names in DER ---------------------------------------------------------------------------- */

typedef struct
{
  const guint8 *data;   /* the whole element: tag, length and contents */
  gsize         len;
  const guint8 *body;   /* its contents */
  gsize         body_len;
  guint8        tag;
} Element;

/* The element at the start of [@p, @p + @len), definite lengths only (DER has no other). */
static gboolean
read_element (const guint8 *p,
              gsize         len,
              Element      *out)
{
  gsize header = 2, body_len;

  if (len < 2)
    return FALSE;
  body_len = p[1];
  if (body_len & 0x80)
    {
      guint n = body_len & 0x7f;

      /* More than four length octets is no certificate's. */
      if (n == 0 || n > 4 || len < 2 + n)
        return FALSE;
      body_len = 0;
      for (guint i = 0; i < n; i++)
        body_len = (body_len << 8) | p[2 + i];
      header += n;
    }
  if (body_len > len - header)
    return FALSE;
  out->data = p;
  out->len = header + body_len;
  out->body = p + header;
  out->body_len = body_len;
  out->tag = p[0];
  return TRUE;
}

/* The issuer and subject names of a certificate in DER (RFC 5280 §4.1), each as its whole
 * encoded Name: GnuTLS compares names the same way, byte for byte. */
static gboolean
certificate_names (const guint8 *der,
                   gsize         len,
                   Element      *issuer,
                   Element      *subject)
{
  Element certificate, tbs, field;
  const guint8 *p;
  gsize left;

  if (!read_element (der, len, &certificate) || certificate.tag != DER_SEQUENCE ||
      !read_element (certificate.body, certificate.body_len, &tbs) || tbs.tag != DER_SEQUENCE)
    return FALSE;
  p = tbs.body;
  left = tbs.body_len;

  /* version (optional), serialNumber, signature, issuer, validity, subject */
  if (!read_element (p, left, &field))
    return FALSE;
  if (field.tag == DER_VERSION)
    {
      p += field.len, left -= field.len;
      if (!read_element (p, left, &field))
        return FALSE;
    }
  if (field.tag != DER_INTEGER)
    return FALSE;
  p += field.len, left -= field.len;
  if (!read_element (p, left, &field) || field.tag != DER_SEQUENCE)
    return FALSE;
  p += field.len, left -= field.len;
  if (!read_element (p, left, issuer) || issuer->tag != DER_SEQUENCE)
    return FALSE;
  p += issuer->len, left -= issuer->len;
  if (!read_element (p, left, &field) || field.tag != DER_SEQUENCE)
    return FALSE;
  p += field.len, left -= field.len;
  return read_element (p, left, subject) && subject->tag == DER_SEQUENCE;
}

/* ---- The bundle ------------------------------------------------------------------------------ */

/* An index of @bundle's certificates by subject; empty when the bundle cannot be read. */
static GHashTable *
index_bundle (const char *bundle)
{
  GHashTable *by_subject = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
                                                  (GDestroyNotify) g_bytes_unref,
                                                  (GDestroyNotify) g_ptr_array_unref);
  g_autofree char *text = NULL;
  gsize text_len;
  const char *p;

  if (!g_file_get_contents (bundle, &text, &text_len, NULL))
    return by_subject;

  p = text;
  while ((p = strstr (p, PEM_BEGIN)) != NULL)
    {
      const char *end = strstr (p, PEM_END);
      g_autofree char *base64 = NULL;
      g_autoptr(GBytes) key = NULL;
      const guchar *der;
      Element issuer, subject;
      GPtrArray *same;
      gsize der_len;

      if (end == NULL)
        break;
      p += strlen (PEM_BEGIN);
      base64 = g_strndup (p, end - p);
      p = end + strlen (PEM_END);
      /* Line breaks are not base64: the decoder skips them. */
      der = g_base64_decode_inplace (base64, &der_len);
      if (!certificate_names (der, der_len, &issuer, &subject))
        continue;
      key = g_bytes_new (subject.data, subject.len);
      same = g_hash_table_lookup (by_subject, key);
      if (same == NULL)
        {
          same = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
          g_hash_table_insert (by_subject, g_bytes_ref (key), same);
        }
      g_ptr_array_add (same, g_bytes_new (der, der_len));
    }
  return by_subject;
}

/* Indexes the bundle unless the index is of the file as it is now. Called with the lock held. */
static void
ensure_index (EpTlsSystemDatabase *self)
{
  g_autoptr(GFile) file = g_file_new_for_path (self->bundle);
  g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_TIME_MODIFIED ","
                                                 G_FILE_ATTRIBUTE_TIME_MODIFIED_USEC ","
                                                 G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                                 G_FILE_QUERY_INFO_NONE, NULL, NULL);
  gint64 mtime = -1;
  goffset size = -1;

  if (info != NULL)
    {
      mtime = (gint64) g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_TIME_MODIFIED) * G_USEC_PER_SEC +
              g_file_info_get_attribute_uint32 (info, G_FILE_ATTRIBUTE_TIME_MODIFIED_USEC);
      size = g_file_info_get_size (info);
    }
  if (self->by_subject != NULL && mtime == self->mtime && size == self->size)
    return;
  g_clear_pointer (&self->by_subject, g_hash_table_unref);
  self->by_subject = index_bundle (self->bundle);
  self->mtime = mtime;
  self->size = size;
}

/* The certificates of the bundle (DER, as GBytes) whose subject is one of @issuers (encoded
 * names). */
static GPtrArray *
find_anchors (EpTlsSystemDatabase *self,
              GPtrArray           *issuers)
{
  GPtrArray *found = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  g_mutex_lock (&self->lock);
  ensure_index (self);
  for (guint i = 0; i < issuers->len; i++)
    {
      GPtrArray *same = g_hash_table_lookup (self->by_subject, issuers->pdata[i]);

      for (guint j = 0; same != NULL && j < same->len; j++)
        if (!g_ptr_array_find_with_equal_func (found, same->pdata[j], g_bytes_equal, NULL))
          g_ptr_array_add (found, g_bytes_ref (same->pdata[j]));
    }
  g_mutex_unlock (&self->lock);
  return found;
}

/* ---- Verification ---------------------------------------------------------------------------- */

/* GnuTLS's verdict in GIO's words, as glib-networking translates it. */
static GTlsCertificateFlags
convert_flags (unsigned int status)
{
  GTlsCertificateFlags flags = 0;

  if (status & (GNUTLS_CERT_SIGNER_NOT_FOUND | GNUTLS_CERT_SIGNER_NOT_CA))
    flags |= G_TLS_CERTIFICATE_UNKNOWN_CA;
  if (status & GNUTLS_CERT_NOT_ACTIVATED)
    flags |= G_TLS_CERTIFICATE_NOT_ACTIVATED;
  if (status & GNUTLS_CERT_EXPIRED)
    flags |= G_TLS_CERTIFICATE_EXPIRED;
  if (status & GNUTLS_CERT_REVOKED)
    flags |= G_TLS_CERTIFICATE_REVOKED;
  if (status & GNUTLS_CERT_INSECURE_ALGORITHM)
    flags |= G_TLS_CERTIFICATE_INSECURE;
  if (flags == 0 && (status & GNUTLS_CERT_INVALID))
    flags |= G_TLS_CERTIFICATE_GENERIC_ERROR;
  return flags;
}

static void
free_crts (gnutls_x509_crt_t *crts,
           guint              n)
{
  for (guint i = 0; i < n; i++)
    gnutls_x509_crt_deinit (crts[i]);
}

static GTlsCertificateFlags
ep_tls_system_database_verify_chain (GTlsDatabase             *database,
                                     GTlsCertificate          *chain,
                                     const char               *purpose,
                                     GSocketConnectable       *identity,
                                     GTlsInteraction          *interaction,
                                     GTlsDatabaseVerifyFlags   flags,
                                     GCancellable             *cancellable,
                                     GError                  **error)
{
  EpTlsSystemDatabase *self = EP_TLS_SYSTEM_DATABASE (database);
  g_autoptr(GPtrArray) issuers = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GPtrArray) anchors = NULL;
  gnutls_x509_crt_t crts[MAX_CHAIN];
  gnutls_x509_trust_list_t trust_list;
  GTlsCertificateFlags result = 0;
  unsigned int status = 0;
  guint n = 0;
  int ret;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return G_TLS_CERTIFICATE_GENERIC_ERROR;

  /* The chain as the server sent it, and the names of its issuers. */
  for (GTlsCertificate *c = chain; c != NULL; c = g_tls_certificate_get_issuer (c))
    {
      g_autoptr(GByteArray) der = NULL;
      gnutls_datum_t datum;
      Element issuer, subject;

      if (n == MAX_CHAIN)
        {
          free_crts (crts, n);
          return G_TLS_CERTIFICATE_GENERIC_ERROR;
        }
      g_object_get (c, "certificate", &der, NULL);
      if (der == NULL || !certificate_names (der->data, der->len, &issuer, &subject) ||
          gnutls_x509_crt_init (&crts[n]) < 0)
        {
          free_crts (crts, n);
          return G_TLS_CERTIFICATE_GENERIC_ERROR;
        }
      datum.data = der->data;
      datum.size = der->len;
      if (gnutls_x509_crt_import (crts[n], &datum, GNUTLS_X509_FMT_DER) < 0)
        {
          free_crts (crts, n + 1);
          return G_TLS_CERTIFICATE_GENERIC_ERROR;
        }
      n++;
      g_ptr_array_add (issuers, g_bytes_new (issuer.data, issuer.len));
    }
  if (n == 0)
    return G_TLS_CERTIFICATE_GENERIC_ERROR;

  anchors = find_anchors (self, issuers);
  if (gnutls_x509_trust_list_init (&trust_list, 0) < 0)
    {
      free_crts (crts, n);
      return G_TLS_CERTIFICATE_GENERIC_ERROR;
    }
  for (guint i = 0; i < anchors->len; i++)
    {
      gnutls_x509_crt_t ca;
      gnutls_datum_t datum;
      gsize size;

      datum.data = (unsigned char *) g_bytes_get_data (anchors->pdata[i], &size);
      datum.size = size;
      if (gnutls_x509_crt_init (&ca) < 0)
        continue;
      if (gnutls_x509_crt_import (ca, &datum, GNUTLS_X509_FMT_DER) < 0 ||
          gnutls_x509_trust_list_add_cas (trust_list, &ca, 1, 0) != 1)
        gnutls_x509_crt_deinit (ca);
    }

  ret = gnutls_x509_trust_list_verify_crt (trust_list, crts, n, 0, &status, NULL);
  gnutls_x509_trust_list_deinit (trust_list, TRUE);
  free_crts (crts, n);
  if (ret < 0 || g_cancellable_set_error_if_cancelled (cancellable, error))
    return G_TLS_CERTIFICATE_GENERIC_ERROR;
  result = convert_flags (status);

  /* The name, checked by GIO's own rules (an address, a host name, wildcards). */
  if (identity != NULL)
    result |= g_tls_certificate_verify (chain, identity, NULL) & G_TLS_CERTIFICATE_BAD_IDENTITY;
  return result;
}

/* Only verification is this database's: it names no certificate and finds no issuer for
 * anyone else (GIO's own connections do not ask). */
static char *
ep_tls_system_database_create_certificate_handle (GTlsDatabase    *database,
                                                  GTlsCertificate *certificate)
{
  return NULL;
}

static GTlsCertificate *
ep_tls_system_database_lookup_certificate_for_handle (GTlsDatabase             *database,
                                                      const char               *handle,
                                                      GTlsInteraction          *interaction,
                                                      GTlsDatabaseLookupFlags   flags,
                                                      GCancellable             *cancellable,
                                                      GError                  **error)
{
  return NULL;
}

static GTlsCertificate *
ep_tls_system_database_lookup_certificate_issuer (GTlsDatabase             *database,
                                                  GTlsCertificate          *certificate,
                                                  GTlsInteraction          *interaction,
                                                  GTlsDatabaseLookupFlags   flags,
                                                  GCancellable             *cancellable,
                                                  GError                  **error)
{
  return NULL;
}

static GList *
ep_tls_system_database_lookup_certificates_issued_by (GTlsDatabase             *database,
                                                      GByteArray               *issuer_raw_dn,
                                                      GTlsInteraction          *interaction,
                                                      GTlsDatabaseLookupFlags   flags,
                                                      GCancellable             *cancellable,
                                                      GError                  **error)
{
  return NULL;
}

/* ---- GObject --------------------------------------------------------------------------------- */

static void
ep_tls_system_database_finalize (GObject *object)
{
  EpTlsSystemDatabase *self = EP_TLS_SYSTEM_DATABASE (object);

  g_free (self->bundle);
  g_clear_pointer (&self->by_subject, g_hash_table_unref);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (ep_tls_system_database_parent_class)->finalize (object);
}

static void
ep_tls_system_database_class_init (EpTlsSystemDatabaseClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GTlsDatabaseClass *database_class = G_TLS_DATABASE_CLASS (klass);

  object_class->finalize = ep_tls_system_database_finalize;
  database_class->verify_chain = ep_tls_system_database_verify_chain;
  database_class->create_certificate_handle = ep_tls_system_database_create_certificate_handle;
  database_class->lookup_certificate_for_handle = ep_tls_system_database_lookup_certificate_for_handle;
  database_class->lookup_certificate_issuer = ep_tls_system_database_lookup_certificate_issuer;
  database_class->lookup_certificates_issued_by = ep_tls_system_database_lookup_certificates_issued_by;
}

static void
ep_tls_system_database_init (EpTlsSystemDatabase *self)
{
  g_mutex_init (&self->lock);
  self->mtime = -1;
}

/* ---- Public API ------------------------------------------------------------------------------ */

/**
 * ep_tls_system_database_new:
 * @bundle: a file of PEM certificates: the trust anchors
 *
 * Returns: (transfer full): a database that trusts @bundle's certificates, reading the file at
 *   each verification
 */
EpTlsSystemDatabase *
ep_tls_system_database_new (const char *bundle)
{
  EpTlsSystemDatabase *self;

  g_return_val_if_fail (bundle != NULL, NULL);

  self = g_object_new (EP_TYPE_TLS_SYSTEM_DATABASE, NULL);
  self->bundle = g_strdup (bundle);
  return self;
}

/**
 * ep_tls_system_database_get_default:
 *
 * The system's bundle as a database, when this system's GnuTLS is known to read its trust from
 * that file; inside a Flatpak (where p11-kit may bring the host's anchors) or without a known
 * bundle, %NULL: GIO's default database is the one to use then.
 *
 * Returns: (transfer none) (nullable): the process's database
 */
EpTlsSystemDatabase *
ep_tls_system_database_get_default (void)
{
  static EpTlsSystemDatabase *database;
  static gsize once;

  if (g_once_init_enter (&once))
    {
      if (!g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
        for (guint i = 0; i < G_N_ELEMENTS (bundles) && database == NULL; i++)
          if (g_file_test (bundles[i], G_FILE_TEST_IS_REGULAR))
            database = ep_tls_system_database_new (bundles[i]);
      g_once_init_leave (&once, 1);
    }
  return database;
}

/**
 * ep_tls_system_database_prepare:
 *
 * Reads the bundle now if it was not read yet or changed since: so that a handshake's deadline
 * does not pay for it. Verifications do this themselves otherwise.
 */
void
ep_tls_system_database_prepare (EpTlsSystemDatabase *self)
{
  g_return_if_fail (EP_IS_TLS_SYSTEM_DATABASE (self));

  g_mutex_lock (&self->lock);
  ensure_index (self);
  g_mutex_unlock (&self->lock);
}

const char *
ep_tls_system_database_get_bundle (EpTlsSystemDatabase *self)
{
  g_return_val_if_fail (EP_IS_TLS_SYSTEM_DATABASE (self), NULL);
  return self->bundle;
}
