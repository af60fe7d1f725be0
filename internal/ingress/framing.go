package ingress

// How a message's body ends (RFC 9112 section 6), and whether a
// connection can carry another message after it: pure decisions over
// parsed heads.

type bodyKind uint8

const (
	bodyNone    bodyKind = iota
	bodyLength           // Content-Length bytes
	bodyChunked          // chunked, through the last chunk and trailers
	bodyClose            // until the connection closes (responses only)
)

type framing struct {
	kind bodyKind
	n    int64 // for bodyLength
}

// requestFraming: a request body is chunked or has a Content-Length, else
// there is none. Anything ambiguous is refused, as net/http and nginx
// refuse it, because a backend reading the message differently would
// take part of the body for another request (smuggling).
func requestFraming(h *requestHead) (framing, error) {
	if h.teCount > 0 {
		switch {
		case h.minor == 0:
			return framing{}, errTE10
		case h.contentLength >= 0 || h.badLength:
			return framing{}, errLengthAndTE
		case h.teCount > 1:
			return framing{}, errManyTE
		case !eqFold(h.te, "chunked"):
			return framing{}, errUnsupportedTE
		}
		return framing{kind: bodyChunked}, nil
	}
	if h.badLength {
		return framing{}, errBadLength
	}
	if h.contentLength > 0 {
		return framing{kind: bodyLength, n: h.contentLength}, nil
	}
	return framing{}, nil
}

// responseFraming: no body for HEAD, 1xx, 204 and 304; chunked when the
// last transfer coding is chunked (it overrides a Content-Length); read
// until close for any other transfer coding or without a length.
func responseFraming(headRequest bool, h *responseHead) (framing, error) {
	if headRequest || h.status < 200 || h.status == 204 || h.status == 304 {
		return framing{}, nil
	}
	if h.teCount > 0 {
		if lastToken(h.te, "chunked") {
			return framing{kind: bodyChunked}, nil
		}
		return framing{kind: bodyClose}, nil
	}
	if h.badLength {
		return framing{}, errBadResponseBody
	}
	if h.contentLength >= 0 {
		return framing{kind: bodyLength, n: h.contentLength}, nil
	}
	return framing{kind: bodyClose}, nil
}

// lastToken: the last comma-separated element of v is lower.
func lastToken(v []byte, lower string) bool {
	last := []byte(nil)
	for tok := range tokens(v) {
		last = tok
	}
	return eqFold(last, lower)
}

// keepClient: the client's connection carries another request after this
// exchange. HTTP/1.0 clients keep it only when they ask to and the
// response has a length.
func keepClient(req *requestHead, resp framing) bool {
	switch {
	case req.close || resp.kind == bodyClose:
		return false
	case req.minor == 0:
		return req.keepAlive && resp.kind != bodyChunked
	}
	return true
}

// keepBackend: the backend's connection carries another request after
// this exchange, once both bodies have ended cleanly. A request is sent
// with the client's HTTP version and without its Connection field, so an
// HTTP/1.0 request closes it; a response with both a transfer coding and
// a length is suspect, so its connection is not trusted again.
func keepBackend(req *requestHead, resp *responseHead, f framing) bool {
	switch {
	case req.minor == 0 || resp.close || f.kind == bodyClose:
		return false
	case resp.teCount > 0 && resp.contentLength >= 0:
		return false
	case resp.minor == 0:
		return resp.keepAlive
	}
	return true
}

// upgrading: the request asks to switch protocols (WebSocket).
func upgrading(req *requestHead) bool {
	return req.upgrade && len(req.upgradeTo) > 0
}
