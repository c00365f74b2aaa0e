/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-discover-dnssec.c: whether a DNS answer was validated by DNSSEC, as far as this computer can
 * know it.
 *
 * A stub resolver does not check signatures itself: it asks its recursive resolver, which sets
 * the AD ("authentic data") bit on an answer it validated (RFC 4035 §3.2.3), when the query asked
 * for it (RFC 6840 §5.7). The bit is worth only as much as the path to that resolver, so glibc
 * keeps it only when the system says the path is trusted ("options trust-ad" in resolv.conf, or
 * RES_OPTIONS, as a local validating resolver such as systemd-resolved or Unbound sets up), and
 * clears it otherwise. GResolver drops the header altogether; so the same question is asked again
 * here through the C library's own resolver, and the answer counts as validated only when it
 * carries the bit and names the same server that GResolver's answer named. */
#include "config.h"

#include <string.h>
#include <netinet/in.h>
#include <arpa/nameser.h>
#include <resolv.h>

#include "ep-discover-dnssec.h"

/* What a query may bring back: a UDP answer with EDNS0 is at most this large here. */
#define ANSWER_MAX 4096

/* The target name's offset in each record's data (RFC 1035 §3.3.9, RFC 2782). */
static gssize
target_offset (guint16 type)
{
  switch (type)
    {
    case ns_t_mx:
      return 2;        /* preference */
    case ns_t_srv:
      return 6;        /* priority, weight, port */
    default:
      return -1;
    }
}

static gboolean
same_host (const char *a,
           const char *b)
{
  gsize la = strlen (a), lb = strlen (b);

  if (la > 0 && a[la - 1] == '.')
    la--;
  if (lb > 0 && b[lb - 1] == '.')
    lb--;
  return la == lb && g_ascii_strncasecmp (a, b, la) == 0;
}

/* Does the answer (@len octets at @msg) hold a record of @type whose target is @host? */
static gboolean
answer_names_host (const guchar *msg,
                   int           len,
                   guint16       type,
                   const char   *host)
{
  const guchar *end = msg + len, *p = msg + NS_HFIXEDSZ;
  guint qdcount = ((guint) msg[4] << 8) | msg[5];
  guint ancount = ((guint) msg[6] << 8) | msg[7];
  gssize offset = target_offset (type);

  for (guint i = 0; i < qdcount; i++)
    {
      int skip = dn_skipname (p, end);

      if (skip < 0 || end - p < skip + NS_QFIXEDSZ)
        return FALSE;
      p += skip + NS_QFIXEDSZ;
    }
  for (guint i = 0; i < ancount; i++)
    {
      int skip = dn_skipname (p, end);
      guint rr_type, rdlength;
      char target[NS_MAXDNAME];

      if (skip < 0 || end - p < skip + NS_RRFIXEDSZ)
        return FALSE;
      p += skip;
      rr_type = ((guint) p[0] << 8) | p[1];
      rdlength = ((guint) p[8] << 8) | p[9];
      p += NS_RRFIXEDSZ;
      if ((gsize) (end - p) < rdlength)
        return FALSE;
      if (rr_type == type && offset >= 0 && rdlength > (guint) offset &&
          dn_expand (msg, end, p + offset, target, sizeof target) > 0 && same_host (target, host))
        return TRUE;
      p += rdlength;
    }
  return FALSE;
}

/**
 * ep_discover_dnssec_check:
 * @name: the name asked about
 * @type: the record type (ns_t_mx or ns_t_srv)
 * @host: the server the answer named, as GResolver gave it
 * @nameserver: (nullable): the resolver to ask; %NULL: the system's (resolv.conf)
 *
 * Blocks for at most a few seconds (one try per resolver, each bounded).
 *
 * Returns: %TRUE when the resolver, trusted by the system to validate, said the answer was
 *   validated and that answer names @host; %FALSE when it was not, when it did not say, or when
 *   it could not be asked
 */
gboolean
ep_discover_dnssec_check (const char         *name,
                          guint16             type,
                          const char         *host,
                          GInetSocketAddress *nameserver)
{
  struct __res_state state;
  guchar answer[ANSWER_MAX];
  const HEADER *header = (const HEADER *) answer;
  int len;

  g_return_val_if_fail (name != NULL && host != NULL, FALSE);

  memset (&state, 0, sizeof state);
  if (res_ninit (&state) != 0)
    return FALSE;
  /* The question was just answered through the same resolver: a slow one now says nothing. */
  state.retrans = 1;
  state.retry = 1;
  state.options |= RES_USE_EDNS0;
  if (nameserver != NULL)
    {
      struct sockaddr_in address;

      if (!g_socket_address_to_native (G_SOCKET_ADDRESS (nameserver), &address, sizeof address, NULL) ||
          address.sin_family != AF_INET)
        {
          res_nclose (&state);
          return FALSE;
        }
      state.nscount = 1;
      state.nsaddr_list[0] = address;
    }
  /* Without RES_TRUSTAD (the system's choice, never ours) glibc clears the bit in answers. */
  len = res_nquery (&state, name, ns_c_in, type, answer, sizeof answer);
  res_nclose (&state);

  if (len < NS_HFIXEDSZ || len > (int) sizeof answer)
    return FALSE;
  if (!header->qr || header->rcode != ns_r_noerror || !header->ad)
    return FALSE;
  return answer_names_host (answer, len, type, host);
}

typedef struct {
  char               *name;
  char               *host;
  guint16             type;
  GInetSocketAddress *nameserver;
} Check;

static void
check_free (Check *check)
{
  g_free (check->name);
  g_free (check->host);
  g_clear_object (&check->nameserver);
  g_free (check);
}

static void
check_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  Check *check = task_data;

  g_task_return_boolean (task, ep_discover_dnssec_check (check->name, check->type, check->host,
                                                         check->nameserver));
}

static gboolean
check_timed_out (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
check_finished (GObject      *source_object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *outer = user_data;
  GSource *timeout = g_task_get_task_data (outer);

  g_source_destroy (timeout);
  g_task_return_boolean (outer, g_task_propagate_boolean (G_TASK (result), NULL));
  g_object_unref (outer);
}

static void
forward_cancel (GCancellable *cancellable,
                GCancellable *ours)
{
  g_cancellable_cancel (ours);
}

/**
 * ep_discover_dnssec_check_async:
 *
 * ep_discover_dnssec_check() on a worker thread, answered within
 * %EP_DISCOVER_DNSSEC_TIMEOUT_MS: a resolver that has not said by then has not said it was
 * validated. Cancelling answers %FALSE at once too.
 */
void
ep_discover_dnssec_check_async (const char          *name,
                                guint16              type,
                                const char          *host,
                                GInetSocketAddress  *nameserver,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GCancellable) ours = g_cancellable_new ();
  GTask *outer = g_task_new (NULL, NULL, callback, user_data);
  GTask *inner;
  GSource *timeout;
  Check *check = g_new0 (Check, 1);

  check->name = g_strdup (name);
  check->host = g_strdup (host);
  check->type = type;
  check->nameserver = nameserver != NULL ? g_object_ref (nameserver) : NULL;

  g_task_set_source_tag (outer, ep_discover_dnssec_check_async);
  timeout = g_timeout_source_new (EP_DISCOVER_DNSSEC_TIMEOUT_MS);
  g_source_set_callback (timeout, check_timed_out, g_object_ref (ours), g_object_unref);
  g_source_attach (timeout, g_main_context_get_thread_default ());
  g_task_set_task_data (outer, timeout, (GDestroyNotify) g_source_unref);
  if (cancellable != NULL)
    g_cancellable_connect (cancellable, G_CALLBACK (forward_cancel), g_object_ref (ours),
                           g_object_unref);

  /* The C library's query cannot be interrupted: on a timeout or a cancel the thread finishes
   * on its own and nobody waits for it. */
  inner = g_task_new (NULL, ours, check_finished, outer);
  g_task_set_task_data (inner, check, (GDestroyNotify) check_free);
  g_task_set_return_on_cancel (inner, TRUE);
  g_task_run_in_thread (inner, check_thread);
  g_object_unref (inner);
}

gboolean
ep_discover_dnssec_check_finish (GAsyncResult *result)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), NULL);
}
