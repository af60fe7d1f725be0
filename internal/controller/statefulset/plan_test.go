package statefulset

import (
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

var testNow = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func testSet(replicas int32, mutate ...func(*appsv1.StatefulSet)) *appsv1.StatefulSet {
	labels := map[string]string{"app": "web"}
	s := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: "set-uid", Generation: 3},
		Spec: appsv1.StatefulSetSpec{
			Replicas:            ptr.To(replicas),
			ServiceName:         "web-svc",
			Selector:            &metav1.LabelSelector{MatchLabels: labels},
			PodManagementPolicy: appsv1.OrderedReadyPodManagement,
			UpdateStrategy: appsv1.StatefulSetUpdateStrategy{
				Type:          appsv1.RollingUpdateStatefulSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{Partition: ptr.To[int32](0)},
			},
			RevisionHistoryLimit: ptr.To[int32](10),
			Template: v1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       v1.PodSpec{Containers: []v1.Container{{Name: "c", Image: "nginx:1"}}},
			},
		},
	}
	for _, m := range mutate {
		m(s)
	}
	return s
}

// pod states for tests
const (
	ready       = "ready"
	pending     = "pending"
	running     = "running" // not ready
	failed      = "failed"
	terminating = "terminating"
)

// testPod is pod name at revision rev in state.
func testPod(set *appsv1.StatefulSet, name, rev, state string) *v1.Pod {
	_, o := parentAndOrdinal(name)
	p := newPod(set, o, rev)
	p.UID = types.UID("uid-" + p.Name)
	p.Status.Phase = v1.PodRunning
	switch state {
	case ready, terminating:
		p.Status.Conditions = []v1.PodCondition{{Type: v1.PodReady, Status: v1.ConditionTrue,
			LastTransitionTime: metav1.NewTime(testNow.Add(-time.Hour))}}
		if state == terminating {
			p.DeletionTimestamp = &metav1.Time{Time: testNow}
		}
	case pending:
		p.Status.Phase = v1.PodPending
	case failed:
		p.Status.Phase = v1.PodFailed
	}
	return p
}

func testWorld(set *appsv1.StatefulSet, ps ...*v1.Pod) world {
	return world{set: set, currentSet: set, updateSet: set, current: "web-1", update: "web-2", pods: ps, now: testNow}
}

// describe renders a plan as "phase|phase" of "kind name" steps, "!" for a stop.
func describe(pl plan) string {
	var parts []string
	for _, ph := range pl.phases {
		var s []string
		for _, st := range ph.steps {
			s = append(s, st.kind.String()+" "+st.pod.Name)
		}
		txt := strings.Join(s, ",")
		if ph.stop {
			txt += "!"
		}
		parts = append(parts, txt)
	}
	return strings.Join(parts, "|")
}

func TestDecide(t *testing.T) {
	parallel := func(s *appsv1.StatefulSet) { s.Spec.PodManagementPolicy = appsv1.ParallelPodManagement }
	partition := func(n int32) func(*appsv1.StatefulSet) {
		return func(s *appsv1.StatefulSet) { s.Spec.UpdateStrategy.RollingUpdate.Partition = ptr.To(n) }
	}
	s3 := testSet(3)
	cases := []struct {
		name string
		set  *appsv1.StatefulSet
		pods func(*appsv1.StatefulSet) []*v1.Pod
		want string
	}{
		{"ordered: first pod only", s3, func(s *appsv1.StatefulSet) []*v1.Pod { return nil },
			"create web-0!"},
		{"ordered: waits for web-0 to be ready", s3, func(s *appsv1.StatefulSet) []*v1.Pod {
			return []*v1.Pod{testPod(s, "web-0", "web-2", running)}
		}, "!"},
		{"ordered: waits for pending web-0", s3, func(s *appsv1.StatefulSet) []*v1.Pod {
			return []*v1.Pod{testPod(s, "web-0", "web-2", pending)}
		}, "!"},
		{"ordered: next once web-0 ready", s3, func(s *appsv1.StatefulSet) []*v1.Pod {
			return []*v1.Pod{testPod(s, "web-0", "web-2", ready)}
		}, "create web-1!"},
		{"ordered: a hole is refilled first", s3, func(s *appsv1.StatefulSet) []*v1.Pod {
			return []*v1.Pod{testPod(s, "web-0", "web-2", ready), testPod(s, "web-2", "web-2", ready)}
		}, "create web-1!"},
		{"ordered: all ready, nothing to do", s3, func(s *appsv1.StatefulSet) []*v1.Pod {
			return []*v1.Pod{testPod(s, "web-0", "web-2", ready), testPod(s, "web-1", "web-2", ready), testPod(s, "web-2", "web-2", ready)}
		}, "|||"},
		{"ordered: failed pod deleted, set waits", s3, func(s *appsv1.StatefulSet) []*v1.Pod {
			return []*v1.Pod{testPod(s, "web-0", "web-2", ready), testPod(s, "web-1", "web-2", failed)}
		}, "delete web-1!"},
		{"ordered: terminating pod waited for", s3, func(s *appsv1.StatefulSet) []*v1.Pod {
			return []*v1.Pod{testPod(s, "web-0", "web-2", terminating)}
		}, "!"},
		{"parallel: all at once", testSet(3, parallel), func(s *appsv1.StatefulSet) []*v1.Pod { return nil },
			"create web-0,create web-1,create web-2|||"},
		{"parallel: not waiting for readiness", testSet(3, parallel), func(s *appsv1.StatefulSet) []*v1.Pod {
			return []*v1.Pod{testPod(s, "web-0", "web-2", pending)}
		}, "create web-1,create web-2|||"},
		{"ordered: scale down from the top, one at a time", testSet(2), func(s *appsv1.StatefulSet) []*v1.Pod {
			return []*v1.Pod{testPod(s, "web-0", "web-2", ready), testPod(s, "web-1", "web-2", ready),
				testPod(s, "web-2", "web-2", ready), testPod(s, "web-3", "web-2", ready)}
		}, "||delete web-3!"},
		{"ordered: scale down waits for the terminating pod", testSet(2), func(s *appsv1.StatefulSet) []*v1.Pod {
			return []*v1.Pod{testPod(s, "web-0", "web-2", ready), testPod(s, "web-1", "web-2", ready),
				testPod(s, "web-2", "web-2", ready), testPod(s, "web-3", "web-2", terminating)}
		}, "||!"},
		{"ordered: scale down waits for an unhealthy replica", testSet(1), func(s *appsv1.StatefulSet) []*v1.Pod {
			return []*v1.Pod{testPod(s, "web-0", "web-2", running), testPod(s, "web-1", "web-2", ready)}
		}, "!"},
		{"ordered: the first unhealthy pod may go", testSet(1), func(s *appsv1.StatefulSet) []*v1.Pod {
			return []*v1.Pod{testPod(s, "web-0", "web-2", ready), testPod(s, "web-1", "web-2", running)}
		}, "||delete web-1!"},
		{"ordered: an unhealthy lower condemned pod blocks", testSet(1), func(s *appsv1.StatefulSet) []*v1.Pod {
			return []*v1.Pod{testPod(s, "web-0", "web-2", ready), testPod(s, "web-1", "web-2", running), testPod(s, "web-2", "web-2", running)}
		}, "||!"},
		{"parallel: scale down all at once", testSet(1, parallel), func(s *appsv1.StatefulSet) []*v1.Pod {
			return []*v1.Pod{testPod(s, "web-0", "web-2", ready), testPod(s, "web-1", "web-2", running), testPod(s, "web-2", "web-2", ready)}
		}, "||delete web-2,delete web-1|"},
		{"update: highest ordinal first", s3, func(s *appsv1.StatefulSet) []*v1.Pod {
			return []*v1.Pod{testPod(s, "web-0", "web-1", ready), testPod(s, "web-1", "web-1", ready), testPod(s, "web-2", "web-1", ready)}
		}, "|||delete web-2"},
		{"update: then the next", s3, func(s *appsv1.StatefulSet) []*v1.Pod {
			return []*v1.Pod{testPod(s, "web-0", "web-1", ready), testPod(s, "web-1", "web-1", ready), testPod(s, "web-2", "web-2", ready)}
		}, "|||delete web-1"},
		{"update: waits for the updated pod to be ready", s3, func(s *appsv1.StatefulSet) []*v1.Pod {
			return []*v1.Pod{testPod(s, "web-0", "web-1", ready), testPod(s, "web-1", "web-1", ready), testPod(s, "web-2", "web-2", running)}
		}, "!"},
		{"update: partition keeps lower ordinals", testSet(3, partition(2)), func(s *appsv1.StatefulSet) []*v1.Pod {
			return []*v1.Pod{testPod(s, "web-0", "web-1", ready), testPod(s, "web-1", "web-1", ready), testPod(s, "web-2", "web-2", ready)}
		}, "|||"},
		{"update: maxUnavailable 2", testSet(3, parallel, func(s *appsv1.StatefulSet) {
			s.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = ptr.To(intstr.FromInt32(2))
		}), func(s *appsv1.StatefulSet) []*v1.Pod {
			return []*v1.Pod{testPod(s, "web-0", "web-1", ready), testPod(s, "web-1", "web-1", ready), testPod(s, "web-2", "web-1", ready)}
		}, "|||delete web-2,delete web-1"},
		{"update: maxUnavailable counts unavailable pods", testSet(3, parallel, func(s *appsv1.StatefulSet) {
			s.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = ptr.To(intstr.FromString("67%"))
		}), func(s *appsv1.StatefulSet) []*v1.Pod {
			return []*v1.Pod{testPod(s, "web-0", "web-1", ready), testPod(s, "web-1", "web-1", ready), testPod(s, "web-2", "web-2", running)}
		}, "|||delete web-1"},
		{"OnDelete: no update", testSet(2, func(s *appsv1.StatefulSet) {
			s.Spec.UpdateStrategy = appsv1.StatefulSetUpdateStrategy{Type: appsv1.OnDeleteStatefulSetStrategyType}
		}), func(s *appsv1.StatefulSet) []*v1.Pod {
			return []*v1.Pod{testPod(s, "web-0", "web-1", ready), testPod(s, "web-1", "web-1", ready)}
		}, "|||"},
		{"identity restored", testSet(1), func(s *appsv1.StatefulSet) []*v1.Pod {
			p := testPod(s, "web-0", "web-2", ready)
			delete(p.Labels, appsv1.StatefulSetPodNameLabel)
			return []*v1.Pod{p}
		}, "update web-0|||"},
		{"ordinals.start", testSet(2, func(s *appsv1.StatefulSet) { s.Spec.Ordinals = &appsv1.StatefulSetOrdinals{Start: 5} }),
			func(s *appsv1.StatefulSet) []*v1.Pod {
				return []*v1.Pod{testPod(s, "web-0", "web-2", ready), testPod(s, "web-5", "web-2", ready)}
			}, "create web-6!"},
		{"foreign names ignored", s3, func(s *appsv1.StatefulSet) []*v1.Pod {
			p := testPod(s, "web-0", "web-2", ready)
			p.Name = "web-x"
			return []*v1.Pod{p}
		}, "create web-0!"},
		{"being deleted: nothing", testSet(2, func(s *appsv1.StatefulSet) { s.DeletionTimestamp = &metav1.Time{Time: testNow} }),
			func(s *appsv1.StatefulSet) []*v1.Pod { return nil }, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pl := decide(testWorld(tc.set, tc.pods(tc.set)...))
			if got := describe(pl); got != tc.want {
				t.Errorf("plan %q, want %q", got, tc.want)
			}
		})
	}
}

// Missing pods below the partition are created at the current revision
// (from the current template), the others at the update revision.
func TestDecideNewPodRevision(t *testing.T) {
	set := testSet(3, func(s *appsv1.StatefulSet) {
		s.Spec.PodManagementPolicy = appsv1.ParallelPodManagement
		s.Spec.UpdateStrategy.RollingUpdate.Partition = ptr.To[int32](2)
	})
	cur := set.DeepCopy()
	cur.Spec.Template.Spec.Containers[0].Image = "nginx:0"
	w := testWorld(set)
	w.currentSet = cur
	pl := decide(w)
	got := map[string]string{}
	for _, st := range pl.phases[0].steps {
		got[st.pod.Name] = revisionOf(st.pod) + " " + st.pod.Spec.Containers[0].Image
	}
	want := map[string]string{"web-0": "web-1 nginx:0", "web-1": "web-1 nginx:0", "web-2": "web-2 nginx:1"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("new pods %v, want %v", got, want)
	}
}

// A new pod has its stable identity, owner and claim volumes.
func TestNewPodIdentity(t *testing.T) {
	set := testSet(1, func(s *appsv1.StatefulSet) {
		s.Spec.VolumeClaimTemplates = []v1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "data"}}}
		s.Spec.Template.Spec.Volumes = []v1.Volume{{Name: "data"}, {Name: "cfg"}}
	})
	p := newPod(set, 7, "web-abc")
	if p.Name != "web-7" || p.Namespace != "ns" || p.Spec.Hostname != "web-7" || p.Spec.Subdomain != "web-svc" {
		t.Errorf("identity %s/%s host %s sub %s", p.Namespace, p.Name, p.Spec.Hostname, p.Spec.Subdomain)
	}
	if p.Labels[appsv1.StatefulSetPodNameLabel] != "web-7" || p.Labels[appsv1.PodIndexLabel] != "7" ||
		p.Labels[appsv1.ControllerRevisionHashLabelKey] != "web-abc" || p.Labels["app"] != "web" {
		t.Errorf("labels %v", p.Labels)
	}
	if ref := metav1.GetControllerOf(p); ref == nil || ref.UID != "set-uid" || ref.Kind != "StatefulSet" {
		t.Errorf("controller %v", ref)
	}
	if len(p.Spec.Volumes) != 2 || p.Spec.Volumes[0].PersistentVolumeClaim == nil ||
		p.Spec.Volumes[0].PersistentVolumeClaim.ClaimName != "data-web-7" || p.Spec.Volumes[1].Name != "cfg" {
		t.Errorf("volumes %+v", p.Spec.Volumes)
	}
	if !identityMatches(set, p) || !storageMatches(set, p) {
		t.Error("a new pod does not match its own identity")
	}
}

func TestParentAndOrdinal(t *testing.T) {
	for name, want := range map[string]string{
		"web-0": "web 0", "my-db-12": "my-db 12", "web": " -1", "web-": " -1", "web-x1": " -1",
	} {
		p, o := parentAndOrdinal(name)
		if got := fmt.Sprintf("%s %d", p, o); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
}

// Status counts created pods only; a pod being deleted is neither current
// nor updated; the rollout completes once all replicas are updated and ready.
func TestStatus(t *testing.T) {
	set := testSet(3, func(s *appsv1.StatefulSet) { s.Spec.MinReadySeconds = 7200 })
	ps := []*v1.Pod{
		testPod(set, "web-0", "web-1", ready),
		testPod(set, "web-1", "web-2", terminating),
		testPod(set, "web-2", "web-2", running),
	}
	pl := decide(testWorld(set, ps...))
	st := pl.status
	if st.Replicas != 3 || st.ReadyReplicas != 2 || st.AvailableReplicas != 0 || st.CurrentReplicas != 1 || st.UpdatedReplicas != 1 ||
		st.ObservedGeneration != 3 || st.CurrentRevision != "web-1" || st.UpdateRevision != "web-2" {
		t.Errorf("status %+v", st)
	}

	done := appsv1.StatefulSetStatus{Replicas: 3, ReadyReplicas: 3, UpdatedReplicas: 3, CurrentReplicas: 0, CurrentRevision: "a", UpdateRevision: "b"}
	completeRollingUpdate(set, &done)
	if done.CurrentRevision != "b" || done.CurrentReplicas != 3 {
		t.Errorf("completed %+v", done)
	}
	partial := appsv1.StatefulSetStatus{Replicas: 3, ReadyReplicas: 2, UpdatedReplicas: 3, CurrentRevision: "a", UpdateRevision: "b"}
	completeRollingUpdate(set, &partial)
	if partial.CurrentRevision != "a" {
		t.Errorf("completed too early %+v", partial)
	}
	done.CollisionCount = ptr.To[int32](0)
	if !statusChanged(&appsv1.StatefulSetStatus{}, &done) || statusChanged(&done, done.DeepCopy()) {
		t.Error("statusChanged")
	}
}

// Update-phase deletions no longer count as current.
func TestStatusAfterUpdateDelete(t *testing.T) {
	set := testSet(2)
	pl := decide(testWorld(set, testPod(set, "web-0", "web-1", ready), testPod(set, "web-1", "web-1", ready)))
	if describe(pl) != "|||delete web-1" || pl.status.CurrentReplicas != 1 {
		t.Errorf("plan %s status %+v", describe(pl), pl.status)
	}
}
