# Shared by ./screening and ./test: check the tools a fresh machine must have, and install the pinned
# local dependencies (Azurite, from package-lock.json) when they are missing or the lock file changed.
# Sourced, not executed: it expects $root to be the repository root.

need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "$(basename "$0"): $2" >&2
    exit 1
  fi
}

need dotnet "the .NET SDK (dotnet, version 10) is required and was not found on PATH; install it from https://dot.net"
need node "Node.js is required (it runs the Azurite storage emulator) and was not found on PATH"
need npm "npm is required (it installs the Azurite storage emulator) and was not found on PATH"

stamp="$root/node_modules/.package-lock.sha256"
lock_hash="$(sha256sum "$root/package-lock.json" | cut -d' ' -f1)"
if [ ! -f "$root/node_modules/azurite/dist/src/azurite.js" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ]; then
  echo "$(basename "$0"): installing Azurite from package-lock.json (npm ci)…" >&2
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error >&2)
  echo "$lock_hash" > "$stamp"
fi
