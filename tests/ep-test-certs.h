/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-test-certs.h: a test CA and server certificates (good and broken), generated at test time. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Certificate names understood by every function here (and by the script server's TLS steps):
 *
 *   "ca"              the test CA (certificate only; trust it through EpSmtpConfig.cafile)
 *   "good"            issued by "ca" for DNS:localhost and IP:127.0.0.1, valid now
 *   "self-signed"     localhost/127.0.0.1, valid now, signed by its own key
 *   "unknown-issuer"  localhost/127.0.0.1, valid now, issued by a CA nobody trusts
 *   "wrong-host"      issued by "ca" for DNS:mail.example.net and IP:192.0.2.1 only
 *   "expired"         issued by "ca" for localhost/127.0.0.1, expired yesterday
 *   "not-yet-valid"   issued by "ca" for localhost/127.0.0.1, valid from tomorrow
 *   "discover"        issued by "ca" for localhost, 127.0.0.1, example.test, hoster.test and
 *                     their subdomains (*.example.test, *.hoster.test): settings discovery's
 *                     servers, whose names a fake resolver maps to 127.0.0.1
 *
 * Each leaf file holds the certificate followed by its private key (PKCS #8 PEM), which is
 * what g_tls_certificate_new_from_file() wants for a server.
 */

const char      *ep_test_certs_dir     (void);
char            *ep_test_certs_path    (const char  *name);
GTlsCertificate *ep_test_certs_load    (const char  *name,
                                        GError     **error);
char            *ep_test_certs_sha256  (const char  *name);
GTlsDatabase    *ep_test_certs_ca_database (GError **error);
void             ep_test_certs_share   (void);
void             ep_test_certs_cleanup (void);

G_END_DECLS
