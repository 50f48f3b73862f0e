package podnet

import (
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/packetwalk/kubectl-packetwalk/pkg/iproute"
)

func pod(uid string, ids ...string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "curl", UID: types.UID(uid)}}
	for _, id := range ids {
		p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{ContainerID: id})
	}
	return p
}

func TestPatterns(t *testing.T) {
	got := Patterns(pod("3938f94b-396c-458b-8305-e17bd3f49b85", "containerd://6e5d53f04240842ab601ca91426ac97e", "docker://short"))
	want := []string{"pod3938f94b-396c-458b-8305-e17bd3f49b85", "pod3938f94b_396c_458b_8305_e17bd3f49b85", "6e5d53f04240842ab601ca91426ac97e"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("patterns (-want +got):\n%s", diff)
	}
}

func TestScanAndCandidatesOnRecordedOutput(t *testing.T) {
	for _, file := range []string{
		// node1's pods use cgroupfs names, node2's systemd ones (pod<uid_with_underscores>.slice).
		"calico-vxlan/node1/packetwalk-scan.txt",
		"calico-vxlan/node2/packetwalk-scan.txt",
		"cluster-flannel/pw-node1/packetwalk-scan.txt",
	} {
		out, err := os.ReadFile("../nodefacts/testdata/" + file)
		if err != nil {
			t.Fatal(err)
		}
		procs, err := ParseScan(out)
		if err != nil {
			t.Fatal(err)
		}
		if len(procs) == 0 {
			t.Fatalf("%s: no processes", file)
		}
		uids := map[string]bool{}
		for _, p := range procs {
			if i := strings.Index(p.Cgroup, "pod"); i >= 0 {
				uid := p.Cgroup[i+3 : i+3+36]
				uids[strings.ReplaceAll(uid, "_", "-")] = true
			}
		}
		for uid := range uids {
			cs := Candidates(procs, pod(uid))
			if len(cs) != 1 || len(cs[0].PIDs) < 2 || !strings.HasPrefix(cs[0].Netns, "net:[") {
				t.Errorf("%s: pod %s has candidates %+v, want one namespace shared by its sandbox and container", file, uid, cs)
			}
		}
	}
}

func TestParseScanRejectsGarbage(t *testing.T) {
	for _, in := range []string{"12 notanetns 1:pids:/x\n", "abc net:[1] 1:pids:/x\n", "12 net:[1]\n"} {
		if _, err := ParseScan([]byte(in)); err == nil {
			t.Errorf("ParseScan(%q) accepted", in)
		}
	}
}

// TestScanArgvRunsHere runs the scan on this machine for the test's own cgroup line: patterns reach grep
// as words, never as shell.
func TestScanArgvRunsHere(t *testing.T) {
	self, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Skip("no /proc/self/cgroup")
	}
	line := strings.SplitN(strings.TrimSpace(string(self)), "\n", 2)[0]
	argv := ScanArgv([]string{"$(touch /tmp/pwt-scan-injected)", line})
	out, err := exec.Command(argv[0], argv[1:]...).Output()
	if err != nil {
		t.Skipf("cannot run the scan here: %v", err)
	}
	procs, err := ParseScan(out)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range procs {
		if p.PID == os.Getpid() {
			found = true
		}
	}
	if !found {
		t.Errorf("the scan did not find this test process (pid %d) by its cgroup line %q", os.Getpid(), line)
	}
	if _, err := os.Stat("/tmp/pwt-scan-injected"); err == nil {
		os.Remove("/tmp/pwt-scan-injected")
		t.Error("a pattern was run as shell code")
	}
}

func TestAttachAndConfirm(t *testing.T) {
	read := func(path string) iproute.Links {
		b, err := os.ReadFile("../nodefacts/testdata/" + path)
		if err != nil {
			t.Fatal(err)
		}
		ls, err := iproute.ParseLinks(b)
		if err != nil {
			t.Fatal(err)
		}
		return ls
	}
	node := read("flannel/node1/ip-j-d-addr-show.json")
	curl := read("flannel/node1/curl-ip-j-d-addr-show.json")
	atts := Attach(curl, node)
	if len(atts) != 2 {
		t.Fatalf("%d attachments, want eth0 and net1", len(atts))
	}
	var got []string
	for _, a := range atts {
		got = append(got, a.PodLink.Name+"→"+a.HostPeer.Name+":"+map[bool]string{true: "verified", false: "unverified"}[a.Verified])
	}
	if !strings.HasPrefix(got[0], "eth0→veth") || !strings.HasSuffix(got[0], ":verified") || got[1] != "net1→eth0:unverified" {
		t.Errorf("attachments = %q", got)
	}
	fdbRaw, _ := os.ReadFile("../nodefacts/testdata/flannel/node1/bridge-j-fdb-show.json")
	fdb, err := iproute.ParseFDB(fdbRaw)
	if err != nil {
		t.Fatal(err)
	}
	Confirm(atts, []netip.Addr{netip.MustParseAddr("10.244.1.5")}, nil, fdb)
	if !strings.Contains(atts[0].ConfirmedBy, atts[0].PodLink.MAC) || atts[1].ConfirmedBy != "" {
		t.Errorf("confirmations %q, %q", atts[0].ConfirmedBy, atts[1].ConfirmedBy)
	}
	if HoldsIPs(curl, []netip.Addr{netip.MustParseAddr("10.244.1.5"), netip.MustParseAddr("10.244.1.6")}) {
		t.Error("curl's namespace holds httpbin-0's IP")
	}
	if HoldsIPs(curl, nil) {
		t.Error("a pod without IPs matched a namespace")
	}
}
