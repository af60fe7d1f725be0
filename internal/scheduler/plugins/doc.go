// Package plugins holds orca's scheduler plugins, one file per plugin. Each
// plugin is a small stateless value whose methods are pure functions of the
// pod, the CycleState it wrote itself, and the snapshot's NodeInfos. The
// semantics, status codes and reason strings follow kube-scheduler's
// in-tree plugins so that `kubectl describe pod` reads the same.
package plugins

import (
	v1 "k8s.io/api/core/v1"
	"k8s.io/klog/v2"
)

// noLog is the logger handed to API helpers that want one; the zero logr
// Logger discards, and plugins stay free of global state.
var noLog klog.Logger

// tolerates reports whether any toleration tolerates taint. Comparison
// operators (alpha in upstream) stay disabled.
func tolerates(tolerations []v1.Toleration, taint *v1.Taint) bool {
	for i := range tolerations {
		if tolerations[i].ToleratesTaint(noLog, taint, false) {
			return true
		}
	}
	return false
}
