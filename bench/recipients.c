/* SPDX-License-Identifier: GPL-3.0-or-later */
/* recipients.c: recipient completion with 10,000 learned addresses: the index built from a Sent
 * store on disk, and the time of one query per keystroke.
 *
 *   BUILDDIR/bench/epistle-bench-recipients [ADDRESSES] [QUERIES]
 *
 * Writes a Sent store of ADDRESSES (10000) messages to a temporary folder, each to one new
 * person (To) and copied (Cc) to one or two of 200 frequent ones, so that the index ends up with
 * ADDRESSES distinct addresses with names (a third of them with accents). Then prints:
 *   - the build time from disk (ep_recipient_index_refresh_sync(), what the app does on a worker
 *     thread at start) and the in-memory part alone (the same messages added directly);
 *   - for prefixes of 1 to 6 letters, QUERIES (1000) queries each, the prefixes taken from the
 *     words of random names and addresses, as a person starts typing one: the median and the
 *     worst time of one ep_recipient_index_query() for the 8 results the popover shows, in
 *     milliseconds of wall time (what a keystroke waits for) and, in parentheses, of this
 *     thread's CPU time (the wall time also counts waiting for a CPU on a busy machine);
 *   - the same for prefixes that match nothing (every address is looked at).
 * The target is under 5 ms per keystroke (the app queries on the main thread). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <glib/gstdio.h>

#include "ep-recipient-index.h"
#include "ep-store-util.h"

#define DEFAULT_ADDRESSES 10000
#define DEFAULT_QUERIES   1000
#define FREQUENT          200
#define SHOWN             8
#define MAX_PREFIX        6

static const char *first_names[] = {
  "Ana", "Bruno", "Céline", "Dmitri", "Élodie", "Fatima", "Günter", "Hélène", "Ingrid", "João",
  "Karin", "Łukasz", "María", "Nuno", "Øyvind", "Pierre", "Quentin", "Renée", "Søren", "Tomás",
  "Ursula", "Valérie", "Wojciech", "Xavier", "Yusuf", "Zoë", "Amélie", "Björn", "Chloé", "Dário",
};
static const char *last_names[] = {
  "Lima", "Durand", "Müller", "Ng", "Okafor", "Petrović", "Quintana", "Rossi", "Šimek", "Tanaka",
  "Urbański", "Vasquez", "Weiß", "Xu", "Yılmaz", "Zapata", "Åberg", "Bélanger", "Castaño", "Dubois",
  "Eriksson", "Fernández", "García", "Hoffmann", "Ibáñez", "Jović", "Kowalski", "López", "Martín",
};
static const char *domains[] = {
  "example.org", "mail.example.com", "uni-example.edu", "example.net", "post.example.de",
  "example.fr", "work.example.co.uk", "example.io",
};

static double
clock_ms (clockid_t clock)
{
  struct timespec ts;

  clock_gettime (clock, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double
now_ms (void)
{
  return clock_ms (CLOCK_MONOTONIC);
}

/* This thread's CPU time: on a shared machine the wall time also counts waiting for a CPU. */
static double
cpu_ms (void)
{
  return clock_ms (CLOCK_THREAD_CPUTIME_ID);
}

/* "Zoë Petrović" → "zoe.petrovic" and a number: plain ASCII local parts, as most are. */
static char *
person_address (const char *first,
                const char *last,
                guint       i)
{
  g_autofree char *name = g_strdup_printf ("%s.%s", first, last);
  g_autofree char *ascii = g_str_to_ascii (name, "C");
  g_autofree char *lower = g_ascii_strdown (ascii, -1);

  return g_strdup_printf ("%s%u@%s", lower, i, domains[i % G_N_ELEMENTS (domains)]);
}

typedef struct {
  char *name;
  char *address;
} Person;

static void
write_store (const char *sent_dir,
             Person     *people,
             guint       n,
             GRand      *rand)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (g_mkdir_with_parents (sent_dir, 0700) == 0);
  for (guint i = 0; i < n; i++)
    {
      Person *to = &people[i];
      Person *cc1 = &people[g_rand_int_range (rand, 0, FREQUENT)];
      Person *cc2 = g_rand_boolean (rand) ? &people[g_rand_int_range (rand, 0, FREQUENT)] : NULL;
      g_autoptr(GDateTime) date = g_date_time_new_from_unix_utc (1735689600 + (gint64) i * 3000);
      g_autofree char *iso = ep_store_format_date (date);
      g_autofree char *id = g_strdup_printf ("%s-%06u-bench", "20250101T000000", i);
      g_autofree char *dir = g_build_filename (sent_dir, id, NULL);
      g_autofree char *message_path = g_build_filename (dir, "message.eml", NULL);
      g_autofree char *meta_path = g_build_filename (dir, "meta.ini", NULL);
      g_autofree char *message = NULL;
      g_autofree char *meta = NULL;

      message = g_strdup_printf ("From: Me <me@example.org>\r\nTo: \"%s\" <%s>\r\nCc: \"%s\" <%s>%s%s%s%s\r\n"
                                 "Subject: Hello\r\nMessage-ID: <%u@bench.example>\r\n"
                                 "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                                 "Hello.\r\n",
                                 to->name, to->address, cc1->name, cc1->address,
                                 cc2 != NULL ? ", \"" : "", cc2 != NULL ? cc2->name : "",
                                 cc2 != NULL ? "\" <" : "", cc2 != NULL ? cc2->address : "", i);
      meta = g_strdup_printf ("[Sent]\nformat=1\ndate=%s\nsubject=Hello\nfrom=me@example.org\n"
                              "recipients=%s;%s;%s\nsize=%zu\nserver=smtp.example.org:587\n"
                              "outcome=delivered\n",
                              iso, to->address, cc1->address, cc2 != NULL ? cc2->address : "",
                              strlen (message));
      g_assert_true (g_mkdir (dir, 0700) == 0);
      if (!g_file_set_contents (message_path, message, -1, &error) ||
          !g_file_set_contents (meta_path, meta, -1, &error))
        g_error ("%s", error->message);
    }
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

/* A prefix of @length characters of a random word (letters and digits) of someone's name or
 * address, as a person starts typing it. */
static char *
random_prefix (Person *people,
               guint   n,
               guint   length,
               GRand  *rand)
{
  Person *person = &people[g_rand_int_range (rand, 0, n)];
  const char *text = g_rand_boolean (rand) ? person->name : person->address;
  g_autoptr(GPtrArray) starts = g_ptr_array_new ();
  gboolean in_word = FALSE;
  const char *word;
  const char *end;
  guint taken = 0;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gboolean alnum = g_unichar_isalnum (g_utf8_get_char (p));

      if (alnum && !in_word)
        g_ptr_array_add (starts, (gpointer) p);
      in_word = alnum;
    }
  word = starts->pdata[g_rand_int_range (rand, 0, starts->len)];
  for (end = word; *end != '\0' && taken < length && g_unichar_isalnum (g_utf8_get_char (end));
       end = g_utf8_next_char (end))
    taken++;
  return g_strndup (word, end - word);
}

static void
run_queries (EpRecipientIndex *index,
             const char       *label,
             char            **prefixes,
             guint             n)
{
  g_autofree double *wall = g_new (double, n);
  g_autofree double *cpu = g_new (double, n);
  guint found = 0;

  for (guint q = 0; q < n; q++)
    {
      double start = now_ms ();
      double start_cpu = cpu_ms ();
      g_autoptr(GPtrArray) matches = ep_recipient_index_query (index, prefixes[q], SHOWN);

      cpu[q] = cpu_ms () - start_cpu;
      wall[q] = now_ms () - start;
      found += matches->len > 0;
    }
  qsort (wall, n, sizeof *wall, compare_doubles);
  qsort (cpu, n, sizeof *cpu, compare_doubles);
  printf ("query-%s-median-ms %.4f (cpu %.4f)\n", label, wall[n / 2], cpu[n / 2]);
  printf ("query-%s-worst-ms %.4f (cpu %.4f)\n", label, wall[n - 1], cpu[n - 1]);
  printf ("# %s: %u of %u queries found something\n", label, found, n);
}

int
main (int   argc,
      char *argv[])
{
  guint n = argc > 1 ? (guint) atoi (argv[1]) : DEFAULT_ADDRESSES;
  guint n_queries = argc > 2 ? (guint) atoi (argv[2]) : DEFAULT_QUERIES;
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autofree Person *people = g_new0 (Person, n);
  g_autofree char *tmp = NULL;
  g_autofree char *sent_dir = NULL;
  g_autoptr(EpRecipientIndex) index = NULL;
  g_autoptr(EpRecipientIndex) in_memory = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *command = NULL;
  double start;

  if (n < FREQUENT || n_queries == 0)
    {
      fprintf (stderr, "usage: %s [ADDRESSES (at least %d)] [QUERIES]\n", argv[0], FREQUENT);
      return 64;
    }
  for (guint i = 0; i < n; i++)
    {
      const char *first = first_names[g_rand_int_range (rand, 0, G_N_ELEMENTS (first_names))];
      const char *last = last_names[g_rand_int_range (rand, 0, G_N_ELEMENTS (last_names))];

      people[i].name = g_strdup_printf ("%s %s", first, last);
      people[i].address = person_address (first, last, i);
    }

  tmp = g_dir_make_tmp ("epistle-bench-recipients-XXXXXX", &error);
  if (tmp == NULL)
    g_error ("%s", error->message);
  sent_dir = g_build_filename (tmp, "sent", NULL);
  write_store (sent_dir, people, n, rand);

  start = now_ms ();
  index = ep_recipient_index_new (sent_dir, NULL, NULL);
  if (!ep_recipient_index_refresh_sync (index, NULL, &error))
    g_error ("%s", error->message);
  printf ("addresses %u\n", ep_recipient_index_get_n_addresses (index));
  printf ("build-from-disk-ms %.1f\n", now_ms () - start);

  start = now_ms ();
  in_memory = ep_recipient_index_new (NULL, NULL, NULL);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *to = g_strdup_printf ("\"%s\" <%s>", people[i].name, people[i].address);
      g_autofree char *message_id = g_strdup_printf ("<%u@bench.example>", i);
      const char *envelope[] = { people[i].address, NULL };

      ep_recipient_index_add_message (in_memory, message_id, to, NULL, envelope,
                                      1735689600 + (gint64) i * 3000);
    }
  /* The first query sorts by rank once: part of the build. */
  g_ptr_array_unref (ep_recipient_index_query (in_memory, "a", SHOWN));
  printf ("build-in-memory-ms %.1f\n", now_ms () - start);

  for (guint length = 1; length <= MAX_PREFIX; length++)
    {
      g_autoptr(GPtrArray) prefixes = g_ptr_array_new_with_free_func (g_free);
      g_autofree char *label = g_strdup_printf ("prefix%u", length);

      for (guint q = 0; q < n_queries; q++)
        g_ptr_array_add (prefixes, random_prefix (people, n, length, rand));
      run_queries (index, label, (char **) prefixes->pdata, n_queries);
    }
  {
    g_autoptr(GPtrArray) misses = g_ptr_array_new_with_free_func (g_free);

    for (guint q = 0; q < n_queries; q++)
      g_ptr_array_add (misses, g_strdup_printf ("zq%u", q));
    run_queries (index, "no-match", (char **) misses->pdata, n_queries);
  }

  command = g_strdup_printf ("rm -rf '%s'", tmp);
  if (system (command) != 0)
    fprintf (stderr, "could not remove %s\n", tmp);
  return 0;
}
