package volume

import (
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func configMap(name string, data map[string]string) *v1.ConfigMap {
	return &v1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"}, Data: data}
}

func cmVolume(name, cm string, mut func(*v1.ConfigMapVolumeSource)) v1.Volume {
	src := &v1.ConfigMapVolumeSource{LocalObjectReference: v1.LocalObjectReference{Name: cm}}
	if mut != nil {
		mut(src)
	}
	return v1.Volume{Name: name, VolumeSource: v1.VolumeSource{ConfigMap: src}}
}

func TestConfigMapVolume(t *testing.T) {
	cm := configMap("cfg", map[string]string{"a": "A", "b": "B"})
	cm.BinaryData = map[string][]byte{"bin": {0, 1, 2}}
	tests := []struct {
		name    string
		mut     func(*v1.ConfigMapVolumeSource)
		files   map[string]string      // user-visible path -> content
		modes   map[string]fs.FileMode // user-visible path -> mode
		wantErr string
	}{
		{name: "all keys", files: map[string]string{"a": "A", "b": "B", "bin": "\x00\x01\x02"}, modes: map[string]fs.FileMode{"a": 0o644}},
		{name: "default mode", mut: func(s *v1.ConfigMapVolumeSource) { s.DefaultMode = ptr[int32](0o400) },
			files: map[string]string{"a": "A"}, modes: map[string]fs.FileMode{"a": 0o400, "bin": 0o400}},
		{name: "items with paths and modes", mut: func(s *v1.ConfigMapVolumeSource) {
			s.DefaultMode = ptr[int32](0o640)
			s.Items = []v1.KeyToPath{{Key: "a", Path: "dir/x.conf", Mode: ptr[int32](0o600)}, {Key: "bin", Path: "y"}}
		}, files: map[string]string{"dir/x.conf": "A", "y": "\x00\x01\x02"}, modes: map[string]fs.FileMode{"dir/x.conf": 0o600, "y": 0o640}},
		{name: "missing key", mut: func(s *v1.ConfigMapVolumeSource) { s.Items = []v1.KeyToPath{{Key: "zzz", Path: "z"}} },
			wantErr: "configmap references non-existent config key: zzz"},
		{name: "missing key optional", mut: func(s *v1.ConfigMapVolumeSource) {
			s.Items = []v1.KeyToPath{{Key: "zzz", Path: "z"}, {Key: "a", Path: "a"}}
			s.Optional = ptr(true)
		}, files: map[string]string{"a": "A"}},
		{name: "bad path", mut: func(s *v1.ConfigMapVolumeSource) { s.Items = []v1.KeyToPath{{Key: "a", Path: "../x"}} },
			wantErr: "must not contain '..'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newTest(t, false, cm)
			pod := newPod(cmVolume("v", "cfg", tt.mut))
			paths, err := m.Setup(t.Context(), pod)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			dir := paths["v"]
			if want := filepath.Join(m.o.RootDir, "uid-1/volumes/kubernetes.io~configmap/v"); dir != want {
				t.Errorf("dir = %s, want %s", dir, want)
			}
			for p, want := range tt.files {
				if got := readFile(t, filepath.Join(dir, p)); got != want {
					t.Errorf("%s = %q, want %q", p, got, want)
				}
			}
			for p, want := range tt.modes {
				if got := modeOf(t, filepath.Join(dir, p)); got != want {
					t.Errorf("mode of %s = %o, want %o", p, got, want)
				}
			}
			var visible []string
			for _, n := range listDir(t, dir) {
				if !strings.HasPrefix(n, "..") {
					visible = append(visible, n)
				}
			}
			want := topLevelOf(tt.files)
			if tt.name == "all keys" || tt.name == "default mode" {
				want = []string{"a", "b", "bin"}
			}
			if !slices.Equal(visible, want) {
				t.Errorf("visible entries = %v, want %v", visible, want)
			}
		})
	}
}

func topLevelOf(files map[string]string) []string {
	var out []string
	for p := range files {
		first, _, _ := strings.Cut(p, "/")
		if !slices.Contains(out, first) {
			out = append(out, first)
		}
	}
	slices.Sort(out)
	return out
}

func TestConfigMapMissing(t *testing.T) {
	m, _ := newTest(t, false)
	_, err := m.Setup(t.Context(), newPod(cmVolume("v", "nope", nil)))
	want := `MountVolume.SetUp failed for volume "v" : configmap "nope" not found`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
}

func TestConfigMapOptionalMissing(t *testing.T) {
	m, client := newTest(t, false)
	pod := newPod(cmVolume("v", "later", func(s *v1.ConfigMapVolumeSource) { s.Optional = ptr(true) }))
	dir := setup(t, m, pod)["v"]
	if n := visibleNames(t, dir); len(n) != 0 {
		t.Errorf("optional missing configmap: entries %v, want none", n)
	}
	// Once it appears, the next sync projects it.
	client.CoreV1().ConfigMaps("ns").Create(t.Context(), configMap("later", map[string]string{"k": "v"}), metav1.CreateOptions{})
	setup(t, m, pod)
	if got := readFile(t, filepath.Join(dir, "k")); got != "v" {
		t.Errorf("k = %q", got)
	}
}

func visibleNames(t *testing.T, dir string) []string {
	var out []string
	for _, n := range listDir(t, dir) {
		if !strings.HasPrefix(n, "..") {
			out = append(out, n)
		}
	}
	return out
}
