//go:build tools

// Package tools pins code generators used by hack/ scripts so that their
// versions are tracked in go.mod.
package tools

import (
	_ "k8s.io/kube-openapi/cmd/openapi-gen"
)
