#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# epistle-send --profile: the built-in Sandbox delivers to the same inbox the app shows, with
# nothing set up; an unknown profile is a configuration error that lists the profiles. A relative
# --cafile is read from the working directory. With a keyring (ep-keyring-env.sh, this script
# again with --keyring): a profile's saved password and pinned certificate are used for its own
# server, and neither goes to another one named with --server.
set -u
. "$EPISTLE_SRCDIR/tests/ep-tap-lib.sh"
# The keyring part (this script again, with --keyring): the password stored, then six sends.
KEYRING_POINTS=7
inbox="$XDG_DATA_HOME/epistle/sandbox/inbox"
tmp="$EPISTLE_TEST_TMPDIR"
server_bin="$EPISTLE_BUILDDIR/tests/epistle-sandbox-server"

# A standalone Sandbox server (the one the peer tests use): PORT, PASSWORD, CERT, SHA256 in
# "$tmp/server.info" once it is READY. Stopped by its PID.
server_pid=
start_server () {
  # An earlier server's READY must not be read before the new one's redirection empties the
  # file (the background child opens it when it gets to run).
  rm -f "$tmp/server.info"
  "$server_bin" > "$tmp/server.info" 2> "$tmp/server.err" &
  server_pid=$!
  i=0
  while [ $i -lt 100 ] && ! grep -q '^READY' "$tmp/server.info"; do sleep 0.1; i=$((i + 1)); done
  grep -q '^READY' "$tmp/server.info"
}
stop_server () {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  server_pid=
}
info () { sed -n "s/^$1 //p" "$tmp/server.info"; }

if [ "${1:-}" = --keyring ]; then
  plan $KEYRING_POINTS
  start_server || { diag_file "$tmp/server.err"; bail "the Sandbox server did not start"; }
  port=$(info PORT)
  other=$((port - 1))
  sha=$(info SHA256)
  mkdir -p "$XDG_CONFIG_HOME/epistle"
  # The profile "Work", its server at $1, its certificate pinned for it, its password (the
  # Sandbox server's) in the keyring.
  profile_at () {
    printf '[Profile work]\nname=Work\nsender-address=me@example.org\nhost=127.0.0.1\nport=%s\n' "$1"
    printf 'security=starttls\nusername=%s\ntimeout=10\n' "$(info USER)"
    printf 'pinned-sha256=%s\npinned-host=127.0.0.1\npinned-port=%s\n' "$sha" "$1"
  }
  profile_at "$port" > "$XDG_CONFIG_HOME/epistle/profiles.ini"
  if info PASSWORD | tr -d '\n' | secret-tool store --label='Epistle: Work' \
       xdg:schema io.github.epistlemail.Epistle.Password profile work; then
    ok "the password is in the keyring"
  else
    nok "the password is in the keyring"
  fi
  # send SUBJECT [OPTION…]
  send () {
    subject=$1
    shift
    printf 'Hello.\n' | "$EPISTLE_SEND" --profile Work --from me@example.org --subject "$subject" \
      --body - --transcript "$@" you@example.org
  }

  # Its own server: the pin and the keyring's password are used.
  send "pin own" > /dev/null 2> "$tmp/own.err"
  rc=$?
  if [ $rc -eq 0 ] && grep -q '^C: AUTH' "$tmp/own.err"; then ok "--profile: its own server, pinned certificate and saved password (exit 0)"
  else nok "--profile: its own server, pinned certificate and saved password (exit $rc)"; diag_file "$tmp/own.err"; fi
  send "pin same" --server "127.0.0.1:$port" > /dev/null 2> "$tmp/same.err"
  rc=$?
  if [ $rc -eq 0 ] && ! grep -q 'is not the server of the profile' "$tmp/same.err"; then
    ok "--server naming the profile's own server changes nothing (exit 0)"
  else nok "--server naming the profile's own server changes nothing (exit $rc)"; diag_file "$tmp/same.err"; fi

  # The profile's server is elsewhere now; the one at --server presents the certificate pinned
  # for it (an impostor with the key of a throw-away certificate): not trusted, no AUTH.
  profile_at "$other" > "$XDG_CONFIG_HOME/epistle/profiles.ini"
  send "pin impostor" --server "127.0.0.1:$port" > /dev/null 2> "$tmp/impostor.err"
  rc=$?
  if [ $rc -eq 77 ] && grep -q '^epistle-send: The certificate of 127.0.0.1 is not trusted' "$tmp/impostor.err" &&
     ! grep -q '^C: AUTH' "$tmp/impostor.err"; then
    ok "--server elsewhere: the pinned certificate is not trusted there (exit 77), no AUTH"
  else nok "--server elsewhere: the pinned certificate is not trusted there (exit $rc), no AUTH"; diag_file "$tmp/impostor.err"; fi
  if [ "$(grep -c "is not the server of the profile “Work” (127.0.0.1:$other)" "$tmp/impostor.err")" = 1 ]; then
    ok "--server elsewhere: one line on stderr says the pin and the password are not used"
  else nok "--server elsewhere: one line on stderr says the pin and the password are not used"; diag_file "$tmp/impostor.err"; fi

  # Even where the certificate is trusted (--cafile), the saved password does not go there.
  send "password elsewhere" --server "127.0.0.1:$port" --cafile "$(info CERT)" > /dev/null 2> "$tmp/elsewhere.err"
  rc=$?
  if [ $rc -eq 77 ] && grep -q '^I: TLS established' "$tmp/elsewhere.err" &&
     grep -q 'requires authentication' "$tmp/elsewhere.err" && ! grep -q '^C: AUTH' "$tmp/elsewhere.err"; then
    ok "--server elsewhere: the saved password is not sent (no AUTH; exit $rc)"
  else nok "--server elsewhere: the saved password is not sent (exit $rc)"; diag_file "$tmp/elsewhere.err"; fi
  # ...while a password given for it is.
  info PASSWORD > "$tmp/password"
  send "password file" --server "127.0.0.1:$port" --cafile "$(info CERT)" --password-file "$tmp/password" \
    > /dev/null 2> "$tmp/file.err"
  rc=$?
  if [ $rc -eq 0 ] && grep -q '^C: AUTH' "$tmp/file.err"; then ok "--server elsewhere with --password-file signs in with that password (exit 0)"
  else nok "--server elsewhere with --password-file signs in with that password (exit $rc)"; diag_file "$tmp/file.err"; fi
  stop_server
  done_testing
fi

# Four for --profile Sandbox, the unknown profile, the relative --cafile; then the keyring part.
keyring_tools=""
if command -v dbus-run-session > /dev/null && command -v gnome-keyring-daemon > /dev/null &&
   command -v secret-tool > /dev/null && command -v gdbus > /dev/null; then
  keyring_tools=1
  plan $((6 + KEYRING_POINTS + 1))
else
  plan 7
fi
head -c 200000 /dev/urandom > "$tmp/blob.bin"

printf 'Hello from the command line.\n' | "$EPISTLE_SEND" --profile Sandbox --from 'Me <me@example.org>' \
  --subject 'CLI to Sandbox' --body - --attach "$tmp/blob.bin" --transcript you@example.org 2> "$tmp/err"
rc=$?
if [ $rc -eq 0 ]; then ok "--profile Sandbox delivers (exit 0)"; else nok "--profile Sandbox delivers (exit $rc)"; diag_file "$tmp/err"; fi
eml=$(ls "$inbox"/*.eml 2>/dev/null | head -1)
if [ -n "$eml" ] && grep -q 'Subject: CLI to Sandbox' "$eml"; then ok "the message is in the Sandbox inbox"; else nok "the message is in the Sandbox inbox"; fi
if [ -n "$eml" ] && "$PYTHON" - "$eml" "$tmp/blob.bin" <<'PY'
import email, email.policy, sys
m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)
a = next(m.iter_attachments())
assert a.get_content() == open(sys.argv[2], 'rb').read()
PY
then ok "the attachment arrived byte-identical"; else nok "the attachment arrived byte-identical"; fi
if grep -q 'STARTTLS' "$tmp/err" && grep -q 'AUTH' "$tmp/err" && ! grep -qi 'password' "$tmp/err"; then
  ok "the transcript shows STARTTLS and AUTH, without the password"
else
  nok "the transcript shows STARTTLS and AUTH, without the password"; diag_file "$tmp/err"
fi

"$EPISTLE_SEND" --profile 'No Such Server' --from me@example.org --subject x you@example.org </dev/null 2> "$tmp/err2"
rc=$?
if [ $rc -eq 78 ] && grep -q 'Sandbox' "$tmp/err2"; then ok "an unknown profile exits 78 and names the profiles there are"
else nok "an unknown profile exits 78 and names the profiles there are (exit $rc)"; diag_file "$tmp/err2"; fi

# A relative --cafile: read from the working directory (GIO itself loads nothing from one).
if start_server; then
  mkdir -p "$tmp/work/certs"
  cp "$(info CERT)" "$tmp/work/certs/local-ca.pem"
  info PASSWORD > "$tmp/work/password"
  (cd "$tmp/work" && printf 'Hello.\n' | "$EPISTLE_SEND" --server "127.0.0.1:$(info PORT)" --user "$(info USER)" \
     --password-file password --cafile certs/local-ca.pem --from me@example.org \
     --subject 'Relative cafile' --body - you@example.org) 2> "$tmp/cafile.err"
  rc=$?
  if [ $rc -eq 0 ] && grep -l 'Subject: Relative cafile' "$inbox"/*.eml > /dev/null 2>&1; then
    ok "a relative --cafile is found in the working directory and delivers (exit 0)"
  else nok "a relative --cafile is found in the working directory and delivers (exit $rc)"; diag_file "$tmp/cafile.err"; fi
  stop_server
else
  nok "the Sandbox server starts"; diag_file "$tmp/server.err"
fi

# The saved password and the pinned certificate, with a headless keyring in a private bus.
if [ -n "$keyring_tools" ]; then
  "$EPISTLE_SRCDIR/tests/ep-keyring-env.sh" --with-keyring sh "$0" --keyring > "$tmp/keyring.tap" 2>&1
  include_tap $KEYRING_POINTS "the keyring part" "$tmp/keyring.tap" $?
else
  skip "the keyring part" "dbus-run-session, gnome-keyring, secret-tool or gdbus missing"
fi
done_testing
