/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-sandbox-store.h: the Sandbox inbox on disk: exact message bytes plus an envelope record. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* $XDG_DATA_HOME/epistle/sandbox/inbox/<id>.eml and <id>.envelope (a GKeyFile). */
#define EP_SANDBOX_MESSAGE_SUFFIX  ".eml"
#define EP_SANDBOX_ENVELOPE_SUFFIX ".envelope"
#define EP_SANDBOX_ENVELOPE_GROUP  "Envelope"
#define EP_SANDBOX_SESSION_GROUP   "Session"
#define EP_SANDBOX_ENVELOPE_VERSION 1

/**
 * EpSandboxEntry:
 * @id: the message id, e.g. "20250102-030405-678901-1a2b3c4d" (sorts by arrival time)
 * @eml_path: the file holding the exact message bytes as received (after dot-unstuffing)
 * @sender: the reverse-path without angle brackets; "" for the null sender <>
 * @recipients: the forward-paths, in the order given
 * @received: when the end of data was received (UTC)
 * @size: octets in @eml_path
 * @mtime: modification time of @eml_path (seconds since the epoch), 0 when unknown
 * @transfer: "DATA" or "BDAT"
 * @body_type: the MAIL BODY= parameter ("7BIT", "8BITMIME"), or %NULL when none was given
 * @smtputf8: whether MAIL carried the SMTPUTF8 parameter
 * @longest_line: the longest line of the message in octets, CRLF included; more than 1000
 *   breaks RFC 5321 4.5.3.1.6
 * @client_name: the EHLO/HELO argument
 * @client_address: the client's IP address and port
 * @greeting: "EHLO" or "HELO"
 * @tls: whether the transaction ran inside TLS
 * @tls_protocol: (nullable): e.g. "TLS 1.3"
 * @tls_cipher: (nullable): the cipher suite name
 * @auth_mechanism: (nullable): "PLAIN" or "LOGIN"
 * @auth_user: (nullable): the authenticated user name
 * @transcript: the SMTP dialogue from the server's side, "S: "/"C: "/"I: " lines, AUTH
 *   payloads redacted and the message text summarised
 *
 * One received message. Reference counted; fields are read-only once returned.
 */
typedef struct {
  char      *id;
  char      *eml_path;
  char      *sender;
  GStrv      recipients;
  GDateTime *received;
  guint64    size;
  gint64     mtime;
  char      *transfer;
  char      *body_type;
  gboolean   smtputf8;
  guint64    longest_line;
  char      *client_name;
  char      *client_address;
  char      *greeting;
  gboolean   tls;
  char      *tls_protocol;
  char      *tls_cipher;
  char      *auth_mechanism;
  char      *auth_user;
  char      *transcript;
} EpSandboxEntry;

#define EP_TYPE_SANDBOX_ENTRY (ep_sandbox_entry_get_type ())
GType           ep_sandbox_entry_get_type (void) G_GNUC_CONST;
EpSandboxEntry *ep_sandbox_entry_new      (void);
EpSandboxEntry *ep_sandbox_entry_ref      (EpSandboxEntry *self);
void            ep_sandbox_entry_unref    (EpSandboxEntry *self);

char      *ep_sandbox_dup_dir          (void);
char      *ep_sandbox_dup_inbox_dir    (void);
gboolean   ep_sandbox_ensure_dirs      (GError        **error);
gboolean   ep_sandbox_id_is_valid      (const char     *id);

GPtrArray      *ep_sandbox_store_list       (GError        **error);
EpSandboxEntry *ep_sandbox_store_lookup     (const char     *id,
                                             GError        **error);
gboolean        ep_sandbox_store_delete     (const char     *id,
                                             GError        **error);
gboolean        ep_sandbox_store_delete_all (GError        **error);

/* The receiving side: a message streamed to a hidden temporary file, then published. */
typedef struct _EpSandboxIncoming EpSandboxIncoming;

EpSandboxIncoming *ep_sandbox_incoming_new     (GError           **error);
const char        *ep_sandbox_incoming_get_id  (EpSandboxIncoming *self);
gboolean           ep_sandbox_incoming_write   (EpSandboxIncoming *self,
                                                const void        *data,
                                                gsize              length,
                                                GCancellable      *cancellable,
                                                GError           **error);
gboolean           ep_sandbox_incoming_commit  (EpSandboxIncoming *self,
                                                EpSandboxEntry    *entry,
                                                GCancellable      *cancellable,
                                                GError           **error);
void               ep_sandbox_incoming_free    (EpSandboxIncoming *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpSandboxEntry, ep_sandbox_entry_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpSandboxIncoming, ep_sandbox_incoming_free)

G_END_DECLS
