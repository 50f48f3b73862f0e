package podnet

import (
	"bufio"
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// scanScript prints "PID NETNS CGROUP-LINE" for every process whose /proc/PID/cgroup contains one of the
// patterns. It is constant: the patterns arrive as positional parameters ("-e" "pod1234" "-e" …) and reach
// grep as separate words. grep -F keeps them literal. Exit 0 when nothing matches, so "no process" is an
// answer rather than a failure.
const scanScript = `cd /proc || exit 1
grep -F -H "$@" -- [0-9]*/cgroup 2>/dev/null | while IFS=: read -r file line; do
  pid=${file%/cgroup}
  ns=$(readlink "$pid/ns/net" 2>/dev/null) || continue
  printf '%s %s %s\n' "$pid" "$ns" "$line"
done
exit 0`

// ScanArgv is the argv that lists the processes whose cgroup names one of patterns.
func ScanArgv(patterns []string) []string {
	argv := []string{"sh", "-c", scanScript, "packetwalk-scan"}
	for _, p := range patterns {
		argv = append(argv, "-e", p)
	}
	return argv
}

// ParseScan parses the output of ScanArgv.
func ParseScan(out []byte) ([]Process, error) {
	var procs []Process
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		fields := strings.SplitN(line, " ", 3)
		if len(fields) != 3 {
			return nil, fmt.Errorf("parsing /proc scan: unexpected line %q", line)
		}
		pid, err := strconv.Atoi(fields[0])
		if err != nil || !strings.HasPrefix(fields[1], "net:[") {
			return nil, fmt.Errorf("parsing /proc scan: unexpected line %q", line)
		}
		procs = append(procs, Process{PID: pid, Netns: fields[1], Cgroup: fields[2]})
	}
	return procs, sc.Err()
}

// Patterns are the strings that name pod in a process's cgroup path: the pod UID as the cgroupfs driver
// writes it (pod<uid>), as the systemd driver writes it (pod<uid with underscores>), and the IDs of its
// containers (as cri-containerd-<id>.scope or /<id>).
func Patterns(pod *corev1.Pod) []string {
	var ps []string
	if uid := string(pod.UID); uid != "" {
		ps = append(ps, "pod"+uid)
		if u := strings.ReplaceAll(uid, "-", "_"); u != uid {
			ps = append(ps, "pod"+u)
		}
	}
	statuses := append(append([]corev1.ContainerStatus{}, pod.Status.InitContainerStatuses...), pod.Status.ContainerStatuses...)
	statuses = append(statuses, pod.Status.EphemeralContainerStatuses...)
	for _, cs := range statuses {
		if id := containerID(cs.ContainerID); id != "" {
			ps = append(ps, id)
		}
	}
	return ps
}

// containerID strips the runtime prefix ("containerd://abc…") from a status container ID. IDs shorter
// than 12 characters would match unrelated cgroups, so they are dropped.
func containerID(s string) string {
	if _, id, ok := strings.Cut(s, "://"); ok {
		s = id
	}
	if len(s) < 12 {
		return ""
	}
	return s
}

// MatchesPod reports whether a cgroup line belongs to pod, by the same patterns as Patterns.
func MatchesPod(cgroup string, pod *corev1.Pod) bool {
	for _, p := range Patterns(pod) {
		if strings.Contains(cgroup, p) {
			return true
		}
	}
	return false
}

// Candidates groups pod's processes by network namespace, most processes first, so the namespace its
// sandbox and containers share comes before a stray one.
func Candidates(procs []Process, pod *corev1.Pod) []Candidate {
	byNetns := map[string]map[int]bool{}
	for _, p := range procs {
		if !MatchesPod(p.Cgroup, pod) {
			continue
		}
		if byNetns[p.Netns] == nil {
			byNetns[p.Netns] = map[int]bool{}
		}
		byNetns[p.Netns][p.PID] = true
	}
	var cs []Candidate
	for ns, pids := range byNetns {
		c := Candidate{Netns: ns}
		for pid := range pids {
			c.PIDs = append(c.PIDs, pid)
		}
		sort.Ints(c.PIDs)
		cs = append(cs, c)
	}
	sort.Slice(cs, func(i, j int) bool {
		if len(cs[i].PIDs) != len(cs[j].PIDs) {
			return len(cs[i].PIDs) > len(cs[j].PIDs)
		}
		return cs[i].Netns < cs[j].Netns
	})
	return cs
}

// NsenterArgv runs argv in the network namespace of process pid (and only that namespace: the mount
// namespace stays the helper's, so the helper's own tools run).
func NsenterArgv(pid int, argv []string) []string {
	return append([]string{"nsenter", "-t", strconv.Itoa(pid), "-n", "--"}, argv...)
}
