package ingress

import (
	"bytes"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Writing the heads the forwarder sends on: the received head, less the
// hop-by-hop fields (RFC 9110 section 7.6.1) and what the ingress sets
// itself, plus the X-Forwarded fields, as the net/http path's rewrite
// does. Fields are written as received.

// forwardInfo is what a client connection's requests say about it.
type forwardInfo struct {
	clientIP []byte
	// fixed are the X-Forwarded-Proto, X-Forwarded-Port and X-Real-Ip
	// lines, the same for every request of the connection.
	fixed []byte
}

func newForwardInfo(remote, local net.Addr, proto string) forwardInfo {
	var fw forwardInfo
	ip := ""
	if host, _, err := net.SplitHostPort(remote.String()); err == nil {
		ip = host
		fw.clientIP = []byte(host)
	}
	fw.fixed = append(fw.fixed, "X-Forwarded-Proto: "+proto+"\r\n"...)
	if _, port, err := net.SplitHostPort(local.String()); err == nil {
		fw.fixed = append(fw.fixed, "X-Forwarded-Port: "+port+"\r\n"...)
	}
	if ip != "" {
		fw.fixed = append(fw.fixed, "X-Real-Ip: "+ip+"\r\n"...)
	}
	return fw
}

// appendRequestHead appends the head sent to the backend: origin-form
// target, Host, the client's end-to-end fields, and the X-Forwarded ones.
func appendRequestHead(dst []byte, h *requestHead, fw *forwardInfo) []byte {
	dst = append(dst, h.method...)
	dst = append(dst, ' ')
	dst = append(dst, h.path...)
	dst = append(dst, " HTTP/1."...)
	dst = append(dst, byte('0'+h.minor))
	dst = append(dst, "\r\n"...)
	if h.absolute {
		dst = appendField(dst, "Host", h.host)
	}
	up := upgrading(h)
	for _, f := range h.fields {
		if dropRequestField(h, f, up) {
			continue
		}
		dst = append(dst, f.name...)
		dst = append(dst, ": "...)
		dst = append(dst, f.value...)
		dst = append(dst, "\r\n"...)
	}
	if up {
		dst = append(dst, "Connection: Upgrade\r\n"...)
	}
	if h.teTrailers {
		dst = append(dst, "Te: trailers\r\n"...)
	}
	dst = append(dst, "X-Forwarded-For: "...)
	for _, f := range h.fields {
		if f.kind == kXForwardedFor && len(f.value) > 0 {
			dst = append(dst, f.value...)
			dst = append(dst, ", "...)
		}
	}
	dst = append(dst, fw.clientIP...)
	dst = append(dst, "\r\n"...)
	if len(h.host) > 0 {
		dst = appendField(dst, "X-Forwarded-Host", h.host)
	}
	dst = append(dst, fw.fixed...)
	return append(dst, "\r\n"...)
}

func dropRequestField(h *requestHead, f field, upgrading bool) bool {
	switch f.kind {
	case kHost:
		return h.absolute
	case kContentLength, kTransferEncoding:
		return false
	case kUpgrade:
		return !upgrading
	case kOther:
		return h.connNames && namedByConnection(&h.head, f.name)
	}
	// Hop-by-hop, or set by the ingress.
	return true
}

// appendResponseHead appends the head sent to the client: the backend's
// status line and end-to-end fields, and whether the connection stays.
func appendResponseHead(dst []byte, h *responseHead, keep bool, clientMinor int) []byte {
	dst = append(dst, h.line...)
	dst = append(dst, "\r\n"...)
	for _, f := range h.fields {
		if dropResponseField(h, f) {
			continue
		}
		dst = append(dst, f.name...)
		dst = append(dst, ": "...)
		dst = append(dst, f.value...)
		dst = append(dst, "\r\n"...)
	}
	switch {
	case !keep:
		dst = append(dst, "Connection: close\r\n"...)
	case clientMinor == 0:
		dst = append(dst, "Connection: keep-alive\r\n"...)
	}
	return append(dst, "\r\n"...)
}

func dropResponseField(h *responseHead, f field) bool {
	switch f.kind {
	case kConnection, kKeepAlive, kProxyConnection, kTE, kUpgrade:
		return true
	case kContentLength:
		// A transfer coding overrides it; a sender must not pass both on
		// (RFC 9112 section 6.3).
		return h.teCount > 0
	case kOther:
		return h.connNames && namedByConnection(&h.head, f.name)
	}
	return false
}

// namedByConnection: a Connection field lists name, making it hop-by-hop.
func namedByConnection(h *head, name []byte) bool {
	for _, f := range h.fields {
		if f.kind != kConnection {
			continue
		}
		for tok := range tokens(f.value) {
			if bytes.EqualFold(tok, name) {
				return true
			}
		}
	}
	return false
}

func appendField(dst []byte, name string, value []byte) []byte {
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	dst = append(dst, value...)
	return append(dst, "\r\n"...)
}

// appendError appends a whole response the ingress makes itself, with a
// text body as http.Error writes it.
func appendError(dst []byte, code int, body string, keep bool) []byte {
	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(code), 10)
	dst = append(dst, ' ')
	dst = append(dst, http.StatusText(code)...)
	dst = append(dst, "\r\nDate: "...)
	dst = time.Now().UTC().AppendFormat(dst, http.TimeFormat)
	dst = append(dst, "\r\nContent-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nContent-Length: "...)
	dst = strconv.AppendInt(dst, int64(len(body)+1), 10)
	if !keep {
		dst = append(dst, "\r\nConnection: close"...)
	}
	dst = append(dst, "\r\n\r\n"...)
	dst = append(dst, body...)
	return append(dst, '\n')
}
