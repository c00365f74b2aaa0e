/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-send-outbox.c: epistle-send's outbox modes. --queue and --at store the composed message
 * with its profile (the bytes fixed now); --flush makes one attempt at each due entry through
 * ep_outbox_deliver_batch_sync(), one connection per profile, whose claims keep two flushes
 * from sending one message twice;
 * --outbox lists the entries in a stable, tab-separated form for scripts. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ep-outbox-delivery.h"
#include "ep-secrets.h"
#include "ep-send-deliver.h"
#include "ep-send-exit.h"
#include "ep-send-goa.h"
#include "ep-send-outbox.h"
#include "ep-send-table.h"
#include "ep-sent-store.h"
#include "ep-store-error.h"

static void
print_line (const char *message)
{
  g_printerr ("epistle-send: %s\n", message);
}

/* ---- --at ------------------------------------------------------------------------------------ */

/* "HH:MM": the next such local time after @now. */
static GDateTime *
next_clock_time (const char *text,
                 GDateTime  *now)
{
  g_autoptr(GDateTime) local_now = g_date_time_to_local (now);
  g_autoptr(GDateTime) today = NULL;
  guint64 hour, minute;
  g_auto(GStrv) parts = g_strsplit (text, ":", -1);

  if (g_strv_length (parts) != 2 || strlen (parts[0]) < 1 || strlen (parts[0]) > 2 || strlen (parts[1]) != 2
      || !g_ascii_string_to_unsigned (parts[0], 10, 0, 23, &hour, NULL)
      || !g_ascii_string_to_unsigned (parts[1], 10, 0, 59, &minute, NULL))
    return NULL;

  today = g_date_time_new_local (g_date_time_get_year (local_now), g_date_time_get_month (local_now),
                                 g_date_time_get_day_of_month (local_now), (int) hour, (int) minute, 0);
  if (today == NULL)
    return NULL;
  if (g_date_time_compare (today, local_now) > 0)
    return g_date_time_to_utc (today);
  {
    g_autoptr(GDateTime) tomorrow = g_date_time_add_days (today, 1);

    return g_date_time_to_utc (tomorrow);
  }
}

GDateTime *
ep_send_parse_at (const char  *text,
                  GDateTime   *now,
                  GError     **error)
{
  g_autoptr(GDateTime) real_now = NULL;
  g_autoptr(GDateTime) when = NULL;

  g_return_val_if_fail (text != NULL, NULL);

  if (now == NULL)
    now = real_now = g_date_time_new_now_utc ();

  when = next_clock_time (text, now);
  if (when == NULL && strchr (text, ':') != NULL && strchr (text, 'T') == NULL && strchr (text, 't') == NULL
      && strlen (text) <= 5)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--at “%s”: not a time of day (HH:MM)"), text);
      return NULL;
    }
  if (when == NULL)
    {
      g_autoptr(GTimeZone) local = g_time_zone_new_local ();
      g_autoptr(GDateTime) parsed = g_date_time_new_from_iso8601 (text, local);

      /* GLib wants the seconds; people leave them out (2026-12-24T18:00). */
      if (parsed == NULL)
        {
          const char *t = strpbrk (text, "Tt ");

          if (t != NULL && strlen (t) >= 6 && g_ascii_isdigit (t[1]) && g_ascii_isdigit (t[2]) && t[3] == ':'
              && g_ascii_isdigit (t[4]) && g_ascii_isdigit (t[5]) && (t[6] == '\0' || strchr ("Zz+-", t[6]) != NULL))
            {
              g_autofree char *with_seconds = g_strdup_printf ("%.*sT%.5s:00%s", (int) (t - text), text, t + 1, t + 6);

              parsed = g_date_time_new_from_iso8601 (with_seconds, local);
            }
        }

      if (parsed == NULL)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--at “%s”: expected an ISO 8601 date and time (2026-12-24T18:00, local or "
                         "with an offset such as +01:00) or HH:MM"), text);
          return NULL;
        }
      when = g_date_time_to_utc (parsed);
      if (g_date_time_compare (when, now) <= 0)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--at “%s”: that time has passed"), text);
          return NULL;
        }
    }
  return g_steal_pointer (&when);
}

/* ---- --queue --------------------------------------------------------------------------------- */

int
ep_send_queue (EpSendOptions *opts,
               EpMessage     *message)
{
  g_autoptr(EpProfileStore) profiles = ep_profile_store_new (NULL);
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (NULL);
  g_autoptr(GDateTime) at = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  EpProfile *profile = NULL;
  int status;

  g_return_val_if_fail (opts != NULL && EP_IS_MESSAGE (message), EP_EXIT_SOFTWARE);

  status = ep_send_find_profile (opts, profiles, &profile, &error);
  if (status != EP_EXIT_OK)
    return status;
  if (opts->at != NULL)
    {
      at = ep_send_parse_at (opts->at, NULL, &error);
      if (at == NULL)
        {
          print_line (error->message);
          return EP_EXIT_USAGE;
        }
    }

  /* Held by the server: due now, the server keeps it until then. The delivery options go
   * with the entry, for every attempt. An attached message keeps its 8-bit text only for a
   * server last seen offering 8BITMIME (the Test Connection or a --flush before). */
  id = ep_outbox_add_message_with_request_sync (store, message, ep_profile_get_id (profile),
                                                EP_OUTBOX_STATE_QUEUED,
                                                opts->server_hold ? NULL : at,
                                                opts->server_hold ? at : NULL,
                                                &opts->request, ep_outbox_profile_allows_8bit (profile),
                                                NULL, NULL, &error);
  if (id == NULL)
    {
      print_line (error->message);
      if (error->domain == EP_STORE_ERROR)
        return EP_EXIT_IOERR;
      return ep_send_exit_status_for (error);
    }
  g_print ("%s\n", id);
  return EP_EXIT_OK;
}

/* ---- --flush --------------------------------------------------------------------------------- */

static char *
format_time (GDateTime *time)
{
  g_autoptr(GDateTime) utc = NULL;

  if (time == NULL)
    return g_strdup ("-");
  utc = g_date_time_to_utc (time);
  return g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");
}

/* Another sender has it, or had it and is done: not this flush's business. */
static gboolean
taken_elsewhere (const GError *error)
{
  return g_error_matches (error, EP_STORE_ERROR, EP_STORE_ERROR_BUSY)
         || g_error_matches (error, EP_STORE_ERROR, EP_STORE_ERROR_WRONG_STATE)
         || g_error_matches (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND);
}

typedef struct {
  gboolean waiting;   /* something is still to be sent */
  gboolean failed;    /* something needs the person: failed, or delivery unknown */
} FlushTally;

typedef struct {
  EpOutboxStore *store;
  FlushTally    *tally;
  EpProfile     *profile;
  GHashTable    *learned;   /* profile id → EpSmtpCapabilities: what each server offered */
} FlushBatch;

/* The outcome of one attempt, on stderr. */
static void
flush_report_cb (const char             *id,
                 EpOutboxDeliveryReport *report_in,
                 const GError           *error,
                 gpointer                user_data)
{
  g_autoptr(EpOutboxDeliveryReport) report = report_in;
  FlushBatch *batch = user_data;
  EpOutboxStore *store = batch->store;
  FlushTally *tally = batch->tally;
  g_autofree char *line = NULL;

  if (report != NULL && report->result != NULL && report->result->capabilities != NULL)
    g_hash_table_replace (batch->learned, g_strdup (ep_profile_get_id (batch->profile)),
                          ep_smtp_capabilities_copy (report->result->capabilities));

  if (report == NULL)
    {
      if (taken_elsewhere (error))
        return;
      /* Translators: %s is an outbox entry's id, then why it was not sent */
      line = g_strdup_printf (_("%s: not sent: %s"), id, error->message);
      tally->waiting = TRUE;
    }
  else switch (report->state)
    {
    case EP_OUTBOX_STATE_DELIVERED:
      if (report->sent_error != NULL)
        line = g_strdup_printf (_("%s: delivered (no copy kept in Sent: %s)"), id,
                                report->sent_error->message);
      else if (report->copy_error != NULL)
        /* Translators: %s is an outbox entry's id, then the IMAP server's words. The message
         * was delivered: only the copy on the server is missing. */
        line = g_strdup_printf (_("%s: delivered, but not copied to the Sent folder on the server: %s"),
                                id, report->copy_error->message);
      else
        line = g_strdup_printf (_("%s: delivered"), id);
      break;
    case EP_OUTBOX_STATE_QUEUED:
    case EP_OUTBOX_STATE_PARTIAL:
      {
        g_autofree char *next = format_time (report->next_attempt);
        g_autoptr(EpOutboxEntry) now = ep_outbox_store_load (store, id, NULL);

        tally->waiting = TRUE;
        /* Translators: an outbox entry's id, the state ("queued", "partial"), the next time,
         * then why it was not sent now */
        line = g_strdup_printf (_("%s: %s, next attempt at %s: %s"), id,
                                ep_outbox_state_to_string (report->state), next,
                                now != NULL && now->last_error != NULL ? now->last_error
                                : report->error != NULL ? report->error->message
                                : _("some recipients could not be reached yet"));
        break;
      }
    case EP_OUTBOX_STATE_UNKNOWN:
      tally->failed = TRUE;
      line = g_strdup_printf (_("%s: delivery unknown: %s"), id,
                              report->error != NULL ? report->error->message : "");
      break;
    case EP_OUTBOX_STATE_FAILED:
    case EP_OUTBOX_STATE_HELD:
    case EP_OUTBOX_STATE_SENDING:
    default:
      {
        g_autoptr(EpOutboxEntry) now = ep_outbox_store_load (store, id, NULL);

        tally->failed = TRUE;
        line = g_strdup_printf (_("%s: failed: %s"), id,
                                now != NULL && now->last_error != NULL ? now->last_error
                                : report->error != NULL ? report->error->message : "");
        break;
      }
    }
  print_line (line);
}

/* What the servers offered, kept on their profiles for the app's Send Later (FUTURERELEASE), as
 * the app keeps it. profiles.ini is read again just before: a flush can take minutes, and the
 * app may have saved an edit meanwhile. */
static void
save_learned (GHashTable *learned)
{
  g_autoptr(EpProfileStore) profiles = ep_profile_store_new (NULL);
  g_autoptr(GError) error = NULL;
  GHashTableIter iter;
  gpointer id, caps;

  if (g_hash_table_size (learned) == 0)
    return;
  /* A file with a bad group still loads the others, and keeps the bad one as it is. */
  if (!ep_profile_store_load (profiles, &error) &&
      !g_error_matches (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID))
    return;
  g_clear_error (&error);
  g_hash_table_iter_init (&iter, learned);
  while (g_hash_table_iter_next (&iter, &id, &caps))
    {
      EpProfile *profile = ep_profile_store_lookup_by_id (profiles, id);

      if (profile != NULL)
        ep_profile_learn_capabilities (profile, caps, NULL);
    }
  if (!ep_profile_store_save (profiles, &error))
    {
      g_autofree char *line = g_strdup_printf (_("the profiles cannot be saved: %s"), error->message);

      print_line (line);
    }
}

/* The copies in the Sent folder on the server that failed before and are due again: from the
 * Sent store's bytes, the message never delivered again. They leave the exit status alone: it
 * is the deliveries'. */
static void
flush_sent_copies (EpSendOptions  *opts,
                   EpProfileStore *profiles,
                   EpProfile      *only,
                   const char     *secret,
                   GDateTime      *now)
{
  g_autoptr(GPtrArray) due = NULL;

  if (opts->no_sent_copy)
    return;
  due = ep_outbox_list_sent_copies_due (NULL, now);
  for (guint i = 0; i < due->len; i++)
    {
      const EpSentInfo *info = due->pdata[i];
      EpProfile *profile = NULL;
      EpOutboxDeliveryOptions options = { .secret = only != NULL ? secret : NULL };
      g_autofree char *client_id = NULL;
      g_autofree char *client_secret = NULL;
      g_autoptr(EpSentCopyStatus) status = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *line = NULL;

      if (only != NULL && g_strcmp0 (info->profile_id, ep_profile_get_id (only)) == 0)
        profile = only;
      else if (only == NULL && info->profile_id != NULL)
        profile = ep_profile_store_lookup_by_id (profiles, info->profile_id);
      if (profile == NULL || !ep_profile_get_sent_copy (profile))
        continue;
      ep_send_oauth_client (profile, &client_id, &client_secret);
      options.oauth_client_id = client_id;
      options.oauth_client_secret = client_secret;
      status = ep_outbox_retry_sent_copy_sync (info->id, profile, &options, NULL, &error);
      if (status == NULL)
        /* Translators: %s is a Sent entry's id, then why its copy was not made */
        line = g_strdup_printf (_("%s: not copied to the Sent folder on the server: %s"), info->id,
                                error->message);
      else if (status->state == EP_SENT_COPY_DONE)
        line = g_strdup_printf (_("%s: copied to the Sent folder on the server"), info->id);
      else if (status->state == EP_SENT_COPY_PENDING)
        {
          g_autofree char *next = format_time (status->next_attempt);

          /* Translators: a Sent entry's id, a time, then the IMAP server's words */
          line = g_strdup_printf (_("%s: not copied to the Sent folder on the server yet, next attempt at %s: %s"),
                                  info->id, next, status->last_error != NULL ? status->last_error : "");
        }
      else
        line = g_strdup_printf (_("%s: not copied to the Sent folder on the server: %s"), info->id,
                                status->last_error != NULL ? status->last_error : "");
      print_line (line);
    }
}

int
ep_send_flush (EpSendOptions *opts)
{
  g_autoptr(EpProfileStore) profiles = ep_profile_store_new (NULL);
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (NULL);
  g_autoptr(GPtrArray) due = NULL;
  g_autoptr(GPtrArray) remaining = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GHashTable) batches = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
  g_autoptr(GPtrArray) profile_order = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  EpProfile *only = NULL;
  char *secret = NULL;
  FlushTally tally = { FALSE, FALSE };
  g_autoptr(GHashTable) learned = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                        (GDestroyNotify) ep_smtp_capabilities_free);
  int status;

  g_return_val_if_fail (opts != NULL, EP_EXIT_SOFTWARE);

  if (opts->profile != NULL)
    {
      status = ep_send_find_profile (opts, profiles, &only, &error);
      if (status == EP_EXIT_OK)
        status = ep_send_password_file_secret (opts, only, &secret, &error);
      if (status != EP_EXIT_OK)
        return status;
    }
  else if (!ep_profile_store_load (profiles, &error))
    {
      g_autofree char *line = g_strdup_printf (_("the profiles cannot be read: %s"), error->message);

      print_line (line);
      return EP_EXIT_CONFIG;
    }
  else
    ep_send_list_goa (profiles);

  due = ep_outbox_store_list_due (store, now, &problems, &error);
  if (due == NULL)
    {
      print_line (error->message);
      g_clear_pointer (&secret, ep_secrets_password_free);
      return EP_EXIT_IOERR;
    }
  for (guint i = 0; problems != NULL && i < problems->len; i++)
    print_line (((GError *) problems->pdata[i])->message);

  /* The due entries by profile, in the order they come: one connection per profile, one at a
   * time. */
  for (guint i = 0; i < due->len; i++)
    {
      const EpOutboxEntry *entry = due->pdata[i];
      EpProfile *profile;
      GPtrArray *ids;

      if (only != NULL && g_strcmp0 (entry->profile_id, ep_profile_get_id (only)) != 0)
        continue;
      profile = only != NULL ? only
                             : entry->profile_id != NULL ? ep_profile_store_lookup_by_id (profiles, entry->profile_id)
                                                         : NULL;
      if (profile == NULL)
        {
          g_autofree char *line = g_strdup_printf (_("%s: not sent: its profile “%s” does not exist"),
                                                   entry->id, entry->profile_id != NULL ? entry->profile_id : "");

          print_line (line);
          tally.waiting = TRUE;
          continue;
        }
      ids = g_hash_table_lookup (batches, profile);
      if (ids == NULL)
        {
          ids = g_ptr_array_new ();
          g_hash_table_insert (batches, profile, ids);
          g_ptr_array_add (profile_order, profile);
        }
      g_ptr_array_add (ids, entry->id);
    }
  for (guint i = 0; i < profile_order->len; i++)
    {
      EpProfile *profile = profile_order->pdata[i];
      GPtrArray *ids = g_hash_table_lookup (batches, profile);
      g_autofree char *client_id = NULL;
      g_autofree char *client_secret = NULL;
      EpOutboxDeliveryOptions options = { .secret = only != NULL ? secret : NULL,
                                          .allow_partial = opts->allow_partial,
                                          .no_sent_copy = opts->no_sent_copy };
      FlushBatch batch = { store, &tally, profile, learned };

      ep_send_oauth_client (profile, &client_id, &client_secret);
      options.oauth_client_id = client_id;
      options.oauth_client_secret = client_secret;

      g_ptr_array_add (ids, NULL);
      ep_outbox_deliver_batch_sync (store, (const char * const *) ids->pdata, profile, &options,
                                    flush_report_cb, &batch, NULL);
    }
  flush_sent_copies (opts, profiles, only, secret, now);
  g_clear_pointer (&secret, ep_secrets_password_free);
  save_learned (learned);

  /* Also waiting: what was not due yet, or was being sent by another flush. */
  remaining = ep_outbox_store_list (store, NULL, NULL);
  for (guint i = 0; remaining != NULL && i < remaining->len; i++)
    {
      const EpOutboxEntry *entry = remaining->pdata[i];

      if (only != NULL && g_strcmp0 (entry->profile_id, ep_profile_get_id (only)) != 0)
        continue;
      if (entry->state == EP_OUTBOX_STATE_QUEUED || entry->state == EP_OUTBOX_STATE_PARTIAL
          || entry->state == EP_OUTBOX_STATE_SENDING)
        tally.waiting = TRUE;
    }

  if (tally.failed)
    return EP_EXIT_UNAVAILABLE;
  if (tally.waiting)
    return EP_EXIT_TEMPFAIL;
  return EP_EXIT_OK;
}

/* ---- --outbox -------------------------------------------------------------------------------- */

int
ep_send_list_outbox (EpSendOptions *opts)
{
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (NULL);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (opts != NULL, EP_EXIT_SOFTWARE);

  entries = ep_outbox_store_list (store, &problems, &error);
  if (entries == NULL)
    {
      print_line (error->message);
      return EP_EXIT_IOERR;
    }
  for (guint i = 0; problems != NULL && i < problems->len; i++)
    print_line (((GError *) problems->pdata[i])->message);

  for (guint i = 0; i < entries->len; i++)
    {
      const EpOutboxEntry *entry = entries->pdata[i];
      g_autoptr(GString) line = g_string_new (NULL);
      g_autoptr(GString) envelope = g_string_new (NULL);
      g_autofree char *not_before = format_time (entry->not_before);
      g_autofree char *attempts = g_strdup_printf ("%u", entry->attempts->len);

      g_string_append_printf (envelope, "%s →", *entry->sender != '\0' ? entry->sender : "<>");
      for (guint j = 0; j < entry->recipients->len; j++)
        g_string_append_printf (envelope, "%s %s", j > 0 ? "," : "",
                                ((EpOutboxRecipient *) entry->recipients->pdata[j])->address);

      ep_send_append_field (line, entry->id);
      ep_send_append_field (line, ep_outbox_state_to_string (entry->state));
      ep_send_append_field (line, not_before);
      ep_send_append_field (line, attempts);
      ep_send_append_field (line, envelope->str);
      ep_send_append_field (line, entry->subject);
      ep_send_append_field (line, entry->last_error);
      g_print ("%s\n", line->str);
    }
  return EP_EXIT_OK;
}
