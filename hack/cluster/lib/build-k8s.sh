#!/usr/bin/env bash
# Builds the Kubernetes binaries the local cluster runs (and a matching kubectl) from the Go module proxy
# into the cache, keyed by version. Reuses what is already there.
#   usage: build-k8s.sh BIN_DIR [binary...]
set -euo pipefail

KV=${KUBE_VERSION:-v1.33.13}
bin_dir=$1; shift
work=$(dirname "$bin_dir")/build
mkdir -p "$bin_dir" "$work"

missing=()
for b in "$@"; do [ -x "$bin_dir/$b" ] || missing+=("$b"); done
[ ${#missing[@]} -eq 0 ] && exit 0

cd "$work"
if [ ! -f go.mod ]; then
  # k8s.io/kubernetes replaces its staging modules with ./staging/...; point each at its published v0.X.Y.
  sv=v0.${KV#v1.}
  modfile=$(go env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/$KV.mod
  [ -f "$modfile" ] || go mod download -json "k8s.io/kubernetes@$KV" >/dev/null
  go mod init packetwalk.local/k8s-build >/dev/null 2>&1
  go mod edit -go=1.23.0 -godebug default=go1.23 -require="k8s.io/kubernetes@$KV"
  for m in $(sed -n 's#^\s*\(k8s.io/[a-z0-9-]*\) => \./staging/.*#\1#p' "$modfile"); do
    go mod edit -replace="$m=$m@$sv"
  done
fi

minor=$(echo "$KV" | cut -d. -f2)
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$KV -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean -X k8s.io/component-base/version.buildDate=2025-01-01T00:00:00Z"
for b in "${missing[@]}"; do
  t0=$SECONDS
  go build -mod=mod -ldflags "$ldflags" -o "$bin_dir/$b.tmp" "k8s.io/kubernetes/cmd/$b"
  mv "$bin_dir/$b.tmp" "$bin_dir/$b"
  echo "built $b $KV in $((SECONDS - t0))s"
done
