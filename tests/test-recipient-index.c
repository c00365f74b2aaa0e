/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-recipient-index.c: recipient completion learns from the Sent store and the outbox:
 * ranking by frequency and recency together, matching the start of any word of the name or the
 * address without regard to accents or case, Bcc recipients learned without a name, one message
 * counted once, a forgotten address staying away (also in a new index) until it is sent to
 * again, and a Sent store with hostile headers giving nothing hidden or injected. */
#include "config.h"

#include "ep-test-util.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ep-address.h"
#include "ep-outbox-store.h"
#include "ep-recipient-index.h"
#include "ep-sent-store.h"

#define DAY (24 * 60 * 60)
#define NOW ((gint64) 1796601600)   /* 2026-12-07T00:00:00Z */

/* ---- Helpers ----------------------------------------------------------------------------- */

static GPtrArray *
query (EpRecipientIndex *index,
       const char       *text)
{
  return ep_recipient_index_query (index, text, 50);
}

/* The addresses a query finds, in order, joined by spaces. */
static char *
query_addresses (EpRecipientIndex *index,
                 const char       *text)
{
  g_autoptr(GPtrArray) matches = query (index, text);
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < matches->len; i++)
    {
      EpRecipientMatch *match = matches->pdata[i];

      if (i > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, match->address);
    }
  return g_strdup (out->str);
}

static EpRecipientMatch *
find (EpRecipientIndex *index,
      const char       *address)
{
  g_autoptr(GPtrArray) matches = query (index, address);

  for (guint i = 0; i < matches->len; i++)
    {
      EpRecipientMatch *match = matches->pdata[i];

      if (g_str_equal (match->address, address))
        return g_ptr_array_steal_index (matches, i);
    }
  return NULL;
}

static void
send_to (EpRecipientIndex *index,
         const char       *to,
         gint64            when)
{
  g_autoptr(GPtrArray) list = ep_address_list_parse (to, "To", NULL);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) envelope = NULL;
  g_autofree char *message_id = g_strdup_printf ("<%s-%" G_GINT64_FORMAT "@test>", to, when);

  g_assert_nonnull (list);
  for (guint i = 0; i < list->len; i++)
    g_strv_builder_add (builder, ep_address_get_envelope (list->pdata[i]));
  envelope = g_strv_builder_end (builder);
  ep_recipient_index_add_message (index, message_id, to, NULL, (const char * const *) envelope, when);
}

/* A Sent entry as the app writes it: the message's bytes and its envelope. */
static void
add_sent (EpSentStore        *store,
          const char         *headers,
          const char * const *envelope,
          gint64              when)
{
  g_autoptr(EpSentInfo) info = ep_sent_info_new ();
  g_autofree char *message = g_strconcat (headers, "\r\nHello\r\n", NULL);
  g_autoptr(GInputStream) input = g_memory_input_stream_new_from_data (g_strdup (message), -1, g_free);
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&info->date, g_date_time_unref);
  info->date = g_date_time_new_from_unix_utc (when);
  g_strfreev (info->recipients);
  info->recipients = g_strdupv ((char **) envelope);
  g_free (info->server);
  info->server = g_strdup ("smtp.example.org:587");
  info->outcome = EP_SMTP_OUTCOME_DELIVERED;
  g_assert_true (ep_sent_store_add (store, info, input, "", NULL, &error));
  g_assert_no_error (error);
}

static EpRecipientIndex *
index_refreshed (const char *sent_dir,
                 const char *outbox_dir,
                 const char *forget_path)
{
  EpRecipientIndex *index = ep_recipient_index_new (sent_dir, outbox_dir, forget_path);
  g_autoptr(GError) error = NULL;

  g_assert_true (ep_recipient_index_refresh_sync (index, NULL, &error));
  g_assert_no_error (error);
  return index;
}

/* ---- Tests ------------------------------------------------------------------------------- */

/* Each send weighs 2^(-age / 30 days): five sends a month ago (2.5) beat two today (2), which
 * beat one today (1), which beats three two months ago (0.75). */
static void
test_ranking (void)
{
  g_autoptr(EpRecipientIndex) index = ep_recipient_index_new (NULL, NULL, NULL);
  g_autofree char *order = NULL;
  g_autoptr(EpRecipientMatch) old = NULL;

  for (int i = 0; i < 3; i++)
    send_to (index, "Old Friend <old@example.org>", NOW - 60 * DAY + i);
  send_to (index, "Once <once@example.org>", NOW);
  for (int i = 0; i < 2; i++)
    send_to (index, "Twice <twice@example.org>", NOW - i);
  for (int i = 0; i < 5; i++)
    send_to (index, "Often <often@example.org>", NOW - 30 * DAY - i);

  order = query_addresses (index, "example");
  g_assert_cmpstr (order, ==, "often@example.org twice@example.org once@example.org old@example.org");
  g_assert_cmpuint (ep_recipient_index_get_n_addresses (index), ==, 4);

  old = find (index, "old@example.org");
  g_assert_nonnull (old);
  g_assert_cmpuint (old->count, ==, 3);
  g_assert_cmpint (old->last_used, ==, NOW - 60 * DAY + 2);

  /* Learned out of order (the outbox after the Sent store), the sum is the same. */
  send_to (index, "Once <once@example.org>", NOW - 90 * DAY);
  g_clear_pointer (&order, g_free);
  order = query_addresses (index, "example");
  g_assert_cmpstr (order, ==, "often@example.org twice@example.org once@example.org old@example.org");

  /* One more send today and the single one overtakes the pair. */
  send_to (index, "Once <once@example.org>", NOW + 10);
  send_to (index, "Once <once@example.org>", NOW + 11);
  g_clear_pointer (&order, g_free);
  order = query_addresses (index, "example");
  g_assert_cmpstr (order, ==, "once@example.org often@example.org twice@example.org old@example.org");

  /* The wanted number of results, best first. */
  {
    g_autoptr(GPtrArray) two = ep_recipient_index_query (index, "e", 2);

    g_assert_cmpuint (two->len, ==, 2);
    g_assert_cmpstr (((EpRecipientMatch *) two->pdata[0])->address, ==, "once@example.org");
  }
}

static void
assert_match (EpRecipientIndex *index,
              const char       *typed,
              const char       *address,
              gboolean          in_name,
              const char       *matched)
{
  g_autoptr(GPtrArray) matches = query (index, typed);
  EpRecipientMatch *match;
  const char *text;
  g_autofree char *span = NULL;

  g_test_message ("typed “%s”", typed);
  g_assert_cmpuint (matches->len, ==, 1);
  match = matches->pdata[0];
  g_assert_cmpstr (match->address, ==, address);
  g_assert_cmpint (match->in_name, ==, in_name);
  text = in_name ? match->name : match->address;
  span = g_strndup (text + match->match_start, match->match_end - match->match_start);
  g_assert_cmpstr (span, ==, matched);
}

static void
assert_no_match (EpRecipientIndex *index,
                 const char       *typed)
{
  g_autoptr(GPtrArray) matches = query (index, typed);
  g_autofree char *shown = g_strescape (typed, NULL);

  g_test_message ("typed “%s”", shown);
  g_assert_cmpuint (matches->len, ==, 0);
}

static void
test_matching (void)
{
  g_autoptr(EpRecipientIndex) index = ep_recipient_index_new (NULL, NULL, NULL);

  send_to (index, "Zoë Ng <zoe.ng@mail.example.org>", NOW);
  send_to (index, "ÉLODIE Durand <elodie@durand.fr>", NOW);
  send_to (index, "björn@post.example.se", NOW);

  /* Accents and case either way round, in the name and in the address. */
  assert_match (index, "zoe", "zoe.ng@mail.example.org", TRUE, "Zoë");
  assert_match (index, "ZOË", "zoe.ng@mail.example.org", TRUE, "Zoë");
  assert_match (index, "Zo", "zoe.ng@mail.example.org", TRUE, "Zo");
  assert_match (index, "élo", "elodie@durand.fr", TRUE, "ÉLO");
  assert_match (index, "elodie d", "elodie@durand.fr", TRUE, "ÉLODIE D");
  assert_match (index, "bjorn", "björn@post.example.se", FALSE, "björn");
  assert_match (index, "BJÖ", "björn@post.example.se", FALSE, "bjö");
  /* Any word: the second of the name, the domain's parts, a part of the local part. */
  assert_match (index, "ng", "zoe.ng@mail.example.org", TRUE, "Ng");
  assert_match (index, "mail", "zoe.ng@mail.example.org", FALSE, "mail");
  assert_match (index, "fr", "elodie@durand.fr", FALSE, "fr");
  assert_match (index, "post.ex", "björn@post.example.se", FALSE, "post.ex");
  assert_match (index, "  zoe.ng@m", "zoe.ng@mail.example.org", FALSE, "zoe.ng@m");
  /* Not from the middle of a word, and not what is not there. */
  assert_no_match (index, "oe");
  assert_no_match (index, "lodie");
  assert_no_match (index, "xample");
  assert_no_match (index, "ana");
  assert_no_match (index, "");
  assert_no_match (index, "   ");
  {
    g_autoptr(GPtrArray) matches = query (index, "example");
    g_assert_cmpuint (matches->len, ==, 2);
  }
}

/* The name as last used; the address keeps the spelling last written. */
static void
test_names (void)
{
  g_autoptr(EpRecipientIndex) index = ep_recipient_index_new (NULL, NULL, NULL);
  g_autoptr(EpRecipientMatch) match = NULL;
  g_autoptr(EpRecipientMatch) renamed = NULL;
  const char *envelope[] = { "ana@example.org", NULL };

  send_to (index, "Ana <ana@example.org>", NOW - 10);
  send_to (index, "Ana Lima <Ana@Example.org>", NOW);
  send_to (index, "Ana Old <ana@example.org>", NOW - 20);
  /* A Bcc (envelope only) leaves the name. */
  ep_recipient_index_add_message (index, "<bcc@test>", NULL, NULL, envelope, NOW + 5);

  match = find (index, "ana@example.org");
  g_assert_nonnull (match);
  g_assert_cmpstr (match->name, ==, "Ana Lima");
  g_assert_cmpuint (match->count, ==, 4);
  assert_match (index, "lima", "ana@example.org", TRUE, "Lima");
  assert_no_match (index, "old");

  /* The same message (by Message-ID) counts once. */
  ep_recipient_index_add_message (index, "<bcc@test>", NULL, NULL, envelope, NOW + 5);
  renamed = find (index, "ana@example.org");
  g_assert_cmpuint (renamed->count, ==, 4);
}

/* Bcc recipients come from the envelope: learned, without a name, and never with the name of
 * a To or Cc recipient. */
static void
test_bcc (void)
{
  g_autofree char *dir = ep_test_make_dir ("recipients-bcc");
  g_autofree char *sent_dir = g_build_filename (dir, "sent", NULL);
  g_autoptr(EpSentStore) store = ep_sent_store_new (sent_dir);
  g_autoptr(EpRecipientIndex) index = NULL;
  g_autoptr(EpRecipientMatch) hidden = NULL;
  g_autoptr(EpRecipientMatch) visible = NULL;
  const char *envelope[] = { "to@example.org", "CC@example.org", "hidden@example.net", NULL };

  add_sent (store,
            "From: me@example.org\r\nTo: Tom <to@example.org>\r\nCc: =?utf-8?q?C=C3=A9line?= <cc@example.org>\r\n"
            "Message-ID: <1@test>\r\nSubject: hi\r\n", envelope, NOW);
  index = index_refreshed (sent_dir, NULL, NULL);
  g_assert_cmpuint (ep_recipient_index_get_n_addresses (index), ==, 3);
  hidden = find (index, "hidden@example.net");
  g_assert_nonnull (hidden);
  g_assert_null (hidden->name);
  visible = find (index, "cc@example.org");
  g_assert_nonnull (visible);
  g_assert_cmpstr (visible->name, ==, "Céline");
  g_assert_cmpuint (visible->count, ==, 1);
  assert_match (index, "celine", "cc@example.org", TRUE, "Cél" "ine");
}

/* An outbox entry and the Sent copy it became are one message; a held entry (the undo time, Send
 * Later) is not learned yet. */
static void
test_outbox (void)
{
  g_autofree char *dir = ep_test_make_dir ("recipients-outbox");
  g_autofree char *sent_dir = g_build_filename (dir, "sent", NULL);
  g_autofree char *outbox_dir = g_build_filename (dir, "outbox", NULL);
  g_autoptr(EpSentStore) sent = ep_sent_store_new (sent_dir);
  g_autoptr(EpOutboxStore) outbox = ep_outbox_store_new (outbox_dir);
  g_autoptr(EpRecipientIndex) index = NULL;
  g_autoptr(EpRecipientMatch) match = NULL;
  const char *envelope[] = { "pat@example.org", NULL };
  const char *held_envelope[] = { "later@example.org", NULL };
  const char *queued_message = "To: Pat <pat@example.org>\r\nMessage-ID: <same@test>\r\n\r\nHi\r\n";
  const char *held_message = "To: Later <later@example.org>\r\nMessage-ID: <held@test>\r\n\r\nHi\r\n";
  g_autoptr(GError) error = NULL;

  {
    g_autoptr(EpOutboxEntry) entry = ep_outbox_entry_new ("me@example.org", envelope);
    g_autoptr(GInputStream) in = g_memory_input_stream_new_from_data (queued_message, -1, NULL);

    entry->state = EP_OUTBOX_STATE_QUEUED;
    g_assert_true (ep_outbox_store_add (outbox, entry, in, strlen (queued_message), NULL, &error));
    g_assert_no_error (error);
  }
  {
    g_autoptr(EpOutboxEntry) entry = ep_outbox_entry_new ("me@example.org", held_envelope);
    g_autoptr(GInputStream) in = g_memory_input_stream_new_from_data (held_message, -1, NULL);

    g_assert_true (ep_outbox_store_add (outbox, entry, in, strlen (held_message), NULL, &error));
    g_assert_no_error (error);
  }
  add_sent (sent, "To: Pat <pat@example.org>\r\nMessage-ID: <same@test>\r\n", envelope, NOW);

  index = index_refreshed (sent_dir, outbox_dir, NULL);
  match = find (index, "pat@example.org");
  g_assert_nonnull (match);
  g_assert_cmpuint (match->count, ==, 1);
  g_assert_cmpstr (match->name, ==, "Pat");
  g_assert_cmpuint (ep_recipient_index_get_n_addresses (index), ==, 1);
}

static void
refreshed_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (ep_recipient_index_refresh_finish (EP_RECIPIENT_INDEX (object), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static void
refresh_async_and_wait (EpRecipientIndex *index)
{
  gboolean done = FALSE;
  gint64 deadline = g_get_monotonic_time () + ep_test_slack (10 * G_USEC_PER_SEC);

  ep_recipient_index_refresh_async (index, NULL, refreshed_cb, &done);
  while (!done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (done);
}

/* Forgetting is written to the forget list (0600): the old Sent messages do not bring the
 * address back, in this index or in a new one; a new send to it does, counting from there. */
static void
test_forget (void)
{
  g_autofree char *dir = ep_test_make_dir ("recipients-forget");
  g_autofree char *sent_dir = g_build_filename (dir, "sent", NULL);
  g_autofree char *forget_path = g_build_filename (dir, "config", "forgotten-recipients.ini", NULL);
  g_autoptr(EpSentStore) store = ep_sent_store_new (sent_dir);
  g_autoptr(EpRecipientIndex) index = ep_recipient_index_new (sent_dir, NULL, forget_path);
  g_autoptr(EpRecipientIndex) again = NULL;
  g_autoptr(EpRecipientIndex) third = NULL;
  g_autoptr(EpRecipientMatch) back = NULL;
  g_autoptr(EpRecipientMatch) kept = NULL;
  g_autoptr(GError) error = NULL;
  const char *both[] = { "ana@example.org", "bo@example.org", NULL };
  const char *ana[] = { "ana@example.org", NULL };
  GStatBuf st;

  add_sent (store, "To: Ana <ana@example.org>, Bo <bo@example.org>\r\nMessage-ID: <f1@test>\r\n", both, NOW - 2 * DAY);
  add_sent (store, "To: Ana <ana@example.org>\r\nMessage-ID: <f2@test>\r\n", ana, NOW - DAY);
  refresh_async_and_wait (index);
  g_assert_cmpuint (ep_recipient_index_get_n_addresses (index), ==, 2);

  g_assert_true (ep_recipient_index_forget (index, "Ana@Example.org", NOW, &error));
  g_assert_no_error (error);
  g_assert_null (find (index, "ana@example.org"));
  g_assert_cmpint (g_stat (forget_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  /* Built again from the same Sent store: still gone, Bo still there. */
  again = index_refreshed (sent_dir, NULL, forget_path);
  g_assert_null (find (again, "ana@example.org"));
  kept = find (again, "bo@example.org");
  g_assert_nonnull (kept);

  /* Sent to again: back, counting the new send only (the index reads only the new entry). */
  add_sent (store, "To: Ana Lima <ana@example.org>\r\nMessage-ID: <f3@test>\r\n", ana, NOW + 60);
  refresh_async_and_wait (index);
  back = find (index, "ana@example.org");
  g_assert_nonnull (back);
  g_assert_cmpuint (back->count, ==, 1);
  g_assert_cmpstr (back->name, ==, "Ana Lima");

  third = index_refreshed (sent_dir, NULL, forget_path);
  g_clear_pointer (&back, ep_recipient_match_free);
  back = find (third, "ana@example.org");
  g_assert_nonnull (back);
  g_assert_cmpuint (back->count, ==, 1);
  g_assert_cmpuint (ep_recipient_index_get_n_addresses (third), ==, 2);
}

/* A forget list that does not parse is moved aside, not trusted and not lost. */
static void
test_forget_damaged (void)
{
  g_autofree char *dir = ep_test_make_dir ("recipients-forget-damaged");
  g_autofree char *forget_path = g_build_filename (dir, "forgotten-recipients.ini", NULL);
  g_autoptr(EpRecipientIndex) index = ep_recipient_index_new (NULL, NULL, forget_path);
  g_autoptr(GError) error = NULL;
  g_autofree char *listing = NULL;

  ep_test_write_file (forget_path, "[Forgotten\nnot a keyfile");
  g_assert_true (ep_recipient_index_refresh_sync (index, NULL, &error));
  g_assert_no_error (error);
  listing = ep_test_list_dir (dir);
  g_assert_true (g_str_has_prefix (listing, "forgotten-recipients.ini.corrupt-"));
  send_to (index, "x@example.org", NOW);
  g_assert_true (ep_recipient_index_forget (index, "x@example.org", NOW + 1, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (forget_path, G_FILE_TEST_EXISTS));
}

static gboolean
text_is_clean (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c < 0x20 || (c >= 0x7f && c < 0xa0) || g_unichar_type (c) == G_UNICODE_FORMAT)
        return FALSE;
    }
  return TRUE;
}

/* Headers written by someone else (a message re-sent as it was, a bug, an attack through a
 * pasted address): nothing injected is learned, no name hides text, and it is all bounded. */
static void
test_hostile (void)
{
  g_autofree char *dir = ep_test_make_dir ("recipients-hostile");
  g_autofree char *sent_dir = g_build_filename (dir, "sent", NULL);
  g_autoptr(EpSentStore) store = ep_sent_store_new (sent_dir);
  g_autoptr(EpRecipientIndex) index = NULL;
  g_autoptr(GString) many = g_string_new ("To: ");
  g_autoptr(GString) long_name = g_string_new ("To: \"");
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(EpRecipientMatch) victim = NULL;
  g_autoptr(EpRecipientMatch) spoof = NULL;
  g_autoptr(EpRecipientMatch) named = NULL;
  const char *victim_env[] = { "v@example.org", NULL };
  const char *spoof_env[] = { "s@example.org", NULL };
  const char *named_env[] = { "n@example.org", NULL };
  const char *none[] = { NULL };

  /* A line break hidden in an encoded word, trying to add a recipient. */
  add_sent (store, "To: =?utf-8?q?Evil=0D=0ABcc:_x@evil.example?= <v@example.org>\r\n", victim_env, NOW);
  /* A right-to-left override making the name read as another address. */
  add_sent (store, "To: =?utf-8?b?4oCuZ3JvLmVscG1heGVAbmltZGE=?= <s@example.org>\r\n", spoof_env, NOW);
  /* Invalid UTF-8 and a NUL-free binary mess, a header without a colon. */
  add_sent (store, "To: \xff\xfe <bad@example.org>\r\nGarbage\x01\x02 here\r\n", none, NOW);
  /* A name far too long. */
  for (int i = 0; i < 5000; i++)
    g_string_append_c (long_name, 'a' + i % 26);
  g_string_append (long_name, "\" <n@example.org>\r\n");
  add_sent (store, long_name->str, named_env, NOW);
  /* Thousands of recipients in one message. */
  for (int i = 0; i < 1000; i++)
    g_string_append_printf (many, "%sm%d@list.example", i > 0 ? ", " : "", i);
  g_string_append (many, "\r\n");
  add_sent (store, many->str, none, NOW);
  /* No header block at all. */
  add_sent (store, "\x01\x02\x03", none, NOW);

  index = index_refreshed (sent_dir, NULL, NULL);
  g_assert_null (find (index, "x@evil.example"));
  victim = find (index, "v@example.org");
  g_assert_nonnull (victim);
  g_assert_null (victim->name);
  spoof = find (index, "s@example.org");
  g_assert_nonnull (spoof);
  g_assert_null (spoof->name);
  named = find (index, "n@example.org");
  g_assert_nonnull (named);
  g_assert_null (named->name);
  g_assert_cmpuint (ep_recipient_index_get_n_addresses (index), <=, 3 + EP_RECIPIENT_INDEX_MAX_PER_MESSAGE + 1);

  all = ep_recipient_index_query (index, "m", G_MAXUINT);
  g_assert_cmpuint (all->len, ==, EP_RECIPIENT_INDEX_MAX_PER_MESSAGE);
  for (guint i = 0; i < all->len; i++)
    {
      EpRecipientMatch *match = all->pdata[i];

      g_assert_true (text_is_clean (match->address));
      g_assert_true (match->name == NULL || text_is_clean (match->name));
    }
  /* The hostile typed text is harmless too. */
  assert_no_match (index, "\x1f");
  assert_no_match (index, "\xff");
}

/* What Tab or Enter puts in a field reads back to the same name and address. */
static void
test_to_text (void)
{
  const struct { const char *name; const char *address; const char *text; } cases[] = {
    { NULL, "ana@example.org", "ana@example.org" },
    { "Ana Lima", "ana@example.org", "Ana Lima <ana@example.org>" },
    { "Zoë Ng", "zoe@example.org", "Zoë Ng <zoe@example.org>" },
    { "J. Doe", "j@example.org", "J. Doe <j@example.org>" },
    { "Doe, John", "j@example.org", "\"Doe, John\" <j@example.org>" },
    { "Say \"hi\" \\ bye", "s@example.org", "\"Say \\\"hi\\\" \\\\ bye\" <s@example.org>" },
    { "=?utf-8?q?x?=", "e@example.org", "\"=?utf-8?q?x?=\" <e@example.org>" },
    { "Team (work)", "t@example.org", "\"Team (work)\" <t@example.org>" },
    { "a:b;c@d", "g@example.org", "\"a:b;c@d\" <g@example.org>" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(EpAddress) address = ep_address_new (cases[i].name, cases[i].address, "To", NULL);
      g_autofree char *text = ep_address_to_text (address);
      g_autoptr(GPtrArray) back = NULL;

      g_assert_cmpstr (text, ==, cases[i].text);
      back = ep_address_list_parse (text, "To", NULL);
      g_assert_nonnull (back);
      g_assert_cmpuint (back->len, ==, 1);
      g_assert_cmpstr (ep_address_get_name (back->pdata[0]), ==, cases[i].name);
      g_assert_cmpstr (ep_address_get_addr_spec (back->pdata[0]), ==, cases[i].address);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/recipient-index/ranking", test_ranking);
  g_test_add_func ("/recipient-index/matching", test_matching);
  g_test_add_func ("/recipient-index/names", test_names);
  g_test_add_func ("/recipient-index/bcc", test_bcc);
  g_test_add_func ("/recipient-index/outbox", test_outbox);
  g_test_add_func ("/recipient-index/forget", test_forget);
  g_test_add_func ("/recipient-index/forget-damaged", test_forget_damaged);
  g_test_add_func ("/recipient-index/hostile", test_hostile);
  g_test_add_func ("/recipient-index/to-text", test_to_text);

  return g_test_run ();
}
