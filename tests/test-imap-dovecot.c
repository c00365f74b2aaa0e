/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-imap-dovecot.c: the IMAP client against a real Dovecot on 127.0.0.1 (started by
 * test-imap-dovecot.sh with tests/servers/mailserver.sh): the Sent folder found by its special
 * use, the upload over IMAPS and over STARTTLS read back byte for byte from the Maildir and
 * flagged \Seen, and a retry that finds the copy instead of storing a second one. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "ep-imap-client.h"

/* A message as the Sent store keeps it: CRLF line ends, 8-bit text, a line with a dot. */
#define MESSAGE_FMT "From: Tester <tester@epistle.test>\r\n"           \
                    "To: Someone <someone@example.org>\r\n"           \
                    "Subject: Copy %s\r\n"                             \
                    "Message-ID: <%s@epistle.test>\r\n"                 \
                    "Date: Mon, 07 Dec 2026 03:05:32 +0000\r\n"        \
                    "MIME-Version: 1.0\r\n"                            \
                    "Content-Type: text/plain; charset=utf-8\r\n"     \
                    "Content-Transfer-Encoding: 8bit\r\n"             \
                    "\r\n"                                             \
                    "Gr\xc3\xbc\xc3\x9f""e.\r\n.\r\n..two dots\r\n"

static const char *
env (const char *name)
{
  const char *value = g_getenv (name);

  if (value == NULL || *value == '\0')
    g_error ("%s is not set: run this through test-imap-dovecot.sh", name);
  return value;
}

static EpImapConfig *
make_config (EpSmtpSecurity security)
{
  EpImapConfig *config = ep_imap_config_new ();

  config->host = g_strdup ("127.0.0.1");
  config->port = (guint16) g_ascii_strtoull (env (security == EP_SMTP_SECURITY_TLS ? "IMAPS_PORT" : "IMAP_PORT"),
                                             NULL, 10);
  config->security = security;
  config->cafile = g_strdup (env ("CA_FILE"));
  config->username = g_strdup (env ("SASL_USER"));
  config->password = g_strdup (env ("SASL_PASSWORD"));
  config->timeout_seconds = 10;
  return config;
}

/* The files of the Sent folder's Maildir (cur/ and new/), by path. */
static GPtrArray *
sent_files (void)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  const char * const subdirs[] = { "cur", "new" };

  for (guint i = 0; i < G_N_ELEMENTS (subdirs); i++)
    {
      g_autofree char *path = g_build_filename (env ("IMAP_MAILDIR"), ".Sent", subdirs[i], NULL);
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        g_ptr_array_add (files, g_build_filename (path, name, NULL));
    }
  return files;
}

static void
test_check (void)
{
  g_autoptr(EpImapConfig) config = make_config (EP_SMTP_SECURITY_TLS);
  g_autoptr(EpSmtpTranscript) transcript = ep_smtp_transcript_new ();
  g_autoptr(EpImapResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_assert_true (ep_imap_check (config, transcript, NULL, NULL, &result, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (result->mailbox, ==, "Sent");
  g_assert_nonnull (result->tls_info);
  g_assert_true (result->tls_info->verified);
  /* Dovecot offers SCRAM-SHA-256 from the shared passdb: the strongest is chosen. */
  g_assert_cmpstr (result->auth_mechanism, ==, "SCRAM-SHA-256");
  text = ep_smtp_transcript_to_string (transcript);
  g_assert_nonnull (strstr (text, "RETURN (SPECIAL-USE)"));
  g_assert_null (strstr (text, env ("SASL_PASSWORD")));
}

static void
upload_and_read_back (EpSmtpSecurity security,
                      const char    *label)
{
  g_autoptr(EpImapConfig) config = make_config (security);
  g_autofree char *id = g_strdup_printf ("%s.%" G_GINT64_FORMAT, label, g_get_real_time ());
  g_autofree char *message_id = g_strdup_printf ("<%s@epistle.test>", id);
  g_autofree char *message = g_strdup_printf (MESSAGE_FMT, label, id);
  g_autoptr(GPtrArray) before = sent_files ();
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GPtrArray) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(EpImapResult) result = NULL;
  g_autoptr(EpImapResult) retry = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *contents = NULL;
  gsize len = 0;

  stream = g_memory_input_stream_new_from_data (message, strlen (message), NULL);
  g_assert_true (ep_imap_upload_sent (config, stream, strlen (message), NULL, NULL, NULL, &result, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (result->uploaded);
  g_assert_cmpstr (result->mailbox, ==, "Sent");
  /* Dovecot has UIDPLUS: the copy's UID is known. */
  g_assert_cmpuint (result->uid, >, 0);
  g_assert_cmpuint (result->uidvalidity, >, 0);

  after = sent_files ();
  g_assert_cmpuint (after->len, ==, before->len + 1);
  for (guint i = 0; i < after->len && stored == NULL; i++)
    {
      gboolean known = FALSE;

      for (guint k = 0; k < before->len; k++)
        known |= g_str_equal (g_ptr_array_index (after, i), g_ptr_array_index (before, k));
      if (!known)
        stored = g_strdup (g_ptr_array_index (after, i));
    }
  g_assert_nonnull (stored);
  /* Maildir keeps the message as it came; \Seen is the "S" in the name's info (":2,S"). */
  g_assert_true (g_file_get_contents (stored, &contents, &len, NULL));
  g_assert_cmpmem (contents, len, message, strlen (message));
  g_assert_true (g_str_has_suffix (stored, ",S"));

  /* A retry (as after a connection lost once the message was sent) finds the copy. */
  g_clear_object (&stream);
  stream = g_memory_input_stream_new_from_data (message, strlen (message), NULL);
  g_assert_true (ep_imap_upload_sent (config, stream, strlen (message), NULL, message_id, NULL, &retry, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (retry->duplicate);
  g_assert_false (retry->uploaded);
  g_assert_cmpuint (retry->uid, ==, result->uid);
  g_assert_cmpuint (retry->uidvalidity, ==, result->uidvalidity);
  again = sent_files ();
  g_assert_cmpuint (again->len, ==, after->len);
}

static void
test_upload_tls (void)
{
  upload_and_read_back (EP_SMTP_SECURITY_TLS, "imaps");
}

static void
test_upload_starttls (void)
{
  upload_and_read_back (EP_SMTP_SECURITY_STARTTLS, "starttls");
}

/* A retry for a message that never arrived uploads it: the search finds nothing by mistake. */
static void
test_retry_without_copy_uploads (void)
{
  g_autoptr(EpImapConfig) config = make_config (EP_SMTP_SECURITY_STARTTLS);
  g_autofree char *id = g_strdup_printf ("never.%" G_GINT64_FORMAT, g_get_real_time ());
  g_autofree char *message_id = g_strdup_printf ("<%s@epistle.test>", id);
  g_autofree char *message = g_strdup_printf (MESSAGE_FMT, "retry", id);
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_data (message, strlen (message), NULL);
  g_autoptr(GPtrArray) before = sent_files ();
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(EpImapResult) result = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (ep_imap_upload_sent (config, stream, strlen (message), NULL, message_id, NULL, &result, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (result->uploaded);
  g_assert_false (result->duplicate);
  after = sent_files ();
  g_assert_cmpuint (after->len, ==, before->len + 1);
}

static void
test_wrong_password (void)
{
  g_autoptr(EpImapConfig) config = make_config (EP_SMTP_SECURITY_TLS);
  g_autoptr(GError) error = NULL;

  g_free (config->password);
  config->password = g_strdup ("not the password");
  g_assert_false (ep_imap_check (config, NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, EP_IMAP_ERROR, EP_IMAP_ERROR_AUTH_FAILED);
  g_assert_false (ep_imap_error_is_temporary (error));
}

/* ---- a connection lost after the upload ----------------------------------------------------- */

/* A TCP relay between the client and Dovecot that passes everything until the client has sent
 * more than @cut_after octets, then drops the server's next bytes (its answer to the APPEND)
 * and closes both ends: the failure after which the client cannot know whether the copy was
 * stored. TLS runs through it untouched. */
typedef struct {
  int      listener;
  guint16  port;
  guint16  target;
  gsize    cut_after;
  gboolean cut;
  GThread *thread;
} Relay;

static gpointer
relay_run (gpointer data)
{
  Relay *relay = data;
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons (relay->target) };
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  gsize from_client = 0;
  char buf[16384];
  int client, server;

  client = accept (relay->listener, NULL, NULL);
  g_assert_cmpint (client, >=, 0);
  server = socket (AF_INET, SOCK_STREAM, 0);
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (connect (server, (struct sockaddr *) &addr, sizeof addr), ==, 0);

  while (g_get_monotonic_time () < end)
    {
      struct pollfd fds[2] = { { client, POLLIN, 0 }, { server, POLLIN, 0 } };
      ssize_t n;

      if (poll (fds, 2, 100) < 0 && errno != EINTR)
        break;
      if (fds[0].revents != 0)
        {
          n = recv (client, buf, sizeof buf, 0);
          if (n <= 0 || send (server, buf, n, MSG_NOSIGNAL) != n)
            break;
          from_client += n;
        }
      if (fds[1].revents != 0)
        {
          n = recv (server, buf, sizeof buf, 0);
          if (n <= 0)
            break;
          if (from_client > relay->cut_after)
            {
              relay->cut = TRUE;
              break;
            }
          if (send (client, buf, n, MSG_NOSIGNAL) != n)
            break;
        }
    }
  close (client);
  close (server);
  return NULL;
}

static void
relay_start (Relay   *relay,
             guint16  target,
             gsize    cut_after)
{
  struct sockaddr_in addr = { .sin_family = AF_INET };
  socklen_t len = sizeof addr;

  relay->target = target;
  relay->cut_after = cut_after;
  relay->listener = socket (AF_INET, SOCK_STREAM, 0);
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (bind (relay->listener, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (listen (relay->listener, 1), ==, 0);
  g_assert_cmpint (getsockname (relay->listener, (struct sockaddr *) &addr, &len), ==, 0);
  relay->port = ntohs (addr.sin_port);
  relay->thread = g_thread_new ("relay", relay_run, relay);
}

/* The message goes through, the answer does not: the client reports that the copy may be
 * there, and the retry finds it there, once. */
static void
test_lost_after_upload_then_retry (void)
{
  g_autoptr(EpImapConfig) config = make_config (EP_SMTP_SECURITY_TLS);
  g_autofree char *id = g_strdup_printf ("lost.%" G_GINT64_FORMAT, g_get_real_time ());
  g_autofree char *message_id = g_strdup_printf ("<%s@epistle.test>", id);
  g_autofree char *head = g_strdup_printf (MESSAGE_FMT, "lost", id);
  g_autoptr(GString) message = g_string_new (head);
  g_autoptr(GPtrArray) before = sent_files ();
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GPtrArray) again = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(EpImapResult) result = NULL;
  g_autoptr(EpImapResult) retry = NULL;
  g_autoptr(GError) error = NULL;
  Relay relay = { 0 };

  /* Far more than every command of the session together, so that the cut falls after it. */
  while (message->len < 64 * 1024)
    g_string_append (message, "A line of the body, long enough to fill the message quickly.\r\n");
  relay_start (&relay, config->port, 48 * 1024);
  config->port = relay.port;

  stream = g_memory_input_stream_new_from_data (message->str, message->len, NULL);
  g_assert_false (ep_imap_upload_sent (config, stream, message->len, NULL, NULL, NULL, &result, NULL, &error));
  g_thread_join (relay.thread);
  close (relay.listener);
  g_assert_true (relay.cut);
  g_assert_error (error, EP_IMAP_ERROR, EP_IMAP_ERROR_UPLOAD_UNKNOWN);
  g_assert_true (ep_imap_error_is_temporary (error));
  g_assert_false (result->uploaded);
  g_clear_error (&error);

  /* Dovecot did store it. */
  after = sent_files ();
  g_assert_cmpuint (after->len, ==, before->len + 1);

  /* The retry, straight to Dovecot, with the Message-ID: found, not stored again. */
  config->port = relay.target;
  g_clear_object (&stream);
  stream = g_memory_input_stream_new_from_data (message->str, message->len, NULL);
  g_assert_true (ep_imap_upload_sent (config, stream, message->len, NULL, message_id, NULL, &retry, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (retry->duplicate);
  g_assert_false (retry->uploaded);
  again = sent_files ();
  g_assert_cmpuint (again->len, ==, after->len);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/imap-dovecot/check", test_check);
  g_test_add_func ("/imap-dovecot/upload-imaps", test_upload_tls);
  g_test_add_func ("/imap-dovecot/upload-starttls", test_upload_starttls);
  g_test_add_func ("/imap-dovecot/retry-without-copy", test_retry_without_copy_uploads);
  g_test_add_func ("/imap-dovecot/wrong-password", test_wrong_password);
  g_test_add_func ("/imap-dovecot/lost-after-upload-then-retry", test_lost_after_upload_then_retry);

  return g_test_run ();
}
