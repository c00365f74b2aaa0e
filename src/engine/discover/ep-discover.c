/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-discover.c: one run asks every source at once on the caller's main context (HTTPS through
 * libsoup, DNS through GResolver, probes on a worker thread) and ends as soon as the best source
 * that can still answer has answered: when a source has found something and every source of
 * higher priority has finished. A deadline stops whatever is still running. */
#include "config.h"

#include <string.h>
#include <arpa/nameser.h>
#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "ep-discover-autoconfig.h"
#include "ep-discover-dnssec.h"
#include "ep-discover-fetch.h"
#include "ep-discover-private.h"
#include "ep-discover-probe.h"
#include "ep-discover.h"
#include "ep-presets.h"
#include "ep-text.h"

/* RFC 5321 §4.5.3.1.1: a local part is at most 64 octets; §4.5.3.1.2: a domain 255. */
#define EP_DISCOVER_MAX_LOCAL_PART 64
#define EP_DISCOVER_MAX_DOMAIN     255

/* The autoconfig locations of a domain (Thunderbird's lookup order). */
#define AUTOCONFIG_PATH  "/mail/config-v1.1.xml"
#define WELL_KNOWN_PATH  "/.well-known/autoconfig/mail/config-v1.1.xml"

G_DEFINE_BOXED_TYPE (EpDiscoverResult, ep_discover_result, ep_discover_result_ref, ep_discover_result_unref)

struct _EpDiscover
{
  GObject           parent_instance;

  char             *address;
  guint             timeout_ms;
  gboolean          ispdb_consent;
  char             *ispdb_url;
  gboolean          allow_http;
  char             *cafile;
  gboolean          probe;
  guint16           https_port;
  guint16           http_port;
  guint16           tls_port;
  guint16           starttls_port;
  GInetSocketAddress *nameserver;       /* nullable: the system's resolver checks DNSSEC */

  gboolean          started;
  EpDiscoverState   states[EP_DISCOVER_N_SOURCES];

  /* The run (main context); task is NULL once it has returned. */
  GTask            *task;
  GCancellable     *cancellable;        /* ours: cancelled when the run ends */
  GSource          *deadline;
  GSource          *cancelled_source;
  SoupSession      *session;
  GTlsDatabase     *extra_ca;
  EpDiscoverResult *result;
  GPtrArray        *found[EP_DISCOVER_N_SOURCES];
  gint64            started_at;
  gboolean          temporary;
};

G_DEFINE_FINAL_TYPE (EpDiscover, ep_discover, G_TYPE_OBJECT)

enum {
  SIGNAL_SOURCE_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* One chain of files asked of one source, one after the other until one answers. */
typedef struct {
  EpDiscover       *self;
  EpDiscoverSource  source;
  GPtrArray        *urls;
  guint             next;
  EpDiscoverDnssec  dnssec;      /* whether a DNS record (MX) named the domain asked */
  char             *via;         /* nullable: what led there ("MX mx1.example.net") */
} Chain;

static void chain_next (Chain *chain);

/* ---- Helpers --------------------------------------------------------------------------------- */

static guint
elapsed_ms (EpDiscover *self)
{
  return (guint) ((g_get_monotonic_time () - self->started_at) / 1000);
}

static gboolean
running (EpDiscover *self)
{
  return self->task != NULL;
}

static void
set_state (EpDiscover       *self,
           EpDiscoverSource  source,
           EpDiscoverState   state)
{
  if (self->states[source] == state)
    return;
  self->states[source] = state;
  g_signal_emit (self, signals[SIGNAL_SOURCE_CHANGED], 0, source, state);
}

static void
add_attempt (EpDiscover       *self,
             EpDiscoverSource  source,
             const char       *location,
             EpDiscoverState   state,
             const char       *detail)
{
  EpDiscoverAttempt *attempt = g_new0 (EpDiscoverAttempt, 1);

  attempt->source = source;
  attempt->location = g_strdup (location != NULL ? location : "-");
  attempt->state = state;
  attempt->detail = g_strdup (detail);
  attempt->elapsed_ms = elapsed_ms (self);
  g_ptr_array_add (self->result->attempts, attempt);
}

/* What trying again later may cure: timeouts, networks down, servers failing. */
static gboolean
error_is_temporary (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE)
         || g_error_matches (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_TEMPORARY_FAILURE)
         || g_error_matches (error, EP_DISCOVER_ERROR, EP_DISCOVER_ERROR_HTTP_TEMPORARY)
         || (error != NULL && error->domain == EP_SMTP_ERROR && ep_smtp_error_is_temporary (error));
}

/* A "not there" answer, as opposed to a failure worth showing as one. */
static gboolean
error_is_not_found (const GError *error)
{
  return g_error_matches (error, EP_DISCOVER_ERROR, EP_DISCOVER_ERROR_NOT_FOUND)
         || g_error_matches (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND);
}

static char *
registrable_domain (const char *host)
{
  g_autoptr(GError) error = NULL;
  const char *base;

  if (g_hostname_is_ip_address (host))
    return NULL;
  base = soup_tld_get_base_domain (host, &error);
  if (base != NULL)
    return g_ascii_strdown (base, -1);
  /* A top-level domain the list does not know: its default rule ("*") makes the last label the
   * public suffix, and the last two the registrable domain. */
  if (g_error_matches (error, SOUP_TLD_ERROR, SOUP_TLD_ERROR_NO_BASE_DOMAIN))
    {
      const char *dot = strrchr (host, '.');

      while (dot != NULL && dot > host && dot[-1] != '.')
        dot--;
      if (dot != NULL && dot != host)
        return g_ascii_strdown (dot, -1);
      return dot == host ? g_ascii_strdown (host, -1) : NULL;
    }
  return NULL;
}

/* Whether @host belongs to the address's registrable domain (example.co.uk for
 * mail.example.co.uk), judged with the Public Suffix List. */
static gboolean
inside_domain (EpDiscover *self,
               const char *host)
{
  g_autofree char *ours = registrable_domain (self->result->domain);
  g_autofree char *theirs = registrable_domain (host);

  return ours != NULL && theirs != NULL && g_str_equal (ours, theirs);
}

/* A DNS answer validated by DNSSEC cannot have been forged on the way: it counts as much as a
 * file over HTTPS. @https: no file was fetched in the clear on the way (a file over HTTPS, or
 * none at all). */
static EpDiscoverTrust
trust_for (EpDiscover       *self,
           const char       *host,
           EpDiscoverDnssec  dnssec,
           gboolean          https)
{
  gboolean forgeable_dns = dnssec == EP_DISCOVER_DNSSEC_UNKNOWN;

  if (!forgeable_dns && https)
    return EP_DISCOVER_TRUST_VERIFIED;
  if (inside_domain (self, host))
    return EP_DISCOVER_TRUST_VERIFIED;
  return forgeable_dns ? EP_DISCOVER_TRUST_CONFIRM_DNS : EP_DISCOVER_TRUST_CONFIRM_PLAIN_HTTP;
}

static char *
make_url (EpDiscover *self,
          gboolean    https,
          const char *host,
          const char *path,
          const char *query_address)
{
  guint16 port = https ? self->https_port : self->http_port;
  g_autofree char *port_text = port != 0 ? g_strdup_printf (":%u", port) : g_strdup ("");
  g_autofree char *query = NULL;

  if (query_address != NULL)
    {
      g_autofree char *escaped = g_uri_escape_string (query_address, NULL, FALSE);
      query = g_strconcat ("?emailaddress=", escaped, NULL);
    }
  return g_strdup_printf ("%s://%s%s%s%s", https ? "https" : "http", host, port_text, path,
                          query != NULL ? query : "");
}

/* The provider's own files for @domain; @address (nullable) goes in the query only when the
 * domain is the address's own. */
static void
add_autoconfig_urls (EpDiscover *self,
                     GPtrArray  *urls,
                     const char *domain,
                     const char *address)
{
  g_autofree char *host = g_strconcat ("autoconfig.", domain, NULL);

  g_ptr_array_add (urls, make_url (self, TRUE, host, AUTOCONFIG_PATH, address));
  g_ptr_array_add (urls, make_url (self, TRUE, domain, WELL_KNOWN_PATH, NULL));
  if (self->allow_http)
    {
      g_ptr_array_add (urls, make_url (self, FALSE, host, AUTOCONFIG_PATH, address));
      g_ptr_array_add (urls, make_url (self, FALSE, domain, WELL_KNOWN_PATH, NULL));
    }
}

/* ---- The end of a run ------------------------------------------------------------------------ */

static void
end_run (EpDiscover *self)
{
  if (self->deadline != NULL)
    {
      g_source_destroy (self->deadline);
      g_clear_pointer (&self->deadline, g_source_unref);
    }
  if (self->cancelled_source != NULL)
    {
      g_source_destroy (self->cancelled_source);
      g_clear_pointer (&self->cancelled_source, g_source_unref);
    }
  /* Stops what still runs; their callbacks see that the run is over and drop their answers. */
  g_cancellable_cancel (self->cancellable);
}

/* Sources still waiting or running become @state (STOPPED or TIMED_OUT); then the result. */
static void
finish (EpDiscover      *self,
        EpDiscoverState  unfinished)
{
  g_autoptr(GTask) task = NULL;
  EpDiscoverResult *result = self->result;

  for (guint s = 0; s < EP_DISCOVER_N_SOURCES; s++)
    if (self->states[s] == EP_DISCOVER_STATE_WAITING || self->states[s] == EP_DISCOVER_STATE_RUNNING)
      {
        gboolean was_asked = self->states[s] == EP_DISCOVER_STATE_RUNNING;

        add_attempt (self, s, NULL, unfinished,
                     unfinished == EP_DISCOVER_STATE_TIMED_OUT ? _("No answer in time")
                     : was_asked ? _("Stopped: a better source answered first")
                     : _("Not asked: a better source answered first"));
        set_state (self, s, unfinished);
        if (unfinished == EP_DISCOVER_STATE_TIMED_OUT)
          self->temporary = TRUE;
      }

  for (guint s = 0; s < EP_DISCOVER_N_SOURCES; s++)
    if (self->found[s] != NULL)
      for (guint i = 0; i < self->found[s]->len; i++)
        g_ptr_array_add (result->candidates, ep_discover_candidate_ref (self->found[s]->pdata[i]));
  result->temporary = result->candidates->len == 0 && self->temporary;
  result->elapsed_ms = elapsed_ms (self);

  task = g_steal_pointer (&self->task);
  end_run (self);
  g_task_return_pointer (task, ep_discover_result_ref (result), (GDestroyNotify) ep_discover_result_unref);
}

/* Ends the run when the best source that can still answer has answered. */
static void
maybe_finish (EpDiscover *self)
{
  if (!running (self))
    return;
  for (guint s = 0; s < EP_DISCOVER_N_SOURCES; s++)
    {
      if (self->states[s] == EP_DISCOVER_STATE_RUNNING || self->states[s] == EP_DISCOVER_STATE_WAITING)
        return;
      if (self->states[s] == EP_DISCOVER_STATE_FOUND)
        break;
    }
  finish (self, EP_DISCOVER_STATE_STOPPED);
}

static gboolean
deadline_reached (gpointer user_data)
{
  EpDiscover *self = user_data;

  g_clear_pointer (&self->deadline, g_source_unref);
  finish (self, EP_DISCOVER_STATE_TIMED_OUT);
  return G_SOURCE_REMOVE;
}

static gboolean
caller_cancelled (GCancellable *cancellable,
                  gpointer      user_data)
{
  EpDiscover *self = user_data;
  g_autoptr(GTask) task = g_steal_pointer (&self->task);

  g_clear_pointer (&self->cancelled_source, g_source_unref);
  end_run (self);
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s", _("Cancelled"));
  return G_SOURCE_REMOVE;
}

/* A source's answer: @found (transfer full, nullable, element-type EpDiscoverCandidate). */
static void
source_done (EpDiscover       *self,
             EpDiscoverSource  source,
             GPtrArray        *found,
             EpDiscoverState   state)
{
  if (found != NULL && found->len > 0)
    {
      self->found[source] = found;
      state = EP_DISCOVER_STATE_FOUND;
    }
  else if (found != NULL)
    g_ptr_array_unref (found);
  set_state (self, source, state);
  maybe_finish (self);
}

/* ---- Files: the provider's autoconfig, the ISPDB, and those of the MX host's domain ---------- */

static void
chain_free (Chain *chain)
{
  g_object_unref (chain->self);
  g_ptr_array_unref (chain->urls);
  g_free (chain->via);
  g_free (chain);
}

static void
fetched (GObject      *source_object,
         GAsyncResult *res,
         gpointer      user_data)
{
  Chain *chain = user_data;
  EpDiscover *self = chain->self;
  const char *url = chain->urls->pdata[chain->next - 1];
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) candidates = NULL;
  g_autofree char *final_url = NULL;
  g_autofree char *detail = NULL;
  gboolean https = FALSE;

  body = ep_discover_fetch_finish (res, &final_url, &https, &error);
  if (!running (self))
    {
      chain_free (chain);
      return;
    }

  if (body != NULL)
    candidates = ep_autoconfig_parse (g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                                      self->result->address, NULL, &error);
  if (candidates == NULL)
    {
      EpDiscoverState state = error_is_not_found (error) ? EP_DISCOVER_STATE_NOT_FOUND
                                                         : EP_DISCOVER_STATE_FAILED;

      if (error_is_temporary (error))
        self->temporary = TRUE;
      if (chain->via != NULL)
        detail = g_strdup_printf ("%s: %s", chain->via, error->message);
      add_attempt (self, chain->source, url, state, detail != NULL ? detail : error->message);
      if (chain->next < chain->urls->len)
        {
          chain_next (chain);
          return;
        }
      source_done (self, chain->source, NULL, state);
      chain_free (chain);
      return;
    }

  for (guint i = 0; i < candidates->len; i++)
    {
      EpDiscoverCandidate *candidate = candidates->pdata[i];

      candidate->source = chain->source;
      candidate->location = g_strdup (final_url != NULL ? final_url : url);
      candidate->https = https;
      candidate->dnssec = chain->dnssec;
      candidate->trust = trust_for (self, candidate->host, chain->dnssec, https);
    }
  detail = g_strdup_printf (ngettext ("%u server", "%u servers", candidates->len), candidates->len);
  if (chain->via != NULL)
    {
      g_autofree char *count = g_steal_pointer (&detail);

      detail = g_strdup_printf ("%s; %s", count, chain->via);
    }
  add_attempt (self, chain->source, final_url != NULL ? final_url : url, EP_DISCOVER_STATE_FOUND, detail);
  source_done (self, chain->source, g_steal_pointer (&candidates), EP_DISCOVER_STATE_FOUND);
  chain_free (chain);
}

static void
chain_next (Chain *chain)
{
  const char *url = chain->urls->pdata[chain->next++];

  ep_discover_fetch_async (chain->self->session, url, chain->self->allow_http,
                           chain->self->extra_ca, chain->self->cancellable, fetched, chain);
}

/* Takes @urls; an empty list ends the source as NOT_FOUND with @why. */
static void
start_chain (EpDiscover       *self,
             EpDiscoverSource  source,
             GPtrArray        *urls,
             EpDiscoverDnssec  dnssec,
             const char       *via)
{
  Chain *chain = g_new0 (Chain, 1);

  chain->self = g_object_ref (self);
  chain->source = source;
  chain->urls = urls;
  chain->dnssec = dnssec;
  chain->via = g_strdup (via);
  set_state (self, source, EP_DISCOVER_STATE_RUNNING);
  chain_next (chain);
}

static GPtrArray *
new_url_list (void)
{
  return g_ptr_array_new_with_free_func (g_free);
}

/* ---- DNS: MX and SRV ------------------------------------------------------------------------- */

/* The lowest preference wins (RFC 5321 §5.1). Returns: (transfer full) (nullable). */
static char *
best_mx (GList *records)
{
  const char *best = NULL;
  guint16 best_preference = G_MAXUINT16;

  for (GList *l = records; l != NULL; l = l->next)
    {
      guint16 preference;
      const char *host;

      g_variant_get (l->data, "(q&s)", &preference, &host);
      if (best == NULL || preference < best_preference)
        {
          best = host;
          best_preference = preference;
        }
    }
  if (best == NULL)
    return NULL;
  return g_strndup (best, strlen (best) - (g_str_has_suffix (best, ".") ? 1 : 0));
}

typedef struct {
  EpDiscover *self;
  char       *host;        /* the MX record's host */
  char       *mx_domain;   /* its registrable domain */
} MxCheck;

/* Whether the MX answer was validated decides how far what its domain's files say is trusted. */
static void
mx_checked (GObject      *source_object,
            GAsyncResult *res,
            gpointer      user_data)
{
  MxCheck *check = user_data;
  g_autoptr(EpDiscover) self = check->self;
  g_autofree char *host = check->host;
  g_autofree char *mx_domain = check->mx_domain;
  gboolean validated = ep_discover_dnssec_check_finish (res);
  g_autofree char *via = NULL;
  g_autoptr(GPtrArray) urls = NULL;

  g_free (check);
  if (!running (self))
    return;

  via = validated ? g_strdup_printf (_("MX %s, validated by DNSSEC"), host)
                  : g_strdup_printf ("MX %s", host);
  /* The hoster's files: its own autoconfig (without the address: it is not the person's
   * provider as far as anyone knows yet), then the ISPDB with consent. */
  urls = new_url_list ();
  add_autoconfig_urls (self, urls, mx_domain, NULL);
  if (self->ispdb_consent)
    g_ptr_array_add (urls, g_strconcat (self->ispdb_url, mx_domain, NULL));
  start_chain (self, EP_DISCOVER_SOURCE_MX, g_steal_pointer (&urls),
               validated ? EP_DISCOVER_DNSSEC_VALIDATED : EP_DISCOVER_DNSSEC_UNKNOWN, via);
}

static void
mx_resolved (GObject      *source_object,
             GAsyncResult *res,
             gpointer      user_data)
{
  g_autoptr(EpDiscover) self = user_data;
  g_autoptr(GError) error = NULL;
  GList *records;
  g_autofree char *name = NULL;
  g_autofree char *host = NULL;
  g_autofree char *mx_domain = NULL;

  records = g_resolver_lookup_records_finish (G_RESOLVER (source_object), res, &error);
  if (!running (self))
    {
      g_list_free_full (records, (GDestroyNotify) g_variant_unref);
      return;
    }
  name = g_strdup_printf ("MX %s", self->result->domain);
  if (records == NULL)
    {
      EpDiscoverState state = error_is_not_found (error) ? EP_DISCOVER_STATE_NOT_FOUND
                                                         : EP_DISCOVER_STATE_FAILED;

      if (error_is_temporary (error))
        self->temporary = TRUE;
      add_attempt (self, EP_DISCOVER_SOURCE_MX, name, state, error->message);
      source_done (self, EP_DISCOVER_SOURCE_MX, NULL, state);
      return;
    }
  host = best_mx (records);
  g_list_free_full (records, (GDestroyNotify) g_variant_unref);

  if (host == NULL || !ep_autoconfig_host_is_valid (host) || g_hostname_is_ip_address (host))
    {
      add_attempt (self, EP_DISCOVER_SOURCE_MX, name, EP_DISCOVER_STATE_FAILED,
                   _("The MX record names no valid host"));
      source_done (self, EP_DISCOVER_SOURCE_MX, NULL, EP_DISCOVER_STATE_FAILED);
      return;
    }
  mx_domain = registrable_domain (host);
  if (mx_domain == NULL || inside_domain (self, host))
    {
      g_autofree char *detail = g_strdup_printf (_("%s: inside the address’s own domain, already asked"), host);

      add_attempt (self, EP_DISCOVER_SOURCE_MX, name, EP_DISCOVER_STATE_NOT_FOUND, detail);
      source_done (self, EP_DISCOVER_SOURCE_MX, NULL, EP_DISCOVER_STATE_NOT_FOUND);
      return;
    }

  add_attempt (self, EP_DISCOVER_SOURCE_MX, name, EP_DISCOVER_STATE_FOUND, host);
  {
    MxCheck *check = g_new0 (MxCheck, 1);

    check->self = g_object_ref (self);
    check->host = g_steal_pointer (&host);
    check->mx_domain = g_steal_pointer (&mx_domain);
    ep_discover_dnssec_check_async (self->result->domain, ns_t_mx, check->host, self->nameserver,
                                    self->cancellable, mx_checked, check);
  }
}

typedef struct {
  EpDiscover *self;
  guint       index;   /* 0: _submissions (implicit TLS), 1: _submission (STARTTLS) */
} SrvLookup;

static void srv_lookup (EpDiscover *self, guint index);

/* RFC 2782: the lowest priority, then the highest weight; a target of "." says "no such
 * service here". Returns: (transfer full) (nullable). */
static EpDiscoverCandidate *
best_srv (GList *records)
{
  const char *best = NULL;
  guint16 best_priority = G_MAXUINT16, best_weight = 0, best_port = 0;
  EpDiscoverCandidate *candidate;

  for (GList *l = records; l != NULL; l = l->next)
    {
      guint16 priority, weight, port;
      const char *target;

      g_variant_get (l->data, "(qqq&s)", &priority, &weight, &port, &target);
      if (best == NULL || priority < best_priority || (priority == best_priority && weight > best_weight))
        {
          best = target;
          best_priority = priority;
          best_weight = weight;
          best_port = port;
        }
    }
  if (best == NULL || g_str_equal (best, ".") || *best == '\0' || best_port == 0)
    return NULL;

  candidate = ep_discover_candidate_new ();
  candidate->host = g_strndup (best, strlen (best) - (g_str_has_suffix (best, ".") ? 1 : 0));
  candidate->port = best_port;
  if (!ep_autoconfig_host_is_valid (candidate->host))
    {
      ep_discover_candidate_unref (candidate);
      return NULL;
    }
  return candidate;
}

typedef struct {
  EpDiscover          *self;
  EpDiscoverCandidate *candidate;
} SrvCheck;

static void
srv_checked (GObject      *source_object,
             GAsyncResult *res,
             gpointer      user_data)
{
  SrvCheck *check = user_data;
  g_autoptr(EpDiscover) self = check->self;
  g_autoptr(EpDiscoverCandidate) candidate = check->candidate;
  gboolean validated = ep_discover_dnssec_check_finish (res);
  g_autofree char *server = NULL;
  g_autofree char *detail = NULL;
  GPtrArray *found;

  g_free (check);
  if (!running (self))
    return;

  candidate->dnssec = validated ? EP_DISCOVER_DNSSEC_VALIDATED : EP_DISCOVER_DNSSEC_UNKNOWN;
  /* No file on the way: the record alone named the server. */
  candidate->trust = trust_for (self, candidate->host, candidate->dnssec, TRUE);
  server = ep_smtp_format_server (candidate->host, candidate->port);
  /* Translators: %s is a server and its port ("smtp.example.org:465") */
  detail = validated ? g_strdup_printf (_("%s, validated by DNSSEC"), server) : g_steal_pointer (&server);
  add_attempt (self, EP_DISCOVER_SOURCE_SRV, candidate->location, EP_DISCOVER_STATE_FOUND, detail);
  found = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_discover_candidate_unref);
  g_ptr_array_add (found, g_steal_pointer (&candidate));
  source_done (self, EP_DISCOVER_SOURCE_SRV, found, EP_DISCOVER_STATE_FOUND);
}

static void
srv_resolved (GObject      *source_object,
              GAsyncResult *res,
              gpointer      user_data)
{
  SrvLookup *lookup = user_data;
  g_autoptr(EpDiscover) self = lookup->self;
  guint index = lookup->index;
  g_autoptr(GError) error = NULL;
  g_autoptr(EpDiscoverCandidate) candidate = NULL;
  g_autofree char *name = NULL;
  GList *records;

  g_free (lookup);
  records = g_resolver_lookup_records_finish (G_RESOLVER (source_object), res, &error);
  if (!running (self))
    {
      g_list_free_full (records, (GDestroyNotify) g_variant_unref);
      return;
    }
  name = g_strdup_printf ("%s._tcp.%s", index == 0 ? "_submissions" : "_submission",
                          self->result->domain);
  if (records != NULL)
    {
      candidate = best_srv (records);
      g_list_free_full (records, (GDestroyNotify) g_variant_unref);
    }

  if (candidate == NULL)
    {
      EpDiscoverState state = error == NULL || error_is_not_found (error)
                              ? EP_DISCOVER_STATE_NOT_FOUND : EP_DISCOVER_STATE_FAILED;

      if (error_is_temporary (error))
        self->temporary = TRUE;
      add_attempt (self, EP_DISCOVER_SOURCE_SRV, name, state,
                   error != NULL ? error->message : _("No usable record"));
      if (index == 0)
        srv_lookup (self, 1);
      else
        source_done (self, EP_DISCOVER_SOURCE_SRV, NULL, state);
      return;
    }

  /* RFC 6186 §3.1: _submissions is implicit TLS (RFC 8314 §5.1); _submission says STARTTLS. */
  candidate->security = index == 0 ? EP_SMTP_SECURITY_TLS : EP_SMTP_SECURITY_STARTTLS;
  candidate->username = g_strdup (self->result->address);
  candidate->source = EP_DISCOVER_SOURCE_SRV;
  candidate->location = g_strdup (name);
  {
    SrvCheck *check = g_new0 (SrvCheck, 1);

    check->self = g_object_ref (self);
    check->candidate = g_steal_pointer (&candidate);
    ep_discover_dnssec_check_async (name, ns_t_srv, check->candidate->host, self->nameserver,
                                    self->cancellable, srv_checked, check);
  }
}

static void
srv_lookup (EpDiscover *self,
            guint       index)
{
  g_autoptr(GResolver) resolver = g_resolver_get_default ();
  g_autofree char *name = g_strdup_printf ("%s._tcp.%s", index == 0 ? "_submissions" : "_submission",
                                           self->result->domain);
  SrvLookup *lookup = g_new0 (SrvLookup, 1);

  lookup->self = g_object_ref (self);
  lookup->index = index;
  g_resolver_lookup_records_async (resolver, name, G_RESOLVER_RECORD_SRV, self->cancellable,
                                   srv_resolved, lookup);
}

/* ---- Probing --------------------------------------------------------------------------------- */

static void
probed (GObject      *source_object,
        GAsyncResult *res,
        gpointer      user_data)
{
  g_autoptr(EpDiscover) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) attempts = NULL;
  g_autoptr(GPtrArray) found = NULL;
  gboolean timed_out = FALSE;

  found = ep_discover_probe_finish (res, &attempts, &error);
  if (!running (self))
    return;
  for (guint i = 0; i < attempts->len; i++)
    {
      EpDiscoverAttempt *attempt = attempts->pdata[i];

      g_ptr_array_add (self->result->attempts, ep_discover_attempt_copy (attempt));
      timed_out |= attempt->state == EP_DISCOVER_STATE_TIMED_OUT;
    }
  if (timed_out)
    self->temporary = TRUE;
  if (found == NULL || found->len == 0)
    {
      source_done (self, EP_DISCOVER_SOURCE_PROBE, NULL, EP_DISCOVER_STATE_NOT_FOUND);
      return;
    }
  for (guint i = 0; i < found->len; i++)
    {
      EpDiscoverCandidate *candidate = found->pdata[i];

      candidate->trust = trust_for (self, candidate->host, FALSE, TRUE);
    }
  source_done (self, EP_DISCOVER_SOURCE_PROBE, g_steal_pointer (&found), EP_DISCOVER_STATE_FOUND);
}

/* ---- Starting -------------------------------------------------------------------------------- */

static void
ask_presets (EpDiscover *self)
{
  const EpPreset *preset = ep_presets_for_address (self->result->address);
  g_autoptr(EpDiscoverCandidate) candidate = NULL;
  GPtrArray *found;

  set_state (self, EP_DISCOVER_SOURCE_PRESET, EP_DISCOVER_STATE_RUNNING);
  if (preset == NULL)
    {
      add_attempt (self, EP_DISCOVER_SOURCE_PRESET, NULL, EP_DISCOVER_STATE_NOT_FOUND,
                   _("No built-in settings for this domain"));
      set_state (self, EP_DISCOVER_SOURCE_PRESET, EP_DISCOVER_STATE_NOT_FOUND);
      return;
    }

  candidate = ep_discover_candidate_new ();
  candidate->host = g_strdup (preset->host);
  candidate->port = preset->port;
  if (!ep_smtp_security_from_string (preset->security, &candidate->security))
    g_return_if_reached ();
  candidate->username = g_strdup (self->result->address);
  candidate->username_form = EP_DISCOVER_USERNAME_ADDRESS;
  candidate->auth = EP_DISCOVER_AUTH_PASSWORD;
  candidate->source = EP_DISCOVER_SOURCE_PRESET;
  candidate->location = g_strdup (preset->id);
  candidate->display_name = g_strdup (_(preset->name));
  candidate->preset_id = g_strdup (preset->id);
  candidate->note = preset->note != NULL ? g_strdup (_(preset->note)) : NULL;
  if (preset->imap_host != NULL)
    {
      candidate->imap_host = g_strdup (preset->imap_host);
      candidate->imap_port = preset->imap_port;
      candidate->imap_security = EP_SMTP_SECURITY_TLS;
      candidate->sent_copy_off = preset->sent_copy_off != NULL ? g_strdup (_(preset->sent_copy_off)) : NULL;
    }
  add_attempt (self, EP_DISCOVER_SOURCE_PRESET, preset->id, EP_DISCOVER_STATE_FOUND, _(preset->name));

  found = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_discover_candidate_unref);
  g_ptr_array_add (found, g_steal_pointer (&candidate));
  self->found[EP_DISCOVER_SOURCE_PRESET] = found;
  set_state (self, EP_DISCOVER_SOURCE_PRESET, EP_DISCOVER_STATE_FOUND);
}

static void
ask_network (EpDiscover *self)
{
  g_autoptr(GResolver) resolver = g_resolver_get_default ();
  g_autoptr(GPtrArray) urls = new_url_list ();
  EpDiscoverProbeSpec spec = { 0 };

  add_autoconfig_urls (self, urls, self->result->domain, self->result->address);
  start_chain (self, EP_DISCOVER_SOURCE_AUTOCONFIG, g_steal_pointer (&urls),
               EP_DISCOVER_DNSSEC_NOT_USED, NULL);

  if (self->ispdb_consent)
    {
      urls = new_url_list ();
      g_ptr_array_add (urls, g_strconcat (self->ispdb_url, self->result->domain, NULL));
      start_chain (self, EP_DISCOVER_SOURCE_ISPDB, g_steal_pointer (&urls),
                   EP_DISCOVER_DNSSEC_NOT_USED, NULL);
    }
  else
    {
      add_attempt (self, EP_DISCOVER_SOURCE_ISPDB, self->ispdb_url, EP_DISCOVER_STATE_SKIPPED,
                   _("Not asked: sending the domain to the ISP database needs your consent"));
      set_state (self, EP_DISCOVER_SOURCE_ISPDB, EP_DISCOVER_STATE_SKIPPED);
    }

  set_state (self, EP_DISCOVER_SOURCE_MX, EP_DISCOVER_STATE_RUNNING);
  g_resolver_lookup_records_async (resolver, self->result->domain, G_RESOLVER_RECORD_MX,
                                   self->cancellable, mx_resolved, g_object_ref (self));

  set_state (self, EP_DISCOVER_SOURCE_SRV, EP_DISCOVER_STATE_RUNNING);
  srv_lookup (self, 0);

  if (!self->probe)
    {
      add_attempt (self, EP_DISCOVER_SOURCE_PROBE, NULL, EP_DISCOVER_STATE_SKIPPED, _("Not asked"));
      set_state (self, EP_DISCOVER_SOURCE_PROBE, EP_DISCOVER_STATE_SKIPPED);
      return;
    }
  spec.address = self->result->address;
  spec.domain = self->result->domain;
  spec.cafile = self->cafile;
  spec.tls_port = self->tls_port != 0 ? self->tls_port : EP_DISCOVER_PROBE_TLS_PORT;
  spec.starttls_port = self->starttls_port != 0 ? self->starttls_port : EP_DISCOVER_PROBE_STARTTLS_PORT;
  spec.timeout_seconds = MAX (1, (self->timeout_ms + 999) / 1000);
  spec.started = self->started_at;
  set_state (self, EP_DISCOVER_SOURCE_PROBE, EP_DISCOVER_STATE_RUNNING);
  ep_discover_probe_async (&spec, self->cancellable, probed, g_object_ref (self));
}

/* ---- GObject --------------------------------------------------------------------------------- */

static void
ep_discover_finalize (GObject *object)
{
  EpDiscover *self = EP_DISCOVER (object);

  g_assert (self->task == NULL);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->session);
  g_clear_object (&self->extra_ca);
  g_clear_object (&self->nameserver);
  g_clear_pointer (&self->result, ep_discover_result_unref);
  for (guint s = 0; s < EP_DISCOVER_N_SOURCES; s++)
    g_clear_pointer (&self->found[s], g_ptr_array_unref);
  g_free (self->address);
  g_free (self->ispdb_url);
  g_free (self->cafile);

  G_OBJECT_CLASS (ep_discover_parent_class)->finalize (object);
}

static void
ep_discover_class_init (EpDiscoverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ep_discover_finalize;

  /**
   * EpDiscover::source-changed:
   * @source: an #EpDiscoverSource
   * @state: its new #EpDiscoverState
   *
   * A source started or ended: for a progress display, one row per source.
   */
  signals[SIGNAL_SOURCE_CHANGED] =
    g_signal_new ("source-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, EP_TYPE_DISCOVER_SOURCE, EP_TYPE_DISCOVER_STATE);
}

static void
ep_discover_init (EpDiscover *self)
{
  self->timeout_ms = EP_DISCOVER_DEFAULT_TIMEOUT_MS;
  self->ispdb_url = g_strdup (EP_DISCOVER_DEFAULT_ISPDB_URL);
  self->probe = TRUE;
}

/* ---- Public API ------------------------------------------------------------------------------ */

EpDiscoverResult *
ep_discover_result_ref (EpDiscoverResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_atomic_rc_box_acquire (self);
}

static void
ep_discover_result_clear (EpDiscoverResult *self)
{
  g_free (self->address);
  g_free (self->domain);
  g_ptr_array_unref (self->candidates);
  g_ptr_array_unref (self->attempts);
}

void
ep_discover_result_unref (EpDiscoverResult *self)
{
  if (self != NULL)
    g_atomic_rc_box_release_full (self, (GDestroyNotify) ep_discover_result_clear);
}

EpDiscoverCandidate *
ep_discover_result_get_best (EpDiscoverResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->candidates->len > 0 ? self->candidates->pdata[0] : NULL;
}

EpDiscover *
ep_discover_new (const char *address)
{
  EpDiscover *self;

  g_return_val_if_fail (address != NULL, NULL);

  self = g_object_new (EP_TYPE_DISCOVER, NULL);
  self->address = g_strstrip (g_strdup (address));
  return self;
}

void
ep_discover_set_timeout (EpDiscover *self,
                         guint       timeout_ms)
{
  g_return_if_fail (EP_IS_DISCOVER (self));
  g_return_if_fail (!self->started);

  self->timeout_ms = timeout_ms;
}

void
ep_discover_set_ispdb_consent (EpDiscover *self,
                               gboolean    consent)
{
  g_return_if_fail (EP_IS_DISCOVER (self));
  g_return_if_fail (!self->started);

  self->ispdb_consent = consent;
}

void
ep_discover_set_ispdb_url (EpDiscover *self,
                           const char *base_url)
{
  g_return_if_fail (EP_IS_DISCOVER (self));
  g_return_if_fail (base_url != NULL);
  g_return_if_fail (!self->started);

  g_free (self->ispdb_url);
  self->ispdb_url = g_strdup (base_url);
}

void
ep_discover_set_allow_plain_http (EpDiscover *self,
                                  gboolean    allow)
{
  g_return_if_fail (EP_IS_DISCOVER (self));
  g_return_if_fail (!self->started);

  self->allow_http = allow;
}

void
ep_discover_set_cafile (EpDiscover *self,
                        const char *cafile)
{
  g_return_if_fail (EP_IS_DISCOVER (self));
  g_return_if_fail (!self->started);

  g_free (self->cafile);
  self->cafile = g_strdup (cafile);
}

void
ep_discover_set_probe (EpDiscover *self,
                       gboolean    probe)
{
  g_return_if_fail (EP_IS_DISCOVER (self));
  g_return_if_fail (!self->started);

  self->probe = probe;
}

void
ep_discover_set_test_ports (EpDiscover *self,
                            guint16     https_port,
                            guint16     http_port,
                            guint16     tls_port,
                            guint16     starttls_port)
{
  g_return_if_fail (EP_IS_DISCOVER (self));

  self->https_port = https_port;
  self->http_port = http_port;
  self->tls_port = tls_port;
  self->starttls_port = starttls_port;
}

void
ep_discover_set_test_nameserver (EpDiscover         *self,
                                 GInetSocketAddress *nameserver)
{
  g_return_if_fail (EP_IS_DISCOVER (self));
  g_return_if_fail (nameserver == NULL || G_IS_INET_SOCKET_ADDRESS (nameserver));

  g_set_object (&self->nameserver, nameserver);
}

gboolean
ep_discover_check_address (const char  *address,
                           char       **out_domain,
                           GError     **error)
{
  const char *at;
  g_autofree char *domain = NULL;
  gsize local_len;

  g_return_val_if_fail (address != NULL, FALSE);

  at = strrchr (address, '@');
  local_len = at != NULL ? (gsize) (at - address) : 0;
  if (at == NULL || local_len == 0 || local_len > EP_DISCOVER_MAX_LOCAL_PART
      || !g_utf8_validate (address, -1, NULL) || ep_text_has_control (address, -1)
      || strchr (address, ' ') != NULL || strchr (address, '\t') != NULL
      || memchr (address, '@', local_len) != NULL || strlen (at + 1) > EP_DISCOVER_MAX_DOMAIN)
    {
      g_set_error (error, EP_DISCOVER_ERROR, EP_DISCOVER_ERROR_INVALID_ADDRESS,
                   _("“%s” is not an e-mail address (name@example.com)"), address);
      return FALSE;
    }
  domain = g_hostname_to_ascii (at + 1);
  if (domain == NULL || g_hostname_is_ip_address (at + 1) || strchr (domain, '.') == NULL
      || !ep_autoconfig_host_is_valid (domain) || g_str_has_suffix (domain, "."))
    {
      g_set_error (error, EP_DISCOVER_ERROR, EP_DISCOVER_ERROR_INVALID_ADDRESS,
                   _("“%s” is not a domain whose mail settings can be looked up"), at + 1);
      return FALSE;
    }
  if (out_domain != NULL)
    *out_domain = g_ascii_strdown (domain, -1);
  return TRUE;
}

void
ep_discover_run_async (EpDiscover          *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *domain = NULL;
  GMainContext *context = g_main_context_ref_thread_default ();

  g_return_if_fail (EP_IS_DISCOVER (self));
  g_return_if_fail (!self->started);

  self->started = TRUE;
  self->started_at = g_get_monotonic_time ();
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ep_discover_run_async);

  if (!ep_discover_check_address (self->address, &domain, &error))
    {
      g_main_context_unref (context);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (self->cafile != NULL)
    {
      self->extra_ca = g_tls_file_database_new (self->cafile, &error);
      if (self->extra_ca == NULL)
        {
          g_main_context_unref (context);
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }

  self->result = g_atomic_rc_box_new0 (EpDiscoverResult);
  self->result->address = g_strdup (self->address);
  self->result->domain = g_steal_pointer (&domain);
  self->result->candidates = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_discover_candidate_unref);
  self->result->attempts = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_discover_attempt_free);
  self->cancellable = g_cancellable_new ();
  self->task = g_steal_pointer (&task);

  self->deadline = g_timeout_source_new (self->timeout_ms);
  g_source_set_callback (self->deadline, deadline_reached, self, NULL);
  g_source_attach (self->deadline, context);
  if (cancellable != NULL)
    {
      self->cancelled_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (self->cancelled_source, G_SOURCE_FUNC (caller_cancelled), self, NULL);
      g_source_attach (self->cancelled_source, context);
    }
  g_main_context_unref (context);

  ask_presets (self);
  if (self->states[EP_DISCOVER_SOURCE_PRESET] == EP_DISCOVER_STATE_FOUND)
    {
      maybe_finish (self);
      return;
    }

  /* Seconds per network operation; the deadline bounds the whole. */
  self->session = soup_session_new_with_options ("timeout", MAX (1u, (self->timeout_ms + 999) / 1000),
                                                 "user-agent", "Epistle/" PACKAGE_VERSION,
                                                 NULL);
  ask_network (self);
}

EpDiscoverResult *
ep_discover_run_finish (EpDiscover    *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (EP_IS_DISCOVER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

const char *
ep_discover_get_address (EpDiscover *self)
{
  g_return_val_if_fail (EP_IS_DISCOVER (self), NULL);

  return self->address;
}

EpDiscoverState
ep_discover_get_source_state (EpDiscover       *self,
                              EpDiscoverSource  source)
{
  g_return_val_if_fail (EP_IS_DISCOVER (self), EP_DISCOVER_STATE_WAITING);
  g_return_val_if_fail (source < EP_DISCOVER_N_SOURCES, EP_DISCOVER_STATE_WAITING);

  return self->states[source];
}
