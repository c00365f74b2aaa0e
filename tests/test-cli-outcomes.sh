#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# What epistle-send says and how it exits for each outcome, against scripted servers on
# 127.0.0.1 (tests/epistle-script-server.c runs one ep-script-server.h script per connection):
# a delivery completed for some recipients and then a failure is partial delivery (80), never a
# plain "not sent"; silence after the end of the message is "delivery unknown" (81), never the
# "try again" of 75; a STARTTLS refusal is reported as itself; raw input from a pipe reaches the
# recipients a 452 deferred to a second transaction.
set -u
SCRIPT_SERVER=$1
. "$EPISTLE_SRCDIR/tests/ep-tap-lib.sh"
# Per scripted server: its verdict, the exit status, what stderr says and does not say.
# partial-refused 5, partial-allowed 3, partial-temporary 3, partial-drop 3, unknown 3,
# partial-unknown 3, raw-pipe 3, starttls-454 5, tls-drip 4.
plan 32
tmp="$EPISTLE_TEST_TMPDIR"
server_pid=""

# serve NAME: starts the script $tmp/NAME.script; sets $port. The server stops by itself when
# its script ends; its status (0: the client did exactly what the script says) goes to NAME.rc.
serve () {
  rm -f "$tmp/$1.out" "$tmp/$1.rc"
  ( "$SCRIPT_SERVER" --received "$tmp/$1.received" "$tmp/$1.script" > "$tmp/$1.out" 2> "$tmp/$1.err"
    echo $? > "$tmp/$1.rc" ) &
  server_pid=$!
  timeout 10 sh -c "until grep -q '^PORT ' '$tmp/$1.out' 2>/dev/null; do sleep 0.05; done"
  port=$(sed -n 's/^PORT //p' "$tmp/$1.out")
}

# finish NAME: waits for the server; one TAP line for its script.
finish () {
  timeout 25 sh -c "until [ -s '$tmp/$1.rc' ]; do sleep 0.05; done"
  wait "$server_pid" 2>/dev/null
  if [ "$(cat "$tmp/$1.rc" 2>/dev/null)" = 0 ]; then
    ok "$1: the client followed the script"
  else
    nok "$1: the client followed the script"; diag_file "$tmp/$1.err"
  fi
}

# send NAME ARGS...: epistle-send against the running server; sets $status, $tmp/NAME.stderr.
send () {
  name=$1; shift
  printf 'Subject: outcomes\r\n\r\nHello.\r\n' | \
    timeout 30 "$EPISTLE_SEND" --server "127.0.0.1:$port" --security none --timeout 3 \
      --from alice@example.org "$@" > "$tmp/$name.stdout" 2> "$tmp/$name.stderr"
  status=$?
}

expect_status () {
  if [ "$status" -eq "$2" ]; then ok "$1: exit status $2"; else nok "$1: exit status $2 (got $status)"; diag_file "$tmp/$1.stderr"; fi
}

expect_says () {
  if grep -qF -- "$2" "$tmp/$1.stderr"; then ok "$1: says “$2”"; else nok "$1: says “$2”"; diag_file "$tmp/$1.stderr"; fi
}

expect_not_says () {
  if grep -qF -- "$2" "$tmp/$1.stderr"; then nok "$1: does not say “$2”"; diag_file "$tmp/$1.stderr"; else ok "$1: does not say “$2”"; fi
}

OPENING='S: 220 mx.test ESMTP
C: EHLO *
S: 250-mx.test
S: 250 PIPELINING'

# A first transaction delivered to bob and carol, dave deferred by a 452 (RFC 5321 4.5.3.1.10).
FIRST_TX="$OPENING
C: MAIL FROM:<alice@example.org>
C: RCPT TO:<bob@example.net>
C: RCPT TO:<carol@example.net>
C: RCPT TO:<dave@example.net>
C: DATA
S: 250 2.1.0 ok
S: 250 2.1.5 ok
S: 250 2.1.5 ok
S: 452 4.5.3 Too many recipients
S: 354 go ahead
DATA
S: 250 2.0.0 queued as 1
C: MAIL FROM:<alice@example.org>
C: RCPT TO:<dave@example.net>
C: DATA"
RCPTS="--raw - bob@example.net carol@example.net dave@example.net"

# --- 452, then the second transaction refused -------------------------------------------------
cat > "$tmp/partial-refused.script" <<END
$FIRST_TX
S: 250 2.1.0 ok
S: 550 5.1.1 dave unknown
S: 554 5.5.1 no valid recipients
C: QUIT
S: 221 bye
EOF
END
serve partial-refused
send partial-refused $RCPTS
finish partial-refused
expect_status partial-refused 80
expect_says partial-refused "partial delivery: delivered to 2 of 3 recipients: <bob@example.net>, <carol@example.net>"
expect_says partial-refused "not delivered to <dave@example.net>: 550 5.1.1 dave unknown"
expect_not_says partial-refused "message not sent"

# --- the same with --allow-partial: dave alone was refused, still partial -----------------------
cp "$tmp/partial-refused.script" "$tmp/partial-allowed.script"
serve partial-allowed
send partial-allowed --allow-partial $RCPTS
finish partial-allowed
expect_status partial-allowed 80
expect_says partial-allowed "not delivered to <dave@example.net>: 550 5.1.1 dave unknown"

# --- 452, then the second transaction gets a 4xx: still partial, not "try again" (75) ---------
cat > "$tmp/partial-temporary.script" <<END
$FIRST_TX
S: 451 4.3.0 try later
S: 503 5.5.1 no sender
S: 503 5.5.1 no sender
C: QUIT
S: 221 bye
EOF
END
serve partial-temporary
send partial-temporary $RCPTS
finish partial-temporary
expect_status partial-temporary 80
expect_says partial-temporary "not delivered to <dave@example.net>: The server refused the sender for now: 451 4.3.0 try later"

# --- 452, then the connection drops in the second transaction --------------------------------
cat > "$tmp/partial-drop.script" <<END
$FIRST_TX
RESET
END
serve partial-drop
send partial-drop $RCPTS
finish partial-drop
expect_status partial-drop 80
expect_says partial-drop "delivered to 2 of 3 recipients"

# --- silence after the end of the message: delivery unknown (81), not 75 ----------------------
cat > "$tmp/unknown.script" <<END
$OPENING
C: MAIL FROM:<alice@example.org>
C: RCPT TO:<bob@example.net>
C: DATA
S: 250 2.1.0 ok
S: 250 2.1.5 ok
S: 354 go ahead
DATA
C? QUIT
RESET
END
serve unknown
send unknown --raw - bob@example.net
finish unknown
expect_status unknown 81
expect_says unknown "may or may not have been delivered"

# --- 452, then delivery unknown in the second transaction: partial, dave's fate unknown --------
cat > "$tmp/partial-unknown.script" <<END
$FIRST_TX
S: 250 2.1.0 ok
S: 250 2.1.5 ok
S: 354 go ahead
DATA
C? QUIT
RESET
END
serve partial-unknown
send partial-unknown $RCPTS
finish partial-unknown
expect_status partial-unknown 80
expect_says partial-unknown "delivery to <dave@example.net> unknown"

# --- raw input from a pipe, 452: the second transaction gets the same bytes --------------------
cat > "$tmp/raw-pipe.script" <<END
$FIRST_TX
S: 250 2.1.0 ok
S: 250 2.1.5 ok
S: 354 go ahead
DATA
S: 250 2.0.0 queued as 2
C: QUIT
S: 221 bye
EOF
END
serve raw-pipe
send raw-pipe $RCPTS
finish raw-pipe
expect_status raw-pipe 0
bodies=$(grep -c '^Hello\.' "$tmp/raw-pipe.received" 2>/dev/null)
if [ "$bodies" = 2 ]; then ok "raw-pipe: both transactions carried the message"; else nok "raw-pipe: both transactions carried the message (bodies: $bodies)"; fi

# --- STARTTLS answered 454: the real error, not the recipients' "message not sent" --------------
cat > "$tmp/starttls-454.script" <<END
S: 220 mx.test ESMTP
C: EHLO *
S: 250-mx.test
S: 250-PIPELINING
S: 250 STARTTLS
C: STARTTLS
S: 454 4.7.0 TLS not available due to temporary reason
C? QUIT
S: 221 bye
EOF
END
serve starttls-454
printf 'x\r\n' | timeout 30 "$EPISTLE_SEND" --server "127.0.0.1:$port" --security starttls --timeout 3 \
  --from alice@example.org --raw - bob@example.net > /dev/null 2> "$tmp/starttls-454.stderr"
status=$?
finish starttls-454
expect_status starttls-454 75
expect_says starttls-454 "454 4.7.0 TLS not available"
expect_not_says starttls-454 "message not sent"
expect_not_says starttls-454 "refused:"

# --- implicit TLS, then the greeting record a byte every 300 ms: --timeout 3 holds ---------------
# Every single socket read is quick; only a deadline on the whole read ends it. The script server
# gives up dripping after 10 s: a client that waited for the drip would take that long.
cat > "$tmp/tls-drip.script" <<END
TLS: good
RAW-DRIP: 300
S: 220 mx.test ESMTP
EOF
END
serve tls-drip
ca=$(sed -n 's/^CA //p' "$tmp/tls-drip.out")
start=$(date +%s%N)
printf 'x\r\n' | timeout 30 "$EPISTLE_SEND" --server "127.0.0.1:$port" --security tls --cafile "$ca" \
  --timeout 3 --from alice@example.org --raw - bob@example.net > /dev/null 2> "$tmp/tls-drip.stderr"
status=$?
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
finish tls-drip
expect_status tls-drip 75
expect_says tls-drip "within 3 seconds"
limit_ms=4500
[ -n "${EPISTLE_TEST_SLOW:-}" ] && limit_ms=9000
if [ "$elapsed_ms" -lt "$limit_ms" ]; then
  ok "tls-drip: gave up after $elapsed_ms ms (under $limit_ms)"
else
  nok "tls-drip: gave up after $elapsed_ms ms (under $limit_ms)"; diag_file "$tmp/tls-drip.stderr"
fi

done_testing
