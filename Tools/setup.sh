#!/usr/bin/env bash
# Everything a fresh Debian machine with Swift needs: the C libraries, the default model, and the headless
# browser the server's page is tested in (Chromium and its WebDriver, chromedriver).
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
# libwebp-dev, libheif-dev (HEVC and AV1 decoders built in on Debian 12), libtiff-dev: the WebP, HEIC/AVIF and TIFF
# readers; libdav1d-dev: our AV1 decoder for libheif, with a frame-size limit (Sources/CBoundedAV1); icc-profiles-free: the Adobe RGB (1998)-compatible profile the colour-profile tests embed;
# chromium, chromium-driver: the page's test in a real browser.
for pkg in libopenblas-dev libpng-dev libjpeg-dev libwebp-dev libheif-dev libdav1d-dev libtiff-dev icc-profiles-free pkg-config chromium chromium-driver; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
Tools/fetch-weights.sh
