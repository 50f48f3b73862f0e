package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func newTestServer(t *testing.T) (*httptest.Server, *[]time.Duration) {
	t.Helper()
	var slept []time.Duration
	srv := httptest.NewServer(newHandler("httpbin-pod", func(d time.Duration) { slept = append(slept, d) }))
	t.Cleanup(srv.Close)
	return srv, &slept
}

func get(t *testing.T, url string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

func TestStatus(t *testing.T) {
	srv, _ := newTestServer(t)
	for path, want := range map[string]int{
		"/status/200": 200, "/status/418": 418, "/status/503": 503, "/status/abc": 400, "/status/42": 400,
		"/": 200, "/nope": 404,
	} {
		resp, _ := get(t, srv.URL+path, nil)
		if resp.StatusCode != want {
			t.Errorf("GET %s = %d, want %d", path, resp.StatusCode, want)
		}
	}
}

func TestRootNamesTheHost(t *testing.T) {
	srv, _ := newTestServer(t)
	_, body := get(t, srv.URL+"/", nil)
	if !strings.Contains(string(body), "httpbin on httpbin-pod") {
		t.Errorf("GET / = %q, want it to name the host", body)
	}
}

func TestHeaders(t *testing.T) {
	srv, _ := newTestServer(t)
	_, body := get(t, srv.URL+"/headers", map[string]string{"X-Packetwalk": "probe-1", "User-Agent": "pw-test"})
	var got struct {
		Headers  map[string]string `json:"headers"`
		Hostname string            `json:"hostname"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("decoding %q: %v", body, err)
	}
	want := map[string]string{
		"Host": strings.TrimPrefix(srv.URL, "http://"), "X-Packetwalk": "probe-1", "User-Agent": "pw-test",
		"Accept-Encoding": "gzip",
	}
	if diff := cmp.Diff(want, got.Headers); diff != "" || got.Hostname != "httpbin-pod" {
		t.Errorf("GET /headers (-want +got):\n%s hostname %q", diff, got.Hostname)
	}
}

func TestGetShowsArgsAndOrigin(t *testing.T) {
	srv, _ := newTestServer(t)
	_, body := get(t, srv.URL+"/get?a=1&a=2&b=x", nil)
	var got struct {
		Args   map[string]string `json:"args"`
		Origin string            `json:"origin"`
		URL    string            `json:"url"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("decoding %q: %v", body, err)
	}
	if diff := cmp.Diff(map[string]string{"a": "1,2", "b": "x"}, got.Args); diff != "" {
		t.Errorf("args (-want +got):\n%s", diff)
	}
	if got.Origin != "127.0.0.1" || !strings.HasSuffix(got.URL, "/get?a=1&a=2&b=x") {
		t.Errorf("origin %q url %q", got.Origin, got.URL)
	}
}

func TestDelay(t *testing.T) {
	srv, slept := newTestServer(t)
	for _, path := range []string{"/delay/2", "/delay/0.5", "/delay/60"} {
		if resp, body := get(t, srv.URL+path, nil); resp.StatusCode != 200 || !strings.Contains(string(body), `"hostname": "httpbin-pod"`) {
			t.Errorf("GET %s = %d %q", path, resp.StatusCode, body)
		}
	}
	want := []time.Duration{2 * time.Second, 500 * time.Millisecond, maxDelay}
	if diff := cmp.Diff(want, *slept); diff != "" {
		t.Errorf("delays (-want +got):\n%s", diff)
	}
	if resp, _ := get(t, srv.URL+"/delay/-1", nil); resp.StatusCode != 400 {
		t.Errorf("GET /delay/-1 = %d, want 400", resp.StatusCode)
	}
}
