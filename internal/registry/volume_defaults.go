package registry

import (
	"reflect"

	corev1 "k8s.io/api/core/v1"
)

// Defaulting of pod volumes and persistent volume specs, as upstream's
// SetDefaults_Volume and the per-source defaulters.

func defaultVolume(v *corev1.Volume) {
	if volumeSourceCount(&v.VolumeSource) == 0 {
		v.EmptyDir = &corev1.EmptyDirVolumeSource{}
	}
	s := &v.VolumeSource
	if s.HostPath != nil {
		setIfNil(&s.HostPath.Type, corev1.HostPathUnset)
	}
	if s.Secret != nil {
		setIfNil(&s.Secret.DefaultMode, corev1.SecretVolumeSourceDefaultMode)
	}
	if s.ConfigMap != nil {
		setIfNil(&s.ConfigMap.DefaultMode, corev1.ConfigMapVolumeSourceDefaultMode)
	}
	if s.DownwardAPI != nil {
		setIfNil(&s.DownwardAPI.DefaultMode, corev1.DownwardAPIVolumeSourceDefaultMode)
		defaultDownwardItems(s.DownwardAPI.Items)
	}
	if s.Projected != nil {
		defaultProjected(s.Projected)
	}
	if s.Ephemeral != nil && s.Ephemeral.VolumeClaimTemplate != nil {
		defaultPVCSpec(&s.Ephemeral.VolumeClaimTemplate.Spec)
	}
	if s.Image != nil && s.Image.PullPolicy == "" {
		s.Image.PullPolicy = pullPolicyFor(s.Image.Reference)
	}
	defaultLegacyVolume(s)
}

// defaultLegacyVolume covers the in-tree plugins upstream still defaults.
func defaultLegacyVolume(s *corev1.VolumeSource) {
	if s.ISCSI != nil {
		setIfEmpty(&s.ISCSI.ISCSIInterface, "default")
	}
	if s.RBD != nil {
		defaultRBD(&s.RBD.RBDPool, &s.RBD.RadosUser, &s.RBD.Keyring)
	}
	if s.AzureDisk != nil {
		defaultAzureDisk(s.AzureDisk)
	}
	if s.ScaleIO != nil {
		setIfEmpty(&s.ScaleIO.StorageMode, "ThinProvisioned")
		setIfEmpty(&s.ScaleIO.FSType, "xfs")
	}
}

func defaultRBD(pool, user, keyring *string) {
	setIfEmpty(pool, "rbd")
	setIfEmpty(user, "admin")
	setIfEmpty(keyring, "/etc/ceph/keyring")
}

func defaultAzureDisk(d *corev1.AzureDiskVolumeSource) {
	setIfNil(&d.CachingMode, corev1.AzureDataDiskCachingReadWrite)
	setIfNil(&d.Kind, corev1.AzureSharedBlobDisk)
	setIfNil(&d.FSType, "ext4")
	setIfNil(&d.ReadOnly, false)
}

func defaultDownwardItems(items []corev1.DownwardAPIVolumeFile) {
	for i := range items {
		if items[i].FieldRef != nil {
			setIfEmpty(&items[i].FieldRef.APIVersion, "v1")
		}
	}
}

func defaultProjected(p *corev1.ProjectedVolumeSource) {
	setIfNil(&p.DefaultMode, corev1.ProjectedVolumeSourceDefaultMode)
	for i := range p.Sources {
		src := &p.Sources[i]
		if src.DownwardAPI != nil {
			defaultDownwardItems(src.DownwardAPI.Items)
		}
		if src.ServiceAccountToken != nil {
			setIfNil(&src.ServiceAccountToken.ExpirationSeconds, int64(3600))
		}
	}
}

// volumeSourceCount counts the sources set in a VolumeSource.
func volumeSourceCount(s *corev1.VolumeSource) int {
	return len(setPointerFields(reflect.ValueOf(s).Elem()))
}

// setPointerFields returns the JSON names of the non-nil pointer fields of a
// struct value, in declaration order (the order upstream checks them in).
func setPointerFields(v reflect.Value) []string {
	var out []string
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := v.Field(i)
		if f.Kind() == reflect.Pointer && !f.IsNil() {
			out = append(out, jsonName(t.Field(i)))
		}
	}
	return out
}

func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	for i := 0; i < len(tag); i++ {
		if tag[i] == ',' {
			return tag[:i]
		}
	}
	if tag == "" {
		return f.Name
	}
	return tag
}

// defaultPVCSpec fills a claim spec (claims, claim templates, ephemeral volumes).
func defaultPVCSpec(spec *corev1.PersistentVolumeClaimSpec) {
	setIfNil(&spec.VolumeMode, corev1.PersistentVolumeFilesystem)
	roundResources(spec.Resources.Limits)
	roundResources(spec.Resources.Requests)
}

// defaultPVSource fills the per-plugin defaults of a persistent volume.
func defaultPVSource(s *corev1.PersistentVolumeSource) {
	if s.HostPath != nil {
		setIfNil(&s.HostPath.Type, corev1.HostPathUnset)
	}
	if s.RBD != nil {
		defaultRBD(&s.RBD.RBDPool, &s.RBD.RadosUser, &s.RBD.Keyring)
	}
	if s.ISCSI != nil {
		setIfEmpty(&s.ISCSI.ISCSIInterface, "default")
	}
	if s.AzureDisk != nil {
		defaultAzureDisk(s.AzureDisk)
	}
	if s.ScaleIO != nil {
		setIfEmpty(&s.ScaleIO.StorageMode, "ThinProvisioned")
		setIfEmpty(&s.ScaleIO.FSType, "xfs")
	}
}
