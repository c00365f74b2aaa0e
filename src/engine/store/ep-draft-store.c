/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-draft-store.c: drafts as "<id>.ini" keyfiles, written atomically.
 *
 * The compose window autosaves every couple of seconds, from the main thread through
 * ep_draft_store_save_async(). Saves are numbered when requested, and a save that is
 * overtaken by a newer save (or a delete) of the same draft is dropped, so an older version
 * can never land on top of a newer one, and a sent-and-deleted draft never comes back. */
#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "ep-atomic-file.h"
#include "ep-draft-store.h"
#include "ep-store-error.h"
#include "ep-store-util.h"

#define DRAFT_SUFFIX         ".ini"
#define DRAFT_GROUP          "Draft"
#define ATTACHMENT_GROUP     "Attachment"   /* "Attachment 1", "Attachment 2", ... */
/* Bumped when an older Epistle could no longer read a draft correctly. */
#define DRAFT_FORMAT         1

#define KEY_FORMAT       "format"
#define KEY_PROFILE      "profile"
#define KEY_LANGUAGE     "language"
#define KEY_FROM         "from"
#define KEY_TO           "to"
#define KEY_CC           "cc"
#define KEY_BCC          "bcc"
#define KEY_SUBJECT      "subject"
#define KEY_BODY         "body"
#define KEY_CREATED      "created"
#define KEY_MODIFIED     "modified"
#define KEY_DELIVERED    "delivered"
/* The Delivery Options; absent when not chosen. A draft written before them simply has none,
 * and an older Epistle ignores them (the person sees the options again before sending). */
#define KEY_DSN_NOTIFY   "dsn-notify"
#define KEY_DSN_RET      "dsn-ret"
#define KEY_REQUIRE_TLS  "require-tls"
#define KEY_READ_RECEIPT "read-receipt"
/* The identity chosen in From and where its signature is in the body (character offsets, both
 * or neither): a restored draft never gets a second one. An older Epistle ignores them. */
#define KEY_IDENTITY        "identity"
#define KEY_SIGNATURE_START "signature-start"
#define KEY_SIGNATURE_END   "signature-end"
#define KEY_URI          "uri"
#define KEY_DISPLAY_NAME "name"
#define KEY_CONTENT_TYPE "content-type"
#define KEY_SIZE         "size"

struct _EpDraftStore
{
  GObject parent_instance;

  char       *dir;
  GMutex      lock;             /* serialises writes; guards the two fields below */
  GHashTable *generations;      /* id → guint64*: the newest save or delete done */
  guint64     next_generation;
};

G_DEFINE_FINAL_TYPE (EpDraftStore, ep_draft_store, G_TYPE_OBJECT)

typedef struct
{
  EpDraft *draft;
  guint64  generation;
} SaveRequest;

static void
save_request_free (SaveRequest *request)
{
  ep_draft_free (request->draft);
  g_free (request);
}

static void
ep_draft_store_finalize (GObject *object)
{
  EpDraftStore *self = EP_DRAFT_STORE (object);

  g_free (self->dir);
  g_hash_table_unref (self->generations);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (ep_draft_store_parent_class)->finalize (object);
}

static void
ep_draft_store_class_init (EpDraftStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ep_draft_store_finalize;
}

static void
ep_draft_store_init (EpDraftStore *self)
{
  g_mutex_init (&self->lock);
  self->generations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/**
 * ep_draft_store_new:
 * @drafts_dir: (nullable): the folder of drafts; %NULL for `$XDG_DATA_HOME/epistle/drafts`
 */
EpDraftStore *
ep_draft_store_new (const char *drafts_dir)
{
  EpDraftStore *self = g_object_new (EP_TYPE_DRAFT_STORE, NULL);

  if (drafts_dir != NULL)
    self->dir = g_strdup (drafts_dir);
  else
    self->dir = g_build_filename (g_get_user_data_dir (), "epistle", "drafts", NULL);
  return self;
}

const char *
ep_draft_store_get_dir (EpDraftStore *self)
{
  g_return_val_if_fail (EP_IS_DRAFT_STORE (self), NULL);

  return self->dir;
}

/* Returns: (transfer full): the file of draft @id (which may not exist) */
char *
ep_draft_store_dup_path (EpDraftStore *self,
                         const char   *id)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail (EP_IS_DRAFT_STORE (self), NULL);
  g_return_val_if_fail (ep_draft_id_is_valid (id), NULL);

  name = g_strconcat (id, DRAFT_SUFFIX, NULL);
  return g_build_filename (self->dir, name, NULL);
}

/* The file of draft @id, or an error when @id is not a draft's id (from a caller). */
static char *
dup_checked_path (EpDraftStore  *self,
                  const char    *id,
                  GError       **error)
{
  if (!ep_draft_id_is_valid (id))
    {
      g_set_error_literal (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID,
                           _("The draft’s id is not valid"));
      return NULL;
    }
  return ep_draft_store_dup_path (self, id);
}

/* The id of the next draft file in the drafts folder @dir; NULL at the end. Hidden names are
 * atomic-write temporaries, and other files are not ours. */
static char *
dup_next_draft_id (GDir *dir)
{
  const char *name;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *id = NULL;

      if (name[0] == '.' || !g_str_has_suffix (name, DRAFT_SUFFIX))
        continue;
      id = g_strndup (name, strlen (name) - strlen (DRAFT_SUFFIX));
      if (ep_draft_id_is_valid (id))
        return g_steal_pointer (&id);
    }
  return NULL;
}

/* Must be called with the lock held. */
static guint64
next_generation_locked (EpDraftStore *self)
{
  return ++self->next_generation;
}

static guint64
take_generation (EpDraftStore *self)
{
  guint64 generation;

  g_mutex_lock (&self->lock);
  generation = next_generation_locked (self);
  g_mutex_unlock (&self->lock);
  return generation;
}

/* Must be called with the lock held. */
static void
record_generation_locked (EpDraftStore *self,
                          const char   *id,
                          guint64       generation)
{
  guint64 *value = g_new (guint64, 1);

  *value = generation;
  g_hash_table_replace (self->generations, g_strdup (id), value);
}

static gboolean
check_text (const char  *text,
            const char  *what,
            GError     **error)
{
  if (text == NULL || g_utf8_validate (text, -1, NULL))
    return TRUE;
  /* Translators: %s names a field of the draft, in English ("subject", "attachment name") */
  g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID,
               _("The draft contains text that is not valid UTF-8 (%s)"), what);
  return FALSE;
}

static char *
draft_to_data (const EpDraft  *draft,
               gsize          *length,
               GError        **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autofree char *created = ep_store_format_date (draft->created);
  g_autofree char *modified = ep_store_format_date (draft->modified);

  if (!check_text (draft->from, "from", error) || !check_text (draft->to, "to", error) ||
      !check_text (draft->cc, "cc", error) || !check_text (draft->bcc, "bcc", error) ||
      !check_text (draft->subject, "subject", error) || !check_text (draft->body, "body", error))
    return NULL;
  if (draft->profile_id != NULL && !check_text (draft->profile_id, "profile", error))
    return NULL;
  if (draft->language != NULL && !check_text (draft->language, "language", error))
    return NULL;
  if (draft->identity != NULL && !check_text (draft->identity, "identity", error))
    return NULL;

  g_key_file_set_integer (keyfile, DRAFT_GROUP, KEY_FORMAT, DRAFT_FORMAT);
  if (draft->profile_id != NULL)
    g_key_file_set_string (keyfile, DRAFT_GROUP, KEY_PROFILE, draft->profile_id);
  /* An optional key: an older Epistle reading this draft ignores it and uses the locale's. */
  if (draft->language != NULL)
    g_key_file_set_string (keyfile, DRAFT_GROUP, KEY_LANGUAGE, draft->language);
  g_key_file_set_string (keyfile, DRAFT_GROUP, KEY_FROM, draft->from != NULL ? draft->from : "");
  g_key_file_set_string (keyfile, DRAFT_GROUP, KEY_TO, draft->to != NULL ? draft->to : "");
  g_key_file_set_string (keyfile, DRAFT_GROUP, KEY_CC, draft->cc != NULL ? draft->cc : "");
  g_key_file_set_string (keyfile, DRAFT_GROUP, KEY_BCC, draft->bcc != NULL ? draft->bcc : "");
  g_key_file_set_string (keyfile, DRAFT_GROUP, KEY_SUBJECT,
                         draft->subject != NULL ? draft->subject : "");
  g_key_file_set_string (keyfile, DRAFT_GROUP, KEY_BODY, draft->body != NULL ? draft->body : "");
  if (draft->identity != NULL)
    g_key_file_set_string (keyfile, DRAFT_GROUP, KEY_IDENTITY, draft->identity);
  if (draft->signature_start >= 0 && draft->signature_end >= draft->signature_start)
    {
      g_key_file_set_integer (keyfile, DRAFT_GROUP, KEY_SIGNATURE_START, draft->signature_start);
      g_key_file_set_integer (keyfile, DRAFT_GROUP, KEY_SIGNATURE_END, draft->signature_end);
    }
  g_key_file_set_string (keyfile, DRAFT_GROUP, KEY_CREATED, created);
  g_key_file_set_string (keyfile, DRAFT_GROUP, KEY_MODIFIED, modified);
  {
    g_autofree char *notify = ep_smtp_dsn_notify_to_string (draft->request.dsn_notify);

    if (notify != NULL)
      g_key_file_set_string (keyfile, DRAFT_GROUP, KEY_DSN_NOTIFY, notify);
    if (notify != NULL && draft->request.dsn_ret == EP_SMTP_DSN_RET_FULL)
      g_key_file_set_string (keyfile, DRAFT_GROUP, KEY_DSN_RET, "full");
    if (draft->request.require_tls != EP_SMTP_REQUIRE_TLS_OFF)
      g_key_file_set_string (keyfile, DRAFT_GROUP, KEY_REQUIRE_TLS,
                             draft->request.require_tls == EP_SMTP_REQUIRE_TLS_ON ? "on" : "if-offered");
    if (draft->read_receipt)
      g_key_file_set_boolean (keyfile, DRAFT_GROUP, KEY_READ_RECEIPT, TRUE);
  }
  if (draft->delivered != NULL && draft->delivered[0] != NULL)
    {
      for (guint i = 0; draft->delivered[i] != NULL; i++)
        if (!check_text (draft->delivered[i], "delivered", error))
          return NULL;
      g_key_file_set_string_list (keyfile, DRAFT_GROUP, KEY_DELIVERED,
                                  (const char * const *) draft->delivered,
                                  g_strv_length (draft->delivered));
    }

  for (guint i = 0; draft->attachments != NULL && i < draft->attachments->len; i++)
    {
      const EpDraftAttachment *attachment = draft->attachments->pdata[i];
      g_autofree char *group = g_strdup_printf (ATTACHMENT_GROUP " %u", i + 1);

      if (!check_text (attachment->uri, "attachment", error) ||
          !check_text (attachment->display_name, "attachment name", error) ||
          !check_text (attachment->content_type, "attachment type", error))
        return NULL;
      g_key_file_set_string (keyfile, group, KEY_URI, attachment->uri);
      g_key_file_set_string (keyfile, group, KEY_DISPLAY_NAME,
                             attachment->display_name != NULL ? attachment->display_name : "");
      if (attachment->content_type != NULL)
        g_key_file_set_string (keyfile, group, KEY_CONTENT_TYPE, attachment->content_type);
      if (attachment->size > 0)
        g_key_file_set_uint64 (keyfile, group, KEY_SIZE, attachment->size);
    }

  return g_key_file_to_data (keyfile, length, NULL);
}

/* Writes @draft unless a newer save or a delete of the same draft got there first. */
static gboolean
write_draft (EpDraftStore   *self,
             const EpDraft  *draft,
             guint64         generation,
             GError        **error)
{
  g_autofree char *path = ep_draft_store_dup_path (self, draft->id);
  g_autofree char *data = NULL;
  g_autoptr(GMutexLocker) locker = NULL;
  const guint64 *newest;
  gsize length;

  data = draft_to_data (draft, &length, error);
  if (data == NULL)
    return FALSE;

  locker = g_mutex_locker_new (&self->lock);
  newest = g_hash_table_lookup (self->generations, draft->id);
  if (newest != NULL && *newest > generation)
    {
      g_debug ("Draft %s: save %" G_GUINT64_FORMAT " overtaken by %" G_GUINT64_FORMAT,
               draft->id, generation, *newest);
      return TRUE;
    }
  if (!ep_atomic_file_write (path, data, length, EP_ATOMIC_FILE_PRIVATE_MODE, error))
    return FALSE;
  record_generation_locked (self, draft->id, generation);
  return TRUE;
}

static gboolean
check_draft (EpDraft  *draft,
             GError  **error)
{
  if (!ep_draft_id_is_valid (draft->id))
    {
      g_set_error_literal (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID,
                           _("The draft’s id is not valid"));
      return FALSE;
    }
  return TRUE;
}

static void
touch (EpDraft *draft)
{
  g_clear_pointer (&draft->modified, g_date_time_unref);
  draft->modified = g_date_time_new_now_utc ();
  if (draft->created == NULL)
    draft->created = g_date_time_ref (draft->modified);
}

/**
 * ep_draft_store_save:
 *
 * Writes @draft atomically (mode 0600), setting its @modified time to now. On failure
 * (%EP_STORE_ERROR_NO_SPACE when the disk is full) the previously saved version is intact.
 */
gboolean
ep_draft_store_save (EpDraftStore  *self,
                     EpDraft       *draft,
                     GError       **error)
{
  g_return_val_if_fail (EP_IS_DRAFT_STORE (self), FALSE);
  g_return_val_if_fail (draft != NULL, FALSE);

  if (!check_draft (draft, error))
    return FALSE;
  touch (draft);
  return write_draft (self, draft, take_generation (self), error);
}

static void
save_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  EpDraftStore *self = source_object;
  SaveRequest *request = task_data;
  GError *error = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;
  if (write_draft (self, request->draft, request->generation, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * ep_draft_store_save_async:
 *
 * Like ep_draft_store_save() on a worker thread, with a copy of @draft taken now. When several
 * saves of one draft are in flight, the newest wins.
 */
void
ep_draft_store_save_async (EpDraftStore        *self,
                           EpDraft             *draft,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  SaveRequest *request;

  g_return_if_fail (EP_IS_DRAFT_STORE (self));
  g_return_if_fail (draft != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ep_draft_store_save_async);
  if (!check_draft (draft, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  touch (draft);
  request = g_new0 (SaveRequest, 1);
  request->draft = ep_draft_copy (draft);
  request->generation = take_generation (self);
  g_task_set_task_data (task, request, (GDestroyNotify) save_request_free);
  g_task_run_in_thread (task, save_thread);
}

gboolean
ep_draft_store_save_finish (EpDraftStore  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ep_draft_store_save_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
corrupt (GError     **error,
         const char  *path,
         const char  *reason)
{
  g_autofree char *display = g_filename_display_name (path);

  g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_CORRUPT,
               _("“%s” is damaged: %s"), display, reason);
  return FALSE;
}

static gboolean
read_text (GKeyFile    *keyfile,
           const char  *group,
           const char  *key,
           char       **out_value,
           const char  *path,
           GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  char *value;

  if (!g_key_file_has_key (keyfile, group, key, NULL))
    return TRUE;   /* keep the default */

  value = ep_store_keyfile_dup_string (keyfile, group, key, &local_error);
  if (value == NULL)
    return corrupt (error, path, local_error->message);
  g_free (*out_value);
  *out_value = value;
  return TRUE;
}

/* Lenient, as a draft is: a signature range that is not one within the body is no signature
 * known (the text stays; it is only never replaced). */
static void
read_signature (GKeyFile   *keyfile,
                EpDraft    *draft,
                const char *path)
{
  g_autoptr(GError) start_error = NULL;
  g_autoptr(GError) end_error = NULL;
  gint start = g_key_file_get_integer (keyfile, DRAFT_GROUP, KEY_SIGNATURE_START, &start_error);
  gint end = g_key_file_get_integer (keyfile, DRAFT_GROUP, KEY_SIGNATURE_END, &end_error);
  glong length = draft->body != NULL ? g_utf8_strlen (draft->body, -1) : 0;

  read_text (keyfile, DRAFT_GROUP, KEY_IDENTITY, &draft->identity, path, NULL);
  if (start_error != NULL || end_error != NULL || start < 0 || end < start || end > length)
    return;
  draft->signature_start = start;
  draft->signature_end = end;
}

/* Lenient, as a draft is: a value this version does not know is no option at all. */
static void
read_delivery_options (GKeyFile *keyfile,
                       EpDraft  *draft)
{
  g_autofree char *notify = g_key_file_get_string (keyfile, DRAFT_GROUP, KEY_DSN_NOTIFY, NULL);
  g_autofree char *ret = g_key_file_get_string (keyfile, DRAFT_GROUP, KEY_DSN_RET, NULL);
  g_autofree char *require_tls = g_key_file_get_string (keyfile, DRAFT_GROUP, KEY_REQUIRE_TLS, NULL);

  if (notify == NULL || !ep_smtp_dsn_notify_parse (notify, &draft->request.dsn_notify))
    draft->request.dsn_notify = EP_SMTP_DSN_NONE;
  draft->request.dsn_ret = g_strcmp0 (ret, "full") == 0 ? EP_SMTP_DSN_RET_FULL : EP_SMTP_DSN_RET_HDRS;
  if (g_strcmp0 (require_tls, "on") == 0)
    draft->request.require_tls = EP_SMTP_REQUIRE_TLS_ON;
  else if (g_strcmp0 (require_tls, "if-offered") == 0)
    draft->request.require_tls = EP_SMTP_REQUIRE_TLS_IF_OFFERED;
  draft->read_receipt = g_key_file_get_boolean (keyfile, DRAFT_GROUP, KEY_READ_RECEIPT, NULL);
}

static void
read_date (GKeyFile    *keyfile,
           const char  *key,
           GDateTime  **date)
{
  g_autofree char *text = ep_store_keyfile_dup_string (keyfile, DRAFT_GROUP, key, NULL);
  GDateTime *parsed = ep_store_parse_date (text);

  /* A bad time is no reason to hide the text the user wrote. */
  if (parsed != NULL)
    {
      g_date_time_unref (*date);
      *date = parsed;
    }
}

/* The parts of the format an older or damaged file may get wrong. */
static EpDraft *
draft_from_keyfile (GKeyFile    *keyfile,
                    const char  *id,
                    const char  *path,
                    GError     **error)
{
  g_autoptr(EpDraft) draft = ep_draft_new_with_id (id);
  g_auto(GStrv) groups = NULL;
  g_autofree char *format = NULL;
  guint64 version;

  if (!g_key_file_has_group (keyfile, DRAFT_GROUP))
    {
      corrupt (error, path, _("it is not an Epistle draft"));
      return NULL;
    }
  format = g_key_file_get_value (keyfile, DRAFT_GROUP, KEY_FORMAT, NULL);
  if (format == NULL || !g_ascii_string_to_unsigned (format, 10, 1, G_MAXUINT32, &version, NULL))
    {
      corrupt (error, path, _("its format version is missing or not a number"));
      return NULL;
    }
  if (version > DRAFT_FORMAT)
    {
      g_autofree char *display = g_filename_display_name (path);

      g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NEWER_FORMAT,
                   _("“%s” was saved by a newer version of Epistle"), display);
      return NULL;
    }

  if (!read_text (keyfile, DRAFT_GROUP, KEY_PROFILE, &draft->profile_id, path, error) ||
      !read_text (keyfile, DRAFT_GROUP, KEY_LANGUAGE, &draft->language, path, error) ||
      !read_text (keyfile, DRAFT_GROUP, KEY_FROM, &draft->from, path, error) ||
      !read_text (keyfile, DRAFT_GROUP, KEY_TO, &draft->to, path, error) ||
      !read_text (keyfile, DRAFT_GROUP, KEY_CC, &draft->cc, path, error) ||
      !read_text (keyfile, DRAFT_GROUP, KEY_BCC, &draft->bcc, path, error) ||
      !read_text (keyfile, DRAFT_GROUP, KEY_SUBJECT, &draft->subject, path, error) ||
      !read_text (keyfile, DRAFT_GROUP, KEY_BODY, &draft->body, path, error))
    return NULL;
  read_date (keyfile, KEY_CREATED, &draft->created);
  read_date (keyfile, KEY_MODIFIED, &draft->modified);
  read_delivery_options (keyfile, draft);
  read_signature (keyfile, draft, path);
  if (g_key_file_has_key (keyfile, DRAFT_GROUP, KEY_DELIVERED, NULL))
    {
      g_autoptr(GError) local_error = NULL;

      draft->delivered = ep_store_keyfile_dup_string_list (keyfile, DRAFT_GROUP, KEY_DELIVERED, &local_error);
      if (draft->delivered == NULL)
        {
          corrupt (error, path, local_error->message);
          return NULL;
        }
    }

  groups = g_key_file_get_groups (keyfile, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_autoptr(EpDraftAttachment) attachment = NULL;
      g_autofree char *size = NULL;

      if (!g_str_has_prefix (groups[i], ATTACHMENT_GROUP " "))
        continue;
      if (!g_key_file_has_key (keyfile, groups[i], KEY_URI, NULL))
        {
          corrupt (error, path, _("an attachment has no file"));
          return NULL;
        }
      attachment = ep_draft_attachment_new ("", NULL, NULL, 0);
      if (!read_text (keyfile, groups[i], KEY_URI, &attachment->uri, path, error) ||
          !read_text (keyfile, groups[i], KEY_DISPLAY_NAME, &attachment->display_name, path, error) ||
          !read_text (keyfile, groups[i], KEY_CONTENT_TYPE, &attachment->content_type, path, error))
        return NULL;
      size = g_key_file_get_value (keyfile, groups[i], KEY_SIZE, NULL);
      if (size != NULL)
        g_ascii_string_to_unsigned (size, 10, 0, G_MAXUINT64, &attachment->size, NULL);
      g_ptr_array_add (draft->attachments, g_steal_pointer (&attachment));
    }

  return g_steal_pointer (&draft);
}

/**
 * ep_draft_store_load:
 *
 * Returns: (transfer full): the draft, or %NULL with %EP_STORE_ERROR_NOT_FOUND, or
 *   %EP_STORE_ERROR_CORRUPT (the file was moved aside to "<id>.ini.corrupt-<time>"), or
 *   %EP_STORE_ERROR_NEWER_FORMAT (left alone)
 */
EpDraft *
ep_draft_store_load (EpDraftStore  *self,
                     const char    *id,
                     GError       **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *path = NULL;
  EpDraft *draft;

  g_return_val_if_fail (EP_IS_DRAFT_STORE (self), NULL);

  path = dup_checked_path (self, id, error);
  if (path == NULL)
    return NULL;

  if (ep_store_load_keyfile (keyfile, path, &local_error))
    draft = draft_from_keyfile (keyfile, id, path, &local_error);
  else
    draft = NULL;

  if (draft == NULL)
    {
      if (g_error_matches (local_error, EP_STORE_ERROR, EP_STORE_ERROR_CORRUPT))
        ep_store_move_aside_and_report (path, &local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
    }
  return draft;
}

static int
compare_newest_first (gconstpointer a,
                      gconstpointer b)
{
  const EpDraft *da = *(const EpDraft **) a;
  const EpDraft *db = *(const EpDraft **) b;

  return g_date_time_compare (db->modified, da->modified);
}

/**
 * ep_draft_store_list:
 * @out_problems: (out) (optional) (element-type GError): drafts that could not be loaded
 *   (damaged ones were moved aside), one error each; never logged
 *
 * Loads every draft, most recently modified first. One bad draft never hides the others.
 *
 * Returns: (transfer full) (element-type EpDraft): the drafts, or %NULL if the folder itself
 *   could not be read (a missing folder is an empty list)
 */
GPtrArray *
ep_draft_store_list (EpDraftStore  *self,
                     GPtrArray    **out_problems,
                     GError       **error)
{
  g_autoptr(GPtrArray) drafts = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_draft_free);
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDir) dir = NULL;

  g_return_val_if_fail (EP_IS_DRAFT_STORE (self), NULL);

  dir = g_dir_open (self->dir, 0, &local_error);
  if (dir == NULL)
    {
      g_autofree char *display = NULL;

      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          if (out_problems != NULL)
            *out_problems = g_steal_pointer (&problems);
          return g_steal_pointer (&drafts);
        }
      display = g_filename_display_name (self->dir);
      g_set_error (error, EP_STORE_ERROR,
                   g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_ACCES)
                     ? EP_STORE_ERROR_PERMISSION_DENIED : EP_STORE_ERROR_IO,
                   _("Could not read the drafts folder “%s”: %s"), display, local_error->message);
      return NULL;
    }

  for (;;)
    {
      g_autofree char *id = dup_next_draft_id (dir);
      GError *draft_error = NULL;
      EpDraft *draft;

      if (id == NULL)
        break;
      draft = ep_draft_store_load (self, id, &draft_error);
      if (draft != NULL)
        g_ptr_array_add (drafts, draft);
      else if (g_error_matches (draft_error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND))
        g_error_free (draft_error);   /* deleted meanwhile */
      else
        {
          g_debug ("%s", draft_error->message);
          g_ptr_array_add (problems, draft_error);
        }
    }

  g_ptr_array_sort (drafts, compare_newest_first);
  if (out_problems != NULL)
    *out_problems = g_steal_pointer (&problems);
  return g_steal_pointer (&drafts);
}

/**
 * ep_draft_store_delete:
 *
 * Removes draft @id (after a confirmed send, or when the user discards it). Saves of it
 * requested earlier and still in flight are dropped. Deleting a draft that was never
 * saved succeeds.
 */
gboolean
ep_draft_store_delete (EpDraftStore  *self,
                       const char    *id,
                       GError       **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autofree char *path = NULL;

  g_return_val_if_fail (EP_IS_DRAFT_STORE (self), FALSE);

  path = dup_checked_path (self, id, error);
  if (path == NULL)
    return FALSE;

  locker = g_mutex_locker_new (&self->lock);
  record_generation_locked (self, id, next_generation_locked (self));
  if (g_unlink (path) != 0 && errno != ENOENT)
    {
      int errsv = errno;
      g_autofree char *display = g_filename_display_name (path);

      g_set_error (error, EP_STORE_ERROR, ep_store_error_from_errno (errsv),
                   _("Could not delete the draft “%s”: %s"), display, g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

/**
 * ep_draft_store_dup_attachment_uris:
 * @except_id: (nullable): a draft to leave out (the one being sent or discarded)
 *
 * What the saved drafts refer to, so that nothing they need is cleaned away. The drafts are only
 * read: a damaged one is neither judged nor moved aside here (loading it does that).
 *
 * Returns: (transfer full) (element-type utf8 utf8): the attachments' URIs, as
 *   g_file_get_uri() gives them; %NULL if the folder or a draft could not be read, when nothing
 *   can be known to be unused
 */
GHashTable *
ep_draft_store_dup_attachment_uris (EpDraftStore  *self,
                                    const char    *except_id,
                                    GError       **error)
{
  g_autoptr(GHashTable) uris = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDir) dir = NULL;

  g_return_val_if_fail (EP_IS_DRAFT_STORE (self), NULL);

  dir = g_dir_open (self->dir, 0, &local_error);
  if (dir == NULL)
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_steal_pointer (&uris);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  for (;;)
    {
      g_autofree char *id = dup_next_draft_id (dir);
      g_autoptr(GKeyFile) keyfile = g_key_file_new ();
      g_autofree char *path = NULL;
      g_auto(GStrv) groups = NULL;

      if (id == NULL)
        break;
      if (g_strcmp0 (id, except_id) == 0)
        continue;
      path = ep_draft_store_dup_path (self, id);
      if (!ep_store_load_keyfile (keyfile, path, &local_error))
        {
          if (g_error_matches (local_error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND))
            {
              g_clear_error (&local_error);   /* deleted meanwhile */
              continue;
            }
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      groups = g_key_file_get_groups (keyfile, NULL);
      for (guint i = 0; groups[i] != NULL; i++)
        {
          g_autofree char *uri = NULL;
          g_autoptr(GFile) file = NULL;

          if (!g_str_has_prefix (groups[i], ATTACHMENT_GROUP " ") ||
              (uri = g_key_file_get_string (keyfile, groups[i], KEY_URI, NULL)) == NULL)
            continue;
          /* Compared with what GFile makes of it elsewhere. */
          file = g_file_new_for_uri (uri);
          g_hash_table_add (uris, g_file_get_uri (file));
        }
    }
  return g_steal_pointer (&uris);
}
