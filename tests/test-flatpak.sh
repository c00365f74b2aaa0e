#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds the Flatpak from flatpak/io.github.epistlemail.Epistle.json, installs and runs it.
#
# The GNOME runtime cannot be downloaded here, so build-aux/flatpak-local-runtime.sh makes a
# stand-in from Debian 12 packages (org.epistle.LocalPlatform/Sdk, branch "bookworm", cached
# across runs in $EPISTLE_FLATPAK_CACHE or the invoking user's ~/.cache/epistle-flatpak) and this
# test builds a variant of the manifest that differs only in the runtime names, in building
# from this checkout, and in the sources of the modules that download theirs: the spelling
# dictionaries' module builds from Debian's Hunspell dictionaries laid out as in LibreOffice's
# dictionaries repository (any other downloading module is left out).  Everything is installed with --user into the test's private HOME, so each
# run starts from a clean installation.  Under tests/ep-ui-env.sh: Xvfb and a private session bus.
#
# Checks: the manifest's permissions, the build and install, the installed permissions, the
# dictionaries the app bundles, that the
# sandbox cannot see the host's files, `epistle-send --version` and `--print` inside the sandbox,
# the compose window on the X display (screenshot in $EPISTLE_BUILDDIR/screenshots/flatpak.png),
# and a real send to a local Postfix (tests/servers/mailserver.sh) when epistle-send can send.
#
# Needs flatpak, flatpak-builder, mmdebstrap, ostree and eu-strip (elfutils: flatpak-builder runs
# it on the host); without them the test is skipped, unless EPISTLE_FLATPAK_REQUIRED=1 (CI).
set -u

APP_ID=io.github.epistlemail.Epistle
MANIFEST_NAME=$APP_ID.json
# Seconds: the compose window to appear (the first start builds the font cache), a CLI run.
WINDOW_TIMEOUT=90
RUN_TIMEOUT=60

top=${EPISTLE_SRCDIR:?}
build=${EPISTLE_BUILDDIR:?}
tmp=${EPISTLE_TEST_TMPDIR:?}
python=${PYTHON:-/usr/bin/python3}
shots="$build/screenshots"
mkdir -p "$shots"

. "$top/tests/ep-tap-lib.sh"
now () { date +%s; }

app_pid=""
mail_started=""
mailserver="$top/tests/servers/mailserver.sh"
# Whatever this test started is stopped, also when meson's timeout sends SIGTERM.
cleanup () {
  if [ -n "$app_pid" ]; then
    flatpak kill "$APP_ID" >/dev/null 2>&1 || kill "$app_pid" 2>/dev/null
  fi
  if [ -n "$mail_started" ]; then
    MAILSERVER_QUIET=1 "$mailserver" stop "$tmp/mail" >/dev/null 2>&1
  fi
}
trap cleanup EXIT
trap 'exit 143' TERM INT

missing=""
for tool in flatpak flatpak-builder mmdebstrap ostree eu-strip xdotool import convert; do
  command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then
  if [ "${EPISTLE_FLATPAK_REQUIRED:-0}" = 1 ]; then bail "missing:$missing"; fi
  skip_all "the Flatpak built, installed and run" "missing:$missing"
fi
# The manifest 2, the runtime and the build 2, the installation 4, epistle-send 2, the send to
# Postfix 1, the window 4.
plan 15

# The runtime cache outlives the per-test HOME: default to the invoking user's real cache.
if [ -z "${EPISTLE_FLATPAK_CACHE:-}" ]; then
  real_home=$(getent passwd "$(id -u)" | cut -d: -f6)
  EPISTLE_FLATPAK_CACHE="${real_home:-/var/tmp}/.cache/epistle-flatpak"
fi
export EPISTLE_FLATPAK_CACHE

# --- The manifest as written ------------------------------------------------------------
manifest="$top/flatpak/$MANIFEST_NAME"
if flatpak-builder --show-manifest "$manifest" >"$tmp/shown.json" 2>"$tmp/show.err"; then
  ok "flatpak-builder --show-manifest accepts the manifest"
else
  nok "flatpak-builder --show-manifest accepts the manifest"; diag_file "$tmp/show.err"
fi

# Exactly the minimal permissions; no filesystem, one D-Bus name (GNOME Online Accounts, whose
# mail accounts are profiles), on the GNOME runtime.
if "$python" - "$manifest" >"$tmp/perm.err" 2>&1 <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
want = ["--share=network", "--share=ipc", "--socket=wayland", "--socket=fallback-x11",
        "--device=dri", "--talk-name=org.gnome.OnlineAccounts"]
problems = []
if sorted(m.get("finish-args", [])) != sorted(want):
    problems.append("finish-args are %r" % m.get("finish-args"))
if (m.get("runtime"), m.get("sdk")) != ("org.gnome.Platform", "org.gnome.Sdk"):
    problems.append("runtime %r / sdk %r" % (m.get("runtime"), m.get("sdk")))
if m.get("command") != "epistle" or m.get("id") != "io.github.epistlemail.Epistle":
    problems.append("id %r command %r" % (m.get("id"), m.get("command")))
src = m["modules"][-1]["sources"]
if not any(s.get("type") == "dir" and s.get("path") == ".." for s in src):
    problems.append("the app module does not build from the checkout (dir ..)")
print("\n".join(problems))
sys.exit(1 if problems else 0)
EOF
then
  ok "the manifest asks for network, ipc, wayland, fallback-x11, dri and org.gnome.OnlineAccounts only, on org.gnome.Platform"
else
  nok "the manifest asks for network, ipc, wayland, fallback-x11 and dri only, on org.gnome.Platform"
  diag_file "$tmp/perm.err"
fi

# --- Local runtime ------------------------------------------------------------------------
t0=$(now)
if "$top/build-aux/flatpak-local-runtime.sh" install >"$tmp/runtime.log" 2>&1; then
  ok "local runtime and SDK built and installed ($(( $(now) - t0 ))s)"
else
  nok "local runtime and SDK built and installed"; tail -n 40 "$tmp/runtime.log" | diag_file
  bail "no runtime"
fi
refs=$("$top/build-aux/flatpak-local-runtime.sh" refs)
platform_ref=$(echo "$refs" | sed -n 1p)
sdk_ref=$(echo "$refs" | sed -n 2p)
platform_id=$(echo "$platform_ref" | cut -d/ -f1)
sdk_id=$(echo "$sdk_ref" | cut -d/ -f1)
branch=$(echo "$platform_ref" | cut -d/ -f3)

# --- The variant: same manifest, local runtime, this checkout ---------------------------
variant="$tmp/$MANIFEST_NAME"
# The dictionaries' module builds from this directory: Debian's files (hunspell-en-us,
# hunspell-de-de, hunspell-fr) where LibreOffice's repository has its own.
dicts="$tmp/dictionaries"
mkdir -p "$dicts/en" "$dicts/de" "$dicts/fr_FR"
for pair in en_US.aff:en/en_US.aff en_US.dic:en/en_US.dic de_DE.aff:de/de_DE_frami.aff \
            de_DE.dic:de/de_DE_frami.dic fr.aff:fr_FR/fr.aff fr.dic:fr_FR/fr.dic; do
  cp -L "/usr/share/hunspell/${pair%%:*}" "$dicts/${pair#*:}" 2>/dev/null \
    || bail "no /usr/share/hunspell/${pair%%:*} (hunspell-en-us, hunspell-de-de, hunspell-fr)"
done
"$python" - "$manifest" "$variant" "$top" "$platform_id" "$sdk_id" "$branch" "$dicts" <<'EOF'
import json, os, sys
src, dst, top, platform, sdk, branch, dicts = sys.argv[1:]
m = json.load(open(src))
m["runtime"], m["sdk"], m["runtime-version"] = platform, sdk, branch
# Nothing can be downloaded here: the dictionaries come from the directory made above, and any
# other module that downloads its sources is left out.
for mod in m["modules"][:-1]:
    if mod["name"] == "hunspell-dictionaries":
        mod["sources"] = [{"type": "dir", "path": dicts}]
m["modules"] = [mod for mod in m["modules"][:-1]
                if not any(s.get("type") in ("git", "archive", "file") for s in mod.get("sources", []))
                ] + m["modules"][-1:]
for source in m["modules"][-1]["sources"]:
    if source.get("type") == "dir" and source.get("path") == "..":
        source["path"] = top
        # Build trees of any name, VCS data and Flatpak state are not sources.
        skip = set(source.get("skip", []))
        skip.update(n for n in os.listdir(top)
                    if n.startswith(("_build", "_flatpak")) or n in (".git", ".flatpak-builder"))
        source["skip"] = sorted(skip)
json.dump(m, open(dst, "w"), indent=2)
EOF

t0=$(now)
if (cd "$tmp" && flatpak-builder --user --disable-rofiles-fuse --disable-download --install \
      --force-clean --state-dir="$tmp/state" "$tmp/app" "$variant") >"$tmp/build.log" 2>&1; then
  ok "flatpak-builder builds and installs the app ($(( $(now) - t0 ))s)"
else
  nok "flatpak-builder builds and installs the app"; tail -n 60 "$tmp/build.log" | diag_file
  bail "no app"
fi
rm -rf "$tmp/app" "$tmp/state"

flatpak info --user "$APP_ID" >"$tmp/info.txt" 2>&1
check "flatpak info lists the installed app" grep -q "Runtime: $platform_ref" "$tmp/info.txt"
flatpak info --user --show-permissions "$APP_ID" >"$tmp/perms.txt" 2>&1
if "$python" - "$tmp/perms.txt" <<'EOF'
import configparser, sys
c = configparser.ConfigParser(interpolation=None)
c.optionxform = str   # D-Bus names keep their case
c.read(sys.argv[1])
ctx = {k: set(filter(None, v.split(";"))) for k, v in c["Context"].items()}
bus = dict(c["Session Bus Policy"]) if c.has_section("Session Bus Policy") else {}
# Flatpak records --socket=fallback-x11 together with x11 (for versions that predate it);
# current versions grant x11 only when there is no Wayland.
sys.exit(0 if ctx == {"shared": {"network", "ipc"}, "sockets": {"wayland", "fallback-x11", "x11"},
                      "devices": {"dri"}} and bus == {"org.gnome.OnlineAccounts": "talk"} else 1)
EOF
then
  ok "the installed app has exactly the manifest's permissions"
else
  nok "the installed app has exactly the manifest's permissions"; diag_file "$tmp/perms.txt"
fi

run () { timeout "$RUN_TIMEOUT" flatpak run --user "$@"; }

# The dictionaries the app brings, where enchant's Hunspell provider looks ($XDG_DATA_DIRS),
# byte for byte the files the module was given.
: >"$tmp/dicts.got"
if run --command=sh "$APP_ID" -c 'echo "$XDG_DATA_DIRS" | tr : "\n" | grep -qx /app/share &&
     cd /app/share/hunspell && sha256sum en_US.aff en_US.dic de_DE.aff de_DE.dic fr_FR.aff fr_FR.dic' \
     >"$tmp/dicts.sum" 2>"$tmp/dicts.err"; then
  cut -d' ' -f1 "$tmp/dicts.sum" >"$tmp/dicts.got"
fi
(cd "$dicts" && sha256sum en/en_US.aff en/en_US.dic de/de_DE_frami.aff de/de_DE_frami.dic \
   fr_FR/fr.aff fr_FR/fr.dic) | cut -d' ' -f1 >"$tmp/dicts.want"
if [ -s "$tmp/dicts.got" ] && cmp -s "$tmp/dicts.got" "$tmp/dicts.want"; then
  ok "the app bundles the en_US, de_DE and fr_FR dictionaries in /app/share/hunspell"
else
  nok "the app bundles the en_US, de_DE and fr_FR dictionaries in /app/share/hunspell"
  diag_file "$tmp/dicts.sum"; diag_file "$tmp/dicts.err"
fi

# The sandbox has no view of the host's files: not this checkout, not the test's HOME.
if run --command=sh "$APP_ID" -c "test -e '$top/meson.build' || test -e '$tmp/info.txt'"; then
  nok "the sandbox cannot see the host's files"
else
  [ $? -eq 1 ] && ok "the sandbox cannot see the host's files" \
    || nok "the sandbox cannot see the host's files (flatpak run failed)"
fi

# --- epistle-send inside the sandbox ------------------------------------------------------
want_version=$("$EPISTLE_SEND" --version 2>&1)
got_version=$(run --command=epistle-send "$APP_ID" --version 2>"$tmp/version.err")
if [ -n "$got_version" ] && [ "$got_version" = "$want_version" ]; then
  ok "epistle-send --version in the sandbox: $got_version"
else
  nok "epistle-send --version in the sandbox (got '$got_version', want '$want_version')"
  diag_file "$tmp/version.err"
fi

printf 'Grüße aus der Sandbox.\nZweite Zeile.\n' >"$tmp/body.txt"
run --command=epistle-send "$APP_ID" --print --from "Ada <ada@example.org>" \
  --subject "Flatpak check – Übung" --body - bob@example.net \
  <"$tmp/body.txt" >"$tmp/printed.eml" 2>"$tmp/print.err"
status=$?
if [ $status -eq 0 ] && "$python" - "$tmp/printed.eml" "$tmp/body.txt" >"$tmp/print.check" 2>&1 <<'EOF'
import email, email.policy, sys
raw = open(sys.argv[1], "rb").read()
body = open(sys.argv[2], encoding="utf-8").read()
problems = []
if b"\r\n" not in raw or raw.replace(b"\r\n", b"").find(b"\n") >= 0:
    problems.append("not CRLF throughout")
msg = email.message_from_bytes(raw, policy=email.policy.default)
if msg["Subject"] != "Flatpak check – Übung":
    problems.append("Subject %r" % msg["Subject"])
if msg["From"].addresses[0].addr_spec != "ada@example.org":
    problems.append("From %r" % msg["From"])
if msg["To"].addresses[0].addr_spec != "bob@example.net":
    problems.append("To %r" % msg["To"])
part = msg.get_body(("plain",))
text = part.get_content() if part else ""
if text.replace("\r\n", "\n").rstrip("\n") != body.rstrip("\n"):
    problems.append("body %r" % text)
print("\n".join(problems))
sys.exit(1 if problems else 0)
EOF
then
  ok "epistle-send --print in the sandbox composes the message (checked by Python's email parser)"
else
  nok "epistle-send --print in the sandbox composes the message (exit $status)"
  diag_file "$tmp/print.err"; diag_file "$tmp/print.check" 2>/dev/null
fi

# --- A real send to a local Postfix -------------------------------------------------------
send_message () {
  # $1: epistle-send command (host binary or through flatpak), then common arguments.
  timeout "$RUN_TIMEOUT" "$@" --server "localhost:$SUBMISSION_PORT" --security starttls --user "$SASL_USER" \
    --password-file - --cafile "$cafile" --from "ada@example.org" \
    --subject "$subject" --body "$body" bob@example.net <"$PASSWORD_FILE"
}
count_delivered () {
  grep -l -r -F "Subject: $1" "$MAILDIR" 2>/dev/null | wc -l
}
wait_delivered () {
  i=0
  while [ "$i" -lt 100 ]; do
    [ "$(count_delivered "$1")" -ge 1 ] && return 0
    sleep 0.2; i=$((i+1))
  done
  return 1
}
if [ "$(id -u)" != 0 ] || [ ! -x "$mailserver" ] || ! command -v postfix >/dev/null 2>&1; then
  skip "send to a local Postfix from the sandbox" "needs root, postfix and $mailserver"
else
  # Postfix's and the delivery agent's users must be able to reach the instance below $tmp.
  chmod 711 "$tmp"
  mail_started=1
  MAILSERVER_QUIET=1 "$mailserver" start "$tmp/mail" >"$tmp/mailserver.log" 2>&1
  mail_status=$?
fi
if [ -n "$mail_started" ] && [ "$mail_status" -ne 0 ]; then
  nok "the local Postfix starts"; diag_file "$tmp/mailserver.log"
elif [ -n "$mail_started" ]; then
  # shellcheck disable=SC1091
  . "$tmp/mail/ports.env"
  # Files for the sandboxed sender go where it may read them: its own ~/.var/app directory.
  appdir="$HOME/.var/app/$APP_ID/test"
  mkdir -p "$appdir"
  cp "$CA_FILE" "$appdir/ca.pem"
  cp "$tmp/body.txt" "$appdir/body.txt"

  # Whether epistle-send can send at all yet: the host build against the same server.
  cafile=$CA_FILE body="$tmp/body.txt" subject="host send $$"
  send_message "$EPISTLE_SEND" >"$tmp/host-send.log" 2>&1
  host_status=$?
  if [ $host_status -ne 0 ]; then
    skip "send to a local Postfix from the sandbox" \
      "the host epistle-send cannot send either (exit $host_status: $(head -n 1 "$tmp/host-send.log"))"
  else
    wait_delivered "$subject" || diag "the host epistle-send's message did not arrive"
    cafile="$appdir/ca.pem" body="$appdir/body.txt" subject="flatpak send $$"
    send_message flatpak run --user --command=epistle-send "$APP_ID" >"$tmp/flatpak-send.log" 2>&1
    status=$?
    if [ $status -eq 0 ] && wait_delivered "$subject"; then
      ok "epistle-send in the sandbox delivers through the local Postfix (STARTTLS, AUTH)"
    else
      nok "epistle-send in the sandbox delivers through the local Postfix (exit $status)"
      diag_file "$tmp/flatpak-send.log"
    fi
  fi
  if MAILSERVER_QUIET=1 "$mailserver" stop "$tmp/mail" >>"$tmp/mailserver.log" 2>&1; then
    mail_started=""
  else
    diag "mailserver stop failed"; diag_file "$tmp/mailserver.log"
  fi
fi

# --- The app on the X display -------------------------------------------------------------
t0=$(now)
flatpak run --user "$APP_ID" >"$tmp/app.log" 2>&1 &
app_pid=$!
found=""
i=0
while [ $i -lt $((WINDOW_TIMEOUT * 10)) ]; do
  if timeout 5 xdotool search --onlyvisible --name '^New Message$' >/dev/null 2>&1; then found=1; break; fi
  kill -0 "$app_pid" 2>/dev/null || break
  sleep 0.1; i=$((i+1))
done
if [ -n "$found" ]; then
  ok "the compose window appears ($(( $(now) - t0 ))s after flatpak run)"
else
  nok "the compose window appears"; diag_file "$tmp/app.log"
fi

flatpak ps --columns=application >"$tmp/ps.txt" 2>&1
check "flatpak ps shows the app running in its sandbox" grep -qx "$APP_ID" "$tmp/ps.txt"

# The one screenshot this test judges: a window drew something.
if screenshot_drawn "$shots/flatpak.png" 15; then
  # A blank screen is one colour; a window makes many.
  colours=$shot_colours
  if [ "$colours" -gt 50 ]; then ok "the screenshot shows a window ($colours colours)"
  else nok "screenshot looks blank ($colours colours)"; fi
else
  nok "screenshot taken"
fi

flatpak kill "$APP_ID" >/dev/null 2>&1 || kill "$app_pid" 2>/dev/null
i=0
while kill -0 "$app_pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
kill -0 "$app_pid" 2>/dev/null && { kill -9 "$app_pid" 2>/dev/null; diag "app did not exit"; }
wait "$app_pid" 2>/dev/null
app_pid=""
if grep -E 'CRITICAL|WARNING' "$tmp/app.log" >/dev/null; then
  nok "no warnings on the app's stderr"; diag_file "$tmp/app.log"
else
  ok "no warnings on the app's stderr"
fi

done_testing
