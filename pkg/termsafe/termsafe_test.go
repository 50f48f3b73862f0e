package termsafe

import (
	"bytes"
	"errors"
	"testing"
)

func TestEscape(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"eth0", "eth0"},
		{"cali35e3a5cb80b (default/curl)", "cali35e3a5cb80b (default/curl)"},
		{"café.例え.テスト", "café.例え.テスト"},
		{"GET /\x1b]0;pwned\x07\x1b[2J HTTP/1.1", "GET /^[]0;pwned^G^[[2J HTTP/1.1"},
		{"a\x1bb", "a^[b"},
		{"line\nforged", "line^Jforged"},
		{"tab\there", "tab^Ihere"},
		{"del\x7f", "del^?"},
		{"csi\u009b2J", `csi\u009b2J`},
		{"evil\u202egnp.exe", `evil\u202egnp.exe`},
		{"\u2067isolate\u2069", `\u2067isolate\u2069`},
		{"bad\xffutf8\xc3", `bad\xffutf8\xc3`},
		{"", ""},
	} {
		if got := Escape(c.in); got != c.want {
			t.Errorf("Escape(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestEscapeLeavesNoControlBytes(t *testing.T) {
	var all []byte
	for b := 0; b < 256; b++ {
		all = append(all, byte(b))
	}
	got := Escape(string(all) + "\u0085\u202d")
	for i := 0; i < len(got); i++ {
		if c := got[i]; c < 0x20 || c == 0x7f || c >= 0x80 {
			t.Fatalf("byte %#x left at %d in %q", c, i, got)
		}
	}
}

func TestFprintfEscapesArguments(t *testing.T) {
	var b bytes.Buffer
	if _, err := Fprintf(&b, "%s\t%v: %d\n", "a\x1bb", errors.New("x\x07"), 3); err != nil {
		t.Fatal(err)
	}
	if want := "a^[b\tx^G: 3\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}
