/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-sandbox-session.c: the Sandbox server's SMTP command parser, fed by a hostile client.
 *
 * The real session (ep_sandbox_session_run()) runs on its own thread over one end of a socket
 * pair; the fuzz input is what the client sends on the other end, followed by the end of the
 * stream. Input: octet 0 chooses the channel: 'P' (or any other even octet) sends the rest in
 * plain text from the start; 'T' (or any other odd octet) first says "EHLO" and "STARTTLS" and
 * completes a real TLS handshake, then sends the rest inside TLS, where AUTH, MAIL, RCPT, DATA
 * and BDAT are open (credentials "fuzz"/"fuzz": AUTH PLAIN AGZ1enoAZnV6eg==). A run in TLS
 * costs some 30 ms under the sanitizers (GIO loads the system's trust store for every server
 * connection), one in plain text a fraction of a millisecond.
 *
 * Oracles: everything the server sends parses as well-formed replies (our own client's parser)
 * and starts with the 220 greeting; every message it stored was received inside TLS from the
 * authenticated user, with a valid envelope. */
#include "config.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ep-fuzz.h"
#include "ep-sandbox.h"
#include "ep-sandbox-session.h"
#include "ep-smtp-reply.h"

#define FUZZ_USER     "fuzz"
#define FUZZ_PASSWORD "fuzz"
/* Small, so that inputs can reach the size limits of MAIL SIZE=, DATA and BDAT. */
#define FUZZ_SIZE_LIMIT 4096
/* The server never has to wait: the client's side ends with the input. Should it wait anyway,
 * libFuzzer's -timeout reports it long before this. */
#define FUZZ_IDLE_TIMEOUT 60

static EpSandboxSessionConfig config;
static GByteArray *server_der;
static gnutls_certificate_credentials_t client_credentials;

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *cert_dir = NULL;

  ep_fuzz_init ();
  /* The server may close while the client is still writing. */
  signal (SIGPIPE, SIG_IGN);

  cert_dir = g_build_filename (ep_fuzz_get_tmpdir (), "certificate", NULL);
  g_mkdir_with_parents (cert_dir, 0700);
  config.certificate = ep_sandbox_certificate_load_or_create (cert_dir, NULL, &error);
  if (config.certificate == NULL)
    g_error ("No certificate for the Sandbox: %s", error->message);
  config.username = g_strdup (FUZZ_USER);
  config.password = g_strdup (FUZZ_PASSWORD);
  config.size_limit = FUZZ_SIZE_LIMIT;
  config.idle_timeout = FUZZ_IDLE_TIMEOUT;
  config.cancellable = g_cancellable_new ();
  if (!ep_sandbox_ensure_dirs (&error))
    g_error ("No Sandbox inbox: %s", error->message);

  g_object_get (config.certificate, "certificate", &server_der, NULL);
  /* No trust store: the handshake checks which certificate the server shows instead. */
  if (gnutls_certificate_allocate_credentials (&client_credentials) < 0)
    g_error ("gnutls_certificate_allocate_credentials failed");
  return 0;
}

static GSocketConnection *
connection_from_fd (int fd)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new_from_fd (fd, &error);

  if (socket == NULL)
    g_error ("g_socket_new_from_fd: %s", error->message);
  return g_socket_connection_factory_create_connection (socket);
}

static gpointer
session_thread (gpointer data)
{
  GSocketConnection *connection = data;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  EpSandboxSessionSlot slot = { .cancellable = cancellable };

  /* A slot of its own, as the server gives each session; nothing here evicts it. */
  ep_sandbox_session_run (&config, connection, &slot);
  return NULL;
}

/* The client speaks GnuTLS directly: GIO's TLS connections load the system's trust store each
 * time one is made, which under the sanitizers costs more than the whole session. */
typedef struct {
  int              fd;
  gnutls_session_t tls;   /* NULL before STARTTLS */
} Client;

static gssize
client_read (Client *c,
             void   *buffer,
             gsize   size)
{
  for (;;)
    {
      gssize n = c->tls != NULL ? gnutls_record_recv (c->tls, buffer, size) : recv (c->fd, buffer, size, 0);

      if (c->tls != NULL && (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED))
        continue;
      if (c->tls == NULL && n < 0 && errno == EINTR)
        continue;
      return n;   /* 0 or less: the server closed (or broke) the connection */
    }
}

/* FALSE when the server hung up first (QUIT, too many errors): that is its right. */
static gboolean
client_write_all (Client     *c,
                  const void *data,
                  gsize       size)
{
  const guint8 *p = data;

  while (size > 0)
    {
      gssize n = c->tls != NULL ? gnutls_record_send (c->tls, p, size) : send (c->fd, p, size, MSG_NOSIGNAL);

      if (c->tls != NULL && (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED))
        continue;
      if (c->tls == NULL && n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      p += n;
      size -= (gsize) n;
    }
  return TRUE;
}

/* Reads everything the server sends until it closes (on its own thread, so that neither side
 * ever waits for the other to read). */
static gpointer
drain_thread (gpointer data)
{
  Client *c = data;
  GByteArray *received = g_byte_array_new ();
  guint8 buffer[16 * 1024];
  gssize n;

  while ((n = client_read (c, buffer, sizeof buffer)) > 0)
    g_byte_array_append (received, buffer, (guint) n);
  return received;
}

/* Checks that @data is a sequence of whole, well-formed replies, up to a 220 answering STARTTLS
 * (after it come the server's side of a TLS handshake with input that is not one). */
static void
check_replies (const guint8 *data,
               gsize         len,
               guint         first_code)
{
  g_autoptr(EpSmtpReplyParser) parser = ep_smtp_reply_parser_new ();
  gsize pos = 0;
  guint n = 0;

  while (pos < len)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(EpSmtpReply) reply = NULL;
      gsize consumed = 0;
      EpSmtpReplyParserStatus status;

      status = ep_smtp_reply_parser_feed (parser, (const char *) data + pos, len - pos, &consumed, &error);
      EP_FUZZ_CHECK_MSG (status != EP_SMTP_REPLY_PARSER_ERROR, "the server sent a malformed reply: %s",
                         error->message);
      /* Replies end with CRLF; whatever the server sent last is complete. */
      EP_FUZZ_CHECK_MSG (status == EP_SMTP_REPLY_PARSER_COMPLETE, "the server's last reply is cut off");
      pos += consumed;
      reply = ep_smtp_reply_parser_take_reply (parser);
      if (n == 0 && first_code != 0)
        EP_FUZZ_CHECK (reply->code == first_code);
      if (n > 0 && reply->code == 220)
        return;
      n++;
    }
}

/* Before TLS: greeting, EHLO and STARTTLS replies, read up to the end of the 220 to STARTTLS
 * (the server sends nothing more until the handshake). */
static void
start_tls_in_clear (Client *c)
{
  g_autoptr(EpSmtpReplyParser) parser = ep_smtp_reply_parser_new ();
  const char *commands = "EHLO fuzz.example\r\nSTARTTLS\r\n";
  guint8 buffer[4096];
  gsize have = 0, pos = 0;
  guint n_replies = 0;

  EP_FUZZ_CHECK (client_write_all (c, commands, strlen (commands)));
  while (n_replies < 3)
    {
      g_autoptr(GError) error = NULL;
      gsize consumed = 0;
      EpSmtpReplyParserStatus status;

      if (pos == have)
        {
          gssize n = client_read (c, buffer, sizeof buffer);

          EP_FUZZ_CHECK_MSG (n > 0, "the server closed before STARTTLS was answered");
          have = (gsize) n;
          pos = 0;
        }
      status = ep_smtp_reply_parser_feed (parser, (const char *) buffer + pos, have - pos, &consumed, &error);
      EP_FUZZ_CHECK_MSG (status != EP_SMTP_REPLY_PARSER_ERROR, "malformed reply: %s", error->message);
      pos += consumed;
      if (status == EP_SMTP_REPLY_PARSER_COMPLETE)
        {
          g_autoptr(EpSmtpReply) reply = ep_smtp_reply_parser_take_reply (parser);
          static const guint expected[] = { 220, 250, 220 };

          EP_FUZZ_CHECK_MSG (reply->code == expected[n_replies], "reply %u: %u", n_replies, reply->code);
          n_replies++;
        }
    }
  EP_FUZZ_CHECK_MSG (pos == have, "the server sent more after its 220 to STARTTLS");
}

static void
handshake (Client *c)
{
  const gnutls_datum_t *peer;
  unsigned int n_peer = 0;
  int ret;

  if (gnutls_init (&c->tls, GNUTLS_CLIENT) < 0 ||
      gnutls_set_default_priority (c->tls) < 0 ||
      gnutls_credentials_set (c->tls, GNUTLS_CRD_CERTIFICATE, client_credentials) < 0)
    g_error ("Cannot set up a GnuTLS client session");
  gnutls_transport_set_int (c->tls, c->fd);
  do
    ret = gnutls_handshake (c->tls);
  while (ret < 0 && !gnutls_error_is_fatal (ret));
  if (ret < 0)
    g_error ("TLS handshake with the Sandbox failed: %s", gnutls_strerror (ret));

  /* Nothing to verify against a trust store: it must simply be our server's certificate. */
  peer = gnutls_certificate_get_peers (c->tls, &n_peer);
  EP_FUZZ_CHECK (n_peer >= 1);
  EP_FUZZ_CHECK_MEM (peer[0].data, peer[0].size, server_der->data, server_der->len);
}

/* Nothing may have been accepted outside TLS or without authentication. */
static void
check_inbox (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = ep_sandbox_store_list (&error);

  EP_FUZZ_CHECK_MSG (entries != NULL, "inbox: %s", error->message);
  for (guint i = 0; i < entries->len; i++)
    {
      EpSandboxEntry *entry = entries->pdata[i];

      EP_FUZZ_CHECK (entry->tls);
      EP_FUZZ_CHECK (g_strcmp0 (entry->auth_user, FUZZ_USER) == 0);
      EP_FUZZ_CHECK (entry->sender != NULL && g_utf8_validate (entry->sender, -1, NULL));
      EP_FUZZ_CHECK (entry->recipients != NULL && entry->recipients[0] != NULL);
      EP_FUZZ_CHECK (g_strv_length (entry->recipients) <= EP_SANDBOX_MAX_RECIPIENTS);
      EP_FUZZ_CHECK (entry->size <= FUZZ_SIZE_LIMIT);
    }
  EP_FUZZ_CHECK (ep_sandbox_store_delete_all (&error));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GSocketConnection) server = NULL;
  g_autoptr(GByteArray) received = NULL;
  Client client = { -1, NULL };
  GThread *session, *drain;
  gboolean use_tls;
  int fds[2];

  if (size == 0)
    return 0;
  use_tls = data[0] == 'T' || (data[0] != 'P' && (data[0] & 1) != 0);
  data++;
  size--;

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    g_error ("socketpair: %s", g_strerror (errno));
  server = connection_from_fd (fds[0]);
  client.fd = fds[1];
  session = g_thread_new ("sandbox-session", session_thread, server);

  if (use_tls)
    {
      start_tls_in_clear (&client);
      handshake (&client);
    }

  drain = g_thread_new ("drain", drain_thread, &client);
  client_write_all (&client, data, size);
  if (client.tls != NULL)
    gnutls_bye (client.tls, GNUTLS_SHUT_WR);
  shutdown (client.fd, SHUT_WR);
  received = g_thread_join (drain);
  g_thread_join (session);

  g_clear_pointer (&client.tls, gnutls_deinit);
  close (client.fd);

  check_replies (received->data, received->len, use_tls ? 0 : 220);
  check_inbox ();
  return 0;
}
