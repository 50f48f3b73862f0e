#!/usr/bin/env bash
# `make test`: every test of packetwalk, with the time each phase took.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

usage() {
  cat <<'EOF'
Usage: hack/test.sh [-h]

Runs every test of packetwalk and prints how long each phase took:

  1. lint      go vet ./..., then golangci-lint (GOLANGCI_LINT_VERSION, installed from the Go module proxy
               into TOOLS_DIR, default $HOME/.cache/packetwalk/tools, and reused from there) with
               .golangci.yml
  2. unit      go test ./... (the kernel tests among them create pwt-* network namespaces as root and skip
               without root)
  3. fuzz      each fuzz target briefly (FUZZ_TIME, default 20000x: a count of inputs, see below); targets
               are found by name (func FuzzX in a _test.go file), or listed in FUZZ_TARGETS as
               "PKG_DIR:FuzzName ..."
  4. e2e       for each dataplane (flannel, calico, flannel with kube-proxy in nftables mode, then real
               Cilium with kube-proxy in iptables mode):
               hack/cluster/up, hack/scenario apply, go test -tags e2e ./test/e2e/..., hack/cluster/down
The end-to-end phases use a cluster of their own (lab /tmp/packetwalk-e2e-lab, nodes pwe-node1..., API on
127.0.0.1:26444), so the cluster `make demo` leaves up is never touched; it is torn down on every exit (a
trap), and a test cluster left by an interrupted run is torn down first. Off Linux or without root the
end-to-end phases are skipped, and said so.

Environment: PHASES (default "lint unit fuzz e2e"), DATAPLANES (default "flannel calico flannel/nftables cilium cilium/kpr": a
dataplane, and after a slash kube-proxy's mode when it is not iptables, or "kpr" for Cilium's kube-proxy
replacement: cilium/kpr), FUZZ_TIME,
FUZZ_MINIMIZE (default 500x), FUZZ_TARGETS, E2E_RUN (a go test -run pattern), PACKETWALK_CACHE (the build
cache hack/cluster/up shares with the demo), E2E_LAB, E2E_PREFIX and E2E_API_PORT (the test cluster's lab,
name prefix and API port, for two runs side by side).

The fuzz budgets are counts, not durations. Go 1.26's fuzz coordinator can report a spurious "context
deadline exceeded" failure when a duration -fuzztime ends (go.dev/issue/75804, fixed in Go 1.27), and
the default 60s minimization of each new input stalls every worker on a 2-core machine.
EOF
}
case "${1:-}" in -h | --help) usage; exit 0 ;; "") ;; *) usage >&2; exit 2 ;; esac

T0=$SECONDS
results=()
failed=0
record() { # PHASE STATUS SECONDS
  results+=("$(printf '%-22s %-8s %5ss' "$1" "$2" "$3")")
  [ "$2" = FAIL ] && failed=1
  echo "=== $1: $2 in $3s"
}
banner() { echo; echo "=== $1"; }

phases=" ${PHASES:-lint unit fuzz e2e} "
wanted() { [[ $phases == *" $1 "* ]]; }

# Phase 1: lint. golangci-lint is pinned and built from the module proxy once per version (measured: 8 min
# wall, 2.3 min of CPU, on a busy 2-core machine; its first run 3 min, later runs under 30 s from its cache),
# then reused from the tools cache outside the repository.
golangci_version=${GOLANGCI_LINT_VERSION:-v2.15.0}
tools_dir=${TOOLS_DIR:-${HOME:-/root}/.cache/packetwalk/tools}
if wanted lint; then
  banner "lint: go vet ./... and golangci-lint $golangci_version"
  t=$SECONDS
  lint_status=PASS
  go vet -tags e2e ./... || lint_status=FAIL
  golangci="$tools_dir/golangci-lint-$golangci_version/golangci-lint"
  if [ ! -x "$golangci" ]; then
    echo "--- installing golangci-lint $golangci_version into $(dirname "$golangci")"
    GOBIN=$(dirname "$golangci") GOFLAGS= go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$golangci_version" ||
      lint_status=FAIL
  fi
  if [ -x "$golangci" ]; then
    "$golangci" run ./... || lint_status=FAIL
  fi
  record lint "$lint_status" $((SECONDS - t))
else
  record lint SKIPPED 0
fi

# Phase 2: unit and kernel tests
if wanted unit; then
  banner "unit and kernel tests: go test ./..."
  t=$SECONDS
  if go test -count=1 ./...; then record unit PASS $((SECONDS - t)); else record unit FAIL $((SECONDS - t)); fi
else
  record unit SKIPPED 0
fi

# Phase 3: fuzz smoke. Targets: FUZZ_TARGETS, or every func Fuzz* in the module's tests.
fuzz_targets=${FUZZ_TARGETS:-$(grep -rlE '^func Fuzz[A-Z0-9]' --include='*_test.go' pkg plugins cmd hack test 2>/dev/null |
  while read -r f; do
    for fn in $(sed -nE 's/^func (Fuzz[A-Za-z0-9_]*)\(.*/\1/p' "$f"); do echo "./$(dirname "$f"):$fn"; done
  done)}
if wanted fuzz; then
  fuzz_time=${FUZZ_TIME:-20000x} fuzz_minimize=${FUZZ_MINIMIZE:-500x}
  banner "fuzz smoke ($fuzz_time inputs each): $(echo $fuzz_targets)"
  t=$SECONDS
  fuzz_status=PASS
  for target in $fuzz_targets; do
    pkg=${target%%:*} fn=${target##*:}
    echo "--- go test -run '^\$' -fuzz '^$fn\$' -fuzztime $fuzz_time -fuzzminimizetime $fuzz_minimize $pkg"
    go test -run '^$' -fuzz "^$fn\$" -fuzztime "$fuzz_time" -fuzzminimizetime "$fuzz_minimize" "$pkg" || fuzz_status=FAIL
  done
  [ -z "$fuzz_targets" ] && fuzz_status=NONE
  record fuzz "$fuzz_status" $((SECONDS - t))
else
  record fuzz SKIPPED 0
fi

# Phase 4: end to end on the local cluster, once per dataplane
default_dataplanes="flannel calico flannel/nftables cilium cilium/kpr"
skip_e2e=""
if ! wanted e2e; then
  skip_e2e="PHASES has no e2e"
elif [ "$(uname -s)" != Linux ]; then
  skip_e2e="the local cluster needs Linux (network namespaces and cgroups); this is $(uname -s)"
elif [ "$(id -u)" != 0 ]; then
  skip_e2e="the local cluster needs root (it creates network namespaces, cgroups and mounts); run as root"
fi

if [ -n "$skip_e2e" ]; then
  for dp in ${DATAPLANES:-$default_dataplanes}; do record "e2e $dp" SKIPPED 0; done
  echo "SKIPPED the end-to-end phases: $skip_e2e"
else
  # E2E_LAB, E2E_PREFIX and E2E_API_PORT let two test runs share one machine (each its own cluster).
  export PACKETWALK_LAB=${E2E_LAB:-/tmp/packetwalk-e2e-lab} PACKETWALK_PREFIX=${E2E_PREFIX:-pwe} \
    PACKETWALK_API_PORT=${E2E_API_PORT:-26444}
  source "$repo/hack/cluster/lib/common.sh"
  source "$repo/hack/cluster/lib/packages.sh"
  (ensure_packages "${E2E_PACKAGES[@]}") || failed=1
  teardown() { "$repo/hack/cluster/down" >/dev/null 2>&1 || "$repo/hack/cluster/down"; }
  trap teardown EXIT
  trap 'exit 130' INT TERM
  plugin_dir=$(mktemp -d)
  if ! hack/build-plugin "$plugin_dir/kubectl-packetwalk"; then
    echo "building the plugin failed: the end-to-end tests need it"
    failed=1
  fi
  if [ -f "$STATE" ] || ip netns list | grep -q "^$CP_NETNS\b"; then
    echo "a test cluster from an earlier run is up in $PW_LAB: tearing it down first"
    teardown
  fi
  for entry in ${DATAPLANES:-$default_dataplanes}; do
    dp=${entry%%/*} proxy_mode=iptables
    [[ $entry == */* ]] && proxy_mode=${entry#*/}
    banner "end to end on $dp, kube-proxy $proxy_mode"
    t=$SECONDS
    status=PASS
    up_args=(--dataplane "$dp" --proxy-mode "$proxy_mode")
    # "cilium/kpr": Cilium's kube-proxy replacement, no kube-proxy
    [ "$proxy_mode" = kpr ] && up_args=(--dataplane "$dp" --kube-proxy-replacement)
    if ! "$repo/hack/cluster/up" "${up_args[@]}"; then
      status=FAIL
    elif ! "$repo/hack/scenario" apply; then
      status=FAIL
    else
      tu=$SECONDS
      PATH="$plugin_dir:$K8S_BIN:$PATH" \
        PACKETWALK_E2E_KUBECONFIG=$LAB_KUBECONFIG PACKETWALK_E2E_IMAGE=packetwalk.local/helper:1 \
        PACKETWALK_E2E_DATAPLANE=$dp PACKETWALK_E2E_LAB=$PW_LAB PACKETWALK_E2E_PLUGIN=$plugin_dir/kubectl-packetwalk \
        go test -tags e2e -count=1 -timeout 30m -v ${E2E_RUN:+-run "$E2E_RUN"} ./test/e2e/... || status=FAIL
      echo "e2e tests on $entry: $((SECONDS - tu))s"
    fi
    if [ $status = FAIL ]; then
      "$repo/hack/cluster/status" || true
      echo "--- last lines of the lab's logs ($LOGS)"
      for f in "$LOGS"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -5 "$f"; }; done
    fi
    td=$SECONDS
    "$repo/hack/cluster/down" || status=FAIL
    echo "down: $((SECONDS - td))s"
    record "e2e $entry" $status $((SECONDS - t))
  done
  rm -rf "$plugin_dir"
fi

echo
echo "=== summary"
printf '%s\n' "${results[@]}"
printf '%-22s %-8s %5ss\n' total "$([ $failed = 0 ] && echo PASS || echo FAIL)" $((SECONDS - T0))
[ -n "$skip_e2e" ] && echo "skipped: end-to-end phases ($skip_e2e)"
exit $failed
