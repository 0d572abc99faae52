#!/usr/bin/env bash
# Sets up mcuforge on Debian 12: system packages (apt) and a virtual environment in .venv with
# mcuforge installed editable, with its training, report and test extras. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# clang: the C is checked warning-free with both host compilers (tests/test_c_warnings.py).
# chromium: the reports are opened in headless Chromium (tests/test_report.py).
APT_PACKAGES=(python3 python3-venv python3-pip gcc clang libc6-dev make git
              gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm chromium)

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]} (apt)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  python3 -m venv .venv
fi
echo "setup: installing mcuforge and its Python dependencies into .venv (pip)"
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[train,report,search,test]"
echo "setup: done ($(.venv/bin/mcuforge --version))"
