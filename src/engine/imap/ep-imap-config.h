/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-imap-config.h: what the IMAP client needs to know about the server and the account (a plain
 * boxed struct). Security, sign-in mechanisms, certificate pinning and trust anchors mean exactly
 * what they mean for SMTP (ep-smtp-config.h): the same types and the same code check them. */
#pragma once

#include <gio/gio.h>

#include "ep-imap-error.h"
#include "ep-smtp-error.h"

G_BEGIN_DECLS

/* RFC 8314 §7.3: IMAP over implicit TLS; RFC 3501 §2.1 (9051 §2.1): IMAP with STARTTLS. */
#define EP_IMAP_PORT_TLS              993
#define EP_IMAP_PORT_STARTTLS         143
#define EP_IMAP_DEFAULT_TIMEOUT_SECONDS 60

typedef struct {
  char               *host;
  guint16             port;            /* 0 = the default of @security (993 tls, 143 otherwise) */
  EpSmtpSecurity      security;        /* NONE only without credentials */
  char               *username;        /* nullable: no sign-in (a PREAUTH server, tests) */
  char               *password;        /* nullable; never logged */
  char               *oauth_token;     /* nullable; for XOAUTH2/OAUTHBEARER; never logged */
  EpSmtpAuthMechanism auth;            /* AUTO: the strongest offered (see ep-imap-client.h) */
  char               *cafile;          /* nullable: extra PEM trust anchors; an absolute path */
  char               *pinned_sha256;   /* nullable: as in EpSmtpConfig, for pinned_host:pinned_port */
  char               *pinned_host;
  guint16             pinned_port;     /* 0 = the default of @security */
  guint               timeout_seconds; /* per network operation; 0 = the default */
  char               *sent_mailbox;    /* nullable: the Sent folder the person chose (as the
                                          server names it); NULL = find it (\Sent, then the
                                          usual names) */
} EpImapConfig;

#define EP_TYPE_IMAP_CONFIG (ep_imap_config_get_type ())

GType         ep_imap_config_get_type        (void) G_GNUC_CONST;
/* Security STARTTLS, AUTH_AUTO, the default timeout; everything else empty. */
EpImapConfig *ep_imap_config_new             (void);
EpImapConfig *ep_imap_config_copy            (const EpImapConfig *self);
/* Overwrites the secrets before freeing them. */
void          ep_imap_config_free            (EpImapConfig       *self);

/* What can be checked without a network: a host, no control characters, credentials only with
 * TLS or STARTTLS, a well-formed pin with its server, an absolute cafile, a Sent folder name we
 * can send. Errors: EP_IMAP_ERROR_INVALID_CONFIG, EP_IMAP_ERROR_CLEARTEXT_AUTH. */
gboolean      ep_imap_config_validate        (const EpImapConfig *self,
                                              GError            **error);
guint16       ep_imap_config_get_port        (const EpImapConfig *self);
guint16       ep_imap_config_get_pinned_port (const EpImapConfig *self);
guint         ep_imap_config_get_timeout     (const EpImapConfig *self);
gboolean      ep_imap_config_has_credentials (const EpImapConfig *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpImapConfig, ep_imap_config_free)

G_END_DECLS
