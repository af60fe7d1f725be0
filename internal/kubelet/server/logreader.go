package server

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// The kubelet reads container logs itself, in the CRI format the runtime
// writes (one entry per line):
//
//	2016-10-06T00:17:09.669794202Z stdout F a full line
//	2016-10-06T00:17:09.669794203Z stderr P a partial line, continued by the next entry
//
// (k8s.io/cri-client/pkg/logs does the same but needs fsnotify, which the
// module does not carry; a followed log is polled instead.)

// followPoll is how often a followed log is checked for new data.
const followPoll = 200 * time.Millisecond

// errLimit ends a read that reached limitBytes.
var errLimit = errors.New("limitBytes reached")

type logReader struct {
	opts    logOptions
	running func(context.Context) bool // is the container still running (follow)
	out     io.Writer
	remain  int64 // bytes left under limitBytes; <0 means no limit
	newLine bool  // the next entry starts a line (gets a timestamp)
}

// readLog writes the log at path to out as opts ask. With follow it keeps
// reading until ctx ends or, once running reports false, the file is drained.
func readLog(ctx context.Context, path string, opts logOptions, running func(context.Context) bool, out io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("failed to open log file %q: %v", path, err)
	}
	defer func() { f.Close() }()
	start, err := tailStart(f, opts.tailLines)
	if err != nil {
		return fmt.Errorf("failed to tail log file %q: %v", path, err)
	}
	if _, err := f.Seek(start, io.SeekStart); err != nil {
		return err
	}
	lr := &logReader{opts: opts, running: running, out: out, remain: -1, newLine: true}
	if opts.limitBytes != nil {
		lr.remain = *opts.limitBytes
	}
	err = lr.copy(ctx, path, &f)
	if errors.Is(err, errLimit) {
		return nil
	}
	return err
}

// copy reads entries until EOF (or, following, until the container stops).
// *f may be replaced when the runtime rotates the file.
func (lr *logReader) copy(ctx context.Context, path string, f **os.File) error {
	lines := int64(-1) // entries still to print when tailing without follow
	if lr.opts.tailLines != nil && !lr.opts.follow {
		lines = *lr.opts.tailLines
	}
	r := bufio.NewReader(*f)
	draining := false
	for lines != 0 {
		line, err := r.ReadBytes('\n')
		if err != nil && err != io.EOF {
			return err
		}
		if err == io.EOF {
			if !lr.opts.follow || draining {
				return lr.entry(line) // a last line without newline still counts
			}
			// Un-read a partial line; it is read again once complete.
			if _, err := (*f).Seek(-int64(len(line)), io.SeekCurrent); err != nil {
				return err
			}
			if rotated(path, *f) {
				nf, err := os.Open(path)
				if err == nil {
					(*f).Close()
					*f = nf
				}
			}
			r.Reset(*f)
			if !lr.running(ctx) {
				draining = true // read what is left, then stop
				continue
			}
			if err := sleepCtx(ctx, followPoll); err != nil {
				return nil // the client went away
			}
			continue
		}
		if err := lr.entry(line); err != nil {
			return err
		}
		lines--
	}
	return nil
}

// entry parses and writes one CRI log line; unparsable lines are skipped.
func (lr *logReader) entry(line []byte) error {
	if len(line) == 0 {
		return nil
	}
	ts, content, full, ok := parseCRILine(line)
	if !ok {
		return nil
	}
	if !lr.opts.since.IsZero() && ts.Before(lr.opts.since) {
		return nil
	}
	var buf []byte
	if lr.opts.timestamps && lr.newLine {
		buf = append(buf, ts.Format(time.RFC3339Nano)...)
		buf = append(buf, ' ')
	}
	buf = append(buf, content...)
	lr.newLine = full
	return lr.write(buf)
}

func (lr *logReader) write(b []byte) error {
	if lr.remain >= 0 && int64(len(b)) >= lr.remain {
		_, err := lr.out.Write(b[:lr.remain])
		if err != nil {
			return err
		}
		return errLimit
	}
	if lr.remain >= 0 {
		lr.remain -= int64(len(b))
	}
	_, err := lr.out.Write(b)
	return err
}

// parseCRILine splits "<time> <stream> <tag> <content>". A full entry (tag
// F) keeps its newline; a partial one (P) loses it, as upstream prints them.
func parseCRILine(line []byte) (ts time.Time, content []byte, full bool, ok bool) {
	fields := bytes.SplitN(line, []byte{' '}, 4)
	if len(fields) < 4 {
		return ts, nil, false, false
	}
	ts, err := time.Parse(time.RFC3339Nano, string(fields[0]))
	if err != nil {
		return ts, nil, false, false
	}
	tag := bytes.SplitN(fields[2], []byte{':'}, 2)[0]
	content = fields[3]
	full = string(tag) != "P"
	if !full {
		content = bytes.TrimSuffix(content, []byte{'\n'})
	} else if len(content) == 0 || content[len(content)-1] != '\n' {
		content = append(content, '\n') // the last line of a file may lack it
	}
	return ts, content, full, true
}

// tailStart is the offset of the n-th line from the end (0 for all lines).
func tailStart(f *os.File, n *int64) (int64, error) {
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil || n == nil {
		return 0, err
	}
	if *n == 0 {
		return size, nil
	}
	const block = 32 * 1024
	buf := make([]byte, block)
	count := int64(0)
	pos := size
	for pos > 0 {
		start := max(pos-block, 0)
		chunk := buf[:pos-start]
		if _, err := f.ReadAt(chunk, start); err != nil {
			return 0, err
		}
		for i := len(chunk) - 1; i >= 0; i-- {
			if chunk[i] != '\n' || start+int64(i) == size-1 {
				continue // the file's final newline ends the last line
			}
			count++
			if count == *n {
				return start + int64(i) + 1, nil
			}
		}
		pos = start
	}
	return 0, nil
}

// rotated reports whether path now names another file than f.
func rotated(path string, f *os.File) bool {
	cur, err := os.Stat(path)
	if err != nil {
		return false
	}
	open, err := f.Stat()
	return err == nil && !os.SameFile(cur, open)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
