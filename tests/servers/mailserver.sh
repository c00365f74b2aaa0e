#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# A private Postfix + Dovecot SASL instance on 127.0.0.1 for integration tests.
#
#   mailserver.sh start DIR   create DIR, generate a test CA and certificate, write configuration,
#                             start Postfix and an auth-only Dovecot, wait until both answer,
#                             and write DIR/ports.env (shell syntax) for the caller
#   mailserver.sh stop DIR    stop exactly the processes started for DIR, by PID, and verify
#                             that they are gone
#
# Nothing outside DIR is touched: no file in /etc, no systemd, no syslog.  Postfix runs with
# `postfix -c DIR/postfix`, its queue, data and log under DIR; Dovecot runs with
# `dovecot -c DIR/dovecot/dovecot.conf` and offers nothing but the SASL socket Postfix uses.
# Every domain is delivered to a single Maildir (DIR/mail/inbox), so any recipient works.
#
# Ports (both on 127.0.0.1, chosen free at start):
#   SUBMISSION_PORT  STARTTLS required (smtpd_tls_security_level=encrypt), AUTH only after TLS
#   SMTPS_PORT       implicit TLS (smtpd_tls_wrappermode=yes)
# Both require authentication before accepting recipients.
#
# With MAILSERVER_IMAP=1, Dovecot also serves IMAP for the same user (the client's copy in the
# Sent folder): IMAP_PORT (STARTTLS) and IMAPS_PORT (implicit TLS) on 127.0.0.1, the same
# certificate, a Maildir of its own (IMAP_MAILDIR) whose "Sent" mailbox has the \Sent special-use
# attribute (RFC 6154) and exists from the start; and a second account for IMAP, with a user name
# and password of its own (IMAP_OTHER_USER, IMAP_OTHER_PASSWORD, IMAP_OTHER_MAILDIR).  SASL
# mechanisms offered through Dovecot: PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256 (the passdb
# keeps the password as {PLAIN}, from which Dovecot derives every mechanism's secrets).
#
# Needs root (Postfix's master and Dovecot run as root and drop privileges), the Debian
# packages postfix, dovecot-core and gnutls-bin (certtool), and /usr/bin/python3.
set -eu

PYTHON=/usr/bin/python3
# Seconds to wait for the daemons to answer / to disappear.
START_TIMEOUT=30
STOP_TIMEOUT=15
# Virtual delivery runs as this user and group (nobody/nogroup on Debian).
MAIL_UID=65534
MAIL_GID=65534
# With IMAP: the second account's user name (its password is made at start, as the first's).
IMAP_OTHER_USER=mailbox

die () { echo "mailserver: $*" >&2; exit 1; }
log () { [ -n "${MAILSERVER_QUIET:-}" ] || echo "mailserver: $*" >&2; }

usage () {
  echo "usage: $0 start|stop DIR" >&2
  exit 64
}

# Two distinct free TCP ports on 127.0.0.1 (bound and released: a small race remains, which
# start_all covers by retrying with fresh ports if Postfix cannot bind).
free_ports () {
  $PYTHON - "${1:-2}" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
EOF
}

# Wait until: the submission port greets with 220, the implicit-TLS port completes a TLS
# handshake and greets with 220 (verified against our CA), and Dovecot's auth socket exists.
wait_ready () {
  $PYTHON - "$1" "$2" "$3" "$4" "$START_TIMEOUT" <<'EOF'
import os, socket, ssl, sys, time
sub, smtps, cafile, authsock, timeout = sys.argv[1:]
deadline = time.monotonic() + float(timeout)

def greet(port, tls):
    with socket.create_connection(("127.0.0.1", int(port)), timeout=5) as s:
        if tls:
            ctx = ssl.create_default_context(cafile=cafile)
            s = ctx.wrap_socket(s, server_hostname="localhost")
        line = s.makefile("rb").readline()
        if not line.startswith(b"220"):
            raise OSError("unexpected greeting %r" % line)

pending = {"submission": lambda: greet(sub, False),
           "smtps": lambda: greet(smtps, True),
           "dovecot auth socket": lambda: os.stat(authsock)}
last = {}
while pending and time.monotonic() < deadline:
    for name, check in list(pending.items()):
        try:
            check()
            del pending[name]
        except (OSError, ssl.SSLError) as e:
            last[name] = e
    if pending:
        time.sleep(0.05)
for name in pending:
    print("mailserver: %s not ready: %s" % (name, last.get(name)), file=sys.stderr)
sys.exit(1 if pending else 0)
EOF
}

# "PID STARTTIME" for a running process, empty if it is gone (STARTTIME guards against reuse).
proc_id () {
  [ -r "/proc/$1/stat" ] || return 0
  # Field 22 of /proc/PID/stat, after the parenthesised command name (which may hold spaces).
  st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20) || return 0
  [ -n "$st" ] && echo "$1 $st"
}

# Every process in the tree below PID (PID included), as "PID STARTTIME" lines.
proc_tree () {
  todo=$1
  while [ -n "$todo" ]; do
    # shellcheck disable=SC2086 # a list of PIDs, split on purpose
    set -- $todo
    todo=""
    for p in "$@"; do
      proc_id "$p"
      # shellcheck disable=SC2013 # space-separated PIDs
      for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do
        todo="$todo $c"
      done
    done
  done
}

read_pid () {
  [ -s "$1" ] || return 0
  tr -dc '0-9' < "$1"
}

# ---------------------------------------------------------------------------------------------

make_tls () {
  tls=$1
  mkdir -p "$tls"
  cat > "$tls/ca.tmpl" <<EOF
cn = "Epistle Test CA"
organization = "Epistle tests"
serial = 1
expiration_days = 30
ca
cert_signing_key
crl_signing_key
EOF
  cat > "$tls/server.tmpl" <<EOF
cn = "localhost"
organization = "Epistle tests"
serial = 2
expiration_days = 30
dns_name = "localhost"
ip_address = "127.0.0.1"
tls_www_server
signing_key
encryption_key
EOF
  certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 --outfile "$tls/ca.key" 2>/dev/null
  certtool --generate-self-signed --load-privkey "$tls/ca.key" --template "$tls/ca.tmpl" \
           --outfile "$tls/ca.pem" >/dev/null 2>&1 || die "certtool: CA certificate failed"
  certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 --outfile "$tls/server.key" 2>/dev/null
  certtool --generate-certificate --load-privkey "$tls/server.key" \
           --load-ca-certificate "$tls/ca.pem" --load-ca-privkey "$tls/ca.key" \
           --template "$tls/server.tmpl" --outfile "$tls/server.pem" >/dev/null 2>&1 \
    || die "certtool: server certificate failed"
  chmod 600 "$tls/ca.key" "$tls/server.key"
}

write_postfix () {
  dir=$1 sub=$2 smtps=$3
  cat > "$dir/postfix/main.cf" <<EOF
# Generated by tests/servers/mailserver.sh: a private, loopback-only test instance.
compatibility_level = 3.6
queue_directory = $dir/spool
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mail.epistle.test
mydomain = epistle.test
myorigin = \$myhostname
mydestination =
mynetworks = 127.0.0.1/32
alias_maps =
alias_database =
local_recipient_maps =
biff = no
smtpd_banner = \$myhostname ESMTP
# Every domain is virtual and lands in one Maildir, so nothing is ever relayed.
virtual_mailbox_domains = static:all
virtual_mailbox_maps = static:inbox/
virtual_mailbox_base = $dir/mail
virtual_uid_maps = static:$MAIL_UID
virtual_gid_maps = static:$MAIL_GID
virtual_mailbox_limit = 0
default_transport = error:this test instance sends nothing out
relay_transport = error:this test instance sends nothing out
# Large enough for the big-attachment tests, and advertised as SIZE.
message_size_limit = 104857600
smtpd_tls_cert_file = $dir/tls/server.pem
smtpd_tls_key_file = $dir/tls/server.key
smtpd_tls_loglevel = 1
smtpd_tls_received_header = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = private/auth
smtpd_sasl_auth_enable = no
smtpd_relay_restrictions = permit_sasl_authenticated, reject
EOF

  # chroot is off everywhere: the queue directory is not prepared as a chroot jail.
  cat > "$dir/postfix/master.cf" <<EOF
# service          type  private unpriv chroot wakeup maxproc command
127.0.0.1:$sub     inet  n       -      n      -      -       smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
127.0.0.1:$smtps   inet  n       -      n      -      -       smtpd
  -o syslog_name=postfix/submissions
  -o smtpd_tls_wrappermode=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
pickup             unix  n       -      n      60     1       pickup
cleanup            unix  n       -      n      -      0       cleanup
qmgr               unix  n       -      n      300    1       qmgr
tlsmgr             unix  -       -      n      1000?  1       tlsmgr
rewrite            unix  -       -      n      -      -       trivial-rewrite
bounce             unix  -       -      n      -      0       bounce
defer              unix  -       -      n      -      0       bounce
trace              unix  -       -      n      -      0       bounce
verify             unix  -       -      n      -      1       verify
flush              unix  n       -      n      1000?  0       flush
proxymap           unix  -       -      n      -      -       proxymap
proxywrite         unix  -       -      n      -      1       proxymap
smtp               unix  -       -      n      -      -       smtp
relay              unix  -       -      n      -      -       smtp
showq              unix  n       -      n      -      -       showq
error              unix  -       -      n      -      -       error
retry              unix  -       -      n      -      -       error
discard            unix  -       -      n      -      -       discard
local              unix  -       n      n      -      -       local
virtual            unix  -       n      n      -      -       virtual
lmtp               unix  -       -      n      -      -       lmtp
anvil              unix  -       -      n      -      1       anvil
scache             unix  -       -      n      -      1       scache
postlog            unix-dgram n  -      n      -      1       postlogd
EOF
}

write_dovecot () {
  dir=$1 user=$2 password=$3 imap=${4:-} imaps=${5:-} other_password=${6:-}
  # passwd-file: user:password; {PLAIN} lets Dovecot derive CRAM-MD5 and SCRAM secrets.
  printf '%s:{PLAIN}%s\n' "$user" "$password" > "$dir/dovecot/passwd"
  chown root:dovecot "$dir/dovecot/passwd"
  chmod 640 "$dir/dovecot/passwd"
  cat > "$dir/dovecot/dovecot.conf" <<EOF
# Generated by tests/servers/mailserver.sh: authentication only, for Postfix's SASL.
protocols =
base_dir = $dir/dovecot/run
state_dir = $dir/dovecot/state
instance_name = epistle-test-$$
log_path = $dir/dovecot.log
ssl = no
# Postfix enforces TLS before AUTH (smtpd_tls_auth_only); Dovecot sees a local socket.
disable_plaintext_auth = no
auth_mechanisms = plain login cram-md5 scram-sha-1 scram-sha-256
auth_verbose = yes
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/dovecot/passwd
}
userdb {
  driver = static
  args = uid=$MAIL_UID gid=$MAIL_GID home=/nonexistent
}
service auth {
  unix_listener $dir/spool/private/auth {
    mode = 0660
    user = postfix
    group = postfix
  }
}
service anvil {
  chroot =
}
EOF
  [ -n "$imap" ] || return 0
  # A second account, IMAP only in practice: a mailbox whose IMAP user and password differ from
  # the submission account's (the profile's separate IMAP password).
  printf '%s:{PLAIN}%s\n' "$IMAP_OTHER_USER" "$other_password" >> "$dir/dovecot/passwd"
  mkdir -p "$dir/imap"
  chown "$MAIL_UID:$MAIL_GID" "$dir/imap"
  # IMAP on top: the same passdb (so the same mechanisms), TLS with the test certificate.
  sed -i 's/^protocols =$/protocols = imap/; s/^ssl = no$/ssl = yes/' "$dir/dovecot/dovecot.conf"
  cat >> "$dir/dovecot/dovecot.conf" <<EOF
listen = 127.0.0.1
ssl_cert = <$dir/tls/server.pem
ssl_key = <$dir/tls/server.key
mail_location = maildir:$dir/imap/%u
# Keep messages with the CRLF they came with: the file is then the exact bytes uploaded.
mail_save_crlf = yes
mail_uid = $MAIL_UID
mail_gid = $MAIL_GID
first_valid_uid = 1
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \\Sent
    auto = create
  }
  mailbox Drafts {
    special_use = \\Drafts
    auto = create
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $imap
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $imaps
    ssl = yes
  }
}
EOF
}

# Wait until Dovecot's IMAP port greets with "* OK".
wait_imap () {
  $PYTHON - "$1" "$START_TIMEOUT" <<'EOF'
import socket, sys, time
port, timeout = sys.argv[1:]
deadline = time.monotonic() + float(timeout)
last = None
while time.monotonic() < deadline:
    try:
        with socket.create_connection(("127.0.0.1", int(port)), timeout=5) as s:
            line = s.makefile("rb").readline()
            if line.startswith(b"* OK"):
                sys.exit(0)
            last = line
    except OSError as e:
        last = e
    time.sleep(0.05)
print("mailserver: IMAP not ready: %s" % last, file=sys.stderr)
sys.exit(1)
EOF
}

start_all () {
  dir=$1
  [ "$(id -u)" = 0 ] || die "must run as root (Postfix and Dovecot drop privileges themselves)"
  for tool in postfix dovecot certtool; do
    command -v "$tool" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin"
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found (packages postfix, dovecot-core, gnutls-bin)"
  done
  if [ -e "$dir/spool/pid/master.pid" ] && [ -n "$(proc_id "$(read_pid "$dir/spool/pid/master.pid")")" ]; then
    die "an instance is already running in $dir"
  fi

  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd -P)
  # The daemons' unprivileged users must reach files below DIR: every parent must be searchable.
  chmod 755 "$dir"
  if ! runuser -u postfix -- test -x "$dir" || ! runuser -u nobody -- test -x "$dir"; then
    die "$dir is not searchable by the postfix and nobody users; make its parents world-searchable (chmod o+x)"
  fi
  rm -rf "$dir/postfix" "$dir/spool" "$dir/data" "$dir/mail" "$dir/dovecot" "$dir/tls" "$dir/imap"
  rm -f "$dir/maillog" "$dir/dovecot.log" "$dir/ports.env" "$dir/password"
  mkdir -p "$dir/postfix" "$dir/spool/private" "$dir/data" "$dir/mail" \
           "$dir/dovecot/run" "$dir/dovecot/state"
  chown postfix "$dir/spool/private" "$dir/data"
  chmod 700 "$dir/spool/private" "$dir/data"
  chown "$MAIL_UID:$MAIL_GID" "$dir/mail"
  touch "$dir/maillog"

  make_tls "$dir/tls"

  user=tester
  password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
  printf '%s' "$password" > "$dir/password"
  chmod 600 "$dir/password"
  imap="" imaps=""
  other_password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
  if [ -n "${MAILSERVER_IMAP:-}" ]; then
    # shellcheck disable=SC2046 # two port numbers, split on purpose
    set -- $(free_ports 2)
    imap=$1 imaps=$2
  fi
  write_dovecot "$dir" "$user" "$password" "$imap" "$imaps" "$other_password"
  dovecot -c "$dir/dovecot/dovecot.conf" 2>>"$dir/dovecot.log" \
    || { cat "$dir/dovecot.log" >&2; die "dovecot did not start"; }
  if [ -n "$imap" ] && ! wait_imap "$imap"; then
    cat "$dir/dovecot.log" >&2
    stop_all "$dir" || true
    die "dovecot's IMAP did not become ready"
  fi

  ok=""
  for attempt in 1 2 3; do
    # shellcheck disable=SC2046 # two port numbers, split on purpose
    set -- $(free_ports)
    sub=$1 smtps=$2
    write_postfix "$dir" "$sub" "$smtps"
    if postfix -c "$dir/postfix" start >>"$dir/postfix-start.log" 2>&1 &&
       wait_ready "$sub" "$smtps" "$dir/tls/ca.pem" "$dir/spool/private/auth"; then
      ok=1
      break
    fi
    # Most likely a port was taken between choosing and binding it: retry with fresh ports.
    log "attempt $attempt failed:"
    tail -n 20 "$dir/postfix-start.log" "$dir/maillog" >&2
    stale=$(proc_tree "$(read_pid "$dir/spool/pid/master.pid")")
    if [ -n "$stale" ]; then
      kill -TERM "$(read_pid "$dir/spool/pid/master.pid")" 2>/dev/null || true
      wait_gone "$stale" || true
    fi
  done
  if [ -z "$ok" ]; then
    stop_all "$dir" || true
    die "the servers did not become ready"
  fi

  cat > "$dir/ports.env" <<EOF
# Written by tests/servers/mailserver.sh; source it from sh.
MAILSERVER_DIR='$dir'
SUBMISSION_PORT=$sub
SMTPS_PORT=$smtps
CA_FILE='$dir/tls/ca.pem'
SASL_USER='$user'
SASL_PASSWORD='$password'
PASSWORD_FILE='$dir/password'
SASL_MECHANISMS='PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256'
MAILDIR='$dir/mail/inbox'
MAILLOG='$dir/maillog'
POSTFIX_PID=$(read_pid "$dir/spool/pid/master.pid")
DOVECOT_PID=$(read_pid "$dir/dovecot/run/master.pid")
IMAP_PORT=$imap
IMAPS_PORT=$imaps
IMAP_MAILDIR='$dir/imap/$user'
IMAP_OTHER_USER='$IMAP_OTHER_USER'
IMAP_OTHER_PASSWORD='$other_password'
IMAP_OTHER_MAILDIR='$dir/imap/$IMAP_OTHER_USER'
EOF
  log "ready: submission 127.0.0.1:$sub (STARTTLS), smtps 127.0.0.1:$smtps (implicit TLS); $dir/ports.env"
}

# Wait for every "PID STARTTIME" line in $1 to disappear; SIGKILL the stragglers (only those
# exact processes) after STOP_TIMEOUT.  Fails if any survives even that.
wait_gone () {
  ids=$1
  [ -n "$ids" ] || return 0
  i=0
  while :; do
    alive=""
    alive_pids=""
    while read -r pid st; do
      [ -n "$pid" ] || continue
      if [ "$(proc_id "$pid")" = "$pid $st" ]; then
        alive="$alive$pid $st
"
        alive_pids="$alive_pids $pid"
      fi
    done <<EOF
$ids
EOF
    [ -z "$alive" ] && return 0
    i=$((i + 1))
    if [ $i -eq $((STOP_TIMEOUT * 10)) ]; then
      log "killing processes that did not stop:$alive_pids"
      for p in $alive_pids; do kill -KILL "$p" 2>/dev/null || true; done
    elif [ $i -gt $((STOP_TIMEOUT * 10 + 20)) ]; then
      echo "mailserver: processes still alive:$alive_pids" >&2
      return 1
    fi
    sleep 0.1
  done
}

stop_all () {
  dir=$1
  [ -d "$dir" ] || die "no such directory: $dir"
  dir=$(cd "$dir" && pwd -P)
  status=0

  ppid=$(read_pid "$dir/spool/pid/master.pid")
  dpid=$(read_pid "$dir/dovecot/run/master.pid")
  # Record the whole process trees first: the masters take their children down with them,
  # and we verify that by PID and start time afterwards.
  ptree=""; dtree=""
  [ -n "$ppid" ] && ptree=$(proc_tree "$ppid")
  [ -n "$dpid" ] && dtree=$(proc_tree "$dpid")

  # SIGTERM to the master is exactly what `postfix stop` sends; waiting here instead of in its
  # one-second polling loop saves seconds per test.
  if [ -n "$ptree" ]; then
    kill -TERM "$ppid" 2>/dev/null || true
  fi
  if [ -n "$dtree" ]; then
    kill -TERM "$dpid" 2>/dev/null || true
  fi
  wait_gone "$ptree" || status=1
  wait_gone "$dtree" || status=1
  [ $status -eq 0 ] && log "stopped ($dir)"
  return $status
}

[ $# -eq 2 ] || usage
case "$1" in
  start) start_all "$2" ;;
  stop) stop_all "$2" ;;
  *) usage ;;
esac
