/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-outbox-store.c: one folder per waiting message: message.eml, meta.ini, lock, transcripts.
 *
 * Never sending a message twice rests on three things:
 *
 * - Every change to an entry is made while holding flock(2) on its lock file, taken without
 *   waiting: a sender holds it for the whole attempt (a claim), anyone else for one change.
 *   The lock belongs to an open file, so it ends with the process that held it, however that
 *   process ends; and two opens conflict even within one process.
 * - The state is read again after the lock is taken: a claim that comes second sees what the
 *   first one wrote (sending, delivered, queued for later) and refuses.
 * - A claimer records, durably and before the end of the data goes out, that it is about to
 *   go ("data-sent"). An entry found in "sending" whose lock is free was abandoned: with that
 *   mark the server may have the message, and it becomes "unknown", never queued again; without
 *   it, it goes back to the state it was claimed in.
 *
 * meta.ini is only ever replaced whole (ep-atomic-file.c), so a crash or a full disk leaves the
 * previous metadata. An entry is built in a hidden folder and renamed into place complete.
 * Damaged entries are moved aside and reported, never dropped, never logged as warnings. */
#include "config.h"

#include <inttypes.h>

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ep-atomic-file.h"
#include "ep-outbox-store.h"
#include "ep-store-error.h"
#include "ep-store-util.h"
#include "ep-text.h"

#define MESSAGE_FILE      "message.eml"
#define META_FILE         "meta.ini"
#define LOCK_FILE         "lock"
#define TMP_PREFIX        ".tmp-"
#define DELETED_PREFIX    ".deleted-"
/* Bumped when an older Epistle could no longer read or update an entry correctly. An entry the
 * server is to hold is written as format 2: an older Epistle would send it at once, without
 * asking the server to hold it, that is early. One with delivery options (notifications,
 * REQUIRETLS) is format 3: an older Epistle would send it without them, and without REQUIRETLS
 * is less safe than the person chose. One whose bytes need 8BITMIME is format 4: an older
 * Epistle would send its 8-bit octets to a server without 8BITMIME too. Every other entry stays
 * format 1. */
#define META_FORMAT         4
#define META_FORMAT_REQUEST 3
#define META_FORMAT_HOLD    2
#define META_FORMAT_PLAIN   1

#define OUTBOX_GROUP      "Outbox"
#define RECIPIENT_GROUP   "Recipient"   /* "Recipient 1", "Recipient 2", ... */
#define ATTEMPT_GROUP     "Attempt"     /* "Attempt 1", ... */

#define KEY_FORMAT        "format"
#define KEY_CREATED       "created"
#define KEY_PROFILE       "profile"
#define KEY_SENDER        "sender"
#define KEY_STATE         "state"
#define KEY_NOT_BEFORE    "not-before"
#define KEY_SIZE          "size"
#define KEY_LAST_ERROR    "last-error"
#define KEY_CLAIMED       "claimed"
#define KEY_CLAIMED_FROM  "claimed-from"
#define KEY_DATA_SENT     "data-sent"
#define KEY_SUBJECT       "subject"
#define KEY_FROM          "from"
#define KEY_FINAL_NEWLINE "body-final-newline"
#define KEY_NEEDS_8BITMIME "needs-8bitmime"
#define KEY_HOLD_UNTIL    "hold-until"
#define KEY_DSN_NOTIFY    "dsn-notify"
#define KEY_DSN_RET       "dsn-ret"
#define KEY_DSN_ENVID     "dsn-envid"
#define KEY_REQUIRE_TLS   "require-tls"
#define KEY_ADDRESS       "address"
#define KEY_TIME          "time"
#define KEY_OUTCOME       "outcome"
#define KEY_REPLY         "reply"
#define KEY_TRANSCRIPT    "transcript"

/* A hidden folder left by a writer that crashed: nobody writes one for a day. */
#define STALE_TMP_AGE_SECONDS (24 * 60 * 60)

struct _EpOutboxStore
{
  GObject parent_instance;

  char *dir;
};

G_DEFINE_FINAL_TYPE (EpOutboxStore, ep_outbox_store, G_TYPE_OBJECT)

struct _EpOutboxWriter
{
  EpOutboxStore *store;
  char          *tmp_dir;
  EpAtomicFile  *message;
  gboolean       done;
};

/* The entry while its lock is held: a sender's claim, or one change made by someone else. */
struct _EpOutboxClaim
{
  EpOutboxStore *store;
  char          *id;
  char          *path;
  int            lock_fd;
  char          *meta;           /* meta.ini as on disk, so unknown keys and groups survive */
  EpOutboxEntry *entry;          /* what meta.ini says, always */
  GDateTime     *claimed;        /* with SENDING: when the claim was taken */
  EpOutboxState  claimed_from;   /* with SENDING: the state it was taken in */
  GHashTable    *recipient_updates;  /* address → EpSmtpRecipientState, written by finish */
  gboolean       drop_hold;      /* finish forgets hold-until */
  gboolean       finished;
};

/* ---- Small helpers --------------------------------------------------------------------------- */

static gboolean
check_id (const char  *id,
          GError     **error)
{
  if (ep_store_id_is_valid (id))
    return TRUE;
  g_set_error_literal (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID,
                       _("Not a valid outbox message id"));
  return FALSE;
}

/* A macro, so that each message is a literal the compiler checks against its arguments. */
#define set_errno_error(error, errsv, format, path)                                       \
  G_STMT_START {                                                                          \
    int errsv_ = (errsv);                                                                 \
    g_autofree char *display_ = g_filename_display_name (path);                          \
                                                                                          \
    g_set_error ((error), EP_STORE_ERROR, ep_store_error_from_errno (errsv_), (format),   \
                 display_, g_strerror (errsv_));                                          \
  } G_STMT_END

static char *
transcript_name (guint attempt)
{
  return g_strdup_printf ("attempt-%u.txt", attempt);
}

static GDateTime *
now_or (GDateTime *now)
{
  return now != NULL ? g_date_time_ref (now) : g_date_time_new_now_utc ();
}

/* Envelope addresses end up in SMTP commands: one line, no control octet. */
static gboolean
address_is_storable (const char *address)
{
  return address != NULL && g_utf8_validate (address, -1, NULL) &&
         !ep_text_has_control (address, -1);
}

/* ---- Reading and writing meta.ini ------------------------------------------------------------ */

static GError *
damaged (const char *entry_path,
         const char *reason)
{
  g_autofree char *display = g_filename_display_name (entry_path);

  return g_error_new (EP_STORE_ERROR, EP_STORE_ERROR_CORRUPT,
                      _("The outbox message “%s” is damaged: %s"), display, reason);
}

/* A string that must be there and be well formed, or NULL with @error set. */
static char *
read_string (GKeyFile    *keyfile,
             const char  *group,
             const char  *key,
             const char  *entry_path,
             GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  char *value = ep_store_keyfile_dup_string (keyfile, group, key, &local_error);

  if (value == NULL)
    {
      g_autofree char *reason = g_strdup_printf ("[%s] %s: %s", group, key, local_error->message);

      *error = damaged (entry_path, reason);
    }
  return value;
}

/* An optional string: absent is fine (NULL, TRUE), malformed is not. */
static gboolean
read_optional_string (GKeyFile    *keyfile,
                      const char  *group,
                      const char  *key,
                      char       **out_value,
                      const char  *entry_path,
                      GError     **error)
{
  if (!g_key_file_has_key (keyfile, group, key, NULL))
    return TRUE;
  *out_value = read_string (keyfile, group, key, entry_path, error);
  return *out_value != NULL;
}

static GDateTime *
read_date (GKeyFile    *keyfile,
           const char  *group,
           const char  *key,
           const char  *entry_path,
           GError     **error)
{
  g_autofree char *text = NULL;
  GDateTime *date;

  text = read_string (keyfile, group, key, entry_path, error);
  if (text == NULL)
    return NULL;
  date = ep_store_parse_date (text);
  if (date == NULL)
    {
      g_autofree char *reason = g_strdup_printf (_("[%s] %s is not a date"), group, key);

      *error = damaged (entry_path, reason);
    }
  return date;
}

/* The numbers N of the groups "@prefix N", which must be exactly 1…n. */
static gboolean
numbered_groups (GKeyFile    *keyfile,
                 const char  *prefix,
                 guint       *out_count,
                 const char  *entry_path,
                 GError     **error)
{
  g_auto(GStrv) groups = g_key_file_get_groups (keyfile, NULL);
  g_autofree char *spaced = g_strconcat (prefix, " ", NULL);
  guint count = 0;
  guint64 highest = 0;

  for (guint i = 0; groups[i] != NULL; i++)
    {
      guint64 number;

      if (!g_str_has_prefix (groups[i], spaced))
        continue;
      if (!g_ascii_string_to_unsigned (groups[i] + strlen (spaced), 10, 1, G_MAXUINT, &number,
                                       NULL))
        {
          g_autofree char *reason =
            g_strdup_printf (_("the group [%s] is not numbered"), groups[i]);

          *error = damaged (entry_path, reason);
          return FALSE;
        }
      count++;
      highest = MAX (highest, number);
    }
  if (highest != count)
    {
      g_autofree char *reason = g_strdup_printf (_("the [%s N] groups are not numbered 1 to %u"),
                                                 prefix, count);

      *error = damaged (entry_path, reason);
      return FALSE;
    }
  *out_count = count;
  return TRUE;
}

static gboolean
read_recipients (GKeyFile       *keyfile,
                 EpOutboxEntry  *entry,
                 const char     *entry_path,
                 GError        **error)
{
  guint count;

  if (!numbered_groups (keyfile, RECIPIENT_GROUP, &count, entry_path, error))
    return FALSE;
  if (count == 0)
    {
      *error = damaged (entry_path, _("it has no recipients"));
      return FALSE;
    }
  for (guint i = 1; i <= count; i++)
    {
      g_autofree char *group = g_strdup_printf (RECIPIENT_GROUP " %u", i);
      g_autofree char *address = NULL;
      g_autofree char *state = NULL;
      EpSmtpRecipientState value;

      address = read_string (keyfile, group, KEY_ADDRESS, entry_path, error);
      if (address == NULL)
        return FALSE;
      if (*address == '\0' || !address_is_storable (address))
        {
          g_autofree char *reason = g_strdup_printf (_("[%s] has no valid address"), group);

          *error = damaged (entry_path, reason);
          return FALSE;
        }
      state = read_string (keyfile, group, KEY_STATE, entry_path, error);
      if (state == NULL)
        return FALSE;
      if (!ep_smtp_recipient_state_from_string (state, &value))
        {
          g_autofree char *reason = g_strdup_printf (_("[%s] has an unknown state"), group);

          *error = damaged (entry_path, reason);
          return FALSE;
        }
      g_ptr_array_add (entry->recipients, ep_outbox_recipient_new (address, value));
    }
  return TRUE;
}

static gboolean
read_attempts (GKeyFile       *keyfile,
               EpOutboxEntry  *entry,
               const char     *entry_path,
               GError        **error)
{
  guint count;

  if (!numbered_groups (keyfile, ATTEMPT_GROUP, &count, entry_path, error))
    return FALSE;
  for (guint i = 1; i <= count; i++)
    {
      g_autofree char *group = g_strdup_printf (ATTEMPT_GROUP " %u", i);
      g_autoptr(GDateTime) time = NULL;
      g_autofree char *outcome = NULL;
      g_autoptr(GError) bool_error = NULL;
      EpOutboxAttempt *attempt;
      EpSmtpOutcome value;
      gboolean transcript = FALSE;

      time = read_date (keyfile, group, KEY_TIME, entry_path, error);
      if (time == NULL)
        return FALSE;
      outcome = read_string (keyfile, group, KEY_OUTCOME, entry_path, error);
      if (outcome == NULL)
        return FALSE;
      if (!ep_smtp_outcome_from_string (outcome, &value))
        {
          g_autofree char *reason = g_strdup_printf (_("[%s] has an unknown outcome"), group);

          *error = damaged (entry_path, reason);
          return FALSE;
        }
      if (g_key_file_has_key (keyfile, group, KEY_TRANSCRIPT, NULL))
        {
          transcript = g_key_file_get_boolean (keyfile, group, KEY_TRANSCRIPT, &bool_error);
          if (bool_error != NULL)
            {
              g_autofree char *reason = g_strdup_printf ("[%s] %s: %s", group, KEY_TRANSCRIPT,
                                                         bool_error->message);

              *error = damaged (entry_path, reason);
              return FALSE;
            }
        }
      attempt = ep_outbox_attempt_new (time, value, NULL);
      attempt->has_transcript = transcript;
      g_ptr_array_add (entry->attempts, attempt);
      if (!read_optional_string (keyfile, group, KEY_REPLY, &attempt->reply, entry_path, error))
        return FALSE;
    }
  return TRUE;
}

/* Reads the claim's keys, which are there exactly while the entry is being sent. */
static gboolean
read_claim_keys (GKeyFile       *keyfile,
                 EpOutboxEntry  *entry,
                 GDateTime     **out_claimed,
                 EpOutboxState  *out_claimed_from,
                 const char     *entry_path,
                 GError        **error)
{
  g_autofree char *from = NULL;

  if (entry->state != EP_OUTBOX_STATE_SENDING)
    return TRUE;

  *out_claimed = read_date (keyfile, OUTBOX_GROUP, KEY_CLAIMED, entry_path, error);
  if (*out_claimed == NULL)
    return FALSE;
  from = read_string (keyfile, OUTBOX_GROUP, KEY_CLAIMED_FROM, entry_path, error);
  if (from == NULL)
    return FALSE;
  if (!ep_outbox_state_from_string (from, out_claimed_from) ||
      !ep_outbox_state_can_change (*out_claimed_from, EP_OUTBOX_STATE_SENDING))
    {
      *error = damaged (entry_path, _("it was claimed in a state that cannot be sent"));
      return FALSE;
    }
  if (g_key_file_has_key (keyfile, OUTBOX_GROUP, KEY_DATA_SENT, NULL))
    {
      entry->data_sent = read_date (keyfile, OUTBOX_GROUP, KEY_DATA_SENT, entry_path, error);
      if (entry->data_sent == NULL)
        return FALSE;
    }
  return TRUE;
}

/* The entry in @keyfile, checked strictly; message.eml must be there with the recorded size. */
/* ---- Delivery options ------------------------------------------------------------------------ */

static gboolean
request_is_set (const EpSmtpDeliveryRequest *request)
{
  return request->dsn_notify != EP_SMTP_DSN_NONE || request->require_tls != EP_SMTP_REQUIRE_TLS_OFF;
}

/* Entries of formats 1 and 2 have none of these keys: no delivery options. */
static gboolean
read_request (GKeyFile       *keyfile,
              EpOutboxEntry  *entry,
              const char     *entry_path,
              GError        **error)
{
  g_autofree char *notify = NULL;
  g_autofree char *ret = NULL;
  g_autofree char *require_tls = NULL;

  if (!read_optional_string (keyfile, OUTBOX_GROUP, KEY_DSN_NOTIFY, &notify, entry_path, error) ||
      !read_optional_string (keyfile, OUTBOX_GROUP, KEY_DSN_RET, &ret, entry_path, error) ||
      !read_optional_string (keyfile, OUTBOX_GROUP, KEY_DSN_ENVID, &entry->dsn_envid, entry_path, error) ||
      !read_optional_string (keyfile, OUTBOX_GROUP, KEY_REQUIRE_TLS, &require_tls, entry_path, error))
    return FALSE;

  if (notify != NULL && !ep_smtp_dsn_notify_parse (notify, &entry->request.dsn_notify))
    {
      *error = damaged (entry_path, _("its delivery notifications are unknown"));
      return FALSE;
    }
  if (ret == NULL || g_str_equal (ret, "hdrs"))
    entry->request.dsn_ret = EP_SMTP_DSN_RET_HDRS;
  else if (g_str_equal (ret, "full"))
    entry->request.dsn_ret = EP_SMTP_DSN_RET_FULL;
  else
    {
      *error = damaged (entry_path, _("its delivery notifications are unknown"));
      return FALSE;
    }
  if (require_tls == NULL)
    entry->request.require_tls = EP_SMTP_REQUIRE_TLS_OFF;
  else if (g_str_equal (require_tls, "on"))
    entry->request.require_tls = EP_SMTP_REQUIRE_TLS_ON;
  else if (g_str_equal (require_tls, "if-offered"))
    entry->request.require_tls = EP_SMTP_REQUIRE_TLS_IF_OFFERED;
  else
    {
      *error = damaged (entry_path, _("its TLS requirement is unknown"));
      return FALSE;
    }
  return TRUE;
}

/* Read strictly: taken for absent, a damaged marker would let 8-bit octets go to a server
 * without 8BITMIME. */
static gboolean
read_needs_8bitmime (GKeyFile       *keyfile,
                     EpOutboxEntry  *entry,
                     const char     *entry_path,
                     GError        **error)
{
  g_autofree char *value = NULL;

  if (!read_optional_string (keyfile, OUTBOX_GROUP, KEY_NEEDS_8BITMIME, &value, entry_path, error))
    return FALSE;
  if (value == NULL || g_str_equal (value, "false"))
    entry->needs_8bitmime = FALSE;
  else if (g_str_equal (value, "true"))
    entry->needs_8bitmime = TRUE;
  else
    {
      *error = damaged (entry_path, _("whether it needs 8BITMIME is unknown"));
      return FALSE;
    }
  return TRUE;
}

static EpOutboxEntry *
entry_from_keyfile (GKeyFile       *keyfile,
                    const char     *id,
                    const char     *entry_path,
                    GDateTime     **out_claimed,
                    EpOutboxState  *out_claimed_from,
                    GError        **error)
{
  g_autoptr(EpOutboxEntry) entry = ep_outbox_entry_new ("", NULL);
  g_autofree char *message_path = g_build_filename (entry_path, MESSAGE_FILE, NULL);
  g_autofree char *format = NULL;
  g_autofree char *state = NULL;
  g_autofree char *size = NULL;
  GStatBuf st;
  guint64 version;

  if (!g_key_file_has_group (keyfile, OUTBOX_GROUP))
    {
      *error = damaged (entry_path, _("it is not an Epistle outbox entry"));
      return NULL;
    }
  format = g_key_file_get_value (keyfile, OUTBOX_GROUP, KEY_FORMAT, NULL);
  if (format == NULL || !g_ascii_string_to_unsigned (format, 10, 1, G_MAXUINT32, &version, NULL))
    {
      *error = damaged (entry_path, _("its format version is missing or not a number"));
      return NULL;
    }
  if (version > META_FORMAT)
    {
      g_autofree char *display = g_filename_display_name (entry_path);

      g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NEWER_FORMAT,
                   _("“%s” was saved by a newer version of Epistle"), display);
      return NULL;
    }

  entry->id = g_strdup (id);
  entry->created = read_date (keyfile, OUTBOX_GROUP, KEY_CREATED, entry_path, error);
  if (entry->created == NULL)
    return NULL;
  entry->not_before = read_date (keyfile, OUTBOX_GROUP, KEY_NOT_BEFORE, entry_path, error);
  if (entry->not_before == NULL)
    return NULL;
  state = read_string (keyfile, OUTBOX_GROUP, KEY_STATE, entry_path, error);
  if (state == NULL)
    return NULL;
  if (!ep_outbox_state_from_string (state, &entry->state))
    {
      *error = damaged (entry_path, _("its state is unknown"));
      return NULL;
    }
  g_free (entry->sender);
  entry->sender = read_string (keyfile, OUTBOX_GROUP, KEY_SENDER, entry_path, error);
  if (entry->sender == NULL)
    return NULL;
  if (!address_is_storable (entry->sender))
    {
      *error = damaged (entry_path, _("its sender is not a valid address"));
      return NULL;
    }
  if (!read_optional_string (keyfile, OUTBOX_GROUP, KEY_PROFILE, &entry->profile_id,
                             entry_path, error) ||
      !read_optional_string (keyfile, OUTBOX_GROUP, KEY_LAST_ERROR, &entry->last_error,
                             entry_path, error) ||
      !read_optional_string (keyfile, OUTBOX_GROUP, KEY_SUBJECT, &entry->subject,
                             entry_path, error) ||
      !read_optional_string (keyfile, OUTBOX_GROUP, KEY_FROM, &entry->from,
                             entry_path, error))
    return NULL;
  if (g_key_file_has_key (keyfile, OUTBOX_GROUP, KEY_HOLD_UNTIL, NULL))
    {
      entry->hold_until = read_date (keyfile, OUTBOX_GROUP, KEY_HOLD_UNTIL, entry_path, error);
      if (entry->hold_until == NULL)
        return NULL;
    }
  if (!read_request (keyfile, entry, entry_path, error))
    return NULL;
  /* Absent (written so only when true) or unreadable: the text had no final line break. */
  entry->body_final_newline = g_key_file_get_boolean (keyfile, OUTBOX_GROUP, KEY_FINAL_NEWLINE, NULL);
  if (!read_needs_8bitmime (keyfile, entry, entry_path, error))
    return NULL;
  if (entry->profile_id != NULL && !ep_store_profile_ref_is_valid (entry->profile_id))
    {
      *error = damaged (entry_path, _("its profile id is not valid"));
      return NULL;
    }
  if (!read_recipients (keyfile, entry, entry_path, error) ||
      !read_attempts (keyfile, entry, entry_path, error) ||
      !read_claim_keys (keyfile, entry, out_claimed, out_claimed_from, entry_path, error))
    return NULL;

  size = g_key_file_get_value (keyfile, OUTBOX_GROUP, KEY_SIZE, NULL);
  if (size == NULL || !g_ascii_string_to_unsigned (size, 10, 0, G_MAXUINT64, &entry->size, NULL))
    {
      *error = damaged (entry_path, _("its size is missing or not a number"));
      return NULL;
    }
  /* The message is what the outbox is for: missing or truncated means damaged. */
  if (g_stat (message_path, &st) != 0 || !S_ISREG (st.st_mode))
    {
      *error = damaged (entry_path, _("the message file is missing"));
      return NULL;
    }
  if ((guint64) st.st_size != entry->size)
    {
      g_autofree char *reason =
        g_strdup_printf (_("the message file has %" PRIu64 " bytes instead of %" PRIu64),
                         (guint64) st.st_size, entry->size);

      *error = damaged (entry_path, reason);
      return NULL;
    }
  return g_steal_pointer (&entry);
}

/* Reads entry @id from disk, without its lock. @out_meta: the keyfile's text, for updating. */
static EpOutboxEntry *
read_entry (const char     *entry_path,
            const char     *id,
            char          **out_meta,
            GDateTime     **out_claimed,
            EpOutboxState  *out_claimed_from,
            GError        **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autofree char *meta_path = g_build_filename (entry_path, META_FILE, NULL);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDateTime) claimed = NULL;
  EpOutboxState claimed_from = EP_OUTBOX_STATE_QUEUED;
  EpOutboxEntry *entry;

  if (!ep_store_load_keyfile (keyfile, meta_path, &local_error))
    {
      /* A folder without its summary is as damaged as one with a garbled summary. */
      if (g_error_matches (local_error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND) &&
          g_file_test (entry_path, G_FILE_TEST_IS_DIR))
        *error = damaged (entry_path, _("its summary is missing"));
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  entry = entry_from_keyfile (keyfile, id, entry_path, &claimed, &claimed_from, error);
  if (entry == NULL)
    return NULL;
  if (out_meta != NULL)
    *out_meta = g_key_file_to_data (keyfile, NULL, NULL);
  if (out_claimed != NULL)
    *out_claimed = g_steal_pointer (&claimed);
  if (out_claimed_from != NULL)
    *out_claimed_from = claimed_from;
  return entry;
}

static void
set_date (GKeyFile   *keyfile,
          const char *group,
          const char *key,
          GDateTime  *date)
{
  g_autofree char *text = ep_store_format_date (date);

  g_key_file_set_string (keyfile, group, key, text);
}

static void
set_or_remove (GKeyFile   *keyfile,
               const char *group,
               const char *key,
               const char *value)
{
  if (value != NULL)
    g_key_file_set_string (keyfile, group, key, value);
  else
    g_key_file_remove_key (keyfile, group, key, NULL);
}

/* @entry written over @base (the file as read, or NULL for a new entry): keys and groups this
 * version does not know stay as they are. */
/* "on" or "if-offered"; the key is absent when TLS all the way was not asked for. */
static const char *
require_tls_to_string (EpSmtpRequireTls require_tls)
{
  switch (require_tls)
    {
    case EP_SMTP_REQUIRE_TLS_ON:
      return "on";
    case EP_SMTP_REQUIRE_TLS_IF_OFFERED:
      return "if-offered";
    case EP_SMTP_REQUIRE_TLS_OFF:
    default:
      return NULL;
    }
}

static void
write_request (GKeyFile            *keyfile,
               const EpOutboxEntry *entry)
{
  g_autofree char *notify = ep_smtp_dsn_notify_to_string (entry->request.dsn_notify);
  gboolean dsn = entry->request.dsn_notify != EP_SMTP_DSN_NONE;

  set_or_remove (keyfile, OUTBOX_GROUP, KEY_DSN_NOTIFY, notify);
  set_or_remove (keyfile, OUTBOX_GROUP, KEY_DSN_RET,
                 !dsn ? NULL : entry->request.dsn_ret == EP_SMTP_DSN_RET_FULL ? "full" : "hdrs");
  set_or_remove (keyfile, OUTBOX_GROUP, KEY_DSN_ENVID, dsn ? entry->dsn_envid : NULL);
  set_or_remove (keyfile, OUTBOX_GROUP, KEY_REQUIRE_TLS, require_tls_to_string (entry->request.require_tls));
}

static char *
entry_to_data (const char          *base,
               const EpOutboxEntry *entry,
               GDateTime           *claimed,
               EpOutboxState        claimed_from,
               gsize               *length)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();

  if (base != NULL)
    g_key_file_load_from_data (keyfile, base, -1, EP_STORE_KEYFILE_FLAGS, NULL);

  g_key_file_set_integer (keyfile, OUTBOX_GROUP, KEY_FORMAT,
                          entry->needs_8bitmime ? META_FORMAT
                          : request_is_set (&entry->request) ? META_FORMAT_REQUEST
                          : entry->hold_until != NULL ? META_FORMAT_HOLD : META_FORMAT_PLAIN);
  set_date (keyfile, OUTBOX_GROUP, KEY_CREATED, entry->created);
  set_or_remove (keyfile, OUTBOX_GROUP, KEY_PROFILE, entry->profile_id);
  g_key_file_set_string (keyfile, OUTBOX_GROUP, KEY_SENDER, entry->sender);
  g_key_file_set_string (keyfile, OUTBOX_GROUP, KEY_STATE,
                         ep_outbox_state_to_string (entry->state));
  set_date (keyfile, OUTBOX_GROUP, KEY_NOT_BEFORE, entry->not_before);
  g_key_file_set_uint64 (keyfile, OUTBOX_GROUP, KEY_SIZE, entry->size);
  set_or_remove (keyfile, OUTBOX_GROUP, KEY_LAST_ERROR, entry->last_error);
  set_or_remove (keyfile, OUTBOX_GROUP, KEY_SUBJECT, entry->subject);
  set_or_remove (keyfile, OUTBOX_GROUP, KEY_FROM, entry->from);
  if (entry->body_final_newline)
    g_key_file_set_boolean (keyfile, OUTBOX_GROUP, KEY_FINAL_NEWLINE, TRUE);
  else
    g_key_file_remove_key (keyfile, OUTBOX_GROUP, KEY_FINAL_NEWLINE, NULL);
  if (entry->needs_8bitmime)
    g_key_file_set_boolean (keyfile, OUTBOX_GROUP, KEY_NEEDS_8BITMIME, TRUE);
  else
    g_key_file_remove_key (keyfile, OUTBOX_GROUP, KEY_NEEDS_8BITMIME, NULL);
  if (entry->hold_until != NULL)
    set_date (keyfile, OUTBOX_GROUP, KEY_HOLD_UNTIL, entry->hold_until);
  else
    g_key_file_remove_key (keyfile, OUTBOX_GROUP, KEY_HOLD_UNTIL, NULL);
  write_request (keyfile, entry);
  if (entry->state == EP_OUTBOX_STATE_SENDING)
    {
      set_date (keyfile, OUTBOX_GROUP, KEY_CLAIMED, claimed);
      g_key_file_set_string (keyfile, OUTBOX_GROUP, KEY_CLAIMED_FROM,
                             ep_outbox_state_to_string (claimed_from));
      if (entry->data_sent != NULL)
        set_date (keyfile, OUTBOX_GROUP, KEY_DATA_SENT, entry->data_sent);
      else
        g_key_file_remove_key (keyfile, OUTBOX_GROUP, KEY_DATA_SENT, NULL);
    }
  else
    {
      g_key_file_remove_key (keyfile, OUTBOX_GROUP, KEY_CLAIMED, NULL);
      g_key_file_remove_key (keyfile, OUTBOX_GROUP, KEY_CLAIMED_FROM, NULL);
      g_key_file_remove_key (keyfile, OUTBOX_GROUP, KEY_DATA_SENT, NULL);
    }

  for (guint i = 0; i < entry->recipients->len; i++)
    {
      const EpOutboxRecipient *recipient = entry->recipients->pdata[i];
      g_autofree char *group = g_strdup_printf (RECIPIENT_GROUP " %u", i + 1);

      g_key_file_set_string (keyfile, group, KEY_ADDRESS, recipient->address);
      g_key_file_set_string (keyfile, group, KEY_STATE,
                             ep_smtp_recipient_state_to_string (recipient->state));
    }
  for (guint i = 0; i < entry->attempts->len; i++)
    {
      const EpOutboxAttempt *attempt = entry->attempts->pdata[i];
      g_autofree char *group = g_strdup_printf (ATTEMPT_GROUP " %u", i + 1);

      set_date (keyfile, group, KEY_TIME, attempt->time);
      g_key_file_set_string (keyfile, group, KEY_OUTCOME,
                             ep_smtp_outcome_to_string (attempt->outcome));
      set_or_remove (keyfile, group, KEY_REPLY, attempt->reply);
      g_key_file_set_boolean (keyfile, group, KEY_TRANSCRIPT, attempt->has_transcript);
    }
  return g_key_file_to_data (keyfile, length, NULL);
}

/* ---- Locks ----------------------------------------------------------------------------------- */

/* Takes the lock of entry @id without waiting. Returns the descriptor holding it, or -1:
 * %EP_STORE_ERROR_BUSY while another open file holds it, %EP_STORE_ERROR_NOT_FOUND when the
 * entry is gone (also when it went while we were taking the lock). */
static int
lock_entry (EpOutboxStore  *self,
            const char     *id,
            GError        **error)
{
  g_autofree char *path = g_build_filename (self->dir, id, LOCK_FILE, NULL);
  struct stat held, named;
  int fd;

  int errsv = 0;

  fd = ep_store_try_lock (path, &errsv);
  if (fd < 0)
    {
      if (errsv == ENOENT)
        g_set_error_literal (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND,
                             _("The message is no longer in the outbox"));
      else if (errsv == EWOULDBLOCK)
        g_set_error_literal (error, EP_STORE_ERROR, EP_STORE_ERROR_BUSY,
                             _("The message is being sent by another process"));
      else
        set_errno_error (error, errsv, _("Could not lock the outbox message “%s”: %s"), path);
      return -1;
    }
  /* Deleting an entry renames its folder with the lock held: a lock taken on the old file
   * afterwards is a lock on nothing. */
  if (fstat (fd, &held) != 0 || stat (path, &named) != 0 ||
      held.st_dev != named.st_dev || held.st_ino != named.st_ino)
    {
      close (fd);
      g_set_error_literal (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND,
                           _("The message is no longer in the outbox"));
      return -1;
    }
  return fd;
}

/* ---- Claims and changes ---------------------------------------------------------------------- */

static void
claim_unlock (EpOutboxClaim *self)
{
  if (self->lock_fd >= 0)
    {
      close (self->lock_fd);
      self->lock_fd = -1;
    }
}

static void
claim_free_data (EpOutboxClaim *self)
{
  claim_unlock (self);
  g_clear_object (&self->store);
  g_free (self->id);
  g_free (self->path);
  g_free (self->meta);
  g_clear_pointer (&self->entry, ep_outbox_entry_free);
  g_clear_pointer (&self->claimed, g_date_time_unref);
  g_clear_pointer (&self->recipient_updates, g_hash_table_unref);
  g_free (self);
}

/* Replaces meta.ini with @changed (taken); the claim follows only if it was written. */
static gboolean
claim_write (EpOutboxClaim  *self,
             EpOutboxEntry  *changed,
             GDateTime      *claimed,
             EpOutboxState   claimed_from,
             GError        **error)
{
  g_autoptr(EpOutboxEntry) entry = changed;
  g_autofree char *meta_path = g_build_filename (self->path, META_FILE, NULL);
  g_autofree char *data = NULL;
  gsize length;

  data = entry_to_data (self->meta, entry, claimed, claimed_from, &length);
  if (!ep_atomic_file_write (meta_path, data, length, EP_ATOMIC_FILE_PRIVATE_MODE, error))
    return FALSE;

  g_free (self->meta);
  self->meta = g_steal_pointer (&data);
  ep_outbox_entry_free (self->entry);
  self->entry = g_steal_pointer (&entry);
  if (claimed != self->claimed)
    {
      g_clear_pointer (&self->claimed, g_date_time_unref);
      self->claimed = claimed != NULL ? g_date_time_ref (claimed) : NULL;
    }
  self->claimed_from = claimed_from;
  return TRUE;
}

/* An entry in "sending" whose lock we hold was abandoned by its sender (which ended, crashed or
 * let go of the claim without finishing). Once its end of data may have gone out, it is
 * unknown, and stays so until the person decides; before that, nobody received it. */
static gboolean
claim_recover (EpOutboxClaim  *self,
               GError        **error)
{
  g_autoptr(EpOutboxEntry) changed = ep_outbox_entry_copy (self->entry);
  EpOutboxAttempt *attempt;

  g_assert (self->entry->state == EP_OUTBOX_STATE_SENDING);

  g_free (changed->last_error);
  if (changed->data_sent != NULL)
    {
      changed->state = EP_OUTBOX_STATE_UNKNOWN;
      for (guint i = 0; i < changed->recipients->len; i++)
        {
          EpOutboxRecipient *recipient = changed->recipients->pdata[i];

          if (recipient->state == EP_SMTP_RECIPIENT_PENDING ||
              recipient->state == EP_SMTP_RECIPIENT_DEFERRED)
            recipient->state = EP_SMTP_RECIPIENT_UNKNOWN;
        }
      attempt = ep_outbox_attempt_new (self->claimed, EP_SMTP_OUTCOME_UNKNOWN, NULL);
      changed->last_error =
        g_strdup (_("Sending stopped after the whole message had gone out, before the server "
                    "confirmed it: it may have been delivered"));
    }
  else
    {
      changed->state = self->claimed_from;
      attempt = ep_outbox_attempt_new (self->claimed, EP_SMTP_OUTCOME_TEMPORARY, NULL);
      changed->last_error =
        g_strdup (_("Sending stopped before the whole message had gone out"));
    }
  g_ptr_array_add (changed->attempts, attempt);
  g_clear_pointer (&changed->data_sent, g_date_time_unref);
  g_debug ("Outbox %s: abandoned claim recovered as %s", self->id,
           ep_outbox_state_to_string (changed->state));
  return claim_write (self, g_steal_pointer (&changed), NULL, EP_OUTBOX_STATE_QUEUED, error);
}

/* Locks entry @id and reads it again: what it says now is what counts. A damaged entry is moved
 * aside and reported; an abandoned claim is recovered first. */
static EpOutboxClaim *
claim_lock (EpOutboxStore  *self,
            const char     *id,
            GError        **error)
{
  EpOutboxClaim *claim;
  GError *local_error = NULL;

  if (!check_id (id, error))
    return NULL;

  claim = g_new0 (EpOutboxClaim, 1);
  claim->store = g_object_ref (self);
  claim->id = g_strdup (id);
  claim->path = g_build_filename (self->dir, id, NULL);
  claim->lock_fd = lock_entry (self, id, error);
  if (claim->lock_fd < 0)
    {
      claim_free_data (claim);
      return NULL;
    }
  claim->recipient_updates = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  claim->entry = read_entry (claim->path, id, &claim->meta, &claim->claimed, &claim->claimed_from,
                             &local_error);
  if (claim->entry == NULL)
    {
      if (g_error_matches (local_error, EP_STORE_ERROR, EP_STORE_ERROR_CORRUPT))
        ep_store_move_aside_and_report (claim->path, &local_error);
      g_propagate_error (error, local_error);
      claim_free_data (claim);
      return NULL;
    }
  if (claim->entry->state == EP_OUTBOX_STATE_SENDING && !claim_recover (claim, error))
    {
      claim_free_data (claim);
      return NULL;
    }
  return claim;
}

static gboolean
wrong_state (GError        **error,
             EpOutboxState   state)
{
  /* Translators: %s is the state as the outbox stores it: held, queued, sending, delivered,
   * partial, failed or unknown */
  g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_WRONG_STATE,
               _("Not allowed while the outbox message is “%s”"),
               ep_outbox_state_to_string (state));
  return FALSE;
}

/* ---- GObject --------------------------------------------------------------------------------- */

static void
ep_outbox_store_finalize (GObject *object)
{
  EpOutboxStore *self = EP_OUTBOX_STORE (object);

  g_free (self->dir);

  G_OBJECT_CLASS (ep_outbox_store_parent_class)->finalize (object);
}

static void
ep_outbox_store_class_init (EpOutboxStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ep_outbox_store_finalize;
}

static void
ep_outbox_store_init (EpOutboxStore *self)
{
}

/* ---- The store ------------------------------------------------------------------------------- */

/**
 * ep_outbox_store_new:
 * @outbox_dir: (nullable): the folder of entries; %NULL for `$XDG_DATA_HOME/epistle/outbox`
 */
EpOutboxStore *
ep_outbox_store_new (const char *outbox_dir)
{
  EpOutboxStore *self = g_object_new (EP_TYPE_OUTBOX_STORE, NULL);

  if (outbox_dir != NULL)
    self->dir = g_strdup (outbox_dir);
  else
    self->dir = g_build_filename (g_get_user_data_dir (), "epistle", "outbox", NULL);
  return self;
}

const char *
ep_outbox_store_get_dir (EpOutboxStore *self)
{
  g_return_val_if_fail (EP_IS_OUTBOX_STORE (self), NULL);

  return self->dir;
}

/* ---- Adding ---------------------------------------------------------------------------------- */

/* The file system's own figure, when it gives one; a file system that does not is left to
 * report a full disk as the writes meet it. */
static gboolean
check_free_space (const char  *dir,
                  guint64      expected_size,
                  GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (dir);
  g_autoptr(GFileInfo) info = NULL;
  g_autofree char *needed_text = NULL;
  g_autofree char *free_text = NULL;
  guint64 available, needed;

  info = g_file_query_filesystem_info (file, G_FILE_ATTRIBUTE_FILESYSTEM_FREE, NULL, NULL);
  if (info == NULL || !g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE))
    return TRUE;
  available = g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE);
  needed = expected_size > G_MAXUINT64 - EP_OUTBOX_SPACE_RESERVE
    ? G_MAXUINT64 : expected_size + EP_OUTBOX_SPACE_RESERVE;
  if (available >= needed)
    return TRUE;

  needed_text = g_format_size (needed);
  free_text = g_format_size (available);
  /* Translators: both are sizes, such as "12.3 MB" */
  g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NO_SPACE,
               _("There is not enough free disk space to put the message in the outbox: it needs "
                 "%s, and %s are free"), needed_text, free_text);
  return FALSE;
}

/**
 * ep_outbox_store_begin:
 * @expected_size: about how many octets the message will have (0 when not known): checked
 *   against the free disk space, with %EP_OUTBOX_SPACE_RESERVE more, before anything is written
 *
 * Starts a new entry. Write the message's exact bytes into
 * ep_outbox_writer_get_output_stream() (for example as the MIME writer makes them), then
 * ep_outbox_writer_commit(). Freeing the writer without a commit leaves nothing behind.
 */
EpOutboxWriter *
ep_outbox_store_begin (EpOutboxStore  *self,
                       guint64         expected_size,
                       GError        **error)
{
  g_autoptr(EpOutboxWriter) writer = NULL;
  g_autofree char *template = NULL;
  g_autofree char *message_path = NULL;

  g_return_val_if_fail (EP_IS_OUTBOX_STORE (self), NULL);

  if (!ep_store_ensure_private_dir (self->dir, error) ||
      !check_free_space (self->dir, expected_size, error))
    return NULL;

  writer = g_new0 (EpOutboxWriter, 1);
  writer->store = g_object_ref (self);
  template = g_build_filename (self->dir, TMP_PREFIX "XXXXXX", NULL);
  if (g_mkdtemp_full (template, 0700) == NULL)
    {
      writer->done = TRUE;
      set_errno_error (error, errno, _("Could not put the message in the outbox “%s”: %s"),
                       self->dir);
      return NULL;
    }
  writer->tmp_dir = g_steal_pointer (&template);

  message_path = g_build_filename (writer->tmp_dir, MESSAGE_FILE, NULL);
  writer->message = ep_atomic_file_new (message_path, EP_ATOMIC_FILE_PRIVATE_MODE, error);
  if (writer->message == NULL)
    return NULL;
  return g_steal_pointer (&writer);
}

/* Returns: (transfer none): where the message's bytes go, unbuffered, straight to disk */
GOutputStream *
ep_outbox_writer_get_output_stream (EpOutboxWriter *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return ep_atomic_file_get_output_stream (self->message);
}

static gboolean
check_new_entry (const EpOutboxEntry  *entry,
                 GError              **error)
{
  const char *problem = NULL;

  if (entry->state != EP_OUTBOX_STATE_HELD && entry->state != EP_OUTBOX_STATE_QUEUED)
    problem = _("a new message must be held or queued");
  else if (!address_is_storable (entry->sender))
    problem = _("the sender is not a valid address");
  else if (entry->recipients->len == 0)
    problem = _("it has no recipients");
  else if (entry->profile_id != NULL && !ep_store_profile_ref_is_valid (entry->profile_id))
    problem = _("the profile id is not valid");
  else if (entry->last_error != NULL && !g_utf8_validate (entry->last_error, -1, NULL))
    problem = _("the last error is not valid UTF-8 text");
  else if ((entry->subject != NULL && !g_utf8_validate (entry->subject, -1, NULL)) ||
           (entry->from != NULL && !g_utf8_validate (entry->from, -1, NULL)))
    problem = _("its subject or sender’s name is not valid UTF-8 text");
  else if (entry->attempts->len > 0)
    problem = _("a new message has no attempts");
  for (guint i = 0; problem == NULL && i < entry->recipients->len; i++)
    {
      const EpOutboxRecipient *recipient = entry->recipients->pdata[i];

      if (recipient->address[0] == '\0' || !address_is_storable (recipient->address))
        problem = _("a recipient is not a valid address");
      else if ((guint) recipient->state > EP_SMTP_RECIPIENT_UNKNOWN)
        problem = _("a recipient has an unknown state");
      for (guint j = 0; problem == NULL && j < i; j++)
        if (strcmp (((EpOutboxRecipient *) entry->recipients->pdata[j])->address,
                    recipient->address) == 0)
          problem = _("a recipient is listed twice");
    }
  if (problem == NULL)
    return TRUE;
  /* Translators: %s says what is wrong, e.g. "it has no recipients" */
  g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID,
               _("The message cannot be put in the outbox: %s"), problem);
  return FALSE;
}

/* The atomic writer's messages speak of "earlier versions"; a new entry has none. */
static gboolean
add_failed (EpOutboxWriter  *self,
            GError         **error,
            GError          *cause)
{
  g_autofree char *display = g_filename_display_name (self->store->dir);

  if (g_error_matches (cause, EP_STORE_ERROR, EP_STORE_ERROR_NO_SPACE))
    g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NO_SPACE,
                 _("Could not put the message in the outbox “%s”: the disk is full"), display);
  else if (cause->domain == EP_STORE_ERROR)
    g_set_error (error, EP_STORE_ERROR, cause->code,
                 _("Could not put the message in the outbox: %s"), cause->message);
  else
    {
      g_propagate_error (error, cause);
      return FALSE;
    }
  g_error_free (cause);
  return FALSE;
}

/**
 * ep_outbox_writer_commit:
 * @entry: the envelope and the state (held or queued); its @id, @created and @size are set
 *   here, and @not_before when unset (to now)
 *
 * Makes the entry appear, complete: the message, its lock file and meta.ini are on disk before
 * its folder gets its name. On failure (%EP_STORE_ERROR_NO_SPACE for a full disk) nothing is
 * left behind and @entry is as it was.
 */
gboolean
ep_outbox_writer_commit (EpOutboxWriter  *self,
                         EpOutboxEntry   *entry,
                         GError         **error)
{
  g_autoptr(EpOutboxEntry) stored = NULL;
  g_autofree char *meta_path = NULL;
  g_autofree char *lock_path = NULL;
  g_autofree char *final_path = NULL;
  g_autofree char *data = NULL;
  GError *local_error = NULL;
  gsize length;
  int fd;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (!self->done, FALSE);
  g_return_val_if_fail (entry != NULL, FALSE);

  if (!check_new_entry (entry, error))
    return FALSE;
  if (!ep_atomic_file_commit (self->message, &local_error))
    return add_failed (self, error, local_error);

  stored = ep_outbox_entry_copy (entry);
  g_free (stored->id);
  stored->id = ep_store_new_entry_id ();
  g_clear_pointer (&stored->created, g_date_time_unref);
  stored->created = g_date_time_new_now_utc ();
  if (stored->not_before == NULL)
    stored->not_before = g_date_time_ref (stored->created);
  stored->size = ep_atomic_file_get_size (self->message);
  g_clear_pointer (&stored->data_sent, g_date_time_unref);

  lock_path = g_build_filename (self->tmp_dir, LOCK_FILE, NULL);
  fd = open (lock_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, EP_ATOMIC_FILE_PRIVATE_MODE);
  if (fd < 0 || fchmod (fd, EP_ATOMIC_FILE_PRIVATE_MODE) != 0)
    {
      int errsv = errno;

      if (fd >= 0)
        close (fd);
      set_errno_error (&local_error, errsv, _("Could not save “%s”: %s"), lock_path);
      return add_failed (self, error, local_error);
    }
  close (fd);

  meta_path = g_build_filename (self->tmp_dir, META_FILE, NULL);
  data = entry_to_data (NULL, stored, NULL, EP_OUTBOX_STATE_QUEUED, &length);
  if (!ep_atomic_file_write (meta_path, data, length, EP_ATOMIC_FILE_PRIVATE_MODE, &local_error))
    return add_failed (self, error, local_error);

  final_path = g_build_filename (self->store->dir, stored->id, NULL);
  if (g_rename (self->tmp_dir, final_path) != 0)
    {
      set_errno_error (error, errno, _("Could not put the message in the outbox as “%s”: %s"),
                       final_path);
      return FALSE;
    }
  self->done = TRUE;
  ep_store_sync_dir (self->store->dir);

  g_free (entry->id);
  entry->id = g_strdup (stored->id);
  g_clear_pointer (&entry->created, g_date_time_unref);
  entry->created = g_date_time_ref (stored->created);
  g_clear_pointer (&entry->not_before, g_date_time_unref);
  entry->not_before = g_date_time_ref (stored->not_before);
  entry->size = stored->size;
  g_clear_pointer (&entry->data_sent, g_date_time_unref);
  return TRUE;
}

void
ep_outbox_writer_free (EpOutboxWriter *self)
{
  if (self == NULL)
    return;

  /* The message file's temporary goes first, then the folder. */
  g_clear_pointer (&self->message, ep_atomic_file_free);
  if (!self->done && self->tmp_dir != NULL)
    ep_store_remove_entry_dir (self->tmp_dir);
  g_clear_object (&self->store);
  g_free (self->tmp_dir);
  g_free (self);
}

/**
 * ep_outbox_store_add:
 * @entry: as for ep_outbox_writer_commit()
 * @expected_size: as for ep_outbox_store_begin()
 *
 * Stores the bytes read from @message (streamed, never all in memory) as a new entry. Errors
 * reading @message and cancellation pass through unchanged.
 */
gboolean
ep_outbox_store_add (EpOutboxStore  *self,
                     EpOutboxEntry  *entry,
                     GInputStream   *message,
                     guint64         expected_size,
                     GCancellable   *cancellable,
                     GError        **error)
{
  g_autoptr(EpOutboxWriter) writer = NULL;

  g_return_val_if_fail (EP_IS_OUTBOX_STORE (self), FALSE);
  g_return_val_if_fail (entry != NULL, FALSE);
  g_return_val_if_fail (G_IS_INPUT_STREAM (message), FALSE);

  if (!check_new_entry (entry, error))
    return FALSE;
  writer = ep_outbox_store_begin (self, expected_size, error);
  if (writer == NULL)
    return FALSE;
  if (!ep_atomic_file_copy_from (writer->message, message, cancellable, error))
    return FALSE;
  return ep_outbox_writer_commit (writer, entry, error);
}

/* ---- Reading --------------------------------------------------------------------------------- */

/* Entry @id as it stands: read without the lock, unless it is damaged (then moved aside with the
 * lock held) or says "sending" (then recovered if nobody holds it). */
static EpOutboxEntry *
load_one (EpOutboxStore  *self,
          const char     *id,
          GError        **error)
{
  g_autofree char *path = g_build_filename (self->dir, id, NULL);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GError) lock_error = NULL;
  g_autoptr(EpOutboxEntry) entry = NULL;
  EpOutboxClaim *claim;

  entry = read_entry (path, id, NULL, NULL, NULL, &local_error);
  if (entry != NULL && entry->state != EP_OUTBOX_STATE_SENDING)
    return g_steal_pointer (&entry);
  if (entry == NULL && !g_error_matches (local_error, EP_STORE_ERROR, EP_STORE_ERROR_CORRUPT))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  claim = claim_lock (self, id, &lock_error);
  if (claim != NULL)
    {
      EpOutboxEntry *locked = g_steal_pointer (&claim->entry);

      claim_free_data (claim);
      return locked;
    }
  if (g_error_matches (lock_error, EP_STORE_ERROR, EP_STORE_ERROR_BUSY))
    {
      /* Really being sent; or damaged while a sender holds it: reported, left in place. */
      if (entry != NULL)
        return g_steal_pointer (&entry);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  g_propagate_error (error, g_steal_pointer (&lock_error));
  return NULL;
}

/**
 * ep_outbox_store_load:
 *
 * Returns: (transfer full): entry @id, or %NULL with %EP_STORE_ERROR_NOT_FOUND,
 *   %EP_STORE_ERROR_CORRUPT (moved aside to "<id>.corrupt-<time>" unless a sender holds it),
 *   or %EP_STORE_ERROR_NEWER_FORMAT (left alone)
 */
EpOutboxEntry *
ep_outbox_store_load (EpOutboxStore  *self,
                      const char     *id,
                      GError        **error)
{
  g_return_val_if_fail (EP_IS_OUTBOX_STORE (self), NULL);

  if (!check_id (id, error))
    return NULL;
  return load_one (self, id, error);
}

static int
compare_oldest_first (gconstpointer a,
                      gconstpointer b)
{
  const EpOutboxEntry *ea = *(const EpOutboxEntry **) a;
  const EpOutboxEntry *eb = *(const EpOutboxEntry **) b;
  int order = g_date_time_compare (ea->created, eb->created);

  return order != 0 ? order : g_strcmp0 (ea->id, eb->id);
}

/* What a crash left: a hidden folder being deleted (anyone may finish that), or one being
 * written that nobody has touched for a day. */
static void
remove_leftover (const char *dir,
                 const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  GStatBuf st;

  if (g_str_has_prefix (name, DELETED_PREFIX))
    ep_store_remove_entry_dir (path);
  else if (g_str_has_prefix (name, TMP_PREFIX) &&
           g_lstat (path, &st) == 0 && S_ISDIR (st.st_mode) &&
           g_get_real_time () / G_USEC_PER_SEC - st.st_mtime > STALE_TMP_AGE_SECONDS)
    ep_store_remove_entry_dir (path);
}

/**
 * ep_outbox_store_list:
 * @out_problems: (out) (optional) (element-type GError): one error per entry that was left
 *   out: damaged (moved aside, see ep_outbox_store_load()) or from a newer Epistle
 *
 * Every entry, oldest first. An entry whose sender ended without finishing is recovered here
 * (see %EP_OUTBOX_STATE_SENDING), so "sending" is only listed while a sender holds it.
 *
 * Returns: (transfer full) (element-type EpOutboxEntry): the entries, or %NULL if the folder
 *   could not be read (a missing folder is an empty list)
 */
GPtrArray *
ep_outbox_store_list (EpOutboxStore  *self,
                      GPtrArray     **out_problems,
                      GError        **error)
{
  g_autoptr(GPtrArray) entries =
    g_ptr_array_new_with_free_func ((GDestroyNotify) ep_outbox_entry_free);
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;

  g_return_val_if_fail (EP_IS_OUTBOX_STORE (self), NULL);

  dir = g_dir_open (self->dir, 0, &local_error);
  if (dir == NULL && !g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_autofree char *display = g_filename_display_name (self->dir);

      g_set_error (error, EP_STORE_ERROR,
                   g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_ACCES)
                     ? EP_STORE_ERROR_PERMISSION_DENIED : EP_STORE_ERROR_IO,
                   _("Could not read the outbox folder “%s”: %s"),
                   display, local_error->message);
      return NULL;
    }

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      GError *entry_error = NULL;
      EpOutboxEntry *entry;

      if (name[0] == '.')
        {
          remove_leftover (self->dir, name);
          continue;
        }
      /* Not ours, or moved aside earlier ("<id>.corrupt-<time>"): reported when it was. */
      if (!ep_store_id_is_valid (name))
        continue;
      path = g_build_filename (self->dir, name, NULL);
      if (!g_file_test (path, G_FILE_TEST_IS_DIR))
        continue;

      entry = load_one (self, name, &entry_error);
      if (entry != NULL)
        g_ptr_array_add (entries, entry);
      else if (g_error_matches (entry_error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND))
        g_error_free (entry_error);   /* deleted meanwhile */
      else
        {
          g_debug ("%s", entry_error->message);
          g_ptr_array_add (problems, entry_error);
        }
    }

  g_ptr_array_sort (entries, compare_oldest_first);
  if (out_problems != NULL)
    *out_problems = g_steal_pointer (&problems);
  return g_steal_pointer (&entries);
}

/**
 * ep_outbox_store_list_due:
 * @now: (nullable): the time to compare with; %NULL for now
 *
 * The entries a sender should take now (ep_outbox_entry_is_due()), oldest first; as
 * ep_outbox_store_list() otherwise.
 */
GPtrArray *
ep_outbox_store_list_due (EpOutboxStore  *self,
                          GDateTime      *now,
                          GPtrArray     **out_problems,
                          GError        **error)
{
  g_autoptr(GDateTime) when = now_or (now);
  GPtrArray *entries;

  g_return_val_if_fail (EP_IS_OUTBOX_STORE (self), NULL);

  entries = ep_outbox_store_list (self, out_problems, error);
  if (entries == NULL)
    return NULL;
  for (guint i = entries->len; i > 0; i--)
    if (!ep_outbox_entry_is_due (entries->pdata[i - 1], when))
      g_ptr_array_remove_index (entries, i - 1);
  return entries;
}

/* Returns: (transfer full): where entry @id's exact bytes are */
char *
ep_outbox_store_dup_message_path (EpOutboxStore *self,
                                  const char    *id)
{
  g_return_val_if_fail (EP_IS_OUTBOX_STORE (self), NULL);
  g_return_val_if_fail (ep_store_id_is_valid (id), NULL);

  return g_build_filename (self->dir, id, MESSAGE_FILE, NULL);
}

static GInputStream *
open_message_file (const char    *path,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) local_error = NULL;
  GFileInputStream *stream = g_file_read (file, cancellable, &local_error);
  g_autofree char *display = NULL;

  if (stream != NULL)
    return G_INPUT_STREAM (stream);
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  display = g_filename_display_name (path);
  g_set_error (error, EP_STORE_ERROR,
               g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND)
                 ? EP_STORE_ERROR_NOT_FOUND : EP_STORE_ERROR_IO,
               _("Could not read “%s”: %s"), display, local_error->message);
  return NULL;
}

/**
 * ep_outbox_store_open_message:
 *
 * The exact bytes of entry @id, streamed: to copy a delivered message to the Sent store, or to
 * reopen a failed one as a draft.
 *
 * Returns: (transfer full): the stream, or %NULL with @error set
 */
GInputStream *
ep_outbox_store_open_message (EpOutboxStore  *self,
                              const char     *id,
                              GCancellable   *cancellable,
                              GError        **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (EP_IS_OUTBOX_STORE (self), NULL);

  if (!check_id (id, error))
    return NULL;
  path = g_build_filename (self->dir, id, MESSAGE_FILE, NULL);
  return open_message_file (path, cancellable, error);
}

/**
 * ep_outbox_store_load_transcript:
 * @attempt: 1 for the first attempt
 *
 * Returns: (transfer full): the redacted transcript of that attempt of entry @id, or %NULL with
 *   %EP_STORE_ERROR_NOT_FOUND when none was kept
 */
char *
ep_outbox_store_load_transcript (EpOutboxStore  *self,
                                 const char     *id,
                                 guint           attempt,
                                 GError        **error)
{
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  g_autofree char *display = NULL;
  g_autoptr(EpOutboxEntry) entry = NULL;
  g_autoptr(GError) local_error = NULL;
  char *contents = NULL;

  g_return_val_if_fail (EP_IS_OUTBOX_STORE (self), NULL);

  entry = ep_outbox_store_load (self, id, error);
  if (entry == NULL)
    return NULL;
  if (attempt == 0 || attempt > entry->attempts->len ||
      !((EpOutboxAttempt *) entry->attempts->pdata[attempt - 1])->has_transcript)
    {
      g_set_error_literal (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND,
                           _("No transcript was kept of this attempt"));
      return NULL;
    }
  name = transcript_name (attempt);
  path = g_build_filename (self->dir, id, name, NULL);
  if (g_file_get_contents (path, &contents, NULL, &local_error))
    return contents;

  display = g_filename_display_name (path);
  g_set_error (error, EP_STORE_ERROR,
               g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT)
                 ? EP_STORE_ERROR_NOT_FOUND : EP_STORE_ERROR_IO,
               _("Could not read “%s”: %s"), display, local_error->message);
  return NULL;
}

/* ---- Taking and changing an entry ------------------------------------------------------------ */

/**
 * ep_outbox_store_claim:
 * @now: (nullable): the time to judge whether the entry is due; %NULL for now
 *
 * Takes entry @id for sending: it must be due (queued or partial, and not before its time).
 * The entry says "sending" until ep_outbox_claim_finish(); the claim holds the entry's lock
 * until ep_outbox_claim_free(), and the lock ends with this process whatever happens to it.
 *
 * Returns: (transfer full): the claim, or %NULL with %EP_STORE_ERROR_BUSY (another process, or
 *   another claim in this one, holds it), %EP_STORE_ERROR_WRONG_STATE (not due: already sent,
 *   being decided by the person, or not yet time), %EP_STORE_ERROR_NOT_FOUND, or an error
 *   writing (the entry is then as it was)
 */
EpOutboxClaim *
ep_outbox_store_claim (EpOutboxStore  *self,
                       const char     *id,
                       GDateTime      *now,
                       GError        **error)
{
  g_autoptr(EpOutboxClaim) claim = NULL;
  g_autoptr(GDateTime) when = now_or (now);
  g_autoptr(EpOutboxEntry) changed = NULL;
  EpOutboxState from;

  g_return_val_if_fail (EP_IS_OUTBOX_STORE (self), NULL);

  claim = claim_lock (self, id, error);
  if (claim == NULL)
    return NULL;
  from = claim->entry->state;
  if (!ep_outbox_state_can_change (from, EP_OUTBOX_STATE_SENDING))
    {
      wrong_state (error, from);
      return NULL;
    }
  if (!ep_outbox_entry_is_due (claim->entry, when))
    {
      g_autofree char *date = ep_store_format_date (claim->entry->not_before);

      g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_WRONG_STATE,
                   _("The outbox message is not to be sent before %s"), date);
      return NULL;
    }

  changed = ep_outbox_entry_copy (claim->entry);
  changed->state = EP_OUTBOX_STATE_SENDING;
  g_clear_pointer (&changed->data_sent, g_date_time_unref);
  if (!claim_write (claim, g_steal_pointer (&changed), when, from, error))
    return NULL;
  return g_steal_pointer (&claim);
}

typedef gboolean (*ChangeFunc) (EpOutboxEntry  *entry,
                                GDateTime      *when,
                                GError        **error);

/* One change under the entry's lock, written before the lock is let go of. */
static gboolean
change_entry (EpOutboxStore  *self,
              const char     *id,
              ChangeFunc      change,
              GDateTime      *when,
              GError        **error)
{
  g_autoptr(EpOutboxEntry) changed = NULL;
  EpOutboxClaim *claim;
  gboolean ok;

  claim = claim_lock (self, id, error);
  if (claim == NULL)
    return FALSE;
  changed = ep_outbox_entry_copy (claim->entry);
  ok = change (changed, when, error) &&
       claim_write (claim, g_steal_pointer (&changed), NULL, EP_OUTBOX_STATE_QUEUED, error);
  claim_free_data (claim);
  return ok;
}

static gboolean
change_to_queued (EpOutboxEntry  *entry,
                  GDateTime      *when,
                  GError        **error)
{
  /* Queued and partial entries only get their time changed (Retry Now). */
  if (entry->state != EP_OUTBOX_STATE_QUEUED && entry->state != EP_OUTBOX_STATE_PARTIAL)
    {
      if (!ep_outbox_state_can_change (entry->state, EP_OUTBOX_STATE_QUEUED))
        return wrong_state (error, entry->state);
      /* The person retries a failed or unknown message: everyone without it gets it. */
      for (guint i = 0; i < entry->recipients->len; i++)
        {
          EpOutboxRecipient *recipient = entry->recipients->pdata[i];

          if (recipient->state != EP_SMTP_RECIPIENT_DELIVERED)
            recipient->state = EP_SMTP_RECIPIENT_PENDING;
        }
      entry->state = EP_OUTBOX_STATE_QUEUED;
    }
  g_date_time_unref (entry->not_before);
  entry->not_before = g_date_time_ref (when);
  return TRUE;
}

/**
 * ep_outbox_store_queue:
 * @not_before: (nullable): the first time it may be sent; %NULL for now
 *
 * Queues a held entry (the undo window ended, or Send Now), or a failed or unknown one again
 * (every recipient that does not have it is pending again). A queued or partially delivered
 * entry only gets the new time (Retry Now).
 */
gboolean
ep_outbox_store_queue (EpOutboxStore  *self,
                       const char     *id,
                       GDateTime      *not_before,
                       GError        **error)
{
  g_autoptr(GDateTime) when = now_or (not_before);

  g_return_val_if_fail (EP_IS_OUTBOX_STORE (self), FALSE);

  return change_entry (self, id, change_to_queued, when, error);
}

static gboolean
change_to_held (EpOutboxEntry  *entry,
                GDateTime      *when,
                GError        **error)
{
  if (entry->state != EP_OUTBOX_STATE_HELD &&
      !ep_outbox_state_can_change (entry->state, EP_OUTBOX_STATE_HELD))
    return wrong_state (error, entry->state);
  entry->state = EP_OUTBOX_STATE_HELD;
  if (when != NULL)
    {
      g_date_time_unref (entry->not_before);
      entry->not_before = g_date_time_ref (when);
      /* A time of the person's own: Epistle holds it until then, not the server until another. */
      g_clear_pointer (&entry->hold_until, g_date_time_unref);
    }
  return TRUE;
}

/**
 * ep_outbox_store_hold:
 * @until: (nullable): the time it is meant for (Send Later); %NULL keeps the one it has
 *
 * Holds a queued entry back, or gives a held one a new time. A held entry is never due. With a
 * new time, the server is no longer asked to hold it (its hold-until goes).
 */
gboolean
ep_outbox_store_hold (EpOutboxStore  *self,
                      const char     *id,
                      GDateTime      *until,
                      GError        **error)
{
  g_return_val_if_fail (EP_IS_OUTBOX_STORE (self), FALSE);

  return change_entry (self, id, change_to_held, until, error);
}

static gboolean
change_to_delivered (EpOutboxEntry  *entry,
                     GDateTime      *when,
                     GError        **error)
{
  gboolean rest = FALSE;

  if (entry->state != EP_OUTBOX_STATE_UNKNOWN)
    return wrong_state (error, entry->state);
  for (guint i = 0; i < entry->recipients->len; i++)
    {
      EpOutboxRecipient *recipient = entry->recipients->pdata[i];

      if (recipient->state == EP_SMTP_RECIPIENT_UNKNOWN)
        recipient->state = EP_SMTP_RECIPIENT_DELIVERED;
      else if (recipient->state == EP_SMTP_RECIPIENT_PENDING ||
               recipient->state == EP_SMTP_RECIPIENT_DEFERRED)
        rest = TRUE;
    }
  entry->state = rest ? EP_OUTBOX_STATE_PARTIAL : EP_OUTBOX_STATE_DELIVERED;
  return TRUE;
}

/**
 * ep_outbox_store_mark_delivered:
 *
 * The person says that an unknown entry did arrive: its unknown recipients have it. The entry is
 * delivered, or partially delivered when some recipients were not in that transaction (they are
 * then sent to from now on).
 */
gboolean
ep_outbox_store_mark_delivered (EpOutboxStore  *self,
                                const char     *id,
                                GError        **error)
{
  g_return_val_if_fail (EP_IS_OUTBOX_STORE (self), FALSE);

  return change_entry (self, id, change_to_delivered, NULL, error);
}

/* Removes entry @id, whose lock the caller holds: renamed first, so that it is gone at once for
 * everyone, then emptied. */
static gboolean
delete_locked (EpOutboxStore  *self,
               const char     *id,
               GError        **error)
{
  g_autofree char *path = g_build_filename (self->dir, id, NULL);
  g_autofree char *doomed_name = g_strconcat (DELETED_PREFIX, id, NULL);
  g_autofree char *doomed = g_build_filename (self->dir, doomed_name, NULL);

  if (g_rename (path, doomed) != 0)
    {
      set_errno_error (error, errno, _("Could not delete the outbox message “%s”: %s"), path);
      return FALSE;
    }
  ep_store_sync_dir (self->dir);
  ep_store_remove_entry_dir (doomed);
  return TRUE;
}

/**
 * ep_outbox_store_delete:
 *
 * Removes entry @id in any state but one being sent (%EP_STORE_ERROR_BUSY): it disappears from
 * the list at once (a rename with its lock held), then its files go.
 */
gboolean
ep_outbox_store_delete (EpOutboxStore  *self,
                        const char     *id,
                        GError        **error)
{
  gboolean ok;
  int fd;

  g_return_val_if_fail (EP_IS_OUTBOX_STORE (self), FALSE);

  if (!check_id (id, error))
    return FALSE;
  /* A damaged entry can be deleted too: only the lock matters here, not the contents. */
  fd = lock_entry (self, id, error);
  if (fd < 0)
    return FALSE;
  ok = delete_locked (self, id, error);
  close (fd);
  return ok;
}

/* ---- A claim --------------------------------------------------------------------------------- */

/* Returns: (transfer none): the entry as the claim last wrote it (state "sending" until the
 *   claim is finished) */
const EpOutboxEntry *
ep_outbox_claim_get_entry (EpOutboxClaim *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->entry;
}

/* Returns: (transfer full): the exact bytes to send */
GInputStream *
ep_outbox_claim_open_message (EpOutboxClaim  *self,
                              GCancellable   *cancellable,
                              GError        **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  path = g_build_filename (self->path, MESSAGE_FILE, NULL);
  return open_message_file (path, cancellable, error);
}

/**
 * ep_outbox_claim_set_recipient_state:
 *
 * Records where @address stands after this attempt; written by ep_outbox_claim_finish().
 */
gboolean
ep_outbox_claim_set_recipient_state (EpOutboxClaim         *self,
                                     const char            *address,
                                     EpSmtpRecipientState   state,
                                     GError               **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (address != NULL, FALSE);
  g_return_val_if_fail ((guint) state <= EP_SMTP_RECIPIENT_UNKNOWN, FALSE);

  if (ep_outbox_entry_find_recipient (self->entry, address) == NULL)
    {
      g_set_error_literal (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID,
                           _("This address is not a recipient of the outbox message"));
      return FALSE;
    }
  g_hash_table_replace (self->recipient_updates, g_strdup (address), GINT_TO_POINTER (state));
  return TRUE;
}

static gboolean
check_claimed (EpOutboxClaim  *self,
               GError        **error)
{
  if (!self->finished && self->entry->state == EP_OUTBOX_STATE_SENDING)
    return TRUE;
  return wrong_state (error, self->entry->state);
}

/**
 * ep_outbox_claim_mark_data_sent:
 *
 * Records, durably, that the end of the message's data is going out: from then on the server
 * may have it. Call it just before writing the last octets (the final "CRLF.CRLF", or the last
 * BDAT chunk), never after: a sender that ends between the two must not leave an entry that
 * looks unsent. If it fails, do not finish the data: the entry is as it was.
 */
gboolean
ep_outbox_claim_mark_data_sent (EpOutboxClaim  *self,
                                GError        **error)
{
  g_autoptr(EpOutboxEntry) changed = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!check_claimed (self, error))
    return FALSE;
  changed = ep_outbox_entry_copy (self->entry);
  g_clear_pointer (&changed->data_sent, g_date_time_unref);
  changed->data_sent = g_date_time_new_now_utc ();
  return claim_write (self, g_steal_pointer (&changed), self->claimed, self->claimed_from, error);
}

/**
 * ep_outbox_claim_release:
 *
 * Gives the entry back in the state it was claimed in, without counting an attempt: for an
 * attempt that stopped before anything could have reached the server (cancelled). Once
 * ep_outbox_claim_mark_data_sent() was called it cannot (%EP_STORE_ERROR_WRONG_STATE): the
 * server may have the message, so the attempt has to be finished. The recipients' states set
 * on the claim are dropped.
 */
gboolean
ep_outbox_claim_release (EpOutboxClaim  *self,
                         GError        **error)
{
  g_autoptr(EpOutboxEntry) changed = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!check_claimed (self, error))
    return FALSE;
  if (self->entry->data_sent != NULL)
    {
      g_set_error_literal (error, EP_STORE_ERROR, EP_STORE_ERROR_WRONG_STATE,
                           _("The outbox message may have reached the server already"));
      return FALSE;
    }
  changed = ep_outbox_entry_copy (self->entry);
  changed->state = self->claimed_from;
  if (!claim_write (self, g_steal_pointer (&changed), NULL, EP_OUTBOX_STATE_QUEUED, error))
    return FALSE;
  self->finished = TRUE;
  self->drop_hold = FALSE;
  g_hash_table_remove_all (self->recipient_updates);
  return TRUE;
}

/**
 * ep_outbox_claim_delete:
 *
 * Deletes the entry of a claim finished as %EP_OUTBOX_STATE_DELIVERED (its message is in the
 * Sent store now), under the claim's own lock: another process that merely looks at the entry
 * at that moment cannot make the deletion fail, as it could a later ep_outbox_store_delete().
 */
gboolean
ep_outbox_claim_delete (EpOutboxClaim  *self,
                        GError        **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (!self->finished || self->entry->state != EP_OUTBOX_STATE_DELIVERED)
    return wrong_state (error, self->entry->state);
  return delete_locked (self->store, self->id, error);
}

/* What the states promise about the recipients. */
static gboolean
check_finished_recipients (const EpOutboxEntry  *entry,
                           EpOutboxState         state,
                           GError              **error)
{
  guint waiting = 0, unknown = 0;

  for (guint i = 0; i < entry->recipients->len; i++)
    {
      const EpOutboxRecipient *recipient = entry->recipients->pdata[i];

      waiting += recipient->state == EP_SMTP_RECIPIENT_PENDING ||
                 recipient->state == EP_SMTP_RECIPIENT_DEFERRED;
      unknown += recipient->state == EP_SMTP_RECIPIENT_UNKNOWN;
    }
  if (state == EP_OUTBOX_STATE_DELIVERED && waiting + unknown > 0)
    g_set_error_literal (error, EP_STORE_ERROR, EP_STORE_ERROR_WRONG_STATE,
                         _("The outbox message cannot be delivered while recipients are still "
                           "waiting for it"));
  else if (state == EP_OUTBOX_STATE_PARTIAL && waiting == 0)
    g_set_error_literal (error, EP_STORE_ERROR, EP_STORE_ERROR_WRONG_STATE,
                         _("The outbox message cannot be partially delivered when no recipient "
                           "is waiting for it"));
  else
    return TRUE;
  return FALSE;
}

/**
 * ep_outbox_claim_drop_hold:
 *
 * The server would not hold the message: ep_outbox_claim_finish() writes the entry without its
 * hold-until time, an ordinary entry from then on.
 */
void
ep_outbox_claim_drop_hold (EpOutboxClaim *self)
{
  g_return_if_fail (self != NULL);

  self->drop_hold = TRUE;
}

/**
 * ep_outbox_claim_finish:
 * @state: how the attempt left the entry: delivered, partial, failed, unknown, or queued (a
 *   temporary failure)
 * @not_before: (nullable): with queued or partial, the next attempt's time (the caller's
 *   backoff); %NULL keeps the current one, due at once
 * @attempt: this attempt (copied); its @has_transcript is set from @transcript
 * @transcript: (nullable): the attempt's transcript, already redacted by the engine
 * @last_error: (nullable): what went wrong, in words for the person; %NULL clears it
 *
 * Ends the attempt: the recipients' states (ep_outbox_claim_set_recipient_state()), the
 * attempt and the new state are written at once. On failure nothing was written and the claim
 * is still held: finish again, or free the claim to leave the entry to recovery (unknown once
 * ep_outbox_claim_mark_data_sent() was called, else as it was claimed).
 */
gboolean
ep_outbox_claim_finish (EpOutboxClaim    *self,
                        EpOutboxState     state,
                        GDateTime        *not_before,
                        EpOutboxAttempt  *attempt,
                        const char       *transcript,
                        const char       *last_error,
                        GError          **error)
{
  g_autoptr(EpOutboxEntry) changed = NULL;
  g_autofree char *transcript_path = NULL;
  EpOutboxAttempt *recorded;
  GHashTableIter iter;
  gpointer address, recipient_state;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (attempt != NULL && attempt->time != NULL, FALSE);

  if (!check_claimed (self, error))
    return FALSE;
  if (!ep_outbox_state_can_change (EP_OUTBOX_STATE_SENDING, state))
    {
      /* Translators: %s is a state as the outbox stores it (see the previous message) */
      g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_WRONG_STATE,
                   _("A send cannot leave the outbox message “%s”"),
                   ep_outbox_state_to_string (state));
      return FALSE;
    }
  if ((last_error != NULL && !g_utf8_validate (last_error, -1, NULL)) ||
      (attempt->reply != NULL && !g_utf8_validate (attempt->reply, -1, NULL)))
    {
      g_set_error_literal (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID,
                           _("The outcome of the attempt is not valid UTF-8 text"));
      return FALSE;
    }

  changed = ep_outbox_entry_copy (self->entry);
  g_hash_table_iter_init (&iter, self->recipient_updates);
  while (g_hash_table_iter_next (&iter, &address, &recipient_state))
    ep_outbox_entry_find_recipient (changed, address)->state = GPOINTER_TO_INT (recipient_state);
  if (!check_finished_recipients (changed, state, error))
    return FALSE;

  changed->state = state;
  if (not_before != NULL)
    {
      g_date_time_unref (changed->not_before);
      changed->not_before = g_date_time_ref (not_before);
    }
  g_free (changed->last_error);
  changed->last_error = g_strdup (last_error);
  g_clear_pointer (&changed->data_sent, g_date_time_unref);
  if (self->drop_hold)
    g_clear_pointer (&changed->hold_until, g_date_time_unref);
  recorded = ep_outbox_attempt_new (attempt->time, attempt->outcome, attempt->reply);
  recorded->has_transcript = transcript != NULL;
  g_ptr_array_add (changed->attempts, recorded);

  /* The transcript first, so that meta.ini never names one that is not there. */
  if (transcript != NULL)
    {
      g_autofree char *name = transcript_name (changed->attempts->len);

      transcript_path = g_build_filename (self->path, name, NULL);
      if (!ep_atomic_file_write (transcript_path, transcript, strlen (transcript),
                                 EP_ATOMIC_FILE_PRIVATE_MODE, error))
        return FALSE;
    }
  if (!claim_write (self, g_steal_pointer (&changed), NULL, EP_OUTBOX_STATE_QUEUED, error))
    {
      if (transcript_path != NULL)
        g_unlink (transcript_path);
      return FALSE;
    }
  self->finished = TRUE;
  g_hash_table_remove_all (self->recipient_updates);
  return TRUE;
}

/**
 * ep_outbox_claim_free:
 *
 * Lets go of the claim. One that was not finished is recovered at once, as if its process had
 * ended (see %EP_OUTBOX_STATE_SENDING); should that fail, the next listing or claim does it.
 */
void
ep_outbox_claim_free (EpOutboxClaim *self)
{
  if (self == NULL)
    return;

  if (!self->finished && self->entry != NULL && self->entry->state == EP_OUTBOX_STATE_SENDING)
    {
      g_autoptr(GError) error = NULL;

      if (!claim_recover (self, &error))
        g_debug ("Outbox %s: %s", self->id, error->message);
    }
  claim_free_data (self);
}
