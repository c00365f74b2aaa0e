/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp-result.h: the outcome of a session: per recipient, the final reply, what we saw of the server. */
#pragma once

#include <glib-object.h>

#include "ep-smtp-capabilities.h"
#include "ep-smtp-tls-info.h"
#include "ep-smtp-transcript.h"

G_BEGIN_DECLS

typedef enum {
  EP_SMTP_OUTCOME_DELIVERED,   /* 250 after the end of data (to every recipient, or the accepted ones
                                  with allow_partial) */
  EP_SMTP_OUTCOME_REFUSED,     /* a 5xx, or a local refusal (size, SMTPUTF8, security, credentials) */
  EP_SMTP_OUTCOME_TEMPORARY,   /* 4xx, timeout, connection lost before the end of data */
  EP_SMTP_OUTCOME_UNKNOWN,     /* lost after the end of data: may have been delivered; never resend blindly */
  EP_SMTP_OUTCOME_PARTIAL,     /* a transaction was completed (some recipients have the message), then
                                  the session failed: see each recipient's state; a retry goes only
                                  to the recipients not delivered */
} EpSmtpOutcome;

/* Where one recipient stands at the end of a session. */
typedef enum {
  EP_SMTP_RECIPIENT_PENDING,   /* not delivered and not refused: never tried (the session ended before
                                  its transaction), or accepted in a transaction that then failed */
  EP_SMTP_RECIPIENT_DELIVERED, /* accepted, and the server took the message in that transaction */
  EP_SMTP_RECIPIENT_REFUSED,   /* RCPT TO answered 5xx */
  EP_SMTP_RECIPIENT_DEFERRED,  /* RCPT TO answered 4xx (other than "too many recipients") */
  EP_SMTP_RECIPIENT_UNKNOWN,   /* in the transaction whose end went unanswered: may have it */
} EpSmtpRecipientState;

typedef struct {
  char     *address;     /* the envelope address as sent in RCPT TO */
  guint     code;        /* the reply to its RCPT TO; 0 if never answered */
  char     *enhanced;    /* nullable: "5.1.1" */
  char     *text;        /* nullable: the server's text */
  gboolean  accepted;    /* 250/251 and the message was then delivered in that transaction */
  EpSmtpRecipientState state;
} EpSmtpRecipientResult;

typedef struct {
  EpSmtpOutcome        outcome;
  GPtrArray           *recipients;     /* element-type EpSmtpRecipientResult, in envelope order */
  guint                final_code;     /* reply after the end of data; 0 if none */
  char                *final_enhanced; /* nullable */
  char                *final_text;     /* nullable */
  EpSmtpTranscript    *transcript;     /* the session's transcript (a reference) */
  EpSmtpCapabilities  *capabilities;   /* nullable: the last EHLO seen (after TLS when TLS is used) */
  EpSmtpTlsInfo       *tls;            /* nullable: set when a handshake was attempted and a
                                          certificate was seen, also when it was rejected */
  char                *auth_mechanism; /* nullable: what authenticated us, e.g. "SCRAM-SHA-256" */
  guint64              message_size;   /* octets of the message as written (before dot-stuffing) */
  guint64              bytes_sent;     /* octets of message written to the server (last transaction) */
  guint                transactions;   /* MAIL transactions used (more than 1 after a 452) */
} EpSmtpResult;

#define EP_TYPE_SMTP_RESULT (ep_smtp_result_get_type ())

GType         ep_smtp_result_get_type (void) G_GNUC_CONST;
EpSmtpResult *ep_smtp_result_new      (EpSmtpTranscript *transcript);
EpSmtpResult *ep_smtp_result_ref      (EpSmtpResult     *self);
void          ep_smtp_result_unref    (EpSmtpResult     *self);

static inline EpSmtpOutcome ep_smtp_result_get_outcome (const EpSmtpResult *self) { return self->outcome; }

/* The recipient entry for @address (exact match), or NULL. */
EpSmtpRecipientResult *ep_smtp_result_find_recipient (EpSmtpResult *self,
                                                      const char   *address);
/* Number of recipients with accepted == FALSE. */
guint         ep_smtp_result_count_refused (EpSmtpResult *self);
/* Number of recipients in @state. */
guint         ep_smtp_result_count_in_state (EpSmtpResult        *self,
                                             EpSmtpRecipientState state);
/* The recipients in @state, in envelope order (NULL-terminated; empty when none). */
GStrv         ep_smtp_result_dup_recipients_in_state (EpSmtpResult        *self,
                                                      EpSmtpRecipientState state);
/* Whether any RCPT TO got a 4xx or 5xx reply (a recipient really refused, not a session that
 * failed before or after the recipients). */
gboolean      ep_smtp_result_has_refused_recipient (EpSmtpResult *self);
/* The GType's nicks ("delivered", "refused", "temporary", "unknown", "partial") are how the Sent
 * store and the CLI spell an outcome. */
#define EP_TYPE_SMTP_OUTCOME (ep_smtp_outcome_get_type ())
GType         ep_smtp_outcome_get_type     (void) G_GNUC_CONST;
const char   *ep_smtp_outcome_to_string    (EpSmtpOutcome outcome);
/* Exactly one of the nicks (case matters, as in a store). */
gboolean      ep_smtp_outcome_from_string  (const char    *text,
                                            EpSmtpOutcome *out_outcome);
/* The nicks ("pending", "delivered", "refused", "deferred", "unknown") are how the outbox store
 * spells a recipient's state. */
#define EP_TYPE_SMTP_RECIPIENT_STATE (ep_smtp_recipient_state_get_type ())
GType         ep_smtp_recipient_state_get_type    (void) G_GNUC_CONST;
const char   *ep_smtp_recipient_state_to_string   (EpSmtpRecipientState  state);
/* Exactly one of the nicks (case matters, as in a store). */
gboolean      ep_smtp_recipient_state_from_string (const char            *text,
                                                   EpSmtpRecipientState  *out_state);

EpSmtpRecipientResult *ep_smtp_recipient_result_new  (const char *address);
void                   ep_smtp_recipient_result_free (EpSmtpRecipientResult *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpSmtpResult, ep_smtp_result_unref)

G_END_DECLS
