package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRepositoryManifest(t *testing.T) {
	problems, err := check("../../krew-manifest/packetwalk.yaml", "../dist.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

func TestCheckFindsAPlatformDistDoesNotBuild(t *testing.T) {
	manifest, err := os.ReadFile("../../krew-manifest/packetwalk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	dist := filepath.Join(dir, "dist.sh")
	if err := os.WriteFile(dist, []byte(`PLATFORMS="linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 freebsd/amd64"`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mpath := filepath.Join(dir, "m.yaml")
	if err := os.WriteFile(mpath, manifest, 0o644); err != nil {
		t.Fatal(err)
	}
	problems, err := check(mpath, dist)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(problems, "\n")
	for _, want := range []string{"windows/arm64 is in the manifest but hack/dist.sh does not build it", "hack/dist.sh builds freebsd/amd64 but the manifest does not offer it"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems %q lack %q", got, want)
		}
	}
}
