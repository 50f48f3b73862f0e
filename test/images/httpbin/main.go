// Command httpbin is the target pods' HTTP server in packetwalk's local test cluster: a small, static
// stand-in for httpbin.org answering /, /get, /headers, /ip, /status/N and /delay/N.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	listen := flag.String("listen", ":8080", "address to listen on")
	flag.Parse()

	host, _ := os.Hostname()
	srv := &http.Server{
		Addr:              *listen,
		Handler:           newHandler(host, time.Sleep),
		ReadHeaderTimeout: 10 * time.Second,
	}
	// As PID 1 in its container, the server must handle SIGTERM itself or the pod waits out its grace period.
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
		<-sig
		os.Exit(0)
	}()
	fmt.Printf("httpbin %s listening on %s\n", host, *listen)
	log.Fatal(srv.ListenAndServe())
}
