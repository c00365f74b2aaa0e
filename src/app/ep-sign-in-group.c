/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-sign-in-group.c: built-in sign-in in the profile editor. The flows run in the engine on a
 * worker thread (ep_oauth_sign_in_async()); this group opens the system browser (through the
 * OpenURI portal inside Flatpak), shows the device code, keeps a dialog with Cancel up while it
 * waits, and saves the sign-in (the keyring: off the main thread) for the profile's id. The
 * profile's "oauth-*" settings are the draft's, saved with the rest on Save. */
#include "config.h"

#include <glib/gi18n.h>

#include "ep-oauth.h"
#include "ep-presets.h"
#include "ep-sign-in-group-private.h"

struct _EpSignInGroup
{
  AdwPreferencesGroup  parent_instance;

  AdwActionRow        *switch_row;
  GtkSwitch           *use_switch;
  AdwActionRow        *status_row;
  GtkButton           *sign_in_button;
  GtkButton           *sign_out_button;
  AdwActionRow        *device_row;
  AdwExpanderRow      *client_row;
  AdwEntryRow         *client_id_row;
  AdwEntryRow         *client_secret_row;

  EpProfile           *draft;
  EpOAuthProvider     *provider;      /* the sign-in under way's */
  GCancellable        *cancellable;   /* the sign-in under way, or the keyring question */
  AdwMessageDialog    *dialog;        /* weak: the waiting dialog */
  char                *signed_in_as;  /* nullable */
  gboolean             signed_in;
  gboolean             loading;       /* the fields are being set from the draft */

  EpOAuthOpenUriFunc   open_uri;
  gpointer             open_uri_data;
};

G_DEFINE_FINAL_TYPE (EpSignInGroup, ep_sign_in_group, ADW_TYPE_PREFERENCES_GROUP)

/* ---- helpers --------------------------------------------------------------------------------- */

static const char *
provider_id (EpSignInGroup *self)
{
  if (self->draft == NULL)
    return "";
  return ep_profile_get_oauth_setting (self->draft, EP_PROFILE_OAUTH_PROVIDER);
}

/* The provider the draft signs in with, or would with the switch on: its own, else its host's. */
static const char *
offered_provider_id (EpSignInGroup *self)
{
  if (*provider_id (self) != '\0')
    return provider_id (self);
  if (self->draft == NULL)
    return NULL;
  return ep_sign_in_provider_for_host (ep_profile_get_host (self->draft));
}

static char *
provider_name (const char *id)
{
  g_autoptr(EpOAuthProvider) provider = id != NULL ? ep_oauth_provider_lookup (id) : NULL;

  if (provider == NULL)
    return g_strdup (_("your provider"));
  return g_strdup (provider->name);
}

static void
update (EpSignInGroup *self)
{
  const char *offered = offered_provider_id (self);
  gboolean uses = *provider_id (self) != '\0';
  gboolean busy = self->cancellable != NULL;
  g_autofree char *name = provider_name (offered);
  g_autofree char *switch_title = NULL;
  g_autofree char *button = NULL;
  g_autofree char *status = NULL;

  gtk_widget_set_visible (GTK_WIDGET (self), offered != NULL);
  if (offered == NULL)
    return;

  if (g_str_equal (offered, EP_OAUTH_PROVIDER_CUSTOM))
    switch_title = g_strdup (_("Sign In with Your Provider Instead of a Password"));
  else
    /* Translators: %s is a provider, e.g. "Google" */
    switch_title = g_strdup_printf (_("Sign In with %s Instead of a Password"), name);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->switch_row), switch_title);
  self->loading = TRUE;
  gtk_switch_set_active (self->use_switch, uses);
  self->loading = FALSE;

  gtk_widget_set_visible (GTK_WIDGET (self->status_row), uses);
  gtk_widget_set_visible (GTK_WIDGET (self->device_row), uses);
  gtk_widget_set_visible (GTK_WIDGET (self->client_row), uses);

  if (g_str_equal (offered, EP_OAUTH_PROVIDER_CUSTOM))
    button = g_strdup (_("Sign In…"));
  else
    /* Translators: a button; %s is a provider, e.g. "Google" */
    button = g_strdup_printf (_("Sign In with %s…"), name);
  gtk_button_set_label (self->sign_in_button, button);
  gtk_widget_set_sensitive (GTK_WIDGET (self->sign_in_button), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->device_row), !busy);
  gtk_widget_set_visible (GTK_WIDGET (self->sign_out_button), self->signed_in);

  if (self->signed_in && self->signed_in_as != NULL)
    /* Translators: %s is an e-mail address */
    status = g_strdup_printf (_("Signed in as %s"), self->signed_in_as);
  else if (self->signed_in)
    status = g_strdup (_("Signed in"));
  else
    status = g_strdup (_("Not signed in"));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->status_row), status);
}

static void
set_status_detail (EpSignInGroup *self,
                   const char    *detail)
{
  adw_action_row_set_subtitle (self->status_row, detail != NULL ? detail : "");
}

/* ---- the keyring: is the profile signed in? -------------------------------------------------- */

static void
is_signed_in_thread (GTask        *task,
                     gpointer      source,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  g_task_return_boolean (task, ep_oauth_account_is_signed_in_sync (task_data, cancellable));
}

static void
is_signed_in_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  EpSignInGroup *self = EP_SIGN_IN_GROUP (source);
  gboolean signed_in = g_task_propagate_boolean (G_TASK (result), NULL);

  if (g_task_get_cancellable (G_TASK (result)) != self->cancellable || self->cancellable == NULL)
    return;
  g_clear_object (&self->cancellable);
  self->signed_in = signed_in;
  update (self);
}

static void
load_signed_in (EpSignInGroup *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->draft == NULL || *provider_id (self) == '\0')
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  task = g_task_new (self, self->cancellable, is_signed_in_cb, NULL);
  g_task_set_task_data (task, g_strdup (ep_profile_get_id (self->draft)), g_free);
  g_task_run_in_thread (task, is_signed_in_thread);
}

/* ---- signing in ------------------------------------------------------------------------------ */

static void
launch_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

#if GTK_CHECK_VERSION(4, 10, 0)
  if (!gtk_uri_launcher_launch_finish (GTK_URI_LAUNCHER (source), result, &error))
#else
  if (!gtk_show_uri_full_finish (GTK_WINDOW (source), result, &error))
#endif
    g_debug ("Could not open the browser: %s", error->message);
}

static void
open_uri_cb (const char *uri,
             gpointer    user_data)
{
  EpSignInGroup *self = user_data;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (self->open_uri != NULL)
    {
      self->open_uri (uri, self->open_uri_data);
      return;
    }
#if GTK_CHECK_VERSION(4, 10, 0)
  {
    g_autoptr(GtkUriLauncher) launcher = gtk_uri_launcher_new (uri);

    gtk_uri_launcher_launch (launcher, GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, NULL,
                             launch_cb, NULL);
  }
#else
  /* Through the OpenURI portal when sandboxed. */
  gtk_show_uri_full (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, uri, GDK_CURRENT_TIME, NULL,
                     launch_cb, NULL);
#endif
}

static void
show_code_cb (const char *user_code,
              const char *verification_uri,
              const char *verification_uri_complete,
              guint       expires_in_seconds,
              gpointer    user_data)
{
  EpSignInGroup *self = user_data;
  g_autofree char *body = NULL;

  if (self->dialog == NULL)
    return;
  /* Translators: %1$s is a web address, %2$s a code such as "WDJB-MJHT" */
  body = g_strdup_printf (_("On a phone or another computer, go to %1$s and enter the code "
                            "%2$s. This window closes by itself when you are done."),
                          verification_uri, user_code);
  adw_message_dialog_set_body (self->dialog, body);
}

static void
close_dialog (EpSignInGroup *self)
{
  if (self->dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->dialog));
  g_clear_weak_pointer (&self->dialog);
}

static void
show_message (EpSignInGroup *self,
              const char    *heading,
              const char    *body)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                              heading, body);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
failed (EpSignInGroup *self,
        const GError  *error)
{
  g_autofree char *name = provider_name (provider_id (self));
  g_autofree char *body = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      set_status_detail (self, NULL);
      return;
    }
  if (g_error_matches (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_ACCESS_DENIED))
    {
      /* Translators: %s is a provider, e.g. "Google" */
      body = g_strdup_printf (_("You did not allow Epistle to send mail for you at %s, so it cannot "
                                "sign in. Sign in again and choose Allow, or use an app password "
                                "instead."), name);
      set_status_detail (self, _("Access was declined"));
      show_message (self, _("Access Declined"), body);
      return;
    }
  if (g_error_matches (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_TIMEOUT))
    {
      set_status_detail (self, _("The browser did not come back in time"));
      show_message (self, _("Sign-In Took Too Long"),
                    _("Epistle stopped waiting for the browser. Sign in again, and finish in the "
                      "browser window that opens."));
      return;
    }
  set_status_detail (self, error->message);
  show_message (self, _("Could Not Sign In"), error->message);
}

typedef struct {
  EpProfile       *profile;
  EpOAuthProvider *provider;
  EpOAuthTokens   *tokens;
} SaveJob;

static void
save_job_free (SaveJob *job)
{
  g_clear_object (&job->profile);
  g_clear_pointer (&job->provider, ep_oauth_provider_free);
  g_clear_pointer (&job->tokens, ep_oauth_tokens_free);
  g_free (job);
}

static void
save_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SaveJob *job = task_data;
  GError *error = NULL;

  if (!ep_oauth_account_save_sync (job->profile, job->provider, job->tokens, cancellable, &error))
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_strdup (job->tokens->account), g_free);
}

static void
saved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  EpSignInGroup *self = EP_SIGN_IN_GROUP (source);
  g_autoptr(GError) error = NULL;
  g_autofree char *account = g_task_propagate_pointer (G_TASK (result), &error);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->provider, ep_oauth_provider_free);
  close_dialog (self);
  /* The editor went away meanwhile: nothing left to show it in. */
  if (self->draft == NULL)
    return;
  if (error != NULL)
    failed (self, error);
  else
    {
      self->signed_in = TRUE;
      g_free (self->signed_in_as);
      self->signed_in_as = g_steal_pointer (&account);
      set_status_detail (self, NULL);
    }
  update (self);
}

static void
signed_in_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(EpSignInGroup) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(EpOAuthTokens) tokens = ep_oauth_sign_in_finish (result, &error);
  g_autoptr(GTask) task = NULL;
  SaveJob *job;

  if (tokens == NULL || self->draft == NULL)
    {
      g_clear_object (&self->cancellable);
      g_clear_pointer (&self->provider, ep_oauth_provider_free);
      close_dialog (self);
      if (self->draft == NULL)
        return;
      failed (self, error);
      update (self);
      return;
    }

  /* The keyring blocks: off the main thread, and the dialog stays up until it is done. */
  job = g_new0 (SaveJob, 1);
  job->profile = ep_profile_copy (self->draft, ep_profile_get_id (self->draft), NULL);
  job->provider = ep_oauth_provider_copy (self->provider);
  job->tokens = g_steal_pointer (&tokens);
  task = g_task_new (self, self->cancellable, saved_cb, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) save_job_free);
  g_task_run_in_thread (task, save_thread);
}

static void
dialog_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    EpSignInGroup    *self)
{
  g_cancellable_cancel (self->cancellable);
}

static void
sign_in (EpSignInGroup *self,
         EpOAuthFlow    flow)
{
  g_autofree char *client_id = NULL;
  g_autofree char *client_secret = NULL;
  g_autofree char *name = NULL;
  g_autofree char *heading = NULL;
  g_autoptr(GError) error = NULL;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  const char *address;
  EpOAuthOptions options = { 0 };

  if (self->draft == NULL || *provider_id (self) == '\0')
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  ep_sign_in_client_from_settings (provider_id (self), &client_id, &client_secret);
  g_clear_pointer (&self->provider, ep_oauth_provider_free);
  self->provider = ep_oauth_provider_for_profile (self->draft, client_id, client_secret, &error);
  if (self->provider == NULL || !ep_oauth_provider_check_client (self->provider, &error))
    {
      g_clear_pointer (&self->provider, ep_oauth_provider_free);
      failed (self, error);
      return;
    }

  name = g_strdup (self->provider->name);
  address = ep_profile_get_sender_address (self->draft);
  options.login_hint = address != NULL && *address != '\0' ? address : NULL;
  self->cancellable = g_cancellable_new ();

  /* A custom issuer has no name worth showing. */
  if (g_str_equal (self->provider->id, EP_OAUTH_PROVIDER_CUSTOM))
    heading = g_strdup (flow == EP_OAUTH_FLOW_BROWSER ? _("Sign In in Your Browser")
                                                      : _("Sign In on Another Device"));
  else if (flow == EP_OAUTH_FLOW_BROWSER)
    /* Translators: %s is a provider, e.g. "Google" */
    heading = g_strdup_printf (_("Sign In with %s in Your Browser"), name);
  else
    /* Translators: %s is a provider, e.g. "Google" */
    heading = g_strdup_printf (_("Sign In with %s on Another Device"), name);
  self->dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                             heading,
                                                             flow == EP_OAUTH_FLOW_BROWSER
                                                             ? _("Finish signing in in the browser window "
                                                                 "that opened. Epistle waits here; it "
                                                                 "never sees your password.")
                                                             : _("Asking for a code…")));
  g_object_add_weak_pointer (G_OBJECT (self->dialog), (gpointer *) &self->dialog);
  adw_message_dialog_add_response (self->dialog, "cancel", _("_Cancel"));
  adw_message_dialog_set_close_response (self->dialog, "cancel");
  g_signal_connect_object (self->dialog, "response", G_CALLBACK (dialog_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (self->dialog));

  set_status_detail (self, NULL);
  ep_oauth_sign_in_async (self->provider, flow, &options, open_uri_cb, show_code_cb, self,
                          self->cancellable, signed_in_cb, g_object_ref (self));
  update (self);
}

static void
sign_in_clicked_cb (EpSignInGroup *self)
{
  sign_in (self, EP_OAUTH_FLOW_BROWSER);
}

static void
device_activated_cb (EpSignInGroup *self)
{
  sign_in (self, EP_OAUTH_FLOW_DEVICE);
}

/* ---- signing out ----------------------------------------------------------------------------- */

static void
sign_out_thread (GTask        *task,
                 gpointer      source,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  GError *error = NULL;

  if (!ep_oauth_account_sign_out_sync (task_data, cancellable, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
signed_out_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  EpSignInGroup *self = EP_SIGN_IN_GROUP (source);
  g_autoptr(GError) error = NULL;
  gboolean done = g_task_propagate_boolean (G_TASK (result), &error);

  g_clear_object (&self->cancellable);
  if (self->draft == NULL)
    return;
  if (!done)
    set_status_detail (self, error->message);
  else
    {
      self->signed_in = FALSE;
      g_clear_pointer (&self->signed_in_as, g_free);
    }
  update (self);
}

static void
forgotten_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_debug ("Forgetting an unsaved profile's sign-in: %s", error->message);
}

static void
sign_out_clicked_cb (EpSignInGroup *self)
{
  g_autoptr(GTask) task = NULL;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  task = g_task_new (self, self->cancellable, signed_out_cb, NULL);
  g_task_set_task_data (task, g_strdup (ep_profile_get_id (self->draft)), g_free);
  g_task_run_in_thread (task, sign_out_thread);
  update (self);
}

/* ---- the draft ------------------------------------------------------------------------------- */

static void
switch_active_cb (EpSignInGroup *self)
{
  const char *offered;

  if (self->loading || self->draft == NULL)
    return;
  offered = offered_provider_id (self);
  ep_profile_set_oauth_setting (self->draft, EP_PROFILE_OAUTH_PROVIDER,
                                gtk_switch_get_active (self->use_switch) && offered != NULL ? offered : "");
}

static void
client_changed_cb (EpSignInGroup *self)
{
  gboolean own = adw_expander_row_get_enable_expansion (self->client_row);
  g_autofree char *id = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->client_id_row))));
  g_autofree char *secret = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->client_secret_row))));

  if (self->loading || self->draft == NULL)
    return;
  ep_profile_set_oauth_setting (self->draft, EP_PROFILE_OAUTH_CLIENT_ID, own ? id : "");
  ep_profile_set_oauth_setting (self->draft, EP_PROFILE_OAUTH_CLIENT_SECRET, own ? secret : "");
}

static void
draft_host_cb (EpSignInGroup *self)
{
  const char *id = provider_id (self);
  const char *host = ep_profile_get_host (self->draft);
  guint n = 0;
  const EpPreset *presets = ep_presets_get_all (&n);
  gboolean served = FALSE;

  /* A table provider signs in for its own servers only: another server would get a token it
   * cannot use. A custom issuer's server is whatever the profile says. */
  if (*id != '\0' && !g_str_equal (id, EP_OAUTH_PROVIDER_CUSTOM))
    {
      for (guint i = 0; i < n; i++)
        if (g_strcmp0 (presets[i].oauth_provider, id) == 0 &&
            g_ascii_strcasecmp (presets[i].host, host != NULL ? host : "") == 0)
          served = TRUE;
      if (!served)
        ep_profile_set_oauth_setting (self->draft, EP_PROFILE_OAUTH_PROVIDER, "");
    }
  update (self);
}

static void
draft_provider_cb (EpSignInGroup *self)
{
  self->signed_in = FALSE;
  g_clear_pointer (&self->signed_in_as, g_free);
  update (self);
  load_signed_in (self);
}

/* ---- GObject --------------------------------------------------------------------------------- */

static void
ep_sign_in_group_dispose (GObject *object)
{
  EpSignInGroup *self = EP_SIGN_IN_GROUP (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  close_dialog (self);
  if (self->draft != NULL)
    g_signal_handlers_disconnect_by_data (self->draft, self);
  g_clear_object (&self->draft);

  G_OBJECT_CLASS (ep_sign_in_group_parent_class)->dispose (object);
}

static void
ep_sign_in_group_finalize (GObject *object)
{
  EpSignInGroup *self = EP_SIGN_IN_GROUP (object);

  g_clear_pointer (&self->provider, ep_oauth_provider_free);
  g_free (self->signed_in_as);

  G_OBJECT_CLASS (ep_sign_in_group_parent_class)->finalize (object);
}

static void
ep_sign_in_group_class_init (EpSignInGroupClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ep_sign_in_group_dispose;
  object_class->finalize = ep_sign_in_group_finalize;
}

static void
ep_sign_in_group_init (EpSignInGroup *self)
{
  GtkWidget *box;

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self), _("Sign In with Your Provider"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self),
                                         _("Your provider signs you in on its own page; Epistle "
                                           "keeps only a token in the keyring, never your password."));

  self->switch_row = ADW_ACTION_ROW (adw_action_row_new ());
  self->use_switch = GTK_SWITCH (gtk_switch_new ());
  gtk_widget_set_valign (GTK_WIDGET (self->use_switch), GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (self->switch_row, GTK_WIDGET (self->use_switch));
  adw_action_row_set_activatable_widget (self->switch_row, GTK_WIDGET (self->use_switch));
  g_signal_connect_swapped (self->use_switch, "notify::active", G_CALLBACK (switch_active_cb), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), GTK_WIDGET (self->switch_row));

  self->status_row = ADW_ACTION_ROW (adw_action_row_new ());
  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  self->sign_out_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("Sign _Out")));
  self->sign_in_button = GTK_BUTTON (gtk_button_new ());
  gtk_widget_add_css_class (GTK_WIDGET (self->sign_in_button), "suggested-action");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->sign_out_button));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->sign_in_button));
  adw_action_row_add_suffix (self->status_row, box);
  g_signal_connect_swapped (self->sign_in_button, "clicked", G_CALLBACK (sign_in_clicked_cb), self);
  g_signal_connect_swapped (self->sign_out_button, "clicked", G_CALLBACK (sign_out_clicked_cb), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), GTK_WIDGET (self->status_row));

  self->device_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->device_row), _("Sign in on another device"));
  adw_action_row_set_subtitle (self->device_row,
                               _("Shows a code to enter on a phone or another computer"));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (self->device_row), TRUE);
  adw_action_row_add_suffix (self->device_row, gtk_image_new_from_icon_name ("go-next-symbolic"));
  g_signal_connect_swapped (self->device_row, "activated", G_CALLBACK (device_activated_cb), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), GTK_WIDGET (self->device_row));

  self->client_row = ADW_EXPANDER_ROW (adw_expander_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->client_row), _("Use my own client ID"));
  adw_expander_row_set_subtitle (self->client_row,
                                 _("One you registered with the provider as a desktop app"));
  adw_expander_row_set_show_enable_switch (self->client_row, TRUE);
  adw_expander_row_set_enable_expansion (self->client_row, FALSE);
  self->client_id_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->client_id_row), _("Client ID"));
  self->client_secret_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->client_secret_row),
                                 _("Client secret (if the provider gave one)"));
  adw_expander_row_add_row (self->client_row, GTK_WIDGET (self->client_id_row));
  adw_expander_row_add_row (self->client_row, GTK_WIDGET (self->client_secret_row));
  g_signal_connect_swapped (self->client_row, "notify::enable-expansion", G_CALLBACK (client_changed_cb), self);
  g_signal_connect_swapped (self->client_id_row, "changed", G_CALLBACK (client_changed_cb), self);
  g_signal_connect_swapped (self->client_secret_row, "changed", G_CALLBACK (client_changed_cb), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), GTK_WIDGET (self->client_row));

  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}

/* ---- public API ------------------------------------------------------------------------------ */

EpSignInGroup *
ep_sign_in_group_new (void)
{
  return g_object_new (EP_TYPE_SIGN_IN_GROUP, NULL);
}

void
ep_sign_in_group_set_profile (EpSignInGroup *self,
                              EpProfile     *draft)
{
  const char *own_id;
  const char *own_secret;

  g_return_if_fail (EP_IS_SIGN_IN_GROUP (self));
  g_return_if_fail (EP_IS_PROFILE (draft));

  if (self->draft != NULL)
    g_signal_handlers_disconnect_by_data (self->draft, self);
  g_set_object (&self->draft, draft);
  g_signal_connect_swapped (draft, "notify::host", G_CALLBACK (draft_host_cb), self);
  g_signal_connect_swapped (draft, "notify::oauth-provider", G_CALLBACK (draft_provider_cb), self);

  own_id = ep_profile_get_oauth_setting (draft, EP_PROFILE_OAUTH_CLIENT_ID);
  own_secret = ep_profile_get_oauth_setting (draft, EP_PROFILE_OAUTH_CLIENT_SECRET);
  self->loading = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->client_id_row), own_id);
  gtk_editable_set_text (GTK_EDITABLE (self->client_secret_row), own_secret);
  adw_expander_row_set_enable_expansion (self->client_row, *own_id != '\0');
  self->loading = FALSE;

  update (self);
  load_signed_in (self);
}

void
ep_sign_in_group_forget_unsaved (EpSignInGroup *self)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (EP_IS_SIGN_IN_GROUP (self));

  if (self->draft == NULL || (!self->signed_in && self->cancellable == NULL))
    return;
  /* Not tied to the group, which goes away now: the keyring call ends on its own. */
  task = g_task_new (NULL, NULL, forgotten_cb, NULL);
  g_task_set_task_data (task, g_strdup (ep_profile_get_id (self->draft)), g_free);
  g_task_run_in_thread (task, sign_out_thread);
}

void
ep_sign_in_client_from_settings (const char  *provider_id,
                                 char       **client_id,
                                 char       **client_secret)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);

  ep_oauth_client_from_settings (settings, provider_id, client_id, client_secret);
}

void
ep_sign_in_client_for_profile (EpProfile  *profile,
                               char      **client_id,
                               char      **client_secret)
{
  const char *id = ep_profile_get_oauth_setting (profile, EP_PROFILE_OAUTH_PROVIDER);

  *client_id = NULL;
  *client_secret = NULL;
  if (*id != '\0')
    ep_sign_in_client_from_settings (id, client_id, client_secret);
}

gboolean
ep_sign_in_has_client (const char *provider_id)
{
  g_autoptr(EpOAuthProvider) provider = ep_oauth_provider_lookup (provider_id);
  g_autofree char *client_id = NULL;
  g_autofree char *client_secret = NULL;

  if (provider != NULL && provider->client_id != NULL && *provider->client_id != '\0')
    return TRUE;
  ep_sign_in_client_from_settings (provider_id, &client_id, &client_secret);
  return client_id != NULL;
}

const char *
ep_sign_in_provider_for_host (const char *host)
{
  guint n = 0;
  const EpPreset *presets = ep_presets_get_all (&n);

  for (guint i = 0; host != NULL && i < n; i++)
    if (presets[i].oauth_provider != NULL && g_ascii_strcasecmp (presets[i].host, host) == 0)
      return presets[i].oauth_provider;
  return NULL;
}

void
ep_sign_in_group_set_open_uri_func (EpSignInGroup      *self,
                                    EpOAuthOpenUriFunc  func,
                                    gpointer            user_data)
{
  self->open_uri = func;
  self->open_uri_data = user_data;
}

GtkWidget *
ep_sign_in_group_get_widget (EpSignInGroup *self,
                             const char    *name)
{
  const struct { const char *name; gpointer widget; } widgets[] = {
    { "switch", self->use_switch },
    { "status", self->status_row },
    { "sign-in", self->sign_in_button },
    { "device", self->device_row },
    { "sign-out", self->sign_out_button },
    { "client", self->client_row },
    { "client-id", self->client_id_row },
    { "client-secret", self->client_secret_row },
  };

  for (guint i = 0; i < G_N_ELEMENTS (widgets); i++)
    if (g_str_equal (widgets[i].name, name))
      return widgets[i].widget;
  return NULL;
}

AdwMessageDialog *
ep_sign_in_group_get_dialog (EpSignInGroup *self)
{
  return self->dialog;
}

gboolean
ep_sign_in_group_get_busy (EpSignInGroup *self)
{
  return self->cancellable != NULL;
}
