# Cilium in the local cluster: each node's own mount namespace, and the agent and operator. Sourced by up.
#
# The nodes share one kernel and one mount namespace, where kind gives each node a container. Cilium keeps
# per-node state in fixed paths (/sys/fs/bpf, /run/cilium with the CNI socket, /etc/cni/net.d, /opt/cni/bin)
# and attaches socket load balancing to the cgroup mounted at /run/cilium/cgroupv2; two agents on one set
# of paths would overwrite each other's maps and programs. So a cilium node's containerd and kubelet (and
# with them every container on the node) run in the node's own mount namespace, a slave of the host's, where
#   /sys/fs/bpf           is a bpffs of its own
#   /run/cilium           is NODE_DIR/cilium-run
#   /run/cilium/cgroupv2  is the node's own cgroup v2 subtree, /sys/fs/cgroup/unified/PREFIX-nodeN (the
#                         kubelet's cgroupRoot, where runc puts the node's pods), not the machine's root
#   /etc/cni/net.d        is NODE_DIR/cni/net.d, /opt/cni/bin is NODE_DIR/cni-bin (the CNI plugins Debian
#                         ships, as symlinks, and the cilium-cni the agent's init container installs)
# The namespace is held by a bind mount of it at $PW_LAB/mntns/nodeN, which down unmounts with the lab's
# other mounts; nothing the node mounts is seen by the host.

CILIUM_VERSION=v1.20.2
CILIUM_DIR=$PW_CACHE/cilium-$CILIUM_VERSION
CILIUM_IMAGE=packetwalk.local/cilium:$CILIUM_VERSION
# the empty directories the node namespaces mount over; up creates the missing ones and down removes them
CILIUM_HOST_MOUNTPOINTS=(/run/cilium /etc/cni/net.d /opt/cni/bin)

node_mntns() { echo "$PW_LAB/mntns/node$1"; }

# cilium_node_mntns_up INDEX: the node's mount namespace, as above.
cilium_node_mntns_up() {
  local i=$1 dir cg d
  dir=$(node_dir "$i")
  cg=/sys/fs/cgroup/unified$(node_cgroup "$i")
  [ -d /sys/fs/cgroup/unified ] || die "no cgroup v2 hierarchy at /sys/fs/cgroup/unified for Cilium's socket load balancing"
  mkdir -p "$dir/cilium-run/cgroupv2" "$dir/cni/net.d" "$dir/cni-bin" "$cg"
  ln -sf /usr/lib/cni/* "$dir/cni-bin/"
  for d in "${CILIUM_HOST_MOUNTPOINTS[@]}"; do mkdir -p "$d"; done
  # a namespace file can be bind-mounted only onto a mount that does not propagate
  if ! mountpoint -q "$PW_LAB/mntns"; then
    mkdir -p "$PW_LAB/mntns"
    mount --bind "$PW_LAB/mntns" "$PW_LAB/mntns"
    mount --make-private "$PW_LAB/mntns"
  fi
  touch "$(node_mntns "$i")"
  # shellcheck disable=SC2016 # the script is constant; the paths are its positional parameters
  unshare --mount="$(node_mntns "$i")" --propagation slave -- sh -euc '
    mount -t bpf bpf /sys/fs/bpf
    mount --bind "$1/cilium-run" /run/cilium
    mount --bind "$2" /run/cilium/cgroupv2
    mount --bind "$1/cni/net.d" /etc/cni/net.d
    mount --bind "$1/cni-bin" /opt/cni/bin
  ' sh "$dir" "$cg"
}

# cilium_apply KPR: the agent DaemonSet, the operator Deployment and their ConfigMap (KPR: true or false).
cilium_apply() {
  sed -e "s#@IMAGE@#$CILIUM_IMAGE#g" -e "s#@API_HOST@#$CP_IP#g" -e "s#@KPR@#$1#g" -e "s#@PREFIX@#$PW_PREFIX#g" \
    "$PW_REPO/hack/cluster/manifests/cilium.yaml" | kc apply -f - >/dev/null
}
