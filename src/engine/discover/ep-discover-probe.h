/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-discover-probe.h: the last resort of discovery: the domain's likely submission servers
 * tried with the SMTP engine's connection test (no sign-in, nothing sent). Internal. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* RFC 8314 §3.3 (implicit TLS) and RFC 6409 §3.1 (submission with STARTTLS); never 25 (relay,
 * RFC 5321 §4.5.4.2), never plain text. */
#define EP_DISCOVER_PROBE_TLS_PORT      465
#define EP_DISCOVER_PROBE_STARTTLS_PORT 587

typedef struct {
  const char *address;
  const char *domain;
  const char *cafile;          /* nullable: extra trust anchors (PEM), absolute */
  guint16     tls_port;        /* normally EP_DISCOVER_PROBE_TLS_PORT; tests change it */
  guint16     starttls_port;
  guint       timeout_seconds; /* per network operation */
  gint64      started;         /* g_get_monotonic_time() of the discovery's start */
} EpDiscoverProbeSpec;

/* smtp.DOMAIN, mail.DOMAIN, DOMAIN, each on the implicit-TLS port then the STARTTLS port, on a
 * worker thread, until one completes greeting, EHLO and TLS with a verified certificate. */
void       ep_discover_probe_async  (const EpDiscoverProbeSpec *spec,
                                     GCancellable              *cancellable,
                                     GAsyncReadyCallback        callback,
                                     gpointer                   user_data);
/* Returns: (transfer full) (element-type EpDiscoverCandidate): the server found (at most one,
 * possibly none); @out_attempts (element-type EpDiscoverAttempt): each server tried. */
GPtrArray *ep_discover_probe_finish (GAsyncResult              *result,
                                     GPtrArray                **out_attempts,
                                     GError                   **error);

G_END_DECLS
