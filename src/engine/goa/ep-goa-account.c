/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-goa-account.c: a GNOME Online Accounts mail account as a read-only profile.
 *
 * The settings are Online Accounts' own and are never relaxed here: an account that accepts
 * certificate errors, or that would send without TLS, is listed with the reason and never
 * used, since Epistle never accepts a certificate error and never sends credentials in the
 * clear. The credentials are asked for at each session: EnsureCredentials first (it refreshes
 * an expired token and clears or sets AttentionNeeded), then the token or the password. They
 * are held in memory for the session only and never written or logged. */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "ep-goa-account-private.h"
#include "ep-goa-error.h"
#include "ep-secrets.h"

/* Online Accounts' provider type of Microsoft 365: its token is for Microsoft Graph. */
#define PROVIDER_MICROSOFT_365 "ms_graph"
/* GetPassword's id of the SMTP password (the documented "smtp-password"). */
#define PASSWORD_ID_SMTP "smtp-password"
/* The D-Bus error of Online Accounts when the person must sign in again. */
#define GOA_ERROR_NOT_AUTHORIZED "org.gnome.OnlineAccounts.Error.NotAuthorized"

struct _EpGoaAccount
{
  GObject parent_instance;

  EpGoaDBusObject *object;
  gint             gone;    /* atomic: set on the main thread, read by a sending thread */
};

G_DEFINE_FINAL_TYPE (EpGoaAccount, ep_goa_account, G_TYPE_OBJECT)

static GQuark
profile_quark (void)
{
  return g_quark_from_static_string ("ep-goa-account");
}

static gboolean
empty (const char *s)
{
  return s == NULL || *s == '\0';
}

static char *
dup_identity (EpGoaAccount *self)
{
  g_autoptr(EpGoaDBusAccount) account = ep_goa_dbus_object_get_account (self->object);
  char *identity = account != NULL ? ep_goa_dbus_account_dup_presentation_identity (account) : NULL;

  return identity != NULL ? identity : g_strdup ("");
}

/* The SMTP server as Online Accounts gives it: a host, with ":port" when not the default of
 * the security (465 with implicit TLS, 587 with STARTTLS). */
static char *
parse_host (const char     *value,
            EpSmtpSecurity  security,
            guint16        *out_port)
{
  g_autoptr(GSocketConnectable) address = NULL;
  guint16 default_port = ep_smtp_security_default_port (security);

  *out_port = default_port;
  if (empty (value))
    return g_strdup ("");
  address = g_network_address_parse (value, default_port, NULL);
  if (address == NULL)
    return g_strdup (value);
  *out_port = g_network_address_get_port (G_NETWORK_ADDRESS (address));
  return g_strdup (g_network_address_get_hostname (G_NETWORK_ADDRESS (address)));
}

static EpSmtpAuthMechanism
mechanism (EpGoaDBusObject *object,
           EpGoaDBusMail   *mail)
{
  g_autoptr(EpGoaDBusOAuth2Based) oauth2 = ep_goa_dbus_object_get_oauth2_based (object);

  if (!ep_goa_dbus_mail_get_smtp_use_auth (mail))
    return EP_SMTP_AUTH_NONE;
  if (ep_goa_dbus_mail_get_smtp_auth_xoauth2 (mail) && oauth2 != NULL)
    return EP_SMTP_AUTH_XOAUTH2;
  if (ep_goa_dbus_mail_get_smtp_auth_plain (mail))
    return EP_SMTP_AUTH_PLAIN;
  if (ep_goa_dbus_mail_get_smtp_auth_login (mail))
    return EP_SMTP_AUTH_LOGIN;
  return EP_SMTP_AUTH_AUTO;
}

static char *
dup_name (EpGoaAccount *self)
{
  g_autofree char *identity = dup_identity (self);
  g_autofree char *provider = ep_goa_account_dup_provider_name (self);

  /* Translators: the name of a profile from GNOME Online Accounts: the account (an address)
   * and its provider ("Google") */
  return g_strdup_printf (_("%s (%s)"), identity, provider);
}

/* A call to Online Accounts that failed: "sign in again" when it says so (or the account
 * already said it needs attention), its own message otherwise. */
static void
credentials_error (EpGoaAccount  *self,
                   GError        *failure,
                   GError       **error)
{
  g_autofree char *identity = dup_identity (self);
  g_autofree char *remote = NULL;

  if (g_error_matches (failure, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, failure);
      return;
    }
  remote = g_dbus_error_get_remote_error (failure);
  if (g_strcmp0 (remote, GOA_ERROR_NOT_AUTHORIZED) == 0 || ep_goa_account_get_attention_needed (self))
    g_set_error (error, EP_GOA_ERROR, EP_GOA_ERROR_SIGN_IN_AGAIN,
                 _("Online Accounts needs you to sign in to “%s” again: open Settings → Online Accounts"),
                 identity);
  else
    {
      g_dbus_error_strip_remote_error (failure);
      g_set_error (error, EP_GOA_ERROR, EP_GOA_ERROR_CREDENTIALS,
                   _("Online Accounts could not give the credentials of “%s”: %s"),
                   identity, failure->message);
    }
  g_error_free (failure);
}

static void
ep_goa_account_finalize (GObject *object)
{
  EpGoaAccount *self = EP_GOA_ACCOUNT (object);

  g_clear_object (&self->object);

  G_OBJECT_CLASS (ep_goa_account_parent_class)->finalize (object);
}

static void
ep_goa_account_class_init (EpGoaAccountClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ep_goa_account_finalize;
}

static void
ep_goa_account_init (EpGoaAccount *self)
{
}

/* ---- For EpGoaAccounts ----------------------------------------------------------------------- */

EpGoaAccount *
ep_goa_account_new (EpGoaDBusObject *object)
{
  EpGoaAccount *self;

  g_return_val_if_fail (EP_GOA_DBUS_IS_OBJECT (object), NULL);

  self = g_object_new (EP_TYPE_GOA_ACCOUNT, NULL);
  self->object = g_object_ref (object);
  return self;
}

gboolean
ep_goa_object_is_account (EpGoaDBusObject *object)
{
  g_autoptr(EpGoaDBusAccount) account = ep_goa_dbus_object_get_account (object);
  g_autofree char *id = account != NULL ? ep_goa_dbus_account_dup_id (account) : NULL;

  return !empty (id);
}

gboolean
ep_goa_object_is_listed (EpGoaDBusObject *object)
{
  g_autoptr(EpGoaDBusAccount) account = ep_goa_dbus_object_get_account (object);
  g_autoptr(EpGoaDBusMail) mail = ep_goa_dbus_object_get_mail (object);
  g_autofree char *id = NULL;

  if (account == NULL)
    return FALSE;
  id = ep_goa_dbus_account_dup_id (account);
  return !empty (id) && (mail != NULL || ep_goa_dbus_account_get_mail_disabled (account));
}

EpProfile *
ep_goa_account_new_profile (EpGoaAccount *self)
{
  g_autoptr(EpGoaDBusAccount) account = ep_goa_dbus_object_get_account (self->object);
  g_autofree char *goa_id = ep_goa_dbus_account_dup_id (account);
  g_autofree char *id = g_strconcat (EP_GOA_PROFILE_ID_PREFIX, goa_id, NULL);
  g_autofree char *name = dup_name (self);
  EpProfile *profile;

  /* Not ep_profile_new_with_id(): the id is deliberately not a profiles.ini one. */
  profile = g_object_new (EP_TYPE_PROFILE, "id", id, "name", name, NULL);
  g_object_set_qdata_full (G_OBJECT (profile), profile_quark (), g_object_ref (self), g_object_unref);
  ep_goa_account_apply (self, profile);
  return profile;
}

void
ep_goa_account_apply (EpGoaAccount *self,
                      EpProfile    *profile)
{
  g_autoptr(EpGoaDBusMail) mail = ep_goa_dbus_object_get_mail (self->object);
  g_autofree char *name = dup_name (self);

  ep_profile_set_name (profile, name);
  if (mail == NULL)
    return;   /* mail turned off: the last settings stay, the profile is not used */

  {
    EpSmtpSecurity security = ep_goa_dbus_mail_get_smtp_use_ssl (mail) ? EP_SMTP_SECURITY_TLS
                            : ep_goa_dbus_mail_get_smtp_use_tls (mail) ? EP_SMTP_SECURITY_STARTTLS
                            : EP_SMTP_SECURITY_NONE;
    EpSmtpAuthMechanism auth = mechanism (self->object, mail);
    g_autofree char *host_value = ep_goa_dbus_mail_dup_smtp_host (mail);
    g_autofree char *user = ep_goa_dbus_mail_dup_smtp_user_name (mail);
    g_autofree char *address = ep_goa_dbus_mail_dup_email_address (mail);
    g_autofree char *sender = ep_goa_dbus_mail_dup_name (mail);
    g_autofree char *host = NULL;
    guint16 port;

    host = parse_host (host_value, security, &port);
    /* A blank user name means the account's own (its address, for the providers that leave
     * it out). */
    if (auth == EP_SMTP_AUTH_NONE)
      g_clear_pointer (&user, g_free);
    else if (empty (user))
      {
        g_free (user);
        user = g_strdup (address);
      }

    ep_profile_set_sender_name (profile, sender != NULL ? sender : "");
    ep_profile_set_sender_address (profile, address != NULL ? address : "");
    ep_profile_set_host (profile, host);
    ep_profile_set_port (profile, port);
    ep_profile_set_security (profile, security);
    ep_profile_set_username (profile, user != NULL ? user : "");
    ep_profile_set_auth (profile, auth);
  }
}

void
ep_goa_account_set_gone (EpGoaAccount *self)
{
  g_return_if_fail (EP_IS_GOA_ACCOUNT (self));

  g_atomic_int_set (&self->gone, TRUE);
}

/* ---- Public API ------------------------------------------------------------------------------ */

/* Returns: (transfer none) (nullable) */
EpGoaAccount *
ep_goa_account_from_profile (EpProfile *profile)
{
  g_return_val_if_fail (profile == NULL || EP_IS_PROFILE (profile), NULL);

  return profile != NULL ? g_object_get_qdata (G_OBJECT (profile), profile_quark ()) : NULL;
}

char *
ep_goa_account_dup_provider_name (EpGoaAccount *self)
{
  g_autoptr(EpGoaDBusAccount) account = NULL;
  char *name;

  g_return_val_if_fail (EP_IS_GOA_ACCOUNT (self), NULL);

  account = ep_goa_dbus_object_get_account (self->object);
  name = account != NULL ? ep_goa_dbus_account_dup_provider_name (account) : NULL;
  return name != NULL ? name : g_strdup ("");
}

gboolean
ep_goa_account_get_attention_needed (EpGoaAccount *self)
{
  g_autoptr(EpGoaDBusAccount) account = NULL;

  g_return_val_if_fail (EP_IS_GOA_ACCOUNT (self), FALSE);

  account = ep_goa_dbus_object_get_account (self->object);
  return account != NULL && ep_goa_dbus_account_get_attention_needed (account);
}

gboolean
ep_goa_account_get_is_microsoft_365 (EpGoaAccount *self)
{
  g_autoptr(EpGoaDBusAccount) account = NULL;
  g_autofree char *type = NULL;

  g_return_val_if_fail (EP_IS_GOA_ACCOUNT (self), FALSE);

  account = ep_goa_dbus_object_get_account (self->object);
  type = account != NULL ? ep_goa_dbus_account_dup_provider_type (account) : NULL;
  return g_strcmp0 (type, PROVIDER_MICROSOFT_365) == 0;
}

char *
ep_goa_account_dup_problem (EpGoaAccount *self)
{
  g_autoptr(EpGoaDBusAccount) account = NULL;
  g_autoptr(EpGoaDBusMail) mail = NULL;
  g_autoptr(EpGoaDBusOAuth2Based) oauth2 = NULL;
  g_autoptr(EpGoaDBusPasswordBased) password = NULL;
  g_autofree char *host = NULL;
  EpSmtpAuthMechanism auth;

  g_return_val_if_fail (EP_IS_GOA_ACCOUNT (self), NULL);

  if (g_atomic_int_get (&self->gone))
    return g_strdup (_("The account was removed from Online Accounts"));
  account = ep_goa_dbus_object_get_account (self->object);
  mail = ep_goa_dbus_object_get_mail (self->object);
  if (account == NULL || mail == NULL || ep_goa_dbus_account_get_mail_disabled (account))
    return g_strdup (_("Mail is turned off for this account in Settings → Online Accounts"));
  host = ep_goa_dbus_mail_dup_smtp_host (mail);
  if (!ep_goa_dbus_mail_get_smtp_supported (mail) || empty (host))
    return g_strdup (_("Online Accounts has no server for sending mail with this account"));
  /* Never relaxed for an account from elsewhere: see the promises in SECURITY.md. */
  if (ep_goa_dbus_mail_get_smtp_accept_ssl_errors (mail))
    return g_strdup (_("Online Accounts is set to accept certificate errors from this account’s "
                       "server, and Epistle never does"));
  if (!ep_goa_dbus_mail_get_smtp_use_ssl (mail) && !ep_goa_dbus_mail_get_smtp_use_tls (mail))
    return g_strdup (_("Online Accounts connects to this account’s server without encryption, "
                       "and Epistle never sends a password or a message that way"));

  auth = mechanism (self->object, mail);
  oauth2 = ep_goa_dbus_object_get_oauth2_based (self->object);
  password = ep_goa_dbus_object_get_password_based (self->object);
  if ((ep_smtp_auth_mechanism_uses_token (auth) && oauth2 == NULL) ||
      (auth != EP_SMTP_AUTH_NONE && !ep_smtp_auth_mechanism_uses_token (auth) && password == NULL))
    return g_strdup (_("Online Accounts gives no credentials that this account’s server takes"));
  return NULL;
}

/**
 * ep_goa_account_dup_secret_sync:
 *
 * Returns: (transfer full) (nullable): the access token or the password
 */
char *
ep_goa_account_dup_secret_sync (EpGoaAccount         *self,
                                EpSmtpAuthMechanism   auth,
                                GCancellable         *cancellable,
                                GError              **error)
{
  g_autoptr(EpGoaDBusAccount) account = NULL;
  g_autofree char *problem = NULL;
  GError *failure = NULL;
  char *secret = NULL;
  gint expires_in = 0;

  g_return_val_if_fail (EP_IS_GOA_ACCOUNT (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_atomic_int_get (&self->gone))
    {
      g_autofree char *identity = dup_identity (self);

      g_set_error (error, EP_GOA_ERROR, EP_GOA_ERROR_GONE,
                   _("The account “%s” was removed from Online Accounts"), identity);
      return NULL;
    }
  problem = ep_goa_account_dup_problem (self);
  if (problem != NULL)
    {
      g_set_error_literal (error, EP_GOA_ERROR, EP_GOA_ERROR_UNUSABLE, problem);
      return NULL;
    }

  account = ep_goa_dbus_object_get_account (self->object);
  if (!ep_goa_dbus_account_call_ensure_credentials_sync (account, &expires_in, cancellable, &failure))
    {
      credentials_error (self, failure, error);
      return NULL;
    }

  if (ep_smtp_auth_mechanism_uses_token (auth))
    {
      g_autoptr(EpGoaDBusOAuth2Based) oauth2 = ep_goa_dbus_object_get_oauth2_based (self->object);

      if (oauth2 != NULL &&
          !ep_goa_dbus_oauth2_based_call_get_access_token_sync (oauth2, &secret, &expires_in,
                                                                cancellable, &failure))
        {
          credentials_error (self, failure, error);
          return NULL;
        }
    }
  else
    {
      g_autoptr(EpGoaDBusPasswordBased) password = ep_goa_dbus_object_get_password_based (self->object);

      if (password != NULL &&
          !ep_goa_dbus_password_based_call_get_password_sync (password, PASSWORD_ID_SMTP, &secret,
                                                              cancellable, &failure))
        {
          credentials_error (self, failure, error);
          return NULL;
        }
    }

  if (secret == NULL)
    {
      g_autofree char *identity = dup_identity (self);

      g_set_error (error, EP_GOA_ERROR, EP_GOA_ERROR_CREDENTIALS,
                   _("Online Accounts gives no credentials for “%s”"), identity);
    }
  return secret;
}
