/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-fake-dns.c: one thread answers each datagram as it comes (RFC 1035 §4.1 message format). */
#include "config.h"

#include <string.h>

#include "ep-fake-dns.h"

#define TYPE_MX  15
#define TYPE_SRV 33

typedef struct {
  char     *target;
  gboolean  authenticated;
} Record;

struct _EpFakeDns
{
  GSocket            *socket;
  GInetSocketAddress *address;
  GThread            *thread;
  GCancellable       *stop;
  GMutex              lock;
  GHashTable         *records;   /* "TYPE name" → Record */
  GHashTable         *counts;    /* name → count */
  gboolean            silent;
};

static void
record_free (Record *record)
{
  g_free (record->target);
  g_free (record);
}

static char *
record_key (guint16     type,
            const char *name)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);
  gsize len = strlen (lower);

  if (len > 0 && lower[len - 1] == '.')
    lower[len - 1] = '\0';
  return g_strdup_printf ("%u %s", type, lower);
}

/* The question's name, dotted and lower-case; the offset after it in *@end. */
static char *
read_name (const guint8 *msg,
           gsize         len,
           gsize        *end)
{
  GString *name = g_string_new (NULL);
  gsize p = 12;

  while (p < len && msg[p] != 0)
    {
      guint label = msg[p];

      /* Queries carry no compression; a label over 63 octets is no label. */
      if (label > 63 || p + 1 + label > len)
        {
          g_string_free (name, TRUE);
          return NULL;
        }
      if (name->len > 0)
        g_string_append_c (name, '.');
      for (guint i = 0; i < label; i++)
        g_string_append_c (name, g_ascii_tolower (msg[p + 1 + i]));
      p += 1 + label;
    }
  if (p >= len)
    {
      g_string_free (name, TRUE);
      return NULL;
    }
  *end = p + 1;
  return g_string_free (name, FALSE);
}

static void
put16 (GByteArray *out,
       guint       value)
{
  guint8 b[2] = { value >> 8, value & 0xff };

  g_byte_array_append (out, b, 2);
}

static void
put_name (GByteArray *out,
          const char *name)
{
  g_auto(GStrv) labels = g_strsplit (name, ".", -1);

  for (guint i = 0; labels[i] != NULL; i++)
    {
      guint8 len = (guint8) strlen (labels[i]);

      if (len == 0)
        continue;
      g_byte_array_append (out, &len, 1);
      g_byte_array_append (out, (const guint8 *) labels[i], len);
    }
  g_byte_array_append (out, (const guint8 *) "", 1);
}

/* The answer to the query @msg, or NULL when it is not one to answer. */
static GByteArray *
answer (EpFakeDns    *self,
        const guint8 *msg,
        gsize         len)
{
  g_autofree char *name = NULL;
  g_autofree char *key = NULL;
  GByteArray *out;
  Record *record;
  gsize end;
  guint qtype;
  guint8 flags[2];

  if (len < 12 || (msg[2] & 0x80) != 0 || ((msg[4] << 8) | msg[5]) != 1)
    return NULL;
  name = read_name (msg, len, &end);
  if (name == NULL || end + 4 > len)
    return NULL;
  qtype = (msg[end] << 8) | msg[end + 1];
  key = record_key (qtype, name);

  g_mutex_lock (&self->lock);
  g_hash_table_insert (self->counts, g_strdup (name),
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (self->counts, name)) + 1));
  if (self->silent)
    {
      g_mutex_unlock (&self->lock);
      return NULL;
    }
  record = g_hash_table_lookup (self->records, key);

  out = g_byte_array_new ();
  g_byte_array_append (out, msg, 2);                       /* ID */
  flags[0] = 0x80 | (msg[2] & 0x01);                       /* QR, RD copied */
  flags[1] = 0x80 | (record != NULL && record->authenticated ? 0x20 : 0) | (record != NULL ? 0 : 3);
  g_byte_array_append (out, flags, 2);                     /* RA, AD, RCODE */
  put16 (out, 1);
  put16 (out, record != NULL ? 1 : 0);
  put16 (out, 0);
  put16 (out, 0);
  g_byte_array_append (out, msg + 12, end + 4 - 12);       /* the question */
  if (record != NULL)
    {
      GByteArray *rdata = g_byte_array_new ();

      if (qtype == TYPE_MX)
        put16 (rdata, 10);
      else
        {
          put16 (rdata, 0);
          put16 (rdata, 0);
          put16 (rdata, 465);
        }
      put_name (rdata, record->target);
      put16 (out, 0xc00c);                                 /* the question's name */
      put16 (out, qtype);
      put16 (out, 1);                                      /* IN */
      put16 (out, 0);
      put16 (out, 60);                                     /* TTL */
      put16 (out, rdata->len);
      g_byte_array_append (out, rdata->data, rdata->len);
      g_byte_array_unref (rdata);
    }
  g_mutex_unlock (&self->lock);
  return out;
}

static gpointer
serve (gpointer data)
{
  EpFakeDns *self = data;

  while (!g_cancellable_is_cancelled (self->stop))
    {
      guint8 buffer[1500];
      g_autoptr(GSocketAddress) from = NULL;
      g_autoptr(GByteArray) reply = NULL;
      gssize n;

      if (!g_socket_condition_timed_wait (self->socket, G_IO_IN, G_USEC_PER_SEC / 10, NULL, NULL))
        continue;
      n = g_socket_receive_from (self->socket, &from, (char *) buffer, sizeof buffer, NULL, NULL);
      if (n <= 0)
        continue;
      reply = answer (self, buffer, (gsize) n);
      if (reply != NULL)
        g_socket_send_to (self->socket, from, (const char *) reply->data, reply->len, NULL, NULL);
    }
  return NULL;
}

EpFakeDns *
ep_fake_dns_new (void)
{
  EpFakeDns *self = g_new0 (EpFakeDns, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GError) error = NULL;

  g_mutex_init (&self->lock);
  self->records = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) record_free);
  self->counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->stop = g_cancellable_new ();
  self->socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (self->socket, any, FALSE, &error));
  g_assert_no_error (error);
  self->address = G_INET_SOCKET_ADDRESS (g_socket_get_local_address (self->socket, &error));
  g_assert_no_error (error);
  self->thread = g_thread_new ("fake-dns", serve, self);
  return self;
}

void
ep_fake_dns_free (EpFakeDns *self)
{
  g_cancellable_cancel (self->stop);
  g_thread_join (self->thread);
  g_object_unref (self->socket);
  g_object_unref (self->address);
  g_object_unref (self->stop);
  g_hash_table_unref (self->records);
  g_hash_table_unref (self->counts);
  g_mutex_clear (&self->lock);
  g_free (self);
}

GInetSocketAddress *
ep_fake_dns_get_address (EpFakeDns *self)
{
  return self->address;
}

/* @type: 15 (MX) or 33 (SRV); SRV answers carry port 465. */
void
ep_fake_dns_add (EpFakeDns  *self,
                 const char *name,
                 guint16     type,
                 const char *target,
                 gboolean    authenticated)
{
  Record *record = g_new0 (Record, 1);

  g_assert_true (type == TYPE_MX || type == TYPE_SRV);
  record->target = g_strdup (target);
  record->authenticated = authenticated;
  g_mutex_lock (&self->lock);
  g_hash_table_insert (self->records, record_key (type, name), record);
  g_mutex_unlock (&self->lock);
}

void
ep_fake_dns_set_silent (EpFakeDns *self,
                        gboolean   silent)
{
  g_mutex_lock (&self->lock);
  self->silent = silent;
  g_mutex_unlock (&self->lock);
}

guint
ep_fake_dns_count (EpFakeDns  *self,
                   const char *name)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);
  guint count;

  g_mutex_lock (&self->lock);
  count = GPOINTER_TO_UINT (g_hash_table_lookup (self->counts, lower));
  g_mutex_unlock (&self->lock);
  return count;
}
