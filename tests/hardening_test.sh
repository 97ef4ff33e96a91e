#!/usr/bin/env bash
# The hardening Debian builds with (dpkg-buildflags, hardening=+all), read back
# from the ELF file itself: a position-independent executable, full RELRO
# (read-only relocations, bound at start), a stack protector, no executable
# stack, and with --fortified (an optimized build) libc calls checked by
# _FORTIFY_SOURCE.
#
# Usage: hardening_test.sh BINARY [--fortified]
set -euo pipefail
bin=$1
fortified=${2:-}
header=$(readelf -hW "$bin")
dynamic=$(readelf -dW "$bin")
segments=$(readelf -lW "$bin")
symbols=$(readelf --dyn-syms -W "$bin")
failed=0
check() {
  if eval "$2"; then
    echo "ok    $1"
  else
    echo "FAIL  $1" >&2
    failed=1
  fi
}
check "PIE (a DYN file flagged PIE)" \
  'grep -Eq "Type: +DYN" <<<"$header" && grep -Eq "FLAGS_1.*PIE" <<<"$dynamic"'
check "RELRO (a GNU_RELRO segment)" 'grep -q GNU_RELRO <<<"$segments"'
check "BIND_NOW (full RELRO)" 'grep -Eq "\(FLAGS\).*BIND_NOW|\(FLAGS_1\).*\bNOW\b|\(BIND_NOW\)" <<<"$dynamic"'
check "stack protector (__stack_chk_fail)" 'grep -q " __stack_chk_fail" <<<"$symbols"'
check "no executable stack" 'grep GNU_STACK <<<"$segments" | grep -Eq " RW +0x"'
if [ "$fortified" = --fortified ]; then
  check "_FORTIFY_SOURCE (checked libc calls, __*_chk)" 'grep -Eq " __[a-z0-9_]+_chk(@| |$)" <<<"$symbols"'
fi
exit $failed
