/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-setup-window.c: set-up from an e-mail address. One field first; Find Settings runs an
 * EpDiscover and shows each source's progress as it reports it (Cancel stops them all), then
 * the servers found with where each came from, in the candidate's own words. A server that
 * discovery could not vouch for (named by unsigned DNS or plain HTTP outside the address's
 * domain) needs the person's explicit switch before it can be used. Test and Save runs the
 * same live connection test as the profile editor (EpConnectionTestWindow) with the password
 * typed, and only a test that passed, signing in included, saves the profile and puts the
 * password in the keyring. Set Up Manually hands what is known to the full editor at any
 * point. A provider that takes only its own OAuth 2.0 sign-in gets no password field: Continue
 * to Sign-In hands the profile to the editor with that provider's sign-in turned on. */
#include "config.h"

#include <glib/gi18n.h>

#include "ep-secrets.h"
#include "ep-setup-window-private.h"
#include "ep-sign-in-group.h"
#include "ep-store-error.h"

struct _EpSetupWindow
{
  AdwWindow               parent_instance;

  /* Template widgets */
  AdwWindowTitle         *window_title;
  GtkButton              *cancel_button;
  GtkButton              *primary_button;
  GtkButton              *manual_button;
  GtkActionBar           *action_bar;
  GtkStack               *stack;
  AdwEntryRow            *address_row;
  AdwActionRow           *consent_row;
  GtkSwitch              *consent_switch;
  AdwPreferencesPage     *lookup_page;
  AdwPreferencesGroup    *found_group;
  GtkListBox             *found_list;
  AdwPreferencesGroup    *nothing_group;
  AdwActionRow           *nothing_row;
  AdwPreferencesGroup    *account_group;
  AdwActionRow           *confirm_row;
  GtkSwitch              *confirm_switch;
  AdwActionRow           *oauth_row;
  AdwPasswordEntryRow    *password_row;
  AdwPreferencesGroup    *sources_group;
  AdwStatusPage          *done_page;

  /* Owned */
  EpProfileStore         *store;
  GSettings              *settings;
  EpDiscover             *discover;      /* the latest run */
  GCancellable           *cancellable;   /* while it runs */
  EpDiscoverResult       *result;
  GPtrArray              *candidate_rows;
  AdwActionRow           *source_rows[EP_DISCOVER_N_SOURCES];
  GtkStack               *source_icons[EP_DISCOVER_N_SOURCES];
  EpProfile              *tested;        /* the profile the connection test runs with */
  EpProfile              *saved;
  EpSetupDiscoverHook     discover_hook;
  EpSetupProfileHook      profile_hook;
  gpointer                hook_data;

  /* Weak */
  EpConnectionTestWindow *test_window;
};

G_DEFINE_FINAL_TYPE (EpSetupWindow, ep_setup_window, ADW_TYPE_WINDOW)

enum {
  SET_UP_MANUALLY,
  SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void update_primary (EpSetupWindow *self);

/* ---- Words ----------------------------------------------------------------------------------- */

static const char *
source_title (EpDiscoverSource source)
{
  switch (source)
    {
    case EP_DISCOVER_SOURCE_PRESET:
      return _("Epistle’s list of providers");
    case EP_DISCOVER_SOURCE_AUTOCONFIG:
      return _("Your provider’s own configuration");
    case EP_DISCOVER_SOURCE_ISPDB:
      return _("Thunderbird ISP database");
    case EP_DISCOVER_SOURCE_MX:
      return _("The provider of your domain’s mail (MX record)");
    case EP_DISCOVER_SOURCE_SRV:
      return _("Service records in the DNS (SRV)");
    case EP_DISCOVER_SOURCE_PROBE:
      return _("Likely server names, tried one by one");
    default:
      g_assert_not_reached ();
    }
}

static const char *
state_words (EpSetupWindow    *self,
             EpDiscoverSource  source,
             EpDiscoverState   state)
{
  switch (state)
    {
    case EP_DISCOVER_STATE_WAITING:
      return _("Waiting");
    case EP_DISCOVER_STATE_RUNNING:
      return _("Looking…");
    case EP_DISCOVER_STATE_FOUND:
      return _("Found settings");
    case EP_DISCOVER_STATE_NOT_FOUND:
      return _("Nothing there");
    case EP_DISCOVER_STATE_FAILED:
      return _("Could not be asked");
    case EP_DISCOVER_STATE_TIMED_OUT:
      return _("No answer in time");
    case EP_DISCOVER_STATE_SKIPPED:
      if (source == EP_DISCOVER_SOURCE_ISPDB && !gtk_switch_get_active (self->consent_switch))
        return _("Not asked: you did not allow it");
      return _("Not asked");
    case EP_DISCOVER_STATE_STOPPED:
      return _("Not needed: a better source answered");
    default:
      g_assert_not_reached ();
    }
}

static const char *
security_words (EpSmtpSecurity security)
{
  return security == EP_SMTP_SECURITY_TLS ? _("Implicit TLS") : _("STARTTLS");
}

/* ---- Progress of each source ----------------------------------------------------------------- */

static GtkWidget *
make_state_icons (void)
{
  GtkWidget *stack = gtk_stack_new ();
  GtkWidget *waiting = gtk_image_new_from_icon_name ("content-loading-symbolic");
  GtkWidget *spinner = gtk_spinner_new ();
  GtkWidget *found = gtk_image_new_from_icon_name ("emblem-ok-symbolic");
  GtkWidget *nothing = gtk_image_new_from_icon_name ("action-unavailable-symbolic");
  GtkWidget *failed = gtk_image_new_from_icon_name ("dialog-warning-symbolic");

  gtk_widget_add_css_class (waiting, "dim-label");
  gtk_widget_add_css_class (nothing, "dim-label");
  gtk_widget_add_css_class (found, "success");
  gtk_widget_add_css_class (failed, "warning");
  gtk_spinner_set_spinning (GTK_SPINNER (spinner), TRUE);
  gtk_stack_add_named (GTK_STACK (stack), waiting, "waiting");
  gtk_stack_add_named (GTK_STACK (stack), spinner, "running");
  gtk_stack_add_named (GTK_STACK (stack), found, "found");
  gtk_stack_add_named (GTK_STACK (stack), nothing, "nothing");
  gtk_stack_add_named (GTK_STACK (stack), failed, "failed");
  gtk_widget_set_valign (stack, GTK_ALIGN_CENTER);
  /* The row's subtitle says the same in words, for screen readers. */
  gtk_accessible_update_state (GTK_ACCESSIBLE (stack), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
  return stack;
}

static void
show_source_state (EpSetupWindow    *self,
                   EpDiscoverSource  source,
                   EpDiscoverState   state,
                   const char       *detail)
{
  const char *page;
  g_autofree char *subtitle = NULL;

  switch (state)
    {
    case EP_DISCOVER_STATE_RUNNING:
      page = "running";
      break;
    case EP_DISCOVER_STATE_FOUND:
      page = "found";
      break;
    case EP_DISCOVER_STATE_FAILED:
    case EP_DISCOVER_STATE_TIMED_OUT:
      page = "failed";
      break;
    case EP_DISCOVER_STATE_WAITING:
      page = "waiting";
      break;
    default:
      page = "nothing";
      break;
    }
  gtk_stack_set_visible_child_name (self->source_icons[source], page);
  if (detail != NULL && *detail != '\0' && state == EP_DISCOVER_STATE_FAILED)
    /* Translators: a source's state, then what went wrong, e.g. "Could not be asked: 404" */
    subtitle = g_strdup_printf (_("%s: %s"), state_words (self, source, state), detail);
  else
    subtitle = g_strdup (state_words (self, source, state));
  adw_action_row_set_subtitle (self->source_rows[source], subtitle);
}

static void
source_changed_cb (EpDiscover       *discover,
                   EpDiscoverSource  source,
                   EpDiscoverState   state,
                   EpSetupWindow    *self)
{
  g_return_if_fail (source < EP_DISCOVER_N_SOURCES);
  show_source_state (self, source, state, NULL);
}

/* ---- The servers found ----------------------------------------------------------------------- */

static EpDiscoverCandidate *
selected_candidate (EpSetupWindow *self)
{
  for (guint i = 0; i < self->candidate_rows->len; i++)
    {
      GtkWidget *row = self->candidate_rows->pdata[i];
      GtkCheckButton *check = g_object_get_data (G_OBJECT (row), "ep-check");

      if (gtk_check_button_get_active (check))
        return g_object_get_data (G_OBJECT (row), "ep-candidate");
    }
  return NULL;
}

/* OAuth 2.0 is the only way in: no password would be accepted. */
static gboolean
needs_oauth (EpDiscoverCandidate *candidate)
{
  return ep_discover_candidate_get_auth_mechanism (candidate) == EP_SMTP_AUTH_XOAUTH2;
}

/* An OAuth 2.0-only server whose sign-in Epistle knows (a preset's provider). */
static gboolean
can_sign_in (EpDiscoverCandidate *candidate)
{
  return needs_oauth (candidate) && ep_sign_in_provider_for_host (candidate->host) != NULL;
}

static gboolean
needs_password (EpDiscoverCandidate *candidate)
{
  return candidate->auth != EP_DISCOVER_AUTH_NONE_NEEDED;
}

static const char *
provider_name (EpSetupWindow       *self,
               EpDiscoverCandidate *candidate)
{
  if (candidate != NULL && candidate->display_name != NULL && *candidate->display_name != '\0')
    return candidate->display_name;
  return self->result != NULL ? self->result->domain : "";
}

static void
update_account (EpSetupWindow *self)
{
  EpDiscoverCandidate *c = selected_candidate (self);
  g_autofree char *confirm = NULL;
  g_autofree char *oauth = NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->account_group), c != NULL);
  if (c == NULL)
    {
      update_primary (self);
      return;
    }

  gtk_widget_set_visible (GTK_WIDGET (self->confirm_row), c->trust != EP_DISCOVER_TRUST_VERIFIED);
  if (c->trust == EP_DISCOVER_TRUST_CONFIRM_DNS)
    /* Translators: %1$s is the address's domain, %2$s a server name */
    confirm = g_strdup_printf (_("The DNS answer that named this server was not validated by DNSSEC, and the server is "
                                 "outside %1$s: anyone on the network could have forged it. Use it only "
                                 "if you know that your provider sends mail through %2$s."),
                               self->result->domain, c->host);
  else if (c->trust == EP_DISCOVER_TRUST_CONFIRM_PLAIN_HTTP)
    /* Translators: %1$s is the address's domain, %2$s a server name */
    confirm = g_strdup_printf (_("This server came from a file fetched without encryption, and it is outside "
                                 "%1$s: anyone on the network could have changed it. Use it only if you "
                                 "know that your provider sends mail through %2$s."),
                               self->result->domain, c->host);
  adw_action_row_set_subtitle (self->confirm_row, confirm != NULL ? confirm : "");

  gtk_widget_set_visible (GTK_WIDGET (self->oauth_row), needs_oauth (c));
  if (needs_oauth (c))
    {
      /* Translators: %s is the provider's name, e.g. "Gmail" */
      g_autofree char *title = g_strdup_printf (_("%s wants you to sign in on its own page"),
                                                provider_name (self, c));

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->oauth_row), title);
      if (ep_sign_in_provider_for_host (c->host) != NULL)
        /* Translators: %s is the provider's name */
        oauth = g_strdup_printf (_("%s does not take a password here: it signs you in with OAuth 2.0. "
                                   "Continue to Sign-In opens the profile, where its Sign In button "
                                   "takes you to that page."),
                                 provider_name (self, c));
      else
        /* Translators: %s is the provider's name */
        oauth = g_strdup_printf (_("%s does not take a password here: it signs you in with OAuth 2.0, "
                                   "and Epistle does not know where its sign-in page is. Set the profile "
                                   "up manually if your provider gives you an app password."),
                                 provider_name (self, c));
      adw_action_row_set_subtitle (self->oauth_row, oauth);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->password_row), !needs_oauth (c) && needs_password (c));
  update_primary (self);
}

static void
candidate_toggled_cb (GtkCheckButton *check,
                      EpSetupWindow  *self)
{
  if (!gtk_check_button_get_active (check))
    return;
  /* Another server: what was confirmed was the one before. */
  gtk_switch_set_active (self->confirm_switch, FALSE);
  update_account (self);
}

static GtkWidget *
candidate_row (EpSetupWindow       *self,
               EpDiscoverCandidate *candidate,
               GtkCheckButton      *group)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *check = gtk_check_button_new ();
  g_autofree char *title = NULL;
  g_autofree char *described = ep_discover_candidate_describe_source (candidate);
  g_autofree char *subtitle = NULL;

  /* Translators: a server found: "smtp.fastmail.com:465 · Implicit TLS" */
  title = g_strdup_printf (_("%s:%u · %s"), candidate->host, candidate->port,
                           security_words (candidate->security));
  if (candidate->note != NULL && *candidate->note != '\0')
    subtitle = g_strdup_printf ("%s\n%s", described, candidate->note);
  else
    subtitle = g_strdup (described);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  if (group != NULL)
    gtk_check_button_set_group (GTK_CHECK_BUTTON (check), group);
  gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, subtitle, -1);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
  g_object_set_data (G_OBJECT (row), "ep-check", check);
  g_object_set_data_full (G_OBJECT (row), "ep-candidate", ep_discover_candidate_ref (candidate),
                          (GDestroyNotify) ep_discover_candidate_unref);
  g_signal_connect (check, "toggled", G_CALLBACK (candidate_toggled_cb), self);
  return row;
}

static void
clear_candidates (EpSetupWindow *self)
{
  for (guint i = 0; i < self->candidate_rows->len; i++)
    gtk_list_box_remove (self->found_list, self->candidate_rows->pdata[i]);
  g_ptr_array_set_size (self->candidate_rows, 0);
}

static void
show_result (EpSetupWindow *self)
{
  EpDiscoverResult *result = self->result;
  GtkCheckButton *group = NULL;

  for (guint i = 0; i < result->attempts->len; i++)
    {
      EpDiscoverAttempt *a = result->attempts->pdata[i];

      if (a->state == EP_DISCOVER_STATE_FAILED)
        show_source_state (self, a->source, a->state, a->detail);
    }

  for (guint i = 0; i < result->candidates->len; i++)
    {
      GtkWidget *row = candidate_row (self, result->candidates->pdata[i], group);

      if (group == NULL)
        group = g_object_get_data (G_OBJECT (row), "ep-check");
      gtk_list_box_append (self->found_list, row);
      g_ptr_array_add (self->candidate_rows, g_object_ref (row));
    }
  gtk_widget_set_visible (GTK_WIDGET (self->found_group), result->candidates->len > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->nothing_group), result->candidates->len == 0);
  if (result->candidates->len == 0)
    {
      /* Translators: %s is a domain, e.g. "example.org" */
      g_autofree char *title = g_strdup_printf (_("No settings found for %s"), result->domain);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->nothing_row), title);
      adw_action_row_set_subtitle (self->nothing_row, result->temporary
                                   ? _("Some of the places Epistle asked did not answer. Try again later, or "
                                       "set up the profile manually with the server name, port and security "
                                       "that your provider’s help pages give.")
                                   : _("None of the places Epistle asked knows how to send mail from this "
                                       "domain. Set up the profile manually with the server name, port and "
                                       "security that your provider’s help pages give."));
      gtk_widget_add_css_class (GTK_WIDGET (self->manual_button), "suggested-action");
    }
  else
    gtk_check_button_set_active (g_object_get_data (G_OBJECT (self->candidate_rows->pdata[0]), "ep-check"),
                                 TRUE);
  update_account (self);
}

/* ---- Looking --------------------------------------------------------------------------------- */

static void
discover_done_cb (GObject      *source,
                  GAsyncResult *res,
                  gpointer      user_data)
{
  g_autoptr(EpSetupWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(EpDiscoverResult) result = ep_discover_run_finish (EP_DISCOVER (source), res, &error);

  /* A newer run replaced this one, or the window is gone. */
  if (EP_DISCOVER (source) != self->discover || self->stack == NULL)
    return;
  g_clear_object (&self->cancellable);

  if (result == NULL)
    {
      /* Cancelled: back to the address. An invalid address cannot get here (it is checked
       * before), but would come back the same way. */
      gtk_stack_set_visible_child_name (self->stack, "address");
      gtk_widget_grab_focus (GTK_WIDGET (self->address_row));
      update_primary (self);
      return;
    }
  g_clear_pointer (&self->result, ep_discover_result_unref);
  self->result = g_steal_pointer (&result);
  adw_preferences_group_set_title (self->sources_group, _("Where Epistle Looked"));
  show_result (self);
}

static void
start_lookup (EpSetupWindow *self)
{
  g_autofree char *address = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->address_row))));

  if (!ep_discover_check_address (address, NULL, NULL))
    return;

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->discover != NULL)
    g_signal_handlers_disconnect_by_data (self->discover, self);
  g_clear_object (&self->discover);
  g_clear_pointer (&self->result, ep_discover_result_unref);
  clear_candidates (self);

  self->discover = ep_discover_new (address);
  ep_discover_set_ispdb_consent (self->discover, gtk_switch_get_active (self->consent_switch));
  if (self->discover_hook != NULL)
    self->discover_hook (self->discover, self->hook_data);
  g_signal_connect (self->discover, "source-changed", G_CALLBACK (source_changed_cb), self);
  for (guint i = 0; i < EP_DISCOVER_N_SOURCES; i++)
    show_source_state (self, i, EP_DISCOVER_STATE_WAITING, NULL);

  adw_window_title_set_subtitle (self->window_title, address);
  adw_preferences_group_set_title (self->sources_group, _("Looking for Your Settings"));
  gtk_widget_set_visible (GTK_WIDGET (self->found_group), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->nothing_group), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->account_group), FALSE);
  gtk_widget_remove_css_class (GTK_WIDGET (self->manual_button), "suggested-action");
  gtk_switch_set_active (self->confirm_switch, FALSE);
  gtk_stack_set_visible_child_name (self->stack, "lookup");

  self->cancellable = g_cancellable_new ();
  update_primary (self);
  ep_discover_run_async (self->discover, self->cancellable, discover_done_cb, g_object_ref (self));
}

/* ---- Testing and saving ---------------------------------------------------------------------- */

static char *
dup_password (EpSetupWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->password_row));

  return *text != '\0' && gtk_widget_get_visible (GTK_WIDGET (self->password_row)) ? g_strdup (text) : NULL;
}

/* A name nobody uses yet: "Fastmail", then "Fastmail 2", ... */
static char *
free_name (EpProfileStore *store,
           const char     *base)
{
  char *name = g_strdup (base);

  for (guint i = 2; ep_profile_store_lookup_by_name (store, name) != NULL; i++)
    {
      g_free (name);
      /* Translators: a second profile made from the same preset, e.g. "Gmail 2" */
      name = g_strdup_printf (_("%s %u"), base, i);
    }
  return name;
}

static EpProfile *
profile_for (EpSetupWindow       *self,
             EpDiscoverCandidate *candidate)
{
  g_autofree char *name = free_name (self->store, provider_name (self, candidate));

  return ep_discover_candidate_to_profile (candidate, name, self->result->address);
}

static void
password_stored_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(EpSetupWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  const char *name;

  if (self->saved == NULL || self->done_page == NULL)
    return;
  name = ep_profile_get_name (self->saved);
  if (ep_secrets_store_finish (result, &error))
    text = g_strdup_printf (_("“%s” works and is saved, with its password in the keyring."), name);
  else if (g_error_matches (error, EP_STORE_ERROR, EP_STORE_ERROR_NO_KEYRING))
    text = g_strdup_printf (_("“%s” saved. No keyring is available, so the password was not saved: "
                              "Epistle will ask for it when you send."), name);
  else
    text = g_strdup_printf (_("“%s” saved, but the keyring did not keep the password: %s"),
                            name, error->message);
  adw_status_page_set_description (self->done_page, text);
}

static void
save_tested (EpSetupWindow *self,
             const char    *password)
{
  g_autoptr(GError) error = NULL;
  EpProfile *sandbox = ep_profile_store_get_sandbox (self->store);
  EpProfile *profile = self->tested;
  g_autofree char *text = NULL;

  if (!ep_profile_store_add (self->store, profile, &error) ||
      /* The first real account is the one the person wants to send with. */
      (ep_profile_store_get_default (self->store) == sandbox &&
       !ep_profile_store_set_default (self->store, profile, &error)) ||
      !ep_profile_store_save (self->store, &error))
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->nothing_row), _("The profile was not saved"));
      adw_action_row_set_subtitle (self->nothing_row, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->nothing_group), TRUE);
      return;
    }
  g_set_object (&self->saved, profile);

  if (password != NULL)
    {
      /* Translators: how the password appears in the keyring (Passwords and Keys) */
      g_autofree char *label = g_strdup_printf (_("Epistle: %s"), ep_profile_get_name (profile));

      text = g_strdup_printf (_("“%s” works and is saved. Saving its password in the keyring…"),
                              ep_profile_get_name (profile));
      ep_secrets_store_async (ep_profile_get_id (profile), label, password, NULL, password_stored_cb,
                              g_object_ref (self));
    }
  else
    text = g_strdup_printf (_("“%s” works and is saved."), ep_profile_get_name (profile));
  adw_status_page_set_description (self->done_page, text);

  if (self->test_window != NULL)
    gtk_window_destroy (GTK_WINDOW (self->test_window));
  gtk_stack_set_visible_child_name (self->stack, "done");
  gtk_widget_set_visible (GTK_WIDGET (self->action_bar), FALSE);
  update_primary (self);
  g_signal_emit (self, signals[SAVED], 0, profile);
}

static void
test_finished_cb (EpConnectionTestWindow *window,
                  EpSetupWindow          *self)
{
  EpDiscoverCandidate *c = selected_candidate (self);
  g_autofree char *password = dup_password (self);
  EpTestStepState auth = ep_connection_test_window_get_step_state (window, EP_SMTP_TEST_STEP_AUTH, NULL);

  update_primary (self);
  if (ep_connection_test_window_get_error (window) != NULL || c == NULL || self->saved != NULL)
    return;
  /* Signing in is what the person set up: it must have been tried and passed. */
  if (auth != EP_TEST_STEP_STATE_OK && (password != NULL || needs_password (c)))
    return;
  save_tested (self, password);
  if (password != NULL)
    ep_secrets_password_free (g_steal_pointer (&password));
}

static void
test_window_destroyed_cb (EpSetupWindow *self)
{
  self->test_window = NULL;
  update_primary (self);
}

static void
test_and_save (EpSetupWindow *self)
{
  EpDiscoverCandidate *c = selected_candidate (self);
  g_autofree char *password = NULL;

  if (c == NULL)
    return;
  password = dup_password (self);
  g_clear_object (&self->tested);
  self->tested = profile_for (self, c);
  if (self->profile_hook != NULL)
    self->profile_hook (self->tested, self->hook_data);

  if (self->test_window != NULL)
    gtk_window_destroy (GTK_WINDOW (self->test_window));
  self->test_window = ep_connection_test_window_new (GTK_WINDOW (self), NULL, self->tested, FALSE, password);
  g_signal_connect_object (self->test_window, "finished", G_CALLBACK (test_finished_cb), self, 0);
  g_signal_connect_object (self->test_window, "destroy", G_CALLBACK (test_window_destroyed_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (self->test_window));
  ep_connection_test_window_start (self->test_window);
  update_primary (self);
  if (password != NULL)
    ep_secrets_password_free (g_steal_pointer (&password));
}

/* ---- Buttons --------------------------------------------------------------------------------- */

static void
update_primary (EpSetupWindow *self)
{
  const char *page = gtk_stack_get_visible_child_name (self->stack);
  const char *label = _("_Find Settings");
  gboolean sensitive = FALSE;

  if (g_strcmp0 (page, "address") == 0)
    sensitive = ep_discover_check_address (gtk_editable_get_text (GTK_EDITABLE (self->address_row)),
                                           NULL, NULL);
  else if (g_strcmp0 (page, "lookup") == 0 && self->result != NULL && self->result->candidates->len == 0)
    {
      label = _("Try _Again");
      sensitive = TRUE;
    }
  else if (g_strcmp0 (page, "lookup") == 0)
    {
      EpDiscoverCandidate *c = selected_candidate (self);

      gboolean trusted = c != NULL &&
                         (c->trust == EP_DISCOVER_TRUST_VERIFIED || gtk_switch_get_active (self->confirm_switch));

      label = _("_Test and Save");
      if (c != NULL && can_sign_in (c))
        {
          label = _("Continue to _Sign-In");
          sensitive = trusted && self->cancellable == NULL;
        }
      else
        sensitive = trusted && self->cancellable == NULL &&
                    (self->test_window == NULL || !ep_connection_test_window_is_running (self->test_window)) &&
                    !needs_oauth (c) &&
                    (!needs_password (c) || *gtk_editable_get_text (GTK_EDITABLE (self->password_row)) != '\0');
    }
  gtk_button_set_label (self->primary_button, label);
  gtk_widget_set_visible (GTK_WIDGET (self->primary_button), g_strcmp0 (page, "done") != 0);
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), g_strcmp0 (page, "done") != 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "setup.primary", sensitive);
}

static void
primary_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  EpSetupWindow *self = EP_SETUP_WINDOW (widget);
  const char *page = gtk_stack_get_visible_child_name (self->stack);

  if (g_strcmp0 (page, "address") == 0 ||
      (self->result != NULL && self->result->candidates->len == 0))
    start_lookup (self);
  else if (g_strcmp0 (page, "lookup") == 0 && selected_candidate (self) != NULL &&
           can_sign_in (selected_candidate (self)))
    gtk_widget_activate_action (widget, "setup.manual", NULL);
  else if (g_strcmp0 (page, "lookup") == 0)
    test_and_save (self);
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  EpSetupWindow *self = EP_SETUP_WINDOW (widget);

  /* While looking, Cancel stops looking; the address stays for another try. */
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  else
    gtk_window_close (GTK_WINDOW (self));
}

static void
manual_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  EpSetupWindow *self = EP_SETUP_WINDOW (widget);
  EpDiscoverCandidate *c = self->result != NULL ? selected_candidate (self) : NULL;
  g_autoptr(EpProfile) values = NULL;
  g_autofree char *password = NULL;

  if (c != NULL)
    {
      values = profile_for (self, c);
      /* The editor opens with the provider's sign-in on: its button is the next step. */
      if (can_sign_in (c))
        ep_profile_set_oauth_setting (values, EP_PROFILE_OAUTH_PROVIDER,
                                      ep_sign_in_provider_for_host (c->host));
    }
  else
    {
      g_autofree char *address = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->address_row))));

      values = ep_profile_new (NULL);
      ep_profile_set_sender_address (values, address);
    }
  if (self->result != NULL)
    password = dup_password (self);

  g_object_ref (self);
  g_signal_emit (self, signals[SET_UP_MANUALLY], 0, values, password);
  gtk_window_destroy (GTK_WINDOW (self));
  g_object_unref (self);
  if (password != NULL)
    ep_secrets_password_free (g_steal_pointer (&password));
}

static void
address_activated_cb (EpSetupWindow *self)
{
  if (gtk_widget_is_sensitive (GTK_WIDGET (self->primary_button)))
    start_lookup (self);
}

/* A group without a title leaves its list unnamed for screen readers. */
static void
name_group_list (AdwPreferencesGroup *group,
                 const char          *label)
{
  GtkWidget *widget = GTK_WIDGET (group);

  while (widget != NULL && !GTK_IS_LIST_BOX (widget))
    {
      GtkWidget *next = gtk_widget_get_first_child (widget);

      /* Depth first along the first children, then the siblings of the deepest. */
      while (next == NULL && widget != GTK_WIDGET (group))
        {
          next = gtk_widget_get_next_sibling (widget);
          if (next == NULL)
            widget = gtk_widget_get_parent (widget);
        }
      widget = next;
    }
  if (widget != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

/* ---- GObject --------------------------------------------------------------------------------- */

static void
ep_setup_window_dispose (GObject *object)
{
  EpSetupWindow *self = EP_SETUP_WINDOW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->discover != NULL)
    g_signal_handlers_disconnect_by_data (self->discover, self);
  g_clear_object (&self->discover);
  if (self->test_window != NULL)
    gtk_window_destroy (GTK_WINDOW (self->test_window));
  g_clear_pointer (&self->candidate_rows, g_ptr_array_unref);

  gtk_widget_dispose_template (GTK_WIDGET (self), EP_TYPE_SETUP_WINDOW);

  G_OBJECT_CLASS (ep_setup_window_parent_class)->dispose (object);
}

static void
ep_setup_window_finalize (GObject *object)
{
  EpSetupWindow *self = EP_SETUP_WINDOW (object);

  g_clear_object (&self->store);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->result, ep_discover_result_unref);
  g_clear_object (&self->tested);
  g_clear_object (&self->saved);

  G_OBJECT_CLASS (ep_setup_window_parent_class)->finalize (object);
}

static void
ep_setup_window_class_init (EpSetupWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ep_setup_window_dispose;
  object_class->finalize = ep_setup_window_finalize;

  signals[SET_UP_MANUALLY] = g_signal_new ("set-up-manually", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 2, EP_TYPE_PROFILE,
                                           G_TYPE_STRING);
  signals[SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL, G_TYPE_NONE, 1, EP_TYPE_PROFILE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/epistlemail/Epistle/ep-setup-window.ui");
  gtk_widget_class_bind_template_child (widget_class, EpSetupWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, EpSetupWindow, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, EpSetupWindow, primary_button);
  gtk_widget_class_bind_template_child (widget_class, EpSetupWindow, manual_button);
  gtk_widget_class_bind_template_child (widget_class, EpSetupWindow, action_bar);
  gtk_widget_class_bind_template_child (widget_class, EpSetupWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, EpSetupWindow, address_row);
  gtk_widget_class_bind_template_child (widget_class, EpSetupWindow, consent_row);
  gtk_widget_class_bind_template_child (widget_class, EpSetupWindow, consent_switch);
  gtk_widget_class_bind_template_child (widget_class, EpSetupWindow, lookup_page);
  gtk_widget_class_bind_template_child (widget_class, EpSetupWindow, found_group);
  gtk_widget_class_bind_template_child (widget_class, EpSetupWindow, found_list);
  gtk_widget_class_bind_template_child (widget_class, EpSetupWindow, nothing_group);
  gtk_widget_class_bind_template_child (widget_class, EpSetupWindow, nothing_row);
  gtk_widget_class_bind_template_child (widget_class, EpSetupWindow, account_group);
  gtk_widget_class_bind_template_child (widget_class, EpSetupWindow, confirm_row);
  gtk_widget_class_bind_template_child (widget_class, EpSetupWindow, confirm_switch);
  gtk_widget_class_bind_template_child (widget_class, EpSetupWindow, oauth_row);
  gtk_widget_class_bind_template_child (widget_class, EpSetupWindow, password_row);
  gtk_widget_class_bind_template_child (widget_class, EpSetupWindow, sources_group);
  gtk_widget_class_bind_template_child (widget_class, EpSetupWindow, done_page);

  gtk_widget_class_install_action (widget_class, "setup.primary", NULL, primary_action);
  gtk_widget_class_install_action (widget_class, "setup.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "setup.manual", NULL, manual_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "setup.cancel", NULL);
}

static void
ep_setup_window_init (EpSetupWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->candidate_rows = g_ptr_array_new_with_free_func (g_object_unref);

  /* Consent to ask the ISPDB is remembered: the person decides once. */
  self->settings = g_settings_new (APP_ID);
  g_settings_bind (self->settings, "discover-ispdb-consent", self->consent_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);

  for (guint i = 0; i < EP_DISCOVER_N_SOURCES; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *icons = make_state_icons ();

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), source_title (i));
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icons);
      adw_preferences_group_add (self->sources_group, row);
      self->source_rows[i] = ADW_ACTION_ROW (row);
      self->source_icons[i] = GTK_STACK (icons);
    }

  g_signal_connect_swapped (self->address_row, "changed", G_CALLBACK (update_primary), self);
  g_signal_connect_swapped (self->address_row, "entry-activated", G_CALLBACK (address_activated_cb), self);
  g_signal_connect_swapped (self->password_row, "changed", G_CALLBACK (update_primary), self);
  g_signal_connect_swapped (self->confirm_switch, "notify::active", G_CALLBACK (update_primary), self);
  name_group_list (self->nothing_group, _("Nothing found"));
  name_group_list (self->account_group, _("Your account on this server"));
  gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (self->address_row));
  update_primary (self);
}

/* ---- Public API ------------------------------------------------------------------------------ */

/**
 * ep_setup_window_new:
 * @parent: (nullable): the window it belongs to (it is modal)
 * @store: where the profile goes once its test passed
 */
EpSetupWindow *
ep_setup_window_new (GtkWindow      *parent,
                     EpProfileStore *store)
{
  EpSetupWindow *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (EP_IS_PROFILE_STORE (store), NULL);

  self = g_object_new (EP_TYPE_SETUP_WINDOW, "transient-for", parent, NULL);
  if (parent != NULL && gtk_window_get_application (parent) != NULL)
    gtk_window_set_application (GTK_WINDOW (self), gtk_window_get_application (parent));
  self->store = g_object_ref (store);
  return self;
}

void
ep_setup_window_find (EpSetupWindow *self,
                      const char    *address)
{
  g_return_if_fail (EP_IS_SETUP_WINDOW (self));

  gtk_editable_set_text (GTK_EDITABLE (self->address_row), address);
  start_lookup (self);
}

EpProfile *
ep_setup_window_get_saved (EpSetupWindow *self)
{
  g_return_val_if_fail (EP_IS_SETUP_WINDOW (self), NULL);
  return self->saved;
}

void
ep_setup_window_set_test_hooks (EpSetupWindow       *self,
                                EpSetupDiscoverHook  discover_hook,
                                EpSetupProfileHook   profile_hook,
                                gpointer             user_data)
{
  g_return_if_fail (EP_IS_SETUP_WINDOW (self));

  self->discover_hook = discover_hook;
  self->profile_hook = profile_hook;
  self->hook_data = user_data;
}

const char *
ep_setup_window_get_page (EpSetupWindow *self)
{
  g_return_val_if_fail (EP_IS_SETUP_WINDOW (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

gboolean
ep_setup_window_is_looking (EpSetupWindow *self)
{
  g_return_val_if_fail (EP_IS_SETUP_WINDOW (self), FALSE);
  return self->cancellable != NULL;
}

GtkWidget *
ep_setup_window_get_field (EpSetupWindow *self,
                           const char    *name)
{
  const struct { const char *name; gpointer widget; } fields[] = {
    { "address", self->address_row },
    { "consent", self->consent_switch },
    { "password", self->password_row },
    { "confirm", self->confirm_switch },
    { "confirm-row", self->confirm_row },
    { "primary", self->primary_button },
    { "cancel", self->cancel_button },
    { "manual", self->manual_button },
    { "found", self->found_group },
    { "nothing", self->nothing_row },
    { "oauth", self->oauth_row },
    { "sources", self->sources_group },
    { "done", self->done_page },
  };

  g_return_val_if_fail (EP_IS_SETUP_WINDOW (self), NULL);

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    if (g_str_equal (fields[i].name, name))
      return GTK_WIDGET (fields[i].widget);
  g_return_val_if_reached (NULL);
}

/* Returns: (transfer none) (element-type AdwActionRow) */
GPtrArray *
ep_setup_window_get_candidate_rows (EpSetupWindow *self)
{
  g_return_val_if_fail (EP_IS_SETUP_WINDOW (self), NULL);
  return self->candidate_rows;
}

AdwActionRow *
ep_setup_window_get_source_row (EpSetupWindow    *self,
                                EpDiscoverSource  source)
{
  g_return_val_if_fail (EP_IS_SETUP_WINDOW (self), NULL);
  g_return_val_if_fail (source < EP_DISCOVER_N_SOURCES, NULL);
  return self->source_rows[source];
}

/* Returns: (transfer none) (nullable): the connection test window, while open */
EpConnectionTestWindow *
ep_setup_window_get_test_window (EpSetupWindow *self)
{
  g_return_val_if_fail (EP_IS_SETUP_WINDOW (self), NULL);
  return self->test_window;
}
