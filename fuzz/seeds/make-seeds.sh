#!/usr/bin/env bash
# Remakes the seeds that carry keys or signatures, with tend itself and the
# stock age and minisign tools: a synthetic vault's audit package, entries,
# checkpoint and verifier key, its recovery key, an export bundle to the CCTV
# test identity, and a minisign key pair with a signature. The other seeds are
# written by hand in their directories. Nothing here is personal data.
#
# Usage: fuzz/seeds/make-seeds.sh TEND_BINARY
set -euo pipefail
tend=$(realpath "$1")
seeds=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TEND_VAULT="$work/vault" TZ=Europe/Berlin XDG_RUNTIME_DIR="$work/run"
mkdir -m 700 "$work/run"
printf 'a synthetic passphrase\n' > "$work/pass"
t() { "$tend" --passphrase-file "$work/pass" "$@"; }

# The identity of the C2SP CCTV age vectors (fuzz/fuzz.hpp), and its recipient.
echo AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0 > "$work/id"
recipient=$(age-keygen -y "$work/id")

t init --json > "$work/init.json"
sed -n 's/.*"recovery_key": *"\([^"]*\)".*/\1/p' "$work/init.json" > "$seeds/recovery_key/made"
t mood add 7 --note "a synthetic note" --tag walk --at "2026-11-20 09:00" >/dev/null
t app log Headspace --duration 20m --at "2026-11-20 10:00" >/dev/null
t grant add --recipient "Dr. Example" --recipient-key "$recipient" --purpose "a test" \
  --data mood,notes,app_usage --max-exports 3 --json > "$work/grant.json"
grant=$(sed -n 's/.*"id": *"\([^"]*\)".*/\1/p' "$work/grant.json")
t export --grant "$grant" -o "$work/bundle.age" >/dev/null
cp "$work/bundle.age" "$seeds/bundle/export-json"
t export --grant "$grant" --format csv -o "$work/bundle-csv.age" >/dev/null
cp "$work/bundle-csv.age" "$seeds/bundle/export-csv"
t grant revoke "$grant" >/dev/null
age -r "$recipient" -o "$seeds/bundle/stock-age" "$(dirname "$seeds")/../tests/fixtures/export/payload-v1.json"
age -a -r "$recipient" -o "$seeds/age/armored" "$work/pass"

t audit export -o "$seeds/audit_package/made" >/dev/null
# Each entry of the package on its own (the format is docs/audit-format.md).
i=0
while IFS= read -r line; do
  case "$line" in
    '{"kind"'*) printf '%s' "$line" > "$seeds/audit_entry/entry-$i"; i=$((i + 1)) ;;
  esac
done < "$seeds/audit_package/made"
# The verifier key, then the latest checkpoint: the note target's input.
key=$(t identity --json | sed -n 's/.*"audit_verifier_key": *"\([^"]*\)".*/\1/p')
{ printf '%s\n' "$key"; t audit checkpoint; } > "$seeds/note/made"

# A minisign key pair made by minisign, and its signature over "tend fuzz\n".
printf 'tend fuzz\n' > "$work/message"
minisign -G -W -p "$work/m.pub" -s "$work/m.key" >/dev/null
minisign -S -s "$work/m.key" -m "$work/message" -t "a trusted comment" >/dev/null
cat "$work/m.pub" "$work/message.minisig" > "$seeds/minisign/made"
