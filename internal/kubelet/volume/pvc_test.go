package volume

import (
	"path/filepath"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

func claim(name, volume string, phase v1.PersistentVolumeClaimPhase) *v1.PersistentVolumeClaim {
	return &v1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID("pvc-" + name)},
		Spec:       v1.PersistentVolumeClaimSpec{VolumeName: volume},
		Status:     v1.PersistentVolumeClaimStatus{Phase: phase},
	}
}

func pv(name string, src v1.PersistentVolumeSource) *v1.PersistentVolume {
	return &v1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: v1.PersistentVolumeSpec{PersistentVolumeSource: src}}
}

func claimVolume(claim string) v1.Volume {
	return v1.Volume{Name: "data", VolumeSource: v1.VolumeSource{PersistentVolumeClaim: &v1.PersistentVolumeClaimVolumeSource{ClaimName: claim}}}
}

func TestPersistentVolumeClaim(t *testing.T) {
	base := t.TempDir()
	hp := filepath.Join(base, "hp")
	local := filepath.Join(base, "local")
	mkdirs(t, local)
	typ := v1.HostPathDirectoryOrCreate
	objs := []runtime.Object{
		claim("bound-hp", "pv-hp", v1.ClaimBound), pv("pv-hp", v1.PersistentVolumeSource{HostPath: &v1.HostPathVolumeSource{Path: hp, Type: &typ}}),
		claim("bound-local", "pv-local", v1.ClaimBound), pv("pv-local", v1.PersistentVolumeSource{Local: &v1.LocalVolumeSource{Path: local}}),
		claim("bound-nfs", "pv-nfs", v1.ClaimBound), pv("pv-nfs", v1.PersistentVolumeSource{NFS: &v1.NFSVolumeSource{Server: "s", Path: "/"}}),
		claim("pending", "", v1.ClaimPending),
		claim("bound-missing-pv", "pv-none", v1.ClaimBound),
	}
	tests := []struct {
		claim, want, wantErr string
	}{
		{claim: "bound-hp", want: hp},
		{claim: "bound-local", want: local},
		{claim: "bound-nfs", wantErr: `volume type "nfs" is not supported`},
		{claim: "pending", wantErr: `persistentvolumeclaim "pending" is not bound`},
		{claim: "absent", wantErr: `persistentvolumeclaim "absent" not found`},
		{claim: "bound-missing-pv", wantErr: `"pv-none" not found`},
	}
	for _, tt := range tests {
		t.Run(tt.claim, func(t *testing.T) {
			m, _ := newTest(t, true, objs...)
			paths, err := m.Setup(t.Context(), newPod(claimVolume(tt.claim)))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if paths["data"] != tt.want {
				t.Errorf("path = %q, want %q", paths["data"], tt.want)
			}
			if fileType(tt.want) != v1.HostPathDirectory {
				t.Error("volume path is not a directory")
			}
		})
	}
}

func TestEphemeralVolumeClaim(t *testing.T) {
	dir := t.TempDir()
	owned := claim("p-scratch", "pv1", v1.ClaimBound)
	owned.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "Pod", Name: "p", UID: "uid-1", Controller: ptr(true)}}
	vol := v1.Volume{Name: "scratch", VolumeSource: v1.VolumeSource{Ephemeral: &v1.EphemeralVolumeSource{}}}

	m, _ := newTest(t, true, owned, pv("pv1", v1.PersistentVolumeSource{HostPath: &v1.HostPathVolumeSource{Path: dir}}))
	if got := setup(t, m, newPod(vol))["scratch"]; got != dir {
		t.Errorf("path = %q", got)
	}

	foreign := claim("p-scratch", "pv1", v1.ClaimBound)
	m2, _ := newTest(t, true, foreign, pv("pv1", v1.PersistentVolumeSource{HostPath: &v1.HostPathVolumeSource{Path: dir}}))
	if _, err := m2.Setup(t.Context(), newPod(vol)); err == nil || !strings.Contains(err.Error(), "pod is not owner") {
		t.Errorf("err = %v", err)
	}
}
