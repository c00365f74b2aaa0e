/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-store-util.h: helpers shared by the stores (profiles, drafts, Sent, the outbox, the Sandbox
 * inbox). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* GKeyFile flags for files people may edit by hand: comments and translations survive. */
#define EP_STORE_KEYFILE_FLAGS (G_KEY_FILE_KEEP_COMMENTS | G_KEY_FILE_KEEP_TRANSLATIONS)

gboolean  ep_store_load_keyfile       (GKeyFile    *keyfile,
                                       const char  *path,
                                       GError     **error);
char     *ep_store_move_aside         (const char  *path,
                                       GError     **error);
/* Moves the damaged file or folder @path aside (never deleting it: what the person wrote may be
 * in it) and replaces *@error, which says what is wrong with it, by EP_STORE_ERROR_CORRUPT
 * saying that and where it went. */
void      ep_store_move_aside_and_report (const char  *path,
                                          GError     **error);
#define EP_STORE_MAX_ID_LENGTH 64

gboolean  ep_store_id_is_valid        (const char  *id);
/* A profile as other stores name it: a profiles.ini id, or "source:id" for one another source
 * keeps (GNOME Online Accounts' "goa:<account id>"), each part an id itself. */
gboolean  ep_store_profile_ref_is_valid (const char *id);
char     *ep_store_keyfile_dup_string (GKeyFile    *keyfile,
                                       const char  *group,
                                       const char  *key,
                                       GError     **error);
char    **ep_store_keyfile_dup_string_list (GKeyFile    *keyfile,
                                            const char  *group,
                                            const char  *key,
                                            GError     **error);
char     *ep_store_without_period     (const char  *message);
char     *ep_store_format_date        (GDateTime   *date);
GDateTime *ep_store_parse_date        (const char  *text);

/* A new id for a folder entry (Sent, the outbox): it sorts by time, reads well in a file
 * manager, and is never reused. */
char     *ep_store_new_entry_id       (void);
/* Makes the renames in folder @path durable, as far as the file system allows (best effort). */
void      ep_store_sync_dir           (const char  *path);
/* Removes an entry folder of ours: it only ever holds plain files we wrote. */
void      ep_store_remove_entry_dir   (const char  *path);
/* Opens @path (made 0600 when missing, never through a symbolic link) and takes an exclusive
 * flock on it without waiting; the lock ends with the descriptor or the process. Returns the
 * descriptor, or -1 with the errno in @errsv (EWOULDBLOCK: another holds it), for the caller to
 * word. */
int       ep_store_try_lock           (const char  *path,
                                       int         *errsv);

G_END_DECLS
