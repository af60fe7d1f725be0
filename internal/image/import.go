package image

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"

	criapi "k8s.io/cri-api/pkg/apis"

	"orca/internal/kubelet/cri"
)

// Namespace is the containerd namespace CRI reads images from.
const Namespace = "k8s.io"

// Import loads a docker-archive (or OCI) tarball into containerd's k8s.io
// namespace with ctr and unpacks it for snapshotter ("" means ctr's
// default, overlayfs). CRI only runs images whose layers are unpacked into
// the snapshotter it is configured with, so pass the one CRI uses (see
// CRISnapshotter) when it may differ.
func Import(ctx context.Context, address, snapshotter, archivePath string) error {
	args := []string{"--address", address, "--namespace", Namespace, "images", "import", "--no-unpack=false"}
	if snapshotter != "" {
		args = append(args, "--snapshotter", snapshotter)
	}
	args = append(args, archivePath)
	cmd := exec.CommandContext(ctx, "ctr", args...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("ctr images import %s: %w: %s", archivePath, err, strings.TrimSpace(out.String()))
	}
	return nil
}

// CRISnapshotter asks a containerd CRI endpoint which snapshotter it runs
// containers with. containerd reports its CRI config in the verbose Status
// info; a runtime that does not (another CRI implementation) yields "".
func CRISnapshotter(ctx context.Context, rs criapi.RuntimeService) (string, error) {
	st, err := rs.Status(ctx, true)
	if err != nil {
		return "", fmt.Errorf("CRI status: %w", err)
	}
	raw, ok := st.GetInfo()["config"]
	if !ok {
		return "", nil
	}
	var cfg struct {
		Containerd struct {
			Snapshotter string `json:"snapshotter"`
		} `json:"containerd"`
	}
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		return "", fmt.Errorf("decode containerd CRI config: %w", err)
	}
	return cfg.Containerd.Snapshotter, nil
}

// ImportFiles imports archives into the containerd serving address,
// unpacked for the snapshotter its CRI plugin uses, and reports each on out.
func ImportFiles(ctx context.Context, address string, archives []string, out io.Writer) error {
	rt, err := cri.Connect(ctx, "unix://"+address)
	if err != nil {
		return fmt.Errorf("containerd at %s (is the orca agent running? --address names another): %w", address, err)
	}
	snapshotter, err := CRISnapshotter(ctx, rt)
	rt.Close(ctx)
	if err != nil {
		return err
	}
	for _, a := range archives {
		start := time.Now()
		if err := Import(ctx, address, snapshotter, a); err != nil {
			return err
		}
		fmt.Fprintf(out, "imported %s in %s\n", a, time.Since(start).Round(time.Millisecond))
	}
	return nil
}
