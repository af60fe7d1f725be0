package registry

import (
	"path"
	"reflect"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Validation of pod volumes, as upstream's ValidateVolumes and
// validateVolumeSource: unique DNS-label names and exactly one source,
// with the common sources checked in depth.

const fileModeMsg = "must be a number between 0 and 0777 (octal), both inclusive"

// validateVolumes returns the valid volumes by name (mounts refer to them).
func validateVolumes(vols []corev1.Volume, p *field.Path) (map[string]corev1.VolumeSource, field.ErrorList) {
	var errs field.ErrorList
	byName := map[string]corev1.VolumeSource{}
	names := sets.New[string]()
	for i := range vols {
		v := &vols[i]
		vp := p.Index(i)
		el := validateVolumeSource(&v.VolumeSource, vp)
		if v.Name == "" {
			el = append(el, field.Required(vp.Child("name"), ""))
		} else {
			el = append(el, dns1123Label(v.Name, vp.Child("name"))...)
		}
		if names.Has(v.Name) {
			el = append(el, field.Duplicate(vp.Child("name"), v.Name))
		}
		if len(el) == 0 {
			names.Insert(v.Name)
			byName[v.Name] = v.VolumeSource
		}
		errs = append(errs, el...)
	}
	return byName, errs
}

// validateVolumeSource: exactly one source, then that source's own rules.
func validateVolumeSource(s *corev1.VolumeSource, p *field.Path) field.ErrorList {
	set := setPointerFields(reflect.ValueOf(s).Elem())
	if len(set) == 0 {
		return field.ErrorList{field.Required(p, "must specify a volume type")}
	}
	var errs field.ErrorList
	for _, name := range set[1:] {
		errs = append(errs, field.Forbidden(p.Child(name), "may not specify more than 1 volume type"))
	}
	return append(errs, validateSourceDetail(s, p)...)
}

func validateSourceDetail(s *corev1.VolumeSource, p *field.Path) field.ErrorList {
	switch {
	case s.HostPath != nil:
		return validateHostPath(s.HostPath, p.Child("hostPath"))
	case s.EmptyDir != nil:
		return validateEmptyDir(s.EmptyDir, p.Child("emptyDir"))
	case s.Secret != nil:
		return validateSecretVolume(s.Secret, p.Child("secret"))
	case s.ConfigMap != nil:
		return validateConfigMapVolume(s.ConfigMap, p.Child("configMap"))
	case s.PersistentVolumeClaim != nil:
		if s.PersistentVolumeClaim.ClaimName == "" {
			return field.ErrorList{field.Required(p.Child("persistentVolumeClaim", "claimName"), "")}
		}
	case s.DownwardAPI != nil:
		return validateDownwardAPI(s.DownwardAPI.Items, s.DownwardAPI.DefaultMode, p.Child("downwardAPI"))
	case s.Projected != nil:
		return validateProjected(s.Projected, p.Child("projected"))
	case s.NFS != nil:
		return validateNFS(s.NFS, p.Child("nfs"))
	case s.CSI != nil:
		if s.CSI.Driver == "" {
			return field.ErrorList{field.Required(p.Child("csi", "driver"), "")}
		}
	case s.Ephemeral != nil:
		return validateEphemeralVolume(s.Ephemeral, p.Child("ephemeral"))
	case s.Image != nil:
		if s.Image.Reference == "" {
			return field.ErrorList{field.Required(p.Child("image", "reference"), "")}
		}
	}
	return nil
}

var hostPathTypes = []corev1.HostPathType{
	corev1.HostPathUnset, corev1.HostPathDirectoryOrCreate, corev1.HostPathDirectory, corev1.HostPathFileOrCreate,
	corev1.HostPathFile, corev1.HostPathSocket, corev1.HostPathCharDev, corev1.HostPathBlockDev,
}

func validateHostPath(h *corev1.HostPathVolumeSource, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if h.Path == "" {
		errs = append(errs, field.Required(p.Child("path"), ""))
		return errs
	}
	for _, part := range strings.Split(h.Path, "/") {
		if part == ".." {
			errs = append(errs, field.Invalid(p.Child("path"), h.Path, "must not contain '..'"))
			break
		}
	}
	if h.Type != nil && !sets.New(hostPathTypes...).Has(*h.Type) {
		errs = append(errs, field.NotSupported(p.Child("type"), *h.Type, hostPathTypes))
	}
	return errs
}

func validateEmptyDir(e *corev1.EmptyDirVolumeSource, p *field.Path) field.ErrorList {
	if e.SizeLimit != nil && e.SizeLimit.Sign() < 0 {
		return field.ErrorList{field.Forbidden(p.Child("sizeLimit"), "SizeLimit field must be a valid resource quantity")}
	}
	return nil
}

func validateMode(mode *int32, p *field.Path) field.ErrorList {
	if mode != nil && (*mode > 0777 || *mode < 0) {
		return field.ErrorList{field.Invalid(p, *mode, fileModeMsg)}
	}
	return nil
}

func validateKeyToPaths(items []corev1.KeyToPath, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, kp := range items {
		ip := p.Index(i)
		if kp.Key == "" {
			errs = append(errs, field.Required(ip.Child("key"), ""))
		}
		if kp.Path == "" {
			errs = append(errs, field.Required(ip.Child("path"), ""))
		}
		errs = append(errs, localNonReservedPath(kp.Path, ip.Child("path"))...)
		errs = append(errs, validateMode(kp.Mode, ip.Child("mode"))...)
	}
	return errs
}

func validateSecretVolume(s *corev1.SecretVolumeSource, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if s.SecretName == "" {
		errs = append(errs, field.Required(p.Child("secretName"), ""))
	}
	errs = append(errs, validateMode(s.DefaultMode, p.Child("defaultMode"))...)
	return append(errs, validateKeyToPaths(s.Items, p.Child("items"))...)
}

func validateConfigMapVolume(c *corev1.ConfigMapVolumeSource, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if c.Name == "" {
		errs = append(errs, field.Required(p.Child("name"), ""))
	}
	errs = append(errs, validateMode(c.DefaultMode, p.Child("defaultMode"))...)
	return append(errs, validateKeyToPaths(c.Items, p.Child("items"))...)
}

func validateDownwardAPI(items []corev1.DownwardAPIVolumeFile, mode *int32, p *field.Path) field.ErrorList {
	errs := validateMode(mode, p.Child("defaultMode"))
	for i, it := range items {
		ip := p.Child("items").Index(i)
		if it.Path == "" {
			errs = append(errs, field.Required(ip.Child("path"), ""))
		}
		errs = append(errs, localNonReservedPath(it.Path, ip.Child("path"))...)
		errs = append(errs, validateMode(it.Mode, ip.Child("mode"))...)
		switch {
		case it.FieldRef != nil && it.ResourceFieldRef != nil:
			errs = append(errs, field.Invalid(ip, "resource", "fieldRef and resourceFieldRef can not be specified simultaneously"))
		case it.FieldRef != nil:
			errs = append(errs, validateFieldRef(it.FieldRef, volumeFieldPaths, ip.Child("fieldRef"))...)
		case it.ResourceFieldRef != nil:
			errs = append(errs, validateResourceFieldRef(it.ResourceFieldRef, false, ip.Child("resourceFieldRef"))...)
		default:
			errs = append(errs, field.Required(ip, "one of fieldRef and resourceFieldRef is required"))
		}
	}
	return errs
}

func validateProjected(pr *corev1.ProjectedVolumeSource, p *field.Path) field.ErrorList {
	errs := validateMode(pr.DefaultMode, p.Child("defaultMode"))
	for i := range pr.Sources {
		src := &pr.Sources[i]
		sp := p.Child("sources").Index(i)
		set := setPointerFields(reflect.ValueOf(src).Elem())
		if len(set) == 0 {
			errs = append(errs, field.Required(sp, "must specify exactly 1 volume type"))
			continue
		}
		for _, name := range set[1:] {
			errs = append(errs, field.Forbidden(sp.Child(name), "may not specify more than 1 volume type per source"))
		}
		errs = append(errs, validateProjection(src, sp)...)
	}
	return errs
}

func validateProjection(src *corev1.VolumeProjection, p *field.Path) field.ErrorList {
	switch {
	case src.Secret != nil:
		errs := validateRefName(src.Secret.Name, p.Child("secret", "name"))
		return append(errs, validateKeyToPaths(src.Secret.Items, p.Child("secret", "items"))...)
	case src.ConfigMap != nil:
		errs := validateRefName(src.ConfigMap.Name, p.Child("configMap", "name"))
		return append(errs, validateKeyToPaths(src.ConfigMap.Items, p.Child("configMap", "items"))...)
	case src.DownwardAPI != nil:
		return validateDownwardAPI(src.DownwardAPI.Items, nil, p.Child("downwardAPI"))
	case src.ServiceAccountToken != nil:
		return validateTokenProjection(src.ServiceAccountToken, p.Child("serviceAccountToken"))
	}
	return nil
}

func validateTokenProjection(t *corev1.ServiceAccountTokenProjection, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if e := t.ExpirationSeconds; e != nil && *e < 600 {
		errs = append(errs, field.Invalid(p.Child("expirationSeconds"), *e, "may not specify a duration less than 10 minutes"))
	} else if e != nil && *e > 1<<32 {
		errs = append(errs, field.Invalid(p.Child("expirationSeconds"), *e, "may not specify a duration larger than 2^32 seconds"))
	}
	if t.Path == "" {
		errs = append(errs, field.Required(p.Child("path"), ""))
	}
	return append(errs, localNonReservedPath(t.Path, p.Child("path"))...)
}

func validateNFS(n *corev1.NFSVolumeSource, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if n.Server == "" {
		errs = append(errs, field.Required(p.Child("server"), ""))
	}
	if n.Path == "" {
		errs = append(errs, field.Required(p.Child("path"), ""))
	} else if !path.IsAbs(n.Path) {
		errs = append(errs, field.Invalid(p.Child("path"), n.Path, "must be an absolute path"))
	}
	return errs
}

func validateEphemeralVolume(e *corev1.EphemeralVolumeSource, p *field.Path) field.ErrorList {
	if e.VolumeClaimTemplate == nil {
		return field.ErrorList{field.Required(p.Child("volumeClaimTemplate"), "")}
	}
	tp := p.Child("volumeClaimTemplate")
	errs := validateTemplateMeta(&e.VolumeClaimTemplate.ObjectMeta, tp.Child("metadata"))
	return append(errs, validatePVCSpec(&e.VolumeClaimTemplate.Spec, tp.Child("spec"))...)
}
