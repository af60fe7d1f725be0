package ingress

import (
	"bytes"
	"net/url"
)

// Parsing HTTP/1.1 message heads in place (RFC 9112), for the forwarder:
// the fields are slices of the head, and only the fields that framing,
// routing or rewriting depend on are interpreted. Syntax is checked as
// strictly as net/http's server checks it, so that the ingress and the
// backend cannot disagree on where a message ends.

// kind is a field the forwarder interprets or rewrites.
type kind uint8

const (
	kOther kind = iota
	kHost
	kContentLength
	kTransferEncoding
	kConnection
	kKeepAlive
	kProxyConnection
	kTE
	kTrailer
	kUpgrade
	kForwarded
	kXForwardedFor
	kXForwardedHost
	kXForwardedPort
	kXForwardedProto
	kXRealIP
)

// field is one header field line; value is without surrounding spaces.
type field struct {
	name, value []byte
	kind        kind
}

// head is what requests and responses share.
type head struct {
	fields []field
	minor  int // HTTP/1.minor
	// contentLength is -1 without a Content-Length field.
	contentLength int64
	// badLength: a Content-Length that is not a number, or duplicates
	// that differ.
	badLength bool
	// te is the Transfer-Encoding value; teCount counts those fields.
	te      []byte
	teCount int
	// Connection options.
	close, keepAlive, upgrade bool
	// connNames: Connection names other fields, which are hop-by-hop too.
	connNames bool
}

// requestHead is a parsed request head.
type requestHead struct {
	head
	method, target []byte
	// host is the Host field, or the host of an absolute-form target.
	host      []byte
	hostCount int
	// absolute: the target is absolute-form ("http://host/path"); path
	// is then its path and query, else the target itself.
	absolute bool
	path     []byte
	// upgradeTo is the Upgrade field (the protocol asked for).
	upgradeTo []byte
	// teTrailers: the client accepts trailers ("TE: trailers").
	teTrailers bool
}

// responseHead is a parsed response head.
type responseHead struct {
	head
	status int
	line   []byte // the status line, without its end
}

// httpError is a request the ingress answers itself with code, and then
// closes the connection.
type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

var (
	errMalformed       = &httpError{400, "malformed HTTP request"}
	errBadHeader       = &httpError{400, "malformed MIME header line"}
	errBadHeaderValue  = &httpError{400, "invalid header field value"}
	errBadMethod       = &httpError{400, "invalid method"}
	errBadTarget       = &httpError{400, "invalid request target"}
	errNoHost          = &httpError{400, "missing required Host header"}
	errManyHosts       = &httpError{400, "too many Host headers"}
	errBadHost         = &httpError{400, "malformed Host header"}
	errBadLength       = &httpError{400, "invalid or conflicting Content-Length"}
	errLengthAndTE     = &httpError{400, "both Content-Length and Transfer-Encoding"}
	errManyTE          = &httpError{400, "too many transfer encodings"}
	errTE10            = &httpError{400, "Transfer-Encoding in an HTTP/1.0 request"}
	errUnsupportedTE   = &httpError{501, "unsupported transfer encoding"}
	errVersion         = &httpError{505, "unsupported protocol version"}
	errConnect         = &httpError{405, "CONNECT is not supported"}
	errTooLarge        = &httpError{431, "Request Header Fields Too Large"}
	errBadResponse     = &httpError{502, "malformed response from the backend"}
	errBadResponseBody = &httpError{502, "invalid response framing from the backend"}
)

// parseRequestHead parses a request head as readHead returns it. fields
// is reused for the result's fields.
func parseRequestHead(b []byte, fields []field) (*requestHead, error) {
	h := &requestHead{}
	err := h.parse(b, fields)
	return h, err
}

func (h *requestHead) parse(b []byte, fields []field) error {
	*h = requestHead{head: head{fields: fields[:0], contentLength: -1}}
	line, rest := nextLine(b)
	method, rest1, ok1 := bytes.Cut(line, []byte{' '})
	target, proto, ok2 := bytes.Cut(rest1, []byte{' '})
	if !ok1 || !ok2 {
		return errMalformed
	}
	if !isToken(method) {
		return errBadMethod
	}
	minor, err := parseVersion(proto)
	if err != nil {
		return err
	}
	h.method, h.target, h.minor = method, target, minor
	if len(target) == 0 || !visible(target) {
		return errBadTarget
	}
	if string(method) == "CONNECT" {
		return errConnect
	}
	if err := h.parseFields(rest); err != nil {
		return err
	}
	for i := range h.fields {
		f := &h.fields[i]
		switch f.kind {
		case kHost:
			h.hostCount++
			h.host = f.value
		case kUpgrade:
			h.upgradeTo = f.value
		case kTE:
			h.teTrailers = h.teTrailers || hasToken(f.value, "trailers")
		}
	}
	if err := h.parseTarget(); err != nil {
		return err
	}
	switch {
	case h.hostCount > 1:
		return errManyHosts
	case h.hostCount == 0 && h.minor == 1:
		return errNoHost
	case !validHost(h.host):
		return errBadHost
	}
	return nil
}

// parseTarget finds the path (origin-form "/p?q", asterisk-form "*") and,
// for an absolute-form target, the host, which then overrides Host.
func (h *requestHead) parseTarget() error {
	t := h.target
	h.path = t
	if t[0] == '/' || string(t) == "*" {
		return nil
	}
	i := bytes.Index(t, []byte("://"))
	if i <= 0 || !isScheme(t[:i]) {
		return errBadTarget
	}
	auth := t[i+3:]
	end := bytes.IndexAny(auth, "/?")
	path := []byte("/")
	if end >= 0 {
		path = auth[end:]
		auth = auth[:end]
	}
	if len(path) > 0 && path[0] == '?' {
		// "http://h?q": the path is empty, which means "/".
		return errBadTarget
	}
	if len(auth) == 0 || bytes.IndexByte(auth, '@') >= 0 {
		return errBadTarget
	}
	// Absolute form is rare (clients talking to a proxy): let net/url
	// judge its escapes, so exactly what net/http refuses is refused.
	if _, err := url.ParseRequestURI(string(t)); err != nil {
		return errBadTarget
	}
	h.absolute, h.host, h.path = true, auth, path
	if h.hostCount == 0 {
		h.hostCount = 1
	}
	return nil
}

func isScheme(b []byte) bool {
	return eqFold(b, "http") || eqFold(b, "https")
}

// parseResponseHead parses a response head as readHead returns it.
func parseResponseHead(b []byte, fields []field) (*responseHead, error) {
	h := &responseHead{}
	err := h.parse(b, fields)
	return h, err
}

func (h *responseHead) parse(b []byte, fields []field) error {
	*h = responseHead{head: head{fields: fields[:0], contentLength: -1}}
	line, rest := nextLine(b)
	proto, status, _ := bytes.Cut(line, []byte{' '})
	minor, err := parseVersion(proto)
	if err != nil {
		return errBadResponse
	}
	h.minor, h.line = minor, line
	code, reason, _ := bytes.Cut(status, []byte{' '})
	if len(code) != 3 || !isDigits(code) || code[0] == '0' || hasCTL(reason) {
		return errBadResponse
	}
	h.status = int(code[0]-'0')*100 + int(code[1]-'0')*10 + int(code[2]-'0')
	if err := h.parseFields(rest); err != nil {
		return errBadResponse
	}
	return nil
}

// parseVersion accepts HTTP/1.0 and HTTP/1.1.
func parseVersion(proto []byte) (minor int, err error) {
	switch string(proto) {
	case "HTTP/1.1":
		return 1, nil
	case "HTTP/1.0":
		return 0, nil
	}
	if len(proto) == 8 && string(proto[:5]) == "HTTP/" && isDigits(proto[5:6]) && proto[6] == '.' && isDigits(proto[7:]) {
		return 0, errVersion
	}
	return 0, errMalformed
}

// parseFields parses the field lines of b (after the start line, through
// the empty line) and what the message's framing depends on.
func (h *head) parseFields(b []byte) error {
	for {
		line, rest := nextLine(b)
		if len(line) == 0 {
			if len(rest) != 0 {
				return errMalformed // readHead ends a head at its empty line
			}
			return nil
		}
		b = rest
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !isToken(line[:colon]) {
			// Also a line folded onto the previous one (obs-fold), which
			// RFC 9112 section 5.2 lets a server reject.
			return errBadHeader
		}
		name, value := line[:colon], trimOWS(line[colon+1:])
		if hasCTL(value) {
			return errBadHeaderValue
		}
		f := field{name: name, value: value, kind: fieldKind(name)}
		h.fields = append(h.fields, f)
		h.note(f)
	}
}

// note records what a field says about framing and the connection.
func (h *head) note(f field) {
	switch f.kind {
	case kContentLength:
		n, ok := parseLength(f.value)
		if !ok || (h.contentLength >= 0 && n != h.contentLength) {
			h.badLength = true
		}
		h.contentLength = n
	case kTransferEncoding:
		h.te = f.value
		h.teCount++
	case kConnection:
		for tok := range tokens(f.value) {
			switch {
			case eqFold(tok, "close"):
				h.close = true
			case eqFold(tok, "keep-alive"):
				h.keepAlive = true
			case eqFold(tok, "upgrade"):
				h.upgrade = true
			default:
				h.connNames = true
			}
		}
	}
}

// nextLine splits b after its first line; line has no line end. A line
// without '\n' is the whole of b.
func nextLine(b []byte) (line, rest []byte) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return b, nil
	}
	line, rest = b[:i], b[i+1:]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, rest
}

// fieldKind classifies a field name, case-insensitively.
func fieldKind(name []byte) kind {
	switch len(name) {
	case 2:
		if eqFold(name, "te") {
			return kTE
		}
	case 4:
		if eqFold(name, "host") {
			return kHost
		}
	case 7:
		if eqFold(name, "upgrade") {
			return kUpgrade
		}
		if eqFold(name, "trailer") {
			return kTrailer
		}
	case 9:
		if eqFold(name, "forwarded") {
			return kForwarded
		}
		if eqFold(name, "x-real-ip") {
			return kXRealIP
		}
	case 10:
		if eqFold(name, "connection") {
			return kConnection
		}
		if eqFold(name, "keep-alive") {
			return kKeepAlive
		}
	case 14:
		if eqFold(name, "content-length") {
			return kContentLength
		}
	case 15:
		if eqFold(name, "x-forwarded-for") {
			return kXForwardedFor
		}
	case 16:
		switch {
		case eqFold(name, "proxy-connection"):
			return kProxyConnection
		case eqFold(name, "x-forwarded-host"):
			return kXForwardedHost
		case eqFold(name, "x-forwarded-port"):
			return kXForwardedPort
		}
	case 17:
		if eqFold(name, "transfer-encoding") {
			return kTransferEncoding
		}
		if eqFold(name, "x-forwarded-proto") {
			return kXForwardedProto
		}
	}
	return kOther
}

// eqFold: b equals lower, a lower-case ASCII string, ignoring case.
func eqFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// tokens yields the comma-separated elements of a field value, trimmed,
// skipping empty ones.
func tokens(v []byte) func(func([]byte) bool) {
	return func(yield func([]byte) bool) {
		for len(v) > 0 {
			var tok []byte
			tok, v, _ = bytes.Cut(v, []byte{','})
			if tok = trimOWS(tok); len(tok) > 0 && !yield(tok) {
				return
			}
		}
	}
}

func hasToken(v []byte, lower string) bool {
	for tok := range tokens(v) {
		if eqFold(tok, lower) {
			return true
		}
	}
	return false
}

// parseLength parses a Content-Length value: decimal digits only, no
// sign, fitting an int64.
func parseLength(v []byte) (int64, bool) {
	if len(v) == 0 || len(v) > 18 || !isDigits(v) {
		return -1, false
	}
	var n int64
	for _, c := range v {
		n = n*10 + int64(c-'0')
	}
	return n, true
}

func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// hasCTL: a control character other than horizontal tab, which a field
// value must not contain (a bare CR or LF would split the message
// differently for another parser).
func hasCTL(b []byte) bool {
	for _, c := range b {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return true
		}
	}
	return false
}

// visible: no spaces nor control characters.
func visible(b []byte) bool {
	for _, c := range b {
		if c <= ' ' || c == 0x7f {
			return false
		}
	}
	return true
}

// isToken: a non-empty RFC 9110 token (method, field name).
func isToken(b []byte) bool {
	for _, c := range b {
		if !tokenByte(c) {
			return false
		}
	}
	return len(b) > 0
}

func tokenByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

// validHost: the bytes a Host value may hold (reg-name, IP literal, port).
func validHost(b []byte) bool {
	for _, c := range b {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			continue
		}
		switch c {
		case '-', '.', '_', '~', '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=', ':', '[', ']', '%':
			continue
		}
		return false
	}
	return true
}
