#!/usr/bin/env bash
# Makes sure the Debian packages a target needs are present: installs the missing ones with
# apt-get when run as root, otherwise says what to install and fails.
#   usage: scripts/system-deps.sh build|test|bench
set -euo pipefail

need=()
# The font list is read whole: `fc-list | grep -q` under pipefail failed whenever grep quit before
# fc-list had written everything (SIGPIPE), and then every `make` ran apt-get.
fonts=$(fc-list : family 2>/dev/null || true)
have_font() { [[ $fonts == *"$1"* ]]; }
command -v fc-list >/dev/null || need+=(fontconfig)
have_font "Noto Serif CJK" && have_font "Noto Sans CJK" || need+=(fonts-noto-cjk)
case "${1:-build}" in
  test|bench)
    [ -x /usr/bin/chromium ] || need+=(chromium)
    command -v pdftoppm >/dev/null || need+=(poppler-utils)
    ;;
esac

[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian packages: ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "Missing system packages: ${need[*]}" >&2
  echo "Install them with:  sudo apt-get install ${need[*]}" >&2
  exit 1
fi
