# Debian packages the local cluster and its images are made from. Sourced by up.

# Runtime: etcd, containerd, runc and the CNI plugins run the cluster; the rest are the node tools that go
# into the helper image and the tools up itself uses.
LAB_PACKAGES=(
  etcd-server containerd runc containernetworking-plugins
  iproute2 iptables nftables conntrack util-linux tcpdump curl busybox-static
  socat openssl procps tar
)

# Tools the end-to-end tests run on the host: tshark decodes their captures as a second opinion.
E2E_PACKAGES=(tshark)

# ensure_packages [PACKAGE...]: installs whatever is missing of the packages named (default: LAB_PACKAGES),
# apt-get update once, quietly, with no recommends.
ensure_packages() {
  local missing=() p
  [ $# -gt 0 ] || set -- "${LAB_PACKAGES[@]}"
  for p in "$@"; do
    dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    command -v apt-get >/dev/null || die "missing packages ${missing[*]} and no apt-get to install them"
    log "installing ${missing[*]}"
    local aptlog=${LOGS:-/tmp}/apt.log
    mkdir -p "$(dirname "$aptlog")"
    apt-get update -qq >"$aptlog" 2>&1 || { cat "$aptlog" >&2; die "apt-get update failed"; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
      >>"$aptlog" 2>&1 || { tail -20 "$aptlog" >&2; die "apt-get install ${missing[*]} failed"; }
  fi
  command -v go >/dev/null || die "go is not on PATH: the cluster's binaries and images are built from Go source (install Go 1.26)"
}
