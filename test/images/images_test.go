package images

import (
	"archive/tar"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"
)

// entries lists an archive's layer entries and reads its image config.
func entries(t *testing.T, archive string) (map[string]*tar.Header, map[string]any) {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	outer := map[string][]byte{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		outer[h.Name], _ = io.ReadAll(tr)
	}
	var manifest []struct {
		Config string
		Layers []string
	}
	if err := json.Unmarshal(outer["manifest.json"], &manifest); err != nil {
		t.Fatal(err)
	}
	var config map[string]any
	if err := json.Unmarshal(outer[manifest[0].Config], &config); err != nil {
		t.Fatal(err)
	}
	layer := map[string]*tar.Header{}
	lr := tar.NewReader(strings.NewReader(string(outer[manifest[0].Layers[0]])))
	for {
		h, err := lr.Next()
		if err == io.EOF {
			return layer, config
		}
		if err != nil {
			t.Fatal(err)
		}
		layer[h.Name] = h
	}
}

func TestBusybox(t *testing.T) {
	if _, err := os.Stat(busyboxPath); err != nil {
		t.Skip("busybox-static is not installed")
	}
	archive, ref, err := Busybox(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if ref != "orca.local/busybox:1" {
		t.Errorf("ref = %s", ref)
	}
	layer, _ := entries(t, archive)
	for _, name := range []string{"bin/sh", "bin/sleep", "bin/wget", "bin/[", "bin/seq"} {
		if h := layer[name]; h == nil || h.Linkname != "busybox" {
			t.Errorf("%s is not a link to busybox: %+v", name, h)
		}
	}
	for _, name := range []string{"bin/busybox", "etc/passwd", "etc/group", "tmp/"} {
		if layer[name] == nil {
			t.Errorf("image lacks %s", name)
		}
	}
}

func TestServer(t *testing.T) {
	if _, err := os.Stat(busyboxPath); err != nil {
		t.Skip("busybox-static is not installed")
	}
	dir := t.TempDir()
	archive, ref, err := Server(dir, "v2")
	if err != nil {
		t.Fatal(err)
	}
	if ref != "orca.local/server:v2" {
		t.Errorf("ref = %s", ref)
	}
	layer, config := entries(t, archive)
	if layer["server"] == nil || layer["bin/sh"] == nil {
		t.Error("server image lacks /server or /bin/sh")
	}
	cfg, _ := json.Marshal(config["config"])
	if !strings.Contains(string(cfg), `"VERSION=v2"`) || !strings.Contains(string(cfg), `"Entrypoint":["/server"]`) {
		t.Errorf("config = %s", cfg)
	}
}
