/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp-session-envelope.c: the envelope of a submission: checked sender and recipient
 * addresses (A-label domains, duplicates dropped) and the size of raw input. */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "ep-smtp-limits.h"
#include "ep-smtp-path.h"
#include "ep-smtp-session-private.h"
#include "ep-text.h"

/* Validates an envelope address against the RFC 5321 path grammar (ep-smtp-path.h, the one the
 * Sandbox uses for MAIL and RCPT) and returns it with an A-label domain (RFC 5890), or NULL. The
 * grammar has no room for anything that could break out of "<…>" or the command line, so no
 * input can inject a command. */
static char *
envelope_address (const char *address,
                  gboolean    is_sender,
                  gboolean   *needs_smtputf8,
                  GError    **error)
{
  const char *at;
  g_autofree char *local = NULL;
  g_autofree char *domain = NULL;
  g_autofree char *ascii_domain = NULL;
  g_autofree char *result = NULL;

  if (address == NULL)
    goto invalid;

  /* The null reverse-path "<>" (RFC 5321 §4.5.5). */
  if (is_sender && *address == '\0')
    return g_strdup ("");
  if (!g_utf8_validate (address, -1, NULL) || ep_text_has_control (address, -1))
    goto invalid;

  /* The last "@": a quoted local part may hold one. Without one, the grammar below takes only
   * <Postmaster> as a recipient (RFC 5321 §4.1.1.3). */
  at = strrchr (address, '@');
  if (at == NULL)
    result = g_strdup (address);
  else
    {
      local = g_strndup (address, at - address);
      domain = g_strdup (at + 1);
      if (ep_text_is_ascii (domain, -1))
        ascii_domain = g_steal_pointer (&domain);
      else
        {
          ascii_domain = g_hostname_to_ascii (domain);
          if (ascii_domain == NULL)
            goto invalid;
        }
      result = g_strconcat (local, "@", ascii_domain, NULL);
    }
  if (strlen (result) > EP_SMTP_MAILBOX_MAX)
    {
      g_set_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_ADDRESS,
                   _("The address “%s” is longer than SMTP allows"), address);
      return NULL;
    }
  if (!(is_sender ? ep_smtp_reverse_path_is_valid (result) : ep_smtp_forward_path_is_valid (result)))
    goto invalid;

  if (local != NULL && !ep_text_is_ascii (local, -1))
    *needs_smtputf8 = TRUE;
  return g_steal_pointer (&result);

invalid:
  {
    g_autofree char *shown = g_strescape (address != NULL ? address : "", NULL);

    g_set_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_ADDRESS,
                 is_sender ? _("Invalid sender address “%s”") : _("Invalid recipient address “%s”"), shown);
    return NULL;
  }
}

/* Same mailbox: the local part is compared exactly (RFC 5321 §2.4), the domain without case. */
static gboolean
same_address (const char *a,
              const char *b)
{
  const char *at_a = strrchr (a, '@');
  const char *at_b = strrchr (b, '@');

  if (at_a == NULL || at_b == NULL || at_a - a != at_b - b)
    return g_strcmp0 (a, b) == 0;

  return strncmp (a, b, at_a - a) == 0 && g_ascii_strcasecmp (at_a, at_b) == 0;
}

gboolean
ep_smtp_envelope_build (const char          *sender,
                        const char * const  *rcpts,
                        char               **out_sender,
                        GStrv               *out_rcpts,
                        gboolean            *out_needs_smtputf8,
                        GError             **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *checked_sender = NULL;
  gboolean needs_smtputf8 = out_needs_smtputf8 != NULL && *out_needs_smtputf8;

  g_return_val_if_fail (out_sender != NULL && out_rcpts != NULL, FALSE);

  if (sender == NULL)
    {
      g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_ADDRESS, _("No sender address"));
      return FALSE;
    }
  checked_sender = envelope_address (sender, TRUE, &needs_smtputf8, error);
  if (checked_sender == NULL)
    return FALSE;

  for (guint i = 0; rcpts != NULL && rcpts[i] != NULL; i++)
    {
      char *address = envelope_address (rcpts[i], FALSE, &needs_smtputf8, error);
      gboolean duplicate = FALSE;

      if (address == NULL)
        return FALSE;
      for (guint j = 0; j < list->len && !duplicate; j++)
        duplicate = same_address (g_ptr_array_index (list, j), address);
      if (duplicate)
        g_free (address);
      else
        g_ptr_array_add (list, address);
    }

  if (list->len == 0)
    {
      g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_ADDRESS, _("No recipient address"));
      return FALSE;
    }

  g_ptr_array_add (list, NULL);
  *out_sender = g_steal_pointer (&checked_sender);
  *out_rcpts = (GStrv) g_ptr_array_steal (list, NULL);
  if (out_needs_smtputf8 != NULL)
    *out_needs_smtputf8 = needs_smtputf8;
  return TRUE;
}

gboolean
ep_smtp_session_prepare_envelope (Session            *s,
                                  const char         *sender_override,
                                  const char * const *rcpts_override,
                                  GError            **error)
{
  g_auto(GStrv) message_rcpts = NULL;
  g_auto(GStrv) checked = NULL;
  const char * const *rcpts;
  const char *sender;

  if (s->message != NULL)
    s->needs_smtputf8 = ep_message_needs_smtputf8 (s->message);

  sender = sender_override != NULL ? sender_override
                                   : (s->message != NULL ? ep_message_get_envelope_sender (s->message) : NULL);
  if (rcpts_override != NULL)
    rcpts = rcpts_override;
  else
    {
      if (s->message != NULL)
        message_rcpts = ep_message_dup_envelope_recipients (s->message);
      rcpts = (const char * const *) message_rcpts;
    }

  if (!ep_smtp_envelope_build (sender, rcpts, &s->sender, &checked, &s->needs_smtputf8, error))
    return FALSE;

  s->rcpts = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; checked[i] != NULL; i++)
    {
      g_ptr_array_add (s->rcpts, g_strdup (checked[i]));
      g_ptr_array_add (s->result->recipients, ep_smtp_recipient_result_new (checked[i]));
    }

  return TRUE;
}

guint64
ep_smtp_session_raw_size (GInputStream *raw)
{
  if (G_IS_FILE_INPUT_STREAM (raw))
    {
      g_autoptr(GFileInfo) file_info = g_file_input_stream_query_info (G_FILE_INPUT_STREAM (raw),
                                                                       G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                                                       NULL, NULL);
      if (file_info != NULL && g_file_info_has_attribute (file_info, G_FILE_ATTRIBUTE_STANDARD_SIZE))
        return (guint64) g_file_info_get_size (file_info);
    }
  else if (G_IS_SEEKABLE (raw) && g_seekable_can_seek (G_SEEKABLE (raw)))
    {
      goffset here = g_seekable_tell (G_SEEKABLE (raw));
      goffset end;

      if (g_seekable_seek (G_SEEKABLE (raw), 0, G_SEEK_END, NULL, NULL))
        {
          end = g_seekable_tell (G_SEEKABLE (raw));
          g_seekable_seek (G_SEEKABLE (raw), here, G_SEEK_SET, NULL, NULL);
          if (end > here)
            return (guint64) (end - here);
        }
    }

  return 0;
}

/* ---- Delivery status notifications ----------------------------------------------------------- */

static const struct {
  const char      *word;
  EpSmtpDsnNotify  flag;
} dsn_words[] = {
  { "SUCCESS", EP_SMTP_DSN_SUCCESS },
  { "FAILURE", EP_SMTP_DSN_FAILURE },
  { "DELAY", EP_SMTP_DSN_DELAY },
  { "NEVER", EP_SMTP_DSN_NEVER },
};

gboolean
ep_smtp_dsn_notify_parse (const char      *text,
                          EpSmtpDsnNotify *out_notify)
{
  g_auto(GStrv) words = NULL;
  EpSmtpDsnNotify notify = EP_SMTP_DSN_NONE;

  g_return_val_if_fail (out_notify != NULL, FALSE);

  if (text == NULL || *text == '\0')
    return FALSE;

  words = g_strsplit (text, ",", -1);
  for (guint i = 0; words[i] != NULL; i++)
    {
      g_autofree char *word = g_strstrip (g_strdup (words[i]));
      gboolean known = FALSE;

      for (guint k = 0; k < G_N_ELEMENTS (dsn_words) && !known; k++)
        if (g_ascii_strcasecmp (word, dsn_words[k].word) == 0)
          {
            notify |= dsn_words[k].flag;
            known = TRUE;
          }
      if (!known)
        return FALSE;
    }

  /* RFC 3461 §4.1: NEVER "MUST NOT" be combined with the others. */
  if ((notify & EP_SMTP_DSN_NEVER) != 0 && notify != EP_SMTP_DSN_NEVER)
    return FALSE;

  *out_notify = notify;
  return TRUE;
}

char *
ep_smtp_dsn_notify_to_string (EpSmtpDsnNotify notify)
{
  g_autoptr(GString) out = NULL;

  if (notify == EP_SMTP_DSN_NONE)
    return NULL;
  if ((notify & EP_SMTP_DSN_NEVER) != 0)
    return g_strdup ("NEVER");

  out = g_string_new (NULL);
  for (guint k = 0; k < G_N_ELEMENTS (dsn_words); k++)
    if (dsn_words[k].flag != EP_SMTP_DSN_NEVER && (notify & dsn_words[k].flag) != 0)
      g_string_append_printf (out, "%s%s", out->len > 0 ? "," : "", dsn_words[k].word);

  return g_string_free (g_steal_pointer (&out), FALSE);
}

char *
ep_smtp_xtext_encode (const char *text)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (text != NULL, NULL);

  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    {
      if (*p >= '!' && *p <= '~' && *p != '+' && *p != '=')
        g_string_append_c (out, (char) *p);
      else
        g_string_append_printf (out, "+%02X", *p);
    }

  return g_string_free (out, FALSE);
}
