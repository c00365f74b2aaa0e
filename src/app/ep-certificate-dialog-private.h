/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-certificate-dialog-private.h: the certificate dialog's judgements, shown to the tests on their own; the app uses ep-certificate-dialog.h. */
#pragma once

#include "ep-certificate-dialog.h"

G_BEGIN_DECLS

char      *ep_certificate_dialog_describe_problem (EpProfile           *profile,
                                                   const EpSmtpTlsInfo *tls);
gboolean   ep_certificate_dialog_is_change        (EpProfile           *profile,
                                                   const EpSmtpTlsInfo *tls);

G_END_DECLS
