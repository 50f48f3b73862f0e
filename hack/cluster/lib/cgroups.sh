# Per-node cgroup roots (/pw-nodeN): each kubelet's cgroupRoot. Sourced by up and down.

# cgroups_create INDEX...: the node's root in every cgroup v1 hierarchy (runc mirrors it in the unified one).
cgroups_create() {
  local i c d
  for i in "$@"; do
    for c in /sys/fs/cgroup/*/; do
      c=${c%/}
      [ "$(basename "$c")" = unified ] && continue
      d=$c$(node_cgroup "$i")
      mkdir -p "$d"
      if [ "$(basename "$c")" = cpuset ]; then
        cat "$c/cpuset.cpus" >"$d/cpuset.cpus"
        cat "$c/cpuset.mems" >"$d/cpuset.mems"
      fi
    done
  done
}

# cgroups_delete INDEX...: removes the node's subtree, leaves first, in every hierarchy. Prints what stays.
cgroups_delete() {
  local i c d
  for i in "$@"; do
    for c in /sys/fs/cgroup/*/; do
      d=${c%/}$(node_cgroup "$i")
      [ -d "$d" ] || continue
      find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
      [ -d "$d" ] && echo "warning: could not remove cgroup $d" >&2
    done
  done
  return 0
}
