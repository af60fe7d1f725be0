package ingress

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httputil"
	"strings"
	"testing"
	"testing/iotest"
)

// TestReadHead: a head is found across reads, after empty lines, with
// bare LF line ends; one over the limit is refused; what follows it stays
// buffered (pipelining).
func TestReadHead(t *testing.T) {
	for _, tc := range []struct {
		name, in, head, rest string
		limit                int
		err                  error
	}{
		{"whole", "GET / HTTP/1.1\r\nHost: x\r\n\r\nNEXT", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", "NEXT", 1 << 10, nil},
		{"leading empty lines", "\r\n\r\nGET / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\n\r\n", "", 1 << 10, nil},
		{"bare LF", "GET / HTTP/1.1\nHost: x\n\nbody", "GET / HTTP/1.1\nHost: x\n\n", "body", 1 << 10, nil},
		{"too large", "GET / HTTP/1.1\r\nX: " + strings.Repeat("y", 100) + "\r\n\r\n", "", "", 64, errHeadTooLarge},
		{"cut short", "GET / HTTP/1.1\r\nHost", "", "", 1 << 10, io.ErrUnexpectedEOF},
		{"nothing", "", "", "", 1 << 10, io.EOF},
	} {
		// One byte per read, and a 16-byte buffer that must grow.
		rd := newReader(iotest.OneByteReader(strings.NewReader(tc.in)), 16)
		head, err := rd.readHead(tc.limit, nil)
		if err != tc.err || string(head) != tc.head {
			t.Errorf("%s: %q %v, want %q %v", tc.name, head, err, tc.head, tc.err)
			continue
		}
		if err != nil {
			continue
		}
		rest, _ := io.ReadAll(iotest.OneByteReader(rd.src))
		if got := string(rd.buffered()) + string(rest); got != tc.rest {
			t.Errorf("%s: after the head %q, want %q", tc.name, got, tc.rest)
		}
	}
}

// TestCopyBody: bodies are copied as they are, exactly to their end, by
// their framing; broken chunked framing is an error.
func TestCopyBody(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		f        framing
		out      string
		fail     bool
	}{
		{"length", "hello world", framing{bodyLength, 5}, "hello", false},
		{"length cut short", "hel", framing{bodyLength, 5}, "hel", true},
		{"until close", "all of it", framing{kind: bodyClose}, "all of it", false},
		{"none", "next request", framing{}, "", false},
		{"chunked", "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\nNEXT", framing{kind: bodyChunked}, "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n", false},
		{"chunked trailers", "1\r\na\r\n0\r\nX-Sum: 1\r\nY: 2\r\n\r\nNEXT", framing{kind: bodyChunked}, "1\r\na\r\n0\r\nX-Sum: 1\r\nY: 2\r\n\r\n", false},
		{"chunk size trailing space", "1 \r\na\r\n0\r\n\r\n", framing{kind: bodyChunked}, "1 \r\na\r\n0\r\n\r\n", false},
		{"upper-case hex", "A\r\n0123456789\r\n0\r\n\r\n", framing{kind: bodyChunked}, "A\r\n0123456789\r\n0\r\n\r\n", false},
		{"bare LF chunk line", "1\na\r\n0\r\n\r\n", framing{kind: bodyChunked}, "", true},
		{"missing CRLF after data", "1\r\nab\r\n0\r\n\r\n", framing{kind: bodyChunked}, "1\r\na", true},
		{"bad size", "g\r\n", framing{kind: bodyChunked}, "", true},
		{"empty size", "\r\n", framing{kind: bodyChunked}, "", true},
		{"space before extension", "1 ;x\r\na\r\n0\r\n\r\n", framing{kind: bodyChunked}, "", true},
		{"size too large", "fffffffffffffffff\r\n", framing{kind: bodyChunked}, "", true},
		{"bad trailer", "0\r\nno colon\r\n\r\n", framing{kind: bodyChunked}, "0\r\n", true},
		{"cut short", "5\r\nhel", framing{kind: bodyChunked}, "5\r\nhel", true},
	} {
		rd := newReader(iotest.HalfReader(strings.NewReader(tc.in)), 8)
		var out bytes.Buffer
		dst := sink{w: &out, buf: make([]byte, 0, 4)}
		err := copyBody(rd, &dst, tc.f)
		if ferr := dst.flush(); err == nil {
			err = ferr
		}
		if (err != nil) != tc.fail || out.String() != tc.out {
			t.Errorf("%s: copied %q, error %v; want %q, error: %v", tc.name, out.String(), err, tc.out, tc.fail)
		}
	}
}

// TestSinkFlushesBeforeWaiting: what was read is forwarded before the
// copier waits for more (a streamed chunk is not held back).
func TestSinkFlushesBeforeWaiting(t *testing.T) {
	pr, pw := io.Pipe()
	var out lockedBuffer
	dst := sink{w: &out, buf: make([]byte, 0, 1024)}
	rd := newReader(pr, 64)
	done := make(chan error, 1)
	go func() { done <- copyBody(rd, &dst, framing{kind: bodyChunked}) }()
	pw.Write([]byte("5\r\nfirst\r\n"))
	waitFor(t, "the first chunk forwarded", func() bool { return out.String() == "5\r\nfirst\r\n" })
	pw.Write([]byte("0\r\n\r\n"))
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// FuzzParseRequestHead: the parser never panics, and a head it accepts
// net/http accepts too, with the same method, target, Host and body
// framing; the rewritten head parses again.
func FuzzParseRequestHead(f *testing.F) {
	for _, s := range []string{
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST /a?b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
		"GET http://h/p HTTP/1.1\r\nHost: y\r\nConnection: close, x\r\nX: 1\r\n\r\n",
		"GET / HTTP/1.0\nConnection: keep-alive\n\n",
		"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	fw := forwardInfo{clientIP: []byte("192.0.2.1"), fixed: []byte("X-Real-Ip: 192.0.2.1\r\n")}
	f.Fuzz(func(t *testing.T, in []byte) {
		n := headEnd(in, 0)
		if n == 0 {
			return
		}
		raw := in[:n]
		h, err := parseRequestHead(raw, nil)
		if err != nil {
			return
		}
		if _, err := routingPath(h.path); err != nil {
			return // the forwarder refuses it too (400)
		}
		body, ferr := requestFraming(h)
		std, err := http.ReadRequest(bufioReader(raw))
		if err != nil {
			if ferr == nil {
				t.Fatalf("accepted %q, net/http refuses it: %v", raw, err)
			}
			return
		}
		if ferr != nil {
			return // stricter than net/http on framing: fine
		}
		if std.Method != string(h.method) || std.RequestURI != string(h.target) || (std.Host != string(h.host) && !h.absolute) {
			t.Fatalf("%q: net/http reads %s %s host %q; we read %s %s host %q", raw, std.Method, std.RequestURI, std.Host, h.method, h.target, h.host)
		}
		chunked := len(std.TransferEncoding) > 0
		if chunked != (body.kind == bodyChunked) || (!chunked && std.ContentLength != body.n) {
			t.Fatalf("%q: net/http frames the body as chunked=%v length %d; we as %+v", raw, chunked, std.ContentLength, body)
		}
		out := appendRequestHead(nil, h, &fw)
		again, err := parseRequestHead(out, nil)
		if err != nil {
			t.Fatalf("rewritten head %q does not parse: %v", out, err)
		}
		if f2, err := requestFraming(again); err != nil || f2 != body {
			t.Fatalf("rewritten head %q frames as %+v %v, the original as %+v", out, f2, err, body)
		}
	})
}

// FuzzCopyChunked: the chunked copier never panics, copies exactly the
// bytes it consumed, and what it accepts net/http's chunked reader
// decodes too.
func FuzzCopyChunked(f *testing.F) {
	for _, s := range []string{"5\r\nhello\r\n0\r\n\r\n", "1;a=b\r\nx\r\n0\r\nT: v\r\n\r\nrest", "0\r\n\r\n", "a \r\n0123456789\r\n0\r\n\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		src := bytes.NewReader(in)
		rd := newReader(src, 16)
		var out bytes.Buffer
		dst := sink{w: &out, buf: make([]byte, 0, 8)}
		err := copyChunked(rd, &dst)
		dst.flush()
		if !bytes.HasPrefix(in, out.Bytes()) {
			t.Fatalf("copied %q, not a prefix of the input %q", out.Bytes(), in)
		}
		if err != nil {
			return
		}
		// Read from the input and not left in the reader's buffer.
		consumed := len(in) - src.Len() - len(rd.buffered())
		if out.Len() != consumed {
			t.Fatalf("consumed %d bytes, copied %d", consumed, out.Len())
		}
		if _, err := io.ReadAll(httputil.NewChunkedReader(bytes.NewReader(out.Bytes()))); err != nil && !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "too much non-data") {
			t.Fatalf("accepted %q, net/http's chunked reader refuses it: %v", out.Bytes(), err)
		}
	})
}
