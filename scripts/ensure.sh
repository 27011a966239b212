#!/bin/sh
# Installs what Courier's commands need on a fresh machine: npm packages (Bun comes
# from npm, a devDependency: --include=dev even if NODE_ENV=production is set) and the
# Debian packages named as arguments. Quick when all is present.
set -e
cd "$(dirname "$0")/.."
if [ ! -x node_modules/.bin/bun ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --include=dev --no-audit --no-fund --loglevel=error
fi
missing=""
for pkg in "$@"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  echo "courier: installing Debian packages:$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  # Installing a server package must not start a system-wide instance of it.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
  rm -f /usr/sbin/policy-rc.d
fi
