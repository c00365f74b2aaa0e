/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp-connection.c: the transport under a session: connect, bounded reads with deadlines,
 * one-write command groups, the TLS upgrade and precise certificate verdicts. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <gio/gnetworking.h>
#include <glib/gi18n-lib.h>

#include "ep-io-deadline.h"
#include "ep-smtp-config.h"
#include "ep-smtp-connection.h"
#include "ep-smtp-error.h"
#include "ep-text.h"
#include "ep-tls-system-database.h"

/* The orderly close after QUIT must not hold the user up: TLS close_notify gets this long. */
#define CLOSE_TIMEOUT_SECONDS 2

/* ep_smtp_connection_set_proxy_resolver()'s, or NULL for GIO's default. */
static GProxyResolver *proxy_resolver;

struct _EpSmtpConnection {
  GObject              parent_instance;

  EpSmtpTranscript    *transcript;
  guint                timeout_seconds;

  GSocketConnection   *tcp;        /* owned */
  GSocket             *socket;     /* borrowed from tcp */
  GIOStream           *stream;     /* tcp, or the TLS connection over it */
  GOutputStream       *output;     /* the stream's output, each write bounded by the timeout */
  gboolean             encrypted;
  gboolean             closed;
  gboolean             redact_challenges;
  char                *peer;       /* "host:port" for messages */

  EpSmtpReplyParser   *parser;
  char                 buf[EP_SMTP_READ_BUFFER_SIZE];
  gsize                buf_start;
  gsize                buf_end;

  /* TLS verdict, filled by the accept-certificate handler. */
  GTlsDatabase        *cafile_db;
  GSocketConnectable  *identity;
  char                *pinned;     /* normalised hex, or NULL */
  char                *pinned_elsewhere;   /* "host:port" of a pin that is for another server */
  GTlsCertificate     *peer_cert;
  GTlsCertificateFlags cert_errors;
  gboolean             pin_mismatch;
  gboolean             pin_accepted;
  EpSmtpTlsInfo       *tls_info;
};

G_DEFINE_FINAL_TYPE (EpSmtpConnection, ep_smtp_connection, G_TYPE_OBJECT)

static void
ep_smtp_connection_dispose (GObject *object)
{
  EpSmtpConnection *self = EP_SMTP_CONNECTION (object);

  ep_smtp_connection_abort (self);
  g_clear_object (&self->output);
  g_clear_object (&self->stream);
  g_clear_object (&self->tcp);
  g_clear_object (&self->cafile_db);
  g_clear_object (&self->identity);
  g_clear_object (&self->peer_cert);
  g_clear_object (&self->transcript);

  G_OBJECT_CLASS (ep_smtp_connection_parent_class)->dispose (object);
}

static void
ep_smtp_connection_finalize (GObject *object)
{
  EpSmtpConnection *self = EP_SMTP_CONNECTION (object);

  g_free (self->peer);
  g_free (self->pinned);
  g_free (self->pinned_elsewhere);
  ep_smtp_reply_parser_free (self->parser);
  ep_smtp_tls_info_free (self->tls_info);

  G_OBJECT_CLASS (ep_smtp_connection_parent_class)->finalize (object);
}

static void
ep_smtp_connection_class_init (EpSmtpConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ep_smtp_connection_dispose;
  object_class->finalize = ep_smtp_connection_finalize;
}

static void
ep_smtp_connection_init (EpSmtpConnection *self)
{
  self->parser = ep_smtp_reply_parser_new ();
}

EpSmtpConnection *
ep_smtp_connection_new (EpSmtpTranscript *transcript,
                        guint             timeout_seconds)
{
  EpSmtpConnection *self;

  g_return_val_if_fail (EP_IS_SMTP_TRANSCRIPT (transcript), NULL);

  self = g_object_new (EP_TYPE_SMTP_CONNECTION, NULL);
  self->transcript = g_object_ref (transcript);
  self->timeout_seconds = timeout_seconds > 0 ? timeout_seconds : EP_SMTP_DEFAULT_TIMEOUT_SECONDS;

  return self;
}

void
ep_smtp_connection_set_proxy_resolver (GProxyResolver *resolver)
{
  g_return_if_fail (resolver == NULL || G_IS_PROXY_RESOLVER (resolver));

  if (resolver != NULL)
    g_object_ref (resolver);
  resolver = g_atomic_pointer_exchange (&proxy_resolver, resolver);
  g_clear_object (&resolver);
}

void
ep_smtp_connection_set_transcript (EpSmtpConnection *self,
                                   EpSmtpTranscript *transcript)
{
  g_return_if_fail (EP_IS_SMTP_CONNECTION (self));
  g_return_if_fail (EP_IS_SMTP_TRANSCRIPT (transcript));

  g_set_object (&self->transcript, transcript);
}

/* A line of our own in the transcript ("I: …"). */
#define info(owner, ...) \
  ep_smtp_transcript_add_printf ((owner)->transcript, EP_SMTP_TRANSCRIPT_INFO, __VA_ARGS__)

void
ep_smtp_connection_map_io_error (EpSmtpConnection *self,
                                 GError          **error,
                                 const char       *doing)
{
  GError *e;

  if (error == NULL || *error == NULL)
    return;
  e = *error;

  if (e->domain == EP_SMTP_ERROR || g_error_matches (e, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (g_error_matches (e, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    {
      *error = g_error_new (EP_SMTP_ERROR, EP_SMTP_ERROR_TIMEOUT,
                            _("The server did not respond within %u seconds (%s)"),
                            self->timeout_seconds, doing);
    }
  else
    {
      *error = g_error_new (EP_SMTP_ERROR, EP_SMTP_ERROR_CONNECTION_LOST,
                            _("The connection to %s was lost (%s): %s"),
                            self->peer != NULL ? self->peer : "?", doing, e->message);
    }
  g_error_free (e);
}

/* The whole operation gets the timeout, however the peer spreads its bytes. */
static gint64
deadline_in (EpSmtpConnection *self,
             gint64            timeout_us)
{
  return g_get_monotonic_time () + (timeout_us > 0 ? timeout_us : (gint64) self->timeout_seconds * G_USEC_PER_SEC);
}

static void
set_stream (EpSmtpConnection *self,
            GIOStream        *stream)
{
  g_set_object (&self->stream, stream);
  g_clear_object (&self->output);
  /* The body goes out through filters in many writes: each piece of it must leave within the
   * timeout (a big message on a slow link is not a stalled one, nor a peer that reads a byte
   * now and then a live one). */
  self->output = ep_io_deadline_output_stream_new (g_io_stream_get_output_stream (stream),
                                                   (gint64) self->timeout_seconds * G_USEC_PER_SEC);
}

/* ---- connect --------------------------------------------------------------------------------- */

/* Whether @resolver sends a connection to @host and @port straight there. GIO asks with the
 * scheme "none" for an address of no protocol in particular. */
static gboolean
goes_direct (GProxyResolver *resolver,
             const char     *host,
             guint16         port)
{
  g_autofree char *uri = g_strdup_printf (strchr (host, ':') != NULL ? "none://[%s]:%u" : "none://%s:%u",
                                          host, port);
  g_auto(GStrv) proxies = g_proxy_resolver_lookup (resolver, uri, NULL, NULL);

  return proxies != NULL && g_strv_length (proxies) == 1 && g_str_equal (proxies[0], "direct://");
}

gboolean
ep_smtp_connection_connect (EpSmtpConnection *self,
                            const char       *host,
                            guint16           port,
                            GCancellable     *cancellable,
                            GError          **error)
{
  g_autoptr(GSocketClient) client = NULL;
  g_autoptr(GSocketConnectable) address = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GSocketAddress) remote = NULL;

  g_return_val_if_fail (EP_IS_SMTP_CONNECTION (self), FALSE);
  g_return_val_if_fail (self->tcp == NULL, FALSE);

  self->peer = ep_smtp_format_server (host, port);
  info (self, "connecting to %s", self->peer);

  client = g_socket_client_new ();
  /* Set before any connection, so borrowed here. A connection that the resolver sends direct
   * is made without proxy support at all: GIO would otherwise load its default resolver's
   * module anyway (libproxy: some 2 MiB), even with this resolver given. */
  if (g_atomic_pointer_get (&proxy_resolver) != NULL)
    {
      GProxyResolver *resolver = g_atomic_pointer_get (&proxy_resolver);

      if (goes_direct (resolver, host, port))
        g_socket_client_set_enable_proxy (client, FALSE);
      else
        g_socket_client_set_proxy_resolver (client, resolver);
    }
  /* Bounds each connection attempt. */
  g_socket_client_set_timeout (client, self->timeout_seconds);
  address = g_network_address_new (host, port);

  self->tcp = g_socket_client_connect (client, address, cancellable, &local_error);
  if (self->tcp == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        g_set_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_TIMEOUT,
                     _("Connecting to %s timed out after %u seconds"), self->peer, self->timeout_seconds);
      else
        g_set_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_CONNECT,
                     _("Cannot connect to %s: %s"), self->peer, local_error->message);
      info (self, "connection failed");
      return FALSE;
    }

  self->socket = g_socket_connection_get_socket (self->tcp);
  /* From here on deadlines bound whole operations (ep-io-deadline.h). A socket timeout would
   * bound each socket read or write instead, of which one TLS record takes many; and the TLS
   * backend takes a socket timeout inside a write for a write done, its record still pending. */
  g_socket_set_timeout (self->socket, 0);
  set_stream (self, G_IO_STREAM (self->tcp));
  /* Commands are small and sent as whole groups: do not let Nagle delay them. */
  g_socket_set_option (self->socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);

  remote = g_socket_connection_get_remote_address (self->tcp, NULL);
  if (G_IS_INET_SOCKET_ADDRESS (remote))
    {
      g_autofree char *ip = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
      info (self, "connected to %s port %u", ip, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (remote)));
    }

  return TRUE;
}

char *
ep_smtp_connection_dup_address_literal (EpSmtpConnection *self)
{
  g_autoptr(GSocketAddress) local = NULL;
  GInetAddress *inet;
  g_autofree char *text = NULL;

  g_return_val_if_fail (EP_IS_SMTP_CONNECTION (self), NULL);

  if (self->tcp != NULL)
    local = g_socket_connection_get_local_address (self->tcp, NULL);
  if (!G_IS_INET_SOCKET_ADDRESS (local))
    return g_strdup ("[127.0.0.1]");

  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local));
  text = g_inet_address_to_string (inet);

  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[IPv6:%s]", text);
  return g_strdup_printf ("[%s]", text);
}

/* ---- TLS ------------------------------------------------------------------------------------- */

static gboolean
accept_certificate_cb (GTlsConnection       *tls,
                       GTlsCertificate      *peer_cert,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  EpSmtpConnection *self = user_data;

  g_set_object (&self->peer_cert, peer_cert);
  self->cert_errors = errors;

  /* The user looked at this very certificate and chose to trust it: nothing else matters. */
  if (self->pinned != NULL)
    {
      g_autofree char *fingerprint = ep_smtp_certificate_sha256 (peer_cert);
      g_autofree char *normalized = ep_smtp_fingerprint_normalize (fingerprint);

      if (normalized != NULL && g_str_equal (normalized, self->pinned))
        {
          self->pin_accepted = TRUE;
          return TRUE;
        }
      self->pin_mismatch = TRUE;
      return FALSE;
    }

  /* Not trusted by the system store: try the extra anchors. GIO gives one database per
   * connection, so the two are consulted in turn, each with the full set of checks. */
  if (self->cafile_db != NULL)
    {
      g_autoptr(GError) verify_error = NULL;
      GTlsCertificateFlags flags;

      flags = g_tls_database_verify_chain (self->cafile_db, peer_cert,
                                           G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER,
                                           self->identity, NULL, G_TLS_DATABASE_VERIFY_NONE,
                                           NULL, &verify_error);
      if (verify_error != NULL)
        return FALSE;
      if (flags == 0)
        return TRUE;
      /* It does chain to the extra CA: its own failures are the ones to report. */
      if ((flags & G_TLS_CERTIFICATE_UNKNOWN_CA) == 0)
        self->cert_errors = flags;
    }

  return FALSE;
}

/* A TLS client connection over @base that verifies with the system's anchors, read only as far
 * as the server's chain needs them (EpTlsSystemDatabase); GIO's default database where that
 * cannot stand in for it. The database must be given at construction: a connection without one
 * loads GIO's default, the whole bundle, while it is made. */
static GIOStream *
new_client_connection (GIOStream           *base,
                       GSocketConnectable  *identity,
                       GError             **error)
{
  EpTlsSystemDatabase *database = ep_tls_system_database_get_default ();
  GTlsBackend *backend = g_tls_backend_get_default ();

  if (database == NULL || !g_tls_backend_supports_tls (backend))
    return g_tls_client_connection_new (base, identity, error);
  /* Read before the handshake's clock starts (GIO's default database is loaded here too). */
  ep_tls_system_database_prepare (database);
  return g_initable_new (g_tls_backend_get_client_connection_type (backend), NULL, error,
                         "base-io-stream", base,
                         "server-identity", identity,
                         "database", database,
                         NULL);
}

/* After a failed handshake: did the peer go away (reset, or closed), or did it answer with
 * something that is not TLS? Only the first is a network failure worth retrying. Peeks at the
 * socket without consuming or waiting. */
static gboolean
peer_is_gone (EpSmtpConnection *self)
{
  char byte;
  gssize n;

  n = recv (g_socket_get_fd (self->socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0)
    return TRUE;
  if (n < 0 && (errno == ECONNRESET || errno == EPIPE || errno == ENOTCONN))
    return TRUE;

  return FALSE;
}

static void
set_certificate_error (EpSmtpConnection *self,
                       const char       *host,
                       GError          **error)
{
  const char *fingerprint = self->tls_info != NULL && self->tls_info->sha256 != NULL
                            ? self->tls_info->sha256 : _("unavailable");

  if (self->pin_mismatch)
    {
      g_set_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_TLS_CERTIFICATE,
                   _("The certificate of %s is not the pinned one (SHA-256 fingerprint %s)"),
                   host, fingerprint);
    }
  else if (self->pinned_elsewhere != NULL)
    {
      g_autofree char *checks = ep_smtp_certificate_flags_to_string (self->cert_errors);

      /* Translators: "The certificate of smtp.example.org is not trusted: self-signed (SHA-256 …);
       * the certificate trusted for this profile is for another server, smtp.old.example:587" */
      g_set_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_TLS_CERTIFICATE,
                   _("The certificate of %s is not trusted: %s (SHA-256 fingerprint %s); the "
                     "certificate trusted for this profile is for another server, %s"),
                   host, checks, fingerprint, self->pinned_elsewhere);
    }
  else
    {
      g_autofree char *checks = ep_smtp_certificate_flags_to_string (self->cert_errors);

      /* Translators: "The certificate of smtp.example.org is not trusted: unknown issuer, expired (SHA-256 …)" */
      g_set_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_TLS_CERTIFICATE,
                   _("The certificate of %s is not trusted: %s (SHA-256 fingerprint %s)"),
                   host, checks, fingerprint);
    }
}

gboolean
ep_smtp_connection_start_tls (EpSmtpConnection *self,
                              const char       *host,
                              guint16           port,
                              const char       *cafile,
                              const char       *pinned_sha256,
                              const char       *pinned_host,
                              guint16           pinned_port,
                              GCancellable     *cancellable,
                              GError          **error)
{
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GTlsCertificate) peer = NULL;
  g_autofree char *cipher = NULL;
  gboolean ok;

  g_return_val_if_fail (EP_IS_SMTP_CONNECTION (self), FALSE);
  g_return_val_if_fail (self->stream != NULL && !self->encrypted, FALSE);

  g_clear_pointer (&self->pinned, g_free);
  g_clear_pointer (&self->pinned_elsewhere, g_free);
  if (pinned_sha256 != NULL)
    {
      self->pinned = ep_smtp_fingerprint_normalize (pinned_sha256);
      if (self->pinned == NULL)
        {
          g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_CONFIG,
                               _("The pinned certificate fingerprint is not a SHA-256 fingerprint"));
          return FALSE;
        }
      /* The user trusted that certificate for one server: elsewhere the same certificate (and
       * the password that would follow it) proves nothing, so the ordinary checks decide. */
      if (pinned_host == NULL || g_ascii_strcasecmp (pinned_host, host) != 0 || pinned_port != port)
        {
          self->pinned_elsewhere = pinned_host != NULL ? ep_smtp_format_server (pinned_host, pinned_port)
                                                       : g_strdup ("?");
          g_clear_pointer (&self->pinned, g_free);
          info (self, "the pinned certificate is for %s, not for this server: not used",
                self->pinned_elsewhere);
        }
    }

  if (cafile != NULL)
    {
      self->cafile_db = g_tls_file_database_new (cafile, &local_error);
      if (self->cafile_db == NULL)
        {
          g_set_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_CONFIG,
                       _("Cannot load the CA file “%s”: %s"), cafile, local_error->message);
          return FALSE;
        }
    }

  self->identity = g_network_address_new (host, port);
  tls = new_client_connection (G_IO_STREAM (self->tcp), self->identity, &local_error);
  if (tls == NULL)
    {
      g_set_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_TLS,
                   _("TLS is not available: %s"), local_error->message);
      return FALSE;
    }

  g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_certificate_cb), self);

  info (self, "TLS handshake with %s", host);
  /* Bounded as a whole: a server that sends its handshake a byte at a time is still cut. */
  ok = ep_io_handshake (G_TLS_CONNECTION (tls), deadline_in (self, 0), cancellable, &local_error);
  g_signal_handlers_disconnect_by_func (tls, accept_certificate_cb, self);

  peer = g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (tls));
  if (peer != NULL)
    g_object_ref (peer);
  else if (self->peer_cert != NULL)
    peer = g_object_ref (self->peer_cert);

  g_clear_pointer (&self->tls_info, ep_smtp_tls_info_free);
  self->tls_info = ep_smtp_tls_info_new_for_certificate (peer);
  self->tls_info->errors = self->cert_errors;
  self->tls_info->pinned = self->pin_accepted;

  /* A certificate the system trusts but that is not the pinned one: refused after the fact. */
  if (ok && self->pinned != NULL && !self->pin_accepted)
    {
      g_autofree char *normalized = ep_smtp_fingerprint_normalize (self->tls_info->sha256);

      if (normalized == NULL || !g_str_equal (normalized, self->pinned))
        {
          self->pin_mismatch = TRUE;
          set_certificate_error (self, host, error);
          info (self, "certificate rejected: not the pinned one (%s)", self->tls_info->sha256);
          ep_smtp_connection_abort (self);
          return FALSE;
        }
      self->tls_info->pinned = TRUE;
    }

  if (!ok)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else if (g_error_matches (local_error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE)
               || self->pin_mismatch || self->cert_errors != 0)
        set_certificate_error (self, host, error);
      else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        g_set_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_TIMEOUT,
                     _("The TLS handshake with %s timed out after %u seconds"), host, self->timeout_seconds);
      else if (local_error->domain == G_IO_ERROR || peer_is_gone (self))
        g_set_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_CONNECTION_LOST,
                     _("The connection to %s was lost during the TLS handshake: %s"),
                     self->peer, local_error->message);
      else if (g_error_matches (local_error, G_TLS_ERROR, G_TLS_ERROR_NOT_TLS))
        g_set_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_TLS,
                     _("The server at %s does not speak TLS (wrong port or security setting?): %s"),
                     self->peer, local_error->message);
      else
        g_set_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_TLS,
                     _("The TLS handshake with %s failed: %s"), host, local_error->message);

      info (self, "TLS failed: %s", error != NULL && *error != NULL ? (*error)->message : local_error->message);
      ep_smtp_connection_abort (self);
      return FALSE;
    }

  self->tls_info->verified = TRUE;
  g_free (self->tls_info->protocol_version);
  self->tls_info->protocol_version = g_strdup (ep_smtp_tls_protocol_name (
    g_tls_connection_get_protocol_version (G_TLS_CONNECTION (tls))));
  cipher = g_tls_connection_get_ciphersuite_name (G_TLS_CONNECTION (tls));
  if (cipher != NULL)
    {
      g_free (self->tls_info->ciphersuite);
      self->tls_info->ciphersuite = g_steal_pointer (&cipher);
    }

  info (self, "TLS established: %s, %s; certificate %s, SHA-256 %s%s",
        self->tls_info->protocol_version, self->tls_info->ciphersuite,
        self->tls_info->subject != NULL ? self->tls_info->subject : "?",
        self->tls_info->sha256 != NULL ? self->tls_info->sha256 : "?",
        self->tls_info->pinned ? " (pinned)" : "");

  set_stream (self, tls);
  self->encrypted = TRUE;

  return TRUE;
}

gboolean
ep_smtp_connection_is_encrypted (EpSmtpConnection *self)
{
  g_return_val_if_fail (EP_IS_SMTP_CONNECTION (self), FALSE);

  return self->encrypted;
}

EpSmtpTlsInfo *
ep_smtp_connection_get_tls_info (EpSmtpConnection *self)
{
  g_return_val_if_fail (EP_IS_SMTP_CONNECTION (self), NULL);

  return self->tls_info;
}

/* ---- reading --------------------------------------------------------------------------------- */

static gboolean
fail_closed (EpSmtpConnection *self,
             GError          **error)
{
  g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_CONNECTION_LOST,
                       _("The connection is already closed"));
  return FALSE;
}

/* Reads whatever arrives next, waiting at most until @deadline (monotonic µs). */
static gboolean
read_more (EpSmtpConnection *self,
           gint64            deadline,
           GCancellable     *cancellable,
           GError          **error)
{
  GInputStream *in;
  g_autoptr(GError) local_error = NULL;
  gint64 remaining = deadline - g_get_monotonic_time ();
  gssize n;

  if (self->closed || self->stream == NULL)
    return fail_closed (self, error);

  if (remaining <= 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "timeout");
      return FALSE;
    }

  if (self->buf_start == self->buf_end)
    self->buf_start = self->buf_end = 0;

  in = g_io_stream_get_input_stream (self->stream);

  if (!self->encrypted)
    {
      /* Plain socket: wait with microsecond precision, then read what is there. */
      if (!g_socket_condition_timed_wait (self->socket, G_IO_IN, remaining, cancellable, error))
        return FALSE;
      n = g_input_stream_read (in, self->buf + self->buf_end, sizeof self->buf - self->buf_end,
                               cancellable, &local_error);
    }
  else
    {
      /* TLS may hold decrypted data the socket does not show, and one record may take many
       * socket reads: a blocking read, cut at the deadline itself. */
      n = ep_io_read (in, self->buf + self->buf_end, sizeof self->buf - self->buf_end,
                      deadline, cancellable, &local_error);
    }

  if (n < 0)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (n == 0)
    {
      g_set_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_CONNECTION_LOST,
                   _("The server %s closed the connection"), self->peer);
      return FALSE;
    }

  self->buf_end += n;
  return TRUE;
}

void
ep_smtp_connection_set_redact_challenges (EpSmtpConnection *self,
                                          gboolean          redact)
{
  g_return_if_fail (EP_IS_SMTP_CONNECTION (self));

  self->redact_challenges = redact;
}

static void
log_reply (EpSmtpConnection  *self,
           const EpSmtpReply *reply)
{
  if (self->redact_challenges && reply->code == 334)
    {
      ep_smtp_transcript_add (self->transcript, EP_SMTP_TRANSCRIPT_SERVER,
                              "334 " EP_SMTP_TRANSCRIPT_REDACTED);
      return;
    }

  for (guint i = 0; reply->lines[i] != NULL; i++)
    {
      gboolean last = reply->lines[i + 1] == NULL;

      ep_smtp_transcript_add_printf (self->transcript, EP_SMTP_TRANSCRIPT_SERVER, "%u%s%s",
                                     reply->code, last ? (*reply->lines[i] != '\0' ? " " : "") : "-",
                                     reply->lines[i]);
    }
}

EpSmtpReply *
ep_smtp_connection_read_reply (EpSmtpConnection *self,
                               guint             timeout_ms,
                               GCancellable     *cancellable,
                               GError          **error)
{
  gint64 deadline;

  g_return_val_if_fail (EP_IS_SMTP_CONNECTION (self), NULL);

  deadline = g_get_monotonic_time ()
             + (timeout_ms > 0 ? (gint64) timeout_ms * 1000 : (gint64) self->timeout_seconds * G_USEC_PER_SEC);

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      gsize consumed = 0;
      EpSmtpReplyParserStatus status;

      if (self->buf_end > self->buf_start)
        {
          status = ep_smtp_reply_parser_feed (self->parser, self->buf + self->buf_start,
                                              self->buf_end - self->buf_start, &consumed, &local_error);
          self->buf_start += consumed;

          if (status == EP_SMTP_REPLY_PARSER_COMPLETE)
            {
              EpSmtpReply *reply = ep_smtp_reply_parser_take_reply (self->parser);

              log_reply (self, reply);
              return reply;
            }
          if (status == EP_SMTP_REPLY_PARSER_ERROR)
            {
              ep_smtp_reply_parser_reset (self->parser);
              info (self, "unusable reply: %s", local_error->message);
              g_propagate_error (error, g_steal_pointer (&local_error));
              return NULL;
            }
        }

      if (g_get_monotonic_time () >= deadline || !read_more (self, deadline, cancellable, &local_error))
        {
          if (local_error == NULL)
            g_set_error_literal (&local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "timeout");
          ep_smtp_reply_parser_reset (self->parser);
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
            {
              info (self, "no complete reply within the timeout");
              g_set_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_TIMEOUT,
                           _("No reply from %s within %.3g seconds"), self->peer,
                           timeout_ms > 0 ? timeout_ms / 1000.0 : (double) self->timeout_seconds);
              return NULL;
            }
          ep_smtp_connection_map_io_error (self, &local_error, _("waiting for a reply"));
          if (g_error_matches (local_error, EP_SMTP_ERROR, EP_SMTP_ERROR_CONNECTION_LOST))
            info (self, "%s", local_error->message);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }
}

gssize
ep_smtp_connection_read_raw (EpSmtpConnection *self,
                             char             *buffer,
                             gsize             size,
                             gint64            deadline,
                             GCancellable     *cancellable,
                             GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  gint64 start = g_get_monotonic_time ();
  gsize n;

  g_return_val_if_fail (EP_IS_SMTP_CONNECTION (self), -1);
  g_return_val_if_fail (buffer != NULL && size > 0, -1);

  if (deadline == 0)
    deadline = deadline_in (self, 0);

  if (self->buf_end == self->buf_start && !read_more (self, deadline, cancellable, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        {
          /* The caller's deadline may be earlier than the timeout: name the time it gave. */
          g_set_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_TIMEOUT,
                       _("No reply from %s within %.3g seconds"), self->peer,
                       MAX (deadline - start, 0) / (double) G_USEC_PER_SEC);
          return -1;
        }
      ep_smtp_connection_map_io_error (self, &local_error, _("waiting for a reply"));
      g_propagate_error (error, g_steal_pointer (&local_error));
      return -1;
    }

  n = MIN (size, self->buf_end - self->buf_start);
  memcpy (buffer, self->buf + self->buf_start, n);
  self->buf_start += n;

  return (gssize) n;
}

gboolean
ep_smtp_connection_has_buffered_input (EpSmtpConnection *self)
{
  g_return_val_if_fail (EP_IS_SMTP_CONNECTION (self), FALSE);

  return self->buf_end > self->buf_start;
}

gboolean
ep_smtp_connection_has_pending_input (EpSmtpConnection *self)
{
  g_return_val_if_fail (EP_IS_SMTP_CONNECTION (self), FALSE);

  if (ep_smtp_connection_has_buffered_input (self))
    return TRUE;
  if (self->encrypted || self->socket == NULL || self->closed)
    return FALSE;

  return g_socket_get_available_bytes (self->socket) > 0;
}

gboolean
ep_smtp_connection_reply_ready (EpSmtpConnection *self)
{
  GInputStream *in;

  g_return_val_if_fail (EP_IS_SMTP_CONNECTION (self), FALSE);

  if (ep_smtp_connection_has_buffered_input (self))
    return TRUE;
  if (self->closed || self->stream == NULL)
    return FALSE;

  in = g_io_stream_get_input_stream (self->stream);
  if (G_IS_POLLABLE_INPUT_STREAM (in) && g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (in)))
    return g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (in));

  return g_socket_condition_check (self->socket, G_IO_IN) != 0;
}

/* ---- writing --------------------------------------------------------------------------------- */

gboolean
ep_smtp_connection_send_lines (EpSmtpConnection   *self,
                               const char * const *lines,
                               const char * const *log_as,
                               GCancellable       *cancellable,
                               GError            **error)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GError) local_error = NULL;
  GOutputStream *stream;
  gboolean ok;

  g_return_val_if_fail (EP_IS_SMTP_CONNECTION (self), FALSE);
  g_return_val_if_fail (lines != NULL && lines[0] != NULL, FALSE);

  if (self->closed || self->stream == NULL)
    return fail_closed (self, error);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      /* The last line of defence against command injection: nothing we send may end a line
       * early (RFC 5321 §2.3.8). */
      if (ep_text_has_line_break (lines[i], -1))
        {
          g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_ADDRESS,
                               _("Refusing to send a command that contains a line break"));
          return FALSE;
        }
      g_string_append (out, lines[i]);
      g_string_append (out, "\r\n");
    }

  for (guint i = 0; lines[i] != NULL; i++)
    ep_smtp_transcript_add (self->transcript, EP_SMTP_TRANSCRIPT_CLIENT,
                            log_as != NULL && log_as[i] != NULL ? log_as[i] : lines[i]);

  stream = g_io_stream_get_output_stream (self->stream);
  ok = ep_io_write_all (stream, out->str, out->len, deadline_in (self, 0), cancellable, &local_error);
  /* AUTH lines carry credentials: do not leave them in freed memory. */
  explicit_bzero (out->str, out->len);
  if (!ok)
    {
      ep_smtp_connection_map_io_error (self, &local_error, _("sending a command"));
      info (self, "%s", local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  return TRUE;
}

gboolean
ep_smtp_connection_send_line (EpSmtpConnection *self,
                              const char       *line,
                              const char       *log_as,
                              GCancellable     *cancellable,
                              GError          **error)
{
  const char *lines[] = { line, NULL };
  const char *logs[] = { log_as, NULL };

  return ep_smtp_connection_send_lines (self, lines, logs, cancellable, error);
}

GOutputStream *
ep_smtp_connection_get_output_stream (EpSmtpConnection *self)
{
  g_return_val_if_fail (EP_IS_SMTP_CONNECTION (self), NULL);
  g_return_val_if_fail (self->output != NULL, NULL);

  return self->output;
}

/* ---- closing --------------------------------------------------------------------------------- */

void
ep_smtp_connection_abort (EpSmtpConnection *self)
{
  g_return_if_fail (EP_IS_SMTP_CONNECTION (self));

  if (self->closed || self->socket == NULL)
    return;

  self->closed = TRUE;
  g_socket_close (self->socket, NULL);
}

void
ep_smtp_connection_close (EpSmtpConnection *self)
{
  g_return_if_fail (EP_IS_SMTP_CONNECTION (self));

  if (self->closed || self->stream == NULL)
    return;

  ep_io_close (self->stream, deadline_in (self, (gint64) CLOSE_TIMEOUT_SECONDS * G_USEC_PER_SEC), NULL, NULL);
  self->closed = TRUE;
  g_socket_close (self->socket, NULL);
}

gboolean
ep_smtp_connection_is_closed (EpSmtpConnection *self)
{
  g_return_val_if_fail (EP_IS_SMTP_CONNECTION (self), TRUE);

  return self->closed;
}
