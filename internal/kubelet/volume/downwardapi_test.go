package volume

import (
	"path/filepath"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestDownwardAPIVolume(t *testing.T) {
	m, _ := newTest(t, true)
	pod := newPod(v1.Volume{Name: "info", VolumeSource: v1.VolumeSource{DownwardAPI: &v1.DownwardAPIVolumeSource{
		DefaultMode: ptr[int32](0o600),
		Items: []v1.DownwardAPIVolumeFile{
			{Path: "name", FieldRef: &v1.ObjectFieldSelector{FieldPath: "metadata.name"}},
			{Path: "labels", FieldRef: &v1.ObjectFieldSelector{FieldPath: "metadata.labels"}, Mode: ptr[int32](0o444)},
			{Path: "sub/app", FieldRef: &v1.ObjectFieldSelector{FieldPath: "metadata.labels['app']"}},
			{Path: "cpu_limit", ResourceFieldRef: &v1.ResourceFieldSelector{ContainerName: "c", Resource: "limits.cpu"}},
			{Path: "mem_req", ResourceFieldRef: &v1.ResourceFieldSelector{ContainerName: "c", Resource: "requests.memory", Divisor: resource.MustParse("1Mi")}},
		},
	}}})
	pod.Spec.Containers[0].Resources.Requests = v1.ResourceList{v1.ResourceMemory: resource.MustParse("32Mi")}
	dir := setup(t, m, pod)["info"]
	if !strings.HasSuffix(dir, "/uid-1/volumes/kubernetes.io~downward-api/info") {
		t.Errorf("dir = %s", dir)
	}
	want := map[string]string{"name": "p", "labels": `app="x"`, "sub/app": "x", "cpu_limit": "4", "mem_req": "32"}
	for p, w := range want {
		if got := readFile(t, filepath.Join(dir, p)); got != w {
			t.Errorf("%s = %q, want %q", p, got, w)
		}
	}
	if got := modeOf(t, filepath.Join(dir, "name")); got != 0o600 {
		t.Errorf("default mode = %o", got)
	}
	if got := modeOf(t, filepath.Join(dir, "labels")); got != 0o444 {
		t.Errorf("item mode = %o", got)
	}

	// Labels change: the file follows on the next sync.
	pod.Labels["app"] = "y"
	setup(t, m, pod)
	if got := readFile(t, filepath.Join(dir, "sub/app")); got != "y" {
		t.Errorf("after relabel sub/app = %q", got)
	}
}

func TestDownwardAPIRejectsNonMetadata(t *testing.T) {
	m, _ := newTest(t, true)
	pod := newPod(v1.Volume{Name: "info", VolumeSource: v1.VolumeSource{DownwardAPI: &v1.DownwardAPIVolumeSource{
		Items: []v1.DownwardAPIVolumeFile{{Path: "node", FieldRef: &v1.ObjectFieldSelector{FieldPath: "spec.nodeName"}}},
	}}})
	if _, err := m.Setup(t.Context(), pod); err == nil || !strings.Contains(err.Error(), "unsupported fieldPath") {
		t.Errorf("err = %v", err)
	}
}
