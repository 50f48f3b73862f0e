# The node routing Calico's felix programs in VXLAN mode, reproduced for the lab's calico dataplane (the pod
# side is hack/calico-cni). Sourced by up.
#
# On every node: vxlan.calico (VNI 4096, UDP 4789, no learning, MTU 1450) holding the first address of the
# node's block as a /32, a blackhole route for the node's own block, and for each other node its block via
# that node's tunnel address (onlink), with the static neighbour and FDB entries felix writes instead of
# letting the kernel learn them. Routes carry felix's protocol number, 80, as on a real node.

CALICO_VXLAN=vxlan.calico
CALICO_VNI=4096
CALICO_VXLAN_PORT=4789
FELIX_PROTO=80

calico_tunnel_ip() { echo "10.244.$1.0"; }

# calico_vxlan_up NODES
calico_vxlan_up() {
  local nodes=$1 i j ns mac
  local -A macs
  for i in $(seq 1 "$nodes"); do
    ns=$(node_netns "$i")
    ip -n "$ns" link add "$CALICO_VXLAN" mtu 1450 type vxlan id "$CALICO_VNI" dstport "$CALICO_VXLAN_PORT" \
      local "$(node_ip "$i")" dev eth0 nolearning
    ip -n "$ns" addr add "$(calico_tunnel_ip "$i")/32" dev "$CALICO_VXLAN"
    ip -n "$ns" link set "$CALICO_VXLAN" up
    ip -n "$ns" route add blackhole "$(node_pod_cidr "$i")" proto "$FELIX_PROTO"
    macs[$i]=$(ip -n "$ns" -br link show "$CALICO_VXLAN" | awk '{print $3}')
  done
  for i in $(seq 1 "$nodes"); do
    ns=$(node_netns "$i")
    for j in $(seq 1 "$nodes"); do
      [ "$i" = "$j" ] && continue
      mac=${macs[$j]}
      ip -n "$ns" neigh add "$(calico_tunnel_ip "$j")" lladdr "$mac" dev "$CALICO_VXLAN" nud permanent
      bridge -n "$ns" fdb add "$mac" dev "$CALICO_VXLAN" dst "$(node_ip "$j")" self permanent
      ip -n "$ns" route add "$(node_pod_cidr "$j")" via "$(calico_tunnel_ip "$j")" dev "$CALICO_VXLAN" onlink \
        proto "$FELIX_PROTO"
    done
  done
}
