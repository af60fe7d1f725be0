package volume

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestEmptyDirDisk(t *testing.T) {
	m, _ := newTest(t, false)
	pod := newPod(v1.Volume{Name: "scratch", VolumeSource: v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{}}})
	paths := setup(t, m, pod)
	want := filepath.Join(m.o.RootDir, "uid-1", "volumes", "kubernetes.io~empty-dir", "scratch")
	if paths["scratch"] != want {
		t.Fatalf("path = %q, want %q", paths["scratch"], want)
	}
	if got := modeOf(t, want); got != 0o777 {
		t.Errorf("mode = %o, want 777", got)
	}
	// Content survives a second Setup.
	if err := os.WriteFile(filepath.Join(want, "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	setup(t, m, pod)
	if readFile(t, filepath.Join(want, "f")) != "x" {
		t.Error("second Setup lost content")
	}
	if mounted, _ := isTmpfsMount(t, want); mounted {
		t.Error("disk emptyDir is a tmpfs")
	}
}

func TestEmptyDirMemoryMountsTmpfs(t *testing.T) {
	requireRoot(t)
	m, _ := newTest(t, false)
	limit := resource.MustParse("64Mi")
	pod := newPod(v1.Volume{Name: "shm", VolumeSource: v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{Medium: v1.StorageMediumMemory, SizeLimit: &limit}}})
	dir := setup(t, m, pod)["shm"]
	mounted, opts := isTmpfsMount(t, dir)
	if !mounted {
		t.Fatalf("%s is not a tmpfs mount", dir)
	}
	if !strings.Contains(opts, "size=65536k") {
		t.Errorf("tmpfs options %q lack size=65536k", opts)
	}
	// Idempotent: no second mount stacked on the first.
	setup(t, m, pod)
	if n := countMounts(t, dir); n != 1 {
		t.Errorf("%d mounts on %s after two Setups, want 1", n, dir)
	}
	if err := m.Teardown(pod.UID); err != nil {
		t.Fatal(err)
	}
	if mounted, _ := isTmpfsMount(t, dir); mounted {
		t.Error("tmpfs still mounted after Teardown")
	}
	if _, err := os.Stat(m.podDir(pod.UID)); !os.IsNotExist(err) {
		t.Errorf("pod dir still there: %v", err)
	}
	if err := m.Teardown(pod.UID); err != nil {
		t.Errorf("second Teardown: %v", err)
	}
}

func TestEmptyDirMemoryNoMount(t *testing.T) {
	m, _ := newTest(t, true)
	pod := newPod(v1.Volume{Name: "shm", VolumeSource: v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{Medium: v1.StorageMediumMemory}}})
	dir := setup(t, m, pod)["shm"]
	if mounted, _ := isTmpfsMount(t, dir); mounted {
		t.Error("NoMount manager mounted a tmpfs")
	}
	if got := modeOf(t, dir); got != 0o777 {
		t.Errorf("mode = %o", got)
	}
}

func TestEmptyDirHugePagesUnsupported(t *testing.T) {
	m, _ := newTest(t, true)
	pod := newPod(v1.Volume{Name: "hp", VolumeSource: v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{Medium: v1.StorageMediumHugePages}}})
	if _, err := m.Setup(t.Context(), pod); err == nil {
		t.Error("want error for HugePages medium")
	}
}

func TestMemoryVolumeSize(t *testing.T) {
	q := resource.MustParse
	withLimits := func(limits ...string) *v1.Pod {
		p := newPod()
		p.Spec.Containers = nil
		for _, l := range limits {
			p.Spec.Containers = append(p.Spec.Containers, v1.Container{Resources: v1.ResourceRequirements{Limits: v1.ResourceList{v1.ResourceMemory: q(l)}}})
		}
		return p
	}
	m, _ := newTest(t, true) // allocatable memory 8Gi
	tests := []struct {
		name string
		pod  *v1.Pod
		lim  string
		want int64
	}{
		{"allocatable", newPod(), "", 8 << 30},
		{"sizeLimit", newPod(), "1Gi", 1 << 30},
		{"pod limit", withLimits("100Mi", "200Mi"), "", 300 << 20},
		{"sizeLimit below pod limit", withLimits("1Gi"), "10Mi", 10 << 20},
		{"sizeLimit above pod limit", withLimits("1Gi"), "2Gi", 1 << 30},
		{"sizeLimit above allocatable", newPod(), "16Gi", 8 << 30},
	}
	for _, tt := range tests {
		var lim *resource.Quantity
		if tt.lim != "" {
			lim = ptr(q(tt.lim))
		}
		if got := m.memoryVolumeSize(tt.pod, lim); got != tt.want {
			t.Errorf("%s: size = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func countMounts(t *testing.T, dir string) int {
	t.Helper()
	real, _ := filepath.EvalSymlinks(dir)
	mps, err := mountPointsUnder(real)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, mp := range mps {
		if mp == real {
			n++
		}
	}
	return n
}
