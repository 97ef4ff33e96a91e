#!/usr/bin/env bash
# Checks the Debian package: lintian finds no error or warning; it holds the
# binary, the man page, both completions and the copyright file; its Depends
# come from dpkg-shlibdeps. With --install (as root, where no tend package is
# installed yet): apt-get installs it, the installed tend runs, man finds its
# page, and the package is removed again.
#
#   package_test.sh DEB [--install]
set -euo pipefail
deb=$(realpath "$1")
fail() { echo "package_test: $*" >&2; exit 1; }

[[ $(basename "$deb") =~ ^tend_[0-9]+\.[0-9]+\.[0-9]+_amd64\.deb$ ]] || fail "named $(basename "$deb")"
tags=$(lintian --fail-on error,warning "$deb" 2>/dev/null) || fail "lintian: $tags"

contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/bin/tend ./usr/share/man/man1/tend.1.gz ./usr/share/bash-completion/completions/tend \
  ./usr/share/zsh/vendor-completions/_tend ./usr/share/doc/tend/copyright \
  ./usr/share/doc/tend/changelog.gz; do
  grep -qxF "$f" <<<"$contents" || fail "the package lacks $f"
done
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libsqlcipher0 libsodium23 libc6; do
  grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib: $depends"
done

[ "${2:-}" = --install ] || exit 0
if [ "$(id -u)" -ne 0 ] || dpkg-query -W tend >/dev/null 2>&1; then
  echo "package_test: not installing (not root, or a tend package is already installed)" >&2
  exit 0
fi
trap 'DEBIAN_FRONTEND=noninteractive apt-get remove -y -q tend >/dev/null 2>&1 || true' EXIT
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$deb" >/dev/null ||
  fail "apt-get install failed"
/usr/bin/tend --version | grep -q '^tend [0-9]' || fail "the installed tend does not run"
man -w tend | grep -q '/usr/share/man/man1/tend.1.gz' || fail "man does not find tend(1)"
