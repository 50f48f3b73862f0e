// Package termsafe shows untrusted text (bytes from a capture, names from a node or the cluster) on a
// terminal without letting it act on the terminal: control bytes, escape sequences, C1 controls, invalid
// UTF-8 and bidirectional overrides are written visibly, the way hubble's printer turns ESC into ^[.
// Machine output (JSON, YAML) stays exact and never goes through it.
package termsafe

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Escape returns s with every rune that could change what a terminal shows made visible: C0 controls and DEL
// in caret notation (ESC as ^[, newline as ^J), C1 controls and bidi controls as \uXXXX, bytes that are not
// UTF-8 as \xNN. Everything else, ordinary Unicode included, is left as it is.
func Escape(s string) string {
	i := firstUnsafe(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x20:
			b.WriteByte('^')
			b.WriteByte(byte(r) + 0x40)
		case r == 0x7f:
			b.WriteString("^?")
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// firstUnsafe is the byte offset of the first rune Escape changes, or -1.
func firstUnsafe(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || unsafeRune(r) {
			return i
		}
		i += size
	}
	return -1
}

// unsafeRune reports the non-ASCII runes a terminal acts on: C1 controls (U+009B is a one-byte CSI) and the
// bidi marks and overrides that reorder what follows them.
func unsafeRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// Fprintf is fmt.Fprintf with every string, error and fmt.Stringer argument escaped: the format is the
// program's own, the arguments are where untrusted text comes in.
func Fprintf(w io.Writer, format string, args ...any) (int, error) {
	return fmt.Fprintf(w, format, escapeArgs(args)...)
}

// Sprintf is fmt.Sprintf with its arguments escaped as in Fprintf.
func Sprintf(format string, args ...any) string {
	return fmt.Sprintf(format, escapeArgs(args)...)
}

// Fprintln is fmt.Fprintln with its arguments escaped as in Fprintf.
func Fprintln(w io.Writer, args ...any) (int, error) {
	return fmt.Fprintln(w, escapeArgs(args)...)
}

func escapeArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			out[i] = Escape(v)
		case error:
			out[i] = Escape(v.Error())
		case fmt.Stringer:
			out[i] = Escape(v.String())
		default:
			out[i] = a
		}
	}
	return out
}
