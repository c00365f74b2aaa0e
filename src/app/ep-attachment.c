/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-attachment.c: an attachment: file checks off the main thread, thumbnails decoded on a worker. */
#include "config.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <glib/gi18n.h>

#include "ep-attachment.h"

struct _EpAttachment
{
  GObject     parent_instance;

  GFile      *file;
  char       *display_name;
  char       *content_type;
  guint64     size;
  GdkTexture *thumbnail;
  guint       thumbnail_requested : 1;
};

G_DEFINE_FINAL_TYPE (EpAttachment, ep_attachment, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_FILE,
  PROP_DISPLAY_NAME,
  PROP_CONTENT_TYPE,
  PROP_SIZE,
  PROP_THUMBNAIL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Largest image we decode for a thumbnail: beyond this the icon is shown instead. */
#define EP_ATTACHMENT_THUMBNAIL_MAX_FILE (512 * 1024 * 1024)
/* Only the JPEG loader scales while it decodes (libjpeg's DCT scaling, down to an eighth); every
 * other format is decoded at full size first, four bytes a pixel. Beyond this many pixels
 * (128 MiB of decoded image) such a picture gets the icon, whatever its file's size: a
 * 20,000 x 20,000 PNG of one colour is a 1 MiB file and 1.5 GiB decoded. */
#define EP_ATTACHMENT_THUMBNAIL_MAX_PIXELS (32 * 1024 * 1024)

typedef struct {
  GFile *file;
  char  *display_name;
} CheckData;

static void
check_data_free (CheckData *data)
{
  g_clear_object (&data->file);
  g_free (data->display_name);
  g_free (data);
}

static void
ep_attachment_check_thread (GTask        *task,
                            gpointer      source_object,
                            gpointer      task_data,
                            GCancellable *cancellable)
{
  CheckData *data = task_data;
  GFile *file = data->file;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GFileInputStream) probe = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_file_get_parse_name (file);
  const char *content_type;
  EpAttachment *attachment;

  info = g_file_query_info (file,
                            G_FILE_ATTRIBUTE_STANDARD_TYPE ","
                            G_FILE_ATTRIBUTE_STANDARD_SIZE ","
                            G_FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME ","
                            G_FILE_ATTRIBUTE_STANDARD_CONTENT_TYPE,
                            G_FILE_QUERY_INFO_NONE, cancellable, &error);
  if (info == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, error->code,
                               _("Cannot attach “%s”: %s"), name, error->message);
      return;
    }

  if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY,
                               _("Cannot attach “%s”: it is a folder"), name);
      return;
    }
  if (g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
                               _("Cannot attach “%s”: it is not a regular file"), name);
      return;
    }

  /* Readable now? Opening is the only honest test. */
  probe = g_file_read (file, cancellable, &error);
  if (probe == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, error->code,
                               _("Cannot attach “%s”: %s"), name, error->message);
      return;
    }

  content_type = g_file_info_get_content_type (info);
  {
    g_autofree char *mime = content_type ? g_content_type_get_mime_type (content_type) : NULL;
    g_autofree char *basename = g_file_get_basename (file);

    attachment = ep_attachment_new_for_info (file,
                                             data->display_name ? data->display_name : basename,
                                             mime ? mime : "application/octet-stream",
                                             (guint64) g_file_info_get_size (info));
  }
  g_task_return_pointer (task, attachment, g_object_unref);
}

static void
ep_attachment_thumbnail_thread (GTask        *task,
                                gpointer      source_object,
                                gpointer      task_data,
                                GCancellable *cancellable)
{
  EpAttachment *self = source_object;
  int size = GPOINTER_TO_INT (task_data);
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autofree char *path = g_file_get_path (self->file);
  g_autoptr(GError) error = NULL;

  if (path == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "not a local file");
      return;
    }

  /* The header alone says how large the decoded picture would be. */
  {
    int width = 0, height = 0;
    GdkPixbufFormat *format = gdk_pixbuf_get_file_info (path, &width, &height);
    g_autofree char *format_name = NULL;

    if (format == NULL)
      {
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "not an image");
        return;
      }
    format_name = gdk_pixbuf_format_get_name (format);
    if (g_strcmp0 (format_name, "jpeg") != 0 &&
        (gint64) width * height > EP_ATTACHMENT_THUMBNAIL_MAX_PIXELS)
      {
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                 "%d x %d pixels: too large to decode for a thumbnail", width, height);
        return;
      }
  }
  pixbuf = gdk_pixbuf_new_from_file_at_scale (path, size, size, TRUE, &error);
  if (pixbuf == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, gdk_texture_new_for_pixbuf (pixbuf), g_object_unref);
}

/* Work for attachments runs on threads of their own, not on GIO's shared pool: a file manager
 * handing over a thousand files must not start a dozen threads that take both cores from the
 * main thread while it draws. Thumbnails are decoded one at a time at a lower priority. */
typedef struct {
  GTaskThreadFunc func;
  gboolean        nice;
} PoolJob;

static const PoolJob check_job = { ep_attachment_check_thread, FALSE };
static const PoolJob thumbnail_job = { ep_attachment_thumbnail_thread, TRUE };

static void
pool_worker (gpointer data,
             gpointer user_data)
{
  g_autoptr(GTask) task = data;
  const PoolJob *job = user_data;

  /* On the thumbnails' only thread (Linux: a thread's nice value is its own). */
  if (job->nice && getpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid)) < 10)
    setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), 10);
  job->func (task, g_task_get_source_object (task), g_task_get_task_data (task),
             g_task_get_cancellable (task));
}

static void
run_in_pool (GTask         *task,
             const PoolJob *job)
{
  static GThreadPool *checks, *thumbnails;
  static gsize once;

  if (g_once_init_enter (&once))
    {
      /* One for the checks: they end in the order the files came in, the order the list
       * shows them in (a file on a stalled network mount holds up the ones after it). */
      checks = g_thread_pool_new (pool_worker, (gpointer) &check_job, 1, TRUE, NULL);
      thumbnails = g_thread_pool_new (pool_worker, (gpointer) &thumbnail_job, 1, TRUE, NULL);
      g_once_init_leave (&once, 1);
    }
  g_thread_pool_push (job == &thumbnail_job ? thumbnails : checks, g_object_ref (task), NULL);
}

static void
ep_attachment_thumbnail_cb (GObject      *object,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  EpAttachment *self = EP_ATTACHMENT (object);
  g_autoptr(GdkTexture) texture = g_task_propagate_pointer (G_TASK (result), NULL);

  if (texture == NULL)
    return;

  g_set_object (&self->thumbnail, texture);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THUMBNAIL]);
}

static void
ep_attachment_finalize (GObject *object)
{
  EpAttachment *self = EP_ATTACHMENT (object);

  g_clear_object (&self->file);
  g_clear_pointer (&self->display_name, g_free);
  g_clear_pointer (&self->content_type, g_free);
  g_clear_object (&self->thumbnail);

  G_OBJECT_CLASS (ep_attachment_parent_class)->finalize (object);
}

static void
ep_attachment_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  EpAttachment *self = EP_ATTACHMENT (object);

  switch (prop_id)
    {
    case PROP_FILE:
      g_value_set_object (value, self->file);
      break;
    case PROP_DISPLAY_NAME:
      g_value_set_string (value, self->display_name);
      break;
    case PROP_CONTENT_TYPE:
      g_value_set_string (value, self->content_type);
      break;
    case PROP_SIZE:
      g_value_set_uint64 (value, self->size);
      break;
    case PROP_THUMBNAIL:
      g_value_set_object (value, self->thumbnail);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ep_attachment_class_init (EpAttachmentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ep_attachment_finalize;
  object_class->get_property = ep_attachment_get_property;

  properties[PROP_FILE] =
    g_param_spec_object ("file", NULL, NULL, G_TYPE_FILE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_DISPLAY_NAME] =
    g_param_spec_string ("display-name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONTENT_TYPE] =
    g_param_spec_string ("content-type", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SIZE] =
    g_param_spec_uint64 ("size", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_THUMBNAIL] =
    g_param_spec_object ("thumbnail", NULL, NULL, GDK_TYPE_TEXTURE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ep_attachment_init (EpAttachment *self)
{
}

void
ep_attachment_new_async (GFile               *file,
                         const char          *display_name,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CheckData *data;

  g_return_if_fail (G_IS_FILE (file));

  data = g_new0 (CheckData, 1);
  data->file = g_object_ref (file);
  data->display_name = g_strdup (display_name);
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ep_attachment_new_async);
  g_task_set_task_data (task, data, (GDestroyNotify) check_data_free);
  run_in_pool (task, &check_job);
}

EpAttachment *
ep_attachment_new_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

EpAttachment *
ep_attachment_new_for_info (GFile      *file,
                            const char *display_name,
                            const char *content_type,
                            guint64     size)
{
  EpAttachment *self;

  g_return_val_if_fail (G_IS_FILE (file), NULL);

  self = g_object_new (EP_TYPE_ATTACHMENT, NULL);
  self->file = g_object_ref (file);
  self->display_name = display_name ? g_strdup (display_name) : g_file_get_basename (file);
  self->content_type = g_strdup (content_type ? content_type : "application/octet-stream");
  self->size = size;
  return self;
}

void
ep_attachment_load_thumbnail (EpAttachment *self,
                              int           size)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (EP_IS_ATTACHMENT (self));

  if (self->thumbnail_requested || !ep_attachment_is_image (self) ||
      self->size > EP_ATTACHMENT_THUMBNAIL_MAX_FILE)
    return;

  self->thumbnail_requested = TRUE;
  task = g_task_new (self, NULL, ep_attachment_thumbnail_cb, NULL);
  g_task_set_source_tag (task, ep_attachment_load_thumbnail);
  g_task_set_task_data (task, GINT_TO_POINTER (size), NULL);
  run_in_pool (task, &thumbnail_job);
}

GFile *
ep_attachment_get_file (EpAttachment *self)
{
  g_return_val_if_fail (EP_IS_ATTACHMENT (self), NULL);
  return self->file;
}

const char *
ep_attachment_get_display_name (EpAttachment *self)
{
  g_return_val_if_fail (EP_IS_ATTACHMENT (self), NULL);
  return self->display_name;
}

const char *
ep_attachment_get_content_type (EpAttachment *self)
{
  g_return_val_if_fail (EP_IS_ATTACHMENT (self), NULL);
  return self->content_type;
}

guint64
ep_attachment_get_size (EpAttachment *self)
{
  g_return_val_if_fail (EP_IS_ATTACHMENT (self), 0);
  return self->size;
}

gboolean
ep_attachment_is_image (EpAttachment *self)
{
  g_return_val_if_fail (EP_IS_ATTACHMENT (self), FALSE);
  return g_str_has_prefix (self->content_type, "image/");
}

GdkTexture *
ep_attachment_get_thumbnail (EpAttachment *self)
{
  g_return_val_if_fail (EP_IS_ATTACHMENT (self), NULL);
  return self->thumbnail;
}
