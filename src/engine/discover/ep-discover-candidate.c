/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-discover-candidate.c: a found server with its provenance, and one attempt of a source. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ep-discover-candidate.h"
#include "ep-enum.h"

G_DEFINE_ENUM_TYPE (EpDiscoverSource, ep_discover_source,
  G_DEFINE_ENUM_VALUE (EP_DISCOVER_SOURCE_PRESET, "preset"),
  G_DEFINE_ENUM_VALUE (EP_DISCOVER_SOURCE_AUTOCONFIG, "autoconfig"),
  G_DEFINE_ENUM_VALUE (EP_DISCOVER_SOURCE_ISPDB, "ispdb"),
  G_DEFINE_ENUM_VALUE (EP_DISCOVER_SOURCE_MX, "mx"),
  G_DEFINE_ENUM_VALUE (EP_DISCOVER_SOURCE_SRV, "srv"),
  G_DEFINE_ENUM_VALUE (EP_DISCOVER_SOURCE_PROBE, "probe"))

G_DEFINE_ENUM_TYPE (EpDiscoverState, ep_discover_state,
  G_DEFINE_ENUM_VALUE (EP_DISCOVER_STATE_WAITING, "waiting"),
  G_DEFINE_ENUM_VALUE (EP_DISCOVER_STATE_RUNNING, "running"),
  G_DEFINE_ENUM_VALUE (EP_DISCOVER_STATE_FOUND, "found"),
  G_DEFINE_ENUM_VALUE (EP_DISCOVER_STATE_NOT_FOUND, "not-found"),
  G_DEFINE_ENUM_VALUE (EP_DISCOVER_STATE_FAILED, "failed"),
  G_DEFINE_ENUM_VALUE (EP_DISCOVER_STATE_TIMED_OUT, "timed-out"),
  G_DEFINE_ENUM_VALUE (EP_DISCOVER_STATE_SKIPPED, "skipped"),
  G_DEFINE_ENUM_VALUE (EP_DISCOVER_STATE_STOPPED, "stopped"))

G_DEFINE_ENUM_TYPE (EpDiscoverTrust, ep_discover_trust,
  G_DEFINE_ENUM_VALUE (EP_DISCOVER_TRUST_VERIFIED, "verified"),
  G_DEFINE_ENUM_VALUE (EP_DISCOVER_TRUST_CONFIRM_DNS, "confirm-dns"),
  G_DEFINE_ENUM_VALUE (EP_DISCOVER_TRUST_CONFIRM_PLAIN_HTTP, "confirm-plain-http"))

G_DEFINE_ENUM_TYPE (EpDiscoverUsername, ep_discover_username,
  G_DEFINE_ENUM_VALUE (EP_DISCOVER_USERNAME_ADDRESS, "address"),
  G_DEFINE_ENUM_VALUE (EP_DISCOVER_USERNAME_LOCAL_PART, "local-part"),
  G_DEFINE_ENUM_VALUE (EP_DISCOVER_USERNAME_OTHER, "other"),
  G_DEFINE_ENUM_VALUE (EP_DISCOVER_USERNAME_UNKNOWN, "unknown"))

G_DEFINE_FLAGS_TYPE (EpDiscoverAuth, ep_discover_auth,
  G_DEFINE_ENUM_VALUE (EP_DISCOVER_AUTH_NONE_NEEDED, "none-needed"),
  G_DEFINE_ENUM_VALUE (EP_DISCOVER_AUTH_PASSWORD, "password"),
  G_DEFINE_ENUM_VALUE (EP_DISCOVER_AUTH_PASSWORD_ENCRYPTED, "password-encrypted"),
  G_DEFINE_ENUM_VALUE (EP_DISCOVER_AUTH_OAUTH2, "oauth2"))

G_DEFINE_BOXED_TYPE (EpDiscoverCandidate, ep_discover_candidate,
                     ep_discover_candidate_ref, ep_discover_candidate_unref)
G_DEFINE_BOXED_TYPE (EpDiscoverAttempt, ep_discover_attempt,
                     ep_discover_attempt_copy, ep_discover_attempt_free)

/* ---- Candidates ------------------------------------------------------------------------------ */

static void
ep_discover_candidate_clear (EpDiscoverCandidate *self)
{
  g_free (self->host);
  g_free (self->username);
  g_strfreev (self->mechanisms);
  g_free (self->location);
  g_free (self->display_name);
  g_free (self->preset_id);
  g_free (self->note);
  g_free (self->imap_host);
  g_free (self->sent_copy_off);
}

EpDiscoverCandidate *
ep_discover_candidate_new (void)
{
  EpDiscoverCandidate *self = g_atomic_rc_box_new0 (EpDiscoverCandidate);

  self->security = EP_SMTP_SECURITY_STARTTLS;
  self->imap_security = EP_SMTP_SECURITY_TLS;
  self->username_form = EP_DISCOVER_USERNAME_UNKNOWN;
  self->mechanisms = g_new0 (char *, 1);
  self->trust = EP_DISCOVER_TRUST_VERIFIED;
  return self;
}

EpDiscoverCandidate *
ep_discover_candidate_ref (EpDiscoverCandidate *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_atomic_rc_box_acquire (self);
}

void
ep_discover_candidate_unref (EpDiscoverCandidate *self)
{
  if (self != NULL)
    g_atomic_rc_box_release_full (self, (GDestroyNotify) ep_discover_candidate_clear);
}

const char *
ep_discover_source_to_string (EpDiscoverSource source)
{
  return ep_enum_to_nick (EP_TYPE_DISCOVER_SOURCE, source);
}

const char *
ep_discover_state_to_string (EpDiscoverState state)
{
  return ep_enum_to_nick (EP_TYPE_DISCOVER_STATE, state);
}

/* Returns: (transfer full): one sentence for people, saying where the settings came from and
 * whether they must be confirmed */
char *
ep_discover_candidate_describe_source (const EpDiscoverCandidate *self)
{
  const char *name;

  g_return_val_if_fail (self != NULL, NULL);

  if (self->trust == EP_DISCOVER_TRUST_CONFIRM_DNS)
    return g_strdup_printf (_("From DNS (not validated by DNSSEC): %s; please confirm"), self->location);
  if (self->trust == EP_DISCOVER_TRUST_CONFIRM_PLAIN_HTTP)
    return g_strdup_printf (_("From a file sent without encryption (%s); please confirm"),
                            self->location);

  name = self->display_name != NULL ? self->display_name : self->host;
  switch (self->source)
    {
    case EP_DISCOVER_SOURCE_PRESET:
      return g_strdup_printf (_("Epistle’s built-in settings for %s"), name);
    case EP_DISCOVER_SOURCE_AUTOCONFIG:
      return g_strdup_printf (_("Found in %s’s own configuration (HTTPS)"), name);
    case EP_DISCOVER_SOURCE_ISPDB:
      return g_strdup_printf (_("Found in the Thunderbird ISP database (HTTPS) for %s"), name);
    case EP_DISCOVER_SOURCE_MX:
      if (self->dnssec == EP_DISCOVER_DNSSEC_VALIDATED)
        return g_strdup_printf (_("Found through the domain’s mail server, validated by DNSSEC (%s)"),
                                self->location);
      return g_strdup_printf (_("Found through the domain’s mail server (%s)"), self->location);
    case EP_DISCOVER_SOURCE_SRV:
      if (self->dnssec == EP_DISCOVER_DNSSEC_VALIDATED)
        return g_strdup_printf (_("From DNS service records validated by DNSSEC: %s"), self->location);
      return g_strdup_printf (_("From DNS service records (not validated by DNSSEC): %s"), self->location);
    case EP_DISCOVER_SOURCE_PROBE:
      return g_strdup_printf (_("Found by trying %s (certificate verified)"), self->host);
    default:
      g_return_val_if_reached (NULL);
    }
}

EpSmtpAuthMechanism
ep_discover_candidate_get_auth_mechanism (const EpDiscoverCandidate *self)
{
  g_return_val_if_fail (self != NULL, EP_SMTP_AUTH_AUTO);

  if (self->auth == EP_DISCOVER_AUTH_OAUTH2)
    return EP_SMTP_AUTH_XOAUTH2;
  return EP_SMTP_AUTH_AUTO;
}

/* Returns: (transfer full): a new profile (not in any store) */
EpProfile *
ep_discover_candidate_to_profile (const EpDiscoverCandidate *self,
                                  const char                *name,
                                  const char                *address)
{
  EpProfile *profile;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  profile = ep_profile_new (name);
  ep_profile_set_sender_address (profile, address);
  ep_profile_set_host (profile, self->host);
  ep_profile_set_port (profile, self->port);
  ep_profile_set_security (profile, self->security);
  /* A server that takes mail without signing in gets a profile without a user name. */
  if (self->auth != EP_DISCOVER_AUTH_NONE_NEEDED)
    ep_profile_set_username (profile, self->username != NULL ? self->username : address);
  ep_profile_set_auth (profile, ep_discover_candidate_get_auth_mechanism (self));
  if (self->imap_host != NULL)
    {
      ep_profile_set_imap_host (profile, self->imap_host);
      ep_profile_set_imap_port (profile, self->imap_port);
      ep_profile_set_imap_security (profile, self->imap_security);
      /* Off where the provider files sent mail itself: a second copy would be a duplicate. */
      ep_profile_set_sent_copy (profile, self->sent_copy_off == NULL);
    }
  return profile;
}

/* ---- Attempts -------------------------------------------------------------------------------- */

EpDiscoverAttempt *
ep_discover_attempt_copy (const EpDiscoverAttempt *self)
{
  EpDiscoverAttempt *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (EpDiscoverAttempt, 1);
  copy->source = self->source;
  copy->location = g_strdup (self->location);
  copy->state = self->state;
  copy->detail = g_strdup (self->detail);
  copy->elapsed_ms = self->elapsed_ms;
  return copy;
}

void
ep_discover_attempt_free (EpDiscoverAttempt *self)
{
  if (self == NULL)
    return;
  g_free (self->location);
  g_free (self->detail);
  g_free (self);
}
