/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-goa-accounts.c: Online Accounts' object manager, mirrored into the profile store.
 *
 * One profile per account object that has mail (or had it, and the person turned it off: that
 * one is listed with the reason). Every change the service announces (an object or an
 * interface added or removed, a property changed) reads that object again, so the list is
 * live. Online Accounts is optional: without it, nothing is listed and nothing is reported. */
#include "config.h"

#include "ep-goa-account-private.h"
#include "ep-goa-accounts.h"

#define GOA_BUS_NAME    "org.gnome.OnlineAccounts"
#define GOA_MANAGER_PATH "/org/gnome/OnlineAccounts"

struct _EpGoaAccounts
{
  GObject parent_instance;

  EpProfileStore     *store;      /* weak: the store may hold this object (epistle-send) */
  GDBusObjectManager *manager;
  GHashTable         *profiles;   /* object path → EpProfile listed in the store */
};

G_DEFINE_FINAL_TYPE (EpGoaAccounts, ep_goa_accounts, G_TYPE_OBJECT)

/* @gone: the service removed the account (a send still holding the profile is told so); not
 * when this object goes, since a command-line send may still use the profile then. */
static void
unlist (EpGoaAccounts *self,
        const char    *path,
        gboolean       gone)
{
  EpProfile *profile = g_hash_table_lookup (self->profiles, path);

  if (profile == NULL)
    return;
  if (gone)
    ep_goa_account_set_gone (ep_goa_account_from_profile (profile));
  if (self->store != NULL)
    ep_profile_store_remove_external (self->store, profile);
  g_hash_table_remove (self->profiles, path);
}

static void
sync_object (EpGoaAccounts *self,
             GDBusObject   *object)
{
  const char *path = g_dbus_object_get_object_path (object);
  EpProfile *profile = g_hash_table_lookup (self->profiles, path);

  if (self->store == NULL)
    return;
  if (!EP_GOA_DBUS_IS_OBJECT (object))
    unlist (self, path, TRUE);
  else if (profile != NULL && ep_goa_object_is_account (EP_GOA_DBUS_OBJECT (object)))
    {
      /* Listed already: it stays while it is an account (its Mail interface and MailDisabled
       * may change in either order), and its row is redrawn even when only its reason for
       * not being used changed, which no profile property shows. */
      ep_goa_account_apply (ep_goa_account_from_profile (profile), profile);
      g_signal_emit_by_name (self->store, "changed");
    }
  else if (!ep_goa_object_is_listed (EP_GOA_DBUS_OBJECT (object)))
    unlist (self, path, TRUE);
  else
    {
      g_autoptr(EpGoaAccount) account = ep_goa_account_new (EP_GOA_DBUS_OBJECT (object));

      profile = ep_goa_account_new_profile (account);
      if (ep_profile_store_lookup_by_id (self->store, ep_profile_get_id (profile)) != NULL)
        {
          /* The same account id at a second path: the first one stays. */
          g_object_unref (profile);
          return;
        }
      g_hash_table_insert (self->profiles, g_strdup (path), profile);
      ep_profile_store_add_external (self->store, profile);
    }
}

static void
object_changed_cb (GDBusObjectManager *manager,
                   GDBusObject        *object,
                   gpointer            user_data)
{
  sync_object (user_data, object);
}

static void
object_removed_cb (GDBusObjectManager *manager,
                   GDBusObject        *object,
                   gpointer            user_data)
{
  unlist (user_data, g_dbus_object_get_object_path (object), TRUE);
}

static void
interface_changed_cb (GDBusObjectManager *manager,
                      GDBusObject        *object,
                      GDBusInterface     *interface,
                      gpointer            user_data)
{
  sync_object (user_data, object);
}

static void
properties_changed_cb (GDBusObjectManagerClient *manager,
                       GDBusObjectProxy         *object,
                       GDBusProxy               *interface,
                       GVariant                 *changed,
                       const char * const       *invalidated,
                       gpointer                  user_data)
{
  sync_object (user_data, G_DBUS_OBJECT (object));
}

static void
adopt (EpGoaAccounts      *self,
       GDBusObjectManager *manager)
{
  g_autolist(GDBusObject) objects = NULL;

  self->manager = manager;
  g_signal_connect_object (manager, "object-added", G_CALLBACK (object_changed_cb), self, 0);
  g_signal_connect_object (manager, "object-removed", G_CALLBACK (object_removed_cb), self, 0);
  g_signal_connect_object (manager, "interface-added", G_CALLBACK (interface_changed_cb), self, 0);
  g_signal_connect_object (manager, "interface-removed", G_CALLBACK (interface_changed_cb), self, 0);
  g_signal_connect_object (manager, "interface-proxy-properties-changed",
                           G_CALLBACK (properties_changed_cb), self, 0);
  objects = g_dbus_object_manager_get_objects (manager);
  for (GList *l = objects; l != NULL; l = l->next)
    sync_object (self, l->data);
}

static void
manager_ready_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  GDBusObjectManager *manager = ep_goa_dbus_object_manager_client_new_for_bus_finish (result, &error);

  if (manager == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      /* Optional: a desktop without Online Accounts (or without a session bus) is normal. */
      g_debug ("GNOME Online Accounts not available: %s", error->message);
    }
  else
    adopt (g_task_get_source_object (task), manager);
  g_task_return_boolean (task, TRUE);
}

static void
ep_goa_accounts_dispose (GObject *object)
{
  EpGoaAccounts *self = EP_GOA_ACCOUNTS (object);

  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  if (self->profiles != NULL)
    {
      g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
      GHashTableIter iter;
      gpointer path;

      g_hash_table_iter_init (&iter, self->profiles);
      while (g_hash_table_iter_next (&iter, &path, NULL))
        g_ptr_array_add (paths, g_strdup (path));

      for (guint i = 0; i < paths->len; i++)
        unlist (self, paths->pdata[i], FALSE);
    }
  g_clear_object (&self->manager);
  if (self->store != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->store), (gpointer *) &self->store);
  self->store = NULL;

  G_OBJECT_CLASS (ep_goa_accounts_parent_class)->dispose (object);
}

static void
ep_goa_accounts_finalize (GObject *object)
{
  EpGoaAccounts *self = EP_GOA_ACCOUNTS (object);

  g_clear_pointer (&self->profiles, g_hash_table_unref);

  G_OBJECT_CLASS (ep_goa_accounts_parent_class)->finalize (object);
}

static void
ep_goa_accounts_class_init (EpGoaAccountsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ep_goa_accounts_dispose;
  object_class->finalize = ep_goa_accounts_finalize;
}

static void
ep_goa_accounts_init (EpGoaAccounts *self)
{
  self->profiles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

EpGoaAccounts *
ep_goa_accounts_new (EpProfileStore *store)
{
  EpGoaAccounts *self;

  g_return_val_if_fail (EP_IS_PROFILE_STORE (store), NULL);

  self = g_object_new (EP_TYPE_GOA_ACCOUNTS, NULL);
  self->store = store;
  g_object_add_weak_pointer (G_OBJECT (store), (gpointer *) &self->store);
  return self;
}

void
ep_goa_accounts_load_async (EpGoaAccounts       *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (EP_IS_GOA_ACCOUNTS (self));
  g_return_if_fail (self->manager == NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ep_goa_accounts_load_async);
  /* Auto-start allowed: Online Accounts' daemon is started on demand by the bus. */
  ep_goa_dbus_object_manager_client_new_for_bus (G_BUS_TYPE_SESSION, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE,
                                                 GOA_BUS_NAME, GOA_MANAGER_PATH, cancellable,
                                                 manager_ready_cb, task);
}

gboolean
ep_goa_accounts_load_finish (EpGoaAccounts  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
ep_goa_accounts_load_sync (EpGoaAccounts *self,
                           GCancellable  *cancellable)
{
  g_autoptr(GError) error = NULL;
  GDBusObjectManager *manager;

  g_return_if_fail (EP_IS_GOA_ACCOUNTS (self));
  g_return_if_fail (self->manager == NULL);

  manager = ep_goa_dbus_object_manager_client_new_for_bus_sync (G_BUS_TYPE_SESSION,
                                                                G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE,
                                                                GOA_BUS_NAME, GOA_MANAGER_PATH,
                                                                cancellable, &error);
  if (manager == NULL)
    g_debug ("GNOME Online Accounts not available: %s", error->message);
  else
    adopt (self, manager);
}

guint
ep_goa_accounts_get_n_listed (EpGoaAccounts *self)
{
  g_return_val_if_fail (EP_IS_GOA_ACCOUNTS (self), 0);

  return g_hash_table_size (self->profiles);
}
