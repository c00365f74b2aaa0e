/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-recipient-index.h: the addresses a person sent to, learned from the Sent store and the
 * outbox, for completing recipients as they are typed. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The weight of a send halves every this many days (the ranking, in ep-recipient-index.c). */
#define EP_RECIPIENT_INDEX_HALF_LIFE_DAYS 30.0
/* How much of a message is read for its headers: any sane header block fits. */
#define EP_RECIPIENT_INDEX_HEAD_MAX (64 * 1024)
/* More recipients than this in one message are a mailing, not people to complete: the rest of
 * its addresses are not learned. */
#define EP_RECIPIENT_INDEX_MAX_PER_MESSAGE 500
/* The forget list's name in $XDG_DATA_HOME/epistle/ (docs/stores.md). */
#define EP_RECIPIENT_INDEX_FORGET_FILE "forgotten-recipients.ini"
/* A display name longer than this (in characters) is not kept. */
#define EP_RECIPIENT_INDEX_NAME_MAX 200

/**
 * EpRecipientMatch:
 * @name: (nullable): the display name as last used
 * @address: the address as last written
 * @count: how many messages were sent to it (since it was last forgotten)
 * @last_used: when it was last sent to (Unix time, seconds)
 * @in_name: whether the match is in @name (else in @address)
 * @match_start, @match_end: the matched text, in bytes of @name or @address
 */
typedef struct
{
  char     *name;
  char     *address;
  guint     count;
  gint64    last_used;
  gboolean  in_name;
  gsize     match_start;
  gsize     match_end;
} EpRecipientMatch;

void  ep_recipient_match_free (EpRecipientMatch *match);

/* Signal "changed" (no arguments): a refresh learned something. */
#define EP_TYPE_RECIPIENT_INDEX (ep_recipient_index_get_type ())
G_DECLARE_FINAL_TYPE (EpRecipientIndex, ep_recipient_index, EP, RECIPIENT_INDEX, GObject)

EpRecipientIndex *ep_recipient_index_new_default    (void);
EpRecipientIndex *ep_recipient_index_new            (const char          *sent_dir,
                                                     const char          *outbox_dir,
                                                     const char          *forget_path);

void              ep_recipient_index_refresh_async  (EpRecipientIndex    *self,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gboolean          ep_recipient_index_refresh_finish (EpRecipientIndex    *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);
gboolean          ep_recipient_index_refresh_sync   (EpRecipientIndex    *self,
                                                     GCancellable        *cancellable,
                                                     GError             **error);

void              ep_recipient_index_add_message    (EpRecipientIndex    *self,
                                                     const char          *message_id,
                                                     const char          *to,
                                                     const char          *cc,
                                                     const char * const  *envelope,
                                                     gint64               when);

GPtrArray        *ep_recipient_index_query          (EpRecipientIndex    *self,
                                                     const char          *text,
                                                     guint                max_results);
gboolean          ep_recipient_index_forget         (EpRecipientIndex    *self,
                                                     const char          *address,
                                                     gint64               now,
                                                     GError             **error);
guint             ep_recipient_index_get_n_addresses (EpRecipientIndex   *self);

/* The folded form matching compares: accents dropped, case folded. For tests and benchmarks. */
char             *ep_recipient_index_fold           (const char          *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpRecipientMatch, ep_recipient_match_free)

G_END_DECLS
