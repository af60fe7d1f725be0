// Package fieldpath resolves the downward API: the pod fields and container
// resources that env fieldRef/resourceFieldRef and downwardAPI volume items
// refer to. Semantics follow upstream's kubelet (pkg/fieldpath and the
// kubelet's podFieldSelectorRuntimeValue).
package fieldpath

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Extract returns the value of a pod field for an env var fieldRef. It
// accepts everything ExtractMetadata does plus spec.nodeName,
// spec.serviceAccountName, status.hostIP(s) and status.podIP(s).
//
// The IPs are read from pod.Status. The kubelet knows the pod IP from the
// sandbox before the status is written, so it should pass a copy of the pod
// with Status.PodIP(s) and Status.HostIP(s) filled in.
func Extract(pod *v1.Pod, fieldPath string) (string, error) {
	switch fieldPath {
	case "spec.nodeName":
		return pod.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.hostIP":
		return first(hostIPs(pod)), nil
	case "status.hostIPs":
		return strings.Join(hostIPs(pod), ","), nil
	case "status.podIP":
		return first(podIPs(pod)), nil
	case "status.podIPs":
		return strings.Join(podIPs(pod), ","), nil
	}
	return ExtractMetadata(pod, fieldPath)
}

// ExtractMetadata returns the value of a metadata field: the only fields a
// downwardAPI volume may project. Whole label and annotation maps are
// formatted as sorted key="value" lines (see FormatMap).
func ExtractMetadata(pod *v1.Pod, fieldPath string) (string, error) {
	if path, key, ok := splitSubscript(fieldPath); ok {
		return extractKey(pod, fieldPath, path, key)
	}
	switch fieldPath {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return string(pod.UID), nil
	case "metadata.labels":
		return FormatMap(pod.Labels), nil
	case "metadata.annotations":
		return FormatMap(pod.Annotations), nil
	}
	return "", fmt.Errorf("unsupported fieldPath: %v", fieldPath)
}

// extractKey resolves metadata.labels['k'] and metadata.annotations['k'].
func extractKey(pod *v1.Pod, fieldPath, path, key string) (string, error) {
	switch path {
	case "metadata.labels":
		if errs := validation.IsQualifiedName(key); len(errs) > 0 {
			return "", fmt.Errorf("invalid key subscript in %s: %s", fieldPath, strings.Join(errs, ";"))
		}
		return pod.Labels[key], nil
	case "metadata.annotations":
		// Annotation keys are case-insensitive for validation only.
		if errs := validation.IsQualifiedName(strings.ToLower(key)); len(errs) > 0 {
			return "", fmt.Errorf("invalid key subscript in %s: %s", fieldPath, strings.Join(errs, ";"))
		}
		return pod.Annotations[key], nil
	}
	return "", fmt.Errorf("fieldPath %q does not support subscript", fieldPath)
}

// splitSubscript splits "path['key']" into path and key.
func splitSubscript(fieldPath string) (path, key string, ok bool) {
	s, found := strings.CutSuffix(fieldPath, "']")
	if !found {
		return "", "", false
	}
	path, key, found = strings.Cut(s, "['")
	if !found || path == "" {
		return "", "", false
	}
	return path, key, true
}

// FormatMap renders a map as upstream's downward API does: one key="value"
// line per entry, sorted by key, values quoted with Go escaping, no
// trailing newline.
func FormatMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	lines := make([]string, len(keys))
	for i, k := range keys {
		lines[i] = k + "=" + strconv.Quote(m[k])
	}
	return strings.Join(lines, "\n")
}

func hostIPs(pod *v1.Pod) []string {
	var ips []string
	for _, ip := range pod.Status.HostIPs {
		ips = append(ips, ip.IP)
	}
	if len(ips) == 0 && pod.Status.HostIP != "" {
		ips = []string{pod.Status.HostIP}
	}
	return ips
}

func podIPs(pod *v1.Pod) []string {
	var ips []string
	for _, ip := range pod.Status.PodIPs {
		ips = append(ips, ip.IP)
	}
	if len(ips) == 0 && pod.Status.PodIP != "" {
		ips = []string{pod.Status.PodIP}
	}
	return ips
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
