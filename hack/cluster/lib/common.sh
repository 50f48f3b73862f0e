# Shared settings and helpers for hack/cluster/{up,down,status}. Sourced, not run.
#
# Every name the lab creates derives from these variables, so down can remove exactly what up made.

KUBE_VERSION=v1.33.13
FLANNEL_VERSION=v0.28.10

PW_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
PW_LAB=${PACKETWALK_LAB:-/tmp/packetwalk-lab}
PW_CACHE=${PACKETWALK_CACHE:-$HOME/.cache/packetwalk}
# PW_PREFIX names the network namespaces, nodes and cgroups (pw-cp, pw-node1, /pw-node1).
PW_PREFIX=${PACKETWALK_PREFIX:-pw}
PW_API_PORT=${PACKETWALK_API_PORT:-26443}

K8S_BIN=$PW_CACHE/k8s-$KUBE_VERSION/bin
FLANNEL_BIN=$PW_CACHE/flannel-$FLANNEL_VERSION/bin
KUBECTL=$K8S_BIN/kubectl

RUN=$PW_LAB/run
LOGS=$PW_LAB/logs
PKI=$PW_LAB/pki
STATE=$PW_LAB/state.env
LAB_MARKER=$PW_LAB/.packetwalk-lab
LAB_KUBECONFIG=$PW_LAB/kubeconfig

CP_NETNS=$PW_PREFIX-cp
CP_BRIDGE=$PW_PREFIX-br0
CP_IP=10.201.0.1
SERVICE_CIDR=10.96.0.0/16
CLUSTER_CIDR=10.244.0.0/16

node_name() { echo "$PW_PREFIX-node$1"; }
node_netns() { node_name "$1"; }
node_ip() { echo "10.201.0.$((10 + $1))"; }
node_dir() { echo "$PW_LAB/node$1"; }
node_pod_cidr() { echo "10.244.$1.0/24"; }
node_cgroup() { echo "/$(node_name "$1")"; }
node_socket() { echo "$(node_dir "$1")/containerd.sock"; }

# The cluster's own kubectl, never the user's kubeconfig.
kc() { "$KUBECTL" --kubeconfig "$LAB_KUBECONFIG" "$@"; }

log() { echo "[$(date +%T)] $*"; }
die() { echo "error: $*" >&2; exit 1; }

# phase NAME: ends the previous phase (printing its time) and starts NAME. `phase_end` closes the last one.
_phase_name=""
_phase_start=0
phase() {
  phase_end
  _phase_name=$1
  _phase_start=$SECONDS
  log "==> $1"
}
phase_end() {
  [ -n "$_phase_name" ] && log "    $_phase_name: $((SECONDS - _phase_start))s"
  _phase_name=""
}

require_root_linux() {
  [ "$(uname -s)" = Linux ] || die "the local cluster needs Linux (network namespaces, cgroups)"
  [ "$(id -u)" = 0 ] || die "the local cluster needs root: it creates network namespaces, cgroups and mounts"
}

# start NAME NETNS CMD...: runs CMD as a daemon in network namespace NETNS ("-" for the host) and records
# its pid. nsenter --net keeps the host's mount namespace: `ip netns exec` would give each daemon a private
# one, and containerd would then not see the volumes the kubelet mounts. With START_MNTNS set to a mount
# namespace file, CMD runs in that mount namespace too (a cilium node's containerd and kubelet share theirs).
start() {
  local name=$1 ns=$2 mnt=()
  shift 2
  [ -n "${START_MNTNS:-}" ] && mnt=(--mount="$START_MNTNS")
  if [ -f "$RUN/$name.pid" ] && kill -0 "$(cat "$RUN/$name.pid")" 2>/dev/null; then
    log "$name already running"
    return 0
  fi
  if [ "$ns" = - ]; then
    setsid "$@" >"$LOGS/$name.log" 2>&1 </dev/null &
  else
    setsid nsenter --net="/run/netns/$ns" "${mnt[@]}" -- "$@" >"$LOGS/$name.log" 2>&1 </dev/null &
  fi
  echo $! >"$RUN/$name.pid"
}

# waitfor DESCRIPTION TIMEOUT_SECONDS CMD...: polls CMD until it succeeds.
waitfor() {
  local desc=$1 timeout=$2 t0=$SECONDS
  shift 2
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS - t0 > timeout)); then
      echo "error: timed out after ${timeout}s waiting for $desc" >&2
      return 1
    fi
    sleep 0.3
  done
}

# lab_state KEY: a value recorded by up in state.env (empty when the lab is not up).
lab_state() {
  [ -f "$STATE" ] || return 0
  sed -n "s/^$1=//p" "$STATE"
}

# lab_pids: "name pid" for every daemon up started.
lab_pids() {
  local f
  for f in "$RUN"/*.pid; do
    [ -f "$f" ] || continue
    echo "$(basename "$f" .pid) $(cat "$f")"
  done
}

# lab_is_healthy: every recorded daemon runs and the API server answers.
lab_is_healthy() {
  local name pid
  [ -f "$STATE" ] || return 1
  while read -r name pid; do
    kill -0 "$pid" 2>/dev/null || return 1
  done < <(lab_pids)
  kc get --raw /readyz >/dev/null 2>&1
}

# shim_pids: containerd shims started by this lab's containerds (identified by their -address argument).
shim_pids() {
  local p
  for p in $(pgrep -f "containerd-shim-runc-v2 .*-address $PW_LAB/" 2>/dev/null); do echo "$p"; done
}

# shim_socket PID: the socket a containerd 1.6 shim listens on: /run/containerd/s/ and the sha256 of
# "<containerd address>/<namespace>/<id>", from the shim's own arguments.
shim_socket() {
  local args ns="" id="" address="" i
  mapfile -d '' args <"/proc/$1/cmdline" 2>/dev/null || return 0
  for ((i = 0; i < ${#args[@]} - 1; i++)); do
    case ${args[i]} in
    -namespace) ns=${args[i + 1]} ;;
    -id) id=${args[i + 1]} ;;
    -address) address=${args[i + 1]} ;;
    esac
  done
  [ -n "$ns" ] && [ -n "$id" ] && [ -n "$address" ] || return 0
  echo "/run/containerd/s/$(printf '%s' "$address/$ns/$id" | sha256sum | cut -c1-64)"
}

# rss_kib PID: resident memory of PID in KiB (0 when gone).
rss_kib() {
  awk '/^VmRSS/ {print $2; f=1} END {if (!f) print 0}' "/proc/$1/status" 2>/dev/null || echo 0
}
