// Package image builds and imports container images without a registry:
// nodes here reach no registry, so the images orca needs (the pod sandbox,
// test images) are written as docker-archive tarballs and imported into
// containerd with ctr.
package image

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"time"
)

// File is one entry of an image's single layer.
type File struct {
	Path string      // absolute or relative to /; parent directories are implied
	Mode os.FileMode // permission bits plus os.ModeDir / os.ModeSymlink / sticky etc.; 0 means 0644 (0755 for dirs)
	Data []byte      // content of a regular file
	Link string      // symlink target; makes the entry a symlink
}

// Config is the part of the image config a container starts from.
type Config struct {
	Entrypoint []string
	Cmd        []string
	Env        []string
	WorkingDir string
	User       string
}

// epoch is every timestamp in an archive, so that the same input always
// yields the same image ID.
var epoch = time.Unix(0, 0).UTC()

// WriteArchive writes a one-layer image tagged ref for linux/arch in the
// format `docker save` produces (manifest.json, config JSON, layer.tar),
// which `ctr images import` accepts.
func WriteArchive(w io.Writer, ref, arch string, files []File, cfg Config) error {
	if ref == "" || arch == "" {
		return fmt.Errorf("image archive needs a reference and an architecture")
	}
	layer, err := buildLayer(files)
	if err != nil {
		return err
	}
	layerSum := sha256.Sum256(layer)
	layerHex := hex.EncodeToString(layerSum[:])
	configJSON, err := imageConfig(arch, "sha256:"+layerHex, cfg)
	if err != nil {
		return err
	}
	configSum := sha256.Sum256(configJSON)
	configName := hex.EncodeToString(configSum[:]) + ".json"
	layerName := layerHex + "/layer.tar"
	manifest, err := json.Marshal([]manifestEntry{{Config: configName, RepoTags: []string{ref}, Layers: []string{layerName}}})
	if err != nil {
		return err
	}

	tw := tar.NewWriter(w)
	if err := writeDir(tw, layerHex+"/"); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{layerName, layer}, {configName, configJSON}, {"manifest.json", manifest}} {
		if err := writeRegular(tw, f.name, 0o644, f.data); err != nil {
			return err
		}
	}
	return tw.Close()
}

// manifestEntry is one element of docker-archive's manifest.json.
type manifestEntry struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// imageConfig renders the OCI/docker image config JSON.
func imageConfig(arch, diffID string, cfg Config) ([]byte, error) {
	type runConfig struct {
		Entrypoint []string `json:"Entrypoint,omitempty"`
		Cmd        []string `json:"Cmd,omitempty"`
		Env        []string `json:"Env,omitempty"`
		WorkingDir string   `json:"WorkingDir,omitempty"`
		User       string   `json:"User,omitempty"`
	}
	type rootFS struct {
		Type    string   `json:"type"`
		DiffIDs []string `json:"diff_ids"`
	}
	type history struct {
		Created   time.Time `json:"created"`
		CreatedBy string    `json:"created_by"`
	}
	doc := struct {
		Architecture string    `json:"architecture"`
		OS           string    `json:"os"`
		Created      time.Time `json:"created"`
		Config       runConfig `json:"config"`
		RootFS       rootFS    `json:"rootfs"`
		History      []history `json:"history"`
	}{
		Architecture: arch,
		OS:           "linux",
		Created:      epoch,
		Config:       runConfig(cfg),
		RootFS:       rootFS{Type: "layers", DiffIDs: []string{diffID}},
		History:      []history{{Created: epoch, CreatedBy: "orca image.WriteArchive"}},
	}
	return json.Marshal(doc)
}

// buildLayer returns the uncompressed layer tar: each file, preceded by
// any parent directories not yet written.
func buildLayer(files []File) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	seen := map[string]bool{}
	for _, f := range files {
		name, err := cleanPath(f.Path)
		if err != nil {
			return nil, err
		}
		if seen[name] {
			return nil, fmt.Errorf("image file %q listed twice", f.Path)
		}
		if err := writeParents(tw, name, seen); err != nil {
			return nil, err
		}
		seen[name] = true
		if err := writeFile(tw, name, f); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// cleanPath turns "/bin/sh" into "bin/sh", rejecting paths that escape the root.
func cleanPath(p string) (string, error) {
	for _, elem := range strings.Split(p, "/") {
		if elem == ".." {
			return "", fmt.Errorf("image file path %q leaves the root", p)
		}
	}
	name := strings.TrimPrefix(path.Clean("/"+p), "/")
	if name == "" {
		return "", fmt.Errorf("image file path %q names the root", p)
	}
	return name, nil
}

// writeParents writes directory entries for every missing ancestor of name.
func writeParents(tw *tar.Writer, name string, seen map[string]bool) error {
	dir := path.Dir(name)
	if dir == "." || seen[dir] {
		return nil
	}
	if err := writeParents(tw, dir, seen); err != nil {
		return err
	}
	seen[dir] = true
	return writeDir(tw, dir+"/")
}

func writeFile(tw *tar.Writer, name string, f File) error {
	switch {
	case f.Link != "":
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: f.Link,
			Mode: 0o777, ModTime: epoch, Format: tar.FormatPAX})
	case f.Mode.IsDir() || strings.HasSuffix(f.Path, "/"):
		mode := f.Mode
		if mode.Perm() == 0 {
			mode |= 0o755
		}
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: tarMode(mode),
			ModTime: epoch, Format: tar.FormatPAX})
	default:
		mode := f.Mode
		if mode.Perm() == 0 {
			mode |= 0o644
		}
		return writeRegular(tw, name, mode, f.Data)
	}
}

func writeDir(tw *tar.Writer, name string) error {
	return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: 0o755, ModTime: epoch, Format: tar.FormatPAX})
}

func writeRegular(tw *tar.Writer, name string, mode os.FileMode, data []byte) error {
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: tarMode(mode), Size: int64(len(data)),
		ModTime: epoch, Format: tar.FormatPAX}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	_, err := tw.Write(data)
	return err
}

// tarMode converts Go's mode bits to tar's (c_ISUID etc. differ from os.ModeSetuid).
func tarMode(m os.FileMode) int64 {
	mode := int64(m.Perm())
	if m&os.ModeSetuid != 0 {
		mode |= 0o4000
	}
	if m&os.ModeSetgid != 0 {
		mode |= 0o2000
	}
	if m&os.ModeSticky != 0 {
		mode |= 0o1000
	}
	return mode
}
