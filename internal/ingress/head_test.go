package ingress

import (
	"errors"
	"strings"
	"testing"
)

// crlf turns "|" into line ends, to keep heads on one line.
func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "|", "\r\n")) }

func code(err error) int {
	var he *httpError
	if errors.As(err, &he) {
		return he.code
	}
	if err != nil {
		return -1
	}
	return 0
}

// TestParseRequestHead: what the forwarder takes from a request head, and
// the status it answers a head it refuses with (0: accepted).
func TestParseRequestHead(t *testing.T) {
	for _, tc := range []struct {
		name, raw            string
		code                 int
		method, host, path   string
		minor                int
		close, keep, upgrade bool
	}{
		{name: "simple", raw: "GET /a?b=1 HTTP/1.1|Host: x.test||", method: "GET", host: "x.test", path: "/a?b=1", minor: 1},
		{name: "bare LF", raw: "GET / HTTP/1.1\nHost: x\n\n", method: "GET", host: "x", path: "/", minor: 1},
		{name: "spaces around value", raw: "GET / HTTP/1.1|Host: \t x.test \t||", method: "GET", host: "x.test", path: "/", minor: 1},
		{name: "1.0 without Host", raw: "GET / HTTP/1.0||", method: "GET", path: "/", minor: 0},
		{name: "1.1 without Host", raw: "GET / HTTP/1.1||", code: 400},
		{name: "two Hosts", raw: "GET / HTTP/1.1|Host: a|Host: b||", code: 400},
		{name: "bad Host", raw: "GET / HTTP/1.1|Host: a/b||", code: 400},
		{name: "absolute form", raw: "GET http://abs.test:8080/p?q HTTP/1.1|Host: other||", method: "GET", host: "abs.test:8080", path: "/p?q", minor: 1},
		{name: "absolute form without path", raw: "GET http://abs.test HTTP/1.1|Host: abs.test||", method: "GET", host: "abs.test", path: "/", minor: 1},
		{name: "asterisk", raw: "OPTIONS * HTTP/1.1|Host: x||", method: "OPTIONS", host: "x", path: "*", minor: 1},
		{name: "connection options", raw: "GET / HTTP/1.1|Host: x|Connection: keep-alive, Upgrade|Connection: close|Upgrade: websocket||", method: "GET", host: "x", path: "/", minor: 1, close: true, keep: true, upgrade: true},
		{name: "HTTP/2 line", raw: "GET / HTTP/2.0|Host: x||", code: 505},
		{name: "junk version", raw: "GET / HTTPS/1.1|Host: x||", code: 400},
		{name: "two spaces", raw: "GET  / HTTP/1.1|Host: x||", code: 400},
		{name: "space in target", raw: "GET /a b HTTP/1.1|Host: x||", code: 400},
		{name: "no target", raw: "GET HTTP/1.1|Host: x||", code: 400},
		{name: "bad method", raw: "G(T / HTTP/1.1|Host: x||", code: 400},
		{name: "relative target", raw: "GET a/b HTTP/1.1|Host: x||", code: 400},
		{name: "CONNECT", raw: "CONNECT x:443 HTTP/1.1|Host: x:443||", code: 405},
		{name: "space before colon", raw: "GET / HTTP/1.1|Host: x|Foo : bar||", code: 400},
		{name: "folded line", raw: "GET / HTTP/1.1|Host: x|Foo: bar| baz||", code: 400},
		{name: "no colon", raw: "GET / HTTP/1.1|Host: x|Foo||", code: 400},
		{name: "empty name", raw: "GET / HTTP/1.1|Host: x|: v||", code: 400},
		{name: "CR in value", raw: "GET / HTTP/1.1|Host: x|Foo: a\rb||", code: 400},
		{name: "NUL in value", raw: "GET / HTTP/1.1|Host: x|Foo: a\x00b||", code: 400},
		{name: "tab and high bytes in value", raw: "GET / HTTP/1.1|Host: x|Foo: a\tb\xff||", method: "GET", host: "x", path: "/", minor: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := parseRequestHead(crlf(tc.raw), nil)
			if got := code(err); got != tc.code {
				t.Fatalf("status %d (%v), want %d", got, err, tc.code)
			}
			if tc.code != 0 {
				return
			}
			if string(h.method) != tc.method || string(h.host) != tc.host || string(h.path) != tc.path || h.minor != tc.minor {
				t.Errorf("got %q host %q path %q minor %d, want %q %q %q %d", h.method, h.host, h.path, h.minor, tc.method, tc.host, tc.path, tc.minor)
			}
			if h.close != tc.close || h.keepAlive != tc.keep || h.upgrade != tc.upgrade {
				t.Errorf("connection close=%v keep-alive=%v upgrade=%v, want %v %v %v", h.close, h.keepAlive, h.upgrade, tc.close, tc.keep, tc.upgrade)
			}
		})
	}
}

// TestParseResponseHead: status lines and fields of responses.
func TestParseResponseHead(t *testing.T) {
	for _, tc := range []struct {
		raw    string
		ok     bool
		status int
		length int64
	}{
		{"HTTP/1.1 200 OK|Content-Length: 5||", true, 200, 5},
		{"HTTP/1.1 204||", true, 204, -1},
		{"HTTP/1.0 404 Not Found||", true, 404, -1},
		{"HTTP/1.1 100 Continue||", true, 100, -1},
		{"HTTP/1.1 20 OK||", false, 0, 0},
		{"HTTP/1.1 099 X||", false, 0, 0},
		{"HTTP/1.1 2x0 OK||", false, 0, 0},
		{"HTTP/3 200 OK||", false, 0, 0},
		{"HTTP/1.1 200 OK|Bad Field: x||", false, 0, 0},
	} {
		h, err := parseResponseHead(crlf(tc.raw), nil)
		if (err == nil) != tc.ok {
			t.Errorf("%q: error %v, want ok=%v", tc.raw, err, tc.ok)
			continue
		}
		if tc.ok && (h.status != tc.status || h.contentLength != tc.length) {
			t.Errorf("%q: status %d length %d, want %d %d", tc.raw, h.status, h.contentLength, tc.status, tc.length)
		}
	}
}

// TestRequestFraming: where a request body ends, and the ambiguous
// framings refused as net/http and nginx refuse them (smuggling).
func TestRequestFraming(t *testing.T) {
	for _, tc := range []struct {
		name, fields string
		minor        int
		want         framing
		code         int
	}{
		{name: "none", want: framing{}},
		{name: "length", fields: "Content-Length: 12|", want: framing{bodyLength, 12}},
		{name: "zero length", fields: "Content-Length: 0|", want: framing{}},
		{name: "same length twice", fields: "Content-Length: 3|Content-Length: 3|", want: framing{bodyLength, 3}},
		{name: "differing lengths", fields: "Content-Length: 3|Content-Length: 4|", code: 400},
		{name: "length list", fields: "Content-Length: 3, 3|", code: 400},
		{name: "signed length", fields: "Content-Length: +3|", code: 400},
		{name: "huge length", fields: "Content-Length: 99999999999999999999|", code: 400},
		{name: "chunked", fields: "Transfer-Encoding: chunked|", want: framing{kind: bodyChunked}},
		{name: "chunked any case", fields: "transfer-encoding: Chunked|", want: framing{kind: bodyChunked}},
		{name: "chunked and length", fields: "Transfer-Encoding: chunked|Content-Length: 3|", code: 400},
		{name: "length and chunked", fields: "Content-Length: 3|Transfer-Encoding: chunked|", code: 400},
		{name: "two encodings", fields: "Transfer-Encoding: chunked|Transfer-Encoding: chunked|", code: 400},
		{name: "gzip", fields: "Transfer-Encoding: gzip, chunked|", code: 501},
		{name: "identity", fields: "Transfer-Encoding: identity|", code: 501},
		{name: "chunked in HTTP/1.0", fields: "Transfer-Encoding: chunked|", minor: -1, code: 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			proto := "HTTP/1.1"
			if tc.minor < 0 {
				proto = "HTTP/1.0"
			}
			h, err := parseRequestHead(crlf("POST / "+proto+"|Host: x|"+tc.fields+"|"), nil)
			if err != nil {
				t.Fatal(err)
			}
			f, err := requestFraming(h)
			if got := code(err); got != tc.code {
				t.Fatalf("status %d (%v), want %d", got, err, tc.code)
			}
			if err == nil && f != tc.want {
				t.Errorf("framing %+v, want %+v", f, tc.want)
			}
		})
	}
}

// TestResponseFraming: where a response body ends (RFC 9112 section 6.3).
func TestResponseFraming(t *testing.T) {
	for _, tc := range []struct {
		name, head string
		headReq    bool
		want       framing
		bad        bool
	}{
		{name: "length", head: "HTTP/1.1 200 OK|Content-Length: 7|", want: framing{bodyLength, 7}},
		{name: "zero length", head: "HTTP/1.1 200 OK|Content-Length: 0|", want: framing{bodyLength, 0}},
		{name: "chunked", head: "HTTP/1.1 200 OK|Transfer-Encoding: chunked|", want: framing{kind: bodyChunked}},
		{name: "chunked overrides length", head: "HTTP/1.1 200 OK|Content-Length: 7|Transfer-Encoding: chunked|", want: framing{kind: bodyChunked}},
		{name: "gzip then chunked", head: "HTTP/1.1 200 OK|Transfer-Encoding: gzip, chunked|", want: framing{kind: bodyChunked}},
		{name: "not chunked last", head: "HTTP/1.1 200 OK|Transfer-Encoding: chunked, gzip|", want: framing{kind: bodyClose}},
		{name: "no length", head: "HTTP/1.1 200 OK|", want: framing{kind: bodyClose}},
		{name: "HEAD", head: "HTTP/1.1 200 OK|Content-Length: 7|", headReq: true, want: framing{}},
		{name: "204", head: "HTTP/1.1 204 No Content|Content-Length: 7|", want: framing{}},
		{name: "304", head: "HTTP/1.1 304 Not Modified|Transfer-Encoding: chunked|", want: framing{}},
		{name: "100", head: "HTTP/1.1 100 Continue|", want: framing{}},
		{name: "bad length", head: "HTTP/1.1 200 OK|Content-Length: x|", bad: true},
		{name: "differing lengths", head: "HTTP/1.1 200 OK|Content-Length: 1|Content-Length: 2|", bad: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := parseResponseHead(crlf(tc.head+"|"), nil)
			if err != nil {
				t.Fatal(err)
			}
			f, err := responseFraming(tc.headReq, h)
			if (err != nil) != tc.bad || (err == nil && f != tc.want) {
				t.Errorf("framing %+v %v, want %+v (error: %v)", f, err, tc.want, tc.bad)
			}
		})
	}
}

// TestKeepConnections: which connections carry another message.
func TestKeepConnections(t *testing.T) {
	for _, tc := range []struct {
		name, req, resp    string
		keepClient, keepBE bool
	}{
		{"1.1 both", "GET / HTTP/1.1|Host: x|", "HTTP/1.1 200 OK|Content-Length: 1|", true, true},
		{"client close", "GET / HTTP/1.1|Host: x|Connection: close|", "HTTP/1.1 200 OK|Content-Length: 1|", false, true},
		{"backend close", "GET / HTTP/1.1|Host: x|", "HTTP/1.1 200 OK|Content-Length: 1|Connection: close|", true, false},
		{"close-delimited", "GET / HTTP/1.1|Host: x|", "HTTP/1.1 200 OK|", false, false},
		{"1.0 client", "GET / HTTP/1.0|", "HTTP/1.1 200 OK|Content-Length: 1|", false, false},
		{"1.0 keep-alive client", "GET / HTTP/1.0|Connection: keep-alive|", "HTTP/1.0 200 OK|Content-Length: 1|", true, false},
		{"1.0 backend", "GET / HTTP/1.1|Host: x|", "HTTP/1.0 200 OK|Content-Length: 1|", true, false},
		{"1.0 keep-alive backend", "GET / HTTP/1.1|Host: x|", "HTTP/1.0 200 OK|Content-Length: 1|Connection: keep-alive|", true, true},
		{"chunked and length", "GET / HTTP/1.1|Host: x|", "HTTP/1.1 200 OK|Content-Length: 1|Transfer-Encoding: chunked|", true, false},
	} {
		req, err := parseRequestHead(crlf(tc.req+"|"), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := parseResponseHead(crlf(tc.resp+"|"), nil)
		if err != nil {
			t.Fatal(err)
		}
		f, _ := responseFraming(false, resp)
		if got := keepClient(req, f); got != tc.keepClient {
			t.Errorf("%s: keepClient %v, want %v", tc.name, got, tc.keepClient)
		}
		if got := keepBackend(req, resp, f); got != tc.keepBE {
			t.Errorf("%s: keepBackend %v, want %v", tc.name, got, tc.keepBE)
		}
	}
}

// TestAppendRequestHead: the head sent to the backend loses hop-by-hop
// fields and client-set forwarding fields, and gains the X-Forwarded
// ones; an upgrade keeps Upgrade; X-Forwarded-For is appended to.
func TestAppendRequestHead(t *testing.T) {
	fw := forwardInfo{clientIP: []byte("192.0.2.1"), fixed: []byte("X-Forwarded-Proto: http\r\nX-Forwarded-Port: 80\r\nX-Real-Ip: 192.0.2.1\r\n")}
	tail := "X-Forwarded-Proto: http|X-Forwarded-Port: 80|X-Real-Ip: 192.0.2.1||"
	for _, tc := range []struct{ name, in, want string }{
		{"plain",
			"GET /p?q HTTP/1.1|Host: a.test|Accept: */*||",
			"GET /p?q HTTP/1.1|Host: a.test|Accept: */*|X-Forwarded-For: 192.0.2.1|X-Forwarded-Host: a.test|" + tail},
		{"hop-by-hop and forwarding fields",
			"POST / HTTP/1.1|Host: a|Connection: keep-alive, X-Secret|Keep-Alive: 5|Proxy-Connection: x|TE: gzip|Trailer: T|Upgrade: h2c|X-Secret: s|Content-Length: 2|Forwarded: for=1|X-Forwarded-Host: evil|X-Forwarded-Proto: https|X-Forwarded-Port: 1|X-Real-Ip: 6.6.6.6|X-Forwarded-For: 10.0.0.1|X-Forwarded-For: 10.0.0.2, 10.0.0.3||",
			"POST / HTTP/1.1|Host: a|Content-Length: 2|X-Forwarded-For: 10.0.0.1, 10.0.0.2, 10.0.0.3, 192.0.2.1|X-Forwarded-Host: a|" + tail},
		{"Connection cannot drop framing",
			"POST / HTTP/1.1|Host: a|Connection: content-length, host|Content-Length: 2||",
			"POST / HTTP/1.1|Host: a|Content-Length: 2|X-Forwarded-For: 192.0.2.1|X-Forwarded-Host: a|" + tail},
		{"TE trailers kept",
			"GET / HTTP/1.1|Host: a|TE: trailers||",
			"GET / HTTP/1.1|Host: a|Te: trailers|X-Forwarded-For: 192.0.2.1|X-Forwarded-Host: a|" + tail},
		{"upgrade",
			"GET /ws HTTP/1.1|Host: a|Connection: Upgrade|Upgrade: websocket||",
			"GET /ws HTTP/1.1|Host: a|Upgrade: websocket|Connection: Upgrade|X-Forwarded-For: 192.0.2.1|X-Forwarded-Host: a|" + tail},
		{"absolute form",
			"GET http://b.test/x HTTP/1.1|Host: ignored||",
			"GET /x HTTP/1.1|Host: b.test|X-Forwarded-For: 192.0.2.1|X-Forwarded-Host: b.test|" + tail},
		{"HTTP/1.0 without Host",
			"GET / HTTP/1.0||",
			"GET / HTTP/1.0|X-Forwarded-For: 192.0.2.1|" + tail},
	} {
		h, err := parseRequestHead(crlf(tc.in), nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := string(appendRequestHead(nil, h, &fw)); got != string(crlf(tc.want)) {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, crlf(tc.want))
		}
	}
}

// TestAppendResponseHead: the head sent to the client loses hop-by-hop
// fields and says whether the connection stays.
func TestAppendResponseHead(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		keep     bool
		minor    int
		want     string
	}{
		{"keep", "HTTP/1.1 200 OK|Content-Length: 1|Keep-Alive: timeout=5|Connection: keep-alive||", true, 1,
			"HTTP/1.1 200 OK|Content-Length: 1||"},
		{"close", "HTTP/1.1 200 OK|Content-Length: 1||", false, 1,
			"HTTP/1.1 200 OK|Content-Length: 1|Connection: close||"},
		{"1.0 keep-alive", "HTTP/1.0 200 OK|Content-Length: 1||", true, 0,
			"HTTP/1.0 200 OK|Content-Length: 1|Connection: keep-alive||"},
		{"named by Connection", "HTTP/1.1 200 OK|Connection: X-Hop|X-Hop: 1|X-End: 2|Content-Length: 0||", true, 1,
			"HTTP/1.1 200 OK|X-End: 2|Content-Length: 0||"},
		{"length dropped for chunked", "HTTP/1.1 200 OK|Content-Length: 1|Transfer-Encoding: chunked|Trailer: X||", true, 1,
			"HTTP/1.1 200 OK|Transfer-Encoding: chunked|Trailer: X||"},
	} {
		h, err := parseResponseHead(crlf(tc.in), nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := string(appendResponseHead(nil, h, tc.keep, tc.minor)); got != string(crlf(tc.want)) {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, crlf(tc.want))
		}
	}
}
