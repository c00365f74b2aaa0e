/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-send-options.h: the parsed command line of epistle-send, shared by its compose and deliver parts. */
#pragma once

#include <glib.h>

#include "ep-smtp-session.h"

G_BEGIN_DECLS

/* --timeout not given: the profile's, or EP_SMTP_DEFAULT_TIMEOUT_SECONDS. */
#define EP_SEND_TIMEOUT_UNSET (-1)

typedef struct {
  char    *profile;
  char    *server;
  char    *security;
  char    *user;
  char    *password_file;
  char    *auth;
  char    *cafile;
  char    *from;
  char    *identity;
  /* What --identity found (ep-send-identity.c); NULL without it. */
  char    *identity_reply_to;
  char    *identity_bcc_self;
  char    *identity_signature;
  gboolean identity_above_quote;   /* the signature above quoted text in the body */
  char   **to;
  char   **cc;
  char   **bcc;
  char    *subject;
  char    *body;
  char   **attach;
  char    *raw;
  char   **positional;
  gboolean print;
  gboolean no_flowed;
  gboolean transcript;
  gboolean allow_partial;
  gboolean no_sent_copy;
  gboolean version;
  int      timeout;
  gboolean queue;
  char    *at;
  gboolean server_hold;
  char    *hold_until;
  gboolean flush;
  gboolean outbox;
  gboolean list_profiles;
  char    *configure;
  char    *save;
  gboolean ispdb;
  gboolean confirm;
  char    *login;
  char    *dsn;
  char    *dsn_ret;
  gboolean read_receipt;
  gboolean require_tls;
  /* --dsn, --dsn-ret and --require-tls as parsed. */
  EpSmtpDeliveryRequest request;
} EpSendOptions;

G_END_DECLS
