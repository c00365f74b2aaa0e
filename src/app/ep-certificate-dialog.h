/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-certificate-dialog.h: "this server's certificate is not trusted": what is wrong, the details,
 * and the choice to trust (pin) it for one profile. */
#pragma once

#include <adwaita.h>

#include "ep-profile-store.h"
#include "ep-smtp-result.h"

G_BEGIN_DECLS

/* Called after the fingerprint was pinned on @profile (and the store saved, when @profile is
 * in it): the caller typically tries again. */
typedef void (*EpCertificateTrustedFunc) (EpProfile *profile,
                                          gpointer   user_data);

gboolean   ep_certificate_dialog_applies          (const GError        *error,
                                                   EpSmtpResult        *result);
char      *ep_certificate_format_date             (GDateTime           *date_time);
char      *ep_certificate_format_fingerprint      (const char          *fingerprint);
GtkWidget *ep_certificate_dialog_present          (GtkWindow                *parent,
                                                   EpProfileStore           *store,
                                                   EpProfile                *profile,
                                                   EpSmtpResult             *result,
                                                   EpCertificateTrustedFunc  on_trusted,
                                                   gpointer                  user_data,
                                                   GDestroyNotify            user_data_destroy);

G_END_DECLS
