package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestConfigFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    config
		wantErr string
	}{
		{"sleep forever", map[string]string{}, config{Interval: time.Second, Timeout: 5 * time.Second}, ""},
		{"poll", map[string]string{"TARGET_URL": "http://10.96.0.20/get", "INTERVAL": "250ms", "TIMEOUT": "2s"},
			config{TargetURL: "http://10.96.0.20/get", Interval: 250 * time.Millisecond, Timeout: 2 * time.Second}, ""},
		{"not a URL", map[string]string{"TARGET_URL": "10.96.0.20"}, config{}, "not an http(s) URL"},
		{"bad interval", map[string]string{"INTERVAL": "often"}, config{}, "INTERVAL"},
		{"zero timeout", map[string]string{"TIMEOUT": "0s"}, config{}, "TIMEOUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := configFromEnv(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPollRequestsEveryInterval(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write([]byte("short and stout"))
	}))
	defer srv.Close()

	ctx, cancel := context.WithCancel(context.Background())
	var log bytes.Buffer
	done := make(chan struct{})
	go func() {
		poll(ctx, srv.Client(), config{TargetURL: srv.URL + "/x", Interval: 20 * time.Millisecond, Timeout: time.Second}, &log)
		close(done)
	}()
	for hits.Load() < 3 {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	first := strings.SplitN(log.String(), "\n", 2)[0]
	if !strings.HasPrefix(first, "GET "+srv.URL+"/x: 418, 15 bytes in ") {
		t.Errorf("first log line %q, want the status and size", first)
	}
}

func TestFetchReportsErrors(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	got := fetch(context.Background(), &http.Client{Timeout: time.Second}, url)
	if !strings.Contains(got, "connection refused") {
		t.Errorf("fetch of a closed server = %q, want connection refused", got)
	}
}
