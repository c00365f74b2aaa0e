/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-profile-keyfile.c: one profile to and from its group in profiles.ini: the keys, their
 * spelling and the checks on what is read. The store (ep-profile-store.c) owns the file. */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>

#include "ep-enum.h"
#include "ep-identity-keyfile.h"
#include "ep-profile-keyfile.h"
#include "ep-store-error.h"
#include "ep-store-util.h"
#include "ep-text.h"

#define KEY_NAME           "name"
#define KEY_SENDER_NAME    "sender-name"
#define KEY_SENDER_ADDRESS "sender-address"
#define KEY_HOST           "host"
#define KEY_PORT           "port"
#define KEY_SECURITY       "security"
#define KEY_USERNAME       "username"
#define KEY_AUTH           "auth"
#define KEY_PINNED_SHA256  "pinned-sha256"
#define KEY_PINNED_HOST    "pinned-host"      /* the server the pin was trusted for */
#define KEY_PINNED_PORT    "pinned-port"
#define KEY_TIMEOUT        "timeout"
#define KEY_EHLO_NAME      "ehlo-name"
#define KEY_SIZE_LIMIT     "size-limit"
/* What the server said about FUTURERELEASE (RFC 4865) when last seen, and when that was. */
#define KEY_FUTURE_RELEASE          "future-release"
#define KEY_FUTURE_RELEASE_INTERVAL "future-release-max-interval"
#define KEY_FUTURE_RELEASE_DATE     "future-release-max-date"
#define KEY_FUTURE_RELEASE_LEARNED  "future-release-learned"
/* Learned with FUTURERELEASE, from the same EHLO reply. */
#define KEY_DSN                     "dsn"
#define KEY_REQUIRETLS              "requiretls"
#define KEY_8BITMIME                "8bitmime"
/* The copy in the server's Sent folder (IMAP APPEND): written only when there is an IMAP server
 * or the copy is on, so that a profile without one stays as short as it was. */
#define KEY_SENT_COPY        "sent-copy"
#define KEY_IMAP_HOST        "imap-host"
#define KEY_IMAP_PORT        "imap-port"
#define KEY_IMAP_SECURITY    "imap-security"
#define KEY_IMAP_USERNAME    "imap-username"
#define KEY_IMAP_SENT_FOLDER "imap-sent-folder"
/* The IMAP server has a password of its own (in the keyring, never here). */
#define KEY_IMAP_OWN_PASSWORD "imap-own-password"
/* Written with the server it was trusted for, both always, as the SMTP pin. */
#define KEY_IMAP_PINNED_SHA256 "imap-pinned-sha256"
#define KEY_IMAP_PINNED_HOST   "imap-pinned-host"
#define KEY_IMAP_PINNED_PORT   "imap-pinned-port"

/* Reads one optional single-line string; a line break or other control character in a
 * profile would let a hand-edited file inject protocol commands, so it is refused here. */
static gboolean
read_string (GKeyFile    *keyfile,
             const char  *group,
             const char  *key,
             char       **out_value,
             GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *value = NULL;

  if (!g_key_file_has_key (keyfile, group, key, NULL))
    return TRUE;

  value = ep_store_keyfile_dup_string (keyfile, group, key, &local_error);
  if (value == NULL)
    {
      g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID,
                   _("“%s” is not valid text"), key);
      return FALSE;
    }
  if (!ep_text_is_single_line (value))
    {
      g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID,
                   _("“%s” contains a line break or another control character"), key);
      return FALSE;
    }
  *out_value = g_steal_pointer (&value);
  return TRUE;
}

static gboolean
read_number (GKeyFile    *keyfile,
             const char  *group,
             const char  *key,
             guint64      min,
             guint64      max,
             guint64     *out_value,
             GError     **error)
{
  g_autofree char *text = NULL;

  if (!g_key_file_has_key (keyfile, group, key, NULL))
    return TRUE;

  text = g_key_file_get_value (keyfile, group, key, NULL);
  g_strstrip (text);
  if (!g_ascii_string_to_unsigned (text, 10, min, max, out_value, NULL))
    {
      g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID,
                   _("“%s” must be a number from %" PRIu64 " to %" PRIu64),
                   key, min, max);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_boolean (GKeyFile    *keyfile,
              const char  *group,
              const char  *key,
              gboolean    *out_value,
              GError     **error)
{
  g_autofree char *text = NULL;

  if (!g_key_file_has_key (keyfile, group, key, NULL))
    return TRUE;

  text = g_key_file_get_value (keyfile, group, key, NULL);
  g_strstrip (text);
  if (g_str_equal (text, "true") || g_str_equal (text, "false"))
    {
      *out_value = g_str_equal (text, "true");
      return TRUE;
    }
  g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID,
               _("“%s” must be true or false"), key);
  return FALSE;
}

/* @out_value: (out) (transfer full): left alone when the key is not there */
static gboolean
read_date (GKeyFile    *keyfile,
           const char  *group,
           const char  *key,
           GDateTime  **out_value,
           GError     **error)
{
  g_autofree char *text = NULL;
  GDateTime *date;

  if (!read_string (keyfile, group, key, &text, error))
    return FALSE;
  if (text == NULL)
    return TRUE;
  date = ep_store_parse_date (text);
  if (date == NULL)
    {
      g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID,
                   _("“%s” is not a date and time"), key);
      return FALSE;
    }
  *out_value = date;
  return TRUE;
}

/* The IMAP keys, as strict as the SMTP ones: a bad value refuses the whole profile. */
static gboolean
read_imap (GKeyFile    *keyfile,
           const char  *group,
           EpProfile   *profile,
           GError     **error)
{
  g_autofree char *host = NULL;
  g_autofree char *security = NULL;
  g_autofree char *username = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *pinned = NULL;
  g_autofree char *pinned_host = NULL;
  gboolean sent_copy = FALSE;
  gboolean own_password = FALSE;
  guint64 port = 0;
  guint64 pinned_port = 0;
  int sec = EP_SMTP_SECURITY_TLS;

  if (!read_boolean (keyfile, group, KEY_SENT_COPY, &sent_copy, error) ||
      !read_string (keyfile, group, KEY_IMAP_HOST, &host, error) ||
      !read_number (keyfile, group, KEY_IMAP_PORT, 0, G_MAXUINT16, &port, error) ||
      !read_string (keyfile, group, KEY_IMAP_SECURITY, &security, error) ||
      !read_string (keyfile, group, KEY_IMAP_USERNAME, &username, error) ||
      !read_string (keyfile, group, KEY_IMAP_SENT_FOLDER, &folder, error) ||
      !read_boolean (keyfile, group, KEY_IMAP_OWN_PASSWORD, &own_password, error) ||
      !read_string (keyfile, group, KEY_IMAP_PINNED_SHA256, &pinned, error) ||
      !read_string (keyfile, group, KEY_IMAP_PINNED_HOST, &pinned_host, error) ||
      !read_number (keyfile, group, KEY_IMAP_PINNED_PORT, 0, G_MAXUINT16, &pinned_port, error))
    return FALSE;
  if (security != NULL && !ep_enum_from_nick (EP_TYPE_SMTP_SECURITY, security, FALSE, &sec))
    {
      g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID,
                   _("unknown security “%s” (expected tls, starttls or none)"), security);
      return FALSE;
    }
  /* A copy with nowhere to go would fail after every delivery. */
  if (sent_copy && (host == NULL || *host == '\0'))
    {
      g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID,
                   _("“%s” is on without “%s”"), KEY_SENT_COPY, KEY_IMAP_HOST);
      return FALSE;
    }
  ep_profile_set_sent_copy (profile, sent_copy);
  ep_profile_set_imap_host (profile, host);
  ep_profile_set_imap_port (profile, (guint16) port);
  ep_profile_set_imap_security (profile, sec);
  ep_profile_set_imap_username (profile, username);
  ep_profile_set_imap_sent_folder (profile, folder);
  ep_profile_set_imap_own_password (profile, own_password);
  /* A pin recorded for another server (an edited imap-host or imap-port), or without one, is
   * dropped: there was never an Epistle that wrote it without its server. */
  if (pinned_host != NULL && host != NULL && g_ascii_strcasecmp (pinned_host, host) == 0 &&
      g_key_file_has_key (keyfile, group, KEY_IMAP_PINNED_PORT, NULL) && pinned_port == port)
    ep_profile_set_imap_pinned_sha256 (profile, pinned);
  return TRUE;
}

/* Builds a profile from its group; on a bad value the profile is skipped, and its group is
 * left in the keyfile exactly as it was, so the next save does not lose it. */
EpProfile *
ep_profile_keyfile_read (GKeyFile    *keyfile,
                         const char  *group,
                         const char  *id,
                         GError     **error)
{
  g_autoptr(EpProfile) profile = NULL;
  g_autofree char *name = NULL;
  g_autofree char *sender_name = NULL;
  g_autofree char *sender_address = NULL;
  g_autofree char *host = NULL;
  g_autofree char *security = NULL;
  g_autofree char *username = NULL;
  g_autofree char *auth = NULL;
  g_autofree char *pinned = NULL;
  g_autofree char *pinned_host = NULL;
  g_autofree char *ehlo_name = NULL;
  g_autoptr(GDateTime) future_learned = NULL;
  g_autoptr(GDateTime) future_date = NULL;
  g_autoptr(GPtrArray) identities = NULL;
  gboolean future_release = FALSE;
  gboolean dsn = FALSE;
  gboolean requiretls = FALSE;
  gboolean eight_bit_mime = FALSE;
  guint64 future_interval = 0;
  gboolean is_sandbox = g_str_equal (id, EP_PROFILE_SANDBOX_ID);
  guint64 port;
  guint64 pinned_port = 0;
  guint64 timeout = EP_PROFILE_DEFAULT_TIMEOUT;
  guint64 size_limit = 0;
  int sec;
  int au;

  profile = is_sandbox ? ep_profile_new_sandbox () : ep_profile_new_with_id (id, NULL);
  port = ep_profile_get_port (profile);
  sec = ep_profile_get_security (profile);
  au = ep_profile_get_auth (profile);

  if (!read_string (keyfile, group, KEY_NAME, &name, error) ||
      !read_string (keyfile, group, KEY_SENDER_NAME, &sender_name, error) ||
      !read_string (keyfile, group, KEY_SENDER_ADDRESS, &sender_address, error) ||
      !read_string (keyfile, group, KEY_HOST, &host, error) ||
      !read_string (keyfile, group, KEY_SECURITY, &security, error) ||
      !read_string (keyfile, group, KEY_USERNAME, &username, error) ||
      !read_string (keyfile, group, KEY_AUTH, &auth, error) ||
      !read_string (keyfile, group, KEY_PINNED_SHA256, &pinned, error) ||
      !read_string (keyfile, group, KEY_PINNED_HOST, &pinned_host, error) ||
      !read_string (keyfile, group, KEY_EHLO_NAME, &ehlo_name, error) ||
      !read_number (keyfile, group, KEY_PORT, is_sandbox ? 0 : 1, G_MAXUINT16, &port, error) ||
      !read_number (keyfile, group, KEY_PINNED_PORT, is_sandbox ? 0 : 1, G_MAXUINT16, &pinned_port, error) ||
      !read_number (keyfile, group, KEY_TIMEOUT, 1, EP_PROFILE_MAX_TIMEOUT, &timeout, error) ||
      !read_number (keyfile, group, KEY_SIZE_LIMIT, 0, G_MAXUINT64, &size_limit, error) ||
      !read_boolean (keyfile, group, KEY_FUTURE_RELEASE, &future_release, error) ||
      !read_boolean (keyfile, group, KEY_DSN, &dsn, error) ||
      !read_boolean (keyfile, group, KEY_REQUIRETLS, &requiretls, error) ||
      !read_boolean (keyfile, group, KEY_8BITMIME, &eight_bit_mime, error) ||
      !read_number (keyfile, group, KEY_FUTURE_RELEASE_INTERVAL, 0, G_MAXINT64,
                    &future_interval, error) ||
      !read_date (keyfile, group, KEY_FUTURE_RELEASE_DATE, &future_date, error) ||
      !read_date (keyfile, group, KEY_FUTURE_RELEASE_LEARNED, &future_learned, error) ||
      !read_imap (keyfile, group, profile, error))
    return NULL;

  if (security != NULL && !ep_enum_from_nick (EP_TYPE_SMTP_SECURITY, security, FALSE, &sec))
    {
      g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID,
                   _("unknown security “%s” (expected tls, starttls or none)"), security);
      return NULL;
    }
  /* "none" is the CLI's --auth none; a profile without a user name does not sign in. */
  if (auth != NULL && (!ep_enum_from_nick (EP_TYPE_SMTP_AUTH_MECHANISM, auth, FALSE, &au) ||
                       au == EP_SMTP_AUTH_NONE))
    {
      g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID,
                   _("unknown authentication mechanism “%s”"), auth);
      return NULL;
    }
  /* Half a binding (a host without its port, or the other way round) is no binding. */
  if (pinned != NULL &&
      (pinned_host != NULL) != g_key_file_has_key (keyfile, group, KEY_PINNED_PORT, NULL))
    {
      g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID,
                   _("“%s” and “%s” go together"), KEY_PINNED_HOST, KEY_PINNED_PORT);
      return NULL;
    }
  if (name == NULL || *name == '\0')
    {
      if (!is_sandbox)
        {
          g_set_error_literal (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID,
                               _("the profile has no name"));
          return NULL;
        }
      g_clear_pointer (&name, g_free);
    }

  g_object_freeze_notify (G_OBJECT (profile));
  if (name != NULL)
    ep_profile_set_name (profile, name);
  if (sender_name != NULL)
    ep_profile_set_sender_name (profile, sender_name);
  if (sender_address != NULL)
    ep_profile_set_sender_address (profile, sender_address);
  if (host != NULL)
    ep_profile_set_host (profile, host);
  ep_profile_set_port (profile, port);
  ep_profile_set_security (profile, sec);
  if (username != NULL)
    ep_profile_set_username (profile, username);
  ep_profile_set_auth (profile, au);
  /* After the host and port, which the pin is for. A pin recorded for another server (the
   * host or port edited by hand, or by an older Epistle that kept pins across such edits) is
   * dropped. A pin without its server was written by an Epistle that did not record one, and
   * that used it for the server the profile names now: bound to that server, it keeps exactly
   * the trust the user gave. Dropping it instead would bring the certificate question back
   * after an update for every self-hosted server and local bridge, and teach people to click
   * it away. */
  if (pinned_host == NULL || ep_profile_has_server (profile, pinned_host, (guint16) pinned_port))
    ep_profile_set_pinned_sha256 (profile, pinned);
  ep_profile_set_timeout (profile, timeout);
  if (ehlo_name != NULL)
    ep_profile_set_ehlo_name (profile, ehlo_name);
  ep_profile_set_size_limit (profile, size_limit);
  /* Without the time it was learned, what the server offered is not known. */
  ep_profile_set_future_release (profile, future_learned, future_release, future_interval,
                                 future_date != NULL ? g_date_time_to_unix (future_date) : 0);
  ep_profile_set_delivery_extensions (profile, (dsn ? EP_SMTP_CAP_DSN : 0)
                                               | (requiretls ? EP_SMTP_CAP_REQUIRETLS : 0)
                                               | (eight_bit_mime ? EP_SMTP_CAP_8BITMIME : 0));
  for (guint i = 0; i < EP_PROFILE_N_OAUTH_SETTINGS; i++)
    {
      g_autofree char *value = NULL;

      if (!read_string (keyfile, group, ep_profile_oauth_setting_name (i), &value, error))
        {
          g_object_thaw_notify (G_OBJECT (profile));
          return NULL;
        }
      ep_profile_set_oauth_setting (profile, i, value);
    }
  identities = ep_identity_keyfile_read (keyfile, group, error);
  if (identities == NULL)
    {
      g_object_thaw_notify (G_OBJECT (profile));
      return NULL;
    }
  ep_profile_set_identities (profile, identities);
  g_object_thaw_notify (G_OBJECT (profile));

  return g_steal_pointer (&profile);
}

/* An optional string: absent rather than empty, so the file stays short and readable; except
 * where absent means a built-in value (the Sandbox's sender address), which an empty value
 * chosen by the user must not turn back into. */
static void
write_string (GKeyFile   *keyfile,
              const char *group,
              const char *key,
              const char *value,
              const char *builtin)
{
  if (value != NULL && *value != '\0')
    g_key_file_set_string (keyfile, group, key, value);
  else if (builtin != NULL && *builtin != '\0')
    g_key_file_set_string (keyfile, group, key, "");
  else
    g_key_file_remove_key (keyfile, group, key, NULL);
}

static void
write_future_release (GKeyFile   *keyfile,
                      const char *group,
                      EpProfile  *profile)
{
  GDateTime *learned = ep_profile_get_future_release_learned (profile);
  guint64 interval = 0;
  gint64 latest = 0;
  gboolean offered = ep_profile_get_future_release (profile, &interval, &latest);
  g_autofree char *learned_text = NULL;

  g_key_file_remove_key (keyfile, group, KEY_FUTURE_RELEASE_INTERVAL, NULL);
  g_key_file_remove_key (keyfile, group, KEY_FUTURE_RELEASE_DATE, NULL);
  g_key_file_remove_key (keyfile, group, KEY_DSN, NULL);
  g_key_file_remove_key (keyfile, group, KEY_REQUIRETLS, NULL);
  g_key_file_remove_key (keyfile, group, KEY_8BITMIME, NULL);
  if (learned == NULL)
    {
      g_key_file_remove_key (keyfile, group, KEY_FUTURE_RELEASE, NULL);
      g_key_file_remove_key (keyfile, group, KEY_FUTURE_RELEASE_LEARNED, NULL);
      return;
    }
  if ((ep_profile_get_delivery_extensions (profile, NULL) & EP_SMTP_CAP_DSN) != 0)
    g_key_file_set_boolean (keyfile, group, KEY_DSN, TRUE);
  if ((ep_profile_get_delivery_extensions (profile, NULL) & EP_SMTP_CAP_REQUIRETLS) != 0)
    g_key_file_set_boolean (keyfile, group, KEY_REQUIRETLS, TRUE);
  if ((ep_profile_get_delivery_extensions (profile, NULL) & EP_SMTP_CAP_8BITMIME) != 0)
    g_key_file_set_boolean (keyfile, group, KEY_8BITMIME, TRUE);
  learned_text = ep_store_format_date (learned);
  g_key_file_set_string (keyfile, group, KEY_FUTURE_RELEASE_LEARNED, learned_text);
  g_key_file_set_boolean (keyfile, group, KEY_FUTURE_RELEASE, offered);
  if (interval > 0)
    g_key_file_set_uint64 (keyfile, group, KEY_FUTURE_RELEASE_INTERVAL, interval);
  if (latest > 0)
    {
      g_autoptr(GDateTime) date = g_date_time_new_from_unix_utc (latest);
      g_autofree char *text = date != NULL ? ep_store_format_date (date) : NULL;

      if (text != NULL)
        g_key_file_set_string (keyfile, group, KEY_FUTURE_RELEASE_DATE, text);
    }
}

static void
write_imap (GKeyFile   *keyfile,
            const char *group,
            EpProfile  *profile)
{
  const char *keys[] = { KEY_SENT_COPY, KEY_IMAP_HOST, KEY_IMAP_PORT, KEY_IMAP_SECURITY,
                         KEY_IMAP_USERNAME, KEY_IMAP_SENT_FOLDER, KEY_IMAP_OWN_PASSWORD,
                         KEY_IMAP_PINNED_SHA256,
                         KEY_IMAP_PINNED_HOST, KEY_IMAP_PINNED_PORT };
  const char *pinned = ep_profile_get_imap_pinned_sha256 (profile);

  if (!ep_profile_get_sent_copy (profile) && *ep_profile_get_imap_host (profile) == '\0')
    {
      for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
        g_key_file_remove_key (keyfile, group, keys[i], NULL);
      return;
    }
  g_key_file_set_boolean (keyfile, group, KEY_SENT_COPY, ep_profile_get_sent_copy (profile));
  write_string (keyfile, group, KEY_IMAP_HOST, ep_profile_get_imap_host (profile), NULL);
  if (ep_profile_get_imap_port (profile) > 0)
    g_key_file_set_uint64 (keyfile, group, KEY_IMAP_PORT, ep_profile_get_imap_port (profile));
  else
    g_key_file_remove_key (keyfile, group, KEY_IMAP_PORT, NULL);
  g_key_file_set_string (keyfile, group, KEY_IMAP_SECURITY,
                         ep_enum_to_nick (EP_TYPE_SMTP_SECURITY, ep_profile_get_imap_security (profile)));
  write_string (keyfile, group, KEY_IMAP_USERNAME, ep_profile_get_imap_username (profile), NULL);
  write_string (keyfile, group, KEY_IMAP_SENT_FOLDER, ep_profile_get_imap_sent_folder (profile), NULL);
  if (ep_profile_get_imap_own_password (profile))
    g_key_file_set_boolean (keyfile, group, KEY_IMAP_OWN_PASSWORD, TRUE);
  else
    g_key_file_remove_key (keyfile, group, KEY_IMAP_OWN_PASSWORD, NULL);
  write_string (keyfile, group, KEY_IMAP_PINNED_SHA256, pinned, NULL);
  if (pinned != NULL)
    {
      g_key_file_set_string (keyfile, group, KEY_IMAP_PINNED_HOST, ep_profile_get_imap_host (profile));
      g_key_file_set_uint64 (keyfile, group, KEY_IMAP_PINNED_PORT, ep_profile_get_imap_port (profile));
    }
  else
    {
      g_key_file_remove_key (keyfile, group, KEY_IMAP_PINNED_HOST, NULL);
      g_key_file_remove_key (keyfile, group, KEY_IMAP_PINNED_PORT, NULL);
    }
}

void
ep_profile_keyfile_write (GKeyFile   *keyfile,
                          const char *group,
                          EpProfile  *profile)
{
  g_autoptr(EpProfile) builtin = ep_profile_get_is_sandbox (profile) ? ep_profile_new_sandbox () : NULL;
#define BUILTIN(getter) (builtin != NULL ? getter (builtin) : NULL)

  g_key_file_set_string (keyfile, group, KEY_NAME, ep_profile_get_name (profile));
  write_string (keyfile, group, KEY_SENDER_NAME, ep_profile_get_sender_name (profile),
                BUILTIN (ep_profile_get_sender_name));
  write_string (keyfile, group, KEY_SENDER_ADDRESS, ep_profile_get_sender_address (profile),
                BUILTIN (ep_profile_get_sender_address));
  write_string (keyfile, group, KEY_HOST, ep_profile_get_host (profile),
                BUILTIN (ep_profile_get_host));
  g_key_file_set_uint64 (keyfile, group, KEY_PORT, ep_profile_get_port (profile));
  g_key_file_set_string (keyfile, group, KEY_SECURITY,
                         ep_enum_to_nick (EP_TYPE_SMTP_SECURITY, ep_profile_get_security (profile)));
  write_string (keyfile, group, KEY_USERNAME, ep_profile_get_username (profile),
                BUILTIN (ep_profile_get_username));
  g_key_file_set_string (keyfile, group, KEY_AUTH,
                         ep_enum_to_nick (EP_TYPE_SMTP_AUTH_MECHANISM, ep_profile_get_auth (profile)));
  write_string (keyfile, group, KEY_PINNED_SHA256, ep_profile_get_pinned_sha256 (profile), NULL);
  if (ep_profile_get_pinned_sha256 (profile) != NULL)
    {
      g_key_file_set_string (keyfile, group, KEY_PINNED_HOST, ep_profile_get_host (profile));
      g_key_file_set_uint64 (keyfile, group, KEY_PINNED_PORT, ep_profile_get_port (profile));
    }
  else
    {
      g_key_file_remove_key (keyfile, group, KEY_PINNED_HOST, NULL);
      g_key_file_remove_key (keyfile, group, KEY_PINNED_PORT, NULL);
    }
  g_key_file_set_uint64 (keyfile, group, KEY_TIMEOUT, ep_profile_get_timeout (profile));
  write_string (keyfile, group, KEY_EHLO_NAME, ep_profile_get_ehlo_name (profile),
                BUILTIN (ep_profile_get_ehlo_name));
  if (ep_profile_get_size_limit (profile) > 0)
    g_key_file_set_uint64 (keyfile, group, KEY_SIZE_LIMIT, ep_profile_get_size_limit (profile));
  else
    g_key_file_remove_key (keyfile, group, KEY_SIZE_LIMIT, NULL);
  write_future_release (keyfile, group, profile);
  write_imap (keyfile, group, profile);
  for (guint i = 0; i < EP_PROFILE_N_OAUTH_SETTINGS; i++)
    write_string (keyfile, group, ep_profile_oauth_setting_name (i),
                  ep_profile_get_oauth_setting (profile, i), NULL);
  if (ep_profile_has_identities (profile))
    {
      g_autoptr(GPtrArray) identities = ep_profile_dup_identities (profile);
      ep_identity_keyfile_write (keyfile, group, identities);
    }
  else
    ep_identity_keyfile_write (keyfile, group, NULL);
#undef BUILTIN
}
