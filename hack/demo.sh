#!/usr/bin/env bash
# `make demo`: packetwalk on a real local cluster.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/hack/cluster/lib/common.sh"

usage() {
  cat <<EOF
Usage: hack/demo.sh [--dataplane flannel|calico|cilium] [--kube-proxy-replacement] [-h]

Shows kubectl packetwalk on the local cluster: brings the cluster up if it is not (hack/cluster/up, with
DATAPLANE or --dataplane, default flannel; a cluster already up is used as it is unless a dataplane is
asked for), applies the seed scenario with background traffic (hack/scenario apply --with-traffic), builds
bin/kubectl-packetwalk, puts it on PATH and runs each packetwalk command that exists against the cluster
with the local helper image, printing what each shows. Needs root on Linux (the cluster's nodes are
network namespaces on this machine). Leaves the cluster up: hack/cluster/down removes it.
--kube-proxy-replacement (cilium only) starts the cluster with Cilium's kube-proxy replacement.
EOF
}
dataplane=${DATAPLANE:-}
up_extra=()
while [ $# -gt 0 ]; do
  case $1 in
  -h | --help) usage; exit 0 ;;
  --dataplane) dataplane=${2:-}; shift 2 || die "--dataplane needs a value" ;;
  --dataplane=*) dataplane=${1#*=}; shift ;;
  --kube-proxy-replacement) up_extra=(--kube-proxy-replacement); shift ;;
  *) usage >&2; die "unknown argument $1" ;;
  esac
done
require_root_linux

IMAGE=packetwalk.local/helper:1
T0=$SECONDS

if [ -f "$STATE" ] && [ "$(lab_state STATUS)" = up ] && lab_is_healthy && { [ -z "$dataplane" ] || [ "$dataplane" = "$(lab_state DATAPLANE)" ]; }; then
  echo "using the local cluster that is up ($(lab_state DATAPLANE), $(lab_state NODES) nodes)"
else
  "$repo/hack/cluster/up" --dataplane "${dataplane:-flannel}" "${up_extra[@]}"
fi
"$repo/hack/scenario" apply --with-traffic >/dev/null

"$repo/hack/build-plugin" "$repo/bin/kubectl-packetwalk"
# the plugin and the cluster's own kubectl first on PATH; the cluster's kubeconfig for this script only
export PATH="$repo/bin:$K8S_BIN:$PATH"
export KUBECONFIG=$LAB_KUBECONFIG

# show CMD...: prints the command as typed, then what it prints.
failed=()
show() {
  echo
  echo "\$ $*"
  if ! timeout 180 "$@"; then
    echo "(exit status $?)"
    failed+=("$*")
  fi
}

# verb_exists VERB: the plugin lists VERB among its commands.
verb_exists() {
  kubectl packetwalk --help 2>/dev/null | awk '/^Available Commands:/ {on=1; next} on && NF == 0 {on=0} on {print $1}' | grep -qx "$1"
}

# image_flag VERB: --image for the verbs that start helper pods.
image_flag() {
  kubectl packetwalk "$1" --help 2>/dev/null | grep -q -- '--image' && echo "--image=$IMAGE" || true
}

node1=$(node_name 1)
show kubectl get nodes -o wide
show kubectl get pods,services -o wide
show kubectl packetwalk version

declare -a steps=(
  "veth|curl httpbin-local traffic"
  "node|$node1"
  "pod|curl --to httpbin"
  "pod|curl --to svc/httpbin"
  "pod|curl --to httpbin-local"
  "capture|node/$node1 -c 20 --summary"
  "cleanup|--dry-run"
)
skipped=()
for step in "${steps[@]}"; do
  verb=${step%%|*}
  read -r -a args <<<"${step#*|}"
  if verb_exists "$verb"; then
    # shellcheck disable=SC2046 # image_flag prints one word or nothing
    show kubectl packetwalk "$verb" "${args[@]}" $(image_flag "$verb")
  else
    [[ " ${skipped[*]} " == *" $verb "* ]] || skipped+=("$verb")
  fi
done

echo
echo "demo finished in $((SECONDS - T0))s on the local cluster ($(lab_state DATAPLANE)); KUBECONFIG=$LAB_KUBECONFIG"
[ ${#skipped[@]} -gt 0 ] && echo "not in this build of the plugin yet: ${skipped[*]}"
if [ ${#failed[@]} -gt 0 ]; then
  printf 'failed: %s\n' "${failed[@]}" >&2
  exit 1
fi
