package ingress

import (
	pathpkg "path"
	"strings"
)

// Path and host matching as the Ingress spec defines them. A Prefix path
// matches element-wise: "/foo" matches "/foo", "/foo/" and "/foo/bar" but
// not "/foobar", and a trailing slash on either side is ignored.
// ImplementationSpecific is treated as Prefix.

// prefixKey is a Prefix rule path as the table stores it: without the
// trailing slashes, so "/" becomes "" (it matches everything).
func prefixKey(path string) string {
	return strings.TrimRight(path, "/")
}

// prefixCandidates calls try with every key a Prefix rule matching path
// can have, longest first: the path without trailing slashes, then each
// shorter run of whole elements, ending with "" (the rule "/"). It stops
// when try returns true.
func prefixCandidates(path string, try func(key string) bool) {
	key := strings.TrimRight(path, "/")
	for {
		if try(key) {
			return
		}
		if key == "" {
			return
		}
		i := strings.LastIndexByte(key, '/')
		if i < 0 {
			// A request path always starts with "/"; this one does not.
			try("")
			return
		}
		key = strings.TrimRight(key[:i], "/")
	}
}

// requestHost is the host a request is routed by: the Host header (or TLS
// server name) without its port, in lower case, without a trailing dot.
// It does not allocate for a host already in lower case.
func requestHost(hostport string) string {
	host := hostport
	if strings.HasPrefix(host, "[") {
		// An IPv6 literal, with or without a port.
		if end := strings.IndexByte(host, ']'); end > 0 {
			host = host[1:end]
		}
	} else if i := strings.LastIndexByte(host, ':'); i >= 0 && strings.IndexByte(host, ':') == i {
		host = host[:i]
	}
	return strings.TrimSuffix(strings.ToLower(host), ".")
}

// wildcardKey is the suffix a host matches a wildcard rule on: the host
// without its first label ("a.foo.com" → "foo.com"). A wildcard covers
// exactly one label, so "*.foo.com" matches neither "foo.com" nor
// "a.b.foo.com". ok is false for a host with a single label.
func wildcardKey(host string) (string, bool) {
	i := strings.IndexByte(host, '.')
	if i <= 0 || i == len(host)-1 {
		return "", false
	}
	return host[i+1:], true
}

// ruleHost splits a rule's host into the table's key and whether it is a
// wildcard ("*.foo.com" → "foo.com", true).
func ruleHost(host string) (string, bool) {
	host = strings.ToLower(host)
	if rest, ok := strings.CutPrefix(host, "*."); ok {
		return rest, true
	}
	return host, false
}

// routePath is the path a request is routed by: its URL path with "."
// and ".." elements and repeated slashes resolved, as nginx normalizes
// the URI before matching locations (so "/api/../admin" is routed as
// "/admin"). A trailing slash is kept. The request is forwarded with its
// path unchanged.
func routePath(p string) string {
	if p == "" || p[0] != '/' {
		p = "/" + p
	}
	if !strings.Contains(p, "/.") && !strings.Contains(p, "//") {
		return p
	}
	clean := pathpkg.Clean(p)
	if strings.HasSuffix(p, "/") && clean != "/" {
		clean += "/"
	}
	return clean
}
