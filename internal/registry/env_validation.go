package registry

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Validation of container environment (env and envFrom) and of the
// downward-API selectors it shares with volumes.

// Fields a container's env may read through fieldRef.
var envFieldPaths = []string{
	"metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName",
	"status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs",
}

// Fields a downward-API volume may expose.
var volumeFieldPaths = []string{"metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid"}

// Resources a resourceFieldRef may read.
var resourceFieldPaths = []string{"limits.cpu", "limits.ephemeral-storage", "limits.memory", "requests.cpu", "requests.ephemeral-storage", "requests.memory"}

func validateEnv(vars []corev1.EnvVar, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, ev := range vars {
		ep := p.Index(i)
		if ev.Name == "" {
			errs = append(errs, field.Required(ep.Child("name"), ""))
		} else {
			errs = append(errs, msgsInvalid(ep.Child("name"), ev.Name, validation.IsRelaxedEnvVarName(ev.Name))...)
		}
		errs = append(errs, validateEnvValueFrom(ev, ep.Child("valueFrom"))...)
	}
	return errs
}

func validateEnvValueFrom(ev corev1.EnvVar, p *field.Path) field.ErrorList {
	vf := ev.ValueFrom
	if vf == nil {
		return nil
	}
	var errs field.ErrorList
	n := 0
	if vf.FieldRef != nil {
		n++
		errs = append(errs, validateFieldRef(vf.FieldRef, envFieldPaths, p.Child("fieldRef"))...)
	}
	if vf.ResourceFieldRef != nil {
		n++
		errs = append(errs, validateResourceFieldRef(vf.ResourceFieldRef, true, p.Child("resourceFieldRef"))...)
	}
	if vf.ConfigMapKeyRef != nil {
		n++
		errs = append(errs, validateKeySelector(vf.ConfigMapKeyRef.Name, vf.ConfigMapKeyRef.Key, p.Child("configMapKeyRef"))...)
	}
	if vf.SecretKeyRef != nil {
		n++
		errs = append(errs, validateKeySelector(vf.SecretKeyRef.Name, vf.SecretKeyRef.Key, p.Child("secretKeyRef"))...)
	}
	if vf.FileKeyRef != nil {
		n++
	}
	switch {
	case n == 0:
		errs = append(errs, field.Invalid(p, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"))
	case ev.Value != "":
		errs = append(errs, field.Invalid(p, "", "may not be specified when `value` is not empty"))
	case n > 1:
		errs = append(errs, field.Invalid(p, "", "may not have more than one field specified at a time"))
	}
	return errs
}

func validateKeySelector(name, key string, p *field.Path) field.ErrorList {
	errs := msgsInvalid(p.Child("name"), name, validation.IsDNS1123Subdomain(name))
	if key == "" {
		return append(errs, field.Required(p.Child("key"), ""))
	}
	return append(errs, msgsInvalid(p.Child("key"), key, validation.IsConfigMapKey(key))...)
}

// validateFieldRef checks a downward-API field selector against the paths
// allowed where it is used; labels and annotations may be subscripted.
func validateFieldRef(fs *corev1.ObjectFieldSelector, allowed []string, p *field.Path) field.ErrorList {
	if fs.APIVersion == "" {
		return field.ErrorList{field.Required(p.Child("apiVersion"), "")}
	}
	if fs.FieldPath == "" {
		return field.ErrorList{field.Required(p.Child("fieldPath"), "")}
	}
	if fs.APIVersion != "v1" {
		return field.ErrorList{field.Invalid(p.Child("fieldPath"), fs.FieldPath, "error converting fieldPath: unsupported version: "+fs.APIVersion)}
	}
	if base, key, ok := splitSubscript(fs.FieldPath); ok {
		switch base {
		case "metadata.annotations":
			return qualifiedName(strings.ToLower(key), p)
		case "metadata.labels":
			return qualifiedName(key, p)
		}
		return field.ErrorList{field.Invalid(p, base, "does not support subscript")}
	}
	if !sets.New(allowed...).Has(fs.FieldPath) {
		return field.ErrorList{field.NotSupported(p.Child("fieldPath"), fs.FieldPath, allowed)}
	}
	return nil
}

// splitSubscript splits "metadata.labels['key']" into its path and key.
func splitSubscript(s string) (string, string, bool) {
	i := strings.Index(s, "['")
	if i < 0 || !strings.HasSuffix(s, "']") || len(s) < i+4 {
		return s, "", false
	}
	return s[:i], s[i+2 : len(s)-2], true
}

func validateResourceFieldRef(rf *corev1.ResourceFieldSelector, inEnv bool, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if !inEnv && rf.ContainerName == "" {
		errs = append(errs, field.Required(p.Child("containerName"), ""))
	}
	if rf.Resource == "" {
		return append(errs, field.Required(p.Child("resource"), ""))
	}
	hugePages := strings.HasPrefix(rf.Resource, "limits.hugepages-") || strings.HasPrefix(rf.Resource, "requests.hugepages-")
	if !hugePages && !sets.New(resourceFieldPaths...).Has(rf.Resource) {
		errs = append(errs, field.NotSupported(p.Child("resource"), rf.Resource, resourceFieldPaths))
	}
	if rf.Divisor.Sign() < 0 {
		errs = append(errs, field.Invalid(p.Child("divisor"), rf.Divisor.String(), msgNegative))
	}
	return errs
}

func validateEnvFrom(srcs []corev1.EnvFromSource, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, ev := range srcs {
		ep := p.Index(i)
		if ev.Prefix != "" {
			errs = append(errs, msgsInvalid(ep.Child("prefix"), ev.Prefix, validation.IsRelaxedEnvVarName(ev.Prefix))...)
		}
		n := 0
		if ev.ConfigMapRef != nil {
			n++
			errs = append(errs, validateRefName(ev.ConfigMapRef.Name, ep.Child("configMapRef", "name"))...)
		}
		if ev.SecretRef != nil {
			n++
			errs = append(errs, validateRefName(ev.SecretRef.Name, ep.Child("secretRef", "name"))...)
		}
		if n == 0 {
			errs = append(errs, field.Invalid(p, "", "must specify one of: `configMapRef` or `secretRef`"))
		} else if n > 1 {
			errs = append(errs, field.Invalid(p, "", "may not have more than one field specified at a time"))
		}
	}
	return errs
}
