package volume

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

func TestUnsupportedVolumeType(t *testing.T) {
	m, _ := newTest(t, true)
	pod := newPod(
		v1.Volume{Name: "ok", VolumeSource: v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{}}},
		v1.Volume{Name: "share", VolumeSource: v1.VolumeSource{NFS: &v1.NFSVolumeSource{Server: "s", Path: "/"}}},
		v1.Volume{Name: "img", VolumeSource: v1.VolumeSource{Image: &v1.ImageVolumeSource{Reference: "x"}}},
	)
	paths, err := m.Setup(t.Context(), pod)
	for _, want := range []string{`volume "share" : volume type "nfs" is not supported`, `volume "img" : volume type "image" is not supported`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to contain %q", err, want)
		}
	}
	if _, ok := paths["ok"]; !ok || len(paths) != 1 {
		t.Errorf("paths = %v: the good volume should still be set up", paths)
	}
}

func TestPodDirsAndTeardown(t *testing.T) {
	m, _ := newTest(t, true)
	if uids, err := m.PodDirs(); err != nil || len(uids) != 0 {
		t.Fatalf("PodDirs before anything = %v, %v", uids, err)
	}
	for _, uid := range []types.UID{"a", "b"} {
		pod := newPod(v1.Volume{Name: "e", VolumeSource: v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{}}})
		pod.UID = uid
		setup(t, m, pod)
	}
	uids, err := m.PodDirs()
	if err != nil || !slices.Equal(uids, []types.UID{"a", "b"}) {
		t.Fatalf("PodDirs = %v, %v", uids, err)
	}
	for i := 0; i < 2; i++ {
		if err := m.Teardown("a"); err != nil {
			t.Fatalf("Teardown #%d: %v", i+1, err)
		}
	}
	if uids, _ := m.PodDirs(); !slices.Equal(uids, []types.UID{"b"}) {
		t.Errorf("PodDirs after teardown = %v", uids)
	}
	if err := m.Teardown("never-existed"); err != nil {
		t.Errorf("Teardown of unknown pod: %v", err)
	}
}

// A container with Bidirectional propagation can leave a mount inside an
// emptyDir. Teardown must unmount it rather than delete through it.
func TestTeardownUnmountsNestedMounts(t *testing.T) {
	requireRoot(t)
	m, _ := newTest(t, false)
	pod := newPod(v1.Volume{Name: "e", VolumeSource: v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{}}})
	dir := setup(t, m, pod)["e"]
	nested := filepath.Join(dir, "mnt")
	mkdirs(t, nested)
	if err := mountTmpfs(nested, 1<<20); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(nested, "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := m.Teardown(pod.UID); err != nil {
		t.Fatal(err)
	}
	if mounted, _ := isTmpfsMount(t, nested); mounted {
		t.Error("nested mount survived Teardown")
	}
	if _, err := os.Stat(m.podDir(pod.UID)); !os.IsNotExist(err) {
		t.Errorf("pod dir remains: %v", err)
	}
}

func TestUnescapeMountPath(t *testing.T) {
	for in, want := range map[string]string{`/a\040b`: "/a b", `/plain`: "/plain", `/x\134y`: `/x\y`, `/trail\04`: `/trail\04`} {
		if got := unescapeMountPath(in); got != want {
			t.Errorf("unescape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRejectsBadUID(t *testing.T) {
	m, _ := newTest(t, true)
	for _, uid := range []types.UID{"", ".", "..", "a/b"} {
		pod := newPod()
		pod.UID = uid
		if _, err := m.Setup(t.Context(), pod); err == nil {
			t.Errorf("Setup with UID %q: want error", uid)
		}
		if err := m.Teardown(uid); err == nil {
			t.Errorf("Teardown(%q): want error", uid)
		}
	}
}
