#!/usr/bin/env bash
# Builds Cilium's cilium-agent, cilium-operator-generic, cilium-cni and cilium-dbg from the Go module
# github.com/cilium/cilium (module proxy) into the cache, keyed by version, and keeps the datapath's C sources
# (bpf/) beside them for the agent image. Reuses the binaries already there.
#   usage: build-cilium.sh [-h] BIN_DIR
# The module proxy refuses three modules of Cilium's go.mod; the substitutions, and why each is safe, are in
# cilium-build/SUBSTITUTIONS.md beside this script. Set GOFLAGS=-p=1 to leave a core to the rest of the machine.
set -euo pipefail

if [ "${1:-}" = -h ] || [ "${1:-}" = --help ] || [ $# -ne 1 ]; then
  sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
  [ $# -eq 1 ] && exit 0 || exit 2
fi

CV=${CILIUM_VERSION:-v1.20.2}
GOBGP_VERSION=v4.7.0
bin_dir=$1
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$bin_dir")
src=$top/src
mkdir -p "$bin_dir"

binaries=(cilium-agent cilium-operator-generic cilium-cni cilium-dbg)
missing=()
for b in "${binaries[@]}"; do [ -x "$bin_dir/$b" ] || missing+=("$b"); done
[ ${#missing[@]} -eq 0 ] && [ -d "$top/bpf" ] && exit 0

export CGO_ENABLED=0
if [ ! -f "$src/.packetwalk-prepared" ]; then
  go mod download "github.com/cilium/cilium@$CV"
  rm -rf "$src"
  cp -r "$(go env GOMODCACHE)/github.com/cilium/cilium@$CV" "$src"
  chmod -R u+w "$src"
  cd "$src"
  # 1. github.com/osrg/gobgp/v4: the pinned pseudo-version is refused; v4.7.0 (tagged a day later) is served.
  go mod edit -require="github.com/osrg/gobgp/v4@$GOBGP_VERSION"
  # 2. sigs.k8s.io/mcs-api/controllers: every version is refused. Outside tests Cilium uses only its
  #    DerivedServiceAnnotation constant: a local module with that constant replaces it.
  mkdir -p third_party/mcs-api-controllers
  cp "$here/cilium-build/mcs-api-controllers/go.mod" "$here/cilium-build/mcs-api-controllers/annotations.go" \
    third_party/mcs-api-controllers/
  go mod edit -replace=sigs.k8s.io/mcs-api/controllers=./third_party/mcs-api-controllers
  # 3. sigs.k8s.io/controller-tools => github.com/cilium/controller-tools: refused; a code-generation tool only.
  go mod edit -dropreplace=sigs.k8s.io/controller-tools -droptool=sigs.k8s.io/controller-tools/cmd/controller-gen
  touch .packetwalk-prepared
fi
cd "$src"

ldflags="-s -w -X github.com/cilium/cilium/pkg/version.ciliumVersion=${CV#v}"
declare -A pkg=([cilium-agent]=./daemon [cilium-operator-generic]=./operator [cilium-cni]=./plugins/cilium-cni
  [cilium-dbg]=./cilium-dbg)
declare -A tags=([cilium-agent]=osusergo [cilium-operator-generic]=osusergo,ipam_provider_operator
  [cilium-cni]=osusergo [cilium-dbg]=osusergo)
for b in "${missing[@]}"; do
  t0=$SECONDS
  go build -mod=mod -trimpath -tags "${tags[$b]}" -ldflags "$ldflags" -o "$bin_dir/$b.tmp" "${pkg[$b]}"
  mv "$bin_dir/$b.tmp" "$bin_dir/$b"
  echo "built $b $CV in $((SECONDS - t0))s"
done
# The agent compiles its datapath at run time from these sources (its image puts them in /var/lib/cilium/bpf).
rm -rf "$top/bpf.tmp" && cp -r "$src/bpf" "$top/bpf.tmp" && rm -rf "$top/bpf" && mv "$top/bpf.tmp" "$top/bpf"
cd / && rm -rf "$src"
