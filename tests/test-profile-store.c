/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-profile-store.c: atomic writes, profiles.ini round trips, unknown content kept,
 * damaged files moved aside, a full disk never losing the previous file, the Sandbox. */
#include "config.h"

#include "ep-test-util.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ep-atomic-file.h"
#include "ep-enum.h"
#include "ep-profile-store.h"
#include "ep-smtp-config.h"
#include "ep-store-error.h"
#include "ep-store-util.h"

static guint
file_mode (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 07777;
}

/* Fails every write (or fsync) after @after bytes of the file whose name ends in @suffix. */
typedef struct
{
  const char        *suffix;
  EpAtomicFileStage  stage;
  guint64            after;
  int                error_number;
  guint              hits;
} FailSpec;

static int
fail_hook (const char        *path,
           EpAtomicFileStage  stage,
           guint64            offset,
           gpointer           user_data)
{
  FailSpec *spec = user_data;

  if (stage != spec->stage || !g_str_has_suffix (path, spec->suffix) || offset < spec->after)
    return 0;
  spec->hits++;
  return spec->error_number;
}

static void
test_atomic_write (void)
{
  g_autofree char *dir = ep_test_make_dir ("store");
  g_autofree char *sub = g_build_filename (dir, "a", "b", NULL);
  g_autofree char *path = g_build_filename (sub, "file.txt", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *v1 = NULL;
  g_autofree char *v2 = NULL;
  g_autofree char *names = NULL;

  /* Missing folders are created, private. */
  g_assert_true (ep_atomic_file_write (path, "one\n", 4, EP_ATOMIC_FILE_PRIVATE_MODE, &error));
  g_assert_no_error (error);
  v1 = ep_test_read_file (path);
  g_assert_cmpstr (v1, ==, "one\n");
  g_assert_cmpuint (file_mode (path), ==, 0600);
  g_assert_cmpuint (file_mode (sub), ==, 0700);

  g_assert_true (ep_atomic_file_write (path, "two", 3, 0644, &error));
  g_assert_no_error (error);
  v2 = ep_test_read_file (path);
  g_assert_cmpstr (v2, ==, "two");
  g_assert_cmpuint (file_mode (path), ==, 0644);

  names = ep_test_list_dir (sub);
  g_assert_cmpstr (names, ==, "file.txt");
}

static void
check_enospc_keeps_previous (EpAtomicFileStage stage,
                             guint64           after)
{
  g_autofree char *dir = ep_test_make_dir ("store");
  g_autofree char *path = g_build_filename (dir, "file.txt", NULL);
  g_autofree char *big = g_strnfill (300 * 1024, 'x');
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *names = NULL;
  FailSpec spec = { "file.txt", stage, after, ENOSPC, 0 };

  g_assert_true (ep_atomic_file_write (path, "previous", 8, EP_ATOMIC_FILE_PRIVATE_MODE, &error));
  g_assert_no_error (error);

  ep_atomic_file_set_fail_hook (fail_hook, &spec);
  g_assert_false (ep_atomic_file_write (path, big, strlen (big), EP_ATOMIC_FILE_PRIVATE_MODE, &error));
  ep_atomic_file_set_fail_hook (NULL, NULL);

  g_assert_cmpuint (spec.hits, >=, 1);
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NO_SPACE);
  g_assert_nonnull (strstr (error->message, "file.txt"));
  g_assert_nonnull (strstr (error->message, "disk is full"));

  contents = ep_test_read_file (path);
  g_assert_cmpstr (contents, ==, "previous");
  names = ep_test_list_dir (dir);
  g_assert_cmpstr (names, ==, "file.txt");
}

static void
test_atomic_enospc_first_write (void)
{
  check_enospc_keeps_previous (EP_ATOMIC_FILE_STAGE_WRITE, 0);
}

static void
test_atomic_enospc_partial_write (void)
{
  /* Some bytes reached the temporary file before the disk filled up. */
  check_enospc_keeps_previous (EP_ATOMIC_FILE_STAGE_WRITE, 100 * 1024);
}

static void
test_atomic_enospc_fsync (void)
{
  check_enospc_keeps_previous (EP_ATOMIC_FILE_STAGE_SYNC, 0);
}

static void
test_atomic_other_errno (void)
{
  g_autofree char *dir = ep_test_make_dir ("store");
  g_autofree char *path = g_build_filename (dir, "file.txt", NULL);
  g_autoptr(GError) error = NULL;
  FailSpec spec = { "file.txt", EP_ATOMIC_FILE_STAGE_WRITE, 0, EIO, 0 };

  ep_atomic_file_set_fail_hook (fail_hook, &spec);
  g_assert_false (ep_atomic_file_write (path, "x", 1, EP_ATOMIC_FILE_PRIVATE_MODE, &error));
  ep_atomic_file_set_fail_hook (NULL, NULL);

  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_IO);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

static void
test_atomic_stream (void)
{
  g_autofree char *dir = ep_test_make_dir ("store");
  g_autofree char *path = g_build_filename (dir, "big.bin", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GInputStream) input = NULL;
  g_autofree guint8 *data = g_malloc (1024 * 1024 + 7);
  g_autofree char *contents = NULL;
  gsize length;
  guint64 size = 0;
  FailSpec spec = { "big.bin", EP_ATOMIC_FILE_STAGE_WRITE, 512 * 1024, ENOSPC, 0 };

  for (gsize i = 0; i < 1024 * 1024 + 7; i++)
    data[i] = (guint8) (i * 31 + (i >> 8));
  bytes = g_bytes_new (data, 1024 * 1024 + 7);

  input = g_memory_input_stream_new_from_bytes (bytes);
  g_assert_true (ep_atomic_file_write_stream (path, input, EP_ATOMIC_FILE_PRIVATE_MODE, &size,
                                              NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (size, ==, 1024 * 1024 + 7);
  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (contents, length, data, 1024 * 1024 + 7);

  /* Half way through a second copy the disk fills up: the first copy is intact. */
  ep_atomic_file_set_fail_hook (fail_hook, &spec);
  g_clear_object (&input);
  input = g_memory_input_stream_new_from_bytes (bytes);
  g_assert_false (ep_atomic_file_write_stream (path, input, EP_ATOMIC_FILE_PRIVATE_MODE, NULL,
                                               NULL, &error));
  ep_atomic_file_set_fail_hook (NULL, NULL);
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NO_SPACE);
  g_clear_pointer (&contents, g_free);
  g_file_get_contents (path, &contents, &length, NULL);
  g_assert_cmpmem (contents, length, data, 1024 * 1024 + 7);
}

static void
test_atomic_stream_cancelled (void)
{
  g_autofree char *dir = ep_test_make_dir ("store");
  g_autofree char *path = g_build_filename (dir, "c.bin", NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GInputStream) input = g_memory_input_stream_new_from_data ("abc", 3, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *names = NULL;

  g_cancellable_cancel (cancellable);
  g_assert_false (ep_atomic_file_write_stream (path, input, 0600, NULL, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  names = ep_test_list_dir (dir);
  g_assert_cmpstr (names, ==, "");
}

static guint changed_count;

static void
changed_cb (EpProfileStore *store,
            gpointer        user_data)
{
  changed_count++;
}

static EpProfileStore *
new_loaded_store (const char *dir)
{
  g_autoptr(GError) error = NULL;
  EpProfileStore *store = ep_profile_store_new (dir);

  gboolean loaded = ep_profile_store_load (store, &error);

  g_assert_no_error (error);
  g_assert_true (loaded);
  return store;
}

static void
test_store_fresh (void)
{
  g_autofree char *dir = ep_test_make_dir ("store");
  g_autoptr(EpProfileStore) store = new_loaded_store (dir);
  GListModel *list = ep_profile_store_list (store);
  g_autoptr(EpProfile) first = NULL;
  EpProfile *sandbox;

  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 1);
  first = g_list_model_get_item (list, 0);
  sandbox = ep_profile_store_get_sandbox (store);
  g_assert_true (first == sandbox);
  g_assert_true (ep_profile_store_get_default (store) == sandbox);
  g_assert_true (ep_profile_get_is_sandbox (sandbox));
  g_assert_cmpstr (ep_profile_get_id (sandbox), ==, EP_PROFILE_SANDBOX_ID);
  g_assert_cmpstr (ep_profile_get_name (sandbox), ==, "Sandbox");
  g_assert_cmpstr (ep_profile_get_host (sandbox), ==, "127.0.0.1");
  g_assert_cmpuint (ep_profile_get_port (sandbox), ==, 0);
  g_assert_cmpint (ep_profile_get_security (sandbox), ==, EP_SMTP_SECURITY_STARTTLS);
  g_assert_cmpstr (ep_profile_get_username (sandbox), ==, "sandbox");
  g_assert_true (ep_profile_validate (sandbox, NULL));
  g_assert_true (ep_profile_store_lookup_by_name (store, "sandbox") == sandbox);

  /* Nothing is written until asked. */
  g_assert_false (g_file_test (ep_profile_store_get_path (store), G_FILE_TEST_EXISTS));
  g_assert_finalize_object (g_steal_pointer (&store));
  g_assert_finalize_object (g_steal_pointer (&first));
}

/* A SHA-256 fingerprint as hex digits (of nothing in particular). */
#define PIN_HEX "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

static EpProfile *
make_full_profile (const char *name)
{
  EpProfile *profile = ep_profile_new (name);

  ep_profile_set_sender_name (profile, "Zoë Ünïcode");
  ep_profile_set_sender_address (profile, "zoe@example.org");
  ep_profile_set_host (profile, "smtp.example.org");
  ep_profile_set_port (profile, 465);
  ep_profile_set_security (profile, EP_SMTP_SECURITY_TLS);
  ep_profile_set_username (profile, "zoe@example.org");
  ep_profile_set_auth (profile, EP_SMTP_AUTH_SCRAM_SHA_256);
  ep_profile_set_pinned_sha256 (profile,
    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89");
  ep_profile_set_timeout (profile, 90);
  ep_profile_set_ehlo_name (profile, "[192.0.2.7]");
  ep_profile_set_size_limit (profile, 35882577);
  return profile;
}

static void
assert_profiles_equal (EpProfile *a,
                       EpProfile *b)
{
  g_assert_cmpstr (ep_profile_get_id (a), ==, ep_profile_get_id (b));
  g_assert_cmpstr (ep_profile_get_name (a), ==, ep_profile_get_name (b));
  g_assert_cmpstr (ep_profile_get_sender_name (a), ==, ep_profile_get_sender_name (b));
  g_assert_cmpstr (ep_profile_get_sender_address (a), ==, ep_profile_get_sender_address (b));
  g_assert_cmpstr (ep_profile_get_host (a), ==, ep_profile_get_host (b));
  g_assert_cmpuint (ep_profile_get_port (a), ==, ep_profile_get_port (b));
  g_assert_cmpint (ep_profile_get_security (a), ==, ep_profile_get_security (b));
  g_assert_cmpstr (ep_profile_get_username (a), ==, ep_profile_get_username (b));
  g_assert_cmpint (ep_profile_get_auth (a), ==, ep_profile_get_auth (b));
  g_assert_cmpstr (ep_profile_get_pinned_sha256 (a), ==, ep_profile_get_pinned_sha256 (b));
  g_assert_cmpuint (ep_profile_get_timeout (a), ==, ep_profile_get_timeout (b));
  g_assert_cmpstr (ep_profile_get_ehlo_name (a), ==, ep_profile_get_ehlo_name (b));
  g_assert_cmpuint (ep_profile_get_size_limit (a), ==, ep_profile_get_size_limit (b));
  g_assert_cmpint (ep_profile_get_is_sandbox (a), ==, ep_profile_get_is_sandbox (b));
}

static void
test_store_round_trip (void)
{
  g_autofree char *dir = ep_test_make_dir ("store");
  g_autoptr(EpProfileStore) store = new_loaded_store (dir);
  g_autoptr(EpProfileStore) again = NULL;
  g_autoptr(EpProfile) work = make_full_profile ("Work «main»");
  g_autoptr(EpProfile) home = ep_profile_new ("Home");
  g_autoptr(GError) error = NULL;
  EpProfile *loaded;

  ep_profile_set_host (home, "mail.example.net");
  ep_profile_set_sender_address (home, "me@example.net");
  ep_profile_set_security (home, EP_SMTP_SECURITY_NONE);
  ep_profile_set_port (home, 25);

  changed_count = 0;
  g_signal_connect (store, "changed", G_CALLBACK (changed_cb), NULL);
  g_assert_true (ep_profile_store_add (store, work, &error));
  g_assert_no_error (error);
  g_assert_true (ep_profile_store_add (store, home, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (changed_count, ==, 2);
  g_assert_true (ep_profile_store_set_default (store, work, &error));
  g_assert_cmpuint (changed_count, ==, 3);
  ep_profile_set_host (home, "mail2.example.net");   /* an edit in the dialog */
  g_assert_cmpuint (changed_count, ==, 4);
  ep_profile_set_host (home, "mail2.example.net");   /* no change, no signal */
  g_assert_cmpuint (changed_count, ==, 4);

  g_assert_true (ep_profile_store_save (store, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (file_mode (ep_profile_store_get_path (store)), ==, 0600);

  again = new_loaded_store (dir);
  g_assert_cmpuint (g_list_model_get_n_items (ep_profile_store_list (again)), ==, 3);
  loaded = ep_profile_store_lookup_by_id (again, ep_profile_get_id (work));
  g_assert_nonnull (loaded);
  assert_profiles_equal (loaded, work);
  loaded = ep_profile_store_lookup_by_id (again, ep_profile_get_id (home));
  g_assert_nonnull (loaded);
  assert_profiles_equal (loaded, home);
  /* The default is a preference (GSettings), not part of profiles.ini. */
  g_assert_true (ep_profile_get_is_sandbox (ep_profile_store_get_default (again)));
  {
    g_autofree char *file = ep_test_read_file (ep_profile_store_get_path (store));

    g_assert_null (strstr (file, "default"));
  }
  assert_profiles_equal (ep_profile_store_get_sandbox (again), ep_profile_store_get_sandbox (store));

  /* Optional values cleared are really gone after another round. */
  ep_profile_set_pinned_sha256 (loaded, NULL);
  ep_profile_set_size_limit (loaded, 0);
  g_assert_true (ep_profile_store_save (again, &error));
  g_clear_object (&store);
  store = new_loaded_store (dir);
  loaded = ep_profile_store_lookup_by_id (store, ep_profile_get_id (home));
  g_assert_null (ep_profile_get_pinned_sha256 (loaded));
  g_assert_cmpuint (ep_profile_get_size_limit (loaded), ==, 0);
  g_assert_finalize_object (g_steal_pointer (&again));
  g_assert_finalize_object (g_steal_pointer (&home));
  g_assert_finalize_object (g_steal_pointer (&work));
}

/* DSN and REQUIRETLS, learned from an EHLO reply with the rest, are saved, copied, read back
 * and forgotten when the next reply lacks them; before any reply they are not known. */
static void
test_store_delivery_extensions (void)
{
  g_autofree char *dir = ep_test_make_dir ("store");
  g_autofree char *path = g_build_filename (dir, "profiles.ini", NULL);
  g_autoptr(EpProfileStore) store = new_loaded_store (dir);
  g_autoptr(EpProfileStore) again = NULL;
  g_autoptr(EpProfile) work = make_full_profile ("Work");
  g_autoptr(EpProfile) copy = NULL;
  g_autoptr(EpSmtpCapabilities) caps = ep_smtp_capabilities_new ();
  g_autoptr(EpSmtpCapabilities) plain = ep_smtp_capabilities_new ();
  g_autoptr(GDateTime) learned = g_date_time_new_utc (2026, 12, 7, 9, 30, 0);
  g_autoptr(GError) error = NULL;
  g_autofree char *file = NULL;
  EpProfile *loaded;
  gboolean known = TRUE;

  g_assert_cmpint (ep_profile_get_delivery_extensions (work, &known), ==, EP_SMTP_CAP_NONE);
  g_assert_false (known);

  caps->flags = EP_SMTP_CAP_DSN | EP_SMTP_CAP_REQUIRETLS | EP_SMTP_CAP_SIZE;
  ep_profile_learn_capabilities (work, caps, learned);
  g_assert_cmpint (ep_profile_get_delivery_extensions (work, &known), ==,
                   EP_SMTP_CAP_DSN | EP_SMTP_CAP_REQUIRETLS);
  g_assert_true (known);
  copy = ep_profile_copy (work, NULL, "Copy");
  g_assert_cmpint (ep_profile_get_delivery_extensions (copy, NULL), ==,
                   EP_SMTP_CAP_DSN | EP_SMTP_CAP_REQUIRETLS);

  g_assert_true (ep_profile_store_add (store, work, &error));
  g_assert_true (ep_profile_store_save (store, &error));
  g_assert_no_error (error);
  file = ep_test_read_file (path);
  g_assert_nonnull (strstr (file, "dsn=true\n"));
  g_assert_nonnull (strstr (file, "requiretls=true\n"));

  again = new_loaded_store (dir);
  loaded = ep_profile_store_lookup_by_id (again, ep_profile_get_id (work));
  g_assert_cmpint (ep_profile_get_delivery_extensions (loaded, &known), ==,
                   EP_SMTP_CAP_DSN | EP_SMTP_CAP_REQUIRETLS);
  g_assert_true (known);

  ep_profile_learn_capabilities (loaded, plain, learned);
  g_assert_cmpint (ep_profile_get_delivery_extensions (loaded, &known), ==, EP_SMTP_CAP_NONE);
  g_assert_true (known);
  g_assert_true (ep_profile_store_save (again, &error));
  g_clear_pointer (&file, g_free);
  file = ep_test_read_file (path);
  g_assert_null (strstr (file, "dsn="));
  g_assert_null (strstr (file, "requiretls="));
}

/* 8BITMIME (RFC 6152), learned with DSN and REQUIRETLS, is saved as "8bitmime", copied, read
 * back (as a file another Epistle wrote), read strictly, and forgotten when the next reply lacks
 * it: the outbox keeps an attached message's 8-bit text only for such a server. */
static void
test_store_8bitmime (void)
{
  g_autofree char *dir = ep_test_make_dir ("store");
  g_autofree char *path = g_build_filename (dir, "profiles.ini", NULL);
  g_autoptr(EpProfileStore) store = new_loaded_store (dir);
  g_autoptr(EpProfileStore) again = NULL;
  g_autoptr(EpProfile) work = make_full_profile ("Work");
  g_autoptr(EpProfile) copy = NULL;
  g_autoptr(EpSmtpCapabilities) caps = ep_smtp_capabilities_new ();
  g_autoptr(EpSmtpCapabilities) plain = ep_smtp_capabilities_new ();
  g_autoptr(GDateTime) learned = g_date_time_new_utc (2026, 12, 7, 9, 30, 0);
  g_autoptr(GError) error = NULL;
  g_autofree char *file = NULL;
  EpProfile *loaded;
  gboolean known = FALSE;

  caps->flags = EP_SMTP_CAP_8BITMIME | EP_SMTP_CAP_PIPELINING;
  ep_profile_learn_capabilities (work, caps, learned);
  g_assert_cmpint (ep_profile_get_delivery_extensions (work, &known), ==, EP_SMTP_CAP_8BITMIME);
  g_assert_true (known);
  copy = ep_profile_copy (work, NULL, "Copy");
  g_assert_cmpint (ep_profile_get_delivery_extensions (copy, NULL), ==, EP_SMTP_CAP_8BITMIME);

  g_assert_true (ep_profile_store_add (store, work, &error));
  g_assert_true (ep_profile_store_save (store, &error));
  g_assert_no_error (error);
  file = ep_test_read_file (path);
  g_assert_nonnull (strstr (file, "8bitmime=true\n"));
  g_assert_null (strstr (file, "dsn="));

  again = new_loaded_store (dir);
  loaded = ep_profile_store_lookup_by_id (again, ep_profile_get_id (work));
  g_assert_cmpint (ep_profile_get_delivery_extensions (loaded, &known), ==, EP_SMTP_CAP_8BITMIME);
  g_assert_true (known);

  /* Gone at the next EHLO: known not to be offered, and no longer in the file. */
  ep_profile_learn_capabilities (loaded, plain, learned);
  g_assert_cmpint (ep_profile_get_delivery_extensions (loaded, &known), ==, EP_SMTP_CAP_NONE);
  g_assert_true (known);
  g_assert_true (ep_profile_store_save (again, &error));
  g_clear_pointer (&file, g_free);
  file = ep_test_read_file (path);
  g_assert_null (strstr (file, "8bitmime="));
  g_assert_finalize_object (g_steal_pointer (&again));
  g_assert_finalize_object (g_steal_pointer (&store));

  /* Written by hand (or by epistle-send's test): with the time it was learned it counts; a value
   * that is neither true nor false makes the profile invalid, kept as it was. */
  ep_test_write_file (path,
                      "[Profile eight]\nname=Eight\nhost=smtp.example.com\n"
                      "future-release=false\nfuture-release-learned=2026-12-07T09:30:00Z\n"
                      "8bitmime=true\ndsn=true\n"
                      "[Profile bad]\nname=Bad\nhost=smtp.example.com\n"
                      "future-release-learned=2026-12-07T09:30:00Z\n8bitmime=yes\n");
  store = ep_profile_store_new (dir);
  g_assert_false (ep_profile_store_load (store, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (ep_profile_store_lookup_by_id (store, "bad"));
  loaded = ep_profile_store_lookup_by_id (store, "eight");
  g_assert_nonnull (loaded);
  g_assert_cmpint (ep_profile_get_delivery_extensions (loaded, &known), ==,
                   EP_SMTP_CAP_8BITMIME | EP_SMTP_CAP_DSN);
  g_assert_true (known);
  g_assert_true (ep_profile_store_save (store, &error));
  g_clear_pointer (&file, g_free);
  file = ep_test_read_file (path);
  g_assert_nonnull (strstr (file, "8bitmime=true\n"));
  g_assert_nonnull (strstr (file, "8bitmime=yes\n"));
  g_assert_finalize_object (g_steal_pointer (&store));
  g_assert_finalize_object (g_steal_pointer (&copy));
  g_assert_finalize_object (g_steal_pointer (&work));
}

/* What the server said about FUTURERELEASE (RFC 4865), learned from an EHLO reply, is saved with
 * when it was learned, read back strictly, and copied; files without it still load. */
static void
test_store_future_release (void)
{
  g_autofree char *dir = ep_test_make_dir ("store");
  g_autofree char *path = g_build_filename (dir, "profiles.ini", NULL);
  g_autoptr(EpProfileStore) store = new_loaded_store (dir);
  g_autoptr(EpProfileStore) again = NULL;
  g_autoptr(EpProfile) work = make_full_profile ("Work");
  g_autoptr(EpProfile) copy = NULL;
  g_autoptr(EpSmtpCapabilities) caps = ep_smtp_capabilities_new ();
  g_autoptr(EpSmtpCapabilities) plain = ep_smtp_capabilities_new ();
  g_autoptr(GDateTime) learned = g_date_time_new_utc (2026, 12, 7, 9, 30, 0);
  g_autoptr(GDateTime) latest = g_date_time_new_utc (2027, 1, 1, 0, 0, 0);
  g_autoptr(GDateTime) in_a_day = g_date_time_add_days (learned, 1);
  g_autoptr(GDateTime) in_a_month = g_date_time_add_days (learned, 30);
  g_autoptr(GError) error = NULL;
  g_autofree char *file = NULL;
  EpProfile *loaded;
  guint64 interval = 0;
  gint64 max_date = 0;

  g_assert_null (ep_profile_get_future_release_learned (work));
  g_assert_false (ep_profile_get_future_release (work, NULL, NULL));
  g_assert_false (ep_profile_can_hold_until (work, in_a_day, learned));

  caps->flags = EP_SMTP_CAP_FUTURERELEASE | EP_SMTP_CAP_SIZE;
  caps->size_max = 1000000;
  caps->future_release_max_interval = 7 * 24 * 60 * 60;
  caps->future_release_max_date = g_date_time_to_unix (latest);
  ep_profile_learn_capabilities (work, caps, learned);
  g_assert_true (g_date_time_equal (ep_profile_get_future_release_learned (work), learned));
  g_assert_true (ep_profile_get_future_release (work, &interval, &max_date));
  g_assert_cmpuint (interval, ==, 7 * 24 * 60 * 60);
  g_assert_cmpint (max_date, ==, g_date_time_to_unix (latest));
  g_assert_cmpuint (ep_profile_get_size_limit (work), ==, 1000000);
  g_assert_true (ep_profile_can_hold_until (work, in_a_day, learned));
  g_assert_false (ep_profile_can_hold_until (work, in_a_month, learned));

  copy = ep_profile_copy (work, NULL, "Copy");
  g_assert_true (ep_profile_get_future_release (copy, &interval, NULL));
  g_assert_cmpuint (interval, ==, 7 * 24 * 60 * 60);

  g_assert_true (ep_profile_store_add (store, work, &error));
  g_assert_no_error (error);
  g_assert_true (ep_profile_store_save (store, &error));
  g_assert_no_error (error);
  file = ep_test_read_file (path);
  g_assert_nonnull (strstr (file, "future-release=true\n"));
  g_assert_nonnull (strstr (file, "future-release-max-interval=604800\n"));
  g_assert_nonnull (strstr (file, "future-release-max-date=2027-01-01T00:00:00Z\n"));
  g_assert_nonnull (strstr (file, "future-release-learned=2026-12-07T09:30:00Z\n"));

  again = new_loaded_store (dir);
  loaded = ep_profile_store_lookup_by_id (again, ep_profile_get_id (work));
  g_assert_nonnull (loaded);
  g_assert_true (g_date_time_equal (ep_profile_get_future_release_learned (loaded), learned));
  g_assert_true (ep_profile_get_future_release (loaded, &interval, &max_date));
  g_assert_cmpuint (interval, ==, 7 * 24 * 60 * 60);
  g_assert_cmpint (max_date, ==, g_date_time_to_unix (latest));

  /* The capability gone at the next EHLO: known not to be offered, the limits forgotten. */
  ep_profile_learn_capabilities (loaded, plain, in_a_day);
  g_assert_false (ep_profile_get_future_release (loaded, &interval, &max_date));
  g_assert_cmpuint (interval, ==, 0);
  g_assert_true (g_date_time_equal (ep_profile_get_future_release_learned (loaded), in_a_day));
  g_assert_cmpuint (ep_profile_get_size_limit (loaded), ==, 1000000);
  g_assert_true (ep_profile_store_save (again, &error));
  g_clear_pointer (&file, g_free);
  file = ep_test_read_file (path);
  g_assert_nonnull (strstr (file, "future-release=false\n"));
  g_assert_null (strstr (file, "future-release-max-interval"));
  g_assert_null (strstr (file, "future-release-max-date"));
  g_assert_finalize_object (g_steal_pointer (&again));
  g_assert_finalize_object (g_steal_pointer (&store));

  /* Strict: a value that is not what it should be makes the profile invalid, kept as it was. */
  ep_test_write_file (path,
                      "[Profile old]\nname=Old\nhost=smtp.example.com\n"
                      "[Profile held]\nname=Held\nhost=smtp.example.com\nfuture-release=true\n"
                      "future-release-max-interval=3600\nfuture-release-learned=2026-12-07T09:30:00Z\n"
                      "future-release-color=blue\n"
                      "[Profile badbool]\nname=Bad\nfuture-release=yes\n"
                      "future-release-learned=2026-12-07T09:30:00Z\n"
                      "[Profile baddate]\nname=Bad\nfuture-release=true\n"
                      "future-release-learned=yesterday\n"
                      "[Profile badlatest]\nname=Bad\nfuture-release-max-date=soon\n"
                      "[Profile badinterval]\nname=Bad\nfuture-release-max-interval=-1\n");
  store = ep_profile_store_new (dir);
  g_assert_false (ep_profile_store_load (store, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (ep_profile_store_lookup_by_id (store, "badbool"));
  g_assert_null (ep_profile_store_lookup_by_id (store, "baddate"));
  g_assert_null (ep_profile_store_lookup_by_id (store, "badlatest"));
  g_assert_null (ep_profile_store_lookup_by_id (store, "badinterval"));
  loaded = ep_profile_store_lookup_by_id (store, "old");
  g_assert_nonnull (loaded);
  g_assert_null (ep_profile_get_future_release_learned (loaded));
  loaded = ep_profile_store_lookup_by_id (store, "held");
  g_assert_nonnull (loaded);
  g_assert_true (ep_profile_get_future_release (loaded, &interval, &max_date));
  g_assert_cmpuint (interval, ==, 3600);
  g_assert_cmpint (max_date, ==, 0);
  g_assert_true (ep_profile_store_save (store, &error));
  g_clear_pointer (&file, g_free);
  file = ep_test_read_file (path);
  g_assert_nonnull (strstr (file, "future-release-color=blue"));
  g_assert_nonnull (strstr (file, "future-release=yes"));
  g_assert_finalize_object (g_steal_pointer (&store));
  g_assert_finalize_object (g_steal_pointer (&copy));
  g_assert_finalize_object (g_steal_pointer (&work));
}

/* A pin is saved with the server it was trusted for, and stays with that server only. */
static void
test_store_pin_round_trip (void)
{
  g_autofree char *dir = ep_test_make_dir ("store");
  g_autoptr(EpProfileStore) store = new_loaded_store (dir);
  g_autoptr(EpProfileStore) again = NULL;
  g_autoptr(EpProfile) work = make_full_profile ("Work");
  g_autoptr(GError) error = NULL;
  g_autofree char *file = NULL;
  g_autofree char *pinned = g_strdup (ep_profile_get_pinned_sha256 (work));
  EpProfile *loaded;

  g_assert_nonnull (pinned);
  g_assert_true (ep_profile_store_add (store, work, &error));
  g_assert_true (ep_profile_store_save (store, &error));
  g_assert_no_error (error);
  file = ep_test_read_file (ep_profile_store_get_path (store));
  g_assert_nonnull (strstr (file, "\npinned-host=smtp.example.org\n"));
  g_assert_nonnull (strstr (file, "\npinned-port=465\n"));

  again = new_loaded_store (dir);
  loaded = ep_profile_store_lookup_by_id (again, ep_profile_get_id (work));
  g_assert_cmpstr (ep_profile_get_pinned_sha256 (loaded), ==, pinned);

  /* The host edited (in the dialog, or by the CLI's caller): the pin is gone, and stays gone. */
  ep_profile_set_host (loaded, "smtp.provider.example");
  g_assert_null (ep_profile_get_pinned_sha256 (loaded));
  g_assert_true (ep_profile_store_save (again, &error));
  g_assert_no_error (error);
  g_free (file);
  file = ep_test_read_file (ep_profile_store_get_path (again));
  g_assert_null (strstr (file, "pinned-"));
  g_clear_object (&again);
  again = new_loaded_store (dir);
  g_assert_null (ep_profile_get_pinned_sha256 (ep_profile_store_lookup_by_id (again, ep_profile_get_id (work))));
  g_assert_finalize_object (g_steal_pointer (&store));
  g_assert_finalize_object (g_steal_pointer (&work));
}

/* The pin follows neither a new host nor a new port; other letters for the same host, or
 * the same values set again, keep it; a copy keeps it for the same server. */
static void
test_profile_pin_follows_server (void)
{
  g_autoptr(EpProfile) profile = make_full_profile ("Work");
  g_autoptr(EpProfile) copy = NULL;
  g_autofree char *pinned = g_strdup (ep_profile_get_pinned_sha256 (profile));

  ep_profile_set_host (profile, "SMTP.Example.ORG");
  ep_profile_set_port (profile, 465);
  g_assert_cmpstr (ep_profile_get_pinned_sha256 (profile), ==, pinned);
  copy = ep_profile_copy (profile, NULL, "Copy");
  g_assert_cmpstr (ep_profile_get_pinned_sha256 (copy), ==, pinned);

  ep_profile_set_port (profile, 587);
  g_assert_null (ep_profile_get_pinned_sha256 (profile));
  ep_profile_set_port (profile, 465);
  g_assert_null (ep_profile_get_pinned_sha256 (profile));

  ep_profile_set_pinned_sha256 (profile, pinned);
  ep_profile_set_host (profile, "smtp.example.org.evil.example");
  g_assert_null (ep_profile_get_pinned_sha256 (profile));
  g_assert_finalize_object (g_steal_pointer (&copy));
  g_assert_finalize_object (g_steal_pointer (&profile));
}

/* profiles.ini from an earlier Epistle has a pin without its server: it is bound to the server
 * the profile names (the one that version used it for), written back with it, and from then on
 * dropped like any other when the server changes. */
static void
test_store_pin_old_format (void)
{
  g_autofree char *dir = ep_test_make_dir ("store");
  g_autofree char *path = g_build_filename (dir, "profiles.ini", NULL);
  g_autoptr(EpProfileStore) store = ep_profile_store_new (dir);
  g_autoptr(GError) error = NULL;
  g_autofree char *file = NULL;
  EpProfile *bridge;

  ep_test_write_file (path,
                      "[Profile bridge]\nname=Bridge\nsender-address=me@example.org\n"
                      "host=127.0.0.1\nport=1025\nsecurity=starttls\n"
                      "pinned-sha256=" PIN_HEX "\n");
  g_assert_true (ep_profile_store_load (store, &error));
  g_assert_no_error (error);
  bridge = ep_profile_store_lookup_by_id (store, "bridge");
  g_assert_cmpstr (ep_profile_get_pinned_sha256 (bridge), ==, PIN_HEX);

  g_assert_true (ep_profile_store_save (store, &error));
  file = ep_test_read_file (path);
  g_assert_nonnull (strstr (file, "\npinned-host=127.0.0.1\n"));
  g_assert_nonnull (strstr (file, "\npinned-port=1025\n"));

  ep_profile_set_port (bridge, 1026);
  g_assert_null (ep_profile_get_pinned_sha256 (bridge));
  g_assert_finalize_object (g_steal_pointer (&store));
}

/* A pin written for another server than the profile's own (the host or port edited by hand, or
 * by an Epistle that kept pins across such edits) is not loaded; half a binding is an error,
 * like any bad value: that profile is left out and its group kept as it was. */
static void
test_store_pin_other_server (void)
{
  g_autofree char *dir = ep_test_make_dir ("store");
  g_autofree char *path = g_build_filename (dir, "profiles.ini", NULL);
  g_autoptr(EpProfileStore) store = ep_profile_store_new (dir);
  g_autoptr(GKeyFile) saved = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *kept = NULL;
#define PINNED_GROUP(id, name) \
  "[Profile " id "]\nname=" name "\nsender-address=me@example.org\nhost=smtp.new.example\n" \
  "port=587\npinned-sha256=" PIN_HEX "\n"

  ep_test_write_file (path,
                      PINNED_GROUP ("moved", "Moved") "pinned-host=smtp.old.example\npinned-port=587\n"
                      PINNED_GROUP ("ported", "Ported") "pinned-host=smtp.new.example\npinned-port=465\n"
                      PINNED_GROUP ("cased", "Cased") "pinned-host=SMTP.New.Example\npinned-port=587\n"
                      PINNED_GROUP ("half", "Half") "pinned-host=smtp.new.example\n"
                      PINNED_GROUP ("badport", "Bad port") "pinned-host=smtp.new.example\npinned-port=x\n");
#undef PINNED_GROUP
  g_assert_false (ep_profile_store_load (store, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "[Profile half]"));
  g_assert_nonnull (strstr (error->message, "pinned-port"));

  g_assert_null (ep_profile_get_pinned_sha256 (ep_profile_store_lookup_by_id (store, "moved")));
  g_assert_null (ep_profile_get_pinned_sha256 (ep_profile_store_lookup_by_id (store, "ported")));
  g_assert_cmpstr (ep_profile_get_pinned_sha256 (ep_profile_store_lookup_by_id (store, "cased")), ==, PIN_HEX);
  g_assert_null (ep_profile_store_lookup_by_id (store, "half"));
  g_assert_null (ep_profile_store_lookup_by_id (store, "badport"));

  /* Saved: the dropped pins are gone for good; the groups that did not load are untouched. */
  g_clear_error (&error);
  g_assert_true (ep_profile_store_save (store, &error));
  g_assert_no_error (error);
  g_assert_true (g_key_file_load_from_file (saved, path, G_KEY_FILE_NONE, NULL));
  g_assert_false (g_key_file_has_key (saved, "Profile moved", "pinned-sha256", NULL));
  g_assert_false (g_key_file_has_key (saved, "Profile moved", "pinned-host", NULL));
  g_assert_false (g_key_file_has_key (saved, "Profile ported", "pinned-port", NULL));
  kept = g_key_file_get_value (saved, "Profile badport", "pinned-port", NULL);
  g_assert_cmpstr (kept, ==, "x");
  g_assert_false (g_key_file_has_key (saved, "Profile half", "pinned-port", NULL));
  g_assert_true (g_key_file_has_key (saved, "Profile half", "pinned-host", NULL));
  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
test_store_unknown_preserved (void)
{
  g_autofree char *dir = ep_test_make_dir ("store");
  g_autofree char *path = g_build_filename (dir, "profiles.ini", NULL);
  g_autoptr(EpProfileStore) store = NULL;
  g_autoptr(GKeyFile) before = g_key_file_new ();
  g_autoptr(GKeyFile) after = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *saved = NULL;
  g_autofree char *value = NULL;
  g_auto(GStrv) after_keys = NULL;
  g_auto(GStrv) after_groups = NULL;
  EpProfile *work;
  const char *original =
    "# Written by hand\n"
    "[Epistle]\n"
    "default-profile=work1\n"
    "future-setting=42\n"
    "\n"
    "# My work account\n"
    "[Profile work1]\n"
    "name=Work\n"
    "name[fr]=Travail\n"
    "sender-address=me@example.com\n"
    "host=smtp.example.com\n"
    "port=587\n"
    "security=starttls\n"
    "oauth-client=abc;def\n"
    "x-unknown=  spaced value\\twith tab\n"
    "\n"
    "[Future Group]\n"
    "list=a;b;c;\n"
    "empty=\n";

  ep_test_write_file (path, original);
  g_key_file_load_from_data (before, original, -1, G_KEY_FILE_KEEP_COMMENTS | G_KEY_FILE_KEEP_TRANSLATIONS, &error);
  g_assert_no_error (error);

  store = new_loaded_store (dir);
  work = ep_profile_store_lookup_by_id (store, "work1");
  g_assert_nonnull (work);
  g_assert_true (ep_profile_get_is_sandbox (ep_profile_store_get_default (store)));
  ep_profile_set_host (work, "smtp2.example.com");
  g_assert_true (ep_profile_store_save (store, &error));
  g_assert_no_error (error);

  saved = ep_test_read_file (path);
  g_key_file_load_from_data (after, saved, -1, G_KEY_FILE_KEEP_COMMENTS | G_KEY_FILE_KEEP_TRANSLATIONS, &error);
  g_assert_no_error (error);

  /* Every group and key of the original is still there with the same raw value, except
   * the one changed. */
  after_groups = g_key_file_get_groups (after, NULL);
  g_assert_true (g_strv_contains ((const char * const *) after_groups, "Future Group"));
  {
    g_auto(GStrv) groups = g_key_file_get_groups (before, NULL);

    for (guint i = 0; groups[i] != NULL; i++)
      {
        g_auto(GStrv) keys = g_key_file_get_keys (before, groups[i], NULL, &error);

        g_assert_no_error (error);
        for (guint j = 0; keys[j] != NULL; j++)
          {
            g_autofree char *a = g_key_file_get_value (before, groups[i], keys[j], NULL);
            g_autofree char *b = g_key_file_get_value (after, groups[i], keys[j], NULL);

            if (g_str_equal (keys[j], "host"))
              g_assert_cmpstr (b, ==, "smtp2.example.com");
            else
              g_assert_cmpstr (b, ==, a);
          }
      }
  }
  value = g_key_file_get_locale_string (after, "Profile work1", "name", "fr", NULL);
  g_assert_cmpstr (value, ==, "Travail");
  /* Comments stay where they were (GKeyFile may add a blank line after one). */
  g_assert_true (g_str_has_prefix (saved, "# Written by hand\n"));
  g_assert_nonnull (strstr (saved, "# My work account\n"));
  g_assert_true (strstr (saved, "# My work account\n") < strstr (saved, "[Profile work1]"));
  g_assert_true (strstr (saved, "future-setting=42") < strstr (saved, "# My work account\n"));
  after_keys = g_key_file_get_keys (after, "Future Group", NULL, NULL);
  g_assert_cmpuint (g_strv_length (after_keys), ==, 2);
  g_assert_finalize_object (g_steal_pointer (&store));
}

static char *
find_aside (const char *dir,
            const char *prefix)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  char *found = NULL;

  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_prefix (name, prefix))
      {
        g_assert_null (found);   /* exactly one */
        found = g_build_filename (dir, name, NULL);
      }
  return found;
}

static void
check_corrupt (const char *contents,
               const char *expected_line)
{
  g_autofree char *dir = ep_test_make_dir ("store");
  g_autofree char *path = g_build_filename (dir, "profiles.ini", NULL);
  g_autoptr(EpProfileStore) store = ep_profile_store_new (dir);
  g_autoptr(EpProfile) profile = ep_profile_new ("New");
  g_autoptr(GError) error = NULL;
  g_autofree char *aside = NULL;
  g_autofree char *aside_contents = NULL;
  g_autofree char *aside_base = NULL;

  ep_test_write_file (path, contents);
  g_assert_false (ep_profile_store_load (store, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_CORRUPT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "profiles.ini"));
  g_assert_nonnull (strstr (error->message, expected_line));

  /* Moved aside, byte for byte, and named in the message. */
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  aside = find_aside (dir, "profiles.ini.corrupt-");
  g_assert_nonnull (aside);
  aside_contents = ep_test_read_file (aside);
  g_assert_cmpstr (aside_contents, ==, contents);
  aside_base = g_path_get_basename (aside);
  g_assert_nonnull (strstr (error->message, aside_base));

  /* Still usable: the Sandbox is there, and saving does not touch the damaged copy. */
  g_assert_cmpuint (g_list_model_get_n_items (ep_profile_store_list (store)), ==, 1);
  g_assert_nonnull (ep_profile_store_get_sandbox (store));
  g_assert_true (ep_profile_store_add (store, profile, NULL));
  g_clear_error (&error);
  g_assert_true (ep_profile_store_save (store, &error));
  g_assert_no_error (error);
  g_clear_pointer (&aside_contents, g_free);
  aside_contents = ep_test_read_file (aside);
  g_assert_cmpstr (aside_contents, ==, contents);
  g_assert_finalize_object (g_steal_pointer (&store));
  g_assert_finalize_object (g_steal_pointer (&profile));
}

static void
test_store_corrupt_syntax (void)
{
  check_corrupt ("[Profile a]\nname=A\nthis line is not a key\nhost=x\n", "line 3");
}

static void
test_store_corrupt_utf8 (void)
{
  check_corrupt ("[Profile a]\nname=A\nhost=x\nsender-name=\xff\xfe bad\n", "line 4");
}

static void
test_store_corrupt_twice (void)
{
  g_autofree char *dir = ep_test_make_dir ("store");
  g_autofree char *path = g_build_filename (dir, "profiles.ini", NULL);
  g_autoptr(GDir) d = NULL;
  guint asides = 0;
  const char *name;

  /* Two damaged files within one second: both kept, neither overwritten. */
  for (int i = 0; i < 2; i++)
    {
      g_autoptr(EpProfileStore) store = ep_profile_store_new (dir);
      g_autoptr(GError) error = NULL;

      ep_test_write_file (path, i == 0 ? "garbage one\n" : "garbage two\n");
      g_assert_false (ep_profile_store_load (store, &error));
      g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_CORRUPT);
    }
  d = g_dir_open (dir, 0, NULL);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);
      g_autofree char *c = ep_test_read_file (p);

      g_assert_true (g_str_has_prefix (name, "profiles.ini.corrupt-"));
      g_assert_true (g_str_has_prefix (c, "garbage "));
      asides++;
    }
  g_assert_cmpuint (asides, ==, 2);
}

static void
test_store_invalid_profiles (void)
{
  g_autofree char *dir = ep_test_make_dir ("store");
  g_autofree char *path = g_build_filename (dir, "profiles.ini", NULL);
  g_autoptr(EpProfileStore) store = ep_profile_store_new (dir);
  g_autoptr(GKeyFile) saved = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *host = NULL;
  g_autofree char *port = NULL;
  const char *contents =
    "[Profile good]\nname=Good\nhost=smtp.example.com\nport=587\n"
    "[Profile badport]\nname=Bad port\nhost=smtp.example.com\nport=99999\n"
    "[Profile inject]\nname=Injected\nhost=smtp.example.com\\r\\nMAIL FROM:<x@y>\n"
    "[Profile badsec]\nname=Bad security\nsecurity=startls\n"
    /* The engine's enums, spelled exactly as stored; "none" is the CLI's, not a profile's. */
    "[Profile seccase]\nname=Security in capitals\nsecurity=TLS\n"
    "[Profile authnone]\nname=No sign-in method\nusername=u\nauth=none\n"
    "[Profile bad/id]\nname=Bad id\n";

  ep_test_write_file (path, contents);
  g_assert_false (ep_profile_store_load (store, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "[Profile badport]"));
  g_assert_nonnull (strstr (error->message, "port"));
  g_assert_nonnull (strstr (error->message, "5 more"));

  /* The good one loaded; the bad ones did not, and the file was not moved. */
  g_assert_nonnull (ep_profile_store_lookup_by_id (store, "good"));
  g_assert_null (ep_profile_store_lookup_by_id (store, "badport"));
  g_assert_null (ep_profile_store_lookup_by_id (store, "inject"));
  g_assert_null (ep_profile_store_lookup_by_id (store, "badsec"));
  g_assert_null (ep_profile_store_lookup_by_id (store, "seccase"));
  g_assert_null (ep_profile_store_lookup_by_id (store, "authnone"));
  g_assert_cmpuint (g_list_model_get_n_items (ep_profile_store_list (store)), ==, 2);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));

  /* Saving keeps the bad groups exactly as they were, for the user to fix. */
  g_clear_error (&error);
  g_assert_true (ep_profile_store_save (store, &error));
  g_assert_no_error (error);
  g_assert_true (g_key_file_load_from_file (saved, path, G_KEY_FILE_NONE, NULL));
  port = g_key_file_get_value (saved, "Profile badport", "port", NULL);
  g_assert_cmpstr (port, ==, "99999");
  host = g_key_file_get_value (saved, "Profile inject", "host", NULL);
  g_assert_cmpstr (host, ==, "smtp.example.com\\r\\nMAIL FROM:<x@y>");
  g_assert_true (g_key_file_has_group (saved, "Profile bad/id"));
  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
test_store_unreadable (void)
{
  g_autofree char *dir = ep_test_make_dir ("store");
  g_autofree char *path = g_build_filename (dir, "profiles.ini", NULL);
  g_autoptr(EpProfileStore) store = ep_profile_store_new (dir);
  g_autoptr(GError) error = NULL;

  /* A directory in its place: cannot be read (even by root), must not be replaced. */
  g_assert_cmpint (g_mkdir (path, 0700), ==, 0);
  g_assert_false (ep_profile_store_load (store, &error));
  g_assert_nonnull (error);
  g_assert_true (error->domain == EP_STORE_ERROR);
  g_assert_cmpint (error->code, !=, EP_STORE_ERROR_CORRUPT);
  g_assert_nonnull (ep_profile_store_get_sandbox (store));
  g_clear_error (&error);

  g_assert_false (ep_profile_store_save (store, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_IO);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_DIR));
  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
test_store_enospc (void)
{
  g_autofree char *dir = ep_test_make_dir ("store");
  g_autoptr(EpProfileStore) store = new_loaded_store (dir);
  g_autoptr(EpProfile) work = make_full_profile ("Work");
  g_autoptr(EpProfile) extra = ep_profile_new ("Extra");
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *names = NULL;
  FailSpec spec = { "profiles.ini", EP_ATOMIC_FILE_STAGE_WRITE, 0, ENOSPC, 0 };

  g_assert_true (ep_profile_store_add (store, work, &error));
  g_assert_true (ep_profile_store_save (store, &error));
  g_assert_no_error (error);
  before = ep_test_read_file (ep_profile_store_get_path (store));

  g_assert_true (ep_profile_store_add (store, extra, &error));
  ep_profile_set_host (work, "changed.example.org");
  ep_atomic_file_set_fail_hook (fail_hook, &spec);
  g_assert_false (ep_profile_store_save (store, &error));
  ep_atomic_file_set_fail_hook (NULL, NULL);
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NO_SPACE);
  g_assert_nonnull (strstr (error->message, "profiles.ini"));

  after = ep_test_read_file (ep_profile_store_get_path (store));
  g_assert_cmpstr (after, ==, before);
  names = ep_test_list_dir (dir);
  g_assert_cmpstr (names, ==, "profiles.ini");

  /* Space again: the pending changes are written. */
  g_clear_error (&error);
  g_assert_true (ep_profile_store_save (store, &error));
  g_assert_no_error (error);
  g_clear_object (&store);
  store = new_loaded_store (dir);
  g_assert_nonnull (ep_profile_store_lookup_by_name (store, "Extra"));
  g_assert_cmpstr (ep_profile_get_host (ep_profile_store_lookup_by_name (store, "work")), ==,
                   "changed.example.org");
  g_assert_finalize_object (g_steal_pointer (&extra));
  g_assert_finalize_object (g_steal_pointer (&work));
}

static void
test_store_sandbox (void)
{
  g_autofree char *dir = ep_test_make_dir ("store");
  g_autofree char *path = g_build_filename (dir, "profiles.ini", NULL);
  g_autoptr(EpProfileStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(EpProfile) other_ref = NULL;
  EpProfile *sandbox;
  EpProfile *other;

  /* The user's edits of the Sandbox (a pinned certificate) load; it stays the Sandbox. */
  ep_test_write_file (path,
              "[Profile other]\nname=Other\nhost=h.example\n"
              "[Profile sandbox]\nname=Sandbox\npinned-sha256="
              "0000000000000000000000000000000000000000000000000000000000000000\nport=0\n");
  store = new_loaded_store (dir);
  sandbox = ep_profile_store_get_sandbox (store);
  other = ep_profile_store_lookup_by_id (store, "other");
  ep_profile_store_set_default_id (store, "other");
  g_assert_true (ep_profile_get_is_sandbox (sandbox));
  g_assert_cmpstr (ep_profile_get_pinned_sha256 (sandbox), ==,
                   "0000000000000000000000000000000000000000000000000000000000000000");
  g_assert_cmpstr (ep_profile_get_host (sandbox), ==, "127.0.0.1");
  g_assert_true (ep_profile_store_get_default (store) == other);

  g_assert_false (ep_profile_store_remove (store, sandbox, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_PROTECTED);
  g_assert_true (ep_profile_store_get_sandbox (store) == sandbox);
  g_clear_error (&error);

  /* Removing the default makes the Sandbox the default again, also after a reload. */
  other_ref = g_object_ref (other);
  g_assert_true (ep_profile_store_remove (store, other, &error));
  g_assert_no_error (error);
  g_assert_true (ep_profile_store_get_default (store) == sandbox);
  g_assert_cmpstr (ep_profile_store_get_default_id (store), ==, "");
  g_assert_false (ep_profile_store_remove (store, other, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (ep_profile_store_save (store, &error));
  g_clear_object (&store);
  store = new_loaded_store (dir);
  g_assert_null (ep_profile_store_lookup_by_id (store, "other"));
  g_assert_true (ep_profile_get_is_sandbox (ep_profile_store_get_default (store)));

  /* A default naming a profile that is gone falls back to the Sandbox. */
  ep_profile_store_set_default_id (store, "gone");
  g_assert_true (ep_profile_get_is_sandbox (ep_profile_store_get_default (store)));
  g_assert_finalize_object (g_steal_pointer (&other_ref));
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  (*(guint *) user_data)++;
}

/* The default is set by id from the settings, possibly before the profiles are loaded; it
 * notifies exactly when it changes, and "" stands for the Sandbox whatever was passed. */
static void
test_store_default_id (void)
{
  g_autofree char *dir = ep_test_make_dir ("store");
  g_autofree char *path = g_build_filename (dir, "profiles.ini", NULL);
  g_autoptr(EpProfileStore) store = ep_profile_store_new (dir);
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;
  guint notified = 0;
  EpProfile *work;

  g_signal_connect (store, "notify::default-id", G_CALLBACK (count_notify_cb), &notified);
  g_assert_cmpstr (ep_profile_store_get_default_id (store), ==, "");
  g_object_set (store, "default-id", "work1", NULL);
  g_assert_cmpuint (notified, ==, 1);
  g_assert_true (ep_profile_get_is_sandbox (ep_profile_store_get_default (store)));

  ep_test_write_file (path, "[Profile work1]\nname=Work\nhost=smtp.example.com\n");
  g_assert_true (ep_profile_store_load (store, &error));
  g_assert_no_error (error);
  work = ep_profile_store_lookup_by_id (store, "work1");
  g_assert_nonnull (work);
  g_assert_true (ep_profile_store_get_default (store) == work);
  g_assert_cmpuint (notified, ==, 1);   /* loading does not touch the default */

  g_assert_true (ep_profile_store_set_default (store, work, &error));
  g_assert_cmpuint (notified, ==, 1);   /* no change, no notification */
  g_object_get (store, "default-id", &value, NULL);
  g_assert_cmpstr (value, ==, "work1");

  ep_profile_store_set_default_id (store, EP_PROFILE_SANDBOX_ID);
  g_assert_cmpuint (notified, ==, 2);
  g_assert_cmpstr (ep_profile_store_get_default_id (store), ==, "");
  ep_profile_store_set_default_id (store, NULL);
  ep_profile_store_set_default_id (store, "");
  g_assert_cmpuint (notified, ==, 2);
  g_assert_finalize_object (g_steal_pointer (&store));
}

/* Our strict reader agrees with GKeyFile on everything GKeyFile writes and reads without
 * complaint, and refuses what GKeyFile refuses, without its warnings. */
static void
test_keyfile_strings (void)
{
  /* As written in the file; list_only: "\;" is for lists, GKeyFile refuses it in a string. */
  static const struct { const char *raw; gboolean list_only; } valid_values[] = {
    { "", FALSE }, { "plain", FALSE }, { "\\sleading", FALSE }, { "trailing  ", FALSE },
    { "a\\nb\\tc\\rd", FALSE }, { "back\\\\slash", FALSE }, { "été ☃", FALSE },
    { "a;b", FALSE }, { "a;b;", FALSE }, { ";", FALSE }, { "a;;b", FALSE },
    { "x\\;y;z", TRUE }, { "\\s;\\\\;", FALSE },
  };
  static const char * const invalid[] = {
    "\\x", "\\", "a\\", "\\x\\", "a;\\q;b\\",
  };
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();

  for (gsize i = 0; i < G_N_ELEMENTS (valid_values); i++)
    {
      const char *raw = valid_values[i].raw;
      g_autoptr(GError) glib_error = NULL;
      g_autoptr(GError) our_error = NULL;
      g_autofree char *glib_value = NULL;
      g_autofree char *our_value = NULL;
      g_auto(GStrv) glib_list = NULL;
      g_auto(GStrv) our_list = NULL;

      g_test_message ("value “%s”", raw);
      g_key_file_set_value (keyfile, "g", "k", raw);
      glib_list = g_key_file_get_string_list (keyfile, "g", "k", NULL, &glib_error);
      g_assert_no_error (glib_error);
      our_list = ep_store_keyfile_dup_string_list (keyfile, "g", "k", &our_error);
      g_assert_no_error (our_error);
      g_assert_true (g_strv_equal ((const char * const *) glib_list, (const char * const *) our_list));

      if (valid_values[i].list_only)
        continue;
      glib_value = g_key_file_get_string (keyfile, "g", "k", &glib_error);
      g_assert_no_error (glib_error);
      our_value = ep_store_keyfile_dup_string (keyfile, "g", "k", &our_error);
      g_assert_no_error (our_error);
      g_assert_cmpstr (our_value, ==, glib_value);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *value = NULL;
      g_auto(GStrv) list = NULL;

      g_key_file_set_value (keyfile, "g", "k", invalid[i]);
      value = ep_store_keyfile_dup_string (keyfile, "g", "k", &error);
      g_assert_null (value);
      g_assert_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
      g_clear_error (&error);
      list = ep_store_keyfile_dup_string_list (keyfile, "g", "k", &error);
      g_assert_null (list);
      g_assert_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
    }
  {
    g_autoptr(GError) error = NULL;

    g_key_file_set_value (keyfile, "g", "k", "x\\;y");
    g_assert_null (ep_store_keyfile_dup_string (keyfile, "g", "k", &error));
    g_assert_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
  }
}

static EpProfileStore *
load_with_problem (const char *dir,
                   const char *expected_part)
{
  g_autoptr(GError) error = NULL;
  EpProfileStore *store = ep_profile_store_new (dir);

  g_assert_false (ep_profile_store_load (store, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, expected_part));
  return store;
}

/* Regressions from fuzzing the loader with hand-edited files. */
static void
test_store_hand_edits (void)
{
  g_autofree char *dir = ep_test_make_dir ("store");
  g_autofree char *path = g_build_filename (dir, "profiles.ini", NULL);
  g_autoptr(EpProfileStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *file = NULL;
  EpProfile *work;

  /* A Sandbox group with a bad value: the built-in Sandbox is used, and saving (for another
   * profile's sake) leaves the group exactly as the user wrote it... */
  ep_test_write_file (path, "[Profile sandbox]\nport=abc\nsender-name=Me\n"
                            "[Profile w]\nname=W\nhost=a.example\n");
  store = load_with_problem (dir, "[Profile sandbox]");
  g_assert_cmpstr (ep_profile_get_sender_name (ep_profile_store_get_sandbox (store)), ==, "");
  ep_profile_set_host (ep_profile_store_lookup_by_id (store, "w"), "b.example");
  g_assert_true (ep_profile_store_save (store, &error));
  g_assert_no_error (error);
  file = ep_test_read_file (path);
  g_assert_nonnull (strstr (file, "[Profile sandbox]\nport=abc\nsender-name=Me\n"));
  g_assert_nonnull (strstr (file, "host=b.example"));
  g_clear_pointer (&file, g_free);
  /* What a connection test learns by itself is no edit: the group still stays. */
  ep_profile_set_size_limit (ep_profile_store_get_sandbox (store), 1000000);
  g_assert_true (ep_profile_store_save (store, &error));
  file = ep_test_read_file (path);
  g_assert_nonnull (strstr (file, "[Profile sandbox]\nport=abc\nsender-name=Me\n"));
  g_clear_pointer (&file, g_free);
  /* ...until the user changes the Sandbox: then what they chose now is written. */
  ep_profile_set_sender_name (ep_profile_store_get_sandbox (store), "Tester");
  g_assert_true (ep_profile_store_save (store, &error));
  g_clear_object (&store);
  store = new_loaded_store (dir);
  g_assert_cmpstr (ep_profile_get_sender_name (ep_profile_store_get_sandbox (store)), ==, "Tester");
  g_clear_object (&store);

  /* A Sandbox setting emptied by hand stays empty after a save: absent would mean built-in. */
  ep_test_write_file (path, "[Profile sandbox]\nsender-address=\nusername=\n");
  store = new_loaded_store (dir);
  g_assert_cmpstr (ep_profile_get_sender_address (ep_profile_store_get_sandbox (store)), ==, "");
  g_assert_true (ep_profile_store_save (store, &error));
  g_clear_object (&store);
  store = new_loaded_store (dir);
  g_assert_cmpstr (ep_profile_get_sender_address (ep_profile_store_get_sandbox (store)), ==, "");
  g_assert_cmpstr (ep_profile_get_username (ep_profile_store_get_sandbox (store)), ==, "");
  g_clear_object (&store);

  /* A key repeated in a group: the last one counts (as GKeyFile reads it), and clearing it
   * clears them all: the earlier one does not come back after a save. */
  ep_test_write_file (path, "[Profile w]\nname=W\nhost=a.example\n"
                            "ehlo-name=first.example\nehlo-name=second.example\n"
                            "port=25\nport=2525\n");
  store = new_loaded_store (dir);
  work = ep_profile_store_lookup_by_id (store, "w");
  g_assert_cmpstr (ep_profile_get_ehlo_name (work), ==, "second.example");
  g_assert_cmpuint (ep_profile_get_port (work), ==, 2525);
  ep_profile_set_ehlo_name (work, NULL);
  g_assert_true (ep_profile_store_save (store, &error));
  file = ep_test_read_file (path);
  g_assert_null (strstr (file, "ehlo-name"));
  g_assert_nonnull (strstr (file, "port=2525"));
  g_assert_null (strstr (file, "port=25\n"));
  g_clear_pointer (&file, g_free);
  g_clear_object (&store);
  store = new_loaded_store (dir);
  work = ep_profile_store_lookup_by_id (store, "w");
  g_assert_cmpstr (ep_profile_get_ehlo_name (work), ==, "");
  g_assert_cmpuint (ep_profile_get_port (work), ==, 2525);
  g_clear_object (&store);

  /* An unknown escape followed by a trailing backslash: a clear refusal of that profile, and
   * no GLib warning (this test runs with warnings fatal). */
  ep_test_write_file (path, "[Profile w]\nname=W\nhost=\\x\\\n");
  store = load_with_problem (dir, "“host” is not valid text");
  g_assert_null (ep_profile_store_lookup_by_id (store, "w"));
  g_clear_object (&store);
  ep_test_write_file (path, "[Profile w]\nname=W\\q\nhost=a.example\n");
  store = load_with_problem (dir, "“name” is not valid text");
  g_clear_object (&store);
  /* The escapes GKeyFile writes are read back. */
  ep_test_write_file (path, "[Profile w]\nname=\\sW\\\\x\nhost=a.example\n");
  store = new_loaded_store (dir);
  g_assert_cmpstr (ep_profile_get_name (ep_profile_store_lookup_by_id (store, "w")), ==, " W\\x");
  g_clear_object (&store);
  ep_test_write_file (path, "[Profile w]\nname=W\\tX\nhost=a.example\n");
  store = load_with_problem (dir, "“name” contains a line break or another control character");
  g_clear_object (&store);

  /* A damaged file with a repeated key: the line named is the line in the file. */
  ep_test_write_file (path, "[Profile w]\nname=W\nhost=a\nhost=b\n[bad\n");
  store = ep_profile_store_new (dir);
  g_assert_false (ep_profile_store_load (store, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "line 5"));
  g_clear_error (&error);
  g_clear_object (&store);

  /* CRLF line endings, the last line without its LF: the CR is a line ending there too. */
  ep_test_write_file (path, "[Profile w]\r\nname=W\r\nhost=a.example\r");
  store = new_loaded_store (dir);
  g_assert_cmpstr (ep_profile_get_host (ep_profile_store_lookup_by_id (store, "w")), ==, "a.example");
  g_clear_object (&store);
  /* Nor is one before it: a raw CR would vanish when the file is saved. */
  ep_test_write_file (path, "[Profile w]\nname=W\r\r\nhost=a.example\r\r");
  store = new_loaded_store (dir);
  g_assert_cmpstr (ep_profile_get_name (ep_profile_store_lookup_by_id (store, "w")), ==, "W");
  g_assert_cmpstr (ep_profile_get_host (ep_profile_store_lookup_by_id (store, "w")), ==, "a.example");
}

/* Insert at a position (Undo of a deletion): the Sandbox stays first whatever is asked. */
static void
test_store_insert (void)
{
  g_autofree char *dir = ep_test_make_dir ("store");
  g_autoptr(EpProfileStore) store = new_loaded_store (dir);
  g_autoptr(EpProfile) a = ep_profile_new ("A");
  g_autoptr(EpProfile) b = ep_profile_new ("B");
  g_autoptr(EpProfile) c = ep_profile_new ("C");
  GListModel *list = ep_profile_store_list (store);
  const char *expected[] = { "Sandbox", "B", "C", "A" };

  g_assert_true (ep_profile_store_add (store, a, NULL));
  g_assert_true (ep_profile_store_insert (store, b, 0, NULL));          /* before the Sandbox? no */
  g_assert_true (ep_profile_store_insert (store, c, 2, NULL));
  g_assert_false (ep_profile_store_insert (store, c, 1, NULL));         /* already there */
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr(EpProfile) item = g_list_model_get_item (list, i);

      g_assert_cmpstr (ep_profile_get_name (item), ==, expected[i]);
    }
  g_assert_finalize_object (g_steal_pointer (&store));
  g_assert_finalize_object (g_steal_pointer (&c));
  g_assert_finalize_object (g_steal_pointer (&b));
  g_assert_finalize_object (g_steal_pointer (&a));
}

static void
test_store_names (void)
{
  g_autofree char *dir = ep_test_make_dir ("store");
  g_autoptr(EpProfileStore) store = new_loaded_store (dir);
  g_autoptr(EpProfile) work = make_full_profile ("Été Work");
  g_autoptr(EpProfile) clash = ep_profile_new ("été WORK");
  g_autoptr(EpProfile) empty = ep_profile_new ("");
  g_autoptr(EpProfile) sandbox_clash = ep_profile_new ("SANDBOX");
  g_autoptr(GError) error = NULL;
  EpProfile *copy1;
  EpProfile *copy2;

  g_assert_true (ep_profile_store_add (store, work, &error));
  g_assert_no_error (error);
  g_assert_true (ep_profile_store_lookup_by_name (store, "ÉTÉ WORK") == work);
  g_assert_true (ep_profile_store_lookup_by_name (store, "été work") == work);
  g_assert_null (ep_profile_store_lookup_by_name (store, "Work"));

  g_assert_false (ep_profile_store_add (store, clash, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_false (ep_profile_store_add (store, sandbox_clash, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_false (ep_profile_store_add (store, empty, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (ep_profile_store_add (store, work, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_true (ep_profile_store_check_name (store, "Été Work", work, NULL));
  g_assert_false (ep_profile_store_check_name (store, "Line\nbreak", NULL, NULL));

  copy1 = ep_profile_store_duplicate (store, work, &error);
  g_assert_no_error (error);
  copy2 = ep_profile_store_duplicate (store, work, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ep_profile_get_name (copy1), ==, "Été Work (copy)");
  g_assert_cmpstr (ep_profile_get_name (copy2), ==, "Été Work (copy 2)");
  g_assert_cmpstr (ep_profile_get_id (copy1), !=, ep_profile_get_id (work));
  g_assert_cmpstr (ep_profile_get_host (copy1), ==, ep_profile_get_host (work));
  g_assert_cmpint (ep_profile_get_auth (copy1), ==, ep_profile_get_auth (work));
  g_assert_cmpuint (ep_profile_get_size_limit (copy1), ==, ep_profile_get_size_limit (work));
  g_assert_true (ep_profile_store_lookup_by_id (store, ep_profile_get_id (copy2)) == copy2);

  /* A copy of the Sandbox is an ordinary, deletable profile. */
  copy1 = ep_profile_store_duplicate (store, ep_profile_store_get_sandbox (store), &error);
  g_assert_no_error (error);
  g_assert_false (ep_profile_get_is_sandbox (copy1));
  g_assert_true (ep_profile_store_remove (store, copy1, &error));
  g_assert_no_error (error);
  g_assert_finalize_object (g_steal_pointer (&store));
  g_assert_finalize_object (g_steal_pointer (&sandbox_clash));
  g_assert_finalize_object (g_steal_pointer (&empty));
  g_assert_finalize_object (g_steal_pointer (&clash));
  g_assert_finalize_object (g_steal_pointer (&work));
}

static void
test_profile_validate (void)
{
  g_autoptr(EpProfile) profile = make_full_profile ("Valid");
  g_autoptr(GError) error = NULL;

  g_assert_true (ep_profile_validate (profile, &error));
  g_assert_no_error (error);

  ep_profile_set_host (profile, "smtp.example.org\r\nRSET");
  g_assert_false (ep_profile_validate (profile, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "Valid"));
  g_clear_error (&error);
  ep_profile_set_host (profile, "smtp.example.org");

  ep_profile_set_username (profile, "me\nMAIL FROM:<x@y>");
  g_assert_false (ep_profile_validate (profile, &error));
  g_clear_error (&error);
  ep_profile_set_username (profile, "me");

  ep_profile_set_ehlo_name (profile, "bad name");
  g_assert_false (ep_profile_validate (profile, &error));
  g_clear_error (&error);
  ep_profile_set_ehlo_name (profile, "");

  ep_profile_set_pinned_sha256 (profile, "abcd");
  g_assert_false (ep_profile_validate (profile, &error));
  g_clear_error (&error);
  ep_profile_set_pinned_sha256 (profile, "");
  g_assert_null (ep_profile_get_pinned_sha256 (profile));

  ep_profile_set_port (profile, 0);
  g_assert_false (ep_profile_validate (profile, &error));
  g_clear_error (&error);
  ep_profile_set_port (profile, 587);

  ep_profile_set_sender_address (profile, "");
  g_assert_false (ep_profile_validate (profile, &error));
  g_clear_error (&error);
  ep_profile_set_sender_address (profile, "me@example.org");

  ep_profile_set_host (profile, "");
  g_assert_false (ep_profile_validate (profile, &error));
  g_clear_error (&error);

  g_assert_true (ep_profile_id_is_valid ("abc-DEF_123"));
  g_assert_false (ep_profile_id_is_valid ("../x"));
  g_assert_false (ep_profile_id_is_valid (""));
  g_assert_false (ep_profile_id_is_valid ("a b"));
  g_assert_finalize_object (g_steal_pointer (&profile));
}

/* One set of enums for the store, the engine and the CLI: profiles.ini spells them with the
 * GType nicks, the CLI with the same words, and each mode has one default port everywhere. */
static void
test_profile_enums (void)
{
  EpSmtpSecurity security;
  int value;

  g_assert_cmpstr (ep_enum_to_nick (EP_TYPE_SMTP_SECURITY, EP_SMTP_SECURITY_TLS), ==, "tls");
  g_assert_cmpstr (ep_enum_to_nick (EP_TYPE_SMTP_SECURITY, EP_SMTP_SECURITY_STARTTLS), ==, "starttls");
  g_assert_cmpstr (ep_enum_to_nick (EP_TYPE_SMTP_SECURITY, EP_SMTP_SECURITY_NONE), ==, "none");
  for (int s = EP_SMTP_SECURITY_TLS; s <= EP_SMTP_SECURITY_NONE; s++)
    g_assert_cmpstr (ep_smtp_security_to_string (s), ==, ep_enum_to_nick (EP_TYPE_SMTP_SECURITY, s));
  g_assert_true (ep_smtp_security_from_string ("none", &security));
  g_assert_cmpint (security, ==, EP_SMTP_SECURITY_NONE);
  g_assert_false (ep_smtp_security_from_string ("ssl", &security));
  /* A store reads exactly the nick; the command line forgives case. */
  g_assert_false (ep_enum_from_nick (EP_TYPE_SMTP_SECURITY, "TLS", FALSE, &value));
  g_assert_true (ep_smtp_security_from_string ("TLS", &security));

  g_assert_cmpuint (ep_smtp_security_default_port (EP_SMTP_SECURITY_TLS), ==, 465);
  g_assert_cmpuint (ep_smtp_security_default_port (EP_SMTP_SECURITY_STARTTLS), ==, 587);
  /* The editor, the engine and the CLI agree: unencrypted submission is still port 587. */
  g_assert_cmpuint (ep_smtp_security_default_port (EP_SMTP_SECURITY_NONE), ==, 587);
  {
    EpSmtpSecurity all[] = { EP_SMTP_SECURITY_TLS, EP_SMTP_SECURITY_STARTTLS, EP_SMTP_SECURITY_NONE };

    for (guint i = 0; i < G_N_ELEMENTS (all); i++)
      {
        g_autoptr(EpProfile) p = ep_profile_new ("Ports");
        g_autoptr(EpSmtpConfig) config = NULL;

        ep_profile_set_host (p, "smtp.example.org");
        ep_profile_set_security (p, all[i]);
        ep_profile_set_port (p, 0);
        config = ep_profile_to_smtp_config (p, NULL);
        g_assert_cmpint (config->security, ==, all[i]);
        g_assert_cmpuint (ep_smtp_config_get_port (config), ==, ep_smtp_security_default_port (all[i]));
      }
  }
  g_assert_true (ep_smtp_auth_mechanism_uses_token (EP_SMTP_AUTH_XOAUTH2));
  g_assert_true (ep_smtp_auth_mechanism_uses_token (EP_SMTP_AUTH_OAUTHBEARER));
  g_assert_false (ep_smtp_auth_mechanism_uses_token (EP_SMTP_AUTH_SCRAM_SHA_256));
  g_assert_false (ep_smtp_auth_mechanism_uses_token (EP_SMTP_AUTH_AUTO));

  g_assert_cmpstr (ep_enum_to_nick (EP_TYPE_SMTP_AUTH_MECHANISM, EP_SMTP_AUTH_CRAM_MD5), ==, "cram-md5");
  g_assert_cmpstr (ep_enum_to_nick (EP_TYPE_SMTP_AUTH_MECHANISM, EP_SMTP_AUTH_SCRAM_SHA_1), ==, "scram-sha-1");
  g_assert_cmpstr (ep_enum_to_nick (EP_TYPE_SMTP_AUTH_MECHANISM, EP_SMTP_AUTH_OAUTHBEARER), ==, "oauthbearer");
  g_assert_true (ep_enum_from_nick (EP_TYPE_SMTP_AUTH_MECHANISM, "xoauth2", FALSE, &value));
  g_assert_cmpint (value, ==, EP_SMTP_AUTH_XOAUTH2);
  g_assert_false (ep_enum_from_nick (EP_TYPE_SMTP_AUTH_MECHANISM, "gssapi", FALSE, &value));
  /* The profile's mechanism is the session's, unchanged. */
  for (int m = EP_SMTP_AUTH_AUTO; m <= EP_SMTP_AUTH_OAUTHBEARER; m++)
    {
      g_autoptr(EpProfile) p = ep_profile_new ("Auth");
      g_autoptr(EpSmtpConfig) config = NULL;

      ep_profile_set_host (p, "smtp.example.org");
      ep_profile_set_auth (p, m);
      config = ep_profile_to_smtp_config (p, NULL);
      g_assert_cmpint (config->auth, ==, m);
    }
}

static void
test_profile_to_smtp_config (void)
{
  g_autoptr(EpProfile) profile = make_full_profile ("Work");
  g_autoptr(EpSmtpConfig) config = NULL;
  g_autoptr(EpSmtpConfig) oauth = NULL;
  g_autoptr(EpSmtpConfig) sandbox_config = NULL;
  g_autoptr(EpProfile) sandbox = ep_profile_new_sandbox ();

  config = ep_profile_to_smtp_config (profile, "s3cret");
  g_assert_cmpstr (config->host, ==, "smtp.example.org");
  g_assert_cmpuint (config->port, ==, 465);
  g_assert_cmpint (config->security, ==, EP_SMTP_SECURITY_TLS);
  g_assert_cmpstr (config->username, ==, "zoe@example.org");
  g_assert_cmpstr (config->password, ==, "s3cret");
  g_assert_null (config->oauth_token);
  g_assert_cmpint (config->auth, ==, EP_SMTP_AUTH_SCRAM_SHA_256);
  g_assert_cmpstr (config->pinned_sha256, ==, ep_profile_get_pinned_sha256 (profile));
  g_assert_cmpstr (config->pinned_host, ==, "smtp.example.org");
  g_assert_cmpuint (config->pinned_port, ==, 465);
  g_assert_true (ep_smtp_config_validate (config, NULL));
  g_assert_cmpstr (config->ehlo_name, ==, "[192.0.2.7]");
  g_assert_cmpuint (config->timeout_seconds, ==, 90);

  ep_profile_set_auth (profile, EP_SMTP_AUTH_XOAUTH2);
  ep_profile_set_ehlo_name (profile, "");
  oauth = ep_profile_to_smtp_config (profile, "token");
  g_assert_null (oauth->password);
  g_assert_cmpstr (oauth->oauth_token, ==, "token");
  g_assert_cmpint (oauth->auth, ==, EP_SMTP_AUTH_XOAUTH2);
  g_assert_null (oauth->ehlo_name);

  sandbox_config = ep_profile_to_smtp_config (sandbox, NULL);
  g_assert_cmpstr (sandbox_config->host, ==, "127.0.0.1");
  g_assert_cmpint (sandbox_config->security, ==, EP_SMTP_SECURITY_STARTTLS);
  g_assert_cmpstr (sandbox_config->username, ==, "sandbox");
  g_assert_null (sandbox_config->password);
  g_assert_null (sandbox_config->pinned_sha256);
  g_assert_null (sandbox_config->pinned_host);
  g_assert_finalize_object (g_steal_pointer (&sandbox));
  g_assert_finalize_object (g_steal_pointer (&profile));
}

/* The sign-in settings: saved under their own keys, read back, copied, absent when empty, and a
 * line break refused as in any other setting. */
static void
test_store_oauth_settings (void)
{
  g_autofree char *dir = ep_test_make_dir ("store");
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) parts = NULL;
  g_autoptr(GError) error = NULL;
  const char *values[EP_PROFILE_N_OAUTH_SETTINGS] = {
    "custom", "my-client", "not-so-secret", "https://id.example/authorize",
    "https://id.example/token", "https://id.example/device", "smtp offline_access",
  };

  {
    g_autoptr(EpProfileStore) store = new_loaded_store (dir);
    g_autoptr(EpProfile) profile = ep_profile_new ("Signed");
    g_autoptr(EpProfile) plain = ep_profile_new ("Plain");
    g_autoptr(EpProfile) copy = NULL;

    ep_profile_set_host (profile, "smtp.example.org");
    ep_profile_set_sender_address (profile, "me@example.org");
    ep_profile_set_host (plain, "smtp.example.org");
    ep_profile_set_sender_address (plain, "me@example.org");
    for (guint i = 0; i < EP_PROFILE_N_OAUTH_SETTINGS; i++)
      ep_profile_set_oauth_setting (profile, i, values[i]);
    copy = ep_profile_copy (profile, NULL, "Copy");
    for (guint i = 0; i < EP_PROFILE_N_OAUTH_SETTINGS; i++)
      g_assert_cmpstr (ep_profile_get_oauth_setting (copy, i), ==, values[i]);
    g_assert_true (ep_profile_store_add (store, profile, &error));
    g_assert_true (ep_profile_store_add (store, plain, &error));
    g_assert_true (ep_profile_store_save (store, &error));
    g_assert_no_error (error);
    path = g_strdup (ep_profile_store_get_path (store));

    g_assert_true (ep_profile_validate (copy, NULL));
    ep_profile_set_oauth_setting (copy, EP_PROFILE_OAUTH_SCOPE, "smtp\r\nMAIL FROM:<x>");
    g_assert_false (ep_profile_validate (copy, &error));
    g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID);
  }

  text = ep_test_read_file (path);
  g_assert_nonnull (strstr (text, "oauth-provider=custom\n"));
  g_assert_nonnull (strstr (text, "oauth-token-url=https://id.example/token\n"));
  /* Only the profile that uses sign-in has the keys. */
  parts = g_strsplit (text, "oauth-provider=", -1);
  g_assert_cmpuint (g_strv_length (parts), ==, 2);

  {
    g_autoptr(EpProfileStore) store = new_loaded_store (dir);
    EpProfile *profile = ep_profile_store_lookup_by_name (store, "Signed");
    EpProfile *plain = ep_profile_store_lookup_by_name (store, "Plain");

    g_assert_nonnull (profile);
    for (guint i = 0; i < EP_PROFILE_N_OAUTH_SETTINGS; i++)
      {
        g_assert_cmpstr (ep_profile_get_oauth_setting (profile, i), ==, values[i]);
        g_assert_cmpstr (ep_profile_get_oauth_setting (plain, i), ==, "");
      }
  }
}

#define IMAP_PIN "ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89"

/* The copy in the server's Sent folder: every IMAP key survives a save and a load (and a copy
 * of the profile), a profile without an IMAP server gets none of the keys, and a hand-edited
 * value is held to the same rules as the SMTP side's. */
static void
test_store_imap_section (void)
{
  g_autofree char *dir = ep_test_make_dir ("store");
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  {
    g_autoptr(EpProfileStore) store = new_loaded_store (dir);
    g_autoptr(EpProfile) profile = ep_profile_new ("Mailbox");
    g_autoptr(EpProfile) plain = ep_profile_new ("Plain");
    g_autoptr(EpProfile) copy = NULL;

    ep_profile_set_host (profile, "smtp.example.org");
    ep_profile_set_sender_address (profile, "me@example.org");
    ep_profile_set_username (profile, "me@example.org");
    ep_profile_set_sent_copy (profile, TRUE);
    ep_profile_set_imap_host (profile, "imap.example.org");
    ep_profile_set_imap_port (profile, 1143);
    ep_profile_set_imap_security (profile, EP_SMTP_SECURITY_STARTTLS);
    ep_profile_set_imap_username (profile, "me");
    ep_profile_set_imap_sent_folder (profile, "INBOX.Envoy&AOk-s");
    ep_profile_set_imap_pinned_sha256 (profile, IMAP_PIN);
    ep_profile_set_imap_own_password (profile, TRUE);
    ep_profile_set_host (plain, "smtp.example.org");
    ep_profile_set_sender_address (plain, "me@example.org");
    g_assert_true (ep_profile_validate (profile, &error));
    g_assert_no_error (error);

    copy = ep_profile_copy (profile, NULL, "Copy");
    g_assert_true (ep_profile_get_sent_copy (copy));
    g_assert_cmpstr (ep_profile_get_imap_host (copy), ==, "imap.example.org");
    g_assert_cmpuint (ep_profile_get_imap_port (copy), ==, 1143);
    g_assert_cmpint (ep_profile_get_imap_security (copy), ==, EP_SMTP_SECURITY_STARTTLS);
    g_assert_cmpstr (ep_profile_get_imap_username (copy), ==, "me");
    g_assert_cmpstr (ep_profile_get_imap_sent_folder (copy), ==, "INBOX.Envoy&AOk-s");
    g_assert_cmpstr (ep_profile_get_imap_pinned_sha256 (copy), ==, IMAP_PIN);
    g_assert_true (ep_profile_get_imap_own_password (copy));
    /* The pin is for the IMAP server it was trusted for. */
    ep_profile_set_imap_port (copy, 993);
    g_assert_null (ep_profile_get_imap_pinned_sha256 (copy));
    ep_profile_set_imap_pinned_sha256 (copy, "00:11");
    g_assert_false (ep_profile_validate (copy, &error));
    g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID);
    g_clear_error (&error);
    ep_profile_set_imap_pinned_sha256 (copy, NULL);

    /* What the profile checks before it is used. */
    ep_profile_set_imap_sent_folder (copy, "Sent\r\nA1 DELETE INBOX");
    g_assert_false (ep_profile_validate (copy, &error));
    g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID);
    g_clear_error (&error);
    ep_profile_set_imap_sent_folder (copy, "");
    ep_profile_set_imap_security (copy, EP_SMTP_SECURITY_NONE);
    g_assert_false (ep_profile_validate (copy, &error));
    g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID);
    g_clear_error (&error);
    ep_profile_set_imap_security (copy, EP_SMTP_SECURITY_TLS);
    ep_profile_set_imap_host (copy, "");
    g_assert_false (ep_profile_validate (copy, &error));
    g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID);
    g_clear_error (&error);
    ep_profile_set_sent_copy (copy, FALSE);
    g_assert_true (ep_profile_validate (copy, &error));

    g_assert_true (ep_profile_store_add (store, profile, &error));
    g_assert_true (ep_profile_store_add (store, plain, &error));
    g_assert_true (ep_profile_store_save (store, &error));
    g_assert_no_error (error);
    path = g_strdup (ep_profile_store_get_path (store));
  }

  text = ep_test_read_file (path);
  g_assert_nonnull (strstr (text, "sent-copy=true\n"));
  g_assert_nonnull (strstr (text, "imap-host=imap.example.org\n"));
  g_assert_nonnull (strstr (text, "imap-security=starttls\n"));
  /* Whether the IMAP server has a password of its own; the password itself is never here. */
  g_assert_nonnull (strstr (text, "imap-own-password=true\n"));
  g_assert_nonnull (strstr (text, "imap-pinned-host=imap.example.org\nimap-pinned-port=1143\n"));
  /* Only the profile with an IMAP server has the keys. */
  g_assert_null (strstr (strstr (text, "name=Plain"), "imap-"));
  g_assert_null (strstr (strstr (text, "name=Plain"), "sent-copy"));

  {
    g_autoptr(EpProfileStore) store = new_loaded_store (dir);
    EpProfile *profile = ep_profile_store_lookup_by_name (store, "Mailbox");
    EpProfile *plain = ep_profile_store_lookup_by_name (store, "Plain");

    g_assert_nonnull (profile);
    g_assert_true (ep_profile_get_sent_copy (profile));
    g_assert_cmpstr (ep_profile_get_imap_host (profile), ==, "imap.example.org");
    g_assert_cmpuint (ep_profile_get_imap_port (profile), ==, 1143);
    g_assert_cmpint (ep_profile_get_imap_security (profile), ==, EP_SMTP_SECURITY_STARTTLS);
    g_assert_cmpstr (ep_profile_get_imap_username (profile), ==, "me");
    g_assert_cmpstr (ep_profile_get_imap_sent_folder (profile), ==, "INBOX.Envoy&AOk-s");
    g_assert_cmpstr (ep_profile_get_imap_pinned_sha256 (profile), ==, IMAP_PIN);
    g_assert_true (ep_profile_get_imap_own_password (profile));
    g_assert_false (ep_profile_get_imap_own_password (plain));
    g_assert_false (ep_profile_get_sent_copy (plain));
    g_assert_cmpstr (ep_profile_get_imap_host (plain), ==, "");
    g_assert_cmpuint (ep_profile_get_imap_port (plain), ==, 0);
    g_assert_cmpint (ep_profile_get_imap_security (plain), ==, EP_SMTP_SECURITY_TLS);
  }

  /* Hand edits: each bad value refuses its profile, and the group is kept for the user. */
  {
    g_autofree char *dir2 = ep_test_make_dir ("store");
    g_autofree char *path2 = g_build_filename (dir2, "profiles.ini", NULL);
    g_autoptr(EpProfileStore) store = ep_profile_store_new (dir2);
    const char *contents =
      "[Profile good]\nname=Good\nhost=smtp.example.com\nsent-copy=false\nimap-host=imap.example.com\n"
      "[Profile nohost]\nname=No host\nsent-copy=true\n"
      "[Profile badbool]\nname=Bad switch\nsent-copy=yes\nimap-host=imap.example.com\n"
      "[Profile badport]\nname=Bad port\nimap-host=imap.example.com\nimap-port=70000\n"
      "[Profile badsec]\nname=Bad security\nimap-host=imap.example.com\nimap-security=ssl\n"
      "[Profile inject]\nname=Injected\nimap-host=imap.example.com\n"
      "imap-sent-folder=Sent\\r\\nA1 DELETE INBOX\n"
      /* A pin for another server than the one the profile names is not loaded. */
      "[Profile moved]\nname=Moved\nimap-host=imap2.example.com\nimap-pinned-sha256=" IMAP_PIN "\n"
      "imap-pinned-host=imap.example.com\nimap-pinned-port=0\n";

    ep_test_write_file (path2, contents);
    g_assert_false (ep_profile_store_load (store, &error));
    g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID);
    g_test_message ("%s", error->message);
    g_assert_nonnull (ep_profile_store_lookup_by_id (store, "good"));
    g_assert_false (ep_profile_get_sent_copy (ep_profile_store_lookup_by_id (store, "good")));
    g_assert_cmpstr (ep_profile_get_imap_host (ep_profile_store_lookup_by_id (store, "good")), ==,
                     "imap.example.com");
    g_assert_null (ep_profile_store_lookup_by_id (store, "nohost"));
    g_assert_null (ep_profile_store_lookup_by_id (store, "badbool"));
    g_assert_null (ep_profile_store_lookup_by_id (store, "badport"));
    g_assert_null (ep_profile_store_lookup_by_id (store, "badsec"));
    g_assert_null (ep_profile_store_lookup_by_id (store, "inject"));
    g_assert_nonnull (ep_profile_store_lookup_by_id (store, "moved"));
    g_assert_null (ep_profile_get_imap_pinned_sha256 (ep_profile_store_lookup_by_id (store, "moved")));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/store/atomic-file/write", test_atomic_write);
  g_test_add_func ("/store/atomic-file/enospc-first-write", test_atomic_enospc_first_write);
  g_test_add_func ("/store/atomic-file/enospc-partial-write", test_atomic_enospc_partial_write);
  g_test_add_func ("/store/atomic-file/enospc-fsync", test_atomic_enospc_fsync);
  g_test_add_func ("/store/atomic-file/other-errno", test_atomic_other_errno);
  g_test_add_func ("/store/atomic-file/stream", test_atomic_stream);
  g_test_add_func ("/store/atomic-file/stream-cancelled", test_atomic_stream_cancelled);
  g_test_add_func ("/store/profile/validate", test_profile_validate);
  g_test_add_func ("/store/profile/enums", test_profile_enums);
  g_test_add_func ("/store/profile/to-smtp-config", test_profile_to_smtp_config);
  g_test_add_func ("/store/profile/pin-follows-server", test_profile_pin_follows_server);
  g_test_add_func ("/store/keyfile-strings", test_keyfile_strings);
  g_test_add_func ("/store/profile-store/fresh", test_store_fresh);
  g_test_add_func ("/store/profile-store/round-trip", test_store_round_trip);
  g_test_add_func ("/store/profile-store/pin-round-trip", test_store_pin_round_trip);
  g_test_add_func ("/store/profile-store/delivery-extensions", test_store_delivery_extensions);
  g_test_add_func ("/store/profile-store/8bitmime", test_store_8bitmime);
  g_test_add_func ("/store/profile-store/future-release", test_store_future_release);
  g_test_add_func ("/store/profile-store/pin-old-format", test_store_pin_old_format);
  g_test_add_func ("/store/profile-store/pin-other-server", test_store_pin_other_server);
  g_test_add_func ("/store/profile-store/unknown-preserved", test_store_unknown_preserved);
  g_test_add_func ("/store/profile-store/corrupt-syntax", test_store_corrupt_syntax);
  g_test_add_func ("/store/profile-store/corrupt-utf8", test_store_corrupt_utf8);
  g_test_add_func ("/store/profile-store/corrupt-twice", test_store_corrupt_twice);
  g_test_add_func ("/store/profile-store/invalid-profiles", test_store_invalid_profiles);
  g_test_add_func ("/store/profile-store/unreadable", test_store_unreadable);
  g_test_add_func ("/store/profile-store/enospc", test_store_enospc);
  g_test_add_func ("/store/profile-store/sandbox", test_store_sandbox);
  g_test_add_func ("/store/profile-store/default-id", test_store_default_id);
  g_test_add_func ("/store/profile-store/hand-edits", test_store_hand_edits);
  g_test_add_func ("/store/profile-store/imap-section", test_store_imap_section);
  g_test_add_func ("/store/profile-store/insert", test_store_insert);
  g_test_add_func ("/store/profile-store/names", test_store_names);
  g_test_add_func ("/store/profile-store/oauth-settings", test_store_oauth_settings);

  return g_test_run ();
}
