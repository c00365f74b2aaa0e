/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp-tls-info.c: certificate details and fingerprints (GnuTLS) for errors and the UI. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "ep-smtp-tls-info.h"

/* FIPS 180-4: SHA-256 digests are 32 octets. */
#define SHA256_OCTETS 32

G_DEFINE_BOXED_TYPE (EpSmtpTlsInfo, ep_smtp_tls_info, ep_smtp_tls_info_copy, ep_smtp_tls_info_free)

char *
ep_smtp_certificate_sha256 (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;
  gnutls_x509_crt_t crt = NULL;
  gnutls_datum_t datum;
  guint8 digest[SHA256_OCTETS];
  size_t digest_len = sizeof digest;
  GString *hex;
  int rc;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL || der->len == 0)
    return NULL;

  if (gnutls_x509_crt_init (&crt) < 0)
    return NULL;

  datum.data = der->data;
  datum.size = der->len;
  rc = gnutls_x509_crt_import (crt, &datum, GNUTLS_X509_FMT_DER);
  if (rc >= 0)
    rc = gnutls_x509_crt_get_fingerprint (crt, GNUTLS_DIG_SHA256, digest, &digest_len);
  gnutls_x509_crt_deinit (crt);

  if (rc < 0 || digest_len != SHA256_OCTETS)
    return NULL;

  hex = g_string_sized_new (SHA256_OCTETS * 3);
  for (gsize i = 0; i < digest_len; i++)
    g_string_append_printf (hex, i == 0 ? "%02X" : ":%02X", digest[i]);

  return g_string_free (hex, FALSE);
}

char *
ep_smtp_certificate_flags_to_string (GTlsCertificateFlags flags)
{
  static const struct {
    GTlsCertificateFlags flag;
    const char *text;
  } names[] = {
    { G_TLS_CERTIFICATE_UNKNOWN_CA, N_("unknown issuer") },
    { G_TLS_CERTIFICATE_BAD_IDENTITY, N_("wrong host") },
    { G_TLS_CERTIFICATE_EXPIRED, N_("expired") },
    { G_TLS_CERTIFICATE_NOT_ACTIVATED, N_("not yet valid") },
    { G_TLS_CERTIFICATE_REVOKED, N_("revoked") },
    { G_TLS_CERTIFICATE_INSECURE, N_("insecure algorithm") },
    { G_TLS_CERTIFICATE_GENERIC_ERROR, N_("invalid") },
  };
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      if ((flags & names[i].flag) == 0)
        continue;
      if (out->len > 0)
        g_string_append (out, ", ");
      g_string_append (out, _(names[i].text));
    }

  if (out->len == 0)
    g_string_append (out, _("rejected"));

  return g_string_free (g_steal_pointer (&out), FALSE);
}

EpSmtpTlsInfo *
ep_smtp_tls_info_new_for_certificate (GTlsCertificate *certificate)
{
  EpSmtpTlsInfo *self = g_new0 (EpSmtpTlsInfo, 1);

  self->protocol_version = g_strdup ("unknown");
  self->ciphersuite = g_strdup ("unknown");

  if (certificate == NULL)
    return self;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), self);

  self->subject = g_tls_certificate_get_subject_name (certificate);
  self->issuer = g_tls_certificate_get_issuer_name (certificate);
  self->not_before = g_tls_certificate_get_not_valid_before (certificate);
  self->not_after = g_tls_certificate_get_not_valid_after (certificate);
  self->sha256 = ep_smtp_certificate_sha256 (certificate);
  g_object_get (certificate, "certificate-pem", &self->pem, NULL);

  return self;
}

EpSmtpTlsInfo *
ep_smtp_tls_info_copy (const EpSmtpTlsInfo *self)
{
  EpSmtpTlsInfo *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_memdup2 (self, sizeof *self);
  copy->protocol_version = g_strdup (self->protocol_version);
  copy->ciphersuite = g_strdup (self->ciphersuite);
  copy->subject = g_strdup (self->subject);
  copy->issuer = g_strdup (self->issuer);
  copy->not_before = self->not_before != NULL ? g_date_time_ref (self->not_before) : NULL;
  copy->not_after = self->not_after != NULL ? g_date_time_ref (self->not_after) : NULL;
  copy->sha256 = g_strdup (self->sha256);
  copy->pem = g_strdup (self->pem);

  return copy;
}

void
ep_smtp_tls_info_free (EpSmtpTlsInfo *self)
{
  if (self == NULL)
    return;

  g_free (self->protocol_version);
  g_free (self->ciphersuite);
  g_free (self->subject);
  g_free (self->issuer);
  g_clear_pointer (&self->not_before, g_date_time_unref);
  g_clear_pointer (&self->not_after, g_date_time_unref);
  g_free (self->sha256);
  g_free (self->pem);
  g_free (self);
}

/* "TLS 1.3" and the like, for transcripts and the UI. */
const char *
ep_smtp_tls_protocol_name (GTlsProtocolVersion version)
{
  switch (version)
    {
    case G_TLS_PROTOCOL_VERSION_SSL_3_0:
      return "SSL 3.0";
    case G_TLS_PROTOCOL_VERSION_TLS_1_0:
      return "TLS 1.0";
    case G_TLS_PROTOCOL_VERSION_TLS_1_1:
      return "TLS 1.1";
    case G_TLS_PROTOCOL_VERSION_TLS_1_2:
      return "TLS 1.2";
    case G_TLS_PROTOCOL_VERSION_TLS_1_3:
      return "TLS 1.3";
    case G_TLS_PROTOCOL_VERSION_DTLS_1_0:
      return "DTLS 1.0";
    case G_TLS_PROTOCOL_VERSION_DTLS_1_2:
      return "DTLS 1.2";
    case G_TLS_PROTOCOL_VERSION_UNKNOWN:
    default:
      return "unknown";
    }
}
