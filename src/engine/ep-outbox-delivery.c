/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-outbox-delivery.c: a message into the outbox (its bytes fixed now, streamed to disk), one
 * attempt at an outbox entry (claim, send the stored bytes to whoever does not have them yet,
 * record the outcome, move a delivered entry to Sent), several such attempts over one SMTP
 * session (a single attempt is a batch of one), and the backoff between attempts. */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "ep-imap-client.h"
#include "ep-mime-writer.h"
#include "ep-outbox-delivery.h"
#include "ep-profile-config.h"
#include "ep-sent-copy-status.h"
#include "ep-sent-store.h"
#include "ep-smtp-error.h"
#include "ep-store-error.h"
#include "ep-store-util.h"

/* Defaults of EpOutboxRetryPolicy: the first retry soon (a server restarting, a network coming
 * back), then exponentially rarer up to once an hour, for two days: the time a mail server
 * keeps trying before it bounces a message (RFC 5321 §4.5.4.1 suggests at least 4–5 days for a
 * relay; a person waiting to know needs an answer sooner). */
#define RETRY_FIRST_DELAY_S  30
#define RETRY_MAX_DELAY_S    (60 * 60)
#define RETRY_JITTER         0.2
#define RETRY_MAX_AGE_S      (2 * 24 * 60 * 60)

/* The MIME writer makes many small writes (header lines); the outbox's stream goes straight to
 * disk. */
#define ADD_BUFFER_SIZE      (64 * 1024)

/* Where the Message-ID of a Sent copy is looked for: RFC 5322 puts no bound on a header, but
 * ours is a few kilobytes (ep-mime-writer.c); a field beyond this is not searched for. */
#define SENT_COPY_HEADER_MAX (256 * 1024)

/* ---- Retry policy ---------------------------------------------------------------------------- */

void
ep_outbox_retry_policy_init_default (EpOutboxRetryPolicy *policy)
{
  g_return_if_fail (policy != NULL);

  policy->first_delay = RETRY_FIRST_DELAY_S;
  policy->max_delay = RETRY_MAX_DELAY_S;
  policy->jitter = RETRY_JITTER;
  policy->max_attempts = 0;
  policy->max_age = RETRY_MAX_AGE_S;
}

GDateTime *
ep_outbox_retry_policy_next_attempt (const EpOutboxRetryPolicy *policy,
                                     const EpOutboxEntry       *entry,
                                     GDateTime                 *now,
                                     double                     random)
{
  guint attempts;
  double delay;
  double jitter;
  GDateTime *next;

  g_return_val_if_fail (policy != NULL, NULL);
  g_return_val_if_fail (entry != NULL, NULL);
  g_return_val_if_fail (now != NULL, NULL);

  attempts = MAX (entry->attempts->len, 1);
  if (policy->max_attempts > 0 && attempts >= policy->max_attempts)
    return NULL;
  if (policy->max_age > 0 && entry->created != NULL
      && g_date_time_difference (now, entry->created) >= (GTimeSpan) policy->max_age * G_TIME_SPAN_SECOND)
    return NULL;

  /* first_delay × 2^(attempts − 1), capped (doubling stops at the cap, so it cannot overflow). */
  delay = MAX (policy->first_delay, 1);
  for (guint i = 1; i < attempts && (policy->max_delay == 0 || delay < policy->max_delay) && delay < G_MAXUINT32; i++)
    delay *= 2.0;
  if (policy->max_delay > 0)
    delay = MIN (delay, (double) policy->max_delay);
  jitter = CLAMP (policy->jitter, 0.0, 1.0);
  delay *= 1.0 + jitter * (2.0 * CLAMP (random, 0.0, 1.0) - 1.0);
  if (policy->max_delay > 0)
    delay = MIN (delay, (double) policy->max_delay);
  delay = MAX (delay, 1.0);

  next = g_date_time_add (now, (GTimeSpan) (delay * G_TIME_SPAN_SECOND));
  /* One last attempt when the age runs out, rather than none after it. */
  if (policy->max_age > 0 && entry->created != NULL)
    {
      g_autoptr(GDateTime) deadline = g_date_time_add_seconds (entry->created, policy->max_age);

      if (g_date_time_compare (next, deadline) > 0)
        {
          g_date_time_unref (next);
          next = g_steal_pointer (&deadline);
        }
    }
  return next;
}

/* ---- Adding a message ------------------------------------------------------------------------ */

static gboolean
in_list (const char * const *list,
         const char         *address)
{
  for (guint i = 0; list != NULL && list[i] != NULL; i++)
    if (g_ascii_strcasecmp (list[i], address) == 0)
      return TRUE;
  return FALSE;
}

static char *
add_message (EpOutboxStore               *store,
             EpMessage                   *message,
             const char                  *profile_id,
             EpOutboxState                state,
             GDateTime                   *not_before,
             GDateTime                   *hold_until,
             const EpSmtpDeliveryRequest *request,
             gboolean                     allow_8bit,
             const char * const          *already_delivered,
             GCancellable                *cancellable,
             GError                     **error)
{
  g_auto(GStrv) all = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) wanted = NULL;
  g_autofree char *sender = NULL;
  g_auto(GStrv) rcpts = NULL;
  g_autoptr(EpOutboxWriter) writer = NULL;
  g_autoptr(GOutputStream) buffered = NULL;
  g_autoptr(EpOutboxEntry) entry = NULL;
  const EpAddress *from;

  g_return_val_if_fail (EP_IS_OUTBOX_STORE (store), NULL);
  g_return_val_if_fail (EP_IS_MESSAGE (message), NULL);
  g_return_val_if_fail (state == EP_OUTBOX_STATE_QUEUED || state == EP_OUTBOX_STATE_HELD, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Date, Message-ID and boundaries are fixed here, and the attachments checked: every attempt
   * sends these very bytes. The server is not met yet: an attached message with 8-bit octets
   * is kept as it is only when the caller knows that the server offered 8BITMIME, else it goes
   * as a file in base64. */
  ep_message_set_allow_8bit (message, allow_8bit);
  if (!ep_mime_writer_prepare (message, error))
    return NULL;

  /* The envelope exactly as a direct send computes it (ep-send-operation.c). */
  all = ep_message_dup_envelope_recipients (message);
  for (guint i = 0; all != NULL && all[i] != NULL; i++)
    if (!in_list (already_delivered, all[i]))
      g_strv_builder_add (builder, all[i]);
  wanted = g_strv_builder_end (builder);
  if (wanted[0] == NULL && all != NULL && all[0] != NULL)
    {
      g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_ADDRESS,
                           _("Every recipient already has this message"));
      return NULL;
    }
  if (!ep_smtp_envelope_build (ep_message_get_envelope_sender (message), (const char * const *) wanted,
                               &sender, &rcpts, NULL, error))
    return NULL;

  writer = ep_outbox_store_begin (store, ep_mime_writer_get_size (message), error);
  if (writer == NULL)
    return NULL;
  buffered = g_buffered_output_stream_new_sized (ep_outbox_writer_get_output_stream (writer),
                                                 ADD_BUFFER_SIZE);
  g_filter_output_stream_set_close_base_stream (G_FILTER_OUTPUT_STREAM (buffered), FALSE);
  if (!ep_mime_writer_write (message, buffered, NULL, NULL, cancellable, error)
      || !g_output_stream_close (buffered, cancellable, error))
    return NULL;

  entry = ep_outbox_entry_new (sender, (const char * const *) rcpts);
  entry->state = state;
  entry->profile_id = g_strdup (profile_id);
  entry->not_before = not_before != NULL ? g_date_time_ref (not_before) : NULL;
  entry->hold_until = hold_until != NULL ? g_date_time_to_utc (hold_until) : NULL;
  entry->subject = g_strdup (ep_message_get_subject (message));
  entry->body_final_newline = ep_message_get_body (message) != NULL &&
                              g_str_has_suffix (ep_message_get_body (message), "\n");
  entry->needs_8bitmime = ep_message_needs_8bitmime (message);
  from = ep_message_get_from (message);
  entry->from = from != NULL ? ep_address_to_header (from) : NULL;
  if (request != NULL)
    {
      entry->request = *request;
      /* The stored bytes go as they are: the Message-ID is known only now. */
      if (request->dsn_notify != EP_SMTP_DSN_NONE)
        entry->dsn_envid = g_strdup (ep_message_get_message_id (message));
    }
  if (!ep_outbox_writer_commit (writer, entry, error))
    return NULL;

  return g_strdup (entry->id);
}

char *
ep_outbox_add_message_sync (EpOutboxStore       *store,
                            EpMessage           *message,
                            const char          *profile_id,
                            EpOutboxState        state,
                            GDateTime           *not_before,
                            const char * const  *already_delivered,
                            GCancellable        *cancellable,
                            GError             **error)
{
  return add_message (store, message, profile_id, state, not_before, NULL, NULL, FALSE,
                      already_delivered, cancellable, error);
}

char *
ep_outbox_add_message_with_request_sync (EpOutboxStore               *store,
                                         EpMessage                   *message,
                                         const char                  *profile_id,
                                         EpOutboxState                state,
                                         GDateTime                   *not_before,
                                         GDateTime                   *hold_until,
                                         const EpSmtpDeliveryRequest *request,
                                         gboolean                     allow_8bit,
                                         const char * const          *already_delivered,
                                         GCancellable                *cancellable,
                                         GError                     **error)
{
  g_return_val_if_fail (hold_until == NULL || state == EP_OUTBOX_STATE_QUEUED, NULL);

  return add_message (store, message, profile_id, state, not_before, hold_until, request,
                      allow_8bit, already_delivered, cancellable, error);
}

char *
ep_outbox_add_server_held_message_sync (EpOutboxStore       *store,
                                        EpMessage           *message,
                                        const char          *profile_id,
                                        GDateTime           *hold_until,
                                        const char * const  *already_delivered,
                                        GCancellable        *cancellable,
                                        GError             **error)
{
  g_return_val_if_fail (hold_until != NULL, NULL);

  return add_message (store, message, profile_id, EP_OUTBOX_STATE_QUEUED, NULL, hold_until, NULL,
                      FALSE, already_delivered, cancellable, error);
}

gboolean
ep_outbox_profile_allows_8bit (EpProfile *profile)
{
  gboolean known = FALSE;
  EpSmtpCapFlags offered;

  g_return_val_if_fail (EP_IS_PROFILE (profile), FALSE);

  offered = ep_profile_get_delivery_extensions (profile, &known);
  return known && (offered & EP_SMTP_CAP_8BITMIME) != 0;
}

/* ---- One delivery attempt -------------------------------------------------------------------- */

static GDateTime *
options_now (const EpOutboxDeliveryOptions *options)
{
  if (options->now != NULL)
    return options->now (options->clock_data);
  return g_date_time_new_now_utc ();
}

static double
options_random (const EpOutboxDeliveryOptions *options)
{
  if (options->random != NULL)
    return options->random (options->clock_data);
  return g_random_double ();
}

static gboolean
mark_data_sent_cb (gpointer   user_data,
                   GError   **error)
{
  return ep_outbox_claim_mark_data_sent (user_data, error);
}

/* Nothing was tried (or the attempt was cancelled before the end of its data): the entry goes
 * back as it was claimed, no attempt counted. */
static void
give_back (EpOutboxClaim *claim,
           const char    *id)
{
  g_autoptr(GError) local_error = NULL;

  if (!ep_outbox_claim_release (claim, &local_error))
    g_debug ("Outbox %s: %s", id, local_error->message);
}

void
ep_outbox_delivery_report_free (EpOutboxDeliveryReport *report)
{
  if (report == NULL)
    return;
  g_clear_pointer (&report->result, ep_smtp_result_unref);
  g_clear_error (&report->error);
  g_clear_pointer (&report->next_attempt, g_date_time_unref);
  g_free (report->sent_id);
  g_clear_error (&report->sent_error);
  g_clear_error (&report->copy_error);
  g_free (report->copy_mailbox);
  g_clear_pointer (&report->copy_next_attempt, g_date_time_unref);
  g_free (report);
}

/* "3 hours", "2 days": how long the entry was tried, for the person. */
static char *
format_span (GTimeSpan span)
{
  gint64 seconds = MAX (span / G_TIME_SPAN_SECOND, 0);

  if (seconds < 2 * 60)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u second", "%u seconds", (gulong) seconds),
                            (guint) seconds);
  if (seconds < 2 * 60 * 60)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u minute", "%u minutes", (gulong) (seconds / 60)),
                            (guint) (seconds / 60));
  if (seconds < 2 * 24 * 60 * 60)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u hour", "%u hours", (gulong) (seconds / 3600)),
                            (guint) (seconds / 3600));
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u day", "%u days", (gulong) (seconds / 86400)),
                          (guint) (seconds / 86400));
}

/* The server's final reply, or why the attempt ended without one. */
static char *
attempt_reply (EpSmtpResult *result,
               const GError *error)
{
  if (error != NULL)
    return g_strdup (error->message);
  if (result->final_code != 0)
    return g_strdup_printf ("%u%s%s%s%s", result->final_code,
                            result->final_enhanced != NULL ? " " : "",
                            result->final_enhanced != NULL ? result->final_enhanced : "",
                            result->final_text != NULL ? " " : "",
                            result->final_text != NULL ? result->final_text : "");
  return NULL;
}

/* Where each recipient of this attempt stands, into the claim. The entry's addresses went
 * through the same envelope code as the session's, so they match exactly. */
static void
record_recipients (EpOutboxClaim *claim,
                   EpSmtpResult  *result)
{
  for (guint i = 0; i < result->recipients->len; i++)
    {
      EpSmtpRecipientResult *r = g_ptr_array_index (result->recipients, i);
      g_autoptr(GError) local_error = NULL;

      if (!ep_outbox_claim_set_recipient_state (claim, r->address, r->state, &local_error))
        g_warning ("Outbox: %s: %s", r->address, local_error->message);
    }
}

/* The entry's recipients after this attempt: how many wait, how many may have it. */
static void
count_recipients (const EpOutboxEntry *entry,
                  EpSmtpResult        *result,
                  guint               *out_waiting,
                  guint               *out_unknown,
                  guint               *out_delivered)
{
  guint waiting = 0, unknown = 0, delivered = 0;

  for (guint i = 0; i < entry->recipients->len; i++)
    {
      const EpOutboxRecipient *recipient = entry->recipients->pdata[i];
      EpSmtpRecipientResult *r = ep_smtp_result_find_recipient (result, recipient->address);
      EpSmtpRecipientState state = r != NULL ? r->state : recipient->state;

      waiting += state == EP_SMTP_RECIPIENT_PENDING || state == EP_SMTP_RECIPIENT_DEFERRED;
      unknown += state == EP_SMTP_RECIPIENT_UNKNOWN;
      delivered += state == EP_SMTP_RECIPIENT_DELIVERED;
    }
  *out_waiting = waiting;
  *out_unknown = unknown;
  *out_delivered = delivered;
}

/* The Sent copy of a delivered entry: its stored bytes, as the server got them. */
static char *
keep_sent_copy (EpOutboxStore       *store,
                const EpOutboxEntry *entry,
                EpProfile           *profile,
                EpSmtpResult        *result,
                GDateTime           *now,
                const char          *sent_dir,
                const char          *transcript,
                GCancellable        *cancellable,
                GError             **error)
{
  g_autoptr(EpSentStore) sent = ep_sent_store_new (sent_dir);
  g_autoptr(EpSentInfo) info = ep_sent_info_new ();
  g_autofree char *message_path = ep_outbox_store_dup_message_path (store, entry->id);
  g_autoptr(GStrvBuilder) recipients = g_strv_builder_new ();
  g_autoptr(GStrvBuilder) missing = g_strv_builder_new ();
  g_auto(GStrv) not_delivered = NULL;

  /* ep_sent_info_new() fills empty defaults: replace them, do not leak them. */
  g_clear_pointer (&info->date, g_date_time_unref);
  info->date = g_date_time_ref (now);
  g_free (info->subject);
  info->subject = g_strdup (entry->subject != NULL ? entry->subject : "");
  g_free (info->from);
  info->from = g_strdup (entry->from != NULL ? entry->from : entry->sender);
  g_free (info->server);
  info->server = ep_profile_get_is_sandbox (profile)
                   ? g_strdup (_("Sandbox"))
                   : g_strdup_printf ("%s:%u", ep_profile_get_host (profile), ep_profile_get_port (profile));
  for (guint i = 0; i < entry->recipients->len; i++)
    {
      const EpOutboxRecipient *recipient = entry->recipients->pdata[i];

      g_strv_builder_add (recipients, recipient->address);
      /* Refused for good: the copy must not say that everyone has it. */
      if (recipient->state != EP_SMTP_RECIPIENT_DELIVERED)
        g_strv_builder_add (missing, recipient->address);
    }
  g_strfreev (info->recipients);
  info->recipients = g_strv_builder_end (recipients);
  not_delivered = g_strv_builder_end (missing);
  info->not_delivered = not_delivered[0] != NULL ? g_steal_pointer (&not_delivered) : NULL;
  info->outcome = EP_SMTP_OUTCOME_DELIVERED;
  info->outcome_text = attempt_reply (result, NULL);
  info->profile_id = g_strdup (entry->profile_id != NULL ? entry->profile_id : ep_profile_get_id (profile));
  /* Only when the attempt that finished it asked the server to hold it (its time still ahead). */
  if (entry->hold_until != NULL && g_date_time_compare (entry->hold_until, now) > 0)
    info->hold_until = g_date_time_ref (entry->hold_until);

  /* Moved, not copied, where it can be: the outbox's file is never written again. */
  if (!ep_sent_store_add_file (sent, info, message_path, transcript, cancellable, error))
    return NULL;
  return g_strdup (info->id);
}

/* "15:00" today, else with its day: when Epistle sends a message the server would not hold. */
static char *
format_send_time (GDateTime *when,
                  GDateTime *now)
{
  g_autoptr(GDateTime) local = g_date_time_to_local (when);
  g_autoptr(GDateTime) local_now = g_date_time_to_local (now);

  if (g_date_time_get_year (local) == g_date_time_get_year (local_now) &&
      g_date_time_get_day_of_year (local) == g_date_time_get_day_of_year (local_now))
    return g_date_time_format (local, "%H:%M");
  /* Translators: a day and a time, see the strftime() manual ("Tue 8 Dec 15:00") */
  return g_date_time_format (local, _("%a %-d %b %H:%M"));
}

/* Whether the attempt ended because the server would not hold the message until @hold: its
 * EHLO reply no longer offers FUTURERELEASE or not that far ahead (the engine refused before
 * MAIL), or it refused MAIL FROM with HOLDUNTIL= for good (where a server turns down a release
 * time it will not honour). Nobody got the message. */
static gboolean
hold_was_refused (EpSmtpResult *result,
                  const GError *error,
                  GDateTime    *hold)
{
  const EpSmtpCapabilities *caps = result->capabilities;
  g_autoptr(GDateTime) now = NULL;

  if (hold == NULL || error == NULL ||
      ep_smtp_result_count_in_state (result, EP_SMTP_RECIPIENT_DELIVERED) > 0)
    return FALSE;
  if (g_error_matches (error, EP_SMTP_ERROR, EP_SMTP_ERROR_SENDER_REJECTED))
    return TRUE;
  if (!g_error_matches (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_CONFIG) || caps == NULL)
    return FALSE;
  now = g_date_time_new_now_utc ();
  return !ep_smtp_capabilities_has (caps, EP_SMTP_CAP_FUTURERELEASE) ||
         !ep_smtp_future_release_allows (caps->future_release_max_interval,
                                         caps->future_release_max_date, hold, now);
}

/* The state an attempt leaves the entry in, with the next time and the words for the person. */
typedef struct {
  EpOutboxState  state;
  GDateTime     *next;
  char          *last_error;
} NextState;

static void
next_state_clear (NextState *n)
{
  g_clear_pointer (&n->next, g_date_time_unref);
  g_clear_pointer (&n->last_error, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (NextState, next_state_clear)

/* Another attempt later (@waiting_state: queued, or partial when some have it), or failed when
 * the policy gives up. */
static void
retry_or_give_up (NextState                     *n,
                  EpOutboxState                  waiting_state,
                  const EpOutboxEntry           *entry,
                  const EpOutboxRetryPolicy     *policy,
                  const EpOutboxDeliveryOptions *options,
                  GDateTime                     *now,
                  const char                    *why)
{
  g_autoptr(EpOutboxEntry) counted = ep_outbox_entry_copy (entry);

  /* The policy counts the attempt that just failed. */
  g_ptr_array_add (counted->attempts, ep_outbox_attempt_new (now, EP_SMTP_OUTCOME_TEMPORARY, NULL));
  n->next = ep_outbox_retry_policy_next_attempt (policy, counted, now, options_random (options));
  if (n->next != NULL)
    {
      n->state = waiting_state;
      n->last_error = g_strdup (why);
    }
  else
    {
      guint attempts = counted->attempts->len;
      g_autofree char *span = format_span (entry->created != NULL
                                             ? g_date_time_difference (now, entry->created) : 0);

      n->state = EP_OUTBOX_STATE_FAILED;
      n->last_error = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                    "Gave up after %u attempt over %s: %s",
                                                    "Gave up after %u attempts over %s: %s",
                                                    attempts),
                                       attempts, span, why != NULL ? why : "");
    }
}

/* What the attempts of one batch share: the profile's settings and one SMTP session. */
typedef struct {
  EpOutboxStore                 *store;
  EpProfile                     *profile;
  const EpOutboxDeliveryOptions *options;
  EpOutboxRetryPolicy            default_policy;
  const EpOutboxRetryPolicy     *policy;
  GCancellable                  *cancellable;
  EpProfileConfig               *profile_config;
  EpSmtpSession                 *session;
  /* A session that could not be opened: every entry of the batch gets its outcome, as each
   * would have had it with a connection of its own. */
  EpSmtpResult                  *open_result;
  GError                        *open_error;
  /* The server ended the session: the entries after that point are not tried. */
  GError                        *end_error;
} Batch;

static void
batch_clear (Batch *b)
{
  g_clear_pointer (&b->session, ep_smtp_session_close);
  g_clear_pointer (&b->profile_config, ep_profile_config_free);
  g_clear_pointer (&b->open_result, ep_smtp_result_unref);
  g_clear_error (&b->open_error);
  g_clear_error (&b->end_error);
}

static gboolean
batch_init (Batch                         *b,
            EpOutboxStore                 *store,
            EpProfile                     *profile,
            const EpOutboxDeliveryOptions *options,
            GCancellable                  *cancellable,
            GError                       **error)
{
  static const EpOutboxDeliveryOptions no_options = { 0 };

  memset (b, 0, sizeof *b);
  b->store = store;
  b->profile = profile;
  b->options = options != NULL ? options : &no_options;
  b->cancellable = cancellable;
  b->policy = b->options->policy;
  if (b->policy == NULL)
    {
      ep_outbox_retry_policy_init_default (&b->default_policy);
      b->policy = &b->default_policy;
    }

  /* Before any claim: without its secret every entry is left exactly as it was, so that the
   * caller can ask for it and try again. The Sandbox starts here if it does not run yet. */
  b->profile_config = ep_profile_config_build (profile,
                                               &(EpProfileConfigRequest) { .saved = profile,
                                                                           .secret = b->options->secret,
                                                                           .imap_secret = b->options->imap_secret,
                                                                           .oauth_client_id = b->options->oauth_client_id,
                                                                           .oauth_client_secret = b->options->oauth_client_secret },
                                               cancellable, error);
  if (b->profile_config == NULL)
    return FALSE;
  b->profile_config->config->allow_partial = b->options->allow_partial;
  return TRUE;
}

/* Sends @raw over the batch's session, opened at the first entry that is really sent. NULL
 * (with @error) when the server ended the session before this message: it was not tried. */
static EpSmtpResult *
batch_send (Batch             *b,
            GInputStream      *raw,
            EpSmtpSendOptions *send_options,
            GError           **error)
{
  const EpOutboxDeliveryOptions *options = b->options;

  if (b->session == NULL && b->open_result == NULL)
    {
      g_autoptr(GError) renew_error = NULL;

      b->session = ep_smtp_session_open_sync (b->profile_config->config, NULL, options->progress,
                                              options->progress_data, b->cancellable,
                                              &b->open_result, &b->open_error);
      /* A refused OAuth token: one new token and one more session, before any message. */
      if (b->session == NULL &&
          ep_profile_config_renew_token (b->profile_config, b->open_error, b->cancellable, &renew_error))
        {
          g_clear_pointer (&b->open_result, ep_smtp_result_unref);
          g_clear_error (&b->open_error);
          b->session = ep_smtp_session_open_sync (b->profile_config->config, NULL, options->progress,
                                                  options->progress_data, b->cancellable,
                                                  &b->open_result, &b->open_error);
        }
      else if (renew_error != NULL)
        {
          g_clear_error (&b->open_error);
          b->open_error = g_steal_pointer (&renew_error);
        }
    }
  if (b->session == NULL)
    {
      g_propagate_error (error, g_error_copy (b->open_error));
      return ep_smtp_result_ref (b->open_result);
    }
  g_clear_pointer (&b->open_result, ep_smtp_result_unref);

  return ep_smtp_session_send_sync (b->session, NULL, raw, send_options, error);
}

/* Whether the batch may still try an entry; @error says why not. The first entry goes as a
 * single attempt would, whatever happens (a cancellation included). */
static gboolean
batch_can_go_on (Batch   *b,
                 GError **error)
{
  gboolean started = b->session != NULL || b->open_result != NULL;

  if (started && g_cancellable_set_error_if_cancelled (b->cancellable, error))
    return FALSE;
  if (b->end_error == NULL && b->session != NULL && !ep_smtp_session_is_open (b->session))
    g_set_error_literal (&b->end_error, EP_SMTP_ERROR, EP_SMTP_ERROR_CONNECTION_LOST,
                         _("The connection is already closed"));
  if (b->end_error != NULL)
    {
      g_propagate_error (error, g_error_copy (b->end_error));
      return FALSE;
    }
  return TRUE;
}

/* The copy in the server's Sent folder: the Sent store's bytes, exactly as the server got them.
 * Only after the delivery and the Sent store's copy: a failure here never sends the message
 * again. Where it stands is kept beside those bytes (EpSentCopyStatus), so that a failed upload
 * is tried again later on the outbox's backoff, with the duplicate check. */

/* The Message-ID field of the header at the start of @path, unfolded; NULL without one. */
static char *
read_message_id (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) in = g_file_read (file, NULL, NULL);
  g_autofree char *buffer = g_malloc0 (SENT_COPY_HEADER_MAX + 1);
  g_auto(GStrv) lines = NULL;
  gsize n = 0;
  char *end;

  if (in == NULL || !g_input_stream_read_all (G_INPUT_STREAM (in), buffer, SENT_COPY_HEADER_MAX, &n, NULL, NULL))
    return NULL;
  buffer[n] = '\0';
  end = strstr (buffer, "\r\n\r\n");
  if (end != NULL)
    *end = '\0';
  lines = g_strsplit (buffer, "\r\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_ascii_strncasecmp (lines[i], "Message-ID:", strlen ("Message-ID:")) == 0)
      {
        g_autoptr(GString) value = g_string_new (lines[i] + strlen ("Message-ID:"));

        /* RFC 5322 §2.2.3: a field may go on over lines that start with white space. */
        for (guint k = i + 1; lines[k] != NULL && (lines[k][0] == ' ' || lines[k][0] == '\t'); k++)
          g_string_append (value, lines[k]);
        g_strstrip (value->str);
        return value->str[0] == '<' ? g_strdup (value->str) : NULL;
      }
  return NULL;
}

/* One upload of Sent entry @sent_id, its outcome recorded in @status (attempts, next time,
 * state). @b gives the configuration and options. */
static void
upload_sent_copy (Batch                  *b,
                  const char             *sent_id,
                  EpSentCopyStatus       *status,
                  GError                **error)
{
  g_autoptr(EpImapConfig) imap = ep_profile_config_dup_imap (b->profile_config, b->profile);
  g_autoptr(EpSentStore) sent = ep_sent_store_new (b->options->sent_dir);
  g_autoptr(EpImapResult) imap_result = NULL;
  g_autoptr(EpSmtpTranscript) transcript = ep_smtp_transcript_new ();
  g_autoptr(GDateTime) now = options_now (b->options);
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *message_id = NULL;
  gboolean missing_password = FALSE;

  path = ep_sent_store_dup_message_path (sent, sent_id);
  file = g_file_new_for_path (path);
  /* Every retry looks first: an earlier try may have stored it and lost only the answer. */
  if (status->attempts > 0 || status->maybe_there)
    message_id = read_message_id (path);
  status->attempts++;
  if (status->first_attempt == NULL)
    status->first_attempt = g_date_time_ref (now);
  g_clear_pointer (&status->next_attempt, g_date_time_unref);

  if (imap == NULL)
    g_set_error_literal (&local_error, EP_IMAP_ERROR, EP_IMAP_ERROR_INVALID_CONFIG,
                         _("The profile has no IMAP server for the copy in the Sent folder"));
  else if (b->profile_config->imap_secret == EP_PROFILE_SECRET_MISSING ||
           b->profile_config->imap_secret == EP_PROFILE_SECRET_OTHER_SERVER)
    {
      /* Not tried without it (the server would only refuse); tried again on the backoff, by
       * when the person may have saved it. */
      missing_password = TRUE;
      g_set_error (&local_error, EP_IMAP_ERROR, EP_IMAP_ERROR_AUTH_FAILED,
                   _("No IMAP password is saved for the profile “%s”: enter it under Copy to Sent Folder"),
                   ep_profile_get_name (b->profile));
    }
  else
    {
      g_autoptr(GError) renew_error = NULL;

      ep_imap_upload_sent_file (imap, file, NULL, message_id, transcript, &imap_result, b->cancellable,
                                &local_error);
      /* A refused OAuth token: one new token (shared with SMTP's) and one more upload. A refused
       * login stored nothing, so the Message-ID need not be looked for because of it. */
      if (ep_profile_config_renew_token (b->profile_config, local_error, b->cancellable, &renew_error))
        {
          g_clear_error (&local_error);
          g_clear_pointer (&imap_result, ep_imap_result_free);
          g_clear_pointer (&imap, ep_imap_config_free);
          imap = ep_profile_config_dup_imap (b->profile_config, b->profile);
          ep_imap_upload_sent_file (imap, file, NULL, message_id, transcript, &imap_result, b->cancellable,
                                    &local_error);
        }
      else if (renew_error != NULL)
        {
          g_clear_error (&local_error);
          local_error = g_steal_pointer (&renew_error);
        }
    }
  if (imap_result != NULL && imap_result->mailbox != NULL)
    {
      g_free (status->mailbox);
      status->mailbox = g_strdup (imap_result->mailbox);
    }
  g_clear_pointer (&status->last_error, g_free);
  if (local_error == NULL)
    status->state = EP_SENT_COPY_DONE;
  else if (ep_imap_error_is_temporary (local_error) || missing_password)
    {
      g_autoptr(EpOutboxEntry) shape = ep_outbox_entry_new ("", NULL);

      /* The outbox's own backoff, counted from the first upload. */
      shape->created = g_date_time_ref (status->first_attempt);
      for (guint i = 0; i < status->attempts; i++)
        g_ptr_array_add (shape->attempts, ep_outbox_attempt_new (now, EP_SMTP_OUTCOME_TEMPORARY, NULL));
      status->next_attempt = ep_outbox_retry_policy_next_attempt (b->policy, shape, now,
                                                                  options_random (b->options));
      status->state = status->next_attempt != NULL ? EP_SENT_COPY_PENDING : EP_SENT_COPY_FAILED;
      status->maybe_there |= g_error_matches (local_error, EP_IMAP_ERROR, EP_IMAP_ERROR_UPLOAD_UNKNOWN);
      status->last_error = g_strdup (local_error->message);
    }
  else
    {
      status->state = EP_SENT_COPY_FAILED;
      status->last_error = g_strdup (local_error->message);
    }
  /* Only the person can say which of several Sent folders: the Sent window tells them where. */
  status->choose_folder = g_error_matches (local_error, EP_IMAP_ERROR, EP_IMAP_ERROR_SENT_FOLDER_AMBIGUOUS);
  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
}

static void
save_copy_status (Batch                  *b,
                  const char             *sent_id,
                  const EpSentCopyStatus *status)
{
  g_autoptr(EpSentStore) sent = ep_sent_store_new (b->options->sent_dir);
  g_autofree char *entry_dir = g_build_filename (ep_sent_store_get_dir (sent), sent_id, NULL);
  g_autoptr(GError) error = NULL;

  if (!ep_sent_copy_status_save (entry_dir, status, &error))
    g_warning ("Sent %s: %s", sent_id, error->message);
}

/* Right after the delivery: the first upload. */
static void
upload_server_copy (Batch                  *b,
                    EpOutboxDeliveryReport *report)
{
  g_autoptr(EpSentCopyStatus) status = NULL;

  if (!ep_profile_get_sent_copy (b->profile) || b->options->no_sent_copy || report->sent_id == NULL ||
      *ep_profile_get_imap_host (b->profile) == '\0')
    return;
  report->copy_tried = TRUE;
  status = ep_sent_copy_status_new ();
  upload_sent_copy (b, report->sent_id, status, &report->copy_error);
  save_copy_status (b, report->sent_id, status);
  report->copy_uploaded = status->state == EP_SENT_COPY_DONE;
  report->copy_mailbox = g_strdup (status->mailbox);
  if (status->next_attempt != NULL)
    report->copy_next_attempt = g_date_time_ref (status->next_attempt);
}

/* One entry of the batch: claimed just now (so that two senders take turns fairly), sent,
 * its outcome recorded. NULL (with @error) when it was not tried. */
static EpOutboxDeliveryReport *
batch_deliver_one (Batch       *b,
                   const char  *id,
                   GError     **error)
{
  EpOutboxStore *store = b->store;
  const EpOutboxDeliveryOptions *options = b->options;
  g_autoptr(EpOutboxClaim) claim = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GInputStream) raw = NULL;
  g_autoptr(EpSmtpTranscript) transcript = NULL;
  g_autoptr(EpOutboxEntry) entry = NULL;
  g_autoptr(EpOutboxAttempt) attempt = NULL;
  g_autoptr(GError) smtp_error = NULL;
  g_autoptr(GError) finish_error = NULL;
  g_autofree char *transcript_text = NULL;
  g_autofree char *reply = NULL;
  g_auto(GStrv) rcpts = NULL;
  g_auto(NextState) next = { EP_OUTBOX_STATE_FAILED, NULL, NULL };
  EpOutboxDeliveryReport *report;
  EpSmtpSendOptions send_options = { 0 };
  EpSmtpResult *result;
  GDateTime *hold = NULL;
  guint waiting, unknown, delivered;

  if (!batch_can_go_on (b, error))
    return NULL;

  now = options_now (options);
  claim = ep_outbox_store_claim (store, id, now, error);
  if (claim == NULL)
    return NULL;
  entry = ep_outbox_entry_copy (ep_outbox_claim_get_entry (claim));
  rcpts = ep_outbox_entry_dup_undelivered (entry);
  if (rcpts[0] == NULL)
    {
      g_set_error_literal (error, EP_STORE_ERROR, EP_STORE_ERROR_WRONG_STATE,
                           _("Every recipient already has this message"));
      give_back (claim, id);
      return NULL;
    }
  raw = ep_outbox_claim_open_message (claim, b->cancellable, error);
  if (raw == NULL)
    {
      give_back (claim, id);
      return NULL;
    }

  transcript = ep_smtp_transcript_new ();
  send_options.envelope_from = entry->sender;
  send_options.envelope_rcpts = (const char * const *) rcpts;
  send_options.transcript = transcript;
  send_options.progress = options->progress;
  send_options.progress_data = options->progress_data;
  /* Durably "the server may have it" before the end of the data: a crash after that point
   * leaves the entry unknown, never sent twice. */
  send_options.before_data_end = mark_data_sent_cb;
  send_options.before_data_end_data = claim;
  /* Once its time has come there is nothing to hold: it goes as any message. */
  if (entry->hold_until != NULL && g_date_time_compare (entry->hold_until, now) > 0)
    hold = send_options.hold_until = entry->hold_until;
  /* What was asked for when the message was queued holds for every attempt. */
  send_options.dsn_notify = entry->request.dsn_notify;
  send_options.dsn_ret = entry->request.dsn_ret;
  send_options.dsn_envid = entry->dsn_envid;
  send_options.require_tls = entry->request.require_tls;
  send_options.raw_needs_8bitmime = entry->needs_8bitmime;

  result = batch_send (b, raw, &send_options, &smtp_error);
  g_clear_object (&raw);
  if (result == NULL)
    {
      /* The server went away between messages: this one is as it was, no attempt counted. */
      give_back (claim, id);
      b->end_error = g_error_copy (smtp_error);
      g_propagate_error (error, g_steal_pointer (&smtp_error));
      return NULL;
    }

  report = g_new0 (EpOutboxDeliveryReport, 1);
  report->result = result;

  if (g_error_matches (smtp_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autoptr(EpOutboxEntry) recovered = NULL;

      /* No attempt counted: back as it was claimed. Unless the end of the data may have gone
       * out: then the claim's recovery makes it unknown. */
      give_back (claim, id);
      g_clear_pointer (&claim, ep_outbox_claim_free);
      recovered = ep_outbox_store_load (store, id, NULL);
      report->state = recovered != NULL ? recovered->state : entry->state;
      report->error = g_steal_pointer (&smtp_error);
      return report;
    }

  /* The stored bytes were made for a server with 8BITMIME and cannot change: only a new
   * message, made for what the server offers now, can go. The person is told how. */
  if (g_error_matches (smtp_error, EP_SMTP_ERROR, EP_SMTP_ERROR_8BITMIME_UNSUPPORTED))
    {
      g_clear_error (&smtp_error);
      g_set_error_literal (&smtp_error, EP_SMTP_ERROR, EP_SMTP_ERROR_8BITMIME_UNSUPPORTED,
                           _("This server no longer accepts 8-bit messages (8BITMIME): edit the message "
                             "and send it again to attach the message file as a file"));
    }

  record_recipients (claim, report->result);
  count_recipients (entry, report->result, &waiting, &unknown, &delivered);
  if (hold_was_refused (report->result, smtp_error, hold))
    {
      g_autofree char *at = format_send_time (hold, now);

      /* Not sent early: it waits in the outbox for its time, as any scheduled message. */
      ep_outbox_claim_drop_hold (claim);
      next.state = delivered > 0 ? EP_OUTBOX_STATE_PARTIAL : EP_OUTBOX_STATE_QUEUED;
      next.next = g_date_time_ref (hold);
      /* Translators: %s is a time ("15:00") or a day and a time */
      next.last_error = g_strdup_printf (_("The server no longer holds messages; Epistle will "
                                           "send it at %s itself"), at);
    }
  else switch (report->result->outcome)
    {
    case EP_SMTP_OUTCOME_DELIVERED:
      if (waiting > 0)
        retry_or_give_up (&next, EP_OUTBOX_STATE_PARTIAL, entry, b->policy, options, now,
                          _("Some recipients could not be reached yet"));
      else
        next.state = EP_OUTBOX_STATE_DELIVERED;
      break;
    case EP_SMTP_OUTCOME_PARTIAL:
      if (unknown > 0)
        {
          next.state = EP_OUTBOX_STATE_UNKNOWN;
          next.last_error = g_strdup (smtp_error->message);
        }
      else if (waiting > 0 && ep_smtp_error_is_temporary (smtp_error))
        retry_or_give_up (&next, EP_OUTBOX_STATE_PARTIAL, entry, b->policy, options, now, smtp_error->message);
      else if (waiting > 0)
        {
          next.state = EP_OUTBOX_STATE_FAILED;
          next.last_error = g_strdup (smtp_error->message);
        }
      else
        next.state = EP_OUTBOX_STATE_DELIVERED;
      break;
    case EP_SMTP_OUTCOME_TEMPORARY:
      retry_or_give_up (&next, delivered > 0 ? EP_OUTBOX_STATE_PARTIAL : EP_OUTBOX_STATE_QUEUED,
                        entry, b->policy, options, now, smtp_error->message);
      break;
    case EP_SMTP_OUTCOME_UNKNOWN:
      next.state = EP_OUTBOX_STATE_UNKNOWN;
      next.last_error = g_strdup (smtp_error->message);
      break;
    case EP_SMTP_OUTCOME_REFUSED:
    default:
      /* A 5xx, or what only the person can mend: the credentials, the certificate, the
       * security settings. */
      next.state = EP_OUTBOX_STATE_FAILED;
      next.last_error = g_strdup (smtp_error != NULL ? smtp_error->message : NULL);
      break;
    }
  /* Nobody waits for a partial entry whose recipients all have it or refused it. */
  if (next.state == EP_OUTBOX_STATE_PARTIAL && waiting == 0)
    next.state = EP_OUTBOX_STATE_DELIVERED;

  reply = attempt_reply (report->result, smtp_error);
  attempt = ep_outbox_attempt_new (now, report->result->outcome, reply);
  transcript_text = ep_smtp_transcript_to_string (report->result->transcript);
  if (!ep_outbox_claim_finish (claim, next.state, next.next, attempt, transcript_text, next.last_error,
                               &finish_error))
    {
      g_autoptr(EpOutboxEntry) recovered = NULL;

      /* Left to recovery: unknown once the end of the data went out, else as it was. */
      g_clear_pointer (&claim, ep_outbox_claim_free);
      recovered = ep_outbox_store_load (store, id, NULL);
      report->state = recovered != NULL ? recovered->state : EP_OUTBOX_STATE_UNKNOWN;
      report->error = g_steal_pointer (&finish_error);
      return report;
    }
  g_clear_pointer (&entry, ep_outbox_entry_free);
  entry = ep_outbox_entry_copy (ep_outbox_claim_get_entry (claim));

  report->state = next.state;
  report->error = g_steal_pointer (&smtp_error);
  report->next_attempt = g_steal_pointer (&next.next);

  if (next.state == EP_OUTBOX_STATE_DELIVERED)
    {
      report->sent_id = keep_sent_copy (store, entry, b->profile, report->result, now, options->sent_dir,
                                        transcript_text, NULL, &report->sent_error);
      /* Without a copy in Sent the entry stays, delivered, so that the message is not lost.
       * With one it goes while the claim still holds it: a sender merely looking at it now
       * cannot keep it from going. */
      if (report->sent_id != NULL)
        {
          g_autoptr(GError) delete_error = NULL;

          if (!ep_outbox_claim_delete (claim, &delete_error))
            g_warning ("Outbox %s: %s", id, delete_error->message);
        }
      upload_server_copy (b, report);
    }

  return report;
}

EpOutboxDeliveryReport *
ep_outbox_deliver_sync (EpOutboxStore                 *store,
                        const char                    *id,
                        EpProfile                     *profile,
                        const EpOutboxDeliveryOptions *options,
                        GCancellable                  *cancellable,
                        GError                       **error)
{
  Batch b;
  EpOutboxDeliveryReport *report;

  g_return_val_if_fail (EP_IS_OUTBOX_STORE (store), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (EP_IS_PROFILE (profile), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!batch_init (&b, store, profile, options, cancellable, error))
    {
      batch_clear (&b);
      return NULL;
    }
  report = batch_deliver_one (&b, id, error);
  batch_clear (&b);
  return report;
}

void
ep_outbox_deliver_batch_sync (EpOutboxStore                 *store,
                              const char * const            *ids,
                              EpProfile                     *profile,
                              const EpOutboxDeliveryOptions *options,
                              EpOutboxDeliveredFunc          func,
                              gpointer                       user_data,
                              GCancellable                  *cancellable)
{
  Batch b;
  g_autoptr(GError) init_error = NULL;
  gboolean ready;

  g_return_if_fail (EP_IS_OUTBOX_STORE (store));
  g_return_if_fail (ids != NULL);
  g_return_if_fail (EP_IS_PROFILE (profile));
  g_return_if_fail (func != NULL);

  ready = batch_init (&b, store, profile, options, cancellable, &init_error);
  for (guint i = 0; ids[i] != NULL; i++)
    {
      EpOutboxDeliveryReport *report = NULL;
      g_autoptr(GError) local_error = NULL;

      if (ready)
        report = batch_deliver_one (&b, ids[i], &local_error);
      else
        local_error = g_error_copy (init_error);
      func (ids[i], g_steal_pointer (&report), local_error, user_data);
    }
  batch_clear (&b);
}

/* ---- The copy in the Sent folder, tried again ------------------------------------------------ */

/* The Sent entries that have a status file, by id: only their folders are looked into, so that
 * a Sent store of thousands of messages costs a directory listing. */
static GPtrArray *
list_copy_statuses (EpSentStore *sent,
                    GPtrArray  **out_ids)
{
  g_autoptr(GDir) dir = g_dir_open (ep_sent_store_get_dir (sent), 0, NULL);
  GPtrArray *statuses = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_sent_copy_status_free);
  const char *name;

  *out_ids = g_ptr_array_new_with_free_func (g_free);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *entry_dir = NULL;
      EpSentCopyStatus *status;

      if (name[0] == '.' || !ep_store_id_is_valid (name))
        continue;
      entry_dir = g_build_filename (ep_sent_store_get_dir (sent), name, NULL);
      status = ep_sent_copy_status_load (entry_dir, NULL);
      if (status == NULL)
        continue;
      g_ptr_array_add (statuses, status);
      g_ptr_array_add (*out_ids, g_strdup (name));
    }
  return statuses;
}

GPtrArray *
ep_outbox_list_sent_copies_due (const char *sent_dir,
                                GDateTime  *now)
{
  g_autoptr(EpSentStore) sent = ep_sent_store_new (sent_dir);
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GPtrArray) statuses = list_copy_statuses (sent, &ids);
  g_autoptr(GHashTable) due_ids = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) infos = NULL;
  GPtrArray *due = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_sent_info_free);

  for (guint i = 0; i < statuses->len; i++)
    if (ep_sent_copy_status_is_due (statuses->pdata[i], now))
      g_hash_table_add (due_ids, ids->pdata[i]);
  if (g_hash_table_size (due_ids) == 0)
    return due;
  infos = ep_sent_store_list (sent, NULL, NULL);
  for (guint i = 0; infos != NULL && i < infos->len; i++)
    {
      EpSentInfo *info = infos->pdata[i];

      if (g_hash_table_contains (due_ids, info->id))
        g_ptr_array_add (due, ep_sent_info_copy (info));
    }
  return due;
}

GDateTime *
ep_outbox_next_sent_copy_time (const char *sent_dir)
{
  g_autoptr(EpSentStore) sent = ep_sent_store_new (sent_dir);
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GPtrArray) statuses = list_copy_statuses (sent, &ids);
  GDateTime *next = NULL;

  for (guint i = 0; i < statuses->len; i++)
    {
      EpSentCopyStatus *status = statuses->pdata[i];

      if (status->state != EP_SENT_COPY_PENDING || status->next_attempt == NULL)
        continue;
      if (next == NULL || g_date_time_compare (status->next_attempt, next) < 0)
        {
          g_clear_pointer (&next, g_date_time_unref);
          next = g_date_time_ref (status->next_attempt);
        }
    }
  return next;
}

guint
ep_outbox_requeue_sent_copies (const char *sent_dir,
                               const char *profile_id,
                               GDateTime  *now)
{
  g_autoptr(EpSentStore) sent = ep_sent_store_new (sent_dir);
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GPtrArray) statuses = list_copy_statuses (sent, &ids);
  g_autoptr(GPtrArray) infos = NULL;
  g_autoptr(GDateTime) when = now != NULL ? g_date_time_ref (now) : g_date_time_new_now_utc ();
  guint count = 0;

  g_return_val_if_fail (profile_id != NULL, 0);

  /* The Sent store's list (every entry's summary) only when some copy waits for a choice. */
  for (guint i = 0; i < statuses->len && infos == NULL; i++)
    if (((EpSentCopyStatus *) statuses->pdata[i])->choose_folder)
      infos = ep_sent_store_list (sent, NULL, NULL);
  for (guint i = 0; i < statuses->len; i++)
    {
      EpSentCopyStatus *status = statuses->pdata[i];
      g_autofree char *entry_dir = NULL;
      g_autoptr(GError) error = NULL;
      gboolean ours = FALSE;

      if (status->state != EP_SENT_COPY_FAILED || !status->choose_folder)
        continue;
      for (guint k = 0; infos != NULL && k < infos->len && !ours; k++)
        {
          EpSentInfo *info = infos->pdata[k];

          ours = g_str_equal (info->id, ids->pdata[i]) && g_strcmp0 (info->profile_id, profile_id) == 0;
        }
      if (!ours)
        continue;
      status->state = EP_SENT_COPY_PENDING;
      status->choose_folder = FALSE;
      g_clear_pointer (&status->next_attempt, g_date_time_unref);
      status->next_attempt = g_date_time_ref (when);
      entry_dir = g_build_filename (ep_sent_store_get_dir (sent), ids->pdata[i], NULL);
      if (ep_sent_copy_status_save (entry_dir, status, &error))
        count++;
      else
        g_debug ("Sent %s: %s", (const char *) ids->pdata[i], error->message);
    }
  return count;
}

EpSentCopyStatus *
ep_outbox_retry_sent_copy_sync (const char                    *sent_id,
                                EpProfile                     *profile,
                                const EpOutboxDeliveryOptions *options,
                                GCancellable                  *cancellable,
                                GError                       **error)
{
  Batch b;
  g_autoptr(EpSentStore) sent = NULL;
  g_autoptr(EpSentCopyStatus) status = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *entry_dir = NULL;
  g_autoptr(GError) upload_error = NULL;
  int lock_fd;

  g_return_val_if_fail (sent_id != NULL, NULL);
  g_return_val_if_fail (EP_IS_PROFILE (profile), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  sent = ep_sent_store_new (options != NULL ? options->sent_dir : NULL);
  entry_dir = g_build_filename (ep_sent_store_get_dir (sent), sent_id, NULL);
  if (!g_file_test (entry_dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND,
                   _("No copy in the Sent folder on the server is waiting for “%s”"), sent_id);
      return NULL;
    }
  /* Whoever holds the lock is uploading it; the status is read under the lock, so a copy
   * another uploader finished a moment ago is not due any more. */
  lock_fd = ep_sent_copy_lock (entry_dir, error);
  if (lock_fd < 0)
    return NULL;
  status = ep_sent_copy_status_load (entry_dir, error);
  if (status == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND,
                     _("No copy in the Sent folder on the server is waiting for “%s”"), sent_id);
      ep_sent_copy_unlock (lock_fd);
      return NULL;
    }
  /* The configuration first: without the secret nothing is tried, nothing counted. */
  if (!batch_init (&b, NULL, profile, options, cancellable, error))
    {
      batch_clear (&b);
      ep_sent_copy_unlock (lock_fd);
      return NULL;
    }
  now = options_now (b.options);
  if (!ep_sent_copy_status_is_due (status, now))
    {
      g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND,
                   _("No copy in the Sent folder on the server is due for “%s”"), sent_id);
      batch_clear (&b);
      ep_sent_copy_unlock (lock_fd);
      return NULL;
    }
  upload_sent_copy (&b, sent_id, status, &upload_error);
  if (g_error_matches (upload_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* Cancelled: it counts for nothing, the file stays as it was. */
      batch_clear (&b);
      ep_sent_copy_unlock (lock_fd);
      g_propagate_error (error, g_steal_pointer (&upload_error));
      return NULL;
    }
  save_copy_status (&b, sent_id, status);
  batch_clear (&b);
  ep_sent_copy_unlock (lock_fd);
  return g_steal_pointer (&status);
}
