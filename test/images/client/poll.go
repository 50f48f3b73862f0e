package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// poll GETs cfg.TargetURL every cfg.Interval until ctx ends, logging one line per request.
func poll(ctx context.Context, client *http.Client, cfg config, log io.Writer) {
	tick := time.NewTicker(cfg.Interval)
	defer tick.Stop()
	for {
		fmt.Fprintln(log, fetch(ctx, client, cfg.TargetURL))
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func fetch(ctx context.Context, client *http.Client, url string) string {
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Sprintf("GET %s: %v", url, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Sprintf("GET %s: %v", url, err)
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return fmt.Sprintf("GET %s: %d, %d bytes in %s", url, resp.StatusCode, n, time.Since(start).Round(time.Millisecond))
}
