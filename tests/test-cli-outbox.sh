#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# epistle-send's outbox, exactly once: 100 messages queued with --queue, then two
# `epistle-send --flush` at the same time against one standalone Sandbox server (STARTTLS, its
# certificate pinned, its password from a file). The Sandbox keeps each message it accepts in
# its inbox: every Message-ID must be there exactly once, the outbox must be empty and Sent must
# hold 100 copies; each flush exits 0 (it delivered all it took) or 75 (the other one still held
# some when it looked).
set -u
. "$EPISTLE_SRCDIR/tests/ep-tap-lib.sh"
tmp="$EPISTLE_TEST_TMPDIR"
server_bin="$EPISTLE_BUILDDIR/tests/epistle-sandbox-server"
count=100

server_pid=
start_server () {
  # No earlier READY may be read before the background child's redirection empties the file.
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
trap stop_server EXIT

plan 6
start_server || { diag_file "$tmp/server.err"; bail "the Sandbox server did not start"; }
port=$(info PORT)
inbox=$(info INBOX)
mkdir -p "$XDG_CONFIG_HOME/epistle"
{
  printf '[Profile work]\nname=Work\nsender-address=me@example.org\nhost=127.0.0.1\nport=%s\n' "$port"
  printf 'security=starttls\nusername=%s\ntimeout=20\n' "$(info USER)"
  printf 'pinned-sha256=%s\npinned-host=127.0.0.1\npinned-port=%s\n' "$(info SHA256)" "$port"
} > "$XDG_CONFIG_HOME/epistle/profiles.ini"
info PASSWORD > "$tmp/password"

queued=0
i=1
while [ $i -le $count ]; do
  if timeout 30 "$EPISTLE_SEND" --profile Work --queue --from me@example.org --subject "race $i" \
       you@example.org < /dev/null >> "$tmp/ids" 2>> "$tmp/queue.err"; then
    queued=$((queued + 1))
  fi
  i=$((i + 1))
done
listed=$("$EPISTLE_SEND" --outbox | grep -c "	queued	")
if [ $queued -eq $count ] && [ "$listed" -eq $count ]; then ok "$count messages queued and listed"
else nok "$count messages queued and listed ($queued queued, $listed listed)"; diag_file "$tmp/queue.err"; fi

timeout 120 "$EPISTLE_SEND" --profile Work --password-file "$tmp/password" --flush 2> "$tmp/flush1.err" &
pid1=$!
timeout 120 "$EPISTLE_SEND" --profile Work --password-file "$tmp/password" --flush 2> "$tmp/flush2.err" &
pid2=$!
wait $pid1
rc1=$?
wait $pid2
rc2=$?
delivered1=$(grep -c ': delivered$' "$tmp/flush1.err")
delivered2=$(grep -c ': delivered$' "$tmp/flush2.err")
diag "the first flush delivered $delivered1 (exit $rc1), the second $delivered2 (exit $rc2)"
if { [ $rc1 -eq 0 ] || [ $rc1 -eq 75 ]; } && { [ $rc2 -eq 0 ] || [ $rc2 -eq 75 ]; }; then
  ok "both flushes ended well (exit $rc1 and $rc2)"
else
  nok "both flushes ended well (exit $rc1 and $rc2)"; diag_file "$tmp/flush1.err" "$tmp/flush2.err"
fi
if [ $((delivered1 + delivered2)) -eq $count ]; then ok "the two flushes delivered $count between them"
else nok "the two flushes delivered $count between them ($delivered1 + $delivered2)"; fi

received=$(cat "$inbox"/*.eml 2>/dev/null | grep -i -c '^Message-ID:')
distinct=$(cat "$inbox"/*.eml 2>/dev/null | grep -i '^Message-ID:' | sort -u | wc -l)
twice=$(cat "$inbox"/*.eml 2>/dev/null | grep -i '^Message-ID:' | sort | uniq -d | head -3)
if [ "$received" -eq $count ] && [ "$distinct" -eq $count ]; then
  ok "the server got each of the $count messages exactly once"
else
  nok "the server got each of the $count messages exactly once ($received received, $distinct distinct)"
  diag "received twice: $twice"
fi

left=$("$EPISTLE_SEND" --outbox | wc -l)
if [ "$left" -eq 0 ]; then ok "the outbox is empty"
else nok "the outbox is empty ($left left)"; "$EPISTLE_SEND" --outbox > "$tmp/left"; diag_file "$tmp/left"; fi

copies=$(ls "$XDG_DATA_HOME/epistle/sent" 2>/dev/null | wc -l)
if [ "$copies" -eq $count ]; then ok "Sent holds $count copies"
else nok "Sent holds $count copies ($copies)"; fi

stop_server
done_testing
