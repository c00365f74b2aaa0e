/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-secrets.c: passwords in the Secret Service through libsecret.
 *
 * libsecret on a session without a Secret Service may wait for D-Bus activation or, with no
 * session bus at all, make GLib spawn one. So every call first asks the bus, with a short
 * timeout, whether the service is running or activatable, and fails with
 * EP_STORE_ERROR_NO_KEYRING when it is not. Passwords are never logged or put in errors. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <libsecret/secret.h>

#include "ep-secrets.h"
#include "ep-store-error.h"

/* The well-known name of the Secret Service API. */
#define SECRET_SERVICE_BUS_NAME "org.freedesktop.secrets"
/* The bus daemon answers these at once; a stuck bus must not freeze a send. */
#define PROBE_TIMEOUT_MS 2000

static const SecretSchema *
get_schema (void)
{
  static const SecretSchema schema = {
    EP_SECRETS_SCHEMA_NAME, SECRET_SCHEMA_NONE,
    {
      { EP_SECRETS_ATTRIBUTE_PROFILE, SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  };
  return &schema;
}

/* Tokens live beside the passwords, under a schema of their own so that a password lookup
 * (which matches on the profile alone) never finds a token, and with the kind of token as a
 * second attribute. */
static const SecretSchema *
get_token_schema (void)
{
  static const SecretSchema schema = {
    EP_SECRETS_TOKEN_SCHEMA_NAME, SECRET_SCHEMA_NONE,
    {
      { EP_SECRETS_ATTRIBUTE_PROFILE, SECRET_SCHEMA_ATTRIBUTE_STRING },
      { EP_SECRETS_ATTRIBUTE_KIND, SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  };
  return &schema;
}

static void
set_no_keyring (GError     **error,
                const char  *detail)
{
  if (detail != NULL)
    g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NO_KEYRING,
                 _("No keyring is available to store passwords (%s)"), detail);
  else
    g_set_error_literal (error, EP_STORE_ERROR, EP_STORE_ERROR_NO_KEYRING,
                         _("No keyring is available to store passwords"));
}

/* Without DBUS_SESSION_BUS_ADDRESS or a $XDG_RUNTIME_DIR/bus socket, GLib would try to
 * autolaunch a bus (dbus-launch), leaving a daemon behind: don't let it. */
static gboolean
session_bus_configured (void)
{
  const char *runtime_dir = g_getenv ("XDG_RUNTIME_DIR");
  g_autofree char *socket_path = NULL;

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") != NULL)
    return TRUE;
  if (runtime_dir == NULL)
    return FALSE;
  socket_path = g_build_filename (runtime_dir, "bus", NULL);
  return g_file_test (socket_path, G_FILE_TEST_EXISTS);
}

static gboolean
bus_call_bool (GDBusConnection  *bus,
               const char       *method,
               GVariant         *parameters,
               gboolean         *out_value,
               GCancellable     *cancellable,
               GError          **error)
{
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", method, parameters,
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE,
                                       PROBE_TIMEOUT_MS, cancellable, error);
  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(b)", out_value);
  return TRUE;
}

static gboolean
name_is_activatable (GDBusConnection  *bus,
                     GCancellable     *cancellable,
                     GError          **error)
{
  g_autoptr(GVariant) reply = NULL;
  g_autofree const char **names = NULL;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "ListActivatableNames", NULL,
                                       G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NONE,
                                       PROBE_TIMEOUT_MS, cancellable, error);
  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(^a&s)", &names);
  return g_strv_contains (names, SECRET_SERVICE_BUS_NAME);
}

/**
 * ep_secrets_check_available:
 *
 * Whether a Secret Service is running, or can be started, on the session bus. Takes at most
 * a few seconds (usually a millisecond or two) and never starts anything.
 *
 * Returns: %TRUE, or %FALSE with %EP_STORE_ERROR_NO_KEYRING (or %G_IO_ERROR_CANCELLED)
 */
gboolean
ep_secrets_check_available (GCancellable  *cancellable,
                            GError       **error)
{
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean owned = FALSE;

  if (!session_bus_configured ())
    {
      set_no_keyring (error, _("there is no session bus"));
      return FALSE;
    }

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, cancellable, &local_error);
  if (bus != NULL &&
      bus_call_bool (bus, "NameHasOwner", g_variant_new ("(s)", SECRET_SERVICE_BUS_NAME),
                     &owned, cancellable, &local_error) &&
      (owned || name_is_activatable (bus, cancellable, &local_error)))
    return TRUE;

  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_propagate_error (error, g_steal_pointer (&local_error));
  else if (local_error != NULL)
    set_no_keyring (error, local_error->message);
  else
    set_no_keyring (error, _("no Secret Service is running on the session bus"));
  return FALSE;
}

/* libsecret's password calls run on a private main context; a SecretService proxy first
 * made there subscribes to the service's signals on that context, which nobody iterates
 * again, so every later signal would queue up there for good. Making the shared proxy
 * first, on the caller's thread-default context (the global default one in worker
 * threads), keeps its signals where a main loop runs. */
static SecretService *
get_service (GCancellable  *cancellable,
             GError       **error)
{
  return secret_service_get_sync (SECRET_SERVICE_OPEN_SESSION, cancellable, error);
}

/* Turns libsecret's and D-Bus's errors into ours; cancellation passes through. */
static void
propagate_secret_error (GError **error,
                        GError  *secret_error)
{
  if (g_error_matches (secret_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_propagate_error (error, secret_error);
  else if (secret_error->domain == G_DBUS_ERROR &&
           (secret_error->code == G_DBUS_ERROR_SERVICE_UNKNOWN ||
            secret_error->code == G_DBUS_ERROR_NAME_HAS_NO_OWNER ||
            secret_error->code == G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND ||
            secret_error->code == G_DBUS_ERROR_SPAWN_EXEC_FAILED ||
            secret_error->code == G_DBUS_ERROR_SPAWN_CHILD_EXITED))
    {
      set_no_keyring (error, secret_error->message);
      g_error_free (secret_error);
    }
  else if (g_error_matches (secret_error, SECRET_ERROR, SECRET_ERROR_IS_LOCKED))
    {
      g_set_error_literal (error, EP_STORE_ERROR, EP_STORE_ERROR_KEYRING,
                           _("The keyring is locked"));
      g_error_free (secret_error);
    }
  else
    {
      g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_KEYRING,
                   _("The keyring refused the request: %s"), secret_error->message);
      g_error_free (secret_error);
    }
}

/* The attributes of an item: the profile, and for a token its kind. */
static GHashTable *
item_attributes (const SecretSchema *schema,
                 const char         *profile_id,
                 const char         *kind)
{
  if (kind != NULL)
    return secret_attributes_build (schema, EP_SECRETS_ATTRIBUTE_PROFILE, profile_id,
                                    EP_SECRETS_ATTRIBUTE_KIND, kind, NULL);
  return secret_attributes_build (schema, EP_SECRETS_ATTRIBUTE_PROFILE, profile_id, NULL);
}

static gboolean
store_item (const SecretSchema  *schema,
            const char          *profile_id,
            const char          *kind,
            const char          *label,
            const char          *secret,
            GCancellable        *cancellable,
            GError             **error)
{
  g_autoptr(SecretService) service = NULL;
  g_autoptr(GHashTable) attributes = NULL;
  g_autoptr(SecretValue) value = NULL;
  GError *local_error = NULL;

  if (!ep_secrets_check_available (cancellable, error))
    return FALSE;
  service = get_service (cancellable, &local_error);
  if (service == NULL)
    {
      propagate_secret_error (error, local_error);
      return FALSE;
    }

  attributes = item_attributes (schema, profile_id, kind);
  value = secret_value_new (secret, -1, "text/plain");
  if (!secret_service_store_sync (service, schema, attributes, SECRET_COLLECTION_DEFAULT, label,
                                  value, cancellable, &local_error))
    {
      propagate_secret_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

static char *
lookup_item (const SecretSchema  *schema,
             const char          *profile_id,
             const char          *kind,
             const char          *not_found,
             GCancellable        *cancellable,
             GError             **error)
{
  g_autoptr(SecretService) service = NULL;
  g_autoptr(GHashTable) attributes = NULL;
  g_autoptr(SecretValue) value = NULL;
  GError *local_error = NULL;
  GList *items;
  const char *text;

  if (!ep_secrets_check_available (cancellable, error))
    return NULL;
  service = get_service (cancellable, &local_error);
  if (service == NULL)
    {
      propagate_secret_error (error, local_error);
      return NULL;
    }

  /* A search that loads the secret, rather than secret_password_lookup_sync(): libsecret
   * 0.20.5 leaks the decoded reply of every successful lookup (seen with LeakSanitizer),
   * and this path does not. */
  attributes = item_attributes (schema, profile_id, kind);
  items = secret_service_search_sync (service, schema, attributes,
                                      SECRET_SEARCH_LOAD_SECRETS | SECRET_SEARCH_UNLOCK,
                                      cancellable, &local_error);
  if (local_error != NULL)
    {
      propagate_secret_error (error, local_error);
      return NULL;
    }
  if (items != NULL)
    value = secret_item_get_secret (items->data);
  g_list_free_full (items, g_object_unref);

  if (value == NULL)
    {
      g_set_error_literal (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND, not_found);
      return NULL;
    }
  text = secret_value_get_text (value);
  if (text == NULL)
    {
      g_set_error_literal (error, EP_STORE_ERROR, EP_STORE_ERROR_KEYRING,
                           _("The saved secret is not text"));
      return NULL;
    }
  return g_strdup (text);
}

static gboolean
clear_item (const SecretSchema  *schema,
            const char          *profile_id,
            const char          *kind,
            GCancellable        *cancellable,
            GError             **error)
{
  g_autoptr(SecretService) service = NULL;
  g_autoptr(GHashTable) attributes = NULL;
  GError *local_error = NULL;

  if (!ep_secrets_check_available (cancellable, error))
    return FALSE;
  service = get_service (cancellable, &local_error);
  if (service == NULL)
    {
      propagate_secret_error (error, local_error);
      return FALSE;
    }

  attributes = item_attributes (schema, profile_id, kind);
  secret_service_clear_sync (service, schema, attributes, cancellable, &local_error);
  if (local_error != NULL)
    {
      propagate_secret_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

/**
 * ep_secrets_store_sync:
 * @label: (nullable): what the keyring shows, e.g. "Epistle: Work"
 *
 * Saves (or replaces) the password of a profile in the default keyring. Blocks; use
 * ep_secrets_store_async() on the main thread.
 */
gboolean
ep_secrets_store_sync (const char    *profile_id,
                       const char    *label,
                       const char    *password,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_return_val_if_fail (profile_id != NULL && *profile_id != '\0', FALSE);
  g_return_val_if_fail (password != NULL, FALSE);

  return store_item (get_schema (), profile_id, NULL, label != NULL ? label : _("Epistle password"),
                     password, cancellable, error);
}

/**
 * ep_secrets_lookup_sync:
 *
 * Returns: (transfer full): the password, to be freed with ep_secrets_password_free(), or
 *   %NULL with %EP_STORE_ERROR_NOT_FOUND when none is stored for @profile_id
 */
char *
ep_secrets_lookup_sync (const char    *profile_id,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_return_val_if_fail (profile_id != NULL && *profile_id != '\0', NULL);

  return lookup_item (get_schema (), profile_id, NULL, _("No password is saved for this profile"),
                      cancellable, error);
}

/**
 * ep_secrets_clear_sync:
 *
 * Forgets the password of @profile_id. Succeeds when none was stored.
 */
gboolean
ep_secrets_clear_sync (const char    *profile_id,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_return_val_if_fail (profile_id != NULL && *profile_id != '\0', FALSE);

  return clear_item (get_schema (), profile_id, NULL, cancellable, error);
}

/**
 * ep_secrets_store_token_sync:
 * @kind: what the token is, e.g. %EP_SECRETS_KIND_OAUTH2_REFRESH_TOKEN
 * @label: (nullable): what the keyring shows
 *
 * Saves (or replaces) a token of @kind for a profile, beside its password. Blocks.
 */
gboolean
ep_secrets_store_token_sync (const char    *profile_id,
                             const char    *kind,
                             const char    *label,
                             const char    *token,
                             GCancellable  *cancellable,
                             GError       **error)
{
  g_return_val_if_fail (profile_id != NULL && *profile_id != '\0', FALSE);
  g_return_val_if_fail (kind != NULL && *kind != '\0', FALSE);
  g_return_val_if_fail (token != NULL, FALSE);

  return store_item (get_token_schema (), profile_id, kind,
                     label != NULL ? label : _("Epistle sign-in"), token, cancellable, error);
}

/**
 * ep_secrets_lookup_token_sync:
 *
 * Returns: (transfer full): the token, to be freed with ep_secrets_password_free(), or %NULL
 *   with %EP_STORE_ERROR_NOT_FOUND when none of @kind is stored for @profile_id
 */
char *
ep_secrets_lookup_token_sync (const char    *profile_id,
                              const char    *kind,
                              GCancellable  *cancellable,
                              GError       **error)
{
  g_return_val_if_fail (profile_id != NULL && *profile_id != '\0', NULL);
  g_return_val_if_fail (kind != NULL && *kind != '\0', NULL);

  return lookup_item (get_token_schema (), profile_id, kind,
                      _("This profile is not signed in"), cancellable, error);
}

/* Forgets the token of @kind of @profile_id. Succeeds when none was stored. */
gboolean
ep_secrets_clear_token_sync (const char    *profile_id,
                             const char    *kind,
                             GCancellable  *cancellable,
                             GError       **error)
{
  g_return_val_if_fail (profile_id != NULL && *profile_id != '\0', FALSE);
  g_return_val_if_fail (kind != NULL && *kind != '\0', FALSE);

  return clear_item (get_token_schema (), profile_id, kind, cancellable, error);
}

/* Overwrites the password's bytes before freeing them. */
void
ep_secrets_password_free (char *password)
{
  secret_password_free (password);
}

/**
 * ep_secrets_disconnect:
 *
 * Drops libsecret's shared connection to the Secret Service, with everything it cached;
 * for application shutdown (and leak checkers). Later calls connect again.
 */
void
ep_secrets_disconnect (void)
{
  secret_service_disconnect ();
}

typedef struct
{
  char *profile_id;
  char *label;
  char *password;
} SecretsRequest;

static void
secrets_request_free (SecretsRequest *request)
{
  g_free (request->profile_id);
  g_free (request->label);
  if (request->password != NULL)
    secret_password_free (request->password);
  g_free (request);
}

static GTask *
secrets_task_new (const char          *profile_id,
                  const char          *label,
                  const char          *password,
                  gpointer             source_tag,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  SecretsRequest *request = g_new0 (SecretsRequest, 1);

  request->profile_id = g_strdup (profile_id);
  request->label = g_strdup (label);
  request->password = g_strdup (password);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, request, (GDestroyNotify) secrets_request_free);
  return task;
}

static void
store_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  SecretsRequest *request = task_data;
  GError *error = NULL;

  if (ep_secrets_store_sync (request->profile_id, request->label, request->password,
                             cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* Like ep_secrets_store_sync(), on a worker thread (the password is copied, then wiped). */
void
ep_secrets_store_async (const char          *profile_id,
                        const char          *label,
                        const char          *password,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (profile_id != NULL && *profile_id != '\0');
  g_return_if_fail (password != NULL);

  task = secrets_task_new (profile_id, label, password, ep_secrets_store_async,
                           cancellable, callback, user_data);
  g_task_run_in_thread (task, store_thread);
}

gboolean
ep_secrets_store_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ep_secrets_store_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
lookup_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  SecretsRequest *request = task_data;
  GError *error = NULL;
  char *password = ep_secrets_lookup_sync (request->profile_id, cancellable, &error);

  if (password != NULL)
    g_task_return_pointer (task, password, (GDestroyNotify) ep_secrets_password_free);
  else
    g_task_return_error (task, error);
}

void
ep_secrets_lookup_async (const char          *profile_id,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (profile_id != NULL && *profile_id != '\0');

  task = secrets_task_new (profile_id, NULL, NULL, ep_secrets_lookup_async,
                           cancellable, callback, user_data);
  g_task_run_in_thread (task, lookup_thread);
}

/* Returns: (transfer full): as ep_secrets_lookup_sync() */
char *
ep_secrets_lookup_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ep_secrets_lookup_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
clear_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  SecretsRequest *request = task_data;
  GError *error = NULL;

  if (ep_secrets_clear_sync (request->profile_id, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
ep_secrets_clear_async (const char          *profile_id,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (profile_id != NULL && *profile_id != '\0');

  task = secrets_task_new (profile_id, NULL, NULL, ep_secrets_clear_async,
                           cancellable, callback, user_data);
  g_task_run_in_thread (task, clear_thread);
}

static void
clear_profile_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  SecretsRequest *request = task_data;
  GError *error = NULL;

  if (ep_secrets_clear_sync (request->profile_id, cancellable, &error) &&
      ep_secrets_clear_token_sync (request->profile_id, EP_SECRETS_KIND_IMAP_PASSWORD, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
ep_secrets_clear_profile_async (const char          *profile_id,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (profile_id != NULL && *profile_id != '\0');

  task = secrets_task_new (profile_id, NULL, NULL, ep_secrets_clear_profile_async,
                           cancellable, callback, user_data);
  g_task_run_in_thread (task, clear_profile_thread);
}

gboolean
ep_secrets_clear_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ep_secrets_clear_async ||
                        g_task_get_source_tag (G_TASK (result)) == ep_secrets_clear_profile_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
