/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-send-identity.c: epistle-send --identity NAME-OR-ADDRESS, found among the saved profiles'
 * identities, and what it adds to the message. */
#include "config.h"

#include <glib/gi18n.h>

#include "ep-address.h"
#include "ep-mime-error.h"
#include "ep-profile-store.h"
#include "ep-send-exit.h"
#include "ep-send-identity.h"

/* ---- Helpers --------------------------------------------------------------------------------- */

static EpIdentity *
find_in_profile (EpProfile  *profile,
                 const char *query,
                 guint      *out_matches)
{
  g_autoptr(GPtrArray) identities = ep_profile_dup_identities (profile);
  EpIdentity *found = NULL;

  for (guint i = 0; i < identities->len; i++)
    {
      EpIdentity *identity = g_ptr_array_index (identities, i);

      if (!ep_identity_matches (identity, query))
        continue;
      (*out_matches)++;
      if (found == NULL)
        found = ep_identity_copy (identity);
    }
  return found;
}

/* ---- Public API ------------------------------------------------------------------------------ */

int
ep_send_identity_resolve (EpSendOptions *opts)
{
  g_autoptr(EpProfileStore) store = ep_profile_store_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EpIdentity) found = NULL;
  g_autoptr(GString) where = g_string_new (NULL);
  EpProfile *found_profile = NULL;
  GListModel *profiles;
  guint matches = 0;

  if (opts->identity == NULL)
    return EP_EXIT_OK;

  /* A profile that does not load is reported, but the others still count. */
  if (!ep_profile_store_load (store, &error))
    g_printerr ("epistle-send: %s\n", error->message);
  profiles = ep_profile_store_list (store);
  for (guint i = 0; i < g_list_model_get_n_items (profiles); i++)
    {
      g_autoptr(EpProfile) profile = g_list_model_get_item (profiles, i);
      g_autoptr(EpIdentity) identity = NULL;
      guint before = matches;

      if (opts->profile != NULL &&
          g_strcmp0 (ep_profile_get_name (profile), opts->profile) != 0 &&
          g_strcmp0 (ep_profile_get_id (profile), opts->profile) != 0)
        continue;
      identity = find_in_profile (profile, opts->identity, &matches);
      if (identity == NULL)
        continue;
      if (matches > before)
        g_string_append_printf (where, "%s“%s”", where->len > 0 ? ", " : "",
                                ep_profile_get_name (profile));
      if (found == NULL)
        {
          found = g_steal_pointer (&identity);
          found_profile = profile;
        }
    }

  if (found == NULL)
    {
      if (opts->profile != NULL)
        g_printerr ("epistle-send: %s\n", _("--identity: no identity of that name or address in the profile"));
      else
        g_printerr ("epistle-send: %s\n", _("--identity: no profile has an identity of that name or address"));
      return EP_EXIT_CONFIG;
    }
  if (matches > 1)
    {
      /* Translators: %s lists the profiles, as “Work”, “Home” */
      g_printerr ("epistle-send: ");
      g_printerr (_("--identity: more than one identity matches (in %s): name the profile with --profile, or use the address"),
                  where->str);
      g_printerr ("\n");
      return EP_EXIT_USAGE;
    }

  if (opts->profile == NULL && opts->server == NULL)
    opts->profile = g_strdup (ep_profile_get_id (found_profile));
  if (opts->from == NULL)
    opts->from = ep_identity_dup_from (found);
  opts->identity_reply_to = g_strdup (found->reply_to);
  opts->identity_bcc_self = found->bcc_self ? g_strdup (found->address) : NULL;
  opts->identity_signature = ep_identity_dup_signature_block (found);
  opts->identity_above_quote = found->signature_above_quote;
  return EP_EXIT_OK;
}

gboolean
ep_send_identity_apply (EpSendOptions *opts,
                        EpMessage     *message,
                        GError       **error)
{
  if (opts->identity_reply_to != NULL && *opts->identity_reply_to != '\0')
    {
      g_autoptr(GPtrArray) list = ep_address_list_parse (opts->identity_reply_to, "Reply-To", error);

      if (list == NULL)
        return FALSE;
      for (guint i = 0; i < list->len; i++)
        ep_message_add_reply_to (message, g_ptr_array_index (list, i));
    }
  if (opts->identity_bcc_self != NULL)
    {
      g_autoptr(EpAddress) self = ep_address_new (NULL, opts->identity_bcc_self, "Bcc", error);

      if (self == NULL)
        return FALSE;
      ep_message_add_bcc (message, self);
    }
  if (opts->identity_signature != NULL)
    {
      const char *body = ep_message_get_body (message) != NULL ? ep_message_get_body (message) : "";
      EpIdentity where = { .signature_above_quote = opts->identity_above_quote };
      gsize offset = ep_identity_signature_offset (&where, body);
      g_autoptr(GString) text = g_string_new_len (body, offset);

      /* After the text before it and an empty line; the text's own last line break is kept.
       * Above quoted text, an empty line then separates it from the quote. */
      if (text->len > 0 && text->str[text->len - 1] != '\n')
        g_string_append_c (text, '\n');
      if (text->len > 0 && (text->len < 2 || text->str[text->len - 2] != '\n'))
        g_string_append_c (text, '\n');
      g_string_append (text, opts->identity_signature);
      g_string_append_c (text, '\n');
      if (body[offset] != '\0')
        {
          g_string_append_c (text, '\n');
          g_string_append (text, body + offset);
        }
      if (!ep_message_set_body (message, text->str, text->len, error))
        return FALSE;
    }
  return TRUE;
}
