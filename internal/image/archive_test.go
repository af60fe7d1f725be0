package image

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"
)

// readTar returns the entries of a tar stream by name, in order.
func readTar(t *testing.T, data []byte) ([]*tar.Header, map[string][]byte) {
	t.Helper()
	var hdrs []*tar.Header
	content := map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return hdrs, content
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		hdrs = append(hdrs, h)
		content[h.Name] = b
	}
}

func TestWriteArchiveRoundTrip(t *testing.T) {
	files := []File{
		{Path: "/bin/busybox", Mode: 0o755, Data: []byte("#!binary")},
		{Path: "/bin/sh", Link: "busybox"},
		{Path: "/etc/passwd", Data: []byte("root:x:0:0::/root:/bin/sh\n")},
		{Path: "/tmp", Mode: os.ModeDir | os.ModeSticky | 0o777},
	}
	cfg := Config{Entrypoint: []string{"/bin/sh"}, Cmd: []string{"-c", "true"}, Env: []string{"A=b"}, WorkingDir: "/", User: "0"}
	var buf bytes.Buffer
	if err := WriteArchive(&buf, "orca.local/test:1", "arm64", files, cfg); err != nil {
		t.Fatal(err)
	}
	_, outer := readTar(t, buf.Bytes())

	var manifest []manifestEntry
	if err := json.Unmarshal(outer["manifest.json"], &manifest); err != nil {
		t.Fatal(err)
	}
	if len(manifest) != 1 || len(manifest[0].Layers) != 1 || strings.Join(manifest[0].RepoTags, ",") != "orca.local/test:1" {
		t.Fatalf("manifest = %+v", manifest)
	}
	m := manifest[0]
	configJSON, layer := outer[m.Config], outer[m.Layers[0]]
	if configJSON == nil || layer == nil {
		t.Fatalf("manifest names missing entries: %+v (have %d entries)", m, len(outer))
	}
	if sum := sha256.Sum256(configJSON); hex.EncodeToString(sum[:])+".json" != m.Config {
		t.Errorf("config file %s is not named by its digest", m.Config)
	}

	var config struct {
		Architecture, OS string
		Config           Config
		RootFS           struct {
			Type    string
			DiffIDs []string `json:"diff_ids"`
		}
	}
	if err := json.Unmarshal(configJSON, &config); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(layer)
	if want := "sha256:" + hex.EncodeToString(sum[:]); len(config.RootFS.DiffIDs) != 1 || config.RootFS.DiffIDs[0] != want {
		t.Errorf("diff_ids = %v, want [%s]", config.RootFS.DiffIDs, want)
	}
	if config.Architecture != "arm64" || config.OS != "linux" || config.RootFS.Type != "layers" {
		t.Errorf("platform/rootfs = %s/%s %s", config.OS, config.Architecture, config.RootFS.Type)
	}
	if got, _ := json.Marshal(config.Config); string(got) != mustJSON(t, cfg) {
		t.Errorf("config = %s, want %s", got, mustJSON(t, cfg))
	}

	hdrs, content := readTar(t, layer)
	var names []string
	for _, h := range hdrs {
		names = append(names, h.Name)
	}
	if got, want := strings.Join(names, " "), "bin/ bin/busybox bin/sh etc/ etc/passwd tmp/"; got != want {
		t.Errorf("layer entries = %q, want %q", got, want)
	}
	byName := map[string]*tar.Header{}
	for _, h := range hdrs {
		byName[h.Name] = h
	}
	if h := byName["bin/busybox"]; h.Mode != 0o755 || string(content["bin/busybox"]) != "#!binary" {
		t.Errorf("bin/busybox: mode %o content %q", h.Mode, content["bin/busybox"])
	}
	if h := byName["bin/sh"]; h.Typeflag != tar.TypeSymlink || h.Linkname != "busybox" {
		t.Errorf("bin/sh: type %c link %q", h.Typeflag, h.Linkname)
	}
	if h := byName["etc/passwd"]; h.Mode != 0o644 {
		t.Errorf("etc/passwd mode %o, want 644", h.Mode)
	}
	if h := byName["tmp/"]; h.Typeflag != tar.TypeDir || h.Mode != 0o1777 {
		t.Errorf("tmp/: type %c mode %o, want dir 1777", h.Typeflag, h.Mode)
	}
}

func TestWriteArchiveIsDeterministic(t *testing.T) {
	files := []File{{Path: "/a/b/c", Data: []byte("x")}}
	var one, two bytes.Buffer
	if err := WriteArchive(&one, "r:1", "amd64", files, Config{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteArchive(&two, "r:1", "amd64", files, Config{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(one.Bytes(), two.Bytes()) {
		t.Error("two writes of the same image differ")
	}
}

func TestWriteArchiveRejectsBadPaths(t *testing.T) {
	for _, files := range [][]File{
		{{Path: "/../etc/passwd"}},
		{{Path: "/"}},
		{{Path: "/a"}, {Path: "a"}},
	} {
		if err := WriteArchive(io.Discard, "r:1", "amd64", files, Config{}); err == nil {
			t.Errorf("WriteArchive(%+v) succeeded", files)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
