/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-outbox-entry.h: one message waiting in the outbox: its envelope, state and attempts. */
#pragma once

#include <glib-object.h>

#include "ep-smtp-result.h"
#include "ep-smtp-session.h"

G_BEGIN_DECLS

/**
 * EpOutboxState:
 * @EP_OUTBOX_STATE_HELD: waiting for the person: the undo window, or a time chosen with Send
 *   Later; never sent until queued
 * @EP_OUTBOX_STATE_QUEUED: to be sent from its not-before time on
 * @EP_OUTBOX_STATE_SENDING: claimed by a sender; an entry left in this state by a sender that
 *   ended is recovered (to %EP_OUTBOX_STATE_UNKNOWN once the end of its data went out, else to
 *   the state it was claimed in)
 * @EP_OUTBOX_STATE_DELIVERED: every recipient has it or was refused; the caller copies it to
 *   the Sent store and deletes it
 * @EP_OUTBOX_STATE_PARTIAL: some recipients have it; the others are retried from not-before on
 * @EP_OUTBOX_STATE_FAILED: refused for good (a 5xx), kept with the server's reply
 * @EP_OUTBOX_STATE_UNKNOWN: the end of the data went out and no reply came back: the server may
 *   have it; never sent again unless the person queues it
 *
 * The GType's nicks ("held", "queued", …) are how the store spells a state.
 */
typedef enum {
  EP_OUTBOX_STATE_HELD,
  EP_OUTBOX_STATE_QUEUED,
  EP_OUTBOX_STATE_SENDING,
  EP_OUTBOX_STATE_DELIVERED,
  EP_OUTBOX_STATE_PARTIAL,
  EP_OUTBOX_STATE_FAILED,
  EP_OUTBOX_STATE_UNKNOWN,
} EpOutboxState;

#define EP_OUTBOX_N_STATES (EP_OUTBOX_STATE_UNKNOWN + 1)

#define EP_TYPE_OUTBOX_STATE (ep_outbox_state_get_type ())
GType        ep_outbox_state_get_type    (void) G_GNUC_CONST;
const char  *ep_outbox_state_to_string   (EpOutboxState  state);
/* Exactly one of the nicks (case matters, as in a store). */
gboolean     ep_outbox_state_from_string (const char     *text,
                                          EpOutboxState  *out_state);
/* The one table of allowed state changes (a state to itself is not a change). */
gboolean     ep_outbox_state_can_change  (EpOutboxState  from,
                                          EpOutboxState  to);

/**
 * EpOutboxRecipient:
 * @address: the envelope address, as it goes into RCPT TO
 * @state: where it stands after the attempts so far (%EP_SMTP_RECIPIENT_PENDING at first)
 */
typedef struct
{
  char                 *address;
  EpSmtpRecipientState  state;
} EpOutboxRecipient;

/**
 * EpOutboxAttempt:
 * @time: when the attempt started
 * @outcome: how it ended
 * @reply: (nullable): the server's final reply, or why the attempt ended without one
 * @has_transcript: whether the attempt's redacted transcript was kept
 *   (ep_outbox_store_load_transcript())
 */
typedef struct
{
  GDateTime     *time;
  EpSmtpOutcome  outcome;
  char          *reply;
  gboolean       has_transcript;
} EpOutboxAttempt;

/**
 * EpOutboxEntry:
 * @id: set by the store when the entry is added; names its folder
 * @created: set by the store when the entry is added
 * @profile_id: (nullable): the profile to send with
 * @sender: the envelope sender (MAIL FROM); "" for the null reverse-path
 * @recipients: (element-type EpOutboxRecipient): the envelope recipients, in order
 * @state: where the entry stands
 * @not_before: not sent before this time (%NULL when adding: now)
 * @attempts: (element-type EpOutboxAttempt): the attempts so far, oldest first
 * @last_error: (nullable): what went wrong last, in words for the person
 * @size: set by the store: the octets of the stored message
 * @data_sent: (nullable): while %EP_OUTBOX_STATE_SENDING: when the sender recorded that the end
 *   of the data was going out (ep_outbox_claim_mark_data_sent())
 * @subject: (nullable): the message's subject, decoded, for lists and the Sent copy
 * @from: (nullable): the message's From field as a person reads it ("Name <address>")
 * @hold_until: (nullable): the server is asked to keep the message until then (RFC 4865
 *   FUTURERELEASE): the entry is sent as soon as it is due, and the server delivers it at this
 *   time. When the server will not hold it, the entry is queued for this time without it.
 * @request: delivery notifications and REQUIRETLS asked for, applied to every attempt
 * @dsn_envid: (nullable): the envelope id for notifications (RFC 3461 ENVID): the message's
 *   Message-ID, kept as the stored message is sent as it is
 * @body_final_newline: the message's text ended with a line break. The stored bytes cannot
 *   tell: the MIME writer ends every text with one. Edit needs it to give the text back as typed.
 * @needs_8bitmime: the stored bytes carry 8-bit octets labelled 8bit (an attached message kept
 *   as it is, for a server last seen offering 8BITMIME): they go only with BODY=8BITMIME, and
 *   to a server without it not at all (RFC 6152 §3).
 */
typedef struct
{
  char          *id;
  GDateTime     *created;
  char          *profile_id;
  char          *sender;
  GPtrArray     *recipients;
  EpOutboxState  state;
  GDateTime     *not_before;
  GPtrArray     *attempts;
  char          *last_error;
  guint64        size;
  GDateTime     *data_sent;
  char          *subject;
  char          *from;
  GDateTime     *hold_until;
  EpSmtpDeliveryRequest request;
  char          *dsn_envid;
  gboolean       body_final_newline;
  gboolean       needs_8bitmime;
} EpOutboxEntry;

#define EP_TYPE_OUTBOX_ENTRY (ep_outbox_entry_get_type ())
GType              ep_outbox_entry_get_type          (void) G_GNUC_CONST;

EpOutboxRecipient *ep_outbox_recipient_new           (const char                  *address,
                                                      EpSmtpRecipientState         state);
void               ep_outbox_recipient_free          (EpOutboxRecipient           *recipient);
EpOutboxAttempt   *ep_outbox_attempt_new             (GDateTime                   *time,
                                                      EpSmtpOutcome                outcome,
                                                      const char                  *reply);
void               ep_outbox_attempt_free            (EpOutboxAttempt             *attempt);

EpOutboxEntry     *ep_outbox_entry_new               (const char                  *sender,
                                                      const char * const          *recipients);
EpOutboxEntry     *ep_outbox_entry_copy              (const EpOutboxEntry         *entry);
void               ep_outbox_entry_free              (EpOutboxEntry               *entry);
EpOutboxRecipient *ep_outbox_entry_find_recipient    (const EpOutboxEntry         *entry,
                                                      const char                  *address);
/* Whether a sender should take it now: queued or partial, and @now is not before not-before. */
gboolean           ep_outbox_entry_is_due            (const EpOutboxEntry         *entry,
                                                      GDateTime                   *now);
/* The recipients still to be sent to (pending or deferred), in order; empty when none. */
GStrv              ep_outbox_entry_dup_undelivered   (const EpOutboxEntry         *entry);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpOutboxEntry, ep_outbox_entry_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpOutboxRecipient, ep_outbox_recipient_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpOutboxAttempt, ep_outbox_attempt_free)

G_END_DECLS
