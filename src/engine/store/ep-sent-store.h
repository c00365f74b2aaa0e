/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-sent-store.h: copies of sent messages — exact bytes, redacted transcript, summary. */
#pragma once

#include <gio/gio.h>

#include "ep-smtp-result.h"

G_BEGIN_DECLS

/**
 * EpSentInfo:
 * @id: set by the store when the entry is committed
 * @date: when it was sent
 * @subject, @from: as in the message (may be empty)
 * @recipients: (array zero-terminated=1): every envelope recipient
 * @size: set by the store: the size of the stored message in bytes
 * @server: "host:port"
 * @outcome_text: (nullable): the server's final reply, or why the rest was not delivered
 * @not_delivered: (array zero-terminated=1) (nullable): the recipients that do not have the
 *   message (partial delivery); %NULL or empty when every recipient has it
 * @profile_id: (nullable): the profile used
 * @hold_until: (nullable): the server was asked to hold the message until then (RFC 4865
 *   FUTURERELEASE) and took it: it delivers the message at that time
 */
typedef struct
{
  char          *id;
  GDateTime     *date;
  char          *subject;
  char          *from;
  char         **recipients;
  guint64        size;
  char          *server;
  EpSmtpOutcome  outcome;
  char          *outcome_text;
  char          *profile_id;
  char         **not_delivered;
  GDateTime     *hold_until;
} EpSentInfo;

#define EP_TYPE_SENT_INFO (ep_sent_info_get_type ())
GType       ep_sent_info_get_type (void) G_GNUC_CONST;
EpSentInfo *ep_sent_info_new      (void);
EpSentInfo *ep_sent_info_copy     (const EpSentInfo *info);
void        ep_sent_info_free     (EpSentInfo       *info);

typedef struct _EpSentWriter EpSentWriter;

GOutputStream *ep_sent_writer_get_output_stream (EpSentWriter   *self);
gboolean       ep_sent_writer_commit            (EpSentWriter   *self,
                                                 EpSentInfo     *info,
                                                 const char     *transcript,
                                                 GError        **error);
void           ep_sent_writer_free              (EpSentWriter   *self);

#define EP_TYPE_SENT_STORE (ep_sent_store_get_type ())
G_DECLARE_FINAL_TYPE (EpSentStore, ep_sent_store, EP, SENT_STORE, GObject)

EpSentStore  *ep_sent_store_new              (const char     *sent_dir);
const char   *ep_sent_store_get_dir          (EpSentStore    *self);
EpSentWriter *ep_sent_store_begin            (EpSentStore    *self,
                                              GError        **error);
gboolean      ep_sent_store_add              (EpSentStore    *self,
                                              EpSentInfo     *info,
                                              GInputStream   *message,
                                              const char     *transcript,
                                              GCancellable   *cancellable,
                                              GError        **error);
gboolean      ep_sent_store_add_file         (EpSentStore    *self,
                                              EpSentInfo     *info,
                                              const char     *message_path,
                                              const char     *transcript,
                                              GCancellable   *cancellable,
                                              GError        **error);
GPtrArray    *ep_sent_store_list             (EpSentStore    *self,
                                              GPtrArray     **out_problems,
                                              GError        **error);
EpSentInfo   *ep_sent_store_load             (EpSentStore    *self,
                                              const char     *id,
                                              GError        **error);
char         *ep_sent_store_dup_message_path (EpSentStore    *self,
                                              const char     *id);
char         *ep_sent_store_load_transcript  (EpSentStore    *self,
                                              const char     *id,
                                              GError        **error);
gboolean      ep_sent_store_delete           (EpSentStore    *self,
                                              const char     *id,
                                              GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpSentInfo, ep_sent_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpSentWriter, ep_sent_writer_free)

G_END_DECLS
