#!/usr/bin/env bash
# Builds flanneld from its module source into the cache, keyed by version. Reuses a binary already there.
#   usage: build-flannel.sh BIN_DIR
# flannel's main.go imports the tencentvpc backend unconditionally, and the module proxy refuses the
# tencentcloud SDK it needs: the build uses a copy of the source with that one import dropped.
set -euo pipefail

FV=${FLANNEL_VERSION:-v0.28.10}
bin_dir=$1
[ -x "$bin_dir/flanneld" ] && exit 0
src=$(dirname "$bin_dir")/src
mkdir -p "$bin_dir"

t0=$SECONDS
go mod download "github.com/flannel-io/flannel@$FV"
rm -rf "$src"
cp -r "$(go env GOMODCACHE)/github.com/flannel-io/flannel@$FV" "$src"
chmod -R u+w "$src"
cd "$src"
sed -i '\#_ "github.com/flannel-io/flannel/pkg/backend/tencentvpc"#d' main.go
go mod edit -droprequire github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common \
  -droprequire github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc
go build -mod=mod -ldflags "-s -w -X github.com/flannel-io/flannel/pkg/version.Version=$FV" -o "$bin_dir/flanneld.tmp" .
mv "$bin_dir/flanneld.tmp" "$bin_dir/flanneld"
cd / && rm -rf "$src"
echo "built flanneld $FV in $((SECONDS - t0))s"
