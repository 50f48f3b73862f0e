#!/usr/bin/env bash
# Builds static release archives of kubectl-packetwalk for every platform krew offers, into dist/:
# kubectl-packetwalk_<version>_<os>_<arch>.tar.gz (.zip on Windows) with LICENSE, README.md and the
# kubectl completion helper, and sha256sums.txt. An archive holds those files by name, with modes 0755 and 0644
# (no "./" entry, whose mode would become the mode of the folder it is unpacked in).
#   usage: hack/dist.sh [-h]      (VERSION=v0.1.0 names the release, default hack/version; DIST_DIR, DIST_PLATFORMS)
set -euo pipefail

# Every platform built here must be in krew-manifest/packetwalk.yaml and the other way round
# (hack/krewcheck checks it).
PLATFORMS="linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64"
platforms=${DIST_PLATFORMS:-$PLATFORMS}

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi

cd "$(dirname "$0")/.."
version=$(hack/version)
out=${DIST_DIR:-dist}
rm -rf "$out" && mkdir -p "$out"

for platform in $platforms; do
  os=${platform%/*} arch=${platform#*/}
  name=kubectl-packetwalk_${version}_${os}_${arch}
  stage=$(mktemp -d)
  exe=kubectl-packetwalk; [[ $os == windows ]] && exe=kubectl-packetwalk.exe
  VERSION=$version GOOS=$os GOARCH=$arch hack/build-plugin "$stage/$exe"
  install -m 0644 LICENSE README.md "$stage/"
  files=("$exe" LICENSE README.md)
  if [[ $os != windows ]]; then
    install -m 0755 cmd/kubectl-packetwalk/kubectl_complete-packetwalk "$stage/"
    files+=(kubectl_complete-packetwalk)
    chmod 0755 "$stage/$exe"
    tar -C "$stage" --owner=0 --group=0 --numeric-owner -czf "$out/$name.tar.gz" "${files[@]}"
  else
    (cd "$stage" && python3 -m zipfile -c "$OLDPWD/$out/$name.zip" "${files[@]}")
  fi
  rm -rf "$stage"
  echo "built $out/$name ($os/$arch)"
done
(cd "$out" && shopt -s nullglob && sha256sum -- *.tar.gz *.zip > sha256sums.txt)
echo "checksums in $out/sha256sums.txt"
