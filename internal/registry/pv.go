package registry

import (
	"path"
	"reflect"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metavalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// PersistentVolume and PersistentVolumeClaim strategies.

var (
	accessModes    = []corev1.PersistentVolumeAccessMode{corev1.ReadOnlyMany, corev1.ReadWriteMany, corev1.ReadWriteOnce, corev1.ReadWriteOncePod}
	volumeModes    = []corev1.PersistentVolumeMode{corev1.PersistentVolumeBlock, corev1.PersistentVolumeFilesystem}
	reclaimPolices = []corev1.PersistentVolumeReclaimPolicy{corev1.PersistentVolumeReclaimDelete, corev1.PersistentVolumeReclaimRecycle, corev1.PersistentVolumeReclaimRetain}
)

func (pvStrategy) Default(obj runtime.Object) {
	pv := obj.(*corev1.PersistentVolume)
	setIfEmpty(&pv.Spec.PersistentVolumeReclaimPolicy, corev1.PersistentVolumeReclaimRetain)
	setIfNil(&pv.Spec.VolumeMode, corev1.PersistentVolumeFilesystem)
	roundResources(pv.Spec.Capacity)
	defaultPVSource(&pv.Spec.PersistentVolumeSource)
}

// PrepareForCreate starts the volume Pending.
func (pvStrategy) PrepareForCreate(obj runtime.Object) {
	now := metav1.NewTime(time.Now().Truncate(time.Second))
	obj.(*corev1.PersistentVolume).Status = corev1.PersistentVolumeStatus{Phase: corev1.VolumePending, LastPhaseTransitionTime: &now}
}

func (pvStrategy) Validate(obj runtime.Object) field.ErrorList {
	return validatePVSpec(&obj.(*corev1.PersistentVolume).Spec, field.NewPath("spec"))
}

// ValidateUpdate: the volume source and mode are fixed; node affinity may
// only be set once.
func (s pvStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	pv, o := obj.(*corev1.PersistentVolume), old.(*corev1.PersistentVolume)
	errs := s.Validate(obj)
	if !equality.Semantic.DeepEqual(pv.Spec.PersistentVolumeSource, o.Spec.PersistentVolumeSource) {
		errs = append(errs, field.Forbidden(field.NewPath("spec", "persistentvolumesource"),
			"spec.persistentvolumesource is immutable after creation\n"+specDiff(o.Spec.PersistentVolumeSource, pv.Spec.PersistentVolumeSource)))
	}
	errs = append(errs, immutable(pv.Spec.VolumeMode, o.Spec.VolumeMode, field.NewPath("volumeMode"))...)
	if o.Spec.NodeAffinity != nil {
		errs = append(errs, immutable(pv.Spec.NodeAffinity, o.Spec.NodeAffinity, field.NewPath("nodeAffinity"))...)
	}
	return errs
}

func (pvStrategy) Fields(obj runtime.Object) fields.Set {
	return fields.Set{"name": obj.(*corev1.PersistentVolume).Name}
}

func validatePVSpec(spec *corev1.PersistentVolumeSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(spec.AccessModes) == 0 {
		errs = append(errs, field.Required(p.Child("accessModes"), ""))
	}
	errs = append(errs, validateAccessModes(spec.AccessModes, p.Child("accessModes"))...)
	errs = append(errs, validateCapacity(spec.Capacity, p.Child("capacity"))...)
	if spec.StorageClassName != "" {
		errs = append(errs, nameFn(metavalidation.NameIsDNSSubdomain, spec.StorageClassName, p.Child("storageClassName"))...)
	}
	if spec.VolumeMode != nil {
		errs = append(errs, validateOneOf(p.Child("volumeMode"), *spec.VolumeMode, volumeModes...)...)
	}
	if spec.PersistentVolumeReclaimPolicy != "" {
		errs = append(errs, validateOneOf(p.Child("persistentVolumeReclaimPolicy"), spec.PersistentVolumeReclaimPolicy, reclaimPolices...)...)
	}
	if spec.NodeAffinity != nil && spec.NodeAffinity.Required != nil {
		errs = append(errs, validateNodeSelector(spec.NodeAffinity.Required, p.Child("nodeAffinity", "required"))...)
	}
	errs = append(errs, validatePVSource(spec, p)...)
	if spec.HostPath != nil && path.Clean(spec.HostPath.Path) == "/" && spec.PersistentVolumeReclaimPolicy == corev1.PersistentVolumeReclaimRecycle {
		errs = append(errs, field.Forbidden(p.Child("persistentVolumeReclaimPolicy"), "may not be 'recycle' for a hostPath mount of '/'"))
	}
	return errs
}

func validateCapacity(c corev1.ResourceList, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(c) == 0 {
		errs = append(errs, field.Required(p, ""))
	}
	if _, ok := c[corev1.ResourceStorage]; !ok || len(c) > 1 {
		errs = append(errs, field.NotSupported(p, c, []corev1.ResourceName{corev1.ResourceStorage}))
	}
	for _, name := range sortedKeys(c) {
		errs = append(errs, positiveQuantity(c[name], p.Key(string(name)))...)
	}
	return errs
}

func positiveQuantity(q resource.Quantity, p *field.Path) field.ErrorList {
	if q.Sign() <= 0 {
		return field.ErrorList{field.Invalid(p, q.String(), "must be greater than zero")}
	}
	return nil
}

func validateAccessModes(modes []corev1.PersistentVolumeAccessMode, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	once, other := false, false
	for _, m := range modes {
		if !slices.Contains(accessModes, m) {
			errs = append(errs, field.NotSupported(p, m, accessModes))
			continue
		}
		once = once || m == corev1.ReadWriteOncePod
		other = other || m != corev1.ReadWriteOncePod
	}
	if once && other {
		errs = append(errs, field.Forbidden(p, "may not use ReadWriteOncePod with other access modes"))
	}
	return errs
}

// validatePVSource: exactly one volume plugin, with a few checked in depth.
func validatePVSource(spec *corev1.PersistentVolumeSpec, p *field.Path) field.ErrorList {
	set := setPointerFields(reflect.ValueOf(&spec.PersistentVolumeSource).Elem())
	if len(set) == 0 {
		return field.ErrorList{field.Required(p, "must specify a volume type")}
	}
	var errs field.ErrorList
	for _, name := range set[1:] {
		errs = append(errs, field.Forbidden(p.Child(name), "may not specify more than 1 volume type"))
	}
	s := &spec.PersistentVolumeSource
	switch {
	case s.HostPath != nil:
		errs = append(errs, validateHostPath(s.HostPath, p.Child("hostPath"))...)
	case s.NFS != nil:
		errs = append(errs, validateNFS(s.NFS, p.Child("nfs"))...)
	case s.Local != nil:
		errs = append(errs, validateLocal(spec, p)...)
	case s.CSI != nil:
		errs = append(errs, validateCSIPV(s.CSI, p.Child("csi"))...)
	}
	return errs
}

func validateLocal(spec *corev1.PersistentVolumeSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if spec.Local.Path == "" {
		errs = append(errs, field.Required(p.Child("local", "path"), ""))
	}
	if spec.NodeAffinity == nil {
		errs = append(errs, field.Required(p.Child("nodeAffinity"), "Local volume requires node affinity"))
	}
	return errs
}

func validateCSIPV(c *corev1.CSIPersistentVolumeSource, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if c.Driver == "" {
		errs = append(errs, field.Required(p.Child("driver"), ""))
	}
	if c.VolumeHandle == "" {
		errs = append(errs, field.Required(p.Child("volumeHandle"), ""))
	}
	return errs
}

func (pvcStrategy) Default(obj runtime.Object) {
	pvc := obj.(*corev1.PersistentVolumeClaim)
	defaultPVCSpec(&pvc.Spec)
	roundResources(pvc.Status.Capacity)
}

// PrepareForCreate starts the claim Pending.
func (pvcStrategy) PrepareForCreate(obj runtime.Object) {
	obj.(*corev1.PersistentVolumeClaim).Status = corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending}
}

func (pvcStrategy) Validate(obj runtime.Object) field.ErrorList {
	return validatePVCSpec(&obj.(*corev1.PersistentVolumeClaim).Spec, field.NewPath("spec"))
}

// ValidateUpdate: a claim's spec is fixed, except that volumeName may be
// set once and a bound claim's storage request may grow.
func (s pvcStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	pvc, o := obj.(*corev1.PersistentVolumeClaim), old.(*corev1.PersistentVolumeClaim)
	errs := s.Validate(obj)
	cur, prev := pvc.Spec.DeepCopy(), o.Spec.DeepCopy()
	if prev.VolumeName == "" {
		prev.VolumeName = cur.VolumeName
	}
	if pvc.Status.Phase == corev1.ClaimBound && cur.Resources.Requests != nil {
		cur.Resources.Requests[corev1.ResourceStorage] = prev.Resources.Requests[corev1.ResourceStorage]
	}
	if cur.VolumeAttributesClassName != nil || prev.VolumeAttributesClassName != nil {
		prev.VolumeAttributesClassName = cur.VolumeAttributesClassName
	}
	if !equality.Semantic.DeepEqual(cur, prev) {
		errs = append(errs, field.Forbidden(field.NewPath("spec"),
			"spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n"+specDiff(*prev, *cur)))
	}
	newSize, oldSize := pvc.Spec.Resources.Requests[corev1.ResourceStorage], o.Spec.Resources.Requests[corev1.ResourceStorage]
	if newSize.Cmp(oldSize) < 0 {
		errs = append(errs, field.Forbidden(field.NewPath("spec", "resources", "requests", "storage"), "field can not be less than previous value"))
	}
	return append(errs, immutable(pvc.Spec.VolumeMode, o.Spec.VolumeMode, field.NewPath("volumeMode"))...)
}

func (pvcStrategy) Fields(obj runtime.Object) fields.Set {
	return fields.Set{"name": obj.(*corev1.PersistentVolumeClaim).Name}
}

func validatePVCSpec(spec *corev1.PersistentVolumeClaimSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(spec.AccessModes) == 0 {
		errs = append(errs, field.Required(p.Child("accessModes"), "at least 1 access mode is required"))
	}
	if spec.Selector != nil {
		errs = append(errs, labelSelector(spec.Selector, p.Child("selector"))...)
	}
	errs = append(errs, validateAccessModes(spec.AccessModes, p.Child("accessModes"))...)
	sp := p.Child("resources").Key(string(corev1.ResourceStorage))
	if q, ok := spec.Resources.Requests[corev1.ResourceStorage]; !ok {
		errs = append(errs, field.Required(sp, ""))
	} else {
		errs = append(errs, positiveQuantity(q, sp)...)
	}
	if spec.StorageClassName != nil && *spec.StorageClassName != "" {
		errs = append(errs, nameFn(metavalidation.NameIsDNSSubdomain, *spec.StorageClassName, p.Child("storageClassName"))...)
	}
	if spec.VolumeMode != nil {
		errs = append(errs, validateOneOf(p.Child("volumeMode"), *spec.VolumeMode, volumeModes...)...)
	}
	return errs
}
