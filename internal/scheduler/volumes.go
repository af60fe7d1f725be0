package scheduler

import (
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/client-go/informers"
	corelisters "k8s.io/client-go/listers/core/v1"
	storagelisters "k8s.io/client-go/listers/storage/v1"
	"k8s.io/client-go/tools/cache"
)

// volumeLister answers VolumeBinding's questions from informers.
type volumeLister struct {
	pvcs    corelisters.PersistentVolumeClaimLister
	classes storagelisters.StorageClassLister
	// synced tells when both listers hold the whole initial lists.
	synced []cache.DoneChecker
}

func newVolumeLister(f informers.SharedInformerFactory) *volumeLister {
	pvcs, classes := f.Core().V1().PersistentVolumeClaims(), f.Storage().V1().StorageClasses()
	return &volumeLister{pvcs: pvcs.Lister(), classes: classes.Lister(),
		synced: []cache.DoneChecker{pvcs.Informer().HasSyncedChecker(), classes.Informer().HasSyncedChecker()}}
}

func (v *volumeLister) PersistentVolumeClaim(ns, name string) (*corev1.PersistentVolumeClaim, bool) {
	pvc, err := v.pvcs.PersistentVolumeClaims(ns).Get(name)
	return pvc, err == nil
}

func (v *volumeLister) StorageClass(name string) (*storagev1.StorageClass, bool) {
	sc, err := v.classes.Get(name)
	return sc, err == nil
}
