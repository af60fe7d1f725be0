// Package pause provides the pod sandbox image: a one-file image holding a
// tiny static program (cmd/pause) that containerd runs as each pod's
// sandbox. It is imported from the binary itself, so no registry is needed.
package pause

//go:generate ./generate.sh

import (
	"bytes"
	"compress/gzip"
	"context"
	_ "embed"
	"fmt"
	"io"
	"os"
	"runtime"

	criapi "k8s.io/cri-api/pkg/apis"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"orca/internal/image"
	"orca/internal/kubelet/cri"
)

// Image is the sandbox image's reference. No registry serves orca.local, so
// containerd can never pull it: it is present only because orca imported it.
const Image = "orca.local/pause:1"

var (
	//go:embed pause-amd64.gz
	pauseAMD64 []byte
	//go:embed pause-arm64.gz
	pauseARM64 []byte
)

// Binary returns the uncompressed pause program for arch (amd64 or arm64).
func Binary(arch string) ([]byte, error) {
	var gz []byte
	switch arch {
	case "amd64":
		gz = pauseAMD64
	case "arm64":
		gz = pauseARM64
	default:
		return nil, fmt.Errorf("no pause binary for architecture %q (have amd64, arm64)", arch)
	}
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("embedded pause-%s.gz: %w", arch, err)
	}
	return io.ReadAll(r)
}

// Archive writes the sandbox image for linux/arch as a docker archive.
func Archive(w io.Writer, arch string) error {
	bin, err := Binary(arch)
	if err != nil {
		return err
	}
	files := []image.File{{Path: "/pause", Mode: 0o755, Data: bin}}
	return image.WriteArchive(w, Image, arch, files, image.Config{Entrypoint: []string{"/pause"}})
}

// EnsureImported makes Image present in containerd at address (whose CRI
// service is rt), importing it for this machine's architecture when
// missing. It never pulls.
func EnsureImported(ctx context.Context, rt cri.Runtime, address string) error {
	if ok, err := present(ctx, rt); err != nil || ok {
		return err
	}
	snapshotter, err := image.CRISnapshotter(ctx, rt)
	if err != nil {
		return err
	}
	path, err := writeTemp(runtime.GOARCH)
	if err != nil {
		return err
	}
	defer os.Remove(path)
	if err := image.Import(ctx, address, snapshotter, path); err != nil {
		return err
	}
	if ok, err := present(ctx, rt); err != nil || !ok {
		return fmt.Errorf("imported %s but CRI does not list it (err: %v)", Image, err)
	}
	return nil
}

func present(ctx context.Context, is criapi.ImageManagerService) (bool, error) {
	st, err := is.ImageStatus(ctx, &runtimeapi.ImageSpec{Image: Image}, false)
	if err != nil {
		return false, fmt.Errorf("image status of %s: %w", Image, err)
	}
	return st.GetImage() != nil, nil
}

func writeTemp(arch string) (string, error) {
	f, err := os.CreateTemp("", "orca-pause-*.tar")
	if err != nil {
		return "", err
	}
	err = Archive(f, arch)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("write pause image archive: %w", err)
	}
	return f.Name(), nil
}
