package main

import (
	"fmt"
	"net/url"
	"time"
)

// config is read from the environment: TARGET_URL, INTERVAL (default 1s) and TIMEOUT (default 5s).
type config struct {
	TargetURL string
	Interval  time.Duration
	Timeout   time.Duration
}

func configFromEnv(getenv func(string) string) (config, error) {
	cfg := config{TargetURL: getenv("TARGET_URL"), Interval: time.Second, Timeout: 5 * time.Second}
	if cfg.TargetURL != "" {
		u, err := url.Parse(cfg.TargetURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return cfg, fmt.Errorf("TARGET_URL %q is not an http(s) URL", cfg.TargetURL)
		}
	}
	for name, d := range map[string]*time.Duration{"INTERVAL": &cfg.Interval, "TIMEOUT": &cfg.Timeout} {
		v := getenv(name)
		if v == "" {
			continue
		}
		parsed, err := time.ParseDuration(v)
		if err != nil || parsed <= 0 {
			return cfg, fmt.Errorf("%s %q is not a positive duration such as 500ms or 2s", name, v)
		}
		*d = parsed
	}
	return cfg, nil
}
