package netnslab

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// RequireRoot skips t unless it runs as root with the named tools on PATH.
func RequireRoot(t testing.TB, tools ...string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces")
	}
	for _, tool := range append([]string{"ip", "nsenter"}, tools...) {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s on PATH", tool)
		}
	}
}

// staleAfter is how old a pwt-vt- namespace must be to count as left behind by a killed test: the labs
// live for seconds.
const staleAfter = 15 * time.Minute

var sweepOnce sync.Once

// sweepStaleNetns deletes pwt-vt- namespaces left behind by test processes killed before their cleanups.
func sweepStaleNetns() {
	entries, _ := os.ReadDir("/run/netns")
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !strings.HasPrefix(e.Name(), "pwt-vt-") || time.Since(info.ModTime()) < staleAfter {
			continue
		}
		_ = exec.Command("ip", "netns", "del", e.Name()).Run()
	}
}

// NewNetns creates a network namespace named pwt-<base>-<random> and deletes it when t ends.
func NewNetns(t testing.TB, base string) string {
	t.Helper()
	sweepOnce.Do(sweepStaleNetns)
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	name := "pwt-" + base + "-" + hex.EncodeToString(b)
	Must(t, "ip", "netns", "add", name)
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			t.Errorf("deleting netns %s: %v: %s", name, err, out)
		}
	})
	return name
}

// Must runs argv and fails t if it fails.
func Must(t testing.TB, argv ...string) string {
	t.Helper()
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	return string(out)
}

// In runs argv inside netns ns and fails t if it fails.
func In(t testing.TB, ns string, argv ...string) string {
	t.Helper()
	return Must(t, append([]string{"nsenter", "--net=/run/netns/" + ns, "--"}, argv...)...)
}

// InWithStdin runs argv inside ns with stdin and fails t if it fails.
func InWithStdin(t testing.TB, ns, stdin string, argv ...string) string {
	t.Helper()
	cmd := exec.Command("nsenter", append([]string{"--net=/run/netns/" + ns, "--"}, argv...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	return string(out)
}
