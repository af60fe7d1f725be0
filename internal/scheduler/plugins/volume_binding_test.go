package plugins

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	fw "orca/internal/scheduler/framework"
)

type fakeVolumes struct {
	pvcs    map[string]*v1.PersistentVolumeClaim
	classes map[string]*storagev1.StorageClass
}

func (f fakeVolumes) PersistentVolumeClaim(ns, name string) (*v1.PersistentVolumeClaim, bool) {
	p, ok := f.pvcs[ns+"/"+name]
	return p, ok
}

func (f fakeVolumes) StorageClass(name string) (*storagev1.StorageClass, bool) {
	c, ok := f.classes[name]
	return c, ok
}

func pvc(name, class, volume string) *v1.PersistentVolumeClaim {
	c := &v1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}, Spec: v1.PersistentVolumeClaimSpec{VolumeName: volume}}
	if class != "" {
		c.Spec.StorageClassName = ptr.To(class)
	}
	return c
}

func TestVolumeBinding(t *testing.T) {
	wffc, imm := storagev1.VolumeBindingWaitForFirstConsumer, storagev1.VolumeBindingImmediate
	deleting := pvc("deleting", "", "pv")
	deleting.DeletionTimestamp = &metav1.Time{}
	owner := mkPod("p", nil)
	eph := pvc("p-scratch", "local", "")
	eph.OwnerReferences = []metav1.OwnerReference{{UID: owner.UID, Controller: ptr.To(true), Name: "p", Kind: "Pod", APIVersion: "v1"}}
	lister := fakeVolumes{
		pvcs: map[string]*v1.PersistentVolumeClaim{},
		classes: map[string]*storagev1.StorageClass{
			"local": {ObjectMeta: metav1.ObjectMeta{Name: "local"}, VolumeBindingMode: &wffc},
			"fast":  {ObjectMeta: metav1.ObjectMeta{Name: "fast"}, VolumeBindingMode: &imm},
		},
	}
	for _, c := range []*v1.PersistentVolumeClaim{pvc("bound", "fast", "pv1"), pvc("late", "local", ""), pvc("now", "fast", ""), pvc("noclass", "", ""), pvc("unknownclass", "gone", ""), deleting, eph, pvc("p-notmine", "local", "")} {
		lister.pvcs["default/"+c.Name] = c
	}
	unresolvable := func(msg string) *fw.Status { return fw.NewStatus(fw.UnschedulableAndUnresolvable, msg) }
	claimVol := func(claim string) v1.Volume {
		return v1.Volume{Name: claim, VolumeSource: v1.VolumeSource{PersistentVolumeClaim: &v1.PersistentVolumeClaimVolumeSource{ClaimName: claim}}}
	}
	ephVol := func(name string) v1.Volume {
		return v1.Volume{Name: name, VolumeSource: v1.VolumeSource{Ephemeral: &v1.EphemeralVolumeSource{}}}
	}
	tests := []struct {
		name string
		vols []v1.Volume
		want *fw.Status
	}{
		{"no claims", []v1.Volume{{Name: "e", VolumeSource: v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{}}}}, fw.NewStatus(fw.Skip)},
		{"bound", []v1.Volume{claimVol("bound")}, nil},
		{"unbound, WaitForFirstConsumer", []v1.Volume{claimVol("late")}, nil},
		{"unbound, Immediate", []v1.Volume{claimVol("bound"), claimVol("now")}, unresolvable(ErrReasonUnboundImmediatePVC)},
		{"unbound, no class", []v1.Volume{claimVol("noclass")}, unresolvable(ErrReasonUnboundImmediatePVC)},
		{"unbound, unknown class", []v1.Volume{claimVol("unknownclass")}, unresolvable(ErrReasonUnboundImmediatePVC)},
		{"missing", []v1.Volume{claimVol("x")}, unresolvable(`persistentvolumeclaim "x" not found`)},
		{"being deleted", []v1.Volume{claimVol("deleting")}, unresolvable(`persistentvolumeclaim "deleting" is being deleted`)},
		{"ephemeral owned", []v1.Volume{ephVol("scratch")}, nil},
		{"ephemeral not owned", []v1.Volume{ephVol("notmine")}, unresolvable("PVC default/p-notmine was not created for pod default/p (pod is not owner)")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := owner.DeepCopy()
			p.Spec.Volumes = tc.vols
			_, st := VolumeBinding{Lister: lister}.PreFilter(ctx, fw.NewCycleState(), p, nil)
			checkStatus(t, st, tc.want)
		})
	}
}
