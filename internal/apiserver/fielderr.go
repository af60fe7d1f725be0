package apiserver

import "k8s.io/apimachinery/pkg/util/validation/field"

type fieldErr = field.Error

func fieldInvalid(path string, v any, msg string) *fieldErr {
	return field.Invalid(field.NewPath(path), v, msg)
}

func fieldRequired(path string) *fieldErr { return field.Required(field.NewPath(path), "") }
