package controllers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
)

// rsTemplate is a pod template labelled app=name.
func rsTemplate(name string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
		Spec: corev1.PodSpec{
			Containers:                    []corev1.Container{{Name: "main", Image: "nginx:1.27"}},
			TerminationGracePeriodSeconds: new(int64(1)),
		},
	}
}

func rsNew(name string, replicas int32, mutate ...func(*appsv1.ReplicaSet)) *appsv1.ReplicaSet {
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: rsTemplate(name),
		},
	}
	for _, m := range mutate {
		m(rs)
	}
	return rs
}

func rsCreate(t *testing.T, ns string, rs *appsv1.ReplicaSet) *appsv1.ReplicaSet {
	t.Helper()
	got, err := client.AppsV1().ReplicaSets(ns).Create(baseCtx, rs, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func rsGet(t *testing.T, ns, name string) *appsv1.ReplicaSet {
	t.Helper()
	rs, err := client.AppsV1().ReplicaSets(ns).Get(baseCtx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// rsPods are the pods of ns controlled by uid that are not being deleted.
func rsPods(t *testing.T, ns string, uid types.UID) []corev1.Pod {
	t.Helper()
	list, err := client.CoreV1().Pods(ns).List(baseCtx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []corev1.Pod
	for _, p := range list.Items {
		if ref := metav1.GetControllerOf(&p); ref != nil && ref.UID == uid && p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	return out
}

// rsWaitReady waits until the ReplicaSet reports n replicas, all ready,
// for its current generation, and n live pods exist.
func rsWaitReady(t *testing.T, ns, name string, n int32) *appsv1.ReplicaSet {
	t.Helper()
	var rs *appsv1.ReplicaSet
	poll(t, 60*time.Second, fmt.Sprintf("replicaset %s: %d ready replicas", name, n), func() bool {
		rs = rsGet(t, ns, name)
		s := rs.Status
		return s.ObservedGeneration == rs.Generation && s.Replicas == n && s.ReadyReplicas == n &&
			len(rsPods(t, ns, rs.UID)) == int(n)
	})
	return rs
}

// rsEvents are the "reason: message" of the events about object name.
func rsEvents(t *testing.T, ns, name string) []string {
	t.Helper()
	list, err := client.CoreV1().Events(ns).List(baseCtx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range list.Items {
		if e.InvolvedObject.Name == name {
			out = append(out, e.Reason+": "+e.Message)
		}
	}
	return out
}

// rsWatchMax watches the pods of ns (all of them, terminating too) and
// reports the most that existed at once until stop is called.
func rsWatchMax(t *testing.T, ns string) (stop func() int) {
	t.Helper()
	list, err := client.CoreV1().Pods(ns).List(baseCtx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := client.CoreV1().Pods(ns).Watch(baseCtx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	live := map[types.UID]bool{}
	for _, p := range list.Items {
		live[p.UID] = true
	}
	var mu sync.Mutex
	most := len(live)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range w.ResultChan() {
			p, ok := ev.Object.(*corev1.Pod)
			if !ok {
				continue
			}
			mu.Lock()
			switch ev.Type {
			case watch.Added, watch.Modified:
				live[p.UID] = true
			case watch.Deleted:
				delete(live, p.UID)
			}
			most = max(most, len(live))
			mu.Unlock()
		}
	}()
	return func() int {
		w.Stop()
		<-done
		mu.Lock()
		defer mu.Unlock()
		return most
	}
}

// Deleting a pod gets it replaced, and never more than one pod beyond
// spec.replicas exists meanwhile (the one being deleted).
func TestReplicaSetSelfHealing(t *testing.T) {
	ns := newNamespace(t)
	rs := rsCreate(t, ns, rsNew("web", 3))
	rsWaitReady(t, ns, "web", 3)
	before := rsPods(t, ns, rs.UID)
	stop := rsWatchMax(t, ns)
	victim := before[0].Name
	if err := client.CoreV1().Pods(ns).Delete(baseCtx, victim, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, 60*time.Second, "a replacement pod", func() bool {
		live := rsPods(t, ns, rs.UID)
		return len(live) == 3 && !slices.ContainsFunc(live, func(p corev1.Pod) bool { return p.Name == victim })
	})
	rsWaitReady(t, ns, "web", 3)
	// The deleted pod may still be terminating: let it go before counting.
	poll(t, 60*time.Second, "the deleted pod gone", func() bool {
		_, err := client.CoreV1().Pods(ns).Get(baseCtx, victim, metav1.GetOptions{})
		return err != nil
	})
	if most := stop(); most > 4 {
		t.Fatalf("%d pods existed at once; at most 3 replicas + the deleted one may", most)
	}
	rsWaitEvents(t, ns, "web", "SuccessfulCreate: Created pod: web-", 4)
}

// rsWaitEvents waits for n events about name whose "reason: message"
// starts with prefix, and fails if more show up.
func rsWaitEvents(t *testing.T, ns, name, prefix string, n int) {
	t.Helper()
	count := func() int {
		c := 0
		for _, e := range rsEvents(t, ns, name) {
			if strings.HasPrefix(e, prefix) {
				c++
			}
		}
		return c
	}
	poll(t, 10*time.Second, fmt.Sprintf("%d events %q", n, prefix), func() bool { return count() >= n })
	if c := count(); c != n {
		t.Fatalf("%d events %q, want %d: %q", c, prefix, n, rsEvents(t, ns, name))
	}
}

// kubectl scale goes through the scale subresource; kubectl get rs shows
// upstream's columns.
func TestReplicaSetScaleWithKubectl(t *testing.T) {
	ns := newNamespace(t)
	rs := rsCreate(t, ns, rsNew("web", 2))
	rsWaitReady(t, ns, "web", 2)

	mustKubectl(t, "-n", ns, "scale", "rs/web", "--replicas=5")
	rsWaitReady(t, ns, "web", 5)
	out := mustKubectl(t, "-n", ns, "get", "rs", "web")
	if f := strings.Fields(strings.Split(out, "\n")[0]); !slices.Equal(f, []string{"NAME", "DESIRED", "CURRENT", "READY", "AGE"}) {
		t.Fatalf("kubectl get rs columns %q", f)
	}
	if f := strings.Fields(strings.Split(out, "\n")[1]); len(f) < 4 || !slices.Equal(f[:4], []string{"web", "5", "5", "5"}) {
		t.Fatalf("kubectl get rs row %q, want web 5 5 5", f)
	}

	mustKubectl(t, "-n", ns, "scale", "rs/web", "--replicas=1")
	rsWaitReady(t, ns, "web", 1)
	mustKubectl(t, "-n", ns, "scale", "rs/web", "--replicas=0")
	poll(t, 30*time.Second, "scaled to zero", func() bool {
		got := rsGet(t, ns, "web")
		return got.Status.Replicas == 0 && got.Status.ObservedGeneration == got.Generation && len(rsPods(t, ns, rs.UID)) == 0
	})
}

// Scaling down deletes pods that are not ready before ready ones, even
// when the ready ones are younger.
func TestReplicaSetScaleDownPrefersNotReady(t *testing.T) {
	ns := newNamespace(t)
	probe := &corev1.Probe{
		ProbeHandler:  corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}},
		PeriodSeconds: 1,
	}
	rs := rsCreate(t, ns, rsNew("web", 2, func(rs *appsv1.ReplicaSet) {
		rs.Spec.Template.Spec.Containers[0].ReadinessProbe = probe
		// The first two pods' probes fail: running, never ready.
		rs.Spec.Template.Annotations = map[string]string{"sim.orca.dev/exec-exit-code": "1"}
	}))
	poll(t, 60*time.Second, "2 running, unready pods", func() bool {
		ps := rsPods(t, ns, rs.UID)
		return len(ps) == 2 && !podReady(&ps[0]) && !podReady(&ps[1]) &&
			ps[0].Status.Phase == corev1.PodRunning && ps[1].Status.Phase == corev1.PodRunning
	})
	unready := map[string]bool{}
	for _, p := range rsPods(t, ns, rs.UID) {
		unready[p.Name] = true
	}

	// Later pods pass their probes.
	cur := rsGet(t, ns, "web")
	cur.Spec.Template.Annotations = nil
	cur.Spec.Replicas = new(int32(4))
	if _, err := client.AppsV1().ReplicaSets(ns).Update(baseCtx, cur, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, 60*time.Second, "4 pods, 2 ready", func() bool {
		got := rsGet(t, ns, "web")
		return got.Status.Replicas == 4 && got.Status.ReadyReplicas == 2
	})

	mustKubectl(t, "-n", ns, "scale", "rs/web", "--replicas=2")
	poll(t, 30*time.Second, "scaled down to 2", func() bool {
		got := rsGet(t, ns, "web")
		return got.Status.ObservedGeneration == got.Generation && got.Status.Replicas == 2 && len(rsPods(t, ns, rs.UID)) == 2
	})
	for _, p := range rsPods(t, ns, rs.UID) {
		if unready[p.Name] {
			t.Fatalf("unready pod %s kept, a ready one deleted", p.Name)
		}
	}
	rsWaitReady(t, ns, "web", 2)
}

// A matching orphan is adopted instead of creating a pod; a pod relabelled
// out of the selector is released (kept, no owner) and replaced.
func TestReplicaSetAdoptionAndRelease(t *testing.T) {
	ns := newNamespace(t)
	tmpl := rsTemplate("web")
	orphan, err := client.CoreV1().Pods(ns).Create(baseCtx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "stray", Labels: tmpl.Labels},
		Spec:       tmpl.Spec,
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	poll(t, 60*time.Second, "orphan ready", func() bool {
		p, err := client.CoreV1().Pods(ns).Get(baseCtx, "stray", metav1.GetOptions{})
		return err == nil && podReady(p)
	})
	rs := rsCreate(t, ns, rsNew("web", 2))
	rsWaitReady(t, ns, "web", 2)
	rsWaitEvents(t, ns, "web", "SuccessfulCreate: ", 1)
	got, err := client.CoreV1().Pods(ns).Get(baseCtx, "stray", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ref := metav1.GetControllerOf(got); ref == nil || ref.UID != rs.UID || ref.Kind != "ReplicaSet" || got.UID != orphan.UID {
		t.Fatalf("orphan's controller %+v, want the ReplicaSet", ref)
	}
	if n := len(rsPods(t, ns, rs.UID)); n != 2 {
		t.Fatalf("%d pods, want 2 (1 created + the adopted one)", n)
	}

	mustKubectl(t, "-n", ns, "label", "pod", "stray", "app=elsewhere", "--overwrite")
	poll(t, 30*time.Second, "relabelled pod released", func() bool {
		p, err := client.CoreV1().Pods(ns).Get(baseCtx, "stray", metav1.GetOptions{})
		return err == nil && metav1.GetControllerOf(p) == nil && p.DeletionTimestamp == nil
	})
	rsWaitReady(t, ns, "web", 2)
	for _, p := range rsPods(t, ns, rs.UID) {
		if p.Name == "stray" {
			t.Fatal("released pod still counted")
		}
	}
}

// Status: fullyLabeledReplicas, readyReplicas, then availableReplicas
// once pods were ready for minReadySeconds, without any other event.
func TestReplicaSetStatusMinReadySeconds(t *testing.T) {
	ns := newNamespace(t)
	rs := rsCreate(t, ns, rsNew("web", 2, func(rs *appsv1.ReplicaSet) {
		rs.Spec.MinReadySeconds = 3
		rs.Spec.Template.Labels["extra"] = "x" // selector app=web only
	}))
	sawReadyNotAvailable := false
	var s appsv1.ReplicaSetStatus
	poll(t, 60*time.Second, "2 available replicas", func() bool {
		got := rsGet(t, ns, "web")
		s = got.Status
		if s.ReadyReplicas == 2 && s.AvailableReplicas < 2 {
			sawReadyNotAvailable = true
		}
		return s.AvailableReplicas == 2 && got.Status.ObservedGeneration == got.Generation
	})
	if !sawReadyNotAvailable {
		t.Fatal("pods were available as soon as ready, despite minReadySeconds 3")
	}
	if s.Replicas != 2 || s.FullyLabeledReplicas != 2 || s.ReadyReplicas != 2 {
		t.Fatalf("status %+v", s)
	}
	for _, p := range rsPods(t, ns, rs.UID) {
		for _, c := range p.Status.Conditions {
			// Transition times have second precision: allow one.
			if c.Type == corev1.PodReady && time.Since(c.LastTransitionTime.Time) < 2*time.Second {
				t.Fatalf("pod %s counted available %v after becoming ready", p.Name, time.Since(c.LastTransitionTime.Time))
			}
		}
	}

	// A pod missing a template label is not fully labelled.
	victim := rsPods(t, ns, rs.UID)[0].Name
	mustKubectl(t, "-n", ns, "label", "pod", victim, "extra-")
	poll(t, 30*time.Second, "fullyLabeledReplicas 1", func() bool {
		s := rsGet(t, ns, "web").Status
		return s.FullyLabeledReplicas == 1 && s.Replicas == 2
	})
}

// Pod creations refused by admission set ReplicaFailure (and a
// FailedCreate event); once they work, the condition goes.
func TestReplicaSetReplicaFailureCondition(t *testing.T) {
	ns := newNamespace(t)
	class := "rs-test-" + ns
	rsCreate(t, ns, rsNew("web", 2, func(rs *appsv1.ReplicaSet) {
		rs.Spec.Template.Spec.PriorityClassName = class // does not exist yet
	}))
	poll(t, 30*time.Second, "ReplicaFailure condition", func() bool {
		for _, c := range rsGet(t, ns, "web").Status.Conditions {
			if c.Type == appsv1.ReplicaSetReplicaFailure && c.Status == corev1.ConditionTrue && c.Reason == "FailedCreate" &&
				strings.Contains(c.Message, "no PriorityClass with name "+class) {
				return true
			}
		}
		return false
	})
	poll(t, 10*time.Second, "FailedCreate event", func() bool {
		for _, e := range rsEvents(t, ns, "web") {
			if strings.HasPrefix(e, "FailedCreate: Error creating: ") {
				return true
			}
		}
		return false
	})
	if _, err := client.SchedulingV1().PriorityClasses().Create(baseCtx, &schedulingv1.PriorityClass{
		ObjectMeta: metav1.ObjectMeta{Name: class}, Value: 10,
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		client.SchedulingV1().PriorityClasses().Delete(context.Background(), class, metav1.DeleteOptions{})
	})
	rs := rsWaitReady(t, ns, "web", 2)
	for _, c := range rs.Status.Conditions {
		if c.Type == appsv1.ReplicaSetReplicaFailure {
			t.Fatalf("ReplicaFailure kept after creations worked: %+v", c)
		}
	}
}

// A ReplicationController holds its count, heals, scales with kubectl and
// reports its status like a ReplicaSet.
func TestReplicationController(t *testing.T) {
	ns := newNamespace(t)
	tmpl := rsTemplate("legacy")
	rc, err := client.CoreV1().ReplicationControllers(ns).Create(baseCtx, &corev1.ReplicationController{
		ObjectMeta: metav1.ObjectMeta{Name: "legacy"},
		Spec:       corev1.ReplicationControllerSpec{Replicas: new(int32(2)), Selector: map[string]string{"app": "legacy"}, Template: &tmpl},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitRC := func(n int32) {
		t.Helper()
		poll(t, 60*time.Second, fmt.Sprintf("replicationcontroller: %d ready", n), func() bool {
			got, err := client.CoreV1().ReplicationControllers(ns).Get(baseCtx, "legacy", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			s := got.Status
			return s.ObservedGeneration == got.Generation && s.Replicas == n && s.ReadyReplicas == n &&
				s.AvailableReplicas == n && s.FullyLabeledReplicas == n && len(rsPods(t, ns, rc.UID)) == int(n)
		})
	}
	waitRC(2)
	ps := rsPods(t, ns, rc.UID)
	if ref := metav1.GetControllerOf(&ps[0]); ref.Kind != "ReplicationController" || ref.APIVersion != "v1" {
		t.Fatalf("pod controller %+v", ref)
	}
	if err := client.CoreV1().Pods(ns).Delete(baseCtx, ps[0].Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, 60*time.Second, "replacement", func() bool {
		live := rsPods(t, ns, rc.UID)
		return len(live) == 2 && live[0].Name != ps[0].Name && live[1].Name != ps[0].Name
	})
	waitRC(2)

	mustKubectl(t, "-n", ns, "scale", "rc/legacy", "--replicas=3")
	waitRC(3)
	out := mustKubectl(t, "-n", ns, "get", "rc", "legacy")
	if f := strings.Fields(strings.Split(out, "\n")[1]); len(f) < 4 || !slices.Equal(f[:4], []string{"legacy", "3", "3", "3"}) {
		t.Fatalf("kubectl get rc row %q, want legacy 3 3 3", f)
	}
	mustKubectl(t, "-n", ns, "scale", "rc/legacy", "--replicas=1")
	waitRC(1)
	rsWaitEvents(t, ns, "legacy", "SuccessfulCreate: Created pod: legacy-", 4)
	rsWaitEvents(t, ns, "legacy", "SuccessfulDelete: Deleted pod: legacy-", 2)
}

// The pod-deletion-cost annotation picks the victim among equally ready
// pods: lowest cost first.
func TestReplicaSetScaleDownHonoursDeletionCost(t *testing.T) {
	ns := newNamespace(t)
	rs := rsCreate(t, ns, rsNew("web", 3))
	rsWaitReady(t, ns, "web", 3)
	ps := rsPods(t, ns, rs.UID)
	// The oldest pod: by age alone it would not go first.
	slices.SortFunc(ps, func(a, b corev1.Pod) int { return a.CreationTimestamp.Compare(b.CreationTimestamp.Time) })
	cheap := ps[0].Name
	mustKubectl(t, "-n", ns, "annotate", "pod", cheap, "controller.kubernetes.io/pod-deletion-cost=-100")
	for _, p := range ps[1:] {
		mustKubectl(t, "-n", ns, "annotate", "pod", p.Name, "controller.kubernetes.io/pod-deletion-cost=100")
	}
	mustKubectl(t, "-n", ns, "scale", "rs/web", "--replicas=2")
	poll(t, 30*time.Second, "scaled down to 2", func() bool {
		got := rsGet(t, ns, "web")
		return got.Status.ObservedGeneration == got.Generation && got.Status.Replicas == 2 && len(rsPods(t, ns, rs.UID)) == 2
	})
	for _, p := range rsPods(t, ns, rs.UID) {
		if p.Name == cheap {
			t.Fatalf("pod %s with deletion cost -100 kept; one with cost 100 deleted", cheap)
		}
	}
}

// status.terminatingReplicas counts the pods being deleted until they are
// gone (a Deployment sums its ReplicaSets').
func TestReplicaSetTerminatingReplicas(t *testing.T) {
	ns := newNamespace(t)
	rs := rsNew("slow", 3, func(rs *appsv1.ReplicaSet) {
		rs.Spec.Template.Annotations = map[string]string{"sim.orca.dev/shutdown-delay": "3s"}
		rs.Spec.Template.Spec.TerminationGracePeriodSeconds = new(int64(30))
	})
	rsCreate(t, ns, rs)
	if got := rsWaitReady(t, ns, "slow", 3); got.Status.TerminatingReplicas == nil || *got.Status.TerminatingReplicas != 0 {
		t.Fatalf("terminatingReplicas %v, want 0 while nothing terminates", got.Status.TerminatingReplicas)
	}
	mustKubectl(t, "-n", ns, "scale", "rs/slow", "--replicas=1")
	poll(t, 30*time.Second, "two terminating replicas", func() bool {
		s := rsGet(t, ns, "slow").Status
		return s.TerminatingReplicas != nil && *s.TerminatingReplicas == 2 && s.Replicas == 1
	})
	poll(t, 30*time.Second, "no terminating replica once they are gone", func() bool {
		s := rsGet(t, ns, "slow").Status
		return s.TerminatingReplicas != nil && *s.TerminatingReplicas == 0
	})
}
