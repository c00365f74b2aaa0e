/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-sent-store.c: one folder per sent message: message.eml, transcript.txt, meta.ini.
 *
 * An entry is written in a hidden temporary folder and renamed into place only when all
 * three files are on disk, so a crash or a full disk never leaves a half-written entry in
 * the list. Damaged entries are skipped and reported to the caller, never logged as
 * warnings (the test suite makes warnings fatal). */
#include "config.h"

#include <inttypes.h>

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "ep-atomic-file.h"
#include "ep-sent-store.h"
#include "ep-store-error.h"
#include "ep-store-util.h"

#define MESSAGE_FILE     "message.eml"
#define TRANSCRIPT_FILE  "transcript.txt"
#define META_FILE        "meta.ini"
#define TMP_PREFIX       ".tmp-"
#define DELETED_PREFIX   ".deleted-"
#define META_GROUP       "Sent"
/* Bumped when an older Epistle could no longer read an entry correctly. */
#define META_FORMAT      1
/* Entry ids become folder names. */

#define KEY_FORMAT       "format"
#define KEY_DATE         "date"
#define KEY_SUBJECT      "subject"
#define KEY_FROM         "from"
#define KEY_RECIPIENTS   "recipients"
#define KEY_SIZE         "size"
#define KEY_SERVER       "server"
#define KEY_OUTCOME      "outcome"
#define KEY_OUTCOME_TEXT "outcome-text"
#define KEY_NOT_DELIVERED "not-delivered"
#define KEY_PROFILE      "profile"
#define KEY_HOLD_UNTIL   "hold-until"

struct _EpSentStore
{
  GObject parent_instance;

  char *dir;
};

G_DEFINE_FINAL_TYPE (EpSentStore, ep_sent_store, G_TYPE_OBJECT)

struct _EpSentWriter
{
  EpSentStore  *store;
  char         *id;
  char         *tmp_dir;
  EpAtomicFile *message;       /* NULL when the message was linked in (linked_size says its size) */
  guint64       linked_size;
  gboolean      done;
};

G_DEFINE_BOXED_TYPE (EpSentInfo, ep_sent_info, ep_sent_info_copy, ep_sent_info_free)

EpSentInfo *
ep_sent_info_new (void)
{
  EpSentInfo *info = g_new0 (EpSentInfo, 1);

  info->subject = g_strdup ("");
  info->from = g_strdup ("");
  info->recipients = g_new0 (char *, 1);
  info->server = g_strdup ("");
  info->outcome = EP_SMTP_OUTCOME_DELIVERED;
  return info;
}

EpSentInfo *
ep_sent_info_copy (const EpSentInfo *info)
{
  EpSentInfo *copy;

  g_return_val_if_fail (info != NULL, NULL);

  copy = g_new0 (EpSentInfo, 1);
  copy->id = g_strdup (info->id);
  copy->date = info->date != NULL ? g_date_time_ref (info->date) : NULL;
  copy->subject = g_strdup (info->subject);
  copy->from = g_strdup (info->from);
  copy->recipients = g_strdupv (info->recipients);
  copy->size = info->size;
  copy->server = g_strdup (info->server);
  copy->outcome = info->outcome;
  copy->outcome_text = g_strdup (info->outcome_text);
  copy->profile_id = g_strdup (info->profile_id);
  copy->not_delivered = g_strdupv (info->not_delivered);
  copy->hold_until = info->hold_until != NULL ? g_date_time_ref (info->hold_until) : NULL;
  return copy;
}

void
ep_sent_info_free (EpSentInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->id);
  g_clear_pointer (&info->date, g_date_time_unref);
  g_free (info->subject);
  g_free (info->from);
  g_strfreev (info->recipients);
  g_free (info->server);
  g_free (info->outcome_text);
  g_free (info->profile_id);
  g_strfreev (info->not_delivered);
  g_clear_pointer (&info->hold_until, g_date_time_unref);
  g_free (info);
}

static gboolean
check_id (const char  *id,
          GError     **error)
{
  if (ep_store_id_is_valid (id))
    return TRUE;
  g_set_error_literal (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID,
                       _("Not a valid Sent message id"));
  return FALSE;
}

static void
ep_sent_store_finalize (GObject *object)
{
  EpSentStore *self = EP_SENT_STORE (object);

  g_free (self->dir);

  G_OBJECT_CLASS (ep_sent_store_parent_class)->finalize (object);
}

static void
ep_sent_store_class_init (EpSentStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ep_sent_store_finalize;
}

static void
ep_sent_store_init (EpSentStore *self)
{
}

/**
 * ep_sent_store_new:
 * @sent_dir: (nullable): the folder of entries; %NULL for `$XDG_DATA_HOME/epistle/sent`
 */
EpSentStore *
ep_sent_store_new (const char *sent_dir)
{
  EpSentStore *self = g_object_new (EP_TYPE_SENT_STORE, NULL);

  if (sent_dir != NULL)
    self->dir = g_strdup (sent_dir);
  else
    self->dir = g_build_filename (g_get_user_data_dir (), "epistle", "sent", NULL);
  return self;
}

const char *
ep_sent_store_get_dir (EpSentStore *self)
{
  g_return_val_if_fail (EP_IS_SENT_STORE (self), NULL);

  return self->dir;
}

/* A new entry's temporary folder, still empty. */
static EpSentWriter *
begin_entry (EpSentStore  *self,
             GError      **error)
{
  g_autoptr(EpSentWriter) writer = NULL;
  g_autofree char *template = NULL;

  if (!ep_store_ensure_private_dir (self->dir, error))
    return NULL;

  writer = g_new0 (EpSentWriter, 1);
  writer->store = g_object_ref (self);
  writer->id = ep_store_new_entry_id ();
  template = g_build_filename (self->dir, TMP_PREFIX "XXXXXX", NULL);
  if (g_mkdtemp_full (template, 0700) == NULL)
    {
      int errsv = errno;
      g_autofree char *display = g_filename_display_name (self->dir);

      writer->done = TRUE;
      g_set_error (error, EP_STORE_ERROR, ep_store_error_from_errno (errsv),
                   _("Could not save the sent message in “%s”: %s"), display, g_strerror (errsv));
      return NULL;
    }
  writer->tmp_dir = g_steal_pointer (&template);
  return g_steal_pointer (&writer);
}

/**
 * ep_sent_store_begin:
 *
 * Starts a new entry. Write the message's exact bytes into
 * ep_sent_writer_get_output_stream() (for example by teeing what goes to the server), then
 * ep_sent_writer_commit(). Freeing the writer without a commit leaves nothing behind.
 */
EpSentWriter *
ep_sent_store_begin (EpSentStore  *self,
                     GError      **error)
{
  g_autoptr(EpSentWriter) writer = NULL;
  g_autofree char *message_path = NULL;

  g_return_val_if_fail (EP_IS_SENT_STORE (self), NULL);

  writer = begin_entry (self, error);
  if (writer == NULL)
    return NULL;
  message_path = g_build_filename (writer->tmp_dir, MESSAGE_FILE, NULL);
  writer->message = ep_atomic_file_new (message_path, EP_ATOMIC_FILE_PRIVATE_MODE, error);
  if (writer->message == NULL)
    return NULL;
  return g_steal_pointer (&writer);
}

/* Returns: (transfer none): where the message's bytes go, unbuffered, straight to disk */
GOutputStream *
ep_sent_writer_get_output_stream (EpSentWriter *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return ep_atomic_file_get_output_stream (self->message);
}

static char *
meta_to_data (const EpSentInfo *info,
              gsize            *length)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autofree char *date = ep_store_format_date (info->date);
  const char * const empty[] = { NULL };
  const char * const *recipients = info->recipients != NULL
    ? (const char * const *) info->recipients : empty;

  g_key_file_set_integer (keyfile, META_GROUP, KEY_FORMAT, META_FORMAT);
  g_key_file_set_string (keyfile, META_GROUP, KEY_DATE, date);
  g_key_file_set_string (keyfile, META_GROUP, KEY_SUBJECT, info->subject != NULL ? info->subject : "");
  g_key_file_set_string (keyfile, META_GROUP, KEY_FROM, info->from != NULL ? info->from : "");
  g_key_file_set_string_list (keyfile, META_GROUP, KEY_RECIPIENTS, recipients,
                              g_strv_length ((char **) recipients));
  g_key_file_set_uint64 (keyfile, META_GROUP, KEY_SIZE, info->size);
  g_key_file_set_string (keyfile, META_GROUP, KEY_SERVER, info->server != NULL ? info->server : "");
  g_key_file_set_string (keyfile, META_GROUP, KEY_OUTCOME, ep_smtp_outcome_to_string (info->outcome));
  if (info->outcome_text != NULL)
    g_key_file_set_string (keyfile, META_GROUP, KEY_OUTCOME_TEXT, info->outcome_text);
  if (info->profile_id != NULL)
    g_key_file_set_string (keyfile, META_GROUP, KEY_PROFILE, info->profile_id);
  if (info->not_delivered != NULL && info->not_delivered[0] != NULL)
    g_key_file_set_string_list (keyfile, META_GROUP, KEY_NOT_DELIVERED,
                                (const char * const *) info->not_delivered,
                                g_strv_length (info->not_delivered));
  if (info->hold_until != NULL)
    {
      g_autofree char *hold_until = ep_store_format_date (info->hold_until);

      g_key_file_set_string (keyfile, META_GROUP, KEY_HOLD_UNTIL, hold_until);
    }
  return g_key_file_to_data (keyfile, length, NULL);
}

/* The atomic writer's messages name temporary files and speak of "earlier versions"; a
 * Sent copy has neither, so say what was not kept. */
static gboolean
sent_save_failed (EpSentWriter  *self,
                  GError       **error,
                  GError        *cause)
{
  g_autofree char *display = g_filename_display_name (self->store->dir);

  if (cause->domain == EP_STORE_ERROR && cause->code == EP_STORE_ERROR_NO_SPACE)
    g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NO_SPACE,
                 _("Could not keep a copy of the sent message in “%s”: the disk is full"),
                 display);
  else if (cause->domain == EP_STORE_ERROR)
    g_set_error (error, EP_STORE_ERROR, cause->code,
                 _("Could not keep a copy of the sent message: %s"), cause->message);
  else
    {
      g_propagate_error (error, cause);
      return FALSE;
    }
  g_error_free (cause);
  return FALSE;
}

static gboolean
check_info_text (const EpSentInfo  *info,
                 GError           **error)
{
  gboolean ok = TRUE;

  ok &= info->subject == NULL || g_utf8_validate (info->subject, -1, NULL);
  ok &= info->from == NULL || g_utf8_validate (info->from, -1, NULL);
  ok &= info->server == NULL || g_utf8_validate (info->server, -1, NULL);
  ok &= info->outcome_text == NULL || g_utf8_validate (info->outcome_text, -1, NULL);
  ok &= info->profile_id == NULL || g_utf8_validate (info->profile_id, -1, NULL);
  for (guint i = 0; info->recipients != NULL && info->recipients[i] != NULL; i++)
    ok &= g_utf8_validate (info->recipients[i], -1, NULL);
  for (guint i = 0; info->not_delivered != NULL && info->not_delivered[i] != NULL; i++)
    ok &= g_utf8_validate (info->not_delivered[i], -1, NULL);
  if (!ok)
    g_set_error_literal (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID,
                         _("The summary of the sent message is not valid UTF-8 text"));
  return ok;
}

/**
 * ep_sent_writer_commit:
 * @info: the summary; its @id and @size are set here (and @date when unset)
 * @transcript: (nullable): the session transcript, already redacted by the engine
 *
 * Writes the transcript and the summary beside the message and makes the entry appear.
 * On failure (%EP_STORE_ERROR_NO_SPACE for a full disk) nothing is left behind.
 */
gboolean
ep_sent_writer_commit (EpSentWriter  *self,
                       EpSentInfo    *info,
                       const char    *transcript,
                       GError       **error)
{
  g_autofree char *transcript_path = NULL;
  g_autofree char *meta_path = NULL;
  g_autofree char *final_path = NULL;
  g_autofree char *meta = NULL;
  GError *local_error = NULL;
  gsize meta_length;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (!self->done, FALSE);
  g_return_val_if_fail (info != NULL, FALSE);

  if (!check_info_text (info, error))
    return FALSE;
  if (self->message != NULL && !ep_atomic_file_commit (self->message, &local_error))
    return sent_save_failed (self, error, local_error);

  if (info->date == NULL)
    info->date = g_date_time_new_now_utc ();
  info->size = self->message != NULL ? ep_atomic_file_get_size (self->message) : self->linked_size;
  g_free (info->id);
  info->id = g_strdup (self->id);

  transcript_path = g_build_filename (self->tmp_dir, TRANSCRIPT_FILE, NULL);
  meta_path = g_build_filename (self->tmp_dir, META_FILE, NULL);
  if (transcript == NULL)
    transcript = "";
  meta = meta_to_data (info, &meta_length);
  if (!ep_atomic_file_write (transcript_path, transcript, strlen (transcript),
                             EP_ATOMIC_FILE_PRIVATE_MODE, &local_error) ||
      !ep_atomic_file_write (meta_path, meta, meta_length, EP_ATOMIC_FILE_PRIVATE_MODE, &local_error))
    return sent_save_failed (self, error, local_error);

  final_path = g_build_filename (self->store->dir, self->id, NULL);
  if (g_rename (self->tmp_dir, final_path) != 0)
    {
      int errsv = errno;
      g_autofree char *display = g_filename_display_name (final_path);

      g_set_error (error, EP_STORE_ERROR, ep_store_error_from_errno (errsv),
                   _("Could not save the sent message as “%s”: %s"), display, g_strerror (errsv));
      return FALSE;
    }
  self->done = TRUE;
  ep_store_sync_dir (self->store->dir);
  return TRUE;
}

void
ep_sent_writer_free (EpSentWriter *self)
{
  if (self == NULL)
    return;

  /* The message file's temporary goes first, then the folder. */
  g_clear_pointer (&self->message, ep_atomic_file_free);
  if (!self->done && self->tmp_dir != NULL)
    ep_store_remove_entry_dir (self->tmp_dir);
  g_clear_object (&self->store);
  g_free (self->id);
  g_free (self->tmp_dir);
  g_free (self);
}

/**
 * ep_sent_store_add:
 * @info: as for ep_sent_writer_commit()
 *
 * Stores the bytes read from @message (streamed, never all in memory) with @transcript.
 * Errors reading @message and cancellation pass through unchanged.
 */
gboolean
ep_sent_store_add (EpSentStore   *self,
                   EpSentInfo    *info,
                   GInputStream  *message,
                   const char    *transcript,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_autoptr(EpSentWriter) writer = NULL;

  g_return_val_if_fail (EP_IS_SENT_STORE (self), FALSE);
  g_return_val_if_fail (info != NULL, FALSE);
  g_return_val_if_fail (G_IS_INPUT_STREAM (message), FALSE);

  writer = ep_sent_store_begin (self, error);
  if (writer == NULL)
    return FALSE;
  if (!ep_atomic_file_copy_from (writer->message, message, cancellable, error))
    return FALSE;
  return ep_sent_writer_commit (writer, info, transcript, error);
}

static GError *
damaged (const char *entry_path,
         const char *reason)
{
  g_autofree char *display = g_filename_display_name (entry_path);

  return g_error_new (EP_STORE_ERROR, EP_STORE_ERROR_CORRUPT,
                      _("The sent message “%s” is damaged: %s"), display, reason);
}

static char *
get_text (GKeyFile   *keyfile,
          const char *key)
{
  char *value = ep_store_keyfile_dup_string (keyfile, META_GROUP, key, NULL);

  return value != NULL ? value : g_strdup ("");
}

static EpSentInfo *
read_entry (const char  *entry_path,
            const char  *id,
            GError     **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(EpSentInfo) info = ep_sent_info_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *meta_path = g_build_filename (entry_path, META_FILE, NULL);
  g_autofree char *message_path = g_build_filename (entry_path, MESSAGE_FILE, NULL);
  g_autofree char *format = NULL;
  g_autofree char *date = NULL;
  g_autofree char *size = NULL;
  g_autofree char *outcome = NULL;
  GStatBuf st;
  guint64 version;

  if (!ep_store_load_keyfile (keyfile, meta_path, &local_error))
    {
      /* The message already names meta.ini and says what is wrong with it. */
      g_set_error_literal (error, EP_STORE_ERROR, EP_STORE_ERROR_CORRUPT, local_error->message);
      return NULL;
    }
  format = g_key_file_get_value (keyfile, META_GROUP, KEY_FORMAT, NULL);
  if (format == NULL || !g_ascii_string_to_unsigned (format, 10, 1, G_MAXUINT32, &version, NULL))
    {
      *error = damaged (entry_path, _("its summary has no format version"));
      return NULL;
    }
  if (version > META_FORMAT)
    {
      g_autofree char *display = g_filename_display_name (entry_path);

      g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NEWER_FORMAT,
                   _("“%s” was saved by a newer version of Epistle"), display);
      return NULL;
    }

  date = ep_store_keyfile_dup_string (keyfile, META_GROUP, KEY_DATE, NULL);
  info->date = ep_store_parse_date (date);
  if (info->date == NULL)
    {
      *error = damaged (entry_path, _("its date is missing or not valid"));
      return NULL;
    }
  size = g_key_file_get_value (keyfile, META_GROUP, KEY_SIZE, NULL);
  if (size == NULL || !g_ascii_string_to_unsigned (size, 10, 0, G_MAXUINT64, &info->size, NULL))
    {
      *error = damaged (entry_path, _("its size is missing or not a number"));
      return NULL;
    }
  outcome = ep_store_keyfile_dup_string (keyfile, META_GROUP, KEY_OUTCOME, NULL);
  if (!ep_smtp_outcome_from_string (outcome, &info->outcome))
    {
      *error = damaged (entry_path, _("its outcome is missing or unknown"));
      return NULL;
    }

  /* The message is what the user comes for: missing or truncated means damaged. */
  if (g_stat (message_path, &st) != 0 || !S_ISREG (st.st_mode))
    {
      *error = damaged (entry_path, _("the message file is missing"));
      return NULL;
    }
  if ((guint64) st.st_size != info->size)
    {
      g_autofree char *reason =
        g_strdup_printf (_("the message file has %" PRIu64 " bytes instead of %" PRIu64),
                         (guint64) st.st_size, info->size);
      *error = damaged (entry_path, reason);
      return NULL;
    }

  g_free (info->subject);
  info->subject = get_text (keyfile, KEY_SUBJECT);
  g_free (info->from);
  info->from = get_text (keyfile, KEY_FROM);
  g_free (info->server);
  info->server = get_text (keyfile, KEY_SERVER);
  info->outcome_text = ep_store_keyfile_dup_string (keyfile, META_GROUP, KEY_OUTCOME_TEXT, NULL);
  info->profile_id = ep_store_keyfile_dup_string (keyfile, META_GROUP, KEY_PROFILE, NULL);
  if (g_key_file_has_key (keyfile, META_GROUP, KEY_RECIPIENTS, NULL))
    {
      char **recipients = ep_store_keyfile_dup_string_list (keyfile, META_GROUP, KEY_RECIPIENTS, NULL);

      if (recipients != NULL)
        {
          g_strfreev (info->recipients);
          info->recipients = recipients;
        }
    }
  if (g_key_file_has_key (keyfile, META_GROUP, KEY_NOT_DELIVERED, NULL))
    info->not_delivered = ep_store_keyfile_dup_string_list (keyfile, META_GROUP, KEY_NOT_DELIVERED, NULL);
  /* Like the other optional keys: one that cannot be read is as if it were not there. */
  if (g_key_file_has_key (keyfile, META_GROUP, KEY_HOLD_UNTIL, NULL))
    {
      g_autofree char *hold_until = ep_store_keyfile_dup_string (keyfile, META_GROUP,
                                                                 KEY_HOLD_UNTIL, NULL);

      info->hold_until = ep_store_parse_date (hold_until);
    }
  info->id = g_strdup (id);
  return g_steal_pointer (&info);
}

static int
compare_newest_first (gconstpointer a,
                      gconstpointer b)
{
  const EpSentInfo *ia = *(const EpSentInfo **) a;
  const EpSentInfo *ib = *(const EpSentInfo **) b;
  int order = g_date_time_compare (ib->date, ia->date);

  return order != 0 ? order : -g_strcmp0 (ia->id, ib->id);
}

/**
 * ep_sent_store_list:
 * @out_problems: (out) (optional) (element-type GError): one error per entry that was
 *   skipped because it is damaged or from a newer Epistle
 *
 * Returns: (transfer full) (element-type EpSentInfo): the entries, newest first, or %NULL if
 *   the folder could not be read (a missing folder is an empty list)
 */
GPtrArray *
ep_sent_store_list (EpSentStore  *self,
                    GPtrArray   **out_problems,
                    GError      **error)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_sent_info_free);
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;

  g_return_val_if_fail (EP_IS_SENT_STORE (self), NULL);

  dir = g_dir_open (self->dir, 0, &local_error);
  if (dir == NULL && !g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_autofree char *display = g_filename_display_name (self->dir);

      g_set_error (error, EP_STORE_ERROR,
                   g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_ACCES)
                     ? EP_STORE_ERROR_PERMISSION_DENIED : EP_STORE_ERROR_IO,
                   _("Could not read the Sent folder “%s”: %s"), display, local_error->message);
      return NULL;
    }

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      GError *entry_error = NULL;
      EpSentInfo *info;

      /* Hidden: entries being written or deleted right now. */
      if (name[0] == '.' || !ep_store_id_is_valid (name))
        continue;
      path = g_build_filename (self->dir, name, NULL);
      if (!g_file_test (path, G_FILE_TEST_IS_DIR))
        continue;

      info = read_entry (path, name, &entry_error);
      if (info != NULL)
        g_ptr_array_add (entries, info);
      else
        {
          g_debug ("%s", entry_error->message);
          g_ptr_array_add (problems, entry_error);
        }
    }

  g_ptr_array_sort (entries, compare_newest_first);
  if (out_problems != NULL)
    *out_problems = g_steal_pointer (&problems);
  return g_steal_pointer (&entries);
}

/**
 * ep_sent_store_load:
 *
 * Reads the summary of entry @id alone, as ep_sent_store_list() reads each entry (a damaged one
 * is reported, not moved): for readers that follow the store as it grows without listing every
 * entry again.
 *
 * Returns: (transfer full): the entry, or %NULL with @error
 */
EpSentInfo *
ep_sent_store_load (EpSentStore  *self,
                    const char   *id,
                    GError      **error)
{
  g_autofree char *entry_path = NULL;

  g_return_val_if_fail (EP_IS_SENT_STORE (self), NULL);

  if (!check_id (id, error))
    return NULL;
  entry_path = g_build_filename (self->dir, id, NULL);
  return read_entry (entry_path, id, error);
}

/* Returns: (transfer full): the path of the exact bytes sent for entry @id (open it with
 *   GIO; a large message is better streamed than loaded) */
char *
ep_sent_store_dup_message_path (EpSentStore *self,
                                const char  *id)
{
  g_return_val_if_fail (EP_IS_SENT_STORE (self), NULL);
  g_return_val_if_fail (ep_store_id_is_valid (id), NULL);

  return g_build_filename (self->dir, id, MESSAGE_FILE, NULL);
}

/* Returns: (transfer full): the redacted transcript of entry @id */
char *
ep_sent_store_load_transcript (EpSentStore  *self,
                               const char   *id,
                               GError      **error)
{
  g_autofree char *path = NULL;
  g_autofree char *display = NULL;
  g_autoptr(GError) local_error = NULL;
  char *contents = NULL;

  g_return_val_if_fail (EP_IS_SENT_STORE (self), NULL);

  if (!check_id (id, error))
    return NULL;
  path = g_build_filename (self->dir, id, TRANSCRIPT_FILE, NULL);
  if (g_file_get_contents (path, &contents, NULL, &local_error))
    return contents;

  display = g_filename_display_name (path);
  g_set_error (error, EP_STORE_ERROR,
               g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT)
                 ? EP_STORE_ERROR_NOT_FOUND : EP_STORE_ERROR_IO,
               _("Could not read “%s”: %s"), display, local_error->message);
  return NULL;
}

/**
 * ep_sent_store_delete:
 *
 * Removes entry @id: it disappears from the list at once (a rename), then its files go.
 */
gboolean
ep_sent_store_delete (EpSentStore  *self,
                      const char   *id,
                      GError      **error)
{
  g_autofree char *path = NULL;
  g_autofree char *doomed_name = NULL;
  g_autofree char *doomed = NULL;

  g_return_val_if_fail (EP_IS_SENT_STORE (self), FALSE);

  if (!check_id (id, error))
    return FALSE;
  path = g_build_filename (self->dir, id, NULL);
  doomed_name = g_strconcat (DELETED_PREFIX, id, NULL);
  doomed = g_build_filename (self->dir, doomed_name, NULL);
  if (g_rename (path, doomed) != 0)
    {
      int errsv = errno;
      g_autofree char *display = g_filename_display_name (path);

      g_set_error (error, EP_STORE_ERROR, ep_store_error_from_errno (errsv),
                   _("Could not delete the sent message “%s”: %s"), display, g_strerror (errsv));
      return FALSE;
    }
  ep_store_remove_entry_dir (doomed);
  return TRUE;
}

/**
 * ep_sent_store_add_file:
 * @message_path: a finished file that is never written again (an outbox entry's message)
 * @info: as for ep_sent_writer_commit()
 *
 * Stores the message at @message_path without copying it when it can: a hard link on the same
 * file system, so that a delivered outbox entry moves to Sent without its bytes being read and
 * written again. Elsewhere it is copied, as ep_sent_store_add() does.
 */
gboolean
ep_sent_store_add_file (EpSentStore   *self,
                        EpSentInfo    *info,
                        const char    *message_path,
                        const char    *transcript,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_autoptr(EpSentWriter) writer = NULL;
  g_autofree char *target = NULL;
  GStatBuf st;

  g_return_val_if_fail (EP_IS_SENT_STORE (self), FALSE);
  g_return_val_if_fail (info != NULL, FALSE);
  g_return_val_if_fail (message_path != NULL, FALSE);

  writer = begin_entry (self, error);
  if (writer == NULL)
    return FALSE;
  target = g_build_filename (writer->tmp_dir, MESSAGE_FILE, NULL);
  if (link (message_path, target) == 0 && g_stat (target, &st) == 0)
    {
      writer->linked_size = (guint64) st.st_size;
      return ep_sent_writer_commit (writer, info, transcript, error);
    }
  else
    {
      g_autoptr(GFile) file = g_file_new_for_path (message_path);
      g_autoptr(GFileInputStream) message = NULL;

      /* Another file system, or one without hard links: a copy. */
      (void) g_unlink (target);
      g_clear_pointer (&writer, ep_sent_writer_free);
      message = g_file_read (file, cancellable, error);
      if (message == NULL)
        return FALSE;
      return ep_sent_store_add (self, info, G_INPUT_STREAM (message), transcript, cancellable, error);
    }
}
