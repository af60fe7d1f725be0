package apiserver

import (
	"net/http"
	"net/http/pprof"
	"strings"
)

// servePprof exposes Go's profiler to authenticated clients, as
// kube-apiserver does with --profiling (on by default).
func servePprof(w http.ResponseWriter, r *http.Request) {
	switch strings.TrimPrefix(r.URL.Path, "/debug/pprof/") {
	case "cmdline":
		pprof.Cmdline(w, r)
	case "profile":
		pprof.Profile(w, r)
	case "symbol":
		pprof.Symbol(w, r)
	case "trace":
		pprof.Trace(w, r)
	default:
		pprof.Index(w, r)
	}
}
