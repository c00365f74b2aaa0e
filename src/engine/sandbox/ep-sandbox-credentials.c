/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-sandbox-credentials.c: the Sandbox's user name and generated password (keyring or memory). */
#include "config.h"

#include "ep-sandbox-credentials.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <libsecret/secret.h>
#include <string.h>

/* 144 random bits: 24 characters of URL-safe base64, easy to paste into swaks or curl. */
#define PASSWORD_RANDOM_OCTETS 18

typedef struct {
  GMutex        mutex;
  GCond         cond;
  gboolean      done;
  gint64        deadline;
  GCancellable *cancellable;
  GThread      *thread;
} Watchdog;

static GMutex credentials_mutex;
static char *cached_password;
static EpSandboxSecretStorage cached_storage = EP_SANDBOX_SECRET_STORAGE_UNKNOWN;

static const SecretSchema *
password_schema (void)
{
  static const SecretSchema schema = {
    EP_SANDBOX_SECRET_SCHEMA, SECRET_SCHEMA_NONE,
    {
      { "profile", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
  };
  return &schema;
}

static gpointer
watchdog_thread (gpointer data)
{
  Watchdog *watchdog = data;

  g_mutex_lock (&watchdog->mutex);
  while (!watchdog->done)
    {
      if (!g_cond_wait_until (&watchdog->cond, &watchdog->mutex, watchdog->deadline))
        {
          if (!watchdog->done)
            g_cancellable_cancel (watchdog->cancellable);
          break;
        }
    }
  g_mutex_unlock (&watchdog->mutex);
  return NULL;
}

static void
parent_cancelled_cb (GCancellable *parent,
                     GCancellable *child)
{
  g_cancellable_cancel (child);
}

/* libsecret's sync calls wait as long as D-Bus lets them (activation, unlock prompts):
 * a private cancellable, cancelled after @timeout_ms or with @parent, bounds them. */
static void
watchdog_start (Watchdog     *watchdog,
                GCancellable *parent,
                guint         timeout_ms,
                gulong       *out_handler)
{
  g_mutex_init (&watchdog->mutex);
  g_cond_init (&watchdog->cond);
  watchdog->done = FALSE;
  watchdog->deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  watchdog->cancellable = g_cancellable_new ();
  *out_handler = parent != NULL
    ? g_cancellable_connect (parent, G_CALLBACK (parent_cancelled_cb),
                             g_object_ref (watchdog->cancellable), g_object_unref)
    : 0;
  watchdog->thread = g_thread_new ("ep-sandbox-keyring", watchdog_thread, watchdog);
}

static void
watchdog_stop (Watchdog     *watchdog,
               GCancellable *parent,
               gulong        handler)
{
  g_mutex_lock (&watchdog->mutex);
  watchdog->done = TRUE;
  g_cond_signal (&watchdog->cond);
  g_mutex_unlock (&watchdog->mutex);
  g_thread_join (watchdog->thread);
  if (parent != NULL)
    g_cancellable_disconnect (parent, handler);
  g_clear_object (&watchdog->cancellable);
  g_cond_clear (&watchdog->cond);
  g_mutex_clear (&watchdog->mutex);
}

static gboolean
session_bus_address_known (void)
{
  const char *address = g_getenv ("DBUS_SESSION_BUS_ADDRESS");
  g_autofree char *socket_path = NULL;

  if (address != NULL && *address != '\0')
    return TRUE;
  /* GLib also finds a per-user bus here; anything else would make it run dbus-launch,
   * which leaves a bus daemon behind. */
  socket_path = g_build_filename (g_get_user_runtime_dir (), "bus", NULL);
  return g_file_test (socket_path, G_FILE_TEST_EXISTS);
}

static gboolean
bus_name_listed (GDBusConnection *bus,
                 const char      *method,
                 const char      *name,
                 GCancellable    *cancellable)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  if (g_str_equal (method, "NameHasOwner"))
    {
      gboolean owned = FALSE;

      reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                           "org.freedesktop.DBus", method,
                                           g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"),
                                           G_DBUS_CALL_FLAGS_NONE, EP_SANDBOX_KEYRING_TIMEOUT_MS,
                                           cancellable, &error);
      if (reply != NULL)
        g_variant_get (reply, "(b)", &owned);
      return owned;
    }
  else
    {
      g_autofree const char **names = NULL;

      reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                           "org.freedesktop.DBus", method, NULL,
                                           G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NONE,
                                           EP_SANDBOX_KEYRING_TIMEOUT_MS, cancellable, &error);
      if (reply == NULL)
        return FALSE;
      g_variant_get (reply, "(^a&s)", &names);
      return g_strv_contains (names, name);
    }
}

static gboolean
secret_service_reachable (GCancellable *cancellable)
{
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GError) error = NULL;

  if (!session_bus_address_known ())
    return FALSE;
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, cancellable, &error);
  if (bus == NULL)
    {
      g_debug ("no session bus for the keyring: %s", error->message);
      return FALSE;
    }
  return bus_name_listed (bus, "NameHasOwner", "org.freedesktop.secrets", cancellable) ||
         bus_name_listed (bus, "ListActivatableNames", "org.freedesktop.secrets", cancellable);
}

/* Returns the stored password; NULL with @error unset when there is none yet. */
static char *
keyring_lookup (GCancellable  *cancellable,
                GError       **error)
{
  char *secret;
  char *copy;

  secret = secret_password_lookup_sync (password_schema (), cancellable, error,
                                        "profile", EP_SANDBOX_SECRET_PROFILE, NULL);
  if (secret == NULL)
    return NULL;
  copy = g_strdup (secret);
  secret_password_free (secret);
  return copy;
}

static gboolean
keyring_store (const char    *password,
               GCancellable  *cancellable,
               GError       **error)
{
  return secret_password_store_sync (password_schema (), SECRET_COLLECTION_DEFAULT,
                                     "Epistle Sandbox", password, cancellable, error,
                                     "profile", EP_SANDBOX_SECRET_PROFILE, NULL);
}

static char *
fetch_or_create (GCancellable           *cancellable,
                 EpSandboxSecretStorage *out_storage)
{
  g_autoptr(GError) error = NULL;
  Watchdog watchdog;
  gulong handler = 0;
  char *password;

  *out_storage = EP_SANDBOX_SECRET_STORAGE_MEMORY;
  watchdog_start (&watchdog, cancellable, EP_SANDBOX_KEYRING_TIMEOUT_MS, &handler);

  if (!secret_service_reachable (watchdog.cancellable))
    {
      watchdog_stop (&watchdog, cancellable, handler);
      g_debug ("no Secret Service: the Sandbox password lives in memory");
      return ep_sandbox_credentials_generate_password ();
    }

  password = keyring_lookup (watchdog.cancellable, &error);
  if (password != NULL)
    {
      *out_storage = EP_SANDBOX_SECRET_STORAGE_KEYRING;
    }
  else
    {
      password = ep_sandbox_credentials_generate_password ();
      if (error == NULL && keyring_store (password, watchdog.cancellable, &error))
        *out_storage = EP_SANDBOX_SECRET_STORAGE_KEYRING;
      else
        g_debug ("keyring unusable (%s): the Sandbox password lives in memory", error->message);
    }
  watchdog_stop (&watchdog, cancellable, handler);
  return password;
}

/**
 * ep_sandbox_credentials_get_username:
 *
 * Returns: the fixed user name of the Sandbox server, "sandbox".
 */
const char *
ep_sandbox_credentials_get_username (void)
{
  return EP_SANDBOX_USERNAME;
}

/**
 * ep_sandbox_credentials_generate_password:
 *
 * Returns: a new random password (24 letters and digits, over 140 bits).
 */
char *
ep_sandbox_credentials_generate_password (void)
{
  guint8 random[PASSWORD_RANDOM_OCTETS];
  char *password;

  /* Only fails when the library is in an error state; GLib's generator is no secret source. */
  if (gnutls_rnd (GNUTLS_RND_KEY, random, sizeof random) < 0)
    g_error ("gnutls_rnd failed: no random numbers for the Sandbox password");
  password = g_base64_encode (random, sizeof random);
  gnutls_memset (random, 0, sizeof random);
  /* Letters and digits only: a leading '-' made command-line clients (swaks) read the password
   * as an option. Folding two of 64 symbols costs under 3 of the 144 bits. */
  g_strdelimit (password, "+", 'x');
  g_strdelimit (password, "/", 'y');
  return password;
}

/**
 * ep_sandbox_credentials_get_password:
 * @cancellable: (nullable): cancels a slow keyring lookup
 *
 * The Sandbox password: looked up in the Secret Service (profile "sandbox"), made and
 * stored there at first use; without a usable Secret Service (none on the bus, locked, no
 * answer within %EP_SANDBOX_KEYRING_TIMEOUT_MS) it is made once and kept in memory for the
 * life of the process. Either way every caller in this process gets the same password, so
 * the in-process server and client agree. May block: call it from a worker thread.
 *
 * Returns: (transfer full): the password.
 */
char *
ep_sandbox_credentials_get_password (GCancellable *cancellable)
{
  char *password;

  g_mutex_lock (&credentials_mutex);
  if (cached_password == NULL)
    cached_password = fetch_or_create (cancellable, &cached_storage);
  password = g_strdup (cached_password);
  g_mutex_unlock (&credentials_mutex);
  return password;
}

/**
 * ep_sandbox_credentials_get_storage:
 *
 * Returns: where the password obtained by ep_sandbox_credentials_get_password() is kept.
 */
EpSandboxSecretStorage
ep_sandbox_credentials_get_storage (void)
{
  EpSandboxSecretStorage storage;

  g_mutex_lock (&credentials_mutex);
  storage = cached_storage;
  g_mutex_unlock (&credentials_mutex);
  return storage;
}
