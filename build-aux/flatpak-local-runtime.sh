#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds a stand-in for org.gnome.Platform/Sdk from Debian 12 packages, for testing the Flatpak offline.
#
#   flatpak-local-runtime.sh build     build (or reuse) the runtime and SDK; print the repository path
#   flatpak-local-runtime.sh install   build if needed, then add the repository as the remote
#                                      "epistle-local" and install both for the current user
#   flatpak-local-runtime.sh refs      print the runtime and SDK refs (NAME/ARCH/BRANCH), one a line
#
# Nothing can be downloaded from Flathub here, but a Flatpak runtime is only a /usr tree plus a
# metadata file, so one is made from Debian packages: mmdebstrap installs the package lists below
# into a throw-away root, its usr/ (with etc/ moved to usr/etc, where Flatpak looks for it)
# becomes the runtime's files/, and `flatpak build-export --runtime` commits it to an OSTree
# repository.  Two runtimes are made, as the GNOME ones are: the Platform (what the app needs at
# run time) and the Sdk (the Platform plus compilers, meson, the -dev packages and the tools
# flatpak-builder calls).  The app's manifest is used unchanged except for the runtime names
# (tests/test-flatpak.sh writes that variant).
#
# The result is cached in $EPISTLE_FLATPAK_CACHE (default: ~/.cache/epistle-flatpak), in a
# directory named after a hash of this script, so any change to the package lists or to the way
# the runtime is put together builds a fresh one; older ones are deleted.  Downloaded .deb files
# are kept in the cache too.  A cold build takes 3 to 6 minutes and about 3 GB of disk while it
# runs; what stays is about 1.1 GB (the uncompressed repository and the .deb files).  Installing
# from the cache takes seconds.
#
# Needs: mmdebstrap, flatpak, ostree, and root (mmdebstrap's root mode; tested) or unprivileged
# user namespaces with subordinate ids (its unshare mode; untested).  Network: only the Debian
# mirror (EPISTLE_FLATPAK_MIRROR, default deb.debian.org with bookworm-updates and -security).
set -eu

PLATFORM_ID=org.epistle.LocalPlatform
SDK_ID=org.epistle.LocalSdk
BRANCH=bookworm
SUITE=bookworm
REMOTE=epistle-local

# What the app links against and loads at run time: GTK 4 and libadwaita with their data
# (schemas, icons, fonts, MIME database, pixbuf and TLS modules), libsecret, GnuTLS and the CA
# bundle for verifying servers; enchant for spelling with the English, German and French
# dictionaries the real manifest bundles, and iso-codes for the dictionaries' names.
PLATFORM_PKGS="libgtk-4-1 libadwaita-1-0 libsecret-1-0 libgnutls30 libsoup-3.0-0 libjson-glib-1.0-0
  libenchant-2-2 hunspell-en-us hunspell-de-de hunspell-fr iso-codes
  glib-networking
  gsettings-desktop-schemas adwaita-icon-theme hicolor-icon-theme librsvg2-common
  shared-mime-info fonts-cantarell fonts-dejavu-core ca-certificates"
# What building the app needs on top (the SDK is the Platform plus these).  flatpak-builder 1.2
# runs `appstream-compose` (from appstream-glib: Debian's appstream-util, not the package named
# appstream-compose) inside the SDK when the app installs metainfo; meson's gnome.post_install
# wants glib-compile-schemas, gtk-update-icon-cache and update-desktop-database.
# (flatpak-builder runs eu-strip on the host: elfutils is a host package, not an SDK one.)
SDK_PKGS="build-essential pkg-config meson ninja-build gettext
  libglib2.0-dev libglib2.0-bin libgtk-4-dev libadwaita-1-dev libsecret-1-dev libgnutls28-dev
  libsoup-3.0-dev libjson-glib-dev libenchant-2-dev
  desktop-file-utils appstream appstream-util gtk-update-icon-cache"

# dpkg leaves out documentation and all translations but the two the app ships.
DPKG_OPTS="path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
path-include=/usr/share/locale/de/*
path-include=/usr/share/locale/fr/*"

here=$(cd "$(dirname "$0")" && pwd)
self="$here/$(basename "$0")"
cache=${EPISTLE_FLATPAK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/epistle-flatpak}
case "$cache" in *[[:space:]]*) echo "flatpak-local-runtime: the cache path must not contain spaces: $cache" >&2; exit 1 ;; esac
arch=$(flatpak --default-arch)
key=$(sha256sum "$self" | cut -c1-16)
dir="$cache/$arch-$key"
repo="$dir/repo"

script_start=$(date +%s)
log () { echo "flatpak-local-runtime: [$(( $(date +%s) - script_start ))s] $*" >&2; }
die () { log "$*"; exit 1; }
now () { date +%s; }

need () {
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (Debian package: ${tool%%-*})"
  done
}

# Turns a usr/ tree (with etc/ inside it) into a runtime directory: metadata and small fixes.
finish_runtime () {
  id=$1 out=$2
  if [ ! -x "$out/files/bin/sh" ] || [ ! -e "$out/files/lib/$(gcc_triplet)/libc.so.6" ]; then
    die "$id: no merged /usr in the mmdebstrap result"
  fi
  # Flatpak runs `ldconfig` with PATH=/usr/bin:/bin; Debian keeps it in sbin.
  if [ ! -e "$out/files/bin/ldconfig" ]; then ln -s ../sbin/ldconfig "$out/files/bin/ldconfig"; fi
  # The sandbox supplies these from the host or generates them.
  rm -f "$out/files/etc/ld.so.cache" "$out/files/etc/machine-id" "$out/files/etc/resolv.conf" \
    "$out/files/etc/hostname" "$out/files/etc/hosts"
  {
    echo "[Runtime]"
    echo "name=$id"
    echo "runtime=$PLATFORM_ID/$arch/$BRANCH"
    echo "sdk=$SDK_ID/$arch/$BRANCH"
  } > "$out/metadata"
}

# One mmdebstrap run makes both: once the Platform packages are installed, a customize hook
# copies usr/ and etc/ out as the Platform, a second one installs the SDK packages on top, and
# the final tree becomes the SDK.  (Two separate bootstraps would unpack everything twice.)
make_runtimes () {
  platform=$1 sdk=$2
  mkdir -p "$platform/files/etc" "$sdk.root" "$cache/debs"
  list=$(echo "$PLATFORM_PKGS" | tr -s ' \n' ',,' | sed 's/^,//; s/,$//')
  extra=$(echo "$SDK_PKGS" | tr -s ' \n' '  ')

  set -- --variant=apt --include="$list" --skip=essential/unlink \
    --setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
    --setup-hook="sync-in $cache/debs /var/cache/apt/archives/" \
    --customize-hook="sync-out /usr $platform/files" \
    --customize-hook="sync-out /etc $platform/files/etc" \
    --customize-hook="chroot \"\$1\" env DEBIAN_FRONTEND=noninteractive apt-get install -q -y --no-install-recommends $extra >&2" \
    --customize-hook="sync-out /var/cache/apt/archives $cache/debs"
  old_ifs=$IFS; IFS='
'
  for opt in $DPKG_OPTS; do set -- "$@" --dpkgopt="$opt"; done
  IFS=$old_ifs
  set -- "$@" --format=tar "$SUITE" -
  if [ -n "${EPISTLE_FLATPAK_MIRROR:-}" ]; then set -- "$@" "$EPISTLE_FLATPAK_MIRROR"; fi

  # A tarball on stdout works in every mmdebstrap mode (root, unshare); only usr/ and etc/ matter,
  # as bookworm's /bin, /lib and /sbin are symlinks into /usr (merged /usr).
  { mmdebstrap --quiet "$@" || echo failed > "$sdk.failed"; } | tar -x -C "$sdk.root" ./usr ./etc
  [ ! -e "$sdk.failed" ] || die "mmdebstrap failed"
  mkdir -p "$sdk"
  mv "$sdk.root/usr" "$sdk/files"
  mv "$sdk.root/etc" "$sdk/files/etc"
  rm -rf "$sdk.root"

  finish_runtime "$PLATFORM_ID" "$platform"
  finish_runtime "$SDK_ID" "$sdk"
}

gcc_triplet () {
  case "$arch" in
    x86_64) echo x86_64-linux-gnu ;;
    aarch64) echo aarch64-linux-gnu ;;
    *) die "unsupported architecture $arch" ;;
  esac
}

build () {
  if [ -f "$dir/complete" ]; then
    echo "$repo"
    return 0
  fi
  need mmdebstrap flatpak ostree tar flock
  work="$dir.work"
  rm -rf "$work" "$dir"
  mkdir -p "$work"
  start=$(now)

  log "building $PLATFORM_ID and $SDK_ID (mmdebstrap, $SUITE)"
  make_runtimes "$work/platform" "$work/sdk"
  t_debootstrap=$(now)

  # A bare-user-only repository: no compression, so exporting and installing take seconds
  # (an archive repository is a third of the size but takes minutes to write).
  log "exporting to $repo"
  ostree init --mode=bare-user-only --repo="$work/repo"
  flatpak build-export --runtime --files=files --disable-fsync --no-update-summary \
    --subject="$SDK_ID from Debian $SUITE" "$work/repo" "$work/sdk" "$BRANCH" >&2
  flatpak build-export --runtime --files=files --disable-fsync --no-update-summary \
    --subject="$PLATFORM_ID from Debian $SUITE" "$work/repo" "$work/platform" "$BRANCH" >&2
  flatpak build-update-repo "$work/repo" >&2
  t_export=$(now)

  mkdir -p "$dir"
  mv "$work/repo" "$repo"
  rm -rf "$work"
  du -sh "$repo" | cut -f1 > "$dir/size"
  echo "mmdebstrap $((t_debootstrap - start))s, export $((t_export - t_debootstrap))s" \
    > "$dir/timings"
  touch "$dir/complete"
  log "built in $(( $(now) - start ))s ($(cat "$dir/timings")), repository $(cat "$dir/size")"

  # Runtimes built by earlier versions of this script are no longer wanted.
  for old in "$cache/$arch"-*; do
    [ "$old" = "$dir" ] || rm -rf "$old"
  done
  echo "$repo"
}

install_user () {
  build >/dev/null
  url="file://$repo"
  if flatpak remote-list --user --columns=name | grep -qx "$REMOTE"; then
    flatpak remote-modify --user --no-gpg-verify --url="$url" "$REMOTE"
  else
    flatpak remote-add --user --no-gpg-verify "$REMOTE" "$url"
  fi
  flatpak install --user --noninteractive --or-update -y "$REMOTE" \
    "$PLATFORM_ID//$BRANCH" "$SDK_ID//$BRANCH" >&2
  log "installed $PLATFORM_ID and $SDK_ID for $(id -un) from $repo"
}

cmd=${1:-install}
case "$cmd" in
  build|install)
    mkdir -p "$cache"
    # One builder at a time per cache; a second caller waits and then finds the result.
    exec 9>"$cache/lock"
    flock 9
    if [ "$cmd" = build ]; then build; else install_user; fi
    ;;
  refs)
    echo "$PLATFORM_ID/$arch/$BRANCH"
    echo "$SDK_ID/$arch/$BRANCH"
    ;;
  *)
    echo "usage: $0 build|install|refs" >&2
    exit 64
    ;;
esac
