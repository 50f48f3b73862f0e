package main

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// The release path names every build with a version krew accepts, whatever the checkout's tags.
func TestHackVersionIsAlwaysAKrewVersion(t *testing.T) {
	for _, env := range [][]string{nil, {"VERSION=v1.2.3-rc.1"}} {
		c := exec.Command("../version")
		c.Env = append(os.Environ(), env...)
		out, err := c.Output()
		if err != nil {
			t.Fatalf("hack/version %v: %v", env, err)
		}
		if err := checkVersion(strings.TrimSpace(string(out))); err != nil {
			t.Errorf("hack/version %v: %v", env, err)
		}
	}
	c := exec.Command("../version")
	c.Env = append(os.Environ(), "VERSION=1a2b3c4")
	if err := c.Run(); err == nil {
		t.Error("hack/version accepted VERSION=1a2b3c4, which krew refuses")
	}
}

func TestCheckVersion(t *testing.T) {
	for v, ok := range map[string]bool{"v0.1.0": true, "v0.0.0-dev.ga09d27ac1dbc.dirty": true, "v1.0.0-3-gabc1234": true, "b789726": false, "0.1.0": false, "dev": false} {
		if err := checkVersion(v); (err == nil) != ok {
			t.Errorf("checkVersion(%q) = %v", v, err)
		}
	}
}

// An archive unpacked with `tar xzf` into a folder must leave that folder's mode alone and give the files
// usable modes: no "./" entry (mktemp's 0700 would become the folder's mode), named files only.
func TestReleaseArchiveHoldsNamedFilesWithSaneModes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a release archive")
	}
	if runtime.GOOS != "linux" {
		t.Skip("hack/dist.sh runs on Linux")
	}
	dir := t.TempDir()
	c := exec.Command("../dist.sh")
	c.Env = append(os.Environ(), "DIST_DIR="+dir, "DIST_PLATFORMS=linux/amd64", "VERSION=v0.0.1-test")
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("hack/dist.sh: %v\n%s", err, out)
	}
	modes := tarModes(t, filepath.Join(dir, "kubectl-packetwalk_v0.0.1-test_linux_amd64.tar.gz"))
	want := map[string]int64{"kubectl-packetwalk": 0o755, "kubectl_complete-packetwalk": 0o755, "LICENSE": 0o644, "README.md": 0o644}
	var names []string
	for name := range modes {
		names = append(names, name)
	}
	sort.Strings(names)
	if len(modes) != len(want) {
		t.Errorf("archive entries %q, want exactly %d named files", names, len(want))
	}
	for name, mode := range want {
		if got, ok := modes[name]; !ok || got != mode {
			t.Errorf("%s: mode %o (present %v), want %o", name, got, ok, mode)
		}
	}
}

func tarModes(t *testing.T, path string) map[string]int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	r := tar.NewReader(gz)
	modes := map[string]int64{}
	for {
		h, err := r.Next()
		if errors.Is(err, io.EOF) {
			return modes
		}
		if err != nil {
			t.Fatal(err)
		}
		modes[h.Name] = h.Mode & 0o7777
	}
}
