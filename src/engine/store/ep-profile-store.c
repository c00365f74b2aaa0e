/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-profile-store.c: profiles.ini — one "[Profile <id>]" group per profile.
 *
 * The keyfile read from disk is kept and updated in place on save, so keys and groups this
 * version does not know (written by a newer Epistle, or by hand), comments included, survive.
 * A damaged file is moved aside and reported, never overwritten. The built-in Sandbox
 * profile always exists.
 *
 * Which profile is the default is a preference, not part of the file: the application keeps it
 * in GSettings and binds it to #EpProfileStore:default-id. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "ep-atomic-file.h"
#include "ep-profile-keyfile.h"
#include "ep-profile-store.h"
#include "ep-store-error.h"
#include "ep-store-util.h"
#include "ep-text.h"

#define PROFILES_FILE_NAME     "profiles.ini"
#define PROFILE_GROUP_PREFIX   "Profile "
#define LEGACY_GROUP           "Epistle"
#define LEGACY_KEY_DEFAULT     "default-profile"

struct _EpProfileStore
{
  GObject parent_instance;

  char       *path;
  GKeyFile   *keyfile;      /* what was read, plus our updates: unknown content survives */
  GListStore *profiles;     /* of EpProfile; the Sandbox first */
  GPtrArray  *external;     /* of EpProfile: listed, never written (another source's) */
  char       *default_id;   /* NULL: the Sandbox; may name a profile not (yet) loaded */
  gboolean    unreadable;   /* the file exists but could not be read: never overwrite it */
  gboolean    sandbox_group_kept;   /* [Profile sandbox] had a bad value: the built-in is used */
  gboolean    sandbox_edited;       /* ...and the user changed the Sandbox since: write it */
};

G_DEFINE_FINAL_TYPE (EpProfileStore, ep_profile_store, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

enum {
  PROP_0,
  PROP_DEFAULT_ID,
  N_PROPS
};

static guint signals[N_SIGNALS];
static GParamSpec *properties[N_PROPS];

static char *
group_for_id (const char *id)
{
  return g_strconcat (PROFILE_GROUP_PREFIX, id, NULL);
}

static void
emit_changed (EpProfileStore *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
profile_notify_cb (EpProfile      *profile,
                   GParamSpec     *pspec,
                   EpProfileStore *self)
{
  /* What a connection test learns by itself (the SIZE limit, a pin kept at once) is no edit of
   * the user's: it must not replace a Sandbox group that did not load. */
  if (ep_profile_get_is_sandbox (profile) &&
      !g_str_equal (pspec->name, "size-limit") && !g_str_equal (pspec->name, "pinned-sha256"))
    self->sandbox_edited = TRUE;
  emit_changed (self);
}

static void
track_profile (EpProfileStore *self,
               EpProfile      *profile)
{
  g_signal_connect_object (profile, "notify", G_CALLBACK (profile_notify_cb), self, 0);
}

static void
untrack_profile (EpProfileStore *self,
                 EpProfile      *profile)
{
  g_signal_handlers_disconnect_by_func (profile, profile_notify_cb, self);
}

static void
clear_profiles (EpProfileStore *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->profiles));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(EpProfile) profile = g_list_model_get_item (G_LIST_MODEL (self->profiles), i);
      untrack_profile (self, profile);
    }
  g_list_store_remove_all (self->profiles);
}

static void
ep_profile_store_finalize (GObject *object)
{
  EpProfileStore *self = EP_PROFILE_STORE (object);

  clear_profiles (self);
  g_clear_object (&self->profiles);
  g_clear_pointer (&self->external, g_ptr_array_unref);
  g_clear_pointer (&self->keyfile, g_key_file_unref);
  g_free (self->path);
  g_free (self->default_id);

  G_OBJECT_CLASS (ep_profile_store_parent_class)->finalize (object);
}

static void
ep_profile_store_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  EpProfileStore *self = EP_PROFILE_STORE (object);

  switch (prop_id)
    {
    case PROP_DEFAULT_ID:
      g_value_set_string (value, ep_profile_store_get_default_id (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ep_profile_store_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  EpProfileStore *self = EP_PROFILE_STORE (object);

  switch (prop_id)
    {
    case PROP_DEFAULT_ID:
      ep_profile_store_set_default_id (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ep_profile_store_class_init (EpProfileStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ep_profile_store_finalize;
  object_class->get_property = ep_profile_store_get_property;
  object_class->set_property = ep_profile_store_set_property;

  /**
   * EpProfileStore:default-id:
   *
   * The id of the default profile; "" for the Sandbox. Never %NULL, so that it binds to a
   * string GSettings key. An id naming no loaded profile is kept (the settings may be read
   * before the profiles) and ep_profile_store_get_default() returns the Sandbox meanwhile.
   */
  properties[PROP_DEFAULT_ID] =
    g_param_spec_string ("default-id", NULL, NULL, "",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * EpProfileStore::changed:
   *
   * Profiles were loaded, added or removed, one of them changed, or the default changed.
   * Nothing is written until ep_profile_store_save().
   */
  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ep_profile_store_init (EpProfileStore *self)
{
  g_autoptr(EpProfile) sandbox = ep_profile_new_sandbox ();

  self->keyfile = g_key_file_new ();
  self->profiles = g_list_store_new (EP_TYPE_PROFILE);
  self->external = g_ptr_array_new_with_free_func (g_object_unref);
  g_list_store_append (self->profiles, sandbox);
  track_profile (self, sandbox);
}

/**
 * ep_profile_store_new:
 * @config_dir: (nullable): the directory holding profiles.ini; %NULL for
 *   `$XDG_CONFIG_HOME/epistle`
 *
 * Returns: a store holding only the built-in Sandbox until ep_profile_store_load()
 */
EpProfileStore *
ep_profile_store_new (const char *config_dir)
{
  EpProfileStore *self = g_object_new (EP_TYPE_PROFILE_STORE, NULL);

  if (config_dir != NULL)
    self->path = g_build_filename (config_dir, PROFILES_FILE_NAME, NULL);
  else
    self->path = g_build_filename (g_get_user_config_dir (), "epistle", PROFILES_FILE_NAME, NULL);
  return self;
}

const char *
ep_profile_store_get_path (EpProfileStore *self)
{
  g_return_val_if_fail (EP_IS_PROFILE_STORE (self), NULL);

  return self->path;
}

static void
replace_contents (EpProfileStore *self,
                  GKeyFile       *keyfile,
                  GPtrArray      *profiles,
                  gboolean        sandbox_group_kept)
{
  clear_profiles (self);
  g_key_file_unref (self->keyfile);
  self->keyfile = g_key_file_ref (keyfile);
  for (guint i = 0; i < profiles->len; i++)
    track_profile (self, profiles->pdata[i]);
  g_list_store_splice (self->profiles, 0, 0, profiles->pdata, profiles->len);
  /* Another source's profiles are not in the file: reading it again keeps them, last. */
  for (guint i = 0; i < self->external->len; i++)
    {
      track_profile (self, self->external->pdata[i]);
      g_list_store_append (self->profiles, self->external->pdata[i]);
    }
  self->sandbox_group_kept = sandbox_group_kept;
  self->sandbox_edited = FALSE;
  emit_changed (self);
}

/**
 * ep_profile_store_load:
 *
 * (Re)reads profiles.ini. A missing file is not an error. Afterwards the store is always
 * usable and holds at least the Sandbox, even when %FALSE is returned:
 * - %EP_STORE_ERROR_CORRUPT: the file did not parse; it was moved aside (the message names
 *   the line and the new name) and the store starts afresh;
 * - %EP_STORE_ERROR_INVALID: some profiles had bad values and were left out (kept in the
 *   file untouched); the others loaded;
 * - another code: the file could not be read, and ep_profile_store_save() will refuse to
 *   overwrite it.
 */
gboolean
ep_profile_store_load (EpProfileStore  *self,
                       GError         **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GPtrArray) profiles = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GError) first_problem = NULL;
  g_auto(GStrv) groups = NULL;
  g_autofree char *display = NULL;
  EpProfile *sandbox = NULL;
  gboolean sandbox_kept = FALSE;
  guint n_problems = 0;

  g_return_val_if_fail (EP_IS_PROFILE_STORE (self), FALSE);

  display = g_filename_display_name (self->path);
  self->unreadable = FALSE;

  if (!ep_store_load_keyfile (keyfile, self->path, &local_error))
    {
      g_autoptr(GKeyFile) empty = g_key_file_new ();
      g_autoptr(GError) move_error = NULL;
      g_autofree char *aside = NULL;

      g_ptr_array_add (profiles, ep_profile_new_sandbox ());
      replace_contents (self, empty, profiles, FALSE);

      if (g_error_matches (local_error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND))
        return TRUE;

      if (!g_error_matches (local_error, EP_STORE_ERROR, EP_STORE_ERROR_CORRUPT))
        {
          self->unreadable = TRUE;
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }

      aside = ep_store_move_aside (self->path, &move_error);
      if (aside == NULL)
        {
          /* Left in place: saving would destroy it, so don't. */
          self->unreadable = TRUE;
          g_autofree char *first = ep_store_without_period (local_error->message);

          g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_CORRUPT, "%s. %s",
                       first, move_error->message);
        }
      else
        {
          g_autofree char *aside_display = g_filename_display_name (aside);
          g_autofree char *first = ep_store_without_period (local_error->message);

          g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_CORRUPT,
                       _("%s. It was moved to “%s” and the profiles were reset."),
                       first, aside_display);
        }
      return FALSE;
    }

  groups = g_key_file_get_groups (keyfile, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_autoptr(GError) profile_error = NULL;
      const char *id;
      EpProfile *profile;

      if (!g_str_has_prefix (groups[i], PROFILE_GROUP_PREFIX))
        continue;
      id = groups[i] + strlen (PROFILE_GROUP_PREFIX);
      if (!ep_profile_id_is_valid (id))
        {
          g_set_error (&profile_error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID,
                       _("the id is not valid (letters, digits, “-” and “_” only)"));
          profile = NULL;
        }
      else
        profile = ep_profile_keyfile_read (keyfile, groups[i], id, &profile_error);

      if (profile == NULL)
        {
          sandbox_kept |= g_strcmp0 (id, EP_PROFILE_SANDBOX_ID) == 0;
          if (n_problems++ == 0)
            g_set_error (&first_problem, EP_STORE_ERROR, EP_STORE_ERROR_INVALID,
                         /* Translators: “[Profile x]” in “profiles.ini”: reason */
                         _("“[%s]” in “%s” was not loaded: %s"),
                         groups[i], display, profile_error->message);
          continue;
        }
      if (ep_profile_get_is_sandbox (profile))
        {
          sandbox = profile;
          g_ptr_array_insert (profiles, 0, profile);
        }
      else
        g_ptr_array_add (profiles, profile);
    }

  if (sandbox == NULL)
    g_ptr_array_insert (profiles, 0, ep_profile_new_sandbox ());

  replace_contents (self, keyfile, profiles, sandbox_kept);

  if (first_problem != NULL)
    {
      if (n_problems > 1)
        g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID,
                     g_dngettext (GETTEXT_PACKAGE, "%s (and %u more profile)",
                                  "%s (and %u more profiles)", n_problems - 1),
                     first_problem->message, n_problems - 1);
      else
        g_propagate_error (error, g_steal_pointer (&first_problem));
      return FALSE;
    }
  return TRUE;
}

/**
 * ep_profile_store_save:
 *
 * Writes every profile atomically (mode 0600). Keys and groups this version
 * does not know are written back unchanged. On failure the file on disk is unchanged.
 */
gboolean
ep_profile_store_save (EpProfileStore  *self,
                       GError         **error)
{
  g_autofree char *data = NULL;
  gsize length;
  guint n;

  g_return_val_if_fail (EP_IS_PROFILE_STORE (self), FALSE);

  if (self->unreadable)
    {
      g_autofree char *display = g_filename_display_name (self->path);

      g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_IO,
                   _("Not saving profiles: “%s” could not be read, and saving would replace it"),
                   display);
      return FALSE;
    }

  n = g_list_model_get_n_items (G_LIST_MODEL (self->profiles));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(EpProfile) profile = g_list_model_get_item (G_LIST_MODEL (self->profiles), i);

      /* A Sandbox group that did not load stays as the user wrote it, unless they have
       * changed the Sandbox since (then what they chose now replaces it). */
      if (ep_profile_get_is_sandbox (profile) && self->sandbox_group_kept && !self->sandbox_edited)
        continue;
      if (ep_profile_store_is_external (self, profile))
        continue;
      {
        g_autofree char *group = group_for_id (ep_profile_get_id (profile));

        ep_profile_keyfile_write (self->keyfile, group, profile);
      }
    }

  data = g_key_file_to_data (self->keyfile, &length, NULL);
  return ep_atomic_file_write (self->path, data, length, EP_ATOMIC_FILE_PRIVATE_MODE, error);
}

/**
 * ep_profile_store_list:
 *
 * Returns: (transfer none): the profiles (#EpProfile), the Sandbox first, kept up to date
 */
GListModel *
ep_profile_store_list (EpProfileStore *self)
{
  g_return_val_if_fail (EP_IS_PROFILE_STORE (self), NULL);

  return G_LIST_MODEL (self->profiles);
}

/* Returns: (transfer none) (nullable) */
EpProfile *
ep_profile_store_lookup_by_id (EpProfileStore *self,
                               const char     *id)
{
  guint n;

  g_return_val_if_fail (EP_IS_PROFILE_STORE (self), NULL);

  if (id == NULL)
    return NULL;
  n = g_list_model_get_n_items (G_LIST_MODEL (self->profiles));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(EpProfile) profile = g_list_model_get_item (G_LIST_MODEL (self->profiles), i);

      if (g_str_equal (ep_profile_get_id (profile), id))
        return profile;   /* the list still holds a reference */
    }
  return NULL;
}

static gboolean
names_equal (const char *a,
             const char *b)
{
  g_autofree char *fa = g_utf8_casefold (a, -1);
  g_autofree char *fb = g_utf8_casefold (b, -1);

  return g_str_equal (fa, fb);
}

/**
 * ep_profile_store_lookup_by_name:
 *
 * Case-insensitive, as typed in `epistle-send --profile NAME`.
 *
 * Returns: (transfer none) (nullable): the first profile with that name
 */
EpProfile *
ep_profile_store_lookup_by_name (EpProfileStore *self,
                                 const char     *name)
{
  guint n;

  g_return_val_if_fail (EP_IS_PROFILE_STORE (self), NULL);

  if (name == NULL || !g_utf8_validate (name, -1, NULL))
    return NULL;
  n = g_list_model_get_n_items (G_LIST_MODEL (self->profiles));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(EpProfile) profile = g_list_model_get_item (G_LIST_MODEL (self->profiles), i);

      if (names_equal (ep_profile_get_name (profile), name))
        return profile;
    }
  return NULL;
}

/* Returns: (transfer none): the built-in Sandbox profile, always present */
EpProfile *
ep_profile_store_get_sandbox (EpProfileStore *self)
{
  g_return_val_if_fail (EP_IS_PROFILE_STORE (self), NULL);

  return ep_profile_store_lookup_by_id (self, EP_PROFILE_SANDBOX_ID);
}

/**
 * ep_profile_store_check_name:
 * @except: (nullable): the profile being renamed, which may keep its own name
 *
 * Whether @name may be given to a profile: not empty, one line, not used by another profile
 * (ignoring case). For the profile dialog's live validation.
 */
gboolean
ep_profile_store_check_name (EpProfileStore  *self,
                             const char      *name,
                             EpProfile       *except,
                             GError         **error)
{
  EpProfile *other;

  g_return_val_if_fail (EP_IS_PROFILE_STORE (self), FALSE);

  if (name == NULL || *name == '\0')
    {
      g_set_error_literal (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID,
                           _("A profile needs a name"));
      return FALSE;
    }
  if (!ep_text_is_single_line (name))
    {
      g_set_error_literal (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID,
                           _("A profile name must be one line of text"));
      return FALSE;
    }
  other = ep_profile_store_lookup_by_name (self, name);
  if (other != NULL && other != except)
    {
      g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_EXISTS,
                   _("There is already a profile called “%s”"), ep_profile_get_name (other));
      return FALSE;
    }
  return TRUE;
}

/**
 * ep_profile_store_add:
 *
 * Adds @profile (the store takes a reference). Its name must be unique; its id too.
 * Not written until ep_profile_store_save().
 */
gboolean
ep_profile_store_add (EpProfileStore  *self,
                      EpProfile       *profile,
                      GError         **error)
{
  return ep_profile_store_insert (self, profile, G_MAXUINT, error);
}

/**
 * ep_profile_store_insert:
 * @position: where in the list (after the Sandbox, which stays first); past the end appends
 *
 * Like ep_profile_store_add(), at @position: an undone deletion comes back where it was.
 */
gboolean
ep_profile_store_insert (EpProfileStore  *self,
                         EpProfile       *profile,
                         guint            position,
                         GError         **error)
{
  guint n;

  g_return_val_if_fail (EP_IS_PROFILE_STORE (self), FALSE);
  g_return_val_if_fail (EP_IS_PROFILE (profile), FALSE);

  if (ep_profile_store_lookup_by_id (self, ep_profile_get_id (profile)) != NULL)
    {
      g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_EXISTS,
                   _("The profile “%s” is already saved"), ep_profile_get_name (profile));
      return FALSE;
    }
  if (!ep_profile_store_check_name (self, ep_profile_get_name (profile), NULL, error))
    return FALSE;

  n = g_list_model_get_n_items (G_LIST_MODEL (self->profiles));
  g_list_store_insert (self->profiles, CLAMP (position, 1, n), profile);
  track_profile (self, profile);
  emit_changed (self);
  return TRUE;
}

/**
 * ep_profile_store_remove:
 *
 * Removes @profile (its keyfile group goes at the next save; its password is the caller's
 * to clear with ep_secrets_clear_async()). The Sandbox cannot be removed. Removing the
 * default makes the Sandbox the default again.
 */
gboolean
ep_profile_store_remove (EpProfileStore  *self,
                         EpProfile       *profile,
                         GError         **error)
{
  g_autofree char *group = NULL;
  gboolean was_default;
  guint position;

  g_return_val_if_fail (EP_IS_PROFILE_STORE (self), FALSE);
  g_return_val_if_fail (EP_IS_PROFILE (profile), FALSE);

  if (ep_profile_get_is_sandbox (profile))
    {
      g_set_error_literal (error, EP_STORE_ERROR, EP_STORE_ERROR_PROTECTED,
                           _("The built-in Sandbox profile cannot be deleted"));
      return FALSE;
    }
  if (ep_profile_store_is_external (self, profile))
    {
      g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_PROTECTED,
                   _("The profile “%s” comes from another application: remove it there"),
                   ep_profile_get_name (profile));
      return FALSE;
    }
  if (!g_list_store_find (self->profiles, profile, &position))
    {
      g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND,
                   _("There is no profile “%s”"), ep_profile_get_name (profile));
      return FALSE;
    }

  untrack_profile (self, profile);
  group = group_for_id (ep_profile_get_id (profile));
  g_key_file_remove_group (self->keyfile, group, NULL);
  was_default = g_strcmp0 (self->default_id, ep_profile_get_id (profile)) == 0;
  g_list_store_remove (self->profiles, position);   /* may drop the last reference */
  if (was_default)
    ep_profile_store_set_default_id (self, NULL);   /* emits "changed" */
  else
    emit_changed (self);
  return TRUE;
}

/**
 * ep_profile_store_duplicate:
 *
 * Adds a copy of @profile with a new id and a free name ("Work (copy)", "Work (copy 2)"...).
 * A copy of the Sandbox is an ordinary profile. The password is not copied.
 *
 * Returns: (transfer none): the new profile
 */
EpProfile *
ep_profile_store_duplicate (EpProfileStore  *self,
                            EpProfile       *profile,
                            GError         **error)
{
  g_autoptr(EpProfile) copy = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (EP_IS_PROFILE_STORE (self), NULL);
  g_return_val_if_fail (EP_IS_PROFILE (profile), NULL);

  /* Translators: the name of a duplicated profile; %s is the original's name */
  name = g_strdup_printf (_("%s (copy)"), ep_profile_get_name (profile));
  for (guint i = 2; ep_profile_store_lookup_by_name (self, name) != NULL; i++)
    {
      g_free (name);
      /* Translators: the name of a duplicated profile; %s is the original's name */
      name = g_strdup_printf (_("%s (copy %u)"), ep_profile_get_name (profile), i);
    }

  copy = ep_profile_copy (profile, NULL, name);
  if (!ep_profile_store_add (self, copy, error))
    return NULL;
  return copy;   /* the store holds a reference */
}

/**
 * ep_profile_store_get_default:
 *
 * Returns: (transfer none): the default profile; the Sandbox until another is chosen (or
 *   when the chosen one no longer exists)
 */
EpProfile *
ep_profile_store_get_default (EpProfileStore *self)
{
  EpProfile *profile;

  g_return_val_if_fail (EP_IS_PROFILE_STORE (self), NULL);

  profile = ep_profile_store_lookup_by_id (self, self->default_id);
  return profile != NULL ? profile : ep_profile_store_get_sandbox (self);
}

gboolean
ep_profile_store_set_default (EpProfileStore  *self,
                              EpProfile       *profile,
                              GError         **error)
{
  g_return_val_if_fail (EP_IS_PROFILE_STORE (self), FALSE);
  g_return_val_if_fail (EP_IS_PROFILE (profile), FALSE);

  if (ep_profile_store_lookup_by_id (self, ep_profile_get_id (profile)) != profile)
    {
      g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND,
                   _("The profile “%s” is not saved"), ep_profile_get_name (profile));
      return FALSE;
    }
  ep_profile_store_set_default_id (self, ep_profile_get_id (profile));
  return TRUE;
}

/**
 * ep_profile_store_take_legacy_default_id:
 *
 * Epistle's first development versions kept the default profile in profiles.ini ("[Epistle]
 * default-profile=ID"); it is a GSettings preference now. Returns that old value, if any, and
 * drops it from the file (at the next save), so that it is carried over once.
 *
 * Returns: (transfer full) (nullable): the id found
 */
char *
ep_profile_store_take_legacy_default_id (EpProfileStore *self)
{
  char *id;

  g_return_val_if_fail (EP_IS_PROFILE_STORE (self), NULL);

  id = ep_store_keyfile_dup_string (self->keyfile, LEGACY_GROUP, LEGACY_KEY_DEFAULT, NULL);
  g_key_file_remove_key (self->keyfile, LEGACY_GROUP, LEGACY_KEY_DEFAULT, NULL);
  if (g_key_file_has_group (self->keyfile, LEGACY_GROUP))
    {
      g_auto(GStrv) keys = g_key_file_get_keys (self->keyfile, LEGACY_GROUP, NULL, NULL);

      if (keys == NULL || keys[0] == NULL)
        g_key_file_remove_group (self->keyfile, LEGACY_GROUP, NULL);
    }
  return id;
}

/**
 * ep_profile_store_get_default_id:
 *
 * Returns: the id the default was set to, "" for the Sandbox (see #EpProfileStore:default-id)
 */
const char *
ep_profile_store_get_default_id (EpProfileStore *self)
{
  g_return_val_if_fail (EP_IS_PROFILE_STORE (self), NULL);

  return self->default_id != NULL ? self->default_id : "";
}

/**
 * ep_profile_store_set_default_id:
 * @id: (nullable): a profile id; %NULL, "" or the Sandbox's id for the Sandbox
 *
 * Sets the default by id, also to one not loaded (yet). Emits "changed" and notifies
 * #EpProfileStore:default-id when it changes.
 */
void
ep_profile_store_set_default_id (EpProfileStore *self,
                                 const char     *id)
{
  g_return_if_fail (EP_IS_PROFILE_STORE (self));

  if (id != NULL && (*id == '\0' || g_str_equal (id, EP_PROFILE_SANDBOX_ID)))
    id = NULL;
  if (g_strcmp0 (self->default_id, id) == 0)
    return;

  g_free (self->default_id);
  self->default_id = g_strdup (id);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEFAULT_ID]);
  emit_changed (self);
}

/**
 * ep_profile_store_add_external:
 *
 * Lists @profile, which another source keeps (GNOME Online Accounts): it is never written to
 * profiles.ini, stays listed when the file is read again, and ep_profile_store_remove()
 * refuses it. Its id must be one that profiles.ini cannot hold (ep_profile_id_is_valid() is
 * %FALSE for it), so that it never takes a saved profile's place. The store takes a reference.
 */
void
ep_profile_store_add_external (EpProfileStore *self,
                               EpProfile      *profile)
{
  g_return_if_fail (EP_IS_PROFILE_STORE (self));
  g_return_if_fail (EP_IS_PROFILE (profile));
  g_return_if_fail (!ep_profile_id_is_valid (ep_profile_get_id (profile)));
  g_return_if_fail (ep_profile_store_lookup_by_id (self, ep_profile_get_id (profile)) == NULL);

  g_ptr_array_add (self->external, g_object_ref (profile));
  g_list_store_append (self->profiles, profile);
  track_profile (self, profile);
  emit_changed (self);
}

/* Stops listing a profile of ep_profile_store_add_external() (its source dropped it). */
void
ep_profile_store_remove_external (EpProfileStore *self,
                                  EpProfile      *profile)
{
  guint position;

  g_return_if_fail (EP_IS_PROFILE_STORE (self));
  g_return_if_fail (EP_IS_PROFILE (profile));

  if (!g_ptr_array_find (self->external, profile, &position))
    return;
  g_object_ref (profile);
  g_ptr_array_remove_index (self->external, position);
  untrack_profile (self, profile);
  if (g_list_store_find (self->profiles, profile, &position))
    g_list_store_remove (self->profiles, position);
  emit_changed (self);
  g_object_unref (profile);
}

gboolean
ep_profile_store_is_external (EpProfileStore *self,
                              EpProfile      *profile)
{
  g_return_val_if_fail (EP_IS_PROFILE_STORE (self), FALSE);

  return profile != NULL && g_ptr_array_find (self->external, profile, NULL);
}
