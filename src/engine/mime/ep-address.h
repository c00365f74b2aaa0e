/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-address.h: a validated mailbox (display name + addr-spec) and a parser for typed address lists. */
#pragma once

#include <glib-object.h>

#include "ep-smtp-limits.h"

G_BEGIN_DECLS

/* Addresses are sent in SMTP envelopes: the size limits are RFC 5321's and DNS's
 * (ep-smtp-limits.h): EP_SMTP_LOCAL_PART_MAX, EP_SMTP_MAILBOX_MAX, EP_DNS_LABEL_MAX and
 * EP_DNS_NAME_MAX for a host name. */

#define EP_TYPE_ADDRESS (ep_address_get_type ())

typedef struct _EpAddress EpAddress;

GType       ep_address_get_type        (void) G_GNUC_CONST;
EpAddress  *ep_address_new             (const char      *display_name,
                                        const char      *addr_spec,
                                        const char      *field,
                                        GError         **error);
EpAddress  *ep_address_copy            (const EpAddress *self);
void        ep_address_free            (EpAddress       *self);
const char *ep_address_get_name        (const EpAddress *self);
const char *ep_address_get_addr_spec   (const EpAddress *self);
const char *ep_address_get_envelope    (const EpAddress *self);
const char *ep_address_get_domain      (const EpAddress *self);
gboolean    ep_address_needs_smtputf8  (const EpAddress *self);
char       *ep_address_to_header       (const EpAddress *self);
char       *ep_address_to_text         (const EpAddress *self);
GPtrArray  *ep_address_list_parse      (const char      *text,
                                        const char      *field,
                                        GError         **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpAddress, ep_address_free)

G_END_DECLS
