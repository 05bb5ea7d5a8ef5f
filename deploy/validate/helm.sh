#!/usr/bin/env bash
# Print the path of a helm binary of the pinned version, building it first if needed.
# helm is built from its Go module (helm.sh/helm/v3, from the Go module proxy) with the local Go
# toolchain; the binary and Go's module and build caches stay under $JIANDU_CACHE_DIR (.cache/),
# so only the first run on a machine builds (about 2-4 minutes on 2 cores).
# Env: JIANDU_HELM_VERSION (v3.22.0), JIANDU_CACHE_DIR (.cache).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${JIANDU_CACHE_DIR:-$ROOT/.cache}"
VERSION="${JIANDU_HELM_VERSION:-v3.22.0}"
BIN="$CACHE/helm/$VERSION/helm"

say() { printf '[%s helm] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

if [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi
command -v go >/dev/null 2>&1 || { say "ERROR: Go 1.24+ is needed to build helm $VERSION (install golang)"; exit 1; }
mkdir -p "$CACHE/helm"
exec 9>"$CACHE/helm/.lock"
flock 9   # two test sessions building at once: the second waits and reuses the first's binary
if [ ! -x "$BIN" ]; then
  say "building helm $VERSION from its Go module into $BIN ($(go version | cut -d' ' -f3))"
  t0=$SECONDS
  mkdir -p "$CACHE/helm/$VERSION.tmp"
  GOBIN="$CACHE/helm/$VERSION.tmp" GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build" \
    GOFLAGS="-modcacherw -buildvcs=false" CGO_ENABLED=0 \
    go install -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$VERSION" \
    "helm.sh/helm/v3/cmd/helm@$VERSION" >&2
  mkdir -p "$(dirname "$BIN")"
  mv "$CACHE/helm/$VERSION.tmp/helm" "$BIN"
  rmdir "$CACHE/helm/$VERSION.tmp"
  say "built in $((SECONDS - t0)) s"
fi
echo "$BIN"
