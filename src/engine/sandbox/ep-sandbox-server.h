/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-sandbox-server.h: the built-in Sandbox, a loopback-only ESMTP server feeding a local inbox. */
#pragma once

#include <gio/gio.h>

#include "ep-smtp-config.h"

G_BEGIN_DECLS

/* Only ever bound here: the Sandbox is never reachable from another machine. */
#define EP_SANDBOX_HOST "127.0.0.1"
/* The SIZE limit (RFC 1870) unless set otherwise: 50 MB. */
#define EP_SANDBOX_DEFAULT_SIZE_LIMIT G_GUINT64_CONSTANT (52428800)
/* RFC 5321 4.5.3.2.7: a server should wait at least 5 minutes for the next command. */
#define EP_SANDBOX_DEFAULT_IDLE_TIMEOUT 300
/* Connections served at once. When all are taken, a new one makes the oldest session that has
 * not authenticated (and is at least EP_SANDBOX_EVICTION_MIN_AGE_MS old) give way; when there is
 * none, the new one is greeted with 421 and closed. So local processes that hold connections
 * open without credentials cannot keep the app's own sends out. */
#define EP_SANDBOX_MAX_CONNECTIONS 8
/* A real client over loopback authenticates in a few milliseconds: a session younger than this
 * is not dropped, so that a burst of new connections cannot push out one about to authenticate. */
#define EP_SANDBOX_EVICTION_MIN_AGE_MS 1000

#define EP_TYPE_SANDBOX_SERVER (ep_sandbox_server_get_type ())
G_DECLARE_FINAL_TYPE (EpSandboxServer, ep_sandbox_server, EP, SANDBOX_SERVER, GObject)

EpSandboxServer *ep_sandbox_server_new                     (void);
EpSandboxServer *ep_sandbox_server_get_default             (void);

void             ep_sandbox_server_set_size_limit          (EpSandboxServer  *self,
                                                            guint64           size_limit);
guint64          ep_sandbox_server_get_size_limit          (EpSandboxServer  *self);
void             ep_sandbox_server_set_idle_timeout        (EpSandboxServer  *self,
                                                            guint             seconds);
guint            ep_sandbox_server_get_idle_timeout        (EpSandboxServer  *self);
void             ep_sandbox_server_set_session_timeout     (EpSandboxServer  *self,
                                                            guint             seconds);
void             ep_sandbox_server_set_handshake_timeout   (EpSandboxServer  *self,
                                                            guint             seconds);
void             ep_sandbox_server_set_credentials         (EpSandboxServer  *self,
                                                            const char       *username,
                                                            const char       *password);

gboolean         ep_sandbox_server_start                   (EpSandboxServer  *self,
                                                            GCancellable     *cancellable,
                                                            GError          **error);
void             ep_sandbox_server_stop                    (EpSandboxServer  *self);
/* Starts the server unless it runs already (safe from any thread), then points @config at it:
 * 127.0.0.1, its port, STARTTLS, its account, its certificate pinned for that address and port. */
gboolean         ep_sandbox_server_configure               (EpSandboxServer  *self,
                                                            EpSmtpConfig     *config,
                                                            GCancellable     *cancellable,
                                                            GError          **error);
gboolean         ep_sandbox_server_is_running              (EpSandboxServer  *self);

guint16          ep_sandbox_server_get_port                (EpSandboxServer  *self);
const char      *ep_sandbox_server_get_username            (EpSandboxServer  *self);
const char      *ep_sandbox_server_get_password            (EpSandboxServer  *self);
GTlsCertificate *ep_sandbox_server_get_certificate         (EpSandboxServer  *self);
const char      *ep_sandbox_server_get_certificate_sha256  (EpSandboxServer  *self);
const char      *ep_sandbox_server_get_certificate_path    (EpSandboxServer  *self);
guint            ep_sandbox_server_get_active_connections  (EpSandboxServer  *self);

G_END_DECLS
