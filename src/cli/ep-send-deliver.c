/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-send-deliver.c: epistle-send's delivery: builds the SMTP configuration from the options,
 * runs the session, maps the outcome to the exit statuses of the contract (docs/architecture.md). */
#include "config.h"

#include <string.h>
#include <unistd.h>
#include <gio/gunixinputstream.h>
#include <glib/gi18n.h>

#include "ep-address.h"
#include "ep-goa-error.h"
#include "ep-imap-client.h"
#include "ep-mime-writer.h"
#include "ep-mime-error.h"
#include "ep-oauth-error.h"
#include "ep-oauth-provider.h"
#include "ep-send-deliver.h"
#include "ep-send-exit.h"
#include "ep-send-goa.h"
#include "ep-profile-config.h"
#include "ep-profile-store.h"
#include "ep-secrets.h"
#include "ep-text.h"

/* A password file is a secret, not a document: anything bigger is a mistake. */
#define PASSWORD_FILE_MAX (64 * 1024)

static void
print_line (const char *message)
{
  g_printerr ("epistle-send: %s\n", message);
}

static int
fail (GError    **error,
      int         status,
      const char *format,
      ...) G_GNUC_PRINTF (3, 4);

/* Prints "epistle-send: …", sets @error to the same text, returns @status. */
static int
fail (GError    **error,
      int         status,
      const char *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  print_line (message);
  g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, message);
  return status;
}

gboolean
ep_send_parse_server (const char *text,
                      char      **host,
                      guint16    *port)
{
  const char *port_text = NULL;
  g_autofree char *name = NULL;
  guint64 value = 0;

  g_return_val_if_fail (host != NULL && port != NULL, FALSE);

  *host = NULL;
  *port = 0;
  if (text == NULL || *text == '\0')
    return FALSE;

  if (text[0] == '[')
    {
      const char *end = strchr (text, ']');

      if (end == NULL || end == text + 1)
        return FALSE;
      name = g_strndup (text + 1, end - text - 1);
      if (end[1] == ':')
        port_text = end + 2;
      else if (end[1] != '\0')
        return FALSE;
    }
  else
    {
      const char *colon = strchr (text, ':');

      if (colon != NULL && strchr (colon + 1, ':') != NULL)
        name = g_strdup (text);   /* a bare IPv6 address, no port */
      else if (colon != NULL)
        {
          name = g_strndup (text, colon - text);
          port_text = colon + 1;
        }
      else
        name = g_strdup (text);
    }

  if (*name == '\0')
    return FALSE;
  if (port_text != NULL && !g_ascii_string_to_unsigned (port_text, 10, 1, G_MAXUINT16, &value, NULL))
    return FALSE;

  *host = g_steal_pointer (&name);
  *port = (guint16) value;
  return TRUE;
}

/* Reads the password: '-' is standard input; one trailing newline (LF or CRLF) is dropped, as
 * `echo secret > file` leaves it. Never logs or echoes the content. */
static char *
read_password (const char *path,
               GError    **error)
{
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  char buffer[4096];

  if (g_strcmp0 (path, "-") == 0)
    in = g_unix_input_stream_new (STDIN_FILENO, FALSE);
  else
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (path);

      in = G_INPUT_STREAM (g_file_read (file, NULL, error));
      if (in == NULL)
        return NULL;
    }

  for (;;)
    {
      gssize n = g_input_stream_read (in, buffer, sizeof buffer, NULL, error);

      if (n < 0)
        {
          explicit_bzero (text->str, text->len);
          return NULL;
        }
      if (n == 0)
        break;
      g_string_append_len (text, buffer, n);
      explicit_bzero (buffer, sizeof buffer);
      if (text->len > PASSWORD_FILE_MAX)
        {
          explicit_bzero (text->str, text->len);
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("the file is too big for a password"));
          return NULL;
        }
    }

  if (text->len > 0 && text->str[text->len - 1] == '\n')
    {
      g_string_truncate (text, text->len - 1);
      if (text->len > 0 && text->str[text->len - 1] == '\r')
        g_string_truncate (text, text->len - 1);
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
transcript_line_cb (EpSmtpTranscriptDirection direction,
                    const char               *line,
                    gpointer                  user_data)
{
  g_printerr ("%c: %s\n", (char) direction, line);
}

/* The envelope for --raw: --from and the recipients, each checked and in envelope form. */
static int
raw_envelope (EpSendOptions  *opts,
              char          **sender,
              GPtrArray      *rcpts,
              GError        **error)
{
  struct { char **texts; const char *field; } groups[] = {
    { opts->to, "To" }, { opts->positional, "To" }, { opts->cc, "Cc" }, { opts->bcc, "Bcc" },
  };
  g_autoptr(GPtrArray) from = NULL;
  g_autoptr(GError) local_error = NULL;

  if (opts->from == NULL)
    return fail (error, EP_EXIT_USAGE, "%s", _("--raw needs the envelope sender (--from ADDR)"));

  from = ep_address_list_parse (opts->from, "From", &local_error);
  if (from == NULL || from->len != 1)
    return fail (error, EP_EXIT_DATAERR, "%s",
                 local_error != NULL ? local_error->message : _("From: exactly one sender address is needed"));
  *sender = g_strdup (ep_address_get_envelope (g_ptr_array_index (from, 0)));

  for (guint g = 0; g < G_N_ELEMENTS (groups); g++)
    {
      for (guint i = 0; groups[g].texts != NULL && groups[g].texts[i] != NULL; i++)
        {
          g_autoptr(GPtrArray) list = ep_address_list_parse (groups[g].texts[i], groups[g].field, &local_error);

          if (list == NULL)
            return fail (error, EP_EXIT_DATAERR, "%s", local_error->message);
          for (guint j = 0; j < list->len; j++)
            g_ptr_array_add (rcpts, g_strdup (ep_address_get_envelope (g_ptr_array_index (list, j))));
        }
    }

  if (rcpts->len == 0)
    return fail (error, EP_EXIT_USAGE, "%s", _("there is no recipient (--to, --cc, --bcc or RECIPIENT)"));

  g_ptr_array_add (rcpts, NULL);
  return EP_EXIT_OK;
}

/* The app's preferences, or NULL when its schema is not installed (an uninstalled build). */
static GSettings *
app_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  return schema != NULL ? g_settings_new_full (schema, NULL, NULL) : NULL;
}

/* The saved profile that --profile names, by name or else by id; without --profile, the
 * default profile (the one the app sends with), when there is one. */
int
ep_send_find_profile (EpSendOptions   *opts,
                      EpProfileStore  *store,
                      EpProfile      **out_profile,
                      GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  EpProfile *profile;

  if (!ep_profile_store_load (store, &local_error))
    return fail (error, EP_EXIT_CONFIG, _("--profile: %s"), local_error->message);
  ep_send_list_goa (store);
  if (opts->profile == NULL)
    {
      g_autoptr(GSettings) settings = app_settings ();
      g_autofree char *chosen = settings != NULL ? g_settings_get_string (settings, "default-profile") : NULL;

      /* Only a default the person chose: the Sandbox, the app's fallback, is no place to queue
       * real mail for. */
      profile = chosen != NULL && *chosen != '\0' ? ep_profile_store_lookup_by_id (store, chosen) : NULL;
      if (profile == NULL)
        return fail (error, EP_EXIT_USAGE, "%s",
                     _("no profile: use --profile NAME, or choose a default profile in Epistle"));
      opts->profile = g_strdup (ep_profile_get_id (profile));
      *out_profile = profile;
      return EP_EXIT_OK;
    }
  profile = ep_profile_store_lookup_by_name (store, opts->profile);
  if (profile == NULL)
    profile = ep_profile_store_lookup_by_id (store, opts->profile);
  if (profile == NULL)
    {
      GListModel *list = ep_profile_store_list (store);
      g_autoptr(GString) names = g_string_new (NULL);

      for (guint i = 0; i < g_list_model_get_n_items (list); i++)
        {
          g_autoptr(EpProfile) p = g_list_model_get_item (list, i);
          g_string_append_printf (names, "%s“%s”", i ? ", " : "", ep_profile_get_name (p));
        }
      return fail (error, EP_EXIT_CONFIG, _("--profile “%s”: no such profile (there are: %s)"),
                   opts->profile, names->str);
    }
  *out_profile = profile;
  return EP_EXIT_OK;
}

/* The secret from --password-file, read before the configuration is built: it wins over the
 * keyring, which is then not asked at all. */
int
ep_send_password_file_secret (EpSendOptions  *opts,
                      EpProfile      *profile,
                      char          **out_secret,
                      GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  /* The Sandbox's account is its own. */
  gboolean profile_user = profile != NULL &&
                          (ep_profile_get_is_sandbox (profile) ||
                           (ep_profile_get_username (profile) != NULL && *ep_profile_get_username (profile) != '\0'));

  if (opts->password_file == NULL)
    return EP_EXIT_OK;
  if (opts->user == NULL && !profile_user)
    return fail (error, EP_EXIT_CONFIG, "%s", _("--password-file needs --user NAME"));
  if (g_strcmp0 (opts->password_file, "-") == 0 && (g_strcmp0 (opts->body, "-") == 0 || g_strcmp0 (opts->raw, "-") == 0))
    return fail (error, EP_EXIT_USAGE, "%s", _("standard input cannot be both the password and the message"));

  *out_secret = read_password (opts->password_file, &local_error);
  if (*out_secret == NULL)
    return fail (error, EP_EXIT_NOINPUT, _("--password-file “%s”: %s"), opts->password_file, local_error->message);
  return EP_EXIT_OK;
}

/* The profile's configuration, built as the app builds it (ep-profile-config.h): the password
 * file's secret, or the keyring's, or the Sandbox started in this process. With @server_host
 * (from --server, and @server_port resolved) naming another server, the profile's pinned
 * certificate and saved password are left out, and one line on stderr says so. */
static int
profile_config (EpProfile         *profile,
                const char        *secret,
                const char        *server_host,
                guint16            server_port,
                EpSmtpTranscript  *transcript,
                EpSmtpConfig     **out_config,
                EpProfileConfig  **out_profile_config,
                EpImapConfig     **out_imap,
                GError           **error)
{
  g_autoptr(EpProfileConfig) result = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *client_id = NULL;
  g_autofree char *client_secret = NULL;
  EpProfileConfigRequest request = {
    .saved = profile,
    .secret = secret,
    .server_host = server_host,
    .server_port = server_port,
    .transcript = transcript,
  };

  ep_send_oauth_client (profile, &client_id, &client_secret);
  request.oauth_client_id = client_id;
  request.oauth_client_secret = client_secret;

  result = ep_profile_config_build (profile, &request, NULL, &local_error);
  if (result == NULL && ep_profile_get_is_sandbox (profile))
    return fail (error, EP_EXIT_CONFIG, _("the Sandbox could not start: %s"), local_error->message);
  if (result == NULL && local_error->domain == EP_OAUTH_ERROR)
    return fail (error, ep_send_exit_status_for (local_error),
                 /* Translators: "--profile “Work”: <why> (sign in with: epistle-send --login “Work”)" */
                 _("--profile “%s”: %s (sign in with: epistle-send --login “%s”)"),
                 ep_profile_get_name (profile), local_error->message, ep_profile_get_name (profile));
  if (result == NULL)
    return fail (error, EP_EXIT_CONFIG,
                 _("--profile “%s”: no password: %s (give one with --password-file)"),
                 ep_profile_get_name (profile), local_error->message);

  if (result->left_out != EP_PROFILE_LEFT_OUT_NOTHING)
    {
      g_autofree char *server = ep_smtp_format_server (server_host, server_port);
      g_autofree char *message = NULL;

      /* Translators: "--server smtp.other.example:587 is not the server of the profile “Work”
       * (smtp.work.example:465): its trusted certificate and saved password are not used" */
      message = g_strdup_printf (_("--server %s is not the server of the profile “%s” (%s): its "
                                   "trusted certificate and saved password are not used"),
                                 server, ep_profile_get_name (profile), result->saved_server);
      print_line (message);
    }
  /* A copy: the options may still change it (--auth, --timeout); the original stays with
   * @out_profile_config, which can renew its OAuth token once. */
  *out_config = ep_smtp_config_copy (result->config);
  /* The copy in the Sent folder goes with the profile's own server only: not when --server
   * sends elsewhere, whose secret is not the profile's. */
  if (out_imap != NULL && ep_profile_get_sent_copy (profile) && result->left_out == EP_PROFILE_LEFT_OUT_NOTHING &&
      server_host == NULL)
    *out_imap = ep_profile_config_dup_imap (result, profile);
  /* The IMAP server's own password, when the profile has one, is the keyring's only: without
   * it the server would just refuse the copy. */
  if (out_imap != NULL && *out_imap != NULL &&
      (result->imap_secret == EP_PROFILE_SECRET_MISSING || result->imap_secret == EP_PROFILE_SECRET_OTHER_SERVER))
    {
      g_autofree char *line = NULL;

      /* Translators: %s is a profile's name */
      line = g_strdup_printf (_("warning: no copy in the Sent folder on the server: no IMAP password is "
                                "saved for the profile “%s” (save it in Epistle’s profile editor, under "
                                "Copy to Sent Folder)"),
                              ep_profile_get_name (profile));
      print_line (line);
      g_clear_pointer (out_imap, ep_imap_config_free);
    }
  *out_profile_config = g_steal_pointer (&result);
  return EP_EXIT_OK;
}

/* Options to configuration; prints and returns a non-zero status on a mistake. */
static int
build_config (EpSendOptions     *opts,
              EpSmtpTranscript  *transcript,
              EpSmtpConfig     **out_config,
              EpProfileConfig  **out_profile_config,
              EpImapConfig     **out_imap,
              GError           **error)
{
  EpSmtpConfig *config;
  g_autoptr(EpProfileStore) store = NULL;
  EpProfile *profile = NULL;
  g_autofree char *server_host = NULL;
  char *secret = NULL;
  guint16 port = 0;
  EpSmtpSecurity security = EP_SMTP_SECURITY_STARTTLS;
  gboolean from_profile = opts->profile != NULL;
  int status;

  if (opts->server == NULL && !from_profile)
    return fail (error, EP_EXIT_USAGE, "%s", _("no server: use --server HOST[:PORT] or --profile NAME (or --print)"));
  if (opts->server != NULL && !ep_send_parse_server (opts->server, &server_host, &port))
    return fail (error, EP_EXIT_USAGE, _("--server “%s”: expected HOST, HOST:PORT or [IPv6]:PORT"), opts->server);
  if (opts->security != NULL && !ep_smtp_security_from_string (opts->security, &security))
    return fail (error, EP_EXIT_USAGE, _("--security “%s”: expected tls, starttls or none"), opts->security);
  /* With --server, the server is the options' alone: known before the profile is read, so
   * that its secrets are not even looked up for another server. */
  if (opts->server != NULL)
    {
      if (opts->security == NULL)
        security = port == 465 ? EP_SMTP_SECURITY_TLS : EP_SMTP_SECURITY_STARTTLS;
      if (port == 0)
        port = ep_smtp_security_default_port (security);
    }

  if (from_profile)
    {
      store = ep_profile_store_new (NULL);
      status = ep_send_find_profile (opts, store, &profile, error);
      if (status != EP_EXIT_OK)
        return status;
    }
  status = ep_send_password_file_secret (opts, profile, &secret, error);
  if (status == EP_EXIT_OK && from_profile)
    status = profile_config (profile, secret, server_host, port, transcript, out_config,
                             out_profile_config, opts->no_sent_copy ? NULL : out_imap, error);
  else if (status == EP_EXIT_OK)
    *out_config = ep_smtp_config_new ();
  if (status != EP_EXIT_OK)
    {
      g_clear_pointer (&secret, ep_secrets_password_free);
      return status;
    }
  config = *out_config;

  if (opts->server != NULL)
    {
      g_free (config->host);
      config->host = g_steal_pointer (&server_host);
      config->port = port;
      config->security = security;
    }
  else
    {
      if (opts->security != NULL)
        config->security = security;
      if (config->port == 0)
        config->port = ep_smtp_security_default_port (config->security);
    }

  if (opts->timeout != EP_SEND_TIMEOUT_UNSET && opts->timeout <= 0)
    status = fail (error, EP_EXIT_USAGE, "%s", _("--timeout must be a positive number of seconds"));
  else if (opts->timeout != EP_SEND_TIMEOUT_UNSET)
    config->timeout_seconds = opts->timeout;

  if (status == EP_EXIT_OK && opts->auth != NULL && !ep_smtp_auth_mechanism_from_string (opts->auth, &config->auth))
    status = fail (error, EP_EXIT_USAGE,
                   _("--auth “%s”: expected auto, none, plain, login, cram-md5, scram-sha-1, scram-sha-256, xoauth2 or oauthbearer"),
                   opts->auth);

  if (status == EP_EXIT_OK && opts->cafile != NULL)
    {
      /* The engine wants an absolute path (GIO's TLS file database loads nothing from a
       * relative one); relative means relative to where the command runs, as for any file. */
      g_autofree char *cwd = g_get_current_dir ();
      g_autofree char *cafile = g_path_is_absolute (opts->cafile) ? g_strdup (opts->cafile)
                                                                  : g_build_filename (cwd, opts->cafile, NULL);

      if (access (cafile, R_OK) != 0 || !g_file_test (cafile, G_FILE_TEST_IS_REGULAR))
        status = fail (error, EP_EXIT_NOINPUT, _("--cafile “%s”: cannot read the file"), opts->cafile);
      else
        config->cafile = g_steal_pointer (&cafile);
    }

  /* Where the mechanism wants it, now that --auth has had its say: a password or a token. */
  if (secret != NULL)
    {
      ep_profile_config_set_secret (config, secret);
      g_clear_pointer (&secret, ep_secrets_password_free);
    }
  if (status != EP_EXIT_OK)
    return status;

  if (opts->password_file == NULL && opts->user != NULL && config->auth != EP_SMTP_AUTH_NONE)
    return fail (error, EP_EXIT_CONFIG, "%s", _("--user needs --password-file FILE (or --auth none)"));
  if (opts->user != NULL || !from_profile)
    {
      g_free (config->username);
      config->username = g_strdup (opts->user);
    }

  config->allow_partial = opts->allow_partial;
  return EP_EXIT_OK;
}

/* A suggestion for the mistakes people make most: the wrong security mode for the port, a
 * private CA. NULL when there is nothing useful to add. */
static const char *
hint_for (const EpSmtpConfig *config,
          const EpSmtpResult *result,
          const GError       *error)
{
  if (g_error_matches (error, EP_SMTP_ERROR, EP_SMTP_ERROR_TIMEOUT)
      && result->capabilities == NULL && result->tls == NULL && config->security != EP_SMTP_SECURITY_TLS)
    return _("hint: the server never greeted; if it expects TLS from the first byte (usually port 465), use --security tls");

  if (g_error_matches (error, EP_SMTP_ERROR, EP_SMTP_ERROR_TLS) && config->security == EP_SMTP_SECURITY_TLS
      && (result->tls == NULL || result->tls->sha256 == NULL))
    return _("hint: if the server uses STARTTLS on this port (usually 587 or 25), use --security starttls");

  if (g_error_matches (error, EP_SMTP_ERROR, EP_SMTP_ERROR_TLS_CERTIFICATE) && result->tls != NULL
      && (result->tls->errors & G_TLS_CERTIFICATE_UNKNOWN_CA) != 0 && config->cafile == NULL)
    return _("hint: if the server uses a private CA, pass its certificate with --cafile FILE");

  return NULL;
}

static void
print_recipient_lines (EpSmtpResult *result)
{
  for (guint i = 0; i < result->recipients->len; i++)
    {
      EpSmtpRecipientResult *r = g_ptr_array_index (result->recipients, i);
      g_autofree char *line = NULL;

      if (r->accepted || r->code == 0)
        continue;
      if (r->code == 250 || r->code == 251)
        continue;

      line = g_strdup_printf (_("recipient <%s> refused: %u%s%s%s%s"), r->address, r->code,
                              r->enhanced != NULL ? " " : "", r->enhanced != NULL ? r->enhanced : "",
                              r->text != NULL && *r->text != '\0' ? " " : "", r->text != NULL ? r->text : "");
      print_line (line);
    }
}

/* Partial delivery: who has the message, who does not and why, and what to do. */
static void
print_partial (EpSmtpResult *result,
               const GError *error)
{
  g_auto(GStrv) delivered = ep_smtp_result_dup_recipients_in_state (result, EP_SMTP_RECIPIENT_DELIVERED);
  g_autoptr(GString) list = g_string_new (NULL);
  g_autofree char *summary = NULL;

  for (guint i = 0; delivered[i] != NULL; i++)
    g_string_append_printf (list, "%s<%s>", i > 0 ? ", " : "", delivered[i]);
  summary = g_strdup_printf (_("partial delivery: delivered to %u of %u recipients: %s"),
                             g_strv_length (delivered), result->recipients->len, list->str);
  print_line (summary);

  for (guint i = 0; i < result->recipients->len; i++)
    {
      EpSmtpRecipientResult *r = g_ptr_array_index (result->recipients, i);
      g_autofree char *line = NULL;

      switch (r->state)
        {
        case EP_SMTP_RECIPIENT_DELIVERED:
          continue;
        case EP_SMTP_RECIPIENT_REFUSED:
        case EP_SMTP_RECIPIENT_DEFERRED:
          line = g_strdup_printf (_("not delivered to <%s>: %u%s%s%s%s"), r->address, r->code,
                                  r->enhanced != NULL ? " " : "", r->enhanced != NULL ? r->enhanced : "",
                                  r->text != NULL && *r->text != '\0' ? " " : "", r->text != NULL ? r->text : "");
          break;
        case EP_SMTP_RECIPIENT_UNKNOWN:
          line = g_strdup_printf (_("delivery to <%s> unknown: %s"), r->address, error->message);
          break;
        case EP_SMTP_RECIPIENT_PENDING:
        default:
          line = g_strdup_printf (_("not delivered to <%s>: %s"), r->address, error->message);
          break;
        }
      print_line (line);
    }

  print_line (_("send it again only to the recipients not delivered, never to all of them"));
}

/* After a delivery, the copy in the server's Sent folder: the bytes the server got, written
 * again by the MIME writer (the message's fields and boundaries were fixed when it was
 * prepared for the send). The delivery stands whatever happens here: a failure is a warning. */
/* The OAuth token as the profile's configuration has it now: the SMTP side may have renewed
 * the one the IMAP configuration was made with. */
static void
take_current_token (EpImapConfig    *imap,
                    EpProfileConfig *profile_config)
{
  if (profile_config == NULL || imap->oauth_token == NULL || profile_config->config->oauth_token == NULL)
    return;
  ep_text_free_secret (imap->oauth_token);
  imap->oauth_token = g_strdup (profile_config->config->oauth_token);
}

static void
upload_sent_copy (EpImapConfig     *imap,
                  EpProfileConfig  *profile_config,
                  EpMessage        *message,
                  EpSmtpTranscript *transcript)
{
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(EpImapResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (ep_mime_writer_write (message, out, NULL, NULL, NULL, &error) &&
      g_output_stream_close (out, NULL, &error))
    {
      g_autoptr(GError) renew_error = NULL;

      bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
      in = g_memory_input_stream_new_from_bytes (bytes);
      take_current_token (imap, profile_config);
      ep_imap_upload_sent (imap, in, g_bytes_get_size (bytes), ep_message_get_date (message), NULL,
                           transcript, &result, NULL, &error);
      /* A refused OAuth token: one new token (the SMTP side's, if it renewed it already, is not
       * renewed again) and one more upload; a refused login stored nothing. */
      if (profile_config != NULL &&
          ep_profile_config_renew_token (profile_config, error, NULL, &renew_error))
        {
          g_clear_error (&error);
          g_clear_pointer (&result, ep_imap_result_free);
          g_clear_object (&in);
          in = g_memory_input_stream_new_from_bytes (bytes);
          take_current_token (imap, profile_config);
          ep_imap_upload_sent (imap, in, g_bytes_get_size (bytes), ep_message_get_date (message), NULL,
                               transcript, &result, NULL, &error);
        }
      else if (renew_error != NULL)
        {
          g_clear_error (&error);
          error = g_steal_pointer (&renew_error);
        }
    }
  if (error != NULL)
    {
      g_autofree char *line = g_strdup_printf (_("warning: delivered, but not copied to the Sent folder on the server: %s"),
                                               error->message);

      print_line (line);
    }
}

int
ep_send_deliver (EpSendOptions  *opts,
                 EpMessage      *message,
                 GError        **error)
{
  g_autoptr(EpSmtpConfig) config = NULL;
  g_autoptr(EpProfileConfig) profile_config = NULL;
  g_autoptr(EpImapConfig) imap = NULL;
  g_autoptr(EpSmtpTranscript) transcript = ep_smtp_transcript_new ();
  g_autoptr(EpSmtpResult) result = NULL;
  g_autoptr(GInputStream) raw = NULL;
  g_autoptr(GPtrArray) rcpts = NULL;
  g_autofree char *sender = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDateTime) hold_until = NULL;
  EpSmtpSendOptions send_options = { 0 };
  int status;

  g_return_val_if_fail (opts != NULL, EP_EXIT_SOFTWARE);
  g_return_val_if_fail (opts->raw != NULL || EP_IS_MESSAGE (message), EP_EXIT_SOFTWARE);

  if (opts->hold_until != NULL)
    {
      g_autoptr(GTimeZone) local = g_time_zone_new_local ();
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

      hold_until = g_date_time_new_from_iso8601 (opts->hold_until, local);
      if (hold_until == NULL || g_date_time_compare (hold_until, now) <= 0)
        return fail (error, EP_EXIT_USAGE,
                     _("--hold-until “%s”: expected an ISO 8601 date and time to come "
                       "(2026-12-24T18:00:00, local or with an offset such as +01:00)"),
                     opts->hold_until);
    }

  /* Before the configuration, which may already refresh a sign-in's token. */
  if (opts->transcript)
    ep_smtp_transcript_set_line_func (transcript, transcript_line_cb, NULL, NULL);

  status = build_config (opts, transcript, &config, &profile_config, &imap, error);
  if (status != EP_EXIT_OK)
    return status;

  if (opts->raw != NULL)
    {
      rcpts = g_ptr_array_new_with_free_func (g_free);
      status = raw_envelope (opts, &sender, rcpts, error);
      if (status != EP_EXIT_OK)
        return status;

      if (g_strcmp0 (opts->raw, "-") == 0)
        raw = g_unix_input_stream_new (STDIN_FILENO, FALSE);
      else
        {
          g_autoptr(GFile) file = g_file_new_for_commandline_arg (opts->raw);
          g_autoptr(GFileInfo) file_info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                                              G_FILE_QUERY_INFO_NONE, NULL, &local_error);

          if (file_info != NULL && g_file_info_get_file_type (file_info) != G_FILE_TYPE_REGULAR)
            return fail (error, EP_EXIT_NOINPUT, _("--raw “%s”: not a regular file"), opts->raw);
          if (file_info != NULL)
            raw = G_INPUT_STREAM (g_file_read (file, NULL, &local_error));
          if (raw == NULL)
            return fail (error, EP_EXIT_NOINPUT, _("--raw “%s”: %s"), opts->raw, local_error->message);
        }
    }

  send_options.envelope_from = sender;
  send_options.envelope_rcpts = rcpts != NULL ? (const char * const *) rcpts->pdata : NULL;
  send_options.transcript = transcript;
  /* RFC 4865: the server keeps it until then; one that cannot refuses before MAIL. */
  send_options.hold_until = hold_until;
  /* RFC 3461, RFC 8689: a server that does not offer them refuses before MAIL (exit 69). */
  send_options.dsn_notify = opts->request.dsn_notify;
  send_options.dsn_ret = opts->request.dsn_ret;
  send_options.require_tls = opts->request.require_tls;
  result = ep_smtp_send_with_options_sync (config, raw != NULL ? NULL : message, raw,
                                           &send_options, NULL, &local_error);
  if (local_error != NULL && profile_config != NULL)
    {
      g_autoptr(GError) renew_error = NULL;

      /* A refused OAuth token: one new token and one more session. AUTH comes before the
       * message, so a --raw file has not been read yet; standard input, which cannot be
       * rewound, is not tried again. */
      if ((raw == NULL || (G_IS_SEEKABLE (raw) && g_seekable_can_seek (G_SEEKABLE (raw)) &&
                           g_seekable_seek (G_SEEKABLE (raw), 0, G_SEEK_SET, NULL, NULL))) &&
          ep_profile_config_renew_token (profile_config, local_error, NULL, &renew_error))
        {
          ep_profile_config_set_secret (config, profile_config->config->oauth_token);
          g_clear_error (&local_error);
          g_clear_pointer (&result, ep_smtp_result_unref);
          result = ep_smtp_send_with_options_sync (config, raw != NULL ? NULL : message, raw,
                                                   &send_options, NULL, &local_error);
        }
      else if (renew_error != NULL)
        {
          /* Online Accounts' sign-in is its own (its message says where to go). */
          g_autofree char *line = renew_error->domain == EP_GOA_ERROR
                                  ? g_strdup (renew_error->message)
                                  : g_strdup_printf (_("%s (sign in with: epistle-send --login “%s”)"),
                                                     renew_error->message, opts->profile);

          print_line (line);
          g_propagate_error (error, g_steal_pointer (&renew_error));
          return EP_EXIT_NOPERM;
        }
    }

  if (local_error == NULL)
    {
      /* Delivered; with --allow-partial, say who did not get it. */
      if (ep_smtp_result_count_refused (result) > 0)
        {
          g_autofree char *summary = NULL;

          print_recipient_lines (result);
          summary = g_strdup_printf (_("delivered to %u of %u recipients"),
                                     result->recipients->len - ep_smtp_result_count_refused (result),
                                     result->recipients->len);
          print_line (summary);
        }
      if (imap != NULL && raw == NULL)
        {
          /* The trust anchors and timeout the options chose for this run. */
          g_free (imap->cafile);
          imap->cafile = g_strdup (config->cafile);
          imap->timeout_seconds = config->timeout_seconds;
          upload_sent_copy (imap, profile_config, message, transcript);
        }
      else if (imap != NULL)
        print_line (_("warning: no copy in the Sent folder on the server for --raw (use --queue and --flush)"));
      return EP_EXIT_OK;
    }

  status = ep_send_exit_status_for (local_error);
  if (result->outcome == EP_SMTP_OUTCOME_PARTIAL)
    {
      print_partial (result, local_error);
      status = EP_EXIT_PARTIAL;
    }
  else if (ep_smtp_result_has_refused_recipient (result)
           && (g_error_matches (local_error, EP_SMTP_ERROR, EP_SMTP_ERROR_RECIPIENT_REJECTED)
               || (g_error_matches (local_error, EP_SMTP_ERROR, EP_SMTP_ERROR_TEMPORARY)
                   && result->final_code == 0)))
    {
      print_recipient_lines (result);
      print_line (_("message not sent (use --allow-partial to deliver to the accepted recipients)"));
    }
  else
    {
      const char *hint = hint_for (config, result, local_error);

      print_line (local_error->message);
      if (hint != NULL)
        print_line (hint);
    }

  g_propagate_error (error, g_steal_pointer (&local_error));
  return status;
}

void
ep_send_oauth_client (EpProfile  *profile,
                      char      **client_id,
                      char      **client_secret)
{
  g_autoptr(GSettings) settings = NULL;

  *client_id = NULL;
  *client_secret = NULL;
  if (!ep_oauth_provider_profile_uses (profile))
    return;
  settings = app_settings ();
  ep_oauth_client_from_settings (settings, ep_profile_get_oauth_setting (profile, EP_PROFILE_OAUTH_PROVIDER),
                                 client_id, client_secret);
}
