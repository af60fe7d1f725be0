package scheduler

import (
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/client-go/informers"
	corelisters "k8s.io/client-go/listers/core/v1"
	storagelisters "k8s.io/client-go/listers/storage/v1"
)

// volumeLister answers VolumeBinding's questions from informers.
type volumeLister struct {
	pvcs    corelisters.PersistentVolumeClaimLister
	classes storagelisters.StorageClassLister
}

func newVolumeLister(f informers.SharedInformerFactory) *volumeLister {
	return &volumeLister{pvcs: f.Core().V1().PersistentVolumeClaims().Lister(), classes: f.Storage().V1().StorageClasses().Lister()}
}

func (v *volumeLister) PersistentVolumeClaim(ns, name string) (*corev1.PersistentVolumeClaim, bool) {
	pvc, err := v.pvcs.PersistentVolumeClaims(ns).Get(name)
	return pvc, err == nil
}

func (v *volumeLister) StorageClass(name string) (*storagev1.StorageClass, bool) {
	sc, err := v.classes.Get(name)
	return sc, err == nil
}
