/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-imap-client.c: the IMAP client against the scripted server (ep-script-server.h): the
 * exact commands, the exact bytes of the upload, and each hostile or refusing server's outcome. */
#include "config.h"

#include <string.h>

#include "ep-imap-client.h"
#include "ep-imap-response.h"

#include "ep-script-server.h"
#include "ep-test-certs.h"

#define USER     "alice@example.org"
#define PASS     "correct horse"
#define TOKEN    "ya29.a0-token"
/* A message with a bare CR, a NUL-free 8-bit octet and a line that starts with a dot: what is
 * uploaded must be these very octets. */
#define MESSAGE  "From: Alice <alice@example.org>\r\n" \
                 "Message-ID: <m1@example.org>\r\n"    \
                 "Subject: copy\r\n"                   \
                 "\r\n"                                \
                 ".dot\r\nbare\rCR \xe9\r\n"
#define MESSAGE_ID "<m1@example.org>"
#define DATE_TIME  "07-Dec-2026 03:05:32 +0000"
#define WAIT_MS    8000

/* PLAIN's initial response for USER/PASS: base64 of "\0alice@example.org\0correct horse". */
#define PLAIN_IR   "AGFsaWNlQGV4YW1wbGUub3JnAGNvcnJlY3QgaG9yc2U="

#define GREETING_TLS  "S: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN LITERAL+ SPECIAL-USE LIST-EXTENDED UIDPLUS] ready\n"
#define AUTH_OK       "C: A1 AUTHENTICATE PLAIN " PLAIN_IR "\n" \
                      "S: A1 OK [CAPABILITY IMAP4rev1 LITERAL+ SPECIAL-USE LIST-EXTENDED UIDPLUS] signed in\n"
#define LIST_SU(tag)  "C: " tag " LIST \"\" \"*\" RETURN (SPECIAL-USE)\n"
#define LOGOUT(tag)   "C: " tag " LOGOUT\n" \
                      "S: * BYE logging out\n" \
                      "S: " tag " OK done\n" \
                      "EOF\n"

typedef struct {
  EpSmtpSecurity security;
  gboolean       no_credentials;
  gboolean       token;
  const char    *message_id;
  const char    *sent_mailbox;
  gsize          size;             /* 0: the message's */
} Options;

typedef struct {
  EpScriptServer   *server;
  EpImapResult     *result;
  GError           *error;
  gboolean          ok;
  char             *transcript;
  GString          *steps;
} Outcome;

static void
outcome_clear (Outcome *o)
{
  g_clear_object (&o->server);
  g_clear_pointer (&o->result, ep_imap_result_free);
  g_clear_error (&o->error);
  g_clear_pointer (&o->transcript, g_free);
  if (o->steps != NULL)
    g_string_free (g_steal_pointer (&o->steps), TRUE);
}

/* "connect+ connect= greeting+ ...": + started, = ok, - skipped, ! failed. */
static void
record_step (EpImapCheckStep   step,
             EpSmtpTestStatus  status,
             const char       *detail,
             gpointer          user_data)
{
  static const char * const names[] = { "connect", "greeting", "tls", "auth", "sent", "logout" };
  static const char marks[] = { '+', '=', '-', '!' };
  GString *out = user_data;

  g_assert_cmpint (step, <, EP_IMAP_CHECK_N_STEPS);
  g_string_append_printf (out, "%s%c ", names[step], marks[status]);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Outcome, outcome_clear)

static void
run (const char    *script,
     const Options *opts,
     Outcome       *o)
{
  g_autoptr(EpImapConfig) config = ep_imap_config_new ();
  g_autoptr(EpSmtpTranscript) transcript = ep_smtp_transcript_new ();
  g_autoptr(GInputStream) message = g_memory_input_stream_new_from_data (MESSAGE, strlen (MESSAGE), NULL);
  g_autoptr(GDateTime) date = g_date_time_new_utc (2026, 12, 7, 3, 5, 32);

  o->server = ep_script_server_new_for_test (script);
  config->host = g_strdup ("127.0.0.1");
  config->port = ep_script_server_get_port (o->server);
  config->security = opts->security;
  config->cafile = ep_test_certs_path ("ca");
  config->timeout_seconds = 2;
  config->sent_mailbox = g_strdup (opts->sent_mailbox);
  if (!opts->no_credentials)
    {
      config->username = g_strdup (USER);
      if (opts->token)
        config->oauth_token = g_strdup (TOKEN);
      else
        config->password = g_strdup (PASS);
    }

  o->ok = ep_imap_upload_sent (config, message, opts->size != 0 ? opts->size : strlen (MESSAGE), date,
                               opts->message_id, transcript, &o->result, NULL, &o->error);
  ep_script_server_assert_done (o->server, WAIT_MS);
  o->transcript = ep_smtp_transcript_to_string (transcript);

  /* Whatever happened, no secret in the transcript. */
  g_assert_null (strstr (o->transcript, PASS));
  g_assert_null (strstr (o->transcript, PLAIN_IR));
  g_assert_null (strstr (o->transcript, TOKEN));
}

static void
assert_uploaded (Outcome *o)
{
  g_autoptr(GBytes) body = NULL;

  g_assert_no_error (o->error);
  g_assert_true (o->ok);
  g_assert_true (o->result->uploaded);
  g_assert_cmpuint (ep_script_server_get_n_bodies (o->server), ==, 1);
  body = ep_script_server_get_body (o->server, 0);
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), MESSAGE, strlen (MESSAGE));
}

/* Implicit TLS, SASL-IR, special-use, LITERAL+, APPENDUID: the whole dialogue, to the byte. */
static void
test_upload_tls (void)
{
  g_auto(Outcome) o = { 0 };
  g_autofree char *script = g_strdup_printf (
    "TLS: good\n"
    GREETING_TLS
    AUTH_OK
    LIST_SU ("A2")
    "S: * LIST (\\\\HasNoChildren) \"/\" INBOX\n"
    "S: * LIST (\\\\HasNoChildren \\\\Sent) \"/\" \"Sent Mail\"\n"
    "S: * LIST (\\\\HasNoChildren) \"/\" Sent\n"
    "S: A2 OK LIST done\n"
    "C: A3 APPEND \"Sent Mail\" (\\\\Seen) \"" DATE_TIME "\" {%zu+}\n"
    "LITERAL\n"
    "S: A3 OK [APPENDUID 38505 3955] APPEND completed\n"
    LOGOUT ("A4"), strlen (MESSAGE));
  Options opts = { .security = EP_SMTP_SECURITY_TLS };

  run (script, &opts, &o);
  assert_uploaded (&o);
  g_assert_cmpstr (o.result->mailbox, ==, "Sent Mail");
  g_assert_cmpuint (o.result->uidvalidity, ==, 38505);
  g_assert_cmpuint (o.result->uid, ==, 3955);
  g_assert_false (o.result->duplicate);
  g_assert_cmpstr (o.result->auth_mechanism, ==, "PLAIN");
  g_assert_nonnull (o.result->tls_info);
  g_assert_true (g_strv_contains ((const char * const *) o.result->capabilities, "UIDPLUS"));
  g_assert_nonnull (strstr (o.transcript, "C: A1 AUTHENTICATE PLAIN [redacted]"));
  g_assert_nonnull (strstr (o.transcript, "S: A3 OK [APPENDUID 38505 3955]"));
}

/* STARTTLS, then a synchronizing literal: not one octet of the message before the "+". */
static void
test_upload_starttls_sync_literal (void)
{
  g_auto(Outcome) o = { 0 };
  g_autofree char *script = g_strdup_printf (
    "S: * OK IMAP4rev1 ready\n"
    "C: A1 CAPABILITY\n"
    "S: * CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\n"
    "S: A1 OK done\n"
    "C: A2 STARTTLS\n"
    "S: A2 OK begin TLS\n"
    "TLS: good\n"
    "C: A3 CAPABILITY\n"
    "S: * CAPABILITY IMAP4rev1 AUTH=PLAIN\n"
    "S: A3 OK done\n"
    "C: A4 AUTHENTICATE PLAIN\n"
    "S: +\n"
    "C: " PLAIN_IR "\n"
    "S: A4 OK signed in\n"
    "C: A5 CAPABILITY\n"
    "S: * CAPABILITY IMAP4rev1\n"
    "S: A5 OK done\n"
    "C: A6 LIST \"\" \"*\"\n"
    "S: * LIST (\\\\HasChildren) \".\" INBOX\n"
    "S: * LIST (\\\\HasNoChildren) \".\" INBOX.Drafts\n"
    "S: * LIST (\\\\HasNoChildren) \".\" INBOX.Sent\n"
    "S: A6 OK done\n"
    "C: A7 APPEND \"INBOX.Sent\" (\\\\Seen) \"" DATE_TIME "\" {%zu}\n"
    "QUIET: 300\n"
    "S: + go ahead\n"
    "LITERAL\n"
    "S: A7 OK stored\n"
    LOGOUT ("A8"), strlen (MESSAGE));
  Options opts = { .security = EP_SMTP_SECURITY_STARTTLS };

  run (script, &opts, &o);
  assert_uploaded (&o);
  g_assert_cmpstr (o.result->mailbox, ==, "INBOX.Sent");
  g_assert_cmpuint (o.result->uid, ==, 0);
  /* The SASL exchange is redacted both ways. */
  g_assert_nonnull (strstr (o.transcript, "S: + [redacted]"));
  g_assert_nonnull (strstr (o.transcript, "C: [redacted]"));
}

/* LITERAL- (RFC 7888): non-synchronizing up to 4096 octets only. */
static void
test_literal_minus (void)
{
  for (guint big = 0; big <= 1; big++)
    {
      g_auto(Outcome) o = { 0 };
      gsize size = big ? EP_IMAP_LITERAL_MINUS_MAX + 1 : strlen (MESSAGE);
      g_autofree char *script = g_strdup_printf (
        "TLS: good\n"
        "S: * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR LITERAL-] ready\n"
        "C: A1 AUTHENTICATE PLAIN " PLAIN_IR "\n"
        "S: A1 OK [CAPABILITY IMAP4rev1 LITERAL-] signed in\n"
        "C: A2 LIST \"\" \"*\"\n"
        "S: * LIST (\\\\Sent) \"/\" Sent\n"
        "S: A2 OK done\n"
        "C: A3 APPEND \"Sent\" (\\\\Seen) \"" DATE_TIME "\" {%zu%s}\n"
        "%s"
        "S: A3 NO [TOOBIG] not this one\n"
        "EOF\n", size, big ? "" : "+", big ? "" : "LITERAL\n");
      Options opts = { .security = EP_SMTP_SECURITY_TLS, .size = size };

      /* The big case is refused before its "+": the client must not send the message. */
      run (script, &opts, &o);
      g_assert_error (o.error, EP_IMAP_ERROR, EP_IMAP_ERROR_MESSAGE_TOO_BIG);
      g_assert_false (ep_imap_error_is_temporary (o.error));
      g_assert_cmpuint (ep_script_server_get_n_bodies (o.server), ==, big ? 0 : 1);
    }
}

/* A server (or a man in the middle) that does not offer STARTTLS: no sign-in in the clear, no
 * mailbox named, the connection closed. */
static void
test_starttls_stripped (void)
{
  g_auto(Outcome) o = { 0 };
  const char *script =
    "S: * OK IMAP4rev1 ready\n"
    "C: A1 CAPABILITY\n"
    "S: * CAPABILITY IMAP4rev1 AUTH=PLAIN\n"
    "S: A1 OK done\n"
    "EOF\n";
  Options opts = { .security = EP_SMTP_SECURITY_STARTTLS };

  run (script, &opts, &o);
  g_assert_error (o.error, EP_IMAP_ERROR, EP_IMAP_ERROR_STARTTLS_UNAVAILABLE);
  g_assert_false (o.ok);
  g_assert_false (ep_script_server_received_contains (o.server, "AUTHENTICATE"));
  g_assert_false (ep_script_server_received_contains (o.server, "LOGIN"));
}

/* PREAUTH before STARTTLS: the connection would stay in the clear for good. */
static void
test_starttls_preauth (void)
{
  g_auto(Outcome) o = { 0 };
  const char *script =
    "S: * PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] welcome\n"
    "EOF\n";
  Options opts = { .security = EP_SMTP_SECURITY_STARTTLS };

  run (script, &opts, &o);
  g_assert_error (o.error, EP_IMAP_ERROR, EP_IMAP_ERROR_STARTTLS_UNAVAILABLE);
}

/* A STARTTLS refused with NO: never continue in plain. */
static void
test_starttls_refused (void)
{
  g_auto(Outcome) o = { 0 };
  const char *script =
    "S: * OK [CAPABILITY IMAP4rev1 STARTTLS] ready\n"
    "C: A1 CAPABILITY\n"
    "S: * CAPABILITY IMAP4rev1 STARTTLS\n"
    "S: A1 OK done\n"
    "C: A2 STARTTLS\n"
    "S: A2 NO not today\n"
    "EOF\n";
  Options opts = { .security = EP_SMTP_SECURITY_STARTTLS };

  run (script, &opts, &o);
  g_assert_error (o.error, EP_IMAP_ERROR, EP_IMAP_ERROR_STARTTLS_UNAVAILABLE);
  g_assert_nonnull (strstr (o.error->message, "not today"));
}

/* Lines injected after the OK to STARTTLS, in the same segment: refused, no handshake. */
static void
test_starttls_injection (void)
{
  g_auto(Outcome) o = { 0 };
  const char *script =
    "S: * OK IMAP4rev1 ready\n"
    "C: A1 CAPABILITY\n"
    "S: * CAPABILITY IMAP4rev1 STARTTLS\n"
    "S: A1 OK done\n"
    "C: A2 STARTTLS\n"
    "S! A2 OK begin TLS\\r\\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\\r\\n\n"
    "EOF\n";
  Options opts = { .security = EP_SMTP_SECURITY_STARTTLS };

  run (script, &opts, &o);
  g_assert_error (o.error, EP_IMAP_ERROR, EP_IMAP_ERROR_INJECTION);
}

/* Credentials with no encryption: refused before connecting (a listener that would count a
 * connection shows that none was made). */
static void
test_login_plain_refused (void)
{
  g_autoptr(EpImapConfig) config = ep_imap_config_new ();
  g_autoptr(GInputStream) message = g_memory_input_stream_new_from_data (MESSAGE, strlen (MESSAGE), NULL);
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(EpImapResult) result = NULL;
  guint16 port;

  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  config->host = g_strdup ("127.0.0.1");
  config->port = port;
  config->security = EP_SMTP_SECURITY_NONE;
  config->username = g_strdup (USER);
  config->password = g_strdup (PASS);

  g_assert_false (ep_imap_upload_sent (config, message, strlen (MESSAGE), NULL, NULL, NULL, &result, NULL, &error));
  g_assert_error (error, EP_IMAP_ERROR, EP_IMAP_ERROR_CLEARTEXT_AUTH);
  g_clear_error (&error);
  g_assert_false (ep_imap_check (config, NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, EP_IMAP_ERROR, EP_IMAP_ERROR_CLEARTEXT_AUTH);
}

/* LOGINDISABLED and no AUTH= mechanism: nothing to sign in with, and no LOGIN tried. */
static void
test_login_disabled (void)
{
  g_auto(Outcome) o = { 0 };
  const char *script =
    "TLS: good\n"
    "S: * OK [CAPABILITY IMAP4rev1 LOGINDISABLED] ready\n"
    "EOF\n";
  Options opts = { .security = EP_SMTP_SECURITY_TLS };

  run (script, &opts, &o);
  g_assert_error (o.error, EP_IMAP_ERROR, EP_IMAP_ERROR_AUTH_UNSUPPORTED);
}

/* The LOGIN command, when no SASL mechanism fits: the password is quoted and redacted. */
static void
test_login_command (void)
{
  g_auto(Outcome) o = { 0 };
  g_autofree char *script = g_strdup_printf (
    "TLS: good\n"
    "S: * OK [CAPABILITY IMAP4rev1] ready\n"
    "C: A1 LOGIN \"" USER "\" \"" PASS "\"\n"
    "S: A1 NO [AUTHENTICATIONFAILED] wrong\n"
    "EOF\n");
  Options opts = { .security = EP_SMTP_SECURITY_TLS };

  run (script, &opts, &o);
  g_assert_error (o.error, EP_IMAP_ERROR, EP_IMAP_ERROR_AUTH_FAILED);
  g_assert_nonnull (strstr (o.transcript, "C: A1 LOGIN \"" USER "\" [redacted]"));
}

/* XOAUTH2 with a token and its failure challenge (answered with an empty line). */
static void
test_xoauth2_failure (void)
{
  g_auto(Outcome) o = { 0 };
  g_autofree char *ir = g_base64_encode ((const guchar *) "user=" USER "\001auth=Bearer " TOKEN "\001\001",
                                         strlen ("user=" USER "\001auth=Bearer " TOKEN "\001\001"));
  g_autofree char *json = g_base64_encode ((const guchar *) "{\"status\":\"401\"}", 16);
  g_autofree char *script = g_strdup_printf (
    "TLS: good\n"
    "S: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=XOAUTH2 AUTH=PLAIN] ready\n"
    "C: A1 AUTHENTICATE XOAUTH2 %s\n"
    "S: + %s\n"
    "C: \n"
    "S: A1 NO [AUTHENTICATIONFAILED] Invalid credentials\n"
    "EOF\n", ir, json);
  Options opts = { .security = EP_SMTP_SECURITY_TLS, .token = TRUE };

  run (script, &opts, &o);
  g_assert_error (o.error, EP_IMAP_ERROR, EP_IMAP_ERROR_AUTH_FAILED);
  g_assert_null (strstr (o.transcript, ir));
}

static void
run_hostile_greeting (const char *greeting)
{
  g_auto(Outcome) o = { 0 };
  g_autofree char *script = g_strdup_printf ("TLS: good\n%sEOF\n", greeting);
  Options opts = { .security = EP_SMTP_SECURITY_TLS };

  run (script, &opts, &o);
  g_assert_error (o.error, EP_IMAP_ERROR, EP_IMAP_ERROR_PROTOCOL);
}

/* A literal beyond EP_IMAP_LITERAL_MAX is refused when announced; a line beyond
 * EP_IMAP_LINE_MAX when it gets there. */
static void
test_hostile_sizes (void)
{
  g_autofree char *huge_literal = g_strdup_printf ("S: * OK {%d}\n", EP_IMAP_LITERAL_MAX + 1);
  g_autofree char *line = g_strnfill (EP_IMAP_LINE_MAX, 'x');
  g_autofree char *long_line = g_strdup_printf ("S: * OK %s\n", line);

  run_hostile_greeting (huge_literal);
  run_hostile_greeting (long_line);
  run_hostile_greeting ("S: A1 OK not a greeting\n");
}

/* A greeting dripped a byte at a time: the whole response gets the timeout, not each byte. */
static void
test_drip_timeout (void)
{
  g_auto(Outcome) o = { 0 };
  const char *script =
    "TLS: good\n"
    "DRIP 300: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\n"
    "DRAIN\n";
  Options opts = { .security = EP_SMTP_SECURITY_TLS };
  gint64 start = g_get_monotonic_time ();

  run (script, &opts, &o);
  g_assert_error (o.error, EP_IMAP_ERROR, EP_IMAP_ERROR_TIMEOUT);
  g_assert_true (ep_imap_error_is_temporary (o.error));
  /* 2 s of timeout; the drip alone would take about 15 s. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 8 * G_USEC_PER_SEC);
}

/* BYE after the APPEND line, before the "+": nothing was sent; temporary, no doubt. */
static void
test_bye_before_literal (void)
{
  g_auto(Outcome) o = { 0 };
  g_autofree char *script = g_strdup_printf (
    "TLS: good\n"
    "S: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\n"
    "C: A1 AUTHENTICATE PLAIN " PLAIN_IR "\n"
    "S: A1 OK [CAPABILITY IMAP4rev1] signed in\n"
    "C: A2 APPEND \"Sent\" (\\\\Seen) \"" DATE_TIME "\" {%zu}\n"
    "S: * BYE server shutting down\n"
    "CLOSE\n", strlen (MESSAGE));
  Options opts = { .security = EP_SMTP_SECURITY_TLS, .sent_mailbox = "Sent" };

  run (script, &opts, &o);
  g_assert_error (o.error, EP_IMAP_ERROR, EP_IMAP_ERROR_SERVICE_UNAVAILABLE);
  g_assert_true (ep_imap_error_is_temporary (o.error));
  g_assert_nonnull (strstr (o.error->message, "server shutting down"));
  g_assert_cmpuint (ep_script_server_get_n_bodies (o.server), ==, 0);
}

/* BYE once the whole message is there: it may be stored, so the retry must look first. */
static void
test_bye_after_literal (void)
{
  g_auto(Outcome) o = { 0 };
  g_autofree char *script = g_strdup_printf (
    "TLS: good\n"
    "S: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN LITERAL+] ready\n"
    "C: A1 AUTHENTICATE PLAIN " PLAIN_IR "\n"
    "S: A1 OK [CAPABILITY IMAP4rev1 LITERAL+] signed in\n"
    "C: A2 APPEND \"Sent\" (\\\\Seen) \"" DATE_TIME "\" {%zu+}\n"
    "LITERAL\n"
    "S: * BYE server shutting down\n"
    "CLOSE\n", strlen (MESSAGE));
  Options opts = { .security = EP_SMTP_SECURITY_TLS, .sent_mailbox = "Sent" };

  run (script, &opts, &o);
  g_assert_error (o.error, EP_IMAP_ERROR, EP_IMAP_ERROR_UPLOAD_UNKNOWN);
  g_assert_true (ep_imap_error_is_temporary (o.error));
}

/* The retry after that: the copy is found by its Message-ID and not uploaded again. */
static void
test_retry_finds_duplicate (void)
{
  g_auto(Outcome) o = { 0 };
  const char *script =
    "TLS: good\n"
    "S: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\n"
    "C: A1 AUTHENTICATE PLAIN " PLAIN_IR "\n"
    "S: A1 OK [CAPABILITY IMAP4rev1] signed in\n"
    "C: A2 EXAMINE \"Sent\"\n"
    "S: * 3 EXISTS\n"
    "S: * OK [UIDVALIDITY 1234] UIDs valid\n"
    "S: A2 OK [READ-ONLY] done\n"
    "C: A3 UID SEARCH HEADER Message-ID \"" MESSAGE_ID "\"\n"
    "S: * SEARCH 17\n"
    "S: A3 OK done\n"
    LOGOUT ("A4");
  Options opts = { .security = EP_SMTP_SECURITY_TLS, .sent_mailbox = "Sent", .message_id = MESSAGE_ID };

  run (script, &opts, &o);
  g_assert_no_error (o.error);
  g_assert_true (o.result->duplicate);
  g_assert_false (o.result->uploaded);
  g_assert_cmpuint (o.result->uid, ==, 17);
  g_assert_cmpuint (o.result->uidvalidity, ==, 1234);
  g_assert_cmpuint (ep_script_server_get_n_bodies (o.server), ==, 0);
}

/* ...and when the first try did not get there, the retry uploads. */
static void
test_retry_uploads (void)
{
  g_auto(Outcome) o = { 0 };
  g_autofree char *script = g_strdup_printf (
    "TLS: good\n"
    "S: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN LITERAL+] ready\n"
    "C: A1 AUTHENTICATE PLAIN " PLAIN_IR "\n"
    "S: A1 OK [CAPABILITY IMAP4rev1 LITERAL+] signed in\n"
    "C: A2 EXAMINE \"Sent\"\n"
    "S: A2 OK [READ-ONLY] done\n"
    "C: A3 UID SEARCH HEADER Message-ID \"" MESSAGE_ID "\"\n"
    "S: * SEARCH\n"
    "S: A3 OK done\n"
    "C: A4 APPEND \"Sent\" (\\\\Seen) \"" DATE_TIME "\" {%zu+}\n"
    "LITERAL\n"
    "S: A4 OK done\n"
    LOGOUT ("A5"), strlen (MESSAGE));
  Options opts = { .security = EP_SMTP_SECURITY_TLS, .sent_mailbox = "Sent", .message_id = MESSAGE_ID };

  run (script, &opts, &o);
  assert_uploaded (&o);
  g_assert_false (o.result->duplicate);
}

/* Tagged NO and BAD: the server's words, the right code. */
static void
test_refusals (void)
{
  {
    g_auto(Outcome) o = { 0 };
    g_autofree char *script = g_strdup_printf (
      "TLS: good\n"
      "S: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN LITERAL+] ready\n"
      "C: A1 AUTHENTICATE PLAIN " PLAIN_IR "\n"
      "S: A1 OK [CAPABILITY IMAP4rev1 LITERAL+] signed in\n"
      "C: A2 APPEND \"Sent\" (\\\\Seen) \"" DATE_TIME "\" {%zu+}\n"
      "LITERAL\n"
      "S: A2 NO [OVERQUOTA] Mailbox is full\n"
      "EOF\n", strlen (MESSAGE));
    Options opts = { .security = EP_SMTP_SECURITY_TLS, .sent_mailbox = "Sent" };

    run (script, &opts, &o);
    g_assert_error (o.error, EP_IMAP_ERROR, EP_IMAP_ERROR_OVER_QUOTA);
    g_assert_nonnull (strstr (o.error->message, "Mailbox is full"));
  }
  {
    g_auto(Outcome) o = { 0 };
    const char *script =
      "TLS: good\n"
      "S: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\n"
      "C: A1 AUTHENTICATE PLAIN " PLAIN_IR "\n"
      "S: A1 OK [CAPABILITY IMAP4rev1] signed in\n"
      "C: A2 LIST \"\" \"*\"\n"
      "S: A2 BAD unknown command\n"
      "EOF\n";
    Options opts = { .security = EP_SMTP_SECURITY_TLS };

    run (script, &opts, &o);
    g_assert_error (o.error, EP_IMAP_ERROR, EP_IMAP_ERROR_REFUSED);
    g_assert_nonnull (strstr (o.error->message, "BAD unknown command"));
  }
  {
    g_auto(Outcome) o = { 0 };
    const char *script =
      "TLS: good\n"
      "S: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\n"
      "C: A1 AUTHENTICATE PLAIN " PLAIN_IR "\n"
      "S: A1 NO [UNAVAILABLE] try later\n"
      "EOF\n";
    Options opts = { .security = EP_SMTP_SECURITY_TLS };

    run (script, &opts, &o);
    g_assert_error (o.error, EP_IMAP_ERROR, EP_IMAP_ERROR_AUTH_TEMPORARY);
    g_assert_true (ep_imap_error_is_temporary (o.error));
  }
}

static void
run_list (const char *caps,
          const char *list_command,
          const char *list_lines,
          Outcome    *o)
{
  g_autofree char *script = g_strdup_printf (
    "TLS: good\n"
    "S: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN %s] ready\n"
    "C: A1 AUTHENTICATE PLAIN " PLAIN_IR "\n"
    "S: A1 OK [CAPABILITY IMAP4rev1 %s] signed in\n"
    "C: A2 %s\n"
    "%s"
    "S: A2 OK done\n"
    "C? A3 LOGOUT\n"
    "S: A3 OK bye\n"
    "EOF\n", caps, caps, list_command, list_lines);
  g_autoptr(EpImapConfig) config = ep_imap_config_new ();

  o->server = ep_script_server_new_for_test (script);
  config->host = g_strdup ("127.0.0.1");
  config->port = ep_script_server_get_port (o->server);
  config->security = EP_SMTP_SECURITY_TLS;
  config->cafile = ep_test_certs_path ("ca");
  config->timeout_seconds = 2;
  config->username = g_strdup (USER);
  config->password = g_strdup (PASS);
  o->steps = g_string_new (NULL);
  o->ok = ep_imap_check (config, NULL, record_step, o->steps, &o->result, NULL, &o->error);
  ep_script_server_assert_done (o->server, WAIT_MS);
}

/* Finding the Sent folder: \Sent (asked for with SPECIAL-USE, or in a plain LIST), the usual
 * names, and several candidates left to the person. */
static void
test_sent_folder (void)
{
  {
    g_auto(Outcome) o = { 0 };

    run_list ("SPECIAL-USE LIST-EXTENDED", "LIST \"\" \"*\" RETURN (SPECIAL-USE)",
              "S: * LIST () \"/\" Sent\n"
              "S: * LIST (\\\\Sent) \"/\" \"Gesendete Objekte\"\n", &o);
    g_assert_no_error (o.error);
    g_assert_cmpstr (o.result->mailbox, ==, "Gesendete Objekte");
    g_assert_cmpstr (o.steps->str, ==, "connect+ connect= tls+ tls= greeting+ greeting= auth+ auth= "
                                       "sent+ sent= logout+ logout= ");
  }
  {
    g_auto(Outcome) o = { 0 };

    /* No SPECIAL-USE: a plain LIST; \Sent still counts, else the usual names. */
    run_list ("", "LIST \"\" \"*\"",
              "S: * LIST () \"/\" INBOX\n"
              "S: * LIST (\\\\Noselect) \"/\" Sent\n"
              "S: * LIST () \"/\" \"Sent Items\"\n", &o);
    g_assert_no_error (o.error);
    g_assert_cmpstr (o.result->mailbox, ==, "Sent Items");
  }
  {
    g_auto(Outcome) o = { 0 };
    const char * const expected[] = { "Sent", "INBOX.Sent", NULL };

    run_list ("", "LIST \"\" \"*\"",
              "S: * LIST () \".\" INBOX\n"
              "S: * LIST () \".\" Sent\n"
              "S: * LIST () \".\" INBOX.Sent\n", &o);
    g_assert_error (o.error, EP_IMAP_ERROR, EP_IMAP_ERROR_SENT_FOLDER_AMBIGUOUS);
    g_assert_false (ep_imap_error_is_temporary (o.error));
    g_assert_true (g_str_has_suffix (o.steps->str, "sent+ sent! "));
    g_assert_true (g_strv_equal ((const char * const *) o.result->candidates, expected));
  }
  {
    g_auto(Outcome) o = { 0 };

    run_list ("SPECIAL-USE LIST-EXTENDED", "LIST \"\" \"*\" RETURN (SPECIAL-USE)",
              "S: * LIST (\\\\Sent) \"/\" Sent\n"
              "S: * LIST (\\\\Sent) \"/\" {13}\n"
              "S: Sent Messages\n"
              "S: * LIST (\\\\Sent) \"/\" Envoy&AOk-s\n", &o);
    g_assert_error (o.error, EP_IMAP_ERROR, EP_IMAP_ERROR_SENT_FOLDER_AMBIGUOUS);
    /* The person reads the names decoded; the result keeps them as the server spells them. */
    g_assert_nonnull (strstr (o.error->message, "“Envoy\xc3\xa9s”"));
    g_assert_cmpstr (o.result->candidates[2], ==, "Envoy&AOk-s");
    g_assert_cmpuint (g_strv_length (o.result->candidates), ==, 3);
    g_assert_cmpstr (o.result->candidates[1], ==, "Sent Messages");
  }
  {
    g_auto(Outcome) o = { 0 };

    run_list ("", "LIST \"\" \"*\"", "S: * LIST () \"/\" INBOX\n", &o);
    g_assert_error (o.error, EP_IMAP_ERROR, EP_IMAP_ERROR_NO_SENT_FOLDER);
  }
}

/* A stream shorter than the size given: the upload is cut, nothing is stored. */
static void
test_size_mismatch (void)
{
  g_auto(Outcome) o = { 0 };
  g_autofree char *script = g_strdup_printf (
    "TLS: good\n"
    "S: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN LITERAL+] ready\n"
    "C: A1 AUTHENTICATE PLAIN " PLAIN_IR "\n"
    "S: A1 OK [CAPABILITY IMAP4rev1 LITERAL+] signed in\n"
    "C: A2 APPEND \"Sent\" (\\\\Seen) \"" DATE_TIME "\" {%zu+}\n"
    "DRAIN\n", strlen (MESSAGE) + 10);
  Options opts = { .security = EP_SMTP_SECURITY_TLS, .sent_mailbox = "Sent", .size = strlen (MESSAGE) + 10 };

  run (script, &opts, &o);
  g_assert_error (o.error, EP_IMAP_ERROR, EP_IMAP_ERROR_INVALID_CONFIG);
}

static void
test_date_format (void)
{
  g_autoptr(GTimeZone) zone = g_time_zone_new_offset (-(4 * 3600 + 30 * 60));
  g_autoptr(GDateTime) date = g_date_time_new (zone, 2027, 3, 1, 23, 59, 7);
  g_autofree char *text = ep_imap_format_date_time (date);

  g_assert_cmpstr (text, ==, "01-Mar-2027 23:59:07 -0430");
}

static gboolean
cancel_cb (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

typedef struct {
  EpScriptServer *server;
  GCancellable   *cancellable;
  gint64          cancelled_at;
} CancelLater;

/* Cancels once the server has finished the TLS handshake and fallen silent (a fixed delay could
 * land inside a handshake slowed by sanitizers), a little later. */
static gpointer
cancel_later (gpointer data)
{
  CancelLater *c = data;
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (ep_script_server_get_n_steps_done (c->server) < 1 && g_get_monotonic_time () < deadline)
    g_usleep (10 * 1000);
  g_usleep (200 * 1000);
  c->cancelled_at = g_get_monotonic_time ();
  cancel_cb (c->cancellable);
  return NULL;
}

/* Cancel while the server is silent: G_IO_ERROR_CANCELLED as it is, at once, nothing sent. */
static void
test_cancel (void)
{
  g_autoptr(EpScriptServer) server = ep_script_server_new_for_test ("TLS: good\n"
                                                                    "STALL: 5000\n"
                                                                    "EOF\n");
  g_autoptr(EpImapConfig) config = ep_imap_config_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GThread) thread = NULL;
  CancelLater later = { server, cancellable, 0 };
  gint64 end;

  config->host = g_strdup ("127.0.0.1");
  config->port = ep_script_server_get_port (server);
  config->security = EP_SMTP_SECURITY_TLS;
  config->cafile = ep_test_certs_path ("ca");
  config->timeout_seconds = 10;
  config->username = g_strdup (USER);
  config->password = g_strdup (PASS);

  thread = g_thread_new ("cancel", cancel_later, &later);
  g_assert_false (ep_imap_check (config, NULL, NULL, NULL, NULL, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* At once after the cancel, not after the server's 5 s of silence or the 10 s timeout. */
  end = g_get_monotonic_time ();
  g_thread_join (g_steal_pointer (&thread));
  g_assert_cmpint (later.cancelled_at, >, 0);
  g_assert_cmpint (end - later.cancelled_at, <, 2 * G_USEC_PER_SEC);
  ep_script_server_assert_done (server, WAIT_MS);
}

static void
test_display_name (void)
{
  static const struct { const char *wire; const char *shown; } cases[] = {
    { "Sent", "Sent" },
    { "Envoy&AOk-s", "Envoy\xc3\xa9s" },
    { "&ZeVnLIqe-", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e" },
    { "Tom &- Jerry", "Tom & Jerry" },
    { "INBOX/&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-", "INBOX/\xd0\x9e\xd1\x82\xd0\xbf\xd1\x80\xd0\xb0\xd0\xb2\xd0\xbb\xd0\xb5\xd0\xbd\xd0\xbd\xd1\x8b\xd0\xb5" },
    /* Not modified UTF-7: shown as sent. */
    { "&AOk", "&AOk" },
    { "&-&", "&-&" },
    { "&AOkA-", "&AOkA-" },
    { "&A*k-", "&A*k-" },
    { "&-", "&" },
    /* A decoded control character would hide what the name is. */
    { "&AAo-", "&AAo-" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *shown = ep_imap_mailbox_dup_display_name (cases[i].wire);

      g_assert_cmpstr (shown, ==, cases[i].shown);
    }
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  ep_test_certs_share ();

  g_test_add_func ("/imap-client/upload/tls", test_upload_tls);
  g_test_add_func ("/imap-client/upload/starttls-sync-literal", test_upload_starttls_sync_literal);
  g_test_add_func ("/imap-client/upload/literal-minus", test_literal_minus);
  g_test_add_func ("/imap-client/upload/size-mismatch", test_size_mismatch);
  g_test_add_func ("/imap-client/starttls/stripped", test_starttls_stripped);
  g_test_add_func ("/imap-client/starttls/preauth", test_starttls_preauth);
  g_test_add_func ("/imap-client/starttls/refused", test_starttls_refused);
  g_test_add_func ("/imap-client/starttls/injection", test_starttls_injection);
  g_test_add_func ("/imap-client/auth/plain-connection", test_login_plain_refused);
  g_test_add_func ("/imap-client/auth/login-disabled", test_login_disabled);
  g_test_add_func ("/imap-client/auth/login-command", test_login_command);
  g_test_add_func ("/imap-client/auth/xoauth2-failure", test_xoauth2_failure);
  g_test_add_func ("/imap-client/hostile/sizes", test_hostile_sizes);
  g_test_add_func ("/imap-client/hostile/drip-timeout", test_drip_timeout);
  g_test_add_func ("/imap-client/bye/before-literal", test_bye_before_literal);
  g_test_add_func ("/imap-client/bye/after-literal", test_bye_after_literal);
  g_test_add_func ("/imap-client/retry/duplicate", test_retry_finds_duplicate);
  g_test_add_func ("/imap-client/retry/uploads", test_retry_uploads);
  g_test_add_func ("/imap-client/refusals", test_refusals);
  g_test_add_func ("/imap-client/sent-folder", test_sent_folder);
  g_test_add_func ("/imap-client/date-format", test_date_format);
  g_test_add_func ("/imap-client/display-name", test_display_name);
  g_test_add_func ("/imap-client/cancel", test_cancel);

  status = g_test_run ();
  ep_test_certs_cleanup ();
  return status;
}
