package netnslab

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Pod is a pod of a lab: a network namespace with a sandbox and an application process in cgroups named
// the way the kubelet names them.
type Pod struct {
	Namespace, Name string
	UID             string
	Node            string
	Netns           string
	IPs             []string
	// ContainerIDs are the application containers' IDs as pod.status shows them ("containerd://…").
	ContainerIDs []string
	PIDs         []int
}

// CgroupDriver is how the kubelet names pod cgroups.
type CgroupDriver int

const (
	// Cgroupfs: <root>/kubepods/besteffort/pod<uid>/<container id>.
	Cgroupfs CgroupDriver = iota
	// Systemd: <root>/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod<uid_>.slice/cri-containerd-<id>.scope.
	Systemd
)

// cgroupBase is the hierarchy the lab puts its processes in: the v1 pids hierarchy, which accepts processes
// in any cgroup, or the unified hierarchy on a cgroup v2 machine.
var cgroupBase = func() string {
	if _, err := os.Stat("/sys/fs/cgroup/pids/cgroup.procs"); err == nil {
		return "/sys/fs/cgroup/pids"
	}
	return "/sys/fs/cgroup"
}()

// startPodProcesses starts a sandbox and an application process in pod's network namespace, each in its
// container cgroup under root, and stops them and removes the cgroups when t ends.
func startPodProcesses(t testing.TB, root string, driver CgroupDriver, pod *Pod) {
	t.Helper()
	sandboxID, appID := randomID(t), randomID(t)
	pod.ContainerIDs = []string{"containerd://" + appID}
	for _, id := range []string{sandboxID, appID} {
		dir := filepath.Join(cgroupBase, root, podCgroup(driver, pod.UID, id))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatalf("creating cgroup %s: %v", dir, err)
		}
		cmd := exec.Command("nsenter", "--net=/run/netns/"+pod.Netns, "--", "sleep", "600")
		// A test process killed before its cleanups (a -timeout panic, SIGKILL) takes these along.
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			t.Fatalf("starting a process in %s: %v", pod.Netns, err)
		}
		t.Cleanup(func() {
			_ = cmd.Process.Signal(syscall.SIGKILL)
			_, _ = cmd.Process.Wait()
		})
		if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(cmd.Process.Pid)), 0o644); err != nil {
			t.Fatalf("moving pid %d into %s: %v", cmd.Process.Pid, dir, err)
		}
		pod.PIDs = append(pod.PIDs, cmd.Process.Pid)
	}
}

func podCgroup(driver CgroupDriver, uid, containerID string) string {
	if driver == Systemd {
		u := strings.ReplaceAll(uid, "-", "_")
		return filepath.Join("kubepods.slice", "kubepods-besteffort.slice", "kubepods-besteffort-pod"+u+".slice", "cri-containerd-"+containerID+".scope")
	}
	return filepath.Join("kubepods", "besteffort", "pod"+uid, containerID)
}

// newCgroupRoot creates the lab's cgroup root and, when t ends (after the processes in it are stopped,
// since cleanups run last-registered first), removes it with everything under it.
func newCgroupRoot(t testing.TB, name string) string {
	t.Helper()
	sweepStaleCgroups()
	top := filepath.Join(cgroupBase, name)
	if err := os.MkdirAll(top, 0o755); err != nil {
		t.Skipf("cannot create cgroup %s (needs the cgroup v1 pids hierarchy): %v", top, err)
	}
	t.Cleanup(func() {
		var dirs []string
		_ = filepath.WalkDir(top, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
		for i := len(dirs) - 1; i >= 0; i-- {
			var err error
			for try := 0; try < 50; try++ {
				if err = os.Remove(dirs[i]); err == nil || os.IsNotExist(err) {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			if err != nil && !os.IsNotExist(err) {
				t.Errorf("removing cgroup %s: %v", dirs[i], err)
			}
		}
	})
	return name
}

func randomID(t testing.TB) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// RandomUID is a pod UID.
func RandomUID(t testing.TB) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	h := hex.EncodeToString(b)
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[:8], h[8:12], h[12:16], h[16:20], h[20:])
}

// sweepStaleCgroups removes the cgroup trees of labs whose test process died before its cleanups: those
// with no process left in them. A running lab's tree always holds its pods' processes.
func sweepStaleCgroups() {
	tops, _ := filepath.Glob(filepath.Join(cgroupBase, "pwt-vt-*"))
	for _, top := range tops {
		var dirs []string
		busy := false
		_ = filepath.WalkDir(top, func(p string, d os.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return nil
			}
			dirs = append(dirs, p)
			if procs, err := os.ReadFile(filepath.Join(p, "cgroup.procs")); err != nil || len(strings.TrimSpace(string(procs))) > 0 {
				busy = true
			}
			return nil
		})
		if busy {
			continue
		}
		for i := len(dirs) - 1; i >= 0; i-- {
			_ = os.Remove(dirs[i])
		}
	}
}
