package apiserver

import (
	"context"
	"net/http"
	"slices"
	"strings"
)

// RequestInfo is what a URL and method say about a request.
type RequestInfo struct {
	IsResource  bool
	Verb        string // get list watch create update patch delete deletecollection
	Prefix      string // "api" or "apis"
	Group       string
	Version     string
	Namespace   string
	Resource    string
	Name        string
	Subresource string
	Path        string
}

// parseRequestInfo decodes /api/v1/namespaces/ns/pods/name/status and its
// relatives the way kube-apiserver does.
func parseRequestInfo(r *http.Request) *RequestInfo {
	info := &RequestInfo{Path: r.URL.Path, Verb: strings.ToLower(r.Method)}
	parts := splitPath(r.URL.Path)
	if len(parts) < 2 || (parts[0] != "api" && parts[0] != "apis") || slices.Contains(parts, "") {
		return info // empty segments ("/api//v1") name nothing
	}
	info.Prefix = parts[0]
	parts = parts[1:]
	if info.Prefix == "apis" {
		if len(parts) < 2 {
			return info
		}
		info.Group, parts = parts[0], parts[1:]
	}
	info.Version, parts = parts[0], parts[1:]
	if len(parts) == 0 {
		return info
	}
	info.IsResource = true
	// namespaces/<name>/status and /finalize are subresources of the
	// namespace; namespaces/<name>/<resource> is a namespaced resource.
	if parts[0] == "namespaces" && len(parts) >= 3 && !namespaceSubresources[parts[2]] {
		info.Namespace, parts = parts[1], parts[2:]
	} else if parts[0] == "namespaces" && len(parts) >= 2 {
		info.Namespace = parts[1] // the namespace object itself
	}
	info.Resource = parts[0]
	if len(parts) > 1 {
		info.Name = parts[1]
	}
	if len(parts) > 2 {
		info.Subresource = parts[2]
	}
	if len(parts) > 3 && info.Subresource != "proxy" {
		info.IsResource = false // only proxy paths go deeper (nodes/x/proxy/<path>)
	}
	info.Verb = verbOf(r, info)
	return info
}

var namespaceSubresources = map[string]bool{"status": true, "finalize": true}

func verbOf(r *http.Request, info *RequestInfo) string {
	watch := r.URL.Query().Get("watch")
	isWatch := watch == "true" || watch == "1"
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		switch {
		case isWatch:
			return "watch"
		case info.Name == "":
			return "list"
		}
		return "get"
	case http.MethodPost:
		return "create"
	case http.MethodPut:
		return "update"
	case http.MethodPatch:
		return "patch"
	case http.MethodDelete:
		if info.Name == "" {
			return "deletecollection"
		}
		return "delete"
	}
	return strings.ToLower(r.Method)
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

type requestInfoKey struct{}

func withRequestInfo(ctx context.Context, info *RequestInfo) context.Context {
	return context.WithValue(ctx, requestInfoKey{}, info)
}

// requestInfoFrom returns the RequestInfo the outermost handler parsed
// (once per request), parsing it if that handler did not run.
func requestInfoFrom(r *http.Request) *RequestInfo {
	if info, ok := r.Context().Value(requestInfoKey{}).(*RequestInfo); ok {
		return info
	}
	return parseRequestInfo(r)
}
