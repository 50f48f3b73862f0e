# Per-node configuration files: containerd, CNI, kubelet, kube-proxy. Sourced by up.

# write_node_config INDEX DATAPLANE PROXY_MODE
write_node_config() {
  local i=$1 dataplane=$2 proxy_mode=$3 dir name cni_bin cni_conf
  dir=$(node_dir "$i")
  name=$(node_name "$i")
  mkdir -p "$dir"/{containerd,cni/net.d,cni-ipam,kubelet,pod-logs}
  cni_bin=$PW_LAB/cni-bin cni_conf=$dir/cni/net.d
  # Cilium installs its plugin and config in the fixed paths, which are the node's own (lib/cilium.sh)
  [ "$dataplane" = cilium ] && cni_bin=/opt/cni/bin cni_conf=/etc/cni/net.d

  cat >"$dir/containerd/config.toml" <<TOML
version = 2
root = "$dir/containerd/root"
state = "$dir/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$dir/containerd.sock"
[ttrpc]
  address = "$dir/containerd.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "packetwalk.local/pause:1"
  disable_apparmor = true
  enable_selinux = false
  netns_mounts_under_state_dir = true
  # runc cannot lower oom_score_adj without CAP_SYS_RESOURCE, which some VMs lack; every sandbox would fail
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        BinaryName = "$(command -v runc)"
        Root = "$dir/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$cni_bin"
    conf_dir = "$cni_conf"
    max_conf_num = 1
TOML

  [ "$dataplane" = cilium ] || write_cni_config "$i" "$dataplane" >"$dir/cni/net.d/10-$dataplane.conflist"

  write_kubeconfig "system:node:$name" "https://$CP_IP:6443" "$dir/kubelet.kubeconfig"
  cat >"$dir/kubelet-config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: "$PKI/ca.crt"}
authorization: {mode: Webhook}
cgroupDriver: cgroupfs
cgroupRoot: $(node_cgroup "$i")
cgroupsPerQOS: true
containerRuntimeEndpoint: unix://$dir/containerd.sock
podLogsDir: $dir/pod-logs
volumePluginDir: $dir/kubelet/volume-plugins
resolvConf: $PW_LAB/resolv.conf
clusterDNS: ["10.96.0.10"]
clusterDomain: cluster.local
failSwapOn: false
failCgroupV1: false
healthzBindAddress: 127.0.0.1
readOnlyPort: 0
port: 10250
maxPods: 40
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
nodeStatusReportFrequency: 1m
registerNode: true
YAML

  cat >"$dir/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: "$PW_LAB/cp/kube-proxy.kubeconfig"}
hostnameOverride: $name
clusterCIDR: $CLUSTER_CIDR
mode: $proxy_mode
nodePortAddresses: [primary]
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
metricsBindAddress: 127.0.0.1:10249
healthzBindAddress: 127.0.0.1:10256
YAML
}

# write_cni_config INDEX DATAPLANE: the node's CNI network list on stdout.
#   flannel: what flannel's own CNI plugin delegates to (bridge cni0 as the pods' default gateway, host-local
#            on the node's subnet with a route to the cluster network, MTU 1450 for the VXLAN header);
#            flanneld programs flannel.1, its routes, neighbours and FDB.
#   calico:  the project's reproduction of Calico's CNI plugin (hack/calico-cni) with host-local IPAM.
write_cni_config() {
  local i=$1 dataplane=$2 ranges
  ranges="\"dataDir\": \"$(node_dir "$i")/cni-ipam\", \"ranges\": [[{\"subnet\": \"$(node_pod_cidr "$i")\"}]]"
  case $dataplane in
  flannel)
    cat <<JSON
{ "cniVersion": "0.4.0", "name": "$PW_PREFIX-flannel",
  "plugins": [
    { "type": "bridge", "bridge": "cni0", "isDefaultGateway": true, "ipMasq": false, "hairpinMode": true, "mtu": 1450,
      "ipam": { "type": "host-local", $ranges, "routes": [{"dst": "$CLUSTER_CIDR"}] } },
    { "type": "portmap", "capabilities": {"portMappings": true} }
  ] }
JSON
    ;;
  calico)
    cat <<JSON
{ "cniVersion": "0.4.0", "name": "$PW_PREFIX-calico",
  "plugins": [
    { "type": "calico-repro", "mtu": 1450, "ipam": { "type": "host-local", $ranges } },
    { "type": "portmap", "capabilities": {"portMappings": true} }
  ] }
JSON
    ;;
  *) die "unknown dataplane $dataplane" ;;
  esac
}
