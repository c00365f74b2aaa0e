/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-image-cache.c: image data pasted or dropped into a message has no file of its own; it is
 * written to a private cache, one directory per image so that each keeps its plain name, and
 * removed when no message needs it any more: when its attachment is removed, when the message
 * is sent or discarded, and at start-up for what an earlier session left behind. */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "ep-image-cache.h"

/**
 * ep_image_cache_dup_dir:
 *
 * Returns: (transfer full): `$XDG_CACHE_HOME/epistle/images`
 */
char *
ep_image_cache_dup_dir (void)
{
  return g_build_filename (g_get_user_cache_dir (), "epistle", "images", NULL);
}

/**
 * ep_image_cache_new_path:
 * @name: the file's name, as the recipient will see it ("image.png")
 *
 * Makes a new private directory in the cache for one image.
 *
 * Returns: (transfer full): where to write the image, or %NULL with a #GFileError
 */
char *
ep_image_cache_new_path (const char  *name,
                         GError     **error)
{
  g_autofree char *images = ep_image_cache_dup_dir ();
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *dir = g_build_filename (images, uuid, NULL);

  g_return_val_if_fail (name != NULL && *name != '\0' && strchr (name, G_DIR_SEPARATOR) == NULL, NULL);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int errsv = errno;

      g_set_error_literal (error, G_FILE_ERROR, g_file_error_from_errno (errsv), g_strerror (errsv));
      return NULL;
    }
  return g_build_filename (dir, name, NULL);
}

/**
 * ep_image_cache_contains:
 *
 * Returns: whether @file is an image this cache made (`<dir>/<uuid>/<name>`); any other file
 *   is the user's and never removed here
 */
gboolean
ep_image_cache_contains (GFile *file)
{
  g_autofree char *images_path = ep_image_cache_dup_dir ();
  g_autoptr(GFile) images = g_file_new_for_path (images_path);
  g_autoptr(GFile) parent = NULL;
  g_autoptr(GFile) grandparent = NULL;
  g_autofree char *uuid = NULL;

  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  if (!g_file_is_native (file) || (parent = g_file_get_parent (file)) == NULL ||
      (grandparent = g_file_get_parent (parent)) == NULL)
    return FALSE;
  uuid = g_file_get_basename (parent);
  return g_file_equal (grandparent, images) && g_uuid_string_is_valid (uuid);
}

/* A clock set back makes a file look young: it is kept, which is the safe side. */
static gboolean
is_old (const char *path,
        GTimeSpan   min_age)
{
  GStatBuf st;

  return g_lstat (path, &st) == 0 && g_get_real_time () - (gint64) st.st_mtime * G_USEC_PER_SEC >= min_age;
}

/* The one place that decides whether an image goes: it is one of ours, nothing that is kept
 * (a saved draft, another window) refers to it, and it is at least @min_age old. */
static gboolean
may_remove (GFile      *file,
            GHashTable *kept_uris,
            GTimeSpan   min_age)
{
  g_autofree char *uri = NULL;
  g_autofree char *path = NULL;

  if (!ep_image_cache_contains (file))
    return FALSE;
  uri = g_file_get_uri (file);
  if (g_hash_table_contains (kept_uris, uri))
    return FALSE;
  path = g_file_get_path (file);
  return min_age <= 0 || is_old (path, min_age);
}

/* The image's directory goes with it (it fails harmlessly while something else is in it). */
static gboolean
remove_file (GFile *file)
{
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *dir = g_path_get_dirname (path);

  if (g_unlink (path) != 0 && errno != ENOENT)
    {
      g_debug ("could not remove the cached image %s: %s", path, g_strerror (errno));
      return FALSE;
    }
  g_rmdir (dir);
  return TRUE;
}

/**
 * ep_image_cache_remove:
 * @file: an attachment that a message no longer needs
 * @kept_uris: (element-type utf8 utf8): URIs (as g_file_get_uri() gives them) that something
 *   else still refers to
 *
 * Removes @file if it is one of the cache's images and not in @kept_uris; anything else is left
 * alone.
 *
 * Returns: whether @file was removed
 */
gboolean
ep_image_cache_remove (GFile      *file,
                       GHashTable *kept_uris)
{
  g_return_val_if_fail (G_IS_FILE (file), FALSE);
  g_return_val_if_fail (kept_uris != NULL, FALSE);

  return may_remove (file, kept_uris, 0) && remove_file (file);
}

/**
 * ep_image_cache_clean:
 * @kept_uris: (element-type utf8 utf8): URIs that saved drafts refer to
 * @min_age: how old an image must be to go (%EP_IMAGE_CACHE_STALE_AGE)
 *
 * Removes the images left behind: not in @kept_uris and at least @min_age old. Images are
 * found only where this cache makes them; nothing else in the folder is touched.
 *
 * Returns: how many images were removed
 */
guint
ep_image_cache_clean (GHashTable *kept_uris,
                      GTimeSpan   min_age)
{
  g_autofree char *images = ep_image_cache_dup_dir ();
  g_autoptr(GDir) dir = NULL;
  const char *name;
  guint removed = 0;

  g_return_val_if_fail (kept_uris != NULL, 0);

  dir = g_dir_open (images, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *sub_path = g_build_filename (images, name, NULL);
      g_autoptr(GDir) sub = NULL;
      gboolean emptied = FALSE;
      gboolean dir_old;
      const char *file_name;

      if (!g_uuid_string_is_valid (name) || g_file_test (sub_path, G_FILE_TEST_IS_SYMLINK) ||
          (sub = g_dir_open (sub_path, 0, NULL)) == NULL)
        continue;
      /* Judged before anything in it goes: removing a file makes the directory new. */
      dir_old = is_old (sub_path, min_age);
      while ((file_name = g_dir_read_name (sub)) != NULL)
        {
          g_autofree char *path = g_build_filename (sub_path, file_name, NULL);
          g_autoptr(GFile) file = g_file_new_for_path (path);

          if (may_remove (file, kept_uris, min_age) && remove_file (file))
            {
              removed++;
              emptied = TRUE;
            }
        }
      /* An old empty directory is an image whose writing failed; a young one may be an image
       * being written right now. */
      if (emptied || dir_old)
        g_rmdir (sub_path);
    }
  return removed;
}
