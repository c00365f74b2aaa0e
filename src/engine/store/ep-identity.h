/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-identity.h: one From a profile sends as (name, address, Reply-To, Bcc to self, signature). */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* What a profile may hold: more would be a list nobody can choose from in the composer. */
#define EP_IDENTITY_MAX 64
/* A plain-text signature is a few lines; a larger one is a message of its own. */
#define EP_IDENTITY_SIGNATURE_MAX 8192
/* RFC 3676 §4.3: the line that starts a signature ("-- ", dash dash space). */
#define EP_IDENTITY_SIGNATURE_DELIMITER "-- "

#define EP_TYPE_IDENTITY (ep_identity_get_type ())

typedef struct _EpIdentity EpIdentity;

/* A plain value, copied whole: the order of a profile's identities is their place in its list. */
struct _EpIdentity
{
  char     *name;        /* display name; "" when none */
  char     *address;     /* the From addr-spec; required */
  char     *reply_to;    /* "" when none */
  gboolean  bcc_self;    /* a blind copy of each message to @address */
  char     *signature;   /* plain text without the delimiter line; "" when none */
  gboolean  signature_above_quote;   /* above quoted text in the body, rather than at its end */
  gboolean  is_default;
};

GType       ep_identity_get_type     (void) G_GNUC_CONST;
EpIdentity *ep_identity_new          (const char       *name,
                                      const char       *address);
EpIdentity *ep_identity_copy         (const EpIdentity *self);
void        ep_identity_free         (EpIdentity       *self);
gboolean    ep_identity_equal        (const EpIdentity *a,
                                      const EpIdentity *b);
void        ep_identity_set_string   (char            **field,
                                      const char       *value);

/* The profiles.ini key of @field ("address", "signature"…) of the identity at @number. */
char       *ep_identity_key_name     (guint             number,
                                      const char       *field);
/* Checks every field (@number: the identity's place from 1, for the message); the error
 * names the field. */
gboolean    ep_identity_validate     (const EpIdentity *self,
                                      guint             number,
                                      GError          **error);

/* "Name <address>" as typed in a From field (the name quoted when it needs it). */
char       *ep_identity_dup_from     (const EpIdentity *self);
/* The address's domain, lowercased; "" when there is none. */
char       *ep_identity_dup_domain   (const EpIdentity *self);
/* Whether @text (a From as typed) is this identity's address (ignoring case and name). */
gboolean    ep_identity_matches_from (const EpIdentity *self,
                                      const char       *text);
/* Whether @query is the identity's display name or address (ignoring case). */
gboolean    ep_identity_matches      (const EpIdentity *self,
                                      const char       *query);
/* The signature as it goes below a body: the delimiter line, then the signature with its
 * lines as written; %NULL when the identity has none. */
char       *ep_identity_dup_signature_block (const EpIdentity *self);

/* Where the signature block goes in @body, as a byte offset: at its end; or, for an identity
 * that puts it above quoted text, at the start of the body's first quoted line (one that
 * starts with ">", RFC 3676 §4.5) when there is one. */
gsize       ep_identity_signature_offset (const EpIdentity *self,
                                          const char       *body);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpIdentity, ep_identity_free)

G_END_DECLS
