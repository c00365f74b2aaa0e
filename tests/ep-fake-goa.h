/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-fake-goa.h: a fake GNOME Online Accounts service for tests, on the test's private session
 * bus: org.gnome.OnlineAccounts with an object manager at /org/gnome/OnlineAccounts and one
 * object per account, served by a thread of its own (so that a test may block on a send while
 * the service answers). Built from the same interface description as the engine's client. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _EpFakeGoa EpFakeGoa;

/* How an account signs in, and what is wrong with it. */
typedef enum {
  EP_FAKE_GOA_OAUTH2,
  EP_FAKE_GOA_PASSWORD,
} EpFakeGoaKind;

typedef struct {
  const char    *id;                 /* GOA's account id */
  const char    *provider_type;      /* "google", "ms_graph", "imap_smtp", … */
  const char    *provider_name;
  const char    *address;            /* EmailAddress, PresentationIdentity, SmtpUserName */
  const char    *smtp_host;          /* "host:port" */
  EpFakeGoaKind  kind;
  gboolean       use_ssl;
  gboolean       use_tls;
  gboolean       accept_ssl_errors;
  gboolean       mail_disabled;
} EpFakeGoaAccount;

/* Starts the service and takes the name (fails the test if it cannot). */
EpFakeGoa *ep_fake_goa_new            (void);
void       ep_fake_goa_free           (EpFakeGoa              *self);

void       ep_fake_goa_add            (EpFakeGoa              *self,
                                       const EpFakeGoaAccount *account);
void       ep_fake_goa_remove         (EpFakeGoa              *self,
                                       const char             *id);
/* Turns mail off (or on again): the Mail interface goes (or comes back), as with GOA. */
void       ep_fake_goa_set_mail_disabled (EpFakeGoa           *self,
                                          const char          *id,
                                          gboolean             disabled);
/* Each GetAccessToken answers "<id>-token-<n>", n counting from 1; GetPassword "<id>-password". */
char      *ep_fake_goa_token          (const char             *id,
                                       guint                   n);
/* EnsureCredentials fails with NotAuthorized and sets AttentionNeeded from now on. */
void       ep_fake_goa_set_expired    (EpFakeGoa              *self,
                                       const char             *id);
/* Called in the service's thread before each GetAccessToken answers, with its number (from 1):
 * a test moves on to its next SMTP server there. */
typedef void (*EpFakeGoaTokenHook) (guint n, gpointer user_data);
void       ep_fake_goa_set_token_hook (EpFakeGoa              *self,
                                       EpFakeGoaTokenHook      hook,
                                       gpointer                user_data);
/* How often a method was called for the account: "EnsureCredentials", "GetAccessToken",
 * "GetPassword". */
guint      ep_fake_goa_count          (EpFakeGoa              *self,
                                       const char             *id,
                                       const char             *method);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpFakeGoa, ep_fake_goa_free)

G_END_DECLS
