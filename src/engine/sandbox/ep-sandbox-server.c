/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-sandbox-server.c: the built-in Sandbox, a loopback-only ESMTP server feeding a local inbox. */
#include "config.h"

#include "ep-sandbox-server.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "ep-sandbox-certificate.h"
#include "ep-sandbox-credentials.h"
#include "ep-sandbox-error.h"
#include "ep-sandbox-session.h"
#include "ep-sandbox-store.h"

/* After a failed accept (out of file descriptors, say), wait before the next one. */
#define ACCEPT_RETRY_DELAY_US (100 * 1000)
/* Dropped sessions end within a second or so, but while they do their threads still run: never
 * more than this many threads, however fast connections come. */
#define MAX_SESSION_THREADS (2 * EP_SANDBOX_MAX_CONNECTIONS)

struct _EpSandboxServer
{
  GObject parent_instance;

  /* Settings, read at start. */
  guint64  size_limit;
  guint    idle_timeout;
  guint    session_timeout;   /* 0: the default */
  guint    handshake_timeout; /* 0: the default */
  char    *username_override;
  char    *password_override;

  /* While running: sessions read config without locking, stop() waits for them. */
  GSocketListener       *listener;
  GThread               *accept_thread;
  GCancellable          *cancellable;
  EpSandboxSessionConfig config;
  guint16                port;
  char                  *sha256;
  char                  *certificate_path;

  GMutex     lock;
  GCond      sessions_done;
  guint      active;      /* session threads running */
  GPtrArray *jobs;        /* SessionJob, oldest first, while their threads run */
};

typedef struct {
  EpSandboxServer     *server;   /* not a reference: stop() outlives every session */
  GSocketConnection   *connection;
  EpSandboxSessionSlot slot;
  gint64               started;  /* monotonic */
} SessionJob;

enum {
  PROP_0,
  PROP_SIZE_LIMIT,
  PROP_IDLE_TIMEOUT,
  PROP_PORT,
  PROP_RUNNING,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (EpSandboxServer, ep_sandbox_server, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];

static void
session_job_free (SessionJob *job)
{
  g_object_unref (job->connection);
  g_object_unref (job->slot.cancellable);
  g_free (job);
}

/* Under the lock. Removes @job and lets stop() go on when it was the last. */
static void
session_ended (EpSandboxServer *self,
               SessionJob      *job)
{
  g_ptr_array_remove (self->jobs, job);
  self->active--;
  g_cond_broadcast (&self->sessions_done);
}

static gpointer
session_thread (gpointer data)
{
  SessionJob *job = data;
  EpSandboxServer *self = job->server;

  ep_sandbox_session_run (&self->config, job->connection, &job->slot);

  /* The last touch of the server: stop() may free it as soon as the lock is released. */
  g_mutex_lock (&self->lock);
  session_ended (self, job);
  g_mutex_unlock (&self->lock);
  session_job_free (job);
  return NULL;
}

/* Under the lock: the sessions that count against EP_SANDBOX_MAX_CONNECTIONS. */
static guint
count_slots_taken (EpSandboxServer *self)
{
  guint taken = 0;

  for (guint i = 0; i < self->jobs->len; i++)
    if (!g_atomic_int_get (&((SessionJob *) g_ptr_array_index (self->jobs, i))->slot.evicted))
      taken++;
  return taken;
}

/* Under the lock: the oldest session that has not authenticated and is old enough to have done
 * so, marked as evicted; its cancellable (a new reference) is returned for the caller to cancel
 * outside the lock. NULL when every slot is held by an authenticated or a new session. */
static GCancellable *
evict_one (EpSandboxServer *self)
{
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < self->jobs->len; i++)
    {
      SessionJob *job = g_ptr_array_index (self->jobs, i);

      if (g_atomic_int_get (&job->slot.evicted) || g_atomic_int_get (&job->slot.authenticated) ||
          now - job->started < (gint64) EP_SANDBOX_EVICTION_MIN_AGE_MS * 1000)
        continue;
      g_atomic_int_set (&job->slot.evicted, 1);
      return g_object_ref (job->slot.cancellable);
    }
  return NULL;
}

static void
start_session (EpSandboxServer   *self,
               GSocketConnection *connection)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) evicted = NULL;
  SessionJob *job;
  GThread *thread;

  g_mutex_lock (&self->lock);
  if (count_slots_taken (self) >= EP_SANDBOX_MAX_CONNECTIONS &&
      (self->active >= MAX_SESSION_THREADS || (evicted = evict_one (self)) == NULL))
    {
      g_mutex_unlock (&self->lock);
      g_debug ("refusing a connection: %u already active", EP_SANDBOX_MAX_CONNECTIONS);
      ep_sandbox_session_refuse (connection, "421 4.3.2 localhost Too many connections, try again later");
      return;
    }
  job = g_new0 (SessionJob, 1);
  job->server = self;
  job->connection = g_object_ref (connection);
  job->slot.cancellable = g_cancellable_new ();
  job->started = g_get_monotonic_time ();
  g_ptr_array_add (self->jobs, job);
  self->active++;
  g_mutex_unlock (&self->lock);

  if (evicted != NULL)
    {
      g_debug ("all %u connections taken: dropping the oldest that has not authenticated",
               EP_SANDBOX_MAX_CONNECTIONS);
      g_cancellable_cancel (evicted);
    }

  thread = g_thread_try_new ("ep-sandbox-session", session_thread, job, &error);
  if (thread == NULL)
    {
      g_debug ("no thread for a session: %s", error->message);
      g_mutex_lock (&self->lock);
      session_ended (self, job);
      g_mutex_unlock (&self->lock);
      session_job_free (job);
      ep_sandbox_session_refuse (connection, "421 4.3.2 localhost Cannot take the connection now");
      return;
    }
  g_thread_unref (thread);
}

static gpointer
accept_thread (gpointer data)
{
  EpSandboxServer *self = data;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocketConnection) connection = NULL;

      connection = g_socket_listener_accept (self->listener, NULL, self->cancellable, &error);
      if (g_cancellable_is_cancelled (self->cancellable))
        break;
      if (connection == NULL)
        {
          g_debug ("accept failed: %s", error->message);
          g_usleep (ACCEPT_RETRY_DELAY_US);
          continue;
        }
      start_session (self, connection);
    }
  return NULL;
}

static void
ep_sandbox_server_finalize (GObject *object)
{
  EpSandboxServer *self = EP_SANDBOX_SERVER (object);

  ep_sandbox_server_stop (self);
  g_ptr_array_unref (self->jobs);
  g_free (self->username_override);
  g_free (self->password_override);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->sessions_done);

  G_OBJECT_CLASS (ep_sandbox_server_parent_class)->finalize (object);
}

static void
ep_sandbox_server_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  EpSandboxServer *self = EP_SANDBOX_SERVER (object);

  switch (prop_id)
    {
    case PROP_SIZE_LIMIT:
      g_value_set_uint64 (value, self->size_limit);
      break;
    case PROP_IDLE_TIMEOUT:
      g_value_set_uint (value, self->idle_timeout);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_RUNNING:
      g_value_set_boolean (value, ep_sandbox_server_is_running (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ep_sandbox_server_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  EpSandboxServer *self = EP_SANDBOX_SERVER (object);

  switch (prop_id)
    {
    case PROP_SIZE_LIMIT:
      ep_sandbox_server_set_size_limit (self, g_value_get_uint64 (value));
      break;
    case PROP_IDLE_TIMEOUT:
      ep_sandbox_server_set_idle_timeout (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ep_sandbox_server_class_init (EpSandboxServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ep_sandbox_server_finalize;
  object_class->get_property = ep_sandbox_server_get_property;
  object_class->set_property = ep_sandbox_server_set_property;

  /**
   * EpSandboxServer:size-limit:
   *
   * The largest message accepted, in octets, announced with SIZE. Read at start.
   */
  properties[PROP_SIZE_LIMIT] =
    g_param_spec_uint64 ("size-limit", NULL, NULL, 1, G_MAXUINT64, EP_SANDBOX_DEFAULT_SIZE_LIMIT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * EpSandboxServer:idle-timeout:
   *
   * Seconds a client may stay silent (or not read) before 421 4.4.2. Read at start.
   */
  properties[PROP_IDLE_TIMEOUT] =
    g_param_spec_uint ("idle-timeout", NULL, NULL, 1, G_MAXUINT, EP_SANDBOX_DEFAULT_IDLE_TIMEOUT,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ep_sandbox_server_init (EpSandboxServer *self)
{
  self->size_limit = EP_SANDBOX_DEFAULT_SIZE_LIMIT;
  self->idle_timeout = EP_SANDBOX_DEFAULT_IDLE_TIMEOUT;
  g_mutex_init (&self->lock);
  g_cond_init (&self->sessions_done);
  self->jobs = g_ptr_array_new ();
}

EpSandboxServer *
ep_sandbox_server_new (void)
{
  return g_object_new (EP_TYPE_SANDBOX_SERVER, NULL);
}

/**
 * ep_sandbox_server_get_default:
 *
 * The process's Sandbox server, shared by every Sandbox send in this process (the app's
 * compose windows, or one run of epistle-send). Not started: call ep_sandbox_server_start().
 *
 * Returns: (transfer none): the server
 */
EpSandboxServer *
ep_sandbox_server_get_default (void)
{
  static EpSandboxServer *default_server;

  if (g_once_init_enter (&default_server))
    g_once_init_leave (&default_server, ep_sandbox_server_new ());
  return default_server;
}

void
ep_sandbox_server_set_size_limit (EpSandboxServer *self,
                                  guint64          size_limit)
{
  g_return_if_fail (EP_IS_SANDBOX_SERVER (self));
  g_return_if_fail (size_limit > 0);

  if (self->size_limit == size_limit)
    return;
  self->size_limit = size_limit;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIZE_LIMIT]);
}

guint64
ep_sandbox_server_get_size_limit (EpSandboxServer *self)
{
  g_return_val_if_fail (EP_IS_SANDBOX_SERVER (self), 0);
  return self->size_limit;
}

void
ep_sandbox_server_set_idle_timeout (EpSandboxServer *self,
                                    guint            seconds)
{
  g_return_if_fail (EP_IS_SANDBOX_SERVER (self));
  g_return_if_fail (seconds > 0);

  if (self->idle_timeout == seconds)
    return;
  self->idle_timeout = seconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IDLE_TIMEOUT]);
}

guint
ep_sandbox_server_get_idle_timeout (EpSandboxServer *self)
{
  g_return_val_if_fail (EP_IS_SANDBOX_SERVER (self), 0);
  return self->idle_timeout;
}

/**
 * ep_sandbox_server_set_session_timeout:
 * @seconds: the longest a connection may last, however busy; 0 for
 *   %EP_SANDBOX_DEFAULT_SESSION_TIMEOUT. Takes effect at the next start.
 */
void
ep_sandbox_server_set_session_timeout (EpSandboxServer *self,
                                       guint            seconds)
{
  g_return_if_fail (EP_IS_SANDBOX_SERVER (self));
  self->session_timeout = seconds;
}

/**
 * ep_sandbox_server_set_handshake_timeout:
 * @seconds: the longest a TLS handshake may take, however the client spreads its bytes; 0 for
 *   %EP_SANDBOX_DEFAULT_HANDSHAKE_TIMEOUT. Takes effect at the next start.
 */
void
ep_sandbox_server_set_handshake_timeout (EpSandboxServer *self,
                                         guint            seconds)
{
  g_return_if_fail (EP_IS_SANDBOX_SERVER (self));
  self->handshake_timeout = seconds;
}

/**
 * ep_sandbox_server_set_credentials:
 *
 * Replaces the generated Sandbox credentials (tests); %NULL for both goes back to them.
 * Read at start.
 */
void
ep_sandbox_server_set_credentials (EpSandboxServer *self,
                                   const char      *username,
                                   const char      *password)
{
  g_return_if_fail (EP_IS_SANDBOX_SERVER (self));
  g_return_if_fail ((username == NULL) == (password == NULL));

  g_free (self->username_override);
  self->username_override = g_strdup (username);
  g_free (self->password_override);
  self->password_override = g_strdup (password);
}

static gboolean
listen_on_loopback (EpSandboxServer  *self,
                    GError          **error)
{
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string (EP_SANDBOX_HOST, 0);
  g_autoptr(GSocketAddress) effective = NULL;

  self->listener = g_socket_listener_new ();
  /* An explicit loopback address: g_socket_listener_add_any_inet_port() would bind every
   * interface. Port 0 lets the kernel pick a free one. */
  if (!g_socket_listener_add_address (self->listener, address, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &effective, error))
    {
      g_clear_object (&self->listener);
      return FALSE;
    }
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  return TRUE;
}

/**
 * ep_sandbox_server_start:
 * @cancellable: (nullable): cancels a slow keyring lookup
 *
 * Makes the certificate and credentials if needed, binds 127.0.0.1 on a free port and
 * serves connections on threads of their own until ep_sandbox_server_stop(). Blocks for
 * the keyring lookup (bounded): call it from a worker thread in the UI.
 */
gboolean
ep_sandbox_server_start (EpSandboxServer  *self,
                         GCancellable     *cancellable,
                         GError          **error)
{
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(GError) thread_error = NULL;

  g_return_val_if_fail (EP_IS_SANDBOX_SERVER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (ep_sandbox_server_is_running (self))
    {
      g_set_error (error, EP_SANDBOX_ERROR, EP_SANDBOX_ERROR_RUNNING,
                   _("The Sandbox server is already running"));
      return FALSE;
    }
  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_set_error (error, EP_SANDBOX_ERROR, EP_SANDBOX_ERROR_TLS_UNAVAILABLE,
                   _("TLS support is not available (is glib-networking installed?)"));
      return FALSE;
    }
  if (!ep_sandbox_ensure_dirs (error))
    return FALSE;
  dir = ep_sandbox_dup_dir ();
  certificate = ep_sandbox_certificate_load_or_create (dir, NULL, error);
  if (certificate == NULL)
    return FALSE;
  if (!listen_on_loopback (self, error))
    return FALSE;

  self->cancellable = g_cancellable_new ();
  self->config.certificate = g_steal_pointer (&certificate);
  if (self->username_override != NULL)
    {
      self->config.username = g_strdup (self->username_override);
      self->config.password = g_strdup (self->password_override);
    }
  else
    {
      self->config.username = g_strdup (ep_sandbox_credentials_get_username ());
      self->config.password = ep_sandbox_credentials_dup_password (cancellable);
    }
  self->config.size_limit = self->size_limit;
  self->config.idle_timeout = self->idle_timeout;
  self->config.session_timeout = self->session_timeout;
  self->config.handshake_timeout = self->handshake_timeout;
  self->config.cancellable = self->cancellable;
  self->sha256 = ep_sandbox_certificate_dup_sha256 (self->config.certificate, TRUE);
  self->certificate_path = g_build_filename (dir, EP_SANDBOX_CERTIFICATE_FILE, NULL);

  self->accept_thread = g_thread_try_new ("ep-sandbox-accept", accept_thread, self, &thread_error);
  if (self->accept_thread == NULL)
    {
      g_set_error (error, EP_SANDBOX_ERROR, EP_SANDBOX_ERROR_IO,
                   _("Could not start the Sandbox server: %s"), thread_error->message);
      ep_sandbox_server_stop (self);
      return FALSE;
    }

  g_debug ("Sandbox server on %s:%u, certificate %s", EP_SANDBOX_HOST, self->port, self->sha256);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  return TRUE;
}

/**
 * ep_sandbox_server_stop:
 *
 * Stops listening and ends every session (their blocking calls are cancelled), waiting
 * until the last one is gone. Harmless when not running.
 */
void
ep_sandbox_server_stop (EpSandboxServer *self)
{
  gboolean was_running;

  g_return_if_fail (EP_IS_SANDBOX_SERVER (self));

  if (self->listener == NULL)
    return;
  was_running = self->accept_thread != NULL;

  g_cancellable_cancel (self->cancellable);
  if (self->accept_thread != NULL)
    g_thread_join (g_steal_pointer (&self->accept_thread));
  g_socket_listener_close (self->listener);

  /* No session starts any more: end those that run. Cancelling runs handlers, never this
   * server's code, so under the lock is safe. */
  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->jobs->len; i++)
    g_cancellable_cancel (((SessionJob *) g_ptr_array_index (self->jobs, i))->slot.cancellable);
  while (self->active > 0)
    g_cond_wait (&self->sessions_done, &self->lock);
  g_mutex_unlock (&self->lock);

  g_clear_object (&self->listener);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->config.certificate);
  g_clear_pointer (&self->config.username, g_free);
  if (self->config.password != NULL)
    explicit_bzero (self->config.password, strlen (self->config.password));
  g_clear_pointer (&self->config.password, g_free);
  self->config.cancellable = NULL;
  g_clear_pointer (&self->sha256, g_free);
  g_clear_pointer (&self->certificate_path, g_free);
  self->port = 0;

  if (was_running)
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
    }
}

gboolean
ep_sandbox_server_is_running (EpSandboxServer *self)
{
  g_return_val_if_fail (EP_IS_SANDBOX_SERVER (self), FALSE);
  return self->accept_thread != NULL;
}

/**
 * ep_sandbox_server_get_port:
 *
 * Returns: the port on 127.0.0.1 while running, else 0
 */
guint16
ep_sandbox_server_get_port (EpSandboxServer *self)
{
  g_return_val_if_fail (EP_IS_SANDBOX_SERVER (self), 0);
  return self->port;
}

/**
 * ep_sandbox_server_get_username:
 *
 * Returns: (nullable): the user name the running server accepts
 */
const char *
ep_sandbox_server_get_username (EpSandboxServer *self)
{
  g_return_val_if_fail (EP_IS_SANDBOX_SERVER (self), NULL);
  return self->config.username;
}

/**
 * ep_sandbox_server_get_password:
 *
 * Returns: (nullable): the password the running server accepts, for the Sandbox profile
 */
const char *
ep_sandbox_server_get_password (EpSandboxServer *self)
{
  g_return_val_if_fail (EP_IS_SANDBOX_SERVER (self), NULL);
  return self->config.password;
}

/**
 * ep_sandbox_server_get_certificate:
 *
 * Returns: (nullable) (transfer none): the certificate presented while running
 */
GTlsCertificate *
ep_sandbox_server_get_certificate (EpSandboxServer *self)
{
  g_return_val_if_fail (EP_IS_SANDBOX_SERVER (self), NULL);
  return self->config.certificate;
}

/**
 * ep_sandbox_server_get_certificate_sha256:
 *
 * Returns: (nullable): the SHA-256 fingerprint of the certificate ("AB:CD:…", upper case)
 *   while running; the Sandbox profile pins it. ep_sandbox_certificate_dup_sha256() gives
 *   the plain form.
 */
const char *
ep_sandbox_server_get_certificate_sha256 (EpSandboxServer *self)
{
  g_return_val_if_fail (EP_IS_SANDBOX_SERVER (self), NULL);
  return self->sha256;
}

/**
 * ep_sandbox_server_get_certificate_path:
 *
 * Returns: (nullable): the PEM file of the certificate while running (for clients that
 *   trust a file rather than pin a fingerprint)
 */
const char *
ep_sandbox_server_get_certificate_path (EpSandboxServer *self)
{
  g_return_val_if_fail (EP_IS_SANDBOX_SERVER (self), NULL);
  return self->certificate_path;
}

/**
 * ep_sandbox_server_get_active_connections:
 *
 * Returns: how many sessions are running right now
 */
guint
ep_sandbox_server_get_active_connections (EpSandboxServer *self)
{
  guint active;

  g_return_val_if_fail (EP_IS_SANDBOX_SERVER (self), 0);
  g_mutex_lock (&self->lock);
  active = self->active;
  g_mutex_unlock (&self->lock);
  return active;
}

gboolean
ep_sandbox_server_configure (EpSandboxServer  *self,
                             EpSmtpConfig     *config,
                             GCancellable     *cancellable,
                             GError          **error)
{
  static GMutex start_lock;
  gboolean ok = TRUE;

  g_return_val_if_fail (EP_IS_SANDBOX_SERVER (self), FALSE);
  g_return_val_if_fail (config != NULL, FALSE);

  /* The app's send, its connection test and epistle-send may all want it at once. */
  g_mutex_lock (&start_lock);
  if (!ep_sandbox_server_is_running (self))
    ok = ep_sandbox_server_start (self, cancellable, error);
  g_mutex_unlock (&start_lock);
  if (!ok)
    return FALSE;

  g_free (config->host);
  config->host = g_strdup ("127.0.0.1");
  config->port = ep_sandbox_server_get_port (self);
  config->security = EP_SMTP_SECURITY_STARTTLS;
  g_free (config->username);
  config->username = g_strdup (ep_sandbox_server_get_username (self));
  if (config->password != NULL)
    {
      memset (config->password, 0, strlen (config->password));
      g_free (config->password);
    }
  config->password = g_strdup (ep_sandbox_server_get_password (self));
  g_free (config->pinned_sha256);
  config->pinned_sha256 = g_strdup (ep_sandbox_server_get_certificate_sha256 (self));
  /* Its certificate is pinned for this server only, at the port it listens on now. */
  g_free (config->pinned_host);
  config->pinned_host = g_strdup (config->host);
  config->pinned_port = config->port;
  return TRUE;
}
