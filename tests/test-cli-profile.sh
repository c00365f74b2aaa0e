#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# epistle-send --profile: the built-in Sandbox delivers to the same inbox the app shows, with
# nothing set up; an unknown profile is a configuration error that lists the profiles.
set -u
n=0
ok () { n=$((n+1)); echo "ok $n $1"; }
nok () { n=$((n+1)); echo "not ok $n $1"; }
inbox="$XDG_DATA_HOME/epistle/sandbox/inbox"
tmp="$EPISTLE_TEST_TMPDIR"
head -c 200000 /dev/urandom > "$tmp/blob.bin"

printf 'Hello from the command line.\n' | "$EPISTLE_SEND" --profile Sandbox --from 'Me <me@example.org>' \
  --subject 'CLI to Sandbox' --body - --attach "$tmp/blob.bin" --transcript you@example.org 2> "$tmp/err"
rc=$?
if [ $rc -eq 0 ]; then ok "--profile Sandbox delivers (exit 0)"; else nok "--profile Sandbox delivers (exit $rc)"; sed 's/^/# /' "$tmp/err"; fi
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
  nok "the transcript shows STARTTLS and AUTH, without the password"; sed 's/^/# /' "$tmp/err"
fi

"$EPISTLE_SEND" --profile 'No Such Server' --from me@example.org --subject x you@example.org </dev/null 2> "$tmp/err2"
rc=$?
if [ $rc -eq 78 ] && grep -q 'Sandbox' "$tmp/err2"; then ok "an unknown profile exits 78 and names the profiles there are"
else nok "an unknown profile exits 78 and names the profiles there are (exit $rc)"; sed 's/^/# /' "$tmp/err2"; fi
echo "1..$n"
