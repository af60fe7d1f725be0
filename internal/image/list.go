package image

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"orca/internal/kubelet/cri"
)

// PrintImages lists the images of the CRI runtime at endpoint as a table.
func PrintImages(ctx context.Context, endpoint string, w io.Writer) error {
	rt, err := cri.Connect(ctx, endpoint)
	if err != nil {
		return err
	}
	defer rt.Close(ctx)
	imgs, err := rt.ListImages(ctx, nil)
	if err != nil {
		return fmt.Errorf("list images: %w", err)
	}
	return WriteTable(w, imgs)
}

// WriteTable prints images the way `crictl images` does: one row per tag,
// IMAGE TAG IMAGE ID SIZE, the ID cut to 13 hex digits.
func WriteTable(w io.Writer, imgs []*runtimeapi.Image) error {
	type row struct{ repo, tag, id, size string }
	var rows []row
	for _, img := range imgs {
		id := strings.TrimPrefix(img.Id, "sha256:")
		if len(id) > 13 {
			id = id[:13]
		}
		for _, name := range names(img) {
			repo, tag := splitRef(name)
			rows = append(rows, row{repo, tag, id, humanSize(img.Size)})
		}
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].repo != rows[j].repo {
			return rows[i].repo < rows[j].repo
		}
		return rows[i].tag < rows[j].tag
	})
	tw := tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
	fmt.Fprintln(tw, "IMAGE\tTAG\tIMAGE ID\tSIZE")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.repo, r.tag, r.id, r.size)
	}
	return tw.Flush()
}

// names are an image's tags, else its digests (repo@sha256:...), else "".
func names(img *runtimeapi.Image) []string {
	if len(img.RepoTags) > 0 {
		return img.RepoTags
	}
	if len(img.RepoDigests) > 0 {
		return img.RepoDigests
	}
	return []string{""}
}

// splitRef splits "host/repo:tag" (or "repo@digest") into repo and tag;
// missing parts are "<none>".
func splitRef(ref string) (repo, tag string) {
	if ref == "" {
		return "<none>", "<none>"
	}
	if i := strings.Index(ref, "@"); i >= 0 {
		return ref[:i], "<none>"
	}
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		return ref[:i], ref[i+1:]
	}
	return ref, "<none>"
}

// humanSize prints bytes with three significant digits in decimal units, as crictl does.
func humanSize(n uint64) string {
	units := []string{"B", "kB", "MB", "GB", "TB", "PB"}
	f := float64(n)
	i := 0
	for f >= 1000 && i < len(units)-1 {
		f /= 1000
		i++
	}
	return fmt.Sprintf("%.3g%s", f, units[i])
}
