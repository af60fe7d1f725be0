package pods

import (
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var t0 = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

func mk(name, node string, phase v1.PodPhase, readySince *time.Time, restarts int32, created time.Time) *v1.Pod {
	p := &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(created)}, Spec: v1.PodSpec{NodeName: node}, Status: v1.PodStatus{Phase: phase}}
	if readySince != nil {
		p.Status.Conditions = []v1.PodCondition{{Type: v1.PodReady, Status: v1.ConditionTrue, LastTransitionTime: metav1.NewTime(*readySince)}}
	}
	p.Status.ContainerStatuses = []v1.ContainerStatus{{RestartCount: restarts}}
	return p
}

func TestSortForDeletion(t *testing.T) {
	early, late := t0.Add(-time.Hour), t0.Add(-time.Minute)
	ps := []*v1.Pod{
		mk("ready-long", "n", v1.PodRunning, &early, 0, t0),
		mk("ready-short", "n", v1.PodRunning, &late, 0, t0),
		mk("running-notready-restarts", "n", v1.PodRunning, nil, 5, t0),
		mk("running-notready", "n", v1.PodRunning, nil, 0, t0),
		mk("unknown", "n", v1.PodUnknown, nil, 0, t0),
		mk("pending", "n", v1.PodPending, nil, 0, t0),
		mk("unscheduled-old", "", v1.PodPending, nil, 0, t0.Add(-time.Hour)),
		mk("unscheduled-new", "", v1.PodPending, nil, 0, t0),
	}
	SortForDeletion(ps)
	want := []string{"unscheduled-new", "unscheduled-old", "pending", "unknown", "running-notready-restarts", "running-notready", "ready-short", "ready-long"}
	for i, p := range ps {
		if p.Name != want[i] {
			var got []string
			for _, p := range ps {
				got = append(got, p.Name)
			}
			t.Fatalf("order %v, want %v", got, want)
		}
	}
}

func TestAvailable(t *testing.T) {
	since := t0.Add(-5 * time.Second)
	p := mk("p", "n", v1.PodRunning, &since, 0, t0)
	if !IsAvailable(p, 0, t0) || !IsAvailable(p, 5, t0) || IsAvailable(p, 6, t0) {
		t.Error("availability with minReadySeconds 0/5/6 after 5 s ready: want true/true/false")
	}
	if IsAvailable(mk("q", "n", v1.PodRunning, nil, 0, t0), 0, t0) {
		t.Error("not ready pod is available")
	}
}

func TestFromTemplate(t *testing.T) {
	owner := &v1.ReplicationController{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: "u"}}
	tpl := &v1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"a": "b"}}, Spec: v1.PodSpec{Containers: []v1.Container{{Name: "c", Image: "i"}}}}
	p := FromTemplate(tpl, owner, schema.GroupVersionKind{Version: "v1", Kind: "ReplicationController"})
	p.Labels["a"] = "changed"
	if tpl.Labels["a"] != "b" {
		t.Error("pod shares the template's labels map")
	}
	ref := metav1.GetControllerOf(p)
	if p.GenerateName != "web-" || p.Namespace != "ns" || ref == nil || ref.UID != "u" || ref.Kind != "ReplicationController" || !*ref.BlockOwnerDeletion {
		t.Errorf("pod %+v ref %+v", p.ObjectMeta, ref)
	}
}
