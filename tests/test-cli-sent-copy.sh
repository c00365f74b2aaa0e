#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# epistle-send --profile with the copy in the server's Sent folder, against the local Postfix and
# Dovecot's IMAP (run through test-imap-dovecot.sh): a direct send leaves one copy, \Seen, with
# the Message-ID Postfix delivered; --no-sent-copy leaves none; an IMAP server that cannot be
# reached still exits 0 (the message was delivered) with a warning of its own; --queue and
# --flush leave one copy too; a copy that failed at a flush is made by a later one, from the
# Sent store's bytes, without a second delivery; a profile whose IMAP password is its own and
# not saved is delivered with a warning naming it.
set -u
. "$EPISTLE_SRCDIR/tests/ep-tap-lib.sh"
plan 20
tmp="$EPISTLE_TEST_TMPDIR"
sent="$IMAP_MAILDIR/.Sent"
inbox="$MAILSERVER_DIR/mail/inbox"
pin=$(certtool --fingerprint --hash=sha256 --infile="$MAILSERVER_DIR/tls/server.pem" 2>/dev/null)
printf '%s' "$SASL_PASSWORD" > "$tmp/password"
chmod 600 "$tmp/password"

# profiles.ini with the profile "Local"; $1: its IMAP port.
write_profile () {
  mkdir -p "$XDG_CONFIG_HOME/epistle"
  {
    printf '[Profile local]\nname=Local\nsender-address=tester@epistle.test\n'
    printf 'host=127.0.0.1\nport=%s\nsecurity=starttls\nusername=%s\ntimeout=20\n' "$SUBMISSION_PORT" "$SASL_USER"
    printf 'pinned-sha256=%s\npinned-host=127.0.0.1\npinned-port=%s\n' "$pin" "$SUBMISSION_PORT"
    printf 'sent-copy=true\nimap-host=127.0.0.1\nimap-port=%s\nimap-security=tls\n' "$1"
    printf 'imap-pinned-sha256=%s\nimap-pinned-host=127.0.0.1\nimap-pinned-port=%s\n' "$pin" "$1"
  } > "$XDG_CONFIG_HOME/epistle/profiles.ini"
}
same_nonempty () { [ -n "$1" ] && [ "$1" = "$2" ]; }
count () { find "$1/cur" "$1/new" -type f 2>/dev/null | wc -l; }
# The Message-ID of the file in $1 whose Subject is $2.
message_id_of () {
  grep -l -r "^Subject: $2" "$1/cur" "$1/new" 2>/dev/null | head -n 1 | xargs -r sed -n 's/^Message-I[Dd]: *//p' | tr -d '\r'
}
# Postfix delivers a moment after it accepted the message.
wait_inbox () {
  i=0
  while [ $i -lt 100 ] && [ -z "$(message_id_of "$inbox" "$1")" ]; do sleep 0.1; i=$((i + 1)); done
}
send () {
  subject=$1
  shift
  printf 'Hello.\n' | "$EPISTLE_SEND" --profile Local --password-file "$tmp/password" \
    --from tester@epistle.test --subject "$subject" --body - "$@" someone@example.org
}

write_profile "$IMAPS_PORT"
before=$(count "$sent")
send "copy direct" 2> "$tmp/err1"
check "a direct send with the copy on exits 0" [ $? = 0 ]
[ -s "$tmp/err1" ] && diag_file "$tmp/err1"
check "one copy in the Sent folder" [ "$(count "$sent")" = $((before + 1)) ]
wait_inbox "copy direct"
id=$(message_id_of "$sent" "copy direct")
check "the copy is the message Postfix delivered (Message-ID $id)" \
  same_nonempty "$id" "$(message_id_of "$inbox" "copy direct")"
file=$(grep -l -r "^Subject: copy direct" "$sent/cur" "$sent/new" | head -n 1)
check "the copy is \\Seen" sh -c "case '$file' in *,S) true ;; *) false ;; esac"

before=$(count "$sent")
send "no copy" --no-sent-copy 2> "$tmp/err2"
check "--no-sent-copy exits 0" [ $? = 0 ]
wait_inbox "no copy"
check "--no-sent-copy: no copy" [ "$(count "$sent")" = "$before" ]
check "--no-sent-copy: delivered" [ -n "$(message_id_of "$inbox" "no copy")" ]

# Nothing listens on port 1 of 127.0.0.1.
write_profile 1
send "copy fails" 2> "$tmp/err3"
check "a copy that fails still exits 0 (the message was delivered)" [ $? = 0 ]
wait_inbox "copy fails"
check "delivered anyway" [ -n "$(message_id_of "$inbox" "copy fails")" ]
check "the warning says only the copy failed" grep -q "delivered, but not copied to the Sent folder" "$tmp/err3"

# An IMAP account with a password of its own, not saved (no keyring here): delivered, no copy
# tried, and a warning that says which password is missing.
write_profile "$IMAPS_PORT"
printf 'imap-username=%s\nimap-own-password=true\n' "$IMAP_OTHER_USER" >> "$XDG_CONFIG_HOME/epistle/profiles.ini"
send "own password missing" 2> "$tmp/err5"
check "a missing IMAP password still exits 0" [ $? = 0 ]
wait_inbox "own password missing"
check "delivered anyway (own password missing)" [ -n "$(message_id_of "$inbox" "own password missing")" ]
check "the warning names the missing IMAP password" grep -q "no IMAP password is saved for the profile “Local”" "$tmp/err5"

write_profile "$IMAPS_PORT"
before=$(count "$sent")
send "copy flushed" --queue > "$tmp/queued" 2> "$tmp/err4"
"$EPISTLE_SEND" --flush --profile Local --password-file "$tmp/password" > "$tmp/flush" 2>&1
check "--flush delivers it" grep -q ": delivered$" "$tmp/flush"
diag_file "$tmp/flush"
check "--flush leaves one copy in the Sent folder" [ "$(count "$sent")" = $((before + 1)) ]

# A flush whose copy fails: delivered; the copy waits beside the Sent entry.
write_profile 1
before=$(count "$sent")
send "copy later" --queue > "$tmp/queued2" 2> "$tmp/err5"
"$EPISTLE_SEND" --flush --profile Local --password-file "$tmp/password" > "$tmp/flush2" 2>&1
check "--flush: delivered, but not copied" grep -q ": delivered, but not copied to the Sent folder on the server" "$tmp/flush2"
diag_file "$tmp/flush2"
status_file=$(grep -l "^state=pending" "$XDG_DATA_HOME"/epistle/sent/*/server-copy.ini | head -n 1)
check "the copy is pending beside the Sent entry" [ -n "$status_file" ]
# Its time has come (the backoff's 30 s, without waiting for them).
sed -i 's/^next-attempt=.*/next-attempt=2000-01-01T00:00:00Z/' "$status_file"
write_profile "$IMAPS_PORT"
"$EPISTLE_SEND" --flush --profile Local --password-file "$tmp/password" > "$tmp/flush3" 2>&1
check "a later --flush makes the copy" grep -q ": copied to the Sent folder on the server$" "$tmp/flush3"
diag_file "$tmp/flush3"
check "one copy in the Sent folder" [ "$(count "$sent")" = $((before + 1)) ]
wait_inbox "copy later"
check "delivered once" [ "$(grep -l -r "^Subject: copy later" "$inbox/cur" "$inbox/new" | wc -l)" = 1 ]
