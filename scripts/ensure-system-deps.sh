#!/usr/bin/env bash
# Make sure the system packages (not Python ones) that some tests need are there:
#   chromium              renders the HTML report for its screenshot test
#   buildah               really builds the serving image (daemonless)
#   default-jre-headless  Java, for the Spark data engine
#
# Installs what is missing when it can (root and apt-get), quietly. Never fatal: where it cannot,
# it prints one line (as a non-root user: the one apt-get command to run) and the tests that need
# a missing package say why they cannot run. Silent and instant when everything is there.
#
#   scripts/ensure-system-deps.sh     # what `make test` (and so .ci/run) runs before pytest
set -uo pipefail

# package → the commands any one of which means it is installed
declare -A PROVIDES=(
  [chromium]="chromium chromium-browser google-chrome google-chrome-stable"
  [buildah]="buildah"
  [default-jre-headless]="java"
)
ORDER=(chromium buildah default-jre-headless)

installed() {
  local command
  for command in ${PROVIDES[$1]}; do
    command -v "$command" >/dev/null 2>&1 && return 0
  done
  return 1
}

missing=()
for package in "${ORDER[@]}"; do
  installed "$package" || missing+=("$package")
done
((${#missing[@]})) || exit 0

say() { echo "ensure-system-deps: $*"; }
until_then="until then the tests that need them say why they cannot run"
if [[ $(id -u) -ne 0 ]]; then
  say "missing ${missing[*]}: install them with \`sudo apt-get install -y ${missing[*]}\` ($until_then)"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  say "missing ${missing[*]} and no apt-get here: install them with this system's package manager ($until_then)"
  exit 0
fi
say "installing ${missing[*]} (apt-get; the HTML report screenshot, image build and Spark tests)"
log="$(mktemp -t ensure-system-deps.XXXXXX.log)"
if { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >"$log" 2>&1; then
  rm -f "$log"
else
  say "could not install ${missing[*]} (apt-get's output: $log); the tests that need them will say why they cannot run"
fi
exit 0
