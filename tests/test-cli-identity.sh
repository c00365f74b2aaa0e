#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# epistle-send --identity: an identity of the saved profiles (found across them when unique)
# gives From, Reply-To, the blind copy to itself and the signature, whose "-- " delimiter line
# reaches the Sandbox byte for byte; --from still wins; an ambiguous or unknown one is refused.
set -u
. "$EPISTLE_SRCDIR/tests/ep-tap-lib.sh"
inbox="$XDG_DATA_HOME/epistle/sandbox/inbox"
tmp="$EPISTLE_TEST_TMPDIR"

mkdir -p "$XDG_CONFIG_HOME/epistle"
cat > "$XDG_CONFIG_HOME/epistle/profiles.ini" <<'INI'
[Profile sandbox]
name=Sandbox
identity-1-name=Ana Lima
identity-1-address=ana@home.example
identity-1-signature=Ana\nat home
identity-2-name=Role Desk
identity-2-address=role@home.example
identity-2-reply-to=Help Desk <desk@home.example>
identity-2-bcc-self=true
identity-2-signature=The Role Desk\n+1 555 0100\n\nA line long enough that format=flowed would soft-wrap it if the signature were not left alone by the writer.
identity-3-name=Quote Desk
identity-3-address=quote@home.example
identity-3-signature=Q Desk
identity-3-signature-above-quote=true

[Profile work]
name=Work
sender-address=ana@work.example
host=127.0.0.1
port=1
identity-1-name=Ana Lima
identity-1-address=ana@work.example
INI

plan 11

printf 'Hello from the role address.\n' | "$EPISTLE_SEND" --identity role@home.example \
  --subject 'Identity to Sandbox' --body - you@example.org 2> "$tmp/err"
rc=$?
if [ $rc -eq 0 ]; then ok "--identity found in the one profile that has it delivers (exit 0)"
else nok "--identity found in the one profile that has it delivers (exit $rc)"; diag_file "$tmp/err"; fi
eml=$(grep -l 'Subject: Identity to Sandbox' "$inbox"/*.eml 2>/dev/null | head -1)
envelope="${eml%.eml}.envelope"
if [ -n "$eml" ] && "$PYTHON" - "$eml" <<'PY'
import email, email.policy, sys
m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)
assert str(m['From']) == 'Role Desk <role@home.example>', m['From']
assert str(m['Reply-To']) == 'Help Desk <desk@home.example>', m['Reply-To']
assert m['Bcc'] is None
PY
then ok "From and Reply-To are the identity's, and no Bcc header"
else nok "From and Reply-To are the identity's, and no Bcc header"; diag_file "$eml"; fi
if [ -f "$envelope" ] && grep -q '^From=role@home.example$' "$envelope" &&
   grep -q '^Recipients=.*role@home.example' "$envelope" && grep -q '^Recipients=.*you@example.org' "$envelope"; then
  ok "the envelope: sender the identity's address, a blind copy to it"
else nok "the envelope: sender the identity's address, a blind copy to it"; diag_file "$envelope"; fi
# Byte level: the delimiter line is dash, dash, space, CRLF, after an empty line.
if [ -n "$eml" ] && "$PYTHON" - "$eml" <<'PY'
import sys
raw = open(sys.argv[1], 'rb').read()
assert b'\r\nHello from the role address.\r\n\r\n-- \r\nThe Role Desk\r\n+1 555 0100\r\n' in raw, raw
assert raw.count(b'\r\n-- \r\n') == 1
PY
then ok "the signature delimiter is exactly '-- ' CRLF on the wire, once"
else nok "the signature delimiter is exactly '-- ' CRLF on the wire, once"; diag_file "$eml"; fi
if [ -n "$eml" ] && "$PYTHON" - "$eml" "$EPISTLE_SRCDIR/tests" <<'PY'
import email, email.policy, sys
sys.path.insert(0, sys.argv[2])
import ep_flowed
m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)
part = m.get_body(('plain',))
body = part.get_content().replace('\r\n', '\n')
assert part.get_param('format') == 'flowed'
body = ep_flowed.unflow(body)
assert body.endswith('\n\n-- \nThe Role Desk\n+1 555 0100\n\nA line long enough that format=flowed '
                     'would soft-wrap it if the signature were not left alone by the writer.\n'), repr(body)
PY
then ok "Python's email (and an independent unflow) reads the signature back as written"
else nok "Python's email (and an independent unflow) reads the signature back as written"; diag_file "$eml"; fi

# An identity that puts its signature above quoted text: between the text and the quote.
printf 'Yes.\n\n> You wrote:\n> a question\n' | "$EPISTLE_SEND" --identity quote@home.example \
  --subject 'Identity above quote' --body - you@example.org 2> "$tmp/err"
eml=$(grep -l 'Subject: Identity above quote' "$inbox"/*.eml 2>/dev/null | head -1)
if [ -n "$eml" ] && "$PYTHON" - "$eml" <<'PY'
import sys
raw = open(sys.argv[1], 'rb').read()
assert b'\r\nYes.\r\n\r\n-- \r\nQ Desk\r\n\r\n> You wrote:\r\n> a question\r\n' in raw, raw
PY
then ok "--identity with its signature above quoted text puts it between the text and the quote"
else nok "--identity with its signature above quoted text puts it between the text and the quote"; diag_file "$tmp/err"; [ -n "$eml" ] && diag_file "$eml"; fi

"$EPISTLE_SEND" --identity 'ana lima' --subject x you@example.org < /dev/null > /dev/null 2> "$tmp/err"
rc=$?
if [ $rc -eq 64 ] && grep -q 'Sandbox' "$tmp/err" && grep -q 'Work' "$tmp/err"; then
  ok "a name in two profiles is refused (exit 64), naming both"
else nok "a name in two profiles is refused (exit 64), naming both (exit $rc)"; diag_file "$tmp/err"; fi

"$EPISTLE_SEND" --print --profile Sandbox --identity 'Ana Lima' --subject x you@example.org \
  < /dev/null > "$tmp/print.eml" 2> "$tmp/err"
rc=$?
if [ $rc -eq 0 ] && grep -q '^From: Ana Lima <ana@home.example>' "$tmp/print.eml" &&
   grep -q "^-- $(printf '\r')\$" "$tmp/print.eml" && grep -q '^at home' "$tmp/print.eml" &&
   ! grep -q '^Reply-To' "$tmp/print.eml"; then
  ok "--profile narrows the name to one identity: its From and signature (--print)"
else nok "--profile narrows the name to one identity: its From and signature (--print, exit $rc)"; diag_file "$tmp/err" "$tmp/print.eml"; fi

"$EPISTLE_SEND" --print --identity ana@home.example --from 'Other <other@home.example>' --subject x \
  you@example.org < /dev/null > "$tmp/from.eml" 2> "$tmp/err"
rc=$?
if [ $rc -eq 0 ] && grep -q '^From: Other <other@home.example>' "$tmp/from.eml" && grep -q '^at home' "$tmp/from.eml"; then
  ok "--from still overrides the identity's From (its signature stays)"
else nok "--from still overrides the identity's From (exit $rc)"; diag_file "$tmp/err" "$tmp/from.eml"; fi

"$EPISTLE_SEND" --print --identity nobody@nowhere.example --subject x you@example.org < /dev/null > /dev/null 2> "$tmp/err"
rc=$?
if [ $rc -eq 78 ]; then ok "an unknown identity is a configuration error (exit 78)"
else nok "an unknown identity is a configuration error (exit $rc)"; diag_file "$tmp/err"; fi

"$EPISTLE_SEND" --flush --identity ana@home.example > /dev/null 2> "$tmp/err"
rc=$?
if [ $rc -eq 64 ]; then ok "--identity with --flush is a usage error (exit 64)"
else nok "--identity with --flush is a usage error (exit $rc)"; diag_file "$tmp/err"; fi

done_testing
