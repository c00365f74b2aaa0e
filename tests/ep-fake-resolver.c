/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-fake-resolver.c: the tables are filled before the resolver is installed and only read
 * afterwards (the probes resolve on a worker thread), except for the counts, which a mutex
 * guards. A stalled question waits for its cancellable. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ep-fake-resolver.h"

/* A stalled blocking question gives up after this long even uncancelled, so that a test that
 * forgets to cancel still ends. */
#define STALL_LIMIT_US (60 * G_USEC_PER_SEC)

struct _EpFakeResolver
{
  GResolver   parent_instance;

  GHashTable *hosts;     /* lower-case name → GPtrArray of char * (IP literals) */
  GHashTable *records;   /* "TYPE lower-case name" → GPtrArray of GVariant */
  GHashTable *stalls;    /* lower-case name → itself */
  GHashTable *failures;  /* lower-case name → itself */
  GMutex      lock;
  GHashTable *counts;    /* lower-case name → count */
};

G_DEFINE_FINAL_TYPE (EpFakeResolver, ep_fake_resolver, G_TYPE_RESOLVER)

/* ---- Answers -------------------------------------------------------------------------------- */

static char *
normalize (const char *name)
{
  gsize len = strlen (name);

  if (len > 0 && name[len - 1] == '.')
    len--;
  return g_ascii_strdown (name, (gssize) len);
}

static void
count (EpFakeResolver *self,
       const char     *key)
{
  g_mutex_lock (&self->lock);
  g_hash_table_insert (self->counts, g_strdup (key),
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (self->counts, key)) + 1));
  g_mutex_unlock (&self->lock);
}

/* NULL when stalled (the caller waits) or on error. */
static gboolean
check_name (EpFakeResolver *self,
            const char     *key,
            gboolean       *out_stall,
            GError        **error)
{
  count (self, key);
  *out_stall = g_hash_table_contains (self->stalls, key);
  if (g_hash_table_contains (self->failures, key))
    {
      g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_TEMPORARY_FAILURE,
                   "Temporary failure resolving “%s” (test)", key);
      return FALSE;
    }
  return TRUE;
}

static GList *
answer_host (EpFakeResolver *self,
             const char     *key,
             GResolverNameLookupFlags flags,
             GError        **error)
{
  GPtrArray *ips = g_hash_table_lookup (self->hosts, key);
  GList *list = NULL;

  for (guint i = 0; ips != NULL && i < ips->len; i++)
    {
      GInetAddress *address = g_inet_address_new_from_string (ips->pdata[i]);
      GSocketFamily family = g_inet_address_get_family (address);

      if ((flags & G_RESOLVER_NAME_LOOKUP_FLAGS_IPV4_ONLY) && family != G_SOCKET_FAMILY_IPV4)
        g_object_unref (address);
      else if ((flags & G_RESOLVER_NAME_LOOKUP_FLAGS_IPV6_ONLY) && family != G_SOCKET_FAMILY_IPV6)
        g_object_unref (address);
      else
        list = g_list_append (list, address);
    }
  if (list == NULL)
    g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
                 "No address for “%s” (test)", key);
  return list;
}

static GList *
answer_records (EpFakeResolver      *self,
                const char          *key,
                GResolverRecordType  type,
                GError             **error)
{
  g_autofree char *record_key = g_strdup_printf ("%d %s", type, key);
  GPtrArray *records = g_hash_table_lookup (self->records, record_key);
  GList *list = NULL;

  for (guint i = 0; records != NULL && i < records->len; i++)
    list = g_list_append (list, g_variant_ref (records->pdata[i]));
  if (list == NULL)
    g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
                 "No records for “%s” (test)", key);
  return list;
}

/* ---- Blocking and asynchronous questions ----------------------------------------------------- */

static void
wait_cancelled (GCancellable *cancellable)
{
  gint64 end = g_get_monotonic_time () + STALL_LIMIT_US;

  while (!g_cancellable_is_cancelled (cancellable) && g_get_monotonic_time () < end)
    g_usleep (5000);
}

static GList *
lookup_by_name_with_flags (GResolver                 *resolver,
                           const char                *hostname,
                           GResolverNameLookupFlags   flags,
                           GCancellable              *cancellable,
                           GError                   **error)
{
  EpFakeResolver *self = EP_FAKE_RESOLVER (resolver);
  g_autofree char *key = normalize (hostname);
  gboolean stall;

  if (!check_name (self, key, &stall, error))
    return NULL;
  if (stall)
    {
      wait_cancelled (cancellable);
      if (!g_cancellable_set_error_if_cancelled (cancellable, error))
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "Stalled (test)");
      return NULL;
    }
  return answer_host (self, key, flags, error);
}

static GList *
lookup_by_name (GResolver     *resolver,
                const char    *hostname,
                GCancellable  *cancellable,
                GError       **error)
{
  return lookup_by_name_with_flags (resolver, hostname, G_RESOLVER_NAME_LOOKUP_FLAGS_DEFAULT,
                                    cancellable, error);
}

static GList *
lookup_records (GResolver            *resolver,
                const char           *rrname,
                GResolverRecordType   record_type,
                GCancellable         *cancellable,
                GError              **error)
{
  EpFakeResolver *self = EP_FAKE_RESOLVER (resolver);
  g_autofree char *key = normalize (rrname);
  gboolean stall;

  if (!check_name (self, key, &stall, error))
    return NULL;
  if (stall)
    {
      wait_cancelled (cancellable);
      if (!g_cancellable_set_error_if_cancelled (cancellable, error))
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "Stalled (test)");
      return NULL;
    }
  return answer_records (self, key, record_type, error);
}

static void
free_list (gpointer list)
{
  g_list_free_full (list, g_object_unref);
}

static void
free_records (gpointer list)
{
  g_list_free_full (list, (GDestroyNotify) g_variant_unref);
}

/* A stalled asynchronous question: answered (with G_IO_ERROR_CANCELLED) only when cancelled. */
static gboolean
stalled_cancelled (GCancellable *cancellable,
                   gpointer      user_data)
{
  GTask *task = user_data;

  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled (test)");
  return G_SOURCE_REMOVE;
}

static gboolean
start_async (EpFakeResolver *self,
             const char     *key,
             GTask          *task)
{
  GError *error = NULL;
  gboolean stall;

  if (!check_name (self, key, &stall, &error))
    {
      g_task_return_error (task, error);
      return FALSE;
    }
  if (stall)
    {
      GCancellable *cancellable = g_task_get_cancellable (task);

      if (cancellable != NULL)
        {
          g_autoptr(GSource) source = g_cancellable_source_new (cancellable);

          g_source_set_callback (source, G_SOURCE_FUNC (stalled_cancelled), g_object_ref (task),
                                 g_object_unref);
          g_source_attach (source, g_task_get_context (task));
        }
      return FALSE;
    }
  return TRUE;
}

static void
lookup_by_name_with_flags_async (GResolver                *resolver,
                                 const char               *hostname,
                                 GResolverNameLookupFlags  flags,
                                 GCancellable             *cancellable,
                                 GAsyncReadyCallback       callback,
                                 gpointer                  user_data)
{
  EpFakeResolver *self = EP_FAKE_RESOLVER (resolver);
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback, user_data);
  g_autofree char *key = normalize (hostname);
  GError *error = NULL;
  GList *list;

  if (!start_async (self, key, task))
    return;
  list = answer_host (self, key, flags, &error);
  if (list == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, list, free_list);
}

static void
lookup_by_name_async (GResolver           *resolver,
                      const char          *hostname,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  lookup_by_name_with_flags_async (resolver, hostname, G_RESOLVER_NAME_LOOKUP_FLAGS_DEFAULT,
                                   cancellable, callback, user_data);
}

static GList *
lookup_finish (GResolver     *resolver,
               GAsyncResult  *result,
               GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
lookup_records_async (GResolver           *resolver,
                      const char          *rrname,
                      GResolverRecordType  record_type,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  EpFakeResolver *self = EP_FAKE_RESOLVER (resolver);
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback, user_data);
  g_autofree char *key = normalize (rrname);
  GError *error = NULL;
  GList *list;

  if (!start_async (self, key, task))
    return;
  list = answer_records (self, key, record_type, &error);
  if (list == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, list, free_records);
}

/* ---- GObject -------------------------------------------------------------------------------- */

static void
ep_fake_resolver_finalize (GObject *object)
{
  EpFakeResolver *self = EP_FAKE_RESOLVER (object);

  g_hash_table_unref (self->hosts);
  g_hash_table_unref (self->records);
  g_hash_table_unref (self->stalls);
  g_hash_table_unref (self->failures);
  g_hash_table_unref (self->counts);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (ep_fake_resolver_parent_class)->finalize (object);
}

static void
ep_fake_resolver_class_init (EpFakeResolverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GResolverClass *resolver_class = G_RESOLVER_CLASS (klass);

  object_class->finalize = ep_fake_resolver_finalize;
  resolver_class->lookup_by_name = lookup_by_name;
  resolver_class->lookup_by_name_async = lookup_by_name_async;
  resolver_class->lookup_by_name_finish = lookup_finish;
  resolver_class->lookup_by_name_with_flags = lookup_by_name_with_flags;
  resolver_class->lookup_by_name_with_flags_async = lookup_by_name_with_flags_async;
  resolver_class->lookup_by_name_with_flags_finish = lookup_finish;
  resolver_class->lookup_records = lookup_records;
  resolver_class->lookup_records_async = lookup_records_async;
  resolver_class->lookup_records_finish = lookup_finish;
}

static void
ep_fake_resolver_init (EpFakeResolver *self)
{
  self->hosts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  self->records = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  self->stalls = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->failures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_mutex_init (&self->lock);
}

/* ---- Public API --------------------------------------------------------------------------- */

EpFakeResolver *
ep_fake_resolver_new (void)
{
  EpFakeResolver *self = g_object_new (EP_TYPE_FAKE_RESOLVER, NULL);

  ep_fake_resolver_add_host (self, "localhost", "127.0.0.1");
  return self;
}

void
ep_fake_resolver_add_host (EpFakeResolver *self,
                           const char     *name,
                           const char     *ip)
{
  char *key = normalize (name);
  GPtrArray *ips = g_hash_table_lookup (self->hosts, key);

  if (ips == NULL)
    {
      ips = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (self->hosts, key, ips);
    }
  else
    g_free (key);
  g_ptr_array_add (ips, g_strdup (ip));
}

static void
add_record (EpFakeResolver      *self,
            GResolverRecordType  type,
            const char          *name,
            GVariant            *record)
{
  g_autofree char *normalized = normalize (name);
  char *key = g_strdup_printf ("%d %s", type, normalized);
  GPtrArray *records = g_hash_table_lookup (self->records, key);

  if (records == NULL)
    {
      records = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
      g_hash_table_insert (self->records, key, records);
    }
  else
    g_free (key);
  g_ptr_array_add (records, g_variant_ref_sink (record));
}

void
ep_fake_resolver_add_mx (EpFakeResolver *self,
                         const char     *domain,
                         guint16         preference,
                         const char     *host)
{
  add_record (self, G_RESOLVER_RECORD_MX, domain, g_variant_new ("(qs)", preference, host));
}

void
ep_fake_resolver_add_srv (EpFakeResolver *self,
                          const char     *name,
                          guint16         priority,
                          guint16         weight,
                          guint16         port,
                          const char     *target)
{
  add_record (self, G_RESOLVER_RECORD_SRV, name,
              g_variant_new ("(qqqs)", priority, weight, port, target));
}

void
ep_fake_resolver_add_stall (EpFakeResolver *self,
                            const char     *name)
{
  char *key = normalize (name);

  g_hash_table_insert (self->stalls, key, key);
}

void
ep_fake_resolver_add_failure (EpFakeResolver *self,
                              const char     *name)
{
  char *key = normalize (name);

  g_hash_table_insert (self->failures, key, key);
}

gboolean
ep_fake_resolver_load_file (EpFakeResolver  *self,
                            const char      *path,
                            GError         **error)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (path, &contents, NULL, error))
    return FALSE;
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = NULL;
      guint n;

      g_strstrip (lines[i]);
      if (lines[i][0] == '\0' || lines[i][0] == '#')
        continue;
      f = g_strsplit_set (lines[i], " \t", -1);
      n = g_strv_length (f);
      if (g_str_equal (f[0], "host") && n == 3)
        ep_fake_resolver_add_host (self, f[1], f[2]);
      else if (g_str_equal (f[0], "mx") && n == 4)
        ep_fake_resolver_add_mx (self, f[1], (guint16) atoi (f[2]), f[3]);
      else if (g_str_equal (f[0], "srv") && n == 6)
        ep_fake_resolver_add_srv (self, f[1], (guint16) atoi (f[2]), (guint16) atoi (f[3]),
                                  (guint16) atoi (f[4]), f[5]);
      else if (g_str_equal (f[0], "stall") && n == 2)
        ep_fake_resolver_add_stall (self, f[1]);
      else if (g_str_equal (f[0], "fail") && n == 2)
        ep_fake_resolver_add_failure (self, f[1]);
      else
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s:%u: cannot read “%s”",
                       path, i + 1, lines[i]);
          return FALSE;
        }
    }
  return TRUE;
}

guint
ep_fake_resolver_count_lookups (EpFakeResolver *self,
                                const char     *name)
{
  g_autofree char *key = normalize (name);
  guint n;

  g_mutex_lock (&self->lock);
  n = GPOINTER_TO_UINT (g_hash_table_lookup (self->counts, key));
  g_mutex_unlock (&self->lock);
  return n;
}
