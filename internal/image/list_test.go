package image

import (
	"strings"
	"testing"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func TestWriteTable(t *testing.T) {
	imgs := []*runtimeapi.Image{
		{Id: "sha256:0123456789abcdef0123", RepoTags: []string{"orca.local/pause:1"}, Size: 1_234_567},
		{Id: "sha256:fedcba9876543210fedc", RepoTags: []string{"localhost:5000/app:v2", "localhost:5000/app:latest"}, Size: 742_000},
		{Id: "sha256:aaaaaaaaaaaaaaaaaaaa", RepoDigests: []string{"docker.io/library/nginx@sha256:beef"}, Size: 999},
	}
	var b strings.Builder
	if err := WriteTable(&b, imgs); err != nil {
		t.Fatal(err)
	}
	want := `IMAGE                     TAG      IMAGE ID        SIZE
docker.io/library/nginx   <none>   aaaaaaaaaaaaa   999B
localhost:5000/app        latest   fedcba9876543   742kB
localhost:5000/app        v2       fedcba9876543   742kB
orca.local/pause          1        0123456789abc   1.23MB
`
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestSplitRef(t *testing.T) {
	for ref, want := range map[string][2]string{
		"orca.local/busybox:1":    {"orca.local/busybox", "1"},
		"localhost:5000/app":      {"localhost:5000/app", "<none>"},
		"repo@sha256:abc":         {"repo", "<none>"},
		"":                        {"<none>", "<none>"},
		"docker.io/library/x:1.2": {"docker.io/library/x", "1.2"},
	} {
		if repo, tag := splitRef(ref); repo != want[0] || tag != want[1] {
			t.Errorf("splitRef(%q) = %q %q, want %q", ref, repo, tag, want)
		}
	}
}
