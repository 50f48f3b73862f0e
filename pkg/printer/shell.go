package printer

import "strings"

// ShellQuote renders argv as a person would type it in a POSIX shell, quoting every word that holds more
// than letters, digits and -_./:=@,+%. A fixed wrapper script (`sh -c SCRIPT NAME ARGS…`) is shown by its
// name: the script is in the source, and pasting it from a terminal would not help.
func ShellQuote(argv []string) string {
	words := make([]string, 0, len(argv))
	for i := 0; i < len(argv); i++ {
		a := argv[i]
		if (a == "sh" || a == "/bin/sh") && i+3 < len(argv) && argv[i+1] == "-c" && (strings.Contains(argv[i+2], "\n") || len(argv[i+2]) > 60) {
			words = append(words, a, "-c", "<"+argv[i+3]+" script>")
			i += 3
			continue
		}
		words = append(words, quoteWord(a))
	}
	return strings.Join(words, " ")
}

func quoteWord(s string) string {
	if s != "" && strings.IndexFunc(s, unsafeInShell) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func unsafeInShell(r rune) bool {
	safe := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@,+%", r)
	return !safe
}
