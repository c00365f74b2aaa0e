/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-sandbox-certificate.h: the Sandbox server's self-signed certificate, made once and reused. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Long enough that nobody meets an expired Sandbox; renewed a month before it would expire. */
#define EP_SANDBOX_CERTIFICATE_VALIDITY_DAYS 3650
#define EP_SANDBOX_CERTIFICATE_RENEW_DAYS    30

#define EP_SANDBOX_CERTIFICATE_FILE "cert.pem"
#define EP_SANDBOX_KEY_FILE         "key.pem"

GTlsCertificate *ep_sandbox_certificate_load_or_create (const char       *dir,
                                                        gboolean         *out_created,
                                                        GError          **error);
char            *ep_sandbox_certificate_dup_sha256     (GTlsCertificate  *certificate,
                                                        gboolean          colons);

G_END_DECLS
