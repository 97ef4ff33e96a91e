#!/usr/bin/env bash
# Installs a build into a temporary prefix and checks what a user gets: the
# binary, a man page that man renders without warnings, and bash and zsh
# completions that complete commands and subcommands.
#
#   install_test.sh BUILD_DIR
set -euo pipefail
build=$1
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
fail() { echo "install_test: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >/dev/null

bin=$prefix/bin/tend
man1=$prefix/share/man/man1/tend.1
bashc=$prefix/share/bash-completion/completions/tend
zshc=$prefix/share/zsh/site-functions/_tend
for f in "$bin" "$man1" "$bashc" "$zshc"; do [ -s "$f" ] || fail "not installed: ${f#$prefix/}"; done
[ -x "$bin" ] || fail "bin/tend is not executable"
"$bin" --version | grep -q '^tend [0-9]' || fail "tend --version"

# The man page: rendered by man, without a warning from groff.
warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings=all -l "$man1" 2>&1 >/dev/null) ||
  fail "man -l failed"
[ -z "$warnings" ] || fail "man -l warns: $warnings"
page=$(LC_ALL=C.UTF-8 MANWIDTH=200 man -l "$man1" 2>/dev/null | tr -s " ")
for want in "tend grant receipt" "EXIT STATUS" "TIMES" "--passphrase-file"; do
  grep -qF -- "$want" <<<"$page" || fail "the man page lacks '$want'"
done
# Every command of the table is on the page.
while IFS= read -r cmd; do
  grep -qF -- "tend $cmd" <<<"$page" || fail "the man page lacks 'tend $cmd'"
done < <("$bin" help | sed -n 's/^  \([a-z]\+\( [a-z]\+\)\?\)  .*/\1/p')

# bash: what the completion offers for the words typed so far.
bash_complete() {
  bash -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    _tend
    printf "%s\n" "${COMPREPLY[@]}" | sort | paste -sd" "' _ "$bashc" "$@"
}
[ "$(bash_complete tend gr)" = "grant" ] || fail "bash: 'tend gr' gives '$(bash_complete tend gr)'"
[ "$(bash_complete tend grant r)" = "receipt revoke" ] ||
  fail "bash: 'tend grant r' gives '$(bash_complete tend grant r)'"
[ "$(bash_complete tend --vault /tmp/v mood a)" = "add" ] || fail "bash: a global's value is skipped"
got=$(bash_complete tend export --g)
[ "$got" = "--grant" ] || fail "bash: 'tend export --g' gives '$got'"
[ -z "$(bash_complete tend mood add 5 --energy '')" ] || fail "bash: a value is not a file name"

# bash-completion finds it by name under the prefix (XDG_DATA_DIRS), as it does in /usr/share.
if [ -r /usr/share/bash-completion/bash_completion ]; then
  XDG_DATA_DIRS=$prefix/share bash -c '
    source /usr/share/bash-completion/bash_completion
    _completion_loader tend
    complete -p tend' 2>/dev/null | grep -q -- '-F _tend' ||
    fail "bash-completion does not load the installed completion"
fi

# zsh: the script's logic, run with compadd recording what it is given.
if command -v zsh >/dev/null; then
  zsh -n "$zshc" || fail "zsh: the completion does not parse"
  zsh_complete() {
    zsh -f -c '
      compadd() { [[ "$1" == "--" ]] && shift; print -l -- "$@"; }
      _files() { print -- "<files>"; }
      f=$1; shift
      words=("$@"); CURRENT=$#; PREFIX=${words[CURRENT]}
      source "$f" | grep -- "^$PREFIX" | sort | paste -sd" "' _ "$zshc" "$@"
  }
  [ "$(zsh_complete tend gr)" = "grant" ] || fail "zsh: 'tend gr' gives '$(zsh_complete tend gr)'"
  [ "$(zsh_complete tend grant r)" = "receipt revoke" ] ||
    fail "zsh: 'tend grant r' gives '$(zsh_complete tend grant r)'"
fi
echo "install_test: ok"
