/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-discover-probe.c: ep_smtp_test_connection_sync() without credentials on a worker thread:
 * it reads the greeting, says EHLO, starts TLS (the certificate verified as for any send) and
 * says EHLO again, which gives the AUTH list; then QUIT. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ep-discover-candidate.h"
#include "ep-discover-probe.h"
#include "ep-smtp-session.h"

typedef struct {
  char      *address;
  char      *domain;
  char      *cafile;
  guint16    tls_port;
  guint16    starttls_port;
  guint      timeout_seconds;
  gint64     started;
  GPtrArray *attempts;
} Probe;

static void
probe_free (Probe *probe)
{
  g_free (probe->address);
  g_free (probe->domain);
  g_free (probe->cafile);
  g_ptr_array_unref (probe->attempts);
  g_free (probe);
}

static EpDiscoverAuth
auth_from_mechanisms (const char * const *mechanisms)
{
  EpDiscoverAuth auth = 0;

  for (guint i = 0; mechanisms[i] != NULL; i++)
    {
      EpSmtpAuthMechanism mechanism;

      if (!ep_smtp_auth_mechanism_from_string (mechanisms[i], &mechanism))
        continue;
      if (mechanism == EP_SMTP_AUTH_PLAIN || mechanism == EP_SMTP_AUTH_LOGIN)
        auth |= EP_DISCOVER_AUTH_PASSWORD;
      else if (ep_smtp_auth_mechanism_uses_token (mechanism))
        auth |= EP_DISCOVER_AUTH_OAUTH2;
      else if (mechanism != EP_SMTP_AUTH_AUTO && mechanism != EP_SMTP_AUTH_NONE)
        auth |= EP_DISCOVER_AUTH_PASSWORD_ENCRYPTED;
    }
  return auth;
}

/* One server: a candidate when greeting, EHLO and TLS passed. */
static EpDiscoverCandidate *
try_server (Probe          *probe,
            const char     *host,
            guint16         port,
            EpSmtpSecurity  security,
            GCancellable   *cancellable)
{
  g_autoptr(EpSmtpConfig) config = ep_smtp_config_new ();
  g_autoptr(EpSmtpResult) result = NULL;
  g_autoptr(GError) error = NULL;
  EpDiscoverAttempt *attempt;
  EpDiscoverCandidate *candidate = NULL;

  config->host = g_strdup (host);
  config->port = port;
  config->security = security;
  config->cafile = g_strdup (probe->cafile);
  config->timeout_seconds = probe->timeout_seconds;

  result = ep_smtp_test_connection_sync (config, NULL, NULL, NULL, cancellable, &error);

  attempt = g_new0 (EpDiscoverAttempt, 1);
  attempt->source = EP_DISCOVER_SOURCE_PROBE;
  attempt->location = g_strdup_printf ("%s:%u (%s)", host, port, ep_smtp_security_to_string (security));
  attempt->elapsed_ms = (guint) ((g_get_monotonic_time () - probe->started) / 1000);

  if (error == NULL && result != NULL && result->capabilities != NULL)
    {
      candidate = ep_discover_candidate_new ();
      candidate->host = g_strdup (host);
      candidate->port = port;
      candidate->security = security;
      candidate->username = g_strdup (probe->address);
      g_strfreev (candidate->mechanisms);
      candidate->mechanisms = g_strdupv (result->capabilities->auth_mechs);
      candidate->auth = auth_from_mechanisms ((const char * const *) candidate->mechanisms);
      candidate->source = EP_DISCOVER_SOURCE_PROBE;
      candidate->location = g_strdup (host);
      attempt->state = EP_DISCOVER_STATE_FOUND;
      attempt->detail = ep_smtp_capabilities_to_string (result->capabilities);
    }
  else
    {
      attempt->state = error != NULL && g_error_matches (error, EP_SMTP_ERROR, EP_SMTP_ERROR_TIMEOUT)
                       ? EP_DISCOVER_STATE_TIMED_OUT : EP_DISCOVER_STATE_FAILED;
      attempt->detail = g_strdup (error != NULL ? error->message : _("No answer to EHLO"));
    }
  g_ptr_array_add (probe->attempts, attempt);
  return candidate;
}

static void
probe_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  Probe *probe = task_data;
  g_autofree char *smtp_host = g_strconcat ("smtp.", probe->domain, NULL);
  g_autofree char *mail_host = g_strconcat ("mail.", probe->domain, NULL);
  const char *hosts[] = { smtp_host, mail_host, probe->domain };
  GPtrArray *found = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_discover_candidate_unref);

  for (guint i = 0; i < G_N_ELEMENTS (hosts) && found->len == 0; i++)
    {
      const struct { guint16 port; EpSmtpSecurity security; } tries[] = {
        { probe->tls_port, EP_SMTP_SECURITY_TLS },
        { probe->starttls_port, EP_SMTP_SECURITY_STARTTLS },
      };

      for (guint j = 0; j < G_N_ELEMENTS (tries) && found->len == 0; j++)
        {
          EpDiscoverCandidate *candidate;

          if (g_cancellable_is_cancelled (cancellable))
            break;
          candidate = try_server (probe, hosts[i], tries[j].port, tries[j].security, cancellable);
          if (candidate != NULL)
            g_ptr_array_add (found, candidate);
        }
    }

  if (g_cancellable_set_error_if_cancelled (cancellable, NULL) && found->len == 0)
    {
      g_ptr_array_unref (found);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s", _("Cancelled"));
      return;
    }
  g_task_return_pointer (task, found, (GDestroyNotify) g_ptr_array_unref);
}

/* ---- Public API ------------------------------------------------------------------------------ */

void
ep_discover_probe_async (const EpDiscoverProbeSpec *spec,
                         GCancellable              *cancellable,
                         GAsyncReadyCallback        callback,
                         gpointer                   user_data)
{
  g_autoptr(GTask) task = NULL;
  Probe *probe;

  g_return_if_fail (spec != NULL && spec->domain != NULL && spec->address != NULL);

  probe = g_new0 (Probe, 1);
  probe->address = g_strdup (spec->address);
  probe->domain = g_strdup (spec->domain);
  probe->cafile = g_strdup (spec->cafile);
  probe->tls_port = spec->tls_port;
  probe->starttls_port = spec->starttls_port;
  probe->timeout_seconds = spec->timeout_seconds;
  probe->started = spec->started;
  probe->attempts = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_discover_attempt_free);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ep_discover_probe_async);
  g_task_set_task_data (task, probe, (GDestroyNotify) probe_free);
  g_task_run_in_thread (task, probe_thread);
}

GPtrArray *
ep_discover_probe_finish (GAsyncResult  *result,
                          GPtrArray    **out_attempts,
                          GError       **error)
{
  Probe *probe;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  probe = g_task_get_task_data (G_TASK (result));
  if (out_attempts != NULL)
    *out_attempts = g_ptr_array_ref (probe->attempts);
  return g_task_propagate_pointer (G_TASK (result), error);
}
