package cmdshared

import (
	"os"
	"path/filepath"
	"testing"
)

func TestCreatePrivateIsForItsOwnerOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "capture.pcapng")
	f, err := CreatePrivate(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want -rw-------", st.Mode().Perm())
	}
}
