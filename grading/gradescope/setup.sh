#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder's image: the tools the kit needs, a JDK 25,
# the kit's pinned JBang, and every dependency in JBang's cache, so that grading needs no network.
set -euo pipefail
source_dir=$(cd "$(dirname "$0")" && pwd)
kit="$source_dir/kit"

# A zip may not keep file modes: the scripts must run.
chmod +x "$source_dir/run_autograder" "$kit/jbang" "$kit"/grading/*.sh
find "$kit/tests" -name launch -exec chmod +x {} +

missing=()
command -v mvn >/dev/null 2>&1 || missing+=(maven)
command -v ss >/dev/null 2>&1 || missing+=(iproute2)
command -v curl >/dev/null 2>&1 || missing+=(curl ca-certificates)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# A JDK 25: Temurin's, from Adoptium, unless the image has one where the wrapper looks (/usr/lib/jvm, JAVA_HOME).
has_jdk25() {
  local dir v
  for dir in /usr/lib/jvm/* "${JAVA_HOME:-/nonexistent}"; do
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$dir/release" 2>/dev/null) || true
    [ "${v:-0}" -ge 25 ] && return 0
  done
  return 1
}
if ! has_jdk25; then
  arch=$(uname -m)
  case "$arch" in x86_64) arch=x64 ;; esac
  mkdir -p /usr/lib/jvm/temurin-25
  curl -fsSL "https://api.adoptium.net/v3/binary/latest/25/ga/linux/$arch/jdk/hotspot/normal/eclipse" \
    | tar -xz --strip-components=1 -C /usr/lib/jvm/temurin-25
fi

# JBang, then every script grading runs, compiled once: the dependency cache fills now.
cd "$kit"
./jbang --version >/dev/null
for script in tests/Conformance.java tests/Check.java exercises/*/*.java; do
  case "$script" in */EchoServer.java|*/Lines.java) continue ;; esac
  ./jbang build "$script" >/dev/null
done
echo "[setup] the kit is ready in $kit"
