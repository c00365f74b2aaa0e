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
describe_store (EpProfileStore *store,
                gboolean        with_sandbox)
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
      if (i == 0 && !with_sandbox)
        continue;
      for (gsize f = 0; f < G_N_ELEMENTS (fields); f++)
        g_string_append_printf (out, "%s|", fields[f] != NULL ? fields[f] : "(null)");
      g_string_append_printf (out, "%u|%s|%s|%u|%" G_GUINT64_FORMAT "\n",
                              ep_profile_get_port (profile),
                              ep_profile_security_to_string (ep_profile_get_security (profile)),
                              ep_profile_auth_to_string (ep_profile_get_auth (profile)),
                              ep_profile_get_timeout (profile),
                              ep_profile_get_size_limit (profile));
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Two findings in the store, reported but not fixed yet (drop the quirk when they are):
 * - a [Profile sandbox] group with a bad value is not loaded, but saving writes the built-in
 *   Sandbox over it, so the next load succeeds (the group was not "left exactly as it was");
 *   and a Sandbox setting made empty by hand (sender-address=) is saved as absent, so it comes
 *   back as the built-in default;
 * - a key repeated in a group (hand-edited files): GKeyFile reads the last one, and when the
 *   store removes it (an empty value), the earlier one is written out again and comes back.
 * And one of GKeyFile's: the last line of a file without a final LF keeps a CR at its end
 * ("a=b\r" reads as "b\r", refused as a control character), which the saved file, whose lines
 * end in LF, no longer has ("b\r\n" reads as "b").
 * Inputs that show them still run every other check. */
typedef enum {
  QUIRK_NONE = 0,
  QUIRK_SANDBOX_GROUP = 1 << 0,
  QUIRK_REPEATED_KEY = 1 << 1,
  QUIRK_FINAL_CR = 1 << 2,
} Quirks;

static Quirks
find_quirks (const uint8_t *data,
             size_t         size)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_auto(GStrv) groups = NULL;
  Quirks quirks = size > 0 && data[size - 1] == '\r' ? QUIRK_FINAL_CR : QUIRK_NONE;

  if (!g_key_file_load_from_data (keyfile, (const char *) data, size, G_KEY_FILE_NONE, NULL))
    return quirks;
  if (g_key_file_has_group (keyfile, "Profile sandbox"))
    quirks |= QUIRK_SANDBOX_GROUP;

  groups = g_key_file_get_groups (keyfile, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_auto(GStrv) keys = g_key_file_get_keys (keyfile, groups[i], NULL, NULL);
      g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

      for (guint k = 0; keys != NULL && keys[k] != NULL; k++)
        if (!g_hash_table_add (seen, keys[k]))
          quirks |= QUIRK_REPEATED_KEY;
    }
  return quirks;
}

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
  Quirks quirks;
  gboolean loaded;

  ep_fuzz_write_file (path, data, size);
  loaded = ep_profile_store_load (store, &error);
  EP_FUZZ_CHECK (loaded == (error == NULL));
  quirks = find_quirks (data, size);
  first = describe_store (store, !(quirks & QUIRK_SANDBOX_GROUP));

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
  if (quirks == QUIRK_NONE)
    EP_FUZZ_CHECK_MSG ((error == NULL) == (again_error == NULL), "first load: %s; after saving: %s",
                       error != NULL ? error->message : "ok",
                       again_error != NULL ? again_error->message : "ok");
  second = describe_store (again, !(quirks & QUIRK_SANDBOX_GROUP));
  if (!(quirks & (QUIRK_REPEATED_KEY | QUIRK_FINAL_CR)))
    EP_FUZZ_CHECK_MEM (second, strlen (second), first, strlen (first));

  ep_fuzz_clear_dir (config_dir);
  return 0;
}
