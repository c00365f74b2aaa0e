/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-profile.c: one SMTP server profile, a plain GObject whose properties the UI binds to. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "ep-identity.h"
#include "ep-profile.h"
#include "ep-store-util.h"
#include "ep-smtp-limits.h"
#include "ep-store-error.h"
#include "ep-text.h"

/* A SHA-256 digest is 32 octets, i.e. 64 hexadecimal digits. */
#define EP_PROFILE_SHA256_HEX_DIGITS 64
/* Ids become file-name and keyfile-group parts: keep them short and boring. */

struct _EpProfile
{
  GObject parent_instance;

  char              *id;
  gboolean           is_sandbox;
  char              *name;
  char              *sender_name;
  char              *sender_address;
  char              *host;
  guint16            port;
  EpSmtpSecurity     security;
  char              *username;
  EpSmtpAuthMechanism auth;
  char              *pinned_sha256;
  guint              timeout;
  char              *ehlo_name;
  guint64            size_limit;
  GDateTime         *future_release_learned;
  gboolean           future_release;
  guint64            future_release_max_interval;
  gint64             future_release_max_date;
  EpSmtpCapFlags     delivery_extensions;   /* DSN, REQUIRETLS, 8BITMIME, as last learned */
  char              *oauth[EP_PROFILE_N_OAUTH_SETTINGS];
  gboolean           sent_copy;
  gboolean           imap_own_password;
  char              *imap_host;
  guint16            imap_port;
  EpSmtpSecurity     imap_security;
  char              *imap_username;
  char              *imap_sent_folder;
  char              *imap_pinned_sha256;
  GPtrArray         *identities;   /* of EpIdentity; empty: the one of sender-name/-address */
};

G_DEFINE_FINAL_TYPE (EpProfile, ep_profile, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_IS_SANDBOX,
  PROP_NAME,
  PROP_SENDER_NAME,
  PROP_SENDER_ADDRESS,
  PROP_HOST,
  PROP_PORT,
  PROP_SECURITY,
  PROP_USERNAME,
  PROP_AUTH,
  PROP_PINNED_SHA256,
  PROP_TIMEOUT,
  PROP_EHLO_NAME,
  PROP_SIZE_LIMIT,
  PROP_FUTURE_RELEASE_LEARNED,
  PROP_SENT_COPY,
  PROP_IMAP_OWN_PASSWORD,
  PROP_IMAP_HOST,
  PROP_IMAP_PORT,
  PROP_IMAP_SECURITY,
  PROP_IMAP_USERNAME,
  PROP_IMAP_SENT_FOLDER,
  PROP_IMAP_PINNED_SHA256,
  PROP_IDENTITIES,
  PROP_OAUTH_FIRST,
  N_PROPS = PROP_OAUTH_FIRST + EP_PROFILE_N_OAUTH_SETTINGS
};

/* The property (and profiles.ini key) of each sign-in setting, in EpProfileOAuthSetting order. */
static const char * const oauth_setting_names[EP_PROFILE_N_OAUTH_SETTINGS] = {
  "oauth-provider",
  "oauth-client-id",
  "oauth-client-secret",
  "oauth-authorization-url",
  "oauth-token-url",
  "oauth-device-url",
  "oauth-scope",
};

static GParamSpec *properties[N_PROPS];

/* Replaces *field, notifying only on a real change; NULL is stored as "" unless nullable. */
static void
set_string (EpProfile   *self,
            char       **field,
            const char  *value,
            gboolean     nullable,
            guint        prop_id)
{
  if (value != NULL && *value == '\0' && nullable)
    value = NULL;
  if (value == NULL && !nullable)
    value = "";
  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
ep_profile_finalize (GObject *object)
{
  EpProfile *self = EP_PROFILE (object);

  g_free (self->id);
  g_free (self->name);
  g_free (self->sender_name);
  g_free (self->sender_address);
  g_free (self->host);
  g_free (self->username);
  g_free (self->pinned_sha256);
  g_free (self->ehlo_name);
  g_clear_pointer (&self->future_release_learned, g_date_time_unref);
  for (guint i = 0; i < EP_PROFILE_N_OAUTH_SETTINGS; i++)
    g_free (self->oauth[i]);
  g_free (self->imap_host);
  g_free (self->imap_username);
  g_free (self->imap_sent_folder);
  g_free (self->imap_pinned_sha256);
  g_clear_pointer (&self->identities, g_ptr_array_unref);

  G_OBJECT_CLASS (ep_profile_parent_class)->finalize (object);
}

static void
ep_profile_constructed (GObject *object)
{
  EpProfile *self = EP_PROFILE (object);

  G_OBJECT_CLASS (ep_profile_parent_class)->constructed (object);

  if (self->id == NULL)
    self->id = g_uuid_string_random ();
}

static void
ep_profile_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  EpProfile *self = EP_PROFILE (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_IS_SANDBOX:
      g_value_set_boolean (value, self->is_sandbox);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_SENDER_NAME:
      g_value_set_string (value, self->sender_name);
      break;
    case PROP_SENDER_ADDRESS:
      g_value_set_string (value, self->sender_address);
      break;
    case PROP_HOST:
      g_value_set_string (value, self->host);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_SECURITY:
      g_value_set_enum (value, self->security);
      break;
    case PROP_USERNAME:
      g_value_set_string (value, self->username);
      break;
    case PROP_AUTH:
      g_value_set_enum (value, self->auth);
      break;
    case PROP_PINNED_SHA256:
      g_value_set_string (value, self->pinned_sha256);
      break;
    case PROP_TIMEOUT:
      g_value_set_uint (value, self->timeout);
      break;
    case PROP_EHLO_NAME:
      g_value_set_string (value, self->ehlo_name);
      break;
    case PROP_SIZE_LIMIT:
      g_value_set_uint64 (value, self->size_limit);
      break;
    case PROP_FUTURE_RELEASE_LEARNED:
      g_value_set_boxed (value, self->future_release_learned);
      break;
    case PROP_SENT_COPY:
      g_value_set_boolean (value, self->sent_copy);
      break;
    case PROP_IMAP_OWN_PASSWORD:
      g_value_set_boolean (value, self->imap_own_password);
      break;
    case PROP_IMAP_HOST:
      g_value_set_string (value, self->imap_host);
      break;
    case PROP_IMAP_PORT:
      g_value_set_uint (value, self->imap_port);
      break;
    case PROP_IMAP_SECURITY:
      g_value_set_enum (value, self->imap_security);
      break;
    case PROP_IMAP_USERNAME:
      g_value_set_string (value, self->imap_username);
      break;
    case PROP_IMAP_SENT_FOLDER:
      g_value_set_string (value, self->imap_sent_folder);
      break;
    case PROP_IMAP_PINNED_SHA256:
      g_value_set_string (value, self->imap_pinned_sha256);
      break;
    case PROP_IDENTITIES:
      g_value_take_boxed (value, ep_profile_dup_identities (self));
      break;
    default:
      if (prop_id >= PROP_OAUTH_FIRST && prop_id < N_PROPS)
        {
          g_value_set_string (value, self->oauth[prop_id - PROP_OAUTH_FIRST]);
          break;
        }
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ep_profile_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  EpProfile *self = EP_PROFILE (object);

  switch (prop_id)
    {
    case PROP_ID:
      self->id = g_value_dup_string (value);
      break;
    case PROP_IS_SANDBOX:
      self->is_sandbox = g_value_get_boolean (value);
      break;
    case PROP_NAME:
      ep_profile_set_name (self, g_value_get_string (value));
      break;
    case PROP_SENDER_NAME:
      ep_profile_set_sender_name (self, g_value_get_string (value));
      break;
    case PROP_SENDER_ADDRESS:
      ep_profile_set_sender_address (self, g_value_get_string (value));
      break;
    case PROP_HOST:
      ep_profile_set_host (self, g_value_get_string (value));
      break;
    case PROP_PORT:
      ep_profile_set_port (self, g_value_get_uint (value));
      break;
    case PROP_SECURITY:
      ep_profile_set_security (self, g_value_get_enum (value));
      break;
    case PROP_USERNAME:
      ep_profile_set_username (self, g_value_get_string (value));
      break;
    case PROP_AUTH:
      ep_profile_set_auth (self, g_value_get_enum (value));
      break;
    case PROP_PINNED_SHA256:
      ep_profile_set_pinned_sha256 (self, g_value_get_string (value));
      break;
    case PROP_TIMEOUT:
      ep_profile_set_timeout (self, g_value_get_uint (value));
      break;
    case PROP_EHLO_NAME:
      ep_profile_set_ehlo_name (self, g_value_get_string (value));
      break;
    case PROP_SIZE_LIMIT:
      ep_profile_set_size_limit (self, g_value_get_uint64 (value));
      break;
    case PROP_SENT_COPY:
      ep_profile_set_sent_copy (self, g_value_get_boolean (value));
      break;
    case PROP_IMAP_OWN_PASSWORD:
      ep_profile_set_imap_own_password (self, g_value_get_boolean (value));
      break;
    case PROP_IMAP_HOST:
      ep_profile_set_imap_host (self, g_value_get_string (value));
      break;
    case PROP_IMAP_PORT:
      ep_profile_set_imap_port (self, g_value_get_uint (value));
      break;
    case PROP_IMAP_SECURITY:
      ep_profile_set_imap_security (self, g_value_get_enum (value));
      break;
    case PROP_IMAP_USERNAME:
      ep_profile_set_imap_username (self, g_value_get_string (value));
      break;
    case PROP_IMAP_SENT_FOLDER:
      ep_profile_set_imap_sent_folder (self, g_value_get_string (value));
      break;
    case PROP_IMAP_PINNED_SHA256:
      ep_profile_set_imap_pinned_sha256 (self, g_value_get_string (value));
      break;
    default:
      if (prop_id >= PROP_OAUTH_FIRST && prop_id < N_PROPS)
        {
          ep_profile_set_oauth_setting (self, prop_id - PROP_OAUTH_FIRST, g_value_get_string (value));
          break;
        }
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ep_profile_class_init (EpProfileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = ep_profile_finalize;
  object_class->constructed = ep_profile_constructed;
  object_class->get_property = ep_profile_get_property;
  object_class->set_property = ep_profile_set_property;

  /* Random (a UUID) and stable: the keyring entry and the keyfile group are keyed by it. */
  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_IS_SANDBOX] =
    g_param_spec_boolean ("is-sandbox", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, "", rw);
  properties[PROP_SENDER_NAME] = g_param_spec_string ("sender-name", NULL, NULL, "", rw);
  properties[PROP_SENDER_ADDRESS] = g_param_spec_string ("sender-address", NULL, NULL, "", rw);
  properties[PROP_HOST] = g_param_spec_string ("host", NULL, NULL, "", rw);
  /* 0 only for the Sandbox: its port is chosen when its server starts. */
  properties[PROP_PORT] = g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 587, rw);
  properties[PROP_SECURITY] =
    g_param_spec_enum ("security", NULL, NULL, EP_TYPE_SMTP_SECURITY,
                       EP_SMTP_SECURITY_STARTTLS, rw);
  properties[PROP_USERNAME] = g_param_spec_string ("username", NULL, NULL, "", rw);
  properties[PROP_AUTH] =
    g_param_spec_enum ("auth", NULL, NULL, EP_TYPE_SMTP_AUTH_MECHANISM, EP_SMTP_AUTH_AUTO, rw);
  /* Set only after the user looked at a certificate and chose to trust it; always for the
   * profile's own server (host and port): changing either forgets it. */
  properties[PROP_PINNED_SHA256] = g_param_spec_string ("pinned-sha256", NULL, NULL, NULL, rw);
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL, 1, EP_PROFILE_MAX_TIMEOUT,
                       EP_PROFILE_DEFAULT_TIMEOUT, rw);
  /* "" means the engine's privacy-respecting default. */
  properties[PROP_EHLO_NAME] = g_param_spec_string ("ehlo-name", NULL, NULL, "", rw);
  /* The SIZE limit (RFC 1870) seen at the last test connection; 0 when unknown. */
  properties[PROP_SIZE_LIMIT] =
    g_param_spec_uint64 ("size-limit", NULL, NULL, 0, G_MAXUINT64, 0, rw);
  /* When the server's FUTURERELEASE offer was last seen (ep_profile_get_future_release());
   * notified whenever that offer or its limits change. */
  properties[PROP_FUTURE_RELEASE_LEARNED] =
    g_param_spec_boxed ("future-release-learned", NULL, NULL, G_TYPE_DATE_TIME,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* The copy in the server's Sent folder (IMAP APPEND): whether one is made, and the IMAP
   * server it goes to. The user name "" is the SMTP one, and the secret is always the SMTP
   * side's; the Sent folder "" is found on the server (\Sent, then the usual names). */
  properties[PROP_SENT_COPY] = g_param_spec_boolean ("sent-copy", NULL, NULL, FALSE, rw);
  properties[PROP_IMAP_HOST] = g_param_spec_string ("imap-host", NULL, NULL, "", rw);
  /* The IMAP server takes a password of its own, kept in the keyring beside the SMTP one
   * (EP_SECRETS_KIND_IMAP_PASSWORD); FALSE: the SMTP side's secret. */
  properties[PROP_IMAP_OWN_PASSWORD] =
    g_param_spec_boolean ("imap-own-password", NULL, NULL, FALSE, rw);
  /* 0 = the default of the IMAP security (993 for TLS, 143 for STARTTLS). */
  properties[PROP_IMAP_PORT] = g_param_spec_uint ("imap-port", NULL, NULL, 0, G_MAXUINT16, 0, rw);
  properties[PROP_IMAP_SECURITY] =
    g_param_spec_enum ("imap-security", NULL, NULL, EP_TYPE_SMTP_SECURITY,
                       EP_SMTP_SECURITY_TLS, rw);
  properties[PROP_IMAP_USERNAME] = g_param_spec_string ("imap-username", NULL, NULL, "", rw);
  properties[PROP_IMAP_SENT_FOLDER] = g_param_spec_string ("imap-sent-folder", NULL, NULL, "", rw);
  /* As pinned-sha256, for the IMAP server (imap-host, imap-port): changing either forgets it. */
  properties[PROP_IMAP_PINNED_SHA256] = g_param_spec_string ("imap-pinned-sha256", NULL, NULL, NULL, rw);
  /* Notified when ep_profile_set_identities() changes them (a GPtrArray of EpIdentity). */
  properties[PROP_IDENTITIES] =
    g_param_spec_boxed ("identities", NULL, NULL, G_TYPE_PTR_ARRAY,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* Built-in sign-in (OAuth 2.0): "" when the profile does not use it. */
  for (guint i = 0; i < EP_PROFILE_N_OAUTH_SETTINGS; i++)
    properties[PROP_OAUTH_FIRST + i] = g_param_spec_string (oauth_setting_names[i], NULL, NULL, "", rw);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ep_profile_init (EpProfile *self)
{
  self->name = g_strdup ("");
  self->sender_name = g_strdup ("");
  self->sender_address = g_strdup ("");
  self->identities = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_identity_free);
  self->host = g_strdup ("");
  self->port = 587;
  self->security = EP_SMTP_SECURITY_STARTTLS;
  self->username = g_strdup ("");
  self->auth = EP_SMTP_AUTH_AUTO;
  self->timeout = EP_PROFILE_DEFAULT_TIMEOUT;
  self->ehlo_name = g_strdup ("");
  for (guint i = 0; i < EP_PROFILE_N_OAUTH_SETTINGS; i++)
    self->oauth[i] = g_strdup ("");
  self->imap_host = g_strdup ("");
  self->imap_security = EP_SMTP_SECURITY_TLS;
  self->imap_username = g_strdup ("");
  self->imap_sent_folder = g_strdup ("");
}

/**
 * ep_profile_new:
 * @name: (nullable): what the user calls it
 *
 * Returns: a new profile with a fresh random id, STARTTLS on port 587, automatic authentication.
 */
EpProfile *
ep_profile_new (const char *name)
{
  return g_object_new (EP_TYPE_PROFILE, "name", name, NULL);
}

/* For stores: a profile read back from disk keeps its id. */
EpProfile *
ep_profile_new_with_id (const char *id,
                        const char *name)
{
  g_return_val_if_fail (ep_profile_id_is_valid (id), NULL);

  return g_object_new (EP_TYPE_PROFILE, "id", id, "name", name, NULL);
}

/**
 * ep_profile_new_sandbox:
 *
 * The built-in Sandbox: a loopback server started on demand, its port chosen when it starts.
 */
EpProfile *
ep_profile_new_sandbox (void)
{
  return g_object_new (EP_TYPE_PROFILE,
                       "id", EP_PROFILE_SANDBOX_ID,
                       "is-sandbox", TRUE,
                       "name", "Sandbox",
                       "sender-address", "me@sandbox.invalid",  /* RFC 2606 §2: never routed */
                       "host", "127.0.0.1",
                       "port", 0,
                       "security", EP_SMTP_SECURITY_STARTTLS,
                       "username", "sandbox",
                       NULL);
}

/**
 * ep_profile_copy:
 * @new_id: (nullable): the copy's id, or %NULL for a fresh random one
 *
 * Returns: a copy with every setting, never a Sandbox (the copy is an ordinary profile).
 */
EpProfile *
ep_profile_copy (EpProfile  *self,
                 const char *new_id,
                 const char *new_name)
{
  EpProfile *copy;

  g_return_val_if_fail (EP_IS_PROFILE (self), NULL);
  g_return_val_if_fail (new_id == NULL || ep_profile_id_is_valid (new_id), NULL);

  copy = g_object_new (EP_TYPE_PROFILE,
                       "id", new_id,
                       "name", new_name != NULL ? new_name : self->name,
                       "sender-name", self->sender_name,
                       "sender-address", self->sender_address,
                       "host", self->host,
                       "port", (guint) self->port,
                       "security", self->security,
                       "username", self->username,
                       "auth", self->auth,
                       "timeout", self->timeout,
                       "ehlo-name", self->ehlo_name,
                       "size-limit", self->size_limit,
                       "sent-copy", self->sent_copy,
                       "imap-own-password", self->imap_own_password,
                       "imap-host", self->imap_host,
                       "imap-port", (guint) self->imap_port,
                       "imap-security", self->imap_security,
                       "imap-username", self->imap_username,
                       "imap-sent-folder", self->imap_sent_folder,
                       NULL);
  ep_profile_set_imap_pinned_sha256 (copy, self->imap_pinned_sha256);
  for (guint i = 0; i < EP_PROFILE_N_OAUTH_SETTINGS; i++)
    ep_profile_set_oauth_setting (copy, i, self->oauth[i]);
  /* After the server, for which it is pinned. */
  ep_profile_set_pinned_sha256 (copy, self->pinned_sha256);
  ep_profile_set_future_release (copy, self->future_release_learned, self->future_release,
                                 self->future_release_max_interval,
                                 self->future_release_max_date);
  ep_profile_set_delivery_extensions (copy, self->delivery_extensions);
  ep_profile_set_identities (copy, self->identities);
  return copy;
}

/* Letters, digits, '-' and '_': ids end up in keyfile group names and keyring attributes. */
gboolean
ep_profile_id_is_valid (const char *id)
{
  return ep_store_id_is_valid (id);
}

static gboolean
is_hex_fingerprint (const char *s)
{
  guint digits = 0;

  for (const char *p = s; *p != '\0'; p++)
    {
      if (g_ascii_isxdigit (*p))
        digits++;
      else if (*p != ':')
        return FALSE;
    }
  return digits == EP_PROFILE_SHA256_HEX_DIGITS;
}

/* RFC 5321 §4.1.1.1: EHLO takes a domain or an address literal such as "[192.0.2.1]". */
static gboolean
is_ehlo_name (const char *s)
{
  for (const char *p = s; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("-.[]:", *p) == NULL)
      return FALSE;
  return TRUE;
}

static gboolean
invalid (GError    **error,
         EpProfile  *self,
         const char *reason)
{
  g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID,
               /* Translators: the first %s is a profile name, the second the reason */
               _("Profile “%s”: %s"), self->name, reason);
  return FALSE;
}

/**
 * ep_profile_validate:
 *
 * Checks that the profile can be used to send: a name, a sender address, a host and port
 * (not for the Sandbox), and no value that could smuggle a line break into the protocol.
 *
 * Returns: %TRUE if complete and well-formed, else %FALSE with %EP_STORE_ERROR_INVALID
 */
gboolean
ep_profile_validate (EpProfile  *self,
                     GError    **error)
{
  g_return_val_if_fail (EP_IS_PROFILE (self), FALSE);

  if (*self->name == '\0')
    return invalid (error, self, _("the profile has no name"));
  /* Control characters (CR and LF above all) would let a value inject SMTP commands or headers. */
  const char *texts[] = { self->name, self->sender_name, self->sender_address, self->host,
                          self->username, self->ehlo_name, self->pinned_sha256,
                          self->imap_host, self->imap_username, self->imap_sent_folder,
                          self->imap_pinned_sha256 };
  for (gsize i = 0; i < G_N_ELEMENTS (texts); i++)
    if (texts[i] != NULL && ep_text_find_control (texts[i], EP_TEXT_ALLOW_NONE) != NULL)
      return invalid (error, self, _("a setting contains a line break or another control character"));
  for (guint i = 0; i < EP_PROFILE_N_OAUTH_SETTINGS; i++)
    if (ep_text_find_control (self->oauth[i], EP_TEXT_ALLOW_NONE) != NULL)
      return invalid (error, self, _("a setting contains a line break or another control character"));
  if (*self->sender_address == '\0')
    return invalid (error, self, _("no sender address is set"));
  if (strchr (self->sender_address, '@') == NULL)
    return invalid (error, self, _("the sender address has no “@”"));
  if (!self->is_sandbox)
    {
      if (*self->host == '\0')
        return invalid (error, self, _("no server is set"));
      if (strlen (self->host) > EP_SMTP_DOMAIN_MAX || strpbrk (self->host, " \t") != NULL)
        return invalid (error, self, _("the server name is not valid"));
      if (self->port == 0)
        return invalid (error, self, _("no server port is set"));
    }
  if (self->sent_copy && *self->imap_host == '\0')
    return invalid (error, self, _("no IMAP server is set for the copy in the Sent folder"));
  if (strlen (self->imap_host) > EP_SMTP_DOMAIN_MAX || strpbrk (self->imap_host, " \t") != NULL)
    return invalid (error, self, _("the IMAP server name is not valid"));
  /* The secret is the SMTP side's: it never goes to the IMAP server in the clear. */
  if (self->sent_copy && self->imap_security == EP_SMTP_SECURITY_NONE &&
      (*self->username != '\0' || *self->imap_username != '\0'))
    return invalid (error, self, _("the IMAP server needs TLS or STARTTLS to sign in"));
  if (!is_ehlo_name (self->ehlo_name))
    return invalid (error, self, _("the EHLO name must be a domain name or an address literal"));
  if ((self->pinned_sha256 != NULL && !is_hex_fingerprint (self->pinned_sha256)) ||
      (self->imap_pinned_sha256 != NULL && !is_hex_fingerprint (self->imap_pinned_sha256)))
    return invalid (error, self, _("the pinned certificate fingerprint is not a SHA-256 digest"));
  for (guint i = 0; i < self->identities->len; i++)
    {
      g_autoptr(GError) identity_error = NULL;

      if (!ep_identity_validate (g_ptr_array_index (self->identities, i), i + 1, &identity_error))
        return invalid (error, self, identity_error->message);
    }
  return TRUE;
}

const char *
ep_profile_get_id (EpProfile *self)
{
  g_return_val_if_fail (EP_IS_PROFILE (self), NULL);
  return self->id;
}

gboolean
ep_profile_get_is_sandbox (EpProfile *self)
{
  g_return_val_if_fail (EP_IS_PROFILE (self), FALSE);
  return self->is_sandbox;
}

const char *
ep_profile_get_name (EpProfile *self)
{
  g_return_val_if_fail (EP_IS_PROFILE (self), NULL);
  return self->name;
}

void
ep_profile_set_name (EpProfile  *self,
                     const char *name)
{
  g_return_if_fail (EP_IS_PROFILE (self));
  set_string (self, &self->name, name, FALSE, PROP_NAME);
}

const char *
ep_profile_get_sender_name (EpProfile *self)
{
  g_return_val_if_fail (EP_IS_PROFILE (self), NULL);
  return self->sender_name;
}

void
ep_profile_set_sender_name (EpProfile  *self,
                            const char *sender_name)
{
  g_return_if_fail (EP_IS_PROFILE (self));
  set_string (self, &self->sender_name, sender_name, FALSE, PROP_SENDER_NAME);
}

const char *
ep_profile_get_sender_address (EpProfile *self)
{
  g_return_val_if_fail (EP_IS_PROFILE (self), NULL);
  return self->sender_address;
}

void
ep_profile_set_sender_address (EpProfile  *self,
                               const char *sender_address)
{
  g_return_if_fail (EP_IS_PROFILE (self));
  set_string (self, &self->sender_address, sender_address, FALSE, PROP_SENDER_ADDRESS);
}

const char *
ep_profile_get_host (EpProfile *self)
{
  g_return_val_if_fail (EP_IS_PROFILE (self), NULL);
  return self->host;
}

/* The certificate was trusted for one server: it must not vouch for the next one the profile is
 * pointed at (nor hand that one the password). */
static void
forget_pin (EpProfile *self)
{
  set_string (self, &self->pinned_sha256, NULL, TRUE, PROP_PINNED_SHA256);
}

/**
 * ep_profile_set_host:
 *
 * Another host (ignoring case) also forgets the pinned certificate.
 */
void
ep_profile_set_host (EpProfile  *self,
                     const char *host)
{
  gboolean other;

  g_return_if_fail (EP_IS_PROFILE (self));

  other = g_ascii_strcasecmp (self->host, host != NULL ? host : "") != 0;
  set_string (self, &self->host, host, FALSE, PROP_HOST);
  if (other)
    forget_pin (self);
}

guint16
ep_profile_get_port (EpProfile *self)
{
  g_return_val_if_fail (EP_IS_PROFILE (self), 0);
  return self->port;
}

/**
 * ep_profile_set_port:
 *
 * Another port also forgets the pinned certificate: it may be another server's.
 */
void
ep_profile_set_port (EpProfile *self,
                     guint16    port)
{
  g_return_if_fail (EP_IS_PROFILE (self));

  if (self->port == port)
    return;
  self->port = port;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
  forget_pin (self);
}

/**
 * ep_profile_has_server:
 *
 * Returns: whether @host (ignoring case) and @port name this profile's server: the one its
 *   pinned certificate and its saved password are for
 */
gboolean
ep_profile_has_server (EpProfile  *self,
                       const char *host,
                       guint16     port)
{
  g_return_val_if_fail (EP_IS_PROFILE (self), FALSE);

  return host != NULL && g_ascii_strcasecmp (self->host, host) == 0 && self->port == port;
}

EpSmtpSecurity
ep_profile_get_security (EpProfile *self)
{
  g_return_val_if_fail (EP_IS_PROFILE (self), EP_SMTP_SECURITY_STARTTLS);
  return self->security;
}

void
ep_profile_set_security (EpProfile      *self,
                         EpSmtpSecurity  security)
{
  g_return_if_fail (EP_IS_PROFILE (self));
  g_return_if_fail (security <= EP_SMTP_SECURITY_NONE);

  if (self->security == security)
    return;
  self->security = security;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SECURITY]);
}

const char *
ep_profile_get_username (EpProfile *self)
{
  g_return_val_if_fail (EP_IS_PROFILE (self), NULL);
  return self->username;
}

void
ep_profile_set_username (EpProfile  *self,
                         const char *username)
{
  g_return_if_fail (EP_IS_PROFILE (self));
  set_string (self, &self->username, username, FALSE, PROP_USERNAME);
}

EpSmtpAuthMechanism
ep_profile_get_auth (EpProfile *self)
{
  g_return_val_if_fail (EP_IS_PROFILE (self), EP_SMTP_AUTH_AUTO);
  return self->auth;
}

void
ep_profile_set_auth (EpProfile           *self,
                     EpSmtpAuthMechanism  auth)
{
  g_return_if_fail (EP_IS_PROFILE (self));
  /* NONE is the CLI's: a profile without a user name already does not sign in. */
  g_return_if_fail (auth <= EP_SMTP_AUTH_OAUTHBEARER);

  if (self->auth == auth)
    return;
  self->auth = auth;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTH]);
}

/* Returns: (nullable): hex digits (colons optional), or %NULL when nothing is pinned; the pin
 *   is for the profile's host and port */
const char *
ep_profile_get_pinned_sha256 (EpProfile *self)
{
  g_return_val_if_fail (EP_IS_PROFILE (self), NULL);
  return self->pinned_sha256;
}

/**
 * ep_profile_set_pinned_sha256:
 * @pinned_sha256: (nullable): the fingerprint of a certificate the user chose to trust
 *
 * Pins it for the profile's current host and port (and only for them: see
 * ep_profile_set_host()); %NULL forgets it.
 */
void
ep_profile_set_pinned_sha256 (EpProfile  *self,
                              const char *pinned_sha256)
{
  g_return_if_fail (EP_IS_PROFILE (self));
  set_string (self, &self->pinned_sha256, pinned_sha256, TRUE, PROP_PINNED_SHA256);
}

guint
ep_profile_get_timeout (EpProfile *self)
{
  g_return_val_if_fail (EP_IS_PROFILE (self), EP_PROFILE_DEFAULT_TIMEOUT);
  return self->timeout;
}

void
ep_profile_set_timeout (EpProfile *self,
                        guint      timeout)
{
  g_return_if_fail (EP_IS_PROFILE (self));

  timeout = CLAMP (timeout, 1, EP_PROFILE_MAX_TIMEOUT);
  if (self->timeout == timeout)
    return;
  self->timeout = timeout;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEOUT]);
}

const char *
ep_profile_get_ehlo_name (EpProfile *self)
{
  g_return_val_if_fail (EP_IS_PROFILE (self), NULL);
  return self->ehlo_name;
}

void
ep_profile_set_ehlo_name (EpProfile  *self,
                          const char *ehlo_name)
{
  g_return_if_fail (EP_IS_PROFILE (self));
  set_string (self, &self->ehlo_name, ehlo_name, FALSE, PROP_EHLO_NAME);
}

guint64
ep_profile_get_size_limit (EpProfile *self)
{
  g_return_val_if_fail (EP_IS_PROFILE (self), 0);
  return self->size_limit;
}

void
ep_profile_set_size_limit (EpProfile *self,
                           guint64    size_limit)
{
  g_return_if_fail (EP_IS_PROFILE (self));

  if (self->size_limit == size_limit)
    return;
  self->size_limit = size_limit;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIZE_LIMIT]);
}

/* Returns: (transfer none) (nullable) */
GDateTime *
ep_profile_get_future_release_learned (EpProfile *self)
{
  g_return_val_if_fail (EP_IS_PROFILE (self), NULL);

  return self->future_release_learned;
}

/* @out_max_interval: (out) (optional): seconds ahead at most; @out_max_date: (out) (optional):
 * the latest time (Unix seconds). Returns whether the server offered it when last seen. */
gboolean
ep_profile_get_future_release (EpProfile *self,
                               guint64   *out_max_interval,
                               gint64    *out_max_date)
{
  g_return_val_if_fail (EP_IS_PROFILE (self), FALSE);

  if (out_max_interval != NULL)
    *out_max_interval = self->future_release ? self->future_release_max_interval : 0;
  if (out_max_date != NULL)
    *out_max_date = self->future_release ? self->future_release_max_date : 0;
  return self->future_release_learned != NULL && self->future_release;
}

/* @learned: (nullable): when it was seen; %NULL forgets it (and the rest is ignored) */
void
ep_profile_set_future_release (EpProfile *self,
                               GDateTime *learned,
                               gboolean   offered,
                               guint64    max_interval,
                               gint64     max_date)
{
  g_return_if_fail (EP_IS_PROFILE (self));

  if (learned == NULL)
    offered = FALSE;
  if (!offered)
    max_interval = max_date = 0;
  if (((learned == NULL) == (self->future_release_learned == NULL))
      && (learned == NULL || g_date_time_equal (learned, self->future_release_learned))
      && offered == self->future_release
      && max_interval == self->future_release_max_interval
      && max_date == self->future_release_max_date)
    return;

  g_clear_pointer (&self->future_release_learned, g_date_time_unref);
  self->future_release_learned = learned != NULL ? g_date_time_ref (learned) : NULL;
  self->future_release = offered;
  self->future_release_max_interval = max_interval;
  self->future_release_max_date = MAX (max_date, 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FUTURE_RELEASE_LEARNED]);
}

gboolean
ep_profile_can_hold_until (EpProfile *self,
                           GDateTime *until,
                           GDateTime *now)
{
  g_autoptr(GDateTime) current = NULL;

  g_return_val_if_fail (EP_IS_PROFILE (self), FALSE);
  g_return_val_if_fail (until != NULL, FALSE);

  if (!ep_profile_get_future_release (self, NULL, NULL))
    return FALSE;
  current = now != NULL ? g_date_time_ref (now) : g_date_time_new_now_utc ();
  return ep_smtp_future_release_allows (self->future_release_max_interval,
                                        self->future_release_max_date, until, current);
}

void
ep_profile_learn_capabilities (EpProfile                *self,
                               const EpSmtpCapabilities *caps,
                               GDateTime                *when)
{
  g_autoptr(GDateTime) seen = NULL;

  g_return_if_fail (EP_IS_PROFILE (self));
  g_return_if_fail (caps != NULL);

  seen = when != NULL ? g_date_time_ref (when) : g_date_time_new_now_utc ();
  g_object_freeze_notify (G_OBJECT (self));
  /* Kept when a later reply announces none: the last limit seen is still the best guess. */
  if (caps->size_max > 0)
    ep_profile_set_size_limit (self, caps->size_max);
  ep_profile_set_future_release (self, seen,
                                 ep_smtp_capabilities_has (caps, EP_SMTP_CAP_FUTURERELEASE),
                                 caps->future_release_max_interval,
                                 caps->future_release_max_date);
  ep_profile_set_delivery_extensions (self, caps->flags);
  g_object_thaw_notify (G_OBJECT (self));
}

/* The name of a sign-in setting: its property and its profiles.ini key. */
const char *
ep_profile_oauth_setting_name (EpProfileOAuthSetting setting)
{
  g_return_val_if_fail (setting < EP_PROFILE_N_OAUTH_SETTINGS, NULL);
  return oauth_setting_names[setting];
}

/**
 * ep_profile_get_oauth_setting:
 *
 * Returns: one of the profile's sign-in settings; "" when not set (never %NULL)
 */
const char *
ep_profile_get_oauth_setting (EpProfile             *self,
                              EpProfileOAuthSetting  setting)
{
  g_return_val_if_fail (EP_IS_PROFILE (self), NULL);
  g_return_val_if_fail (setting < EP_PROFILE_N_OAUTH_SETTINGS, NULL);
  return self->oauth[setting];
}

void
ep_profile_set_oauth_setting (EpProfile             *self,
                              EpProfileOAuthSetting  setting,
                              const char            *value)
{
  g_return_if_fail (EP_IS_PROFILE (self));
  g_return_if_fail (setting < EP_PROFILE_N_OAUTH_SETTINGS);
  set_string (self, &self->oauth[setting], value, FALSE, PROP_OAUTH_FIRST + setting);
}

static char *
dup_or_null (const char *s)
{
  return s != NULL && *s != '\0' ? g_strdup (s) : NULL;
}

/**
 * ep_profile_to_smtp_config:
 * @password: (nullable): the secret from the keyring (or typed at send time); for the OAuth
 *   mechanisms, the access token
 *
 * The session configuration for this profile. For the Sandbox, whose port is chosen when its
 * server starts, the caller sets the port (0 here would mean the security's default port).
 *
 * Returns: (transfer full): a new configuration; free with ep_smtp_config_free(), which
 *   wipes the secret
 */
EpSmtpConfig *
ep_profile_to_smtp_config (EpProfile  *self,
                           const char *password)
{
  EpSmtpConfig *config;

  g_return_val_if_fail (EP_IS_PROFILE (self), NULL);

  config = ep_smtp_config_new ();
  g_free (config->host);
  config->host = g_strdup (self->host);
  config->port = self->port;
  config->security = self->security;
  config->username = dup_or_null (self->username);
  config->auth = self->auth;
  if (ep_smtp_auth_mechanism_uses_token (config->auth))
    config->oauth_token = dup_or_null (password);
  else
    config->password = dup_or_null (password);
  config->pinned_sha256 = dup_or_null (self->pinned_sha256);
  if (config->pinned_sha256 != NULL)
    {
      config->pinned_host = g_strdup (self->host);
      config->pinned_port = self->port;
    }
  config->ehlo_name = dup_or_null (self->ehlo_name);
  config->timeout_seconds = self->timeout;
  return config;
}

/**
 * ep_profile_get_delivery_extensions:
 * @out_known: (out) (optional): whether the server's extensions were ever learned (the time
 *   ep_profile_get_future_release_learned() gives, as both come from the same EHLO reply)
 *
 * Returns: which of %EP_SMTP_CAP_DSN, %EP_SMTP_CAP_REQUIRETLS and %EP_SMTP_CAP_8BITMIME the
 * server offered when last seen: what the compose window's Delivery Options can promise, and
 * whether the outbox may keep a message's 8-bit octets for it.
 */
EpSmtpCapFlags
ep_profile_get_delivery_extensions (EpProfile *self,
                                    gboolean  *out_known)
{
  g_return_val_if_fail (EP_IS_PROFILE (self), EP_SMTP_CAP_NONE);

  if (out_known != NULL)
    *out_known = self->future_release_learned != NULL;
  return self->delivery_extensions;
}

void
ep_profile_set_delivery_extensions (EpProfile      *self,
                                    EpSmtpCapFlags  flags)
{
  g_return_if_fail (EP_IS_PROFILE (self));

  self->delivery_extensions = flags & (EP_SMTP_CAP_DSN | EP_SMTP_CAP_REQUIRETLS | EP_SMTP_CAP_8BITMIME);
}

/* ---- The copy in the server's Sent folder ---------------------------------------------------- */

gboolean
ep_profile_get_sent_copy (EpProfile *self)
{
  g_return_val_if_fail (EP_IS_PROFILE (self), FALSE);
  return self->sent_copy;
}

void
ep_profile_set_sent_copy (EpProfile *self,
                          gboolean   sent_copy)
{
  g_return_if_fail (EP_IS_PROFILE (self));

  sent_copy = !!sent_copy;
  if (self->sent_copy == sent_copy)
    return;
  self->sent_copy = sent_copy;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SENT_COPY]);
}

gboolean
ep_profile_get_imap_own_password (EpProfile *self)
{
  g_return_val_if_fail (EP_IS_PROFILE (self), FALSE);
  return self->imap_own_password;
}

void
ep_profile_set_imap_own_password (EpProfile *self,
                                  gboolean   own_password)
{
  g_return_if_fail (EP_IS_PROFILE (self));

  own_password = !!own_password;
  if (self->imap_own_password == own_password)
    return;
  self->imap_own_password = own_password;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IMAP_OWN_PASSWORD]);
}

const char *
ep_profile_get_imap_host (EpProfile *self)
{
  g_return_val_if_fail (EP_IS_PROFILE (self), NULL);
  return self->imap_host;
}

void
ep_profile_set_imap_host (EpProfile  *self,
                          const char *host)
{
  g_return_if_fail (EP_IS_PROFILE (self));

  if (g_strcmp0 (self->imap_host, host != NULL ? host : "") == 0)
    return;
  set_string (self, &self->imap_host, host, FALSE, PROP_IMAP_HOST);
  /* The pin is for the server it was trusted for. */
  ep_profile_set_imap_pinned_sha256 (self, NULL);
}

guint16
ep_profile_get_imap_port (EpProfile *self)
{
  g_return_val_if_fail (EP_IS_PROFILE (self), 0);
  return self->imap_port;
}

void
ep_profile_set_imap_port (EpProfile *self,
                          guint16    port)
{
  g_return_if_fail (EP_IS_PROFILE (self));

  if (self->imap_port == port)
    return;
  self->imap_port = port;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IMAP_PORT]);
  ep_profile_set_imap_pinned_sha256 (self, NULL);
}

EpSmtpSecurity
ep_profile_get_imap_security (EpProfile *self)
{
  g_return_val_if_fail (EP_IS_PROFILE (self), EP_SMTP_SECURITY_TLS);
  return self->imap_security;
}

void
ep_profile_set_imap_security (EpProfile      *self,
                              EpSmtpSecurity  security)
{
  g_return_if_fail (EP_IS_PROFILE (self));
  g_return_if_fail (security <= EP_SMTP_SECURITY_NONE);

  if (self->imap_security == security)
    return;
  self->imap_security = security;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IMAP_SECURITY]);
}

const char *
ep_profile_get_imap_username (EpProfile *self)
{
  g_return_val_if_fail (EP_IS_PROFILE (self), NULL);
  return self->imap_username;
}

void
ep_profile_set_imap_username (EpProfile  *self,
                              const char *username)
{
  g_return_if_fail (EP_IS_PROFILE (self));
  set_string (self, &self->imap_username, username, FALSE, PROP_IMAP_USERNAME);
}

const char *
ep_profile_get_imap_sent_folder (EpProfile *self)
{
  g_return_val_if_fail (EP_IS_PROFILE (self), NULL);
  return self->imap_sent_folder;
}

void
ep_profile_set_imap_sent_folder (EpProfile  *self,
                                 const char *folder)
{
  g_return_if_fail (EP_IS_PROFILE (self));
  set_string (self, &self->imap_sent_folder, folder, FALSE, PROP_IMAP_SENT_FOLDER);
}

const char *
ep_profile_get_imap_pinned_sha256 (EpProfile *self)
{
  g_return_val_if_fail (EP_IS_PROFILE (self), NULL);
  return self->imap_pinned_sha256;
}

/* For the IMAP server the profile names now (set it after the host and port). */
void
ep_profile_set_imap_pinned_sha256 (EpProfile  *self,
                                   const char *pinned_sha256)
{
  g_return_if_fail (EP_IS_PROFILE (self));
  set_string (self, &self->imap_pinned_sha256, pinned_sha256, TRUE, PROP_IMAP_PINNED_SHA256);
}

/* ---- Identities ------------------------------------------------------------------------------ */

gboolean
ep_profile_has_identities (EpProfile *self)
{
  g_return_val_if_fail (EP_IS_PROFILE (self), FALSE);
  return self->identities->len > 0;
}

/* A profile of an older Epistle (or one never given identities) sends as its sender name and
 * address, without a signature: the same From as before. */
GPtrArray *
ep_profile_dup_identities (EpProfile *self)
{
  GPtrArray *identities;

  g_return_val_if_fail (EP_IS_PROFILE (self), NULL);

  identities = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_identity_free);
  if (self->identities->len == 0)
    {
      if (*self->sender_address != '\0')
        {
          EpIdentity *implicit = ep_identity_new (self->sender_name, self->sender_address);

          implicit->is_default = TRUE;
          g_ptr_array_add (identities, implicit);
        }
      return identities;
    }
  for (guint i = 0; i < self->identities->len; i++)
    g_ptr_array_add (identities, ep_identity_copy (g_ptr_array_index (self->identities, i)));
  return identities;
}

/* @identities: (nullable) (element-type EpIdentity): copied; %NULL or empty: the one of the
 * sender name and address. At most one stays the default (the first marked). */
void
ep_profile_set_identities (EpProfile *self,
                           GPtrArray *identities)
{
  g_autoptr(GPtrArray) copy = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_identity_free);
  gboolean have_default = FALSE;
  gboolean same;

  g_return_if_fail (EP_IS_PROFILE (self));

  for (guint i = 0; identities != NULL && i < identities->len; i++)
    {
      EpIdentity *identity = ep_identity_copy (g_ptr_array_index (identities, i));

      identity->is_default = identity->is_default && !have_default;
      have_default = have_default || identity->is_default;
      g_ptr_array_add (copy, identity);
    }
  same = copy->len == self->identities->len;
  for (guint i = 0; same && i < copy->len; i++)
    same = ep_identity_equal (g_ptr_array_index (copy, i), g_ptr_array_index (self->identities, i));
  if (same)
    return;
  g_ptr_array_unref (self->identities);
  self->identities = g_steal_pointer (&copy);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IDENTITIES]);
}

EpIdentity *
ep_profile_dup_default_identity (EpProfile *self)
{
  g_autoptr(GPtrArray) identities = NULL;

  g_return_val_if_fail (EP_IS_PROFILE (self), NULL);

  identities = ep_profile_dup_identities (self);
  for (guint i = 0; i < identities->len; i++)
    {
      EpIdentity *identity = g_ptr_array_index (identities, i);

      if (identity->is_default)
        return ep_identity_copy (identity);
    }
  return identities->len > 0 ? ep_identity_copy (g_ptr_array_index (identities, 0)) : NULL;
}
