/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp-sasl.h: client side of the SASL mechanisms used with SMTP AUTH (RFC 4954), on decoded bytes. */
#pragma once

#include <glib-object.h>

#include "ep-smtp-error.h"

G_BEGIN_DECLS

/* A mechanism that needs more rounds than this is broken or hostile (SCRAM needs 2, LOGIN 2). */
#define EP_SMTP_SASL_MAX_ROUNDS          8
/* RFC 5802 §5.1 leaves the iteration count to the server; 4096 is the minimum it recommends. A huge
 * count would keep us busy for minutes, so we refuse anything above this (about a second of PBKDF2). */
#define EP_SMTP_SCRAM_MAX_ITERATIONS     1000000
/* Octets of randomness in our SCRAM nonce (RFC 5802 §5.1 wants it unpredictable; 18 → 24 base64 chars). */
#define EP_SMTP_SCRAM_NONCE_OCTETS       18

typedef enum {
  EP_SMTP_SASL_CONTINUE,   /* send *response (may be empty) */
  EP_SMTP_SASL_CANCEL,     /* the challenge was malformed: send "*" and fail with @error */
} EpSmtpSaslStatus;

#define EP_TYPE_SMTP_SASL (ep_smtp_sasl_get_type ())
G_DECLARE_FINAL_TYPE (EpSmtpSasl, ep_smtp_sasl, EP, SMTP_SASL, GObject)

/* @secret is the password, or the bearer token for XOAUTH2/OAUTHBEARER. Fails with
 * EP_SMTP_ERROR_INVALID_CONFIG when the user name or password cannot be prepared (SASLprep). */
EpSmtpSasl      *ep_smtp_sasl_new                 (EpSmtpAuthMechanism  mechanism,
                                                   const char          *username,
                                                   const char          *secret,
                                                   GError             **error);
EpSmtpAuthMechanism ep_smtp_sasl_get_mechanism    (EpSmtpSasl          *self);
/* The client-first message when the mechanism has one (PLAIN, SCRAM-*, XOAUTH2, OAUTHBEARER);
 * FALSE for server-first mechanisms (LOGIN, CRAM-MD5). */
gboolean         ep_smtp_sasl_get_initial_response (EpSmtpSasl         *self,
                                                   GBytes             **response);
/* One server challenge (base64-decoded 334 text). */
EpSmtpSaslStatus ep_smtp_sasl_step                (EpSmtpSasl          *self,
                                                   const guint8        *challenge,
                                                   gsize                len,
                                                   GBytes             **response,
                                                   GError             **error);
/* Server data that came with the 235 (RFC 4954 §4 "additional data with success"); may be NULL. */
gboolean         ep_smtp_sasl_finish              (EpSmtpSasl          *self,
                                                   const guint8        *data,
                                                   gsize                len,
                                                   GError             **error);
/* For SCRAM: TRUE once the server's signature was checked; always TRUE for the other mechanisms. */
gboolean         ep_smtp_sasl_is_server_verified  (EpSmtpSasl          *self);
/* For XOAUTH2/OAUTHBEARER: the server's JSON error from the failure challenge, if any. */
const char      *ep_smtp_sasl_get_server_error    (EpSmtpSasl          *self);

/* Tests only: a fixed SCRAM client nonce (for the RFC 5802/7677 vectors). */
void             ep_smtp_sasl_set_client_nonce    (EpSmtpSasl          *self,
                                                   const char          *nonce);
/* Tests only: the nonce every SCRAM exchange created from now on uses (NULL: random again), so
 * that a whole session can be checked against the RFC 7677 vector. Never call this elsewhere. */
void             ep_smtp_sasl_set_test_client_nonce (const char        *nonce);

/* The partial SASLprep (RFC 4013) we apply; see the .c file. NULL + error if prohibited. */
char            *ep_smtp_saslprep                 (const char          *text,
                                                   GError             **error);

G_END_DECLS
