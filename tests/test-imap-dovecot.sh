#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs the IMAP client's test against a private Dovecot with IMAP (tests/servers/mailserver.sh
# with MAILSERVER_IMAP=1): starts it in $EPISTLE_TEST_TMPDIR, exports what ports.env says, runs
# the test (the outbox test also sends through its Postfix), and always stops the servers again.
# Skips without root or without the packages.
# Usage: test-imap-dovecot.sh PROGRAM [ARG…]
set -u
here=$(cd "$(dirname "$0")" && pwd)
mailserver="$here/servers/mailserver.sh"
. "$here/ep-tap-lib.sh"

if [ "$(id -u)" != 0 ]; then
  skip_all "IMAP client against Dovecot" "needs root to run Dovecot"
fi
for tool in /usr/sbin/postfix /usr/sbin/dovecot /usr/bin/certtool /usr/lib/dovecot/imap; do
  if [ ! -x "$tool" ]; then
    skip_all "IMAP client against Dovecot" \
      "$tool not installed (packages postfix, dovecot-core, dovecot-imapd, gnutls-bin)"
  fi
done

tmp=${EPISTLE_TEST_TMPDIR:?}
# The daemons' users must be able to reach the instance.
chmod 711 "$tmp"
dir="$tmp/mailserver"
log="$tmp/mailserver.log"

stop_servers () {
  "$mailserver" stop "$dir" >>"$log" 2>&1 || { diag "mailserver stop failed:"; diag_file "$log"; }
}
trap stop_servers EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

if ! MAILSERVER_IMAP=1 MAILSERVER_QUIET=1 "$mailserver" start "$dir" >"$log" 2>&1; then
  diag_file "$log"
  bail "the Dovecot instance did not start"
fi
# shellcheck disable=SC1091
. "$dir/ports.env"
export IMAP_PORT IMAPS_PORT IMAP_MAILDIR IMAP_OTHER_USER IMAP_OTHER_PASSWORD IMAP_OTHER_MAILDIR
export SASL_USER SASL_PASSWORD CA_FILE SUBMISSION_PORT MAILSERVER_DIR

"$@"
