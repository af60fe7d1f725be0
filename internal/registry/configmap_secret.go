package registry

import (
	"encoding/json"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ConfigMap and Secret strategies: valid keys, a 1 MiB total, the
// `immutable` flag, and the keys each well-known Secret type requires.

// maxDataSize is the largest total size of a ConfigMap's or Secret's data.
const maxDataSize = 1 * 1024 * 1024

const msgImmutableWhenSet = "field is immutable when `immutable` is set"

func (configMapStrategy) Validate(obj runtime.Object) field.ErrorList {
	cm := obj.(*corev1.ConfigMap)
	var errs field.ErrorList
	size := 0
	for _, k := range sortedKeys(cm.Data) {
		kp := field.NewPath("data").Key(k)
		errs = append(errs, msgsInvalid(kp, k, validation.IsConfigMapKey(k))...)
		if _, dup := cm.BinaryData[k]; dup {
			errs = append(errs, field.Invalid(kp, k, "duplicate of key present in binaryData"))
		}
		size += len(cm.Data[k])
	}
	for _, k := range sortedKeys(cm.BinaryData) {
		errs = append(errs, msgsInvalid(field.NewPath("binaryData").Key(k), k, validation.IsConfigMapKey(k))...)
		size += len(cm.BinaryData[k])
	}
	if size > maxDataSize {
		errs = append(errs, field.TooLong(field.NewPath(""), "", maxDataSize))
	}
	return errs
}

// ValidateUpdate: once immutable, a ConfigMap's data and the flag are fixed.
func (s configMapStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	cm, o := obj.(*corev1.ConfigMap), old.(*corev1.ConfigMap)
	var errs field.ErrorList
	if isTrue(o.Immutable) {
		if !isTrue(cm.Immutable) {
			errs = append(errs, field.Forbidden(field.NewPath("immutable"), msgImmutableWhenSet))
		}
		if !mapsEqual(cm.Data, o.Data) {
			errs = append(errs, field.Forbidden(field.NewPath("data"), msgImmutableWhenSet))
		}
		if !mapsEqual(cm.BinaryData, o.BinaryData) {
			errs = append(errs, field.Forbidden(field.NewPath("binaryData"), msgImmutableWhenSet))
		}
	}
	return append(errs, s.Validate(obj)...)
}

func isTrue(b *bool) bool { return b != nil && *b }

// Default folds stringData into data (stringData wins), as upstream's
// conversion does, and types an untyped Secret Opaque.
func (secretStrategy) Default(obj runtime.Object) {
	s := obj.(*corev1.Secret)
	setIfEmpty(&s.Type, corev1.SecretTypeOpaque)
	if len(s.StringData) > 0 && s.Data == nil {
		s.Data = map[string][]byte{}
	}
	for k, v := range s.StringData {
		s.Data[k] = []byte(v)
	}
	s.StringData = nil
}

func (secretStrategy) Validate(obj runtime.Object) field.ErrorList {
	s := obj.(*corev1.Secret)
	dp := field.NewPath("data")
	var errs field.ErrorList
	size := 0
	for _, k := range sortedKeys(s.Data) {
		errs = append(errs, msgsInvalid(dp.Key(k), k, validation.IsConfigMapKey(k))...)
		size += len(s.Data[k])
	}
	if size > maxDataSize {
		errs = append(errs, field.TooLong(dp, "", maxDataSize))
	}
	return append(errs, validateSecretType(s, dp)...)
}

// validateSecretType checks the keys a well-known type requires.
func validateSecretType(s *corev1.Secret, dp *field.Path) field.ErrorList {
	has := func(k string) bool { _, ok := s.Data[k]; return ok }
	switch s.Type {
	case corev1.SecretTypeServiceAccountToken:
		if s.Annotations[corev1.ServiceAccountNameKey] == "" {
			return field.ErrorList{field.Required(field.NewPath("metadata", "annotations").Key(corev1.ServiceAccountNameKey), "")}
		}
	case corev1.SecretTypeDockercfg:
		return jsonKey(s, corev1.DockerConfigKey, dp)
	case corev1.SecretTypeDockerConfigJson:
		return jsonKey(s, corev1.DockerConfigJsonKey, dp)
	case corev1.SecretTypeBasicAuth:
		if !has(corev1.BasicAuthUsernameKey) && !has(corev1.BasicAuthPasswordKey) {
			return field.ErrorList{field.Required(dp.Key(corev1.BasicAuthUsernameKey), ""), field.Required(dp.Key(corev1.BasicAuthPasswordKey), "")}
		}
	case corev1.SecretTypeSSHAuth:
		if len(s.Data[corev1.SSHAuthPrivateKey]) == 0 {
			return field.ErrorList{field.Required(dp.Key(corev1.SSHAuthPrivateKey), "")}
		}
	case corev1.SecretTypeTLS:
		var errs field.ErrorList
		for _, k := range []string{corev1.TLSCertKey, corev1.TLSPrivateKeyKey} {
			if !has(k) {
				errs = append(errs, field.Required(dp.Key(k), ""))
			}
		}
		return errs
	}
	return nil
}

// jsonKey requires key to be present and hold a JSON object.
func jsonKey(s *corev1.Secret, key string, dp *field.Path) field.ErrorList {
	b, ok := s.Data[key]
	if !ok {
		return field.ErrorList{field.Required(dp.Key(key), "")}
	}
	if err := json.Unmarshal(b, &map[string]any{}); err != nil {
		return field.ErrorList{field.Invalid(dp.Key(key), "<secret contents redacted>", err.Error())}
	}
	return nil
}

// ValidateUpdate: the type never changes; once immutable, neither do the
// data and the flag.
func (st secretStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	s, o := obj.(*corev1.Secret), old.(*corev1.Secret)
	errs := immutable(s.Type, o.Type, field.NewPath("type"))
	if isTrue(o.Immutable) {
		if !isTrue(s.Immutable) {
			errs = append(errs, field.Forbidden(field.NewPath("immutable"), msgImmutableWhenSet))
		}
		if !mapsEqual(s.Data, o.Data) {
			errs = append(errs, field.Forbidden(field.NewPath("data"), msgImmutableWhenSet))
		}
	}
	return append(errs, st.Validate(obj)...)
}

func (secretStrategy) Fields(obj runtime.Object) fields.Set {
	return fields.Set{"type": string(obj.(*corev1.Secret).Type)}
}
