package plugins

import (
	"context"
	"fmt"

	v1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	fw "orca/internal/scheduler/framework"
)

// VolumeLister is the read-only view of claims and classes VolumeBinding
// needs; the scheduler backs it with informers, tests with maps.
type VolumeLister interface {
	PersistentVolumeClaim(namespace, name string) (*v1.PersistentVolumeClaim, bool)
	StorageClass(name string) (*storagev1.StorageClass, bool)
}

// VolumeBinding (basics): a pod cannot be placed while one of its claims is
// missing, being deleted, not owned (generic ephemeral volumes), or unbound
// with immediate binding — the PV controller must bind those first, so no
// node choice can help.
type VolumeBinding struct {
	Lister VolumeLister
}

const (
	VolumeBindingName            = "VolumeBinding"
	ErrReasonUnboundImmediatePVC = "pod has unbound immediate PersistentVolumeClaims"
	betaStorageClassAnnotation   = "volume.beta.kubernetes.io/storage-class"
)

func (VolumeBinding) Name() string { return VolumeBindingName }

// PreFilter checks every claim once per cycle; nodes don't matter here.
func (p VolumeBinding) PreFilter(_ context.Context, _ *fw.CycleState, pod *v1.Pod, _ *fw.Snapshot) (*fw.PreFilterResult, *fw.Status) {
	if p.Lister == nil || !hasClaims(pod) {
		return nil, fw.NewStatus(fw.Skip)
	}
	immediate := false
	for i := range pod.Spec.Volumes {
		name, ephemeral := claimName(pod, &pod.Spec.Volumes[i])
		if name == "" {
			continue
		}
		pvc, st := p.claim(pod, name, ephemeral)
		if st != nil {
			return nil, st
		}
		if pvc.Spec.VolumeName == "" && !p.waitForFirstConsumer(pvc) {
			immediate = true
		}
	}
	if immediate {
		return nil, fw.NewStatus(fw.UnschedulableAndUnresolvable, ErrReasonUnboundImmediatePVC)
	}
	return nil, nil
}

func (p VolumeBinding) claim(pod *v1.Pod, name string, ephemeral bool) (*v1.PersistentVolumeClaim, *fw.Status) {
	pvc, ok := p.Lister.PersistentVolumeClaim(pod.Namespace, name)
	if !ok {
		return nil, fw.NewStatus(fw.UnschedulableAndUnresolvable, fmt.Sprintf("persistentvolumeclaim %q not found", name))
	}
	if pvc.DeletionTimestamp != nil {
		return nil, fw.NewStatus(fw.UnschedulableAndUnresolvable, fmt.Sprintf("persistentvolumeclaim %q is being deleted", name))
	}
	if ephemeral && !metav1.IsControlledBy(pvc, pod) {
		return nil, fw.NewStatus(fw.UnschedulableAndUnresolvable,
			fmt.Sprintf("PVC %s/%s was not created for pod %s/%s (pod is not owner)", pvc.Namespace, pvc.Name, pod.Namespace, pod.Name))
	}
	return pvc, nil
}

// waitForFirstConsumer: binding is delayed until a node is chosen. An
// unnamed or unknown class means immediate binding, as upstream.
func (p VolumeBinding) waitForFirstConsumer(pvc *v1.PersistentVolumeClaim) bool {
	class := pvc.Annotations[betaStorageClassAnnotation]
	if pvc.Spec.StorageClassName != nil {
		class = *pvc.Spec.StorageClassName
	}
	if class == "" {
		return false
	}
	sc, ok := p.Lister.StorageClass(class)
	return ok && sc.VolumeBindingMode != nil && *sc.VolumeBindingMode == storagev1.VolumeBindingWaitForFirstConsumer
}

func hasClaims(pod *v1.Pod) bool {
	for i := range pod.Spec.Volumes {
		if n, _ := claimName(pod, &pod.Spec.Volumes[i]); n != "" {
			return true
		}
	}
	return false
}

// claimName returns the PVC a volume uses; generic ephemeral volumes use
// the "<pod>-<volume>" claim the ephemeral controller creates.
func claimName(pod *v1.Pod, vol *v1.Volume) (string, bool) {
	switch {
	case vol.PersistentVolumeClaim != nil:
		return vol.PersistentVolumeClaim.ClaimName, false
	case vol.Ephemeral != nil:
		return pod.Name + "-" + vol.Name, true
	}
	return "", false
}
