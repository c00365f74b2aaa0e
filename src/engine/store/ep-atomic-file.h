/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-atomic-file.h: crash- and disk-full-safe file replacement shared by every store. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Private data (profiles, drafts, Sent copies): only the owner may read it. */
#define EP_ATOMIC_FILE_PRIVATE_MODE 0600

typedef struct _EpAtomicFile EpAtomicFile;

gboolean       ep_atomic_file_write             (const char    *path,
                                                 const void    *data,
                                                 gsize          length,
                                                 guint          mode,
                                                 GError       **error);
gboolean       ep_atomic_file_write_stream      (const char    *path,
                                                 GInputStream  *input,
                                                 guint          mode,
                                                 guint64       *out_size,
                                                 GCancellable  *cancellable,
                                                 GError       **error);

EpAtomicFile  *ep_atomic_file_new               (const char    *path,
                                                 guint          mode,
                                                 GError       **error);
GOutputStream *ep_atomic_file_get_output_stream (EpAtomicFile  *self);
guint64        ep_atomic_file_get_size          (EpAtomicFile  *self);
gboolean       ep_atomic_file_copy_from         (EpAtomicFile  *self,
                                                 GInputStream  *input,
                                                 GCancellable  *cancellable,
                                                 GError       **error);
gboolean       ep_atomic_file_commit            (EpAtomicFile  *self,
                                                 GError       **error);
void           ep_atomic_file_free              (EpAtomicFile  *self);

gboolean       ep_store_ensure_private_dir      (const char    *path,
                                                 GError       **error);

/* For tests only: called before every write(2) and fsync(2) of every atomic file; return an
 * errno value (e.g. ENOSPC) to make that call fail as if the kernel had refused it, 0 to go on.
 * Pass NULL to remove. @offset is how many bytes of this file were written so far. */
typedef enum {
  EP_ATOMIC_FILE_STAGE_WRITE,
  EP_ATOMIC_FILE_STAGE_SYNC,
} EpAtomicFileStage;

typedef int (*EpAtomicFileFailHook) (const char        *path,
                                     EpAtomicFileStage  stage,
                                     guint64            offset,
                                     gpointer           user_data);

void ep_atomic_file_set_fail_hook (EpAtomicFileFailHook hook,
                                   gpointer             user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpAtomicFile, ep_atomic_file_free)

G_END_DECLS
