/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-smtp-gauntlet.c: the SMTP engine against a scripted hostile server: every case asserts
 * the exact bytes the client sent and the outcome. */

#include "config.h"

#include <string.h>
#include <unistd.h>
#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "ep-address.h"
#include "ep-message.h"
#include "ep-mime-writer.h"
#include "ep-smtp.h"
#include "ep-smtp-sasl.h"

#include "ep-script-server.h"
#include "ep-smtp-scripts.h"
#include "ep-test-certs.h"
#include "ep-test-util.h"

/*
 * Conventions
 *
 * Scripts are templates: {SIZE} (octets of the default message), {PLAIN}, {USER64}, {PASS64},
 * {XOAUTH2} and {OAUTHBEARER} (the base64 AUTH payloads of the default account) are filled in.
 *
 * Each case checks: the script ran to its end (every client line was exactly the expected one,
 * and after the last one the client closed without sending anything else); the client's bytes,
 * all of them, against the bytes derived from the script (or an explicit string); the error
 * code and the outcome.
 *
 * Timeouts: the engine gives a whole reply one timeout (EpSmtpConnection: a drip-feed does not
 * extend it). So a drip-feed that completes within the timeout succeeds, one that takes longer
 * fails with EP_SMTP_ERROR_TIMEOUT even if every byte came quickly. Cases use 2 s (1 s where a
 * timeout is the point), so the whole binary stays well under a minute.
 */

#define USER         "alice@example.org"
#define PASS         "correct horse"
#define TOKEN        "ya29.a0-token"
#define SENDER       "alice@example.org"
#define RECIPIENT    "bob@example.net"
#define RAW_MESSAGE  "From: Alice <alice@example.org>\r\n" \
                     "To: bob@example.net\r\n"              \
                     "Subject: gauntlet\r\n"                \
                     "\r\n"                                 \
                     "Hello, world.\r\n"

#define WAIT_MS          8000
#define DEFAULT_TIMEOUT  2

/* Script fragments of an ordinary submission with STARTTLS, AUTH PLAIN and PIPELINING (the
 * greeting and QUIT are the shared ones of ep-smtp-scripts.h). */
#define GREETING        EP_SCRIPT_GREETING_READY
#define C_EHLO          "C: EHLO [127.0.0.1]\n"
#define EHLO_STARTTLS   "S: 250-mx.test greets [127.0.0.1]\n" \
                        "S: 250-PIPELINING\n"                 \
                        "S: 250-SIZE 10485760\n"              \
                        "S: 250 STARTTLS\n"
#define STARTTLS_OK     "C: STARTTLS\n" \
                        "S: 220 2.0.0 Ready to start TLS\n" \
                        "TLS: good\n"
#define EHLO_TLS        "S: 250-mx.test greets [127.0.0.1]\n" \
                        "S: 250-PIPELINING\n"                 \
                        "S: 250-SIZE 10485760\n"              \
                        "S: 250 AUTH PLAIN LOGIN\n"
#define TO_AUTH         GREETING C_EHLO EHLO_STARTTLS STARTTLS_OK C_EHLO EHLO_TLS
#define AUTH_PLAIN_OK   "C: AUTH PLAIN {PLAIN}\n" \
                        "S: 235 2.7.0 Authentication successful\n"
#define TO_MAIL         TO_AUTH AUTH_PLAIN_OK
#define ENVELOPE        "C: MAIL FROM:<alice@example.org> SIZE={SIZE}\n" \
                        "C: RCPT TO:<bob@example.net>\n"                 \
                        "C: DATA\n"
#define ENVELOPE_OK     ENVELOPE                 \
                        "S: 250 2.1.0 Sender ok\n" \
                        "S: 250 2.1.5 Recipient ok\n" \
                        "S: 354 End data with <CR><LF>.<CR><LF>\n"
#define BODY_OK         "DATA\n" \
                        "S: 250 2.0.0 Ok: queued as 4711\n"
#define QUIT_OK         EP_SCRIPT_QUIT_EOF
#define FULL_SESSION    TO_MAIL ENVELOPE_OK BODY_OK QUIT_OK

/* Plain (security "none") and implicit TLS openings. */
#define PLAIN_OPENING   GREETING C_EHLO \
                        "S: 250-mx.test\n" \
                        "S: 250-PIPELINING\n" \
                        "S: 250 SIZE 10485760\n"

typedef struct
{
  const char          *security;      /* "tls", "none"; NULL: STARTTLS */
  gboolean             anonymous;     /* no credentials at all */
  const char          *user;          /* default USER */
  const char          *password;      /* default PASS */
  const char          *token;
  EpSmtpAuthMechanism  auth;
  guint                timeout;       /* default DEFAULT_TIMEOUT */
  gboolean             allow_partial;
  const char          *raw;           /* default RAW_MESSAGE */
  gsize                raw_len;       /* 0: strlen (raw) */
  const char * const  *rcpts;         /* default { RECIPIENT } */
  const char          *host;          /* default 127.0.0.1 */
  const char          *pinned;
  gboolean             no_cafile;
  const char          *ehlo_name;
  EpMessage           *message;       /* instead of the raw message */
  gboolean             raw_pipe;      /* the raw message through a pipe: it cannot be read twice */
  GCancellable        *cancellable;
  EpSmtpDataEndFunc    before_data_end;
  gpointer             before_data_end_data;
  GDateTime           *hold_until;
  EpSmtpDsnNotify      dsn_notify;
  EpSmtpDsnRet         dsn_ret;
  const char          *dsn_envid;
  EpSmtpRequireTls     require_tls;
  gboolean             raw_needs_8bitmime;
} Options;

typedef struct
{
  EpSmtpStage stage;
  guint64     sent;
  guint64     total;
} ProgressEvent;

typedef struct
{
  EpScriptServer   *server;
  GArray           *progress;        /* ProgressEvent */
  EpSmtpResult     *result;
  EpSmtpTranscript *transcript;
  GError           *error;
  GError           *server_error;
  gint64            elapsed_us;
  char             *script;          /* expanded */
} Run;

static const Options defaults = { NULL };

/* --- templates ------------------------------------------------------------------------------ */

static char *
b64_of (const char *data,
        gsize       len)
{
  return g_base64_encode ((const guchar *) data, len);
}

static char *
expand (const char *template)
{
  g_autofree char *size = g_strdup_printf ("%" G_GSIZE_FORMAT, strlen (RAW_MESSAGE));
  g_autofree char *plain = b64_of ("\0" USER "\0" PASS, strlen (USER) + strlen (PASS) + 2);
  g_autofree char *user64 = b64_of (USER, strlen (USER));
  g_autofree char *pass64 = b64_of (PASS, strlen (PASS));
  g_autofree char *xoauth2 = NULL;
  g_autofree char *oauthbearer = NULL;
  const char *keys[] = { "{SIZE}", "{PLAIN}", "{USER64}", "{PASS64}", "{XOAUTH2}", "{OAUTHBEARER}" };
  const char *values[G_N_ELEMENTS (keys)];
  GString *out = g_string_new (template);

  {
    g_autofree char *x = g_strdup_printf ("user=%s\001auth=Bearer %s\001\001", USER, TOKEN);
    g_autofree char *o = g_strdup_printf ("n,a=%s,\001auth=Bearer %s\001\001", USER, TOKEN);
    xoauth2 = b64_of (x, strlen (x));
    oauthbearer = b64_of (o, strlen (o));
  }

  values[0] = size;
  values[1] = plain;
  values[2] = user64;
  values[3] = pass64;
  values[4] = xoauth2;
  values[5] = oauthbearer;

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_string_replace (out, keys[i], values[i], 0);

  return g_string_free (out, FALSE);
}

/* --- running a case ------------------------------------------------------------------------- */

static EpScriptServer *
server_for (const char *template)
{
  g_autofree char *script = expand (template);

  return ep_script_server_new_for_test (script);
}

static EpSmtpConfig *
config_for (const Options *opts,
            guint16        port)
{
  EpSmtpConfig *config = ep_smtp_config_new ();

  config->host = g_strdup (opts->host != NULL ? opts->host : "127.0.0.1");
  config->port = port;
  if (opts->security != NULL)
    g_assert_true (ep_smtp_security_from_string (opts->security, &config->security));
  else
    config->security = EP_SMTP_SECURITY_STARTTLS;
  if (!opts->anonymous)
    {
      config->username = g_strdup (opts->user != NULL ? opts->user : USER);
      if (opts->token != NULL)
        config->oauth_token = g_strdup (opts->token);
      else
        config->password = g_strdup (opts->password != NULL ? opts->password : PASS);
    }
  config->auth = opts->auth;
  if (!opts->no_cafile)
    config->cafile = ep_test_certs_path ("ca");
  config->pinned_sha256 = g_strdup (opts->pinned);
  /* Pinned for the server connected to: these cases are about the certificate alone. */
  if (opts->pinned != NULL)
    {
      config->pinned_host = g_strdup (config->host);
      config->pinned_port = port;
    }
  config->timeout_seconds = opts->timeout > 0 ? opts->timeout : DEFAULT_TIMEOUT;
  config->allow_partial = opts->allow_partial;
  config->ehlo_name = g_strdup (opts->ehlo_name);

  return config;
}

static void
progress_cb (EpSmtpStage stage,
             guint64     sent,
             guint64     total,
             gpointer    user_data)
{
  ProgressEvent event = { stage, sent, total };

  g_array_append_val ((GArray *) user_data, event);
}

/* Runs the engine against @server (started) and waits for the script. */
static void
run_with_server (Run            *run,
                 EpScriptServer *server,
                 const Options  *opts)
{
  static const char *default_rcpts[] = { RECIPIENT, NULL };
  g_autoptr(EpSmtpConfig) config = NULL;
  g_autoptr(GInputStream) raw = NULL;
  gint64 start;

  if (opts == NULL)
    opts = &defaults;

  memset (run, 0, sizeof *run);
  run->server = server;
  run->progress = g_array_new (FALSE, FALSE, sizeof (ProgressEvent));
  config = config_for (opts, ep_script_server_get_port (server));
  run->transcript = ep_smtp_transcript_new ();

  if (opts->message == NULL)
    {
      const char *text = opts->raw != NULL ? opts->raw : RAW_MESSAGE;
      gsize len = opts->raw_len > 0 ? opts->raw_len : strlen (text);

      if (opts->raw_pipe)
        {
          int fds[2];

          /* Small enough for the pipe's buffer: written whole before the client reads. */
          g_assert_cmpuint (len, <, 4096);
          g_assert_cmpint (pipe (fds), ==, 0);
          g_assert_cmpint (write (fds[1], text, len), ==, (gssize) len);
          close (fds[1]);
          raw = g_unix_input_stream_new (fds[0], TRUE);
        }
      else
        raw = g_memory_input_stream_new_from_data (text, (gssize) len, NULL);
    }

  start = g_get_monotonic_time ();
  if (opts->before_data_end != NULL || opts->hold_until != NULL || opts->dsn_notify != EP_SMTP_DSN_NONE
      || opts->require_tls != EP_SMTP_REQUIRE_TLS_OFF || opts->raw_needs_8bitmime)
    {
      EpSmtpSendOptions send_options = {
        .envelope_from = opts->message == NULL ? SENDER : NULL,
        .envelope_rcpts = opts->message == NULL ? (opts->rcpts != NULL ? opts->rcpts : default_rcpts) : NULL,
        .transcript = run->transcript,
        .progress = progress_cb,
        .progress_data = run->progress,
        .before_data_end = opts->before_data_end,
        .before_data_end_data = opts->before_data_end_data,
        .hold_until = opts->hold_until,
        .dsn_notify = opts->dsn_notify,
        .dsn_ret = opts->dsn_ret,
        .dsn_envid = opts->dsn_envid,
        .require_tls = opts->require_tls,
        .raw_needs_8bitmime = opts->raw_needs_8bitmime,
      };

      run->result = ep_smtp_send_with_options_sync (config, opts->message, raw, &send_options,
                                                    opts->cancellable, &run->error);
    }
  else
    run->result = ep_smtp_send_sync (config, opts->message, raw,
                                     opts->message == NULL ? SENDER : NULL,
                                     opts->message == NULL ? (opts->rcpts != NULL ? opts->rcpts : default_rcpts) : NULL,
                                     run->transcript, progress_cb, run->progress, opts->cancellable, &run->error);
  run->elapsed_us = g_get_monotonic_time () - start;
  g_assert_nonnull (run->result);

  ep_script_server_wait (server, WAIT_MS, &run->server_error);

  if (run->error != NULL)
    g_test_message ("client error: %s (%s %d)", run->error->message,
                    g_quark_to_string (run->error->domain), run->error->code);
  if (run->server_error != NULL)
    g_test_message ("%s", run->server_error->message);
}

static void
run_script (Run           *run,
            const char    *template,
            const Options *opts)
{
  run_with_server (run, server_for (template), opts);
  run->script = expand (template);
}

/* The case is the last owner of its server and, once the result (which holds the transcript)
 * is gone, of the transcript: a session that kept either would fail here. */
static void
run_clear (Run *run)
{
  g_clear_pointer (&run->progress, g_array_unref);
  g_clear_pointer (&run->result, ep_smtp_result_unref);
  if (run->transcript != NULL)
    g_assert_finalize_object (g_steal_pointer (&run->transcript));
  if (run->server != NULL)
    g_assert_finalize_object (g_steal_pointer (&run->server));
  g_clear_error (&run->error);
  g_clear_error (&run->server_error);
  g_clear_pointer (&run->script, g_free);
}

/* --- assertions ----------------------------------------------------------------------------- */

static void
assert_script_ok (Run *run)
{
  g_assert_no_error (run->server_error);
  g_assert_true (ep_script_server_get_completed (run->server));
}

static char *
received (Run *run)
{
  return ep_script_server_dup_received_string (run->server);
}

/* Every byte the client sent, as the script says it should have: its C: lines, the optional C?
 * lines it did send, and the bodies the DATA steps read (the caller checks their content). */
static char *
derive_client_bytes (Run *run)
{
  g_auto(GStrv) lines = g_strsplit (run->script, "\n", -1);
  g_autofree char *got = received (run);
  GString *out = g_string_new (NULL);
  guint body = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];

      while (*line == ' ')
        line++;
      if (g_str_has_prefix (line, "C: "))
        {
          g_assert_null (strchr (line, '*'));
          g_string_append_printf (out, "%s\r\n", line + 3);
        }
      else if (g_str_has_prefix (line, "C= "))
        g_string_append_printf (out, "%s\r\n", line + 3);
      else if (g_str_equal (line, "C:"))
        g_string_append (out, "\r\n");
      else if (g_str_has_prefix (line, "C? "))
        {
          g_autofree char *optional = g_strdup_printf ("%s\r\n", line + 3);

          if (strncmp (got + MIN (out->len, strlen (got)), optional, strlen (optional)) == 0)
            g_string_append (out, optional);
        }
      else if (g_str_equal (line, "DATA"))
        {
          g_autoptr(GBytes) data = ep_script_server_get_body (run->server, body++);

          g_assert_nonnull (data);
          g_string_append_len (out, g_bytes_get_data (data, NULL), g_bytes_get_size (data));
          g_string_append (out, ".\r\n");
        }
      else if (g_str_has_prefix (line, "BDAT:"))
        {
          g_autoptr(GBytes) data = ep_script_server_get_body (run->server, body++);

          g_assert_nonnull (data);
          /* One chunk: every message here is far below EP_SMTP_BDAT_CHUNK_SIZE. */
          g_string_append_printf (out, "BDAT %" G_GSIZE_FORMAT " LAST\r\n", g_bytes_get_size (data));
          g_string_append_len (out, g_bytes_get_data (data, NULL), g_bytes_get_size (data));
        }
    }

  return g_string_free (out, FALSE);
}

static void
assert_sent_as_scripted (Run *run)
{
  g_autofree char *expected = derive_client_bytes (run);
  g_autofree char *got = received (run);

  g_assert_cmpstr (got, ==, expected);
}

/* Exactly @template (expanded) left the client, and nothing else. */
static void
assert_sent (Run        *run,
             const char *template)
{
  g_autofree char *expected = expand (template);
  g_autofree char *got = received (run);

  g_assert_cmpstr (got, ==, expected);
}

/* The rule of every stripping and injection case. */
static void
assert_no_auth_no_mail (Run *run)
{
  g_assert_false (ep_script_server_received_contains (run->server, "AUTH"));
  g_assert_false (ep_script_server_received_contains (run->server, "MAIL"));
  g_assert_false (ep_script_server_received_contains (run->server, "RCPT"));
  g_assert_cmpuint (ep_script_server_get_n_bodies (run->server), ==, 0);
}

static void
assert_body (Run        *run,
             guint       index,
             const char *expected)
{
  g_autoptr(GBytes) body = ep_script_server_get_body (run->server, index);

  g_assert_nonnull (body);
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), expected, strlen (expected));
}

static void
assert_delivered (Run *run)
{
  g_assert_no_error (run->error);
  g_assert_cmpint (run->result->outcome, ==, EP_SMTP_OUTCOME_DELIVERED);
}

static void
assert_failed (Run          *run,
               EpSmtpError   code,
               EpSmtpOutcome outcome)
{
  g_assert_error (run->error, EP_SMTP_ERROR, (gint) code);
  g_assert_cmpint (run->result->outcome, ==, outcome);
}

/* The whole scripted session passed and the client sent exactly the script's bytes. */
static void
assert_exact (Run *run)
{
  assert_script_ok (run);
  assert_sent_as_scripted (run);
}

/* --- SCRAM server (RFC 5802 / RFC 7677), computed with GnuTLS ------------------------------ */

typedef enum
{
  SCRAM_GOOD,               /* server-final as a 334 challenge, then 235 */
  SCRAM_GOOD_IN_235,        /* server-final as additional data with 235 */
  SCRAM_BAD_SIGNATURE,      /* a server-final that proves nothing */
  SCRAM_NO_SIGNATURE,       /* 235 at once, no server-final at all */
  SCRAM_NONCE_NOT_EXTENDED, /* server-first nonce does not start with the client's */
} ScramMode;

typedef struct
{
  const char          *mechanism;     /* "SCRAM-SHA-256" */
  gnutls_mac_algorithm_t mac;
  gnutls_digest_algorithm_t digest;
  gsize                dlen;
  const char          *user;
  const char          *password;
  const char          *server_nonce;  /* appended to the client's */
  const char          *salt_b64;
  guint                iterations;
  ScramMode            mode;

  guint                state;
  char                *client_first_bare;
  char                *server_first;
  char                *nonce;
  char                *server_final;
  gboolean             proof_verified;
} ScramServer;

static void
scram_server_init (ScramServer *scram,
                   gboolean     sha256,
                   ScramMode    mode)
{
  memset (scram, 0, sizeof *scram);
  scram->mechanism = sha256 ? "SCRAM-SHA-256" : "SCRAM-SHA-1";
  scram->mac = sha256 ? GNUTLS_MAC_SHA256 : GNUTLS_MAC_SHA1;
  scram->digest = sha256 ? GNUTLS_DIG_SHA256 : GNUTLS_DIG_SHA1;
  scram->dlen = sha256 ? 32 : 20;
  scram->user = USER;
  scram->password = PASS;
  scram->server_nonce = "3rfcNHYJY1ZVvWVs7j";
  scram->salt_b64 = "QSXCR+Q6sek8bf92";
  scram->iterations = 4096;
  scram->mode = mode;
}

static void
scram_server_clear (ScramServer *scram)
{
  g_clear_pointer (&scram->client_first_bare, g_free);
  g_clear_pointer (&scram->server_first, g_free);
  g_clear_pointer (&scram->nonce, g_free);
  g_clear_pointer (&scram->server_final, g_free);
}

static EpScriptResponse
responder_fail (GError    **error,
            const char *what)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, what);
  return EP_SCRIPT_RESPONSE_FAIL;
}

static void
reply_line (GByteArray *reply,
            const char *code,
            const char *text)
{
  g_autofree char *line = g_strdup_printf ("%s %s\r\n", code, text);

  g_byte_array_append (reply, (const guint8 *) line, strlen (line));
}

static void
reply_b64 (GByteArray *reply,
           const char *code,
           const char *text)
{
  g_autofree char *b64 = b64_of (text, strlen (text));

  reply_line (reply, code, b64);
}

/* "n,,n=user,r=nonce" → the server-first message. */
static gboolean
scram_take_client_first (ScramServer *scram,
                         const char  *client_first)
{
  g_auto(GStrv) parts = NULL;

  if (!g_str_has_prefix (client_first, "n,,"))
    return FALSE;
  scram->client_first_bare = g_strdup (client_first + 3);
  parts = g_strsplit (scram->client_first_bare, ",", -1);
  if (g_strv_length (parts) != 2 || !g_str_has_prefix (parts[0], "n=") || !g_str_has_prefix (parts[1], "r=") ||
      !g_str_equal (parts[0] + 2, scram->user) || strlen (parts[1] + 2) < 8)
    return FALSE;

  if (scram->mode == SCRAM_NONCE_NOT_EXTENDED)
    scram->nonce = g_strconcat ("replayed", scram->server_nonce, NULL);
  else
    scram->nonce = g_strconcat (parts[1] + 2, scram->server_nonce, NULL);
  scram->server_first = g_strdup_printf ("r=%s,s=%s,i=%u", scram->nonce, scram->salt_b64, scram->iterations);
  return TRUE;
}

/* Checks the client proof of "c=biws,r=…,p=…" and computes the server-final message. */
static gboolean
scram_take_client_final (ScramServer *scram,
                         const char  *client_final)
{
  g_autofree char *without_proof = g_strdup_printf ("c=biws,r=%s", scram->nonce);
  g_autofree char *auth_message = NULL;
  g_autofree guint8 *salt = NULL;
  g_autofree guint8 *proof = NULL;
  g_autofree char *signature_b64 = NULL;
  guint8 salted[32], client_key[32], stored_key[32], client_signature[32], recovered[32];
  guint8 recovered_stored[32], server_key[32], server_signature[32];
  gnutls_datum_t key, salt_datum;
  gsize salt_len = 0, proof_len = 0;

  if (!g_str_has_prefix (client_final, without_proof) ||
      !g_str_has_prefix (client_final + strlen (without_proof), ",p="))
    return FALSE;

  proof = g_base64_decode (client_final + strlen (without_proof) + 3, &proof_len);
  salt = g_base64_decode (scram->salt_b64, &salt_len);
  if (proof_len != scram->dlen)
    return FALSE;

  key.data = (unsigned char *) scram->password;
  key.size = strlen (scram->password);
  salt_datum.data = salt;
  salt_datum.size = salt_len;
  auth_message = g_strdup_printf ("%s,%s,%s", scram->client_first_bare, scram->server_first, without_proof);

  g_assert_cmpint (gnutls_pbkdf2 (scram->mac, &key, &salt_datum, scram->iterations, salted, scram->dlen), >=, 0);
  g_assert_cmpint (gnutls_hmac_fast (scram->mac, salted, scram->dlen, "Client Key", 10, client_key), >=, 0);
  g_assert_cmpint (gnutls_hash_fast (scram->digest, client_key, scram->dlen, stored_key), >=, 0);
  g_assert_cmpint (gnutls_hmac_fast (scram->mac, stored_key, scram->dlen, auth_message, strlen (auth_message),
                                     client_signature), >=, 0);
  for (gsize i = 0; i < scram->dlen; i++)
    recovered[i] = proof[i] ^ client_signature[i];
  g_assert_cmpint (gnutls_hash_fast (scram->digest, recovered, scram->dlen, recovered_stored), >=, 0);
  scram->proof_verified = memcmp (recovered_stored, stored_key, scram->dlen) == 0;

  g_assert_cmpint (gnutls_hmac_fast (scram->mac, salted, scram->dlen, "Server Key", 10, server_key), >=, 0);
  g_assert_cmpint (gnutls_hmac_fast (scram->mac, server_key, scram->dlen, auth_message, strlen (auth_message),
                                     server_signature), >=, 0);
  if (scram->mode == SCRAM_BAD_SIGNATURE)
    server_signature[0] ^= 0x5a;
  signature_b64 = g_base64_encode (server_signature, scram->dlen);
  scram->server_final = g_strdup_printf ("v=%s", signature_b64);

  return scram->proof_verified;
}

static EpScriptResponse
scram_responder (const char  *line,
                 GByteArray  *reply,
                 gpointer     user_data,
                 GError     **error)
{
  ScramServer *scram = user_data;
  g_autofree char *prefix = g_strdup_printf ("AUTH %s ", scram->mechanism);
  g_autofree guint8 *decoded = NULL;
  g_autofree char *text = NULL;
  gsize len = 0;

  switch (scram->state++)
    {
    case 0:
      if (!g_str_has_prefix (line, prefix))
        return responder_fail (error, "expected AUTH SCRAM with an initial response");
      decoded = g_base64_decode (line + strlen (prefix), &len);
      text = g_strndup ((const char *) decoded, len);
      if (!scram_take_client_first (scram, text))
        return responder_fail (error, "malformed SCRAM client-first message");
      reply_b64 (reply, "334", scram->server_first);
      return EP_SCRIPT_RESPONSE_AGAIN;

    case 1:
      if (scram->mode == SCRAM_NONCE_NOT_EXTENDED)
        {
          if (!g_str_equal (line, "*"))
            return responder_fail (error, "the client answered a server-first whose nonce does not extend its own");
          reply_line (reply, "501", "5.7.0 Authentication cancelled");
          return EP_SCRIPT_RESPONSE_DONE;
        }
      decoded = g_base64_decode (line, &len);
      text = g_strndup ((const char *) decoded, len);
      if (!scram_take_client_final (scram, text))
        {
          reply_line (reply, "535", "5.7.8 Authentication credentials invalid");
          return responder_fail (error, "the SCRAM client proof is wrong");
        }
      switch (scram->mode)
        {
        case SCRAM_NO_SIGNATURE:
          reply_line (reply, "235", "2.7.0 Authentication successful");
          return EP_SCRIPT_RESPONSE_DONE;
        case SCRAM_GOOD_IN_235:
          reply_b64 (reply, "235", scram->server_final);
          return EP_SCRIPT_RESPONSE_DONE;
        case SCRAM_GOOD:
        case SCRAM_BAD_SIGNATURE:
        case SCRAM_NONCE_NOT_EXTENDED:
        default:
          reply_b64 (reply, "334", scram->server_final);
          return EP_SCRIPT_RESPONSE_AGAIN;
        }

    case 2:
      if (scram->mode == SCRAM_BAD_SIGNATURE)
        {
          if (!g_str_equal (line, "*"))
            return responder_fail (error, "the client accepted a wrong SCRAM server signature");
          reply_line (reply, "501", "5.7.0 Authentication cancelled");
          return EP_SCRIPT_RESPONSE_DONE;
        }
      if (*line != '\0')
        return responder_fail (error, "expected an empty response to the server-final message");
      reply_line (reply, "235", "2.7.0 Authentication successful");
      return EP_SCRIPT_RESPONSE_DONE;

    default:
      return responder_fail (error, "too many SCRAM lines");
    }
}

/* An AUTH exchange that never ends: every line gets another 334 until the client gives up. */
typedef struct
{
  const char *challenge;   /* base64 text of each 334 */
  guint       lines;
  gboolean    cancelled;
} EndlessAuth;

#define ENDLESS_LIMIT 50

static EpScriptResponse
endless_responder (const char  *line,
                   GByteArray  *reply,
                   gpointer     user_data,
                   GError     **error)
{
  EndlessAuth *endless = user_data;

  endless->lines++;
  if (g_str_equal (line, "*"))
    {
      endless->cancelled = TRUE;
      reply_line (reply, "501", "5.7.0 Authentication cancelled");
      return EP_SCRIPT_RESPONSE_DONE;
    }
  if (endless->lines > ENDLESS_LIMIT)
    return responder_fail (error, "the client never gives up on endless challenges");
  reply_line (reply, "334", endless->challenge);
  return EP_SCRIPT_RESPONSE_AGAIN;
}

/* ================================================================================================
 * STARTTLS stripping
 * ============================================================================================= */

/* Not advertised: QUIT, and nothing else, follows the EHLO. */
static void
test_starttls_not_advertised (void)
{
  Run run;

  run_script (&run,
              GREETING C_EHLO
              "S: 250-mx.test\n"
              "S: 250-PIPELINING\n"
              "S: 250 AUTH PLAIN LOGIN\n"
              QUIT_OK, NULL);
  assert_exact (&run);
  assert_sent (&run, "EHLO [127.0.0.1]\r\nQUIT\r\n");
  assert_failed (&run, EP_SMTP_ERROR_STARTTLS_UNAVAILABLE, EP_SMTP_OUTCOME_REFUSED);
  assert_no_auth_no_mail (&run);
  run_clear (&run);
}

typedef struct
{
  const char *reply;
  gboolean    server_gone;   /* 421: no QUIT */
  gboolean    temporary;     /* 454, 421: may work later (exit 75), still nothing in clear */
} StarttlsRefusal;

static const StarttlsRefusal starttls_refusals[] = {
  { "454 4.7.0 TLS not available due to temporary reason", FALSE, TRUE },
  { "502 5.5.1 Command not implemented", FALSE },
  { "500 5.5.2 Syntax error, command unrecognized", FALSE },
  { "501 5.5.4 Syntax error in parameters", FALSE },
  { "530 5.7.0 Must issue a STARTTLS command first", FALSE },
  { "354 Start mail input", FALSE },
  { "221 2.0.0 Bye", FALSE },
  { "421 4.3.2 Service not available, closing channel", TRUE, TRUE },
};

/* Anything but 220 to STARTTLS ends the session: QUIT (not after a 421), no AUTH, no MAIL. */
static void
test_starttls_refused (gconstpointer data)
{
  const StarttlsRefusal *refusal = data;
  g_autofree char *script = NULL;
  Run run;

  script = g_strdup_printf (GREETING C_EHLO EHLO_STARTTLS
                            "C: STARTTLS\n"
                            "S: %s\n"
                            "%s",
                            refusal->reply, refusal->server_gone ? "EOF\n" : QUIT_OK);
  run_script (&run, script, NULL);
  assert_exact (&run);
  assert_sent (&run, refusal->server_gone ? "EHLO [127.0.0.1]\r\nSTARTTLS\r\n"
                                          : "EHLO [127.0.0.1]\r\nSTARTTLS\r\nQUIT\r\n");
  if (refusal->temporary)
    assert_failed (&run, EP_SMTP_ERROR_TEMPORARY, EP_SMTP_OUTCOME_TEMPORARY);
  else
    assert_failed (&run, EP_SMTP_ERROR_STARTTLS_UNAVAILABLE, EP_SMTP_OUTCOME_REFUSED);
  g_assert_nonnull (strstr (run.error->message, "without encryption"));
  /* The server's words are part of the message. */
  g_assert_nonnull (strstr (run.error->message, refusal->reply + 4));
  assert_no_auth_no_mail (&run);
  run_clear (&run);
}

/* A HELO-only server cannot do STARTTLS: no HELO fallback while TLS is required. */
static void
test_starttls_helo_only_server (void)
{
  Run run;

  run_script (&run,
              GREETING C_EHLO
              "S: 502 5.5.2 Error: command not recognized\n"
              QUIT_OK, NULL);
  assert_exact (&run);
  assert_sent (&run, "EHLO [127.0.0.1]\r\nQUIT\r\n");
  assert_failed (&run, EP_SMTP_ERROR_STARTTLS_UNAVAILABLE, EP_SMTP_OUTCOME_REFUSED);
  assert_no_auth_no_mail (&run);
  g_assert_false (ep_script_server_received_contains (run.server, "HELO"));
  run_clear (&run);
}

/* In the explicitly unencrypted mode the same server gets HELO and the mail. */
static void
test_none_mode_helo_fallback (void)
{
  Run run;
  Options opts = { .security = "none", .anonymous = TRUE };

  run_script (&run,
              GREETING C_EHLO
              "S: 502 5.5.2 Error: command not recognized\n"
              "C: HELO [127.0.0.1]\n"
              "S: 250 mx.test\n"
              "C: MAIL FROM:<alice@example.org>\n"
              "S: 250 2.1.0 ok\n"
              "C: RCPT TO:<bob@example.net>\n"
              "S: 250 2.1.5 ok\n"
              "C: DATA\n"
              "S: 354 go ahead\n"
              BODY_OK QUIT_OK, &opts);
  assert_exact (&run);
  assert_delivered (&run);
  assert_body (&run, 0, RAW_MESSAGE);
  g_assert_false (run.result->capabilities->esmtp);
  run_clear (&run);
}

/* ================================================================================================
 * Response injection (CVE-2021-22947 class)
 * ============================================================================================= */

static void
test_injection (gconstpointer data)
{
  const char *segment = data;
  g_autofree char *script = g_strdup_printf (GREETING C_EHLO EHLO_STARTTLS
                                             "C: STARTTLS\n"
                                             "S! %s\n"
                                             "EOF\n", segment);
  Run run;

  run_script (&run, script, NULL);
  assert_exact (&run);
  /* Not even QUIT: the connection is aborted. */
  assert_sent (&run, "EHLO [127.0.0.1]\r\nSTARTTLS\r\n");
  assert_failed (&run, EP_SMTP_ERROR_INJECTION, EP_SMTP_OUTCOME_REFUSED);
  assert_no_auth_no_mail (&run);
  g_assert_null (run.result->tls);
  run_clear (&run);
}

/* Unsolicited replies: a reply that nobody asked for must never be taken for the next answer. */
static void
test_unsolicited_after_greeting (void)
{
  Run run;

  run_script (&run,
              "S! 220 mx.test ESMTP\\r\\n250-mx.test\\r\\n250 STARTTLS\\r\\n\n"
              "EOF\n", NULL);
  assert_exact (&run);
  assert_sent (&run, "");
  assert_failed (&run, EP_SMTP_ERROR_PROTOCOL, EP_SMTP_OUTCOME_REFUSED);
  run_clear (&run);
}

/* A forged "220" queued behind the EHLO reply, waiting to answer our STARTTLS. */
static void
test_unsolicited_after_ehlo (void)
{
  Run run;

  run_script (&run,
              GREETING C_EHLO
              "S! 250-mx.test\\r\\n250 STARTTLS\\r\\n220 2.0.0 go ahead\\r\\n\n"
              "EOF\n", NULL);
  assert_exact (&run);
  assert_sent (&run, "EHLO [127.0.0.1]\r\n");
  assert_failed (&run, EP_SMTP_ERROR_PROTOCOL, EP_SMTP_OUTCOME_REFUSED);
  assert_no_auth_no_mail (&run);
  run_clear (&run);
}

/* An extra reply after 235: it would answer MAIL FROM. */
static void
test_unsolicited_after_auth (void)
{
  Run run;

  run_script (&run,
              TO_AUTH
              "C: AUTH PLAIN {PLAIN}\n"
              "S! 235 2.7.0 Authentication successful\\r\\n250 2.1.0 ok\\r\\n\n"
              "EOF\n", NULL);
  assert_exact (&run);
  assert_failed (&run, EP_SMTP_ERROR_PROTOCOL, EP_SMTP_OUTCOME_REFUSED);
  g_assert_false (ep_script_server_received_contains (run.server, "MAIL"));
  run_clear (&run);
}

/* ================================================================================================
 * Capabilities that change with TLS
 * ============================================================================================= */

/* AUTH offered only after TLS (the usual submission set-up). */
static void
test_caps_auth_only_after_tls (void)
{
  Run run;

  run_script (&run,
              GREETING C_EHLO
              "S: 250-mx.test\n"
              "S: 250 STARTTLS\n"
              STARTTLS_OK C_EHLO EHLO_TLS
              AUTH_PLAIN_OK ENVELOPE_OK BODY_OK QUIT_OK, NULL);
  assert_exact (&run);
  assert_delivered (&run);
  g_assert_cmpstr (run.result->auth_mechanism, ==, "PLAIN");
  run_clear (&run);
}

/* AUTH offered before TLS only: after TLS everything learnt before is forgotten. */
static void
test_caps_no_auth_after_tls (void)
{
  Run run;

  run_script (&run,
              GREETING C_EHLO
              "S: 250-mx.test\n"
              "S: 250-AUTH PLAIN LOGIN\n"
              "S: 250 STARTTLS\n"
              STARTTLS_OK C_EHLO
              "S: 250-mx.test\n"
              "S: 250 PIPELINING\n"
              QUIT_OK, NULL);
  assert_exact (&run);
  assert_failed (&run, EP_SMTP_ERROR_AUTH_UNSUPPORTED, EP_SMTP_OUTCOME_REFUSED);
  assert_no_auth_no_mail (&run);
  run_clear (&run);
}

/* PIPELINING before TLS but not after: every command waits for its reply. */
static void
test_caps_pipelining_removed_after_tls (void)
{
  Run run;

  run_script (&run,
              GREETING C_EHLO EHLO_STARTTLS STARTTLS_OK C_EHLO
              "S: 250-mx.test\n"
              "S: 250-SIZE 10485760\n"
              "S: 250 AUTH PLAIN\n"
              AUTH_PLAIN_OK
              "C: MAIL FROM:<alice@example.org> SIZE={SIZE}\n"
              "QUIET: 150\n"
              "S: 250 2.1.0 ok\n"
              "C: RCPT TO:<bob@example.net>\n"
              "QUIET: 150\n"
              "S: 250 2.1.5 ok\n"
              "C: DATA\n"
              "QUIET: 150\n"
              "S: 354 go ahead\n"
              BODY_OK QUIT_OK, NULL);
  assert_exact (&run);
  assert_delivered (&run);
  run_clear (&run);
}

/* STARTTLS still advertised after TLS: not used twice. */
static void
test_caps_starttls_again_after_tls (void)
{
  Run run;

  run_script (&run,
              GREETING C_EHLO EHLO_STARTTLS STARTTLS_OK C_EHLO
              "S: 250-mx.test\n"
              "S: 250-PIPELINING\n"
              "S: 250-STARTTLS\n"
              "S: 250-SIZE 10485760\n"
              "S: 250 AUTH PLAIN\n"
              AUTH_PLAIN_OK ENVELOPE_OK BODY_OK QUIT_OK, NULL);
  assert_exact (&run);
  assert_delivered (&run);
  run_clear (&run);
}

/* A size limit that only shows after TLS counts; the one before TLS is forgotten. */
static void
test_caps_size_after_tls (void)
{
  Run run;

  run_script (&run,
              GREETING C_EHLO EHLO_STARTTLS STARTTLS_OK C_EHLO
              "S: 250-mx.test\n"
              "S: 250-PIPELINING\n"
              "S: 250-SIZE 20\n"
              "S: 250 AUTH PLAIN\n"
              AUTH_PLAIN_OK QUIT_OK, NULL);
  assert_exact (&run);
  assert_failed (&run, EP_SMTP_ERROR_MESSAGE_TOO_BIG, EP_SMTP_OUTCOME_REFUSED);
  g_assert_false (ep_script_server_received_contains (run.server, "MAIL"));
  run_clear (&run);
}

/* ================================================================================================
 * Certificates
 * ============================================================================================= */

typedef struct
{
  const char          *cert;
  GTlsCertificateFlags flag;
} CertCase;

static const CertCase cert_cases[] = {
  { "self-signed", G_TLS_CERTIFICATE_UNKNOWN_CA },
  { "unknown-issuer", G_TLS_CERTIFICATE_UNKNOWN_CA },
  { "wrong-host", G_TLS_CERTIFICATE_BAD_IDENTITY },
  { "expired", G_TLS_CERTIFICATE_EXPIRED },
  { "not-yet-valid", G_TLS_CERTIFICATE_NOT_ACTIVATED },
};

/* The error message carries the SHA-256 fingerprint of @cert (in whatever hex notation). */
static void
assert_message_has_fingerprint (Run        *run,
                                const char *cert)
{
  g_autofree char *fingerprint = ep_test_certs_sha256 (cert);
  GString *message_hex = g_string_new (NULL);
  g_autofree char *hex = NULL;

  for (const char *p = run->error->message; *p != '\0'; p++)
    if (g_ascii_isxdigit (*p))
      g_string_append_c (message_hex, g_ascii_tolower (*p));
  hex = g_string_free (message_hex, FALSE);
  g_assert_nonnull (strstr (hex, fingerprint));
}

/* The message names the failed check and the certificate's SHA-256 fingerprint. */
static void
assert_certificate_error (Run        *run,
                          const char *cert,
                          GTlsCertificateFlags flag)
{
  g_autofree char *checks = ep_smtp_certificate_flags_to_string (flag);

  assert_failed (run, EP_SMTP_ERROR_TLS_CERTIFICATE, EP_SMTP_OUTCOME_REFUSED);
  g_assert_nonnull (strstr (run->error->message, checks));
  assert_message_has_fingerprint (run, cert);

  g_assert_nonnull (run->result->tls);
  g_assert_cmphex (run->result->tls->errors & flag, ==, flag);
  g_assert_false (run->result->tls->verified);
}

static void
test_cert_starttls (gconstpointer data)
{
  const CertCase *c = data;
  g_autofree char *script = g_strdup_printf (GREETING C_EHLO EHLO_STARTTLS
                                             "C: STARTTLS\n"
                                             "S: 220 2.0.0 Ready to start TLS\n"
                                             "TLS-REJECT: %s\n"
                                             "EOF\n", c->cert);
  Run run;

  run_script (&run, script, NULL);
  assert_exact (&run);
  assert_sent (&run, "EHLO [127.0.0.1]\r\nSTARTTLS\r\n");
  assert_certificate_error (&run, c->cert, c->flag);
  assert_no_auth_no_mail (&run);
  run_clear (&run);
}

static void
test_cert_implicit (gconstpointer data)
{
  const CertCase *c = data;
  g_autofree char *script = g_strdup_printf ("TLS-REJECT: %s\nEOF\n", c->cert);
  Options opts = { .security = "tls" };
  Run run;

  run_script (&run, script, &opts);
  assert_exact (&run);
  assert_sent (&run, "");
  assert_certificate_error (&run, c->cert, c->flag);
  run_clear (&run);
}

/* The test CA is not in the system store: without --cafile the good certificate is unknown. */
static void
test_cert_no_cafile (void)
{
  Options opts = { .no_cafile = TRUE };
  Run run;

  run_script (&run,
              GREETING C_EHLO EHLO_STARTTLS
              "C: STARTTLS\n"
              "S: 220 2.0.0 Ready to start TLS\n"
              "TLS-REJECT: good\n"
              "EOF\n", &opts);
  assert_exact (&run);
  assert_certificate_error (&run, "good", G_TLS_CERTIFICATE_UNKNOWN_CA);
  assert_no_auth_no_mail (&run);
  run_clear (&run);
}

/* A pinned self-signed certificate is accepted (the user chose to trust exactly that one). */
static void
test_cert_pinned_accepted (void)
{
  g_autofree char *pin = ep_test_certs_sha256 ("self-signed");
  Options opts = { .pinned = pin };
  Run run;

  run_script (&run,
              GREETING C_EHLO EHLO_STARTTLS
              "C: STARTTLS\n"
              "S: 220 2.0.0 Ready to start TLS\n"
              "TLS: self-signed\n"
              C_EHLO EHLO_TLS AUTH_PLAIN_OK ENVELOPE_OK BODY_OK QUIT_OK, &opts);
  assert_exact (&run);
  assert_delivered (&run);
  g_assert_true (run.result->tls->pinned);
  run_clear (&run);
}

/* With a pin, any other certificate is refused, even one the CA vouches for. */
static void
test_cert_pin_mismatch (void)
{
  g_autofree char *pin = ep_test_certs_sha256 ("self-signed");
  Options opts = { .pinned = pin };
  Run run;

  run_script (&run,
              GREETING C_EHLO EHLO_STARTTLS
              "C: STARTTLS\n"
              "S: 220 2.0.0 Ready to start TLS\n"
              "TLS-REJECT: good\n"
              "EOF\n", &opts);
  assert_exact (&run);
  assert_sent (&run, "EHLO [127.0.0.1]\r\nSTARTTLS\r\n");
  assert_failed (&run, EP_SMTP_ERROR_TLS_CERTIFICATE, EP_SMTP_OUTCOME_REFUSED);
  assert_message_has_fingerprint (&run, "good");
  assert_no_auth_no_mail (&run);
  run_clear (&run);
}

/* Host name "localhost": the DNS name in the certificate is checked as well. */
static void
test_cert_by_name (void)
{
  Options opts = { .host = "localhost" };
  Run run;

  run_script (&run, FULL_SESSION, &opts);
  assert_exact (&run);
  assert_delivered (&run);
  g_assert_true (run.result->tls->verified);
  run_clear (&run);
}

/* ================================================================================================
 * Implicit TLS
 * ============================================================================================= */

static void
test_implicit_tls (void)
{
  Options opts = { .security = "tls" };
  Run run;

  run_script (&run,
              "TLS: good\n"
              GREETING C_EHLO EHLO_TLS AUTH_PLAIN_OK ENVELOPE_OK BODY_OK QUIT_OK, &opts);
  assert_exact (&run);
  assert_delivered (&run);
  assert_body (&run, 0, RAW_MESSAGE);
  /* Everything travelled inside TLS. */
  for (guint i = 0; i < ep_script_server_get_n_reads (run.server); i++)
    g_assert_true (ep_script_server_get_read_is_tls (run.server, i));
  run_clear (&run);
}

/* An implicit-TLS port that answers in plaintext: the client sent its ClientHello and nothing
 * else, certainly no SMTP command. */
static void
test_implicit_tls_plaintext_answer (void)
{
  Options opts = { .security = "tls" };
  g_autoptr(GBytes) bytes = NULL;
  const guint8 *data;
  gsize len = 0;
  Run run;

  run_script (&run,
              GREETING
              "DRAIN\n", &opts);
  assert_script_ok (&run);
  assert_failed (&run, EP_SMTP_ERROR_TLS, EP_SMTP_OUTCOME_REFUSED);
  bytes = ep_script_server_get_received (run.server);
  data = g_bytes_get_data (bytes, &len);
  g_assert_cmpuint (len, >=, 5);
  g_assert_cmpuint (data[0], ==, 0x16);   /* TLS record: handshake */
  g_assert_cmpuint (data[1], ==, 0x03);
  g_assert_false (ep_script_server_received_contains (run.server, "EHLO"));
  assert_no_auth_no_mail (&run);
  run_clear (&run);
}

/* ================================================================================================
 * Credentials
 * ============================================================================================= */

/* security none + password: refused before any connection. */
static void
test_cleartext_credentials_refused (void)
{
  Options opts = { .security = "none" };
  Run run;

  run_script (&run, "", &opts);
  assert_script_ok (&run);
  g_assert_false (ep_script_server_get_connected (run.server));
  assert_failed (&run, EP_SMTP_ERROR_CLEARTEXT_AUTH, EP_SMTP_OUTCOME_REFUSED);
  run_clear (&run);
}

/* Credentials configured, TLS fine, but AUTH never offered: do not send the mail unauthenticated. */
static void
test_no_auth_offered (void)
{
  Run run;

  run_script (&run,
              GREETING C_EHLO EHLO_STARTTLS STARTTLS_OK C_EHLO
              "S: 250-mx.test\n"
              "S: 250 PIPELINING\n"
              QUIT_OK, NULL);
  assert_exact (&run);
  assert_failed (&run, EP_SMTP_ERROR_AUTH_UNSUPPORTED, EP_SMTP_OUTCOME_REFUSED);
  assert_no_auth_no_mail (&run);
  run_clear (&run);
}

static void
test_no_common_mechanism (void)
{
  Run run;

  run_script (&run,
              GREETING C_EHLO EHLO_STARTTLS STARTTLS_OK C_EHLO
              "S: 250-mx.test\n"
              "S: 250 AUTH GSSAPI NTLM\n"
              QUIT_OK, NULL);
  assert_exact (&run);
  assert_failed (&run, EP_SMTP_ERROR_AUTH_UNSUPPORTED, EP_SMTP_OUTCOME_REFUSED);
  assert_no_auth_no_mail (&run);
  run_clear (&run);
}

static void
test_requested_mechanism_not_offered (void)
{
  Options opts = { .auth = EP_SMTP_AUTH_CRAM_MD5 };
  Run run;

  run_script (&run, TO_AUTH QUIT_OK, &opts);
  assert_exact (&run);
  assert_failed (&run, EP_SMTP_ERROR_AUTH_UNSUPPORTED, EP_SMTP_OUTCOME_REFUSED);
  assert_no_auth_no_mail (&run);
  run_clear (&run);
}

/* ================================================================================================
 * AUTH mechanisms
 * ============================================================================================= */

#define EHLO_TLS_AUTH(mechs) "S: 250-mx.test\nS: 250-PIPELINING\nS: 250-SIZE 10485760\nS: 250 AUTH " mechs "\n"
#define TO_AUTH_WITH(mechs)  GREETING C_EHLO EHLO_STARTTLS STARTTLS_OK C_EHLO EHLO_TLS_AUTH (mechs)
#define AFTER_AUTH           ENVELOPE_OK BODY_OK QUIT_OK

static void
test_auth_plain (void)
{
  Options opts = { .auth = EP_SMTP_AUTH_PLAIN };
  Run run;

  run_script (&run, TO_AUTH_WITH ("LOGIN PLAIN") AUTH_PLAIN_OK AFTER_AUTH, &opts);
  assert_exact (&run);
  assert_delivered (&run);
  g_assert_cmpstr (run.result->auth_mechanism, ==, "PLAIN");
  run_clear (&run);
}

static void
test_auth_login (void)
{
  Options opts = { .auth = EP_SMTP_AUTH_LOGIN };
  Run run;

  run_script (&run,
              TO_AUTH_WITH ("PLAIN LOGIN")
              "C: AUTH LOGIN\n"
              "S: 334 VXNlcm5hbWU6\n"
              "C: {USER64}\n"
              "S: 334 UGFzc3dvcmQ6\n"
              "C: {PASS64}\n"
              "S: 235 2.7.0 Authentication successful\n"
              AFTER_AUTH, &opts);
  assert_exact (&run);
  assert_delivered (&run);
  g_assert_cmpstr (run.result->auth_mechanism, ==, "LOGIN");
  run_clear (&run);
}

/* RFC 2195 §2 example: user "tim", password "tanstaaftanstaaf". */
static void
test_auth_cram_md5 (void)
{
  Options opts = { .user = "tim", .password = "tanstaaftanstaaf" };
  Run run;

  run_script (&run,
              TO_AUTH_WITH ("PLAIN LOGIN CRAM-MD5")
              "C: AUTH CRAM-MD5\n"
              "S: 334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\n"
              "C: dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\n"
              "S: 235 2.7.0 Authentication successful\n"
              AFTER_AUTH, &opts);
  assert_exact (&run);
  assert_delivered (&run);
  g_assert_cmpstr (run.result->auth_mechanism, ==, "CRAM-MD5");
  run_clear (&run);
}

static void
run_scram (Run         *run,
           ScramServer *scram,
           const char  *offered,
           const char  *after,
           const Options *opts)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *before = g_strdup_printf (TO_AUTH_WITH ("%s"), offered);
  g_autofree char *before_expanded = expand (before);
  g_autofree char *after_expanded = expand (after);
  EpScriptServer *server = ep_script_server_new ();

  g_assert_true (ep_script_server_add_script (server, before_expanded, &error));
  ep_script_server_add_responder (server, scram_responder, scram);
  g_assert_true (ep_script_server_add_script (server, after_expanded, &error));
  g_assert_true (ep_script_server_start (server, &error));
  g_assert_no_error (error);

  run_with_server (run, server, opts);
  run->script = g_strconcat (before_expanded, after_expanded, NULL);
}

/* The AUTH lines a responder handled are not in the script; everything around them is. */
static void
assert_sent_around_auth (Run        *run,
                         const char *auth_start)
{
  g_autofree char *got = received (run);
  const char *auth = strstr (got, auth_start);
  const char *mail = strstr (got, "MAIL FROM:");
  g_autofree char *expected = derive_client_bytes (run);
  const char *expected_mail = strstr (expected, "MAIL FROM:");

  g_assert_nonnull (auth);
  /* Before AUTH: the script's lines, byte for byte. */
  g_assert_cmpint (strncmp (got, expected, auth - got), ==, 0);
  g_assert_true (g_str_has_prefix (expected + (auth - got), expected_mail != NULL ? expected_mail : "QUIT"));
  /* After AUTH: the script's lines again. */
  if (expected_mail != NULL)
    {
      g_assert_nonnull (mail);
      g_assert_cmpstr (mail, ==, expected_mail);
    }
}

static void
test_auth_scram (gconstpointer data)
{
  gboolean sha256 = GPOINTER_TO_INT (data);
  ScramServer scram;
  Run run;

  scram_server_init (&scram, sha256, SCRAM_GOOD);
  /* Automatic choice: the strongest offered. */
  run_scram (&run, &scram, sha256 ? "PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256" : "PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1",
             AFTER_AUTH, NULL);
  assert_script_ok (&run);
  g_assert_true (scram.proof_verified);
  assert_delivered (&run);
  g_assert_cmpstr (run.result->auth_mechanism, ==, scram.mechanism);
  assert_sent_around_auth (&run, "AUTH SCRAM-");
  assert_body (&run, 0, RAW_MESSAGE);
  scram_server_clear (&scram);
  run_clear (&run);
}

/* RFC 7677 §3 server-final as additional data with 235 (RFC 4954 §4). */
static void
test_auth_scram_final_in_235 (void)
{
  ScramServer scram;
  Run run;

  scram_server_init (&scram, TRUE, SCRAM_GOOD_IN_235);
  run_scram (&run, &scram, "SCRAM-SHA-256", AFTER_AUTH, NULL);
  assert_script_ok (&run);
  assert_delivered (&run);
  assert_sent_around_auth (&run, "AUTH SCRAM-SHA-256 ");
  scram_server_clear (&scram);
  run_clear (&run);
}

/* A server that cannot prove it knows the password is not trusted with the mail. */
static void
test_auth_scram_bad_signature (void)
{
  ScramServer scram;
  Run run;

  scram_server_init (&scram, TRUE, SCRAM_BAD_SIGNATURE);
  run_scram (&run, &scram, "SCRAM-SHA-256", QUIT_OK, NULL);
  assert_script_ok (&run);
  assert_failed (&run, EP_SMTP_ERROR_AUTH_FAILED, EP_SMTP_OUTCOME_REFUSED);
  {
    g_autofree char *got = received (&run);
    g_assert_true (g_str_has_suffix (got, "*\r\nQUIT\r\n"));
  }
  g_assert_false (ep_script_server_received_contains (run.server, "MAIL"));
  scram_server_clear (&scram);
  run_clear (&run);
}

static void
test_auth_scram_no_signature (void)
{
  ScramServer scram;
  Run run;

  scram_server_init (&scram, TRUE, SCRAM_NO_SIGNATURE);
  run_scram (&run, &scram, "SCRAM-SHA-256", QUIT_OK, NULL);
  assert_script_ok (&run);
  assert_failed (&run, EP_SMTP_ERROR_AUTH_FAILED, EP_SMTP_OUTCOME_REFUSED);
  g_assert_false (ep_script_server_received_contains (run.server, "MAIL"));
  scram_server_clear (&scram);
  run_clear (&run);
}

/* RFC 5802 §5.1: the server nonce must start with the client's (or it is a replay). */
static void
test_auth_scram_nonce_not_extended (void)
{
  ScramServer scram;
  Run run;

  scram_server_init (&scram, TRUE, SCRAM_NONCE_NOT_EXTENDED);
  run_scram (&run, &scram, "SCRAM-SHA-256", QUIT_OK, NULL);
  assert_script_ok (&run);
  {
    g_autofree char *got = received (&run);
    g_assert_true (g_str_has_suffix (got, "*\r\nQUIT\r\n"));
  }
  assert_failed (&run, EP_SMTP_ERROR_PROTOCOL, EP_SMTP_OUTCOME_REFUSED);
  g_assert_false (ep_script_server_received_contains (run.server, "MAIL"));
  scram_server_clear (&scram);
  run_clear (&run);
}

typedef struct
{
  gboolean     sha256;
  const char  *password;
  const char  *client_nonce;
  const char  *server_nonce;   /* the part after the client's */
  const char  *salt_b64;
  const char  *client_final;
  const char  *server_final;
} ScramVector;

/* RFC 5802 §5 (SHA-1) and RFC 7677 §3 (SHA-256). */
static const ScramVector scram_vectors[] = {
  { FALSE, "pencil", "fyko+d2lbbFgONRv9qkxdawL", "3rfcNHYJY1ZVvWVs7j", "QSXCR+Q6sek8bf92",
    "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
    "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=" },
  { TRUE, "pencil", "rOprNGfwEbeRWgbNEkqO", "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", "W22ZaJ0SNY7soEsUEjb6gQ==",
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
    "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=" },
};

/* The RFC vectors through the engine's SASL client (with its test-only fixed nonce) and through
 * the test's SCRAM server, so that the end-to-end SCRAM cases rest on a checked server. */
static void
test_auth_scram_vectors (gconstpointer data)
{
  const ScramVector *v = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(EpSmtpSasl) sasl = ep_smtp_sasl_new (v->sha256 ? EP_SMTP_AUTH_SCRAM_SHA_256 : EP_SMTP_AUTH_SCRAM_SHA_1,
                                                 "user", v->password, &error);
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) final = NULL;
  g_autoptr(GBytes) empty = NULL;
  g_autofree char *first_text = NULL;
  g_autofree char *final_text = NULL;
  g_autofree char *expected_first = g_strdup_printf ("n,,n=user,r=%s", v->client_nonce);
  ScramServer scram;

  g_assert_no_error (error);
  ep_smtp_sasl_set_client_nonce (sasl, v->client_nonce);
  g_assert_true (ep_smtp_sasl_get_initial_response (sasl, &first));
  first_text = g_strndup (g_bytes_get_data (first, NULL), g_bytes_get_size (first));
  g_assert_cmpstr (first_text, ==, expected_first);

  scram_server_init (&scram, v->sha256, SCRAM_GOOD);
  scram.user = "user";
  scram.password = v->password;
  scram.server_nonce = v->server_nonce;
  scram.salt_b64 = v->salt_b64;
  g_assert_true (scram_take_client_first (&scram, first_text));

  g_assert_cmpint (ep_smtp_sasl_step (sasl, (const guint8 *) scram.server_first, strlen (scram.server_first),
                                      &final, &error), ==, EP_SMTP_SASL_CONTINUE);
  g_assert_no_error (error);
  final_text = g_strndup (g_bytes_get_data (final, NULL), g_bytes_get_size (final));
  g_assert_cmpstr (final_text, ==, v->client_final);

  g_assert_true (scram_take_client_final (&scram, final_text));
  g_assert_cmpstr (scram.server_final, ==, v->server_final);

  g_assert_cmpint (ep_smtp_sasl_step (sasl, (const guint8 *) scram.server_final, strlen (scram.server_final),
                                      &empty, &error), ==, EP_SMTP_SASL_CONTINUE);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (empty), ==, 0);
  g_assert_true (ep_smtp_sasl_is_server_verified (sasl));
  scram_server_clear (&scram);
}

static void
test_auth_xoauth2 (void)
{
  Options opts = { .token = TOKEN };
  Run run;

  run_script (&run,
              TO_AUTH_WITH ("PLAIN XOAUTH2")
              "C: AUTH XOAUTH2 {XOAUTH2}\n"
              "S: 235 2.7.0 Accepted\n"
              AFTER_AUTH, &opts);
  assert_exact (&run);
  assert_delivered (&run);
  g_assert_cmpstr (run.result->auth_mechanism, ==, "XOAUTH2");
  run_clear (&run);
}

static void
test_auth_oauthbearer (void)
{
  Options opts = { .token = TOKEN };
  Run run;

  run_script (&run,
              TO_AUTH_WITH ("XOAUTH2 OAUTHBEARER")
              "C: AUTH OAUTHBEARER {OAUTHBEARER}\n"
              "S: 235 2.7.0 Accepted\n"
              AFTER_AUTH, &opts);
  assert_exact (&run);
  assert_delivered (&run);
  g_assert_cmpstr (run.result->auth_mechanism, ==, "OAUTHBEARER");
  run_clear (&run);
}

/* RFC 7628 §3.2.2: an error challenge in JSON, acknowledged with ^A, then 535. */
static void
test_auth_oauthbearer_error_challenge (void)
{
  Options opts = { .token = TOKEN };
  Run run;

  run_script (&run,
              TO_AUTH_WITH ("OAUTHBEARER")
              "C: AUTH OAUTHBEARER {OAUTHBEARER}\n"
              "S: 334 eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIn0=\n"
              "C: AQ==\n"
              "S: 535 5.7.8 Authentication credentials invalid\n"
              QUIT_OK, &opts);
  assert_exact (&run);
  assert_failed (&run, EP_SMTP_ERROR_AUTH_FAILED, EP_SMTP_OUTCOME_REFUSED);
  g_assert_nonnull (strstr (run.error->message, "invalid_token"));
  g_assert_false (ep_script_server_received_contains (run.server, "MAIL"));
  run_clear (&run);
}

typedef struct
{
  const char  *reply;
  EpSmtpError  code;
  EpSmtpOutcome outcome;
} AuthFailure;

static const AuthFailure auth_failures[] = {
  { "535 5.7.8 Authentication credentials invalid", EP_SMTP_ERROR_AUTH_FAILED, EP_SMTP_OUTCOME_REFUSED },
  { "454 4.7.0 Temporary authentication failure", EP_SMTP_ERROR_AUTH_TEMPORARY, EP_SMTP_OUTCOME_TEMPORARY },
  { "534 5.7.9 Authentication mechanism is too weak", EP_SMTP_ERROR_AUTH_TOO_WEAK, EP_SMTP_OUTCOME_REFUSED },
  { "538 5.7.11 Encryption required for requested authentication mechanism",
    EP_SMTP_ERROR_AUTH_ENCRYPTION_REQUIRED, EP_SMTP_OUTCOME_REFUSED },
  { "530 5.7.0 Authentication required", EP_SMTP_ERROR_AUTH_REQUIRED, EP_SMTP_OUTCOME_REFUSED },
};

static void
test_auth_failure (gconstpointer data)
{
  const AuthFailure *failure = data;
  g_autofree char *script = g_strdup_printf (TO_AUTH
                                             "C: AUTH PLAIN {PLAIN}\n"
                                             "S: %s\n"
                                             QUIT_OK, failure->reply);
  Run run;

  run_script (&run, script, NULL);
  assert_exact (&run);
  assert_failed (&run, failure->code, failure->outcome);
  g_assert_nonnull (strstr (run.error->message, failure->reply + 4));
  g_assert_false (ep_script_server_received_contains (run.server, "MAIL"));
  /* The password is in no message and no transcript. */
  g_assert_null (strstr (run.error->message, PASS));
  run_clear (&run);
}

typedef struct
{
  EpSmtpAuthMechanism mechanism;
  const char         *auth_lines;   /* everything the client sends in the exchange, "*" included */
} EndlessCase;

/* {CRAM} is the CRAM-MD5 answer to the challenge "Username:". Each mechanism has a fixed number
 * of rounds; the first challenge too many is cancelled. */
static const EndlessCase endless_cases[] = {
  { EP_SMTP_AUTH_PLAIN, "AUTH PLAIN {PLAIN}\r\n*\r\n" },
  { EP_SMTP_AUTH_LOGIN, "AUTH LOGIN\r\n{USER64}\r\n{PASS64}\r\n*\r\n" },
  { EP_SMTP_AUTH_CRAM_MD5, "AUTH CRAM-MD5\r\n{CRAM}\r\n*\r\n" },
};

/* 334 after 334: the client cancels with "*" within its bound, sends no MAIL. */
static void
test_auth_endless_challenges (gconstpointer data)
{
  const EndlessCase *c = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *before = expand (TO_AUTH_WITH ("PLAIN LOGIN CRAM-MD5"));
  g_autofree char *auth_lines = expand (c->auth_lines);
  g_autofree char *digest = g_compute_hmac_for_string (G_CHECKSUM_MD5, (const guchar *) PASS, strlen (PASS),
                                                       "Username:", -1);
  g_autofree char *cram_text = g_strdup_printf ("%s %s", USER, digest);
  g_autofree char *cram = b64_of (cram_text, strlen (cram_text));
  g_autofree char *before_bytes = NULL;
  g_autofree char *expected = NULL;
  EndlessAuth endless = { "VXNlcm5hbWU6", 0, FALSE };
  EpScriptServer *server = ep_script_server_new ();
  Options opts = { .auth = c->mechanism };
  g_autofree char *got = NULL;
  GString *tmp;
  Run run;

  g_assert_true (ep_script_server_add_script (server, before, &error));
  ep_script_server_add_responder (server, endless_responder, &endless);
  g_assert_true (ep_script_server_add_script (server, QUIT_OK, &error));
  g_assert_true (ep_script_server_start (server, &error));
  g_assert_no_error (error);

  run_with_server (&run, server, &opts);
  run.script = g_strdup (before);
  assert_script_ok (&run);
  g_assert_true (endless.cancelled);
  g_assert_cmpuint (endless.lines, <=, EP_SMTP_SASL_MAX_ROUNDS + 2);
  assert_failed (&run, EP_SMTP_ERROR_PROTOCOL, EP_SMTP_OUTCOME_REFUSED);

  tmp = g_string_new (auth_lines);
  g_string_replace (tmp, "{CRAM}", cram, 0);
  before_bytes = derive_client_bytes (&run);
  expected = g_strconcat (before_bytes, tmp->str, "QUIT\r\n", NULL);
  g_string_free (tmp, TRUE);
  got = received (&run);
  g_assert_cmpstr (got, ==, expected);
  run_clear (&run);
}

/* A 334 far beyond the reply line limit. */
static void
test_auth_huge_challenge (void)
{
  Options opts = { .auth = EP_SMTP_AUTH_LOGIN };
  Run run;

  run_script (&run,
              TO_AUTH
              "C: AUTH LOGIN\n"
              "S! 334 \n"
              "FLOOD 20000: QUFBQUFBQUFB\n"
              "S: \n"
              "EOF\n", &opts);
  assert_exact (&run);
  assert_failed (&run, EP_SMTP_ERROR_PROTOCOL, EP_SMTP_OUTCOME_REFUSED);
  g_assert_false (ep_script_server_received_contains (run.server, "MAIL"));
  g_assert_false (ep_script_server_received_contains (run.server, PASS));
  run_clear (&run);
}

/* A challenge that is not base64: "*", then nothing more. */
static void
test_auth_malformed_challenge (void)
{
  Options opts = { .auth = EP_SMTP_AUTH_LOGIN };
  Run run;

  run_script (&run,
              TO_AUTH
              "C: AUTH LOGIN\n"
              "S: 334 not base64 at all!\n"
              "C= *\n"
              "S: 501 5.7.0 Authentication cancelled\n"
              QUIT_OK, &opts);
  assert_exact (&run);
  assert_failed (&run, EP_SMTP_ERROR_PROTOCOL, EP_SMTP_OUTCOME_REFUSED);
  g_assert_false (ep_script_server_received_contains (run.server, "MAIL"));
  run_clear (&run);
}

/* ================================================================================================
 * Replies: malformed, huge, endless, multiline
 * ============================================================================================= */

static void
test_reply_multiline_greeting (void)
{
  Run run;

  run_script (&run,
              "S: 220-mx.test ESMTP\n"
              "S: 220-Unauthorised use is prohibited.\n"
              "S: 220 Be nice.\n"
              C_EHLO EHLO_STARTTLS STARTTLS_OK C_EHLO EHLO_TLS AUTH_PLAIN_OK AFTER_AUTH, NULL);
  assert_exact (&run);
  assert_delivered (&run);
  run_clear (&run);
}

typedef struct
{
  const char   *greeting;   /* script lines */
  const char   *rest;       /* what follows */
  EpSmtpError   code;
  EpSmtpOutcome outcome;
} GreetingCase;

static const GreetingCase greeting_cases[] = {
  /* 554: no service here; RFC 5321 §3.1: the client sends QUIT. */
  { "S: 554 5.3.2 No SMTP service here\n", QUIT_OK, EP_SMTP_ERROR_SERVICE_REFUSED, EP_SMTP_OUTCOME_REFUSED },
  { "S: 421 4.3.2 Too busy, try later\n", "EOF\n", EP_SMTP_ERROR_TEMPORARY, EP_SMTP_OUTCOME_TEMPORARY },
  { "S: 450 4.3.2 Not now\n", QUIT_OK, EP_SMTP_ERROR_TEMPORARY, EP_SMTP_OUTCOME_TEMPORARY },
  /* Malformed: the dialogue is out of step, so not even QUIT. */
  { "S: hello there\n", "EOF\n", EP_SMTP_ERROR_PROTOCOL, EP_SMTP_OUTCOME_REFUSED },
  { "S: 2200 mx.test\n", "EOF\n", EP_SMTP_ERROR_PROTOCOL, EP_SMTP_OUTCOME_REFUSED },
  { "S: 999 what\n", "EOF\n", EP_SMTP_ERROR_PROTOCOL, EP_SMTP_OUTCOME_REFUSED },
  { "S: 250 not a greeting\n", "EOF\n", EP_SMTP_ERROR_PROTOCOL, EP_SMTP_OUTCOME_REFUSED },
  { "S: 220-first line\nS: 250 second line with another code\n", "EOF\n", EP_SMTP_ERROR_PROTOCOL,
    EP_SMTP_OUTCOME_REFUSED },
  /* Endless: more lines than any reply may have (EP_SMTP_REPLY_MAX_LINES). */
  { "FLOOD 100000: 220-still greeting you\\r\\n\n", "EOF\n", EP_SMTP_ERROR_PROTOCOL, EP_SMTP_OUTCOME_REFUSED },
  /* Huge: one line far beyond EP_SMTP_REPLY_LINE_MAX, without end. */
  { "S! 220 \nFLOOD 100000: xxxxxxxxxx\n", "EOF\n", EP_SMTP_ERROR_PROTOCOL, EP_SMTP_OUTCOME_REFUSED },
  /* Long lines within the line limit but beyond EP_SMTP_REPLY_MAX_BYTES in total. */
  { "FLOOD 80: 220-0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789\\r\\n\n", "EOF\n", EP_SMTP_ERROR_PROTOCOL, EP_SMTP_OUTCOME_REFUSED },
  /* The connection closes before any greeting. */
  { "CLOSE\n", "", EP_SMTP_ERROR_CONNECTION_LOST, EP_SMTP_OUTCOME_TEMPORARY },
  { "STALL: 100\nRESET\n", "", EP_SMTP_ERROR_CONNECTION_LOST, EP_SMTP_OUTCOME_TEMPORARY },
  /* Half a greeting, then gone. */
  { "S! 220 mx.te\nCLOSE\n", "", EP_SMTP_ERROR_CONNECTION_LOST, EP_SMTP_OUTCOME_TEMPORARY },
};

static void
test_greeting (gconstpointer data)
{
  const GreetingCase *c = data;
  g_autofree char *script = g_strconcat (c->greeting, c->rest, NULL);
  Options opts = { .timeout = 5 };
  Run run;

  run_script (&run, script, &opts);
  assert_exact (&run);
  assert_failed (&run, c->code, c->outcome);
  assert_no_auth_no_mail (&run);
  g_assert_false (ep_script_server_received_contains (run.server, "EHLO"));
  /* Bounded: no case waits for the (5 s) timeout. */
  g_assert_cmpint (run.elapsed_us, <, ep_test_slack (2500 * 1000));
  run_clear (&run);
}

/* The server's text ends up in dialogs and terminals: no control characters survive. */
static void
test_reply_control_characters (void)
{
  Run run;

  run_script (&run,
              TO_AUTH
              "C: AUTH PLAIN {PLAIN}\n"
              "S: 535 5.7.8 bad\\x1b[31m red \\x07bell\n"
              QUIT_OK, NULL);
  assert_exact (&run);
  assert_failed (&run, EP_SMTP_ERROR_AUTH_FAILED, EP_SMTP_OUTCOME_REFUSED);
  g_assert_null (strchr (run.error->message, '\x1b'));
  g_assert_null (strchr (run.error->message, '\x07'));
  run_clear (&run);
}

/* ================================================================================================
 * The transaction
 * ============================================================================================= */

static void
test_full_session (void)
{
  Run run;
  g_autofree char *transcript = NULL;

  run_script (&run, FULL_SESSION, NULL);
  assert_exact (&run);
  assert_delivered (&run);
  assert_body (&run, 0, RAW_MESSAGE);
  g_assert_cmpuint (run.result->final_code, ==, 250);
  g_assert_cmpuint (run.result->transactions, ==, 1);
  g_assert_true (ep_smtp_result_find_recipient (run.result, RECIPIENT)->accepted);
  g_assert_cmpstr (run.result->tls->protocol_version, ==, "TLS 1.3");

  /* Progress: stages in order, bytes up to the whole message, DONE last and once. */
  {
    EpSmtpStage last_stage = EP_SMTP_STAGE_CONNECTING;
    guint64 max_sent = 0;
    guint done = 0;

    g_assert_cmpuint (run.progress->len, >=, 4);
    for (guint i = 0; i < run.progress->len; i++)
      {
        ProgressEvent *e = &g_array_index (run.progress, ProgressEvent, i);

        g_assert_cmpint (e->stage, >=, last_stage);
        last_stage = e->stage;
        if (e->stage == EP_SMTP_STAGE_SENDING)
          max_sent = MAX (max_sent, e->sent);
        done += e->stage == EP_SMTP_STAGE_DONE;
        g_assert_cmpuint (e->total, ==, strlen (RAW_MESSAGE));
      }
    g_assert_cmpuint (max_sent, ==, strlen (RAW_MESSAGE));
    g_assert_cmpuint (done, ==, 1);
    g_assert_cmpint (g_array_index (run.progress, ProgressEvent, run.progress->len - 1).stage, ==,
                     EP_SMTP_STAGE_DONE);
  }

  /* The transcript: no password, no AUTH payload, no body text. */
  transcript = ep_smtp_transcript_to_string (run.transcript);
  {
    g_autofree char *plain = expand ("{PLAIN}");

    g_assert_null (strstr (transcript, PASS));
    g_assert_null (strstr (transcript, plain));
    g_assert_null (strstr (transcript, "Hello, world."));
    g_assert_nonnull (strstr (transcript, "C: MAIL FROM:<alice@example.org>"));
  }
  run_clear (&run);
}

/* MAIL, RCPTs and DATA in one segment; nothing before 354; the body after. */
static void
test_pipelining_one_segment (void)
{
  static const char *rcpts[] = { "bob@example.net", "carol@example.net", "dave@example.com", NULL };
  Options opts = { .rcpts = rcpts };
  g_autoptr(GBytes) group = NULL;
  g_autofree char *group_text = NULL;
  g_autofree char *expected = expand ("MAIL FROM:<alice@example.org> SIZE={SIZE}\r\n"
                                      "RCPT TO:<bob@example.net>\r\n"
                                      "RCPT TO:<carol@example.net>\r\n"
                                      "RCPT TO:<dave@example.com>\r\n"
                                      "DATA\r\n");
  guint n;
  Run run;

  run_script (&run,
              TO_MAIL
              "C: MAIL FROM:<alice@example.org> SIZE={SIZE}\n"
              "C: RCPT TO:<bob@example.net>\n"
              "C: RCPT TO:<carol@example.net>\n"
              "C: RCPT TO:<dave@example.com>\n"
              "C: DATA\n"
              "QUIET: 200\n"
              "S: 250 2.1.0 ok\n"
              "S: 250 2.1.5 ok\n"
              "S: 250 2.1.5 ok\n"
              "S: 250 2.1.5 ok\n"
              "S: 354 go ahead\n"
              BODY_OK QUIT_OK, &opts);
  assert_exact (&run);
  assert_delivered (&run);

  /* The reads: ..., AUTH, the envelope group, the body, QUIT. */
  n = ep_script_server_get_n_reads (run.server);
  g_assert_cmpuint (n, >=, 4);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GBytes) read = ep_script_server_get_read (run.server, i);

      if (g_bytes_get_size (read) >= 10 && memcmp (g_bytes_get_data (read, NULL), "MAIL FROM:", 10) == 0)
        group = g_steal_pointer (&read);
    }
  g_assert_nonnull (group);
  group_text = g_strndup (g_bytes_get_data (group, NULL), g_bytes_get_size (group));
  g_assert_cmpstr (group_text, ==, expected);
  run_clear (&run);
}

/* Without PIPELINING every command waits for its reply. */
static void
test_no_pipelining (void)
{
  Run run;

  run_script (&run,
              GREETING C_EHLO EHLO_STARTTLS STARTTLS_OK C_EHLO
              "S: 250-mx.test\n"
              "S: 250-SIZE 10485760\n"
              "S: 250 AUTH PLAIN\n"
              AUTH_PLAIN_OK
              "C: MAIL FROM:<alice@example.org> SIZE={SIZE}\n"
              "QUIET: 100\n"
              "S: 250 2.1.0 ok\n"
              "C: RCPT TO:<bob@example.net>\n"
              "QUIET: 100\n"
              "S: 250 2.1.5 ok\n"
              "C: DATA\n"
              "QUIET: 100\n"
              "S: 354 go ahead\n"
              BODY_OK QUIT_OK, NULL);
  assert_exact (&run);
  assert_delivered (&run);
  run_clear (&run);
}

/* Dots at line starts are doubled, bare LF and CR become CRLF, a missing final newline is added. */
static void
test_dot_stuffing_and_crlf (void)
{
  static const char raw[] =
    "Subject: dots\n"
    "\n"
    ".leading dot\n"
    "..two dots\n"
    ".\n"
    "bare CR\rend\r\n"
    ". \r\n"
    "no final newline";
  g_autofree char *script = g_strdup_printf (TO_MAIL
                                             "C: MAIL FROM:<alice@example.org> SIZE=%" G_GSIZE_FORMAT "\n"
                                             "C: RCPT TO:<bob@example.net>\n"
                                             "C: DATA\n"
                                             "S: 250 2.1.0 ok\n"
                                             "S: 250 2.1.5 ok\n"
                                             "S: 354 go ahead\n"
                                             BODY_OK QUIT_OK, strlen (raw));
  Options opts = { .raw = raw };
  Run run;

  run_script (&run, script, &opts);
  assert_exact (&run);
  assert_delivered (&run);
  assert_body (&run, 0,
               "Subject: dots\r\n"
               "\r\n"
               "..leading dot\r\n"
               "...two dots\r\n"
               "..\r\n"
               "bare CR\r\n"
               "end\r\n"
               ".. \r\n"
               "no final newline\r\n");
  run_clear (&run);
}

/* CHUNKING: BDAT after the recipients are known, the octets as they are (no dot-stuffing). */
static void
test_bdat (void)
{
  static const char raw[] =
    "Subject: chunks\r\n"
    "\r\n"
    ".a line with a dot\r\n"
    ".\r\n"
    "end\r\n";
  g_autofree char *script = g_strdup_printf (GREETING C_EHLO EHLO_STARTTLS STARTTLS_OK C_EHLO
                                             "S: 250-mx.test\n"
                                             "S: 250-PIPELINING\n"
                                             "S: 250-CHUNKING\n"
                                             "S: 250-SIZE 10485760\n"
                                             "S: 250 AUTH PLAIN\n"
                                             AUTH_PLAIN_OK
                                             "C: MAIL FROM:<alice@example.org> SIZE=%" G_GSIZE_FORMAT "\n"
                                             "C: RCPT TO:<bob@example.net>\n"
                                             "QUIET: 100\n"
                                             "S: 250 2.1.0 ok\n"
                                             "S: 250 2.1.5 ok\n"
                                             "BDAT: 250 2.0.0 Ok: queued as 4712\n"
                                             QUIT_OK, strlen (raw));
  Options opts = { .raw = raw };
  Run run;

  run_script (&run, script, &opts);
  assert_exact (&run);
  assert_delivered (&run);
  assert_body (&run, 0, raw);
  g_assert_false (ep_script_server_received_contains (run.server, "DATA"));
  run_clear (&run);
}

/* CHUNKING without PIPELINING. */
static void
test_bdat_no_pipelining (void)
{
  Run run;

  run_script (&run,
              GREETING C_EHLO EHLO_STARTTLS STARTTLS_OK C_EHLO
              "S: 250-mx.test\n"
              "S: 250-CHUNKING\n"
              "S: 250 AUTH PLAIN\n"
              AUTH_PLAIN_OK
              "C: MAIL FROM:<alice@example.org>\n"
              "S: 250 2.1.0 ok\n"
              "C: RCPT TO:<bob@example.net>\n"
              "S: 250 2.1.5 ok\n"
              "BDAT: 250 2.0.0 Ok: queued\n"
              QUIT_OK, NULL);
  assert_exact (&run);
  assert_delivered (&run);
  assert_body (&run, 0, RAW_MESSAGE);
  run_clear (&run);
}

/* A BDAT refused after the last chunk. */
static void
test_bdat_refused (void)
{
  Run run;

  run_script (&run,
              GREETING C_EHLO EHLO_STARTTLS STARTTLS_OK C_EHLO
              "S: 250-mx.test\n"
              "S: 250-CHUNKING\n"
              "S: 250 AUTH PLAIN\n"
              AUTH_PLAIN_OK
              "C: MAIL FROM:<alice@example.org>\n"
              "S: 250 2.1.0 ok\n"
              "C: RCPT TO:<bob@example.net>\n"
              "S: 250 2.1.5 ok\n"
              "BDAT: 554 5.6.0 Message rejected: spam\n"
              QUIT_OK, NULL);
  assert_exact (&run);
  assert_failed (&run, EP_SMTP_ERROR_MESSAGE_REJECTED, EP_SMTP_OUTCOME_REFUSED);
  g_assert_cmpuint (run.result->final_code, ==, 554);
  run_clear (&run);
}

/* ---- The hook before the end of the data ----------------------------------------------------- */

typedef struct
{
  EpScriptServer *server;
  guint           calls;
  gboolean        fail;
  const char     *end;           /* what ends the data on the wire */
  gboolean        end_seen;      /* the server had it when the hook ran */
} DataEndHook;

/* The server reads what arrives at once: after a short wait anything already sent is there. */
static gboolean
data_end_hook_cb (gpointer   user_data,
                  GError   **error)
{
  DataEndHook *hook = user_data;

  hook->calls++;
  g_usleep (100 * 1000);
  hook->end_seen = ep_script_server_received_contains (hook->server, hook->end);
  if (hook->fail)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "disk full");
      return FALSE;
    }
  return TRUE;
}

/* DATA: the hook runs once, before the final "CRLF.CRLF"; the message is delivered. */
static void
test_data_end_hook (void)
{
  DataEndHook hook = { server_for (FULL_SESSION), 0, FALSE, "\r\n.\r\n", FALSE };
  Options opts = { .before_data_end = data_end_hook_cb, .before_data_end_data = &hook };
  Run run;

  run_with_server (&run, hook.server, &opts);
  run.script = expand (FULL_SESSION);
  assert_exact (&run);
  assert_delivered (&run);
  g_assert_cmpuint (hook.calls, ==, 1);
  g_assert_false (hook.end_seen);
  run_clear (&run);
}

/* DATA: a hook that fails keeps the data unfinished: no terminator on the wire, the outcome
 * temporary (the message cannot have been delivered), no recipient left "unknown". */
static void
test_data_end_hook_fails (void)
{
  DataEndHook hook = { server_for (TO_MAIL ENVELOPE_OK "DRAIN\n"), 0, TRUE, "\r\n.\r\n", FALSE };
  Options opts = { .before_data_end = data_end_hook_cb, .before_data_end_data = &hook };
  g_autofree char *sent = NULL;
  Run run;

  run_with_server (&run, hook.server, &opts);
  assert_script_ok (&run);
  assert_failed (&run, EP_SMTP_ERROR_TEMPORARY, EP_SMTP_OUTCOME_TEMPORARY);
  g_assert_nonnull (strstr (run.error->message, "disk full"));
  g_assert_cmpuint (hook.calls, ==, 1);
  sent = received (&run);
  g_assert_null (strstr (sent, "\r\n.\r\n"));
  g_assert_null (strstr (sent, "QUIT"));
  g_assert_cmpuint (ep_smtp_result_count_in_state (run.result, EP_SMTP_RECIPIENT_UNKNOWN), ==, 0);
  g_assert_cmpuint (ep_smtp_result_count_in_state (run.result, EP_SMTP_RECIPIENT_DELIVERED), ==, 0);
  run_clear (&run);
}

#define CHUNKING_TO_RCPT GREETING C_EHLO EHLO_STARTTLS STARTTLS_OK C_EHLO \
                         "S: 250-mx.test\n"                              \
                         "S: 250-PIPELINING\n"                           \
                         "S: 250-CHUNKING\n"                             \
                         "S: 250 AUTH PLAIN\n"                           \
                         AUTH_PLAIN_OK                                   \
                         "C: MAIL FROM:<alice@example.org>\n"            \
                         "C: RCPT TO:<bob@example.net>\n"                \
                         "S: 250 2.1.0 ok\n"                             \
                         "S: 250 2.1.5 ok\n"

/* BDAT: the hook runs once, before the LAST chunk. */
static void
test_bdat_end_hook (void)
{
  DataEndHook hook = { server_for (CHUNKING_TO_RCPT "BDAT: 250 2.0.0 Ok: queued\n" QUIT_OK),
                       0, FALSE, "LAST", FALSE };
  Options opts = { .before_data_end = data_end_hook_cb, .before_data_end_data = &hook };
  Run run;

  run_with_server (&run, hook.server, &opts);
  run.script = expand (CHUNKING_TO_RCPT "BDAT: 250 2.0.0 Ok: queued\n" QUIT_OK);
  assert_exact (&run);
  assert_delivered (&run);
  assert_body (&run, 0, RAW_MESSAGE);
  g_assert_cmpuint (hook.calls, ==, 1);
  g_assert_false (hook.end_seen);
  run_clear (&run);
}

/* BDAT: a failing hook: no "BDAT n LAST" goes out, the outcome is temporary. */
static void
test_bdat_end_hook_fails (void)
{
  DataEndHook hook = { server_for (CHUNKING_TO_RCPT "DRAIN\n"), 0, TRUE, "LAST", FALSE };
  Options opts = { .before_data_end = data_end_hook_cb, .before_data_end_data = &hook };
  g_autofree char *sent = NULL;
  Run run;

  run_with_server (&run, hook.server, &opts);
  assert_script_ok (&run);
  assert_failed (&run, EP_SMTP_ERROR_TEMPORARY, EP_SMTP_OUTCOME_TEMPORARY);
  g_assert_cmpuint (hook.calls, ==, 1);
  sent = received (&run);
  g_assert_null (strstr (sent, "BDAT"));
  g_assert_cmpuint (ep_smtp_result_count_in_state (run.result, EP_SMTP_RECIPIENT_UNKNOWN), ==, 0);
  run_clear (&run);
}

/* ---- FUTURERELEASE (RFC 4865) ----------------------------------------------------------------- */

#define FUTURE_OPENING(limits) GREETING C_EHLO               \
                               "S: 250-mx.test\n"            \
                               "S: 250-PIPELINING\n"         \
                               "S: 250 FUTURERELEASE " limits "\n"

/* Within the server's limits: HOLDUNTIL= on MAIL, in UTC, and the message goes as usual. */
static void
test_future_release (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) later = g_date_time_add_hours (now, 2);
  g_autoptr(GTimeZone) plus_one = g_time_zone_new_offset (3600);
  g_autoptr(GDateTime) local_later = g_date_time_to_timezone (later, plus_one);
  g_autofree char *when = g_date_time_format (later, "%Y-%m-%dT%H:%M:%SZ");
  g_autofree char *script = g_strdup_printf (FUTURE_OPENING ("604800 2100-01-01T00:00:00Z")
                                             "C: MAIL FROM:<alice@example.org> HOLDUNTIL=%s\n"
                                             "C: RCPT TO:<bob@example.net>\n"
                                             "C: DATA\n"
                                             "S: 250 2.1.0 ok\n"
                                             "S: 250 2.1.5 ok\n"
                                             "S: 354 go ahead\n"
                                             BODY_OK QUIT_OK, when);
  Options opts = { .security = "none", .anonymous = TRUE, .hold_until = local_later };
  Run run;

  run_script (&run, script, &opts);
  assert_exact (&run);
  assert_delivered (&run);
  g_assert_true (ep_smtp_capabilities_has (run.result->capabilities, EP_SMTP_CAP_FUTURERELEASE));
  g_assert_cmpuint (run.result->capabilities->future_release_max_interval, ==, 604800);
  run_clear (&run);
}

/* Not offered, further ahead than its interval, or after its latest date: nothing is sent but
 * QUIT, and the caller hears why. */
static void
test_future_release_refused (void)
{
  static const char *openings[] = {
    PLAIN_OPENING,
    FUTURE_OPENING ("3600 2100-01-01T00:00:00Z"),
    FUTURE_OPENING ("604800 2001-01-01T00:00:00Z"),
  };
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) later = g_date_time_add_hours (now, 2);

  for (guint i = 0; i < G_N_ELEMENTS (openings); i++)
    {
      g_autofree char *script = g_strconcat (openings[i], QUIT_OK, NULL);
      Options opts = { .security = "none", .anonymous = TRUE, .hold_until = later };
      Run run;

      run_script (&run, script, &opts);
      assert_exact (&run);
      assert_failed (&run, EP_SMTP_ERROR_INVALID_CONFIG, EP_SMTP_OUTCOME_REFUSED);
      g_assert_false (ep_script_server_received_contains (run.server, "MAIL"));
      run_clear (&run);
    }
}

/* ---- Delivery status notifications (RFC 3461) ------------------------------------------------ */

#define DSN_OPENING GREETING C_EHLO             \
                    "S: 250-mx.test\n"          \
                    "S: 250-PIPELINING\n"       \
                    "S: 250-DSN\n"              \
                    "S: 250 SIZE 10485760\n"

/* "+" and "=" and anything outside "!".."~" become "+XX" (RFC 3461 §4); the parser takes the
 * words in any case and order, and NEVER only alone. */
static void
test_dsn_xtext_and_notify (void)
{
  g_autofree char *plain = ep_smtp_xtext_encode ("<a.b@example.org>");
  g_autofree char *coded = ep_smtp_xtext_encode ("a+b=c d\x7f\xc3\xa9");
  g_autofree char *all = NULL;
  EpSmtpDsnNotify notify = EP_SMTP_DSN_NONE;

  g_assert_cmpstr (plain, ==, "<a.b@example.org>");
  g_assert_cmpstr (coded, ==, "a+2Bb+3Dc+20d+7F+C3+A9");

  g_assert_true (ep_smtp_dsn_notify_parse ("delay, Success,FAILURE", &notify));
  g_assert_cmpint (notify, ==, EP_SMTP_DSN_SUCCESS | EP_SMTP_DSN_FAILURE | EP_SMTP_DSN_DELAY);
  all = ep_smtp_dsn_notify_to_string (notify);
  g_assert_cmpstr (all, ==, "SUCCESS,FAILURE,DELAY");
  g_assert_true (ep_smtp_dsn_notify_parse ("never", &notify));
  g_assert_cmpint (notify, ==, EP_SMTP_DSN_NEVER);
  g_assert_false (ep_smtp_dsn_notify_parse ("never,failure", &notify));
  g_assert_false (ep_smtp_dsn_notify_parse ("failure,sometimes", &notify));
  g_assert_false (ep_smtp_dsn_notify_parse ("", &notify));
  g_assert_null (ep_smtp_dsn_notify_to_string (EP_SMTP_DSN_NONE));
}

typedef struct
{
  EpSmtpDsnNotify  notify;
  EpSmtpDsnRet     ret;
  const char      *mail;   /* what follows SIZE= on MAIL */
  const char      *rcpt;   /* what follows the path on RCPT */
} DsnCase;

static const DsnCase dsn_cases[] = {
  { EP_SMTP_DSN_SUCCESS | EP_SMTP_DSN_FAILURE | EP_SMTP_DSN_DELAY, EP_SMTP_DSN_RET_HDRS,
    " RET=HDRS ENVID=<id+2B1+3D2@example.org>",
    " NOTIFY=SUCCESS,FAILURE,DELAY ORCPT=rfc822;bob@example.net" },
  { EP_SMTP_DSN_FAILURE, EP_SMTP_DSN_RET_FULL,
    " RET=FULL ENVID=<id+2B1+3D2@example.org>",
    " NOTIFY=FAILURE ORCPT=rfc822;bob@example.net" },
  /* No notification comes: neither what it would return nor an id to match it. */
  { EP_SMTP_DSN_NEVER, EP_SMTP_DSN_RET_FULL, "", " NOTIFY=NEVER ORCPT=rfc822;bob@example.net" },
};

/* The exact parameters on MAIL and on each RCPT of a server that offers DSN. */
static void
test_dsn_parameters (gconstpointer data)
{
  const DsnCase *c = data;
  g_autofree char *script = g_strdup_printf (DSN_OPENING
                                             "C: MAIL FROM:<alice@example.org> SIZE={SIZE}%s\n"
                                             "C: RCPT TO:<bob@example.net>%s\n"
                                             "C: DATA\n"
                                             "S: 250 2.1.0 ok\n"
                                             "S: 250 2.1.5 ok\n"
                                             "S: 354 go ahead\n"
                                             BODY_OK QUIT_OK, c->mail, c->rcpt);
  Options opts = { .security = "none", .anonymous = TRUE, .dsn_notify = c->notify, .dsn_ret = c->ret,
                   .dsn_envid = "<id+1=2@example.org>" };
  Run run;

  run_script (&run, script, &opts);
  assert_exact (&run);
  assert_delivered (&run);
  run_clear (&run);
}

/* A composed message: ENVID is its Message-ID, so that a notification names the message. */
static void
test_dsn_envid_is_message_id (void)
{
  g_autoptr(EpMessage) message = ep_message_new ();
  g_autoptr(EpAddress) from = ep_address_new (NULL, SENDER, "From", NULL);
  g_autoptr(EpAddress) to = ep_address_new (NULL, RECIPIENT, "To", NULL);
  g_autofree char *script = NULL;
  g_autofree char *expected = NULL;
  Options opts = { .security = "none", .anonymous = TRUE, .dsn_notify = EP_SMTP_DSN_FAILURE };
  Run run;

  ep_message_set_from (message, from);
  ep_message_add_to (message, to);
  g_assert_true (ep_message_set_body (message, "Hello.\n", -1, NULL));
  g_assert_true (ep_mime_writer_prepare (message, NULL));
  opts.message = message;
  expected = g_strdup_printf ("MAIL FROM:<alice@example.org> SIZE=%" G_GUINT64_FORMAT " RET=HDRS ENVID=%s",
                              ep_mime_writer_get_size (message), ep_message_get_message_id (message));
  script = g_strdup_printf (DSN_OPENING
                            "C: %s\n"
                            "C: RCPT TO:<bob@example.net> NOTIFY=FAILURE ORCPT=rfc822;bob@example.net\n"
                            "C: DATA\n"
                            "S: 250 2.1.0 ok\n"
                            "S: 250 2.1.5 ok\n"
                            "S: 354 go ahead\n"
                            BODY_OK QUIT_OK, expected);
  run_script (&run, script, &opts);
  assert_script_ok (&run);
  assert_delivered (&run);
  run_clear (&run);
}

/* A server without DSN: nothing but QUIT, and an error that says so (no silent drop). */
static void
test_dsn_unsupported (void)
{
  Options opts = { .security = "none", .anonymous = TRUE, .dsn_notify = EP_SMTP_DSN_FAILURE };
  Run run;

  run_script (&run, PLAIN_OPENING QUIT_OK, &opts);
  assert_exact (&run);
  assert_failed (&run, EP_SMTP_ERROR_DSN_UNSUPPORTED, EP_SMTP_OUTCOME_REFUSED);
  g_assert_false (ep_script_server_received_contains (run.server, "MAIL"));
  run_clear (&run);
}

/* ---- REQUIRETLS (RFC 8689) --------------------------------------------------------------------- */

#define EHLO_TLS_REQUIRETLS "S: 250-mx.test greets [127.0.0.1]\n" \
                            "S: 250-PIPELINING\n"                 \
                            "S: 250-SIZE 10485760\n"              \
                            "S: 250-REQUIRETLS\n"                 \
                            "S: 250 AUTH PLAIN LOGIN\n"

/* Offered inside TLS: REQUIRETLS on MAIL, whether it was required or only wanted. */
static void
test_requiretls (void)
{
  static const EpSmtpRequireTls modes[] = { EP_SMTP_REQUIRE_TLS_ON, EP_SMTP_REQUIRE_TLS_IF_OFFERED };

  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      Options opts = { .require_tls = modes[i] };
      Run run;

      run_script (&run,
                  GREETING C_EHLO EHLO_STARTTLS STARTTLS_OK C_EHLO EHLO_TLS_REQUIRETLS AUTH_PLAIN_OK
                  "C: MAIL FROM:<alice@example.org> SIZE={SIZE} REQUIRETLS\n"
                  "C: RCPT TO:<bob@example.net>\n"
                  "C: DATA\n"
                  "S: 250 2.1.0 Sender ok\n"
                  "S: 250 2.1.5 Recipient ok\n"
                  "S: 354 End data with <CR><LF>.<CR><LF>\n"
                  BODY_OK QUIT_OK, &opts);
      assert_exact (&run);
      assert_delivered (&run);
      g_assert_true (ep_smtp_capabilities_has (run.result->capabilities, EP_SMTP_CAP_REQUIRETLS));
      run_clear (&run);
    }
}

/* Not offered: required means not sent at all, with an error of its own; "if offered" means
 * the message goes without it. */
static void
test_requiretls_not_offered (void)
{
  Options required = { .require_tls = EP_SMTP_REQUIRE_TLS_ON };
  Options wanted = { .require_tls = EP_SMTP_REQUIRE_TLS_IF_OFFERED };
  Run run;

  run_script (&run, TO_MAIL QUIT_OK, &required);
  assert_exact (&run);
  assert_failed (&run, EP_SMTP_ERROR_REQUIRETLS_UNSUPPORTED, EP_SMTP_OUTCOME_REFUSED);
  g_assert_false (ep_script_server_received_contains (run.server, "MAIL"));
  run_clear (&run);

  run_script (&run, FULL_SESSION, &wanted);
  assert_exact (&run);
  assert_delivered (&run);
  run_clear (&run);
}

/* A server that offers REQUIRETLS in clear is not believed (RFC 8689 §4.1: only over TLS). */
static void
test_requiretls_in_clear (void)
{
  Options opts = { .security = "none", .anonymous = TRUE, .require_tls = EP_SMTP_REQUIRE_TLS_ON };
  Run run;

  run_script (&run,
              GREETING C_EHLO
              "S: 250-mx.test\n"
              "S: 250-PIPELINING\n"
              "S: 250 REQUIRETLS\n"
              QUIT_OK, &opts);
  assert_exact (&run);
  assert_failed (&run, EP_SMTP_ERROR_REQUIRETLS_UNSUPPORTED, EP_SMTP_OUTCOME_REFUSED);
  g_assert_false (ep_script_server_received_contains (run.server, "MAIL"));
  run_clear (&run);
}

static void
test_sender_refused (void)
{
  Run run;

  run_script (&run,
              TO_MAIL ENVELOPE
              "S: 553 5.7.1 Sender address rejected: not owned by user\n"
              "S: 503 5.5.1 Error: need MAIL command\n"
              "S: 503 5.5.1 Error: need RCPT command\n"
              QUIT_OK, NULL);
  assert_exact (&run);
  assert_failed (&run, EP_SMTP_ERROR_SENDER_REJECTED, EP_SMTP_OUTCOME_REFUSED);
  g_assert_nonnull (strstr (run.error->message, "not owned by user"));
  g_assert_cmpuint (ep_script_server_get_n_bodies (run.server), ==, 0);
  run_clear (&run);
}

/* A server that opens DATA although it refused the sender is out of step: hang up, no body. */
static void
test_sender_refused_but_354 (void)
{
  Run run;

  run_script (&run,
              TO_MAIL ENVELOPE
              "S: 550 5.7.1 Sender refused\n"
              "S: 250 2.1.5 ok\n"
              "S: 354 go ahead\n"
              "EOF\n", NULL);
  assert_exact (&run);
  assert_failed (&run, EP_SMTP_ERROR_SENDER_REJECTED, EP_SMTP_OUTCOME_REFUSED);
  g_assert_false (ep_script_server_received_contains (run.server, "Hello, world."));
  run_clear (&run);
}

static const char *three_rcpts[] = { "bob@example.net", "nobody@example.net", "carol@example.net", NULL };

#define ENVELOPE_3  "C: MAIL FROM:<alice@example.org> SIZE={SIZE}\n" \
                    "C: RCPT TO:<bob@example.net>\n"                 \
                    "C: RCPT TO:<nobody@example.net>\n"              \
                    "C: RCPT TO:<carol@example.net>\n"               \
                    "C: DATA\n"

/* Default: one refused recipient, nothing delivered. The 354 came already (pipelining), so
 * the only way not to deliver is to hang up without ending the data. */
static void
test_mixed_recipients_default (void)
{
  Options opts = { .rcpts = three_rcpts };
  EpSmtpRecipientResult *r;
  Run run;

  run_script (&run,
              TO_MAIL ENVELOPE_3
              "S: 250 2.1.0 ok\n"
              "S: 250 2.1.5 ok\n"
              "S: 550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown\n"
              "S: 250 2.1.5 ok\n"
              "S: 354 go ahead\n"
              "EOF\n", &opts);
  assert_exact (&run);
  assert_failed (&run, EP_SMTP_ERROR_RECIPIENT_REJECTED, EP_SMTP_OUTCOME_REFUSED);
  g_assert_nonnull (strstr (run.error->message, "nobody@example.net"));
  g_assert_nonnull (strstr (run.error->message, "User unknown"));
  g_assert_cmpuint (ep_smtp_result_count_refused (run.result), ==, 3);
  r = ep_smtp_result_find_recipient (run.result, "nobody@example.net");
  g_assert_cmpuint (r->code, ==, 550);
  g_assert_cmpstr (r->enhanced, ==, "5.1.1");
  g_assert_false (r->accepted);
  g_assert_false (ep_smtp_result_find_recipient (run.result, "bob@example.net")->accepted);
  g_assert_cmpuint (ep_smtp_result_find_recipient (run.result, "bob@example.net")->code, ==, 250);
  run_clear (&run);
}

/* Several refused: all listed. DATA refused by the server: a polite QUIT. */
static void
test_mixed_recipients_all_listed (void)
{
  Options opts = { .rcpts = three_rcpts };
  Run run;

  run_script (&run,
              TO_MAIL ENVELOPE_3
              "S: 250 2.1.0 ok\n"
              "S: 550 5.1.1 bob unknown\n"
              "S: 550 5.1.1 nobody unknown\n"
              "S: 250 2.1.5 ok\n"
              "S: 554 5.5.1 Error: no valid recipients\n"
              QUIT_OK, &opts);
  assert_exact (&run);
  assert_failed (&run, EP_SMTP_ERROR_RECIPIENT_REJECTED, EP_SMTP_OUTCOME_REFUSED);
  g_assert_nonnull (strstr (run.error->message, "bob unknown"));
  g_assert_nonnull (strstr (run.error->message, "nobody unknown"));
  g_assert_null (strstr (run.error->message, "carol"));
  run_clear (&run);
}

static void
test_mixed_recipients_allow_partial (void)
{
  Options opts = { .rcpts = three_rcpts, .allow_partial = TRUE };
  Run run;

  run_script (&run,
              TO_MAIL ENVELOPE_3
              "S: 250 2.1.0 ok\n"
              "S: 250 2.1.5 ok\n"
              "S: 550 5.1.1 User unknown\n"
              "S: 250 2.1.5 ok\n"
              "S: 354 go ahead\n"
              BODY_OK QUIT_OK, &opts);
  assert_exact (&run);
  assert_delivered (&run);
  assert_body (&run, 0, RAW_MESSAGE);
  g_assert_true (ep_smtp_result_find_recipient (run.result, "bob@example.net")->accepted);
  g_assert_true (ep_smtp_result_find_recipient (run.result, "carol@example.net")->accepted);
  g_assert_false (ep_smtp_result_find_recipient (run.result, "nobody@example.net")->accepted);
  g_assert_cmpuint (ep_smtp_result_count_refused (run.result), ==, 1);
  run_clear (&run);
}

static void
test_all_recipients_refused (void)
{
  Options opts = { .allow_partial = TRUE };
  Run run;

  run_script (&run,
              TO_MAIL ENVELOPE
              "S: 250 2.1.0 ok\n"
              "S: 550 5.1.1 User unknown\n"
              "S: 554 5.5.1 Error: no valid recipients\n"
              QUIT_OK, &opts);
  assert_exact (&run);
  assert_failed (&run, EP_SMTP_ERROR_RECIPIENT_REJECTED, EP_SMTP_OUTCOME_REFUSED);
  run_clear (&run);
}

/* A 4xx to the only recipient: temporary. */
static void
test_recipient_temporary (void)
{
  Run run;

  run_script (&run,
              TO_MAIL ENVELOPE
              "S: 250 2.1.0 ok\n"
              "S: 450 4.2.0 Greylisted, try again later\n"
              "S: 554 5.5.1 Error: no valid recipients\n"
              QUIT_OK, NULL);
  assert_exact (&run);
  assert_failed (&run, EP_SMTP_ERROR_TEMPORARY, EP_SMTP_OUTCOME_TEMPORARY);
  g_assert_nonnull (strstr (run.error->message, "Greylisted"));
  run_clear (&run);
}

/* 452 4.5.3: the rest goes in a second transaction over the same connection. */
static void
test_too_many_recipients (void)
{
  Options opts = { .rcpts = three_rcpts };
  Run run;

  run_script (&run,
              TO_MAIL ENVELOPE_3
              "S: 250 2.1.0 ok\n"
              "S: 250 2.1.5 ok\n"
              "S: 250 2.1.5 ok\n"
              "S: 452 4.5.3 Error: too many recipients\n"
              "S: 354 go ahead\n"
              BODY_OK
              "C: MAIL FROM:<alice@example.org> SIZE={SIZE}\n"
              "C: RCPT TO:<carol@example.net>\n"
              "C: DATA\n"
              "S: 250 2.1.0 ok\n"
              "S: 250 2.1.5 ok\n"
              "S: 354 go ahead\n"
              BODY_OK QUIT_OK, &opts);
  assert_exact (&run);
  assert_delivered (&run);
  assert_body (&run, 0, RAW_MESSAGE);
  assert_body (&run, 1, RAW_MESSAGE);
  g_assert_cmpuint (run.result->transactions, ==, 2);
  for (guint i = 0; three_rcpts[i] != NULL; i++)
    g_assert_true (ep_smtp_result_find_recipient (run.result, three_rcpts[i])->accepted);
  run_clear (&run);
}

/* After a 452 the first transaction is delivered; whatever happens to the second, the outcome is
 * partial delivery with each recipient's state, never "refused" or "temporary", which would
 * invite a retry to everyone. */
#define FIRST_OF_TWO  TO_MAIL ENVELOPE_3                           \
                      "S: 250 2.1.0 ok\n"                          \
                      "S: 250 2.1.5 ok\n"                          \
                      "S: 250 2.1.5 ok\n"                          \
                      "S: 452 4.5.3 Error: too many recipients\n"  \
                      "S: 354 go ahead\n"                          \
                      BODY_OK                                       \
                      "C: MAIL FROM:<alice@example.org> SIZE={SIZE}\n" \
                      "C: RCPT TO:<carol@example.net>\n"           \
                      "C: DATA\n"

static void
assert_partial (Run                 *run,
                EpSmtpError          code,
                EpSmtpRecipientState carol)
{
  assert_failed (run, code, EP_SMTP_OUTCOME_PARTIAL);
  g_assert_cmpint (ep_smtp_result_find_recipient (run->result, "bob@example.net")->state, ==, EP_SMTP_RECIPIENT_DELIVERED);
  g_assert_cmpint (ep_smtp_result_find_recipient (run->result, "nobody@example.net")->state, ==, EP_SMTP_RECIPIENT_DELIVERED);
  g_assert_true (ep_smtp_result_find_recipient (run->result, "bob@example.net")->accepted);
  g_assert_cmpint (ep_smtp_result_find_recipient (run->result, "carol@example.net")->state, ==, carol);
  g_assert_false (ep_smtp_result_find_recipient (run->result, "carol@example.net")->accepted);
  g_assert_cmpuint (ep_smtp_result_count_in_state (run->result, EP_SMTP_RECIPIENT_DELIVERED), ==, 2);
  assert_body (run, 0, RAW_MESSAGE);
}

static void
test_partial_then_refused (gconstpointer data)
{
  Options opts = { .rcpts = three_rcpts, .allow_partial = GPOINTER_TO_INT (data) };
  Run run;

  run_script (&run,
              FIRST_OF_TWO
              "S: 250 2.1.0 ok\n"
              "S: 550 5.1.1 carol unknown\n"
              "S: 554 5.5.1 no valid recipients\n"
              QUIT_OK, &opts);
  assert_exact (&run);
  assert_partial (&run, EP_SMTP_ERROR_RECIPIENT_REJECTED, EP_SMTP_RECIPIENT_REFUSED);
  g_assert_cmpuint (ep_smtp_result_find_recipient (run.result, "carol@example.net")->code, ==, 550);
  run_clear (&run);
}

static void
test_partial_then_temporary (void)
{
  Options opts = { .rcpts = three_rcpts };
  Run run;

  run_script (&run,
              FIRST_OF_TWO
              "S: 451 4.3.0 try later\n"
              "S: 503 5.5.1 no sender\n"
              "S: 503 5.5.1 no sender\n"
              QUIT_OK, &opts);
  assert_exact (&run);
  assert_partial (&run, EP_SMTP_ERROR_TEMPORARY, EP_SMTP_RECIPIENT_PENDING);
  run_clear (&run);
}

static void
test_partial_then_reset (void)
{
  Options opts = { .rcpts = three_rcpts };
  Run run;

  run_script (&run, FIRST_OF_TWO "RESET\n", &opts);
  assert_exact (&run);
  assert_partial (&run, EP_SMTP_ERROR_CONNECTION_LOST, EP_SMTP_RECIPIENT_PENDING);
  run_clear (&run);
}

/* The second transaction's end unanswered: carol may have it; bob and nobody do. */
static void
test_partial_then_unknown (void)
{
  Options opts = { .rcpts = three_rcpts };
  Run run;

  run_script (&run,
              FIRST_OF_TWO
              "S: 250 2.1.0 ok\n"
              "S: 250 2.1.5 ok\n"
              "S: 354 go ahead\n"
              "DATA\n"
              "C? QUIT\n"
              "RESET\n", &opts);
  assert_exact (&run);
  assert_partial (&run, EP_SMTP_ERROR_DELIVERY_UNKNOWN, EP_SMTP_RECIPIENT_UNKNOWN);
  assert_body (&run, 1, RAW_MESSAGE);
  run_clear (&run);
}

/* Raw input from a pipe cannot be read twice: the engine keeps a copy while it sends the first
 * transaction, and the second gets the same bytes. */
static void
test_too_many_recipients_pipe (void)
{
  Options opts = { .rcpts = three_rcpts, .raw_pipe = TRUE };
  Run run;

  /* The size of piped input is unknown: no SIZE= (RFC 1870 §6: it is optional). */
  run_script (&run,
              TO_MAIL
              "C: MAIL FROM:<alice@example.org>\n"
              "C: RCPT TO:<bob@example.net>\n"
              "C: RCPT TO:<nobody@example.net>\n"
              "C: RCPT TO:<carol@example.net>\n"
              "C: DATA\n"
              "S: 250 2.1.0 ok\n"
              "S: 250 2.1.5 ok\n"
              "S: 250 2.1.5 ok\n"
              "S: 452 4.5.3 Error: too many recipients\n"
              "S: 354 go ahead\n"
              BODY_OK
              "C: MAIL FROM:<alice@example.org>\n"
              "C: RCPT TO:<carol@example.net>\n"
              "C: DATA\n"
              "S: 250 2.1.0 ok\n"
              "S: 250 2.1.5 ok\n"
              "S: 354 go ahead\n"
              BODY_OK QUIT_OK, &opts);
  assert_exact (&run);
  assert_delivered (&run);
  assert_body (&run, 0, RAW_MESSAGE);
  assert_body (&run, 1, RAW_MESSAGE);
  for (guint i = 0; three_rcpts[i] != NULL; i++)
    g_assert_cmpint (ep_smtp_result_find_recipient (run.result, three_rcpts[i])->state, ==, EP_SMTP_RECIPIENT_DELIVERED);
  run_clear (&run);
}

/* SIZE: refused locally before MAIL when the server announced a smaller limit. */
static void
test_size_local_refusal (void)
{
  Run run;

  run_script (&run,
              GREETING C_EHLO EHLO_STARTTLS STARTTLS_OK C_EHLO
              "S: 250-mx.test\n"
              "S: 250-PIPELINING\n"
              "S: 250-SIZE 50\n"
              "S: 250 AUTH PLAIN\n"
              AUTH_PLAIN_OK QUIT_OK, NULL);
  assert_exact (&run);
  assert_failed (&run, EP_SMTP_ERROR_MESSAGE_TOO_BIG, EP_SMTP_OUTCOME_REFUSED);
  g_assert_false (ep_script_server_received_contains (run.server, "MAIL"));
  run_clear (&run);
}

/* SIZE=n refused in answer to MAIL FROM. */
static void
test_size_refused_at_mail (void)
{
  Run run;

  run_script (&run,
              TO_MAIL ENVELOPE
              "S: 552 5.3.4 Message size exceeds fixed limit\n"
              "S: 503 5.5.1 Error: need MAIL command\n"
              "S: 503 5.5.1 Error: need RCPT command\n"
              QUIT_OK, NULL);
  assert_exact (&run);
  assert_failed (&run, EP_SMTP_ERROR_MESSAGE_TOO_BIG, EP_SMTP_OUTCOME_REFUSED);
  g_assert_cmpuint (ep_script_server_get_n_bodies (run.server), ==, 0);
  run_clear (&run);
}

typedef struct
{
  const char   *reply;
  EpSmtpError   code;
  EpSmtpOutcome outcome;
  gboolean      quit;
} FinalCase;

static const FinalCase final_cases[] = {
  { "552 5.3.4 Message size exceeds fixed limit", EP_SMTP_ERROR_MESSAGE_TOO_BIG, EP_SMTP_OUTCOME_REFUSED, TRUE },
  { "554 5.7.1 Message rejected as spam", EP_SMTP_ERROR_MESSAGE_REJECTED, EP_SMTP_OUTCOME_REFUSED, TRUE },
  { "451 4.3.0 Local error in processing", EP_SMTP_ERROR_TEMPORARY, EP_SMTP_OUTCOME_TEMPORARY, TRUE },
  { "421 4.3.2 Shutting down", EP_SMTP_ERROR_TEMPORARY, EP_SMTP_OUTCOME_TEMPORARY, FALSE },
};

/* With PIPELINING, QUIT leaves right after the end of the message (RFC 2920 §3.1): the server
 * gets it before it answers. After a 421 the client says nothing more and hangs up. */

/* The reply after the end of data decides. */
static void
test_final_reply (gconstpointer data)
{
  const FinalCase *c = data;
  g_autofree char *script = g_strdup_printf (TO_MAIL ENVELOPE_OK
                                             "DATA\n"
                                             "C: QUIT\n"
                                             "S: %s\n"
                                             "%s", c->reply, c->quit ? "S: 221 2.0.0 Bye\nEOF\n" : "EOF\n");
  Run run;

  run_script (&run, script, NULL);
  assert_exact (&run);
  assert_failed (&run, c->code, c->outcome);
  g_assert_cmpuint (run.result->final_code, ==, (guint) g_ascii_strtoull (c->reply, NULL, 10));
  g_assert_nonnull (strstr (run.error->message, c->reply + 4));
  run_clear (&run);
}

/* After the end of data, the connection dies: the mail may or may not have been delivered. */
static void
test_lost_after_end_of_data (gconstpointer data)
{
  const char *how = data;
  g_autofree char *script = g_strdup_printf (TO_MAIL ENVELOPE_OK "DATA\n%s\n", how);
  Run run;

  run_script (&run, script, NULL);
  assert_exact (&run);
  assert_failed (&run, EP_SMTP_ERROR_DELIVERY_UNKNOWN, EP_SMTP_OUTCOME_UNKNOWN);
  assert_body (&run, 0, RAW_MESSAGE);
  run_clear (&run);
}

/* Silence after the end of data: the same, after the timeout. */
static void
test_silence_after_end_of_data (void)
{
  Options opts = { .timeout = 1 };
  Run run;

  run_script (&run, TO_MAIL ENVELOPE_OK "DATA\nC: QUIT\nSTALL: 1500\nEOF\n", &opts);
  assert_exact (&run);
  assert_failed (&run, EP_SMTP_ERROR_DELIVERY_UNKNOWN, EP_SMTP_OUTCOME_UNKNOWN);
  g_assert_cmpint (run.elapsed_us, >=, 900 * 1000);
  g_assert_cmpint (run.elapsed_us, <, ep_test_slack (3 * G_USEC_PER_SEC));
  run_clear (&run);
}

/* The last transaction with PIPELINING: QUIT is on its way before the final reply, so the final
 * 250 and the 221 share a round trip. (The server here waits for QUIT before it answers: a
 * client that waited for the 250 first would hang until its timeout.) */
static void
test_quit_pipelined_after_data (void)
{
  Options opts = { .timeout = 5 };
  Run run;

  run_script (&run, TO_MAIL ENVELOPE_OK
              "DATA\n"
              "C: QUIT\n"
              "S: 250 2.0.0 Ok: queued as 4711\n"
              "S: 221 2.0.0 Bye\n"
              "EOF\n", &opts);
  assert_exact (&run);
  assert_delivered (&run);
  g_assert_cmpint (run.elapsed_us, <, ep_test_slack (2 * G_USEC_PER_SEC));
  run_clear (&run);
}

/* Without PIPELINING, QUIT waits for the final reply like every command. */
static void
test_quit_waits_without_pipelining (void)
{
  Run run;

  run_script (&run,
              GREETING C_EHLO EHLO_STARTTLS STARTTLS_OK C_EHLO
              "S: 250-mx.test\n"
              "S: 250-SIZE 10485760\n"
              "S: 250 AUTH PLAIN\n"
              AUTH_PLAIN_OK
              "C: MAIL FROM:<alice@example.org> SIZE={SIZE}\n"
              "S: 250 2.1.0 ok\n"
              "C: RCPT TO:<bob@example.net>\n"
              "S: 250 2.1.5 ok\n"
              "C: DATA\n"
              "S: 354 go ahead\n"
              "DATA\n"
              "QUIET: 200\n"
              "S: 250 2.0.0 Ok\n"
              QUIT_OK, NULL);
  assert_exact (&run);
  assert_delivered (&run);
  run_clear (&run);
}

/* Whatever happens to QUIT after the 250, the message was delivered. */
static void
test_quit_failure_after_success (gconstpointer data)
{
  const char *after_quit = data;
  g_autofree char *script = g_strdup_printf (TO_MAIL ENVELOPE_OK BODY_OK "C: QUIT\n%s", after_quit);
  Run run;

  run_script (&run, script, NULL);
  assert_exact (&run);
  assert_delivered (&run);
  assert_body (&run, 0, RAW_MESSAGE);
  run_clear (&run);
}

/* SMTPUTF8 is needed for a non-ASCII local part; an IDN domain travels as A-labels. */
static void
test_smtputf8_unsupported (void)
{
  static const char *rcpts[] = { "jörg@example.net", NULL };
  Options opts = { .rcpts = rcpts };
  Run run;

  run_script (&run, TO_MAIL QUIT_OK, &opts);
  assert_exact (&run);
  assert_failed (&run, EP_SMTP_ERROR_SMTPUTF8_UNSUPPORTED, EP_SMTP_OUTCOME_REFUSED);
  g_assert_false (ep_script_server_received_contains (run.server, "MAIL"));
  run_clear (&run);
}

static void
test_smtputf8_and_idn (void)
{
  static const char *rcpts[] = { "jörg@example.net", "bob@bücher.example", NULL };
  Options opts = { .rcpts = rcpts };
  Run run;

  run_script (&run,
              GREETING C_EHLO EHLO_STARTTLS STARTTLS_OK C_EHLO
              "S: 250-mx.test\n"
              "S: 250-PIPELINING\n"
              "S: 250-SMTPUTF8\n"
              "S: 250-SIZE 10485760\n"
              "S: 250 AUTH PLAIN\n"
              AUTH_PLAIN_OK
              "C: MAIL FROM:<alice@example.org> SIZE={SIZE} SMTPUTF8\n"
              "C: RCPT TO:<jörg@example.net>\n"
              "C: RCPT TO:<bob@xn--bcher-kva.example>\n"
              "C: DATA\n"
              "S: 250 2.1.0 ok\n"
              "S: 250 2.1.5 ok\n"
              "S: 250 2.1.5 ok\n"
              "S: 354 go ahead\n"
              BODY_OK QUIT_OK, &opts);
  assert_exact (&run);
  assert_delivered (&run);
  run_clear (&run);
}

/* Raw input may be 8-bit: declared when the server offers 8BITMIME. */
static void
test_8bitmime_declared (void)
{
  Run run;

  run_script (&run,
              GREETING C_EHLO EHLO_STARTTLS STARTTLS_OK C_EHLO
              "S: 250-mx.test\n"
              "S: 250-PIPELINING\n"
              "S: 250-8BITMIME\n"
              "S: 250-SIZE 10485760\n"
              "S: 250 AUTH PLAIN\n"
              AUTH_PLAIN_OK
              "C: MAIL FROM:<alice@example.org> SIZE={SIZE} BODY=8BITMIME\n"
              "C: RCPT TO:<bob@example.net>\n"
              "C: DATA\n"
              "S: 250 2.1.0 ok\n"
              "S: 250 2.1.5 ok\n"
              "S: 354 go ahead\n"
              BODY_OK QUIT_OK, NULL);
  assert_exact (&run);
  assert_delivered (&run);
  run_clear (&run);
}

/* An attached message with 8-bit text: as it is (message/rfc822, 8bit, BODY=8BITMIME) to a
 * server with 8BITMIME; to one without, attached as a file in base64, nothing 8-bit on the wire. */
static void
attached_message_8bit (gboolean server_has_8bitmime)
{
  g_autoptr(EpMessage) message = ep_message_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(EpAddress) from = ep_address_new (NULL, SENDER, "From", &error);
  g_autoptr(EpAddress) to = ep_address_new (NULL, RECIPIENT, "To", &error);
  g_autofree char *dir = g_dir_make_tmp ("gauntlet-eml-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "forwarded.eml", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GBytes) body = NULL;
  g_autofree char *text = NULL;
  g_autofree char *script = NULL;
  guint64 size;
  const char *eml = "From: ana@example.org\nSubject: Inner\n\nGr\xc3\xbc\xc3\x9f" "e, Zo\xc3\xab\n";
  Options opts = { .message = message };
  Run run;

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (path, eml, -1, &error));
  ep_message_set_from (message, from);
  ep_message_add_to (message, to);
  g_assert_true (ep_message_set_body (message, "See the attached message.\n", -1, &error));
  g_assert_no_error (error);
  ep_message_add_attachment (message, file, NULL, NULL);

  /* The size the server is told: of the message as it goes to it. */
  ep_message_set_allow_8bit (message, server_has_8bitmime);
  g_assert_true (ep_mime_writer_prepare (message, &error));
  g_assert_cmpint (ep_message_needs_8bitmime (message), ==, server_has_8bitmime);
  size = ep_mime_writer_get_size (message);
  ep_message_set_allow_8bit (message, TRUE);
  if (server_has_8bitmime)
    script = g_strdup_printf (GREETING C_EHLO EHLO_STARTTLS STARTTLS_OK C_EHLO
                              "S: 250-mx.test\n"
                              "S: 250-PIPELINING\n"
                              "S: 250-8BITMIME\n"
                              "S: 250-SIZE 10485760\n"
                              "S: 250 AUTH PLAIN\n"
                              AUTH_PLAIN_OK
                              "C: MAIL FROM:<alice@example.org> SIZE=%" G_GUINT64_FORMAT " BODY=8BITMIME\n"
                              "C: RCPT TO:<bob@example.net>\n"
                              "C: DATA\n"
                              "S: 250 2.1.0 ok\n"
                              "S: 250 2.1.5 ok\n"
                              "S: 354 go ahead\n"
                              BODY_OK QUIT_OK, size);
  else
    script = g_strdup_printf (TO_MAIL
                              "C: MAIL FROM:<alice@example.org> SIZE=%" G_GUINT64_FORMAT "\n"
                              "C: RCPT TO:<bob@example.net>\n"
                              "C: DATA\n"
                              "S: 250 2.1.0 ok\n"
                              "S: 250 2.1.5 ok\n"
                              "S: 354 go ahead\n"
                              BODY_OK QUIT_OK, size);
  run_script (&run, script, &opts);
  assert_exact (&run);
  assert_delivered (&run);

  body = ep_script_server_get_body (run.server, 0);
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  if (server_has_8bitmime)
    {
      g_assert_nonnull (strstr (text, "Content-Type: message/rfc822;"));
      g_assert_nonnull (strstr (text, "Content-Transfer-Encoding: 8bit\r\n\r\n"
                                      "From: ana@example.org\r\nSubject: Inner\r\n\r\n"
                                      "Gr\xc3\xbc\xc3\x9f" "e, Zo\xc3\xab\r\n\r\n--"));
    }
  else
    {
      g_assert_null (strstr (text, "message/rfc822"));
      g_assert_nonnull (strstr (text, "Content-Type: application/octet-stream;"));
      for (const char *p = text; *p != '\0'; p++)
        g_assert_cmpint ((guchar) *p, <, 0x80);
    }
  run_clear (&run);
  g_unlink (path);
  g_rmdir (dir);
}

/* Raw input made for a server with 8BITMIME (an outbox entry that kept an attached message's
 * 8-bit text): BODY=8BITMIME to a server that offers it; to one that does not, nothing but QUIT,
 * and a refusal of its own (the bytes cannot be made 7-bit any more). */
static void
test_raw_needs_8bitmime (void)
{
  static const char raw_8bit[] = "From: alice@example.org\r\nTo: bob@example.net\r\nSubject: t\r\n"
                                 "MIME-Version: 1.0\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                                 "Gr\xc3\xbc\xc3\x9f" "e\r\n";
  Options opts = { .security = "none", .anonymous = TRUE, .raw = raw_8bit, .raw_needs_8bitmime = TRUE };
  g_autofree char *script = g_strdup_printf (GREETING C_EHLO
                                             "S: 250-mx.test\n"
                                             "S: 250-PIPELINING\n"
                                             "S: 250 8BITMIME\n"
                                             "C: MAIL FROM:<alice@example.org> BODY=8BITMIME\n"
                                             "C: RCPT TO:<bob@example.net>\n"
                                             "C: DATA\n"
                                             "S: 250 2.1.0 ok\n"
                                             "S: 250 2.1.5 ok\n"
                                             "S: 354 go ahead\n"
                                             BODY_OK QUIT_OK);
  Run run;

  run_script (&run, script, &opts);
  assert_exact (&run);
  assert_delivered (&run);
  run_clear (&run);

  run_script (&run, PLAIN_OPENING QUIT_OK, &opts);
  assert_exact (&run);
  assert_failed (&run, EP_SMTP_ERROR_8BITMIME_UNSUPPORTED, EP_SMTP_OUTCOME_REFUSED);
  g_assert_false (ep_script_server_received_contains (run.server, "MAIL"));
  g_assert_false (ep_script_server_received_contains (run.server, "Gr\xc3\xbc"));
  run_clear (&run);
}

static void
test_attached_message_8bitmime (void)
{
  attached_message_8bit (TRUE);
}

static void
test_attached_message_no_8bitmime (void)
{
  attached_message_8bit (FALSE);
}

/* CR/LF in an envelope address never reaches the wire (nor does the connection happen). */
static void
test_envelope_injection (void)
{
  static const char *rcpts[] = { "bob@example.net>\r\nRCPT TO:<eve@example.com", NULL };
  Options opts = { .rcpts = rcpts };
  Run run;

  run_script (&run, "", &opts);
  assert_script_ok (&run);
  g_assert_false (ep_script_server_get_connected (run.server));
  assert_failed (&run, EP_SMTP_ERROR_INVALID_ADDRESS, EP_SMTP_OUTCOME_REFUSED);
  run_clear (&run);
}

/* A message composed by the MIME engine: the wire carries exactly what the writer produces. */
static void
test_composed_message (void)
{
  g_autoptr(EpMessage) message = ep_message_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(EpAddress) from = ep_address_new ("Alice", SENDER, "From", &error);
  g_autoptr(EpAddress) to = ep_address_new (NULL, RECIPIENT, "To", &error);
  g_autoptr(GOutputStream) memory = NULL;
  g_autoptr(GBytes) written = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *stuffed = NULL;
  g_autofree char *script = NULL;
  Options opts = { .message = message };
  Run run;

  g_assert_no_error (error);
  ep_message_set_from (message, from);
  ep_message_add_to (message, to);
  g_assert_true (ep_message_set_subject (message, "Composed", &error));
  g_assert_true (ep_message_set_body (message, "First line.\n.A line with a dot.\nLast line.\n", -1, &error));
  g_assert_no_error (error);

  g_assert_true (ep_mime_writer_prepare (message, &error));
  g_assert_no_error (error);
  script = g_strdup_printf (TO_MAIL
                            "C: MAIL FROM:<alice@example.org> SIZE=%" G_GUINT64_FORMAT "\n"
                            "C: RCPT TO:<bob@example.net>\n"
                            "C: DATA\n"
                            "S: 250 2.1.0 ok\n"
                            "S: 250 2.1.5 ok\n"
                            "S: 354 go ahead\n"
                            BODY_OK QUIT_OK, ep_mime_writer_get_size (message));

  run_script (&run, script, &opts);
  assert_exact (&run);
  assert_delivered (&run);

  /* The same writer, again, after the send: dot-stuffed, it is the body on the wire. */
  memory = g_memory_output_stream_new_resizable ();
  g_assert_true (ep_mime_writer_write (message, memory, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_output_stream_close (memory, NULL, NULL);
  written = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
  {
    g_autofree char *text = g_strndup (g_bytes_get_data (written, NULL), g_bytes_get_size (written));
    g_auto(GStrv) lines = g_strsplit (text, "\r\n", -1);
    GString *out = g_string_new (NULL);

    for (guint i = 0; lines[i] != NULL; i++)
      {
        if (lines[i + 1] == NULL && *lines[i] == '\0')
          break;
        g_string_append_printf (out, "%s%s\r\n", lines[i][0] == '.' ? "." : "", lines[i]);
      }
    stuffed = g_string_free (out, FALSE);
  }
  g_assert_cmpuint (g_bytes_get_size (written), ==, ep_mime_writer_get_size (message));
  body = ep_script_server_get_body (run.server, 0);
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), stuffed, strlen (stuffed));
  g_assert_nonnull (strstr (stuffed, "\r\n..A line with a dot.\r\n"));
  run_clear (&run);
}

/* ================================================================================================
 * 421 and 4xx/5xx at every stage
 * ============================================================================================= */

typedef struct
{
  const char         *script;
  EpSmtpError         code;
  EpSmtpOutcome       outcome;
  EpSmtpAuthMechanism auth;
} StageCase;

/* 421 closes the connection wherever it comes: no QUIT after it. */
static const StageCase stage_421_cases[] = {
  { GREETING C_EHLO "S: 421 4.3.2 Shutting down\nEOF\n", EP_SMTP_ERROR_TEMPORARY, EP_SMTP_OUTCOME_TEMPORARY },
  { GREETING C_EHLO EHLO_STARTTLS STARTTLS_OK C_EHLO "S: 421 4.3.2 Shutting down\nEOF\n",
    EP_SMTP_ERROR_TEMPORARY, EP_SMTP_OUTCOME_TEMPORARY },
  { TO_AUTH "C: AUTH PLAIN {PLAIN}\nS: 421 4.3.2 Shutting down\nEOF\n",
    EP_SMTP_ERROR_TEMPORARY, EP_SMTP_OUTCOME_TEMPORARY },
  { TO_AUTH "C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: {USER64}\nS: 421 4.3.2 Shutting down\nEOF\n",
    EP_SMTP_ERROR_TEMPORARY, EP_SMTP_OUTCOME_TEMPORARY, EP_SMTP_AUTH_LOGIN },
  { TO_MAIL ENVELOPE "S: 421 4.3.2 Shutting down\nEOF\n", EP_SMTP_ERROR_TEMPORARY, EP_SMTP_OUTCOME_TEMPORARY },
  { TO_MAIL ENVELOPE "S: 250 2.1.0 ok\nS: 421 4.3.2 Shutting down\nEOF\n",
    EP_SMTP_ERROR_TEMPORARY, EP_SMTP_OUTCOME_TEMPORARY },
  { TO_MAIL ENVELOPE "S: 250 2.1.0 ok\nS: 250 2.1.5 ok\nS: 421 4.3.2 Shutting down\nEOF\n",
    EP_SMTP_ERROR_TEMPORARY, EP_SMTP_OUTCOME_TEMPORARY },
};

/* 4xx/5xx at each command that has not been covered elsewhere. */
static const StageCase stage_error_cases[] = {
  { GREETING C_EHLO "S: 451 4.3.0 Try again\n" QUIT_OK, EP_SMTP_ERROR_TEMPORARY, EP_SMTP_OUTCOME_TEMPORARY },
  { GREETING C_EHLO EHLO_STARTTLS STARTTLS_OK C_EHLO "S: 554 5.7.1 Go away\n" QUIT_OK,
    EP_SMTP_ERROR_SERVICE_REFUSED, EP_SMTP_OUTCOME_REFUSED },
  { TO_MAIL ENVELOPE "S: 451 4.3.0 Sender check failed, try later\nS: 503 5.5.1 need MAIL\nS: 503 5.5.1 need RCPT\n"
    QUIT_OK, EP_SMTP_ERROR_TEMPORARY, EP_SMTP_OUTCOME_TEMPORARY },
  { TO_MAIL ENVELOPE "S: 250 2.1.0 ok\nS: 250 2.1.5 ok\nS: 451 4.3.0 Try again later\n" QUIT_OK,
    EP_SMTP_ERROR_TEMPORARY, EP_SMTP_OUTCOME_TEMPORARY },
  { TO_MAIL ENVELOPE "S: 250 2.1.0 ok\nS: 250 2.1.5 ok\nS: 554 5.5.1 No DATA for you\n" QUIT_OK,
    EP_SMTP_ERROR_MESSAGE_REJECTED, EP_SMTP_OUTCOME_REFUSED },
  /* An answer to DATA that is neither 354 nor an error: out of step, and certainly not delivered. */
  { TO_MAIL ENVELOPE "S: 250 2.1.0 ok\nS: 250 2.1.5 ok\nS: 250 2.0.0 what data?\nC? QUIT\nS: 221 2.0.0 Bye\nEOF\n",
    EP_SMTP_ERROR_PROTOCOL, EP_SMTP_OUTCOME_REFUSED },
};

/* A reset at each stage. */
static const StageCase stage_reset_cases[] = {
  { GREETING C_EHLO "S! 250-mx.test\\r\\n\nRESET\n", EP_SMTP_ERROR_CONNECTION_LOST, EP_SMTP_OUTCOME_TEMPORARY },
  { GREETING C_EHLO EHLO_STARTTLS "C: STARTTLS\nRESET\n", EP_SMTP_ERROR_CONNECTION_LOST, EP_SMTP_OUTCOME_TEMPORARY },
  /* During the handshake: the network failed, not the peer's TLS (temporary, as any reset). */
  { GREETING C_EHLO EHLO_STARTTLS "C: STARTTLS\nS: 220 2.0.0 go ahead\nRESET\n", EP_SMTP_ERROR_CONNECTION_LOST,
    EP_SMTP_OUTCOME_TEMPORARY },
  { TO_AUTH "C: AUTH PLAIN {PLAIN}\nRESET\n", EP_SMTP_ERROR_CONNECTION_LOST, EP_SMTP_OUTCOME_TEMPORARY },
  { TO_MAIL ENVELOPE "S: 250 2.1.0 ok\nRESET\n", EP_SMTP_ERROR_CONNECTION_LOST, EP_SMTP_OUTCOME_TEMPORARY },
  { TO_MAIL ENVELOPE "S: 250 2.1.0 ok\nS: 250 2.1.5 ok\nCLOSE\n", EP_SMTP_ERROR_CONNECTION_LOST,
    EP_SMTP_OUTCOME_TEMPORARY },
};

static void
test_stage (gconstpointer data)
{
  const StageCase *c = data;
  Options opts = { .auth = c->auth, .timeout = 5 };
  Run run;

  run_script (&run, c->script, &opts);
  assert_exact (&run);
  assert_failed (&run, c->code, c->outcome);
  g_assert_cmpuint (ep_script_server_get_n_bodies (run.server), ==, 0);
  /* Nobody waited for the (5 s) timeout. */
  g_assert_cmpint (run.elapsed_us, <, ep_test_slack (2500 * 1000));
  run_clear (&run);
}

/* The connection drops while the body is on its way: not delivered, and it is known. */
static void
test_reset_during_body (void)
{
  /* Bigger than any socket buffer, so that the writes must fail. */
  gsize len = 24 * 1024 * 1024;
  g_autofree char *big = g_malloc (len + 1);
  g_autofree char *script = NULL;
  Options opts = { .raw = big, .raw_len = len };
  Run run;

  for (gsize i = 0; i < len; i++)
    big[i] = (i % 100 == 98) ? '\r' : (i % 100 == 99) ? '\n' : 'x';
  big[len] = '\0';
  /* SIZE without a limit. */
  script = g_strdup_printf (GREETING C_EHLO EHLO_STARTTLS STARTTLS_OK C_EHLO
                            "S: 250-mx.test\n"
                            "S: 250-PIPELINING\n"
                            "S: 250-SIZE\n"
                            "S: 250 AUTH PLAIN\n"
                            AUTH_PLAIN_OK
                            "C: MAIL FROM:<alice@example.org> SIZE=%" G_GSIZE_FORMAT "\n"
                            "C: RCPT TO:<bob@example.net>\n"
                            "C: DATA\n"
                            "S: 250 2.1.0 ok\n"
                            "S: 250 2.1.5 ok\n"
                            "S: 354 go ahead\n"
                            "STALL: 100\n"
                            "RESET\n", len);

  run_script (&run, script, &opts);
  assert_script_ok (&run);
  assert_failed (&run, EP_SMTP_ERROR_CONNECTION_LOST, EP_SMTP_OUTCOME_TEMPORARY);
  run_clear (&run);
}

/* ================================================================================================
 * Stalls and drip-feeds against the timeout (1 s here)
 * ============================================================================================= */

static const char *stall_cases[] = {
  "STALL: 1500\nEOF\n",
  GREETING C_EHLO "STALL: 1500\nEOF\n",
  GREETING C_EHLO EHLO_STARTTLS "C: STARTTLS\nSTALL: 1500\nEOF\n",
  /* 220 to STARTTLS, then no handshake. */
  GREETING C_EHLO EHLO_STARTTLS "C: STARTTLS\nS: 220 2.0.0 go ahead\nSTALL: 1500\nDRAIN\n",
  TO_AUTH "C: AUTH PLAIN {PLAIN}\nSTALL: 1500\nEOF\n",
  TO_MAIL ENVELOPE "S: 250 2.1.0 ok\nSTALL: 1500\nEOF\n",
  /* Half a reply, then silence. */
  TO_MAIL ENVELOPE "S: 250 2.1.0 ok\nS: 250 2.1.5 ok\nS! 35\nSTALL: 1500\nEOF\n",
};

static void
test_stall (gconstpointer data)
{
  const char *script = data;
  Options opts = { .timeout = 1 };
  Run run;

  run_script (&run, script, &opts);
  assert_script_ok (&run);
  if (!g_str_has_suffix (script, "DRAIN\n"))
    assert_sent_as_scripted (&run);
  assert_failed (&run, EP_SMTP_ERROR_TIMEOUT, EP_SMTP_OUTCOME_TEMPORARY);
  g_assert_cmpuint (ep_script_server_get_n_bodies (run.server), ==, 0);
  g_assert_cmpint (run.elapsed_us, >=, 900 * 1000);
  g_assert_cmpint (run.elapsed_us, <, ep_test_slack (2500 * 1000));
  run_clear (&run);
}

/* One byte every 15 ms: each reply is complete well within the timeout. */
static void
test_drip_within_timeout (void)
{
  Options opts = { .timeout = 1, .security = "none", .anonymous = TRUE };
  Run run;

  run_script (&run,
              "DRIP 15: 220 mx.test ESMTP\n"
              C_EHLO
              "DRIP 15! 250-mx.test\\r\\n250 PIPELINING\\r\\n\n"
              "C: MAIL FROM:<alice@example.org>\n"
              "C: RCPT TO:<bob@example.net>\n"
              "C: DATA\n"
              "DRIP 10! 250 ok\\r\\n250 ok\\r\\n354 go\\r\\n\n"
              "DATA\n"
              "DRIP 15: 250 2.0.0 queued\n"
              QUIT_OK, &opts);
  assert_exact (&run);
  assert_delivered (&run);
  run_clear (&run);
}

/* Every byte within the timeout, but the reply as a whole takes longer: the engine's timeout is
 * per reply (a deadline), so a server cannot hold the client forever with a slow drip. */
static void
test_drip_beyond_timeout (void)
{
  Options opts = { .timeout = 1 };
  Run run;

  run_script (&run,
              "DRIP 100: 220 mx.test ESMTP at a snail's pace\n"
              "DRAIN\n", &opts);
  assert_script_ok (&run);
  assert_sent (&run, "");
  assert_failed (&run, EP_SMTP_ERROR_TIMEOUT, EP_SMTP_OUTCOME_TEMPORARY);
  g_assert_cmpint (run.elapsed_us, <, ep_test_slack (2 * G_USEC_PER_SEC));
  run_clear (&run);
}

/* An endless reply line at full speed: stopped by the line limit, not by the timeout. */
static void
test_endless_line_fast (void)
{
  Options opts = { .timeout = 1 };
  Run run;

  run_script (&run, "S! 220 \nFLOOD 10000000: yyyyyyyyyyyyyyyy\nEOF\n", &opts);
  assert_exact (&run);
  assert_failed (&run, EP_SMTP_ERROR_PROTOCOL, EP_SMTP_OUTCOME_REFUSED);
  g_assert_cmpint (run.elapsed_us, <, ep_test_slack (900 * 1000));
  run_clear (&run);
}

/* The EHLO name is configurable; the default (used everywhere above) is the address literal. */
static void
test_ehlo_name (void)
{
  Options opts = { .ehlo_name = "laptop.example.org" };
  Run run;

  run_script (&run,
              GREETING
              "C: EHLO laptop.example.org\n"
              EHLO_STARTTLS STARTTLS_OK
              "C: EHLO laptop.example.org\n"
              EHLO_TLS AUTH_PLAIN_OK AFTER_AUTH, &opts);
  assert_exact (&run);
  assert_delivered (&run);
  run_clear (&run);
}

static void
test_ehlo_name_injection (void)
{
  Options opts = { .ehlo_name = "laptop\r\nMAIL FROM:<eve@example.com>" };
  Run run;

  run_script (&run, "", &opts);
  assert_script_ok (&run);
  g_assert_false (ep_script_server_get_connected (run.server));
  assert_failed (&run, EP_SMTP_ERROR_INVALID_CONFIG, EP_SMTP_OUTCOME_REFUSED);
  run_clear (&run);
}

/* ================================================================================================
 * Cancellation
 * ============================================================================================= */

static gboolean
cancel_cb (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static gpointer
cancel_thread (gpointer data)
{
  g_usleep (300 * 1000);
  cancel_cb (data);
  return NULL;
}

static void
test_cancel (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Options opts = { .cancellable = cancellable, .timeout = 10 };
  GThread *thread = g_thread_new ("cancel", cancel_thread, cancellable);
  Run run;

  run_script (&run, GREETING C_EHLO "STALL: 1000\nEOF\n", &opts);
  g_thread_join (thread);
  assert_exact (&run);
  g_assert_error (run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (run.result->outcome, ==, EP_SMTP_OUTCOME_TEMPORARY);
  g_assert_cmpint (run.elapsed_us, <, ep_test_slack (900 * 1000));
  run_clear (&run);
}

/* ================================================================================================
 * Deadlines inside TLS: a peer that drips its TLS records (or its handshake) a byte at a time
 * keeps every single socket read short, so only a deadline on the whole operation stops it.
 * Each case ends with EP_SMTP_ERROR_TIMEOUT within the timeout and a second at most; the server
 * gives up dripping after 10 s, which is how long the client took when it waited for the drip.
 * ============================================================================================= */

#define DRIP_TIMEOUT 2

static void
assert_cut_at_deadline (Run *run)
{
  g_test_message ("cut after %.3f s", run->elapsed_us / (double) G_USEC_PER_SEC);
  assert_failed (run, EP_SMTP_ERROR_TIMEOUT, EP_SMTP_OUTCOME_TEMPORARY);
  g_assert_cmpint (run->elapsed_us, >=, DRIP_TIMEOUT * G_USEC_PER_SEC - 50 * 1000);
  g_assert_cmpint (run->elapsed_us, <, ep_test_slack ((DRIP_TIMEOUT + 1) * G_USEC_PER_SEC));
}

/* Implicit TLS: the handshake completes, then the greeting record comes a byte every 300 ms. */
static void
test_deadline_implicit_tls_dripped_greeting (void)
{
  Options opts = { .security = "tls", .timeout = DRIP_TIMEOUT };
  Run run;

  run_script (&run, "TLS: good\nRAW-DRIP: 300\n" GREETING "EOF\n", &opts);
  assert_script_ok (&run);
  assert_sent (&run, "");
  assert_cut_at_deadline (&run);
  run_clear (&run);
}

/* STARTTLS: the EHLO reply after the handshake is dripped, record by record. */
static void
test_deadline_starttls_dripped_ehlo (void)
{
  Options opts = { .timeout = DRIP_TIMEOUT };
  Run run;

  run_script (&run, GREETING C_EHLO EHLO_STARTTLS STARTTLS_OK C_EHLO "RAW-DRIP: 300\n" EHLO_TLS "EOF\n", &opts);
  assert_exact (&run);
  assert_no_auth_no_mail (&run);
  assert_cut_at_deadline (&run);
  run_clear (&run);
}

/* The server's handshake flight (ServerHello, certificate, ...) a byte every 300 ms. */
static void
test_deadline_implicit_tls_dripped_handshake (void)
{
  Options opts = { .security = "tls", .timeout = DRIP_TIMEOUT };
  Run run;

  run_script (&run, "TLS-DRIP 300: good\nEOF\n", &opts);
  assert_script_ok (&run);
  assert_sent (&run, "");
  assert_cut_at_deadline (&run);
  g_assert_true (strstr (run.error->message, "TLS handshake") != NULL);
  run_clear (&run);
}

static void
test_deadline_starttls_dripped_handshake (void)
{
  Options opts = { .timeout = DRIP_TIMEOUT };
  Run run;

  run_script (&run,
              GREETING C_EHLO EHLO_STARTTLS
              "C: STARTTLS\n"
              "S: 220 2.0.0 Ready to start TLS\n"
              "TLS-DRIP 300: good\n"
              "EOF\n", &opts);
  assert_exact (&run);
  assert_cut_at_deadline (&run);
  g_assert_true (strstr (run.error->message, "TLS handshake") != NULL);
  run_clear (&run);
}

/* Inside TLS the server stops reading in the middle of the message: the write that cannot go
 * on fails at the timeout (and then the client waits EARLY_REPLY_TIMEOUT_MS, 1 s, for a reason
 * the server might give). Nothing is delivered, and the end of data never left. (A socket
 * timeout in its place would not do: the TLS backend takes one inside a write for a write done,
 * and the client went on until the server read again.) */
static void
test_deadline_tls_body_write_stalls (void)
{
  /* Bigger than any socket buffer, so that the writes must block. */
  gsize len = 24 * 1024 * 1024;
  g_autofree char *big = g_malloc (len + 1);
  g_autofree char *script = NULL;
  Options opts = { .raw = big, .raw_len = len, .timeout = DRIP_TIMEOUT };
  Run run;

  for (gsize i = 0; i < len; i++)
    big[i] = (i % 100 == 98) ? '\r' : (i % 100 == 99) ? '\n' : 'x';
  big[len] = '\0';
  script = g_strdup_printf (GREETING C_EHLO EHLO_STARTTLS STARTTLS_OK C_EHLO
                            "S: 250-mx.test\n"
                            "S: 250-PIPELINING\n"
                            "S: 250-SIZE\n"
                            "S: 250 AUTH PLAIN\n"
                            AUTH_PLAIN_OK
                            "C: MAIL FROM:<alice@example.org> SIZE=%" G_GSIZE_FORMAT "\n"
                            "C: RCPT TO:<bob@example.net>\n"
                            "C: DATA\n"
                            "S: 250 2.1.0 ok\n"
                            "S: 250 2.1.5 ok\n"
                            "S: 354 go ahead\n"
                            "STALL: 7000\n"
                            "DRAIN\n", len);

  run_script (&run, script, &opts);
  g_test_message ("cut after %.3f s", run.elapsed_us / (double) G_USEC_PER_SEC);
  assert_failed (&run, EP_SMTP_ERROR_TIMEOUT, EP_SMTP_OUTCOME_TEMPORARY);
  g_assert_cmpint (ep_script_server_get_n_bodies (run.server), ==, 0);
  g_assert_false (ep_script_server_received_contains (run.server, "\r\n.\r\n"));
  g_assert_cmpint (run.elapsed_us, <, ep_test_slack ((DRIP_TIMEOUT + 2) * G_USEC_PER_SEC));
  run_clear (&run);
}

/* The user's cancellation is still a cancellation inside a dripped TLS record, and quick. */
typedef struct {
  EpScriptServer *server;
  GCancellable   *cancellable;
  gint64          cancelled_at;
} CancelAfterStep;

/* Cancels 300 ms after the server's first step (its TLS handshake) is done, so that the
 * cancellation lands inside the dripped record whatever the handshake costs (loading the trust
 * store takes seconds under the sanitizers); the greeting record drips for about 15 s. */
static gpointer
cancel_after_handshake_thread (gpointer data)
{
  CancelAfterStep *c = data;
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (ep_script_server_get_n_steps_done (c->server) < 1 && g_get_monotonic_time () < end)
    g_usleep (10 * 1000);
  g_usleep (300 * 1000);
  c->cancelled_at = g_get_monotonic_time ();
  cancel_cb (c->cancellable);
  return NULL;
}

static void
test_deadline_cancel_inside_tls (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Options opts = { .security = "tls", .cancellable = cancellable, .timeout = 10 };
  const char *template = "TLS: good\nRAW-DRIP: 300\n" GREETING "EOF\n";
  CancelAfterStep c = { server_for (template), cancellable, 0 };
  GThread *thread = g_thread_new ("cancel", cancel_after_handshake_thread, &c);
  gint64 start = g_get_monotonic_time ();
  Run run;

  run_with_server (&run, c.server, &opts);
  run.script = expand (template);
  g_thread_join (thread);
  assert_script_ok (&run);
  g_assert_error (run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (run.result->outcome, ==, EP_SMTP_OUTCOME_TEMPORARY);
  /* The session ended soon after the cancellation, inside the dripped record. */
  g_assert_cmpint (c.cancelled_at, >, 0);
  g_assert_cmpint (start + run.elapsed_us - c.cancelled_at, <, ep_test_slack (600 * 1000));
  run_clear (&run);
}

/* ================================================================================================ */

/* Each case runs in a subprocess of its own, so that one failing case (an abort) is reported
 * and the others still run: a gauntlet is read as a whole. */
typedef struct
{
  GTestFunc     func;
  GTestDataFunc data_func;
  gconstpointer data;
} Isolated;

static void
run_isolated (gconstpointer user_data)
{
  const Isolated *isolated = user_data;

  if (g_test_subprocess () || ep_test_under_valgrind ())
    {
      if (isolated->func != NULL)
        isolated->func ();
      else
        isolated->data_func (isolated->data);
      return;
    }

  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC,
                          G_TEST_SUBPROCESS_INHERIT_STDOUT | G_TEST_SUBPROCESS_INHERIT_STDERR);
  if (!g_test_trap_has_passed ())
    g_test_fail ();
}

/* Owned here, not by GTest: a subprocess runs one case and never frees the others' data. */
static GPtrArray *isolated_cases;

static void
add_case (const char *path,
          GTestFunc   func)
{
  Isolated *isolated = g_new0 (Isolated, 1);

  isolated->func = func;
  g_ptr_array_add (isolated_cases, isolated);
  g_test_add_data_func (path, isolated, run_isolated);
}

static void
add_data_case (const char    *path,
               gconstpointer  data,
               GTestDataFunc  func)
{
  Isolated *isolated = g_new0 (Isolated, 1);

  isolated->data_func = func;
  isolated->data = data;
  g_ptr_array_add (isolated_cases, isolated);
  g_test_add_data_func (path, isolated, run_isolated);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  isolated_cases = g_ptr_array_new_with_free_func (g_free);
  /* Made once here; every case's subprocess reuses them. */
  if (!g_test_subprocess ())
    ep_test_certs_share ();

  /* STARTTLS stripping */
  add_case ("/gauntlet/starttls/not-advertised", test_starttls_not_advertised);
  for (guint i = 0; i < G_N_ELEMENTS (starttls_refusals); i++)
    {
      g_autofree char *path = g_strdup_printf ("/gauntlet/starttls/refused-%.3s", starttls_refusals[i].reply);
      add_data_case (path, &starttls_refusals[i], test_starttls_refused);
    }
  add_case ("/gauntlet/starttls/helo-only-server", test_starttls_helo_only_server);
  add_case ("/gauntlet/starttls/none-mode-helo-fallback", test_none_mode_helo_fallback);

  /* Response injection and unsolicited replies */
  add_data_case ("/gauntlet/injection/whole-line",
                        "220 2.0.0 Ready to start TLS\\r\\n250-PIPELINING\\r\\n250 AUTH PLAIN\\r\\n",
                        test_injection);
  add_data_case ("/gauntlet/injection/partial-line", "220 2.0.0 Ready to start TLS\\r\\n250 AU",
                        test_injection);
  add_data_case ("/gauntlet/injection/bare-lf", "220 2.0.0 Ready to start TLS\\r\\n\\n", test_injection);
  add_case ("/gauntlet/unsolicited/after-greeting", test_unsolicited_after_greeting);
  add_case ("/gauntlet/unsolicited/after-ehlo", test_unsolicited_after_ehlo);
  add_case ("/gauntlet/unsolicited/after-auth", test_unsolicited_after_auth);

  /* Capabilities that change with TLS */
  add_case ("/gauntlet/caps/auth-only-after-tls", test_caps_auth_only_after_tls);
  add_case ("/gauntlet/caps/no-auth-after-tls", test_caps_no_auth_after_tls);
  add_case ("/gauntlet/caps/pipelining-removed-after-tls", test_caps_pipelining_removed_after_tls);
  add_case ("/gauntlet/caps/starttls-again-after-tls", test_caps_starttls_again_after_tls);
  add_case ("/gauntlet/caps/size-after-tls", test_caps_size_after_tls);

  /* Certificates */
  for (guint i = 0; i < G_N_ELEMENTS (cert_cases); i++)
    {
      g_autofree char *starttls = g_strdup_printf ("/gauntlet/cert/starttls-%s", cert_cases[i].cert);
      g_autofree char *implicit = g_strdup_printf ("/gauntlet/cert/implicit-%s", cert_cases[i].cert);

      add_data_case (starttls, &cert_cases[i], test_cert_starttls);
      add_data_case (implicit, &cert_cases[i], test_cert_implicit);
    }
  add_case ("/gauntlet/cert/no-cafile", test_cert_no_cafile);
  add_case ("/gauntlet/cert/pinned-accepted", test_cert_pinned_accepted);
  add_case ("/gauntlet/cert/pin-mismatch", test_cert_pin_mismatch);
  add_case ("/gauntlet/cert/by-name", test_cert_by_name);

  /* Implicit TLS */
  add_case ("/gauntlet/tls/implicit", test_implicit_tls);
  add_case ("/gauntlet/tls/implicit-port-answers-plaintext", test_implicit_tls_plaintext_answer);

  /* Credentials */
  add_case ("/gauntlet/credentials/cleartext-refused", test_cleartext_credentials_refused);
  add_case ("/gauntlet/credentials/no-auth-offered", test_no_auth_offered);
  add_case ("/gauntlet/credentials/no-common-mechanism", test_no_common_mechanism);
  add_case ("/gauntlet/credentials/requested-mechanism-not-offered", test_requested_mechanism_not_offered);

  /* AUTH mechanisms */
  add_case ("/gauntlet/auth/plain", test_auth_plain);
  add_case ("/gauntlet/auth/login", test_auth_login);
  add_case ("/gauntlet/auth/cram-md5", test_auth_cram_md5);
  add_data_case ("/gauntlet/auth/scram-sha-1", GINT_TO_POINTER (FALSE), test_auth_scram);
  add_data_case ("/gauntlet/auth/scram-sha-256", GINT_TO_POINTER (TRUE), test_auth_scram);
  add_data_case ("/gauntlet/auth/scram-sha-1-rfc5802-vector", &scram_vectors[0], test_auth_scram_vectors);
  add_data_case ("/gauntlet/auth/scram-sha-256-rfc7677-vector", &scram_vectors[1], test_auth_scram_vectors);
  add_case ("/gauntlet/auth/scram-final-in-235", test_auth_scram_final_in_235);
  add_case ("/gauntlet/auth/scram-bad-server-signature", test_auth_scram_bad_signature);
  add_case ("/gauntlet/auth/scram-no-server-signature", test_auth_scram_no_signature);
  add_case ("/gauntlet/auth/scram-nonce-not-extended", test_auth_scram_nonce_not_extended);
  add_case ("/gauntlet/auth/xoauth2", test_auth_xoauth2);
  add_case ("/gauntlet/auth/oauthbearer", test_auth_oauthbearer);
  add_case ("/gauntlet/auth/oauthbearer-error-challenge", test_auth_oauthbearer_error_challenge);
  for (guint i = 0; i < G_N_ELEMENTS (auth_failures); i++)
    {
      g_autofree char *path = g_strdup_printf ("/gauntlet/auth/failure-%.3s", auth_failures[i].reply);
      add_data_case (path, &auth_failures[i], test_auth_failure);
    }
  for (guint i = 0; i < G_N_ELEMENTS (endless_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/gauntlet/auth/endless-challenges-%s",
                                               ep_smtp_auth_mechanism_to_string (endless_cases[i].mechanism));
      add_data_case (path, &endless_cases[i], test_auth_endless_challenges);
    }
  add_case ("/gauntlet/auth/huge-challenge", test_auth_huge_challenge);
  add_case ("/gauntlet/auth/malformed-challenge", test_auth_malformed_challenge);

  /* Replies */
  add_case ("/gauntlet/reply/multiline-greeting", test_reply_multiline_greeting);
  for (guint i = 0; i < G_N_ELEMENTS (greeting_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/gauntlet/reply/greeting-%u", i + 1);
      add_data_case (path, &greeting_cases[i], test_greeting);
    }
  add_case ("/gauntlet/reply/control-characters", test_reply_control_characters);

  /* The transaction */
  add_case ("/gauntlet/tx/full-session", test_full_session);
  add_case ("/gauntlet/tx/pipelining-one-segment", test_pipelining_one_segment);
  add_case ("/gauntlet/tx/no-pipelining", test_no_pipelining);
  add_case ("/gauntlet/tx/dot-stuffing-and-crlf", test_dot_stuffing_and_crlf);
  add_case ("/gauntlet/tx/bdat", test_bdat);
  add_case ("/gauntlet/tx/bdat-no-pipelining", test_bdat_no_pipelining);
  add_case ("/gauntlet/tx/bdat-refused", test_bdat_refused);
  add_case ("/gauntlet/tx/future-release", test_future_release);
  add_case ("/gauntlet/tx/future-release-refused", test_future_release_refused);
  add_case ("/gauntlet/dsn/xtext-and-notify", test_dsn_xtext_and_notify);
  for (guint i = 0; i < G_N_ELEMENTS (dsn_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/gauntlet/dsn/parameters/%u", i);
      add_data_case (path, &dsn_cases[i], test_dsn_parameters);
    }
  add_case ("/gauntlet/dsn/envid-is-message-id", test_dsn_envid_is_message_id);
  add_case ("/gauntlet/dsn/unsupported", test_dsn_unsupported);
  add_case ("/gauntlet/requiretls/offered", test_requiretls);
  add_case ("/gauntlet/requiretls/not-offered", test_requiretls_not_offered);
  add_case ("/gauntlet/requiretls/in-clear", test_requiretls_in_clear);
  add_case ("/gauntlet/tx/data-end-hook", test_data_end_hook);
  add_case ("/gauntlet/tx/data-end-hook-fails", test_data_end_hook_fails);
  add_case ("/gauntlet/tx/bdat-end-hook", test_bdat_end_hook);
  add_case ("/gauntlet/tx/bdat-end-hook-fails", test_bdat_end_hook_fails);
  add_case ("/gauntlet/tx/sender-refused", test_sender_refused);
  add_case ("/gauntlet/tx/sender-refused-but-354", test_sender_refused_but_354);
  add_case ("/gauntlet/tx/mixed-recipients-default", test_mixed_recipients_default);
  add_case ("/gauntlet/tx/mixed-recipients-all-listed", test_mixed_recipients_all_listed);
  add_case ("/gauntlet/tx/mixed-recipients-allow-partial", test_mixed_recipients_allow_partial);
  add_case ("/gauntlet/tx/all-recipients-refused", test_all_recipients_refused);
  add_case ("/gauntlet/tx/recipient-temporary", test_recipient_temporary);
  add_case ("/gauntlet/tx/too-many-recipients", test_too_many_recipients);
  add_data_case ("/gauntlet/tx/partial-then-refused", GINT_TO_POINTER (FALSE), test_partial_then_refused);
  add_data_case ("/gauntlet/tx/partial-then-refused-allow-partial", GINT_TO_POINTER (TRUE), test_partial_then_refused);
  add_case ("/gauntlet/tx/partial-then-temporary", test_partial_then_temporary);
  add_case ("/gauntlet/tx/partial-then-reset", test_partial_then_reset);
  add_case ("/gauntlet/tx/partial-then-unknown", test_partial_then_unknown);
  add_case ("/gauntlet/tx/too-many-recipients-pipe", test_too_many_recipients_pipe);
  add_case ("/gauntlet/tx/size-local-refusal", test_size_local_refusal);
  add_case ("/gauntlet/tx/size-refused-at-mail", test_size_refused_at_mail);
  for (guint i = 0; i < G_N_ELEMENTS (final_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/gauntlet/tx/final-reply-%.3s", final_cases[i].reply);
      add_data_case (path, &final_cases[i], test_final_reply);
    }
  add_data_case ("/gauntlet/tx/disconnect-after-end-of-data", "CLOSE", test_lost_after_end_of_data);
  add_data_case ("/gauntlet/tx/reset-after-end-of-data", "RESET", test_lost_after_end_of_data);
  add_data_case ("/gauntlet/tx/half-reply-after-end-of-data", "S! 25\nCLOSE", test_lost_after_end_of_data);
  add_case ("/gauntlet/tx/silence-after-end-of-data", test_silence_after_end_of_data);
  add_case ("/gauntlet/tx/quit-pipelined-after-data", test_quit_pipelined_after_data);
  add_case ("/gauntlet/tx/quit-waits-without-pipelining", test_quit_waits_without_pipelining);
  add_data_case ("/gauntlet/tx/quit-500-after-success", "S: 500 5.5.2 what?\nEOF\n",
                        test_quit_failure_after_success);
  add_data_case ("/gauntlet/tx/quit-reset-after-success", "RESET\n", test_quit_failure_after_success);
  add_data_case ("/gauntlet/tx/quit-garbage-after-success", "S: garbage\nEOF\n",
                        test_quit_failure_after_success);
  add_case ("/gauntlet/tx/smtputf8-unsupported", test_smtputf8_unsupported);
  add_case ("/gauntlet/tx/smtputf8-and-idn", test_smtputf8_and_idn);
  add_case ("/gauntlet/tx/8bitmime-declared", test_8bitmime_declared);
  add_case ("/gauntlet/tx/attached-message-8bitmime", test_attached_message_8bitmime);
  add_case ("/gauntlet/tx/attached-message-no-8bitmime", test_attached_message_no_8bitmime);
  add_case ("/gauntlet/tx/raw-needs-8bitmime", test_raw_needs_8bitmime);
  add_case ("/gauntlet/tx/envelope-injection", test_envelope_injection);
  add_case ("/gauntlet/tx/composed-message", test_composed_message);

  /* 421, errors and resets at every stage */
  for (guint i = 0; i < G_N_ELEMENTS (stage_421_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/gauntlet/stage/421-%u", i + 1);
      add_data_case (path, &stage_421_cases[i], test_stage);
    }
  for (guint i = 0; i < G_N_ELEMENTS (stage_error_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/gauntlet/stage/error-%u", i + 1);
      add_data_case (path, &stage_error_cases[i], test_stage);
    }
  for (guint i = 0; i < G_N_ELEMENTS (stage_reset_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/gauntlet/stage/reset-%u", i + 1);
      add_data_case (path, &stage_reset_cases[i], test_stage);
    }
  add_case ("/gauntlet/stage/reset-during-body", test_reset_during_body);

  /* Stalls and drips */
  for (guint i = 0; i < G_N_ELEMENTS (stall_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/gauntlet/timeout/stall-%u", i + 1);
      add_data_case (path, stall_cases[i], test_stall);
    }
  add_case ("/gauntlet/timeout/drip-within-timeout", test_drip_within_timeout);
  add_case ("/gauntlet/timeout/drip-beyond-timeout", test_drip_beyond_timeout);
  add_case ("/gauntlet/timeout/endless-line-fast", test_endless_line_fast);
  add_case ("/gauntlet/cancel/during-stall", test_cancel);
  add_case ("/gauntlet/ehlo/name", test_ehlo_name);
  add_case ("/gauntlet/ehlo/name-injection", test_ehlo_name_injection);

  /* Deadlines inside TLS */
  add_case ("/gauntlet/deadline/implicit-tls-dripped-greeting", test_deadline_implicit_tls_dripped_greeting);
  add_case ("/gauntlet/deadline/starttls-dripped-ehlo", test_deadline_starttls_dripped_ehlo);
  add_case ("/gauntlet/deadline/implicit-tls-dripped-handshake", test_deadline_implicit_tls_dripped_handshake);
  add_case ("/gauntlet/deadline/starttls-dripped-handshake", test_deadline_starttls_dripped_handshake);
  add_case ("/gauntlet/deadline/tls-body-write-stalls", test_deadline_tls_body_write_stalls);
  add_case ("/gauntlet/deadline/cancel-inside-tls", test_deadline_cancel_inside_tls);

  ret = g_test_run ();
  g_ptr_array_unref (isolated_cases);
  ep_test_certs_cleanup ();
  return ret;
}
