/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-spell-text.c: spell checking as you type in the message body (a text view) and the subject
 * (an entry).
 *
 * The body can be very long, so it is never checked in one go: what an edit touches (widened to
 * whole words) is tagged as pending, and an idle callback checks pending text in chunks, each
 * within a small time budget, so that typing and drawing always come first. A misspelled word
 * gets the error tag (a wavy underline); the context menu offers suggestions, Add to Dictionary,
 * Ignore and the message's language. The subject is short: it is checked whole after each change
 * and underlined with Pango attributes (GtkEntry has no tags). An entry cannot tell which word
 * was clicked, so its context menu is about every misspelled word of the subject: one word's
 * suggestions, Add to Dictionary and Ignore inline, as in the body; for several words, a
 * submenu each (the first few). */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ep-spell-text-private.h"

/* Time one idle callback may spend checking: well under a frame, so a keystroke that arrives
 * meanwhile waits at most this long for it. */
#define EP_SPELL_BUDGET_US 4000
/* Suggestions shown in the context menu, the best first. */
#define EP_SPELL_MAX_SUGGESTIONS 5
/* The subject is checked whole, but not without bound (a pasted novel). */
#define EP_SPELL_SUBJECT_MAX_WORDS 200
/* Misspelled words of the subject that its context menu offers to correct. */
#define EP_SPELL_SUBJECT_MENU_WORDS 3

struct _EpSpellText
{
  GObject         parent_instance;

  EpSpellChecker *checker;
  GtkTextView    *view;
  GtkTextBuffer  *buffer;
  GtkEntry       *entry;           /* (nullable) */
  GtkTextTag     *error_tag;       /* misspelled words */
  GtkTextTag     *pending_tag;     /* text not checked since it changed */
  GtkTextMark    *word_start;      /* the word the context menu is about */
  GtkTextMark    *word_end;
  GtkTextMark    *deferred_start;  /* the word being typed: checked when the cursor leaves it */
  GtkTextMark    *deferred_end;
  gboolean        deferred;
  gboolean        typing;          /* the last change was a keystroke's worth at the cursor */
  char           *menu_word;
  GMenu          *menu;            /* the text view's extra menu */
  GMenu          *suggestions_section;
  GMenu          *word_section;
  GMenu          *entry_menu;      /* the entry's extra menu */
  GMenu          *entry_words;     /* its sections: one word's suggestions, or a submenu a word */
  GMenu          *entry_word;      /* and one word's Add to Dictionary and Ignore */
  char           *entry_menu_text; /* the subject as it was when that section was made */
  GtkGesture     *entry_click;
  GtkEventController *entry_shortcuts;
  GSimpleActionGroup *actions;
  GtkGesture     *click;
  GtkEventController *shortcuts;
  GtkEventController *entry_focus;
  guint           check_idle;
  guint           subject_idle;
  gint64          budget_us;
  gulong          handlers[7];
};

G_DEFINE_FINAL_TYPE (EpSpellText, ep_spell_text, G_TYPE_OBJECT)

/* ---- Words ----------------------------------------------------------------------------------- */

static gboolean
is_apostrophe (gunichar c)
{
  return c == '\'' || c == 0x2019;   /* RIGHT SINGLE QUOTATION MARK, the typographic one */
}

static gboolean
is_address_char (gunichar c)
{
  return c == '@' || c == '/' || c == '\\' || c == '_';
}

/* Words that are parts of addresses, paths, host names or numbers are not prose: "zoe" in
 * zoe@example.org, "com" in example.com, "x86". */
static gboolean
is_worth_checking (const char *word,
                   gunichar    before2,
                   gunichar    before,
                   gunichar    after,
                   gunichar    after2)
{
  if (g_utf8_strlen (word, -1) < 2)
    return FALSE;
  for (const char *p = word; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_isdigit (g_utf8_get_char (p)))
      return FALSE;
  if (is_address_char (before) || is_address_char (after))
    return FALSE;
  if ((after == '.' || after == ':') && g_unichar_isalnum (after2))
    return FALSE;
  if (before == '.' && g_unichar_isalnum (before2))
    return FALSE;
  return TRUE;
}

static gboolean
check_word (EpSpellText *self,
            const char  *word)
{
  g_autoptr(GString) plain = NULL;

  if (ep_spell_checker_check_word (self->checker, word, -1))
    return TRUE;
  /* Dictionaries spell "don't" with the ASCII apostrophe; people's keyboards often type ’. */
  if (strstr (word, "\xe2\x80\x99") == NULL)
    return FALSE;
  plain = g_string_new (word);
  g_string_replace (plain, "\xe2\x80\x99", "'", 0);
  return ep_spell_checker_check_word (self->checker, plain->str, plain->len);
}

static gunichar
char_at (const GtkTextIter *iter,
         int                delta)
{
  GtkTextIter at = *iter;

  if (!gtk_text_iter_forward_chars (&at, delta) && delta > 0)
    return 0;
  if (delta < 0 && gtk_text_iter_get_offset (&at) != gtk_text_iter_get_offset (iter) + delta)
    return 0;
  return gtk_text_iter_get_char (&at);
}

/* Pango ends a word at an apostrophe: "isn" and "t". Moves @end over "'t" and the like. */
static void
join_forward (GtkTextIter *end)
{
  while (is_apostrophe (gtk_text_iter_get_char (end)) && g_unichar_isalpha (char_at (end, 1)))
    {
      GtkTextIter next = *end;

      gtk_text_iter_forward_char (&next);
      gtk_text_iter_forward_word_end (&next);
      if (gtk_text_iter_compare (&next, end) <= 0)
        return;
      *end = next;
    }
}

static void
join_backward (GtkTextIter *start)
{
  while (is_apostrophe (char_at (start, -1)) && g_unichar_isalpha (char_at (start, -2)))
    {
      GtkTextIter prev = *start;

      gtk_text_iter_backward_char (&prev);
      gtk_text_iter_backward_word_start (&prev);
      if (gtk_text_iter_compare (&prev, start) >= 0)
        return;
      *start = prev;
    }
}

/* Widens [start, end) to whole words: an edit inside a word changes that word. */
static void
widen_to_words (GtkTextIter *start,
                GtkTextIter *end)
{
  if ((gtk_text_iter_inside_word (start) || gtk_text_iter_ends_word (start)) &&
      !gtk_text_iter_starts_word (start))
    gtk_text_iter_backward_word_start (start);
  join_backward (start);
  if ((gtk_text_iter_inside_word (end) || gtk_text_iter_starts_word (end)) &&
      !gtk_text_iter_ends_word (end))
    gtk_text_iter_forward_word_end (end);
  join_forward (end);
  /* Also the apostrophe case the other way round: an edit just after "isn'". */
  if (is_apostrophe (char_at (start, -1)))
    {
      gtk_text_iter_backward_char (start);
      if (gtk_text_iter_ends_word (start) || gtk_text_iter_inside_word (start))
        gtk_text_iter_backward_word_start (start);
    }
}

/* Finds the next word at or after @from; FALSE when there is none. */
static gboolean
next_word (const GtkTextIter *from,
           GtkTextIter       *start,
           GtkTextIter       *end)
{
  *end = *from;
  gtk_text_iter_forward_word_end (end);
  if (gtk_text_iter_compare (end, from) <= 0)
    return FALSE;
  *start = *end;
  gtk_text_iter_backward_word_start (start);
  join_forward (end);
  return TRUE;
}

static gboolean
word_bounds_at (const GtkTextIter *iter,
                GtkTextIter       *start,
                GtkTextIter       *end)
{
  *start = *iter;
  *end = *iter;
  if (!gtk_text_iter_inside_word (iter) && !gtk_text_iter_ends_word (iter))
    return FALSE;
  if (!gtk_text_iter_starts_word (start))
    gtk_text_iter_backward_word_start (start);
  join_backward (start);
  if (!gtk_text_iter_ends_word (end))
    gtk_text_iter_forward_word_end (end);
  join_forward (end);
  return gtk_text_iter_compare (start, end) < 0;
}

/* ---- Checking the body, a little at a time --------------------------------------------------- */

static void schedule_check (EpSpellText *self);

static void
mark_pending (EpSpellText *self,
              GtkTextIter *start,
              GtkTextIter *end)
{
  widen_to_words (start, end);
  gtk_text_buffer_remove_tag (self->buffer, self->error_tag, start, end);
  if (!gtk_text_iter_equal (start, end))
    gtk_text_buffer_apply_tag (self->buffer, self->pending_tag, start, end);
  schedule_check (self);
}

static void
mark_all_pending (EpSpellText *self)
{
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (self->buffer, &start, &end);
  /* Nothing is being typed now: every word is checked, the one at the cursor too. */
  self->deferred = FALSE;
  self->typing = FALSE;
  gtk_text_buffer_remove_tag (self->buffer, self->error_tag, &start, &end);
  gtk_text_buffer_apply_tag (self->buffer, self->pending_tag, &start, &end);
  schedule_check (self);
}

typedef struct
{
  int start;
  int end;
} Range;

/* Checks words from @from_offset up to @to_offset or until @deadline, then tags what it found
 * (the tags change the buffer, so offsets are kept until then). Returns: whether it got to the
 * end of the range. */
static gboolean
check_range (EpSpellText *self,
             int          from_offset,
             int          to_offset,
             gint64       deadline)
{
  g_autoptr(GArray) misses = g_array_new (FALSE, FALSE, sizeof (Range));
  GtkTextIter iter, start, end, cursor;
  int done = from_offset;
  int cursor_offset;
  gboolean finished = FALSE;
  Range deferred = { -1, -1 };

  gtk_text_buffer_get_iter_at_mark (self->buffer, &cursor, gtk_text_buffer_get_insert (self->buffer));
  cursor_offset = gtk_text_iter_get_offset (&cursor);
  gtk_text_buffer_get_iter_at_offset (self->buffer, &iter, from_offset);
  for (;;)
    {
      g_autofree char *word = NULL;

      if (!next_word (&iter, &start, &end) || gtk_text_iter_get_offset (&start) >= to_offset)
        {
          finished = TRUE;
          break;
        }
      word = gtk_text_iter_get_text (&start, &end);
      if (self->typing && gtk_text_iter_get_offset (&end) == cursor_offset)
        {
          /* Half typed: not underlined until the cursor leaves it. */
          deferred.start = gtk_text_iter_get_offset (&start);
          deferred.end = gtk_text_iter_get_offset (&end);
        }
      else if (is_worth_checking (word, char_at (&start, -2), char_at (&start, -1),
                                  gtk_text_iter_get_char (&end), char_at (&end, 1)) &&
               !check_word (self, word))
        {
          Range miss = { gtk_text_iter_get_offset (&start), gtk_text_iter_get_offset (&end) };

          g_array_append_val (misses, miss);
        }
      iter = end;
      done = gtk_text_iter_get_offset (&end);
      if (g_get_monotonic_time () >= deadline)
        break;
    }
  if (finished)
    done = MAX (done, to_offset);

  gtk_text_buffer_get_iter_at_offset (self->buffer, &start, from_offset);
  gtk_text_buffer_get_iter_at_offset (self->buffer, &end, done);
  gtk_text_buffer_remove_tag (self->buffer, self->error_tag, &start, &end);
  gtk_text_buffer_remove_tag (self->buffer, self->pending_tag, &start, &end);
  for (guint i = 0; i < misses->len; i++)
    {
      Range *miss = &g_array_index (misses, Range, i);

      gtk_text_buffer_get_iter_at_offset (self->buffer, &start, miss->start);
      gtk_text_buffer_get_iter_at_offset (self->buffer, &end, miss->end);
      gtk_text_buffer_apply_tag (self->buffer, self->error_tag, &start, &end);
    }
  if (deferred.start >= 0)
    {
      gtk_text_buffer_get_iter_at_offset (self->buffer, &start, deferred.start);
      gtk_text_buffer_get_iter_at_offset (self->buffer, &end, deferred.end);
      gtk_text_buffer_move_mark (self->buffer, self->deferred_start, &start);
      gtk_text_buffer_move_mark (self->buffer, self->deferred_end, &end);
      self->deferred = TRUE;
    }
  return finished;
}

static gboolean
check_idle_cb (gpointer user_data)
{
  EpSpellText *self = user_data;
  gint64 deadline = g_get_monotonic_time () + self->budget_us;

  for (;;)
    {
      GtkTextIter start, end;

      gtk_text_buffer_get_start_iter (self->buffer, &start);
      if (!gtk_text_iter_has_tag (&start, self->pending_tag) &&
          !gtk_text_iter_forward_to_tag_toggle (&start, self->pending_tag))
        break;
      if (gtk_text_iter_is_end (&start))
        break;
      end = start;
      gtk_text_iter_forward_to_tag_toggle (&end, self->pending_tag);
      if (!check_range (self, gtk_text_iter_get_offset (&start), gtk_text_iter_get_offset (&end),
                        deadline) ||
          g_get_monotonic_time () >= deadline)
        return G_SOURCE_CONTINUE;
    }
  self->check_idle = 0;
  return G_SOURCE_REMOVE;
}

static void
schedule_check (EpSpellText *self)
{
  /* Below redrawing and input (GTK's are G_PRIORITY_HIGH_IDLE and above). */
  if (self->check_idle == 0)
    self->check_idle = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, check_idle_cb, self, NULL);
}

static void
insert_text_after_cb (GtkTextBuffer *buffer,
                      GtkTextIter   *location,
                      const char    *text,
                      int            length,
                      EpSpellText   *self)
{
  GtkTextIter start = *location;
  GtkTextIter end = *location;
  GtkTextIter cursor;
  glong chars = g_utf8_strlen (text, length);

  gtk_text_buffer_get_iter_at_mark (buffer, &cursor, gtk_text_buffer_get_insert (buffer));
  self->typing = chars <= 2 && gtk_text_iter_equal (&cursor, location);
  gtk_text_iter_backward_chars (&start, chars);
  mark_pending (self, &start, &end);
}

static void
delete_range_after_cb (GtkTextBuffer *buffer,
                       GtkTextIter   *start,
                       GtkTextIter   *end,
                       EpSpellText   *self)
{
  GtkTextIter from = *start;
  GtkTextIter to = *start;

  self->typing = TRUE;
  mark_pending (self, &from, &to);
}

/* The cursor left the word being typed: check it now. */
static void
cursor_moved_cb (EpSpellText *self)
{
  GtkTextIter cursor, start, end;

  if (!self->deferred)
    return;
  gtk_text_buffer_get_iter_at_mark (self->buffer, &cursor, gtk_text_buffer_get_insert (self->buffer));
  gtk_text_buffer_get_iter_at_mark (self->buffer, &start, self->deferred_start);
  gtk_text_buffer_get_iter_at_mark (self->buffer, &end, self->deferred_end);
  if (gtk_text_iter_equal (&cursor, &end))
    return;
  self->deferred = FALSE;
  self->typing = FALSE;
  mark_pending (self, &start, &end);
}

/* ---- Checking the subject -------------------------------------------------------------------- */

static gboolean
is_word_char (gunichar c)
{
  return g_unichar_isalnum (c) || g_unichar_ismark (c);
}

/* Calls @found for each word of @text worth checking: its bytes [start, end). */
static GArray *
find_subject_misses (EpSpellText *self,
                     const char  *text,
                     int          cursor_byte)
{
  GArray *misses = g_array_new (FALSE, FALSE, sizeof (Range));
  const char *p = text;
  gunichar before2 = 0, before = 0;
  guint words = 0;

  while (*p != '\0' && words < EP_SPELL_SUBJECT_MAX_WORDS)
    {
      gunichar c = g_utf8_get_char (p);
      const char *start, *end;
      gunichar after, after2;

      if (!is_word_char (c))
        {
          before2 = before;
          before = c;
          p = g_utf8_next_char (p);
          continue;
        }
      start = p;
      end = p;
      for (;;)
        {
          gunichar e = g_utf8_get_char (end);

          if (is_word_char (e))
            end = g_utf8_next_char (end);
          else if (is_apostrophe (e) && g_unichar_isalpha (g_utf8_get_char (g_utf8_next_char (end))))
            end = g_utf8_next_char (end);
          else
            break;
        }
      after = g_utf8_get_char (end);
      after2 = after != 0 ? g_utf8_get_char (g_utf8_next_char (end)) : 0;
      words++;
      if (end - text != cursor_byte)
        {
          g_autofree char *word = g_strndup (start, end - start);

          if (is_worth_checking (word, before2, before, after, after2) && !check_word (self, word))
            {
              Range miss = { start - text, end - text };

              g_array_append_val (misses, miss);
            }
        }
      before2 = 0;
      before = g_utf8_get_char (g_utf8_prev_char (end));
      p = end;
    }
  return misses;
}

static gboolean
subject_idle_cb (gpointer user_data)
{
  EpSpellText *self = user_data;
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->entry));
  int position = gtk_editable_get_position (GTK_EDITABLE (self->entry));
  int cursor_byte = -1;
  g_autoptr(GArray) misses = NULL;
  g_autoptr(PangoAttrList) attributes = pango_attr_list_new ();

  self->subject_idle = 0;
  /* The word being typed is left alone while the entry has the focus, as in the body. */
  if (gtk_widget_has_focus (GTK_WIDGET (self->entry)) ||
      gtk_widget_has_focus (GTK_WIDGET (gtk_editable_get_delegate (GTK_EDITABLE (self->entry)))))
    cursor_byte = g_utf8_offset_to_pointer (text, position) - text;
  misses = find_subject_misses (self, text, cursor_byte);
  for (guint i = 0; i < misses->len; i++)
    {
      Range *miss = &g_array_index (misses, Range, i);
      PangoAttribute *underline = pango_attr_underline_new (PANGO_UNDERLINE_ERROR);
      PangoAttribute *color = pango_attr_underline_color_new (0xe000, 0x1b00, 0x2400);

      underline->start_index = color->start_index = miss->start;
      underline->end_index = color->end_index = miss->end;
      pango_attr_list_insert (attributes, underline);
      pango_attr_list_insert (attributes, color);
    }
  gtk_entry_set_attributes (self->entry, attributes);
  return G_SOURCE_REMOVE;
}

static void
schedule_subject_check (EpSpellText *self)
{
  if (self->entry != NULL && self->subject_idle == 0)
    self->subject_idle = g_idle_add (subject_idle_cb, self);
}

/* ---- The context menu ------------------------------------------------------------------------ */

static void
update_word_menu (EpSpellText *self)
{
  g_auto(GStrv) suggestions = NULL;

  g_menu_remove_all (self->suggestions_section);
  g_menu_remove_all (self->word_section);
  if (self->menu_word == NULL)
    return;

  suggestions = ep_spell_checker_dup_suggestions (self->checker, self->menu_word);
  for (guint i = 0; suggestions[i] != NULL && i < EP_SPELL_MAX_SUGGESTIONS; i++)
    {
      g_autoptr(GMenuItem) item = g_menu_item_new (suggestions[i], NULL);

      g_menu_item_set_action_and_target (item, "spell.replace", "s", suggestions[i]);
      g_menu_append_item (self->suggestions_section, item);
    }
  if (suggestions[0] == NULL)
    g_menu_append (self->suggestions_section, _("No Suggestions"), "spell.none");
  g_menu_append (self->word_section, _("_Add to Dictionary"), "spell.add");
  g_menu_append (self->word_section, _("_Ignore"), "spell.ignore");
}

/* A word's corrections: its suggestions (replacing bytes [start, end) of the subject) in
 * @suggestions_section, Add to Dictionary and Ignore in @word_section. */
static void
append_subject_word (EpSpellText *self,
                     GMenu       *suggestions_section,
                     GMenu       *word_section,
                     const char  *word,
                     const Range *range)
{
  g_auto(GStrv) suggestions = ep_spell_checker_dup_suggestions (self->checker, word);
  g_autoptr(GMenuItem) add = g_menu_item_new (_("_Add to Dictionary"), NULL);
  g_autoptr(GMenuItem) ignore = g_menu_item_new (_("_Ignore"), NULL);

  for (guint i = 0; suggestions[i] != NULL && i < EP_SPELL_MAX_SUGGESTIONS; i++)
    {
      g_autoptr(GMenuItem) item = g_menu_item_new (suggestions[i], NULL);

      g_menu_item_set_action_and_target (item, "spell.subject-replace", "(uus)",
                                         (guint32) range->start, (guint32) range->end, suggestions[i]);
      g_menu_append_item (suggestions_section, item);
    }
  if (suggestions[0] == NULL)
    g_menu_append (suggestions_section, _("No Suggestions"), "spell.none");
  g_menu_item_set_action_and_target (add, "spell.add-word", "s", word);
  g_menu_item_set_action_and_target (ignore, "spell.ignore-word", "s", word);
  g_menu_append_item (word_section, add);
  g_menu_append_item (word_section, ignore);
}

/* The subject's menu, made when it opens: suggestions only cost then. */
static void
update_entry_menu (EpSpellText *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->entry));
  g_autoptr(GArray) misses = find_subject_misses (self, text, -1);
  g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) ranges = g_array_new (FALSE, FALSE, sizeof (Range));

  g_menu_remove_all (self->entry_words);
  g_menu_remove_all (self->entry_word);
  g_free (self->entry_menu_text);
  self->entry_menu_text = g_strdup (text);

  /* Each word once (its first place), the first few. */
  for (guint i = 0; i < misses->len && words->len < EP_SPELL_SUBJECT_MENU_WORDS; i++)
    {
      Range *miss = &g_array_index (misses, Range, i);
      char *word = g_strndup (text + miss->start, miss->end - miss->start);

      if (g_ptr_array_find_with_equal_func (words, word, g_str_equal, NULL))
        {
          g_free (word);
          continue;
        }
      g_ptr_array_add (words, word);
      g_array_append_val (ranges, *miss);
    }

  if (words->len == 1)
    append_subject_word (self, self->entry_words, self->entry_word, words->pdata[0],
                         &g_array_index (ranges, Range, 0));
  else
    for (guint i = 0; i < words->len; i++)
      {
        g_autoptr(GMenu) submenu = g_menu_new ();
        g_autoptr(GMenu) suggestions_section = g_menu_new ();
        g_autoptr(GMenu) word_section = g_menu_new ();
        g_autoptr(GString) label = NULL;

        append_subject_word (self, suggestions_section, word_section, words->pdata[i],
                             &g_array_index (ranges, Range, i));
        g_menu_append_section (submenu, NULL, G_MENU_MODEL (suggestions_section));
        g_menu_append_section (submenu, NULL, G_MENU_MODEL (word_section));
        /* Translators: a misspelled word of the subject, as the title of the submenu with its
         * corrections */
        label = g_string_new (NULL);
        g_string_printf (label, _("“%s”"), (const char *) words->pdata[i]);
        /* Menu labels take "_" for a mnemonic. */
        g_string_replace (label, "_", "__", 0);
        g_menu_append_submenu (self->entry_words, label->str, G_MENU_MODEL (submenu));
      }
}

typedef struct
{
  char *tag;
  char *name;
} Language;

static void
language_clear (Language *language)
{
  g_free (language->tag);
  g_free (language->name);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_utf8_collate (((const Language *) a)->name, ((const Language *) b)->name);
}

/* The installed dictionaries by name, in the user's language's order. */
static void
language_menu_fill (EpSpellText *self,
                    GMenu       *menu)
{
  const char * const *tags = ep_spell_checker_get_languages (self->checker);
  g_autoptr(GArray) languages = g_array_new (FALSE, FALSE, sizeof (Language));
  g_autoptr(GMenu) list = g_menu_new ();

  g_array_set_clear_func (languages, (GDestroyNotify) language_clear);
  for (guint i = 0; tags[i] != NULL; i++)
    {
      Language language = { g_strdup (tags[i]), ep_spell_checker_dup_language_name (tags[i]) };

      g_array_append_val (languages, language);
    }
  g_array_sort (languages, compare_names);
  for (guint i = 0; i < languages->len; i++)
    {
      Language *language = &g_array_index (languages, Language, i);
      /* Menu labels take "_" for a mnemonic: "en_US" is written "en__US". */
      g_autoptr(GString) label = g_string_new (language->name);
      g_autoptr(GMenuItem) item = NULL;

      g_string_replace (label, "_", "__", 0);
      item = g_menu_item_new (label->str, NULL);
      g_menu_item_set_action_and_target (item, "spell.language", "s", language->tag);
      g_menu_append_item (list, item);
    }
  g_menu_append_submenu (menu, _("Spelling _Language"), G_MENU_MODEL (list));
}

static void
replace_action_cb (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  EpSpellText *self = user_data;
  GtkTextIter start, end;

  if (self->menu_word == NULL)
    return;
  gtk_text_buffer_get_iter_at_mark (self->buffer, &start, self->word_start);
  gtk_text_buffer_get_iter_at_mark (self->buffer, &end, self->word_end);
  /* The text under the menu changed meanwhile (the menu stays open while a draft loads). */
  {
    g_autofree char *now = gtk_text_iter_get_text (&start, &end);

    if (g_strcmp0 (now, self->menu_word) != 0)
      return;
  }
  gtk_text_buffer_begin_user_action (self->buffer);
  gtk_text_buffer_delete (self->buffer, &start, &end);
  gtk_text_buffer_insert (self->buffer, &start, g_variant_get_string (parameter, NULL), -1);
  gtk_text_buffer_end_user_action (self->buffer);
  self->typing = FALSE;
  g_clear_pointer (&self->menu_word, g_free);
  update_word_menu (self);
}

static void
add_action_cb (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       user_data)
{
  EpSpellText *self = user_data;
  g_autofree char *word = g_steal_pointer (&self->menu_word);

  if (word != NULL)
    ep_spell_checker_add_word (self->checker, word);
  update_word_menu (self);
}

static void
ignore_action_cb (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  EpSpellText *self = user_data;
  g_autofree char *word = g_steal_pointer (&self->menu_word);

  if (word != NULL)
    ep_spell_checker_ignore_word (self->checker, word);
  update_word_menu (self);
}

static void
subject_replace_action_cb (GSimpleAction *action,
                           GVariant      *parameter,
                           gpointer       user_data)
{
  EpSpellText *self = user_data;
  GtkEditable *editable = GTK_EDITABLE (self->entry);
  const char *text = gtk_editable_get_text (editable);
  const char *replacement;
  guint32 start, end;
  int start_pos, end_pos;

  g_variant_get (parameter, "(uu&s)", &start, &end, &replacement);
  /* The subject changed since the menu was made: its byte ranges mean nothing now. */
  if (g_strcmp0 (text, self->entry_menu_text) != 0 || start > end || end > strlen (text))
    return;
  start_pos = (int) g_utf8_pointer_to_offset (text, text + start);
  end_pos = (int) g_utf8_pointer_to_offset (text, text + end);
  gtk_editable_delete_text (editable, start_pos, end_pos);
  gtk_editable_insert_text (editable, replacement, -1, &start_pos);
  gtk_editable_set_position (editable, start_pos);
  g_clear_pointer (&self->entry_menu_text, g_free);
}

static void
add_word_action_cb (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  EpSpellText *self = user_data;

  ep_spell_checker_add_word (self->checker, g_variant_get_string (parameter, NULL));
}

static void
ignore_word_action_cb (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  EpSpellText *self = user_data;

  ep_spell_checker_ignore_word (self->checker, g_variant_get_string (parameter, NULL));
}

static void
language_action_cb (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  EpSpellText *self = user_data;

  ep_spell_checker_set_language (self->checker, g_variant_get_string (parameter, NULL));
}

static void
click_pressed_cb (GtkGestureClick *gesture,
                  int              n_press,
                  double           x,
                  double           y,
                  EpSpellText     *self)
{
  GtkTextIter iter;
  int bx, by;

  gtk_text_view_window_to_buffer_coords (self->view, GTK_TEXT_WINDOW_WIDGET, x, y, &bx, &by);
  gtk_text_view_get_iter_at_location (self->view, &iter, bx, by);
  ep_spell_text_prepare_menu (self, &iter);
}

static void
entry_click_pressed_cb (EpSpellText *self)
{
  update_entry_menu (self);
}

static gboolean
entry_menu_key_cb (GtkWidget *widget,
                   GVariant  *args,
                   gpointer   user_data)
{
  update_entry_menu (user_data);
  return FALSE;   /* the entry opens the menu */
}

/* The menu key and Shift+F10 open the menu for the word at the cursor. */
static gboolean
menu_key_cb (GtkWidget *widget,
             GVariant  *args,
             gpointer   user_data)
{
  EpSpellText *self = user_data;
  GtkTextIter cursor;

  gtk_text_buffer_get_iter_at_mark (self->buffer, &cursor, gtk_text_buffer_get_insert (self->buffer));
  ep_spell_text_prepare_menu (self, &cursor);
  return FALSE;   /* the text view opens the menu */
}

/* ---- The checker's news ---------------------------------------------------------------------- */

static void
language_changed_cb (EpSpellText *self)
{
  const char *language = ep_spell_checker_get_language (self->checker);
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self->actions), "language");

  if (language != NULL)
    g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_string (language));
  g_clear_pointer (&self->menu_word, g_free);
  update_word_menu (self);
  mark_all_pending (self);
  schedule_subject_check (self);
}

/* A word was added or ignored: its underlines go everywhere, without checking anything again. */
static void
word_accepted_cb (EpSpellText *self,
                  const char  *word)
{
  GtkTextIter start, end;

  gtk_text_buffer_get_start_iter (self->buffer, &start);
  while (gtk_text_iter_has_tag (&start, self->error_tag) ||
         gtk_text_iter_forward_to_tag_toggle (&start, self->error_tag))
    {
      g_autofree char *text = NULL;

      if (gtk_text_iter_is_end (&start))
        break;
      end = start;
      gtk_text_iter_forward_to_tag_toggle (&end, self->error_tag);
      text = gtk_text_iter_get_text (&start, &end);
      if (g_str_equal (text, word))
        gtk_text_buffer_remove_tag (self->buffer, self->error_tag, &start, &end);
      start = end;
    }
  schedule_subject_check (self);
}

/* ---- Set-up ---------------------------------------------------------------------------------- */

static void
setup_actions (EpSpellText *self)
{
  const GActionEntry entries[] = {
    { .name = "replace", .activate = replace_action_cb, .parameter_type = "s" },
    { .name = "add", .activate = add_action_cb },
    { .name = "ignore", .activate = ignore_action_cb },
    { .name = "language", .activate = language_action_cb, .parameter_type = "s", .state = "''" },
    { .name = "subject-replace", .activate = subject_replace_action_cb, .parameter_type = "(uus)" },
    { .name = "add-word", .activate = add_word_action_cb, .parameter_type = "s" },
    { .name = "ignore-word", .activate = ignore_word_action_cb, .parameter_type = "s" },
  };
  GAction *none;

  self->actions = g_simple_action_group_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self->actions), entries, G_N_ELEMENTS (entries),
                                   self);
  /* "No Suggestions" is shown greyed out. */
  none = G_ACTION (g_simple_action_new ("none", NULL));
  g_simple_action_set_enabled (G_SIMPLE_ACTION (none), FALSE);
  g_action_map_add_action (G_ACTION_MAP (self->actions), none);
  g_object_unref (none);
}

static void
setup_menus (EpSpellText *self)
{
  g_autoptr(GMenu) language_section = g_menu_new ();
  g_autoptr(GMenu) entry_language_section = g_menu_new ();

  self->menu = g_menu_new ();
  self->suggestions_section = g_menu_new ();
  self->word_section = g_menu_new ();
  language_menu_fill (self, language_section);
  g_menu_append_section (self->menu, NULL, G_MENU_MODEL (self->suggestions_section));
  g_menu_append_section (self->menu, NULL, G_MENU_MODEL (self->word_section));
  g_menu_append_section (self->menu, NULL, G_MENU_MODEL (language_section));
  self->entry_menu = g_menu_new ();
  self->entry_words = g_menu_new ();
  self->entry_word = g_menu_new ();
  g_menu_append_section (self->entry_menu, NULL, G_MENU_MODEL (self->entry_words));
  g_menu_append_section (self->entry_menu, NULL, G_MENU_MODEL (self->entry_word));
  language_menu_fill (self, entry_language_section);
  g_menu_append_section (self->entry_menu, NULL, G_MENU_MODEL (entry_language_section));
}

static void
setup_view (EpSpellText *self)
{
  GtkShortcut *shortcut;
  GtkTextIter start;

  self->error_tag = gtk_text_buffer_create_tag (self->buffer, NULL,
                                                "underline", PANGO_UNDERLINE_ERROR,
                                                "underline-rgba", &(GdkRGBA) { 0.88, 0.11, 0.14, 1.0 },
                                                NULL);
  self->pending_tag = gtk_text_buffer_create_tag (self->buffer, NULL, NULL);
  gtk_text_buffer_get_start_iter (self->buffer, &start);
  self->word_start = gtk_text_buffer_create_mark (self->buffer, NULL, &start, TRUE);
  self->word_end = gtk_text_buffer_create_mark (self->buffer, NULL, &start, FALSE);
  self->deferred_start = gtk_text_buffer_create_mark (self->buffer, NULL, &start, TRUE);
  self->deferred_end = gtk_text_buffer_create_mark (self->buffer, NULL, &start, FALSE);

  gtk_widget_insert_action_group (GTK_WIDGET (self->view), "spell", G_ACTION_GROUP (self->actions));
  gtk_text_view_set_extra_menu (self->view, G_MENU_MODEL (self->menu));

  /* Before the text view's own click handling, which opens the menu. */
  self->click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (self->click), GDK_BUTTON_SECONDARY);
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (self->click), GTK_PHASE_CAPTURE);
  g_signal_connect (self->click, "pressed", G_CALLBACK (click_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->view), GTK_EVENT_CONTROLLER (self->click));

  self->shortcuts = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (self->shortcuts, GTK_PHASE_CAPTURE);
  shortcut = gtk_shortcut_new (gtk_shortcut_trigger_parse_string ("<Shift>F10|Menu"),
                               gtk_callback_action_new (menu_key_cb, self, NULL));
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (self->shortcuts), shortcut);
  gtk_widget_add_controller (GTK_WIDGET (self->view), self->shortcuts);

  self->handlers[0] = g_signal_connect_after (self->buffer, "insert-text",
                                              G_CALLBACK (insert_text_after_cb), self);
  self->handlers[1] = g_signal_connect_after (self->buffer, "delete-range",
                                              G_CALLBACK (delete_range_after_cb), self);
  self->handlers[2] = g_signal_connect_swapped (self->buffer, "notify::cursor-position",
                                                G_CALLBACK (cursor_moved_cb), self);
}

/* ---- Overrides ------------------------------------------------------------------------------- */

static void
ep_spell_text_dispose (GObject *object)
{
  EpSpellText *self = EP_SPELL_TEXT (object);

  g_clear_handle_id (&self->check_idle, g_source_remove);
  g_clear_handle_id (&self->subject_idle, g_source_remove);
  if (self->buffer != NULL)
    {
      g_clear_signal_handler (&self->handlers[0], self->buffer);
      g_clear_signal_handler (&self->handlers[1], self->buffer);
      g_clear_signal_handler (&self->handlers[2], self->buffer);
    }
  if (self->checker != NULL)
    {
      g_clear_signal_handler (&self->handlers[3], self->checker);
      g_clear_signal_handler (&self->handlers[4], self->checker);
    }
  if (self->entry != NULL)
    {
      g_clear_signal_handler (&self->handlers[5], self->entry);
      if (self->entry_focus != NULL)
        gtk_widget_remove_controller (GTK_WIDGET (self->entry), self->entry_focus);
      if (self->entry_click != NULL)
        gtk_widget_remove_controller (GTK_WIDGET (self->entry), GTK_EVENT_CONTROLLER (self->entry_click));
      if (self->entry_shortcuts != NULL)
        gtk_widget_remove_controller (GTK_WIDGET (self->entry), self->entry_shortcuts);
      gtk_entry_set_extra_menu (self->entry, NULL);
      gtk_entry_set_attributes (self->entry, NULL);
      gtk_widget_insert_action_group (GTK_WIDGET (self->entry), "spell", NULL);
    }
  if (self->view != NULL)
    {
      gtk_text_view_set_extra_menu (self->view, NULL);
      gtk_widget_insert_action_group (GTK_WIDGET (self->view), "spell", NULL);
      if (self->click != NULL)
        gtk_widget_remove_controller (GTK_WIDGET (self->view), GTK_EVENT_CONTROLLER (self->click));
      if (self->shortcuts != NULL)
        gtk_widget_remove_controller (GTK_WIDGET (self->view), self->shortcuts);
    }
  self->click = NULL;
  self->shortcuts = NULL;
  self->entry_focus = NULL;
  self->entry_click = NULL;
  self->entry_shortcuts = NULL;
  g_clear_object (&self->view);
  g_clear_object (&self->buffer);
  g_clear_object (&self->entry);
  g_clear_object (&self->checker);
  g_clear_object (&self->menu);
  g_clear_object (&self->suggestions_section);
  g_clear_object (&self->word_section);
  g_clear_object (&self->entry_menu);
  g_clear_object (&self->entry_words);
  g_clear_object (&self->entry_word);
  g_clear_pointer (&self->entry_menu_text, g_free);
  g_clear_object (&self->actions);
  g_clear_pointer (&self->menu_word, g_free);

  G_OBJECT_CLASS (ep_spell_text_parent_class)->dispose (object);
}

static void
ep_spell_text_class_init (EpSpellTextClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ep_spell_text_dispose;
}

static void
ep_spell_text_init (EpSpellText *self)
{
  self->budget_us = EP_SPELL_BUDGET_US;
}

/* ---- Public API ------------------------------------------------------------------------------ */

/**
 * ep_spell_text_new:
 * @checker: the message's checker; with no dictionary installed nothing is attached at all
 * @view: the body
 * @entry: (nullable): the subject
 *
 * Checks @view and @entry as they change, in @checker's language, from the language it has
 * now (set one first).
 */
EpSpellText *
ep_spell_text_new (EpSpellChecker *checker,
                   GtkTextView    *view,
                   GtkEntry       *entry)
{
  EpSpellText *self;

  g_return_val_if_fail (EP_IS_SPELL_CHECKER (checker), NULL);
  g_return_val_if_fail (GTK_IS_TEXT_VIEW (view), NULL);
  g_return_val_if_fail (entry == NULL || GTK_IS_ENTRY (entry), NULL);

  self = g_object_new (EP_TYPE_SPELL_TEXT, NULL);
  self->checker = g_object_ref (checker);
  if (!ep_spell_checker_is_available (checker))
    return self;

  self->view = g_object_ref (view);
  self->buffer = g_object_ref (gtk_text_view_get_buffer (view));
  setup_actions (self);
  setup_menus (self);
  setup_view (self);
  if (entry != NULL)
    {
      self->entry = g_object_ref (entry);
      gtk_widget_insert_action_group (GTK_WIDGET (entry), "spell", G_ACTION_GROUP (self->actions));
      gtk_entry_set_extra_menu (entry, G_MENU_MODEL (self->entry_menu));
      self->handlers[5] = g_signal_connect_swapped (entry, "changed",
                                                    G_CALLBACK (schedule_subject_check), self);
      /* The word left alone while it was typed is checked once the focus goes elsewhere. */
      self->entry_focus = gtk_event_controller_focus_new ();
      g_signal_connect_swapped (self->entry_focus, "leave", G_CALLBACK (schedule_subject_check), self);
      gtk_widget_add_controller (GTK_WIDGET (entry), self->entry_focus);
      /* Before the entry's own handling, which opens the menu. */
      self->entry_click = gtk_gesture_click_new ();
      gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (self->entry_click), GDK_BUTTON_SECONDARY);
      gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (self->entry_click), GTK_PHASE_CAPTURE);
      g_signal_connect_swapped (self->entry_click, "pressed", G_CALLBACK (entry_click_pressed_cb), self);
      gtk_widget_add_controller (GTK_WIDGET (entry), GTK_EVENT_CONTROLLER (self->entry_click));
      self->entry_shortcuts = gtk_shortcut_controller_new ();
      gtk_event_controller_set_propagation_phase (self->entry_shortcuts, GTK_PHASE_CAPTURE);
      gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (self->entry_shortcuts),
                                            gtk_shortcut_new (gtk_shortcut_trigger_parse_string ("<Shift>F10|Menu"),
                                                              gtk_callback_action_new (entry_menu_key_cb, self, NULL)));
      gtk_widget_add_controller (GTK_WIDGET (entry), self->entry_shortcuts);
    }
  self->handlers[3] = g_signal_connect_swapped (checker, "notify::language",
                                                G_CALLBACK (language_changed_cb), self);
  self->handlers[4] = g_signal_connect_swapped (checker, "word-accepted",
                                                G_CALLBACK (word_accepted_cb), self);
  language_changed_cb (self);
  return self;
}

EpSpellChecker *
ep_spell_text_get_checker (EpSpellText *self)
{
  g_return_val_if_fail (EP_IS_SPELL_TEXT (self), NULL);
  return self->checker;
}

/* ---- For the tests --------------------------------------------------------------------------- */

/* Returns: whether some of the body waits to be checked */
gboolean
ep_spell_text_is_checking (EpSpellText *self)
{
  g_return_val_if_fail (EP_IS_SPELL_TEXT (self), FALSE);
  return self->check_idle != 0 || self->subject_idle != 0;
}

void
ep_spell_text_set_budget (EpSpellText *self,
                          gint64       budget_us)
{
  g_return_if_fail (EP_IS_SPELL_TEXT (self));
  self->budget_us = budget_us;
}

/* Returns: (transfer full): the underlined words of the body, in order */
GStrv
ep_spell_text_dup_misspelled (EpSpellText *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GtkTextIter start, end;

  g_return_val_if_fail (EP_IS_SPELL_TEXT (self), NULL);

  if (self->buffer == NULL)
    return g_strv_builder_end (builder);
  gtk_text_buffer_get_start_iter (self->buffer, &start);
  while (gtk_text_iter_has_tag (&start, self->error_tag) ||
         gtk_text_iter_forward_to_tag_toggle (&start, self->error_tag))
    {
      g_autofree char *word = NULL;

      if (gtk_text_iter_is_end (&start))
        break;
      end = start;
      gtk_text_iter_forward_to_tag_toggle (&end, self->error_tag);
      word = gtk_text_iter_get_text (&start, &end);
      g_strv_builder_add (builder, word);
      start = end;
    }
  return g_strv_builder_end (builder);
}

/* Returns: (transfer full): the underlined words of the subject, in order */
GStrv
ep_spell_text_dup_subject_misspelled (EpSpellText *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  PangoAttrList *attributes;
  const char *text;

  g_return_val_if_fail (EP_IS_SPELL_TEXT (self), NULL);

  if (self->entry == NULL || (attributes = gtk_entry_get_attributes (self->entry)) == NULL)
    return g_strv_builder_end (builder);
  text = gtk_editable_get_text (GTK_EDITABLE (self->entry));
  {
    g_autoptr(GSList) list = pango_attr_list_get_attributes (attributes);

    for (GSList *l = list; l != NULL; l = l->next)
      {
        PangoAttribute *attribute = l->data;

        if (attribute->klass->type == PANGO_ATTR_UNDERLINE)
          {
            g_autofree char *word = g_strndup (text + attribute->start_index,
                                               attribute->end_index - attribute->start_index);

            g_strv_builder_add (builder, word);
          }
      }
    g_slist_free_full (g_steal_pointer (&list), (GDestroyNotify) pango_attribute_destroy);
  }
  return g_strv_builder_end (builder);
}

/* What a right click at @iter does before the menu opens: the word there, if misspelled, gets
 * its suggestions, Add to Dictionary and Ignore. */
void
ep_spell_text_prepare_menu (EpSpellText       *self,
                            const GtkTextIter *iter)
{
  GtkTextIter start, end;

  g_return_if_fail (EP_IS_SPELL_TEXT (self));

  g_clear_pointer (&self->menu_word, g_free);
  if (self->buffer != NULL && word_bounds_at (iter, &start, &end) &&
      gtk_text_iter_has_tag (&start, self->error_tag))
    {
      self->menu_word = gtk_text_iter_get_text (&start, &end);
      gtk_text_buffer_move_mark (self->buffer, self->word_start, &start);
      gtk_text_buffer_move_mark (self->buffer, self->word_end, &end);
    }
  if (self->menu != NULL)
    update_word_menu (self);
}

/* Makes the subject's menu, as opening it does. Returns: (transfer none) (nullable): that menu,
 * %NULL without spelling or a subject */
GMenuModel *
ep_spell_text_prepare_entry_menu (EpSpellText *self)
{
  g_return_val_if_fail (EP_IS_SPELL_TEXT (self), NULL);

  if (self->entry == NULL || self->entry_menu == NULL)
    return NULL;
  update_entry_menu (self);
  return G_MENU_MODEL (self->entry_menu);
}

/* Returns: (transfer none) (nullable): the body's extra menu, %NULL without spelling */
GMenuModel *
ep_spell_text_get_menu (EpSpellText *self)
{
  g_return_val_if_fail (EP_IS_SPELL_TEXT (self), NULL);
  return self->menu != NULL ? G_MENU_MODEL (self->menu) : NULL;
}
