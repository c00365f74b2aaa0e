/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-sandbox-credentials.c: the Sandbox's password in the Secret Service, through the store's
 * secrets code: the item earlier versions left in people's keyrings is found and kept, a new one
 * has the same schema, attributes and label, and a Secret Service that never answers costs at
 * most EP_SANDBOX_KEYRING_TIMEOUT_MS. Run through ep-keyring-env.sh (EP_TEST_KEYRING=present or
 * absent). The password is cached for the life of a process, so each case runs in a subprocess. */
#include "config.h"

#include <libsecret/secret.h>
#include <string.h>

#include "ep-profile.h"
#include "ep-sandbox-credentials.h"
#include "ep-secrets.h"
#include "ep-test-util.h"

/* How long a test subprocess may take: the keyring deadline and then some. */
#define SUBPROCESS_TIMEOUT_USEC (30 * G_USEC_PER_SEC)
/* A bus without a Secret Service answers at once. */
#define QUICK_USEC (1 * G_USEC_PER_SEC)
/* What a loaded machine may add to the keyring deadline. */
#define DEADLINE_SLACK_USEC (3 * G_USEC_PER_SEC)

/* The item as earlier versions of the Sandbox wrote it, with libsecret directly: this schema
 * name, one string attribute "profile" = "sandbox", label "Epistle Sandbox". */
static const SecretSchema legacy_schema = {
  "io.github.epistlemail.Epistle.Password", SECRET_SCHEMA_NONE,
  {
    { "profile", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  },
  0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
};

static gboolean
require (const char *mode)
{
  const char *actual = g_getenv ("EP_TEST_KEYRING");

  if (actual == NULL)
    {
      g_test_skip ("not run through ep-keyring-env.sh");
      return FALSE;
    }
  if (!g_str_equal (actual, mode))
    {
      g_test_skip (g_str_equal (mode, "present") ? "needs the keyring"
                                                 : "needs a session without a keyring");
      return FALSE;
    }
  return TRUE;
}

/* The one item under profile=sandbox: its label and every attribute, as libsecret sees them. */
static SecretItem *
find_sandbox_item (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SecretService) service = NULL;
  g_autoptr(GHashTable) attributes = NULL;
  GList *items;
  SecretItem *item;

  service = secret_service_get_sync (SECRET_SERVICE_LOAD_COLLECTIONS, NULL, &error);
  g_assert_no_error (error);
  attributes = secret_attributes_build (&legacy_schema, "profile", EP_PROFILE_SANDBOX_ID, NULL);
  items = secret_service_search_sync (service, &legacy_schema, attributes,
                                      SECRET_SEARCH_ALL | SECRET_SEARCH_UNLOCK | SECRET_SEARCH_LOAD_SECRETS,
                                      NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_length (items), ==, 1);
  item = g_object_ref (items->data);
  g_list_free_full (items, g_object_unref);
  return item;
}

static void
assert_item_as_before (const char *password)
{
  g_autoptr(SecretItem) item = find_sandbox_item ();
  g_autoptr(GHashTable) attributes = secret_item_get_attributes (item);
  g_autofree char *label = secret_item_get_label (item);
  g_autoptr(SecretValue) value = secret_item_get_secret (item);

  g_assert_cmpstr (label, ==, "Epistle Sandbox");
  g_assert_cmpuint (g_hash_table_size (attributes), ==, 2);
  g_assert_cmpstr (g_hash_table_lookup (attributes, "profile"), ==, "sandbox");
  g_assert_cmpstr (g_hash_table_lookup (attributes, "xdg:schema"), ==,
                   "io.github.epistlemail.Epistle.Password");
  g_assert_cmpstr (g_hash_table_lookup (attributes, "xdg:schema"), ==, EP_SECRETS_SCHEMA_NAME);
  g_assert_nonnull (value);
  g_assert_cmpstr (secret_value_get_text (value), ==, password);
}

/* The Sandbox's item removed, and the connection to the Secret Service closed: the keyring as
 * the case found it. */
static void
forget_item (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ep_secrets_clear_sync (EP_PROFILE_SANDBOX_ID, NULL, &error));
  g_assert_no_error (error);
  ep_secrets_disconnect ();
}

/* A keyring that already holds the Sandbox's password from an earlier version: it is used, and
 * the item stays as it was. */
static void
existing_item (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *password = NULL;
  char *looked_up;

  g_assert_true (secret_password_store_sync (&legacy_schema, SECRET_COLLECTION_DEFAULT,
                                             "Epistle Sandbox", "kept-from-before", NULL, &error,
                                             "profile", "sandbox", NULL));
  g_assert_no_error (error);

  password = ep_sandbox_credentials_dup_password (NULL);
  g_assert_cmpstr (password, ==, "kept-from-before");
  g_assert_cmpint (ep_sandbox_credentials_get_storage (), ==, EP_SANDBOX_SECRET_STORAGE_KEYRING);
  assert_item_as_before ("kept-from-before");

  /* The store's own lookup sees the same item under the profile id. */
  looked_up = ep_secrets_lookup_sync (EP_PROFILE_SANDBOX_ID, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (looked_up, ==, "kept-from-before");
  ep_secrets_password_free (looked_up);

  forget_item ();
}

/* No item yet: one is made, with the attributes and label earlier versions used, so that
 * an earlier version finds it too. */
static void
new_item (void)
{
  g_autofree char *password = NULL;
  g_autofree char *again = NULL;

  password = ep_sandbox_credentials_dup_password (NULL);
  g_assert_cmpuint (strlen (password), ==, 24);
  g_assert_cmpint (ep_sandbox_credentials_get_storage (), ==, EP_SANDBOX_SECRET_STORAGE_KEYRING);
  /* Found through the earlier versions' schema, secret included: what they look up. (Not
   * with secret_password_lookup_sync() itself: in libsecret 0.20.5 it leaks the D-Bus
   * reply, which LeakSanitizer sees on GDBus's own thread, where no suppression can name
   * it.) */
  assert_item_as_before (password);

  again = ep_sandbox_credentials_dup_password (NULL);
  g_assert_cmpstr (again, ==, password);

  forget_item ();
}

/* A bus without a Secret Service: memory, at once. */
static void
no_keyring (void)
{
  gint64 started = g_get_monotonic_time ();
  g_autofree char *password = ep_sandbox_credentials_dup_password (NULL);
  g_autofree char *again = ep_sandbox_credentials_dup_password (NULL);

  g_assert_cmpint (g_get_monotonic_time () - started, <, ep_test_slack (QUICK_USEC));
  g_assert_cmpuint (strlen (password), ==, 24);
  g_assert_cmpstr (again, ==, password);
  g_assert_cmpint (ep_sandbox_credentials_get_storage (), ==, EP_SANDBOX_SECRET_STORAGE_MEMORY);
}

/* Every method call to the fake Secret Service is dropped unanswered. */
static GDBusMessage *
drop_method_calls (GDBusConnection *connection,
                   GDBusMessage    *message,
                   gboolean         incoming,
                   gpointer         user_data)
{
  if (incoming && g_dbus_message_get_message_type (message) == G_DBUS_MESSAGE_TYPE_METHOD_CALL)
    {
      g_object_unref (message);
      return NULL;
    }
  return message;
}

/* A Secret Service that owns its name and never answers: the Sandbox gives up at its deadline
 * and keeps the password in memory. */
static void
silent_keyring (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  g_autoptr(GDBusConnection) service = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *password = NULL;
  gint64 started, elapsed;
  guint32 result = 0;

  address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  service = g_dbus_connection_new_for_address_sync (address,
                                                    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                    G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                    NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_add_filter (service, drop_method_calls, NULL, NULL);
  reply = g_dbus_connection_call_sync (service, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", "org.freedesktop.secrets", 0),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                       &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &result);
  g_assert_cmpuint (result, ==, 1);   /* DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER */

  started = g_get_monotonic_time ();
  password = ep_sandbox_credentials_dup_password (NULL);
  elapsed = g_get_monotonic_time () - started;
  g_test_message ("gave up after %" G_GINT64_FORMAT " µs", elapsed);

  g_assert_cmpuint (strlen (password), ==, 24);
  g_assert_cmpint (ep_sandbox_credentials_get_storage (), ==, EP_SANDBOX_SECRET_STORAGE_MEMORY);
  /* It did wait for the service (so the service was asked), and no longer than the deadline. */
  g_assert_cmpint (elapsed, >=, (gint64) EP_SANDBOX_KEYRING_TIMEOUT_MS * 1000 - 100 * 1000);
  g_assert_cmpint (elapsed, <, (gint64) EP_SANDBOX_KEYRING_TIMEOUT_MS * 1000 + ep_test_slack (DEADLINE_SLACK_USEC));
}

/* A cancelled caller: memory at once, without waiting for the deadline. */
static void
cancelled (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *password = NULL;
  gint64 started;

  g_cancellable_cancel (cancellable);
  started = g_get_monotonic_time ();
  password = ep_sandbox_credentials_dup_password (cancellable);
  g_assert_cmpint (g_get_monotonic_time () - started, <, ep_test_slack (QUICK_USEC));
  g_assert_cmpuint (strlen (password), ==, 24);
  g_assert_cmpint (ep_sandbox_credentials_get_storage (), ==, EP_SANDBOX_SECRET_STORAGE_MEMORY);
}

/* Each case in a subprocess of its own (the password is cached for the life of a process), where
 * the session has the keyring it needs, "present" or "absent". */
typedef struct
{
  const char *path;
  const char *keyring;
  void      (*body) (void);
} Case;

static const Case cases[] = {
  { "/sandbox/credentials/existing-item", "present", existing_item },
  { "/sandbox/credentials/new-item", "present", new_item },
  { "/sandbox/credentials/cancelled", "present", cancelled },
  { "/sandbox/credentials/no-keyring", "absent", no_keyring },
  { "/sandbox/credentials/silent-keyring", "absent", silent_keyring },
};

static void
run_case (gconstpointer data)
{
  const Case *c = data;

  if (!require (c->keyring))
    return;
  if (g_test_subprocess ())
    {
      c->body ();
      return;
    }
  g_test_trap_subprocess (NULL, SUBPROCESS_TIMEOUT_USEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_test_add_data_func (cases[i].path, &cases[i], run_case);

  return g_test_run ();
}
