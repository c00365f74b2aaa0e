/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-spell-checker.c: words checked against one installed dictionary at a time.
 *
 * Enchant is optional at build time (HAVE_ENCHANT) and dictionaries are optional at run time:
 * without either the checker has no languages, calls every word correct, and the compose window
 * offers no spelling at all. Nothing here is an error the user has to see. */
#include "config.h"

#ifdef HAVE_ENCHANT
#include <enchant.h>
#endif
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "ep-spell-checker-private.h"

struct _EpSpellChecker
{
  GObject    parent_instance;

#ifdef HAVE_ENCHANT
  EnchantBroker *broker;
  EnchantDict   *dict;
#endif
  GStrv          languages;   /* sorted dictionary tags, "de_DE", "en_US", … */
  char          *language;
};

enum {
  PROP_0,
  PROP_LANGUAGE,
  N_PROPS
};

enum {
  WORD_ACCEPTED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* For the tests: the dictionaries that count as installed (NULL: what enchant finds). */
static GStrv test_languages;

G_DEFINE_FINAL_TYPE (EpSpellChecker, ep_spell_checker, G_TYPE_OBJECT)

#ifdef HAVE_ENCHANT
static void
list_dict_cb (const char *const lang_tag,
              const char *const provider_name,
              const char *const provider_desc,
              const char *const provider_file,
              void             *user_data)
{
  GPtrArray *tags = user_data;

  if (test_languages != NULL && !g_strv_contains ((const char * const *) test_languages, lang_tag))
    return;
  /* One dictionary can come from two providers (aspell and hunspell): list it once. */
  for (guint i = 0; i < tags->len; i++)
    if (g_str_equal (tags->pdata[i], lang_tag))
      return;
  g_ptr_array_add (tags, g_strdup (lang_tag));
}
#endif

static int
compare_tags (gconstpointer a,
              gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static void
load_languages (EpSpellChecker *self)
{
  g_autoptr(GPtrArray) tags = g_ptr_array_new_with_free_func (g_free);

#ifdef HAVE_ENCHANT
  if (self->broker != NULL)
    enchant_broker_list_dicts (self->broker, list_dict_cb, tags);
#endif
  g_ptr_array_sort (tags, compare_tags);
  g_ptr_array_add (tags, NULL);
  self->languages = (GStrv) g_ptr_array_steal (tags, NULL);
}

/* iso-codes' @file ("iso_639-2", list "639-2") as a table of two-letter code → English name;
 * empty when iso-codes is missing. Read once: the menus of every window need it. */
static GHashTable *
iso_table (const char *file,
           const char *list)
{
  static GHashTable *tables;   /* file → table */
  const char * const *dirs = g_get_system_data_dirs ();
  GHashTable *table;

  if (tables == NULL)
    tables = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                    (GDestroyNotify) g_hash_table_unref);
  table = g_hash_table_lookup (tables, file);
  if (table != NULL)
    return table;

  table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (tables, g_strdup (file), table);
  for (guint i = 0; dirs[i] != NULL; i++)
    {
      g_autofree char *basename = g_strconcat (file, ".json", NULL);
      g_autofree char *path = g_build_filename (dirs[i], "iso-codes", "json", basename, NULL);
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonNode *root;
      JsonArray *entries;

      if (!json_parser_load_from_file (parser, path, NULL))
        continue;
      root = json_parser_get_root (parser);
      if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
          !json_object_has_member (json_node_get_object (root), list))
        continue;
      entries = json_object_get_array_member (json_node_get_object (root), list);
      for (guint j = 0; entries != NULL && j < json_array_get_length (entries); j++)
        {
          JsonObject *entry = json_array_get_object_element (entries, j);
          const char *code, *name;

          if (entry == NULL)
            continue;
          code = json_object_get_string_member_with_default (entry, "alpha_2", NULL);
          name = json_object_get_string_member_with_default (entry, "name", NULL);
          if (code != NULL && name != NULL)
            g_hash_table_insert (table, g_strdup (code), g_strdup (name));
        }
      break;
    }
  return table;
}

/* The name of @code, translated with iso-codes' catalog of the same name as @file; NULL when
 * iso-codes does not know it. */
static char *
iso_name (const char *file,
          const char *list,
          const char *code)
{
  const char *name = g_hash_table_lookup (iso_table (file, list), code);

  return name != NULL ? g_strdup (g_dgettext (file, name)) : NULL;
}

/* "de_DE.UTF-8@euro" → "de_DE" */
static char *
strip_locale (const char *name)
{
  return g_strndup (name, strcspn (name, ".@"));
}

static void
ep_spell_checker_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  EpSpellChecker *self = EP_SPELL_CHECKER (object);

  switch (prop_id)
    {
    case PROP_LANGUAGE:
      g_value_set_string (value, self->language);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ep_spell_checker_finalize (GObject *object)
{
  EpSpellChecker *self = EP_SPELL_CHECKER (object);

#ifdef HAVE_ENCHANT
  if (self->dict != NULL)
    enchant_broker_free_dict (self->broker, self->dict);
  if (self->broker != NULL)
    enchant_broker_free (self->broker);
#endif
  g_strfreev (self->languages);
  g_free (self->language);

  G_OBJECT_CLASS (ep_spell_checker_parent_class)->finalize (object);
}

static void
ep_spell_checker_class_init (EpSpellCheckerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = ep_spell_checker_get_property;
  object_class->finalize = ep_spell_checker_finalize;

  properties[PROP_LANGUAGE] =
    g_param_spec_string ("language", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A word is correct from now on (added to the dictionary or ignored): underlines of it go. */
  signals[WORD_ACCEPTED] =
    g_signal_new ("word-accepted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
ep_spell_checker_init (EpSpellChecker *self)
{
#ifdef HAVE_ENCHANT
  self->broker = enchant_broker_init ();
#endif
  load_languages (self);
}

/* ---- Public API ------------------------------------------------------------------------------ */

EpSpellChecker *
ep_spell_checker_new (void)
{
  return g_object_new (EP_TYPE_SPELL_CHECKER, NULL);
}

/* Returns: whether there is at least one dictionary, so spelling is offered at all */
gboolean
ep_spell_checker_is_available (EpSpellChecker *self)
{
  g_return_val_if_fail (EP_IS_SPELL_CHECKER (self), FALSE);
  return self->languages[0] != NULL;
}

/* Returns: (transfer none): the installed dictionaries' tags, sorted */
const char * const *
ep_spell_checker_get_languages (EpSpellChecker *self)
{
  g_return_val_if_fail (EP_IS_SPELL_CHECKER (self), NULL);
  return (const char * const *) self->languages;
}

gboolean
ep_spell_checker_has_language (EpSpellChecker *self,
                               const char     *language)
{
  g_return_val_if_fail (EP_IS_SPELL_CHECKER (self), FALSE);
  return language != NULL && g_strv_contains ((const char * const *) self->languages, language);
}

/* Returns: (nullable): the dictionary for the user's locale: the exact one ("de_DE"), else one
 * of the same language ("de_AT" for "de", "de_DE" first), else American English, else the first
 * installed; %NULL when there is none. */
char *
ep_spell_checker_dup_default_language (EpSpellChecker *self)
{
  const char * const *names = g_get_language_names ();
  const char *fallbacks[] = { "en_US", "en" };

  g_return_val_if_fail (EP_IS_SPELL_CHECKER (self), NULL);

  if (self->languages[0] == NULL)
    return NULL;
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *name = strip_locale (names[i]);
      g_autofree char *upper = NULL;
      g_autofree char *same = NULL;
      g_autofree char *prefix = NULL;

      if (g_str_equal (name, "C") || g_str_equal (name, "POSIX") || *name == '\0')
        continue;
      if (ep_spell_checker_has_language (self, name))
        return g_steal_pointer (&name);
      if (strchr (name, '_') != NULL)
        continue;
      upper = g_ascii_strup (name, -1);
      same = g_strdup_printf ("%s_%s", name, upper);
      if (ep_spell_checker_has_language (self, same))
        return g_steal_pointer (&same);
      prefix = g_strconcat (name, "_", NULL);
      for (guint j = 0; self->languages[j] != NULL; j++)
        if (g_str_has_prefix (self->languages[j], prefix))
          return g_strdup (self->languages[j]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (fallbacks); i++)
    if (ep_spell_checker_has_language (self, fallbacks[i]))
      return g_strdup (fallbacks[i]);
  return g_strdup (self->languages[0]);
}

/* Returns: (nullable): the dictionary in use, %NULL before one is chosen */
const char *
ep_spell_checker_get_language (EpSpellChecker *self)
{
  g_return_val_if_fail (EP_IS_SPELL_CHECKER (self), NULL);
  return self->language;
}

/* Returns: whether @language is installed and now in use (otherwise nothing changes) */
gboolean
ep_spell_checker_set_language (EpSpellChecker *self,
                               const char     *language)
{
  g_return_val_if_fail (EP_IS_SPELL_CHECKER (self), FALSE);

  if (!ep_spell_checker_has_language (self, language))
    return FALSE;
  if (g_strcmp0 (self->language, language) == 0)
    return TRUE;
#ifdef HAVE_ENCHANT
  {
    EnchantDict *dict = enchant_broker_request_dict (self->broker, language);

    /* Listed but unusable (a damaged dictionary file): keep the one we have. */
    if (dict == NULL)
      return FALSE;
    if (self->dict != NULL)
      enchant_broker_free_dict (self->broker, self->dict);
    self->dict = dict;
  }
#endif
  g_free (self->language);
  self->language = g_strdup (language);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LANGUAGE]);
  return TRUE;
}

/* Returns: whether @word is spelled right (always, with no dictionary in use) */
gboolean
ep_spell_checker_check_word (EpSpellChecker *self,
                             const char     *word,
                             gssize          length)
{
  g_return_val_if_fail (EP_IS_SPELL_CHECKER (self), TRUE);
  g_return_val_if_fail (word != NULL, TRUE);

#ifdef HAVE_ENCHANT
  if (self->dict != NULL)
    return enchant_dict_check (self->dict, word, length) == 0;
#endif
  return TRUE;
}

/* Returns: (transfer full): the dictionary's suggestions for @word, best first (maybe none) */
GStrv
ep_spell_checker_dup_suggestions (EpSpellChecker *self,
                                  const char     *word)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (EP_IS_SPELL_CHECKER (self), NULL);
  g_return_val_if_fail (word != NULL, NULL);

#ifdef HAVE_ENCHANT
  if (self->dict != NULL)
    {
      size_t n = 0;
      char **list = enchant_dict_suggest (self->dict, word, -1, &n);

      for (size_t i = 0; list != NULL && i < n; i++)
        g_strv_builder_add (builder, list[i]);
      if (list != NULL)
        enchant_dict_free_string_list (self->dict, list);
    }
#endif
  return g_strv_builder_end (builder);
}

/* Adds @word to the user's personal dictionary for this language (kept across runs). */
void
ep_spell_checker_add_word (EpSpellChecker *self,
                           const char     *word)
{
  g_return_if_fail (EP_IS_SPELL_CHECKER (self));
  g_return_if_fail (word != NULL);

#ifdef HAVE_ENCHANT
  if (self->dict != NULL)
    enchant_dict_add (self->dict, word, -1);
#endif
  g_signal_emit (self, signals[WORD_ACCEPTED], 0, word);
}

/* Takes @word as correct until this checker goes (this message only). */
void
ep_spell_checker_ignore_word (EpSpellChecker *self,
                              const char     *word)
{
  g_return_if_fail (EP_IS_SPELL_CHECKER (self));
  g_return_if_fail (word != NULL);

#ifdef HAVE_ENCHANT
  if (self->dict != NULL)
    enchant_dict_add_to_session (self->dict, word, -1);
#endif
  g_signal_emit (self, signals[WORD_ACCEPTED], 0, word);
}

/* Returns: a name for a dictionary tag to show: "German (Germany)" for "de_DE", in the user's
 * language when iso-codes has it translated; the tag itself when iso-codes cannot say. */
char *
ep_spell_checker_dup_language_name (const char *language)
{
  g_autofree char *code = NULL;
  g_autofree char *name = NULL;
  const char *country;

  g_return_val_if_fail (language != NULL, NULL);

  code = g_strndup (language, strcspn (language, "_-"));
  name = iso_name ("iso_639-2", "639-2", code);
  if (name == NULL)
    return g_strdup (language);
  country = language + strlen (code);
  if (*country == '\0')
    return g_steal_pointer (&name);
  {
    g_autofree char *country_name = iso_name ("iso_3166-1", "3166-1", country + 1);

    if (country_name == NULL)
      return g_strdup_printf ("%s (%s)", name, country + 1);
    /* Translators: a spelling dictionary's language and country, "German (Switzerland)" */
    return g_strdup_printf (_("%s (%s)"), name, country_name);
  }
}

void
ep_spell_checker_set_test_languages (const char * const *languages)
{
  g_clear_pointer (&test_languages, g_strfreev);
  test_languages = g_strdupv ((GStrv) languages);
}
