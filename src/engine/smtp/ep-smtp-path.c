/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp-path.c: the RFC 5321 path grammar (§4.1.2, with RFC 6531's UTF-8). */
#include "config.h"

#include "ep-smtp-path.h"

#include <gio/gio.h>
#include <string.h>

#include "ep-smtp-limits.h"
#include "ep-text.h"

/* atext (RFC 5321 §4.1.2 by way of RFC 5322 §3.2.3), and UTF8-non-ascii (RFC 6531 §3.3). */
static gboolean
is_atext (guchar c)
{
  return g_ascii_isalnum (c) || c >= 0x80 || (c != '\0' && strchr ("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* address-literal = "[" ( IPv4-address-literal / IPv6-address-literal ) "]" */
static gboolean
address_literal_is_valid (const char *domain,
                          gsize       length)
{
  g_autofree char *literal = NULL;
  g_autoptr(GInetAddress) address = NULL;
  const char *text;
  GSocketFamily family = G_SOCKET_FAMILY_IPV4;

  if (length < 3 || domain[length - 1] != ']')
    return FALSE;
  literal = g_strndup (domain + 1, length - 2);
  text = literal;
  if (g_ascii_strncasecmp (literal, "IPv6:", 5) == 0)
    {
      text = literal + 5;
      family = G_SOCKET_FAMILY_IPV6;
    }
  /* GLib takes a zone ("%eth0") that the grammar has no room for. */
  if (strchr (text, '%') != NULL)
    return FALSE;
  address = g_inet_address_new_from_string (text);
  return address != NULL && g_inet_address_get_family (address) == family;
}

/* Domain = sub-domain *("." sub-domain); a sub-domain is letters and digits (and UTF-8, RFC 6531
 * §3.3) with hyphens inside; or an address literal. */
static gboolean
domain_is_valid (const char *domain,
                 gsize       length)
{
  gsize label = 0;

  if (length == 0 || length > EP_SMTP_DOMAIN_MAX)
    return FALSE;

  if (domain[0] == '[')
    return address_literal_is_valid (domain, length);

  for (gsize i = 0; i < length; i++)
    {
      guchar c = (guchar) domain[i];

      if (c == '.')
        {
          if (label == 0 || domain[i - 1] == '-')
            return FALSE;
          label = 0;
        }
      else if (g_ascii_isalnum (c) || c >= 0x80 || (c == '-' && label > 0))
        {
          if (++label > EP_DNS_LABEL_MAX)
            return FALSE;
        }
      else
        return FALSE;
    }
  return label > 0 && domain[length - 1] != '-';
}

/* The length of the local part at the start of @mailbox (a Quoted-string with its quotes, or a
 * Dot-string), or 0 when it is not one. */
static gsize
local_part_length (const char *mailbox,
                   gsize       length)
{
  gsize i = 0;

  if (mailbox[0] == '"')
    {
      /* qtextSMTP and quoted-pairSMTP: printable ASCII (and UTF-8) inside, a backslash only
       * before a printable ASCII character. */
      for (i = 1; i < length && mailbox[i] != '"'; i++)
        {
          guchar c = (guchar) mailbox[i];

          if (c == '\\')
            {
              i++;
              if (i >= length || (guchar) mailbox[i] < 0x20 || (guchar) mailbox[i] > 0x7e)
                return 0;
            }
          else if (ep_text_octet_is_control (c))
            return 0;
        }
      if (i >= length)
        return 0;
      return i + 1;   /* the closing quote */
    }

  for (; i < length && mailbox[i] != '@'; i++)
    {
      if (mailbox[i] == '.')
        {
          if (i == 0 || mailbox[i - 1] == '.' || i + 1 == length || mailbox[i + 1] == '@')
            return 0;
        }
      else if (!is_atext ((guchar) mailbox[i]))
        return 0;
    }
  return i;
}

gboolean
ep_smtp_mailbox_is_valid (const char *mailbox)
{
  gsize length, local;

  g_return_val_if_fail (mailbox != NULL, FALSE);

  length = strlen (mailbox);
  if (length == 0 || length > EP_SMTP_MAILBOX_MAX || !g_utf8_validate (mailbox, (gssize) length, NULL))
    return FALSE;

  local = local_part_length (mailbox, length);
  if (local == 0 || local > EP_SMTP_LOCAL_PART_MAX || local >= length || mailbox[local] != '@')
    return FALSE;
  return domain_is_valid (mailbox + local + 1, length - local - 1);
}

gboolean
ep_smtp_reverse_path_is_valid (const char *mailbox)
{
  g_return_val_if_fail (mailbox != NULL, FALSE);

  return *mailbox == '\0' || ep_smtp_mailbox_is_valid (mailbox);
}

gboolean
ep_smtp_forward_path_is_valid (const char *mailbox)
{
  g_return_val_if_fail (mailbox != NULL, FALSE);

  return g_ascii_strcasecmp (mailbox, "postmaster") == 0 || ep_smtp_mailbox_is_valid (mailbox);
}

gboolean
ep_smtp_path_split (const char   *text,
                    char        **out_mailbox,
                    const char  **out_params)
{
  const char *p = text;
  const char *end;
  gboolean quoted = FALSE;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (out_mailbox != NULL && out_params != NULL, FALSE);

  if (*p != '<')
    return FALSE;
  for (end = p + 1; *end != '\0'; end++)
    {
      if (quoted && *end == '\\' && end[1] != '\0')
        end++;
      else if (*end == '"')
        quoted = !quoted;
      else if (!quoted && *end == '>')
        break;
    }
  if (*end != '>' || (gsize) (end - p + 1) > EP_SMTP_PATH_MAX)
    return FALSE;
  /* One space, then parameters: nothing else may follow the path. */
  if (end[1] != '\0' && (end[1] != ' ' || end[2] == '\0'))
    return FALSE;

  p++;
  /* A source route, "@one,@two:" (RFC 5321 §4.1.2 A-d-l), is dropped. */
  if (*p == '@')
    {
      const char *colon = memchr (p, ':', (gsize) (end - p));

      if (colon == NULL)
        return FALSE;
      p = colon + 1;
    }
  *out_mailbox = g_strndup (p, (gsize) (end - p));
  *out_params = end[1] == ' ' ? end + 2 : end + 1;
  return TRUE;
}
