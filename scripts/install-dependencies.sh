#!/usr/bin/env bash
# Installs the Debian packages Retouch links against (OpenBLAS, libpng, libjpeg-turbo, libtiff, OpenSSL's libcrypto for SHA-256), if missing.
set -euo pipefail
packages=(libopenblas-dev libpng-dev libjpeg-dev libtiff-dev libssl-dev pkg-config)
if dpkg -s "${packages[@]}" >/dev/null 2>&1; then
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}"
