/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp-capabilities.h: the service extensions a server announced in its EHLO reply (RFC 5321 §4.1.1.1). */
#pragma once

#include <glib-object.h>

#include "ep-smtp-error.h"
#include "ep-smtp-reply.h"

G_BEGIN_DECLS

typedef enum {
  EP_SMTP_CAP_NONE                = 0,
  EP_SMTP_CAP_STARTTLS            = 1 << 0,  /* RFC 3207 */
  EP_SMTP_CAP_AUTH                = 1 << 1,  /* RFC 4954 */
  EP_SMTP_CAP_SIZE                = 1 << 2,  /* RFC 1870 */
  EP_SMTP_CAP_PIPELINING          = 1 << 3,  /* RFC 2920 */
  EP_SMTP_CAP_CHUNKING            = 1 << 4,  /* RFC 3030 */
  EP_SMTP_CAP_8BITMIME            = 1 << 5,  /* RFC 6152 */
  EP_SMTP_CAP_SMTPUTF8            = 1 << 6,  /* RFC 6531 */
  EP_SMTP_CAP_ENHANCEDSTATUSCODES = 1 << 7,  /* RFC 2034 */
  EP_SMTP_CAP_DSN                 = 1 << 8,  /* RFC 3461 */
  EP_SMTP_CAP_FUTURERELEASE       = 1 << 9,  /* RFC 4865 */
  EP_SMTP_CAP_REQUIRETLS          = 1 << 10, /* RFC 8689 */
} EpSmtpCapFlags;

typedef struct {
  EpSmtpCapFlags flags;
  guint64        size_max;      /* SIZE n; 0 = no limit announced (or SIZE not offered) */
  GStrv          auth_mechs;    /* mechanism names as offered, upper-case; never NULL */
  char          *domain;        /* the server's name from the first line of the EHLO reply */
  gboolean       esmtp;         /* FALSE after a HELO fallback (no extensions at all) */
  /* FUTURERELEASE's parameters (RFC 4865 §3): how far ahead a message may be held, in seconds
   * and as a latest time (Unix seconds); 0 when not announced. */
  guint64        future_release_max_interval;
  gint64         future_release_max_date;
} EpSmtpCapabilities;

#define EP_TYPE_SMTP_CAPABILITIES (ep_smtp_capabilities_get_type ())

GType               ep_smtp_capabilities_get_type     (void) G_GNUC_CONST;
/* Empty capabilities (what a HELO server has). */
EpSmtpCapabilities *ep_smtp_capabilities_new          (void);
/* Parses a 250 reply to EHLO. Unknown keywords are ignored; so are malformed parameters of known
 * ones (SIZE without a number is "SIZE offered, no limit announced"). */
EpSmtpCapabilities *ep_smtp_capabilities_new_from_ehlo (const EpSmtpReply *reply);
EpSmtpCapabilities *ep_smtp_capabilities_copy         (const EpSmtpCapabilities *self);
void                ep_smtp_capabilities_free         (EpSmtpCapabilities       *self);

static inline gboolean
ep_smtp_capabilities_has (const EpSmtpCapabilities *self, EpSmtpCapFlags flag)
{
  return (self->flags & flag) == flag;
}

/* Whether AUTH lists @mechanism (AUTO and NONE are never offered). */
gboolean            ep_smtp_capabilities_has_auth      (const EpSmtpCapabilities *self,
                                                        EpSmtpAuthMechanism       mechanism);
/* Whether a server announcing FUTURERELEASE with @max_interval seconds and @max_date (Unix
 * seconds; 0: not announced) holds a message until @until, asked at @now (RFC 4865 §3): neither
 * further ahead than the interval nor after the date. */
gboolean            ep_smtp_future_release_allows      (guint64                   max_interval,
                                                        gint64                    max_date,
                                                        GDateTime                *until,
                                                        GDateTime                *now);
/* "STARTTLS PIPELINING SIZE=10240000 AUTH=PLAIN,LOGIN …" for logs and the UI. */
char               *ep_smtp_capabilities_to_string     (const EpSmtpCapabilities *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpSmtpCapabilities, ep_smtp_capabilities_free)

G_END_DECLS
