// Command client is the application pods' image in packetwalk's local test cluster: one static binary and
// nothing else, no shell, no tools, like a distroless image. It sleeps forever, or, when TARGET_URL is set,
// GETs it every INTERVAL and logs each answer. Tests use it to prove packetwalk never needs tools inside
// application pods.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	cfg, err := configFromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(2)
	}
	// As PID 1 the process must handle SIGTERM itself, or the kubelet waits out the grace period.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if cfg.TargetURL == "" {
		<-ctx.Done()
		return
	}
	poll(ctx, &http.Client{Timeout: cfg.Timeout}, cfg, os.Stdout)
}
