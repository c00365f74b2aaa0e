/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-smtp-transcript.c: the one transcript type (smtp/ep-smtp-transcript.h): its "C: "/"S: "/"I: "
 * format, one printable line per entry whatever a peer sent, the size limit, the log domain, and
 * the client and the Sandbox recording one session in the same words, secrets redacted alike. */
#include "config.h"

#include <string.h>

#include "ep-sandbox.h"
#include "ep-smtp.h"

static void
test_format (void)
{
  g_autoptr(EpSmtpTranscript) transcript = ep_smtp_transcript_new ();
  g_autoptr(GPtrArray) entries = NULL;
  g_autofree char *text = NULL;
  EpSmtpTranscriptEntry *entry;

  ep_smtp_transcript_add (transcript, EP_SMTP_TRANSCRIPT_INFO, "connected to mx.example:587");
  ep_smtp_transcript_add (transcript, EP_SMTP_TRANSCRIPT_SERVER, "220 mx.example ESMTP");
  ep_smtp_transcript_add (transcript, EP_SMTP_TRANSCRIPT_CLIENT, "EHLO client.example");
  ep_smtp_transcript_add_printf (transcript, EP_SMTP_TRANSCRIPT_SERVER, "%u-%s", 250, "mx.example");
  ep_smtp_transcript_add_len (transcript, EP_SMTP_TRANSCRIPT_SERVER, "250 HELP and more", 8);

  text = ep_smtp_transcript_to_string (transcript);
  g_assert_cmpstr (text, ==,
                   "I: connected to mx.example:587\n"
                   "S: 220 mx.example ESMTP\n"
                   "C: EHLO client.example\n"
                   "S: 250-mx.example\n"
                   "S: 250 HELP\n");
  g_assert_cmpuint (ep_smtp_transcript_get_n_entries (transcript), ==, 5);
  entries = ep_smtp_transcript_dup_entries (transcript);
  entry = g_ptr_array_index (entries, 2);
  g_assert_cmpint (entry->direction, ==, EP_SMTP_TRANSCRIPT_CLIENT);
  g_assert_cmpstr (entry->line, ==, "EHLO client.example");
  g_assert_cmpint (entry->time, >, 0);
}

/* A peer's bytes cannot end a line, forge one, or reach a terminal: each entry is one line. */
static void
test_escaping (void)
{
  static const char forged[] = "250 ok\r\nS: 235 fake\0tail";
  g_autoptr(EpSmtpTranscript) transcript = ep_smtp_transcript_new ();
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  ep_smtp_transcript_add_len (transcript, EP_SMTP_TRANSCRIPT_CLIENT, forged, sizeof forged - 1);
  ep_smtp_transcript_add (transcript, EP_SMTP_TRANSCRIPT_CLIENT, "MAIL FROM:<j\xc3\xb6rg@example.com>");
  ep_smtp_transcript_add (transcript, EP_SMTP_TRANSCRIPT_CLIENT, "bad \xff\x1b[2J");
  ep_smtp_transcript_add (transcript, EP_SMTP_TRANSCRIPT_INFO, "tab\there");

  text = ep_smtp_transcript_to_string (transcript);
  g_assert_cmpstr (text, ==,
                   "C: 250 ok\\x0D\\x0AS: 235 fake\\x00tail\n"
                   "C: MAIL FROM:<j\xc3\xb6rg@example.com>\n"
                   "C: bad \\xFF\\x1B[2J\n"
                   "I: tab\\x09here\n");
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 5);
}

static void
line_cb (EpSmtpTranscriptDirection  direction,
         const char                *line,
         gpointer                   user_data)
{
  g_string_append_printf (user_data, "%c|%s;", (char) direction, line);
}

/* Past the size limit: one "I: [transcript truncated]", then nothing, also for the line func. */
static void
test_max_size (void)
{
  g_autoptr(EpSmtpTranscript) transcript = ep_smtp_transcript_new ();
  g_autoptr(GString) seen = g_string_new (NULL);
  g_autofree char *text = NULL;

  ep_smtp_transcript_set_line_func (transcript, line_cb, seen, NULL);
  ep_smtp_transcript_set_max_size (transcript, 40);
  ep_smtp_transcript_add (transcript, EP_SMTP_TRANSCRIPT_CLIENT, "NOOP 1");       /* 10 octets */
  ep_smtp_transcript_add (transcript, EP_SMTP_TRANSCRIPT_SERVER, "250 2.0.0 Ok"); /* 16: 26 */
  ep_smtp_transcript_add (transcript, EP_SMTP_TRANSCRIPT_CLIENT, "NOOP 22");      /* 11: 37 */
  ep_smtp_transcript_add (transcript, EP_SMTP_TRANSCRIPT_SERVER, "250 2.0.0 Ok"); /* over */
  ep_smtp_transcript_add (transcript, EP_SMTP_TRANSCRIPT_CLIENT, "QUIT");
  ep_smtp_transcript_add_printf (transcript, EP_SMTP_TRANSCRIPT_INFO, "closed");

  text = ep_smtp_transcript_to_string (transcript);
  g_assert_cmpstr (text, ==, "C: NOOP 1\nS: 250 2.0.0 Ok\nC: NOOP 22\nI: " EP_SMTP_TRANSCRIPT_TRUNCATED "\n");
  g_assert_cmpuint (ep_smtp_transcript_get_n_entries (transcript), ==, 4);
  g_assert_cmpstr (seen->str, ==, "C|NOOP 1;S|250 2.0.0 Ok;C|NOOP 22;I|" EP_SMTP_TRANSCRIPT_TRUNCATED ";");

  /* No limit by default. */
  g_clear_object (&transcript);
  transcript = ep_smtp_transcript_new ();
  for (guint i = 0; i < 10000; i++)
    ep_smtp_transcript_add (transcript, EP_SMTP_TRANSCRIPT_CLIENT, "NOOP");
  g_assert_cmpuint (ep_smtp_transcript_get_n_entries (transcript), ==, 10000);
}

typedef struct {
  GString *smtp;
  GString *sandbox;
} LogCapture;

static GLogWriterOutput
capture_writer (GLogLevelFlags   level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  LogCapture *capture = user_data;
  const char *domain = NULL, *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_str_equal (fields[i].key, "GLIB_DOMAIN"))
        domain = fields[i].value;
      else if (g_str_equal (fields[i].key, "MESSAGE"))
        message = fields[i].value;
    }
  if (level == G_LOG_LEVEL_DEBUG && message != NULL && g_strcmp0 (domain, "Epistle-Smtp") == 0)
    g_string_append_printf (capture->smtp, "%s\n", message);
  else if (level == G_LOG_LEVEL_DEBUG && message != NULL && g_strcmp0 (domain, "Epistle-Sandbox") == 0)
    g_string_append_printf (capture->sandbox, "%s\n", message);
  else if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    return g_log_writer_standard_streams (level, fields, n_fields, NULL);
  return G_LOG_WRITER_HANDLED;
}

/* Each line is logged at debug level in the domain of the side that keeps the transcript. */
static void
test_log_domain (void)
{
  if (g_test_subprocess ())
    {
      LogCapture capture = { g_string_new (NULL), g_string_new (NULL) };
      g_autoptr(EpSmtpTranscript) client = ep_smtp_transcript_new ();
      g_autoptr(EpSmtpTranscript) server = ep_smtp_transcript_new ();

      g_log_set_writer_func (capture_writer, &capture, NULL);
      ep_smtp_transcript_set_log_domain (server, "Epistle-Sandbox");
      ep_smtp_transcript_add (client, EP_SMTP_TRANSCRIPT_CLIENT, "EHLO a");
      ep_smtp_transcript_add (server, EP_SMTP_TRANSCRIPT_CLIENT, "EHLO b");
      ep_smtp_transcript_add (server, EP_SMTP_TRANSCRIPT_SERVER, "250 ok\r\n");
      g_assert_cmpstr (capture.smtp->str, ==, "C: EHLO a\n");
      g_assert_cmpstr (capture.sandbox->str, ==, "C: EHLO b\nS: 250 ok\\x0D\\x0A\n");
      g_string_free (capture.smtp, TRUE);
      g_string_free (capture.sandbox, TRUE);
      return;
    }
  g_test_trap_subprocess (NULL, 10 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static gboolean
has_line (const char *transcript,
          const char *line)
{
  g_autofree char *needle = g_strconcat ("\n", line, "\n", NULL);
  g_autofree char *haystack = g_strconcat ("\n", transcript, NULL);

  return strstr (haystack, needle) != NULL;
}

/* The whole line of @transcript that starts with @prefix, or NULL. */
static char *
line_starting (const char *transcript,
               const char *prefix)
{
  g_auto(GStrv) lines = g_strsplit (transcript, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      return g_strdup (lines[i]);
  return NULL;
}

/* One session, both transcripts: the client's (sent and received) and the Sandbox's (kept with
 * the message) name the same lines the same way, the AUTH line redacted alike, no secret in
 * either. */
static void
test_client_and_sandbox_agree (void)
{
  static const char *rcpts[] = { "bob@example.org", NULL };
  static const char message[] = "From: alice@example.com\r\nTo: bob@example.org\r\n"
                                "Subject: one session\r\n\r\nHello.\r\n";
  g_autoptr(EpSandboxServer) server = ep_sandbox_server_new ();
  g_autoptr(EpSmtpConfig) config = ep_smtp_config_new ();
  g_autoptr(EpSmtpTranscript) transcript = ep_smtp_transcript_new ();
  g_autoptr(GInputStream) raw = g_memory_input_stream_new_from_data (message, -1, NULL);
  g_autoptr(EpSmtpResult) result = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *client_text = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *mail = NULL;
  g_autoptr(GByteArray) raw_plain = g_byte_array_new ();
  const char *password;
  const EpSandboxEntry *entry;
  const char *same[] = {
    "C: STARTTLS",
    "S: 220 2.0.0 Ready to start TLS",
    ("C: AUTH PLAIN " EP_SMTP_TRANSCRIPT_REDACTED),
    "S: 235 2.7.0 Authentication successful",
    "S: 250 2.1.0 Sender OK",
    "C: RCPT TO:<bob@example.org>",
    "S: 250 2.1.5 Recipient OK",
  };

  g_assert_true (ep_sandbox_store_delete_all (&error));
  g_assert_no_error (error);
  g_assert_true (ep_sandbox_server_start (server, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (ep_sandbox_server_configure (server, config, NULL, &error));
  g_assert_no_error (error);
  /* The Sandbox offers AUTH PLAIN LOGIN: PLAIN, with an initial response. */
  config->auth = EP_SMTP_AUTH_PLAIN;
  result = ep_smtp_send_sync (config, NULL, raw, "alice@example.com", rcpts, transcript,
                              NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (result->outcome, ==, EP_SMTP_OUTCOME_DELIVERED);

  entries = ep_sandbox_store_list (&error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 1);
  entry = g_ptr_array_index (entries, 0);
  client_text = ep_smtp_transcript_to_string (transcript);
  g_test_message ("client:\n%s", client_text);
  g_test_message ("Sandbox:\n%s", entry->transcript);

  for (guint i = 0; i < G_N_ELEMENTS (same); i++)
    {
      g_test_message ("both have “%s”", same[i]);
      g_assert_true (has_line (client_text, same[i]));
      g_assert_true (has_line (entry->transcript, same[i]));
    }
  /* The MAIL line, parameters and all, word for word. */
  mail = line_starting (client_text, "C: MAIL FROM:<alice@example.com>");
  g_assert_nonnull (mail);
  g_assert_true (has_line (entry->transcript, mail));

  /* No secret in either: neither the password nor the PLAIN response that carries it. */
  password = ep_sandbox_server_get_password (server);
  g_byte_array_append (raw_plain, (const guint8 *) "\0", 1);
  g_byte_array_append (raw_plain, (const guint8 *) "sandbox", 7);
  g_byte_array_append (raw_plain, (const guint8 *) "\0", 1);
  g_byte_array_append (raw_plain, (const guint8 *) password, strlen (password));
  plain = g_base64_encode (raw_plain->data, raw_plain->len);
  g_assert_null (strstr (client_text, password));
  g_assert_null (strstr (entry->transcript, password));
  g_assert_null (strstr (client_text, plain));
  g_assert_null (strstr (entry->transcript, plain));
  /* Nor the text of the message, only its size. */
  g_assert_null (strstr (client_text, "Hello."));
  g_assert_null (strstr (entry->transcript, "Hello."));

  ep_sandbox_server_stop (server);
}

int
main (int   argc,
      char *argv[])
{
  /* No session bus: the Sandbox's password stays in memory, and nothing is launched. */
  g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/smtp/transcript/format", test_format);
  g_test_add_func ("/smtp/transcript/escaping", test_escaping);
  g_test_add_func ("/smtp/transcript/max-size", test_max_size);
  g_test_add_func ("/smtp/transcript/log-domain", test_log_domain);
  g_test_add_func ("/smtp/transcript/client-and-sandbox-agree", test_client_and_sandbox_agree);

  return g_test_run ();
}
