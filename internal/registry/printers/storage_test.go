package printers

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestStorageClassCells(t *testing.T) {
	retain, wait := corev1.PersistentVolumeReclaimRetain, storagev1.VolumeBindingWaitForFirstConsumer
	def := &storagev1.StorageClass{ObjectMeta: meta5m("standard"), Provisioner: "rancher.io/local-path",
		ReclaimPolicy: &retain, VolumeBindingMode: &wait, AllowVolumeExpansion: ptr(true)}
	def.Annotations = map[string]string{"storageclass.kubernetes.io/is-default-class": "true"}
	beta := &storagev1.StorageClass{ObjectMeta: meta5m("old"), Provisioner: "x"}
	beta.Annotations = map[string]string{"storageclass.beta.kubernetes.io/is-default-class": "true"}
	checkCells(t, "storage.k8s.io", "storageclasses", []cellCase{
		{"default", def, []interface{}{"standard (default)", "rancher.io/local-path", "Retain", "WaitForFirstConsumer", true, "5m"}},
		{"beta default, defaults", beta, []interface{}{"old (default)", "x", "Delete", "Immediate", false, "5m"}},
		{"plain", &storagev1.StorageClass{ObjectMeta: meta5m("p"), Provisioner: "y"}, []interface{}{"p", "y", "Delete", "Immediate", false, "5m"}},
	})
}

func TestOtherStorageCells(t *testing.T) {
	vac := &storagev1.VolumeAttributesClass{ObjectMeta: meta5m("gold"), DriverName: "csi.example.com"}
	vac.Annotations = map[string]string{"volumeattributesclass.alpha.kubernetes.io/is-default-class": "true"}
	checkCells(t, "storage.k8s.io", "volumeattributesclasses", []cellCase{
		{"default", vac, []interface{}{"gold (default)", "csi.example.com", "5m"}},
	})
	checkCells(t, "storage.k8s.io", "csidrivers", []cellCase{
		{"defaults", &storagev1.CSIDriver{ObjectMeta: meta5m("d")}, []interface{}{"d", true, false, false, "<unset>", false, "Persistent", "5m"}},
		{"set", &storagev1.CSIDriver{ObjectMeta: meta5m("e"), Spec: storagev1.CSIDriverSpec{AttachRequired: ptr(false),
			PodInfoOnMount: ptr(true), StorageCapacity: ptr(true), RequiresRepublish: ptr(true),
			TokenRequests:        []storagev1.TokenRequest{{Audience: "a"}, {Audience: "b"}},
			VolumeLifecycleModes: []storagev1.VolumeLifecycleMode{storagev1.VolumeLifecyclePersistent, storagev1.VolumeLifecycleEphemeral}}},
			[]interface{}{"e", false, true, true, "a,b", true, "Persistent,Ephemeral", "5m"}},
	})
	checkCells(t, "storage.k8s.io", "csinodes", []cellCase{
		{"two drivers", &storagev1.CSINode{ObjectMeta: meta5m("n"), Spec: storagev1.CSINodeSpec{Drivers: make([]storagev1.CSINodeDriver, 2)}},
			[]interface{}{"n", int64(2), "5m"}},
	})
	q := resource.MustParse("100Gi")
	checkCells(t, "storage.k8s.io", "csistoragecapacities", []cellCase{
		{"capacity", &storagev1.CSIStorageCapacity{ObjectMeta: meta5m("c"), StorageClassName: "fast", Capacity: &q},
			[]interface{}{"c", "fast", "100Gi"}},
		{"unset", &storagev1.CSIStorageCapacity{ObjectMeta: meta5m("u")}, []interface{}{"u", "", "<unset>"}},
	})
	checkCells(t, "storage.k8s.io", "volumeattachments", []cellCase{
		{"attached", &storagev1.VolumeAttachment{ObjectMeta: meta5m("csi-1"),
			Spec: storagev1.VolumeAttachmentSpec{Attacher: "csi.example.com", NodeName: "node-1",
				Source: storagev1.VolumeAttachmentSource{PersistentVolumeName: ptr("pv-1")}},
			Status: storagev1.VolumeAttachmentStatus{Attached: true}},
			[]interface{}{"csi-1", "csi.example.com", "pv-1", "node-1", true, "5m"}},
	})
}
