package volume

import (
	"context"
	"fmt"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// setupClaim resolves a PersistentVolumeClaim to its bound volume's path on
// this node. Only node-local volumes can be used: hostPath (type checked
// and created as for a hostPath volume) and local. ephemeral marks the
// claim of a generic ephemeral volume, which must belong to the pod.
func (m *Manager) setupClaim(ctx context.Context, pod *v1.Pod, name string, ephemeral bool) (string, error) {
	pvc, err := m.o.Client.CoreV1().PersistentVolumeClaims(pod.Namespace).Get(ctx, name, cacheRead)
	if apierrors.IsNotFound(err) {
		return "", apierrors.NewNotFound(schema.GroupResource{Resource: "persistentvolumeclaim"}, name)
	}
	if err != nil {
		return "", err
	}
	if err := checkClaim(pod, pvc, ephemeral); err != nil {
		return "", err
	}
	pv, err := m.o.Client.CoreV1().PersistentVolumes().Get(ctx, pvc.Spec.VolumeName, cacheRead)
	if err != nil {
		return "", err
	}
	if ref := pv.Spec.ClaimRef; ref != nil && ref.UID != "" && ref.UID != pvc.UID {
		return "", fmt.Errorf("persistentvolume %q is bound to another claim", pv.Name)
	}
	return volumePath(pv)
}

func checkClaim(pod *v1.Pod, pvc *v1.PersistentVolumeClaim, ephemeral bool) error {
	if ephemeral && !metav1.IsControlledBy(pvc, pod) {
		return fmt.Errorf("PVC %s/%s was not created for pod %s/%s (pod is not owner)", pvc.Namespace, pvc.Name, pod.Namespace, pod.Name)
	}
	if pvc.DeletionTimestamp != nil {
		return fmt.Errorf("can't start pod because PVC %s/%s is being deleted", pvc.Namespace, pvc.Name)
	}
	if pvc.Status.Phase != v1.ClaimBound || pvc.Spec.VolumeName == "" {
		return fmt.Errorf("persistentvolumeclaim %q is not bound", pvc.Name)
	}
	return nil
}

// volumePath is where a node-local persistent volume lives on the host.
func volumePath(pv *v1.PersistentVolume) (string, error) {
	switch {
	case pv.Spec.HostPath != nil:
		return setupHostPath(pv.Spec.HostPath.Path, pv.Spec.HostPath.Type)
	case pv.Spec.Local != nil:
		if !exists(pv.Spec.Local.Path) {
			return "", fmt.Errorf("local volume %q: path %s does not exist", pv.Name, pv.Spec.Local.Path)
		}
		return pv.Spec.Local.Path, nil
	}
	return "", fmt.Errorf("persistentvolume %q: volume type %q is not supported by orca (only hostPath and local)", pv.Name, sourceType(&pv.Spec.PersistentVolumeSource))
}
