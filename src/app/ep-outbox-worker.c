/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-outbox-worker.c: the application's sender of outbox entries. It never polls: one timer is
 * armed for the earliest time something becomes due, and the store, the network monitor and
 * the end of each attempt make it look again. One connection per profile at a time, which
 * takes every entry of that profile that is due (ep_outbox_deliver_batch_sync()); a profile whose server could not be reached is
 * asked about (g_network_monitor_can_reach_async()) before the next connection, so that a
 * network that is down costs no connection at all. */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ep-outbox-delivery.h"
#include "ep-outbox-worker-private.h"
#include "ep-sent-store.h"
#include "ep-sign-in-group.h"
#include "ep-smtp-error.h"
#include "ep-store-error.h"

/* Work due within this time keeps the application running after its last window closed (the
 * undo time of a message sent just before, a quick retry). Work further away keeps it running
 * only while the "outbox-keep-running" preference says so (the default: a message scheduled for
 * tomorrow morning leaves then, not at the next start); otherwise it waits for the next start. */
#define EP_OUTBOX_WORKER_HOLD_AHEAD_S 120
/* An entry another process holds (epistle-send --flush) is looked at again after this. */
#define EP_OUTBOX_WORKER_BUSY_RETRY_S 30
/* A server the network monitor says cannot be reached is asked about again after this, unless
 * the network changes first. */
#define EP_OUTBOX_WORKER_UNREACHABLE_RETRY_S 60
/* A network that comes and goes brings waiting entries forward at most this often. */
#define EP_OUTBOX_WORKER_NETWORK_FORWARD_S 30
/* Changes to the store's folder (another process added or changed an entry) are looked at this
 * long after the first of them: a burst of writes is one look, and a window that just wrote its
 * entry has adopted it by then. */
#define EP_OUTBOX_WORKER_STORE_SETTLE_MS 500
/* The timer never sleeps longer than this: a wall clock changed meanwhile is seen within it. */
#define EP_OUTBOX_WORKER_MAX_SLEEP_S 3600

struct _EpOutboxWorker
{
  GObject              parent_instance;

  EpOutboxStore       *store;
  EpProfileStore      *profiles;
  GSettings           *settings;
  GNetworkMonitor     *monitor;
  GFileMonitor        *store_monitor;
  guint                store_settle;
  GCancellable        *cancellable;

  EpOutboxWorkerClock  clock;
  gpointer             clock_data;

  gboolean             started;
  GDateTime           *started_at;       /* held entries due before it are overdue: the app asks */
  GHashTable          *adopted;          /* ids a window sends itself */
  guint                inhibited;        /* windows adding an entry they will adopt */
  gboolean             scan_pending;     /* a scan was wanted while inhibited */
  GHashTable          *running;          /* profile id → entry id being sent */
  GHashTable          *checking;         /* profile ids whose reachability is being asked */
  GHashTable          *unreachable;      /* profile ids whose last attempt could not connect */
  GHashTable          *offline_until;    /* profile id → GDateTime: the network said no */
  GHashTable          *busy_until;       /* entry id → GDateTime: another process holds it */
  GHashTable          *blocked;          /* entry ids waiting for the person (no password) */
  GHashTable          *notified;         /* entry ids the person was told about */
  GDateTime           *last_forward;
  guint                timer;
  GDateTime           *wakeup;
  GApplication        *held;             /* weak: the application kept running */
  gboolean             background_requested;
  int                  sandboxed;         /* -1: look for /.flatpak-info */
  guint                n_waiting;
  guint                n_failing;
  guint                n_attempts;
  char                *signature;        /* the entries as last seen, to say "changed" only once */
  gboolean             copying;          /* copies in the Sent folder on the server being made */
  GHashTable          *copy_skipped;     /* Sent ids whose copy could not be tried (no password) */
  guint                profiles_idle;    /* one look after a burst of profile changes */
  guint                n_copy_attempts;
};

G_DEFINE_FINAL_TYPE (EpOutboxWorker, ep_outbox_worker, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_N_WAITING,
  PROP_N_FAILING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void ep_outbox_worker_scan (EpOutboxWorker *self);

static GDateTime *
real_clock (gpointer clock_data)
{
  return g_date_time_new_now_utc ();
}

static GDateTime *
worker_now (EpOutboxWorker *self)
{
  return self->clock (self->clock_data);
}

/* ---- Keeping the application running --------------------------------------------------------- */

static void
background_requested_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);

  /* Without the portal (an older desktop) the app simply runs while it holds itself. */
  if (reply == NULL)
    g_debug ("background portal: %s", error->message);
}

/* In a Flatpak the desktop may end an application without windows: ask the Background portal
 * once to let it finish sending. */
static void
ep_outbox_worker_request_background (EpOutboxWorker *self,
                                     GApplication   *app)
{
  gboolean sandboxed = self->sandboxed >= 0 ? self->sandboxed : g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
  GDBusConnection *bus;
  GVariantBuilder options;

  if (self->background_requested || !sandboxed || !g_application_get_is_registered (app))
    return;
  bus = g_application_get_dbus_connection (app);
  if (bus == NULL)
    return;
  self->background_requested = TRUE;
  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "reason",
                         g_variant_new_string (_("Sending the messages in the Outbox")));
  g_variant_builder_add (&options, "{sv}", "autostart", g_variant_new_boolean (FALSE));
  g_dbus_connection_call (bus, "org.freedesktop.portal.Desktop", "/org/freedesktop/portal/desktop",
                          "org.freedesktop.portal.Background", "RequestBackground",
                          g_variant_new ("(sa{sv})", "", &options), G_VARIANT_TYPE ("(o)"),
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, background_requested_cb, NULL);
}

static void
ep_outbox_worker_set_holding (EpOutboxWorker *self,
                              gboolean        hold)
{
  if (hold && self->held == NULL)
    {
      GApplication *app = g_application_get_default ();

      if (app == NULL)
        return;
      g_application_hold (app);
      self->held = app;
      g_object_add_weak_pointer (G_OBJECT (app), (gpointer *) &self->held);
      ep_outbox_worker_request_background (self, app);
    }
  else if (!hold && self->held != NULL)
    {
      GApplication *app = self->held;

      g_object_remove_weak_pointer (G_OBJECT (app), (gpointer *) &self->held);
      self->held = NULL;
      g_application_release (app);
    }
}

/* ---- Telling the person ---------------------------------------------------------------------- */

/* Once per entry, and only for what needs the person: a message refused for good, one that may
 * or may not have arrived, a sign-in that failed, a password missing. Never for a retry. */
static void
ep_outbox_worker_notify_person (EpOutboxWorker      *self,
                                const EpOutboxEntry *entry,
                                const char          *title,
                                const char          *text)
{
  GApplication *app = g_application_get_default ();
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *notification_id = NULL;
  g_autofree char *body = NULL;
  g_auto(GStrv) recipients = NULL;

  if (g_hash_table_contains (self->notified, entry->id))
    return;
  g_hash_table_add (self->notified, g_strdup (entry->id));
  if (app == NULL || !g_application_get_is_registered (app))
    return;

  recipients = g_new0 (char *, entry->recipients->len + 1);
  for (guint i = 0; i < entry->recipients->len; i++)
    recipients[i] = g_strdup (((EpOutboxRecipient *) entry->recipients->pdata[i])->address);
  {
    g_autofree char *list = g_strjoinv (", ", recipients);

    if (entry->subject != NULL && *entry->subject != '\0')
      /* Translators: “subject” to addresses: why it was not sent */
      body = g_strdup_printf (_("“%s” to %s: %s"), entry->subject, list, text);
    else
      /* Translators: the first %s is a list of e-mail addresses, the second why it was not sent */
      body = g_strdup_printf (_("To %s: %s"), list, text);
  }
  notification = g_notification_new (title);
  g_notification_set_body (notification, body);
  notification_id = g_strconcat ("outbox-", entry->id, NULL);
  g_application_send_notification (app, notification_id, notification);
}

static gboolean
error_is_missing_secret (const GError *error)
{
  return g_error_matches (error, EP_STORE_ERROR, EP_STORE_ERROR_NO_KEYRING) ||
         g_error_matches (error, EP_STORE_ERROR, EP_STORE_ERROR_KEYRING) ||
         g_error_matches (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND);
}

static gboolean
error_is_authentication (const GError *error)
{
  return g_error_matches (error, EP_SMTP_ERROR, EP_SMTP_ERROR_AUTH_FAILED) ||
         g_error_matches (error, EP_SMTP_ERROR, EP_SMTP_ERROR_AUTH_REQUIRED) ||
         g_error_matches (error, EP_SMTP_ERROR, EP_SMTP_ERROR_AUTH_UNSUPPORTED) ||
         g_error_matches (error, EP_SMTP_ERROR, EP_SMTP_ERROR_AUTH_TOO_WEAK) ||
         g_error_matches (error, EP_SMTP_ERROR, EP_SMTP_ERROR_AUTH_ENCRYPTION_REQUIRED);
}

static gboolean
error_is_unreachable (const GError *error)
{
  return g_error_matches (error, EP_SMTP_ERROR, EP_SMTP_ERROR_CONNECT) ||
         g_error_matches (error, EP_SMTP_ERROR, EP_SMTP_ERROR_TIMEOUT);
}

/* ---- One attempt ----------------------------------------------------------------------------- */

typedef struct
{
  EpOutboxStore       *store;
  GStrv                ids;
  char                *profile_id;
  EpProfile           *profile;
  EpOutboxRetryPolicy  policy;
  EpOutboxWorkerClock  clock;
  gpointer             clock_data;
  char                *oauth_client_id;
  char                *oauth_client_secret;
} Delivery;

static void
delivery_free (gpointer data)
{
  Delivery *delivery = data;

  g_object_unref (delivery->store);
  g_object_unref (delivery->profile);
  g_strfreev (delivery->ids);
  g_free (delivery->profile_id);
  g_free (delivery->oauth_client_id);
  g_free (delivery->oauth_client_secret);
  g_free (delivery);
}

static GDateTime *
delivery_now (gpointer clock_data)
{
  Delivery *delivery = clock_data;

  return delivery->clock (delivery->clock_data);
}

/* What the batch said about one entry: a report, or why it was not tried. */
typedef struct
{
  char                   *id;
  EpOutboxDeliveryReport *report;
  GError                 *error;
} Outcome;

static void
outcome_free (gpointer data)
{
  Outcome *outcome = data;

  g_free (outcome->id);
  g_clear_pointer (&outcome->report, ep_outbox_delivery_report_free);
  g_clear_error (&outcome->error);
  g_free (outcome);
}

static void
delivered_one_cb (const char             *id,
                  EpOutboxDeliveryReport *report,
                  const GError           *error,
                  gpointer                user_data)
{
  GPtrArray *outcomes = user_data;
  Outcome *outcome = g_new0 (Outcome, 1);

  outcome->id = g_strdup (id);
  outcome->report = report;
  if (report == NULL)
    outcome->error = g_error_copy (error);
  g_ptr_array_add (outcomes, outcome);
}

static void
deliver_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Delivery *delivery = task_data;
  EpOutboxDeliveryOptions options = { 0 };
  GPtrArray *outcomes = g_ptr_array_new_with_free_func (outcome_free);

  options.policy = &delivery->policy;
  options.now = delivery_now;
  options.clock_data = delivery;
  options.oauth_client_id = delivery->oauth_client_id;
  options.oauth_client_secret = delivery->oauth_client_secret;
  ep_outbox_deliver_batch_sync (delivery->store, (const char * const *) delivery->ids, delivery->profile,
                                &options, delivered_one_cb, outcomes, cancellable);
  g_task_return_pointer (task, outcomes, (GDestroyNotify) g_ptr_array_unref);
}

/* Nothing was tried: the entry went, another process holds it, the password is missing, or
 * (@after_attempt: an entry before it in the batch was tried) the server ended the connection
 * before it. */
static void
ep_outbox_worker_nothing_tried (EpOutboxWorker *self,
                                const char     *id,
                                const GError   *error,
                                gboolean        after_attempt)
{
  g_autoptr(EpOutboxEntry) entry = ep_outbox_store_load (self->store, id, NULL);
  g_autoptr(GDateTime) now = worker_now (self);

  if (entry == NULL)
    return;
  if (g_error_matches (error, EP_STORE_ERROR, EP_STORE_ERROR_BUSY))
    {
      g_hash_table_replace (self->busy_until, g_strdup (id),
                            g_date_time_add_seconds (now, EP_OUTBOX_WORKER_BUSY_RETRY_S));
      return;
    }
  /* The server ended the connection before this entry: it is as it was, and the next look
   * sends it over a new connection. */
  if (after_attempt && error->domain == EP_SMTP_ERROR)
    return;
  /* Left as it is until the person does something (Retry in the Outbox): asking again by
   * itself would only fail again. */
  g_hash_table_add (self->blocked, g_strdup (id));
  if (error_is_missing_secret (error))
    ep_outbox_worker_notify_person (self, entry, _("Password Needed to Send a Message"), error->message);
  else
    {
      g_debug ("outbox entry %s not sent: %s", id, error->message);
      ep_outbox_worker_notify_person (self, entry, _("Message Not Sent"), error->message);
    }
}

static void
ep_outbox_worker_report (EpOutboxWorker               *self,
                         Delivery                     *delivery,
                         const char                   *id,
                         const EpOutboxDeliveryReport *report)
{
  g_autoptr(EpOutboxEntry) entry = NULL;

  if (report->state == EP_OUTBOX_STATE_DELIVERED)
    {
      g_hash_table_remove (self->unreachable, delivery->profile_id);
      return;
    }
  if (report->error != NULL && error_is_unreachable (report->error))
    g_hash_table_add (self->unreachable, g_strdup (delivery->profile_id));
  else
    g_hash_table_remove (self->unreachable, delivery->profile_id);

  entry = ep_outbox_store_load (self->store, id, NULL);
  if (entry == NULL)
    return;
  /* A refused sign-in first: what the person mends is the profile, not the message. */
  if (report->error != NULL && error_is_authentication (report->error))
    ep_outbox_worker_notify_person (self, entry, _("Sign-In Failed"), report->error->message);
  else if (report->state == EP_OUTBOX_STATE_FAILED)
    ep_outbox_worker_notify_person (self, entry, _("Message Not Sent"),
                                    report->error != NULL ? report->error->message : "");
  else if (report->state == EP_OUTBOX_STATE_UNKNOWN)
    ep_outbox_worker_notify_person (self, entry, _("Message May Not Have Arrived"),
                                    report->error != NULL ? report->error->message : "");
}

/* What the server said in its EHLO reply, kept on the profile (saved) for Send Later's offer to
 * let the server hold a message. Each attempt's result has it; the last one is the newest. */
static void
ep_outbox_worker_learn (EpOutboxWorker *self,
                        Delivery       *delivery,
                        GPtrArray      *outcomes)
{
  EpProfile *profile = ep_profile_store_lookup_by_id (self->profiles, delivery->profile_id);
  const EpSmtpCapabilities *caps = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < outcomes->len; i++)
    {
      Outcome *outcome = outcomes->pdata[i];

      if (outcome->report != NULL && outcome->report->result != NULL &&
          outcome->report->result->capabilities != NULL)
        caps = outcome->report->result->capabilities;
    }
  if (caps == NULL || profile == NULL)
    return;
  ep_profile_learn_capabilities (profile, caps, NULL);
  if (!ep_profile_store_save (self->profiles, &error))
    g_debug ("outbox: %s", error->message);
}

static void
delivered_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  EpOutboxWorker *self = EP_OUTBOX_WORKER (object);
  Delivery *delivery = g_task_get_task_data (G_TASK (result));
  g_autoptr(GPtrArray) outcomes = g_task_propagate_pointer (G_TASK (result), NULL);
  gboolean tried = FALSE;

  g_hash_table_remove (self->running, delivery->profile_id);
  /* Cancelled: the worker is going away; the entries are back as they were claimed. */
  if (g_cancellable_is_cancelled (self->cancellable) || outcomes == NULL)
    return;
  ep_outbox_worker_learn (self, delivery, outcomes);
  for (guint i = 0; i < outcomes->len; i++)
    {
      Outcome *outcome = outcomes->pdata[i];

      if (outcome->report == NULL)
        ep_outbox_worker_nothing_tried (self, outcome->id, outcome->error, tried);
      else
        {
          tried = TRUE;
          ep_outbox_worker_report (self, delivery, outcome->id, outcome->report);
        }
    }
  ep_outbox_worker_scan (self);
}

/* One connection for @ids (all @profile's), one after the other. */
static void
ep_outbox_worker_deliver (EpOutboxWorker *self,
                          EpProfile      *profile,
                          GStrv           ids)
{
  Delivery *delivery = g_new0 (Delivery, 1);
  g_autoptr(GTask) task = g_task_new (self, self->cancellable, delivered_cb, NULL);

  delivery->store = g_object_ref (self->store);
  delivery->ids = ids;
  delivery->profile_id = g_strdup (ep_profile_get_id (profile));
  delivery->profile = g_object_ref (profile);
  delivery->clock = self->clock;
  delivery->clock_data = self->clock_data;
  /* GSettings is read here, on the main thread, for the worker. */
  ep_sign_in_client_for_profile (profile, &delivery->oauth_client_id, &delivery->oauth_client_secret);
  ep_outbox_worker_get_retry_policy (self, &delivery->policy);
  g_hash_table_insert (self->running, g_strdup (delivery->profile_id), g_strdup (ids[0]));
  self->n_attempts++;
  g_task_set_task_data (task, delivery, delivery_free);
  g_task_set_source_tag (task, ep_outbox_worker_deliver);
  g_task_run_in_thread (task, deliver_thread);
}

/* ---- Copies in the Sent folder on the server, tried again ------------------------------------ */

typedef struct
{
  GPtrArray           *ids;        /* Sent entry ids */
  GPtrArray           *profiles;   /* their profiles, in the same order */
  GPtrArray           *skipped;    /* filled by the thread: ids not tried */
  EpOutboxRetryPolicy  policy;
  EpOutboxWorkerClock  clock;
  gpointer             clock_data;
} CopyRetry;

static void
copy_retry_free (gpointer data)
{
  CopyRetry *retry = data;

  g_ptr_array_unref (retry->ids);
  g_ptr_array_unref (retry->profiles);
  g_ptr_array_unref (retry->skipped);
  g_free (retry);
}

static GDateTime *
copy_retry_now (gpointer clock_data)
{
  CopyRetry *retry = clock_data;

  return retry->clock (retry->clock_data);
}

static void
copy_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  CopyRetry *retry = task_data;
  EpOutboxDeliveryOptions options = { 0 };

  options.policy = &retry->policy;
  options.now = copy_retry_now;
  options.clock_data = retry;
  for (guint i = 0; i < retry->ids->len && !g_cancellable_is_cancelled (cancellable); i++)
    {
      g_autoptr(EpSentCopyStatus) status = NULL;
      g_autoptr(GError) error = NULL;

      status = ep_outbox_retry_sent_copy_sync (retry->ids->pdata[i], retry->profiles->pdata[i], &options,
                                               cancellable, &error);
      if (status == NULL)
        {
          g_debug ("Sent %s: %s", (const char *) retry->ids->pdata[i], error->message);
          /* Another process uploading it now: its outcome decides whether it is due again. */
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
              !g_error_matches (error, EP_STORE_ERROR, EP_STORE_ERROR_BUSY))
            g_ptr_array_add (retry->skipped, g_strdup (retry->ids->pdata[i]));
        }
    }
  g_task_return_boolean (task, TRUE);
}

static void
copied_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  EpOutboxWorker *self = EP_OUTBOX_WORKER (object);
  CopyRetry *retry = g_task_get_task_data (G_TASK (result));

  self->copying = FALSE;
  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  /* Not tried (no password, the copy gone): not again until the profiles change, or every
   * look would try it at once. */
  for (guint i = 0; i < retry->skipped->len; i++)
    g_hash_table_add (self->copy_skipped, g_strdup (retry->skipped->pdata[i]));
  ep_outbox_worker_scan (self);
}

/* The copies due at @now, each with its profile (one whose profile is gone or no longer makes
 * copies waits). FALSE when there was nothing to try. */
static gboolean
ep_outbox_worker_copy (EpOutboxWorker *self,
                       GDateTime      *now)
{
  g_autoptr(GPtrArray) due = ep_outbox_list_sent_copies_due (NULL, now);
  g_autoptr(GTask) task = NULL;
  CopyRetry *retry;

  retry = g_new0 (CopyRetry, 1);
  retry->ids = g_ptr_array_new_with_free_func (g_free);
  retry->profiles = g_ptr_array_new_with_free_func (g_object_unref);
  retry->skipped = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < due->len; i++)
    {
      const EpSentInfo *info = due->pdata[i];
      EpProfile *profile = info->profile_id != NULL
                           ? ep_profile_store_lookup_by_id (self->profiles, info->profile_id) : NULL;

      if (profile == NULL || !ep_profile_get_sent_copy (profile) ||
          g_hash_table_contains (self->copy_skipped, info->id))
        continue;
      g_ptr_array_add (retry->ids, g_strdup (info->id));
      g_ptr_array_add (retry->profiles, g_object_ref (profile));
    }
  if (retry->ids->len == 0)
    {
      copy_retry_free (retry);
      return FALSE;
    }
  retry->clock = self->clock;
  retry->clock_data = self->clock_data;
  ep_outbox_worker_get_retry_policy (self, &retry->policy);
  self->copying = TRUE;
  self->n_copy_attempts += retry->ids->len;
  task = g_task_new (self, self->cancellable, copied_cb, NULL);
  g_task_set_task_data (task, retry, copy_retry_free);
  g_task_set_source_tag (task, ep_outbox_worker_copy);
  g_task_run_in_thread (task, copy_thread);
  return TRUE;
}

/* ---- Reachability ---------------------------------------------------------------------------- */

typedef struct
{
  EpOutboxWorker *self;
  char           *profile_id;
} ReachCheck;

static void
reach_checked_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  ReachCheck *check = user_data;
  g_autoptr(EpOutboxWorker) self = check->self;
  g_autofree char *profile_id = check->profile_id;
  g_autoptr(GError) error = NULL;
  gboolean reachable = g_network_monitor_can_reach_finish (G_NETWORK_MONITOR (object), result, &error);

  g_free (check);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_hash_table_remove (self->checking, profile_id);
  if (reachable)
    g_hash_table_remove (self->unreachable, profile_id);
  else
    {
      g_autoptr(GDateTime) now = worker_now (self);

      g_debug ("outbox: the server of profile %s cannot be reached: %s", profile_id, error->message);
      g_hash_table_replace (self->offline_until, g_strdup (profile_id),
                            g_date_time_add_seconds (now, EP_OUTBOX_WORKER_UNREACHABLE_RETRY_S));
    }
  ep_outbox_worker_scan (self);
}

static void
ep_outbox_worker_check_reach (EpOutboxWorker *self,
                              EpProfile      *profile)
{
  ReachCheck *check = g_new0 (ReachCheck, 1);
  g_autoptr(GSocketConnectable) address = g_network_address_new (ep_profile_get_host (profile),
                                                                  ep_profile_get_port (profile));

  check->self = g_object_ref (self);
  check->profile_id = g_strdup (ep_profile_get_id (profile));
  g_hash_table_add (self->checking, g_strdup (check->profile_id));
  g_network_monitor_can_reach_async (self->monitor, address, self->cancellable, reach_checked_cb, check);
}

static void
network_changed_cb (GNetworkMonitor *monitor,
                    gboolean         available,
                    EpOutboxWorker  *self)
{
  g_autoptr(GDateTime) now = worker_now (self);
  g_autoptr(GPtrArray) entries = NULL;

  g_hash_table_remove_all (self->offline_until);
  if (!available || g_hash_table_size (self->unreachable) == 0)
    {
      ep_outbox_worker_scan (self);
      return;
    }
  /* The network is back: what waited for a server that could not be reached need not wait for
   * its next retry (the server is asked about first). */
  if (self->last_forward == NULL ||
      g_date_time_difference (now, self->last_forward) >= EP_OUTBOX_WORKER_NETWORK_FORWARD_S * G_TIME_SPAN_SECOND)
    {
      g_clear_pointer (&self->last_forward, g_date_time_unref);
      self->last_forward = g_date_time_ref (now);
      entries = ep_outbox_store_list (self->store, NULL, NULL);
      for (guint i = 0; entries != NULL && i < entries->len; i++)
        {
          EpOutboxEntry *entry = entries->pdata[i];

          if ((entry->state == EP_OUTBOX_STATE_QUEUED || entry->state == EP_OUTBOX_STATE_PARTIAL) &&
              entry->profile_id != NULL && g_hash_table_contains (self->unreachable, entry->profile_id) &&
              !g_hash_table_contains (self->adopted, entry->id) &&
              g_date_time_compare (entry->not_before, now) > 0)
            ep_outbox_store_queue (self->store, entry->id, now, NULL);
        }
    }
  ep_outbox_worker_scan (self);
}

/* ---- Looking at the store -------------------------------------------------------------------- */

static gboolean
store_settled_cb (gpointer user_data)
{
  EpOutboxWorker *self = user_data;

  self->store_settle = 0;
  ep_outbox_worker_scan (self);
  return G_SOURCE_REMOVE;
}

static void
store_changed_cb (GFileMonitor      *monitor,
                  GFile             *file,
                  GFile             *other_file,
                  GFileMonitorEvent  event,
                  EpOutboxWorker    *self)
{
  if (self->store_settle == 0)
    self->store_settle = g_timeout_add (EP_OUTBOX_WORKER_STORE_SETTLE_MS, store_settled_cb, self);
}

/* epistle-send --at, or another Epistle, adds entries too: the folder is watched (no polling). */
static void
ep_outbox_worker_watch_store (EpOutboxWorker *self)
{
  const char *dir = ep_outbox_store_get_dir (self->store);
  g_autoptr(GFile) file = g_file_new_for_path (dir);
  g_autoptr(GError) error = NULL;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    g_debug ("outbox: %s: %s", dir, g_strerror (errno));
  self->store_monitor = g_file_monitor_directory (file, G_FILE_MONITOR_NONE, self->cancellable, &error);
  if (self->store_monitor == NULL)
    {
      g_debug ("outbox: %s not watched: %s", dir, error->message);
      return;
    }
  g_signal_connect (self->store_monitor, "changed", G_CALLBACK (store_changed_cb), self);
}

static gboolean
timer_cb (gpointer user_data)
{
  EpOutboxWorker *self = user_data;

  self->timer = 0;
  ep_outbox_worker_scan (self);
  return G_SOURCE_REMOVE;
}

static void
ep_outbox_worker_arm (EpOutboxWorker *self,
                      GDateTime      *next,
                      GDateTime      *now)
{
  GTimeSpan delay;

  g_clear_handle_id (&self->timer, g_source_remove);
  g_clear_pointer (&self->wakeup, g_date_time_unref);
  if (next == NULL)
    return;
  self->wakeup = g_date_time_ref (next);
  delay = CLAMP (g_date_time_difference (next, now), 0, EP_OUTBOX_WORKER_MAX_SLEEP_S * G_TIME_SPAN_SECOND);
  /* Rounded up: a timer that fires before the time would only find nothing due and sleep again. */
  self->timer = g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) ((delay + 999) / 1000), timer_cb, self, NULL);
}

static void
earliest (GDateTime **next,
          GDateTime  *time)
{
  if (*next == NULL || g_date_time_compare (time, *next) < 0)
    {
      g_clear_pointer (next, g_date_time_unref);
      *next = g_date_time_ref (time);
    }
}

static EpProfile *
ep_outbox_worker_find_profile (EpOutboxWorker      *self,
                               const EpOutboxEntry *entry)
{
  if (entry->profile_id == NULL)
    return ep_profile_store_get_default (self->profiles);
  return ep_profile_store_lookup_by_id (self->profiles, entry->profile_id);
}

/* A due entry: sent now if its profile is free and its server may be reached, together with
 * the other entries of @due that go through the same profile. */
static void
ep_outbox_worker_try (EpOutboxWorker  *self,
                      EpOutboxEntry   *entry,
                      GPtrArray       *due,
                      GDateTime       *now,
                      GDateTime      **next)
{
  EpProfile *profile = ep_outbox_worker_find_profile (self, entry);
  const char *profile_id;
  GDateTime *offline;
  g_autoptr(GStrvBuilder) ids = NULL;

  if (profile == NULL)
    {
      g_hash_table_add (self->blocked, g_strdup (entry->id));
      ep_outbox_worker_notify_person (self, entry, _("Message Not Sent"),
                                      _("Its server profile no longer exists."));
      return;
    }
  profile_id = ep_profile_get_id (profile);
  if (g_hash_table_contains (self->running, profile_id) || g_hash_table_contains (self->checking, profile_id))
    return;   /* looked at again when that ends */
  offline = g_hash_table_lookup (self->offline_until, profile_id);
  if (offline != NULL && g_date_time_compare (offline, now) > 0)
    {
      earliest (next, offline);
      return;
    }
  g_hash_table_remove (self->offline_until, profile_id);
  if (g_hash_table_contains (self->unreachable, profile_id) && !ep_profile_get_is_sandbox (profile))
    {
      ep_outbox_worker_check_reach (self, profile);
      return;
    }
  ids = g_strv_builder_new ();
  for (guint i = 0; i < due->len; i++)
    {
      EpOutboxEntry *other = due->pdata[i];

      if (other == entry || ep_outbox_worker_find_profile (self, other) == profile)
        g_strv_builder_add (ids, other->id);
    }
  ep_outbox_worker_deliver (self, profile, g_strv_builder_end (ids));
}

static void
ep_outbox_worker_set_counts (EpOutboxWorker *self,
                             guint           n_waiting,
                             guint           n_failing)
{
  if (self->n_waiting != n_waiting)
    {
      self->n_waiting = n_waiting;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_WAITING]);
    }
  if (self->n_failing != n_failing)
    {
      self->n_failing = n_failing;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_FAILING]);
    }
}

static void
ep_outbox_worker_scan (EpOutboxWorker *self)
{
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GDateTime) horizon = NULL;
  g_autoptr(GDateTime) next = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) signature = g_string_new (NULL);
  g_autoptr(GPtrArray) due = g_ptr_array_new ();
  guint n_waiting = 0, n_failing = 0;
  gboolean soon = FALSE;
  gboolean later = FALSE;

  if (!self->started)
    return;
  if (self->inhibited > 0)
    {
      self->scan_pending = TRUE;
      return;
    }
  now = worker_now (self);
  horizon = g_date_time_add_seconds (now, EP_OUTBOX_WORKER_HOLD_AHEAD_S);
  entries = ep_outbox_store_list (self->store, NULL, &error);
  if (entries == NULL)
    {
      g_debug ("outbox: %s", error->message);
      entries = g_ptr_array_new ();
    }

  for (guint i = 0; i < entries->len; i++)
    {
      EpOutboxEntry *entry = entries->pdata[i];
      g_autofree char *not_before = g_date_time_format_iso8601 (entry->not_before);
      GDateTime *busy;

      g_string_append_printf (signature, "%s %d %s %u\n", entry->id, entry->state, not_before,
                              entry->attempts->len);
      if (entry->state == EP_OUTBOX_STATE_FAILED || entry->state == EP_OUTBOX_STATE_UNKNOWN)
        n_failing++;
      else if (entry->state != EP_OUTBOX_STATE_DELIVERED)
        n_waiting++;
      if (g_hash_table_contains (self->adopted, entry->id) || g_hash_table_contains (self->blocked, entry->id))
        continue;

      if (entry->state == EP_OUTBOX_STATE_HELD)
        {
          /* Its time came while the app runs: it goes. Due before the app started: overdue, the
           * person is asked (the Outbox window does). */
          if (g_date_time_compare (entry->not_before, now) > 0)
            {
              earliest (&next, entry->not_before);
              soon |= g_date_time_compare (entry->not_before, horizon) <= 0;
              later = TRUE;
              continue;
            }
          if (g_date_time_compare (entry->not_before, self->started_at) < 0)
            continue;
          if (!ep_outbox_store_queue (self->store, entry->id, entry->not_before, &error))
            {
              g_debug ("outbox: %s", error->message);
              g_clear_error (&error);
              continue;
            }
          entry->state = EP_OUTBOX_STATE_QUEUED;
        }
      if (entry->state != EP_OUTBOX_STATE_QUEUED && entry->state != EP_OUTBOX_STATE_PARTIAL)
        continue;

      busy = g_hash_table_lookup (self->busy_until, entry->id);
      if (busy != NULL && g_date_time_compare (busy, now) > 0)
        {
          earliest (&next, busy);
          later = TRUE;
          continue;
        }
      g_hash_table_remove (self->busy_until, entry->id);
      if (!ep_outbox_entry_is_due (entry, now))
        {
          earliest (&next, entry->not_before);
          soon |= g_date_time_compare (entry->not_before, horizon) <= 0;
          later = TRUE;
          continue;
        }
      soon = TRUE;
      g_ptr_array_add (due, entry);
    }
  /* After the whole list: each connection takes every due entry of its profile. */
  for (guint i = 0; i < due->len; i++)
    ep_outbox_worker_try (self, due->pdata[i], due, now, &next);

  /* The copies in the Sent folder on the server that failed before: on the same backoff, and
   * keeping the application running while they are due, as a delivery's retry does. */
  if (!self->copying)
    {
      g_autoptr(GDateTime) copy_next = ep_outbox_next_sent_copy_time (NULL);

      if (copy_next != NULL && g_date_time_compare (copy_next, now) > 0)
        {
          earliest (&next, copy_next);
          soon |= g_date_time_compare (copy_next, horizon) <= 0;
          later = TRUE;
        }
      else if (copy_next != NULL)
        ep_outbox_worker_copy (self, now);
    }

  ep_outbox_worker_arm (self, next, now);
  if (later && g_settings_get_boolean (self->settings, "outbox-keep-running"))
    soon = TRUE;
  ep_outbox_worker_set_holding (self, soon || self->copying || g_hash_table_size (self->running) > 0 ||
                                      g_hash_table_size (self->checking) > 0);
  ep_outbox_worker_set_counts (self, n_waiting, n_failing);
  if (g_strcmp0 (self->signature, signature->str) != 0)
    {
      g_free (self->signature);
      self->signature = g_string_free (g_steal_pointer (&signature), FALSE);
      g_signal_emit (self, signals[CHANGED], 0);
    }
}

static gboolean
profiles_idle_cb (gpointer data)
{
  EpOutboxWorker *self = data;

  self->profiles_idle = 0;
  ep_outbox_worker_reload (self);
  return G_SOURCE_REMOVE;
}

/* A saved profile emits one change per setting: one look once they are all in. */
static void
profiles_changed_cb (EpOutboxWorker *self)
{
  if (self->profiles_idle == 0)
    self->profiles_idle = g_idle_add (profiles_idle_cb, self);
}

/* ---- EpOutboxWorker -------------------------------------------------------------------------- */

static void
ep_outbox_worker_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  EpOutboxWorker *self = EP_OUTBOX_WORKER (object);

  switch (prop_id)
    {
    case PROP_N_WAITING:
      g_value_set_uint (value, self->n_waiting);
      break;
    case PROP_N_FAILING:
      g_value_set_uint (value, self->n_failing);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ep_outbox_worker_dispose (GObject *object)
{
  EpOutboxWorker *self = EP_OUTBOX_WORKER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->timer, g_source_remove);
  g_clear_handle_id (&self->store_settle, g_source_remove);
  if (self->store_monitor != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->store_monitor, self);
      g_file_monitor_cancel (self->store_monitor);
    }
  g_clear_object (&self->store_monitor);
  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  g_clear_object (&self->monitor);
  ep_outbox_worker_set_holding (self, FALSE);
  g_clear_handle_id (&self->profiles_idle, g_source_remove);
  if (self->profiles != NULL)
    g_signal_handlers_disconnect_by_data (self->profiles, self);

  G_OBJECT_CLASS (ep_outbox_worker_parent_class)->dispose (object);
}

static void
ep_outbox_worker_finalize (GObject *object)
{
  EpOutboxWorker *self = EP_OUTBOX_WORKER (object);

  g_clear_object (&self->store);
  g_clear_object (&self->profiles);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->started_at, g_date_time_unref);
  g_clear_pointer (&self->last_forward, g_date_time_unref);
  g_clear_pointer (&self->wakeup, g_date_time_unref);
  g_clear_pointer (&self->adopted, g_hash_table_unref);
  g_clear_pointer (&self->running, g_hash_table_unref);
  g_clear_pointer (&self->checking, g_hash_table_unref);
  g_clear_pointer (&self->unreachable, g_hash_table_unref);
  g_clear_pointer (&self->offline_until, g_hash_table_unref);
  g_clear_pointer (&self->busy_until, g_hash_table_unref);
  g_clear_pointer (&self->blocked, g_hash_table_unref);
  g_clear_pointer (&self->copy_skipped, g_hash_table_unref);
  g_clear_pointer (&self->notified, g_hash_table_unref);
  g_free (self->signature);

  G_OBJECT_CLASS (ep_outbox_worker_parent_class)->finalize (object);
}

static void
ep_outbox_worker_class_init (EpOutboxWorkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = ep_outbox_worker_get_property;
  object_class->dispose = ep_outbox_worker_dispose;
  object_class->finalize = ep_outbox_worker_finalize;

  properties[PROP_N_WAITING] =
    g_param_spec_uint ("n-waiting", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_FAILING] =
    g_param_spec_uint ("n-failing", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ep_outbox_worker_init (EpOutboxWorker *self)
{
  self->clock = real_clock;
  self->sandboxed = -1;
  self->cancellable = g_cancellable_new ();
  self->settings = g_settings_new (APP_ID);
  self->adopted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->running = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->checking = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->unreachable = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->offline_until = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_date_time_unref);
  self->busy_until = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_date_time_unref);
  self->blocked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->copy_skipped = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->notified = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

EpOutboxWorker *
ep_outbox_worker_new (EpOutboxStore  *store,
                      EpProfileStore *profiles)
{
  EpOutboxWorker *self;

  g_return_val_if_fail (EP_IS_OUTBOX_STORE (store), NULL);
  g_return_val_if_fail (EP_IS_PROFILE_STORE (profiles), NULL);

  self = g_object_new (EP_TYPE_OUTBOX_WORKER, NULL);
  self->store = g_object_ref (store);
  self->profiles = g_object_ref (profiles);
  /* A saved password or a Sent folder chosen may let a waiting copy through: look again. */
  g_signal_connect_object (profiles, "changed", G_CALLBACK (profiles_changed_cb), self, G_CONNECT_SWAPPED);
  return self;
}

EpOutboxStore *
ep_outbox_worker_get_store (EpOutboxWorker *self)
{
  g_return_val_if_fail (EP_IS_OUTBOX_WORKER (self), NULL);
  return self->store;
}

void
ep_outbox_worker_attach (EpOutboxWorker *self,
                         GApplication   *application)
{
  g_return_if_fail (EP_IS_OUTBOX_WORKER (self));
  g_return_if_fail (G_IS_APPLICATION (application));
  g_object_set_data_full (G_OBJECT (application), "ep-outbox-worker", g_object_ref (self), g_object_unref);
}

EpOutboxWorker *
ep_outbox_worker_get_for_application (GApplication *application)
{
  g_return_val_if_fail (application == NULL || G_IS_APPLICATION (application), NULL);
  return application != NULL ? g_object_get_data (G_OBJECT (application), "ep-outbox-worker") : NULL;
}

void
ep_outbox_worker_start (EpOutboxWorker *self)
{
  g_return_if_fail (EP_IS_OUTBOX_WORKER (self));

  if (self->started)
    return;
  self->started = TRUE;
  self->started_at = worker_now (self);
  if (self->monitor == NULL)
    self->monitor = g_object_ref (g_network_monitor_get_default ());
  g_signal_connect (self->monitor, "network-changed", G_CALLBACK (network_changed_cb), self);
  g_signal_connect_swapped (self->settings, "changed::outbox-keep-running",
                            G_CALLBACK (ep_outbox_worker_scan), self);
  ep_outbox_worker_watch_store (self);
  ep_outbox_worker_scan (self);
}

void
ep_outbox_worker_reload (EpOutboxWorker *self)
{
  g_return_if_fail (EP_IS_OUTBOX_WORKER (self));
  /* A password may have been saved meanwhile. */
  g_hash_table_remove_all (self->copy_skipped);
  ep_outbox_worker_scan (self);
}

void
ep_outbox_worker_retry_now (EpOutboxWorker *self,
                            const char     *id)
{
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (EP_IS_OUTBOX_WORKER (self));
  g_return_if_fail (id != NULL);

  now = worker_now (self);
  g_hash_table_remove (self->blocked, id);
  g_hash_table_remove (self->busy_until, id);
  g_hash_table_remove (self->notified, id);
  if (!ep_outbox_store_queue (self->store, id, now, &error))
    g_debug ("outbox: %s", error->message);
  ep_outbox_worker_scan (self);
}

void
ep_outbox_worker_adopt (EpOutboxWorker *self,
                        const char     *id)
{
  g_return_if_fail (EP_IS_OUTBOX_WORKER (self));
  g_return_if_fail (id != NULL);
  g_hash_table_add (self->adopted, g_strdup (id));
}

/* A window is adding an entry that it will send itself: until it adopts it, the worker does not
 * look at the store, where it would find the new entry due and take it first. */
void
ep_outbox_worker_inhibit (EpOutboxWorker *self)
{
  g_return_if_fail (EP_IS_OUTBOX_WORKER (self));
  self->inhibited++;
}

void
ep_outbox_worker_uninhibit (EpOutboxWorker *self)
{
  g_return_if_fail (EP_IS_OUTBOX_WORKER (self));
  g_return_if_fail (self->inhibited > 0);
  if (--self->inhibited == 0 && self->scan_pending)
    {
      self->scan_pending = FALSE;
      ep_outbox_worker_scan (self);
    }
}

void
ep_outbox_worker_release (EpOutboxWorker *self,
                          const char     *id)
{
  g_return_if_fail (EP_IS_OUTBOX_WORKER (self));
  g_return_if_fail (id != NULL);
  g_hash_table_remove (self->adopted, id);
  g_hash_table_remove (self->blocked, id);
  ep_outbox_worker_scan (self);
}

guint
ep_outbox_worker_get_n_waiting (EpOutboxWorker *self)
{
  g_return_val_if_fail (EP_IS_OUTBOX_WORKER (self), 0);
  return self->n_waiting;
}

guint
ep_outbox_worker_get_n_failing (EpOutboxWorker *self)
{
  g_return_val_if_fail (EP_IS_OUTBOX_WORKER (self), 0);
  return self->n_failing;
}

void
ep_outbox_worker_get_retry_policy (EpOutboxWorker      *self,
                                   EpOutboxRetryPolicy *policy)
{
  g_return_if_fail (EP_IS_OUTBOX_WORKER (self));
  g_return_if_fail (policy != NULL);

  ep_outbox_retry_policy_init_default (policy);
  policy->max_delay = g_settings_get_uint (self->settings, "outbox-retry-max-delay");
  policy->first_delay = MIN (policy->first_delay, policy->max_delay);
  policy->max_age = g_settings_get_uint (self->settings, "outbox-retry-max-hours") * 3600;
}

/* ---- For the tests --------------------------------------------------------------------------- */

void
ep_outbox_worker_set_clock (EpOutboxWorker      *self,
                            EpOutboxWorkerClock  clock,
                            gpointer             clock_data)
{
  g_return_if_fail (EP_IS_OUTBOX_WORKER (self));
  self->clock = clock != NULL ? clock : real_clock;
  self->clock_data = clock_data;
}

void
ep_outbox_worker_set_network_monitor (EpOutboxWorker  *self,
                                      GNetworkMonitor *monitor)
{
  g_return_if_fail (EP_IS_OUTBOX_WORKER (self));
  g_return_if_fail (G_IS_NETWORK_MONITOR (monitor));
  g_return_if_fail (!self->started);
  g_set_object (&self->monitor, monitor);
}

void
ep_outbox_worker_set_sandboxed (EpOutboxWorker *self,
                                gboolean        sandboxed)
{
  g_return_if_fail (EP_IS_OUTBOX_WORKER (self));
  self->sandboxed = sandboxed ? 1 : 0;
}

GDateTime *
ep_outbox_worker_get_wakeup (EpOutboxWorker *self)
{
  g_return_val_if_fail (EP_IS_OUTBOX_WORKER (self), NULL);
  return self->wakeup;
}

gboolean
ep_outbox_worker_is_holding (EpOutboxWorker *self)
{
  g_return_val_if_fail (EP_IS_OUTBOX_WORKER (self), FALSE);
  return self->held != NULL;
}

guint
ep_outbox_worker_get_n_running (EpOutboxWorker *self)
{
  g_return_val_if_fail (EP_IS_OUTBOX_WORKER (self), 0);
  return g_hash_table_size (self->running);
}

guint
ep_outbox_worker_get_n_attempts (EpOutboxWorker *self)
{
  g_return_val_if_fail (EP_IS_OUTBOX_WORKER (self), 0);
  return self->n_attempts;
}

guint
ep_outbox_worker_get_n_copy_attempts (EpOutboxWorker *self)
{
  g_return_val_if_fail (EP_IS_OUTBOX_WORKER (self), 0);
  return self->n_copy_attempts;
}
