#!/usr/bin/env bash
# System packages the test suite uses for real (not mocked): Debian's dump1090-mutability (a real
# Mode S decoder), PostgreSQL (a real database server for the register; the tests start their own
# throwaway cluster on 127.0.0.1, see tests/postgres.py) and chromium (the radar page's tests drive it
# with Playwright, WebGL2 headless through SwiftShader; the HTML reports are loaded in it; it also brings
# the Pango libraries WeasyPrint renders PDFs with). Installs only what is missing; needs root
# (CI runs as root).
set -euo pipefail
missing=()
command -v dump1090-mutability >/dev/null 2>&1 || [ -x /usr/bin/dump1090-mutability ] || missing+=(dump1090-mutability)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null 2>&1 || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-system-deps: need root to apt-get install ${missing[*]}; tests that need them will be skipped" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
