// Package sharedpcaps finds the third-party capture corpus (../shared/pcaps beside the repository, on the
// development machines and in CI) and reads tshark's reference decoding of it, for conformance tests. The
// project's own tests do not need it: they skip, or seed with nothing, when it is absent.
package sharedpcaps

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// dir is ../shared/pcaps relative to the repository root.
func dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "pcaps")
}

// Require returns the corpus's directory, or skips t when the corpus is absent.
func Require(t testing.TB) string {
	t.Helper()
	d := dir()
	if _, err := os.Stat(filepath.Join(d, "MANIFEST.md")); err != nil {
		t.Skipf("the shared capture corpus is absent (%s): %v", d, err)
	}
	return d
}

// Files lists the corpus's captures; none when it is absent.
func Files() []string {
	files, _ := filepath.Glob(filepath.Join(dir(), "files", "*"))
	return files
}

// Reference reads tshark's decoding of capture (a path from Files): one row of tab-separated columns per
// packet, without the header and without the non-packet pcapng records tshark lists as frames. The columns
// are explained in the corpus's MANIFEST.md.
func Reference(t testing.TB, capture string) [][]string {
	t.Helper()
	name := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(capture), ".pcapng"), ".pcap")
	path := filepath.Join(dir(), "reference", name+".tsv")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 3 {
			t.Fatalf("%s: %d columns in %q", path, len(cols), sc.Text())
		}
		if cols[1] == "non-packet-record" {
			continue
		}
		rows = append(rows, cols)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}
