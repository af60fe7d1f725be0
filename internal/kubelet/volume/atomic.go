package volume

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// file is one file of a volume's content.
type file struct {
	data []byte
	mode int32
}

// payload is a volume's whole content by relative path.
type payload map[string]file

// The atomic layout (upstream's AtomicWriter): content lives in a
// timestamped directory ..<ts>; the ..data symlink points at the current
// one; each user-visible top-level entry is a symlink through ..data. A
// rename of a fresh symlink over ..data switches all files at once, so a
// container never sees a mix of old and new files.
const (
	dataLink    = "..data"
	dataTmpLink = "..data_tmp"
	tsLayout    = "..2006_01_02_15_04_05."
)

// writeAtomic makes dir hold exactly p. When the content on disk already
// matches, it only repairs missing links. The files and directories get the
// pod's fsGroup (gid may be nil).
func writeAtomic(dir string, p payload, gid *int64) error {
	p, err := cleanPayload(p)
	if err != nil {
		return err
	}
	old, _ := os.Readlink(filepath.Join(dir, dataLink))
	if old != "" {
		same, err := sameContent(filepath.Join(dir, old), p, gid)
		if err != nil {
			return err
		}
		if same {
			return finishLayout(dir, old, p)
		}
	}
	ts, err := writeTimestampDir(dir, p, gid)
	if err != nil {
		return err
	}
	if err := swapDataLink(dir, ts); err != nil {
		os.RemoveAll(filepath.Join(dir, ts))
		return err
	}
	return finishLayout(dir, ts, p)
}

// writeTimestampDir writes p into a new ..<ts> directory in dir and returns
// its name. On failure nothing is left behind.
func writeTimestampDir(dir string, p payload, gid *int64) (string, error) {
	ts, err := os.MkdirTemp(dir, time.Now().UTC().Format(tsLayout))
	if err != nil {
		return "", err
	}
	if err := fillDir(ts, p, gid); err != nil {
		os.RemoveAll(ts)
		return "", err
	}
	return filepath.Base(ts), nil
}

func fillDir(ts string, p payload, gid *int64) error {
	if err := os.Chmod(ts, 0o755); err != nil {
		return err
	}
	for rel, f := range p {
		path := filepath.Join(ts, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		mode := fileMode(f.mode)
		if err := os.WriteFile(path, f.data, mode); err != nil {
			return err
		}
		if err := os.Chmod(path, mode); err != nil { // past the umask
			return err
		}
	}
	if gid == nil {
		return nil
	}
	return filepath.WalkDir(ts, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return applyFSGroup(path, gid, true)
	})
}

// swapDataLink points ..data at ts with one rename.
func swapDataLink(dir, ts string) error {
	tmp := filepath.Join(dir, dataTmpLink)
	if err := os.Remove(tmp); err != nil && !os.IsNotExist(err) {
		return err
	}
	if err := os.Symlink(ts, tmp); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, dataLink))
}

// finishLayout creates the user-visible links of the current content and
// removes links and ..<ts> directories that no longer belong.
func finishLayout(dir, current string, p payload) error {
	top := topLevel(p)
	for name := range top {
		link := filepath.Join(dir, name)
		if _, err := os.Lstat(link); err == nil {
			continue
		}
		if err := os.Symlink(filepath.Join(dataLink, name), link); err != nil {
			return err
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := removeStale(dir, e, current, top); err != nil {
			return err
		}
	}
	return nil
}

// removeStale removes a user-visible link that is no longer in the
// payload, or a ..<ts> directory other than the current one (an old
// version, or a leftover of a crash mid-write).
func removeStale(dir string, e fs.DirEntry, current string, top map[string]bool) error {
	name := e.Name()
	path := filepath.Join(dir, name)
	switch {
	case strings.HasPrefix(name, ".."):
		if e.IsDir() && name != current {
			return os.RemoveAll(path)
		}
	case !top[name] && e.Type()&fs.ModeSymlink != 0:
		return os.Remove(path)
	}
	return nil
}

// sameContent reports whether ts holds exactly p: the same files with the
// same bytes and modes.
func sameContent(ts string, p payload, gid *int64) (bool, error) {
	seen := 0
	same := true
	err := filepath.WalkDir(ts, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(ts, path)
		f, ok := p[rel]
		if !ok || !sameFile(path, d, f, gid) {
			same = false
			return filepath.SkipAll
		}
		seen++
		return nil
	})
	if os.IsNotExist(err) {
		return false, nil // ..data dangles: rewrite
	}
	return same && seen == len(p), err
}

func sameFile(path string, d fs.DirEntry, f file, gid *int64) bool {
	info, err := d.Info()
	if err != nil || !info.Mode().IsRegular() {
		return false
	}
	if info.Mode().Perm() != groupMode(fileMode(f.mode), false, gid, true).Perm() {
		return false
	}
	data, err := os.ReadFile(path)
	return err == nil && bytes.Equal(data, f.data)
}

// cleanPayload validates the paths (relative, no "..", not starting with
// "..": those names belong to the layout) and cleans them.
func cleanPayload(p payload) (payload, error) {
	out := make(payload, len(p))
	for path, f := range p {
		if err := validatePath(path); err != nil {
			return nil, err
		}
		out[filepath.Clean(path)] = f
	}
	return out, nil
}

func validatePath(path string) error {
	switch {
	case path == "":
		return fmt.Errorf("invalid path: must not be empty: %q", path)
	case filepath.IsAbs(path):
		return fmt.Errorf("invalid path: must be relative path: %s", path)
	case len(path) > 4096:
		return fmt.Errorf("invalid path: must be less than or equal to 4096 characters: %s", path)
	}
	parts := strings.Split(path, "/")
	for _, part := range parts {
		if part == ".." {
			return fmt.Errorf("invalid path: must not contain '..': %s", path)
		}
		if len(part) > 255 {
			return fmt.Errorf("invalid path: path segments must be less than or equal to 255 characters: %s", path)
		}
	}
	if strings.HasPrefix(parts[0], "..") {
		return fmt.Errorf("invalid path: must not start with '..': %s", path)
	}
	return nil
}

// topLevel is the set of first path elements of p: the user-visible links.
func topLevel(p payload) map[string]bool {
	top := make(map[string]bool, len(p))
	for path := range p {
		first, _, _ := strings.Cut(path, "/")
		top[first] = true
	}
	return top
}

func fileMode(m int32) os.FileMode {
	return os.FileMode(m) & os.ModePerm
}

// hash summarizes p and gid, to skip comparing with the disk when nothing
// changed since the last write.
func (p payload) hash(gid *int64) uint64 {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := fnv.New64a()
	if gid != nil {
		h.Write([]byte("gid=" + strconv.FormatInt(*gid, 10)))
	}
	for _, k := range keys {
		f := p[k]
		fmt.Fprintf(h, "\x00%s\x00%o\x00%d\x00", k, f.mode, len(f.data))
		h.Write(f.data)
	}
	return h.Sum64()
}
