/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-sent-copy-status.c: "server-copy.ini" beside a Sent store entry's bytes. */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "ep-atomic-file.h"
#include "ep-enum.h"
#include "ep-sent-copy-status.h"
#include "ep-store-error.h"
#include "ep-store-util.h"
#include "ep-text.h"

#define STATUS_FILE   "server-copy.ini"
#define GROUP         "Server Copy"
#define KEY_FORMAT    "format"
#define KEY_STATE     "state"
#define KEY_ATTEMPTS  "attempts"
#define KEY_FIRST     "first-attempt"
#define KEY_NEXT      "next-attempt"
#define KEY_MAYBE     "maybe-there"
#define KEY_MAILBOX   "mailbox"
#define KEY_ERROR     "last-error"
#define KEY_CHOOSE    "choose-folder"   /* written only when true */

/* A status file is a few hundred octets; anything far bigger was not written by us. */
#define STATUS_FILE_MAX (64 * 1024)

G_DEFINE_ENUM_TYPE (EpSentCopyState, ep_sent_copy_state,
                    G_DEFINE_ENUM_VALUE (EP_SENT_COPY_PENDING, "pending"),
                    G_DEFINE_ENUM_VALUE (EP_SENT_COPY_DONE, "done"),
                    G_DEFINE_ENUM_VALUE (EP_SENT_COPY_FAILED, "failed"))

EpSentCopyStatus *
ep_sent_copy_status_new (void)
{
  return g_new0 (EpSentCopyStatus, 1);
}

void
ep_sent_copy_status_free (EpSentCopyStatus *status)
{
  if (status == NULL)
    return;
  g_clear_pointer (&status->first_attempt, g_date_time_unref);
  g_clear_pointer (&status->next_attempt, g_date_time_unref);
  g_free (status->mailbox);
  g_free (status->last_error);
  g_free (status);
}

gboolean
ep_sent_copy_status_is_due (const EpSentCopyStatus *status,
                            GDateTime              *now)
{
  g_return_val_if_fail (status != NULL, FALSE);

  return status->state == EP_SENT_COPY_PENDING &&
         (status->next_attempt == NULL || now == NULL || g_date_time_compare (now, status->next_attempt) >= 0);
}

static EpSentCopyStatus *
invalid (GError    **error,
         const char *path,
         const char *key)
{
  g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID,
               /* Translators: a file name, then a key in it */
               _("“%s”: “%s” is missing or not valid"), path, key);
  return NULL;
}

/* An optional single-line text: a line break would let a damaged file put words in a list. */
static gboolean
read_text (GKeyFile    *keyfile,
           const char  *key,
           char       **out_value)
{
  g_autofree char *value = NULL;

  if (!g_key_file_has_key (keyfile, GROUP, key, NULL))
    return TRUE;
  value = ep_store_keyfile_dup_string (keyfile, GROUP, key, NULL);
  if (value == NULL || !ep_text_is_single_line (value))
    return FALSE;
  *out_value = g_steal_pointer (&value);
  return TRUE;
}

static gboolean
read_date (GKeyFile    *keyfile,
           const char  *key,
           GDateTime  **out_value)
{
  g_autofree char *text = NULL;

  if (!read_text (keyfile, key, &text))
    return FALSE;
  if (text == NULL)
    return TRUE;
  *out_value = ep_store_parse_date (text);
  return *out_value != NULL;
}

EpSentCopyStatus *
ep_sent_copy_status_load (const char  *entry_dir,
                          GError     **error)
{
  g_autofree char *path = g_build_filename (entry_dir, STATUS_FILE, NULL);
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(EpSentCopyStatus) status = ep_sent_copy_status_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *state = NULL;
  g_autofree char *text = NULL;
  gsize length = 0;
  guint64 number = 0;
  int value = 0;

  g_return_val_if_fail (entry_dir != NULL, NULL);

  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return NULL;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (length > STATUS_FILE_MAX || !g_key_file_load_from_data (keyfile, contents, length, G_KEY_FILE_NONE, NULL))
    return invalid (error, path, GROUP);

  text = g_key_file_get_value (keyfile, GROUP, KEY_FORMAT, NULL);
  if (text == NULL || !g_ascii_string_to_unsigned (g_strstrip (text), 10, 1, G_MAXUINT32, &number, NULL))
    return invalid (error, path, KEY_FORMAT);
  if (number > EP_SENT_COPY_STATUS_FORMAT)
    {
      g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NEWER_FORMAT,
                   _("“%s” was saved by a newer version of Epistle"), path);
      return NULL;
    }
  if (!read_text (keyfile, KEY_STATE, &state) || state == NULL ||
      !ep_enum_from_nick (EP_TYPE_SENT_COPY_STATE, state, FALSE, &value))
    return invalid (error, path, KEY_STATE);
  status->state = value;
  g_clear_pointer (&text, g_free);
  text = g_key_file_get_value (keyfile, GROUP, KEY_ATTEMPTS, NULL);
  if (text != NULL && !g_ascii_string_to_unsigned (g_strstrip (text), 10, 0, G_MAXUINT, &number, NULL))
    return invalid (error, path, KEY_ATTEMPTS);
  status->attempts = text != NULL ? (guint) number : 0;
  if (!read_date (keyfile, KEY_FIRST, &status->first_attempt))
    return invalid (error, path, KEY_FIRST);
  if (!read_date (keyfile, KEY_NEXT, &status->next_attempt))
    return invalid (error, path, KEY_NEXT);
  g_clear_pointer (&text, g_free);
  if (!read_text (keyfile, KEY_MAYBE, &text) ||
      (text != NULL && !g_str_equal (text, "true") && !g_str_equal (text, "false")))
    return invalid (error, path, KEY_MAYBE);
  status->maybe_there = g_strcmp0 (text, "true") == 0;
  if (!read_text (keyfile, KEY_MAILBOX, &status->mailbox))
    return invalid (error, path, KEY_MAILBOX);
  if (!read_text (keyfile, KEY_ERROR, &status->last_error))
    return invalid (error, path, KEY_ERROR);
  g_clear_pointer (&text, g_free);
  if (!read_text (keyfile, KEY_CHOOSE, &text) ||
      (text != NULL && !g_str_equal (text, "true") && !g_str_equal (text, "false")))
    return invalid (error, path, KEY_CHOOSE);
  status->choose_folder = g_strcmp0 (text, "true") == 0;
  return g_steal_pointer (&status);
}

gboolean
ep_sent_copy_status_save (const char             *entry_dir,
                          const EpSentCopyStatus *status,
                          GError                **error)
{
  g_autofree char *path = g_build_filename (entry_dir, STATUS_FILE, NULL);
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autofree char *data = NULL;
  gsize length = 0;

  g_return_val_if_fail (entry_dir != NULL, FALSE);
  g_return_val_if_fail (status != NULL, FALSE);

  g_key_file_set_integer (keyfile, GROUP, KEY_FORMAT, EP_SENT_COPY_STATUS_FORMAT);
  g_key_file_set_string (keyfile, GROUP, KEY_STATE, ep_enum_to_nick (EP_TYPE_SENT_COPY_STATE, status->state));
  g_key_file_set_uint64 (keyfile, GROUP, KEY_ATTEMPTS, status->attempts);
  if (status->first_attempt != NULL)
    {
      g_autofree char *text = ep_store_format_date (status->first_attempt);

      g_key_file_set_string (keyfile, GROUP, KEY_FIRST, text);
    }
  if (status->next_attempt != NULL)
    {
      g_autofree char *text = ep_store_format_date (status->next_attempt);

      g_key_file_set_string (keyfile, GROUP, KEY_NEXT, text);
    }
  g_key_file_set_boolean (keyfile, GROUP, KEY_MAYBE, status->maybe_there);
  if (status->mailbox != NULL)
    g_key_file_set_string (keyfile, GROUP, KEY_MAILBOX, status->mailbox);
  if (status->last_error != NULL)
    {
      /* One line: the server's words may come with line breaks of their own. */
      g_autofree char *line = g_strdup (status->last_error);

      g_strdelimit (line, "\r\n\t", ' ');
      g_key_file_set_string (keyfile, GROUP, KEY_ERROR, line);
    }
  if (status->choose_folder)
    g_key_file_set_boolean (keyfile, GROUP, KEY_CHOOSE, TRUE);
  data = g_key_file_to_data (keyfile, &length, NULL);
  return ep_atomic_file_write (path, data, length, 0600, error);
}

int
ep_sent_copy_lock (const char  *entry_dir,
                   GError     **error)
{
  g_autofree char *path = g_build_filename (entry_dir, "server-copy.lock", NULL);
  int errsv = 0;
  int fd = ep_store_try_lock (path, &errsv);

  if (fd >= 0)
    return fd;
  if (errsv == EWOULDBLOCK)
    g_set_error_literal (error, EP_STORE_ERROR, EP_STORE_ERROR_BUSY,
                         _("Another process is copying this message to the Sent folder now"));
  else
    g_set_error (error, EP_STORE_ERROR, errsv == ENOENT ? EP_STORE_ERROR_NOT_FOUND : EP_STORE_ERROR_IO,
                 _("Could not lock the Sent message “%s”: %s"), path, g_strerror (errsv));
  return -1;
}

void
ep_sent_copy_unlock (int lock_fd)
{
  if (lock_fd >= 0)
    close (lock_fd);
}
