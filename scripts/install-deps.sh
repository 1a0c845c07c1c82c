#!/usr/bin/env bash
# Installs what the real-server tests need (Debian/Ubuntu, as root), idempotently:
# `apt-get update` only when a package is missing. Afterwards stops any system slapd/samba that the
# install started: the tests start their own servers.
set -euo pipefail

# squidguard: the filter tests feed our exports to a real squidGuard as its exception lists.
# poppler-utils (pdftoppm) and zbar-tools (zbarimg): the inventory label test renders the PDF and reads the barcodes back.
# chromium: the termly report test prints the HTML report to PDF with headless Chromium (pdftotext checks it).
# postgresql: the store tests run on both engines against a cluster they make with initdb (issue 27).
PACKAGES=(slapd ldap-utils samba samba-ad-dc winbind krb5-user ldb-tools tmux openssl squidguard poppler-utils zbar-tools chromium postgresql)
# lintian and systemd-analyze (systemd): scripts/test-deb.sh checks the .deb and its units.
PACKAGES+=(lintian systemd)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi

echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${PACKAGES[@]}"

for svc in slapd samba-ad-dc samba smbd nmbd winbind squid postgresql; do
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    $SUDO systemctl stop "$svc" >/dev/null 2>&1 || true
    $SUDO systemctl disable "$svc" >/dev/null 2>&1 || true
  fi
  if command -v service >/dev/null; then
    $SUDO service "$svc" stop >/dev/null 2>&1 || true
  fi
done
echo "install-deps: done"
