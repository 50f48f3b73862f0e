# The cluster's binaries, built from source into the cache and reused. Sourced by up.

K8S_BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)

# ensure_binaries DATAPLANE: Kubernetes (and flanneld, the Calico reproduction's CNI plugin or Cilium).
ensure_binaries() {
  local dataplane=$1 b
  for b in "${K8S_BINARIES[@]}"; do
    if [ ! -x "$K8S_BIN/$b" ]; then
      log "building Kubernetes $KUBE_VERSION (about 15 minutes on 2 cores with empty Go caches; cached afterwards)"
      KUBE_VERSION=$KUBE_VERSION "$PW_REPO/hack/cluster/lib/build-k8s.sh" "$K8S_BIN" "${K8S_BINARIES[@]}" \
        >"$LOGS/build-k8s.log" 2>&1 || { tail -30 "$LOGS/build-k8s.log" >&2; die "building Kubernetes failed"; }
      grep '^built' "$LOGS/build-k8s.log" || true
      break
    fi
  done
  case $dataplane in
  flannel)
    if [ ! -x "$FLANNEL_BIN/flanneld" ]; then
      log "building flanneld $FLANNEL_VERSION"
      FLANNEL_VERSION=$FLANNEL_VERSION "$PW_REPO/hack/cluster/lib/build-flannel.sh" "$FLANNEL_BIN" \
        >"$LOGS/build-flannel.log" 2>&1 || { tail -30 "$LOGS/build-flannel.log" >&2; die "building flanneld failed"; }
    fi
    ;;
  calico)
    CALICO_CNI=$(calico_cni_binary)
    ;;
  cilium)
    if [ ! -x "$CILIUM_DIR/bin/cilium-agent" ] || [ ! -x "$CILIUM_DIR/bin/cilium-dbg" ] || [ ! -d "$CILIUM_DIR/bpf" ]; then
      log "building Cilium $CILIUM_VERSION (about 30 minutes on 2 cores with empty Go caches; cached afterwards)"
      CILIUM_VERSION=$CILIUM_VERSION "$PW_REPO/hack/cluster/lib/build-cilium.sh" "$CILIUM_DIR/bin" \
        >"$LOGS/build-cilium.log" 2>&1 || { tail -30 "$LOGS/build-cilium.log" >&2; die "building Cilium failed"; }
      grep '^built' "$LOGS/build-cilium.log" || true
    fi
    ;;
  esac
}

# calico_cni_binary: builds hack/calico-cni into the cache, keyed by its source, and prints the path.
calico_cni_binary() {
  local key dir
  key=$( (
    go version
    cat "$PW_REPO/go.mod"
    find "$PW_REPO/hack/calico-cni" -maxdepth 1 -name '*.go' ! -name '*_test.go' | sort | xargs cat
  ) | sha256sum | cut -c1-16)
  dir=$PW_CACHE/calico-cni-$key
  if [ ! -x "$dir/calico-repro" ]; then
    rm -rf "$PW_CACHE"/calico-cni-*
    mkdir -p "$dir"
    (cd "$PW_REPO" && CGO_ENABLED=0 go build -trimpath -o "$dir/calico-repro.tmp" ./hack/calico-cni) >&2
    mv "$dir/calico-repro.tmp" "$dir/calico-repro"
  fi
  echo "$dir/calico-repro"
}
