/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-recipient-index.c: the addresses a person sent to, for completing recipients.
 *
 * Where the addresses come from: every message in the Sent store and every outbox entry that
 * is not held (a held one may still be undone): the To and Cc headers with their display
 * names, and the envelope recipients that the headers do not name (Bcc), without a name. One
 * message counts once however it is found (by Message-ID: an outbox entry becomes a Sent copy).
 * The index lives in memory only; the one thing written is the list of forgotten addresses.
 *
 * Ranking, frequency and recency together: each message sent to an address weighs
 * 2^(-age / H), H = EP_RECIPIENT_INDEX_HALF_LIFE_DAYS, and an address ranks by the sum of its
 * weights. An address written to once today ranks like one written to twice a month ago. The
 * sum is kept as weight w at time t0 (w = Σ 2^(-(t0 - t_i) / H)); because every sum decays by
 * the same factor as time passes, comparing log2 (w) + t0 / H orders them as of any moment,
 * so nothing needs recomputing as the clock moves.
 *
 * Matching: the typed text, folded (compatibility decomposition, combining marks dropped, case
 * folded), is compared with the folded name and address from the start of each of their words
 * (runs of letters and digits: "Zoë Ng" has "zoe" and "ng", "zoe.ng@mail.example.org" has
 * "zoe", "ng", "mail", "example" and "org"). The folded text and its word starts are computed
 * when an address is learned, and the addresses are kept in rank order, so a keystroke is one
 * pass of memcmp over them that stops at the wanted number of results (bench/recipients.c).
 *
 * Forgetting writes the address and the time to the forget list: every use of it until then is
 * ignored, now and when the index is built again, so it comes back only when it is sent to
 * again. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "ep-address.h"
#include "ep-atomic-file.h"
#include "ep-mime-parser.h"
#include "ep-outbox-store.h"
#include "ep-recipient-index.h"
#include "ep-sent-store.h"
#include "ep-store-error.h"
#include "ep-store-util.h"
#include "ep-text.h"

#define FORGET_FORMAT       1
#define FORGET_MAIN_GROUP   "Forgotten"
#define FORGET_GROUP_PREFIX "Address "
#define KEY_FORMAT          "format"
#define KEY_ADDRESS         "address"
#define KEY_FORGOTTEN       "forgotten"

/* The separator between the folded name and the folded address: no typed text holds it. */
#define FOLD_SEPARATOR '\x1f'

#define HALF_LIFE_SECONDS (EP_RECIPIENT_INDEX_HALF_LIFE_DAYS * 24 * 60 * 60)

/* One recipient of one message, as read (on a worker thread) and folded there. */
typedef struct {
  char    *key;       /* the envelope address, case folded: one entry per mailbox */
  char    *address;
  char    *name;      /* nullable */
  char    *folded;
  guint16 *starts;
  guint    n_starts;
} Person;

typedef struct {
  char      *source;      /* "sent/<id>" or "outbox/<id>" */
  char      *message_id;  /* nullable */
  gint64     when;
  GPtrArray *people;      /* element-type Person; NULL: the source could not be read */
} Message;

typedef struct {
  char    *key;
  char    *address;
  char    *name;
  gint64   last_used;
  gint64   named_at;
  guint    count;
  double   weight;
  gint64   weight_at;
  double   rank;
  char    *folded;
  guint16 *starts;
  guint    n_starts;
} Entry;

struct _EpRecipientIndex
{
  GObject     parent_instance;

  char       *sent_dir;
  char       *outbox_dir;
  char       *forget_path;
  GHashTable *entries;      /* key → Entry */
  GPtrArray  *ranked;       /* element-type Entry (borrowed), best first once sorted */
  gboolean    unsorted;
  GHashTable *sources;      /* what was read already */
  GHashTable *message_ids;
  GHashTable *forgotten;    /* key → gint64 time, boxed */
  gboolean    forget_loaded;
};

G_DEFINE_FINAL_TYPE (EpRecipientIndex, ep_recipient_index, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- Folding --------------------------------------------------------------------------------- */

static void
fold_append (GString  *out,
             gunichar  c)
{
  gunichar parts[G_UNICHAR_MAX_DECOMPOSITION_LENGTH];
  gsize n = g_unichar_fully_decompose (c, TRUE, parts, G_N_ELEMENTS (parts));

  for (gsize i = 0; i < n; i++)
    {
      char utf8[8];
      int len;
      g_autofree char *folded = NULL;

      if (g_unichar_type (parts[i]) == G_UNICODE_NON_SPACING_MARK)
        continue;
      if (parts[i] < 0x80)
        {
          g_string_append_c (out, g_ascii_tolower ((char) parts[i]));
          continue;
        }
      len = g_unichar_to_utf8 (parts[i], utf8);
      folded = g_utf8_casefold (utf8, len);
      g_string_append (out, folded);
    }
}

/* Folding works character by character (casefolding has no context in GLib, and dropped marks
 * take reordering with them), so the folded text of a whole is that of its characters one after
 * the other: what lets a match be found in the original text again (match_span()). */
static void
fold_text (GString    *out,
           const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    fold_append (out, g_utf8_get_char (p));
}

static gboolean
folded_is_word_char (const char *p)
{
  return g_unichar_isalnum (g_utf8_get_char (p));
}

/* The folded name and address and where their words start. */
static void
person_fold (Person *person)
{
  GString *folded = g_string_new (NULL);
  GArray *starts = g_array_new (FALSE, FALSE, sizeof (guint16));
  gboolean in_word = FALSE;

  if (person->name != NULL)
    fold_text (folded, person->name);
  g_string_append_c (folded, FOLD_SEPARATOR);
  fold_text (folded, person->address);
  /* The lengths are bounded (EP_RECIPIENT_INDEX_NAME_MAX characters, an address at most
   * EP_SMTP_MAILBOX_MAX octets): offsets fit 16 bits. */
  g_assert (folded->len < G_MAXUINT16);
  for (const char *p = folded->str; *p != '\0'; p = g_utf8_next_char (p))
    {
      gboolean word = folded_is_word_char (p);

      if (word && !in_word)
        {
          guint16 offset = (guint16) (p - folded->str);
          g_array_append_val (starts, offset);
        }
      in_word = word;
    }
  person->n_starts = starts->len;
  person->starts = (guint16 *) (void *) g_array_free (starts, FALSE);
  person->folded = g_string_free (folded, FALSE);
}

/* Where folded bytes [@start, @end) of @text's folding are in @text itself. */
static void
match_span (const char *text,
            gsize       start,
            gsize       end,
            gsize      *out_start,
            gsize      *out_end)
{
  g_autoptr(GString) folded = g_string_new (NULL);
  const char *p = text;

  *out_start = *out_end = 0;
  for (; *p != '\0'; p = g_utf8_next_char (p))
    {
      gsize before = folded->len;

      fold_append (folded, g_utf8_get_char (p));
      if (before <= start && folded->len > start)
        *out_start = p - text;
      if (folded->len >= end)
        {
          *out_end = g_utf8_next_char (p) - text;
          return;
        }
    }
  *out_end = p - text;
}

/* ---- Reading messages ------------------------------------------------------------------------ */

static void
person_free (Person *person)
{
  g_free (person->key);
  g_free (person->address);
  g_free (person->name);
  g_free (person->folded);
  g_free (person->starts);
  g_free (person);
}

static void
message_free (Message *message)
{
  g_free (message->source);
  g_free (message->message_id);
  g_clear_pointer (&message->people, g_ptr_array_unref);
  g_free (message);
}

/* A name to show in a list: one line, nothing hidden (no bidi overrides or other format
 * characters a hostile header could use to make one address look like another), not absurdly
 * long, and not the address itself again. */
static gboolean
name_is_showable (const char *name,
                  const char *address)
{
  glong n = 0;

  if (name == NULL || *name == '\0' || g_ascii_strcasecmp (name, address) == 0)
    return FALSE;
  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p), n++)
    {
      gunichar c = g_utf8_get_char (p);

      if (ep_text_unichar_is_control (c) || g_unichar_type (c) == G_UNICODE_FORMAT)
        return FALSE;
    }
  return n <= EP_RECIPIENT_INDEX_NAME_MAX;
}

static void
add_person (GPtrArray  *people,
            GHashTable *keys,
            const char *name,
            const char *address,
            const char *envelope)
{
  Person *person;
  g_autofree char *key = g_utf8_casefold (envelope, -1);

  if (people->len >= EP_RECIPIENT_INDEX_MAX_PER_MESSAGE || g_hash_table_contains (keys, key))
    return;
  person = g_new0 (Person, 1);
  person->key = g_strdup (key);
  person->address = g_strdup (address);
  if (name_is_showable (name, address))
    person->name = g_strdup (name);
  person_fold (person);
  g_hash_table_add (keys, g_steal_pointer (&key));
  g_ptr_array_add (people, person);
}

static void
add_header_people (GPtrArray  *people,
                   GHashTable *keys,
                   const char *text,
                   const char *field)
{
  g_autoptr(GPtrArray) list = NULL;

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return;
  /* A header the parser refuses (a line break hidden in an encoded word, say) gives no names:
   * its recipients are still learned from the envelope. */
  list = ep_address_list_parse (text, field, NULL);
  for (guint i = 0; list != NULL && i < list->len; i++)
    {
      EpAddress *address = list->pdata[i];

      add_person (people, keys, ep_address_get_name (address),
                  ep_address_get_addr_spec (address), ep_address_get_envelope (address));
    }
}

static GPtrArray *
people_new (const char         *to,
            const char         *cc,
            const char * const *envelope)
{
  GPtrArray *people = g_ptr_array_new_with_free_func ((GDestroyNotify) person_free);
  g_autoptr(GHashTable) keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  add_header_people (people, keys, to, "To");
  add_header_people (people, keys, cc, "Cc");
  /* The recipients the headers do not name were in Bcc: learned without a name, and so never
   * shown together with the others anywhere. */
  for (guint i = 0; envelope != NULL && envelope[i] != NULL; i++)
    {
      g_autoptr(EpAddress) address = ep_address_new (NULL, envelope[i], "Bcc", NULL);

      if (address != NULL)
        add_person (people, keys, NULL, ep_address_get_addr_spec (address),
                    ep_address_get_envelope (address));
    }
  return people;
}

/* The message's header block alone: what completion needs, however large the message. */
static EpMimePart *
parse_head (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) in = g_file_read (file, NULL, NULL);
  g_autofree char *buffer = NULL;
  const char *end;
  gsize n = 0;
  g_autoptr(GBytes) head = NULL;

  if (in == NULL)
    return NULL;
  buffer = g_malloc (EP_RECIPIENT_INDEX_HEAD_MAX + 1);
  if (!g_input_stream_read_all (G_INPUT_STREAM (in), buffer, EP_RECIPIENT_INDEX_HEAD_MAX, &n,
                                NULL, NULL) || n == 0)
    return NULL;
  buffer[n] = '\0';
  end = g_strstr_len (buffer, n, "\r\n\r\n");
  if (end != NULL)
    n = end - buffer + 4;
  head = g_bytes_new (buffer, n);
  return ep_mime_parse (head, NULL);
}

static Message *
message_read (const char         *source,
              const char         *path,
              const char * const *envelope,
              gint64              when)
{
  Message *message = g_new0 (Message, 1);
  g_autoptr(EpMimePart) head = parse_head (path);
  g_autofree char *to = NULL;
  g_autofree char *cc = NULL;

  message->source = g_strdup (source);
  message->when = when;
  if (head != NULL)
    {
      const char *message_id = ep_mime_part_get_header (head, "Message-ID");

      if (message_id != NULL && ep_text_is_single_line (message_id))
        message->message_id = g_strstrip (g_strdup (message_id));
      to = ep_mime_part_dup_header_text (head, "To");
      cc = ep_mime_part_dup_header_text (head, "Cc");
    }
  message->people = people_new (to, cc, envelope);
  return message;
}

/* ---- The forget list ------------------------------------------------------------------------- */

static GHashTable *
forgotten_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

static void
forgotten_set (GHashTable *forgotten,
               const char *key,
               gint64      when)
{
  gint64 *old = g_hash_table_lookup (forgotten, key);

  if (old != NULL)
    *old = MAX (*old, when);
  else
    g_hash_table_insert (forgotten, g_strdup (key), g_memdup2 (&when, sizeof when));
}

/* Reads the forget list; a missing file is an empty list, a damaged one is moved aside (the
 * addresses in it may come back, which is all that can go wrong). */
static GHashTable *
forgotten_load (const char *path)
{
  g_autoptr(GHashTable) forgotten = forgotten_new ();
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) groups = NULL;

  if (path == NULL || !g_file_test (path, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&forgotten);
  if (!ep_store_load_keyfile (keyfile, path, &error))
    {
      if (g_error_matches (error, EP_STORE_ERROR, EP_STORE_ERROR_CORRUPT))
        ep_store_move_aside_and_report (path, &error);
      g_debug ("%s", error->message);
      return g_steal_pointer (&forgotten);
    }
  groups = g_key_file_get_groups (keyfile, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_autofree char *address = NULL;
      g_autofree char *date = NULL;
      g_autoptr(GDateTime) when = NULL;
      g_autoptr(EpAddress) parsed = NULL;
      g_autofree char *key = NULL;

      if (!g_str_has_prefix (groups[i], FORGET_GROUP_PREFIX))
        continue;
      address = ep_store_keyfile_dup_string (keyfile, groups[i], KEY_ADDRESS, NULL);
      date = ep_store_keyfile_dup_string (keyfile, groups[i], KEY_FORGOTTEN, NULL);
      when = ep_store_parse_date (date);
      if (address == NULL || when == NULL)
        continue;
      parsed = ep_address_new (NULL, address, "", NULL);
      key = g_utf8_casefold (parsed != NULL ? ep_address_get_envelope (parsed) : address, -1);
      forgotten_set (forgotten, key, g_date_time_to_unix (when));
    }
  return g_steal_pointer (&forgotten);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static gboolean
forgotten_save (GHashTable  *forgotten,
                const char  *path,
                GError     **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autofree const char **keys = (const char **) g_hash_table_get_keys_as_array (forgotten, NULL);
  guint n = g_hash_table_size (forgotten);
  g_autofree char *data = NULL;
  gsize length;

  g_key_file_set_integer (keyfile, FORGET_MAIN_GROUP, KEY_FORMAT, FORGET_FORMAT);
  qsort (keys, n, sizeof *keys, compare_strings);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *group = g_strdup_printf (FORGET_GROUP_PREFIX "%u", i + 1);
      gint64 *when = g_hash_table_lookup (forgotten, keys[i]);
      g_autoptr(GDateTime) date = g_date_time_new_from_unix_utc (*when);
      g_autofree char *text = ep_store_format_date (date);

      g_key_file_set_string (keyfile, group, KEY_ADDRESS, keys[i]);
      g_key_file_set_string (keyfile, group, KEY_FORGOTTEN, text);
    }
  data = g_key_file_to_data (keyfile, &length, NULL);
  return ep_atomic_file_write (path, data, length, EP_ATOMIC_FILE_PRIVATE_MODE, error);
}

/* ---- The index ------------------------------------------------------------------------------- */

static void
entry_free (Entry *entry)
{
  g_free (entry->key);
  g_free (entry->address);
  g_free (entry->name);
  g_free (entry->folded);
  g_free (entry->starts);
  g_free (entry);
}

static gboolean
is_forgotten (EpRecipientIndex *self,
              const char       *key,
              gint64            when)
{
  gint64 *forgotten = g_hash_table_lookup (self->forgotten, key);

  return forgotten != NULL && when <= *forgotten;
}

static void
entry_take_fold (Entry  *entry,
                 Person *person)
{
  g_free (entry->folded);
  g_free (entry->starts);
  entry->folded = g_steal_pointer (&person->folded);
  entry->starts = g_steal_pointer (&person->starts);
  entry->n_starts = person->n_starts;
}

/* The fold follows the name and address an entry shows. */
static void
entry_refold (Entry *entry)
{
  Person person = { NULL, entry->address, entry->name, NULL, NULL, 0 };

  person_fold (&person);
  entry_take_fold (entry, &person);
}

static void
add_use (EpRecipientIndex *self,
         Person           *person,
         gint64            when)
{
  Entry *entry;

  if (is_forgotten (self, person->key, when))
    return;
  entry = g_hash_table_lookup (self->entries, person->key);
  if (entry == NULL)
    {
      entry = g_new0 (Entry, 1);
      entry->key = g_strdup (person->key);
      entry->address = g_strdup (person->address);
      entry->name = g_strdup (person->name);
      entry->last_used = entry->named_at = entry->weight_at = when;
      entry_take_fold (entry, person);
      g_hash_table_insert (self->entries, entry->key, entry);
      g_ptr_array_add (self->ranked, entry);
    }
  else
    {
      gboolean changed = FALSE;

      if (when >= entry->last_used)
        {
          entry->last_used = when;
          changed = g_strcmp0 (entry->address, person->address) != 0;
          if (changed)
            {
              g_free (entry->address);
              entry->address = g_strdup (person->address);
            }
        }
      /* The name as last used; a Bcc (no name) leaves the one from the headers. */
      if (person->name != NULL && when >= entry->named_at)
        {
          if (g_strcmp0 (entry->name, person->name) != 0)
            {
              g_free (entry->name);
              entry->name = g_strdup (person->name);
              changed = TRUE;
            }
          entry->named_at = when;
        }
      if (changed)
        entry_refold (entry);
    }
  entry->count++;
  if (entry->count == 1)
    entry->weight = 1;
  else if (when >= entry->weight_at)
    {
      entry->weight = entry->weight * exp2 (-(double) (when - entry->weight_at) / HALF_LIFE_SECONDS) + 1;
      entry->weight_at = when;
    }
  else
    entry->weight += exp2 (-(double) (entry->weight_at - when) / HALF_LIFE_SECONDS);
  entry->rank = log2 (entry->weight) + (double) entry->weight_at / HALF_LIFE_SECONDS;
  self->unsorted = TRUE;
}

static void
apply_message (EpRecipientIndex *self,
               Message          *message)
{
  if (g_hash_table_contains (self->sources, message->source))
    return;
  g_hash_table_add (self->sources, g_strdup (message->source));
  if (message->people == NULL)
    return;
  if (message->message_id != NULL)
    {
      if (g_hash_table_contains (self->message_ids, message->message_id))
        return;
      g_hash_table_add (self->message_ids, g_strdup (message->message_id));
    }
  for (guint i = 0; i < message->people->len; i++)
    add_use (self, message->people->pdata[i], message->when);
}

static int
compare_rank (gconstpointer a,
              gconstpointer b)
{
  const Entry *x = *(const Entry * const *) a;
  const Entry *y = *(const Entry * const *) b;

  if (x->rank != y->rank)
    return x->rank > y->rank ? -1 : 1;
  if (x->last_used != y->last_used)
    return x->last_used > y->last_used ? -1 : 1;
  return strcmp (x->key, y->key);
}

static void
ensure_sorted (EpRecipientIndex *self)
{
  if (!self->unsorted)
    return;
  g_ptr_array_sort (self->ranked, compare_rank);
  self->unsorted = FALSE;
}

static void
remove_entry (EpRecipientIndex *self,
              Entry            *entry)
{
  g_ptr_array_remove_fast (self->ranked, entry);
  self->unsorted = TRUE;
  g_hash_table_remove (self->entries, entry->key);
}

static void
merge_forgotten (EpRecipientIndex *self,
                 GHashTable       *loaded)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, loaded);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Entry *entry = g_hash_table_lookup (self->entries, key);

      forgotten_set (self->forgotten, key, *(gint64 *) value);
      if (entry != NULL && entry->last_used <= *(gint64 *) value)
        remove_entry (self, entry);
    }
  self->forget_loaded = TRUE;
}

/* ---- Refreshing off the main thread ---------------------------------------------------------- */

typedef struct {
  char       *sent_dir;
  char       *outbox_dir;
  char       *forget_path;   /* NULL: the list is loaded already */
  GHashTable *sources;       /* a copy: the thread never touches the index */
} Refresh;

typedef struct {
  GPtrArray  *messages;
  GHashTable *forgotten;     /* nullable */
} RefreshResult;

static void
refresh_free (Refresh *refresh)
{
  g_free (refresh->sent_dir);
  g_free (refresh->outbox_dir);
  g_free (refresh->forget_path);
  g_hash_table_unref (refresh->sources);
  g_free (refresh);
}

static void
refresh_result_free (RefreshResult *result)
{
  g_ptr_array_unref (result->messages);
  g_clear_pointer (&result->forgotten, g_hash_table_unref);
  g_free (result);
}

/* The entry names of a store folder not read yet (hidden ones are being written or deleted). */
static GPtrArray *
list_new_ids (const char *dir,
              const char *prefix,
              GHashTable *sources)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) folder = dir != NULL ? g_dir_open (dir, 0, NULL) : NULL;
  const char *name;

  while (folder != NULL && (name = g_dir_read_name (folder)) != NULL)
    {
      g_autofree char *source = NULL;

      if (name[0] == '.' || !ep_store_id_is_valid (name))
        continue;
      source = g_strconcat (prefix, name, NULL);
      if (!g_hash_table_contains (sources, source))
        g_ptr_array_add (ids, g_strdup (name));
    }
  g_ptr_array_sort (ids, compare_strings);
  return ids;
}

static void
read_sent (Refresh      *refresh,
           GPtrArray    *messages,
           GCancellable *cancellable)
{
  g_autoptr(EpSentStore) store = ep_sent_store_new (refresh->sent_dir);
  g_autoptr(GPtrArray) ids = list_new_ids (refresh->sent_dir, "sent/", refresh->sources);

  for (guint i = 0; i < ids->len && !g_cancellable_is_cancelled (cancellable); i++)
    {
      g_autofree char *source = g_strconcat ("sent/", ids->pdata[i], NULL);
      g_autoptr(EpSentInfo) info = ep_sent_store_load (store, ids->pdata[i], NULL);
      g_autofree char *path = NULL;
      Message *message;

      /* A damaged entry is the Sent window's to report; read once, it is not read again. */
      if (info == NULL)
        {
          message = g_new0 (Message, 1);
          message->source = g_steal_pointer (&source);
          g_ptr_array_add (messages, message);
          continue;
        }
      path = ep_sent_store_dup_message_path (store, ids->pdata[i]);
      g_ptr_array_add (messages, message_read (source, path, (const char * const *) info->recipients,
                                               g_date_time_to_unix (info->date)));
    }
}

static void
read_outbox (Refresh      *refresh,
             GPtrArray    *messages,
             GCancellable *cancellable)
{
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (refresh->outbox_dir);
  g_autoptr(GPtrArray) ids = list_new_ids (refresh->outbox_dir, "outbox/", refresh->sources);

  for (guint i = 0; i < ids->len && !g_cancellable_is_cancelled (cancellable); i++)
    {
      g_autoptr(EpOutboxEntry) entry = ep_outbox_store_load (store, ids->pdata[i], NULL);
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      g_auto(GStrv) envelope = NULL;
      g_autofree char *source = NULL;
      g_autofree char *path = NULL;

      /* Held: the person may still undo it (read again at the next refresh). Gone or damaged:
       * what there is to learn of it is in the Sent store or nowhere. */
      if (entry == NULL || entry->state == EP_OUTBOX_STATE_HELD)
        continue;
      for (guint r = 0; r < entry->recipients->len; r++)
        g_strv_builder_add (builder, ((EpOutboxRecipient *) entry->recipients->pdata[r])->address);
      envelope = g_strv_builder_end (builder);
      source = g_strconcat ("outbox/", ids->pdata[i], NULL);
      path = ep_outbox_store_dup_message_path (store, ids->pdata[i]);
      g_ptr_array_add (messages, message_read (source, path, (const char * const *) envelope,
                                               g_date_time_to_unix (entry->created)));
    }
}

static RefreshResult *
refresh_run (Refresh      *refresh,
             GCancellable *cancellable)
{
  RefreshResult *result = g_new0 (RefreshResult, 1);

  result->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) message_free);
  if (refresh->forget_path != NULL)
    result->forgotten = forgotten_load (refresh->forget_path);
  if (refresh->sent_dir != NULL)
    read_sent (refresh, result->messages, cancellable);
  if (refresh->outbox_dir != NULL)
    read_outbox (refresh, result->messages, cancellable);
  return result;
}

static void
refresh_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  RefreshResult *result = refresh_run (task_data, cancellable);

  if (g_cancellable_is_cancelled (cancellable))
    {
      refresh_result_free (result);
      g_task_return_error_if_cancelled (task);
      return;
    }
  g_task_return_pointer (task, result, (GDestroyNotify) refresh_result_free);
}

static Refresh *
refresh_new (EpRecipientIndex *self)
{
  Refresh *refresh = g_new0 (Refresh, 1);
  GHashTableIter iter;
  gpointer key;

  refresh->sent_dir = g_strdup (self->sent_dir);
  refresh->outbox_dir = g_strdup (self->outbox_dir);
  refresh->forget_path = self->forget_loaded ? NULL : g_strdup (self->forget_path);
  refresh->sources = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_iter_init (&iter, self->sources);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_hash_table_add (refresh->sources, g_strdup (key));
  return refresh;
}

static void
refresh_apply (EpRecipientIndex *self,
               RefreshResult    *result)
{
  if (result->forgotten != NULL && !self->forget_loaded)
    merge_forgotten (self, result->forgotten);
  for (guint i = 0; i < result->messages->len; i++)
    apply_message (self, result->messages->pdata[i]);
  ensure_sorted (self);
  if (result->messages->len > 0 || result->forgotten != NULL)
    g_signal_emit (self, signals[CHANGED], 0);
}

/* ---- GObject --------------------------------------------------------------------------------- */

static void
ep_recipient_index_finalize (GObject *object)
{
  EpRecipientIndex *self = EP_RECIPIENT_INDEX (object);

  g_free (self->sent_dir);
  g_free (self->outbox_dir);
  g_free (self->forget_path);
  g_ptr_array_unref (self->ranked);
  g_hash_table_unref (self->entries);
  g_hash_table_unref (self->sources);
  g_hash_table_unref (self->message_ids);
  g_hash_table_unref (self->forgotten);
  G_OBJECT_CLASS (ep_recipient_index_parent_class)->finalize (object);
}

static void
ep_recipient_index_class_init (EpRecipientIndexClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ep_recipient_index_finalize;

  /* A refresh learned something: open completions may look again. */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ep_recipient_index_init (EpRecipientIndex *self)
{
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) entry_free);
  self->ranked = g_ptr_array_new ();
  self->sources = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->message_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->forgotten = forgotten_new ();
}

/* ---- Public API ------------------------------------------------------------------------------ */

void
ep_recipient_match_free (EpRecipientMatch *match)
{
  if (match == NULL)
    return;
  g_free (match->name);
  g_free (match->address);
  g_free (match);
}

/**
 * ep_recipient_index_new:
 * @sent_dir: (nullable): the Sent store's folder
 * @outbox_dir: (nullable): the outbox's folder
 * @forget_path: (nullable): the forget list (none: forgetting lasts for this index only)
 *
 * An empty index: ep_recipient_index_refresh_async() fills it.
 */
EpRecipientIndex *
ep_recipient_index_new (const char *sent_dir,
                        const char *outbox_dir,
                        const char *forget_path)
{
  EpRecipientIndex *self = g_object_new (EP_TYPE_RECIPIENT_INDEX, NULL);

  self->sent_dir = g_strdup (sent_dir);
  self->outbox_dir = g_strdup (outbox_dir);
  self->forget_path = g_strdup (forget_path);
  self->forget_loaded = forget_path == NULL;
  return self;
}

/**
 * ep_recipient_index_new_default:
 *
 * An empty index of the person's own stores: the Sent store and the outbox in their usual
 * folders, and the forget list `$XDG_DATA_HOME/epistle/forgotten-recipients.ini`.
 */
EpRecipientIndex *
ep_recipient_index_new_default (void)
{
  g_autoptr(EpSentStore) sent = ep_sent_store_new (NULL);
  g_autoptr(EpOutboxStore) outbox = ep_outbox_store_new (NULL);
  g_autofree char *forget_path = g_build_filename (g_get_user_data_dir (), "epistle",
                                                   EP_RECIPIENT_INDEX_FORGET_FILE, NULL);

  return ep_recipient_index_new (ep_sent_store_get_dir (sent), ep_outbox_store_get_dir (outbox),
                                 forget_path);
}

/**
 * ep_recipient_index_refresh_async:
 *
 * Reads, on a worker thread, the forget list (the first time) and the Sent entries and outbox
 * entries not read yet, then adds them to the index in the callback's context. The first call
 * builds the index; later ones, after a delivery, read only what is new.
 */
void
ep_recipient_index_refresh_async (EpRecipientIndex    *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (EP_IS_RECIPIENT_INDEX (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ep_recipient_index_refresh_async);
  g_task_set_task_data (task, refresh_new (self), (GDestroyNotify) refresh_free);
  g_task_run_in_thread (task, refresh_thread);
}

gboolean
ep_recipient_index_refresh_finish (EpRecipientIndex  *self,
                                   GAsyncResult      *result,
                                   GError           **error)
{
  RefreshResult *refreshed;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  refreshed = g_task_propagate_pointer (G_TASK (result), error);
  if (refreshed == NULL)
    return FALSE;
  refresh_apply (self, refreshed);
  refresh_result_free (refreshed);
  return TRUE;
}

/* The same in the caller's thread (epistle-send, tests, the benchmark). */
gboolean
ep_recipient_index_refresh_sync (EpRecipientIndex  *self,
                                 GCancellable      *cancellable,
                                 GError           **error)
{
  Refresh *refresh;
  RefreshResult *result;

  g_return_val_if_fail (EP_IS_RECIPIENT_INDEX (self), FALSE);

  refresh = refresh_new (self);
  result = refresh_run (refresh, cancellable);
  refresh_free (refresh);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      refresh_result_free (result);
      return FALSE;
    }
  refresh_apply (self, result);
  refresh_result_free (result);
  return TRUE;
}

/**
 * ep_recipient_index_add_message:
 * @message_id: (nullable): the message's Message-ID: a message counts once
 * @to, @cc: (nullable): the headers' text, decoded
 * @envelope: (nullable): the envelope recipients (those not in @to or @cc were in Bcc)
 * @when: when it was sent (Unix time)
 *
 * Learns one message sent.
 */
void
ep_recipient_index_add_message (EpRecipientIndex   *self,
                                const char         *message_id,
                                const char         *to,
                                const char         *cc,
                                const char * const *envelope,
                                gint64              when)
{
  Message message = { NULL, NULL, when, NULL };
  static guint serial;

  g_return_if_fail (EP_IS_RECIPIENT_INDEX (self));

  message.source = g_strdup_printf ("added/%u", ++serial);
  message.message_id = g_strdup (message_id);
  message.people = people_new (to, cc, envelope);
  apply_message (self, &message);
  g_free (message.source);
  g_free (message.message_id);
  g_ptr_array_unref (message.people);
}

static EpRecipientMatch *
match_new (const Entry *entry,
           gsize        start,
           gsize        length)
{
  EpRecipientMatch *match = g_new0 (EpRecipientMatch, 1);
  const char *separator = strchr (entry->folded, FOLD_SEPARATOR);
  gsize name_length = separator - entry->folded;

  match->name = g_strdup (entry->name);
  match->address = g_strdup (entry->address);
  match->count = entry->count;
  match->last_used = entry->last_used;
  match->in_name = start < name_length;
  if (match->in_name)
    match_span (entry->name, start, MIN (start + length, name_length),
                &match->match_start, &match->match_end);
  else
    match_span (entry->address, start - name_length - 1, start + length - name_length - 1,
                &match->match_start, &match->match_end);
  return match;
}

/**
 * ep_recipient_index_query:
 * @text: what was typed of one address
 * @max_results: how many to return at most
 *
 * The addresses whose name or address has a word starting with @text (accents and case
 * ignored), best ranked first. Fast enough for every keystroke on the main thread: see
 * bench/recipients.c.
 *
 * Returns: (transfer full) (element-type EpRecipientMatch): the matches, maybe none
 */
GPtrArray *
ep_recipient_index_query (EpRecipientIndex *self,
                          const char       *text,
                          guint             max_results)
{
  GPtrArray *matches = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_recipient_match_free);
  g_autofree char *trimmed = NULL;
  g_autoptr(GString) query = g_string_new (NULL);

  g_return_val_if_fail (EP_IS_RECIPIENT_INDEX (self), matches);
  g_return_val_if_fail (text != NULL, matches);

  if (!g_utf8_validate (text, -1, NULL))
    return matches;
  trimmed = g_strstrip (g_strdup (text));
  fold_text (query, trimmed);
  if (query->len == 0 || strchr (query->str, FOLD_SEPARATOR) != NULL)
    return matches;
  ensure_sorted (self);
  for (guint i = 0; i < self->ranked->len && matches->len < max_results; i++)
    {
      const Entry *entry = self->ranked->pdata[i];

      for (guint s = 0; s < entry->n_starts; s++)
        {
          const char *word = entry->folded + entry->starts[s];

          /* The first octet alone rules out most words without a call. */
          if (word[0] == query->str[0] && strncmp (word, query->str, query->len) == 0)
            {
              g_ptr_array_add (matches, match_new (entry, word - entry->folded, query->len));
              break;
            }
        }
    }
  return matches;
}

/**
 * ep_recipient_index_forget:
 * @now: when (Unix time): the messages sent to @address until then no longer count
 *
 * Removes @address and writes it to the forget list, so that it stays away when the index is
 * built again. Sending to it again brings it back.
 *
 * Returns: whether the forget list was saved (the address is gone from this index either way)
 */
gboolean
ep_recipient_index_forget (EpRecipientIndex  *self,
                           const char        *address,
                           gint64             now,
                           GError           **error)
{
  g_autoptr(EpAddress) parsed = NULL;
  g_autofree char *key = NULL;
  Entry *entry;

  g_return_val_if_fail (EP_IS_RECIPIENT_INDEX (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  parsed = ep_address_new (NULL, address, "", NULL);
  key = g_utf8_casefold (parsed != NULL ? ep_address_get_envelope (parsed) : address, -1);
  /* Not read yet: what the file holds must be kept when it is written. */
  if (!self->forget_loaded)
    {
      g_autoptr(GHashTable) loaded = forgotten_load (self->forget_path);

      merge_forgotten (self, loaded);
    }
  forgotten_set (self->forgotten, key, now);
  entry = g_hash_table_lookup (self->entries, key);
  if (entry != NULL)
    remove_entry (self, entry);
  if (self->forget_path == NULL)
    return TRUE;
  return forgotten_save (self->forgotten, self->forget_path, error);
}

guint
ep_recipient_index_get_n_addresses (EpRecipientIndex *self)
{
  g_return_val_if_fail (EP_IS_RECIPIENT_INDEX (self), 0);
  return g_hash_table_size (self->entries);
}

char *
ep_recipient_index_fold (const char *text)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (text != NULL && g_utf8_validate (text, -1, NULL), NULL);
  fold_text (out, text);
  return g_string_free (out, FALSE);
}
