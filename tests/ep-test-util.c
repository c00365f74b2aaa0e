/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-test-util.c: helpers shared by the C tests. */
#include "config.h"

#include <string.h>
#include <gio/gio.h>

#include "ep-test-util.h"

char *
ep_test_make_dir (const char *prefix)
{
  const char *base = g_getenv ("EPISTLE_TEST_TMPDIR");
  g_autofree char *name = g_strconcat (prefix, "-XXXXXX", NULL);
  g_autofree char *template = g_build_filename (base != NULL ? base : g_get_tmp_dir (), name, NULL);

  g_assert_nonnull (g_mkdtemp (template));
  return g_steal_pointer (&template);
}

char *
ep_test_read_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

void
ep_test_write_file (const char *path,
                    const char *contents)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

char *
ep_test_list_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

gboolean
ep_test_under_valgrind (void)
{
  const char *preload = g_getenv ("LD_PRELOAD");

  return preload != NULL && strstr (preload, "vgpreload") != NULL;
}

gint64
ep_test_slack (gint64 us)
{
  if (ep_test_under_valgrind ())
    return us * 20;
  if (g_getenv ("EPISTLE_TEST_SLOW") != NULL)
    return us * 3;
  return us;
}

void
ep_test_wait_sole_owner (gpointer      object,
                         GMainContext *context)
{
  gint64 end = g_get_monotonic_time () + ep_test_slack (2 * G_USEC_PER_SEC);

  g_assert_true (G_IS_OBJECT (object));
  while (g_atomic_int_get (&G_OBJECT (object)->ref_count) > 1 && g_get_monotonic_time () < end)
    {
      while (g_main_context_iteration (context, FALSE))
        ;
      g_usleep (1000);
    }
  g_assert_cmpuint (g_atomic_int_get (&G_OBJECT (object)->ref_count), ==, 1);
}

void
ep_test_caller_init (EpTestCaller *caller)
{
  *caller = (EpTestCaller) { 0 };
  caller->context = g_main_context_new ();
  caller->thread = g_thread_self ();
  g_main_context_push_thread_default (caller->context);
}

void
ep_test_caller_check (EpTestCaller *caller)
{
  if (g_thread_self () != caller->thread || !g_main_context_is_owner (caller->context))
    caller->elsewhere++;
  if (caller->finished)
    caller->after_outcome++;
}

void
ep_test_caller_assert_quiet (EpTestCaller *caller,
                             guint         ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (caller->context, FALSE), g_usleep (1000);
  g_assert_cmpuint (caller->after_outcome, ==, 0);
}

void
ep_test_caller_clear (EpTestCaller *caller)
{
  g_main_context_pop_thread_default (caller->context);
  g_clear_pointer (&caller->context, g_main_context_unref);
}

guint16
ep_test_closed_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  guint16 port;

  g_assert_true (g_socket_bind (socket, any, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (socket, NULL);
  return port;
}

GBytes *
ep_test_read_bytes (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize length = 0;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, length);
}

GBytes *
ep_test_make_message (gsize size)
{
  guint8 *data = g_malloc (size);
  const char *head = "From: a@example.org\r\nTo: b@example.org\r\nSubject: Test\r\n\r\n";

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) ((i * 131) ^ (i >> 7));
  memcpy (data, head, MIN (size, strlen (head)));
  return g_bytes_new_take (data, size);
}
