package capture

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

var record = flag.Bool("record", false, "re-record testdata/ from the kernel (root, tcpdump, socat)")

// TestRecordFixtures records the captures and tcpdump messages in testdata/ from a lab node:
//
//	go test ./pkg/capture -run TestRecordFixtures -record
func TestRecordFixtures(t *testing.T) {
	if !*record {
		t.Skip("run with -record to re-record testdata/")
	}
	l := newLab(t)
	links, err := json.MarshalIndent(l.links, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	writeFixture(t, "node-links.json", append(links, '\n'))

	captures := []struct {
		file string
		opts TcpdumpOptions
	}{
		{"any-sll2-nano.pcap", TcpdumpOptions{Interface: "any", Count: 40, NanoTimestamps: true, Filter: "not ip6"}},
		{"any-sll2-micro.pcap", TcpdumpOptions{Interface: "any", Count: 30, Filter: "not ip6"}},
		{"cali-ether-micro.pcap", TcpdumpOptions{Interface: labCurlPeer, Count: 12, Filter: "not ip6"}},
	}
	for _, c := range captures {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", l.node}, TcpdumpArgs(c.opts)...)...)
		stderr := &lockedBuffer{}
		cmd.Stderr = stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
		l.trafficUntil(ctx, t)
		data, err := readAllFrom(stdout)
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("%s: %v: %s", c.file, err, stderr.Bytes())
		}
		cancel()
		writeFixture(t, c.file, data)
		writeFixture(t, "tcpdump-stderr-"+c.file+".txt", stderr.Bytes())
	}
	res := nsRunResult(t, l.node, FilterCheckArgs("any", "port eighty"))
	writeFixture(t, "tcpdump-stderr-bad-filter.txt", res)
	res = nsRunResult(t, l.node, FilterCheckArgs("cali00000000000", "tcp"))
	writeFixture(t, "tcpdump-stderr-no-such-device.txt", res)
}

func readAllFrom(r interface{ Read([]byte) (int, error) }) ([]byte, error) {
	var out []byte
	buf := make([]byte, 4096)
	for {
		n, err := r.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			if err.Error() == "EOF" {
				return out, nil
			}
			return out, err
		}
	}
}

func nsRunResult(t *testing.T, ns string, argv []string) []byte {
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns}, argv...)...)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("%v succeeded, want tcpdump's error", argv)
	}
	return out
}

func writeFixture(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join("testdata", name), data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded testdata/%s (%d bytes)", name, len(data))
}
