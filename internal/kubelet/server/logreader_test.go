package server

import (
	"os"
	"path/filepath"
	"testing"
)

func TestTailStart(t *testing.T) {
	for _, tc := range []struct {
		content string
		n       int64
		want    string
	}{
		{"a\nb\nc\n", 1, "c\n"},
		{"a\nb\nc\n", 2, "b\nc\n"},
		{"a\nb\nc\n", 5, "a\nb\nc\n"},
		{"a\nb\nc", 1, "c"},
		{"a\nb\nc\n", 0, ""},
		{"", 3, ""},
	} {
		path := filepath.Join(t.TempDir(), "log")
		if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		start, err := tailStart(f, &tc.n)
		f.Close()
		if err != nil || tc.content[start:] != tc.want {
			t.Errorf("tail %d of %q: %q (%v), want %q", tc.n, tc.content, tc.content[start:], err, tc.want)
		}
	}
}

func TestParseCRILine(t *testing.T) {
	for _, tc := range []struct {
		line    string
		content string
		full    bool
		ok      bool
	}{
		{"2025-01-01T00:00:00Z stdout F hello\n", "hello\n", true, true},
		{"2025-01-01T00:00:00Z stdout P hel\n", "hel", false, true},
		{"2025-01-01T00:00:00Z stderr F \n", "\n", true, true},
		{"2025-01-01T00:00:00Z stdout F:x last", "last\n", true, true},
		{"garbage\n", "", false, false},
		{"notatime stdout F x\n", "", false, false},
	} {
		_, content, full, ok := parseCRILine([]byte(tc.line))
		if ok != tc.ok || (ok && (string(content) != tc.content || full != tc.full)) {
			t.Errorf("%q: %q %v %v", tc.line, content, full, ok)
		}
	}
}
