/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp-result.c: the refcounted outcome of a session. */
#include "config.h"

#include "ep-enum.h"
#include "ep-smtp-result.h"

G_DEFINE_BOXED_TYPE (EpSmtpResult, ep_smtp_result, ep_smtp_result_ref, ep_smtp_result_unref)

EpSmtpRecipientResult *
ep_smtp_recipient_result_new (const char *address)
{
  EpSmtpRecipientResult *self = g_new0 (EpSmtpRecipientResult, 1);

  self->address = g_strdup (address);
  return self;
}

void
ep_smtp_recipient_result_free (EpSmtpRecipientResult *self)
{
  if (self == NULL)
    return;

  g_free (self->address);
  g_free (self->enhanced);
  g_free (self->text);
  g_free (self);
}

static void
ep_smtp_result_clear (EpSmtpResult *self)
{
  g_ptr_array_unref (self->recipients);
  g_free (self->final_enhanced);
  g_free (self->final_text);
  g_clear_object (&self->transcript);
  ep_smtp_capabilities_free (self->capabilities);
  ep_smtp_tls_info_free (self->tls);
  g_free (self->auth_mechanism);
}

EpSmtpResult *
ep_smtp_result_new (EpSmtpTranscript *transcript)
{
  EpSmtpResult *self = g_atomic_rc_box_new0 (EpSmtpResult);

  self->outcome = EP_SMTP_OUTCOME_TEMPORARY;
  self->recipients = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_smtp_recipient_result_free);
  self->transcript = transcript != NULL ? g_object_ref (transcript) : ep_smtp_transcript_new ();

  return self;
}

EpSmtpResult *
ep_smtp_result_ref (EpSmtpResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_atomic_rc_box_acquire (self);
}

void
ep_smtp_result_unref (EpSmtpResult *self)
{
  if (self != NULL)
    g_atomic_rc_box_release_full (self, (GDestroyNotify) ep_smtp_result_clear);
}

EpSmtpRecipientResult *
ep_smtp_result_find_recipient (EpSmtpResult *self,
                               const char   *address)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (address != NULL, NULL);

  for (guint i = 0; i < self->recipients->len; i++)
    {
      EpSmtpRecipientResult *r = g_ptr_array_index (self->recipients, i);

      if (g_str_equal (r->address, address))
        return r;
    }

  return NULL;
}

guint
ep_smtp_result_count_refused (EpSmtpResult *self)
{
  guint n = 0;

  g_return_val_if_fail (self != NULL, 0);

  for (guint i = 0; i < self->recipients->len; i++)
    {
      EpSmtpRecipientResult *r = g_ptr_array_index (self->recipients, i);

      if (!r->accepted)
        n++;
    }

  return n;
}

guint
ep_smtp_result_count_in_state (EpSmtpResult        *self,
                               EpSmtpRecipientState state)
{
  guint n = 0;

  g_return_val_if_fail (self != NULL, 0);

  for (guint i = 0; i < self->recipients->len; i++)
    {
      EpSmtpRecipientResult *r = g_ptr_array_index (self->recipients, i);

      if (r->state == state)
        n++;
    }

  return n;
}

GStrv
ep_smtp_result_dup_recipients_in_state (EpSmtpResult        *self,
                                        EpSmtpRecipientState state)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (self != NULL, NULL);

  for (guint i = 0; i < self->recipients->len; i++)
    {
      EpSmtpRecipientResult *r = g_ptr_array_index (self->recipients, i);

      if (r->state == state)
        g_strv_builder_add (builder, r->address);
    }

  return g_strv_builder_end (builder);
}

gboolean
ep_smtp_result_has_refused_recipient (EpSmtpResult *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  for (guint i = 0; i < self->recipients->len; i++)
    {
      EpSmtpRecipientResult *r = g_ptr_array_index (self->recipients, i);

      if (r->code >= 400)
        return TRUE;
    }

  return FALSE;
}

G_DEFINE_ENUM_TYPE (EpSmtpOutcome, ep_smtp_outcome,
  G_DEFINE_ENUM_VALUE (EP_SMTP_OUTCOME_DELIVERED, "delivered"),
  G_DEFINE_ENUM_VALUE (EP_SMTP_OUTCOME_REFUSED, "refused"),
  G_DEFINE_ENUM_VALUE (EP_SMTP_OUTCOME_TEMPORARY, "temporary"),
  G_DEFINE_ENUM_VALUE (EP_SMTP_OUTCOME_UNKNOWN, "unknown"),
  G_DEFINE_ENUM_VALUE (EP_SMTP_OUTCOME_PARTIAL, "partial"))

const char *
ep_smtp_outcome_to_string (EpSmtpOutcome outcome)
{
  const char *nick = ep_enum_to_nick (EP_TYPE_SMTP_OUTCOME, outcome);

  g_return_val_if_fail (nick != NULL, "unknown");
  return nick;
}

gboolean
ep_smtp_outcome_from_string (const char    *text,
                             EpSmtpOutcome *out_outcome)
{
  int value;

  g_return_val_if_fail (out_outcome != NULL, FALSE);

  if (!ep_enum_from_nick (EP_TYPE_SMTP_OUTCOME, text, FALSE, &value))
    return FALSE;
  *out_outcome = value;
  return TRUE;
}

G_DEFINE_ENUM_TYPE (EpSmtpRecipientState, ep_smtp_recipient_state,
  G_DEFINE_ENUM_VALUE (EP_SMTP_RECIPIENT_PENDING, "pending"),
  G_DEFINE_ENUM_VALUE (EP_SMTP_RECIPIENT_DELIVERED, "delivered"),
  G_DEFINE_ENUM_VALUE (EP_SMTP_RECIPIENT_REFUSED, "refused"),
  G_DEFINE_ENUM_VALUE (EP_SMTP_RECIPIENT_DEFERRED, "deferred"),
  G_DEFINE_ENUM_VALUE (EP_SMTP_RECIPIENT_UNKNOWN, "unknown"))

const char *
ep_smtp_recipient_state_to_string (EpSmtpRecipientState state)
{
  const char *nick = ep_enum_to_nick (EP_TYPE_SMTP_RECIPIENT_STATE, state);

  g_return_val_if_fail (nick != NULL, "pending");
  return nick;
}

gboolean
ep_smtp_recipient_state_from_string (const char           *text,
                                     EpSmtpRecipientState *out_state)
{
  int value;

  g_return_val_if_fail (out_state != NULL, FALSE);

  if (!ep_enum_from_nick (EP_TYPE_SMTP_RECIPIENT_STATE, text, FALSE, &value))
    return FALSE;
  *out_state = value;
  return TRUE;
}
