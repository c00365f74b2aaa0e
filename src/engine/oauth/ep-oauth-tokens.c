/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-oauth-tokens.c: tokens wiped when freed, and the default certificate database. */
#include "config.h"

#include <string.h>

#include "ep-oauth-tokens.h"

static GMutex default_database_lock;
static GTlsDatabase *default_database;

void
ep_oauth_set_default_tls_database (GTlsDatabase *database)
{
  g_mutex_lock (&default_database_lock);
  g_set_object (&default_database, database);
  g_mutex_unlock (&default_database_lock);
}

/* Returns: (transfer full) (nullable): the database to check certificates with; NULL for the
 * system's. */
GTlsDatabase *
ep_oauth_options_dup_tls_database (const EpOAuthOptions *options)
{
  GTlsDatabase *database = NULL;

  if (options != NULL && options->tls_database != NULL)
    return g_object_ref (options->tls_database);
  g_mutex_lock (&default_database_lock);
  if (default_database != NULL)
    database = g_object_ref (default_database);
  g_mutex_unlock (&default_database_lock);
  return database;
}

void
ep_oauth_tokens_free (EpOAuthTokens *tokens)
{
  if (tokens == NULL)
    return;
  if (tokens->access_token != NULL)
    explicit_bzero (tokens->access_token, strlen (tokens->access_token));
  if (tokens->refresh_token != NULL)
    explicit_bzero (tokens->refresh_token, strlen (tokens->refresh_token));
  g_free (tokens->access_token);
  g_free (tokens->refresh_token);
  g_free (tokens->account);
  g_free (tokens);
}
