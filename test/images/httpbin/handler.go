package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// maxDelay bounds /delay/N, as httpbin.org does.
const maxDelay = 10 * time.Second

// newHandler answers like httpbin.org. Every JSON answer also carries the serving pod's hostname, so a test
// can tell which endpoint behind a Service answered. sleep is swappable for tests.
func newHandler(hostname string, sleep func(time.Duration)) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "httpbin on %s: try /get /headers /ip /status/N /delay/N\n", hostname)
	})
	mux.HandleFunc("GET /get", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, getAnswer(r, hostname))
	})
	mux.HandleFunc("GET /headers", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"headers": headers(r), "hostname": hostname})
	})
	mux.HandleFunc("GET /ip", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"origin": origin(r), "hostname": hostname})
	})
	mux.HandleFunc("/status/{code}", func(w http.ResponseWriter, r *http.Request) {
		code, err := strconv.Atoi(r.PathValue("code"))
		if err != nil || code < 100 || code > 599 {
			http.Error(w, "invalid status code", http.StatusBadRequest)
			return
		}
		w.WriteHeader(code)
	})
	mux.HandleFunc("GET /delay/{seconds}", func(w http.ResponseWriter, r *http.Request) {
		s, err := strconv.ParseFloat(r.PathValue("seconds"), 64)
		if err != nil || s < 0 {
			http.Error(w, "invalid delay", http.StatusBadRequest)
			return
		}
		sleep(min(time.Duration(s*float64(time.Second)), maxDelay))
		writeJSON(w, http.StatusOK, getAnswer(r, hostname))
	})
	return mux
}

func getAnswer(r *http.Request, hostname string) map[string]any {
	args := map[string]string{}
	for k, v := range r.URL.Query() {
		args[k] = strings.Join(v, ",")
	}
	return map[string]any{
		"args":     args,
		"headers":  headers(r),
		"origin":   origin(r),
		"url":      "http://" + r.Host + r.URL.RequestURI(),
		"hostname": hostname,
	}
}

// headers are the request's headers as httpbin shows them: canonical names, repeated values joined.
func headers(r *http.Request) map[string]string {
	h := map[string]string{"Host": r.Host}
	keys := make([]string, 0, len(r.Header))
	for k := range r.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		h[k] = strings.Join(r.Header.Values(k), ",")
	}
	return h
}

// origin is the client address the server saw: after a Service's DNAT, still the client pod's IP.
func origin(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
