/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-send-configure.c: --configure runs EpDiscover on a private main context; the profile it
 * prints is built with the engine's own keyfile writer, so that the app reads exactly what is
 * printed, and --save adds it to the profile store as the app would. */
#include "config.h"

#include <glib/gi18n.h>

#include "ep-profile-keyfile.h"
#include "ep-profile-store.h"
#include "ep-send-configure.h"
#include "ep-send-exit.h"

/* profiles.ini's groups (docs/stores.md). */
#define PROFILE_GROUP_PREFIX "Profile "

static EpSendConfigureHook configure_hook;

typedef struct {
  EpDiscoverResult *result;
  GError           *error;
  gboolean          done;
} Run;

static void
run_done (GObject      *source,
          GAsyncResult *res,
          gpointer      user_data)
{
  Run *run = user_data;

  run->result = ep_discover_run_finish (EP_DISCOVER (source), res, &run->error);
  run->done = TRUE;
}

static void
print_transcript (EpDiscoverResult *result)
{
  g_printerr (_("Sources asked for %s:\n"), result->address);
  for (guint i = 0; i < result->attempts->len; i++)
    {
      EpDiscoverAttempt *a = result->attempts->pdata[i];

      g_printerr ("  %6u ms  %-10s  %-9s  %s%s%s\n", a->elapsed_ms,
                  ep_discover_source_to_string (a->source), ep_discover_state_to_string (a->state),
                  a->location, a->detail != NULL ? ": " : "", a->detail != NULL ? a->detail : "");
    }
  g_printerr (_("Result after %u ms.\n"), result->elapsed_ms);
}

static const char *
trust_to_words (EpDiscoverTrust trust)
{
  switch (trust)
    {
    case EP_DISCOVER_TRUST_VERIFIED:
      return _("verified");
    case EP_DISCOVER_TRUST_CONFIRM_DNS:
      return _("needs confirmation: named by a DNS answer not validated by DNSSEC, outside the address’s domain");
    case EP_DISCOVER_TRUST_CONFIRM_PLAIN_HTTP:
      return _("needs confirmation: named by a file sent without encryption, outside the address’s domain");
    default:
      g_return_val_if_reached (NULL);
    }
}

/* The group as the app's profile store writes it, with the provenance in comments above. */
static void
print_profile (EpDiscoverResult *result,
               EpProfile        *profile)
{
  EpDiscoverCandidate *best = ep_discover_result_get_best (result);
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autofree char *group = g_strconcat (PROFILE_GROUP_PREFIX, ep_profile_get_id (profile), NULL);
  g_autofree char *described = ep_discover_candidate_describe_source (best);
  g_autofree char *data = NULL;

  ep_profile_keyfile_write (keyfile, group, profile);
  data = g_key_file_to_data (keyfile, NULL, NULL);

  g_print ("# %s\n", described);
  g_print ("# %s: %s (%s)\n", _("Source"), best->location, ep_discover_source_to_string (best->source));
  g_print ("# %s: %s\n", _("Transport"), best->https ? "HTTPS"
           : best->source == EP_DISCOVER_SOURCE_MX || best->source == EP_DISCOVER_SOURCE_SRV ? "DNS"
           : best->source == EP_DISCOVER_SOURCE_PRESET ? _("built in")
           : best->source == EP_DISCOVER_SOURCE_PROBE ? _("TLS, certificate verified") : "HTTP");
  /* The DNS answer that led here (SRV, or MX then a file), as the system's resolver vouched. */
  if (best->dnssec != EP_DISCOVER_DNSSEC_NOT_USED)
    g_print ("# DNSSEC: %s\n", best->dnssec == EP_DISCOVER_DNSSEC_VALIDATED
                                ? _("the DNS answer was validated")
                                : _("the DNS answer was not validated (not signed, or the system does not trust its resolver to say)"));
  g_print ("# %s: %s\n", _("Trust"), trust_to_words (best->trust));
  if (best->note != NULL)
    g_print ("# %s\n", best->note);
  for (guint i = 1; i < result->candidates->len; i++)
    {
      EpDiscoverCandidate *other = result->candidates->pdata[i];
      g_autofree char *server = ep_smtp_format_server (other->host, other->port);

      g_print ("# %s %s (%s) — %s\n", _("Also found:"), server,
               ep_smtp_security_to_string (other->security), ep_discover_source_to_string (other->source));
    }
  g_print ("%s", data);
}

static int
save_profile (EpProfile  *profile,
              const char *name)
{
  g_autoptr(EpProfileStore) store = ep_profile_store_new (NULL);
  g_autoptr(GError) error = NULL;

  if (!ep_profile_store_load (store, &error))
    {
      g_printerr ("epistle-send: --save: %s\n", error->message);
      return EP_EXIT_CONFIG;
    }
  if (!ep_profile_store_check_name (store, name, NULL, &error))
    {
      g_printerr ("epistle-send: --save “%s”: %s\n", name, error->message);
      return EP_EXIT_CONFIG;
    }
  if (!ep_profile_store_add (store, profile, &error) || !ep_profile_store_save (store, &error))
    {
      g_printerr ("epistle-send: --save: %s\n", error->message);
      return EP_EXIT_IOERR;
    }
  g_printerr (_("Saved as the profile “%s”.\n"), name);
  return EP_EXIT_OK;
}

int
ep_send_configure (EpSendOptions *opts)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(EpDiscover) discover = NULL;
  g_autoptr(EpProfile) profile = NULL;
  g_autofree char *cafile = NULL;
  EpDiscoverCandidate *best;
  Run run = { 0 };
  int status;

  if (opts->timeout != EP_SEND_TIMEOUT_UNSET && opts->timeout <= 0)
    {
      g_printerr ("epistle-send: %s\n", _("--timeout must be a positive number of seconds"));
      return EP_EXIT_USAGE;
    }

  discover = ep_discover_new (opts->configure);
  if (opts->timeout != EP_SEND_TIMEOUT_UNSET)
    ep_discover_set_timeout (discover, (guint) MIN (opts->timeout, 3600) * 1000);
  ep_discover_set_ispdb_consent (discover, opts->ispdb);
  if (opts->cafile != NULL)
    {
      cafile = g_canonicalize_filename (opts->cafile, NULL);
      ep_discover_set_cafile (discover, cafile);
    }
  if (configure_hook != NULL)
    configure_hook (discover);

  g_main_context_push_thread_default (context);
  ep_discover_run_async (discover, NULL, run_done, &run);
  while (!run.done)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);

  if (run.result == NULL)
    {
      g_printerr ("epistle-send: --configure: %s\n", run.error->message);
      status = g_error_matches (run.error, EP_DISCOVER_ERROR, EP_DISCOVER_ERROR_INVALID_ADDRESS)
               ? EP_EXIT_CONFIG : EP_EXIT_SOFTWARE;
      g_clear_error (&run.error);
      return status;
    }

  if (opts->transcript)
    print_transcript (run.result);

  best = ep_discover_result_get_best (run.result);
  if (best == NULL)
    {
      g_printerr ("epistle-send: %s\n",
                  run.result->temporary
                  ? _("no settings found for now: a source did not answer in time or could not be reached; try again later")
                  : _("no settings found for this address: set the server up by hand (--server)"));
      status = run.result->temporary ? EP_EXIT_TEMPFAIL : EP_EXIT_UNAVAILABLE;
      ep_discover_result_unref (run.result);
      return status;
    }

  profile = ep_discover_candidate_to_profile (best, opts->save != NULL ? opts->save : run.result->address,
                                              run.result->address);
  print_profile (run.result, profile);

  status = EP_EXIT_OK;
  if (opts->save != NULL)
    {
      if (best->trust != EP_DISCOVER_TRUST_VERIFIED && !opts->confirm)
        {
          g_printerr ("epistle-send: %s\n",
                      _("not saved: these settings need confirmation (see “Trust” above); check them and add --confirm"));
          status = EP_EXIT_CONFIG;
        }
      else
        status = save_profile (profile, opts->save);
    }
  ep_discover_result_unref (run.result);
  return status;
}

void
ep_send_configure_set_hook (EpSendConfigureHook hook)
{
  configure_hook = hook;
}
