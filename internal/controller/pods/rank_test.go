package pods

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func TestDeletionCost(t *testing.T) {
	for v, want := range map[string]int32{"": 0, "7": 7, "-3": -3, "x": 0, "99999999999": 0} {
		p := &v1.Pod{}
		if v != "" {
			p.Annotations = map[string]string{DeletionCostAnnotation: v}
		}
		if got := DeletionCost(p); got != want {
			t.Errorf("DeletionCost(%q) = %d, want %d", v, got, want)
		}
	}
}

func TestSortForDeletionRanked(t *testing.T) {
	pod := func(name string, ready bool, cost string) *v1.Pod {
		p := &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID(name)}, Spec: v1.PodSpec{NodeName: "n"}, Status: v1.PodStatus{Phase: v1.PodRunning}}
		st := v1.ConditionFalse
		if ready {
			st = v1.ConditionTrue
		}
		p.Status.Conditions = []v1.PodCondition{{Type: v1.PodReady, Status: st}}
		if cost != "" {
			p.Annotations = map[string]string{DeletionCostAnnotation: cost}
		}
		return p
	}
	ps := []*v1.Pod{
		pod("a-ready", true, ""),
		pod("b-ready-crowded", true, ""),
		pod("c-ready-cheap", true, "-1"),
		pod("d-ready-dear", true, "100"),
		pod("e-unready-dear", false, "100"),
	}
	SortForDeletionRanked(ps, map[types.UID]int{"b-ready-crowded": 3, "d-ready-dear": 9})
	want := []string{"e-unready-dear", "c-ready-cheap", "b-ready-crowded", "a-ready", "d-ready-dear"}
	for i, p := range ps {
		if p.Name != want[i] {
			t.Fatalf("position %d: %s, want order %v", i, p.Name, want)
		}
	}
}
