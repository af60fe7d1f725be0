// Command server is the HTTP test server of the orca.local/server image
// (built by test/images.Server). It listens on $PORT (default 8080):
//
//	/             the hostname (the pod's name)
//	/healthz      200, or 500 once /tmp/unhealthy exists
//	/env/NAME     the value of environment variable NAME
//	/file?path=P  the content of file P
//	/remote       the client's address as the server sees it (IP, no port)
//
// On SIGTERM it keeps serving for $SHUTDOWN_DELAY (a Go duration or
// seconds), then exits 0.
package main

import (
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	go shutdownOnSignal()
	http.HandleFunc("/", hostname)
	http.HandleFunc("/healthz", healthz)
	http.HandleFunc("/env/", env)
	http.HandleFunc("/file", file)
	http.HandleFunc("/remote", remote)
	log.Printf("server %s listening on :%s", os.Getenv("VERSION"), port)
	log.Fatal(http.ListenAndServe(":"+port, nil))
}

func hostname(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	name, err := os.Hostname()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	fmt.Fprintln(w, name)
}

func healthz(w http.ResponseWriter, _ *http.Request) {
	if _, err := os.Stat("/tmp/unhealthy"); err == nil {
		http.Error(w, "unhealthy", http.StatusInternalServerError)
		return
	}
	fmt.Fprintln(w, "ok")
}

func env(w http.ResponseWriter, r *http.Request) {
	value, ok := os.LookupEnv(strings.TrimPrefix(r.URL.Path, "/env/"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	fmt.Fprintln(w, value)
}

func file(w http.ResponseWriter, r *http.Request) {
	data, err := os.ReadFile(r.URL.Query().Get("path"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	w.Write(data)
}

// remote tells a client which source address reached the pod: the test of
// whether pod traffic was masqueraded on its way.
func remote(w http.ResponseWriter, r *http.Request) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	fmt.Fprintln(w, host)
}

// shutdownOnSignal exits after SHUTDOWN_DELAY once SIGTERM or SIGINT
// arrives, so tests can watch a terminating pod keep serving.
func shutdownOnSignal() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	sig := <-sigs
	delay := parseDelay(os.Getenv("SHUTDOWN_DELAY"))
	log.Printf("got %v; exiting in %s", sig, delay)
	time.Sleep(delay)
	os.Exit(0)
}

func parseDelay(s string) time.Duration {
	if d, err := time.ParseDuration(s); err == nil {
		return d
	}
	if n, err := strconv.Atoi(s); err == nil {
		return time.Duration(n) * time.Second
	}
	return 0
}
