/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp-transcript.c: a thread-safe, append-only log of the SMTP dialogue (already redacted). */
#include "config.h"

#include "ep-smtp-transcript.h"

#include <string.h>

#include "ep-text.h"

/* "C: " and "\n" around each line in ep_smtp_transcript_to_string(). */
#define LINE_OVERHEAD 4

struct _EpSmtpTranscript {
  GObject                  parent_instance;

  GMutex                   lock;
  GPtrArray               *entries;   /* EpSmtpTranscriptEntry */
  EpSmtpTranscriptLineFunc line_func;
  gpointer                 line_data;
  GDestroyNotify           line_destroy;
  const char              *log_domain;
  gsize                    max_size;    /* 0: no limit */
  gsize                    size;        /* of the text so far */
  gboolean                 truncated;
};

G_DEFINE_FINAL_TYPE (EpSmtpTranscript, ep_smtp_transcript, G_TYPE_OBJECT)

static EpSmtpTranscriptEntry *
entry_copy (const EpSmtpTranscriptEntry *entry)
{
  EpSmtpTranscriptEntry *copy = g_memdup2 (entry, sizeof *entry);

  copy->line = g_strdup (entry->line);
  return copy;
}

static void
ep_smtp_transcript_finalize (GObject *object)
{
  EpSmtpTranscript *self = EP_SMTP_TRANSCRIPT (object);

  if (self->line_destroy != NULL)
    self->line_destroy (self->line_data);
  g_ptr_array_unref (self->entries);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (ep_smtp_transcript_parent_class)->finalize (object);
}

static void
ep_smtp_transcript_class_init (EpSmtpTranscriptClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ep_smtp_transcript_finalize;
}

static void
ep_smtp_transcript_init (EpSmtpTranscript *self)
{
  g_mutex_init (&self->lock);
  self->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_smtp_transcript_entry_free);
  self->log_domain = G_LOG_DOMAIN;
}

void
ep_smtp_transcript_entry_free (EpSmtpTranscriptEntry *entry)
{
  if (entry == NULL)
    return;

  g_free (entry->line);
  g_free (entry);
}

EpSmtpTranscript *
ep_smtp_transcript_new (void)
{
  return g_object_new (EP_TYPE_SMTP_TRANSCRIPT, NULL);
}

void
ep_smtp_transcript_set_max_size (EpSmtpTranscript *self,
                                 gsize             max_size)
{
  g_return_if_fail (EP_IS_SMTP_TRANSCRIPT (self));

  g_mutex_lock (&self->lock);
  self->max_size = max_size;
  g_mutex_unlock (&self->lock);
}

void
ep_smtp_transcript_set_log_domain (EpSmtpTranscript *self,
                                   const char       *log_domain)
{
  g_return_if_fail (EP_IS_SMTP_TRANSCRIPT (self));
  g_return_if_fail (log_domain != NULL);

  g_mutex_lock (&self->lock);
  self->log_domain = log_domain;
  g_mutex_unlock (&self->lock);
}

static EpSmtpTranscriptEntry *
entry_new (EpSmtpTranscriptDirection  direction,
           char                      *line)
{
  EpSmtpTranscriptEntry *entry = g_new0 (EpSmtpTranscriptEntry, 1);

  entry->direction = direction;
  entry->time = g_get_monotonic_time ();
  entry->line = line;
  return entry;
}

void
ep_smtp_transcript_add_len (EpSmtpTranscript          *self,
                            EpSmtpTranscriptDirection  direction,
                            const char                *line,
                            gsize                      length)
{
  g_autoptr(GString) escaped = NULL;
  EpSmtpTranscriptEntry *entry;
  EpSmtpTranscriptLineFunc func;
  gpointer func_data;
  const char *log_domain;

  g_return_if_fail (EP_IS_SMTP_TRANSCRIPT (self));
  g_return_if_fail (line != NULL || length == 0);

  escaped = g_string_sized_new (length);
  ep_text_append_escaped (escaped, line, length);

  g_mutex_lock (&self->lock);
  if (self->truncated)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  if (self->max_size > 0 && self->size + escaped->len + LINE_OVERHEAD > self->max_size)
    {
      self->truncated = TRUE;
      direction = EP_SMTP_TRANSCRIPT_INFO;
      g_string_assign (escaped, EP_SMTP_TRANSCRIPT_TRUNCATED);
    }
  self->size += escaped->len + LINE_OVERHEAD;
  entry = entry_new (direction, g_string_free (g_steal_pointer (&escaped), FALSE));
  g_ptr_array_add (self->entries, entry);
  func = self->line_func;
  func_data = self->line_data;
  log_domain = self->log_domain;
  g_mutex_unlock (&self->lock);

  /* The entry stays in the array (append-only) for as long as the transcript lives. */
  g_log_structured (log_domain, G_LOG_LEVEL_DEBUG, "MESSAGE", "%c: %s", (char) entry->direction, entry->line);
  if (func != NULL)
    func (entry->direction, entry->line, func_data);
}

void
ep_smtp_transcript_add (EpSmtpTranscript          *self,
                        EpSmtpTranscriptDirection  direction,
                        const char                *line)
{
  g_return_if_fail (line != NULL);

  ep_smtp_transcript_add_len (self, direction, line, strlen (line));
}

void
ep_smtp_transcript_add_printf (EpSmtpTranscript          *self,
                               EpSmtpTranscriptDirection  direction,
                               const char                *format,
                               ...)
{
  g_autofree char *line = NULL;
  va_list args;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);

  ep_smtp_transcript_add (self, direction, line);
}

void
ep_smtp_transcript_set_line_func (EpSmtpTranscript         *self,
                                  EpSmtpTranscriptLineFunc  func,
                                  gpointer                  user_data,
                                  GDestroyNotify            destroy)
{
  gpointer old_data;
  GDestroyNotify old_destroy;

  g_return_if_fail (EP_IS_SMTP_TRANSCRIPT (self));

  g_mutex_lock (&self->lock);
  old_data = self->line_data;
  old_destroy = self->line_destroy;
  self->line_func = func;
  self->line_data = user_data;
  self->line_destroy = destroy;
  g_mutex_unlock (&self->lock);

  if (old_destroy != NULL)
    old_destroy (old_data);
}

guint
ep_smtp_transcript_get_n_entries (EpSmtpTranscript *self)
{
  guint n;

  g_return_val_if_fail (EP_IS_SMTP_TRANSCRIPT (self), 0);

  g_mutex_lock (&self->lock);
  n = self->entries->len;
  g_mutex_unlock (&self->lock);

  return n;
}

GPtrArray *
ep_smtp_transcript_dup_entries (EpSmtpTranscript *self)
{
  GPtrArray *copy;

  g_return_val_if_fail (EP_IS_SMTP_TRANSCRIPT (self), NULL);

  g_mutex_lock (&self->lock);
  copy = g_ptr_array_copy (self->entries, (GCopyFunc) entry_copy, NULL);
  g_mutex_unlock (&self->lock);
  g_ptr_array_set_free_func (copy, (GDestroyNotify) ep_smtp_transcript_entry_free);

  return copy;
}

char *
ep_smtp_transcript_to_string (EpSmtpTranscript *self)
{
  g_autoptr(GString) out = g_string_new (NULL);

  g_return_val_if_fail (EP_IS_SMTP_TRANSCRIPT (self), NULL);

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->entries->len; i++)
    {
      const EpSmtpTranscriptEntry *entry = g_ptr_array_index (self->entries, i);

      g_string_append_printf (out, "%c: %s\n", (char) entry->direction, entry->line);
    }
  g_mutex_unlock (&self->lock);

  return g_string_free (g_steal_pointer (&out), FALSE);
}
