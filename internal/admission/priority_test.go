package admission

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestPriority(t *testing.T) {
	never := corev1.PreemptNever
	classes := []schedulingv1.PriorityClass{
		{ObjectMeta: metav1.ObjectMeta{Name: "high"}, Value: 1000},
		{ObjectMeta: metav1.ObjectMeta{Name: "polite"}, Value: 500, PreemptionPolicy: &never},
	}
	withDefault := append(classes, schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "dflt"}, Value: 7, GlobalDefault: true})
	p1000 := int32(1000)
	p5 := int32(5)
	for name, tc := range map[string]struct {
		classes    []schedulingv1.PriorityClass
		className  string
		priority   *int32
		want       int32
		wantClass  string
		wantPolicy corev1.PreemptionPolicy
		forbidden  bool
	}{
		"named class":              {classes: classes, className: "high", want: 1000, wantClass: "high", wantPolicy: corev1.PreemptLowerPriority},
		"class policy":             {classes: classes, className: "polite", want: 500, wantClass: "polite", wantPolicy: corev1.PreemptNever},
		"no class, no default":     {classes: classes, want: 0, wantPolicy: corev1.PreemptLowerPriority},
		"no class, global default": {classes: withDefault, want: 7, wantClass: "dflt", wantPolicy: corev1.PreemptLowerPriority},
		"missing class":            {classes: classes, className: "nope", forbidden: true},
		"matching priority given":  {classes: classes, className: "high", priority: &p1000, want: 1000, wantClass: "high", wantPolicy: corev1.PreemptLowerPriority},
		"conflicting priority":     {classes: classes, className: "high", priority: &p5, forbidden: true},
	} {
		pod := &corev1.Pod{Spec: corev1.PodSpec{PriorityClassName: tc.className, Priority: tc.priority}}
		a := &Attributes{Operation: Create, Resource: schema.GroupVersionResource{Version: "v1", Resource: "pods"}, Object: pod}
		err := Priority{List: func(context.Context, bool) ([]schedulingv1.PriorityClass, error) { return tc.classes, nil }}.Admit(context.Background(), a)
		if tc.forbidden {
			if !apierrors.IsForbidden(err) {
				t.Errorf("%s: got %v, want Forbidden", name, err)
			}
			continue
		}
		if err != nil || pod.Spec.Priority == nil || *pod.Spec.Priority != tc.want || pod.Spec.PriorityClassName != tc.wantClass || *pod.Spec.PreemptionPolicy != tc.wantPolicy {
			t.Errorf("%s: err %v, priority %v class %q policy %v", name, err, pod.Spec.Priority, pod.Spec.PriorityClassName, pod.Spec.PreemptionPolicy)
		}
	}
}

// A class the cache does not have yet (created a moment ago) is looked
// up again with a consistent read before the pod is refused.
func TestPriorityClassNotCachedYet(t *testing.T) {
	fresh := []schedulingv1.PriorityClass{{ObjectMeta: metav1.ObjectMeta{Name: "new"}, Value: 42}}
	var reads []bool
	list := func(_ context.Context, consistent bool) ([]schedulingv1.PriorityClass, error) {
		reads = append(reads, consistent)
		if consistent {
			return fresh, nil
		}
		return nil, nil
	}
	pod := &corev1.Pod{Spec: corev1.PodSpec{PriorityClassName: "new"}}
	a := &Attributes{Operation: Create, Resource: schema.GroupVersionResource{Version: "v1", Resource: "pods"}, Object: pod}
	if err := (Priority{List: list}).Admit(context.Background(), a); err != nil || *pod.Spec.Priority != 42 {
		t.Fatalf("err %v priority %v, want 42 from the consistent read", err, pod.Spec.Priority)
	}
	if len(reads) != 2 || reads[0] || !reads[1] {
		t.Errorf("reads %v, want the cache, then a consistent read", reads)
	}
}
