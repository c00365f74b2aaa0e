/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp-path.h: the RFC 5321 path grammar (§4.1.2, with RFC 6531's UTF-8), one for the
 * client's envelope and the Sandbox's MAIL and RCPT. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Mailbox      = Local-part "@" ( Domain / address-literal )
 * Local-part   = Dot-string / Quoted-string
 *
 * A Dot-string is atoms joined by single dots; a Quoted-string holds printable ASCII, with '"'
 * and '\' only as quoted pairs of a backslash and a printable ASCII character. A Domain is
 * labels of letters, digits and inner hyphens joined by dots; an address literal is
 * "[" IPv4 "]" or "[IPv6:" IPv6 "]" (general address literals are not taken). As RFC 6531 §3.3
 * allows, atoms, quoted text and labels may hold UTF-8 too: whether the session may carry it
 * (SMTPUTF8) is for the caller to decide. Limits: the local part EP_SMTP_LOCAL_PART_MAX, the
 * domain EP_SMTP_DOMAIN_MAX, a label EP_DNS_LABEL_MAX, the whole EP_SMTP_MAILBOX_MAX octets
 * (ep-smtp-limits.h). No control character, nor any space outside quotes, is part of it.
 */
gboolean ep_smtp_mailbox_is_valid      (const char   *mailbox);

/* Reverse-path: a Mailbox, or "" for the null reverse-path "<>" (RFC 5321 §4.5.5). */
gboolean ep_smtp_reverse_path_is_valid (const char   *mailbox);

/* Forward-path: a Mailbox, or "Postmaster" in any case without a domain (RFC 5321 §4.1.1.3). */
gboolean ep_smtp_forward_path_is_valid (const char   *mailbox);

/* Splits what follows "MAIL FROM:" or "RCPT TO:": "<" [ A-d-l ":" ] mailbox ">", then nothing
 * or one space and the parameters. The path, brackets and source route included, is at most
 * EP_SMTP_PATH_MAX octets. The mailbox comes back without the brackets and without the source
 * route, which RFC 5321 §4.1.1.3 says to ignore; it is not judged here. */
gboolean ep_smtp_path_split            (const char   *text,
                                        char        **out_mailbox,
                                        const char  **out_params);

G_END_DECLS
