/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-sandbox-store.c: the Sandbox inbox on disk: exact message bytes plus an envelope record. */
#include "config.h"

#include "ep-sandbox-store.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "ep-sandbox-error.h"
#include "ep-store-util.h"

/* Messages are streamed to disk in blocks this large; never held whole in memory. */
#define INCOMING_BUFFER_SIZE (64 * 1024)

/* "20250102-030405-678901-1a2b3c4d": UTC date, time, microseconds, 32 random bits. */
#define ID_LENGTH 31
#define INCOMING_PREFIX ".incoming-"

/* A new id colliding with an existing file is all but impossible; retry a few times anyway. */
#define ID_ATTEMPTS 8

struct _EpSandboxIncoming {
  char          *id;
  char          *temp_path;
  char          *eml_path;
  GOutputStream *stream;
  gboolean       committed;
};

static void
ep_sandbox_entry_clear (EpSandboxEntry *self)
{
  g_free (self->id);
  g_free (self->eml_path);
  g_free (self->sender);
  g_strfreev (self->recipients);
  g_clear_pointer (&self->received, g_date_time_unref);
  g_free (self->transfer);
  g_free (self->body_type);
  g_free (self->client_name);
  g_free (self->client_address);
  g_free (self->greeting);
  g_free (self->tls_protocol);
  g_free (self->tls_cipher);
  g_free (self->auth_mechanism);
  g_free (self->auth_user);
  g_free (self->transcript);
}

G_DEFINE_BOXED_TYPE (EpSandboxEntry, ep_sandbox_entry, ep_sandbox_entry_ref, ep_sandbox_entry_unref)

EpSandboxEntry *
ep_sandbox_entry_new (void)
{
  return g_atomic_rc_box_new0 (EpSandboxEntry);
}

EpSandboxEntry *
ep_sandbox_entry_ref (EpSandboxEntry *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return g_atomic_rc_box_acquire (self);
}

void
ep_sandbox_entry_unref (EpSandboxEntry *self)
{
  g_return_if_fail (self != NULL);
  g_atomic_rc_box_release_full (self, (GDestroyNotify) ep_sandbox_entry_clear);
}

typedef enum {
  FILE_OP_CREATE,
  FILE_OP_REMOVE,
  FILE_OP_RENAME,
} FileOp;

static gboolean
set_errno_error (GError    **error,
                 int         saved_errno,
                 FileOp      op,
                 const char *path)
{
  const char *reason = g_strerror (saved_errno);

  switch (op)
    {
    case FILE_OP_CREATE:
      g_set_error (error, EP_SANDBOX_ERROR, EP_SANDBOX_ERROR_IO,
                   _("Could not create %s: %s"), path, reason);
      break;
    case FILE_OP_REMOVE:
      g_set_error (error, EP_SANDBOX_ERROR, EP_SANDBOX_ERROR_IO,
                   _("Could not remove %s: %s"), path, reason);
      break;
    case FILE_OP_RENAME:
    default:
      g_set_error (error, EP_SANDBOX_ERROR, EP_SANDBOX_ERROR_IO,
                   _("Could not rename %s: %s"), path, reason);
      break;
    }
  return FALSE;
}

/**
 * ep_sandbox_dup_dir:
 *
 * Returns: $XDG_DATA_HOME/epistle/sandbox (certificate, key, inbox)
 */
char *
ep_sandbox_dup_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "epistle", "sandbox", NULL);
}

/**
 * ep_sandbox_dup_inbox_dir:
 *
 * Returns: $XDG_DATA_HOME/epistle/sandbox/inbox, the directory the UI monitors
 */
char *
ep_sandbox_dup_inbox_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "epistle", "sandbox", "inbox", NULL);
}

/**
 * ep_sandbox_ensure_dirs:
 *
 * Creates the Sandbox directory and its inbox, readable by the owner only.
 */
gboolean
ep_sandbox_ensure_dirs (GError **error)
{
  g_autofree char *inbox = ep_sandbox_dup_inbox_dir ();

  if (g_mkdir_with_parents (inbox, 0700) != 0)
    return set_errno_error (error, errno, FILE_OP_CREATE, inbox);
  return TRUE;
}

/**
 * ep_sandbox_id_is_valid:
 *
 * Returns: whether @id has the shape of a message id; anything else (slashes, dots, other
 *   lengths) is refused before it comes near a path.
 */
gboolean
ep_sandbox_id_is_valid (const char *id)
{
  static const char shape[] = "DDDDDDDD-DDDDDD-DDDDDD-XXXXXXXX";

  G_STATIC_ASSERT (sizeof shape - 1 == ID_LENGTH);
  if (id == NULL || strlen (id) != ID_LENGTH)
    return FALSE;
  for (gsize i = 0; i < ID_LENGTH; i++)
    {
      gboolean ok;

      switch (shape[i])
        {
        case 'D':
          ok = g_ascii_isdigit (id[i]);
          break;
        case 'X':
          ok = g_ascii_isdigit (id[i]) || (id[i] >= 'a' && id[i] <= 'f');
          break;
        default:
          ok = id[i] == shape[i];
          break;
        }
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

static char *
make_id (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");

  return g_strdup_printf ("%s-%06d-%08x", stamp, g_date_time_get_microsecond (now),
                          g_random_int ());
}

static char *
message_path (const char *inbox,
              const char *id)
{
  g_autofree char *name = g_strconcat (id, EP_SANDBOX_MESSAGE_SUFFIX, NULL);

  return g_build_filename (inbox, name, NULL);
}

static char *
envelope_path (const char *inbox,
               const char *id)
{
  g_autofree char *name = g_strconcat (id, EP_SANDBOX_ENVELOPE_SUFFIX, NULL);

  return g_build_filename (inbox, name, NULL);
}

static void
set_optional_string (GKeyFile   *keyfile,
                     const char *group,
                     const char *key,
                     const char *value)
{
  if (value != NULL)
    g_key_file_set_string (keyfile, group, key, value);
}

static char *
entry_to_data (EpSandboxEntry *entry,
               gsize          *out_length)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autofree char *received = g_date_time_format_iso8601 (entry->received);
  const char *empty[] = { NULL };
  const char *const *recipients = entry->recipients != NULL
    ? (const char *const *) entry->recipients : empty;

  g_key_file_set_integer (keyfile, EP_SANDBOX_ENVELOPE_GROUP, "Version", EP_SANDBOX_ENVELOPE_VERSION);
  g_key_file_set_string (keyfile, EP_SANDBOX_ENVELOPE_GROUP, "Id", entry->id);
  g_key_file_set_string (keyfile, EP_SANDBOX_ENVELOPE_GROUP, "From", entry->sender);
  g_key_file_set_string_list (keyfile, EP_SANDBOX_ENVELOPE_GROUP, "Recipients",
                              recipients, g_strv_length ((char **) recipients));
  g_key_file_set_string (keyfile, EP_SANDBOX_ENVELOPE_GROUP, "Received", received);
  g_key_file_set_uint64 (keyfile, EP_SANDBOX_ENVELOPE_GROUP, "Size", entry->size);
  set_optional_string (keyfile, EP_SANDBOX_ENVELOPE_GROUP, "Transfer", entry->transfer);
  set_optional_string (keyfile, EP_SANDBOX_ENVELOPE_GROUP, "Body", entry->body_type);
  g_key_file_set_boolean (keyfile, EP_SANDBOX_ENVELOPE_GROUP, "SMTPUTF8", entry->smtputf8);
  g_key_file_set_uint64 (keyfile, EP_SANDBOX_ENVELOPE_GROUP, "LongestLine", entry->longest_line);

  set_optional_string (keyfile, EP_SANDBOX_SESSION_GROUP, "Client", entry->client_name);
  set_optional_string (keyfile, EP_SANDBOX_SESSION_GROUP, "ClientAddress", entry->client_address);
  set_optional_string (keyfile, EP_SANDBOX_SESSION_GROUP, "Greeting", entry->greeting);
  g_key_file_set_boolean (keyfile, EP_SANDBOX_SESSION_GROUP, "TLS", entry->tls);
  set_optional_string (keyfile, EP_SANDBOX_SESSION_GROUP, "TLSProtocol", entry->tls_protocol);
  set_optional_string (keyfile, EP_SANDBOX_SESSION_GROUP, "TLSCipher", entry->tls_cipher);
  set_optional_string (keyfile, EP_SANDBOX_SESSION_GROUP, "AuthMechanism", entry->auth_mechanism);
  set_optional_string (keyfile, EP_SANDBOX_SESSION_GROUP, "AuthUser", entry->auth_user);
  set_optional_string (keyfile, EP_SANDBOX_SESSION_GROUP, "Transcript", entry->transcript);

  return g_key_file_to_data (keyfile, out_length, NULL);
}

static char *
get_optional_string (GKeyFile   *keyfile,
                     const char *group,
                     const char *key)
{
  return ep_store_keyfile_dup_string (keyfile, group, key, NULL);
}

static EpSandboxEntry *
load_entry (const char  *inbox,
            const char  *id,
            GError     **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(EpSandboxEntry) entry = ep_sandbox_entry_new ();
  g_autofree char *path = envelope_path (inbox, id);
  g_autofree char *stored_id = NULL;
  g_autofree char *received = NULL;
  g_autoptr(GError) local_error = NULL;
  GStatBuf st;
  gint64 version;

  if (!g_key_file_load_from_file (keyfile, path, G_KEY_FILE_NONE, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_set_error (error, EP_SANDBOX_ERROR, EP_SANDBOX_ERROR_NOT_FOUND,
                     _("No Sandbox message with id %s"), id);
      else
        g_set_error (error, EP_SANDBOX_ERROR, EP_SANDBOX_ERROR_CORRUPT,
                     _("Could not read %s: %s"), path, local_error->message);
      return NULL;
    }

  version = g_key_file_get_int64 (keyfile, EP_SANDBOX_ENVELOPE_GROUP, "Version", NULL);
  stored_id = ep_store_keyfile_dup_string (keyfile, EP_SANDBOX_ENVELOPE_GROUP, "Id", NULL);
  entry->sender = ep_store_keyfile_dup_string (keyfile, EP_SANDBOX_ENVELOPE_GROUP, "From", NULL);
  entry->recipients = ep_store_keyfile_dup_string_list (keyfile, EP_SANDBOX_ENVELOPE_GROUP,
                                                        "Recipients", NULL);
  received = ep_store_keyfile_dup_string (keyfile, EP_SANDBOX_ENVELOPE_GROUP, "Received", NULL);
  if (received != NULL)
    entry->received = g_date_time_new_from_iso8601 (received, NULL);

  if (version < 1 || version > EP_SANDBOX_ENVELOPE_VERSION ||
      g_strcmp0 (stored_id, id) != 0 || entry->sender == NULL ||
      entry->recipients == NULL || entry->received == NULL)
    {
      g_set_error (error, EP_SANDBOX_ERROR, EP_SANDBOX_ERROR_CORRUPT,
                   _("The envelope record %s is incomplete or from a newer version"), path);
      return NULL;
    }

  entry->id = g_strdup (id);
  entry->eml_path = message_path (inbox, id);
  if (g_stat (entry->eml_path, &st) != 0)
    {
      g_set_error (error, EP_SANDBOX_ERROR, EP_SANDBOX_ERROR_CORRUPT,
                   _("The message file %s is missing"), entry->eml_path);
      return NULL;
    }
  entry->size = (guint64) st.st_size;
  entry->mtime = (gint64) st.st_mtime;

  entry->transfer = get_optional_string (keyfile, EP_SANDBOX_ENVELOPE_GROUP, "Transfer");
  entry->body_type = get_optional_string (keyfile, EP_SANDBOX_ENVELOPE_GROUP, "Body");
  entry->smtputf8 = g_key_file_get_boolean (keyfile, EP_SANDBOX_ENVELOPE_GROUP, "SMTPUTF8", NULL);
  entry->longest_line = g_key_file_get_uint64 (keyfile, EP_SANDBOX_ENVELOPE_GROUP, "LongestLine", NULL);
  entry->client_name = get_optional_string (keyfile, EP_SANDBOX_SESSION_GROUP, "Client");
  entry->client_address = get_optional_string (keyfile, EP_SANDBOX_SESSION_GROUP, "ClientAddress");
  entry->greeting = get_optional_string (keyfile, EP_SANDBOX_SESSION_GROUP, "Greeting");
  entry->tls = g_key_file_get_boolean (keyfile, EP_SANDBOX_SESSION_GROUP, "TLS", NULL);
  entry->tls_protocol = get_optional_string (keyfile, EP_SANDBOX_SESSION_GROUP, "TLSProtocol");
  entry->tls_cipher = get_optional_string (keyfile, EP_SANDBOX_SESSION_GROUP, "TLSCipher");
  entry->auth_mechanism = get_optional_string (keyfile, EP_SANDBOX_SESSION_GROUP, "AuthMechanism");
  entry->auth_user = get_optional_string (keyfile, EP_SANDBOX_SESSION_GROUP, "AuthUser");
  entry->transcript = get_optional_string (keyfile, EP_SANDBOX_SESSION_GROUP, "Transcript");
  return g_steal_pointer (&entry);
}

static int
compare_newest_first (gconstpointer a,
                      gconstpointer b)
{
  const EpSandboxEntry *entry_a = *(EpSandboxEntry * const *) a;
  const EpSandboxEntry *entry_b = *(EpSandboxEntry * const *) b;

  return strcmp (entry_b->id, entry_a->id);
}

/* The ids of everything in the inbox, whether or not the pair is complete. */
static GPtrArray *
list_ids (const char  *inbox,
          gboolean     envelopes_only,
          GError     **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDir) dir = g_dir_open (inbox, 0, &local_error);
  const char *name;

  if (dir == NULL)
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_steal_pointer (&ids);
      g_set_error (error, EP_SANDBOX_ERROR, EP_SANDBOX_ERROR_IO, "%s", local_error->message);
      return NULL;
    }

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *id = NULL;

      if (g_str_has_suffix (name, EP_SANDBOX_ENVELOPE_SUFFIX))
        id = g_strndup (name, strlen (name) - strlen (EP_SANDBOX_ENVELOPE_SUFFIX));
      else if (!envelopes_only && g_str_has_suffix (name, EP_SANDBOX_MESSAGE_SUFFIX))
        id = g_strndup (name, strlen (name) - strlen (EP_SANDBOX_MESSAGE_SUFFIX));

      if (id != NULL && ep_sandbox_id_is_valid (id) && !g_hash_table_contains (seen, id))
        {
          g_hash_table_add (seen, id);
          g_ptr_array_add (ids, g_steal_pointer (&id));
        }
    }
  return g_steal_pointer (&ids);
}

/**
 * ep_sandbox_store_list:
 *
 * Reads every complete message (record plus message file) of the Sandbox inbox. Records that
 * cannot be read are skipped; a message being received is invisible until it is complete.
 *
 * Returns: (transfer full) (element-type EpSandboxEntry): the messages, newest first; empty
 *   when the inbox does not exist yet.
 */
GPtrArray *
ep_sandbox_store_list (GError **error)
{
  g_autofree char *inbox = ep_sandbox_dup_inbox_dir ();
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GPtrArray) entries = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  ids = list_ids (inbox, TRUE, error);
  if (ids == NULL)
    return NULL;

  entries = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_sandbox_entry_unref);
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(GError) local_error = NULL;
      EpSandboxEntry *entry = load_entry (inbox, g_ptr_array_index (ids, i), &local_error);

      if (entry != NULL)
        g_ptr_array_add (entries, entry);
      else
        g_debug ("skipping a Sandbox message: %s", local_error->message);
    }
  g_ptr_array_sort (entries, compare_newest_first);
  return g_steal_pointer (&entries);
}

/**
 * ep_sandbox_store_lookup:
 *
 * Returns: (transfer full): the message with this id.
 */
EpSandboxEntry *
ep_sandbox_store_lookup (const char  *id,
                         GError     **error)
{
  g_autofree char *inbox = ep_sandbox_dup_inbox_dir ();

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!ep_sandbox_id_is_valid (id))
    {
      g_set_error (error, EP_SANDBOX_ERROR, EP_SANDBOX_ERROR_INVALID_ID,
                   _("“%s” is not a Sandbox message id"), id != NULL ? id : "");
      return NULL;
    }
  return load_entry (inbox, id, error);
}

static gboolean
remove_if_present (const char  *path,
                   gboolean    *removed,
                   GError     **error)
{
  if (g_unlink (path) == 0)
    {
      *removed = TRUE;
      return TRUE;
    }
  if (errno == ENOENT)
    return TRUE;
  return set_errno_error (error, errno, FILE_OP_REMOVE, path);
}

/**
 * ep_sandbox_store_delete:
 *
 * Removes a message: its record first (it leaves the list), then its bytes.
 */
gboolean
ep_sandbox_store_delete (const char  *id,
                         GError     **error)
{
  g_autofree char *inbox = ep_sandbox_dup_inbox_dir ();
  g_autofree char *record = NULL;
  g_autofree char *message = NULL;
  gboolean removed = FALSE;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!ep_sandbox_id_is_valid (id))
    {
      g_set_error (error, EP_SANDBOX_ERROR, EP_SANDBOX_ERROR_INVALID_ID,
                   _("“%s” is not a Sandbox message id"), id != NULL ? id : "");
      return FALSE;
    }
  record = envelope_path (inbox, id);
  message = message_path (inbox, id);
  if (!remove_if_present (record, &removed, error) ||
      !remove_if_present (message, &removed, error))
    return FALSE;
  if (!removed)
    {
      g_set_error (error, EP_SANDBOX_ERROR, EP_SANDBOX_ERROR_NOT_FOUND,
                   _("No Sandbox message with id %s"), id);
      return FALSE;
    }
  return TRUE;
}

/**
 * ep_sandbox_store_delete_all:
 *
 * Removes every message of the inbox, including message files whose record is missing.
 * Messages still being received are left alone.
 */
gboolean
ep_sandbox_store_delete_all (GError **error)
{
  g_autofree char *inbox = ep_sandbox_dup_inbox_dir ();
  g_autoptr(GPtrArray) ids = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  ids = list_ids (inbox, FALSE, error);
  if (ids == NULL)
    return FALSE;
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(GError) local_error = NULL;

      if (!ep_sandbox_store_delete (g_ptr_array_index (ids, i), &local_error) &&
          !g_error_matches (local_error, EP_SANDBOX_ERROR, EP_SANDBOX_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
  return TRUE;
}

/**
 * ep_sandbox_incoming_new:
 *
 * Starts receiving a message: a hidden temporary file (mode 0600) in the inbox, so the
 * final rename is atomic and the UI never sees a half-written message.
 */
EpSandboxIncoming *
ep_sandbox_incoming_new (GError **error)
{
  g_autofree char *inbox = ep_sandbox_dup_inbox_dir ();
  g_autoptr(EpSandboxIncoming) self = g_new0 (EpSandboxIncoming, 1);

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!ep_sandbox_ensure_dirs (error))
    return NULL;

  for (guint attempt = 0; attempt < ID_ATTEMPTS; attempt++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GFile) file = NULL;
      g_autoptr(GFileOutputStream) stream = NULL;
      g_autofree char *name = NULL;

      g_clear_pointer (&self->id, g_free);
      g_clear_pointer (&self->temp_path, g_free);
      g_clear_pointer (&self->eml_path, g_free);
      self->id = make_id ();
      name = g_strconcat (INCOMING_PREFIX, self->id, EP_SANDBOX_MESSAGE_SUFFIX, NULL);
      self->temp_path = g_build_filename (inbox, name, NULL);
      self->eml_path = message_path (inbox, self->id);
      if (g_file_test (self->eml_path, G_FILE_TEST_EXISTS))
        continue;

      file = g_file_new_for_path (self->temp_path);
      stream = g_file_create (file, G_FILE_CREATE_PRIVATE, NULL, &local_error);
      if (stream != NULL)
        {
          self->stream = g_buffered_output_stream_new_sized (G_OUTPUT_STREAM (stream),
                                                             INCOMING_BUFFER_SIZE);
          return g_steal_pointer (&self);
        }
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_EXISTS))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }
  g_set_error (error, EP_SANDBOX_ERROR, EP_SANDBOX_ERROR_IO,
               _("Could not find a free name for a new message in %s"), inbox);
  return NULL;
}

const char *
ep_sandbox_incoming_get_id (EpSandboxIncoming *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->id;
}

gboolean
ep_sandbox_incoming_write (EpSandboxIncoming  *self,
                           const void         *data,
                           gsize               length,
                           GCancellable       *cancellable,
                           GError            **error)
{
  g_return_val_if_fail (self != NULL && !self->committed, FALSE);

  return g_output_stream_write_all (self->stream, data, length, NULL, cancellable, error);
}

/**
 * ep_sandbox_incoming_commit:
 * @entry: the envelope; its id, path, size and mtime are filled in here
 *
 * Publishes the message: the bytes under their final name first, then the record (written
 * atomically), so a file monitor that reacts to the record always finds a complete pair.
 */
gboolean
ep_sandbox_incoming_commit (EpSandboxIncoming  *self,
                            EpSandboxEntry     *entry,
                            GCancellable       *cancellable,
                            GError            **error)
{
  g_autofree char *inbox = ep_sandbox_dup_inbox_dir ();
  g_autofree char *record_path = NULL;
  g_autofree char *data = NULL;
  gsize length = 0;
  GStatBuf st;

  g_return_val_if_fail (self != NULL && !self->committed, FALSE);
  g_return_val_if_fail (entry != NULL && entry->received != NULL, FALSE);

  if (!g_output_stream_close (self->stream, cancellable, error))
    return FALSE;
  if (g_rename (self->temp_path, self->eml_path) != 0)
    return set_errno_error (error, errno, FILE_OP_RENAME, self->temp_path);
  self->committed = TRUE;

  g_free (entry->id);
  entry->id = g_strdup (self->id);
  g_free (entry->eml_path);
  entry->eml_path = g_strdup (self->eml_path);
  if (g_stat (self->eml_path, &st) == 0)
    {
      entry->size = (guint64) st.st_size;
      entry->mtime = (gint64) st.st_mtime;
    }

  record_path = envelope_path (inbox, self->id);
  data = entry_to_data (entry, &length);
  if (!g_file_set_contents_full (record_path, data, length, G_FILE_SET_CONTENTS_CONSISTENT,
                                 0600, error))
    {
      /* A message without its record would never be listed: don't leave it behind. */
      g_unlink (self->eml_path);
      return FALSE;
    }
  return TRUE;
}

/* Drops a message that was not committed: the temporary file goes away. */
void
ep_sandbox_incoming_free (EpSandboxIncoming *self)
{
  gboolean created;

  if (self == NULL)
    return;
  /* Without a stream the file at temp_path, if any, is not ours. */
  created = self->stream != NULL;
  if (self->stream != NULL)
    {
      if (!g_output_stream_is_closed (self->stream))
        g_output_stream_close (self->stream, NULL, NULL);
      g_object_unref (self->stream);
    }
  if (created && !self->committed)
    g_unlink (self->temp_path);
  g_free (self->id);
  g_free (self->temp_path);
  g_free (self->eml_path);
  g_free (self);
}
