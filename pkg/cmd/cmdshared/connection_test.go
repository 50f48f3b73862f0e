package cmdshared

import (
	"errors"
	"fmt"
	"net/url"
	"syscall"
	"testing"
)

func TestConnectionHintSurvivesWrapping(t *testing.T) {
	refused := &url.Error{Op: "Get", URL: "https://127.0.0.1:1/api/v1/namespaces/default/pods/curl",
		Err: fmt.Errorf("dial tcp 127.0.0.1:1: connect: %w", syscall.ECONNREFUSED)}
	err := ConnectionHint(fmt.Errorf("source: reading pod default/curl: %w", refused))
	want := "source: reading pod default/curl: The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?"
	if err.Error() != want {
		t.Errorf("got  %q\nwant %q", err, want)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Error("the hinted error must still wrap the cause")
	}
	plain := errors.New("pod curl has no IP")
	if ConnectionHint(plain) != plain || ConnectionHint(refused) != error(refused) {
		t.Error("errors without a wrapped url.Error, and a bare one (kubectl handles it), stay as they are")
	}
}
