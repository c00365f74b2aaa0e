/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-oauth.h: built-in sign-in (OAuth 2.0), the whole public API of the oauth layer.
 *
 * For a sign-in: a provider (ep_oauth_provider_for_profile()), a flow
 * (ep_oauth_sign_in_async(): the browser flow, whose URL the caller opens, or the device flow,
 * whose code the caller shows), then ep_oauth_account_save_sync() to keep it. Sends need nothing
 * more: ep_profile_config_build() gets a fresh access token, and renews it once when the server
 * refuses it. ep_oauth_account_sign_out_sync() forgets a sign-in (a profile removed, "Sign out"). */
#pragma once

#include "ep-oauth-account.h"
#include "ep-oauth-error.h"
#include "ep-oauth-flow.h"
#include "ep-oauth-provider.h"
#include "ep-oauth-tokens.h"
