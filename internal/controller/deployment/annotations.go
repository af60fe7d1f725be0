package deployment

import (
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
)

// The annotations the controller keeps on a Deployment's ReplicaSets (and
// the revision on the Deployment itself), as upstream: kubectl rollout
// history and undo read them.
const (
	RevisionAnnotation        = "deployment.kubernetes.io/revision"
	RevisionHistoryAnnotation = "deployment.kubernetes.io/revision-history"
	DesiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas"
	MaxReplicasAnnotation     = "deployment.kubernetes.io/max-replicas"
	lastAppliedAnnotation     = "kubectl.kubernetes.io/last-applied-configuration"
	rollbackToAnnotation      = "deprecated.deployment.rollback.to"
)

// maxRevisionHistoryChars bounds the revision-history annotation.
const maxRevisionHistoryChars = 2000

// notCopied are the Deployment annotations that never go to its
// ReplicaSets: the controller's own, and kubectl apply's.
var notCopied = map[string]bool{
	lastAppliedAnnotation:     true,
	RevisionAnnotation:        true,
	RevisionHistoryAnnotation: true,
	DesiredReplicasAnnotation: true,
	MaxReplicasAnnotation:     true,
	rollbackToAnnotation:      true,
}

// Revision is the ReplicaSet's revision number (0 if it has none).
func Revision(rs *appsv1.ReplicaSet) int64 {
	v, err := strconv.ParseInt(rs.Annotations[RevisionAnnotation], 10, 64)
	if err != nil {
		return 0
	}
	return v
}

// maxRevision is the highest revision among rss.
func maxRevision(rss []*appsv1.ReplicaSet) int64 {
	var m int64
	for _, rs := range rss {
		if v := Revision(rs); v > m {
			m = v
		}
	}
	return m
}

// copyAnnotations copies the Deployment's user annotations (change-cause
// among them) to the ReplicaSet; it reports whether anything changed.
func copyAnnotations(d *appsv1.Deployment, rs *appsv1.ReplicaSet) bool {
	changed := false
	for k, v := range d.Annotations {
		if notCopied[k] {
			continue
		}
		if cur, ok := rs.Annotations[k]; ok && cur == v {
			continue
		}
		if rs.Annotations == nil {
			rs.Annotations = map[string]string{}
		}
		rs.Annotations[k] = v
		changed = true
	}
	return changed
}

// setReplicasAnnotations records the Deployment's size (desired, and
// desired plus surge) on a ReplicaSet: proportional scaling reads them.
func setReplicasAnnotations(rs *appsv1.ReplicaSet, desired, max int32) bool {
	if rs.Annotations == nil {
		rs.Annotations = map[string]string{}
	}
	d, m := strconv.Itoa(int(desired)), strconv.Itoa(int(max))
	if rs.Annotations[DesiredReplicasAnnotation] == d && rs.Annotations[MaxReplicasAnnotation] == m {
		return false
	}
	rs.Annotations[DesiredReplicasAnnotation] = d
	rs.Annotations[MaxReplicasAnnotation] = m
	return true
}

// replicasAnnotationsNeedUpdate: the ReplicaSet's size annotations differ
// from desired and max.
func replicasAnnotationsNeedUpdate(rs *appsv1.ReplicaSet, desired, max int32) bool {
	return rs.Annotations[DesiredReplicasAnnotation] != strconv.Itoa(int(desired)) ||
		rs.Annotations[MaxReplicasAnnotation] != strconv.Itoa(int(max))
}

// annotatedInt reads an int32 annotation.
func annotatedInt(rs *appsv1.ReplicaSet, key string) (int32, bool) {
	s, ok := rs.Annotations[key]
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, false
	}
	return int32(v), true
}

// setNewRSAnnotations brings the new ReplicaSet's annotations up to date:
// the Deployment's annotations, the revision newRevision, and — when an
// old ReplicaSet becomes new again (a rollback) — its previous revision
// appended to revision-history. A ReplicaSet about to be created also
// gets the size annotations. It reports whether anything changed.
func setNewRSAnnotations(d *appsv1.Deployment, rs *appsv1.ReplicaSet, newRevision int64, exists bool) bool {
	changed := copyAnnotations(d, rs)
	if rs.Annotations == nil {
		rs.Annotations = map[string]string{}
	}
	old, had := rs.Annotations[RevisionAnnotation]
	var oldRev int64
	if had {
		v, err := strconv.ParseInt(old, 10, 64)
		if err != nil {
			return false // not ours to fix
		}
		oldRev = v
	}
	if oldRev < newRevision {
		rs.Annotations[RevisionAnnotation] = strconv.FormatInt(newRevision, 10)
		changed = true
		if had {
			appendRevisionHistory(rs, old)
		}
	}
	if !exists && setReplicasAnnotations(rs, *d.Spec.Replicas, *d.Spec.Replicas+MaxSurge(d)) {
		changed = true
	}
	return changed
}

// appendRevisionHistory adds rev to the revision-history annotation,
// dropping the oldest entries to stay under maxRevisionHistoryChars.
func appendRevisionHistory(rs *appsv1.ReplicaSet, rev string) {
	cur := rs.Annotations[RevisionHistoryAnnotation]
	if cur == "" {
		rs.Annotations[RevisionHistoryAnnotation] = rev
		return
	}
	revs := strings.Split(cur, ",")
	total := len(cur) + len(rev) + 1
	start := 0
	for total > maxRevisionHistoryChars && start < len(revs) {
		total -= len(revs[start]) + 1
		start++
	}
	if total <= maxRevisionHistoryChars {
		rs.Annotations[RevisionHistoryAnnotation] = strings.Join(append(revs[start:], rev), ",")
	}
}

// setDeploymentRevision records the current revision on the Deployment.
func setDeploymentRevision(d *appsv1.Deployment, rev int64) bool {
	s := strconv.FormatInt(rev, 10)
	if d.Annotations[RevisionAnnotation] == s {
		return false
	}
	if d.Annotations == nil {
		d.Annotations = map[string]string{}
	}
	d.Annotations[RevisionAnnotation] = s
	return true
}
