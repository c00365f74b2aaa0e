/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-fake-goa.c: a fake GNOME Online Accounts service (see ep-fake-goa.h). Everything on the
 * bus happens in the service's own thread and main context: a test's calls are handed over
 * and waited for. */
#include "config.h"

#include "ep-fake-goa.h"
#include "ep-goa-dbus.h"

#define GOA_BUS_NAME     "org.gnome.OnlineAccounts"
#define GOA_MANAGER_PATH "/org/gnome/OnlineAccounts"
#define GOA_ACCOUNTS_DIR "/org/gnome/OnlineAccounts/Accounts/"

typedef struct {
  EpFakeGoa               *fake;
  char                    *id;
  EpGoaDBusObjectSkeleton *object;
  EpGoaDBusAccount        *account;
  EpGoaDBusMail           *mail;      /* kept while mail is turned off, to put it back */
  gint                     expired;
  gint                     ensure;
  gint                     tokens;
  gint                     passwords;
} FakeAccount;

struct _EpFakeGoa
{
  GThread                *thread;
  GMainContext           *context;
  GMainLoop              *loop;
  GDBusConnection        *connection;
  GDBusObjectManagerServer *manager;
  GHashTable             *accounts;    /* id → FakeAccount; touched in the service thread only */
  EpFakeGoaTokenHook      token_hook;
  gpointer                token_hook_data;
  GMutex                  lock;
  GCond                   cond;
  gboolean                ready;
};

typedef struct {
  EpFakeGoa  *self;
  GSourceFunc func;
  gpointer    data;
  gboolean    done;
} Call;

static void
fake_account_free (FakeAccount *account)
{
  g_free (account->id);
  g_clear_object (&account->object);
  g_clear_object (&account->account);
  g_clear_object (&account->mail);
  g_free (account);
}

static gboolean
call_cb (gpointer user_data)
{
  Call *call = user_data;

  call->func (call->data);
  g_mutex_lock (&call->self->lock);
  call->done = TRUE;
  g_cond_broadcast (&call->self->cond);
  g_mutex_unlock (&call->self->lock);
  return G_SOURCE_REMOVE;
}

/* Runs @func in the service thread and waits for it. */
static void
in_service (EpFakeGoa   *self,
            GSourceFunc  func,
            gpointer     data)
{
  Call call = { self, func, data, FALSE };

  g_main_context_invoke (self->context, call_cb, &call);
  g_mutex_lock (&self->lock);
  while (!call.done)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);
}

static FakeAccount *
lookup (EpFakeGoa  *self,
        const char *id)
{
  FakeAccount *account = g_hash_table_lookup (self->accounts, id);

  g_assert_nonnull (account);
  return account;
}

/* ---- The methods ------------------------------------------------------------------------------- */

static gboolean
handle_ensure_credentials (EpGoaDBusAccount      *iface,
                           GDBusMethodInvocation *invocation,
                           FakeAccount           *account)
{
  g_atomic_int_inc (&account->ensure);
  if (g_atomic_int_get (&account->expired))
    {
      ep_goa_dbus_account_set_attention_needed (iface, TRUE);
      g_dbus_method_invocation_return_dbus_error (invocation, "org.gnome.OnlineAccounts.Error.NotAuthorized",
                                                  "The refresh token was revoked");
      return TRUE;
    }
  ep_goa_dbus_account_complete_ensure_credentials (iface, invocation, 3600);
  return TRUE;
}

static gboolean
handle_get_access_token (EpGoaDBusOAuth2Based  *iface,
                         GDBusMethodInvocation *invocation,
                         FakeAccount           *account)
{
  guint n = (guint) g_atomic_int_add (&account->tokens, 1) + 1;
  g_autofree char *token = ep_fake_goa_token (account->id, n);

  if (account->fake->token_hook != NULL)
    account->fake->token_hook (n, account->fake->token_hook_data);

  ep_goa_dbus_oauth2_based_complete_get_access_token (iface, invocation, token, 3600);
  return TRUE;
}

static gboolean
handle_get_password (EpGoaDBusPasswordBased *iface,
                     GDBusMethodInvocation  *invocation,
                     const char             *which,
                     FakeAccount            *account)
{
  g_autofree char *password = g_strdup_printf ("%s-password", account->id);

  g_atomic_int_inc (&account->passwords);
  if (g_strcmp0 (which, "smtp-password") != 0)
    {
      g_dbus_method_invocation_return_dbus_error (invocation, "org.gnome.OnlineAccounts.Error.Failed",
                                                  "Unknown password id");
      return TRUE;
    }
  ep_goa_dbus_password_based_complete_get_password (iface, invocation, password);
  return TRUE;
}

/* ---- In the service thread ----------------------------------------------------------------------- */

static gboolean
add_in_service (gpointer data)
{
  gpointer *args = data;
  EpFakeGoa *self = args[0];
  const EpFakeGoaAccount *spec = args[1];
  FakeAccount *account = g_new0 (FakeAccount, 1);
  g_autofree char *path = g_strconcat (GOA_ACCOUNTS_DIR, spec->id, NULL);

  account->fake = self;
  account->id = g_strdup (spec->id);
  account->object = ep_goa_dbus_object_skeleton_new (path);
  account->account = ep_goa_dbus_account_skeleton_new ();
  ep_goa_dbus_account_set_id (account->account, spec->id);
  ep_goa_dbus_account_set_provider_type (account->account, spec->provider_type);
  ep_goa_dbus_account_set_provider_name (account->account, spec->provider_name);
  ep_goa_dbus_account_set_presentation_identity (account->account, spec->address);
  ep_goa_dbus_account_set_mail_disabled (account->account, spec->mail_disabled);
  g_signal_connect (account->account, "handle-ensure-credentials", G_CALLBACK (handle_ensure_credentials), account);
  ep_goa_dbus_object_skeleton_set_account (account->object, account->account);

  account->mail = ep_goa_dbus_mail_skeleton_new ();
  ep_goa_dbus_mail_set_email_address (account->mail, spec->address);
  ep_goa_dbus_mail_set_name (account->mail, "Fake Person");
  ep_goa_dbus_mail_set_smtp_supported (account->mail, TRUE);
  ep_goa_dbus_mail_set_smtp_host (account->mail, spec->smtp_host);
  ep_goa_dbus_mail_set_smtp_user_name (account->mail, spec->address);
  ep_goa_dbus_mail_set_smtp_use_auth (account->mail, TRUE);
  ep_goa_dbus_mail_set_smtp_auth_xoauth2 (account->mail, spec->kind == EP_FAKE_GOA_OAUTH2);
  ep_goa_dbus_mail_set_smtp_auth_plain (account->mail, spec->kind == EP_FAKE_GOA_PASSWORD);
  ep_goa_dbus_mail_set_smtp_use_ssl (account->mail, spec->use_ssl);
  ep_goa_dbus_mail_set_smtp_use_tls (account->mail, spec->use_tls);
  ep_goa_dbus_mail_set_smtp_accept_ssl_errors (account->mail, spec->accept_ssl_errors);
  if (!spec->mail_disabled)
    ep_goa_dbus_object_skeleton_set_mail (account->object, account->mail);

  if (spec->kind == EP_FAKE_GOA_OAUTH2)
    {
      g_autoptr(EpGoaDBusOAuth2Based) oauth2 = ep_goa_dbus_oauth2_based_skeleton_new ();

      g_signal_connect (oauth2, "handle-get-access-token", G_CALLBACK (handle_get_access_token), account);
      ep_goa_dbus_object_skeleton_set_oauth2_based (account->object, oauth2);
    }
  else
    {
      g_autoptr(EpGoaDBusPasswordBased) password = ep_goa_dbus_password_based_skeleton_new ();

      g_signal_connect (password, "handle-get-password", G_CALLBACK (handle_get_password), account);
      ep_goa_dbus_object_skeleton_set_password_based (account->object, password);
    }

  g_hash_table_insert (self->accounts, account->id, account);
  g_dbus_object_manager_server_export (self->manager, G_DBUS_OBJECT_SKELETON (account->object));
  return G_SOURCE_REMOVE;
}

static gboolean
remove_in_service (gpointer data)
{
  gpointer *args = data;
  EpFakeGoa *self = args[0];
  FakeAccount *account = lookup (self, args[1]);

  g_dbus_object_manager_server_unexport (self->manager,
                                         g_dbus_object_get_object_path (G_DBUS_OBJECT (account->object)));
  g_hash_table_remove (self->accounts, args[1]);
  return G_SOURCE_REMOVE;
}

static gboolean
mail_disabled_in_service (gpointer data)
{
  gpointer *args = data;
  EpFakeGoa *self = args[0];
  FakeAccount *account = lookup (self, args[1]);
  gboolean disabled = GPOINTER_TO_INT (args[2]);

  ep_goa_dbus_account_set_mail_disabled (account->account, disabled);
  ep_goa_dbus_object_skeleton_set_mail (account->object, disabled ? NULL : account->mail);
  return G_SOURCE_REMOVE;
}

static gpointer
service_thread (gpointer data)
{
  EpFakeGoa *self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  const char *address = g_getenv ("DBUS_SESSION_BUS_ADDRESS");

  g_main_context_push_thread_default (self->context);
  g_assert_nonnull (address);
  self->connection = g_dbus_connection_new_for_address_sync (address,
                                                             G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                             G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                             NULL, NULL, &error);
  g_assert_no_error (error);
  self->manager = g_dbus_object_manager_server_new (GOA_MANAGER_PATH);
  g_dbus_object_manager_server_set_connection (self->manager, self->connection);
  /* DBUS_NAME_FLAG_DO_NOT_QUEUE (4); the reply is 1 when the name is ours. */
  reply = g_dbus_connection_call_sync (self->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", GOA_BUS_NAME, 4), G_VARIANT_TYPE ("(u)"),
                                       G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
  g_assert_no_error (error);
  {
    guint32 result;

    g_variant_get (reply, "(u)", &result);
    g_assert_cmpuint (result, ==, 1);
  }

  g_mutex_lock (&self->lock);
  self->ready = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  g_main_loop_run (self->loop);

  g_hash_table_remove_all (self->accounts);
  g_clear_object (&self->manager);
  g_dbus_connection_close_sync (self->connection, NULL, NULL);
  g_clear_object (&self->connection);
  /* What the closing left to dispatch. */
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

/* ---- Public API ------------------------------------------------------------------------------ */

EpFakeGoa *
ep_fake_goa_new (void)
{
  EpFakeGoa *self = g_new0 (EpFakeGoa, 1);

  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->accounts = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) fake_account_free);
  self->thread = g_thread_new ("fake-goa", service_thread, self);
  g_mutex_lock (&self->lock);
  while (!self->ready)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);
  return self;
}

static gboolean
quit_in_service (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
ep_fake_goa_free (EpFakeGoa *self)
{
  if (self == NULL)
    return;
  g_main_context_invoke (self->context, quit_in_service, self->loop);
  g_thread_join (self->thread);
  g_hash_table_unref (self->accounts);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}

void
ep_fake_goa_add (EpFakeGoa              *self,
                 const EpFakeGoaAccount *account)
{
  gpointer args[] = { self, (gpointer) account };

  in_service (self, add_in_service, args);
}

void
ep_fake_goa_remove (EpFakeGoa  *self,
                    const char *id)
{
  gpointer args[] = { self, (gpointer) id };

  in_service (self, remove_in_service, args);
}

void
ep_fake_goa_set_mail_disabled (EpFakeGoa  *self,
                               const char *id,
                               gboolean    disabled)
{
  gpointer args[] = { self, (gpointer) id, GINT_TO_POINTER (disabled) };

  in_service (self, mail_disabled_in_service, args);
}

char *
ep_fake_goa_token (const char *id,
                   guint       n)
{
  return g_strdup_printf ("%s-token-%u", id, n);
}

static gboolean
expire_in_service (gpointer data)
{
  gpointer *args = data;
  FakeAccount *account = lookup (args[0], args[1]);

  g_atomic_int_set (&account->expired, TRUE);
  return G_SOURCE_REMOVE;
}

void
ep_fake_goa_set_expired (EpFakeGoa  *self,
                         const char *id)
{
  gpointer args[] = { self, (gpointer) id };

  in_service (self, expire_in_service, args);
}

static gboolean
hook_in_service (gpointer data)
{
  gpointer *args = data;
  EpFakeGoa *self = args[0];

  self->token_hook = (EpFakeGoaTokenHook) args[1];
  self->token_hook_data = args[2];
  return G_SOURCE_REMOVE;
}

void
ep_fake_goa_set_token_hook (EpFakeGoa          *self,
                            EpFakeGoaTokenHook  hook,
                            gpointer            user_data)
{
  gpointer args[] = { self, (gpointer) hook, user_data };

  in_service (self, hook_in_service, args);
}

typedef struct {
  EpFakeGoa  *self;
  const char *id;
  const char *method;
  guint       count;
} CountCall;

static gboolean
count_in_service (gpointer data)
{
  CountCall *call = data;
  FakeAccount *account = lookup (call->self, call->id);

  if (g_str_equal (call->method, "EnsureCredentials"))
    call->count = (guint) g_atomic_int_get (&account->ensure);
  else if (g_str_equal (call->method, "GetAccessToken"))
    call->count = (guint) g_atomic_int_get (&account->tokens);
  else if (g_str_equal (call->method, "GetPassword"))
    call->count = (guint) g_atomic_int_get (&account->passwords);
  else
    g_assert_not_reached ();
  return G_SOURCE_REMOVE;
}

guint
ep_fake_goa_count (EpFakeGoa  *self,
                   const char *id,
                   const char *method)
{
  CountCall call = { self, id, method, 0 };

  in_service (self, count_in_service, &call);
  return call.count;
}
