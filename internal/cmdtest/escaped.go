package cmdtest

import (
	"strings"
	"testing"
)

// Escaped fails t when out, a command's text output, holds a raw control byte a terminal acts on (ESC, BEL)
// or lacks one of the escaped forms in want (ESC shown as ^[, BEL as ^G).
func Escaped(t testing.TB, out string, want ...string) {
	t.Helper()
	if i := strings.IndexAny(out, "\x1b\x07"); i >= 0 {
		t.Errorf("raw control byte at %d in the text output:\n%q", i, out)
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("text output lacks %q:\n%s", w, out)
		}
	}
}
