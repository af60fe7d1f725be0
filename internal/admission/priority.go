package admission

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// System priority classes every cluster has, as upstream's.
const (
	SystemClusterCritical = "system-cluster-critical"
	SystemNodeCritical    = "system-node-critical"
)

// SystemPriorityClasses are created by the API server at start.
var SystemPriorityClasses = map[string]int32{SystemClusterCritical: 2000000000, SystemNodeCritical: 2000001000}

// PriorityClasses lists the PriorityClasses: from the server's cache, or,
// when fresh, as of now (a consistent read).
type PriorityClasses func(ctx context.Context, fresh bool) ([]schedulingv1.PriorityClass, error)

// Priority resolves a new pod's priorityClassName into spec.priority and
// spec.preemptionPolicy, as upstream's Priority plugin: a missing class is
// refused; no class means the globalDefault class, or priority 0.
type Priority struct{ List PriorityClasses }

func (Priority) Name() string { return "Priority" }

func (p Priority) Admit(ctx context.Context, a *Attributes) error {
	pod, ok := a.Object.(*corev1.Pod)
	if !ok || a.Operation != Create || a.Resource.Resource != "pods" || a.Subresource != "" {
		return nil
	}
	classes, err := p.List(ctx, false)
	if err != nil {
		return err
	}
	class, err := pick(classes, pod.Spec.PriorityClassName)
	if err != nil {
		// The cache may not have a class created a moment ago yet.
		if classes, err = p.List(ctx, true); err != nil {
			return err
		}
		class, err = pick(classes, pod.Spec.PriorityClassName)
	}
	if err != nil {
		return apierrors.NewForbidden(a.Resource.GroupResource(), a.Name, err)
	}
	var value int32
	policy := corev1.PreemptLowerPriority
	if class != nil {
		value = class.Value
		pod.Spec.PriorityClassName = class.Name
		if class.PreemptionPolicy != nil {
			policy = *class.PreemptionPolicy
		}
	}
	if pod.Spec.Priority != nil && *pod.Spec.Priority != value {
		return apierrors.NewForbidden(a.Resource.GroupResource(), a.Name, field.Forbidden(field.NewPath("spec", "priority"),
			"the integer value of priority must not be provided in pod spec; priority admission controller computed "+fmt.Sprint(value)+" from the given PriorityClass name"))
	}
	pod.Spec.Priority = &value
	if pod.Spec.PreemptionPolicy == nil {
		pod.Spec.PreemptionPolicy = &policy
	}
	return nil
}

// pick finds the named class, or the global default when name is "".
func pick(classes []schedulingv1.PriorityClass, name string) (*schedulingv1.PriorityClass, error) {
	for i := range classes {
		c := &classes[i]
		if (name != "" && c.Name == name) || (name == "" && c.GlobalDefault) {
			return c, nil
		}
	}
	if name != "" {
		return nil, fmt.Errorf("no PriorityClass with name %s was found", name)
	}
	return nil, nil
}
