// Package pods holds what every workload controller needs to know about
// pods: building one from a template, whether it is active, ready or
// available, and which to delete first when scaling down.
package pods

import (
	"sort"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// FromTemplate builds a pod for owner from its template: labels,
// annotations, finalizers and spec copied, a controller reference to
// owner, and a generated name "<owner>-" (callers may set Name instead).
func FromTemplate(t *v1.PodTemplateSpec, owner metav1.Object, kind schema.GroupVersionKind) *v1.Pod {
	p := &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace:       owner.GetNamespace(),
			GenerateName:    owner.GetName() + "-",
			Labels:          copyMap(t.Labels),
			Annotations:     copyMap(t.Annotations),
			Finalizers:      append([]string(nil), t.Finalizers...),
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(owner, kind)},
		},
		Spec: *t.Spec.DeepCopy(),
	}
	return p
}

func copyMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// IsActive: not finished and not being deleted.
func IsActive(p *v1.Pod) bool {
	return p.Status.Phase != v1.PodSucceeded && p.Status.Phase != v1.PodFailed && p.DeletionTimestamp == nil
}

// IsTerminating: being deleted.
func IsTerminating(p *v1.Pod) bool { return p.DeletionTimestamp != nil }

// ReadyCondition is the pod's Ready condition, or nil.
func ReadyCondition(p *v1.Pod) *v1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == v1.PodReady {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

// IsReady: condition Ready is True.
func IsReady(p *v1.Pod) bool {
	c := ReadyCondition(p)
	return c != nil && c.Status == v1.ConditionTrue
}

// IsAvailable: ready for at least minReadySeconds at now.
func IsAvailable(p *v1.Pod, minReadySeconds int32, now time.Time) bool {
	c := ReadyCondition(p)
	if c == nil || c.Status != v1.ConditionTrue {
		return false
	}
	if minReadySeconds == 0 {
		return true
	}
	d := time.Duration(minReadySeconds) * time.Second
	return !c.LastTransitionTime.IsZero() && !c.LastTransitionTime.Add(d).After(now)
}

// SortForDeletion orders pods the way upstream picks victims when scaling
// down, first to go first: unscheduled before scheduled; Pending before
// Unknown before Running; not ready before ready; ready for less time
// before ready for longer; more container restarts before fewer; newer
// before older.
func SortForDeletion(ps []*v1.Pod) {
	sort.SliceStable(ps, func(i, j int) bool { return deleteFirst(ps[i], ps[j]) })
}

var phaseRank = map[v1.PodPhase]int{v1.PodPending: 0, v1.PodUnknown: 1, v1.PodRunning: 2}

func deleteFirst(a, b *v1.Pod) bool {
	if (a.Spec.NodeName == "") != (b.Spec.NodeName == "") {
		return a.Spec.NodeName == ""
	}
	if ra, rb := phaseRank[a.Status.Phase], phaseRank[b.Status.Phase]; ra != rb {
		return ra < rb
	}
	if IsReady(a) != IsReady(b) {
		return !IsReady(a)
	}
	if IsReady(a) && IsReady(b) {
		ta, tb := ReadyCondition(a).LastTransitionTime, ReadyCondition(b).LastTransitionTime
		if !ta.Equal(&tb) {
			return ta.After(tb.Time) // ready more recently: shorter time ready
		}
	}
	if ra, rb := restarts(a), restarts(b); ra != rb {
		return ra > rb
	}
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.CreationTimestamp.After(b.CreationTimestamp.Time)
	}
	return a.Name < b.Name
}

func restarts(p *v1.Pod) int32 {
	var n int32
	for _, c := range p.Status.ContainerStatuses {
		if c.RestartCount > n {
			n = c.RestartCount
		}
	}
	return n
}
