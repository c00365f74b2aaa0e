/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-discover-candidate.h: what discovery found: one candidate submission server with where it
 * came from (its provenance), and one source's attempt as the transcript shows it. */
#pragma once

#include <glib-object.h>

#include "ep-profile.h"
#include "ep-smtp-error.h"

G_BEGIN_DECLS

/**
 * EpDiscoverSource:
 * @EP_DISCOVER_SOURCE_PRESET: the built-in presets (ep-presets.h), offline
 * @EP_DISCOVER_SOURCE_AUTOCONFIG: the provider's own autoconfig file, at
 *   autoconfig.DOMAIN or DOMAIN/.well-known/autoconfig
 * @EP_DISCOVER_SOURCE_ISPDB: the Mozilla ISP database (only with the person's consent)
 * @EP_DISCOVER_SOURCE_MX: the autoconfig file or ISPDB entry of the registrable domain of the
 *   domain's MX host (a custom domain hosted by a large provider)
 * @EP_DISCOVER_SOURCE_SRV: RFC 6186 SRV records, _submissions._tcp then _submission._tcp
 * @EP_DISCOVER_SOURCE_PROBE: smtp.DOMAIN, mail.DOMAIN and DOMAIN tried on 465 then 587
 *
 * The sources in their fixed priority, best first: a result from one is preferred to any from
 * those after it.
 */
typedef enum {
  EP_DISCOVER_SOURCE_PRESET,
  EP_DISCOVER_SOURCE_AUTOCONFIG,
  EP_DISCOVER_SOURCE_ISPDB,
  EP_DISCOVER_SOURCE_MX,
  EP_DISCOVER_SOURCE_SRV,
  EP_DISCOVER_SOURCE_PROBE,
} EpDiscoverSource;

#define EP_DISCOVER_N_SOURCES (EP_DISCOVER_SOURCE_PROBE + 1)

/**
 * EpDiscoverAuth:
 * @EP_DISCOVER_AUTH_NONE_NEEDED: the server takes mail without signing in
 * @EP_DISCOVER_AUTH_PASSWORD: a password sent inside TLS (PLAIN, LOGIN)
 * @EP_DISCOVER_AUTH_PASSWORD_ENCRYPTED: a password never sent as it is (CRAM-MD5, SCRAM)
 * @EP_DISCOVER_AUTH_OAUTH2: a token from the provider's OAuth 2.0 sign-in (XOAUTH2, OAUTHBEARER)
 *
 * The ways of signing in a source names. 0: the source does not say.
 */
typedef enum {
  EP_DISCOVER_AUTH_NONE_NEEDED        = 1 << 0,
  EP_DISCOVER_AUTH_PASSWORD           = 1 << 1,
  EP_DISCOVER_AUTH_PASSWORD_ENCRYPTED = 1 << 2,
  EP_DISCOVER_AUTH_OAUTH2             = 1 << 3,
} EpDiscoverAuth;

/**
 * EpDiscoverUsername:
 * @EP_DISCOVER_USERNAME_ADDRESS: the whole e-mail address
 * @EP_DISCOVER_USERNAME_LOCAL_PART: the part before the '@'
 * @EP_DISCOVER_USERNAME_OTHER: something else the source spelled out
 * @EP_DISCOVER_USERNAME_UNKNOWN: the source does not say; the address is the usual guess
 */
typedef enum {
  EP_DISCOVER_USERNAME_ADDRESS,
  EP_DISCOVER_USERNAME_LOCAL_PART,
  EP_DISCOVER_USERNAME_OTHER,
  EP_DISCOVER_USERNAME_UNKNOWN,
} EpDiscoverUsername;

/**
 * EpDiscoverTrust:
 * @EP_DISCOVER_TRUST_VERIFIED: from a built-in preset, from HTTPS, from DNS validated by
 *   DNSSEC, or a server inside the address's own registrable domain
 * @EP_DISCOVER_TRUST_CONFIRM_DNS: a server outside the address's registrable domain, named by
 *   DNS (MX or SRV records) not validated by DNSSEC, which anyone on the path can forge: the
 *   person must confirm it before it is used
 * @EP_DISCOVER_TRUST_CONFIRM_PLAIN_HTTP: a server outside the address's registrable domain,
 *   named by a file fetched over plain HTTP: the person must confirm it
 */
typedef enum {
  EP_DISCOVER_TRUST_VERIFIED,
  EP_DISCOVER_TRUST_CONFIRM_DNS,
  EP_DISCOVER_TRUST_CONFIRM_PLAIN_HTTP,
} EpDiscoverTrust;

/**
 * EpDiscoverDnssec:
 * @EP_DISCOVER_DNSSEC_NOT_USED: no DNS record named this server (presets, HTTPS, probing)
 * @EP_DISCOVER_DNSSEC_UNKNOWN: a DNS record did, and no resolver the system trusts said it was
 *   validated (not signed, not checked, or the system does not trust its resolver's word): it
 *   is treated as unsigned
 * @EP_DISCOVER_DNSSEC_VALIDATED: a DNS record did, and the system's resolver, which the system
 *   trusts to validate ("trust-ad"), said it was validated by DNSSEC
 */
typedef enum {
  EP_DISCOVER_DNSSEC_NOT_USED,
  EP_DISCOVER_DNSSEC_UNKNOWN,
  EP_DISCOVER_DNSSEC_VALIDATED,
} EpDiscoverDnssec;

/**
 * EpDiscoverCandidate:
 * @host: the submission server (an A-label name or an IP literal)
 * @port: its port
 * @security: implicit TLS or STARTTLS; never %EP_SMTP_SECURITY_NONE
 * @username: the user name to sign in with, the address's parts substituted
 * @username_form: how @username relates to the address
 * @auth: the ways of signing in the source named (0: it did not say)
 * @mechanisms: the SASL mechanisms the server itself offered, when it was probed (else empty);
 *   upper-case, never %NULL
 * @source: which source found it
 * @location: the URL (for files) or the DNS name (for records and probes) it came from
 * @https: the file came over HTTPS with its certificate verified (FALSE for DNS and probes)
 * @dnssec: whether a DNS answer named it, and what is known of its signature
 * @trust: whether it can be used as it is or the person must confirm it first
 * @display_name: (nullable): the provider's name as the source gave it ("Fastmail")
 * @preset_id: (nullable): the preset's id, for %EP_DISCOVER_SOURCE_PRESET
 * @note: (nullable): translated advice from the preset (app passwords, ...)
 * @imap_host: (nullable): the IMAP server for the copy in the Sent folder, when the source named
 *   one (a preset, autoconfig's incomingServer of type "imap")
 * @imap_port: its port
 * @imap_security: implicit TLS or STARTTLS; never %EP_SMTP_SECURITY_NONE
 * @sent_copy_off: (nullable): translated: why the copy is off by default (the provider files
 *   sent mail itself); %NULL: on when there is an IMAP server
 *
 * A reference-counted boxed struct: one server, with its provenance.
 */
typedef struct {
  char               *host;
  guint16             port;
  EpSmtpSecurity      security;
  char               *username;
  EpDiscoverUsername  username_form;
  EpDiscoverAuth      auth;
  GStrv               mechanisms;
  EpDiscoverSource    source;
  char               *location;
  gboolean            https;
  EpDiscoverDnssec    dnssec;
  EpDiscoverTrust     trust;
  char               *display_name;
  char               *preset_id;
  char               *note;
  char               *imap_host;
  guint16             imap_port;
  EpSmtpSecurity      imap_security;
  char               *sent_copy_off;
} EpDiscoverCandidate;

/**
 * EpDiscoverState:
 * @EP_DISCOVER_STATE_WAITING: not started yet
 * @EP_DISCOVER_STATE_RUNNING: asking
 * @EP_DISCOVER_STATE_FOUND: answered with at least one usable server
 * @EP_DISCOVER_STATE_NOT_FOUND: answered: nothing for this domain
 * @EP_DISCOVER_STATE_FAILED: could not be asked or answered with something unusable (the
 *   detail says what)
 * @EP_DISCOVER_STATE_TIMED_OUT: had not answered when the time was up
 * @EP_DISCOVER_STATE_SKIPPED: not asked (no consent for the ISPDB, or not applicable)
 * @EP_DISCOVER_STATE_STOPPED: a source of higher priority answered first
 */
typedef enum {
  EP_DISCOVER_STATE_WAITING,
  EP_DISCOVER_STATE_RUNNING,
  EP_DISCOVER_STATE_FOUND,
  EP_DISCOVER_STATE_NOT_FOUND,
  EP_DISCOVER_STATE_FAILED,
  EP_DISCOVER_STATE_TIMED_OUT,
  EP_DISCOVER_STATE_SKIPPED,
  EP_DISCOVER_STATE_STOPPED,
} EpDiscoverState;

/**
 * EpDiscoverAttempt:
 * @source: the source it belongs to
 * @location: the URL, DNS name or server asked ("-" for the presets)
 * @state: how it ended (never WAITING or RUNNING in a result)
 * @detail: (nullable): what it answered: an error's message, "2 servers", ...
 * @elapsed_ms: from the start of the discovery to the end of this attempt
 *
 * One question asked of one source: the transcript's line. A plain boxed struct.
 */
typedef struct {
  EpDiscoverSource  source;
  char             *location;
  EpDiscoverState   state;
  char             *detail;
  guint             elapsed_ms;
} EpDiscoverAttempt;

#define EP_TYPE_DISCOVER_SOURCE    (ep_discover_source_get_type ())
#define EP_TYPE_DISCOVER_STATE     (ep_discover_state_get_type ())
#define EP_TYPE_DISCOVER_TRUST     (ep_discover_trust_get_type ())
#define EP_TYPE_DISCOVER_USERNAME  (ep_discover_username_get_type ())
#define EP_TYPE_DISCOVER_AUTH      (ep_discover_auth_get_type ())
#define EP_TYPE_DISCOVER_CANDIDATE (ep_discover_candidate_get_type ())
#define EP_TYPE_DISCOVER_ATTEMPT   (ep_discover_attempt_get_type ())

GType ep_discover_source_get_type    (void) G_GNUC_CONST;
GType ep_discover_state_get_type     (void) G_GNUC_CONST;
GType ep_discover_trust_get_type     (void) G_GNUC_CONST;
GType ep_discover_username_get_type  (void) G_GNUC_CONST;
GType ep_discover_auth_get_type      (void) G_GNUC_CONST;
GType ep_discover_candidate_get_type (void) G_GNUC_CONST;
GType ep_discover_attempt_get_type   (void) G_GNUC_CONST;

/* The GType nicks ("preset", "autoconfig", "ispdb", "mx", "srv", "probe"; "found", "not-found",
 * ...) are how the CLI's transcript spells them. */
const char          *ep_discover_source_to_string (EpDiscoverSource source);
const char          *ep_discover_state_to_string  (EpDiscoverState  state);

/* A candidate with no provenance yet: STARTTLS, trust VERIFIED, username form UNKNOWN. */
EpDiscoverCandidate *ep_discover_candidate_new    (void);
EpDiscoverCandidate *ep_discover_candidate_ref    (EpDiscoverCandidate *self);
void                 ep_discover_candidate_unref  (EpDiscoverCandidate *self);

/* Translated, for people: "Found in Fastmail's own configuration (HTTPS)", "From DNS (not
 * signed); please confirm", ... */
char                *ep_discover_candidate_describe_source (const EpDiscoverCandidate *self);

/* The sign-in method a profile should use: XOAUTH2 when OAuth 2.0 is the only way the source
 * names, otherwise the strongest the server offers (AUTO). */
EpSmtpAuthMechanism  ep_discover_candidate_get_auth_mechanism (const EpDiscoverCandidate *self);

/* A new (unsaved) profile called @name with the candidate's server, security, user name and
 * sign-in method, and @address as its sender. */
EpProfile           *ep_discover_candidate_to_profile (const EpDiscoverCandidate *self,
                                                       const char                *name,
                                                       const char                *address);

EpDiscoverAttempt   *ep_discover_attempt_copy     (const EpDiscoverAttempt *self);
void                 ep_discover_attempt_free     (EpDiscoverAttempt       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpDiscoverCandidate, ep_discover_candidate_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpDiscoverAttempt, ep_discover_attempt_free)

G_END_DECLS
