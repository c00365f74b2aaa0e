/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-draft-store.c: drafts round-trip exactly, damaged ones are moved aside without hiding
 * the others, a full disk keeps the last good version, and late autosaves never resurrect
 * or roll back a draft. */
#include "config.h"

#include "ep-test-util.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ep-atomic-file.h"
#include "ep-draft-store.h"
#include "ep-store-error.h"

static gboolean
draft_file_exists (EpDraftStore *store,
                   const char   *id)
{
  g_autofree char *path = ep_draft_store_dup_path (store, id);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static char *
read_draft_file (EpDraftStore *store,
                 const char   *id)
{
  g_autofree char *path = ep_draft_store_dup_path (store, id);

  return ep_test_read_file (path);
}

static EpDraft *
make_draft (void)
{
  EpDraft *draft = ep_draft_new ();

  draft->profile_id = g_strdup ("work-1");
  draft->language = g_strdup ("de_DE");
  g_free (draft->from);
  draft->from = g_strdup ("Zoë <zoe@example.org>");
  g_free (draft->to);
  draft->to = g_strdup ("a@example.com, \"Doe; John\" <john@example.com>, not-yet-an-addr");
  g_free (draft->cc);
  draft->cc = g_strdup ("");
  g_free (draft->bcc);
  draft->bcc = g_strdup ("hidden@example.net");
  /* An earlier send reached these two: the next one must leave them out. */
  draft->delivered = g_strsplit ("bob@example.net;Zoë@exämple.net", ";", -1);
  /* Every Delivery Option away from its default. */
  draft->request.dsn_notify = EP_SMTP_DSN_SUCCESS | EP_SMTP_DSN_DELAY;
  draft->request.dsn_ret = EP_SMTP_DSN_RET_FULL;
  draft->request.require_tls = EP_SMTP_REQUIRE_TLS_IF_OFFERED;
  draft->read_receipt = TRUE;
  g_free (draft->subject);
  draft->subject = g_strdup ("  Leading and trailing spaces, ünïcödé, emoji 📎  ");
  g_free (draft->body);
  /* Everything a keyfile must escape: line breaks of every kind, tabs, backslashes,
   * '#' and '[' at line starts, '=' and ';', trailing blanks. */
  draft->body = g_strdup ("Hello,\n\n  indented line\n\ttabbed\\n not a newline\r\n"
                          "# not a comment\n[not a group]\nkey=value; more;\n"
                          "trailing spaces   \n\n\n");
  ep_draft_add_attachment (draft, "file:///home/zoe/Pictures/photo%20one.png", "photo one.png",
                           "image/png", 123456);
  ep_draft_add_attachment (draft, "file:///tmp/r%C3%A9sum%C3%A9.pdf", "résumé.pdf", NULL, 0);
  ep_draft_add_attachment (draft, "file:///tmp/a;b=c.txt", "a;b=c.txt", "text/plain", 3);
  return draft;
}

static void
assert_drafts_equal (const EpDraft *a,
                     const EpDraft *b)
{
  g_assert_cmpstr (a->id, ==, b->id);
  g_assert_cmpstr (a->profile_id, ==, b->profile_id);
  g_assert_cmpstr (a->language, ==, b->language);
  g_assert_cmpstr (a->from, ==, b->from);
  g_assert_cmpstr (a->to, ==, b->to);
  g_assert_cmpstr (a->cc, ==, b->cc);
  g_assert_cmpstr (a->bcc, ==, b->bcc);
  g_assert_cmpstrv (a->delivered, b->delivered);
  g_assert_cmpint (a->request.dsn_notify, ==, b->request.dsn_notify);
  g_assert_cmpint (a->request.dsn_ret, ==, b->request.dsn_ret);
  g_assert_cmpint (a->request.require_tls, ==, b->request.require_tls);
  g_assert_cmpint (a->read_receipt, ==, b->read_receipt);
  g_assert_cmpstr (a->subject, ==, b->subject);
  g_assert_cmpstr (a->body, ==, b->body);
  g_assert_cmpuint (a->attachments->len, ==, b->attachments->len);
  for (guint i = 0; i < a->attachments->len; i++)
    {
      const EpDraftAttachment *x = a->attachments->pdata[i];
      const EpDraftAttachment *y = b->attachments->pdata[i];

      g_assert_cmpstr (x->uri, ==, y->uri);
      g_assert_cmpstr (x->display_name, ==, y->display_name);
      g_assert_cmpstr (x->content_type, ==, y->content_type);
      g_assert_cmpuint (x->size, ==, y->size);
    }
  /* Saved to the second; sub-second parts survive too in ISO 8601. */
  g_assert_true (g_date_time_equal (a->created, b->created));
  g_assert_true (g_date_time_equal (a->modified, b->modified));
}

static void
test_round_trip (void)
{
  g_autofree char *dir = ep_test_make_dir ("drafts");
  g_autoptr(EpDraftStore) store = ep_draft_store_new (dir);
  g_autoptr(EpDraft) draft = make_draft ();
  g_autoptr(EpDraft) loaded = NULL;
  g_autoptr(EpDraft) copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) before = g_date_time_new_now_utc ();
  g_autofree char *path = NULL;
  GStatBuf st;

  g_assert_true (ep_draft_store_save (store, draft, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_date_time_compare (draft->modified, before), >=, 0);

  path = ep_draft_store_dup_path (store, draft->id);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 0777, ==, 0600);

  loaded = ep_draft_store_load (store, draft->id, &error);
  g_assert_no_error (error);
  assert_drafts_equal (loaded, draft);

  copy = ep_draft_copy (loaded);
  assert_drafts_equal (copy, draft);

  /* A second round trip of what was loaded gives the same again. */
  g_assert_true (ep_draft_store_save (store, loaded, &error));
  g_clear_pointer (&copy, ep_draft_free);
  copy = ep_draft_store_load (store, draft->id, &error);
  g_assert_no_error (error);
  assert_drafts_equal (copy, loaded);
  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
test_empty_draft (void)
{
  g_autofree char *dir = ep_test_make_dir ("drafts");
  g_autoptr(EpDraftStore) store = ep_draft_store_new (dir);
  g_autoptr(EpDraft) draft = ep_draft_new ();
  g_autoptr(EpDraft) loaded = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (ep_draft_store_save (store, draft, &error));
  loaded = ep_draft_store_load (store, draft->id, &error);
  g_assert_no_error (error);
  g_assert_null (loaded->profile_id);
  /* No language chosen: the compose window picks the locale's. */
  g_assert_null (loaded->language);
  g_assert_cmpstr (loaded->body, ==, "");
  g_assert_cmpuint (loaded->attachments->len, ==, 0);
  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
test_invalid_input (void)
{
  g_autofree char *dir = ep_test_make_dir ("drafts");
  g_autoptr(EpDraftStore) store = ep_draft_store_new (dir);
  g_autoptr(EpDraft) draft = make_draft ();
  g_autoptr(GError) error = NULL;
  g_autofree char *names = NULL;

  g_free (draft->subject);
  draft->subject = g_strdup ("bad \xc3\x28 utf-8");
  g_assert_false (ep_draft_store_save (store, draft, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS) &&
                  draft_file_exists (store, draft->id));
  g_clear_error (&error);

  /* Ids never reach outside the folder. */
  g_assert_null (ep_draft_store_load (store, "../profiles", &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (ep_draft_store_delete (store, "../../x", &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (ep_draft_id_is_valid ("a/b"));

  g_assert_null (ep_draft_store_load (store, "no-such-draft", &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND);

  names = ep_test_list_dir (dir);
  g_assert_cmpstr (names, ==, "");
  g_assert_finalize_object (g_steal_pointer (&store));
}

static char *
find_aside (const char *dir,
            const char *prefix)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_prefix (name, prefix))
      return g_build_filename (dir, name, NULL);
  return NULL;
}

static void
test_list_with_damage (void)
{
  g_autofree char *dir = ep_test_make_dir ("drafts");
  g_autoptr(EpDraftStore) store = ep_draft_store_new (dir);
  g_autoptr(EpDraft) older = make_draft ();
  g_autoptr(EpDraft) newer = make_draft ();
  g_autoptr(GPtrArray) drafts = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *bad_utf8 = g_build_filename (dir, "bad-utf8.ini", NULL);
  g_autofree char *bad_syntax = g_build_filename (dir, "bad-syntax.ini", NULL);
  g_autofree char *not_draft = g_build_filename (dir, "not-draft.ini", NULL);
  g_autofree char *bad_escape = g_build_filename (dir, "bad-escape.ini", NULL);
  g_autofree char *future = g_build_filename (dir, "future.ini", NULL);
  g_autofree char *foreign = g_build_filename (dir, "notes.txt", NULL);
  g_autofree char *temporary = g_build_filename (dir, ".half-written.ini", NULL);
  g_autofree char *aside = NULL;
  g_autofree char *aside_contents = NULL;
  const char *utf8_contents = "[Draft]\nformat=1\nsubject=ok\nbody=caf\xe9 latin-1\n";
  guint corrupt = 0, newer_format = 0;

  g_free (older->subject);
  older->subject = g_strdup ("older");
  g_assert_true (ep_draft_store_save (store, older, &error));
  g_usleep (2000);
  g_free (newer->subject);
  newer->subject = g_strdup ("newer");
  g_assert_true (ep_draft_store_save (store, newer, &error));
  g_assert_no_error (error);

  ep_test_write_file (bad_utf8, utf8_contents);
  ep_test_write_file (bad_syntax, "[Draft]\nformat=1\nsubject\n");
  ep_test_write_file (not_draft, "[Something]\nkey=value\n");
  /* An unknown escape and a trailing backslash: GLib 2.74's own reader warns (fatal here). */
  ep_test_write_file (bad_escape, "[Draft]\nformat=1\nsubject=\\x\\\nbody=kept\n");
  ep_test_write_file (future, "[Draft]\nformat=7\nsubject=from the future\n");
  ep_test_write_file (foreign, "not a draft at all");
  /* An atomic write's temporary: neither a draft nor a problem, and not moved aside. */
  ep_test_write_file (temporary, "[Draft\n");

  drafts = ep_draft_store_list (store, &problems, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (drafts->len, ==, 2);
  g_assert_cmpstr (((EpDraft *) drafts->pdata[0])->subject, ==, "newer");
  g_assert_cmpstr (((EpDraft *) drafts->pdata[1])->subject, ==, "older");

  g_assert_cmpuint (problems->len, ==, 5);
  for (guint i = 0; i < problems->len; i++)
    {
      GError *problem = problems->pdata[i];

      g_test_message ("%s", problem->message);
      g_assert_true (problem->domain == EP_STORE_ERROR);
      if (problem->code == EP_STORE_ERROR_CORRUPT)
        corrupt++;
      else if (problem->code == EP_STORE_ERROR_NEWER_FORMAT)
        newer_format++;
      if (strstr (problem->message, "bad-utf8.ini") != NULL)
        g_assert_nonnull (strstr (problem->message, "line 4"));
      if (strstr (problem->message, "bad-escape.ini") != NULL)
        g_assert_nonnull (strstr (problem->message, "“subject” holds an unknown escape sequence"));
    }
  g_assert_cmpuint (corrupt, ==, 4);
  g_assert_cmpuint (newer_format, ==, 1);

  /* Damaged drafts were moved aside intact, never deleted; the newer one was left alone. */
  g_assert_false (g_file_test (bad_utf8, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (bad_syntax, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (not_draft, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (bad_escape, G_FILE_TEST_EXISTS));
  aside = find_aside (dir, "bad-utf8.ini.corrupt-");
  g_assert_nonnull (aside);
  aside_contents = ep_test_read_file (aside);
  g_assert_cmpstr (aside_contents, ==, utf8_contents);
  g_assert_true (g_file_test (future, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (foreign, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (temporary, G_FILE_TEST_EXISTS));

  /* Listing again: the moved-aside files are no longer drafts. */
  g_clear_pointer (&drafts, g_ptr_array_unref);
  g_clear_pointer (&problems, g_ptr_array_unref);
  drafts = ep_draft_store_list (store, &problems, &error);
  g_assert_cmpuint (drafts->len, ==, 2);
  g_assert_cmpuint (problems->len, ==, 1);
  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
test_list_missing_dir (void)
{
  g_autofree char *dir = ep_test_make_dir ("drafts");
  g_autofree char *missing = g_build_filename (dir, "nope", NULL);
  g_autoptr(EpDraftStore) store = ep_draft_store_new (missing);
  g_autoptr(GPtrArray) drafts = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;

  drafts = ep_draft_store_list (store, &problems, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (drafts->len, ==, 0);
  g_assert_cmpuint (problems->len, ==, 0);
  g_assert_finalize_object (g_steal_pointer (&store));
}

static int
enospc_hook (const char        *path,
             EpAtomicFileStage  stage,
             guint64            offset,
             gpointer           user_data)
{
  guint *hits = user_data;

  (*hits)++;
  return ENOSPC;
}

static void
test_enospc (void)
{
  g_autofree char *dir = ep_test_make_dir ("drafts");
  g_autoptr(EpDraftStore) store = ep_draft_store_new (dir);
  g_autoptr(EpDraft) draft = make_draft ();
  g_autoptr(EpDraft) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *names = NULL;
  g_autofree char *expected_names = NULL;
  guint hits = 0;

  g_assert_true (ep_draft_store_save (store, draft, &error));
  before = read_draft_file (store, draft->id);

  g_free (draft->body);
  draft->body = g_strdup ("A completely new text that must not half-replace the old one");
  ep_atomic_file_set_fail_hook (enospc_hook, &hits);
  g_assert_false (ep_draft_store_save (store, draft, &error));
  ep_atomic_file_set_fail_hook (NULL, NULL);
  g_assert_cmpuint (hits, >=, 1);
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NO_SPACE);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  after = read_draft_file (store, draft->id);
  g_assert_cmpstr (after, ==, before);
  loaded = ep_draft_store_load (store, draft->id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (loaded->body, "Hello,"));
  names = ep_test_list_dir (dir);
  expected_names = g_strconcat (draft->id, ".ini", NULL);
  g_assert_cmpstr (names, ==, expected_names);

  g_assert_finalize_object (g_steal_pointer (&store));
}

typedef struct
{
  GMainContext *context;
  guint         pending;
  guint         failures;
  int           last_code;
} AsyncState;

static void
save_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  AsyncState *state = user_data;
  g_autoptr(GError) error = NULL;

  if (!ep_draft_store_save_finish (EP_DRAFT_STORE (source), result, &error))
    {
      g_test_message ("save failed: %s", error->message);
      state->failures++;
      g_assert_true (error->domain == EP_STORE_ERROR);
      state->last_code = error->code;
    }
  state->pending--;
  g_main_context_wakeup (state->context);
}

static void
wait_for (AsyncState *state)
{
  while (state->pending > 0)
    g_main_context_iteration (state->context, TRUE);
}

static void
test_async_newest_wins (void)
{
  g_autofree char *dir = ep_test_make_dir ("drafts");
  g_autoptr(EpDraftStore) store = ep_draft_store_new (dir);
  g_autoptr(EpDraft) draft = make_draft ();
  g_autoptr(EpDraft) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainContext) context = g_main_context_new ();
  AsyncState state = { context, 0, 0, -1 };

  g_main_context_push_thread_default (context);
  /* Fifty autosaves in a burst, each with a longer text: the file ends with the last. */
  for (guint i = 1; i <= 50; i++)
    {
      g_free (draft->body);
      draft->body = g_strdup_printf ("version %u", i);
      state.pending++;
      ep_draft_store_save_async (store, draft, NULL, save_done_cb, &state);
    }
  wait_for (&state);
  g_assert_cmpuint (state.failures, ==, 0);

  loaded = ep_draft_store_load (store, draft->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded->body, ==, "version 50");

  /* Saves still in flight when the draft is deleted (after a confirmed send) are dropped:
   * the draft does not come back. */
  for (guint i = 0; i < 20; i++)
    {
      state.pending++;
      ep_draft_store_save_async (store, draft, NULL, save_done_cb, &state);
    }
  g_assert_true (ep_draft_store_delete (store, draft->id, &error));
  g_assert_no_error (error);
  wait_for (&state);
  g_assert_false (draft_file_exists (store, draft->id));

  /* A save asked for after the delete is written again. */
  state.pending++;
  ep_draft_store_save_async (store, draft, NULL, save_done_cb, &state);
  wait_for (&state);
  g_assert_true (draft_file_exists (store, draft->id));
  g_main_context_pop_thread_default (context);
  /* The saves' tasks let go of the store on their worker threads, just after their callbacks. */
  ep_test_wait_sole_owner (store, context);
  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
test_enospc_async (void)
{
  g_autofree char *dir = ep_test_make_dir ("drafts");
  g_autoptr(EpDraftStore) store = ep_draft_store_new (dir);
  g_autoptr(EpDraft) draft = make_draft ();
  g_autoptr(EpDraft) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainContext) context = g_main_context_new ();
  AsyncState state = { context, 0, 0, -1 };
  guint hits = 0;

  g_assert_true (ep_draft_store_save (store, draft, &error));
  g_free (draft->body);
  draft->body = g_strdup ("lost to a full disk");

  g_main_context_push_thread_default (context);
  ep_atomic_file_set_fail_hook (enospc_hook, &hits);
  state.pending++;
  ep_draft_store_save_async (store, draft, NULL, save_done_cb, &state);
  wait_for (&state);
  ep_atomic_file_set_fail_hook (NULL, NULL);
  g_main_context_pop_thread_default (context);

  g_assert_cmpuint (state.failures, ==, 1);
  g_assert_cmpint (state.last_code, ==, EP_STORE_ERROR_NO_SPACE);
  loaded = ep_draft_store_load (store, draft->id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (loaded->body, "Hello,"));
  ep_test_wait_sole_owner (store, context);
  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
test_delete (void)
{
  g_autofree char *dir = ep_test_make_dir ("drafts");
  g_autoptr(EpDraftStore) store = ep_draft_store_new (dir);
  g_autoptr(EpDraft) draft = make_draft ();
  g_autoptr(GPtrArray) drafts = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (ep_draft_store_save (store, draft, &error));
  g_assert_true (ep_draft_store_delete (store, draft->id, &error));
  g_assert_no_error (error);
  g_assert_false (draft_file_exists (store, draft->id));
  /* Never saved, or already gone: fine. */
  g_assert_true (ep_draft_store_delete (store, draft->id, &error));
  g_assert_no_error (error);
  drafts = ep_draft_store_list (store, NULL, &error);
  g_assert_cmpuint (drafts->len, ==, 0);
  g_assert_finalize_object (g_steal_pointer (&store));
}

/* What the drafts refer to, for the image cache: read without judging, one draft left out on
 * request, nothing known (NULL) while a draft cannot be read. */
static void
test_attachment_uris (void)
{
  g_autofree char *dir = ep_test_make_dir ("drafts");
  g_autofree char *missing = g_build_filename (dir, "nope", NULL);
  g_autoptr(EpDraftStore) store = ep_draft_store_new (dir);
  g_autoptr(EpDraftStore) no_store = ep_draft_store_new (missing);
  g_autoptr(EpDraft) first = ep_draft_new ();
  g_autoptr(EpDraft) second = ep_draft_new ();
  g_autoptr(GHashTable) uris = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *damaged = g_build_filename (dir, "damaged.ini", NULL);
  g_autofree char *temporary = g_build_filename (dir, ".half-written.ini", NULL);

  uris = ep_draft_store_dup_attachment_uris (no_store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (uris), ==, 0);
  g_clear_pointer (&uris, g_hash_table_unref);

  ep_draft_add_attachment (first, "file:///tmp/a%20b/image.png", "image.png", "image/png", 1);
  ep_draft_add_attachment (first, "file:///tmp/c.pdf", "c.pdf", NULL, 2);
  ep_draft_add_attachment (second, "file:///tmp/d.png", "d.png", NULL, 3);
  g_assert_true (ep_draft_store_save (store, first, &error));
  g_assert_true (ep_draft_store_save (store, second, &error));
  g_assert_no_error (error);

  uris = ep_draft_store_dup_attachment_uris (store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (uris), ==, 3);
  g_assert_true (g_hash_table_contains (uris, "file:///tmp/a%20b/image.png"));
  g_assert_true (g_hash_table_contains (uris, "file:///tmp/d.png"));
  g_clear_pointer (&uris, g_hash_table_unref);

  uris = ep_draft_store_dup_attachment_uris (store, second->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (uris), ==, 2);
  g_assert_false (g_hash_table_contains (uris, "file:///tmp/d.png"));
  g_clear_pointer (&uris, g_hash_table_unref);

  /* A draft that is not even a keyfile could refer to anything: no answer, and it stays put
   * (loading it is what moves it aside). */
  ep_test_write_file (damaged, "[Attachment 1\nuri=file:///tmp/e.png\n");
  g_assert_null (ep_draft_store_dup_attachment_uris (store, NULL, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_CORRUPT);
  g_assert_true (g_file_test (damaged, G_FILE_TEST_EXISTS));

  /* The same names are read as by the list: a hidden temporary is not a draft. */
  g_clear_error (&error);
  g_assert_cmpint (g_unlink (damaged), ==, 0);
  ep_test_write_file (temporary, "[Attachment 1\nuri=file:///tmp/e.png\n");
  uris = ep_draft_store_dup_attachment_uris (store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (uris), ==, 3);
  g_assert_finalize_object (g_steal_pointer (&no_store));
  g_assert_finalize_object (g_steal_pointer (&store));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/store/draft-store/round-trip", test_round_trip);
  g_test_add_func ("/store/draft-store/empty-draft", test_empty_draft);
  g_test_add_func ("/store/draft-store/invalid-input", test_invalid_input);
  g_test_add_func ("/store/draft-store/list-with-damage", test_list_with_damage);
  g_test_add_func ("/store/draft-store/list-missing-dir", test_list_missing_dir);
  g_test_add_func ("/store/draft-store/enospc", test_enospc);
  g_test_add_func ("/store/draft-store/enospc-async", test_enospc_async);
  g_test_add_func ("/store/draft-store/async-newest-wins", test_async_newest_wins);
  g_test_add_func ("/store/draft-store/delete", test_delete);
  g_test_add_func ("/store/draft-store/attachment-uris", test_attachment_uris);

  return g_test_run ();
}
