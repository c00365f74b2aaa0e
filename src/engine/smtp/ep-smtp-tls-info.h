/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp-tls-info.h: what we learnt about a TLS connection and the server's certificate. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  char                 *protocol_version;  /* "TLS 1.3", or "unknown" */
  char                 *ciphersuite;       /* "TLS_AES_256_GCM_SHA384", or "unknown" */
  char                 *subject;           /* nullable: DN of the server certificate */
  char                 *issuer;            /* nullable */
  GDateTime            *not_before;        /* nullable */
  GDateTime            *not_after;         /* nullable */
  char                 *sha256;            /* "AB:CD:…" (32 octets, upper case) of the DER certificate */
  char                 *pem;               /* nullable: the certificate, for a "view certificate" dialog */
  GTlsCertificateFlags  errors;            /* what failed against the system store and --cafile */
  gboolean              verified;          /* the handshake accepted the certificate */
  gboolean              pinned;            /* accepted because its fingerprint matched the pinned one */
} EpSmtpTlsInfo;

#define EP_TYPE_SMTP_TLS_INFO (ep_smtp_tls_info_get_type ())

GType          ep_smtp_tls_info_get_type (void) G_GNUC_CONST;
/* Fills the certificate fields (subject, issuer, validity, fingerprint, PEM) from @certificate. */
EpSmtpTlsInfo *ep_smtp_tls_info_new_for_certificate (GTlsCertificate *certificate);
EpSmtpTlsInfo *ep_smtp_tls_info_copy      (const EpSmtpTlsInfo *self);
void           ep_smtp_tls_info_free      (EpSmtpTlsInfo       *self);

/* SHA-256 of the DER form, computed with GnuTLS, as "AB:CD:…"; NULL if GnuTLS cannot parse it. */
char          *ep_smtp_certificate_sha256 (GTlsCertificate     *certificate);
/* "unknown issuer, expired" — the failed checks in words, in a fixed order. */
char          *ep_smtp_certificate_flags_to_string (GTlsCertificateFlags flags);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpSmtpTlsInfo, ep_smtp_tls_info_free)

const char *ep_smtp_tls_protocol_name (GTlsProtocolVersion version);

G_END_DECLS
