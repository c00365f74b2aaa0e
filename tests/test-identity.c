/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-identity.c: a profile's identities in profiles.ini (round trip, old files, refusals
 * naming the key, control characters in every field) and the signature delimiter on the wire. */
#include "config.h"

#include "ep-test-util.h"

#include <string.h>

#include "ep-address.h"
#include "ep-draft-store.h"
#include "ep-identity-keyfile.h"
#include "ep-message.h"
#include "ep-mime-writer.h"
#include "ep-profile-store.h"
#include "ep-store-error.h"

/* Trailing spaces on the last line and after the delimiter, a backslash, a tab, a leading
 * space, a line that looks like an escape, and a blank line: all must come back as they were. */
#define AWKWARD_SIGNATURE " Ana Lima  \nWork \\ phone\t+1 555\n\n-- \n\\n is not a line break \n-- "

static EpProfile *
make_profile (const char *id)
{
  EpProfile *profile = ep_profile_new_with_id (id, "Work");

  ep_profile_set_sender_name (profile, "Ana Lima");
  ep_profile_set_sender_address (profile, "ana@work.example");
  ep_profile_set_host (profile, "smtp.work.example");
  return profile;
}

static GPtrArray *
make_identities (void)
{
  GPtrArray *identities = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_identity_free);
  EpIdentity *first = ep_identity_new ("Ana Lima", "ana@work.example");
  EpIdentity *second = ep_identity_new ("Support, Work", "support@work.example");

  ep_identity_set_string (&first->signature, "Ana Lima\nWork");
  ep_identity_set_string (&second->reply_to, "Help Desk <help@work.example>");
  ep_identity_set_string (&second->signature, AWKWARD_SIGNATURE);
  second->bcc_self = TRUE;
  second->signature_above_quote = TRUE;
  second->is_default = TRUE;
  g_ptr_array_add (identities, first);
  g_ptr_array_add (identities, second);
  return identities;
}

static EpProfileStore *
load_store (const char *dir,
            GError    **error)
{
  EpProfileStore *store = ep_profile_store_new (dir);

  ep_profile_store_load (store, error);
  return store;
}

/* ---- Store --------------------------------------------------------------------------------- */

static void
test_round_trip (void)
{
  g_autofree char *dir = ep_test_make_dir ("identity");
  g_autofree char *path = g_build_filename (dir, "profiles.ini", NULL);
  g_autoptr(EpProfileStore) store = ep_profile_store_new (dir);
  g_autoptr(EpProfileStore) again = NULL;
  g_autoptr(EpProfile) profile = make_profile ("work");
  g_autoptr(GPtrArray) identities = make_identities ();
  g_autoptr(GPtrArray) loaded = NULL;
  g_autoptr(EpIdentity) chosen = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  EpProfile *back;

  g_assert_true (ep_profile_store_load (store, &error));
  g_assert_no_error (error);
  ep_profile_set_identities (profile, identities);
  g_assert_true (ep_profile_store_add (store, profile, &error));
  g_assert_no_error (error);
  g_assert_true (ep_profile_store_save (store, &error));
  g_assert_no_error (error);

  /* No value line ends in a space, which GKeyFile would drop: each such space is escaped. */
  contents = ep_test_read_file (path);
  g_test_message ("%s", contents);
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    g_assert_false (g_str_has_suffix (lines[i], " "));
  g_assert_nonnull (strstr (contents, "identity-2-bcc-self=true\n"));
  g_assert_nonnull (strstr (contents, "identity-2-signature-above-quote=true\n"));
  g_assert_null (strstr (contents, "identity-1-signature-above-quote"));
  g_assert_nonnull (strstr (contents, "identity-2-default=true\n"));
  g_assert_null (strstr (contents, "identity-1-default"));

  again = load_store (dir, &error);
  g_assert_no_error (error);
  back = ep_profile_store_lookup_by_id (again, "work");
  g_assert_nonnull (back);
  g_assert_true (ep_profile_has_identities (back));
  loaded = ep_profile_dup_identities (back);
  g_assert_cmpuint (loaded->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    g_assert_true (ep_identity_equal (g_ptr_array_index (loaded, i),
                                      g_ptr_array_index (identities, i)));
  g_assert_cmpstr (((EpIdentity *) g_ptr_array_index (loaded, 1))->signature, ==,
                   AWKWARD_SIGNATURE);
  chosen = ep_profile_dup_default_identity (back);
  g_assert_cmpstr (chosen->address, ==, "support@work.example");

  /* Fewer identities: the keys of the one removed go. */
  g_ptr_array_remove_index (loaded, 0);
  ep_profile_set_identities (back, loaded);
  g_assert_true (ep_profile_store_save (again, &error));
  g_assert_no_error (error);
  g_clear_pointer (&contents, g_free);
  contents = ep_test_read_file (path);
  g_assert_null (strstr (contents, "identity-2-"));
  g_assert_nonnull (strstr (contents, "identity-1-address=support@work.example\n"));
}

/* A profile of an older Epistle has no identity keys: it loads with one identity, its sender
 * address, and saving writes none. Unknown keys, identity-like or not, stay. */
static void
test_old_file (void)
{
  g_autofree char *dir = ep_test_make_dir ("identity");
  g_autofree char *path = g_build_filename (dir, "profiles.ini", NULL);
  g_autoptr(EpProfileStore) store = NULL;
  g_autoptr(GPtrArray) identities = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  EpProfile *profile;
  EpIdentity *implicit;

  ep_test_write_file (path,
                      "[Profile old]\nname=Old\nsender-name=Bo\nsender-address=bo@old.example\n"
                      "host=smtp.old.example\nport=587\nidentity-x-colour=blue\nx-later=1\n");
  store = load_store (dir, &error);
  g_assert_no_error (error);
  profile = ep_profile_store_lookup_by_id (store, "old");
  g_assert_nonnull (profile);
  g_assert_false (ep_profile_has_identities (profile));
  identities = ep_profile_dup_identities (profile);
  g_assert_cmpuint (identities->len, ==, 1);
  implicit = g_ptr_array_index (identities, 0);
  g_assert_cmpstr (implicit->name, ==, "Bo");
  g_assert_cmpstr (implicit->address, ==, "bo@old.example");
  g_assert_cmpstr (implicit->signature, ==, "");
  g_assert_true (implicit->is_default);

  g_assert_true (ep_profile_store_save (store, &error));
  g_assert_no_error (error);
  contents = ep_test_read_file (path);
  g_assert_null (strstr (contents, "identity-1"));
  g_assert_nonnull (strstr (contents, "identity-x-colour=blue\n"));
  g_assert_nonnull (strstr (contents, "x-later=1\n"));
}

typedef struct {
  const char *keys;      /* added to a good profile group */
  const char *named;     /* the key the error must name */
} BadCase;

static void
test_invalid_values (void)
{
  static const BadCase cases[] = {
    { "identity-1-address=not an address\n", "identity-1-address" },
    { "identity-1-address=\n", "identity-1-address" },
    { "identity-1-name=No address\n", "identity-1-address" },
    { "identity-1-address=a@x.example\nidentity-3-address=c@x.example\n", "identity-2-address" },
    { "identity-1-address=a@x.example\nidentity-1-bcc-self=yes\n", "identity-1-bcc-self" },
    { "identity-1-address=a@x.example\nidentity-1-signature-above-quote=1\n",
      "identity-1-signature-above-quote" },
    { "identity-1-address=a@x.example\nidentity-1-default=1\n", "identity-1-default" },
    { "identity-1-address=a@x.example\nidentity-1-default=true\n"
      "identity-2-address=b@x.example\nidentity-2-default=true\n", "identity-2-default" },
    { "identity-1-address=a@x.example\nidentity-1-reply-to=nobody\n", "identity-1-reply-to" },
    { "identity-0-address=a@x.example\n", "identity-0-address" },
    { "identity-01-address=a@x.example\n", "identity-01-address" },
    { "identity-65-address=a@x.example\n", "identity-65-address" },
    { "identity-1-address=a@x.example\nidentity-1-signature=ends with \\\n", "identity-1-signature" },
    { "identity-1-address=a@x.example\nidentity-1-signature=\\q\n", "identity-1-signature" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *dir = ep_test_make_dir ("identity");
      g_autofree char *path = g_build_filename (dir, "profiles.ini", NULL);
      g_autofree char *contents = g_strconcat ("[Profile p]\nname=P\nsender-address=p@x.example\n"
                                               "host=smtp.x.example\n", cases[i].keys, NULL);
      g_autofree char *after = NULL;
      g_autoptr(EpProfileStore) store = NULL;
      g_autoptr(GError) error = NULL;

      ep_test_write_file (path, contents);
      store = load_store (dir, &error);
      g_test_message ("%s → %s", cases[i].keys, error != NULL ? error->message : "(loaded)");
      g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, cases[i].named));
      g_assert_null (ep_profile_store_lookup_by_id (store, "p"));
      /* The group stays as it was, for the person to fix. */
      g_clear_error (&error);
      g_assert_true (ep_profile_store_save (store, &error));
      g_assert_no_error (error);
      after = ep_test_read_file (path);
      g_assert_nonnull (strstr (after, cases[i].keys));
    }
}

/* A line break in a one-line field would be a header or an SMTP command of its own; a CR in the
 * signature a bare CR on the wire. Refused in the file and in memory (what the editor saves). */
static void
test_control_characters (void)
{
  static const struct { const char *field; const char *value; } cases[] = {
    { "name", "Ana\\r\\nBcc: victim@x.example" },
    { "name", "Ana\\nLima" },
    { "name", "Ana\\tLima" },
    { "address", "ana@x.example\\r\\nRCPT TO:<victim@x.example>" },
    { "address", "ana@x.example\\n" },
    { "reply-to", "help@x.example\\r\\nBcc: victim@x.example" },
    { "reply-to", "help@x.example\\n" },
    { "signature", "Ana\\r\\n.\\r\\nMAIL FROM:<x@y>" },
    { "signature", "Ana\\rLima" },
    { "signature", "Ana\x01" },
    { "name", "Ana\x7f" },
    { "name", "Ana\xc2\x85" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *dir = ep_test_make_dir ("identity");
      g_autofree char *path = g_build_filename (dir, "profiles.ini", NULL);
      g_autofree char *key = g_strdup_printf ("identity-1-%s", cases[i].field);
      g_autofree char *contents = NULL;
      g_autoptr(EpProfileStore) store = NULL;
      g_autoptr(EpProfile) profile = make_profile ("mem");
      g_autoptr(GPtrArray) identities = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_identity_free);
      g_autoptr(EpIdentity) identity = ep_identity_new ("Ana", "ana@x.example");
      g_autoptr(GKeyFile) keyfile = g_key_file_new ();
      g_autofree char *unescaped = NULL;
      g_autoptr(GError) error = NULL;
      char **field;

      contents = g_strdup_printf ("[Profile p]\nname=P\nsender-address=p@x.example\nhost=h.example\n"
                                  "identity-1-address=ana@x.example\n%s=%s\n",
                                  key, cases[i].value);
      ep_test_write_file (path, contents);
      store = load_store (dir, &error);
      g_test_message ("%s=%s → %s", key, cases[i].value, error != NULL ? error->message : "(loaded)");
      g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, key));
      g_assert_null (ep_profile_store_lookup_by_id (store, "p"));
      g_clear_error (&error);

      /* The same value set in memory: the profile does not validate. */
      g_key_file_set_value (keyfile, "g", "k", cases[i].value);
      unescaped = g_key_file_get_string (keyfile, "g", "k", NULL);
      g_assert_nonnull (unescaped);
      field = g_str_equal (cases[i].field, "name") ? &identity->name
            : g_str_equal (cases[i].field, "address") ? &identity->address
            : g_str_equal (cases[i].field, "reply-to") ? &identity->reply_to
            : &identity->signature;
      ep_identity_set_string (field, unescaped);
      g_ptr_array_add (identities, ep_identity_copy (identity));
      ep_profile_set_identities (profile, identities);
      g_assert_false (ep_profile_validate (profile, &error));
      g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, key));
    }
}

/* The draft keeps the body byte for byte (the delimiter's space, a last line's trailing spaces)
 * and where the signature is; a range that is not within the body is no signature known. */
static void
test_draft_keys (void)
{
  g_autofree char *dir = ep_test_make_dir ("identity");
  g_autoptr(EpDraftStore) store = ep_draft_store_new (dir);
  g_autoptr(EpDraft) draft = ep_draft_new ();
  g_autoptr(EpDraft) back = NULL;
  g_autoptr(EpDraft) bad = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *damaged = NULL;
  const char *body = "Grüße\n\n-- \nAna Lima  ";

  g_free (draft->body);
  draft->body = g_strdup (body);
  draft->identity = g_strdup ("ana@work.example");
  draft->signature_start = g_utf8_strlen ("Grüße\n\n", -1);
  draft->signature_end = g_utf8_strlen (body, -1);
  g_assert_true (ep_draft_store_save (store, draft, &error));
  g_assert_no_error (error);
  back = ep_draft_store_load (store, draft->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->body, ==, body);
  g_assert_cmpstr (back->identity, ==, "ana@work.example");
  g_assert_cmpint (back->signature_start, ==, 7);
  g_assert_cmpint (back->signature_end, ==, g_utf8_strlen (body, -1));

  path = ep_draft_store_dup_path (store, draft->id);
  contents = ep_test_read_file (path);
  damaged = g_strconcat (contents, "signature-end=999\n", NULL);
  ep_test_write_file (path, damaged);
  bad = ep_draft_store_load (store, draft->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bad->body, ==, body);
  g_assert_cmpint (bad->signature_start, ==, -1);
  g_assert_cmpint (bad->signature_end, ==, -1);
}

/* ---- Signature on the wire ----------------------------------------------------------------- */

static GBytes *
write_message (EpMessage *message)
{
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;

  g_assert_true (ep_mime_writer_prepare (message, &error));
  g_assert_no_error (error);
  g_assert_true (ep_mime_writer_write (message, out, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (out, NULL, NULL));
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

/* Python's email reads the message (and tests/ep_flowed.py unflows it when it is flowed), so
 * that the text is judged by a reader other than the engine's. */
static void
check_with_python (GBytes     *bytes,
                   const char *expected_body)
{
  g_autofree char *tests_dir = g_test_build_filename (G_TEST_DIST, ".", NULL);
  g_autofree char *dir = ep_test_make_dir ("identity");
  g_autofree char *path = g_build_filename (dir, "message.eml", NULL);
  g_autoptr(GSubprocess) python = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *script =
    "import email, email.policy, sys\n"
    "sys.path.insert(0, sys.argv[2])\n"
    "import ep_flowed\n"
    "raw = open(sys.argv[1], 'rb').read()\n"
    "msg = email.message_from_bytes(raw, policy=email.policy.default)\n"
    "part = msg.get_body(('plain',))\n"
    "body = part.get_content().replace('\\r\\n', '\\n')\n"
    "if part.get_param('format') == 'flowed':\n"
    "    body = ep_flowed.unflow(body)\n"
    "sys.stdout.write(body)\n";

  g_assert_true (g_file_set_contents (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                      NULL));
  python = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                             "/usr/bin/python3", "-c", script, path, tests_dir, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (python, NULL, NULL, &out, &err, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (err, ==, "");
  /* Python's email decodes the transfer encoding; the script makes CRLF lines LF. */
  g_test_message ("Python read: %s", out);
  g_assert_cmpstr (out, ==, expected_body);
}

static void
test_delimiter_on_wire (gconstpointer data)
{
  gboolean flowed = GPOINTER_TO_INT (data);
  g_autoptr(EpIdentity) identity = ep_identity_new ("Ana Lima", "ana@work.example");
  g_autoptr(EpMessage) message = ep_message_new ();
  g_autoptr(EpAddress) from = ep_address_new (NULL, "ana@work.example", "From", NULL);
  g_autoptr(EpAddress) to = ep_address_new (NULL, "bo@example.org", "To", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *block = NULL;
  g_autofree char *body = NULL;
  g_autofree char *text = NULL;
  g_autofree char *expected = NULL;
  /* A long line before the signature, so that flowed soft-wraps something. */
  const char *text_part = "Hello Bo, this line is long enough to be soft-wrapped when the message is "
                          "sent as flowed text, which it may be.\n\n";

  ep_identity_set_string (&identity->signature, "Ana Lima\nWork");
  block = ep_identity_dup_signature_block (identity);
  g_assert_cmpstr (block, ==, "-- \nAna Lima\nWork");
  body = g_strconcat (text_part, block, NULL);
  ep_message_set_from (message, from);
  ep_message_add_to (message, to);
  g_assert_true (ep_message_set_body (message, body, -1, &error));
  g_assert_no_error (error);
  ep_message_set_format_flowed (message, flowed);
  bytes = write_message (message);
  text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_test_message ("%s", text);

  /* The delimiter line is exactly dash, dash, space, CRLF, with a line break before it. */
  g_assert_nonnull (strstr (text, "\r\n-- \r\nAna Lima"));
  g_assert_null (strstr (text, "\r\n--\r\n"));
  g_assert_null (strstr (text, "\r\n-- =\r\n"));
  g_assert_null (strstr (text, "\r\n--=20\r\n"));
  g_assert_true ((strstr (text, "format=flowed") != NULL) == flowed);
  /* Read back, the signature is its own paragraph: the delimiter is not joined to the lines
   * around it (RFC 3676 §4.3). */
  expected = g_strconcat (body, "\n", NULL);
  check_with_python (bytes, expected);
}

/* Where the signature goes: the end of the body, or above the first quoted line for an
 * identity that says so (a ">" inside a line is no quote). */
static void
test_signature_offset (void)
{
  g_autoptr(EpIdentity) identity = ep_identity_new ("Ana", "ana@work.example");
  const char *quoted = "Hi Bo,\nsee a > b below.\n\n> You wrote:\n> more\n";

  g_assert_cmpuint (ep_identity_signature_offset (identity, quoted), ==, strlen (quoted));
  g_assert_cmpuint (ep_identity_signature_offset (identity, ""), ==, 0);
  identity->signature_above_quote = TRUE;
  g_assert_cmpuint (ep_identity_signature_offset (identity, quoted), ==, strstr (quoted, "> You") - quoted);
  g_assert_cmpuint (ep_identity_signature_offset (identity, "> first\n"), ==, 0);
  g_assert_cmpuint (ep_identity_signature_offset (identity, "no quote here\n"), ==, strlen ("no quote here\n"));
  g_assert_cmpuint (ep_identity_signature_offset (identity, NULL), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/identity/store/round-trip", test_round_trip);
  g_test_add_func ("/identity/signature-offset", test_signature_offset);
  g_test_add_func ("/identity/store/old-file", test_old_file);
  g_test_add_func ("/identity/store/invalid-values", test_invalid_values);
  g_test_add_func ("/identity/store/control-characters", test_control_characters);
  g_test_add_func ("/identity/draft/keys", test_draft_keys);
  g_test_add_data_func ("/identity/signature/delimiter-on-wire", GINT_TO_POINTER (FALSE),
                        test_delimiter_on_wire);
  g_test_add_data_func ("/identity/signature/delimiter-on-wire-flowed", GINT_TO_POINTER (TRUE),
                        test_delimiter_on_wire);
  return g_test_run ();
}
