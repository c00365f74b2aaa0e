/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-script-server.c: proves the scripted server and the test certificates do what tests rely on. */

#include "config.h"

#include <string.h>

#include "ep-script-server.h"
#include "ep-test-certs.h"
#include "ep-test-util.h"

/* Every wait in these tests is bounded; nothing here should take more than a second or two. */
#define WAIT_MS 5000

typedef struct
{
  GSocketConnection *connection;
  GIOStream         *stream;   /* the connection or a TLS client connection over it */
} Client;

static void
assert_bytes (GBytes     *bytes,
              const char *expected)
{
  g_assert_nonnull (bytes);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), expected, strlen (expected));
}

static EpScriptServer *
start_server (const char *script)
{
  g_autoptr(GError) error = NULL;
  EpScriptServer *server = ep_script_server_new_for_script (script, &error);

  g_assert_no_error (error);
  g_assert_nonnull (server);
  g_assert_cmpuint (ep_script_server_get_port (server), >, 0);
  return server;
}

static void
client_connect (Client         *client,
                EpScriptServer *server)
{
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;

  g_socket_client_set_timeout (socket_client, 5);
  client->connection = g_socket_client_connect_to_host (socket_client, "127.0.0.1",
                                                        ep_script_server_get_port (server), NULL, &error);
  g_assert_no_error (error);
  client->stream = G_IO_STREAM (g_object_ref (client->connection));
}

static void
client_clear (Client *client)
{
  if (client->stream != NULL)
    g_io_stream_close (client->stream, NULL, NULL);
  g_clear_object (&client->stream);
  g_clear_object (&client->connection);
}

static void
client_write (Client     *client,
              const char *text)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (client->stream), text, strlen (text),
                             NULL, NULL, &error);
  g_assert_no_error (error);
}

/* Reads exactly @len bytes (or until EOF) and returns them as a string. */
static char *
client_read (Client *client,
             gsize   len)
{
  g_autofree char *buffer = g_malloc0 (len + 1);
  g_autoptr(GError) error = NULL;
  gsize got = 0;

  g_input_stream_read_all (g_io_stream_get_input_stream (client->stream), buffer, len, &got, NULL, &error);
  g_assert_no_error (error);
  buffer[got] = '\0';
  return g_steal_pointer (&buffer);
}

static void
client_expect (Client     *client,
               const char *text)
{
  g_autofree char *got = client_read (client, strlen (text));

  g_assert_cmpstr (got, ==, text);
}

static void
client_expect_eof (Client *client)
{
  char byte;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read (g_io_stream_get_input_stream (client->stream), &byte, 1, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 0);
}

static void
client_start_tls (Client      *client,
                  gboolean     must_succeed,
                  GTlsCertificateFlags expected_errors)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsDatabase) database = ep_test_certs_ca_database (&error);
  g_autoptr(GSocketConnectable) identity = g_network_address_new ("127.0.0.1", 25);
  g_autoptr(GIOStream) tls = NULL;
  gboolean ok;

  g_assert_no_error (error);
  /* The database given at construction: one set afterwards comes after GIO's default, the whole
   * system bundle, was loaded while the server's read timeout runs. */
  tls = g_initable_new (g_tls_backend_get_client_connection_type (g_tls_backend_get_default ()),
                        NULL, &error,
                        "base-io-stream", client->connection,
                        "server-identity", identity,
                        "database", database,
                        NULL);
  g_assert_no_error (error);

  ok = g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, &error);
  if (must_succeed)
    {
      g_assert_no_error (error);
      g_assert_true (ok);
      g_clear_object (&client->stream);
      client->stream = g_steal_pointer (&tls);
    }
  else
    {
      GTlsCertificateFlags flags;

      g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
      flags = g_tls_connection_get_peer_certificate_errors (G_TLS_CONNECTION (tls));
      g_assert_cmphex (flags & expected_errors, ==, expected_errors);
    }
}

static char *
wait_failure (EpScriptServer *server)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (ep_script_server_wait (server, WAIT_MS, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  return g_strdup (error->message);
}

static void
wait_success (EpScriptServer *server)
{
  g_autoptr(GError) error = NULL;

  ep_script_server_wait (server, WAIT_MS, &error);
  g_assert_no_error (error);
  g_assert_true (ep_script_server_get_completed (server));
}

/* --- basic exchange ------------------------------------------------------------------------- */

static void
test_exchange (void)
{
  g_autoptr(EpScriptServer) server = start_server (
    "# a comment, then an ordinary exchange\n"
    "S: 220 test ESMTP\n"
    "C: EHLO [127.0.0.1]\n"
    "S: 250-test\n"
    "S: 250 PIPELINING\n"
    "C: QUIT\n"
    "S: 221 bye\n"
    "EOF\n");
  Client client = { NULL, NULL };
  g_autofree char *received = NULL;

  client_connect (&client, server);
  client_expect (&client, "220 test ESMTP\r\n");
  client_write (&client, "EHLO [127.0.0.1]\r\n");
  client_expect (&client, "250-test\r\n250 PIPELINING\r\n");
  client_write (&client, "QUIT\r\n");
  client_expect (&client, "221 bye\r\n");
  client_clear (&client);

  wait_success (server);
  g_assert_true (ep_script_server_get_connected (server));
  received = ep_script_server_dup_received_string (server);
  g_assert_cmpstr (received, ==, "EHLO [127.0.0.1]\r\nQUIT\r\n");
  g_assert_cmpuint (ep_script_server_get_n_reads (server), ==, 2);
  g_assert_false (ep_script_server_get_read_is_tls (server, 0));
  g_assert_finalize_object (g_steal_pointer (&server));
}

static void
test_glob (void)
{
  g_autoptr(EpScriptServer) server = start_server (
    "S: 220 hi\n"
    "C: EHLO *\n"
    "C: MAIL FROM:<?@b> SIZE=*\n"
    "EOF\n");
  Client client = { NULL, NULL };

  client_connect (&client, server);
  client_expect (&client, "220 hi\r\n");
  client_write (&client, "EHLO anything at all\r\nMAIL FROM:<a@b> SIZE=123\r\n");
  client_clear (&client);
  wait_success (server);
  g_assert_finalize_object (g_steal_pointer (&server));
}

/* "C=" takes the line literally, so that "*" (SASL cancel) is not a pattern. */
static void
test_exact_star (void)
{
  const char *script = "C= *\nC: *\nEOF\n";
  g_autoptr(EpScriptServer) literal = start_server (script);
  g_autoptr(EpScriptServer) other = start_server (script);
  Client client = { NULL, NULL };
  g_autofree char *message = NULL;

  client_connect (&client, literal);
  client_write (&client, "*\r\nanything\r\n");
  client_clear (&client);
  wait_success (literal);

  client_connect (&client, other);
  client_write (&client, "AUTH PLAIN x\r\n");
  client_clear (&client);
  message = wait_failure (other);
  g_assert_nonnull (strstr (message, "expected \"*\\r\\n\", client sent \"AUTH PLAIN x\\r\\n\""));
  g_assert_finalize_object (g_steal_pointer (&other));
  g_assert_finalize_object (g_steal_pointer (&literal));
}

static void
test_mismatch (void)
{
  g_autoptr(EpScriptServer) server = start_server (
    "S: 220 hi\n"
    "C: EHLO [127.0.0.1]\n"
    "S: 250 never sent\n");
  Client client = { NULL, NULL };
  g_autofree char *message = NULL;

  client_connect (&client, server);
  client_expect (&client, "220 hi\r\n");
  client_write (&client, "HELO x\r\n");
  /* The first failure ends the script and closes the connection. */
  client_expect_eof (&client);
  client_clear (&client);

  message = wait_failure (server);
  g_assert_nonnull (strstr (message, "step 2 (expect, script line 2)"));
  g_assert_nonnull (strstr (message, "expected \"EHLO [127.0.0.1]\\r\\n\", client sent \"HELO x\\r\\n\""));
  g_assert_false (ep_script_server_get_completed (server));
  g_assert_finalize_object (g_steal_pointer (&server));
}

/* A line ended by a bare LF is not the line the script expects. */
static void
test_bare_lf (void)
{
  g_autoptr(EpScriptServer) server = start_server (
    "S: 220 hi\n"
    "C: EHLO x\n");
  Client client = { NULL, NULL };
  g_autofree char *message = NULL;

  client_connect (&client, server);
  client_expect (&client, "220 hi\r\n");
  client_write (&client, "EHLO x\n");
  client_clear (&client);

  message = wait_failure (server);
  g_assert_nonnull (strstr (message, "client sent \"EHLO x\\n\""));
  g_assert_finalize_object (g_steal_pointer (&server));
}

static void
test_raw_send_and_escapes (void)
{
  g_autoptr(EpScriptServer) server = start_server (
    "S! 220 partial\n"
    "S! ly\\r\\n250-a\\r\\n250 b\\x00\\t\\\\\\r\\n\n"
    "EOF\n");
  Client client = { NULL, NULL };
  g_autofree char *got = NULL;

  client_connect (&client, server);
  got = client_read (&client, 32);
  g_assert_cmpmem (got, 32, "220 partially\r\n250-a\r\n250 b\0\t\\\r\n", 32);
  client_clear (&client);
  wait_success (server);
  g_assert_finalize_object (g_steal_pointer (&server));
}

static void
test_optional (void)
{
  const char *script =
    "S: 221 bye\n"
    "C? QUIT\n"
    "EOF\n";
  g_autoptr(EpScriptServer) with_quit = start_server (script);
  g_autoptr(EpScriptServer) without_quit = start_server (script);
  g_autoptr(EpScriptServer) other = start_server (script);
  Client client = { NULL, NULL };
  g_autofree char *message = NULL;

  client_connect (&client, with_quit);
  client_expect (&client, "221 bye\r\n");
  client_write (&client, "QUIT\r\n");
  client_clear (&client);
  wait_success (with_quit);

  client_connect (&client, without_quit);
  client_expect (&client, "221 bye\r\n");
  client_clear (&client);
  wait_success (without_quit);

  client_connect (&client, other);
  client_expect (&client, "221 bye\r\n");
  client_write (&client, "RSET\r\n");
  client_clear (&client);
  message = wait_failure (other);
  g_assert_nonnull (strstr (message, "client sent \"RSET\\r\\n\""));
  g_assert_finalize_object (g_steal_pointer (&other));
  g_assert_finalize_object (g_steal_pointer (&without_quit));
  g_assert_finalize_object (g_steal_pointer (&with_quit));
}

/* --- bodies ----------------------------------------------------------------------------------- */

static void
test_data (void)
{
  g_autoptr(EpScriptServer) server = start_server (
    "C: DATA\n"
    "S: 354 go\n"
    "DATA\n"
    "S: 250 first\n"
    "C: DATA\n"
    "S: 354 go\n"
    "DATA\n"
    "S: 250 second\n"
    "EOF\n");
  Client client = { NULL, NULL };
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) second = NULL;

  client_connect (&client, server);
  client_write (&client, "DATA\r\n");
  client_expect (&client, "354 go\r\n");
  /* Split so that the terminator straddles two reads. */
  client_write (&client, "Subject: x\r\n\r\n..leading dot\r\nlast\r");
  g_usleep (50 * 1000);
  client_write (&client, "\n.\r\n");
  client_expect (&client, "250 first\r\n");
  client_write (&client, "DATA\r\n");
  client_expect (&client, "354 go\r\n");
  client_write (&client, ".\r\n");
  client_expect (&client, "250 second\r\n");
  client_clear (&client);
  wait_success (server);

  g_assert_cmpuint (ep_script_server_get_n_bodies (server), ==, 2);
  first = ep_script_server_get_body (server, 0);
  second = ep_script_server_get_body (server, 1);
  assert_bytes (first, "Subject: x\r\n\r\n..leading dot\r\nlast\r\n");
  g_assert_cmpuint (g_bytes_get_size (second), ==, 0);
  g_assert_finalize_object (g_steal_pointer (&server));
}

static void
test_bdat (void)
{
  g_autoptr(EpScriptServer) server = start_server (
    "BDAT: 250 2.0.0 chunk ok\n"
    "C: QUIT\n"
    "EOF\n");
  Client client = { NULL, NULL };
  g_autoptr(GBytes) body = NULL;

  client_connect (&client, server);
  client_write (&client, "BDAT 7\r\nhello\r\n");
  client_expect (&client, "250 2.0.0 chunk ok\r\n");
  /* A chunk may hold anything, including what looks like a command or CRLF.CRLF. */
  client_write (&client, "BDAT 9 LAST\r\n.\r\nQUIT\r\n");
  client_expect (&client, "250 2.0.0 chunk ok\r\n");
  client_write (&client, "QUIT\r\n");
  client_clear (&client);
  wait_success (server);

  body = ep_script_server_get_body (server, 0);
  assert_bytes (body, "hello\r\n.\r\nQUIT\r\n");
  g_assert_finalize_object (g_steal_pointer (&server));
}

/* An IMAP literal: the octets the last client line announced, whatever they hold, then the CRLF
 * that ends the command; "{N+}" (RFC 7888) the same. A literal not followed by CRLF fails. */
static void
test_literal (void)
{
  g_autoptr(EpScriptServer) server = start_server (
    "C: A1 APPEND Sent {7}\n"
    "S: + go\n"
    "LITERAL\n"
    "S: A1 OK stored\n"
    "C: A2 APPEND Sent {0+}\n"
    "LITERAL\n"
    "S: A2 OK empty\n"
    "C: A3 APPEND Sent {2+}\n"
    "LITERAL\n"
    "S: A3 OK never\n");
  Client client = { NULL, NULL };
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) second = NULL;
  g_autofree char *message = NULL;

  client_connect (&client, server);
  client_write (&client, "A1 APPEND Sent {7}\r\n");
  client_expect (&client, "+ go\r\n");
  client_write (&client, "a\r\n.\r\nb\r\n");
  client_expect (&client, "A1 OK stored\r\n");
  client_write (&client, "A2 APPEND Sent {0+}\r\n\r\n");
  client_expect (&client, "A2 OK empty\r\n");
  client_write (&client, "A3 APPEND Sent {2+}\r\nxyz\r\n");
  client_expect_eof (&client);
  client_clear (&client);

  message = wait_failure (server);
  g_assert_nonnull (strstr (message, "no CRLF after the literal of 2 bytes"));
  g_assert_cmpuint (ep_script_server_get_n_bodies (server), ==, 3);
  first = ep_script_server_get_body (server, 0);
  second = ep_script_server_get_body (server, 1);
  assert_bytes (first, "a\r\n.\r\nb");
  g_assert_cmpuint (g_bytes_get_size (second), ==, 0);
  g_assert_finalize_object (g_steal_pointer (&server));
}

/* --- reads, timing, closing ----------------------------------------------------------------- */

static void
test_reads_recorded_separately (void)
{
  g_autoptr(EpScriptServer) server = start_server (
    "C: A\n"
    "C: B\n"
    "C: C\n"
    "C: D\n"
    "EOF\n");
  Client client = { NULL, NULL };
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) second = NULL;

  client_connect (&client, server);
  client_write (&client, "A\r\nB\r\n");
  g_usleep (100 * 1000);
  client_write (&client, "C\r\nD\r\n");
  client_clear (&client);
  wait_success (server);

  g_assert_cmpuint (ep_script_server_get_n_reads (server), ==, 2);
  first = ep_script_server_get_read (server, 0);
  second = ep_script_server_get_read (server, 1);
  assert_bytes (first, "A\r\nB\r\n");
  assert_bytes (second, "C\r\nD\r\n");
  g_assert_null (ep_script_server_get_read (server, 2));
  g_assert_finalize_object (g_steal_pointer (&server));
}

static void
test_stall_and_drip (void)
{
  g_autoptr(EpScriptServer) server = start_server (
    "STALL: 200\n"
    "S: 220 a\n"
    "DRIP 30: 250 ok\n"
    "DRIP 10! xy\n"
    "EOF\n");
  Client client = { NULL, NULL };
  GInputStream *input;
  char buffer[64];
  gint64 start, elapsed;
  guint reads = 0;
  gsize got = 0;

  client_connect (&client, server);
  start = g_get_monotonic_time ();
  client_expect (&client, "220 a\r\n");
  elapsed = g_get_monotonic_time () - start;
  g_assert_cmpint (elapsed, >=, 190 * 1000);

  /* "250 ok\r\n" is 8 bytes, 30 ms apart: at least 210 ms, and many separate reads. */
  start = g_get_monotonic_time ();
  input = g_io_stream_get_input_stream (client.stream);
  while (got < 10)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_input_stream_read (input, buffer + got, sizeof buffer - got, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpint (n, >, 0);
      got += (gsize) n;
      reads++;
    }
  elapsed = g_get_monotonic_time () - start;
  g_assert_cmpmem (buffer, got, "250 ok\r\nxy", 10);
  g_assert_cmpint (elapsed, >=, 200 * 1000);
  g_assert_cmpuint (reads, >=, 6);

  client_clear (&client);
  wait_success (server);
  g_assert_finalize_object (g_steal_pointer (&server));
}

/* A stall ends as soon as the client hangs up: timeout cases do not sit out the whole pause. */
static void
test_stall_ends_on_hangup (void)
{
  g_autoptr(EpScriptServer) server = start_server ("S: 220 hi\nSTALL: 5000\nEOF\n");
  Client client = { NULL, NULL };
  gint64 start;

  client_connect (&client, server);
  client_expect (&client, "220 hi\r\n");
  start = g_get_monotonic_time ();
  client_clear (&client);
  wait_success (server);
  g_assert_cmpint (g_get_monotonic_time () - start, <, ep_test_slack (2 * G_USEC_PER_SEC));
  g_assert_finalize_object (g_steal_pointer (&server));
}

static void
test_flood (void)
{
  g_autoptr(EpScriptServer) server = start_server (
    "FLOOD 100000: 250-x\\r\\n\n"
    "S: 250 end\n"
    "EOF\n");
  Client client = { NULL, NULL };
  g_autofree char *all = NULL;
  gsize len = 100000 * 7 + 9;

  client_connect (&client, server);
  all = client_read (&client, len);
  g_assert_cmpuint (strlen (all), ==, len);
  g_assert_true (g_str_has_prefix (all, "250-x\r\n250-x\r\n"));
  g_assert_true (g_str_has_suffix (all, "250-x\r\n250 end\r\n"));
  client_clear (&client);
  wait_success (server);
  g_assert_finalize_object (g_steal_pointer (&server));
}

/* A flood the client walks away from is not a failure of the script. */
static void
test_flood_client_leaves (void)
{
  g_autoptr(EpScriptServer) server = start_server (
    "FLOOD 10000000: 250-endless\\r\\n\n"
    "EOF\n");
  Client client = { NULL, NULL };
  g_autofree char *some = NULL;

  client_connect (&client, server);
  some = client_read (&client, 4096);
  client_clear (&client);
  wait_success (server);
  g_assert_finalize_object (g_steal_pointer (&server));
}

static void
test_close (void)
{
  g_autoptr(EpScriptServer) server = start_server (
    "S: 421 going away\n"
    "CLOSE\n");
  Client client = { NULL, NULL };

  client_connect (&client, server);
  client_expect (&client, "421 going away\r\n");
  client_expect_eof (&client);
  client_clear (&client);
  wait_success (server);
  g_assert_finalize_object (g_steal_pointer (&server));
}

static void
test_reset (void)
{
  g_autoptr(EpScriptServer) server = start_server (
    "S: 220 hi\n"
    "C: NOOP\n"
    "RESET\n");
  Client client = { NULL, NULL };
  g_autoptr(GError) error = NULL;
  char buffer[16];
  gssize n;

  client_connect (&client, server);
  client_expect (&client, "220 hi\r\n");
  client_write (&client, "NOOP\r\n");
  wait_success (server);

  n = g_input_stream_read (g_io_stream_get_input_stream (client.stream), buffer, sizeof buffer, NULL, &error);
  g_assert_cmpint (n, ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  client_clear (&client);
  g_assert_finalize_object (g_steal_pointer (&server));
}

static void
test_eof_with_extra_bytes (void)
{
  g_autoptr(EpScriptServer) server = start_server (
    "S: 220 hi\n"
    "EOF\n");
  Client client = { NULL, NULL };
  g_autofree char *message = NULL;

  client_connect (&client, server);
  client_expect (&client, "220 hi\r\n");
  client_write (&client, "AUTH PLAIN secret\r\n");
  client_clear (&client);

  message = wait_failure (server);
  g_assert_nonnull (strstr (message, "expected the client to close, it sent \"AUTH PLAIN secret\\r\\n\""));
  g_assert_true (ep_script_server_received_contains (server, "AUTH"));
  g_assert_false (ep_script_server_received_contains (server, "MAIL"));
  g_assert_finalize_object (g_steal_pointer (&server));
}

static void
test_drain (void)
{
  g_autoptr(EpScriptServer) server = start_server (
    "S: 220 hi\n"
    "DRAIN\n");
  Client client = { NULL, NULL };
  g_autofree char *received = NULL;

  client_connect (&client, server);
  client_expect (&client, "220 hi\r\n");
  client_write (&client, "\x16\x03\x01 anything at all");
  client_clear (&client);
  wait_success (server);

  received = ep_script_server_dup_received_string (server);
  g_assert_cmpstr (received, ==, "\x16\x03\x01 anything at all");
  g_assert_finalize_object (g_steal_pointer (&server));
}

/* The server gives up on a silent client after its I/O timeout, as a failure. */
static void
test_io_timeout (void)
{
  g_autoptr(EpScriptServer) server = ep_script_server_new ();
  g_autoptr(GError) error = NULL;
  Client client = { NULL, NULL };
  gint64 start;

  g_assert_true (ep_script_server_add_script (server, "S: 220 hi\nC: EHLO x\n", &error));
  g_assert_no_error (error);
  ep_script_server_set_io_timeout (server, 1);
  g_assert_true (ep_script_server_start (server, &error));
  g_assert_no_error (error);

  client_connect (&client, server);
  client_expect (&client, "220 hi\r\n");
  start = g_get_monotonic_time ();
  g_assert_false (ep_script_server_wait (server, WAIT_MS, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "expected \"EHLO x\""));
  g_assert_cmpint (g_get_monotonic_time () - start, <, ep_test_slack (3 * G_USEC_PER_SEC));
  client_clear (&client);
  g_assert_finalize_object (g_steal_pointer (&server));
}

static void
test_wait_timeout (void)
{
  g_autoptr(EpScriptServer) server = start_server ("S: 220 hi\nC: EHLO x\n");
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  /* Nobody connects: the wait ends at its own timeout, and says so. */
  g_assert_false (ep_script_server_wait (server, 300, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "timed out after 300 ms"));
  g_assert_cmpint (g_get_monotonic_time () - start, <, ep_test_slack (2 * G_USEC_PER_SEC));
  g_assert_false (ep_script_server_get_connected (server));
  g_assert_finalize_object (g_steal_pointer (&server));
}

static void
test_no_connection_expected (void)
{
  g_autoptr(EpScriptServer) quiet = start_server ("");
  g_autoptr(EpScriptServer) visited = start_server ("# nobody may come\n");
  g_autoptr(GError) error = NULL;
  Client client = { NULL, NULL };

  g_assert_true (ep_script_server_wait (quiet, WAIT_MS, &error));
  g_assert_no_error (error);
  g_assert_false (ep_script_server_get_connected (quiet));

  client_connect (&client, visited);
  client_clear (&client);
  g_assert_false (ep_script_server_wait (visited, WAIT_MS, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "a client connected although the script expected none"));
  g_assert_finalize_object (g_steal_pointer (&visited));
  g_assert_finalize_object (g_steal_pointer (&quiet));
}

static void
test_parse_errors (void)
{
  const char *bad[] = {
    "S: 220 ok\nWHATEVER\n",
    "S: bad escape \\q\n",
    "S: bad hex \\x4\n",
    "STALL: soon\n",
    "DRIP fast: x\n",
    "FLOOD 10 x\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(EpScriptServer) server = ep_script_server_new ();
      g_autoptr(GError) error = NULL;

      g_assert_false (ep_script_server_add_script (server, bad[i], &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    }
}

static void
test_api_steps (void)
{
  g_autoptr(EpScriptServer) server = ep_script_server_new ();
  g_autoptr(GError) error = NULL;
  Client client = { NULL, NULL };

  ep_script_server_add_step (server, EP_SCRIPT_STEP_SEND, "220 a\r\n2", -1, 0);
  ep_script_server_add_step (server, EP_SCRIPT_STEP_SEND, "50 b\r\n", 6, 0);
  ep_script_server_add_step (server, EP_SCRIPT_STEP_EXPECT, "X\\r", -1, 0);
  ep_script_server_add_step (server, EP_SCRIPT_STEP_EXPECT_CLOSE, NULL, 0, 0);
  g_assert_true (ep_script_server_start (server, &error));
  g_assert_no_error (error);

  client_connect (&client, server);
  client_expect (&client, "220 a\r\n250 b\r\n");
  /* Arguments through the API are not unescaped. */
  client_write (&client, "X\\r\r\n");
  client_clear (&client);
  wait_success (server);
  g_assert_finalize_object (g_steal_pointer (&server));
}

static void
test_quiet (void)
{
  const char *script =
    "C: DATA\n"
    "QUIET: 200\n"
    "S: 354 go\n"
    "C: body\n"
    "EOF\n";
  g_autoptr(EpScriptServer) patient = start_server (script);
  g_autoptr(EpScriptServer) eager = start_server (script);
  g_autoptr(EpScriptServer) late = start_server (script);
  Client client = { NULL, NULL };
  g_autofree char *message = NULL;
  g_autofree char *message2 = NULL;

  client_connect (&client, patient);
  client_write (&client, "DATA\r\n");
  client_expect (&client, "354 go\r\n");
  client_write (&client, "body\r\n");
  client_clear (&client);
  wait_success (patient);

  /* Sent in the same write as DATA: already pending when the step starts. */
  client_connect (&client, eager);
  client_write (&client, "DATA\r\nbody\r\n");
  client_clear (&client);
  message = wait_failure (eager);
  g_assert_nonnull (strstr (message, "the client should wait for a reply, it already sent \"body\\r\\n\""));

  /* Sent a little later, still before the reply. */
  client_connect (&client, late);
  client_write (&client, "DATA\r\n");
  g_usleep (50 * 1000);
  client_write (&client, "body\r\n");
  client_clear (&client);
  message2 = wait_failure (late);
  g_assert_nonnull (strstr (message2, "the client should wait for a reply, it sent \"body\\r\\n\""));
  g_assert_finalize_object (g_steal_pointer (&late));
  g_assert_finalize_object (g_steal_pointer (&eager));
  g_assert_finalize_object (g_steal_pointer (&patient));
}

typedef struct
{
  guint calls;
} Counter;

/* Echoes lines in upper case until the client says "stop". */
static EpScriptResponse
shout_responder (const char  *line,
                 GByteArray  *reply,
                 gpointer     user_data,
                 GError     **error)
{
  Counter *counter = user_data;
  g_autofree char *upper = g_ascii_strup (line, -1);

  counter->calls++;
  if (g_str_equal (line, "fail"))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "told to fail");
      return EP_SCRIPT_RESPONSE_FAIL;
    }
  g_byte_array_append (reply, (const guint8 *) upper, strlen (upper));
  g_byte_array_append (reply, (const guint8 *) "\r\n", 2);
  return g_str_equal (line, "stop") ? EP_SCRIPT_RESPONSE_DONE : EP_SCRIPT_RESPONSE_AGAIN;
}

static void
test_responder (void)
{
  g_autoptr(EpScriptServer) server = ep_script_server_new ();
  g_autoptr(EpScriptServer) failing = ep_script_server_new ();
  g_autoptr(GError) error = NULL;
  Counter counter = { 0 }, failing_counter = { 0 };
  Client client = { NULL, NULL };
  g_autofree char *message = NULL;

  g_assert_true (ep_script_server_add_script (server, "S: 220 hi\n", &error));
  ep_script_server_add_responder (server, shout_responder, &counter);
  g_assert_true (ep_script_server_add_script (server, "C: after\nEOF\n", &error));
  g_assert_true (ep_script_server_start (server, &error));
  g_assert_no_error (error);

  client_connect (&client, server);
  client_expect (&client, "220 hi\r\n");
  client_write (&client, "one\r\n");
  client_expect (&client, "ONE\r\n");
  client_write (&client, "two\r\nstop\r\n");
  client_expect (&client, "TWO\r\nSTOP\r\n");
  client_write (&client, "after\r\n");
  client_clear (&client);
  wait_success (server);
  g_assert_cmpuint (counter.calls, ==, 3);

  ep_script_server_add_responder (failing, shout_responder, &failing_counter);
  g_assert_true (ep_script_server_start (failing, &error));
  client_connect (&client, failing);
  client_write (&client, "fail\r\n");
  client_clear (&client);
  message = wait_failure (failing);
  g_assert_nonnull (strstr (message, "step 1 (respond): told to fail"));
  g_assert_finalize_object (g_steal_pointer (&failing));
  g_assert_finalize_object (g_steal_pointer (&server));
}

/* --- TLS ------------------------------------------------------------------------------------ */

static void
test_starttls (void)
{
  g_autoptr(EpScriptServer) server = start_server (
    "S: 220 hi\n"
    "C: STARTTLS\n"
    "S: 220 go ahead\n"
    "TLS: good\n"
    "C: EHLO secure\n"
    "S: 250 ok\n"
    "EOF\n");
  Client client = { NULL, NULL };
  g_autoptr(GBytes) cleartext = NULL;
  g_autofree char *received = NULL;
  guint n_reads;

  client_connect (&client, server);
  client_expect (&client, "220 hi\r\n");
  client_write (&client, "STARTTLS\r\n");
  client_expect (&client, "220 go ahead\r\n");
  client_start_tls (&client, TRUE, 0);
  client_write (&client, "EHLO secure\r\n");
  client_expect (&client, "250 ok\r\n");
  client_clear (&client);
  wait_success (server);

  received = ep_script_server_dup_received_string (server);
  g_assert_cmpstr (received, ==, "STARTTLS\r\nEHLO secure\r\n");
  cleartext = ep_script_server_get_received_cleartext (server);
  assert_bytes (cleartext, "STARTTLS\r\n");
  n_reads = ep_script_server_get_n_reads (server);
  g_assert_cmpuint (n_reads, ==, 2);
  g_assert_false (ep_script_server_get_read_is_tls (server, 0));
  g_assert_true (ep_script_server_get_read_is_tls (server, 1));
  g_assert_finalize_object (g_steal_pointer (&server));
}

static void
test_implicit_tls_timeout (void)
{
  g_autoptr(EpScriptServer) server = ep_script_server_new ();
  g_autoptr(GError) error = NULL;
  Client client = { NULL, NULL };
  gint64 start;

  /* Reads through TLS are bounded by the I/O timeout as well. */
  g_assert_true (ep_script_server_add_script (server, "TLS: good\nS: 220 hi\nC: EHLO x\n", &error));
  ep_script_server_set_io_timeout (server, 1);
  g_assert_true (ep_script_server_start (server, &error));
  g_assert_no_error (error);

  client_connect (&client, server);
  client_start_tls (&client, TRUE, 0);
  client_expect (&client, "220 hi\r\n");
  start = g_get_monotonic_time ();
  g_assert_false (ep_script_server_wait (server, WAIT_MS, &error));
  g_assert_nonnull (strstr (error->message, "expected \"EHLO x\""));
  g_assert_cmpint (g_get_monotonic_time () - start, <, ep_test_slack (3 * G_USEC_PER_SEC));
  client_clear (&client);
  g_assert_finalize_object (g_steal_pointer (&server));
}

static void
test_tls_rejected (void)
{
  g_autoptr(EpScriptServer) server = start_server (
    "TLS-REJECT: self-signed\n"
    "EOF\n");
  Client client = { NULL, NULL };

  client_connect (&client, server);
  client_start_tls (&client, FALSE, G_TLS_CERTIFICATE_UNKNOWN_CA);
  client_clear (&client);
  wait_success (server);
  g_assert_cmpuint (ep_script_server_get_n_reads (server), ==, 0);
  g_assert_finalize_object (g_steal_pointer (&server));
}

/* A client that accepts a certificate it was told to reject is caught by the step itself. */
static void
test_tls_reject_accepted (void)
{
  g_autoptr(EpScriptServer) server = start_server (
    "TLS-REJECT: good\n"
    "EOF\n");
  Client client = { NULL, NULL };
  g_autofree char *message = NULL;

  client_connect (&client, server);
  client_start_tls (&client, TRUE, 0);
  client_write (&client, "EHLO x\r\n");
  client_clear (&client);
  message = wait_failure (server);
  g_assert_nonnull (strstr (message, "expected the client to close, it sent \"EHLO x\\r\\n\""));
  g_assert_finalize_object (g_steal_pointer (&server));
}

/* Bytes a client sends after STARTTLS but before its handshake travel in clear: a failure. */
static void
test_bytes_before_handshake (void)
{
  g_autoptr(EpScriptServer) server = start_server (
    "C: STARTTLS\n"
    "S: 220 go ahead\n"
    "TLS: good\n");
  Client client = { NULL, NULL };
  g_autofree char *message = NULL;

  client_connect (&client, server);
  client_write (&client, "STARTTLS\r\nMAIL FROM:<a@b>\r\n");
  client_clear (&client);
  message = wait_failure (server);
  g_assert_nonnull (strstr (message, "client sent \"MAIL FROM:<a@b>\\r\\n\" before the TLS handshake"));
  g_assert_finalize_object (g_steal_pointer (&server));
}

/* --- certificates --------------------------------------------------------------------------- */

static void
test_certificates (void)
{
  static const struct
  {
    const char          *name;
    GTlsCertificateFlags flags;
  } cases[] = {
    { "good", 0 },
    { "self-signed", G_TLS_CERTIFICATE_UNKNOWN_CA },
    { "unknown-issuer", G_TLS_CERTIFICATE_UNKNOWN_CA },
    { "wrong-host", G_TLS_CERTIFICATE_BAD_IDENTITY },
    { "expired", G_TLS_CERTIFICATE_EXPIRED },
    { "not-yet-valid", G_TLS_CERTIFICATE_NOT_ACTIVATED },
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *ca_path = ep_test_certs_path ("ca");
  g_autoptr(GTlsCertificate) ca = g_tls_certificate_new_from_file (ca_path, &error);
  g_autoptr(GSocketConnectable) ip = g_network_address_new ("127.0.0.1", 25);
  g_autoptr(GSocketConnectable) name = g_network_address_new ("localhost", 25);
  g_autofree char *dir_again = NULL;

  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (ca_path, ep_test_certs_dir ()));
  if (g_getenv ("EPISTLE_TEST_TMPDIR") != NULL)
    g_assert_true (g_str_has_prefix (ep_test_certs_dir (), g_getenv ("EPISTLE_TEST_TMPDIR")));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GTlsCertificate) cert = ep_test_certs_load (cases[i].name, &error);
      g_autoptr(GByteArray) der = NULL;
      g_autofree char *digest = NULL;
      g_autofree char *expected_digest = ep_test_certs_sha256 (cases[i].name);

      g_assert_no_error (error);
      g_assert_nonnull (cert);
      g_object_get (cert, "certificate", &der, NULL);
      g_assert_nonnull (der);
      digest = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
      g_assert_cmpstr (digest, ==, expected_digest);

      g_test_message ("%s: verify by IP and by name", cases[i].name);
      g_assert_cmphex (g_tls_certificate_verify (cert, ip, ca), ==, cases[i].flags);
      g_assert_cmphex (g_tls_certificate_verify (cert, name, ca), ==, cases[i].flags);
    }

  dir_again = g_strdup (ep_test_certs_dir ());
  g_assert_cmpstr (dir_again, ==, ep_test_certs_dir ());
}

/* Each leaf file carries its private key, so a TLS server can use it (checked above by TLS). */
static void
test_leaf_files_hold_keys (void)
{
  const char *names[] = { "good", "self-signed", "unknown-issuer", "wrong-host", "expired", "not-yet-valid" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = ep_test_certs_path (names[i]);
      g_autofree char *pem = NULL;
      g_autoptr(GError) error = NULL;

      g_assert_true (g_file_get_contents (path, &pem, NULL, &error));
      g_assert_no_error (error);
      g_assert_nonnull (strstr (pem, "-----BEGIN CERTIFICATE-----"));
      g_assert_nonnull (strstr (pem, "-----BEGIN PRIVATE KEY-----"));
    }
}

/* A subprocess reuses the certificates its parent shared instead of generating its own. */
static void
test_certs_shared (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GTlsCertificate) cert = ep_test_certs_load ("expired", &error);
      g_autoptr(GByteArray) der = NULL;
      g_autofree char *digest = NULL;
      g_autofree char *expected = ep_test_certs_sha256 ("expired");

      g_assert_cmpstr (ep_test_certs_dir (), ==, g_getenv ("EPISTLE_TEST_CERTS_DIR"));
      g_assert_no_error (error);
      g_object_get (cert, "certificate", &der, NULL);
      digest = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
      g_assert_cmpstr (digest, ==, expected);
      return;
    }

  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  if (!g_test_subprocess ())
    ep_test_certs_share ();

  g_test_add_func ("/script-server/exchange", test_exchange);
  g_test_add_func ("/script-server/glob", test_glob);
  g_test_add_func ("/script-server/exact-star", test_exact_star);
  g_test_add_func ("/script-server/mismatch", test_mismatch);
  g_test_add_func ("/script-server/bare-lf", test_bare_lf);
  g_test_add_func ("/script-server/raw-send-and-escapes", test_raw_send_and_escapes);
  g_test_add_func ("/script-server/optional", test_optional);
  g_test_add_func ("/script-server/data", test_data);
  g_test_add_func ("/script-server/bdat", test_bdat);
  g_test_add_func ("/script-server/literal", test_literal);
  g_test_add_func ("/script-server/reads-recorded-separately", test_reads_recorded_separately);
  g_test_add_func ("/script-server/stall-and-drip", test_stall_and_drip);
  g_test_add_func ("/script-server/stall-ends-on-hangup", test_stall_ends_on_hangup);
  g_test_add_func ("/script-server/flood", test_flood);
  g_test_add_func ("/script-server/flood-client-leaves", test_flood_client_leaves);
  g_test_add_func ("/script-server/close", test_close);
  g_test_add_func ("/script-server/reset", test_reset);
  g_test_add_func ("/script-server/eof-with-extra-bytes", test_eof_with_extra_bytes);
  g_test_add_func ("/script-server/drain", test_drain);
  g_test_add_func ("/script-server/io-timeout", test_io_timeout);
  g_test_add_func ("/script-server/wait-timeout", test_wait_timeout);
  g_test_add_func ("/script-server/no-connection-expected", test_no_connection_expected);
  g_test_add_func ("/script-server/parse-errors", test_parse_errors);
  g_test_add_func ("/script-server/api-steps", test_api_steps);
  g_test_add_func ("/script-server/quiet", test_quiet);
  g_test_add_func ("/script-server/responder", test_responder);
  g_test_add_func ("/script-server/starttls", test_starttls);
  g_test_add_func ("/script-server/implicit-tls-timeout", test_implicit_tls_timeout);
  g_test_add_func ("/script-server/tls-rejected", test_tls_rejected);
  g_test_add_func ("/script-server/tls-reject-accepted", test_tls_reject_accepted);
  g_test_add_func ("/script-server/bytes-before-handshake", test_bytes_before_handshake);
  g_test_add_func ("/certs/verify", test_certificates);
  g_test_add_func ("/certs/leaf-files-hold-keys", test_leaf_files_hold_keys);
  g_test_add_func ("/certs/shared-with-subprocess", test_certs_shared);

  ret = g_test_run ();
  ep_test_certs_cleanup ();
  return ret;
}
