package ingress

import (
	"bytes"
	"errors"
	"io"
)

// reader is the forwarder's buffered reader of one connection. Unlike
// bufio.Reader it grows to hold a whole message head, so the head can be
// parsed in place, and it hands out its buffered bytes so that a body is
// forwarded from the same buffer it was read into.
type reader struct {
	src  io.Reader
	buf  []byte
	r, w int // unread bytes are buf[r:w]
	// size is the buffer size kept between messages: a buffer grown for a
	// large head shrinks back to it.
	size int
}

var (
	errHeadTooLarge = errors.New("message head too large")
	errLineTooLong  = errors.New("line too long")
)

func newReader(src io.Reader, size int) *reader {
	return &reader{src: src, buf: make([]byte, size), size: size}
}

// buffered are the bytes read but not consumed yet.
func (rd *reader) buffered() []byte { return rd.buf[rd.r:rd.w] }

func (rd *reader) discard(n int) { rd.r += n }

// fill reads more bytes from src (at least one, or an error), making room
// at the end of the buffer first.
func (rd *reader) fill() error {
	if rd.r == rd.w {
		rd.r, rd.w = 0, 0
		if len(rd.buf) > rd.size {
			rd.buf = make([]byte, rd.size)
		}
	} else if rd.w == len(rd.buf) {
		rd.w = copy(rd.buf, rd.buf[rd.r:rd.w])
		rd.r = 0
	}
	for {
		n, err := rd.src.Read(rd.buf[rd.w:])
		rd.w += n
		if n > 0 {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// grow makes room for at least one more byte when the unread bytes fill
// the whole buffer.
func (rd *reader) grow() {
	if rd.r > 0 || rd.w < len(rd.buf) {
		return
	}
	bigger := make([]byte, 2*len(rd.buf))
	rd.w = copy(bigger, rd.buf[rd.r:rd.w])
	rd.r = 0
	rd.buf = bigger
}

// readHead returns the next message head, up to and including the empty
// line that ends it, and consumes it; empty lines before it are skipped
// (RFC 9112 section 2.2). The head stays valid until the next fill. A
// head longer than limit bytes is errHeadTooLarge. started is called once
// when the first byte of the head is in (to switch from the idle timeout
// to the header timeout).
func (rd *reader) readHead(limit int, started func()) ([]byte, error) {
	scanned := 0 // bytes of buffered() known not to end the head
	begun := false
	for {
		b := rd.buffered()
		for len(b) > 0 && (b[0] == '\r' || b[0] == '\n') && scanned == 0 {
			rd.r++
			b = b[1:]
		}
		if n := headEnd(b, scanned); n > 0 {
			if n > limit {
				return nil, errHeadTooLarge
			}
			rd.r += n
			return b[:n], nil
		}
		if len(b) > limit {
			return nil, errHeadTooLarge
		}
		scanned = max(0, len(b)-3)
		if len(b) > 0 && !begun {
			begun = true
			if started != nil {
				started()
			}
		}
		rd.grow()
		if err := rd.fill(); err != nil {
			if err == io.EOF && len(rd.buffered()) > 0 {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
}

// headEnd is the length of the head at the start of b, through the empty
// line ending it ("\r\n\r\n", or bare "\n" line ends as net/http accepts
// them), or 0 when b does not hold a whole head yet. The search starts at
// from.
func headEnd(b []byte, from int) int {
	for i := from; ; {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return 0
		}
		i += j + 1
		switch {
		case i < len(b) && b[i] == '\n':
			return i + 1
		case i+1 < len(b) && b[i] == '\r' && b[i+1] == '\n':
			return i + 2
		}
	}
}

// readLine returns the next line, through its '\n', without consuming
// it; the caller discards it. Before reading more it calls flush (the
// bytes forwarded so far go out before waiting for more).
func (rd *reader) readLine(limit int, flush func() error) ([]byte, error) {
	scanned := 0
	for {
		b := rd.buffered()
		if i := bytes.IndexByte(b[scanned:], '\n'); i >= 0 {
			return b[:scanned+i+1], nil
		}
		if len(b) >= limit {
			return nil, errLineTooLong
		}
		scanned = len(b)
		if err := flush(); err != nil {
			return nil, err
		}
		rd.grow()
		if err := rd.fill(); err != nil {
			if err == io.EOF {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
}
