package volume

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func mkdirs(t *testing.T, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func TestMounts(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "data")
	cfg := filepath.Join(root, "cfg")
	mkdirs(t, filepath.Join(data, "existing"), cfg)
	os.Chmod(data, 0o777)
	os.Symlink("/etc", filepath.Join(data, "escape"))
	os.Symlink("existing", filepath.Join(data, "inside"))
	paths := map[string]string{"data": data, "cfg": cfg, "claim": data}
	pod := newPod(
		v1.Volume{Name: "data", VolumeSource: v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{}}},
		v1.Volume{Name: "cfg", VolumeSource: v1.VolumeSource{ConfigMap: &v1.ConfigMapVolumeSource{}}},
		v1.Volume{Name: "claim", VolumeSource: v1.VolumeSource{PersistentVolumeClaim: &v1.PersistentVolumeClaimVolumeSource{ReadOnly: true}}},
	)
	env := map[string]string{"POD_NAME": "web-0", "EMPTY": ""}
	bidi := v1.MountPropagationBidirectional
	h2c := v1.MountPropagationHostToContainer
	none := v1.MountPropagationNone
	bogus := v1.MountPropagationMode("Sideways")

	tests := []struct {
		name    string
		vm      v1.VolumeMount
		want    *runtimeapi.Mount
		wantErr string
	}{
		{name: "plain", vm: v1.VolumeMount{Name: "data", MountPath: "/d"},
			want: &runtimeapi.Mount{ContainerPath: "/d", HostPath: data}},
		{name: "readOnly", vm: v1.VolumeMount{Name: "data", MountPath: "/d", ReadOnly: true},
			want: &runtimeapi.Mount{ContainerPath: "/d", HostPath: data, Readonly: true}},
		{name: "configMap always read-only", vm: v1.VolumeMount{Name: "cfg", MountPath: "/etc/app"},
			want: &runtimeapi.Mount{ContainerPath: "/etc/app", HostPath: cfg, Readonly: true}},
		{name: "read-only claim", vm: v1.VolumeMount{Name: "claim", MountPath: "/c"},
			want: &runtimeapi.Mount{ContainerPath: "/c", HostPath: data, Readonly: true}},
		{name: "subPath existing", vm: v1.VolumeMount{Name: "data", MountPath: "/x", SubPath: "existing"},
			want: &runtimeapi.Mount{ContainerPath: "/x", HostPath: filepath.Join(data, "existing")}},
		{name: "subPath created", vm: v1.VolumeMount{Name: "data", MountPath: "/x", SubPath: "new/deep"},
			want: &runtimeapi.Mount{ContainerPath: "/x", HostPath: filepath.Join(data, "new/deep")}},
		{name: "subPath symlink inside", vm: v1.VolumeMount{Name: "data", MountPath: "/x", SubPath: "inside"},
			want: &runtimeapi.Mount{ContainerPath: "/x", HostPath: filepath.Join(data, "existing")}},
		{name: "subPath symlink escape", vm: v1.VolumeMount{Name: "data", MountPath: "/x", SubPath: "escape"}, wantErr: "not within volume path"},
		{name: "subPath absolute", vm: v1.VolumeMount{Name: "data", MountPath: "/x", SubPath: "/etc"}, wantErr: "must not be an absolute path"},
		{name: "subPath backstep", vm: v1.VolumeMount{Name: "data", MountPath: "/x", SubPath: "a/../../etc"}, wantErr: "must not contain '..'"},
		{name: "subPathExpr", vm: v1.VolumeMount{Name: "data", MountPath: "/logs", SubPathExpr: "logs/$(POD_NAME)"},
			want: &runtimeapi.Mount{ContainerPath: "/logs", HostPath: filepath.Join(data, "logs/web-0")}},
		{name: "subPathExpr missing var", vm: v1.VolumeMount{Name: "data", MountPath: "/x", SubPathExpr: "$(NOPE)/$(EMPTY)"}, wantErr: "missing value for EMPTY, NOPE"},
		{name: "propagation none", vm: v1.VolumeMount{Name: "data", MountPath: "/d", MountPropagation: &none},
			want: &runtimeapi.Mount{ContainerPath: "/d", HostPath: data}},
		{name: "propagation host to container", vm: v1.VolumeMount{Name: "data", MountPath: "/d", MountPropagation: &h2c},
			want: &runtimeapi.Mount{ContainerPath: "/d", HostPath: data, Propagation: runtimeapi.MountPropagation_PROPAGATION_HOST_TO_CONTAINER}},
		{name: "propagation bidirectional", vm: v1.VolumeMount{Name: "data", MountPath: "/d", MountPropagation: &bidi},
			want: &runtimeapi.Mount{ContainerPath: "/d", HostPath: data, Propagation: runtimeapi.MountPropagation_PROPAGATION_BIDIRECTIONAL}},
		{name: "propagation invalid", vm: v1.VolumeMount{Name: "data", MountPath: "/d", MountPropagation: &bogus}, wantErr: "invalid MountPropagation"},
		{name: "unknown volume", vm: v1.VolumeMount{Name: "nope", MountPath: "/d"}, wantErr: `cannot find volume "nope" to mount into container "c"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &v1.Container{Name: "c", VolumeMounts: []v1.VolumeMount{tt.vm}}
			got, err := Mounts(pod, c, paths, env)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].String() != tt.want.String() {
				t.Errorf("got %v\nwant %v", got, tt.want)
			}
			if fileType(got[0].HostPath) != v1.HostPathDirectory {
				t.Errorf("host path %s missing", got[0].HostPath)
			}
		})
	}
	if got := modeOf(t, filepath.Join(data, "new/deep")); got != 0o777 {
		t.Errorf("created subPath mode = %o, want the volume's 777", got)
	}
}

func TestMountsConfigMapSubPathFile(t *testing.T) {
	m, _ := newTest(t, false, configMap("cfg", map[string]string{"app.conf": "x"}))
	pod := newPod(cmVolume("cfg", "cfg", nil))
	paths := setup(t, m, pod)
	c := &v1.Container{Name: "c", VolumeMounts: []v1.VolumeMount{{Name: "cfg", MountPath: "/etc/app.conf", SubPath: "app.conf"}}}
	got, err := Mounts(pod, c, paths, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fileType(got[0].HostPath) != v1.HostPathFile || !strings.Contains(got[0].HostPath, "/..2") || !got[0].Readonly {
		t.Errorf("mount = %v, want the read-only file inside the current ..<ts> dir", got[0])
	}
}
