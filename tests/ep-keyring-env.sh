#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs a test in a private D-Bus session (nothing auto-starts), with or without a headless
# GNOME Keyring that owns org.freedesktop.secrets. Expects fresh HOME and XDG_RUNTIME_DIR
# (ep-test-env.sh). The test learns which through EP_TEST_KEYRING=present|absent.
# Usage: ep-keyring-env.sh --with-keyring|--without-keyring PROGRAM [ARG…]
set -u
here=$(cd "$(dirname "$0")" && pwd)
mode=$1
shift

if [ -z "${EP_KEYRING_INNER:-}" ]; then
  export EP_KEYRING_INNER=1
  # The bus complains it cannot raise its fd limit when not root; harmless.
  exec dbus-run-session --config-file="$here/dbus-session.conf" -- "$0" "$mode" "$@"
fi

if [ "$mode" = --without-keyring ]; then
  export EP_TEST_KEYRING=absent
  exec "$@"
fi

export EP_TEST_KEYRING=present
# --unlock reads the new login keyring's password on stdin and creates it unlocked, so no
# prompt is ever needed; the daemon forks into the background.
# The daemon must not inherit the tests' strictness: with G_DEBUG=fatal-warnings it aborts
# on one of its own warnings when an item is replaced.
printf 'epistle-test-unlock' |
  env -u G_DEBUG -u MALLOC_CHECK_ -u MALLOC_PERTURB_ -u G_SLICE \
    gnome-keyring-daemon --unlock --components=secrets >/dev/null
if ! gdbus wait --session --timeout 10 org.freedesktop.secrets; then
  echo "Bail out! gnome-keyring-daemon did not take org.freedesktop.secrets"
  exit 99
fi
pid=$(gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
        --method org.freedesktop.DBus.GetConnectionUnixProcessID org.freedesktop.secrets |
      sed -n 's/^(uint32 \([0-9][0-9]*\),)$/\1/p')

"$@"
rc=$?

if [ -n "$pid" ]; then
  kill "$pid" 2>/dev/null
  # Wait until it is gone (or a zombie nobody reaps) before the caller removes its HOME.
  i=0
  while [ $i -lt 50 ] && kill -0 "$pid" 2>/dev/null; do
    state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$pid/status" 2>/dev/null)
    [ "$state" = Z ] && break
    sleep 0.1
    i=$((i + 1))
  done
fi
exit $rc
