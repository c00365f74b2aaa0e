/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-send-cli.c: option parsing and dispatch for epistle-send. */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <glib/gi18n.h>

#include "ep-engine.h"
#include "ep-send-cli.h"
#include "ep-send-compose.h"
#include "ep-send-configure.h"
#include "ep-send-deliver.h"
#include "ep-send-goa.h"
#include "ep-send-identity.h"
#include "ep-send-login.h"
#include "ep-send-options.h"
#include "ep-send-outbox.h"
#include "ep-send-proxy.h"
#include "ep-smtp-connection.h"

static void
ep_send_options_clear (EpSendOptions *opts)
{
  g_free (opts->profile);
  g_free (opts->server);
  g_free (opts->security);
  g_free (opts->user);
  g_free (opts->password_file);
  g_free (opts->auth);
  g_free (opts->cafile);
  g_free (opts->from);
  g_free (opts->identity);
  g_free (opts->identity_reply_to);
  g_free (opts->identity_bcc_self);
  g_free (opts->identity_signature);
  g_strfreev (opts->to);
  g_strfreev (opts->cc);
  g_strfreev (opts->bcc);
  g_free (opts->subject);
  g_free (opts->body);
  g_strfreev (opts->attach);
  g_free (opts->raw);
  g_strfreev (opts->positional);
  g_free (opts->at);
  g_free (opts->hold_until);
  g_free (opts->configure);
  g_free (opts->save);
  g_free (opts->login);
  g_free (opts->dsn);
  g_free (opts->dsn_ret);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (EpSendOptions, ep_send_options_clear)

static const char *description_text =
  N_("Exit status: 0 delivered; 75 temporary failure (4xx, timeout, connection lost\n"
     "before the end of the message: nothing was delivered, try again later);\n"
     "64 usage; 65 bad input data (address, header); 66 input file unreadable;\n"
     "69 refused by the server (5xx); 76 protocol error or security violation;\n"
     "77 authentication or certificate failure; 78 configuration error;\n"
     "80 partial delivery: some recipients have the message (listed on stderr),\n"
     "the others do not; send again only to those;\n"
     "81 delivery unknown: the connection was lost after the end of the message,\n"
     "which may have been delivered; do not send it again automatically.\n"
     "\n"
     "The outbox ($XDG_DATA_HOME/epistle/outbox): --queue (or --at TIME) stores the\n"
     "message for --profile and prints its id (exit 0); with --server-hold it\n"
     "leaves at the next flush and the server delivers it at TIME (RFC 4865\n"
     "FUTURERELEASE); a server that will not hold it leaves it waiting for TIME.\n"
     "--flush tries every due message once, one at a time, each outcome on stderr:\n"
     "exit 0 all delivered, 75 something is still waiting (tried again later),\n"
     "69 something failed for good or may have been delivered (see --outbox).\n"
     "--outbox prints one line per message, tab-separated: id, state, not before\n"
     "(UTC), attempts, sender → recipients, subject, last error (\"-\" when empty).\n"
     "--list-profiles prints one line per profile, tab-separated: id, name, server,\n"
     "source (sandbox, profiles.ini or goa: GNOME Online Accounts), why it is not\n"
     "used (\"-\" when it is).\n"
     "\n"
     "--configure ADDRESS finds the settings for an address (built-in presets, the\n"
     "provider's autoconfig file over HTTPS, with --ispdb the Thunderbird ISP\n"
     "database, MX and SRV records, then trying smtp./mail. on 465 and 587) within\n"
     "--timeout seconds (default 10) and prints them as a profiles.ini group; with\n"
     "--transcript every source and its answer go to stderr; --save NAME stores the\n"
     "profile (settings that need confirmation also need --confirm). Exit status:\n"
     "0 found, 69 nothing found, 75 nothing found for now (try again later),\n"
     "78 not an e-mail address.\n"
     "\n"
     "Built-in sign-in (OAuth 2.0): --login PROFILE signs a profile that uses it in\n"
     "(with a code to enter on any device, or an address to open in a browser on this\n"
     "computer) and keeps the sign-in in the keyring; --profile then refreshes its\n"
     "token as needed.\n"
     "\n"
     "Examples:\n"
     "  epistle-send --print --from me@example.com --subject Hi --body note.txt you@example.org\n"
     "  epistle-send --server smtp.example.com:587 --user me@example.com --password-file pw \\\n"
     "      --from me@example.com --to you@example.org --subject Report --attach report.pdf\n"
     "  epistle-send --profile Sandbox --from me@example.com --subject Test you@example.org\n"
     "  epistle-send --identity support@example.com --subject Re: you@example.org < reply.txt\n"
     "  epistle-send --profile Work --at 07:30 --from me@example.com --subject Hi you@example.org\n"
     "  epistle-send --profile Work --at 2026-12-24T18:00 --server-hold --from me@example.com \\\n"
     "      --subject Greetings you@example.org\n"
     "  epistle-send --flush\n"
     "  epistle-send --configure me@example.com --transcript --save Work\n"
     "  epistle-send --login Work");

/* --queue / --at: composed into the outbox of a saved profile (--profile's, or the default
 * one), not sent. */
static int
queue_run (EpSendOptions *opts)
{
  g_autoptr(EpMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  if (opts->server != NULL || opts->raw != NULL)
    {
      g_printerr ("epistle-send: %s\n", _("--queue and --at send later with a saved profile (--profile NAME, or the default one): they cannot be combined with --server or --raw"));
      return EP_EXIT_USAGE;
    }

  status = ep_send_compose_message (opts, &message, &error);
  if (status != EP_EXIT_OK)
    {
      g_printerr ("epistle-send: %s\n", error->message);
      return status;
    }
  return ep_send_queue (opts, message);
}

/* Composes (unless --raw) and delivers: the dispatcher's job, so that composing and delivering
 * need not know each other. */
static int
send_run (EpSendOptions *opts)
{
  g_autoptr(EpMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  g_assert (opts != NULL);

  if (opts->raw != NULL)
    {
      if (opts->subject != NULL || opts->body != NULL || opts->attach != NULL)
        {
          g_printerr ("epistle-send: %s\n", _("--raw sends the file as it is: it cannot be combined with --subject, --body or --attach"));
          return EP_EXIT_USAGE;
        }
      return ep_send_deliver (opts, NULL, &error);
    }

  /* Before composing: a wrong server or option should not cost reading the attachments. */
  if (opts->server == NULL && opts->profile == NULL)
    {
      g_printerr ("epistle-send: %s\n", _("no server: use --server HOST[:PORT] (or --print)"));
      return EP_EXIT_USAGE;
    }

  status = ep_send_compose_message (opts, &message, &error);
  if (status != EP_EXIT_OK)
    {
      g_printerr ("epistle-send: %s\n", error->message);
      return status;
    }

  return ep_send_deliver (opts, message, &error);
}

static int
parse_options (EpSendOptions  *opts,
               int            *argc,
               char         ***argv,
               GError        **error)
{
  const GOptionEntry entries[] = {
    { "profile", 0, 0, G_OPTION_ARG_STRING, &opts->profile,
      N_("Use a saved profile (password from the keyring)"), N_("NAME") },
    { "server", 0, 0, G_OPTION_ARG_STRING, &opts->server,
      N_("SMTP server (overrides the profile's)"), N_("HOST[:PORT]") },
    { "security", 0, 0, G_OPTION_ARG_STRING, &opts->security,
      N_("tls, starttls or none (default: tls for port 465, otherwise starttls, required)"),
      N_("MODE") },
    { "user", 0, 0, G_OPTION_ARG_STRING, &opts->user,
      N_("User name for authentication"), N_("NAME") },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &opts->password_file,
      N_("Read the password from FILE ('-' = standard input)"), N_("FILE") },
    { "auth", 0, 0, G_OPTION_ARG_STRING, &opts->auth,
      N_("Authentication mechanism (default: the strongest offered)"), N_("MECH") },
    { "cafile", 0, 0, G_OPTION_ARG_FILENAME, &opts->cafile,
      N_("PEM certificates to trust in addition to the system store"), N_("FILE") },
    { "from", 0, 0, G_OPTION_ARG_STRING, &opts->from,
      N_("Sender address"), N_("ADDR") },
    { "identity", 0, 0, G_OPTION_ARG_STRING, &opts->identity,
      N_("Send as a saved identity (with --profile, or the one profile that has it): its From, Reply-To, Bcc to self and signature; --from still wins"),
      N_("NAME|ADDR") },
    { "to", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opts->to,
      N_("Recipient (repeatable; positional arguments are To)"), N_("ADDR") },
    { "cc", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opts->cc,
      N_("Carbon-copy recipient (repeatable)"), N_("ADDR") },
    { "bcc", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opts->bcc,
      N_("Blind carbon-copy recipient (repeatable, never written in the headers)"), N_("ADDR") },
    { "subject", 0, 0, G_OPTION_ARG_STRING, &opts->subject,
      N_("Subject"), N_("TEXT") },
    { "body", 0, 0, G_OPTION_ARG_FILENAME, &opts->body,
      N_("Read the message text from FILE ('-' = standard input)"), N_("FILE") },
    { "attach", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opts->attach,
      N_("Attach FILE (repeatable)"), N_("FILE") },
    { "no-flowed", 0, 0, G_OPTION_ARG_NONE, &opts->no_flowed,
      N_("Send long lines of the text as they are, not soft-wrapped as format=flowed"), NULL },
    { "dsn", 0, 0, G_OPTION_ARG_STRING, &opts->dsn,
      N_("Ask for delivery status notifications: any of success,failure,delay, or never (RFC 3461; the server must offer DSN)"),
      N_("WHEN") },
    { "dsn-ret", 0, 0, G_OPTION_ARG_STRING, &opts->dsn_ret,
      N_("With --dsn: a notification returns the headers (hdrs, the default) or the full message"),
      N_("hdrs|full") },
    { "read-receipt", 0, 0, G_OPTION_ARG_NONE, &opts->read_receipt,
      N_("Ask the recipients’ programs for a read receipt (Disposition-Notification-To)"), NULL },
    { "require-tls", 0, 0, G_OPTION_ARG_NONE, &opts->require_tls,
      N_("Require TLS all the way to the recipients (RFC 8689 REQUIRETLS); not sent if the server does not offer it"),
      NULL },
    { "raw", 0, 0, G_OPTION_ARG_FILENAME, &opts->raw,
      N_("Send this prebuilt RFC 5322 message as it is (envelope from --from/--to/…)"),
      N_("FILE") },
    { "print", 0, 0, G_OPTION_ARG_NONE, &opts->print,
      N_("Write the composed message (CRLF) to standard output; no network"), NULL },
    { "transcript", 0, 0, G_OPTION_ARG_NONE, &opts->transcript,
      N_("Show the SMTP dialogue on standard error, secrets redacted"), NULL },
    { "allow-partial", 0, 0, G_OPTION_ARG_NONE, &opts->allow_partial,
      N_("Deliver to the accepted recipients when some are refused"), NULL },
    { "no-sent-copy", 0, 0, G_OPTION_ARG_NONE, &opts->no_sent_copy,
      N_("No copy in the server’s Sent folder, even when the profile makes one"), NULL },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &opts->timeout,
      N_("Timeout per network operation (default 60)"), N_("SECONDS") },
    { "queue", 0, 0, G_OPTION_ARG_NONE, &opts->queue,
      N_("Put the message in the outbox (for --profile, or the default profile) and print its id; --flush sends it"), NULL },
    { "at", 0, 0, G_OPTION_ARG_STRING, &opts->at,
      N_("Queue the message, not to be sent before TIME (ISO 8601, or HH:MM: the next such time)"),
      N_("TIME") },
    { "server-hold", 0, 0, G_OPTION_ARG_NONE, &opts->server_hold,
      N_("With --at: the message leaves at once and the server holds it until TIME"), NULL },
    { "hold-until", 0, 0, G_OPTION_ARG_STRING, &opts->hold_until,
      N_("Send now and ask the server to hold the message until TIME (ISO 8601; FUTURERELEASE)"),
      N_("TIME") },
    { "flush", 0, 0, G_OPTION_ARG_NONE, &opts->flush,
      N_("Send every message in the outbox that is due, once (only --profile's with it)"), NULL },
    { "outbox", 0, 0, G_OPTION_ARG_NONE, &opts->outbox,
      N_("List the messages in the outbox, one tab-separated line each"), NULL },
    { "list-profiles", 0, 0, G_OPTION_ARG_NONE, &opts->list_profiles,
      N_("List the profiles (saved ones and GNOME Online Accounts’ mail accounts), one tab-separated line each"),
      NULL },
    { "configure", 0, 0, G_OPTION_ARG_STRING, &opts->configure,
      N_("Find the server settings for ADDRESS and print them as a profile"), N_("ADDRESS") },
    { "save", 0, 0, G_OPTION_ARG_STRING, &opts->save,
      N_("With --configure: save the settings found as the profile NAME"), N_("NAME") },
    { "ispdb", 0, 0, G_OPTION_ARG_NONE, &opts->ispdb,
      N_("With --configure: also ask the Thunderbird ISP database (sends it the domain)"), NULL },
    { "confirm", 0, 0, G_OPTION_ARG_NONE, &opts->confirm,
      N_("With --save: accept settings that need confirmation (unsigned DNS, plain HTTP)"), NULL },
    { "login", 0, 0, G_OPTION_ARG_STRING, &opts->login,
      N_("Sign a profile in with its provider (OAuth 2.0) and keep the sign-in in the keyring"),
      N_("PROFILE") },
    { "version", 0, 0, G_OPTION_ARG_NONE, &opts->version,
      N_("Print the version and exit"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &opts->positional,
      NULL, N_("[RECIPIENT…]") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;

  context = g_option_context_new (NULL);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
                                _("Compose a message and send it over SMTP, or print it."));
  g_option_context_set_description (context, _(description_text));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);

  if (!g_option_context_parse (context, argc, argv, error))
    return FALSE;

  return TRUE;
}

/* --dsn, --dsn-ret, --read-receipt and --require-tls: parsed, and refused where they mean
 * nothing. */
static gboolean
parse_delivery (EpSendOptions *opts)
{
  gboolean delivery = opts->dsn != NULL || opts->dsn_ret != NULL || opts->require_tls;

  if (opts->dsn != NULL && !ep_smtp_dsn_notify_parse (opts->dsn, &opts->request.dsn_notify))
    {
      g_printerr ("epistle-send: %s\n", _("--dsn takes success, failure and delay (any of them, separated by commas) or never"));
      return FALSE;
    }
  if (opts->dsn_ret != NULL)
    {
      if (opts->dsn == NULL || opts->request.dsn_notify == EP_SMTP_DSN_NEVER)
        {
          g_printerr ("epistle-send: %s\n", _("--dsn-ret goes with --dsn (and not with never)"));
          return FALSE;
        }
      if (g_ascii_strcasecmp (opts->dsn_ret, "full") == 0)
        opts->request.dsn_ret = EP_SMTP_DSN_RET_FULL;
      else if (g_ascii_strcasecmp (opts->dsn_ret, "hdrs") != 0)
        {
          g_printerr ("epistle-send: %s\n", _("--dsn-ret takes hdrs or full"));
          return FALSE;
        }
    }
  if (opts->require_tls)
    opts->request.require_tls = EP_SMTP_REQUIRE_TLS_ON;

  if (delivery && (opts->print || opts->flush || opts->outbox || opts->configure != NULL || opts->login != NULL))
    {
      g_printerr ("epistle-send: %s\n", _("--dsn, --dsn-ret and --require-tls are for a message being sent or queued"));
      return FALSE;
    }
  if (opts->read_receipt && opts->raw != NULL)
    {
      g_printerr ("epistle-send: %s\n", _("--read-receipt cannot change a --raw message: add a Disposition-Notification-To header to it"));
      return FALSE;
    }
  return TRUE;
}

int
ep_send_cli_run (int    argc,
                 char **argv)
{
  g_auto(EpSendOptions) opts = { 0 };
  g_autoptr(GError) error = NULL;
  const char *localedir = g_getenv ("EPISTLE_LOCALEDIR");

  setlocale (LC_ALL, "");
  /* EPISTLE_LOCALEDIR: a development and test hook, as in src/app/main.c. */
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL && *localedir != '\0' ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  opts.timeout = EP_SEND_TIMEOUT_UNSET;

  if (!parse_options (&opts, &argc, &argv, &error))
    {
      g_printerr ("epistle-send: %s\n", error->message);
      g_printerr (_("Try “epistle-send --help” for more information.\n"));
      return EP_EXIT_USAGE;
    }

  if (opts.version)
    {
      g_print ("epistle-send %s\n", ep_engine_version ());
      return EP_EXIT_OK;
    }

  {
    g_autoptr(GProxyResolver) resolver = ep_send_proxy_resolver_new_from_environment ();

    ep_smtp_connection_set_proxy_resolver (resolver);
  }

  if (opts.list_profiles)
    {
      if (opts.print || opts.queue || opts.at != NULL || opts.flush || opts.outbox || opts.configure != NULL ||
          opts.login != NULL || opts.profile != NULL || opts.server != NULL || opts.positional != NULL ||
          opts.to != NULL)
        {
          g_printerr ("epistle-send: %s\n", _("--list-profiles only lists: it takes no message, server or other mode"));
          return EP_EXIT_USAGE;
        }
      return ep_send_list_profiles (&opts);
    }

  if ((opts.print ? 1 : 0) + (opts.queue || opts.at != NULL ? 1 : 0) + (opts.flush ? 1 : 0) + (opts.outbox ? 1 : 0)
      + (opts.configure != NULL ? 1 : 0) > 1)
    {
      g_printerr ("epistle-send: %s\n", _("--print, --queue (or --at), --flush, --outbox and --configure are different modes: use one"));
      return EP_EXIT_USAGE;
    }
  if (opts.configure == NULL && (opts.save != NULL || opts.ispdb || opts.confirm))
    {
      g_printerr ("epistle-send: %s\n", _("--save, --ispdb and --confirm go with --configure ADDRESS"));
      return EP_EXIT_USAGE;
    }

  if (opts.configure != NULL)
    {
      if (opts.positional != NULL || opts.server != NULL || opts.profile != NULL)
        {
          g_printerr ("epistle-send: %s\n", _("--configure takes one address and no recipients, --server or --profile"));
          return EP_EXIT_USAGE;
        }
      return ep_send_configure (&opts);
    }

  if (opts.server_hold && opts.at == NULL)
    {
      g_printerr ("epistle-send: %s\n", _("--server-hold needs --at TIME (when the server is to deliver the message)"));
      return EP_EXIT_USAGE;
    }

  if (opts.hold_until != NULL &&
      (opts.print || opts.queue || opts.at != NULL || opts.flush || opts.outbox))
    {
      g_printerr ("epistle-send: %s\n", _("--hold-until is for a message sent now; with the outbox use --at TIME --server-hold"));
      return EP_EXIT_USAGE;
    }
  if (!parse_delivery (&opts))
    return EP_EXIT_USAGE;
  if (opts.identity != NULL &&
      (opts.flush || opts.outbox || opts.login != NULL))
    {
      g_printerr ("epistle-send: %s\n", _("--identity is for composing a message: not with --flush, --outbox or --login"));
      return EP_EXIT_USAGE;
    }
  if (opts.identity != NULL)
    {
      int status = ep_send_identity_resolve (&opts);

      if (status != EP_EXIT_OK)
        return status;
    }
  if (opts.login != NULL)
    {
      if (opts.print || opts.queue || opts.at != NULL || opts.flush || opts.outbox || opts.profile != NULL ||
          opts.server != NULL || opts.positional != NULL || opts.to != NULL)
        {
          g_printerr ("epistle-send: %s\n", _("--login PROFILE only signs in: it takes no message, server or other mode"));
          return EP_EXIT_USAGE;
        }
      return ep_send_login (&opts);
    }

  if (opts.print)
    return ep_send_print (&opts);
  if (opts.outbox)
    return ep_send_list_outbox (&opts);
  if (opts.flush)
    return ep_send_flush (&opts);
  if (opts.queue || opts.at != NULL)
    return queue_run (&opts);

  return send_run (&opts);
}
