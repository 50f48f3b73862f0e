#!/usr/bin/env bash
# Records the summarizer's own test captures from this machine's kernel: a two-node reproduction of Calico's
# VXLAN dataplane in network namespaces (pod veths named cali+sha1, host side MAC ee:ee:ee:ee:ee:ee with
# proxy-ARP, 169.254.1.1 as the pods' gateway, vxlan.calico VNI 4096 on UDP 4789, a Service DNAT rule), then
# traffic between the pods while node 1 captures.
set -euo pipefail

usage() {
	cat <<USAGE
usage: $0 OUTDIR

Needs root, iproute2, iptables, tcpdump, dumpcap, socat, curl, ping and jq. Creates network namespaces named
\$PREFIX-* (PREFIX defaults to pwt-sum), deletes them on exit, and writes into OUTDIR:
  lab-any.pcap        tcpdump -i any (LINUX_SLL2, snaplen 256) on node 1
  lab-ifaces.pcapng   dumpcap on node 1's pod veth and eth0 (two named interfaces, Ethernet)
  bridge-any.pcap     tcpdump -i any --time-stamp-precision=nano on a flannel-style node: two pods on a cni0
                      bridge, one pinging the bridge, and HTTP on the node's loopback
  lab-node1.json      node 1's links and pods in the format of \`kubectl packetwalk node -o json\`
USAGE
}
[[ ${1:-} == -h || ${1:-} == --help || $# -ne 1 ]] && { usage; [[ $# -eq 1 ]] && exit 0 || exit 2; }
out=$1
mkdir -p "$out"

P=${PREFIX:-pwt-sum}
N1=$P-n1 N2=$P-n2 CURL=$P-curl WEB=$P-web FL=$P-fl FA=$P-fa FB=$P-fb
pids=()
cleanup() {
	# Each background process leads its own process group (setsid), which takes socat's forked children too.
	for p in "${pids[@]}"; do kill -- "-$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	for ns in $N1 $N2 $CURL $WEB $FL $FA $FB; do ip netns del "$ns" 2>/dev/null || true; done
	if [[ -n ${tmp:-} ]]; then rm -rf "$tmp"; fi
}
trap cleanup EXIT
cleanup

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
cali() { printf 'cali%s' "$(printf '%s' "$1" | sha1sum | cut -c1-11)"; }

# IPv6 off: its router solicitations and MLD reports come at random times and would only add noise.
for ns in $N1 $N2 $CURL $WEB $FL $FA $FB; do
	ip netns add "$ns"
	nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	nsx "$ns" ip link set lo up
done

# Underlay: node eth0s on 192.168.49.0/24.
ip link add eth0 netns $N1 type veth peer name eth0 netns $N2
nsx $N1 ip addr add 192.168.49.2/24 dev eth0
nsx $N2 ip addr add 192.168.49.3/24 dev eth0
for n in $N1 $N2; do
	nsx $n ip link set eth0 up
	nsx $n sysctl -qw net.ipv4.ip_forward=1
	# Proxy-ARP answers only for addresses the node can route: a node has a default route.
	nsx $n ip route add default via 192.168.49.1 dev eth0
done

# vxlan.calico on each node, with the static neighbour and FDB entries felix programs.
vx() { # node local-underlay tunnel-addr
	nsx "$1" ip link add vxlan.calico type vxlan id 4096 dstport 4789 local "$2" dev eth0 nolearning
	nsx "$1" ip addr add "$3/32" dev vxlan.calico
	nsx "$1" ip link set vxlan.calico up
}
vx $N1 192.168.49.2 10.244.1.0
vx $N2 192.168.49.3 10.244.2.0
mac() { nsx "$1" cat "/sys/class/net/$2/address"; }
peer() { # node peer-node peer-tunnel-addr peer-underlay peer-block
	nsx "$1" ip neigh add "$3" lladdr "$(mac "$2" vxlan.calico)" dev vxlan.calico nud permanent
	nsx "$1" bridge fdb add "$(mac "$2" vxlan.calico)" dev vxlan.calico dst "$4"
	nsx "$1" ip route add "$5" via "$3" dev vxlan.calico onlink
}
peer $N1 $N2 10.244.2.0 192.168.49.3 10.244.2.0/26
peer $N2 $N1 10.244.1.0 192.168.49.2 10.244.1.0/26

# Pods: eth0 in the pod, cali+sha1("ns.pod") on the node, proxy-ARP answering for 169.254.1.1.
pod() { # node podns pod ip
	local host; host=$(cali "default.$3")
	ip link add eth0 netns "$2" type veth peer name "$host" netns "$1"
	nsx "$1" ip link set "$host" address ee:ee:ee:ee:ee:ee up
	nsx "$1" sysctl -qw "net.ipv4.conf.$host.proxy_arp=1" "net.ipv4.neigh.$host.proxy_delay=0"
	nsx "$1" ip route add "$4/32" dev "$host"
	nsx "$2" ip addr add "$4/32" dev eth0
	nsx "$2" ip link set eth0 up
	nsx "$2" ip route add 169.254.1.1 dev eth0 scope link
	nsx "$2" ip route add default via 169.254.1.1 dev eth0
}
pod $N1 $CURL curl 10.244.1.5
pod $N2 $WEB httpbin 10.244.2.7

# A Service: 10.96.0.50:80 -> httpbin:8080 and 10.96.0.10:7/udp -> httpbin:7777, translated on node 1.
nsx $N1 iptables -t nat -A PREROUTING -d 10.96.0.50 -p tcp --dport 80 -j DNAT --to-destination 10.244.2.7:8080
nsx $N1 iptables -t nat -A PREROUTING -d 10.96.0.10 -p udp --dport 7 -j DNAT --to-destination 10.244.2.7:7777
# Node 2 drops what reaches httpbin on port 9999 (a SYN without answer) and every other data packet to port
# 8081, the first included (retransmissions).
nsx $N2 iptables -A FORWARD -d 10.244.2.7 -p tcp --dport 9999 -j DROP
nsx $N2 iptables -A FORWARD -d 10.244.2.7 -p tcp --dport 8081 -m length --length 200:65535 \
	-m statistic --mode nth --every 2 --packet 0 -j DROP

# Servers in the httpbin pod: HTTP on 8080 (404 for /missing), a sink on 8081, UDP echo on 7777. Background
# processes are started with `ip netns exec` and setsid, which both exec, so that $! is their process group.
tmp=$(mktemp -d)
cat >"$tmp/http.sh" <<'HTTP'
read -r method path version
status="200 OK"
[ "$path" = /missing ] && status="404 Not Found"
printf 'HTTP/1.1 %s\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n' "$status"
HTTP
ip netns exec $WEB setsid socat TCP-LISTEN:8080,fork,reuseaddr EXEC:"sh $tmp/http.sh" &
pids+=($!)
ip netns exec $WEB setsid socat -u TCP-LISTEN:8081,fork,reuseaddr OPEN:/dev/null &
pids+=($!)
ip netns exec $WEB setsid socat UDP-LISTEN:7777,fork,reuseaddr EXEC:cat &
pids+=($!)

# capture NS FILE ARGV...: start a capture and wait for its "listening on"/"Capturing on" line.
capture() {
	local ns=$1 log=$2; shift 2
	ip netns exec "$ns" setsid "$@" 2>"$log" &
	pids+=($!)
	for _ in $(seq 100); do grep -qE 'listening on|Capturing on' "$log" && return 0; sleep 0.1; done
	echo "capture did not start: $(cat "$log")" >&2
	return 1
}
capture $N1 "$tmp/tcpdump.log" tcpdump --immediate-mode -i any -y LINUX_SLL2 -s 256 -U -w "$out/lab-any.pcap"
tcpdump_pid=${pids[-1]}
capture $N1 "$tmp/dumpcap.log" dumpcap -q -s 256 -i "$(cali default.curl)" -s 256 -i eth0 -w "$out/lab-ifaces.pcapng"
dumpcap_pid=${pids[-1]}
sleep 0.5 # the servers' sockets

# First the transfer node 2 drops packets of: its retransmissions back off while the rest goes on.
head -c 40000 /dev/zero | nsx $CURL socat -u - TCP:10.244.2.7:8081
nsx $CURL curl -sS -o /dev/null http://10.244.2.7:8080/
nsx $CURL curl -sS -o /dev/null http://10.96.0.50/missing
nsx $CURL curl -sS -o /dev/null http://10.244.2.7:81/ || true
echo ping | nsx $CURL socat -t 1 - UDP:10.96.0.10:7 >/dev/null
nsx $CURL ping -q -c 2 -i 0.2 10.244.2.7 >/dev/null
# 1488-byte packets with DF set do not fit vxlan.calico's MTU of 1450: node 1 answers "fragmentation needed".
nsx $CURL ping -q -c 1 -M do -s 1460 10.244.2.7 >/dev/null || true
nsx $CURL curl -sS -o /dev/null --connect-timeout 2 http://10.244.2.7:9999/ || echo "curl to the dropped port: exit status $?"
sleep 0.5

kill -INT "$tcpdump_pid" "$dumpcap_pid"
wait "$tcpdump_pid" "$dumpcap_pid" || true
cat "$tmp/tcpdump.log" "$tmp/dumpcap.log"

# Node 1's links and pods, as `kubectl packetwalk node -o json` prints them.
nsx $N1 ip -j -d link show | jq --arg cali "$(cali default.curl)" '{
	apiVersion: "packetwalk.dev/v1alpha1", kind: "NodeNetwork", node: "lab-node1", dataplane: "calico", ready: true,
	links: [.[] | {index: .ifindex, name: .ifname, kind: (.linkinfo.info_kind // ""), mac: .address, mtu: .mtu}],
	pods: [{pod: {namespace: "default", name: "curl"}, ips: ["10.244.1.5"], interface: "eth0", hostInterface: $cali,
		hostIfIndex: (.[] | select(.ifname == $cali) | .ifindex)}]}' >"$out/lab-node1.json"

# A flannel-style node: pods on the cni0 bridge through vethXXXX peers. An -i any capture sees a packet
# between two pods on both pods' veths, and a packet to the bridge's address on the veth and on cni0.
nsx $FL ip link add cni0 type bridge
nsx $FL ip addr add 10.244.3.1/24 dev cni0
nsx $FL ip link set cni0 up
bridged() { # podns ip host-veth
	ip link add eth0 netns "$1" type veth peer name "$3" netns $FL
	nsx $FL ip link set "$3" master cni0 up
	nsx "$1" ip addr add "$2/24" dev eth0
	nsx "$1" ip link set eth0 up
	nsx "$1" ip route add default via 10.244.3.1
}
bridged $FA 10.244.3.2 veth5f3a21c0
bridged $FB 10.244.3.3 veth9be1d07a
ip netns exec $FB setsid socat TCP-LISTEN:8080,fork,reuseaddr EXEC:"sh $tmp/http.sh" &
pids+=($!)
ip netns exec $FL setsid socat TCP-LISTEN:8080,bind=127.0.0.1,fork,reuseaddr EXEC:"sh $tmp/http.sh" &
pids+=($!)
capture $FL "$tmp/fl.log" tcpdump --immediate-mode -i any -y LINUX_SLL2 --time-stamp-precision=nano -s 256 -U -w "$out/bridge-any.pcap"
fl_pid=${pids[-1]}
sleep 0.3
nsx $FA curl -sS -o /dev/null http://10.244.3.3:8080/bridged
nsx $FA ping -q -c 2 -i 0.2 10.244.3.1 >/dev/null
nsx $FL curl -sS -o /dev/null http://127.0.0.1:8080/loopback
sleep 0.3
kill -INT "$fl_pid"
wait "$fl_pid" || true
ls -l "$out"
