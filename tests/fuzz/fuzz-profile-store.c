/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-profile-store.c: loading profiles.ini, which people edit by hand and other tools write.
 *
 * The input is the file. Oracles: the store is usable afterwards and always has the Sandbox
 * first; a damaged file is moved aside, never left to be overwritten; no loaded setting holds a
 * line break or other control character (they would reach the SMTP dialogue); and saving then
 * loading again gives the same profiles, the same default and the same outcome. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "ep-fuzz.h"
#include "ep-profile-store.h"
#include "ep-store-error.h"

static char *config_dir;

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  ep_fuzz_init ();
  config_dir = g_build_filename (ep_fuzz_get_tmpdir (), "profiles", NULL);
  g_mkdir_with_parents (config_dir, 0700);
  return 0;
}

static void
check_single_line (const char *text)
{
  if (text == NULL)
    return;
  EP_FUZZ_CHECK (g_utf8_validate (text, -1, NULL));
  for (const char *p = text; *p != '\0'; p++)
    EP_FUZZ_CHECK_MSG ((guchar) *p >= 0x20 && *p != 0x7f, "control character 0x%02x in “%s”",
                       (guchar) *p, text);
}

/* Everything a profile holds, one line per profile, to compare two loads. */
static char *
describe_store (EpProfileStore *store)
{
  GListModel *list = ep_profile_store_list (store);
  EpProfile *default_profile = ep_profile_store_get_default (store);
  g_autoptr(GString) out = g_string_new (NULL);
  guint n = g_list_model_get_n_items (list);

  EP_FUZZ_CHECK (n >= 1);
  EP_FUZZ_CHECK (default_profile != NULL);
  g_string_append_printf (out, "default=%s\n", ep_profile_get_id (default_profile));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(EpProfile) profile = g_list_model_get_item (list, i);
      const char *fields[] = {
        ep_profile_get_id (profile), ep_profile_get_name (profile),
        ep_profile_get_sender_name (profile), ep_profile_get_sender_address (profile),
        ep_profile_get_host (profile), ep_profile_get_username (profile),
        ep_profile_get_pinned_sha256 (profile), ep_profile_get_ehlo_name (profile),
      };

      /* The Sandbox first, and only there. */
      EP_FUZZ_CHECK (ep_profile_get_is_sandbox (profile) == (i == 0));
      EP_FUZZ_CHECK (ep_profile_store_lookup_by_id (store, ep_profile_get_id (profile)) == profile);
      ep_profile_validate (profile, NULL);

      for (gsize f = 0; f < G_N_ELEMENTS (fields); f++)
        check_single_line (fields[f]);
      for (gsize f = 0; f < G_N_ELEMENTS (fields); f++)
        g_string_append_printf (out, "%s|", fields[f] != NULL ? fields[f] : "(null)");
      g_string_append_printf (out, "%u|%s|%s|%u|%" G_GUINT64_FORMAT "\n",
                              ep_profile_get_port (profile),
                              ep_smtp_security_to_string (ep_profile_get_security (profile)),
                              ep_smtp_auth_mechanism_to_string (ep_profile_get_auth (profile)),
                              ep_profile_get_timeout (profile),
                              ep_profile_get_size_limit (profile));
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Findings fixed (each has a regression test in test-profile-store and a seed here): a
 * [Profile sandbox] group with a bad value was overwritten by the next save; a Sandbox setting
 * emptied by hand came back as the built-in value; a key repeated in a group came back after
 * being cleared; GLib 2.74 warned reading a bad escape before a trailing backslash; a last
 * line ending in CR without LF read differently once saved. */

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(EpProfileStore) store = ep_profile_store_new (config_dir);
  g_autoptr(EpProfileStore) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) again_error = NULL;
  g_autoptr(GError) save_error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  const char *path = ep_profile_store_get_path (store);
  gboolean loaded;

  ep_fuzz_write_file (path, data, size);
  loaded = ep_profile_store_load (store, &error);
  EP_FUZZ_CHECK (loaded == (error == NULL));
  first = describe_store (store);

  if (g_error_matches (error, EP_STORE_ERROR, EP_STORE_ERROR_CORRUPT))
    {
      /* Moved aside: what the user wrote is kept, and a save cannot destroy it. */
      EP_FUZZ_CHECK (!g_file_test (path, G_FILE_TEST_EXISTS));
      ep_fuzz_clear_dir (config_dir);
      return 0;
    }
  EP_FUZZ_CHECK (error == NULL || g_error_matches (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID));

  EP_FUZZ_CHECK_MSG (ep_profile_store_save (store, &save_error), "save: %s", save_error->message);
  again = ep_profile_store_new (config_dir);
  loaded = ep_profile_store_load (again, &again_error);
  EP_FUZZ_CHECK (loaded == (again_error == NULL));
  EP_FUZZ_CHECK_MSG ((error == NULL) == (again_error == NULL), "first load: %s; after saving: %s",
                     error != NULL ? error->message : "ok",
                     again_error != NULL ? again_error->message : "ok");
  second = describe_store (again);
  EP_FUZZ_CHECK_MEM (second, strlen (second), first, strlen (first));

  ep_fuzz_clear_dir (config_dir);
  return 0;
}
