package cmdshared

import (
	"os"
)

// CreatePrivate creates (or truncates) a file for captured packets, readable by its owner only: packets hold
// other people's traffic. Commands open it before any work, so a bad path costs nothing.
func CreatePrivate(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
}
