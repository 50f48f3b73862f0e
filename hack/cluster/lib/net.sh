# The lab's network: netns $CP_NETNS with bridge $CP_BRIDGE ($CP_IP/24), and one netns per node whose eth0
# is a veth into that bridge. Both ends of every link live in lab namespaces: nothing is added to the host's
# network, and no route leads out of the lab. Sourced by up and down.

# net_up NODES
net_up() {
  local nodes=$1 i ns
  ip netns add "$CP_NETNS"
  ip -n "$CP_NETNS" link set lo up
  ip -n "$CP_NETNS" link add "$CP_BRIDGE" type bridge
  ip -n "$CP_NETNS" addr add "$CP_IP/24" dev "$CP_BRIDGE"
  ip -n "$CP_NETNS" link set "$CP_BRIDGE" up
  for i in $(seq 1 "$nodes"); do
    ns=$(node_netns "$i")
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip -n "$CP_NETNS" link add "$PW_PREFIX-veth$i" type veth peer name eth0 netns "$ns"
    ip -n "$CP_NETNS" link set "$PW_PREFIX-veth$i" master "$CP_BRIDGE" up
    ip -n "$ns" addr add "$(node_ip "$i")/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" route add default via "$CP_IP"
    ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
    # pods reach the API server without SNAT: the control plane routes each pod block back to its node
    ip -n "$CP_NETNS" route add "$(node_pod_cidr "$i")" via "$(node_ip "$i")"
  done
}

# net_down: deletes this lab's namespaces (and with them every link in them).
net_down() {
  local ns
  for ns in $(ip netns list | awk '{print $1}'); do
    case $ns in "$CP_NETNS" | "$PW_PREFIX"-node[0-9]*) ip netns del "$ns" ;; esac
  done
}
