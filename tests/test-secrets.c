/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-secrets.c: passwords in a real (headless) GNOME Keyring — stored, found, replaced,
 * cleared, never on disk in clear — and a prompt, clear NO_KEYRING when there is none.
 * Run through ep-keyring-env.sh, which sets EP_TEST_KEYRING=present|absent. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "ep-secrets.h"
#include "ep-store-error.h"
#include "ep-test-util.h"

/* The bus daemon answers at once: one second is a generous bound for "quickly". */
#define NO_KEYRING_MAX_USEC (1 * G_USEC_PER_SEC)

static gboolean
keyring_expected (void)
{
  return g_strcmp0 (g_getenv ("EP_TEST_KEYRING"), "present") == 0;
}

static gboolean
require (gboolean present)
{
  const char *mode = g_getenv ("EP_TEST_KEYRING");

  if (mode == NULL)
    {
      g_test_skip ("not run through ep-keyring-env.sh");
      return FALSE;
    }
  if (keyring_expected () != present)
    {
      g_test_skip (present ? "needs the keyring" : "needs a session without a keyring");
      return FALSE;
    }
  return TRUE;
}

static char *
unique_id (const char *prefix)
{
  g_autofree char *uuid = g_uuid_string_random ();

  return g_strconcat (prefix, "-", uuid, NULL);
}

static void
assert_password (const char *id,
                 const char *expected)
{
  g_autoptr(GError) error = NULL;
  char *password = ep_secrets_lookup_sync (id, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (password, ==, expected);
  ep_secrets_password_free (password);
}

static void
assert_no_password (const char *id)
{
  g_autoptr(GError) error = NULL;
  char *password = ep_secrets_lookup_sync (id, NULL, &error);

  g_assert_null (password);
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND);
}

static void
test_available (void)
{
  g_autoptr(GError) error = NULL;

  if (!require (TRUE))
    return;
  g_assert_true (ep_secrets_check_available (NULL, &error));
  g_assert_no_error (error);
}

static void
test_store_lookup_clear (void)
{
  g_autofree char *a = unique_id ("a");
  g_autofree char *b = unique_id ("b");
  g_autoptr(GError) error = NULL;
  const char *first = "pässwörd with spaces, 'quotes' and \"more\"";

  if (!require (TRUE))
    return;

  assert_no_password (a);
  g_assert_true (ep_secrets_store_sync (a, "Epistle: A", first, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (ep_secrets_store_sync (b, NULL, "the other one", NULL, &error));
  g_assert_no_error (error);
  assert_password (a, first);
  assert_password (b, "the other one");

  /* Storing again replaces, it does not add a second item. */
  g_assert_true (ep_secrets_store_sync (a, "Epistle: A", "second", NULL, &error));
  g_assert_no_error (error);
  assert_password (a, "second");

  g_assert_true (ep_secrets_clear_sync (a, NULL, &error));
  g_assert_no_error (error);
  assert_no_password (a);
  assert_password (b, "the other one");
  /* Clearing what is not there is fine. */
  g_assert_true (ep_secrets_clear_sync (a, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (ep_secrets_clear_sync (b, NULL, &error));
  assert_no_password (b);
}

typedef struct
{
  GMainContext *context;
  GAsyncResult *result;
} Waiter;

static void
done_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Waiter *waiter = user_data;

  waiter->result = g_object_ref (result);
  g_main_context_wakeup (waiter->context);
}

static GAsyncResult *
wait_result (Waiter *waiter)
{
  while (waiter->result == NULL)
    g_main_context_iteration (waiter->context, TRUE);
  return g_steal_pointer (&waiter->result);
}

static void
test_async (void)
{
  g_autofree char *id = unique_id ("async");
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GError) error = NULL;
  Waiter waiter = { context, NULL };
  GAsyncResult *result;
  char *password;

  if (!require (TRUE))
    return;

  g_main_context_push_thread_default (context);

  ep_secrets_store_async (id, "Epistle: async", "from a thread", NULL, done_cb, &waiter);
  result = wait_result (&waiter);
  g_assert_true (ep_secrets_store_finish (result, &error));
  g_assert_no_error (error);
  g_object_unref (result);

  ep_secrets_lookup_async (id, NULL, done_cb, &waiter);
  result = wait_result (&waiter);
  password = ep_secrets_lookup_finish (result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (password, ==, "from a thread");
  ep_secrets_password_free (password);
  g_object_unref (result);

  ep_secrets_clear_async (id, NULL, done_cb, &waiter);
  result = wait_result (&waiter);
  g_assert_true (ep_secrets_clear_finish (result, &error));
  g_object_unref (result);

  ep_secrets_lookup_async (id, NULL, done_cb, &waiter);
  result = wait_result (&waiter);
  g_assert_null (ep_secrets_lookup_finish (result, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND);
  g_object_unref (result);

  g_main_context_pop_thread_default (context);
}

/* An independent client (libsecret's secret-tool) sees our schema, attribute and label. */
static void
test_schema_on_the_bus (void)
{
  g_autofree char *id = unique_id ("schema");
  g_autofree char *tool = g_find_program_in_path ("secret-tool");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *expected_attribute = NULL;
  g_autofree char *both = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { NULL, "search", "--all", "--unlock", "profile", NULL, NULL };
  int status = -1;

  if (!require (TRUE))
    return;
  if (tool == NULL)
    {
      g_test_skip ("secret-tool (libsecret-tools) is not installed");
      return;
    }

  g_assert_true (ep_secrets_store_sync (id, "Epistle: Schema test", "seen-by-secret-tool",
                                        NULL, &error));
  g_assert_no_error (error);

  argv[0] = tool;
  argv[5] = id;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, &err, &status, &error));
  g_assert_no_error (error);
  g_test_message ("secret-tool: %s%s", out, err);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  /* secret-tool writes some of these lines to stdout, others to stderr. */
  both = g_strconcat (out, err, NULL);
  expected_attribute = g_strdup_printf ("attribute.profile = %s\n", id);
  g_assert_nonnull (strstr (both, "schema = " EP_SECRETS_SCHEMA_NAME "\n"));
  g_assert_nonnull (strstr (both, expected_attribute));
  g_assert_nonnull (strstr (both, "label = Epistle: Schema test\n"));
  g_assert_nonnull (strstr (both, "secret = seen-by-secret-tool\n"));

  g_assert_true (ep_secrets_clear_sync (id, NULL, &error));
}

static gboolean
bytes_contain (const char *haystack,
               gsize       length,
               const char *needle)
{
  gsize n = strlen (needle);

  for (gsize i = 0; n <= length && i <= length - n; i++)
    if (memcmp (haystack + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
tree_contains (const char *path,
               const char *needle)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    {
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR) ||
          !g_file_get_contents (path, &contents, &length, NULL))
        return FALSE;
      return bytes_contain (contents, length, needle);
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (!g_file_test (child, G_FILE_TEST_IS_SYMLINK) && tree_contains (child, needle))
        return TRUE;
    }
  return FALSE;
}

static gboolean
tree_has_file_ending (const char *path,
                      const char *suffix)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_str_has_suffix (name, suffix) && g_file_test (child, G_FILE_TEST_IS_REGULAR))
        return TRUE;
      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK) &&
          tree_has_file_ending (child, suffix))
        return TRUE;
    }
  return FALSE;
}

/* The keyring writes its file encrypted; the password is nowhere in clear under HOME/XDG. */
static void
test_not_on_disk (void)
{
  const char *root = g_getenv ("EPISTLE_TEST_TMPDIR");
  g_autofree char *id = unique_id ("disk");
  g_autofree char *password = NULL;
  g_autoptr(GError) error = NULL;

  if (!require (TRUE))
    return;
  if (root == NULL)
    {
      g_test_skip ("needs EPISTLE_TEST_TMPDIR (ep-test-env.sh)");
      return;
    }

  password = g_strdup_printf ("Zq%08xDiskCanary%08x", g_random_int (), g_random_int ());
  g_assert_true (ep_secrets_store_sync (id, NULL, password, NULL, &error));
  g_assert_no_error (error);
  assert_password (id, password);
  /* Make the daemon write its keyring file now (it does on change), then look. */
  g_assert_true (ep_secrets_store_sync (id, NULL, password, NULL, &error));
  /* The scan covers the keyring's own file, so it looks where a leak would be. */
  g_assert_true (tree_has_file_ending (root, ".keyring"));
  g_assert_false (tree_contains (root, password));
  g_assert_true (ep_secrets_clear_sync (id, NULL, &error));
}

static void
test_cancelled (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  if (g_getenv ("EP_TEST_KEYRING") == NULL)
    {
      g_test_skip ("not run through ep-keyring-env.sh");
      return;
    }

  g_cancellable_cancel (cancellable);
  g_assert_null (ep_secrets_lookup_sync ("cancelled", cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
assert_quick_no_keyring (GError *error,
                         gint64  started)
{
  gint64 elapsed = g_get_monotonic_time () - started;

  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NO_KEYRING);
  g_assert_cmpint (elapsed, <, ep_test_slack (NO_KEYRING_MAX_USEC));
  g_test_message ("%s (after %" G_GINT64_FORMAT " µs)", error->message, elapsed);
}

static void
test_no_keyring (void)
{
  g_autoptr(GError) error = NULL;
  gint64 started;
  char *password;

  if (!require (FALSE))
    return;

  started = g_get_monotonic_time ();
  g_assert_false (ep_secrets_check_available (NULL, &error));
  assert_quick_no_keyring (error, started);
  g_clear_error (&error);

  started = g_get_monotonic_time ();
  g_assert_false (ep_secrets_store_sync ("p1", NULL, "never stored", NULL, &error));
  assert_quick_no_keyring (error, started);
  g_assert_null (strstr (error->message, "never stored"));
  g_clear_error (&error);

  started = g_get_monotonic_time ();
  password = ep_secrets_lookup_sync ("p1", NULL, &error);
  g_assert_null (password);
  assert_quick_no_keyring (error, started);
  g_clear_error (&error);

  started = g_get_monotonic_time ();
  g_assert_false (ep_secrets_clear_sync ("p1", NULL, &error));
  assert_quick_no_keyring (error, started);
}

static void
test_no_keyring_async (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  Waiter waiter = { context, NULL };
  gint64 started;

  if (!require (FALSE))
    return;

  g_main_context_push_thread_default (context);
  started = g_get_monotonic_time ();
  ep_secrets_store_async ("p2", NULL, "secret", NULL, done_cb, &waiter);
  result = wait_result (&waiter);
  g_assert_false (ep_secrets_store_finish (result, &error));
  assert_quick_no_keyring (error, started);
  g_main_context_pop_thread_default (context);
}

/* No session bus at all (a console over SSH): no bus is autolaunched, the answer is quick. */
static void
test_no_bus (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *empty = g_dir_make_tmp ("epistle-nobus-XXXXXX", NULL);
      gint64 started;

      g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
      g_setenv ("XDG_RUNTIME_DIR", empty, TRUE);
      started = g_get_monotonic_time ();
      g_assert_null (ep_secrets_lookup_sync ("p3", NULL, &error));
      assert_quick_no_keyring (error, started);
      g_assert_nonnull (strstr (error->message, "session bus"));
      g_rmdir (empty);
      return;
    }

  g_test_trap_subprocess (NULL, 10 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/store/secrets/available", test_available);
  g_test_add_func ("/store/secrets/store-lookup-clear", test_store_lookup_clear);
  g_test_add_func ("/store/secrets/async", test_async);
  g_test_add_func ("/store/secrets/schema-on-the-bus", test_schema_on_the_bus);
  g_test_add_func ("/store/secrets/not-on-disk", test_not_on_disk);
  g_test_add_func ("/store/secrets/cancelled", test_cancelled);
  g_test_add_func ("/store/secrets/no-keyring", test_no_keyring);
  g_test_add_func ("/store/secrets/no-keyring-async", test_no_keyring_async);
  g_test_add_func ("/store/secrets/no-bus", test_no_bus);

  status = g_test_run ();
  ep_secrets_disconnect ();
  return status;
}
