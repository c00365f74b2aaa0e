/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-draft-store.c: loading a draft file, which may be damaged, old, new or hand-edited.
 *
 * The input is the file. Oracles: a damaged draft is moved aside, never deleted; a loaded draft
 * holds valid UTF-8 (it goes back into GTK widgets); and saving it then loading it again gives
 * the same draft. The folder listing sees the same draft. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "ep-draft-store.h"
#include "ep-fuzz.h"
#include "ep-store-error.h"

#define DRAFT_ID "fuzz"

static char *drafts_dir;

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  ep_fuzz_init ();
  drafts_dir = g_build_filename (ep_fuzz_get_tmpdir (), "drafts", NULL);
  g_mkdir_with_parents (drafts_dir, 0700);
  return 0;
}

static void
append_text (GString    *out,
             const char *text)
{
  if (text != NULL)
    EP_FUZZ_CHECK (g_utf8_validate (text, -1, NULL));
  g_string_append_printf (out, "%s\x1f", text != NULL ? text : "(null)");
}

static char *
describe_draft (const EpDraft *draft)
{
  g_autoptr(GString) out = g_string_new (NULL);

  EP_FUZZ_CHECK (g_str_equal (draft->id, DRAFT_ID));
  EP_FUZZ_CHECK (draft->created != NULL && draft->modified != NULL);
  append_text (out, draft->profile_id);
  append_text (out, draft->from);
  append_text (out, draft->to);
  append_text (out, draft->cc);
  append_text (out, draft->bcc);
  append_text (out, draft->subject);
  append_text (out, draft->body);
  for (guint i = 0; i < draft->attachments->len; i++)
    {
      const EpDraftAttachment *attachment = draft->attachments->pdata[i];

      append_text (out, attachment->uri);
      append_text (out, attachment->display_name);
      append_text (out, attachment->content_type);
      g_string_append_printf (out, "%" G_GUINT64_FORMAT "\n", attachment->size);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static guint
count_files (void)
{
  g_autoptr(GDir) dir = g_dir_open (drafts_dir, 0, NULL);
  guint n = 0;

  while (dir != NULL && g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(EpDraftStore) store = ep_draft_store_new (drafts_dir);
  g_autofree char *path = ep_draft_store_dup_path (store, DRAFT_ID);
  g_autoptr(EpDraft) draft = NULL;
  g_autoptr(EpDraft) again = NULL;
  g_autoptr(GPtrArray) listed = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *third = NULL;

  ep_fuzz_write_file (path, data, size);
  draft = ep_draft_store_load (store, DRAFT_ID, &error);
  if (draft == NULL)
    {
      EP_FUZZ_CHECK (error != NULL && error->domain == EP_STORE_ERROR);
      if (error->code == EP_STORE_ERROR_CORRUPT)
        {
          /* Renamed, not removed. */
          EP_FUZZ_CHECK (!g_file_test (path, G_FILE_TEST_EXISTS));
          EP_FUZZ_CHECK (count_files () == 1);
        }
      else
        EP_FUZZ_CHECK (error->code == EP_STORE_ERROR_NEWER_FORMAT && g_file_test (path, G_FILE_TEST_EXISTS));
      ep_fuzz_clear_dir (drafts_dir);
      return 0;
    }
  first = describe_draft (draft);

  EP_FUZZ_CHECK_MSG (ep_draft_store_save (store, draft, &error), "save: %s", error->message);
  again = ep_draft_store_load (store, DRAFT_ID, &error);
  EP_FUZZ_CHECK_MSG (again != NULL, "reload: %s", error->message);
  second = describe_draft (again);
  EP_FUZZ_CHECK_MEM (second, strlen (second), first, strlen (first));

  listed = ep_draft_store_list (store, &problems, &error);
  EP_FUZZ_CHECK (listed != NULL && listed->len == 1 && problems->len == 0);
  third = describe_draft (listed->pdata[0]);
  EP_FUZZ_CHECK_MEM (third, strlen (third), first, strlen (first));

  ep_fuzz_clear_dir (drafts_dir);
  return 0;
}
