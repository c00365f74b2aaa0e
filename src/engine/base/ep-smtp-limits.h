/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp-limits.h: the size limits of SMTP (RFC 5321 §4.5.3.1, RFC 4954 §4) and of the domain
 * names in it, one list for the client, the Sandbox and the address checks of the MIME layer. */
#pragma once

/* RFC 5321 §4.5.3.1.1: a local part is at most 64 octets. */
#define EP_SMTP_LOCAL_PART_MAX 64

/* RFC 5321 §4.5.3.1.2: a domain, or an address literal, is at most 255 octets. */
#define EP_SMTP_DOMAIN_MAX 255

/* RFC 1035 §2.3.4: a label is at most 63 octets; a name at most 255 octets on the wire, which
 * is 253 characters written with dots (without the final dot). */
#define EP_DNS_LABEL_MAX 63
#define EP_DNS_NAME_MAX 253

/* RFC 5321 §4.5.3.1.3: a reverse- or forward-path, "<" and ">" included, is at most 256 octets,
 * so the mailbox in it at most 254. */
#define EP_SMTP_PATH_MAX 256
#define EP_SMTP_MAILBOX_MAX (EP_SMTP_PATH_MAX - 2)

/* RFC 5321 §4.5.3.1.4: a command line, CRLF included, is at most 512 octets. */
#define EP_SMTP_COMMAND_LINE_MAX 512

/* RFC 5321 §4.5.3.1.5: a reply line, CRLF included, is at most 512 octets. Real servers
 * overshoot it (long 250-AUTH lines, policy texts): the client reads EP_SMTP_REPLY_LINE_MAX
 * (ep-smtp-reply.h), four times as much. */
#define EP_SMTP_REPLY_LINE_RFC_MAX 512

/* RFC 5321 §4.5.3.1.6: a line of message text, CRLF included, is at most 1000 octets. Real mail
 * breaks it: the Sandbox accepts EP_SANDBOX_DATA_LINE_MAX and records the longest line. */
#define EP_SMTP_TEXT_LINE_MAX 1000

/* RFC 5321 §4.5.3.1.8: a server must accept at least 100 recipients per transaction. */
#define EP_SMTP_RECIPIENTS_MIN 100

/* RFC 4954 §4: the AUTH command, initial response included, and each line of the exchange may
 * be up to 12288 octets, CRLF included. */
#define EP_SMTP_AUTH_LINE_MAX 12288
