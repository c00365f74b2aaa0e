/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-outbox-entry.c: the outbox record (a boxed struct) and the table of its state changes. */
#include "config.h"

#include "ep-enum.h"
#include "ep-outbox-entry.h"

G_DEFINE_ENUM_TYPE (EpOutboxState, ep_outbox_state,
  G_DEFINE_ENUM_VALUE (EP_OUTBOX_STATE_HELD, "held"),
  G_DEFINE_ENUM_VALUE (EP_OUTBOX_STATE_QUEUED, "queued"),
  G_DEFINE_ENUM_VALUE (EP_OUTBOX_STATE_SENDING, "sending"),
  G_DEFINE_ENUM_VALUE (EP_OUTBOX_STATE_DELIVERED, "delivered"),
  G_DEFINE_ENUM_VALUE (EP_OUTBOX_STATE_PARTIAL, "partial"),
  G_DEFINE_ENUM_VALUE (EP_OUTBOX_STATE_FAILED, "failed"),
  G_DEFINE_ENUM_VALUE (EP_OUTBOX_STATE_UNKNOWN, "unknown"))

G_DEFINE_BOXED_TYPE (EpOutboxEntry, ep_outbox_entry, ep_outbox_entry_copy, ep_outbox_entry_free)

const char *
ep_outbox_state_to_string (EpOutboxState state)
{
  const char *nick = ep_enum_to_nick (EP_TYPE_OUTBOX_STATE, state);

  g_return_val_if_fail (nick != NULL, "unknown");
  return nick;
}

gboolean
ep_outbox_state_from_string (const char    *text,
                             EpOutboxState *out_state)
{
  int value;

  g_return_val_if_fail (out_state != NULL, FALSE);

  if (!ep_enum_from_nick (EP_TYPE_OUTBOX_STATE, text, FALSE, &value))
    return FALSE;
  *out_state = value;
  return TRUE;
}

/**
 * ep_outbox_state_can_change:
 *
 * Only a claim takes an entry to %EP_OUTBOX_STATE_SENDING, and only its end (or the recovery
 * of an abandoned claim) takes it out again. What the person decides: a held message is queued
 * (the undo window ended, Send Now) and a queued one held again; a failed or unknown one is
 * queued again (Retry); an unknown one is marked delivered (it did arrive), or partially
 * delivered when some recipients were not in the transaction that went unanswered. Nothing leaves
 * %EP_OUTBOX_STATE_DELIVERED: the caller moves it to the Sent store and deletes it.
 */
gboolean
ep_outbox_state_can_change (EpOutboxState from,
                            EpOutboxState to)
{
  switch (from)
    {
    case EP_OUTBOX_STATE_HELD:
      return to == EP_OUTBOX_STATE_QUEUED;
    case EP_OUTBOX_STATE_QUEUED:
      return to == EP_OUTBOX_STATE_HELD || to == EP_OUTBOX_STATE_SENDING;
    case EP_OUTBOX_STATE_SENDING:
      return to == EP_OUTBOX_STATE_QUEUED || to == EP_OUTBOX_STATE_DELIVERED ||
             to == EP_OUTBOX_STATE_PARTIAL || to == EP_OUTBOX_STATE_FAILED ||
             to == EP_OUTBOX_STATE_UNKNOWN;
    case EP_OUTBOX_STATE_PARTIAL:
      return to == EP_OUTBOX_STATE_SENDING;
    case EP_OUTBOX_STATE_FAILED:
      return to == EP_OUTBOX_STATE_QUEUED;
    case EP_OUTBOX_STATE_UNKNOWN:
      return to == EP_OUTBOX_STATE_QUEUED || to == EP_OUTBOX_STATE_DELIVERED ||
             to == EP_OUTBOX_STATE_PARTIAL;
    case EP_OUTBOX_STATE_DELIVERED:
    default:
      return FALSE;
    }
}

EpOutboxRecipient *
ep_outbox_recipient_new (const char           *address,
                         EpSmtpRecipientState  state)
{
  EpOutboxRecipient *recipient;

  g_return_val_if_fail (address != NULL, NULL);

  recipient = g_new0 (EpOutboxRecipient, 1);
  recipient->address = g_strdup (address);
  recipient->state = state;
  return recipient;
}

void
ep_outbox_recipient_free (EpOutboxRecipient *recipient)
{
  if (recipient == NULL)
    return;
  g_free (recipient->address);
  g_free (recipient);
}

/* @time: (nullable): now when %NULL */
EpOutboxAttempt *
ep_outbox_attempt_new (GDateTime     *time,
                       EpSmtpOutcome  outcome,
                       const char    *reply)
{
  EpOutboxAttempt *attempt = g_new0 (EpOutboxAttempt, 1);

  attempt->time = time != NULL ? g_date_time_ref (time) : g_date_time_new_now_utc ();
  attempt->outcome = outcome;
  attempt->reply = g_strdup (reply);
  return attempt;
}

void
ep_outbox_attempt_free (EpOutboxAttempt *attempt)
{
  if (attempt == NULL)
    return;
  g_date_time_unref (attempt->time);
  g_free (attempt->reply);
  g_free (attempt);
}

/**
 * ep_outbox_entry_new:
 * @sender: the envelope sender ("" for the null reverse-path)
 * @recipients: (array zero-terminated=1) (nullable): the envelope recipients, all pending
 *
 * A new entry for ep_outbox_store_add(): held, to be sent from now on once queued.
 */
EpOutboxEntry *
ep_outbox_entry_new (const char         *sender,
                     const char * const *recipients)
{
  EpOutboxEntry *entry = g_new0 (EpOutboxEntry, 1);

  entry->sender = g_strdup (sender != NULL ? sender : "");
  entry->recipients = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_outbox_recipient_free);
  entry->attempts = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_outbox_attempt_free);
  entry->state = EP_OUTBOX_STATE_HELD;
  for (guint i = 0; recipients != NULL && recipients[i] != NULL; i++)
    g_ptr_array_add (entry->recipients,
                     ep_outbox_recipient_new (recipients[i], EP_SMTP_RECIPIENT_PENDING));
  return entry;
}

static GDateTime *
ref_or_null (GDateTime *date)
{
  return date != NULL ? g_date_time_ref (date) : NULL;
}

EpOutboxEntry *
ep_outbox_entry_copy (const EpOutboxEntry *entry)
{
  EpOutboxEntry *copy;

  g_return_val_if_fail (entry != NULL, NULL);

  copy = ep_outbox_entry_new (entry->sender, NULL);
  copy->id = g_strdup (entry->id);
  copy->created = ref_or_null (entry->created);
  copy->profile_id = g_strdup (entry->profile_id);
  copy->state = entry->state;
  copy->not_before = ref_or_null (entry->not_before);
  copy->last_error = g_strdup (entry->last_error);
  copy->size = entry->size;
  copy->data_sent = ref_or_null (entry->data_sent);
  copy->subject = g_strdup (entry->subject);
  copy->from = g_strdup (entry->from);
  copy->hold_until = ref_or_null (entry->hold_until);
  copy->request = entry->request;
  copy->dsn_envid = g_strdup (entry->dsn_envid);
  copy->body_final_newline = entry->body_final_newline;
  copy->needs_8bitmime = entry->needs_8bitmime;
  for (guint i = 0; i < entry->recipients->len; i++)
    {
      const EpOutboxRecipient *recipient = entry->recipients->pdata[i];

      g_ptr_array_add (copy->recipients,
                       ep_outbox_recipient_new (recipient->address, recipient->state));
    }
  for (guint i = 0; i < entry->attempts->len; i++)
    {
      const EpOutboxAttempt *attempt = entry->attempts->pdata[i];
      EpOutboxAttempt *attempt_copy = ep_outbox_attempt_new (attempt->time, attempt->outcome,
                                                             attempt->reply);

      attempt_copy->has_transcript = attempt->has_transcript;
      g_ptr_array_add (copy->attempts, attempt_copy);
    }
  return copy;
}

void
ep_outbox_entry_free (EpOutboxEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->id);
  g_clear_pointer (&entry->created, g_date_time_unref);
  g_free (entry->profile_id);
  g_free (entry->sender);
  g_ptr_array_unref (entry->recipients);
  g_clear_pointer (&entry->not_before, g_date_time_unref);
  g_ptr_array_unref (entry->attempts);
  g_free (entry->last_error);
  g_clear_pointer (&entry->data_sent, g_date_time_unref);
  g_free (entry->subject);
  g_free (entry->from);
  g_clear_pointer (&entry->hold_until, g_date_time_unref);
  g_free (entry->dsn_envid);
  g_free (entry);
}

/* Returns: (transfer none) (nullable): the recipient with exactly this @address */
EpOutboxRecipient *
ep_outbox_entry_find_recipient (const EpOutboxEntry *entry,
                                const char          *address)
{
  g_return_val_if_fail (entry != NULL, NULL);
  g_return_val_if_fail (address != NULL, NULL);

  for (guint i = 0; i < entry->recipients->len; i++)
    {
      EpOutboxRecipient *recipient = entry->recipients->pdata[i];

      if (g_strcmp0 (recipient->address, address) == 0)
        return recipient;
    }
  return NULL;
}

/* @now: (nullable): the current time when %NULL */
gboolean
ep_outbox_entry_is_due (const EpOutboxEntry *entry,
                        GDateTime           *now)
{
  g_autoptr(GDateTime) current = NULL;

  g_return_val_if_fail (entry != NULL, FALSE);

  if (entry->state != EP_OUTBOX_STATE_QUEUED && entry->state != EP_OUTBOX_STATE_PARTIAL)
    return FALSE;
  if (entry->not_before == NULL)
    return TRUE;
  current = now != NULL ? g_date_time_ref (now) : g_date_time_new_now_utc ();
  return g_date_time_compare (entry->not_before, current) <= 0;
}

GStrv
ep_outbox_entry_dup_undelivered (const EpOutboxEntry *entry)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (entry != NULL, NULL);

  for (guint i = 0; i < entry->recipients->len; i++)
    {
      const EpOutboxRecipient *recipient = entry->recipients->pdata[i];

      if (recipient->state == EP_SMTP_RECIPIENT_PENDING ||
          recipient->state == EP_SMTP_RECIPIENT_DEFERRED)
        g_strv_builder_add (builder, recipient->address);
    }
  return g_strv_builder_end (builder);
}
