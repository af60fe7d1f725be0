package printers

import (
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func storagePrinters() map[string]Printer {
	return map[string]Printer{
		"storageclasses":          {Columns: storageClassColumns, Cells: typed(storageClassCells)},
		"volumeattributesclasses": {Columns: volumeAttributesClassColumns, Cells: typed(volumeAttributesClassCells)},
		"csidrivers":              {Columns: csiDriverColumns, Cells: typed(csiDriverCells)},
		"csinodes":                {Columns: csiNodeColumns, Cells: typed(csiNodeCells)},
		"csistoragecapacities":    {Columns: csiStorageCapacityColumns, Cells: typed(csiStorageCapacityCells)},
		"volumeattachments":       {Columns: volumeAttachmentColumns, Cells: typed(volumeAttachmentCells)},
	}
}

var storageClassColumns = columns(nameColumn(),
	column("Provisioner", "string", "Provisioner of the class's volumes."),
	column("ReclaimPolicy", "string", "Reclaim policy of the class's volumes."),
	column("VolumeBindingMode", "string", "When volumes are bound and provisioned."),
	column("AllowVolumeExpansion", "string", "Whether volumes of the class can grow."),
	ageColumn())

func storageClassCells(sc *storagev1.StorageClass, now time.Time) []interface{} {
	name := sc.Name
	if isDefaultClass(sc.ObjectMeta, "storageclass.kubernetes.io/is-default-class", "storageclass.beta.kubernetes.io/is-default-class") {
		name += " (default)"
	}
	policy := corev1.PersistentVolumeReclaimDelete
	if sc.ReclaimPolicy != nil {
		policy = *sc.ReclaimPolicy
	}
	binding := storagev1.VolumeBindingImmediate
	if sc.VolumeBindingMode != nil {
		binding = *sc.VolumeBindingMode
	}
	return []interface{}{
		name, sc.Provisioner, string(policy), string(binding), boolPtr(sc.AllowVolumeExpansion, false), age(sc.CreationTimestamp, now),
	}
}

func isDefaultClass(m metav1.ObjectMeta, annotations ...string) bool {
	for _, a := range annotations {
		if m.Annotations[a] == "true" {
			return true
		}
	}
	return false
}

var volumeAttributesClassColumns = columns(nameColumn(),
	column("DriverName", "string", "CSI driver the class is for."),
	ageColumn())

func volumeAttributesClassCells(vac *storagev1.VolumeAttributesClass, now time.Time) []interface{} {
	name := vac.Name
	if isDefaultClass(vac.ObjectMeta, "volumeattributesclass.alpha.kubernetes.io/is-default-class") {
		name += " (default)"
	}
	return []interface{}{name, vac.DriverName, age(vac.CreationTimestamp, now)}
}

var csiDriverColumns = columns(nameColumn(),
	column("AttachRequired", "boolean", "Whether volumes need an attach step."),
	column("PodInfoOnMount", "boolean", "Whether pod information is passed on mount."),
	column("StorageCapacity", "boolean", "Whether the driver reports storage capacity."),
	column("TokenRequests", "string", "Audiences of the service account tokens passed on mount."),
	column("RequiresRepublish", "boolean", "Whether volumes are mounted again periodically."),
	column("Modes", "string", "Volume lifecycle modes the driver supports."),
	ageColumn())

func csiDriverCells(d *storagev1.CSIDriver, now time.Time) []interface{} {
	modes := []string{string(storagev1.VolumeLifecyclePersistent)} // the default
	if len(d.Spec.VolumeLifecycleModes) > 0 {
		modes = modes[:0]
		for _, m := range d.Spec.VolumeLifecycleModes {
			modes = append(modes, string(m))
		}
	}
	tokens := "<unset>"
	if d.Spec.TokenRequests != nil {
		audiences := make([]string, len(d.Spec.TokenRequests))
		for i, t := range d.Spec.TokenRequests {
			audiences[i] = t.Audience
		}
		tokens = strings.Join(audiences, ",")
	}
	return []interface{}{
		d.Name, boolPtr(d.Spec.AttachRequired, true), boolPtr(d.Spec.PodInfoOnMount, false),
		boolPtr(d.Spec.StorageCapacity, false), tokens, boolPtr(d.Spec.RequiresRepublish, false),
		strings.Join(modes, ","), age(d.CreationTimestamp, now),
	}
}

var csiNodeColumns = columns(nameColumn(),
	column("Drivers", "integer", "Number of CSI drivers on the node."),
	ageColumn())

func csiNodeCells(n *storagev1.CSINode, now time.Time) []interface{} {
	return []interface{}{n.Name, int64(len(n.Spec.Drivers)), age(n.CreationTimestamp, now)}
}

var csiStorageCapacityColumns = columns(nameColumn(),
	column("StorageClassName", "string", "Storage class the capacity is for."),
	column("Capacity", "string", "Available capacity."))

func csiStorageCapacityCells(c *storagev1.CSIStorageCapacity, _ time.Time) []interface{} {
	capacity := "<unset>"
	if c.Capacity != nil {
		capacity = c.Capacity.String()
	}
	return []interface{}{c.Name, c.StorageClassName, capacity}
}

var volumeAttachmentColumns = columns(nameColumn(),
	metav1.TableColumnDefinition{Name: "Attacher", Type: "string", Format: "name", Description: "Driver that attaches the volume."},
	column("PV", "string", "Persistent volume being attached."),
	column("Node", "string", "Node the volume is attached to."),
	column("Attached", "boolean", "Whether the volume is attached."),
	ageColumn())

func volumeAttachmentCells(va *storagev1.VolumeAttachment, now time.Time) []interface{} {
	pv := ""
	if va.Spec.Source.PersistentVolumeName != nil {
		pv = *va.Spec.Source.PersistentVolumeName
	}
	return []interface{}{va.Name, va.Spec.Attacher, pv, va.Spec.NodeName, va.Status.Attached, age(va.CreationTimestamp, now)}
}
