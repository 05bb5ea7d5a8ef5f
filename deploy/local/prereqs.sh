#!/usr/bin/env bash
# Install what the local test stack needs on a Debian machine, only where missing: PostgreSQL server
# binaries, Java 17+, Maven, curl, Go, Chromium. A fast no-op when all are present; as a non-root user it only
# checks and names what to install.
set -euo pipefail

say() { printf '[%s prereqs] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

java_major() { java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | sed -n 1p; }

missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
if ! command -v java >/dev/null 2>&1 || [ "$(java_major)" -lt 17 ] 2>/dev/null; then
  missing+=(openjdk-17-jdk-headless)
fi
command -v mvn >/dev/null 2>&1 || missing+=(maven)
command -v curl >/dev/null 2>&1 || missing+=(curl)
# Go builds helm for the chart checks (deploy/validate/helm.sh); Go 1.21+ fetches the newer
# toolchain helm's module asks for from the Go module proxy by itself.
command -v go >/dev/null 2>&1 || missing+=(golang-go)
# The web pages' browser tests drive Debian's Chromium by path (JIANDU_CHROMIUM); Playwright
# downloads no browser of its own.
[ -x "${JIANDU_CHROMIUM:-/usr/bin/chromium}" ] || missing+=(chromium)

if [ ${#missing[@]} -eq 0 ]; then
  say "PostgreSQL, Java $(java_major), Maven, curl, Go and Chromium are present"
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  say "ERROR: missing ${missing[*]}; run this script as root (sudo $0), or install them:"
  say "  apt-get install -y ${missing[*]}"
  exit 1
fi

command -v apt-get >/dev/null 2>&1 || { say "ERROR: missing ${missing[*]} and no apt-get (not Debian?)"; exit 1; }
export DEBIAN_FRONTEND=noninteractive
say "installing ${missing[*]} (apt-get update first)"
apt-get update -qq

# The JDK package: 17 where the release has it, else a later LTS the release ships.
jdk_package() {
  local candidate
  for candidate in openjdk-17-jdk-headless openjdk-21-jdk-headless default-jdk-headless; do
    if apt-cache show "$candidate" >/dev/null 2>&1; then echo "$candidate"; return 0; fi
  done
  say "ERROR: no OpenJDK package found in the apt sources"; return 1
}

packages=()
for item in "${missing[@]}"; do
  if [ "$item" = openjdk-17-jdk-headless ]; then item=$(jdk_package) || exit 1; fi
  packages+=("$item")
done
apt-get install -y -qq --no-install-recommends "${packages[@]}" >&2
say "installed ${packages[*]}"
