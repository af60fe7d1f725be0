package ingress

import (
	"errors"
	"io"
)

// Copying message bodies as they are, by their framing: the forwarder
// never re-encodes a body, it only finds where it ends. Bytes are
// forwarded as soon as they are read (streaming responses are not held
// back): the sink is flushed before every read that may block.

// sink gathers the small writes of one message (head, chunk lines, a
// small body) into one write.
type sink struct {
	w   io.Writer
	buf []byte
}

func (s *sink) write(p []byte) error {
	if len(s.buf)+len(p) <= cap(s.buf) {
		s.buf = append(s.buf, p...)
		return nil
	}
	if err := s.flush(); err != nil {
		return err
	}
	if len(p) <= cap(s.buf)/2 {
		s.buf = append(s.buf, p...)
		return nil
	}
	_, err := s.w.Write(p)
	return err
}

func (s *sink) flush() error {
	if len(s.buf) == 0 {
		return nil
	}
	_, err := s.w.Write(s.buf)
	s.buf = s.buf[:0]
	return err
}

// Limits on chunked framing: a chunk line (size and extensions), and all
// the trailer lines together.
const (
	maxChunkLine  = 4096
	maxTrailers   = 64 << 10
	maxHeadBytes  = 1 << 20 // as net/http's DefaultMaxHeaderBytes
	headSlack     = 4096    // net/http allows this much over it
	maxHeadLength = maxHeadBytes + headSlack
)

var (
	errChunkLine = errors.New("invalid chunk line")
	errChunkEnd  = errors.New("chunk data not followed by CRLF")
	errTrailers  = errors.New("invalid or too large trailers")
)

// copyBody copies one body framed by f from src to dst. A close-delimited
// body ends cleanly at EOF; any other ends early with an error.
func copyBody(src *reader, dst *sink, f framing) error {
	switch f.kind {
	case bodyLength:
		return copyN(src, dst, f.n)
	case bodyChunked:
		return copyChunked(src, dst)
	case bodyClose:
		return copyToEOF(src, dst)
	}
	return nil
}

func copyN(src *reader, dst *sink, n int64) error {
	for n > 0 {
		b := src.buffered()
		if len(b) == 0 {
			if err := more(src, dst); err != nil {
				return err
			}
			continue
		}
		if int64(len(b)) > n {
			b = b[:n]
		}
		if err := dst.write(b); err != nil {
			return err
		}
		src.discard(len(b))
		n -= int64(len(b))
	}
	return nil
}

func copyToEOF(src *reader, dst *sink) error {
	for {
		b := src.buffered()
		if err := dst.write(b); err != nil {
			return err
		}
		src.discard(len(b))
		if err := more(src, dst); err != nil {
			if err == io.ErrUnexpectedEOF {
				return nil
			}
			return err
		}
	}
}

// more flushes what was forwarded so far and reads on.
func more(src *reader, dst *sink) error {
	if err := dst.flush(); err != nil {
		return err
	}
	if err := src.fill(); err != nil {
		if err == io.EOF {
			return io.ErrUnexpectedEOF
		}
		return err
	}
	return nil
}

// copyChunked copies chunks through the last (zero-size) one and the
// trailer section (RFC 9112 section 7.1).
func copyChunked(src *reader, dst *sink) error {
	for {
		line, err := src.readLine(maxChunkLine, dst.flush)
		if err != nil {
			return err
		}
		size, ok := parseChunkLine(line)
		if !ok {
			return errChunkLine
		}
		if err := dst.write(line); err != nil {
			return err
		}
		src.discard(len(line))
		if size == 0 {
			return copyTrailers(src, dst)
		}
		if err := copyN(src, dst, size); err != nil {
			return err
		}
		end, err := src.readLine(maxChunkLine, dst.flush)
		if err != nil {
			return err
		}
		if string(end) != "\r\n" {
			return errChunkEnd
		}
		if err := dst.write(end); err != nil {
			return err
		}
		src.discard(len(end))
	}
}

// copyTrailers copies trailer fields through the empty line ending them.
func copyTrailers(src *reader, dst *sink) error {
	total := 0
	for {
		line, err := src.readLine(maxChunkLine, dst.flush)
		if err != nil {
			return err
		}
		total += len(line)
		if total > maxTrailers || !validTrailer(line) {
			return errTrailers
		}
		if err := dst.write(line); err != nil {
			return err
		}
		src.discard(len(line))
		if string(line) == "\r\n" {
			return nil
		}
	}
}

// validTrailer: a field line "name: value" or the empty line, ending in
// CRLF.
func validTrailer(line []byte) bool {
	n := len(line)
	if n < 2 || line[n-2] != '\r' {
		return false
	}
	line = line[:n-2]
	if len(line) == 0 {
		return true
	}
	for i, c := range line {
		if c == ':' {
			return i > 0 && !hasCTL(line[i+1:])
		}
		if !tokenByte(c) {
			return false
		}
	}
	return false
}

// parseChunkLine parses "size[;extensions]" ending in CRLF (a bare LF is
// refused, as net/http refuses it). Whitespace may end the line, as
// net/http allows, but not stand between the size and extensions.
func parseChunkLine(line []byte) (int64, bool) {
	n := len(line)
	if n < 2 || line[n-2] != '\r' || line[n-1] != '\n' {
		return 0, false
	}
	line = line[:n-2]
	for len(line) > 0 && (line[len(line)-1] == ' ' || line[len(line)-1] == '\t') {
		line = line[:len(line)-1]
	}
	hex := line
	for i, c := range line {
		if c == ';' {
			hex = line[:i]
			if hasCTL(line[i+1:]) {
				return 0, false
			}
			break
		}
	}
	if len(hex) == 0 || len(hex) > 16 {
		return 0, false
	}
	var size uint64
	for _, c := range hex {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		size = size<<4 | uint64(d)
	}
	if size > 1<<62 {
		return 0, false
	}
	return int64(size), true
}
