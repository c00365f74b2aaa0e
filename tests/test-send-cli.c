/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-send-cli.c: the epistle-send library in process: every mistake in the options (parsing,
 * composing, the options turned into a server configuration) with its exit status and its words
 * on stderr, and nothing sent for any of them; then the ways through: --version, --print, a
 * delivery with and without a password file over STARTTLS, --raw from standard input, --timeout
 * and the hints, refused recipients, --allow-partial, a partial delivery, --profile, a
 * --server that is not the profile's, and the outbox (--queue, --at, --outbox, --flush and its
 * exit statuses, three entries flushed over one connection). ep_send_compose_message() and ep_send_deliver() are also
 * called directly for the errors they hand back. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "ep-engine.h"
#include "ep-mime-error.h"
#include "ep-outbox-delivery.h"
#include "ep-profile-store.h"
#include "ep-script-server.h"
#include "ep-sent-store.h"
#include "ep-send-cli.h"
#include "ep-send-compose.h"
#include "ep-send-deliver.h"
#include "ep-send-outbox.h"
#include "ep-send-proxy.h"
#include "ep-outbox-store.h"
#include "ep-smtp-scripts.h"
#include "ep-store-error.h"
#include "ep-test-certs.h"
#include "ep-test-util.h"

#define WAIT_MS 5000

/* A whole session delivering to you@example.org. */
#define DELIVERING_TO_YOU EP_SCRIPT_GREETING EP_SCRIPT_EHLO_PIPELINING \
                          EP_SCRIPT_DELIVER_TO ("you@example.org") EP_SCRIPT_QUIT_EOF
/* Two recipients, nobody@example.org refused; the server's 354 is the last step. */
#define REFUSING_SERVER EP_SCRIPT_GREETING EP_SCRIPT_EHLO_PIPELINING                 \
                        EP_SCRIPT_REFUSE_SECOND ("you@example.org", "nobody@example.org", \
                                                 "550 5.1.1 User unknown")

/* Files every case may name, in a fresh directory: {DIR} in arguments. */
static char *dir;

/* --- running the command line in process ---------------------------------------------------- */

typedef struct
{
  int   status;
  char *out;   /* g_print() and file descriptor 1 */
  char *err;   /* g_printerr() */
} Outcome;

static void
outcome_clear (Outcome *outcome)
{
  g_clear_pointer (&outcome->out, g_free);
  g_clear_pointer (&outcome->err, g_free);
}

static GString *printed, *printed_err;

static void
print_cb (const char *text)
{
  g_string_append (printed, text);
}

static void
printerr_cb (const char *text)
{
  g_string_append (printed_err, text);
}

/* "{DIR}" and "{PORT}" filled in. */
static char *
expand_arg (const char *arg,
            guint16     port)
{
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  GString *out = g_string_new (arg);

  g_string_replace (out, "{DIR}", dir, 0);
  g_string_replace (out, "{PORT}", port_text, 0);
  return g_string_free (out, FALSE);
}

/* Runs ep_send_cli_run() with @args (NULL-terminated, after the program name), @stdin_text on
 * standard input (empty when NULL), and collects what it prints. Standard output is a file
 * meanwhile: the TAP stream must not get the message. */
static Outcome
run_cli (const char * const *args,
         guint16             port,
         const char         *stdin_text)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char **argv_copy = NULL;
  g_autofree char *in_path = g_build_filename (dir, ".stdin", NULL);
  g_autofree char *out_path = g_build_filename (dir, ".stdout", NULL);
  GPrintFunc old_print, old_printerr;
  Outcome outcome = { 0 };
  g_autofree char *fd_out = NULL;
  int saved_in, saved_out, fd;

  g_ptr_array_add (argv, g_strdup ("epistle-send"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, expand_arg (args[i], port));
  g_ptr_array_add (argv, NULL);
  /* GOption moves the pointers it consumes: the array it gets is a copy. */
  argv_copy = g_memdup2 (argv->pdata, argv->len * sizeof (char *));

  ep_test_write_file (in_path, stdin_text != NULL ? stdin_text : "");
  fflush (stdout);
  saved_in = dup (STDIN_FILENO);
  saved_out = dup (STDOUT_FILENO);
  fd = open (in_path, O_RDONLY);
  g_assert_cmpint (dup2 (fd, STDIN_FILENO), ==, STDIN_FILENO);
  close (fd);
  fd = open (out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  g_assert_cmpint (dup2 (fd, STDOUT_FILENO), ==, STDOUT_FILENO);
  close (fd);

  printed = g_string_new (NULL);
  printed_err = g_string_new (NULL);
  old_print = g_set_print_handler (print_cb);
  old_printerr = g_set_printerr_handler (printerr_cb);

  outcome.status = ep_send_cli_run ((int) argv->len - 1, argv_copy);

  g_set_print_handler (old_print);
  g_set_printerr_handler (old_printerr);
  g_assert_cmpint (dup2 (saved_in, STDIN_FILENO), ==, STDIN_FILENO);
  g_assert_cmpint (dup2 (saved_out, STDOUT_FILENO), ==, STDOUT_FILENO);
  close (saved_in);
  close (saved_out);

  fd_out = ep_test_read_file (out_path);
  g_string_append (printed, fd_out);
  outcome.out = g_string_free (g_steal_pointer (&printed), FALSE);
  outcome.err = g_string_free (g_steal_pointer (&printed_err), FALSE);
  g_test_message ("exit %d; stderr: %s", outcome.status, outcome.err);
  return outcome;
}

static void
assert_contains (const char *haystack,
                 const char *needle)
{
  if (strstr (haystack, needle) == NULL)
    g_error ("“%s” not found in “%s”", needle, haystack);
}

/* The command line run against a server playing a script, as the cases through the server run
 * it: what is left to check, and to let go of. */
typedef struct
{
  EpScriptServer *server;
  Outcome         outcome;
} Exchange;

/* Starts the server playing @script, runs the command line with @args ({PORT}: the server's) and
 * @stdin_text, and waits for the script's end. */
static void
exchange_run (Exchange           *x,
              const char         *script,
              const char * const *args,
              const char         *stdin_text)
{
  x->server = ep_script_server_new_for_test (script);
  x->outcome = run_cli (args, ep_script_server_get_port (x->server), stdin_text);
  ep_script_server_assert_done (x->server, WAIT_MS);
}

static void
exchange_clear (Exchange *x)
{
  outcome_clear (&x->outcome);
  g_assert_finalize_object (g_steal_pointer (&x->server));
}

/* --- mistakes ------------------------------------------------------------------------------- */

#define MAX_ARGS 14
#define SERVER "--server", "127.0.0.1:{PORT}", "--security", "none"
#define FROM   "--from", "me@example.org"

typedef struct
{
  const char *name;
  const char *args[MAX_ARGS];
  int         status;
  const char *words;       /* on stderr, after "epistle-send: "; {DIR} filled in */
} Mistake;

static const Mistake mistakes[] = {
  /* Parsing */
  { "unknown option", { "--frobnicate", NULL }, EP_EXIT_USAGE, "Unknown option --frobnicate" },
  { "timeout not a number", { "--timeout", "soon", NULL }, EP_EXIT_USAGE,
    "Cannot parse integer value “soon” for --timeout" },
  { "raw with subject", { SERVER, FROM, "--raw", "{DIR}/raw.eml", "--subject", "x", "you@example.org", NULL },
    EP_EXIT_USAGE, "--raw sends the file as it is: it cannot be combined with --subject, --body or --attach" },
  { "no server", { FROM, "you@example.org", NULL }, EP_EXIT_USAGE, "no server: use --server HOST[:PORT] (or --print)" },
  /* Composing */
  { "no sender", { SERVER, "you@example.org", NULL }, EP_EXIT_USAGE, "the sender is missing (--from ADDR)" },
  { "two senders", { SERVER, "--from", "a@example.org, b@example.org", "you@example.org", NULL },
    EP_EXIT_DATAERR, "From: exactly one sender address is needed" },
  { "bad sender", { SERVER, "--from", "me@@example.org", "you@example.org", NULL }, EP_EXIT_DATAERR, "From: invalid address “me@@example.org”" },
  { "no recipient", { SERVER, FROM, NULL }, EP_EXIT_USAGE, "there is no recipient (--to, --cc, --bcc or RECIPIENT)" },
  { "bad Cc", { SERVER, FROM, "--cc", "ann@@example.org", "you@example.org", NULL }, EP_EXIT_DATAERR, "Cc: invalid address “ann@@example.org”" },
  { "subject with CRLF", { SERVER, FROM, "--subject", "Hi\r\nBcc: x@example.org", "you@example.org", NULL },
    EP_EXIT_DATAERR, "Subject: control character U+000D is not allowed" },
  { "body missing", { SERVER, FROM, "--body", "{DIR}/nothing.txt", "you@example.org", NULL },
    EP_EXIT_NOINPUT, "--body “{DIR}/nothing.txt”: " },
  { "body a directory", { SERVER, FROM, "--body", "{DIR}", "you@example.org", NULL },
    EP_EXIT_NOINPUT, "--body “{DIR}”: is a directory" },
  { "body not UTF-8", { SERVER, FROM, "--body", "{DIR}/latin1.txt", "you@example.org", NULL },
    EP_EXIT_DATAERR, "--body “{DIR}/latin1.txt”: " },
  { "attachment missing", { SERVER, FROM, "--attach", "{DIR}/gone.pdf", "you@example.org", NULL },
    EP_EXIT_NOINPUT, "Attachment “{DIR}/gone.pdf”: " },
  /* The options turned into a configuration */
  { "bad server", { "--server", "host:0", FROM, "you@example.org", NULL },
    EP_EXIT_USAGE, "--server “host:0”: expected HOST, HOST:PORT or [IPv6]:PORT" },
  { "bad security", { "--server", "127.0.0.1:{PORT}", "--security", "ssl", FROM, "you@example.org", NULL },
    EP_EXIT_USAGE, "--security “ssl”: expected tls, starttls or none" },
  { "timeout zero", { SERVER, "--timeout", "0", FROM, "you@example.org", NULL },
    EP_EXIT_USAGE, "--timeout must be a positive number of seconds" },
  { "timeout negative", { SERVER, "--timeout", "-5", FROM, "you@example.org", NULL },
    EP_EXIT_USAGE, "--timeout must be a positive number of seconds" },
  { "bad auth", { SERVER, "--auth", "gssapi", FROM, "you@example.org", NULL },
    EP_EXIT_USAGE, "--auth “gssapi”: expected auto, none, plain, login, cram-md5, scram-sha-1, scram-sha-256, xoauth2 or oauthbearer" },
  { "CA file missing", { SERVER, "--cafile", "{DIR}/ca.pem", FROM, "you@example.org", NULL },
    EP_EXIT_NOINPUT, "--cafile “{DIR}/ca.pem”: cannot read the file" },
  { "CA file a directory", { SERVER, "--cafile", "{DIR}", FROM, "you@example.org", NULL },
    EP_EXIT_NOINPUT, "--cafile “{DIR}”: cannot read the file" },
  { "password file without user", { SERVER, "--password-file", "{DIR}/pw", FROM, "you@example.org", NULL },
    EP_EXIT_CONFIG, "--password-file needs --user NAME" },
  { "standard input twice", { SERVER, "--user", "me", "--password-file", "-", "--body", "-", FROM, "you@example.org", NULL },
    EP_EXIT_USAGE, "standard input cannot be both the password and the message" },
  { "password file missing", { SERVER, "--user", "me", "--password-file", "{DIR}/nopw", FROM, "you@example.org", NULL },
    EP_EXIT_NOINPUT, "--password-file “{DIR}/nopw”: " },
  { "password file too big", { SERVER, "--user", "me", "--password-file", "{DIR}/bigpw", FROM, "you@example.org", NULL },
    EP_EXIT_NOINPUT, "--password-file “{DIR}/bigpw”: the file is too big for a password" },
  { "user without password", { SERVER, "--user", "me", FROM, "you@example.org", NULL },
    EP_EXIT_CONFIG, "--user needs --password-file FILE (or --auth none)" },
  { "no such profile", { "--profile", "Nope", FROM, "you@example.org", NULL },
    EP_EXIT_CONFIG, "--profile “Nope”: no such profile (there are: " },
  { "invalid configuration", { SERVER, "--user", "me\x01", "--password-file", "{DIR}/pw", FROM, "you@example.org", NULL },
    EP_EXIT_CONFIG, "The user name or password contains control characters" },
  /* --raw: its envelope and its file */
  { "raw without sender", { SERVER, "--raw", "{DIR}/raw.eml", "you@example.org", NULL },
    EP_EXIT_USAGE, "--raw needs the envelope sender (--from ADDR)" },
  { "raw, two senders", { SERVER, "--raw", "{DIR}/raw.eml", "--from", "a@example.org, b@example.org", "you@example.org", NULL },
    EP_EXIT_DATAERR, "From: exactly one sender address is needed" },
  { "raw, bad recipient", { SERVER, "--raw", "{DIR}/raw.eml", FROM, "--bcc", "x@@example.org", NULL },
    EP_EXIT_DATAERR, "Bcc: invalid address “x@@example.org”" },
  { "raw, no recipient", { SERVER, "--raw", "{DIR}/raw.eml", FROM, NULL },
    EP_EXIT_USAGE, "there is no recipient (--to, --cc, --bcc or RECIPIENT)" },
  { "raw, a directory", { SERVER, "--raw", "{DIR}", FROM, "you@example.org", NULL },
    EP_EXIT_NOINPUT, "--raw “{DIR}”: not a regular file" },
  { "raw missing", { SERVER, "--raw", "{DIR}/gone.eml", FROM, "you@example.org", NULL },
    EP_EXIT_NOINPUT, "--raw “{DIR}/gone.eml”: " },
};

/* Each mistake: its status, one line saying what is wrong, and no connection (the server, on
 * the port the mistakes name, never sees one). */
static void
test_mistake (gconstpointer data)
{
  const Mistake *mistake = data;
  g_autoptr(EpScriptServer) idle = ep_script_server_new_for_test (EP_SCRIPT_GREETING);
  g_autofree char *words = expand_arg (mistake->words, ep_script_server_get_port (idle));
  g_autofree char *line = g_strconcat ("epistle-send: ", words, NULL);
  Outcome outcome;

  outcome = run_cli (mistake->args, ep_script_server_get_port (idle), NULL);
  g_assert_cmpint (outcome.status, ==, mistake->status);
  g_assert_true (g_str_has_prefix (outcome.err, "epistle-send: "));
  assert_contains (outcome.err, line);
  g_assert_cmpstr (outcome.out, ==, "");
  g_assert_false (ep_script_server_get_connected (idle));
  outcome_clear (&outcome);
  g_assert_finalize_object (g_steal_pointer (&idle));
}

/* A parsing error also says where help is. */
static void
test_usage_hint (void)
{
  static const char *args[] = { "--frobnicate", NULL };
  Outcome outcome = run_cli (args, 0, NULL);

  g_assert_cmpint (outcome.status, ==, EP_EXIT_USAGE);
  assert_contains (outcome.err, "Try “epistle-send --help” for more information.\n");
  outcome_clear (&outcome);
}

/* --- the ways through ----------------------------------------------------------------------- */

static void
test_version (void)
{
  static const char *args[] = { "--version", NULL };
  g_autofree char *expected = g_strdup_printf ("epistle-send %s\n", ep_engine_version ());
  Outcome outcome = run_cli (args, 0, NULL);

  g_assert_cmpint (outcome.status, ==, EP_EXIT_OK);
  g_assert_cmpstr (outcome.out, ==, expected);
  g_assert_cmpstr (outcome.err, ==, "");
  outcome_clear (&outcome);
}

/* --print: the message on standard output, CRLF, Bcc in no header; nothing else printed. */
static void
test_print (void)
{
  static const char *args[] = { "--print", "--from", "Me <me@example.org>", "--to", "you@example.org",
                                "--bcc", "hidden@example.org", "--subject", "Hi", "--body", "{DIR}/body.txt",
                                NULL };
  Outcome outcome = run_cli (args, 0, NULL);

  g_assert_cmpint (outcome.status, ==, EP_EXIT_OK);
  g_assert_cmpstr (outcome.err, ==, "");
  assert_contains (outcome.out, "From: Me <me@example.org>\r\n");
  assert_contains (outcome.out, "To: you@example.org\r\n");
  assert_contains (outcome.out, "Subject: Hi\r\n");
  assert_contains (outcome.out, "Dear you,\r\n");
  g_assert_null (strstr (outcome.out, "hidden"));
  outcome_clear (&outcome);

  /* The same mistakes as when sending, with the same words. */
  {
    static const char *no_from[] = { "--print", "you@example.org", NULL };

    outcome = run_cli (no_from, 0, NULL);
    g_assert_cmpint (outcome.status, ==, EP_EXIT_USAGE);
    g_assert_cmpstr (outcome.err, ==, "epistle-send: the sender is missing (--from ADDR)\n");
    g_assert_cmpstr (outcome.out, ==, "");
    outcome_clear (&outcome);
  }
}

/* Delivered unencrypted where asked for: every recipient in the envelope, Bcc only there, the
 * body from standard input, and not a word on stderr. */
static void
test_deliver (void)
{
  static const char *args[] = { SERVER, FROM, "--subject", "Hi", "--body", "-", "--cc", "Ann <ann@example.org>",
                                "--bcc", "hidden@example.org", "you@example.org", NULL };
  g_autoptr(GBytes) body = NULL;
  g_autofree char *text = NULL;
  Exchange x;

  exchange_run (&x,
                EP_SCRIPT_GREETING
                EP_SCRIPT_EHLO_PIPELINING
                "C: MAIL FROM:<me@example.org>*\n"
                "C: RCPT TO:<you@example.org>\n"
                "C: RCPT TO:<ann@example.org>\n"
                "C: RCPT TO:<hidden@example.org>\n"
                "C: DATA\n"
                "S: 250 2.1.0 ok\n"
                "S: 250 2.1.5 ok\n"
                "S: 250 2.1.5 ok\n"
                "S: 250 2.1.5 ok\n"
                "S: 354 go ahead\n"
                "DATA\n"
                "S: 250 2.0.0 queued\n"
                EP_SCRIPT_QUIT_EOF,
                args, "Hello from standard input.\n");
  g_assert_cmpint (x.outcome.status, ==, EP_EXIT_OK);
  g_assert_cmpstr (x.outcome.err, ==, "");
  body = ep_script_server_get_body (x.server, 0);
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  assert_contains (text, "Hello from standard input.\r\n");
  assert_contains (text, "Cc: Ann <ann@example.org>\r\n");
  g_assert_null (strstr (text, "hidden"));
  exchange_clear (&x);
}

/* Over STARTTLS (the default for a port other than 465), a relative --cafile taken from where
 * the command runs, and the password from a file without its line ending. */
static void
test_deliver_password (void)
{
  static const char *args[] = { "--server", "127.0.0.1:{PORT}", "--cafile", "ca.pem", "--user", "me@example.org",
                                "--password-file", "{DIR}/pw", FROM, "--subject", "Hi", "you@example.org", NULL };
  g_autofree char *plain = g_base64_encode ((const guchar *) "\0me@example.org\0S3cret", 22);
  g_autofree char *script = g_strdup_printf (EP_SCRIPT_GREETING
                                             EP_SCRIPT_EHLO_STARTTLS
                                             EP_SCRIPT_STARTTLS
                                             "TLS: good\n"
                                             EP_SCRIPT_EHLO_AUTH_PLAIN
                                             "C: AUTH PLAIN %s\n"
                                             "S: 235 2.7.0 Accepted\n"
                                             EP_SCRIPT_DELIVER_TO ("you@example.org")
                                             EP_SCRIPT_QUIT_EOF, plain);
  g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (script);
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *ca = ep_test_certs_path ("ca");
  g_autofree char *ca_dir = g_path_get_dirname (ca);
  g_autofree char *ca_name = g_path_get_basename (ca);
  Outcome outcome;

  g_assert_cmpstr (ca_name, ==, "ca.pem");
  g_assert_cmpint (g_chdir (ca_dir), ==, 0);
  outcome = run_cli (args, ep_script_server_get_port (server), NULL);
  g_assert_cmpint (g_chdir (cwd), ==, 0);
  ep_script_server_assert_done (server, WAIT_MS);
  g_assert_cmpint (outcome.status, ==, EP_EXIT_OK);
  g_assert_cmpstr (outcome.err, ==, "");
  outcome_clear (&outcome);
  g_assert_finalize_object (g_steal_pointer (&server));
}

/* --raw -: the bytes from standard input as they are, the envelope from the options. */
static void
test_deliver_raw (void)
{
  static const char raw[] = "From: Me <me@example.org>\r\nTo: you@example.org\r\nSubject: raw\r\n\r\nAs is.\r\n";
  static const char *args[] = { SERVER, FROM, "--raw", "-", "--to", "you@example.org", NULL };
  g_autoptr(GBytes) body = NULL;
  Exchange x;

  exchange_run (&x, DELIVERING_TO_YOU, args, raw);
  g_assert_cmpint (x.outcome.status, ==, EP_EXIT_OK);
  g_assert_cmpstr (x.outcome.err, ==, "");
  body = ep_script_server_get_body (x.server, 0);
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), raw, strlen (raw));
  exchange_clear (&x);
}

/* --timeout is the limit, not the default 60 s; a server that never greets gets a hint about
 * implicit TLS. */
static void
test_timeout_hint (void)
{
  static const char *args[] = { SERVER, "--timeout", "1", FROM, "you@example.org", NULL };
  g_autoptr(EpScriptServer) server = ep_script_server_new_for_test ("STALL: 5000\nDRAIN\n");
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;
  Outcome outcome;

  outcome = run_cli (args, ep_script_server_get_port (server), NULL);
  elapsed = g_get_monotonic_time () - start;
  ep_script_server_assert_done (server, WAIT_MS);
  g_assert_cmpint (outcome.status, ==, EP_EXIT_TEMPFAIL);
  g_assert_cmpint (elapsed, >=, 900 * 1000);
  g_assert_cmpint (elapsed, <, ep_test_slack (3 * G_USEC_PER_SEC));
  assert_contains (outcome.err, "epistle-send: hint: the server never greeted; if it expects TLS from the first byte (usually port 465), use --security tls\n");
  outcome_clear (&outcome);
  g_assert_finalize_object (g_steal_pointer (&server));
}

/* The proxy comes from the environment, as curl takes it: all_proxy (or ALL_PROXY), with
 * no_proxy's hosts reached directly; without all_proxy, every connection is direct. */
static void
test_proxy_environment (void)
{
  static const char *direct[] = { SERVER, "--timeout", "5", FROM, "you@example.org", NULL };

  /* What the resolver answers. */
  {
    static const struct {
      const char *all_proxy, *no_proxy, *uri, *expected;
    } cases[] = {
      { NULL, NULL, "none://smtp.example.org:587", "direct://" },
      { "socks5://127.0.0.1:1080", NULL, "none://smtp.example.org:587", "socks5://127.0.0.1:1080" },
      { "socks5://127.0.0.1:1080", "example.net, smtp.example.org", "none://smtp.example.org:587", "direct://" },
      { "http://proxy.example.org:3128", "example.net", "none://smtp.example.org:587", "http://proxy.example.org:3128" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autoptr(GProxyResolver) resolver = NULL;
        g_auto(GStrv) proxies = NULL;

        if (cases[i].all_proxy != NULL)
          g_setenv ("all_proxy", cases[i].all_proxy, TRUE);
        if (cases[i].no_proxy != NULL)
          g_setenv ("no_proxy", cases[i].no_proxy, TRUE);
        resolver = ep_send_proxy_resolver_new_from_environment ();
        proxies = g_proxy_resolver_lookup (resolver, cases[i].uri, NULL, NULL);
        g_unsetenv ("all_proxy");
        g_unsetenv ("no_proxy");
        g_assert_nonnull (proxies);
        g_assert_cmpstr (proxies[0], ==, cases[i].expected);
      }
  }

  /* A proxy that is not there: nothing goes direct behind the person's back. */
  {
    g_autofree char *url = g_strdup_printf ("socks5://127.0.0.1:%u", ep_test_closed_port ());
    Exchange x;

    g_setenv ("ALL_PROXY", url, TRUE);
    g_unsetenv ("all_proxy");
    x.server = ep_script_server_new_for_test ("");
    x.outcome = run_cli (direct, ep_script_server_get_port (x.server), NULL);
    g_assert_cmpint (x.outcome.status, !=, EP_EXIT_OK);
    assert_contains (x.outcome.err, "proxy");
    g_assert_cmpuint (ep_script_server_get_n_reads (x.server), ==, 0);
    outcome_clear (&x.outcome);
    g_clear_object (&x.server);

    /* no_proxy: that host is reached directly. */
    g_setenv ("no_proxy", "example.net, 127.0.0.1", TRUE);
    exchange_run (&x, DELIVERING_TO_YOU, direct, NULL);
    g_assert_cmpint (x.outcome.status, ==, EP_EXIT_OK);
    exchange_clear (&x);
  }
  g_unsetenv ("ALL_PROXY");
  g_unsetenv ("no_proxy");
}

/* --security tls against a server that speaks plain text first: a hint about STARTTLS. */
static void
test_tls_hint (void)
{
  static const char *args[] = { "--server", "127.0.0.1:{PORT}", "--security", "tls", "--timeout", "5", FROM,
                                "you@example.org", NULL };
  Exchange x;

  exchange_run (&x, EP_SCRIPT_GREETING "DRAIN\n", args, NULL);
  g_assert_cmpint (x.outcome.status, ==, EP_EXIT_PROTOCOL);
  assert_contains (x.outcome.err, "epistle-send: hint: if the server uses STARTTLS on this port (usually 587 or 25), use --security starttls\n");
  exchange_clear (&x);
}

/* A certificate from a CA the system does not know, without --cafile: refused, with a hint. */
static void
test_unknown_ca_hint (void)
{
  static const char *args[] = { "--server", "127.0.0.1:{PORT}", "--timeout", "5", FROM, "you@example.org", NULL };
  Exchange x;

  exchange_run (&x,
                EP_SCRIPT_GREETING
                EP_SCRIPT_EHLO_STARTTLS
                EP_SCRIPT_STARTTLS
                "TLS-REJECT: good\n"
                "EOF\n",
                args, NULL);
  g_assert_cmpint (x.outcome.status, ==, EP_EXIT_NOPERM);
  assert_contains (x.outcome.err, "epistle-send: hint: if the server uses a private CA, pass its certificate with --cafile FILE\n");
  exchange_clear (&x);
}

/* A refused recipient: nothing sent, the refusal in the server's words, and what to do. */
static void
test_refused (void)
{
  static const char *args[] = { SERVER, FROM, "you@example.org", "nobody@example.org", NULL };
  Exchange x;

  exchange_run (&x, REFUSING_SERVER "DRAIN\n", args, NULL);
  g_assert_cmpint (x.outcome.status, ==, EP_EXIT_UNAVAILABLE);
  g_assert_cmpstr (x.outcome.err, ==,
                     "epistle-send: recipient <nobody@example.org> refused: 550 5.1.1 User unknown\n"
                     "epistle-send: message not sent (use --allow-partial to deliver to the accepted recipients)\n");
  g_assert_cmpuint (ep_script_server_get_n_bodies (x.server), ==, 0);
  exchange_clear (&x);
}

/* --hold-until TIME on a direct send: HOLDUNTIL= on MAIL FROM, in UTC; a server that does not
 * offer FUTURERELEASE gets nothing but QUIT (exit 78, why on stderr); a time that has passed or
 * is not one, and --hold-until with the outbox's modes, are mistakes. */
static void
test_hold_until (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_utc (g_get_real_time () / G_USEC_PER_SEC);
  g_autoptr(GDateTime) later = g_date_time_add_hours (now, 5);
  g_autoptr(GTimeZone) plus_two = g_time_zone_new_offset (2 * 3600);
  g_autoptr(GDateTime) later_there = g_date_time_to_timezone (later, plus_two);
  g_autofree char *when = g_date_time_format (later, "%Y-%m-%dT%H:%M:%SZ");
  g_autofree char *given = g_date_time_format (later_there, "%Y-%m-%dT%H:%M:%S+02:00");
  const char *args[] = { SERVER, FROM, "--subject", "Later", "--hold-until", given,
                         "you@example.org", NULL };
  static const char *past[] = { SERVER, FROM, "--hold-until", "2001-01-01T08:00:00Z",
                                "you@example.org", NULL };
  static const char *with_queue[] = { "--profile", "Sandbox", "--queue", "--hold-until",
                                      "2100-01-01T08:00:00Z", FROM, "you@example.org", NULL };
  g_autofree char *script = g_strdup_printf (EP_SCRIPT_GREETING
                                             "C: EHLO *\n"
                                             "S: 250-mx.test\n"
                                             "S: 250-PIPELINING\n"
                                             "S: 250 FUTURERELEASE 604800 2100-01-01T00:00:00Z\n"
                                             "C: MAIL FROM:<me@example.org> HOLDUNTIL=%s\n"
                                             "C: RCPT TO:<you@example.org>\n"
                                             "C: DATA\n"
                                             "S: 250 2.1.0 ok\n"
                                             "S: 250 2.1.5 ok\n"
                                             "S: 354 go ahead\n"
                                             "DATA\n"
                                             "S: 250 2.0.0 held\n"
                                             EP_SCRIPT_QUIT_EOF, when);
  Exchange x;
  Outcome outcome;

  exchange_run (&x, script, args, NULL);
  g_assert_cmpint (x.outcome.status, ==, EP_EXIT_OK);
  g_assert_cmpuint (ep_script_server_get_n_bodies (x.server), ==, 1);
  exchange_clear (&x);

  exchange_run (&x, EP_SCRIPT_GREETING EP_SCRIPT_EHLO_PIPELINING EP_SCRIPT_QUIT_EOF, args, NULL);
  g_assert_cmpint (x.outcome.status, ==, EP_EXIT_CONFIG);
  g_assert_nonnull (strstr (x.outcome.err, "it does not offer FUTURERELEASE"));
  g_assert_false (ep_script_server_received_contains (x.server, "MAIL"));
  exchange_clear (&x);

  outcome = run_cli (past, 9, NULL);
  g_assert_cmpint (outcome.status, ==, EP_EXIT_USAGE);
  g_assert_cmpstr (outcome.err, ==, "epistle-send: --hold-until “2001-01-01T08:00:00Z”: expected an "
                                    "ISO 8601 date and time to come (2026-12-24T18:00:00, local or "
                                    "with an offset such as +01:00)\n");
  outcome_clear (&outcome);
  outcome = run_cli (with_queue, 9, NULL);
  g_assert_cmpint (outcome.status, ==, EP_EXIT_USAGE);
  g_assert_cmpstr (outcome.err, ==, "epistle-send: --hold-until is for a message sent now; with the "
                                    "outbox use --at TIME --server-hold\n");
  outcome_clear (&outcome);
}

/* --dsn, --dsn-ret, --read-receipt: the exact envelope parameters (ENVID the Message-ID, which
 * the message carries) and Disposition-Notification-To in the message; a server without DSN or
 * REQUIRETLS gets nothing but QUIT (exit 69, why on stderr); the options' mistakes. */
static void
test_delivery_options (void)
{
  static const char *args[] = { SERVER, FROM, "--subject", "Notify me", "--dsn", "failure,delay",
                                "--dsn-ret", "full", "--read-receipt", "you@example.org", NULL };
  static const char *dsn_only[] = { SERVER, FROM, "--dsn", "success", "you@example.org", NULL };
  static const char *tls_only[] = { SERVER, FROM, "--require-tls", "you@example.org", NULL };
  static const struct { const char *args[10]; const char *err; } delivery_mistakes[] = {
    { { SERVER, "--dsn", "sometimes", NULL },
      "epistle-send: --dsn takes success, failure and delay (any of them, separated by commas) or never\n" },
    { { SERVER, "--dsn", "never,failure", NULL },
      "epistle-send: --dsn takes success, failure and delay (any of them, separated by commas) or never\n" },
    { { SERVER, "--dsn-ret", "full", NULL }, "epistle-send: --dsn-ret goes with --dsn (and not with never)\n" },
    { { SERVER, "--dsn", "never", "--dsn-ret", "hdrs", NULL },
      "epistle-send: --dsn-ret goes with --dsn (and not with never)\n" },
    { { SERVER, "--dsn", "failure", "--dsn-ret", "some", NULL }, "epistle-send: --dsn-ret takes hdrs or full\n" },
    { { "--print", "--require-tls", FROM, NULL },
      "epistle-send: --dsn, --dsn-ret and --require-tls are for a message being sent or queued\n" },
    { { SERVER, "--raw", "message.eml", "--read-receipt", NULL },
      "epistle-send: --read-receipt cannot change a --raw message: add a Disposition-Notification-To header to it\n" },
  };
  Exchange x;

  exchange_run (&x,
                EP_SCRIPT_GREETING
                "C: EHLO *\n"
                "S: 250-mx.test\n"
                "S: 250-PIPELINING\n"
                "S: 250 DSN\n"
                "C: MAIL FROM:<me@example.org> RET=FULL ENVID=<*@example.org>\n"
                "C: RCPT TO:<you@example.org> NOTIFY=FAILURE,DELAY ORCPT=rfc822;you@example.org\n"
                "C: DATA\n"
                "S: 250 2.1.0 ok\n"
                "S: 250 2.1.5 ok\n"
                "S: 354 go ahead\n"
                "DATA\n"
                "S: 250 2.0.0 queued\n"
                EP_SCRIPT_QUIT_EOF, args, NULL);
  g_assert_cmpint (x.outcome.status, ==, EP_EXIT_OK);
  {
    g_autofree char *received = ep_script_server_dup_received_string (x.server);
    g_autoptr(GRegex) envid = g_regex_new ("ENVID=(<[^>]+>)\r\n", 0, 0, NULL);
    g_autoptr(GMatchInfo) match = NULL;
    g_autofree char *id = NULL;
    g_autofree char *header = NULL;

    g_assert_true (g_regex_match (envid, received, 0, &match));
    id = g_match_info_fetch (match, 1);
    header = g_strdup_printf ("\r\nMessage-ID: %s\r\n", id);
    g_assert_nonnull (strstr (received, header));
    g_assert_nonnull (strstr (received, "\r\nDisposition-Notification-To: me@example.org\r\n"));
  }
  exchange_clear (&x);

  exchange_run (&x, EP_SCRIPT_GREETING EP_SCRIPT_EHLO_PIPELINING EP_SCRIPT_QUIT_EOF, dsn_only, NULL);
  g_assert_cmpint (x.outcome.status, ==, EP_EXIT_UNAVAILABLE);
  g_assert_nonnull (strstr (x.outcome.err, "the server does not offer them (no DSN)"));
  g_assert_false (ep_script_server_received_contains (x.server, "MAIL"));
  exchange_clear (&x);

  exchange_run (&x, EP_SCRIPT_GREETING EP_SCRIPT_EHLO_PIPELINING EP_SCRIPT_QUIT_EOF, tls_only, NULL);
  g_assert_cmpint (x.outcome.status, ==, EP_EXIT_UNAVAILABLE);
  g_assert_nonnull (strstr (x.outcome.err, "(no REQUIRETLS)"));
  g_assert_false (ep_script_server_received_contains (x.server, "MAIL"));
  exchange_clear (&x);

  for (guint i = 0; i < G_N_ELEMENTS (delivery_mistakes); i++)
    {
      Outcome outcome = run_cli (delivery_mistakes[i].args, 9, NULL);

      g_assert_cmpint (outcome.status, ==, EP_EXIT_USAGE);
      g_assert_cmpstr (outcome.err, ==, delivery_mistakes[i].err);
      outcome_clear (&outcome);
    }
}

/* --allow-partial: delivered to the accepted recipient, exit 0, the refusal still said. */
static void
test_allow_partial (void)
{
  static const char *args[] = { SERVER, FROM, "--allow-partial", "you@example.org", "nobody@example.org", NULL };
  Exchange x;

  exchange_run (&x,
                REFUSING_SERVER
                "DATA\n"
                "S: 250 2.0.0 queued\n"
                EP_SCRIPT_QUIT_EOF,
                args, NULL);
  g_assert_cmpint (x.outcome.status, ==, EP_EXIT_OK);
  g_assert_cmpstr (x.outcome.err, ==,
                     "epistle-send: recipient <nobody@example.org> refused: 550 5.1.1 User unknown\n"
                     "epistle-send: delivered to 1 of 2 recipients\n");
  exchange_clear (&x);
}

/* Delivered to one recipient, then the other refused in a second transaction: 80, who has the
 * message, who does not and why, and never "send it again to everyone". */
static void
test_partial (void)
{
  static const char *args[] = { SERVER, FROM, "ann@example.org", "carol@example.org", NULL };
  Exchange x;

  exchange_run (&x,
                EP_SCRIPT_GREETING
                EP_SCRIPT_EHLO_PIPELINING
                EP_SCRIPT_SPLIT_452 ("ann@example.org", "carol@example.org")
                "S: 250 2.1.0 ok\n"
                "S: 550 5.1.1 User unknown\n"
                "S: 554 5.5.1 No valid recipients\n"
                "DRAIN\n",
                args, NULL);
  g_assert_cmpint (x.outcome.status, ==, EP_EXIT_PARTIAL);
  assert_contains (x.outcome.err, "epistle-send: partial delivery: delivered to 1 of 2 recipients: <ann@example.org>\n");
  assert_contains (x.outcome.err, "epistle-send: not delivered to <carol@example.org>: 550 5.1.1 User unknown\n");
  assert_contains (x.outcome.err, "epistle-send: send it again only to the recipients not delivered, never to all of them\n");
  exchange_clear (&x);
}

static void
save_profile (EpProfile *profile)
{
  g_autoptr(EpProfileStore) store = ep_profile_store_new (NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (ep_profile_store_load (store, &error));
  g_assert_no_error (error);
  g_assert_true (ep_profile_store_add (store, profile, &error));
  g_assert_true (ep_profile_store_save (store, &error));
  g_assert_no_error (error);
  g_assert_finalize_object (g_steal_pointer (&store));
}

/* --profile NAME: its server, security and timeout; then the same profile with --server naming
 * another server: its pinned certificate and user name are not carried there, and it says so. */
static void
test_profile (void)
{
  g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (DELIVERING_TO_YOU);
  g_autoptr(EpScriptServer) other = ep_script_server_new_for_test (DELIVERING_TO_YOU);
  g_autoptr(EpProfile) plain = ep_profile_new ("Scripted");
  g_autoptr(EpProfile) pinned = ep_profile_new ("Pinned");
  g_autofree char *sha = ep_test_certs_sha256 ("self-signed");
  g_autofree char *expected = NULL;
  static const char *by_profile[] = { "--profile", "Scripted", FROM, "you@example.org", NULL };
  static const char *elsewhere[] = { "--profile", "Pinned", "--server", "127.0.0.1:{PORT}", "--security", "none",
                                     FROM, "you@example.org", NULL };
  Outcome outcome;

  ep_profile_set_host (plain, "127.0.0.1");
  ep_profile_set_port (plain, ep_script_server_get_port (server));
  ep_profile_set_security (plain, EP_SMTP_SECURITY_NONE);
  ep_profile_set_timeout (plain, 5);
  save_profile (plain);
  ep_profile_set_host (pinned, "smtp.example.org");
  ep_profile_set_port (pinned, 465);
  ep_profile_set_security (pinned, EP_SMTP_SECURITY_TLS);
  ep_profile_set_username (pinned, "me@example.org");
  ep_profile_set_pinned_sha256 (pinned, sha);
  save_profile (pinned);

  outcome = run_cli (by_profile, 0, NULL);
  ep_script_server_assert_done (server, WAIT_MS);
  g_assert_cmpint (outcome.status, ==, EP_EXIT_OK);
  g_assert_cmpstr (outcome.err, ==, "");
  outcome_clear (&outcome);

  /* No password is looked up for the profile's server, and none is sent to this one. */
  outcome = run_cli (elsewhere, ep_script_server_get_port (other), NULL);
  ep_script_server_assert_done (other, WAIT_MS);
  g_assert_cmpint (outcome.status, ==, EP_EXIT_OK);
  expected = g_strdup_printf ("epistle-send: --server 127.0.0.1:%u is not the server of the profile “Pinned” "
                              "(smtp.example.org:465): its trusted certificate and saved password are not used\n",
                              ep_script_server_get_port (other));
  g_assert_cmpstr (outcome.err, ==, expected);
  outcome_clear (&outcome);

  g_assert_finalize_object (g_steal_pointer (&server));
  g_assert_finalize_object (g_steal_pointer (&other));
}

/* The profile named @name (saved) now points at @port. */
static void
move_profile (const char *name,
              guint16     port)
{
  g_autoptr(EpProfileStore) store = ep_profile_store_new (NULL);
  g_autoptr(GError) error = NULL;
  EpProfile *profile;

  g_assert_true (ep_profile_store_load (store, &error));
  profile = ep_profile_store_lookup_by_name (store, name);
  g_assert_nonnull (profile);
  ep_profile_set_port (profile, port);
  g_assert_true (ep_profile_store_save (store, &error));
  g_assert_no_error (error);
}

/* The id --queue printed. */
static char *
queued_id (Outcome *outcome)
{
  g_assert_cmpint (outcome->status, ==, EP_EXIT_OK);
  g_assert_true (g_str_has_suffix (outcome->out, "\n"));
  g_assert_null (strchr (outcome->out, '\t'));
  return g_strndup (outcome->out, strlen (outcome->out) - 1);
}

/* --flush of three entries of one profile: one connection (one greeting, one EHLO, three
 * transactions, one QUIT: the script server takes a single connection), each delivered. */
static void
test_flush_one_connection (void)
{
  g_autoptr(EpProfile) profile = ep_profile_new ("Batched");
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (NULL);
  static const char *queue[] = { "--profile", "Batched", "--queue", FROM, "you@example.org", NULL };
  static const char *flush[] = { "--profile", "Batched", "--flush", NULL };
  char *ids[3] = { NULL };
  Outcome outcome;

  ep_profile_set_host (profile, "127.0.0.1");
  ep_profile_set_port (profile, 9);
  ep_profile_set_security (profile, EP_SMTP_SECURITY_NONE);
  ep_profile_set_timeout (profile, 5);
  save_profile (profile);

  for (guint i = 0; i < 3; i++)
    {
      outcome = run_cli (queue, 0, NULL);
      ids[i] = queued_id (&outcome);
      outcome_clear (&outcome);
    }

  {
    g_autoptr(EpScriptServer) server =
      ep_script_server_new_for_test (EP_SCRIPT_GREETING EP_SCRIPT_EHLO_PIPELINING
                                     EP_SCRIPT_DELIVER_TO ("you@example.org")
                                     EP_SCRIPT_DELIVER_TO ("you@example.org")
                                     EP_SCRIPT_DELIVER_TO ("you@example.org")
                                     EP_SCRIPT_QUIT_EOF);

    move_profile ("Batched", ep_script_server_get_port (server));
    outcome = run_cli (flush, 0, NULL);
    ep_script_server_assert_done (server, WAIT_MS);
    g_assert_cmpuint (ep_script_server_get_n_bodies (server), ==, 3);
  }
  g_assert_cmpint (outcome.status, ==, EP_EXIT_OK);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *line = g_strdup_printf ("epistle-send: %s: delivered\n", ids[i]);
      g_autoptr(EpOutboxEntry) entry = NULL;
      g_autoptr(GError) error = NULL;

      g_assert_nonnull (strstr (outcome.err, line));
      entry = ep_outbox_store_load (store, ids[i], &error);
      g_assert_null (entry);
      g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND);
      g_free (ids[i]);
    }
  outcome_clear (&outcome);
}

/* The profile saved as "Holding", as epistle-send left it. */
static EpProfile *
load_profile (const char *name)
{
  g_autoptr(EpProfileStore) store = ep_profile_store_new (NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (ep_profile_store_load (store, &error));
  g_assert_no_error (error);
  return g_object_ref (ep_profile_store_lookup_by_name (store, name));
}

/* --at TIME --server-hold: queued to leave at once, and --flush sends it with HOLDUNTIL=TIME, the
 * Sent copy saying so and the profile learning what the server offers; a server that no longer
 * offers FUTURERELEASE gets nothing, and the message waits for TIME (exit 75, the reason on
 * stderr). --server-hold without --at is a mistake. */
static void
test_server_hold (void)
{
  g_autoptr(EpProfile) profile = ep_profile_new ("Holding");
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (NULL);
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_utc (g_get_real_time () / G_USEC_PER_SEC);
  g_autoptr(GDateTime) hold = g_date_time_add_hours (now, 2);
  g_autofree char *when = g_date_time_format (hold, "%Y-%m-%dT%H:%M:%SZ");
  const char *queue[] = { "--profile", "Holding", "--at", when, "--server-hold", FROM,
                          "--subject", "Held for later", "you@example.org", NULL };
  static const char *no_at[] = { "--profile", "Holding", "--server-hold", FROM, "you@example.org",
                                 NULL };
  static const char *flush[] = { "--profile", "Holding", "--flush", NULL };
  g_autofree char *id = NULL;
  g_autofree char *script = NULL;
  g_autoptr(EpOutboxEntry) entry = NULL;
  g_autoptr(EpProfile) learned = NULL;
  g_autoptr(EpSentStore) sent = ep_sent_store_new (NULL);
  g_autoptr(GPtrArray) copies = NULL;
  g_autoptr(GError) error = NULL;
  EpSentInfo *copy = NULL;
  guint64 interval = 0;
  Outcome outcome;

  ep_profile_set_host (profile, "127.0.0.1");
  ep_profile_set_port (profile, 9);
  ep_profile_set_security (profile, EP_SMTP_SECURITY_NONE);
  ep_profile_set_timeout (profile, 5);
  save_profile (profile);

  outcome = run_cli (no_at, 0, NULL);
  g_assert_cmpint (outcome.status, ==, EP_EXIT_USAGE);
  g_assert_cmpstr (outcome.err, ==, "epistle-send: --server-hold needs --at TIME (when the server "
                                    "is to deliver the message)\n");
  outcome_clear (&outcome);

  outcome = run_cli (queue, 0, NULL);
  id = queued_id (&outcome);
  outcome_clear (&outcome);
  entry = ep_outbox_store_load (store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (entry->state, ==, EP_OUTBOX_STATE_QUEUED);
  g_assert_true (g_date_time_equal (entry->hold_until, hold));
  g_assert_true (ep_outbox_entry_is_due (entry, NULL));

  script = g_strdup_printf (EP_SCRIPT_GREETING
                            "C: EHLO *\n"
                            "S: 250-mx.test\n"
                            "S: 250-PIPELINING\n"
                            "S: 250 FUTURERELEASE 604800 2100-01-01T00:00:00Z\n"
                            "C: MAIL FROM:<me@example.org> HOLDUNTIL=%s\n"
                            "C: RCPT TO:<you@example.org>\n"
                            "C: DATA\n"
                            "S: 250 2.1.0 ok\n"
                            "S: 250 2.1.5 ok\n"
                            "S: 354 go ahead\n"
                            "DATA\n"
                            "S: 250 2.0.0 held\n"
                            EP_SCRIPT_QUIT_EOF, when);
  {
    g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (script);

    move_profile ("Holding", ep_script_server_get_port (server));
    outcome = run_cli (flush, 0, NULL);
    ep_script_server_assert_done (server, WAIT_MS);
  }
  g_test_message ("%s", outcome.err);
  g_assert_cmpint (outcome.status, ==, EP_EXIT_OK);
  outcome_clear (&outcome);
  copies = ep_sent_store_list (sent, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < copies->len; i++)
    if (g_strcmp0 (((EpSentInfo *) copies->pdata[i])->subject, "Held for later") == 0)
      copy = copies->pdata[i];
  g_assert_nonnull (copy);
  g_assert_true (g_date_time_equal (copy->hold_until, hold));
  learned = load_profile ("Holding");
  g_assert_nonnull (ep_profile_get_future_release_learned (learned));
  g_assert_true (ep_profile_get_future_release (learned, &interval, NULL));
  g_assert_cmpuint (interval, ==, 604800);
  g_clear_object (&learned);

  /* The server no longer offers it: not sent early, queued for TIME. */
  g_clear_pointer (&id, g_free);
  outcome = run_cli (queue, 0, NULL);
  id = queued_id (&outcome);
  outcome_clear (&outcome);
  {
    g_autoptr(EpScriptServer) server =
      ep_script_server_new_for_test (EP_SCRIPT_GREETING EP_SCRIPT_EHLO_PIPELINING EP_SCRIPT_QUIT_EOF);
    g_autofree char *expected = g_strdup_printf ("epistle-send: %s: queued, next attempt at %s: "
                                                 "The server no longer holds messages; Epistle "
                                                 "will send it at ", id, when);

    move_profile ("Holding", ep_script_server_get_port (server));
    outcome = run_cli (flush, 0, NULL);
    ep_script_server_assert_done (server, WAIT_MS);
    g_test_message ("%s", outcome.err);
    g_assert_cmpint (outcome.status, ==, EP_EXIT_TEMPFAIL);
    g_assert_true (g_str_has_prefix (outcome.err, expected));
    outcome_clear (&outcome);
  }
  g_clear_pointer (&entry, ep_outbox_entry_free);
  entry = ep_outbox_store_load (store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (entry->state, ==, EP_OUTBOX_STATE_QUEUED);
  g_assert_null (entry->hold_until);
  g_assert_true (g_date_time_equal (entry->not_before, hold));
  learned = load_profile ("Holding");
  g_assert_false (ep_profile_get_future_release (learned, NULL, NULL));
  g_assert_nonnull (ep_profile_get_future_release_learned (learned));
  g_assert_true (ep_outbox_store_delete (store, id, NULL));
}

/* --queue --attach of an .eml with 8-bit text for a profile whose server was last seen offering
 * 8BITMIME: the message is kept as it is (message/rfc822, 8bit) and --flush sends it with
 * BODY=8BITMIME. A server that has dropped 8BITMIME gets nothing: failed (exit 69) in words that
 * say what to do, and the profile learns it, so the message queued again goes as a file. */
static void
test_queue_8bit_message (void)
{
  g_autoptr(EpProfile) profile = ep_profile_new ("Eightbit");
  g_autoptr(EpSmtpCapabilities) caps = ep_smtp_capabilities_new ();
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (NULL);
  g_autofree char *eml = g_build_filename (dir, "inner.eml", NULL);
  static const char *queue[] = { "--profile", "Eightbit", "--queue", FROM, "--subject", "Forwarded",
                                 "--attach", "{DIR}/inner.eml", "you@example.org", NULL };
  static const char *flush[] = { "--profile", "Eightbit", "--flush", NULL };
  g_autofree char *id = NULL;
  g_autofree char *path = NULL;
  g_autofree char *stored = NULL;
  g_autoptr(EpOutboxEntry) entry = NULL;
  g_autoptr(EpProfile) learned = NULL;
  g_autoptr(GError) error = NULL;
  Outcome outcome;

  ep_test_write_file (eml, "From: ana@example.org\nSubject: Inner\n\nGr\xc3\xbc\xc3\x9f" "e\n");
  /* GIO's first use may log which VFS it loaded, on standard output: not inside run_cli (). */
  g_object_unref (g_file_new_for_path (eml));
  ep_profile_set_host (profile, "127.0.0.1");
  ep_profile_set_port (profile, 9);
  ep_profile_set_security (profile, EP_SMTP_SECURITY_NONE);
  ep_profile_set_timeout (profile, 5);
  /* As a Test Connection or an earlier --flush left it. */
  caps->flags = EP_SMTP_CAP_8BITMIME | EP_SMTP_CAP_PIPELINING;
  ep_profile_learn_capabilities (profile, caps, NULL);
  save_profile (profile);

  outcome = run_cli (queue, 0, NULL);
  id = queued_id (&outcome);
  outcome_clear (&outcome);
  entry = ep_outbox_store_load (store, id, &error);
  g_assert_no_error (error);
  g_assert_true (entry->needs_8bitmime);
  path = ep_outbox_store_dup_message_path (store, id);
  stored = ep_test_read_file (path);
  assert_contains (stored, "Content-Type: message/rfc822");
  assert_contains (stored, "Content-Transfer-Encoding: 8bit\r\n\r\nFrom: ana@example.org\r\n"
                           "Subject: Inner\r\n\r\nGr\xc3\xbc\xc3\x9f" "e\r\n");
  {
    g_autoptr(EpScriptServer) server =
      ep_script_server_new_for_test (EP_SCRIPT_GREETING
                                     "C: EHLO *\n"
                                     "S: 250-mx.test\n"
                                     "S: 250-PIPELINING\n"
                                     "S: 250 8BITMIME\n"
                                     "C: MAIL FROM:<me@example.org> BODY=8BITMIME\n"
                                     "C: RCPT TO:<you@example.org>\n"
                                     "C: DATA\n"
                                     "S: 250 2.1.0 ok\n"
                                     "S: 250 2.1.5 ok\n"
                                     "S: 354 go ahead\n"
                                     "DATA\n"
                                     "S: 250 2.0.0 queued\n"
                                     EP_SCRIPT_QUIT_EOF);
    g_autofree char *line = g_strdup_printf ("epistle-send: %s: delivered\n", id);

    move_profile ("Eightbit", ep_script_server_get_port (server));
    outcome = run_cli (flush, 0, NULL);
    ep_script_server_assert_done (server, WAIT_MS);
    g_assert_cmpint (outcome.status, ==, EP_EXIT_OK);
    g_assert_cmpstr (outcome.err, ==, line);
    outcome_clear (&outcome);
  }

  /* The server has dropped 8BITMIME since. */
  g_clear_pointer (&id, g_free);
  outcome = run_cli (queue, 0, NULL);
  id = queued_id (&outcome);
  outcome_clear (&outcome);
  {
    g_autoptr(EpScriptServer) server =
      ep_script_server_new_for_test (EP_SCRIPT_GREETING EP_SCRIPT_EHLO_PIPELINING EP_SCRIPT_QUIT_EOF);
    g_autofree char *line = g_strdup_printf ("epistle-send: %s: failed: This server no longer accepts "
                                             "8-bit messages (8BITMIME): edit the message and send it "
                                             "again to attach the message file as a file\n", id);

    move_profile ("Eightbit", ep_script_server_get_port (server));
    outcome = run_cli (flush, 0, NULL);
    ep_script_server_assert_done (server, WAIT_MS);
    g_assert_cmpint (outcome.status, ==, EP_EXIT_UNAVAILABLE);
    g_assert_cmpstr (outcome.err, ==, line);
    outcome_clear (&outcome);
  }
  learned = load_profile ("Eightbit");
  g_assert_false (ep_outbox_profile_allows_8bit (learned));
  g_assert_true (ep_outbox_store_delete (store, id, NULL));

  /* Queued again: attached as a file, for any server. */
  g_clear_pointer (&id, g_free);
  outcome = run_cli (queue, 0, NULL);
  id = queued_id (&outcome);
  outcome_clear (&outcome);
  g_clear_pointer (&entry, ep_outbox_entry_free);
  entry = ep_outbox_store_load (store, id, &error);
  g_assert_no_error (error);
  g_assert_false (entry->needs_8bitmime);
  g_clear_pointer (&path, g_free);
  g_clear_pointer (&stored, g_free);
  path = ep_outbox_store_dup_message_path (store, id);
  stored = ep_test_read_file (path);
  g_assert_null (strstr (stored, "message/rfc822"));
  assert_contains (stored, "Content-Type: application/octet-stream");
  g_assert_true (ep_outbox_store_delete (store, id, NULL));
}

/* --queue: the id on stdout and the entry in --outbox's list; --flush against a server that
 * delivers (exit 0, the entry gone), one that says 421 (exit 75, still queued with its
 * attempt), one that refuses with 554 (exit 69, failed with the server's words); --at and the
 * modes' mistakes. */
static void
test_outbox (void)
{
  g_autoptr(EpProfile) profile = ep_profile_new ("Queued");
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (NULL);
  static const char *queue[] = { "--profile", "Queued", "--queue", FROM, "--subject", "First\tline",
                                 "you@example.org", NULL };
  static const char *list[] = { "--outbox", NULL };
  static const char *flush[] = { "--flush", NULL };
  g_autofree char *id = NULL;
  g_autofree char *held_id = NULL;
  g_autofree char *expected = NULL;
  g_auto(GStrv) fields = NULL;
  Outcome outcome;

  ep_profile_set_host (profile, "127.0.0.1");
  ep_profile_set_port (profile, 9);
  ep_profile_set_security (profile, EP_SMTP_SECURITY_NONE);
  ep_profile_set_timeout (profile, 5);
  save_profile (profile);

  outcome = run_cli (queue, 0, NULL);
  id = queued_id (&outcome);
  g_assert_cmpstr (outcome.err, ==, "");
  outcome_clear (&outcome);

  outcome = run_cli (list, 0, NULL);
  g_assert_cmpint (outcome.status, ==, EP_EXIT_OK);
  fields = g_strsplit (outcome.out, "\t", -1);
  g_assert_cmpuint (g_strv_length (fields), ==, 7);
  g_assert_cmpstr (fields[0], ==, id);
  g_assert_cmpstr (fields[1], ==, "queued");
  g_assert_true (g_str_has_suffix (fields[2], "Z"));
  g_assert_cmpstr (fields[3], ==, "0");
  g_assert_cmpstr (fields[4], ==, "me@example.org → you@example.org");
  g_assert_cmpstr (fields[5], ==, "First line");
  g_assert_cmpstr (fields[6], ==, "-\n");
  outcome_clear (&outcome);

  /* A held entry (the app's Send Later), its time come: no flush sends it, nor waits for it. */
  {
    static const char *rcpts[] = { "held@example.org", NULL };
    static const char text[] = "Subject: held\r\n\r\nx\r\n";
    g_autoptr(EpOutboxEntry) held = ep_outbox_entry_new ("me@example.org", rcpts);
    g_autoptr(GInputStream) bytes = g_memory_input_stream_new_from_data (text, strlen (text), NULL);
    g_autoptr(GError) error = NULL;

    held->state = EP_OUTBOX_STATE_HELD;
    held->profile_id = g_strdup (ep_profile_get_id (profile));
    g_assert_true (ep_outbox_store_add (store, held, bytes, strlen (text), NULL, &error));
    g_assert_no_error (error);
    held_id = g_strdup (held->id);
  }

  /* Delivered: exit 0, gone from the outbox; the held one is still there. */
  {
    g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (DELIVERING_TO_YOU);
    g_autoptr(GError) error = NULL;

    move_profile ("Queued", ep_script_server_get_port (server));
    outcome = run_cli (flush, 0, NULL);
    ep_script_server_assert_done (server, WAIT_MS);
    g_assert_cmpint (outcome.status, ==, EP_EXIT_OK);
    expected = g_strdup_printf ("epistle-send: %s: delivered\n", id);
    g_assert_cmpstr (outcome.err, ==, expected);
    outcome_clear (&outcome);
    outcome = run_cli (list, 0, NULL);
    g_assert_true (g_str_has_prefix (outcome.out, held_id));
    g_assert_nonnull (strstr (outcome.out, "\theld\t"));
    /* One line: the held entry alone. */
    g_assert_cmpstr (strchr (outcome.out, '\n'), ==, "\n");
    outcome_clear (&outcome);
    g_assert_true (ep_outbox_store_delete (store, held_id, &error));
    g_assert_no_error (error);
  }

  /* 421: still waiting, exit 75. */
  g_clear_pointer (&id, g_free);
  outcome = run_cli (queue, 0, NULL);
  id = queued_id (&outcome);
  outcome_clear (&outcome);
  {
    g_autoptr(EpScriptServer) server = ep_script_server_new_for_test ("S: 421 4.3.2 busy\nEOF\n");
    g_autoptr(EpOutboxEntry) entry = NULL;
    g_autoptr(GError) error = NULL;

    move_profile ("Queued", ep_script_server_get_port (server));
    outcome = run_cli (flush, 0, NULL);
    ep_script_server_assert_done (server, WAIT_MS);
    g_assert_cmpint (outcome.status, ==, EP_EXIT_TEMPFAIL);
    g_assert_nonnull (strstr (outcome.err, ": queued, next attempt at "));
    g_assert_nonnull (strstr (outcome.err, "421 4.3.2 busy"));
    outcome_clear (&outcome);
    entry = ep_outbox_store_load (store, id, &error);
    g_assert_no_error (error);
    g_assert_cmpint (entry->state, ==, EP_OUTBOX_STATE_QUEUED);
    g_assert_cmpuint (entry->attempts->len, ==, 1);

    /* Not due again yet: nothing tried, still waiting. */
    outcome = run_cli (flush, 0, NULL);
    g_assert_cmpint (outcome.status, ==, EP_EXIT_TEMPFAIL);
    g_assert_cmpstr (outcome.err, ==, "");
    outcome_clear (&outcome);
    g_assert_true (ep_outbox_store_delete (store, id, &error));
    g_assert_no_error (error);
  }

  /* 554: failed for good, exit 69, the server's words kept. */
  g_clear_pointer (&id, g_free);
  outcome = run_cli (queue, 0, NULL);
  id = queued_id (&outcome);
  outcome_clear (&outcome);
  {
    g_autoptr(EpScriptServer) server =
      ep_script_server_new_for_test (EP_SCRIPT_GREETING EP_SCRIPT_EHLO_PIPELINING
                                     "C: MAIL FROM:<me@example.org>*\n"
                                     "C: RCPT TO:<you@example.org>\n"
                                     "C: DATA\n"
                                     "S: 250 2.1.0 ok\n"
                                     "S: 250 2.1.5 ok\n"
                                     "S: 354 go ahead\n"
                                     "DATA\n"
                                     "S: 554 5.7.1 Rejected as spam\n"
                                     EP_SCRIPT_QUIT_EOF);

    move_profile ("Queued", ep_script_server_get_port (server));
    outcome = run_cli (flush, 0, NULL);
    ep_script_server_assert_done (server, WAIT_MS);
    g_assert_cmpint (outcome.status, ==, EP_EXIT_UNAVAILABLE);
    g_clear_pointer (&expected, g_free);
    expected = g_strdup_printf ("epistle-send: %s: failed: The server refused the message: 554 5.7.1 Rejected as spam\n", id);
    g_assert_cmpstr (outcome.err, ==, expected);
    outcome_clear (&outcome);
    outcome = run_cli (list, 0, NULL);
    g_assert_nonnull (strstr (outcome.out, "\tfailed\t"));
    g_assert_nonnull (strstr (outcome.out, "\tThe server refused the message: 554 5.7.1 Rejected as spam\n"));
    outcome_clear (&outcome);
  }

  /* --at: a time to come is queued for then; the modes' mistakes. */
  {
    static const char *later[] = { "--profile", "Queued", "--at", "2100-01-01T08:00:00+01:00", FROM,
                                   "you@example.org", NULL };
    static const char *past[] = { "--profile", "Queued", "--at", "2001-01-01T08:00", FROM, "you@example.org", NULL };
    static const char *no_profile[] = { "--queue", FROM, "you@example.org", NULL };
    static const char *two_modes[] = { "--flush", "--outbox", NULL };
    g_autofree char *later_id = NULL;
    g_autoptr(EpOutboxEntry) entry = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *when = NULL;

    outcome = run_cli (later, 0, NULL);
    later_id = queued_id (&outcome);
    outcome_clear (&outcome);
    entry = ep_outbox_store_load (store, later_id, &error);
    g_assert_no_error (error);
    when = g_date_time_format_iso8601 (entry->not_before);
    g_assert_cmpstr (when, ==, "2100-01-01T07:00:00Z");

    outcome = run_cli (past, 0, NULL);
    g_assert_cmpint (outcome.status, ==, EP_EXIT_USAGE);
    g_assert_cmpstr (outcome.err, ==, "epistle-send: --at “2001-01-01T08:00”: that time has passed\n");
    outcome_clear (&outcome);
    /* Without --profile: the default profile the person chose in the app, and none without. */
    outcome = run_cli (no_profile, 0, NULL);
    g_assert_cmpint (outcome.status, ==, EP_EXIT_USAGE);
    g_assert_cmpstr (outcome.err, ==, "epistle-send: no profile: use --profile NAME, or choose a default profile in Epistle\n");
    outcome_clear (&outcome);
    {
      g_autoptr(GSettings) settings = g_settings_new ("io.github.epistlemail.Epistle");
      g_autofree char *default_id = NULL;
      g_autoptr(EpOutboxEntry) by_default = NULL;

      g_settings_set_string (settings, "default-profile", ep_profile_get_id (profile));
      outcome = run_cli (no_profile, 0, NULL);
      g_settings_reset (settings, "default-profile");
      default_id = queued_id (&outcome);
      outcome_clear (&outcome);
      by_default = ep_outbox_store_load (store, default_id, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (by_default->profile_id, ==, ep_profile_get_id (profile));
      g_assert_true (ep_outbox_store_delete (store, default_id, &error));
      g_assert_no_error (error);
    }
    outcome = run_cli (two_modes, 0, NULL);
    g_assert_cmpint (outcome.status, ==, EP_EXIT_USAGE);
    outcome_clear (&outcome);
  }
}

/* --queue with delivery options: the outbox entry keeps them, with the Message-ID as ENVID. */
static void
test_queue_delivery_options (void)
{
  g_autoptr(EpProfile) profile = ep_profile_new ("Notifying");
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (NULL);
  static const char *queue[] = { "--profile", "Notifying", "--queue", "--dsn", "delay,failure",
                                 "--dsn-ret", "full", "--require-tls", FROM, "you@example.org", NULL };
  g_autoptr(EpOutboxEntry) entry = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  Outcome outcome;

  ep_profile_set_host (profile, "127.0.0.1");
  ep_profile_set_port (profile, 9);
  ep_profile_set_security (profile, EP_SMTP_SECURITY_NONE);
  save_profile (profile);

  outcome = run_cli (queue, 0, NULL);
  id = queued_id (&outcome);
  outcome_clear (&outcome);
  entry = ep_outbox_store_load (store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (entry->request.dsn_notify, ==, EP_SMTP_DSN_DELAY | EP_SMTP_DSN_FAILURE);
  g_assert_cmpint (entry->request.dsn_ret, ==, EP_SMTP_DSN_RET_FULL);
  g_assert_cmpint (entry->request.require_tls, ==, EP_SMTP_REQUIRE_TLS_ON);
  g_assert_true (entry->dsn_envid != NULL && g_str_has_prefix (entry->dsn_envid, "<"));
  g_assert_true (ep_outbox_store_delete (store, id, &error));
  g_assert_no_error (error);
}

/* --at: ISO 8601 with an offset or local, seconds optional; HH:MM the next such local time. */
static void
test_parse_at (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_from_iso8601 ("2026-06-15T12:00:00Z", NULL);
  static const struct { const char *text, *expected; } cases[] = {
    { "2026-06-15T14:30:00+02:00", "2026-06-15T12:30:00Z" },
    { "2026-06-16T09:00Z", "2026-06-16T09:00:00Z" },
    { "2026-06-16 09:00:30-01:00", "2026-06-16T10:00:30Z" },
  };
  static const char *errors[] = { "2026-06-15T11:59:59Z", "2026-06-15T12:00:00Z", "tomorrow", "24:00", "7:5",
                                  "12:60", "" };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GDateTime) when = ep_send_parse_at (cases[i].text, now, &error);
      g_autofree char *text = NULL;

      g_assert_no_error (error);
      text = g_date_time_format_iso8601 (when);
      g_assert_cmpstr (text, ==, cases[i].expected);
    }
  for (guint i = 0; i < G_N_ELEMENTS (errors); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GDateTime) when = ep_send_parse_at (errors[i], now, &error);

      g_test_message ("%s", errors[i]);
      g_assert_null (when);
      g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
    }

  /* HH:MM in the local zone: later today, or tomorrow once it has passed. */
  {
    g_autoptr(GDateTime) local_now = g_date_time_to_local (now);
    g_autoptr(GDateTime) in_one_hour = g_date_time_add_hours (local_now, 1);
    g_autoptr(GDateTime) an_hour_ago = g_date_time_add_hours (local_now, -1);
    g_autofree char *soon = g_date_time_format (in_one_hour, "%H:%M");
    g_autofree char *past = g_date_time_format (an_hour_ago, "%H:%M");
    g_autoptr(GDateTime) a = ep_send_parse_at (soon, now, NULL);
    g_autoptr(GDateTime) b = ep_send_parse_at (past, now, NULL);

    g_assert_nonnull (a);
    g_assert_nonnull (b);
    g_assert_cmpint (g_date_time_difference (a, now), ==, G_TIME_SPAN_HOUR);
    g_assert_cmpint (g_date_time_difference (b, now), ==, 23 * G_TIME_SPAN_HOUR);
  }
}

/* --- the library's functions directly ------------------------------------------------------- */

static void
options_clear (EpSendOptions *opts)
{
  g_free (opts->server);
  g_free (opts->security);
  g_free (opts->from);
  g_free (opts->body);
  g_free (opts->user);
  g_strfreev (opts->to);
  g_strfreev (opts->cc);
  g_strfreev (opts->bcc);
  g_strfreev (opts->positional);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (EpSendOptions, options_clear)

static char **
strv_of (const char *text)
{
  return g_strsplit (text, "|", -1);
}

/* Composing hands back the error that explains the status, in the MIME error domain. */
static void
test_compose_errors (void)
{
  static const struct {
    const char *from, *to, *cc, *body;
    int status;
    GQuark (*domain) (void);
    int code;
  } cases[] = {
    { NULL, "you@example.org", NULL, NULL, EP_EXIT_USAGE, ep_mime_error_quark, EP_MIME_ERROR_MISSING_FIELD },
    { "me@@example.org", "you@example.org", NULL, NULL, EP_EXIT_DATAERR, ep_mime_error_quark, EP_MIME_ERROR_INVALID_ADDRESS },
    { "me@example.org", NULL, NULL, NULL, EP_EXIT_USAGE, ep_mime_error_quark, EP_MIME_ERROR_MISSING_FIELD },
    { "me@example.org", NULL, "ann@@example.org", NULL, EP_EXIT_DATAERR, ep_mime_error_quark, EP_MIME_ERROR_INVALID_ADDRESS },
    { "me@example.org", "you@example.org", NULL, "{DIR}/nothing.txt", EP_EXIT_NOINPUT, ep_mime_error_quark, EP_MIME_ERROR_FILE },
    { "me@example.org", "you@example.org", NULL, "{DIR}/latin1.txt", EP_EXIT_DATAERR, ep_mime_error_quark, EP_MIME_ERROR_INVALID_UTF8 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(EpSendOptions) opts = { 0 };
      g_autoptr(EpMessage) message = NULL;
      g_autoptr(GError) error = NULL;

      opts.timeout = EP_SEND_TIMEOUT_UNSET;
      opts.from = g_strdup (cases[i].from);
      opts.to = cases[i].to != NULL ? strv_of (cases[i].to) : NULL;
      opts.cc = cases[i].cc != NULL ? strv_of (cases[i].cc) : NULL;
      opts.body = cases[i].body != NULL ? expand_arg (cases[i].body, 0) : NULL;
      g_assert_cmpint (ep_send_compose_message (&opts, &message, &error), ==, cases[i].status);
      g_assert_error (error, cases[i].domain (), cases[i].code);
      g_assert_null (message);
    }
}

/* A composed message: every kind of recipient in the envelope, Bcc in no header. */
static void
test_compose_message (void)
{
  g_auto(EpSendOptions) opts = { 0 };
  g_autoptr(EpMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) envelope = NULL;

  opts.timeout = EP_SEND_TIMEOUT_UNSET;
  opts.from = g_strdup ("Me <me@example.org>");
  opts.to = strv_of ("you@example.org");
  opts.positional = strv_of ("Ann <ann@example.org>, bob@example.org");
  opts.cc = strv_of ("carol@example.org");
  opts.bcc = strv_of ("hidden@example.org");
  opts.body = expand_arg ("{DIR}/body.txt", 0);
  g_assert_cmpint (ep_send_compose_message (&opts, &message, &error), ==, EP_EXIT_OK);
  g_assert_no_error (error);
  g_assert_cmpuint (ep_message_get_to (message)->len, ==, 3);
  g_assert_cmpuint (ep_message_get_cc (message)->len, ==, 1);
  g_assert_cmpuint (ep_message_get_bcc (message)->len, ==, 1);
  envelope = ep_message_dup_envelope_recipients (message);
  g_assert_cmpuint (g_strv_length (envelope), ==, 5);
  g_assert_true (g_strv_contains ((const char * const *) envelope, "hidden@example.org"));
  g_assert_cmpstr (ep_message_get_envelope_sender (message), ==, "me@example.org");
  g_assert_finalize_object (g_steal_pointer (&message));
}

/* ep_send_deliver() prints, and hands back the same cause: for a mistake in the options, and for
 * the server's refusal. */
static void
test_deliver_errors (void)
{
  g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (REFUSING_SERVER "DRAIN\n");
  g_autoptr(EpMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  GPrintFunc old_printerr;

  {
    g_auto(EpSendOptions) opts = { 0 };

    opts.timeout = EP_SEND_TIMEOUT_UNSET;
    opts.from = g_strdup ("me@example.org");
    opts.positional = strv_of ("you@example.org|nobody@example.org");
    g_assert_cmpint (ep_send_compose_message (&opts, &message, &error), ==, EP_EXIT_OK);
    g_assert_no_error (error);

    printed_err = g_string_new (NULL);
    old_printerr = g_set_printerr_handler (printerr_cb);
    opts.server = g_strdup ("host:0");
    g_assert_cmpint (ep_send_deliver (&opts, message, &error), ==, EP_EXIT_USAGE);
    g_assert_nonnull (error);
    g_assert_cmpstr (printed_err->str, ==, "epistle-send: --server “host:0”: expected HOST, HOST:PORT or [IPv6]:PORT\n");
    g_assert_cmpstr (error->message, ==, "--server “host:0”: expected HOST, HOST:PORT or [IPv6]:PORT");
    g_clear_error (&error);

    g_string_truncate (printed_err, 0);
    g_free (opts.server);
    opts.server = g_strdup_printf ("127.0.0.1:%u", ep_script_server_get_port (server));
    opts.security = g_strdup ("none");
    g_assert_cmpint (ep_send_deliver (&opts, message, &error), ==, EP_EXIT_UNAVAILABLE);
    g_assert_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_RECIPIENT_REJECTED);
    g_set_printerr_handler (old_printerr);
    assert_contains (printed_err->str, "epistle-send: recipient <nobody@example.org> refused: 550 5.1.1 User unknown\n");
    g_string_free (g_steal_pointer (&printed_err), TRUE);
  }

  ep_script_server_assert_done (server, WAIT_MS);
  g_assert_finalize_object (g_steal_pointer (&message));
  g_assert_finalize_object (g_steal_pointer (&server));
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *big = NULL;
  int ret;

  /* Generated before any thread exists. */
  ep_test_certs_dir ();
  g_test_init (&argc, &argv, NULL);

  dir = ep_test_make_dir ("send-cli");
  {
    g_autofree char *body = g_build_filename (dir, "body.txt", NULL);
    g_autofree char *latin1 = g_build_filename (dir, "latin1.txt", NULL);
    g_autofree char *raw = g_build_filename (dir, "raw.eml", NULL);
    g_autofree char *pw = g_build_filename (dir, "pw", NULL);
    g_autofree char *bigpw = g_build_filename (dir, "bigpw", NULL);

    ep_test_write_file (body, "Dear you,\nthe report.\n");
    ep_test_write_file (latin1, "caf\xe9\n");
    ep_test_write_file (raw, "Subject: raw\r\n\r\nraw\r\n");
    ep_test_write_file (pw, "S3cret\r\n");
    big = g_strnfill (70 * 1024, 'p');
    ep_test_write_file (bigpw, big);
  }

  for (guint i = 0; i < G_N_ELEMENTS (mistakes); i++)
    {
      g_autofree char *path = g_strdup_printf ("/send-cli/mistake/%s", mistakes[i].name);

      g_strdelimit (path, " ,", '-');
      g_test_add_data_func (path, &mistakes[i], test_mistake);
    }
  g_test_add_func ("/send-cli/usage-hint", test_usage_hint);
  g_test_add_func ("/send-cli/version", test_version);
  g_test_add_func ("/send-cli/print", test_print);
  g_test_add_func ("/send-cli/deliver", test_deliver);
  g_test_add_func ("/send-cli/deliver-password", test_deliver_password);
  g_test_add_func ("/send-cli/deliver-raw", test_deliver_raw);
  g_test_add_func ("/send-cli/timeout-hint", test_timeout_hint);
  g_test_add_func ("/send-cli/tls-hint", test_tls_hint);
  g_test_add_func ("/send-cli/unknown-ca-hint", test_unknown_ca_hint);
  g_test_add_func ("/send-cli/proxy-environment", test_proxy_environment);
  g_test_add_func ("/send-cli/refused", test_refused);
  g_test_add_func ("/send-cli/hold-until", test_hold_until);
  g_test_add_func ("/send-cli/allow-partial", test_allow_partial);
  g_test_add_func ("/send-cli/partial", test_partial);
  g_test_add_func ("/send-cli/profile", test_profile);
  g_test_add_func ("/send-cli/outbox", test_outbox);
  g_test_add_func ("/send-cli/flush-one-connection", test_flush_one_connection);
  g_test_add_func ("/send-cli/delivery-options", test_delivery_options);
  g_test_add_func ("/send-cli/server-hold", test_server_hold);
  g_test_add_func ("/send-cli/queue-delivery-options", test_queue_delivery_options);
  g_test_add_func ("/send-cli/queue-8bit-message", test_queue_8bit_message);
  g_test_add_func ("/send-cli/parse-at", test_parse_at);
  g_test_add_func ("/send-cli/compose-errors", test_compose_errors);
  g_test_add_func ("/send-cli/compose-message", test_compose_message);
  g_test_add_func ("/send-cli/deliver-errors", test_deliver_errors);

  ret = g_test_run ();
  ep_test_certs_cleanup ();
  g_free (dir);
  return ret;
}
