#!/usr/bin/env bash
# Builds static release archives of kubectl-packetwalk for every platform krew offers, into dist/:
# kubectl-packetwalk_<version>_<os>_<arch>.tar.gz (.zip on Windows) with LICENSE, README.md and the
# kubectl completion helper, and sha256sums.txt.
#   usage: hack/dist.sh [-h]      (VERSION=v0.1.0 to name the release; default: git describe)
set -euo pipefail

# Every platform built here must be in krew-manifest/packetwalk.yaml and the other way round
# (hack/krewcheck checks it).
PLATFORMS="linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64"

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi

cd "$(dirname "$0")/.."
version=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
out=dist
rm -rf "$out" && mkdir -p "$out"

for platform in $PLATFORMS; do
  os=${platform%/*} arch=${platform#*/}
  name=kubectl-packetwalk_${version}_${os}_${arch}
  stage=$(mktemp -d)
  exe=kubectl-packetwalk; [[ $os == windows ]] && exe=kubectl-packetwalk.exe
  VERSION=$version GOOS=$os GOARCH=$arch hack/build-plugin "$stage/$exe"
  cp LICENSE README.md "$stage/"
  if [[ $os != windows ]]; then
    cp cmd/kubectl-packetwalk/kubectl_complete-packetwalk "$stage/"
    tar -C "$stage" --owner=0 --group=0 --numeric-owner -czf "$out/$name.tar.gz" .
  else
    (cd "$stage" && python3 -m zipfile -c "$OLDPWD/$out/$name.zip" ./*)
  fi
  rm -rf "$stage"
  echo "built $out/$name ($os/$arch)"
done
(cd "$out" && sha256sum -- *.tar.gz *.zip > sha256sums.txt)
echo "checksums in $out/sha256sums.txt"
