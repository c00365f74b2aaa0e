/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-imap-client.c: one IMAP session per call: the transport and TLS of the SMTP engine
 * (EpSmtpConnection), its SASL mechanisms and transcript, and the IMAP commands a Sent copy
 * needs. */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "ep-base64.h"
#include "ep-imap-client.h"
#include "ep-imap-response.h"
#include "ep-smtp-config.h"
#include "ep-smtp-connection.h"
#include "ep-smtp-sasl.h"
#include "ep-text.h"

/* Octets taken from the transport at a time; what follows a response stays here. */
#define READ_CHUNK 4096
/* Octets read from the message at a time while it goes out as the APPEND literal. */
#define COPY_CHUNK (64 * 1024)
/* The longest Message-ID we search for (RFC 5322 §2.1.1: a header line is at most 998). */
#define MESSAGE_ID_MAX 998

/* ---- results --------------------------------------------------------------------------------- */

EpImapResult *
ep_imap_result_copy (const EpImapResult *self)
{
  EpImapResult *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_memdup2 (self, sizeof *self);
  copy->mailbox = g_strdup (self->mailbox);
  copy->candidates = g_strdupv (self->candidates);
  copy->auth_mechanism = g_strdup (self->auth_mechanism);
  copy->capabilities = g_strdupv (self->capabilities);
  copy->tls_info = self->tls_info != NULL ? ep_smtp_tls_info_copy (self->tls_info) : NULL;
  return copy;
}

void
ep_imap_result_free (EpImapResult *self)
{
  if (self == NULL)
    return;
  g_free (self->mailbox);
  g_strfreev (self->candidates);
  g_free (self->auth_mechanism);
  g_strfreev (self->capabilities);
  g_clear_pointer (&self->tls_info, ep_smtp_tls_info_free);
  g_free (self);
}

G_DEFINE_BOXED_TYPE (EpImapResult, ep_imap_result, ep_imap_result_copy, ep_imap_result_free)

char *
ep_imap_format_date_time (GDateTime *date)
{
  static const char * const months[] = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
  };
  gint64 offset = g_date_time_get_utc_offset (date) / G_USEC_PER_SEC;
  char sign = offset < 0 ? '-' : '+';

  offset = ABS (offset);
  return g_strdup_printf ("%02d-%s-%04d %02d:%02d:%02d %c%02d%02d",
                          g_date_time_get_day_of_month (date),
                          months[g_date_time_get_month (date) - 1],
                          g_date_time_get_year (date),
                          g_date_time_get_hour (date), g_date_time_get_minute (date),
                          g_date_time_get_second (date),
                          sign, (int) (offset / 3600), (int) (offset % 3600 / 60));
}

/* Modified base64 (RFC 3501 §5.1.3): ',' stands for '/', and there is no padding. */
static gboolean
decode_utf7_run (const char *run,
                 gsize       len,
                 GString    *out)
{
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
  g_autoptr(GArray) units = g_array_new (FALSE, FALSE, sizeof (gunichar2));
  g_autofree char *utf8 = NULL;
  guint32 bits = 0;
  guint n_bits = 0;

  for (gsize i = 0; i < len; i++)
    {
      const char *at = memchr (alphabet, run[i], sizeof alphabet - 1);

      if (at == NULL)
        return FALSE;
      bits = (bits << 6) | (guint32) (at - alphabet);
      n_bits += 6;
      if (n_bits >= 16)
        {
          gunichar2 unit;

          n_bits -= 16;
          unit = (gunichar2) ((bits >> n_bits) & 0xffff);
          g_array_append_val (units, unit);
        }
      bits &= (1u << n_bits) - 1;
    }
  /* What is left must be padding: fewer than 6 bits, all zero; and the run not empty. */
  if (units->len == 0 || n_bits >= 6 || bits != 0)
    return FALSE;
  utf8 = g_utf16_to_utf8 (&g_array_index (units, gunichar2, 0), units->len, NULL, NULL, NULL);
  if (utf8 == NULL)
    return FALSE;
  g_string_append (out, utf8);
  return TRUE;
}

char *
ep_imap_mailbox_dup_display_name (const char *name)
{
  g_autoptr(GString) out = g_string_new (NULL);

  g_return_val_if_fail (name != NULL, NULL);

  for (const char *p = name; *p != '\0'; )
    {
      const char *end;

      if (*p != '&')
        {
          g_string_append_c (out, *p++);
          continue;
        }
      if (p[1] == '-')
        {
          g_string_append_c (out, '&');
          p += 2;
          continue;
        }
      end = strchr (p + 1, '-');
      if (end == NULL || !decode_utf7_run (p + 1, end - p - 1, out))
        return g_strdup (name);
      p = end + 1;
    }

  if (!ep_text_is_single_line (out->str))
    return g_strdup (name);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* ---- the session ----------------------------------------------------------------------------- */

typedef struct {
  const EpImapConfig *config;
  EpSmtpTranscript   *transcript;
  EpSmtpConnection   *conn;
  EpImapParser       *parser;
  GCancellable       *cancellable;
  EpImapResult       *result;
  GHashTable         *caps;          /* upper-case capability atoms */
  guint               next_tag;
  gboolean            redact_continuations;
  char               *tls_detail;    /* "TLS 1.3, TLS_AES_256_GCM_SHA384" once encrypted */
  char               *bye;           /* the text of the server's BYE */
  gboolean            authenticated;
  guint32             uidvalidity;   /* of the mailbox last examined */
  guint               caps_updates;  /* how often the server told us its capabilities */
  GPtrArray          *search;        /* UIDs of the last SEARCH */
  EpImapCheckStepFunc step_func;
  gpointer            step_data;
  gint                step;          /* the step started last and not yet ended, or -1 */
  char                buf[READ_CHUNK];
  gsize               buf_start;
  gsize               buf_end;
} Session;

#define info(s, ...) \
  ep_smtp_transcript_add_printf ((s)->transcript, EP_SMTP_TRANSCRIPT_INFO, __VA_ARGS__)

static void
session_clear (Session *s)
{
  if (s->conn != NULL)
    ep_smtp_connection_abort (s->conn);
  g_clear_object (&s->conn);
  g_clear_object (&s->transcript);
  g_clear_pointer (&s->parser, ep_imap_parser_free);
  g_clear_pointer (&s->caps, g_hash_table_unref);
  g_clear_pointer (&s->bye, g_free);
  g_clear_pointer (&s->tls_detail, g_free);
  g_clear_pointer (&s->search, g_ptr_array_unref);
}

/* Ends the step in progress (OK, or FAILED with @error's message) and starts @next (-1: none). */
static void
step_to (Session         *s,
         gint             next,
         EpSmtpTestStatus status,
         const char      *detail)
{
  if (s->step_func == NULL)
    return;
  if (s->step >= 0)
    s->step_func ((EpImapCheckStep) s->step, status, detail, s->step_data);
  s->step = next;
  if (next >= 0)
    s->step_func ((EpImapCheckStep) next, EP_SMTP_TEST_STATUS_STARTED, NULL, s->step_data);
}

static void
step_skip (Session        *s,
           EpImapCheckStep skipped)
{
  if (s->step_func == NULL)
    return;
  s->step_func (skipped, EP_SMTP_TEST_STATUS_STARTED, NULL, s->step_data);
  s->step_func (skipped, EP_SMTP_TEST_STATUS_SKIPPED, NULL, s->step_data);
}

static gboolean
has_cap (Session    *s,
         const char *name)
{
  return g_hash_table_contains (s->caps, name);
}

/* From "* CAPABILITY ..." items, or the arguments of a [CAPABILITY ...] response code. */
static void
set_caps_from_items (Session   *s,
                     GPtrArray *items,
                     guint      first)
{
  g_hash_table_remove_all (s->caps);
  for (guint i = first; i < items->len; i++)
    {
      const EpImapItem *item = g_ptr_array_index (items, i);

      if (item->kind == EP_IMAP_ITEM_ATOM)
        g_hash_table_add (s->caps, g_ascii_strup (item->text, -1));
    }
}

static void
set_caps_from_code (Session    *s,
                    const char *args)
{
  g_auto(GStrv) words = g_strsplit (args != NULL ? args : "", " ", -1);

  g_hash_table_remove_all (s->caps);
  for (guint i = 0; words[i] != NULL; i++)
    if (*words[i] != '\0')
      g_hash_table_add (s->caps, g_ascii_strup (words[i], -1));
}

static void
store_caps (Session *s)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, s->caps);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (names, key);
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  g_strfreev (s->result->capabilities);
  s->result->capabilities = g_new0 (char *, names->len + 1);
  for (guint i = 0; i < names->len; i++)
    s->result->capabilities[i] = g_strdup (g_ptr_array_index (names, i));
}

static void
log_response (Session *s)
{
  g_auto(GStrv) lines = ep_imap_parser_dup_lines (s->parser);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (s->redact_continuations && lines[i][0] == '+')
        ep_smtp_transcript_add (s->transcript, EP_SMTP_TRANSCRIPT_SERVER, "+ " EP_SMTP_TRANSCRIPT_REDACTED);
      else
        ep_smtp_transcript_add (s->transcript, EP_SMTP_TRANSCRIPT_SERVER, lines[i]);
    }
}

static void
set_lost_error (Session *s,
                GError **error,
                GError  *transport_error)
{
  /* After a BYE the server is gone on purpose: say why. */
  if (s->bye != NULL && !g_error_matches (transport_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *text = g_utf8_make_valid (s->bye, -1);

      g_set_error (error, EP_IMAP_ERROR, EP_IMAP_ERROR_SERVICE_UNAVAILABLE,
                   _("The server ended the session: %s"), text);
      g_error_free (transport_error);
      return;
    }
  ep_imap_error_from_transport (&transport_error);
  g_propagate_error (error, transport_error);
}

/* The next response, whole, within the timeout (or @timeout_ms). Untagged CAPABILITY, BYE and
 * [CAPABILITY] codes are noted on the way. */
static EpImapResponse *
read_response (Session *s,
               guint    timeout_ms,
               GError **error)
{
  gint64 deadline = g_get_monotonic_time ()
                    + (timeout_ms > 0 ? (gint64) timeout_ms * 1000
                                      : (gint64) ep_imap_config_get_timeout (s->config) * G_USEC_PER_SEC);

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      gsize consumed = 0;
      EpImapParserStatus status;
      gssize n;

      if (s->buf_end > s->buf_start)
        {
          status = ep_imap_parser_feed (s->parser, s->buf + s->buf_start, s->buf_end - s->buf_start,
                                        &consumed, &local_error);
          s->buf_start += consumed;
          if (status == EP_IMAP_PARSER_ERROR)
            {
              info (s, "unusable response: %s", local_error->message);
              g_propagate_error (error, g_steal_pointer (&local_error));
              return NULL;
            }
          if (status == EP_IMAP_PARSER_COMPLETE)
            {
              EpImapResponse *response;

              log_response (s);
              response = ep_imap_parser_take_response (s->parser);
              if (response->kind == EP_IMAP_RESPONSE_UNTAGGED)
                {
                  if (response->status == EP_IMAP_STATUS_BYE)
                    {
                      g_free (s->bye);
                      s->bye = g_strdup (response->text);
                    }
                  else if (ep_imap_response_is (response, "CAPABILITY"))
                    {
                      set_caps_from_items (s, response->items, 1);
                      s->caps_updates++;
                    }
                }
              if (response->code != NULL && g_str_equal (response->code, "CAPABILITY")
                  && response->kind != EP_IMAP_RESPONSE_CONTINUATION)
                {
                  set_caps_from_code (s, response->code_args);
                  s->caps_updates++;
                }
              return response;
            }
        }

      s->buf_start = s->buf_end = 0;
      n = ep_smtp_connection_read_raw (s->conn, s->buf, sizeof s->buf, deadline, s->cancellable, &local_error);
      if (n < 0)
        {
          if (g_error_matches (local_error, EP_SMTP_ERROR, EP_SMTP_ERROR_TIMEOUT))
            {
              /* The whole response had that long, however many reads it took. */
              info (s, "no complete response within the timeout");
              g_set_error (error, EP_IMAP_ERROR, EP_IMAP_ERROR_TIMEOUT,
                           _("No complete answer from the IMAP server %s within %.3g seconds"),
                           s->config->host,
                           timeout_ms > 0 ? timeout_ms / 1000.0 : (double) ep_imap_config_get_timeout (s->config));
              return NULL;
            }
          set_lost_error (s, error, g_steal_pointer (&local_error));
          return NULL;
        }
      s->buf_end = n;
    }
}

static gboolean
send_command (Session    *s,
              const char *tag,
              const char *command,
              const char *log_as,
              GError    **error)
{
  g_autofree char *line = g_strdup_printf ("%s %s", tag, command);
  g_autofree char *logged = log_as != NULL ? g_strdup_printf ("%s %s", tag, log_as) : NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean ok;

  ok = ep_smtp_connection_send_line (s->conn, line, logged, s->cancellable, &local_error);
  explicit_bzero (line, strlen (line));
  if (!ok)
    {
      set_lost_error (s, error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

static char *
new_tag (Session *s)
{
  return g_strdup_printf ("A%u", ++s->next_tag);
}

/* Called for each untagged response of a command (after the common handling). */
typedef gboolean (*UntaggedFunc) (Session        *s,
                                  EpImapResponse *response,
                                  gpointer        user_data,
                                  GError        **error);

/* Reads responses up to the tagged one for @tag; continuation requests are a protocol error. */
static EpImapResponse *
read_until_tagged (Session     *s,
                   const char  *tag,
                   UntaggedFunc func,
                   gpointer     user_data,
                   GError     **error)
{
  for (guint n = 0; ; n++)
    {
      g_autoptr(EpImapResponse) response = NULL;

      if (n > EP_IMAP_UNTAGGED_MAX)
        {
          g_set_error (error, EP_IMAP_ERROR, EP_IMAP_ERROR_PROTOCOL,
                       _("The server sent more than %u responses to one command"), EP_IMAP_UNTAGGED_MAX);
          return NULL;
        }
      response = read_response (s, 0, error);
      if (response == NULL)
        return NULL;

      switch (response->kind)
        {
        case EP_IMAP_RESPONSE_TAGGED:
          if (!g_str_equal (response->tag, tag))
            {
              g_set_error (error, EP_IMAP_ERROR, EP_IMAP_ERROR_PROTOCOL,
                           _("The server answered a command that was not sent (tag %s)"), response->tag);
              return NULL;
            }
          return g_steal_pointer (&response);
        case EP_IMAP_RESPONSE_CONTINUATION:
          g_set_error_literal (error, EP_IMAP_ERROR, EP_IMAP_ERROR_PROTOCOL,
                               _("The server asked for more data where none was due"));
          return NULL;
        case EP_IMAP_RESPONSE_UNTAGGED:
        default:
          if (func != NULL && !func (s, response, user_data, error))
            return NULL;
          break;
        }
    }
}

/* A NO or BAD, in words, with the code that best says what to do about it. */
static void
set_refusal_error (const EpImapResponse *response,
                   EpImapError           fallback,
                   const char           *what,
                   GError              **error)
{
  g_autofree char *text = ep_imap_response_dup_display_text (response);
  EpImapError code = fallback;
  const char *rc = response->code != NULL ? response->code : "";

  if (g_str_equal (rc, "UNAVAILABLE") || g_str_equal (rc, "INUSE"))
    code = fallback == EP_IMAP_ERROR_AUTH_FAILED ? EP_IMAP_ERROR_AUTH_TEMPORARY : EP_IMAP_ERROR_SERVICE_UNAVAILABLE;
  else if (g_str_equal (rc, "OVERQUOTA"))
    code = EP_IMAP_ERROR_OVER_QUOTA;
  else if (g_str_equal (rc, "TOOBIG") || g_str_equal (rc, "LIMIT"))
    code = EP_IMAP_ERROR_MESSAGE_TOO_BIG;
  else if (g_str_equal (rc, "TRYCREATE") || g_str_equal (rc, "NONEXISTENT"))
    code = EP_IMAP_ERROR_NO_SENT_FOLDER;
  else if (g_str_equal (rc, "AUTHENTICATIONFAILED") || g_str_equal (rc, "AUTHORIZATIONFAILED")
           || g_str_equal (rc, "EXPIRED"))
    code = EP_IMAP_ERROR_AUTH_FAILED;

  /* Translators: "Uploading to “Sent” was refused: the server answered NO [OVERQUOTA] Quota exceeded" */
  g_set_error (error, EP_IMAP_ERROR, code, _("%s was refused: the server answered %s %s"),
               what, response->status == EP_IMAP_STATUS_BAD ? "BAD" : "NO", text);
}

/* Sends @command and reads up to its tagged answer, which must be OK. */
static gboolean
run_command (Session     *s,
             const char  *command,
             const char  *log_as,
             UntaggedFunc func,
             gpointer     user_data,
             const char  *what,
             EpImapResponse **out_tagged,
             GError     **error)
{
  g_autofree char *tag = new_tag (s);
  g_autoptr(EpImapResponse) tagged = NULL;

  if (!send_command (s, tag, command, log_as, error))
    return FALSE;
  tagged = read_until_tagged (s, tag, func, user_data, error);
  if (tagged == NULL)
    return FALSE;
  if (tagged->status != EP_IMAP_STATUS_OK)
    {
      set_refusal_error (tagged, EP_IMAP_ERROR_REFUSED, what, error);
      return FALSE;
    }
  if (out_tagged != NULL)
    *out_tagged = g_steal_pointer (&tagged);
  return TRUE;
}

/* RFC 3501 §9 quoted: printable ASCII with '"' and '\' escaped. NULL if it cannot be quoted. */
static char *
quote (const char *text)
{
  GString *out;

  if (!ep_text_is_printable_ascii (text, -1))
    return NULL;
  out = g_string_new ("\"");
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
  return g_string_free (out, FALSE);
}

static gboolean
capability (Session *s,
            GError **error)
{
  if (!run_command (s, "CAPABILITY", NULL, NULL, NULL, _("Asking for the server’s capabilities"), NULL, error))
    return FALSE;
  if (!has_cap (s, "IMAP4REV1") && !has_cap (s, "IMAP4REV2"))
    {
      g_set_error_literal (error, EP_IMAP_ERROR, EP_IMAP_ERROR_PROTOCOL,
                           _("The server does not speak IMAP4rev1"));
      return FALSE;
    }
  store_caps (s);
  return TRUE;
}

/* ---- connect, greeting, STARTTLS ------------------------------------------------------------- */

static gboolean
start_tls (Session *s,
           GError **error)
{
  const EpImapConfig *c = s->config;
  g_autoptr(GError) local_error = NULL;
  EpSmtpTlsInfo *info;
  gboolean ok;

  ok = ep_smtp_connection_start_tls (s->conn, c->host, ep_imap_config_get_port (c), c->cafile,
                                     c->pinned_sha256, c->pinned_host,
                                     ep_imap_config_get_pinned_port (c), s->cancellable, &local_error);
  if (ep_smtp_connection_get_tls_info (s->conn) != NULL)
    {
      g_clear_pointer (&s->result->tls_info, ep_smtp_tls_info_free);
      s->result->tls_info = ep_smtp_tls_info_copy (ep_smtp_connection_get_tls_info (s->conn));
    }
  if (!ok)
    {
      ep_imap_error_from_transport (&local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  info = ep_smtp_connection_get_tls_info (s->conn);
  g_free (s->tls_detail);
  s->tls_detail = g_strdup_printf ("%s, %s", info->protocol_version, info->ciphersuite);
  return TRUE;
}

static gboolean
greeting (Session *s,
          GError **error)
{
  g_autoptr(EpImapResponse) greeting = read_response (s, 0, error);
  g_autofree char *text = NULL;

  if (greeting == NULL)
    return FALSE;
  text = ep_imap_response_dup_display_text (greeting);

  if (greeting->kind != EP_IMAP_RESPONSE_UNTAGGED
      || (greeting->status != EP_IMAP_STATUS_OK && greeting->status != EP_IMAP_STATUS_PREAUTH
          && greeting->status != EP_IMAP_STATUS_BYE))
    {
      g_set_error_literal (error, EP_IMAP_ERROR, EP_IMAP_ERROR_PROTOCOL,
                           _("The server’s greeting is not an IMAP greeting"));
      return FALSE;
    }
  if (greeting->status == EP_IMAP_STATUS_BYE)
    {
      g_set_error (error, EP_IMAP_ERROR, EP_IMAP_ERROR_SERVICE_UNAVAILABLE,
                   _("The server refused the connection: %s"), text);
      return FALSE;
    }
  if (greeting->status == EP_IMAP_STATUS_PREAUTH)
    {
      /* RFC 3501 §6.2.1: STARTTLS is not available once authenticated, so a PREAUTH greeting
       * on a connection that still has to be encrypted is how a man in the middle keeps it in
       * the clear. */
      if (!ep_smtp_connection_is_encrypted (s->conn) && s->config->security == EP_SMTP_SECURITY_STARTTLS)
        {
          g_set_error_literal (error, EP_IMAP_ERROR, EP_IMAP_ERROR_STARTTLS_UNAVAILABLE,
                               _("The server signed us in before STARTTLS (PREAUTH), so the connection cannot be encrypted"));
          return FALSE;
        }
      s->authenticated = TRUE;
    }
  return TRUE;
}

static gboolean
starttls (Session *s,
          GError **error)
{
  g_autoptr(EpImapResponse) tagged = NULL;
  g_autofree char *tag = NULL;

  if (!has_cap (s, "STARTTLS"))
    {
      g_set_error (error, EP_IMAP_ERROR, EP_IMAP_ERROR_STARTTLS_UNAVAILABLE,
                   _("The server %s does not offer STARTTLS, which this account requires"), s->config->host);
      return FALSE;
    }

  tag = new_tag (s);
  if (!send_command (s, tag, "STARTTLS", NULL, error))
    return FALSE;
  tagged = read_until_tagged (s, tag, NULL, NULL, error);
  if (tagged == NULL)
    return FALSE;
  if (tagged->status != EP_IMAP_STATUS_OK)
    {
      g_autofree char *text = ep_imap_response_dup_display_text (tagged);

      g_set_error (error, EP_IMAP_ERROR, EP_IMAP_ERROR_STARTTLS_UNAVAILABLE,
                   _("The server refused STARTTLS: %s"), text);
      return FALSE;
    }
  /* Whatever arrived after the OK came before the encryption: a man in the middle's, to be read
   * as if the encrypted server had said it (RFC 3501 §6.2.1, CVE-2011-0411 for SMTP). */
  if (s->buf_end > s->buf_start || ep_smtp_connection_has_pending_input (s->conn))
    {
      info (s, "data after the OK to STARTTLS: refused");
      g_set_error_literal (error, EP_IMAP_ERROR, EP_IMAP_ERROR_INJECTION,
                           _("The server sent data after agreeing to STARTTLS (a sign of an attack on the connection)"));
      return FALSE;
    }
  if (!start_tls (s, error))
    return FALSE;

  /* RFC 3501 §6.2.1: what was said in the clear is forgotten; ask again. */
  g_hash_table_remove_all (s->caps);
  return capability (s, error);
}

/* ---- sign-in --------------------------------------------------------------------------------- */

static gboolean
has_auth (Session            *s,
          EpSmtpAuthMechanism mechanism)
{
  g_autofree char *name = g_strconcat ("AUTH=", ep_smtp_auth_mechanism_to_string (mechanism), NULL);
  g_autofree char *upper = g_ascii_strup (name, -1);

  return has_cap (s, upper);
}

/* The mechanism to use, or EP_SMTP_AUTH_NONE for the LOGIN command; FALSE when nothing fits. */
static gboolean
choose_mechanism (Session             *s,
                  EpSmtpAuthMechanism *out_mechanism,
                  GError             **error)
{
  static const EpSmtpAuthMechanism password_order[] = {
    EP_SMTP_AUTH_SCRAM_SHA_256, EP_SMTP_AUTH_SCRAM_SHA_1, EP_SMTP_AUTH_CRAM_MD5,
    EP_SMTP_AUTH_PLAIN, EP_SMTP_AUTH_LOGIN,
  };
  static const EpSmtpAuthMechanism token_order[] = {
    EP_SMTP_AUTH_OAUTHBEARER, EP_SMTP_AUTH_XOAUTH2,
  };
  const EpImapConfig *c = s->config;
  gboolean login_command = !has_cap (s, "LOGINDISABLED") && c->password != NULL;

  if (c->auth != EP_SMTP_AUTH_AUTO)
    {
      if (has_auth (s, c->auth))
        {
          *out_mechanism = c->auth;
          return TRUE;
        }
      /* The LOGIN command carries what PLAIN and LOGIN would, over the same TLS. */
      if ((c->auth == EP_SMTP_AUTH_PLAIN || c->auth == EP_SMTP_AUTH_LOGIN) && login_command)
        {
          *out_mechanism = EP_SMTP_AUTH_NONE;
          return TRUE;
        }
      g_set_error (error, EP_IMAP_ERROR, EP_IMAP_ERROR_AUTH_UNSUPPORTED,
                   _("The IMAP server does not offer %s"), ep_smtp_auth_mechanism_to_string (c->auth));
      return FALSE;
    }

  if (c->oauth_token != NULL)
    for (guint i = 0; i < G_N_ELEMENTS (token_order); i++)
      if (has_auth (s, token_order[i]))
        {
          *out_mechanism = token_order[i];
          return TRUE;
        }
  if (c->password != NULL)
    {
      for (guint i = 0; i < G_N_ELEMENTS (password_order); i++)
        if (has_auth (s, password_order[i]))
          {
            *out_mechanism = password_order[i];
            return TRUE;
          }
      if (login_command)
        {
          *out_mechanism = EP_SMTP_AUTH_NONE;
          return TRUE;
        }
    }

  g_set_error_literal (error, EP_IMAP_ERROR, EP_IMAP_ERROR_AUTH_UNSUPPORTED,
                       _("None of the IMAP server’s ways to sign in can be used"));
  return FALSE;
}

static char *
encode_response (GBytes *bytes)
{
  gsize len = 0;
  const guint8 *data = bytes != NULL ? g_bytes_get_data (bytes, &len) : NULL;

  return len > 0 ? g_base64_encode (data, len) : g_strdup ("");
}

static gboolean
login_command (Session *s,
               GError **error)
{
  g_autofree char *user = quote (s->config->username);
  g_autofree char *password = quote (s->config->password);
  g_autofree char *command = NULL;
  g_autofree char *logged = NULL;
  g_autoptr(EpImapResponse) tagged = NULL;
  g_autoptr(GError) local_error = NULL;

  if (user == NULL || password == NULL)
    {
      g_set_error_literal (error, EP_IMAP_ERROR, EP_IMAP_ERROR_AUTH_UNSUPPORTED,
                           _("The user name or password cannot be sent with the LOGIN command (not ASCII), and the server offers no other way"));
      if (password != NULL)
        explicit_bzero (password, strlen (password));
      return FALSE;
    }

  command = g_strdup_printf ("LOGIN %s %s", user, password);
  logged = g_strdup_printf ("LOGIN %s " EP_SMTP_TRANSCRIPT_REDACTED, user);
  explicit_bzero (password, strlen (password));
  if (!run_command (s, command, logged, NULL, NULL, _("Signing in"), &tagged, &local_error))
    {
      explicit_bzero (command, strlen (command));
      if (g_error_matches (local_error, EP_IMAP_ERROR, EP_IMAP_ERROR_REFUSED))
        local_error->code = EP_IMAP_ERROR_AUTH_FAILED;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  explicit_bzero (command, strlen (command));
  return TRUE;
}

static gboolean
sasl_exchange (Session    *s,
               EpSmtpSasl *sasl,
               GError    **error)
{
  const char *mech = ep_smtp_auth_mechanism_to_string (ep_smtp_sasl_get_mechanism (sasl));
  g_autoptr(GBytes) initial = NULL;
  g_autoptr(GBytes) held_initial = NULL;
  g_autofree char *command = NULL;
  g_autofree char *logged = NULL;
  g_autofree char *tag = new_tag (s);
  gboolean cancelled = FALSE;
  g_autoptr(GError) cancel_error = NULL;

  if (ep_smtp_sasl_get_initial_response (sasl, &initial))
    {
      /* RFC 4959: the initial response on the command line, "=" when empty. */
      if (has_cap (s, "SASL-IR"))
        {
          g_autofree char *b64 = encode_response (initial);

          command = g_strdup_printf ("AUTHENTICATE %s %s", mech, *b64 != '\0' ? b64 : "=");
          logged = g_strdup_printf ("AUTHENTICATE %s " EP_SMTP_TRANSCRIPT_REDACTED, mech);
          explicit_bzero (b64, strlen (b64));
        }
      else
        held_initial = g_steal_pointer (&initial);
    }
  if (command == NULL)
    command = g_strdup_printf ("AUTHENTICATE %s", mech);

  if (!send_command (s, tag, command, logged, error))
    return FALSE;
  explicit_bzero (command, strlen (command));

  for (guint rounds = 0; ; rounds++)
    {
      g_autoptr(EpImapResponse) response = NULL;
      g_autoptr(GBytes) reply = NULL;
      g_autofree guint8 *challenge = NULL;
      g_autofree char *b64 = NULL;
      gsize challenge_len = 0;

      response = read_response (s, 0, error);
      if (response == NULL)
        return FALSE;

      if (response->kind == EP_IMAP_RESPONSE_UNTAGGED)
        continue;
      if (response->kind == EP_IMAP_RESPONSE_TAGGED)
        {
          if (!g_str_equal (response->tag, tag))
            {
              g_set_error (error, EP_IMAP_ERROR, EP_IMAP_ERROR_PROTOCOL,
                           _("The server answered a command that was not sent (tag %s)"), response->tag);
              return FALSE;
            }
          if (cancelled)
            {
              g_propagate_error (error, g_steal_pointer (&cancel_error));
              return FALSE;
            }
          if (response->status != EP_IMAP_STATUS_OK)
            {
              g_autofree char *what = g_strdup_printf (_("Signing in with %s"), mech);

              set_refusal_error (response, EP_IMAP_ERROR_AUTH_FAILED, what, error);
              if (ep_smtp_sasl_get_server_error (sasl) != NULL)
                g_prefix_error (error, "[%s] ", ep_smtp_sasl_get_server_error (sasl));
              return FALSE;
            }
          if (!ep_smtp_sasl_finish (sasl, NULL, 0, error))
            {
              ep_imap_error_from_transport (error);
              return FALSE;
            }
          return TRUE;
        }

      /* A continuation: the next challenge. */
      if (cancelled || rounds >= EP_SMTP_SASL_MAX_ROUNDS)
        {
          g_set_error_literal (error, EP_IMAP_ERROR, EP_IMAP_ERROR_PROTOCOL,
                               _("The server’s authentication exchange does not end"));
          return FALSE;
        }
      challenge = ep_base64_decode_strict (response->text != NULL ? response->text : "", -1,
                                           &challenge_len, NULL);
      if (challenge == NULL)
        {
          g_set_error_literal (&cancel_error, EP_IMAP_ERROR, EP_IMAP_ERROR_PROTOCOL,
                               _("The server’s authentication challenge is not valid base64"));
        }
      else if (held_initial != NULL && challenge_len == 0)
        reply = g_steal_pointer (&held_initial);
      else if (ep_smtp_sasl_step (sasl, challenge, challenge_len, &reply, &cancel_error) != EP_SMTP_SASL_CONTINUE)
        ep_imap_error_from_transport (&cancel_error);

      if (cancel_error != NULL)
        {
          /* RFC 3501 §6.2.2: "*" cancels; the server answers BAD. */
          cancelled = TRUE;
          if (!ep_smtp_connection_send_line (s->conn, "*", NULL, s->cancellable, NULL))
            {
              g_propagate_error (error, g_steal_pointer (&cancel_error));
              return FALSE;
            }
          continue;
        }

      b64 = encode_response (reply);
      if (!ep_smtp_connection_send_line (s->conn, b64, *b64 != '\0' ? EP_SMTP_TRANSCRIPT_REDACTED : NULL,
                                         s->cancellable, &cancel_error))
        {
          set_lost_error (s, error, g_steal_pointer (&cancel_error));
          return FALSE;
        }
      explicit_bzero (b64, strlen (b64));
    }
}

static gboolean
authenticate (Session *s,
              GError **error)
{
  const EpImapConfig *c = s->config;
  g_autoptr(EpSmtpSasl) sasl = NULL;
  g_autoptr(GError) local_error = NULL;
  EpSmtpAuthMechanism mechanism;
  const char *secret;
  guint caps_updates = s->caps_updates;
  gboolean ok;

  if (s->authenticated || !ep_imap_config_has_credentials (c))
    return TRUE;

  if (!ep_smtp_connection_is_encrypted (s->conn))
    {
      g_set_error_literal (error, EP_IMAP_ERROR, EP_IMAP_ERROR_CLEARTEXT_AUTH,
                           _("Refusing to send credentials over an unencrypted connection"));
      return FALSE;
    }

  if (!choose_mechanism (s, &mechanism, error))
    return FALSE;

  if (mechanism == EP_SMTP_AUTH_NONE)
    {
      info (s, "signing in as %s with the LOGIN command", c->username);
      if (!login_command (s, error))
        return FALSE;
      s->result->auth_mechanism = g_strdup ("LOGIN command");
    }
  else
    {
      secret = ep_smtp_auth_mechanism_uses_token (mechanism)
               ? (c->oauth_token != NULL ? c->oauth_token : c->password) : c->password;
      if (secret == NULL)
        {
          g_set_error (error, EP_IMAP_ERROR, EP_IMAP_ERROR_INVALID_CONFIG,
                       _("No password or token for %s"), ep_smtp_auth_mechanism_to_string (mechanism));
          return FALSE;
        }
      sasl = ep_smtp_sasl_new (mechanism, c->username, secret, &local_error);
      if (sasl == NULL)
        {
          ep_imap_error_from_transport (&local_error);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      info (s, "signing in as %s with %s", c->username, ep_smtp_auth_mechanism_to_string (mechanism));
      s->redact_continuations = TRUE;
      ok = sasl_exchange (s, sasl, error);
      s->redact_continuations = FALSE;
      if (!ok)
        return FALSE;
      s->result->auth_mechanism = g_strdup (ep_smtp_auth_mechanism_to_string (mechanism));
    }
  s->authenticated = TRUE;

  /* Capabilities may change with the sign-in (RFC 3501 §6.2.2); a [CAPABILITY] code with the
   * OK has already told us, otherwise ask. */
  if (s->caps_updates != caps_updates)
    {
      store_caps (s);
      return TRUE;
    }
  return capability (s, error);
}

static gboolean
session_open (Session *s,
              GError **error)
{
  const EpImapConfig *c = s->config;
  g_autoptr(GError) local_error = NULL;

  if (!ep_imap_config_validate (c, error))
    return FALSE;

  step_to (s, EP_IMAP_CHECK_STEP_CONNECT, EP_SMTP_TEST_STATUS_OK, NULL);
  s->conn = ep_smtp_connection_new (s->transcript, ep_imap_config_get_timeout (c));
  if (!ep_smtp_connection_connect (s->conn, c->host, ep_imap_config_get_port (c), s->cancellable, &local_error))
    {
      ep_imap_error_from_transport (&local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (c->security == EP_SMTP_SECURITY_TLS)
    {
      step_to (s, EP_IMAP_CHECK_STEP_TLS, EP_SMTP_TEST_STATUS_OK, NULL);
      if (!start_tls (s, error))
        return FALSE;
      step_to (s, EP_IMAP_CHECK_STEP_GREETING, EP_SMTP_TEST_STATUS_OK, s->tls_detail);
    }
  else
    step_to (s, EP_IMAP_CHECK_STEP_GREETING, EP_SMTP_TEST_STATUS_OK, NULL);
  if (!greeting (s, error))
    return FALSE;
  if (g_hash_table_size (s->caps) == 0 || c->security == EP_SMTP_SECURITY_STARTTLS)
    {
      /* Before STARTTLS, only to see that it is offered: the list is asked again after it. */
      if (!capability (s, error))
        return FALSE;
    }
  else
    store_caps (s);
  if (c->security == EP_SMTP_SECURITY_STARTTLS)
    {
      step_to (s, EP_IMAP_CHECK_STEP_TLS, EP_SMTP_TEST_STATUS_OK, NULL);
      if (!starttls (s, error))
        return FALSE;
    }
  else if (c->security == EP_SMTP_SECURITY_NONE)
    {
      step_to (s, -1, EP_SMTP_TEST_STATUS_OK, NULL);
      step_skip (s, EP_IMAP_CHECK_STEP_TLS);
    }
  if (s->authenticated || !ep_imap_config_has_credentials (c))
    {
      step_to (s, -1, EP_SMTP_TEST_STATUS_OK, s->tls_detail);
      step_skip (s, EP_IMAP_CHECK_STEP_AUTH);
      return TRUE;
    }
  step_to (s, EP_IMAP_CHECK_STEP_AUTH, EP_SMTP_TEST_STATUS_OK, s->tls_detail);
  if (!authenticate (s, error))
    return FALSE;
  step_to (s, -1, EP_SMTP_TEST_STATUS_OK, s->result->auth_mechanism);
  return TRUE;
}

static void
session_logout (Session *s)
{
  g_autofree char *tag = NULL;

  if (s->conn == NULL || ep_smtp_connection_is_closed (s->conn) || s->bye != NULL)
    return;

  tag = new_tag (s);
  if (send_command (s, tag, "LOGOUT", NULL, NULL))
    {
      gint64 end = g_get_monotonic_time () + EP_IMAP_LOGOUT_TIMEOUT_MS * 1000;

      for (;;)
        {
          g_autoptr(EpImapResponse) response = NULL;
          gint64 left = end - g_get_monotonic_time ();

          if (left <= 0)
            break;
          response = read_response (s, MAX (1, left / 1000), NULL);
          if (response == NULL || response->kind == EP_IMAP_RESPONSE_TAGGED)
            break;
        }
    }
  ep_smtp_connection_close (s->conn);
}

/* ---- the Sent folder ------------------------------------------------------------------------- */

typedef struct {
  GPtrArray *sent;       /* names with \Sent */
  GPtrArray *all;        /* every selectable name */
  char       delimiter;
  guint      count;
} ListData;

static gboolean
list_item_has_flag (const EpImapItem *flags,
                    const char       *flag)
{
  for (guint i = 0; i < flags->children->len; i++)
    {
      const EpImapItem *item = g_ptr_array_index (flags->children, i);

      if (item->kind == EP_IMAP_ITEM_ATOM && g_ascii_strcasecmp (item->text, flag) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
on_list (Session        *s,
         EpImapResponse *response,
         gpointer        user_data,
         GError        **error)
{
  ListData *data = user_data;
  const EpImapItem *flags, *delimiter, *name;

  if (!ep_imap_response_is (response, "LIST"))
    return TRUE;

  /* RFC 3501 §7.2.2: LIST (attributes) delimiter name [extended data, RFC 5258]. */
  flags = ep_imap_response_get_item (response, 1);
  delimiter = ep_imap_response_get_item (response, 2);
  name = ep_imap_response_get_item (response, 3);
  if (flags == NULL || flags->kind != EP_IMAP_ITEM_LIST || delimiter == NULL
      || (delimiter->kind != EP_IMAP_ITEM_NIL && (delimiter->kind != EP_IMAP_ITEM_STRING || delimiter->len != 1))
      || name == NULL || (name->kind != EP_IMAP_ITEM_ATOM && name->kind != EP_IMAP_ITEM_STRING)
      || name->len == 0)
    {
      g_set_error_literal (error, EP_IMAP_ERROR, EP_IMAP_ERROR_PROTOCOL,
                           _("The server’s list of folders is malformed"));
      return FALSE;
    }
  if (++data->count > EP_IMAP_MAILBOXES_MAX)
    {
      g_set_error (error, EP_IMAP_ERROR, EP_IMAP_ERROR_PROTOCOL,
                   _("The server lists more than %u folders"), EP_IMAP_MAILBOXES_MAX);
      return FALSE;
    }
  if (list_item_has_flag (flags, "\\Noselect") || list_item_has_flag (flags, "\\NonExistent"))
    return TRUE;
  /* We send names back as quoted strings: one we could not send is no candidate. */
  if (!ep_text_is_printable_ascii (name->text, name->len))
    return TRUE;

  if (delimiter->kind == EP_IMAP_ITEM_STRING && data->delimiter == '\0')
    data->delimiter = delimiter->text[0];
  if (list_item_has_flag (flags, "\\Sent"))
    g_ptr_array_add (data->sent, g_strdup (name->text));
  g_ptr_array_add (data->all, g_strdup (name->text));
  return TRUE;
}

static gboolean
is_fallback_name (const char *name,
                  char        delimiter)
{
  static const char * const names[] = { "Sent", "Sent Messages", "Sent Items" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_str_equal (name, names[i]))
      return TRUE;
  /* "INBOX.Sent" (Courier, Cyrus): INBOX is case-insensitive (RFC 3501 §5.1), the delimiter is
   * the server's. */
  return delimiter != '\0' && g_ascii_strncasecmp (name, "INBOX", 5) == 0 && name[5] == delimiter
         && g_str_equal (name + 6, "Sent");
}

static gboolean
choose_from (Session   *s,
             GPtrArray *candidates,
             GError   **error)
{
  if (candidates->len == 1)
    {
      s->result->mailbox = g_strdup (g_ptr_array_index (candidates, 0));
      return TRUE;
    }
  g_strfreev (s->result->candidates);
  s->result->candidates = g_new0 (char *, candidates->len + 1);
  for (guint i = 0; i < candidates->len; i++)
    s->result->candidates[i] = g_strdup (g_ptr_array_index (candidates, i));
  {
    g_autoptr(GString) names = g_string_new (NULL);

    for (guint i = 0; s->result->candidates[i] != NULL; i++)
      {
        g_autofree char *shown = ep_imap_mailbox_dup_display_name (s->result->candidates[i]);

        g_string_append_printf (names, "%s“%s”", i > 0 ? ", " : "", shown);
      }
    g_set_error (error, EP_IMAP_ERROR, EP_IMAP_ERROR_SENT_FOLDER_AMBIGUOUS,
                 _("Several folders could be the Sent folder (%s): choose one"), names->str);
  }
  return FALSE;
}

static gboolean
find_sent (Session *s,
           GError **error)
{
  g_autoptr(GPtrArray) sent = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) fallback = g_ptr_array_new ();
  ListData data = { sent, all, '\0', 0 };
  const char *command;

  if (s->config->sent_mailbox != NULL)
    {
      s->result->mailbox = g_strdup (s->config->sent_mailbox);
      return TRUE;
    }

  /* RFC 6154 §5.2 with RFC 5258: ask for the special-use attributes; without those extensions a
   * server may still mark \Sent in a plain LIST. */
  command = has_cap (s, "SPECIAL-USE") && has_cap (s, "LIST-EXTENDED")
            ? "LIST \"\" \"*\" RETURN (SPECIAL-USE)" : "LIST \"\" \"*\"";
  if (!run_command (s, command, NULL, on_list, &data, _("Listing the folders"), NULL, error))
    return FALSE;

  if (sent->len > 0)
    return choose_from (s, sent, error);

  for (guint i = 0; i < all->len; i++)
    if (is_fallback_name (g_ptr_array_index (all, i), data.delimiter))
      g_ptr_array_add (fallback, g_ptr_array_index (all, i));
  if (fallback->len > 0)
    return choose_from (s, fallback, error);

  g_set_error_literal (error, EP_IMAP_ERROR, EP_IMAP_ERROR_NO_SENT_FOLDER,
                       _("The server has no Sent folder (no folder is marked as one, and none has a usual name)"));
  return FALSE;
}

/* ---- the duplicate check --------------------------------------------------------------------- */

static gboolean
on_search (Session        *s,
           EpImapResponse *response,
           gpointer        user_data,
           GError        **error)
{
  if (!ep_imap_response_is (response, "SEARCH"))
    return TRUE;
  for (guint i = 1; i < response->items->len; i++)
    {
      guint32 uid;

      if (!ep_imap_item_get_number (g_ptr_array_index (response->items, i), &uid) || uid == 0)
        {
          g_set_error_literal (error, EP_IMAP_ERROR, EP_IMAP_ERROR_PROTOCOL,
                               _("The server’s search result is malformed"));
          return FALSE;
        }
      g_ptr_array_add (s->search, GUINT_TO_POINTER (uid));
    }
  return TRUE;
}

static gboolean
on_examine (Session        *s,
            EpImapResponse *response,
            gpointer        user_data,
            GError        **error)
{
  /* "* OK [UIDVALIDITY n]" (RFC 3501 §7.1). */
  if (response->status == EP_IMAP_STATUS_OK && g_strcmp0 (response->code, "UIDVALIDITY") == 0
      && response->code_args != NULL)
    {
      guint64 value = g_ascii_strtoull (response->code_args, NULL, 10);

      s->uidvalidity = value <= G_MAXUINT32 ? (guint32) value : 0;
    }
  return TRUE;
}

/* TRUE with result->duplicate set when the folder already holds @message_id. */
static gboolean
find_duplicate (Session    *s,
                const char *message_id,
                GError    **error)
{
  g_autofree char *mailbox = quote (s->result->mailbox);
  g_autofree char *id = NULL;
  g_autofree char *command = NULL;
  g_autofree char *what = NULL;

  if (strlen (message_id) > MESSAGE_ID_MAX || (id = quote (message_id)) == NULL)
    {
      info (s, "the Message-ID cannot be searched for: no duplicate check");
      return TRUE;
    }

  what = g_strdup_printf (_("Opening “%s”"), s->result->mailbox);
  command = g_strdup_printf ("EXAMINE %s", mailbox);
  if (!run_command (s, command, NULL, on_examine, NULL, what, NULL, error))
    return FALSE;

  g_clear_pointer (&what, g_free);
  g_clear_pointer (&command, g_free);
  s->search = g_ptr_array_new ();
  what = g_strdup_printf (_("Searching “%s”"), s->result->mailbox);
  command = g_strdup_printf ("UID SEARCH HEADER Message-ID %s", id);
  if (!run_command (s, command, NULL, on_search, NULL, what, NULL, error))
    return FALSE;

  if (s->search->len > 0)
    {
      s->result->duplicate = TRUE;
      s->result->uid = GPOINTER_TO_UINT (g_ptr_array_index (s->search, 0));
      s->result->uidvalidity = s->uidvalidity;
      info (s, "a copy is already in %s (UID %u): not uploaded again", s->result->mailbox, s->result->uid);
    }
  return TRUE;
}

/* ---- APPEND ---------------------------------------------------------------------------------- */

/* Copies exactly @size octets of @message to the connection. */
static gboolean
send_literal (Session      *s,
              GInputStream *message,
              guint64       size,
              GError      **error)
{
  GOutputStream *out = ep_smtp_connection_get_output_stream (s->conn);
  g_autofree char *chunk = g_malloc (COPY_CHUNK);
  g_autoptr(GError) local_error = NULL;
  guint64 left = size;
  gssize n;

  while (left > 0)
    {
      n = g_input_stream_read (message, chunk, MIN ((guint64) COPY_CHUNK, left), s->cancellable, &local_error);
      if (n < 0)
        {
          ep_smtp_connection_abort (s->conn);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (n == 0)
        {
          /* The server waits for the rest of the literal: nothing we could send now would
           * make the framing right, so the connection goes and nothing is stored. */
          ep_smtp_connection_abort (s->conn);
          g_set_error_literal (error, EP_IMAP_ERROR, EP_IMAP_ERROR_INVALID_CONFIG,
                               _("The message is shorter than its stated size"));
          return FALSE;
        }
      if (!g_output_stream_write_all (out, chunk, n, NULL, s->cancellable, &local_error))
        {
          ep_smtp_connection_map_io_error (s->conn, &local_error, _("sending the message"));
          set_lost_error (s, error, g_steal_pointer (&local_error));
          return FALSE;
        }
      left -= n;
    }

  n = g_input_stream_read (message, chunk, 1, s->cancellable, &local_error);
  if (n != 0)
    {
      ep_smtp_connection_abort (s->conn);
      if (n < 0)
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error_literal (error, EP_IMAP_ERROR, EP_IMAP_ERROR_INVALID_CONFIG,
                             _("The message is longer than its stated size"));
      return FALSE;
    }

  /* The CRLF that ends the APPEND command after its literal. */
  if (!g_output_stream_write_all (out, "\r\n", 2, NULL, s->cancellable, &local_error)
      || !g_output_stream_flush (out, s->cancellable, &local_error))
    {
      ep_smtp_connection_map_io_error (s->conn, &local_error, _("sending the message"));
      set_lost_error (s, error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

static gboolean
append (Session      *s,
        GInputStream *message,
        guint64       size,
        GDateTime    *date,
        GError      **error)
{
  g_autofree char *mailbox = quote (s->result->mailbox);
  g_autofree char *date_time = NULL;
  g_autofree char *command = NULL;
  g_autofree char *tag = new_tag (s);
  g_autofree char *what = g_strdup_printf (_("Uploading to “%s”"), s->result->mailbox);
  g_autoptr(EpImapResponse) tagged = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GError) local_error = NULL;
  GHashTableIter iter;
  gpointer key;
  gboolean non_sync;

  if (mailbox == NULL)
    {
      g_set_error_literal (error, EP_IMAP_ERROR, EP_IMAP_ERROR_INVALID_CONFIG,
                           _("The Sent folder name must be printable ASCII, as the server lists it"));
      return FALSE;
    }

  /* RFC 7889: the server says how much it takes; do not send what it would refuse. */
  g_hash_table_iter_init (&iter, s->caps);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      guint64 limit;

      if (!g_str_has_prefix (key, "APPENDLIMIT="))
        continue;
      limit = g_ascii_strtoull ((const char *) key + strlen ("APPENDLIMIT="), NULL, 10);
      if (limit > 0 && size > limit)
        {
          g_autofree char *octets = g_strdup_printf ("%" G_GUINT64_FORMAT, size);
          g_autofree char *most = g_strdup_printf ("%" G_GUINT64_FORMAT, limit);

          /* Translators: "The message (20480 octets) is larger than the server accepts (10240)" */
          g_set_error (error, EP_IMAP_ERROR, EP_IMAP_ERROR_MESSAGE_TOO_BIG,
                       _("The message (%s octets) is larger than the server accepts (%s)"), octets, most);
          return FALSE;
        }
    }

  if (date == NULL)
    date = now = g_date_time_new_now_local ();
  date_time = ep_imap_format_date_time (date);

  non_sync = has_cap (s, "LITERAL+") || (has_cap (s, "LITERAL-") && size <= EP_IMAP_LITERAL_MINUS_MAX);
  command = g_strdup_printf ("APPEND %s (\\Seen) \"%s\" {%" G_GUINT64_FORMAT "%s}", mailbox, date_time,
                             size, non_sync ? "+" : "");
  if (!send_command (s, tag, command, NULL, error))
    return FALSE;

  if (!non_sync)
    {
      /* Wait for "+" (RFC 3501 §7.5); a tagged answer instead is a refusal before any octet
       * of the message left. */
      for (guint n = 0; ; n++)
        {
          g_autoptr(EpImapResponse) response = read_response (s, 0, error);

          if (response == NULL)
            return FALSE;
          if (response->kind == EP_IMAP_RESPONSE_CONTINUATION)
            break;
          if (response->kind == EP_IMAP_RESPONSE_TAGGED)
            {
              if (!g_str_equal (response->tag, tag) || response->status == EP_IMAP_STATUS_OK)
                g_set_error_literal (error, EP_IMAP_ERROR, EP_IMAP_ERROR_PROTOCOL,
                                     _("The server answered the upload before receiving the message"));
              else
                set_refusal_error (response, EP_IMAP_ERROR_REFUSED, what, error);
              return FALSE;
            }
          if (n > EP_IMAP_UNTAGGED_MAX)
            {
              g_set_error (error, EP_IMAP_ERROR, EP_IMAP_ERROR_PROTOCOL,
                           _("The server sent more than %u responses to one command"), EP_IMAP_UNTAGGED_MAX);
              return FALSE;
            }
        }
    }

  info (s, "message: %" G_GUINT64_FORMAT " octets", size);
  if (!send_literal (s, message, size, error))
    return FALSE;

  /* From here on the server has the whole message: without its answer, it may have stored it. */
  tagged = read_until_tagged (s, tag, NULL, NULL, &local_error);
  if (tagged == NULL)
    {
      if (local_error->domain == EP_IMAP_ERROR
          && (local_error->code == EP_IMAP_ERROR_CONNECTION_LOST || local_error->code == EP_IMAP_ERROR_TIMEOUT
              || local_error->code == EP_IMAP_ERROR_SERVICE_UNAVAILABLE))
        {
          g_set_error (error, EP_IMAP_ERROR, EP_IMAP_ERROR_UPLOAD_UNKNOWN,
                       _("The copy may or may not be in “%s”: %s"), s->result->mailbox, local_error->message);
          return FALSE;
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (tagged->status != EP_IMAP_STATUS_OK)
    {
      set_refusal_error (tagged, EP_IMAP_ERROR_REFUSED, what, error);
      return FALSE;
    }

  s->result->uploaded = TRUE;
  /* RFC 4315 §3: [APPENDUID uidvalidity uid]. */
  if (g_strcmp0 (tagged->code, "APPENDUID") == 0 && tagged->code_args != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (tagged->code_args, " ", -1);
      guint64 validity, uid;
      char *end1 = NULL, *end2 = NULL;

      if (g_strv_length (parts) == 2)
        {
          validity = g_ascii_strtoull (parts[0], &end1, 10);
          uid = g_ascii_strtoull (parts[1], &end2, 10);
          if (*parts[0] != '\0' && *end1 == '\0' && *parts[1] != '\0' && *end2 == '\0'
              && validity > 0 && validity <= G_MAXUINT32 && uid > 0 && uid <= G_MAXUINT32)
            {
              s->result->uidvalidity = (guint32) validity;
              s->result->uid = (guint32) uid;
            }
        }
    }
  info (s, "stored in %s%s", s->result->mailbox, s->result->uid != 0 ? " (APPENDUID)" : "");
  return TRUE;
}

/* ---- public API ------------------------------------------------------------------------------ */

static void
session_init (Session            *s,
              const EpImapConfig *config,
              EpSmtpTranscript   *transcript,
              GCancellable       *cancellable)
{
  memset (s, 0, sizeof *s);
  s->config = config;
  s->transcript = transcript != NULL ? g_object_ref (transcript) : ep_smtp_transcript_new ();
  s->parser = ep_imap_parser_new ();
  s->cancellable = cancellable;
  s->result = g_new0 (EpImapResult, 1);
  s->caps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  s->step = -1;
}

static gboolean
session_finish (Session       *s,
                gboolean       ok,
                GError       **error,
                EpImapResult **out_result)
{
  if (!ok && s->step >= 0)
    step_to (s, -1, EP_SMTP_TEST_STATUS_FAILED,
             error != NULL && *error != NULL ? (*error)->message : NULL);
  if (ok)
    {
      step_to (s, EP_IMAP_CHECK_STEP_LOGOUT, EP_SMTP_TEST_STATUS_OK, NULL);
      session_logout (s);
      step_to (s, -1, EP_SMTP_TEST_STATUS_OK, NULL);
    }
  if (out_result != NULL)
    *out_result = g_steal_pointer (&s->result);
  g_clear_pointer (&s->result, ep_imap_result_free);
  session_clear (s);
  return ok;
}

gboolean
ep_imap_check (const EpImapConfig *config,
               EpSmtpTranscript   *transcript,
               EpImapCheckStepFunc step_func,
               gpointer            step_data,
               EpImapResult      **out_result,
               GCancellable       *cancellable,
               GError            **error)
{
  g_autoptr(GError) local_error = NULL;
  Session s;
  gboolean ok;

  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (transcript == NULL || EP_IS_SMTP_TRANSCRIPT (transcript), FALSE);

  session_init (&s, config, transcript, cancellable);
  s.step_func = step_func;
  s.step_data = step_data;
  ok = session_open (&s, &local_error);
  if (ok)
    {
      step_to (&s, EP_IMAP_CHECK_STEP_SENT_FOLDER, EP_SMTP_TEST_STATUS_OK, NULL);
      ok = find_sent (&s, &local_error);
      if (ok)
        step_to (&s, -1, EP_SMTP_TEST_STATUS_OK, s.result->mailbox);
    }
  ok = session_finish (&s, ok, &local_error, out_result);
  if (!ok)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return ok;
}

gboolean
ep_imap_upload_sent (const EpImapConfig *config,
                     GInputStream       *message,
                     goffset             size,
                     GDateTime          *date,
                     const char         *message_id,
                     EpSmtpTranscript   *transcript,
                     EpImapResult      **out_result,
                     GCancellable       *cancellable,
                     GError            **error)
{
  Session s;
  gboolean ok;

  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (G_IS_INPUT_STREAM (message), FALSE);
  g_return_val_if_fail (transcript == NULL || EP_IS_SMTP_TRANSCRIPT (transcript), FALSE);

  if (size <= 0 || (guint64) size > EP_IMAP_APPEND_MAX)
    {
      g_autofree char *octets = g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) size);

      g_set_error (error, EP_IMAP_ERROR, EP_IMAP_ERROR_MESSAGE_TOO_BIG,
                   _("A message of %s octets cannot be uploaded"), octets);
      return FALSE;
    }

  session_init (&s, config, transcript, cancellable);
  ok = session_open (&s, error) && find_sent (&s, error);
  if (ok && message_id != NULL)
    ok = find_duplicate (&s, message_id, error);
  if (ok && !s.result->duplicate)
    ok = append (&s, message, (guint64) size, date, error);
  return session_finish (&s, ok, error, out_result);
}

gboolean
ep_imap_upload_sent_file (const EpImapConfig *config,
                          GFile              *file,
                          GDateTime          *date,
                          const char         *message_id,
                          EpSmtpTranscript   *transcript,
                          EpImapResult      **out_result,
                          GCancellable       *cancellable,
                          GError            **error)
{
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(GFileInfo) file_info = NULL;

  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  in = g_file_read (file, cancellable, error);
  if (in == NULL)
    return FALSE;
  file_info = g_file_input_stream_query_info (in, G_FILE_ATTRIBUTE_STANDARD_SIZE, cancellable, error);
  if (file_info == NULL)
    return FALSE;
  return ep_imap_upload_sent (config, G_INPUT_STREAM (in), g_file_info_get_size (file_info), date,
                              message_id, transcript, out_result, cancellable, error);
}
