#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs a UI test against a private Postfix + Dovecot instance (tests/servers/mailserver.sh): starts
# it in $EPISTLE_TEST_TMPDIR, exports what ports.env says, runs the test, and always stops the
# servers again (also when the test aborts or the runner sends SIGTERM). Skips without root or
# without the packages.
# Usage: test-profiles-postfix.sh PROGRAM [ARG…]
set -u
here=$(cd "$(dirname "$0")" && pwd)
mailserver="$here/servers/mailserver.sh"
. "$here/ep-tap-lib.sh"

if [ "$(id -u)" != 0 ]; then
  skip_all "Server Profiles against Postfix and Dovecot" "needs root to run Postfix and Dovecot"
fi
for tool in /usr/sbin/postfix /usr/sbin/dovecot /usr/bin/certtool; do
  if [ ! -x "$tool" ]; then
    skip_all "Server Profiles against Postfix and Dovecot" \
      "$tool not installed (packages postfix, dovecot-core, gnutls-bin)"
  fi
done

tmp=${EPISTLE_TEST_TMPDIR:?}
# Postfix's and the delivery agent's users must be able to reach the instance.
chmod 711 "$tmp"
dir="$tmp/mailserver"
log="$tmp/mailserver.log"

stop_servers () {
  "$mailserver" stop "$dir" >>"$log" 2>&1 || { diag "mailserver stop failed:"; diag_file "$log"; }
}
trap stop_servers EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

if ! MAILSERVER_QUIET=1 "$mailserver" start "$dir" >"$log" 2>&1; then
  diag_file "$log"
  bail "the Postfix + Dovecot instance did not start"
fi
# shellcheck disable=SC1091
. "$dir/ports.env"
export SUBMISSION_PORT SMTPS_PORT SASL_USER SASL_PASSWORD MAILDIR CA_FILE

"$@"
