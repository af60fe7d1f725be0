package volume

import (
	"path/filepath"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func secret(name string, data map[string]string) *v1.Secret {
	s := &v1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"}, Data: map[string][]byte{}}
	for k, v := range data {
		s.Data[k] = []byte(v)
	}
	return s
}

func secretVolume(name, secret string, mut func(*v1.SecretVolumeSource)) v1.Volume {
	src := &v1.SecretVolumeSource{SecretName: secret}
	if mut != nil {
		mut(src)
	}
	return v1.Volume{Name: name, VolumeSource: v1.VolumeSource{Secret: src}}
}

func TestSecretOnTmpfs(t *testing.T) {
	requireRoot(t)
	m, _ := newTest(t, false, secret("s", map[string]string{"password": "hunter2"}))
	pod := newPod(secretVolume("creds", "s", nil))
	dir := setup(t, m, pod)["creds"]
	if want := filepath.Join(m.o.RootDir, "uid-1/volumes/kubernetes.io~secret/creds"); dir != want {
		t.Errorf("dir = %s", dir)
	}
	if mounted, _ := isTmpfsMount(t, dir); !mounted {
		t.Error("secret volume is not on a tmpfs")
	}
	if got := readFile(t, filepath.Join(dir, "password")); got != "hunter2" {
		t.Errorf("password = %q", got)
	}
	if err := m.Teardown(pod.UID); err != nil {
		t.Fatal(err)
	}
	if mounted, _ := isTmpfsMount(t, dir); mounted {
		t.Error("still mounted after Teardown")
	}
}

func TestSecretVolume(t *testing.T) {
	s := secret("s", map[string]string{"user": "u", "pass": "p"})
	tests := []struct {
		name    string
		secret  string
		mut     func(*v1.SecretVolumeSource)
		files   map[string]string
		modes   map[string]uint32
		wantErr string
	}{
		{name: "all keys", secret: "s", files: map[string]string{"user": "u", "pass": "p"}, modes: map[string]uint32{"pass": 0o644}},
		{name: "items", secret: "s", mut: func(v *v1.SecretVolumeSource) {
			v.DefaultMode = ptr[int32](0o440)
			v.Items = []v1.KeyToPath{{Key: "pass", Path: "db/pw", Mode: ptr[int32](0o400)}, {Key: "user", Path: "u"}}
		}, files: map[string]string{"db/pw": "p", "u": "u"}, modes: map[string]uint32{"db/pw": 0o400, "u": 0o440}},
		{name: "missing key", secret: "s", mut: func(v *v1.SecretVolumeSource) { v.Items = []v1.KeyToPath{{Key: "x", Path: "x"}} },
			wantErr: "references non-existent secret key: x"},
		{name: "missing secret", secret: "nope", wantErr: `secret "nope" not found`},
		{name: "missing optional", secret: "nope", mut: func(v *v1.SecretVolumeSource) { v.Optional = ptr(true) }, files: map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newTest(t, true, s)
			paths, err := m.Setup(t.Context(), newPod(secretVolume("v", tt.secret, tt.mut)))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for p, want := range tt.files {
				if got := readFile(t, filepath.Join(paths["v"], p)); got != want {
					t.Errorf("%s = %q, want %q", p, got, want)
				}
			}
			for p, want := range tt.modes {
				if got := modeOf(t, filepath.Join(paths["v"], p)); uint32(got) != want {
					t.Errorf("mode of %s = %o, want %o", p, got, want)
				}
			}
			if len(tt.files) == 0 && len(visibleNames(t, paths["v"])) != 0 {
				t.Error("want an empty volume")
			}
		})
	}
}
