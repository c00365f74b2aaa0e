/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-sent-copy-status.h: where the copy of a Sent store entry in the server's Sent folder
 * stands (IMAP APPEND), kept beside the entry's exact bytes ("server-copy.ini" in its folder),
 * so that a failed upload is retried later from those bytes and the message is never sent
 * again for it. An entry without the file has no server copy to make. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* The file's format; a greater one is left alone. */
#define EP_SENT_COPY_STATUS_FORMAT 1

/**
 * EpSentCopyState:
 * @EP_SENT_COPY_PENDING: to be uploaded from @next_attempt on
 * @EP_SENT_COPY_DONE: in the server's Sent folder (uploaded, or found there on a retry)
 * @EP_SENT_COPY_FAILED: refused for good (or the retry policy gave up), with the server's words
 *
 * The GType's nicks ("pending", "done", "failed") are how the file spells them.
 */
typedef enum {
  EP_SENT_COPY_PENDING,
  EP_SENT_COPY_DONE,
  EP_SENT_COPY_FAILED,
} EpSentCopyState;

#define EP_TYPE_SENT_COPY_STATE (ep_sent_copy_state_get_type ())
GType ep_sent_copy_state_get_type (void) G_GNUC_CONST;

/**
 * EpSentCopyStatus:
 * @state: where the copy stands
 * @attempts: uploads tried so far
 * @first_attempt: (nullable): when the first was
 * @next_attempt: (nullable): while pending: not before this time
 * @maybe_there: an earlier upload may have reached the server (EP_IMAP_ERROR_UPLOAD_UNKNOWN,
 *   or any attempt before): the next one looks for the Message-ID first
 * @mailbox: (nullable): the Sent folder, as the server names it, once known
 * @last_error: (nullable): why the last upload failed, with the server's words
 * @choose_folder: it failed because the server has several Sent folders: the person chooses
 *   one (the profile's imap-sent-folder)
 */
typedef struct {
  EpSentCopyState  state;
  guint            attempts;
  GDateTime       *first_attempt;
  GDateTime       *next_attempt;
  gboolean         maybe_there;
  char            *mailbox;
  char            *last_error;
  gboolean         choose_folder;
} EpSentCopyStatus;

EpSentCopyStatus *ep_sent_copy_status_new   (void);
void              ep_sent_copy_status_free  (EpSentCopyStatus *status);
/* Whether @status is pending and @now is not before its next attempt. */
gboolean          ep_sent_copy_status_is_due (const EpSentCopyStatus *status,
                                              GDateTime              *now);

/* @entry_dir: the Sent store entry's folder. NULL without an error when there is no file (no
 * server copy to make); EP_STORE_ERROR_INVALID for a damaged one, EP_STORE_ERROR_NEWER_FORMAT
 * for a newer one. */
EpSentCopyStatus *ep_sent_copy_status_load  (const char             *entry_dir,
                                             GError                **error);
/* Atomically, mode 0600. */
gboolean          ep_sent_copy_status_save  (const char             *entry_dir,
                                             const EpSentCopyStatus *status,
                                             GError                **error);

/* One uploader at a time: the app's worker and `epistle-send --flush` may both find the same
 * copy due. The lock is a flock on "server-copy.lock" in @entry_dir, held until
 * ep_sent_copy_unlock() (or the process ends); the status is read again after taking it.
 * Returns the lock's descriptor, or -1 with EP_STORE_ERROR_BUSY when another uploader holds it
 * (or another store error). */
int               ep_sent_copy_lock         (const char             *entry_dir,
                                             GError                **error);
void              ep_sent_copy_unlock       (int                     lock_fd);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpSentCopyStatus, ep_sent_copy_status_free)

G_END_DECLS
