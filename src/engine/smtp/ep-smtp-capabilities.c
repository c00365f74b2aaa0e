/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp-capabilities.c: EHLO keywords to flags, the AUTH mechanism list and the SIZE limit. */
#include "config.h"

#include <string.h>

#include "ep-smtp-capabilities.h"

/* RFC 1870 §4: SIZE's parameter is a decimal count of octets; more than 20 digits cannot be a 64-bit
 * number, so such a value is treated as "no limit announced". */
#define SIZE_MAX_DIGITS 20

static const struct {
  const char    *keyword;
  EpSmtpCapFlags flag;
} keyword_flags[] = {
  { "STARTTLS", EP_SMTP_CAP_STARTTLS },
  { "AUTH", EP_SMTP_CAP_AUTH },
  { "SIZE", EP_SMTP_CAP_SIZE },
  { "PIPELINING", EP_SMTP_CAP_PIPELINING },
  { "CHUNKING", EP_SMTP_CAP_CHUNKING },
  { "8BITMIME", EP_SMTP_CAP_8BITMIME },
  { "SMTPUTF8", EP_SMTP_CAP_SMTPUTF8 },
  { "ENHANCEDSTATUSCODES", EP_SMTP_CAP_ENHANCEDSTATUSCODES },
  { "DSN", EP_SMTP_CAP_DSN },
  { "FUTURERELEASE", EP_SMTP_CAP_FUTURERELEASE },
  { "REQUIRETLS", EP_SMTP_CAP_REQUIRETLS },
};

G_DEFINE_BOXED_TYPE (EpSmtpCapabilities, ep_smtp_capabilities,
                     ep_smtp_capabilities_copy, ep_smtp_capabilities_free)

EpSmtpCapabilities *
ep_smtp_capabilities_new (void)
{
  EpSmtpCapabilities *self = g_new0 (EpSmtpCapabilities, 1);

  self->auth_mechs = g_new0 (char *, 1);

  return self;
}

EpSmtpCapabilities *
ep_smtp_capabilities_copy (const EpSmtpCapabilities *self)
{
  EpSmtpCapabilities *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_memdup2 (self, sizeof *self);
  copy->auth_mechs = g_strdupv (self->auth_mechs);
  copy->domain = g_strdup (self->domain);

  return copy;
}

void
ep_smtp_capabilities_free (EpSmtpCapabilities *self)
{
  if (self == NULL)
    return;

  g_strfreev (self->auth_mechs);
  g_free (self->domain);
  g_free (self);
}

static void
add_auth_mechanisms (GPtrArray  *mechs,
                     char      **words)
{
  for (guint i = 0; words[i] != NULL; i++)
    {
      g_autofree char *upper = NULL;
      gboolean seen = FALSE;

      if (*words[i] == '\0')
        continue;

      upper = g_ascii_strup (words[i], -1);
      for (guint j = 0; j < mechs->len && !seen; j++)
        seen = g_str_equal (g_ptr_array_index (mechs, j), upper);
      if (!seen)
        g_ptr_array_add (mechs, g_steal_pointer (&upper));
    }
}

static guint64
parse_size (const char *param)
{
  guint64 value = 0;

  if (param == NULL || *param == '\0' || strlen (param) > SIZE_MAX_DIGITS)
    return 0;

  if (!g_ascii_string_to_unsigned (param, 10, 0, G_MAXUINT64, &value, NULL))
    return 0;

  return value;
}

EpSmtpCapabilities *
ep_smtp_capabilities_new_from_ehlo (const EpSmtpReply *reply)
{
  g_autoptr(EpSmtpCapabilities) self = ep_smtp_capabilities_new ();
  g_autoptr(GPtrArray) mechs = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (reply != NULL, NULL);

  self->esmtp = TRUE;

  if (reply->lines[0] != NULL)
    {
      const char *first = reply->lines[0];
      const char *space = strchr (first, ' ');

      self->domain = space != NULL ? g_strndup (first, space - first) : g_strdup (first);
    }

  /* The first line greets; every further line is "keyword [params]" (RFC 5321 §4.1.1.1). */
  for (guint i = 1; reply->lines[0] != NULL && reply->lines[i] != NULL; i++)
    {
      g_auto(GStrv) words = g_strsplit (reply->lines[i], " ", -1);
      const char *keyword = words[0];

      if (keyword == NULL || *keyword == '\0')
        continue;

      /* "AUTH=PLAIN LOGIN" from servers that still talk to pre-RFC 2554 clients. */
      if (g_ascii_strncasecmp (keyword, "AUTH=", 5) == 0)
        {
          g_auto(GStrv) first_mech = g_strsplit (keyword + 5, " ", 2);

          self->flags |= EP_SMTP_CAP_AUTH;
          add_auth_mechanisms (mechs, first_mech);
          add_auth_mechanisms (mechs, words + 1);
          continue;
        }

      for (guint k = 0; k < G_N_ELEMENTS (keyword_flags); k++)
        {
          if (g_ascii_strcasecmp (keyword, keyword_flags[k].keyword) != 0)
            continue;

          self->flags |= keyword_flags[k].flag;
          if (keyword_flags[k].flag == EP_SMTP_CAP_AUTH)
            add_auth_mechanisms (mechs, words + 1);
          else if (keyword_flags[k].flag == EP_SMTP_CAP_SIZE)
            self->size_max = parse_size (words[1]);
          else if (keyword_flags[k].flag == EP_SMTP_CAP_FUTURERELEASE && words[1] != NULL)
            {
              g_autoptr(GDateTime) latest = NULL;

              /* RFC 4865 §3: "FUTURERELEASE max-interval max-date-time". */
              self->future_release_max_interval = parse_size (words[1]);
              latest = words[2] != NULL ? g_date_time_new_from_iso8601 (words[2], NULL) : NULL;
              self->future_release_max_date = latest != NULL ? g_date_time_to_unix (latest) : 0;
            }
          break;
        }
    }

  g_ptr_array_add (mechs, NULL);
  g_strfreev (self->auth_mechs);
  self->auth_mechs = (GStrv) g_ptr_array_free (g_steal_pointer (&mechs), FALSE);

  return g_steal_pointer (&self);
}

gboolean
ep_smtp_future_release_allows (guint64    max_interval,
                               gint64     max_date,
                               GDateTime *until,
                               GDateTime *now)
{
  GTimeSpan ahead;

  g_return_val_if_fail (until != NULL, FALSE);
  g_return_val_if_fail (now != NULL, FALSE);

  ahead = g_date_time_difference (until, now);
  if (max_interval > 0
      && ahead > (GTimeSpan) MIN (max_interval, (guint64) G_MAXINT64 / G_TIME_SPAN_SECOND)
                   * G_TIME_SPAN_SECOND)
    return FALSE;
  if (max_date > 0 && g_date_time_to_unix (until) > max_date)
    return FALSE;
  return TRUE;
}

gboolean
ep_smtp_capabilities_has_auth (const EpSmtpCapabilities *self,
                               EpSmtpAuthMechanism       mechanism)
{
  const char *name;

  g_return_val_if_fail (self != NULL, FALSE);

  if (mechanism == EP_SMTP_AUTH_AUTO || mechanism == EP_SMTP_AUTH_NONE)
    return FALSE;
  if (!ep_smtp_capabilities_has (self, EP_SMTP_CAP_AUTH))
    return FALSE;

  name = ep_smtp_auth_mechanism_to_string (mechanism);
  return g_strv_contains ((const char * const *) self->auth_mechs, name);
}

char *
ep_smtp_capabilities_to_string (const EpSmtpCapabilities *self)
{
  g_autoptr(GString) out = g_string_new (NULL);

  g_return_val_if_fail (self != NULL, NULL);

  for (guint k = 0; k < G_N_ELEMENTS (keyword_flags); k++)
    {
      if (!ep_smtp_capabilities_has (self, keyword_flags[k].flag))
        continue;

      if (out->len > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, keyword_flags[k].keyword);

      if (keyword_flags[k].flag == EP_SMTP_CAP_SIZE && self->size_max > 0)
        g_string_append_printf (out, "=%" G_GUINT64_FORMAT, self->size_max);
      else if (keyword_flags[k].flag == EP_SMTP_CAP_AUTH && self->auth_mechs[0] != NULL)
        {
          g_autofree char *list = g_strjoinv (",", self->auth_mechs);
          g_string_append_printf (out, "=%s", list);
        }
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}
