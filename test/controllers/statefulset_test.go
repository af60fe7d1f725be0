package controllers

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/ptr"
)

// stsNew is a StatefulSet "name" of replicas pods (label app=name, one
// container whose image is image).
func stsNew(name string, replicas int32, image string, mutate func(*appsv1.StatefulSet)) *appsv1.StatefulSet {
	labels := map[string]string{"app": name}
	s := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.StatefulSetSpec{
			Replicas:    ptr.To(replicas),
			ServiceName: name,
			Selector:    &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: map[string]string{}},
				Spec: corev1.PodSpec{
					TerminationGracePeriodSeconds: ptr.To[int64](0),
					Containers:                    []corev1.Container{{Name: "c", Image: image}},
				},
			},
		},
	}
	if mutate != nil {
		mutate(s)
	}
	return s
}

func stsCreate(t *testing.T, ns string, s *appsv1.StatefulSet) *appsv1.StatefulSet {
	t.Helper()
	out, err := client.AppsV1().StatefulSets(ns).Create(baseCtx, s, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func stsGet(t *testing.T, ns, name string) *appsv1.StatefulSet {
	t.Helper()
	s, err := client.AppsV1().StatefulSets(ns).Get(baseCtx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// stsUpdate changes the set, retrying conflicts.
func stsUpdate(t *testing.T, ns, name string, change func(*appsv1.StatefulSet)) {
	t.Helper()
	for i := 0; i < 10; i++ {
		s := stsGet(t, ns, name)
		change(s)
		_, err := client.AppsV1().StatefulSets(ns).Update(baseCtx, s, metav1.UpdateOptions{})
		if err == nil {
			return
		}
		if !apierrors.IsConflict(err) {
			t.Fatal(err)
		}
	}
	t.Fatal("update: too many conflicts")
}

// stsPods are the namespace's live pods by name.
func stsPods(t *testing.T, ns string) map[string]corev1.Pod {
	t.Helper()
	list, err := client.CoreV1().Pods(ns).List(baseCtx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]corev1.Pod{}
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil {
			out[p.Name] = p
		}
	}
	return out
}

// stsReady: exactly the named pods exist, all Running and Ready.
func stsReady(t *testing.T, ns string, names ...string) func() bool {
	return func() bool {
		ps := stsPods(t, ns)
		if len(ps) != len(names) {
			return false
		}
		for _, n := range names {
			p, ok := ps[n]
			if !ok || p.Status.Phase != corev1.PodRunning || !podReady(&p) {
				return false
			}
		}
		return true
	}
}

// stsRecorder watches a namespace's pods and keeps what happened, in the
// server's order.
type stsRecorder struct {
	mu     sync.Mutex
	events []stsEvent
	stop   func()
}

type stsEvent struct {
	typ   watch.EventType
	name  string
	uid   types.UID
	ready bool
	gone  bool // being deleted
	rev   string
	at    time.Time
	state string
}

func stsWatch(t *testing.T, ns string) *stsRecorder {
	t.Helper()
	ctx, cancel := context.WithCancel(baseCtx)
	w, err := client.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := &stsRecorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range w.ResultChan() {
			p, ok := ev.Object.(*corev1.Pod)
			if !ok {
				continue
			}
			r.mu.Lock()
			r.events = append(r.events, stsEvent{typ: ev.Type, name: p.Name, uid: p.UID, ready: podReady(p),
				gone: p.DeletionTimestamp != nil, rev: p.Labels[appsv1.ControllerRevisionHashLabelKey], at: time.Now(), state: stsState(p)})
			r.mu.Unlock()
		}
	}()
	r.stop = func() { cancel(); w.Stop(); <-done }
	start := time.Now()
	t.Cleanup(func() {
		if t.Failed() {
			for _, e := range r.all() {
				t.Logf("%6dms %s %s ready=%v gone=%v rev=%s %s", e.at.Sub(start).Milliseconds(), e.typ, e.name, e.ready, e.gone, e.rev, e.state)
			}
		}
	})
	t.Cleanup(r.stop)
	return r
}

func (r *stsRecorder) all() []stsEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]stsEvent(nil), r.events...)
}

// deletions lists pod names in the order their deletion began.
func (r *stsRecorder) deletions() []string {
	var out []string
	seen := map[types.UID]bool{}
	for _, e := range r.all() {
		if (e.gone || e.typ == watch.Deleted) && !seen[e.uid] {
			seen[e.uid] = true
			out = append(out, e.name)
		}
	}
	return out
}

// waitDeletions waits until the watch has seen n deletions and returns
// them in order (a List may show a pod gone before the watch tells).
func (r *stsRecorder) waitDeletions(t *testing.T, n int) []string {
	t.Helper()
	poll(t, 10*time.Second, fmt.Sprintf("%d deletions watched", n), func() bool { return len(r.deletions()) >= n })
	return r.deletions()
}

// stsEventMessages are the messages of the set's events.
func stsEventMessages(t *testing.T, ns, name string) string {
	t.Helper()
	list, err := client.CoreV1().Events(ns).List(baseCtx, metav1.ListOptions{FieldSelector: "involvedObject.name=" + name})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range list.Items {
		fmt.Fprintf(&b, "%s: %s\n", e.Reason, e.Message)
	}
	return b.String()
}

// OrderedReady: web-1 is created only once web-0 is Running and Ready,
// web-2 once web-1 is; pods carry their identity; status and events as
// upstream.
func TestStatefulSetOrderedReadyCreation(t *testing.T) {
	ns := newNamespace(t)
	rec := stsWatch(t, ns)
	stsCreate(t, ns, stsNew("web", 3, "nginx:1", nil))
	poll(t, 60*time.Second, "web-0..2 ready", stsReady(t, ns, "web-0", "web-1", "web-2"))
	poll(t, 10*time.Second, "3 pods watched", func() bool {
		n := 0
		for _, e := range rec.all() {
			if e.typ == watch.Added {
				n++
			}
		}
		return n >= 3
	})

	// Replay the watch: when web-i appears, web-(i-1) must have been seen
	// Ready already.
	ready := map[string]bool{}
	created := []string{}
	for _, e := range rec.all() {
		if e.typ == watch.Added {
			created = append(created, e.name)
			var i int
			fmt.Sscanf(strings.TrimPrefix(e.name, "web-"), "%d", &i)
			if i > 0 && !ready[fmt.Sprintf("web-%d", i-1)] {
				t.Errorf("%s created before web-%d was Ready (events %v)", e.name, i-1, rec.all())
			}
		}
		if e.ready {
			ready[e.name] = true
		}
	}
	if strings.Join(created, ",") != "web-0,web-1,web-2" {
		t.Errorf("creation order %v, want web-0,web-1,web-2", created)
	}

	s := stsGet(t, ns, "web")
	for name, p := range stsPods(t, ns) {
		idx := strings.TrimPrefix(name, "web-")
		if p.Labels[appsv1.StatefulSetPodNameLabel] != name || p.Labels[appsv1.PodIndexLabel] != idx ||
			p.Labels[appsv1.ControllerRevisionHashLabelKey] == "" {
			t.Errorf("%s labels %v", name, p.Labels)
		}
		if p.Spec.Hostname != name || p.Spec.Subdomain != "web" {
			t.Errorf("%s hostname %q subdomain %q", name, p.Spec.Hostname, p.Spec.Subdomain)
		}
		if ref := metav1.GetControllerOf(&p); ref == nil || ref.UID != s.UID || ref.Kind != "StatefulSet" {
			t.Errorf("%s controller %v", name, ref)
		}
		if p.Labels[appsv1.ControllerRevisionHashLabelKey] != s.Status.UpdateRevision {
			t.Errorf("%s revision %q, set's update revision %q", name, p.Labels[appsv1.ControllerRevisionHashLabelKey], s.Status.UpdateRevision)
		}
	}
	poll(t, 10*time.Second, "status", func() bool {
		s = stsGet(t, ns, "web")
		st := s.Status
		return st.ObservedGeneration == s.Generation && st.Replicas == 3 && st.ReadyReplicas == 3 && st.AvailableReplicas == 3 &&
			st.CurrentReplicas == 3 && st.UpdatedReplicas == 3 && st.CurrentRevision != "" && st.CurrentRevision == st.UpdateRevision
	})
	if !strings.HasPrefix(s.Status.CurrentRevision, "web-") {
		t.Errorf("revision name %q", s.Status.CurrentRevision)
	}
	cr, err := client.AppsV1().ControllerRevisions(ns).Get(baseCtx, s.Status.CurrentRevision, metav1.GetOptions{})
	if err != nil || cr.Revision != 1 || !metav1.IsControlledBy(cr, s) {
		t.Errorf("revision %v err %v", cr, err)
	}
	poll(t, 10*time.Second, "events", func() bool {
		return strings.Contains(stsEventMessages(t, ns, "web"), "SuccessfulCreate: create Pod web-2 in StatefulSet web successful")
	})
}

// OrderedReady scale-down goes from the highest ordinal, one pod at a
// time: web-3 is gone before web-2 starts going; a deleted pod comes back
// with its name.
func TestStatefulSetScaleDownAndRecreate(t *testing.T) {
	ns := newNamespace(t)
	stsCreate(t, ns, stsNew("web", 4, "nginx:1", nil))
	poll(t, 60*time.Second, "4 ready", stsReady(t, ns, "web-0", "web-1", "web-2", "web-3"))

	rec := stsWatch(t, ns)
	mustKubectl(t, "-n", ns, "scale", "statefulset/web", "--replicas=2")
	poll(t, 60*time.Second, "scaled to 2", stsReady(t, ns, "web-0", "web-1"))
	order := rec.waitDeletions(t, 2)
	evs := rec.all()
	// web-2 must not start terminating before web-3 was DELETED.
	web3Deleted := false
	for _, e := range evs {
		if e.name == "web-3" && e.typ == watch.Deleted {
			web3Deleted = true
		}
		if e.name == "web-2" && (e.gone || e.typ == watch.Deleted) && !web3Deleted {
			t.Fatalf("web-2 deleted while web-3 still existed: %v", evs)
		}
		if (e.name == "web-0" || e.name == "web-1") && (e.gone || e.typ == watch.Deleted) {
			t.Fatalf("%s deleted on scale down", e.name)
		}
	}
	if strings.Join(order, ",") != "web-3,web-2" {
		t.Errorf("deletion order %v, want web-3,web-2", order)
	}

	// A deleted pod is recreated with the same name (a new UID).
	old := stsPods(t, ns)["web-1"]
	if err := client.CoreV1().Pods(ns).Delete(baseCtx, "web-1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, 60*time.Second, "web-1 recreated", func() bool {
		p, ok := stsPods(t, ns)["web-1"]
		return ok && p.UID != old.UID && podReady(&p)
	})
	poll(t, 10*time.Second, "status 2", func() bool {
		s := stsGet(t, ns, "web")
		return s.Status.Replicas == 2 && s.Status.ReadyReplicas == 2
	})
	if !strings.Contains(stsEventMessages(t, ns, "web"), "SuccessfulDelete: delete Pod web-3 in StatefulSet web successful") {
		t.Errorf("no delete event:\n%s", stsEventMessages(t, ns, "web"))
	}
}

// Parallel creates every pod at once and does not wait for readiness:
// with a readiness probe that always fails, all four pods exist (OrderedReady
// would stop at par-0), and scale-down takes the unready pods too.
func TestStatefulSetParallel(t *testing.T) {
	ns := newNamespace(t)
	stsCreate(t, ns, stsNew("par", 4, "nginx:1", func(s *appsv1.StatefulSet) {
		s.Spec.PodManagementPolicy = appsv1.ParallelPodManagement
		s.Spec.Template.Annotations["sim.orca.dev/exec-exit-code"] = "1"
		s.Spec.Template.Spec.Containers[0].ReadinessProbe = &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"false"}}},
			PeriodSeconds: 1,
		}
	}))
	poll(t, 30*time.Second, "4 running, none ready", func() bool {
		ps := stsPods(t, ns)
		if len(ps) != 4 {
			return false
		}
		for _, p := range ps {
			if p.Status.Phase != corev1.PodRunning || podReady(&p) {
				return false
			}
		}
		return true
	})
	poll(t, 10*time.Second, "status 4 replicas 0 ready", func() bool {
		st := stsGet(t, ns, "par").Status
		return st.Replicas == 4 && st.ReadyReplicas == 0 && st.UpdatedReplicas == 4
	})
	stsUpdate(t, ns, "par", func(s *appsv1.StatefulSet) { s.Spec.Replicas = ptr.To[int32](1) })
	poll(t, 30*time.Second, "scaled to 1", func() bool {
		ps := stsPods(t, ns)
		_, ok := ps["par-0"]
		return len(ps) == 1 && ok
	})
}

// volumeClaimTemplates: one claim per pod, <template>-<set>-<ordinal>,
// created with the pod and kept (with its identity) across scale-down and
// scale-up. No PV exists, so claims stay Pending and the pods unscheduled
// (the scheduler's VolumeBinding refuses unbound immediate claims): the
// set is Parallel so that it does not wait for them.
func TestStatefulSetVolumeClaimTemplates(t *testing.T) {
	ns := newNamespace(t)
	stsCreate(t, ns, stsNew("db", 2, "nginx:1", func(s *appsv1.StatefulSet) {
		s.Spec.PodManagementPolicy = appsv1.ParallelPodManagement
		s.Spec.VolumeClaimTemplates = []corev1.PersistentVolumeClaim{{
			ObjectMeta: metav1.ObjectMeta{Name: "data", Labels: map[string]string{"tier": "storage"}},
			Spec: corev1.PersistentVolumeClaimSpec{
				AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
			},
		}}
	}))
	claimUIDs := map[string]types.UID{}
	poll(t, 30*time.Second, "claims and pods", func() bool {
		ps := stsPods(t, ns)
		for i := 0; i < 2; i++ {
			c, err := client.CoreV1().PersistentVolumeClaims(ns).Get(baseCtx, fmt.Sprintf("data-db-%d", i), metav1.GetOptions{})
			if err != nil {
				return false
			}
			claimUIDs[c.Name] = c.UID
			if _, ok := ps[fmt.Sprintf("db-%d", i)]; !ok {
				return false
			}
		}
		return true
	})
	for i := 0; i < 2; i++ {
		c, _ := client.CoreV1().PersistentVolumeClaims(ns).Get(baseCtx, fmt.Sprintf("data-db-%d", i), metav1.GetOptions{})
		if c.Labels["app"] != "db" || c.Labels["tier"] != "storage" || len(c.OwnerReferences) != 0 {
			t.Errorf("claim %s labels %v owners %v", c.Name, c.Labels, c.OwnerReferences)
		}
		p := stsPods(t, ns)[fmt.Sprintf("db-%d", i)]
		found := false
		for _, v := range p.Spec.Volumes {
			if v.Name == "data" && v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == c.Name {
				found = true
			}
		}
		if !found {
			t.Errorf("%s volumes %v lack claim %s", p.Name, p.Spec.Volumes, c.Name)
		}
	}
	poll(t, 10*time.Second, "claim event", func() bool {
		return strings.Contains(stsEventMessages(t, ns, "db"), "SuccessfulCreate: create Claim data-db-1 Pod db-1 in StatefulSet db success")
	})

	mustKubectl(t, "-n", ns, "scale", "statefulset/db", "--replicas=1")
	poll(t, 30*time.Second, "db-1 gone", func() bool {
		_, err := client.CoreV1().Pods(ns).Get(baseCtx, "db-1", metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	})
	c, err := client.CoreV1().PersistentVolumeClaims(ns).Get(baseCtx, "data-db-1", metav1.GetOptions{})
	if err != nil || c.UID != claimUIDs["data-db-1"] || c.DeletionTimestamp != nil {
		t.Fatalf("claim data-db-1 after scale-down: %v %v", c, err)
	}

	mustKubectl(t, "-n", ns, "scale", "statefulset/db", "--replicas=2")
	poll(t, 30*time.Second, "db-1 back on its claim", func() bool {
		p, ok := stsPods(t, ns)["db-1"]
		if !ok {
			return false
		}
		for _, v := range p.Spec.Volumes {
			if v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == "data-db-1" {
				return true
			}
		}
		return false
	})
	c, err = client.CoreV1().PersistentVolumeClaims(ns).Get(baseCtx, "data-db-1", metav1.GetOptions{})
	if err != nil || c.UID != claimUIDs["data-db-1"] {
		t.Fatalf("claim data-db-1 replaced: %v %v", c, err)
	}
}

// RollingUpdate with a partition updates only ordinals ≥ partition, from
// the highest down; lowering the partition finishes the rollout; kubectl
// rollout status, history and undo work.
func TestStatefulSetRollingUpdatePartition(t *testing.T) {
	ns := newNamespace(t)
	stsCreate(t, ns, stsNew("web", 3, "nginx:1", func(s *appsv1.StatefulSet) {
		s.Spec.UpdateStrategy = appsv1.StatefulSetUpdateStrategy{
			Type:          appsv1.RollingUpdateStatefulSetStrategyType,
			RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{Partition: ptr.To[int32](1)},
		}
	}))
	poll(t, 60*time.Second, "3 ready", stsReady(t, ns, "web-0", "web-1", "web-2"))
	mustKubectl(t, "-n", ns, "rollout", "status", "statefulset/web", "--timeout=60s")
	rev1 := stsGet(t, ns, "web").Status.CurrentRevision

	rec := stsWatch(t, ns)
	mustKubectl(t, "-n", ns, "set", "image", "statefulset/web", "c=nginx:2")
	out := mustKubectl(t, "-n", ns, "rollout", "status", "statefulset/web", "--timeout=60s")
	if !strings.Contains(out, "partitioned roll out complete: 2 new pods have been updated") {
		t.Errorf("rollout status: %q", out)
	}
	s := stsGet(t, ns, "web")
	rev2 := s.Status.UpdateRevision
	if rev2 == rev1 || s.Status.CurrentRevision != rev1 || s.Status.UpdatedReplicas != 2 {
		t.Fatalf("status after partitioned update: %+v", s.Status)
	}
	ps := stsPods(t, ns)
	for name, want := range map[string]string{"web-0": rev1, "web-1": rev2, "web-2": rev2} {
		p := ps[name]
		if got := p.Labels[appsv1.ControllerRevisionHashLabelKey]; got != want {
			t.Errorf("%s at %s, want %s", name, got, want)
		}
		img := "nginx:2"
		if want == rev1 {
			img = "nginx:1"
		}
		if p.Spec.Containers[0].Image != img {
			t.Errorf("%s image %s, want %s", name, p.Spec.Containers[0].Image, img)
		}
	}
	if got := rec.waitDeletions(t, 2); strings.Join(got, ",") != "web-2,web-1" {
		t.Errorf("update order %v, want web-2,web-1", got)
	}

	// Partition 0: web-0 follows, and the update revision becomes current.
	stsUpdate(t, ns, "web", func(s *appsv1.StatefulSet) { s.Spec.UpdateStrategy.RollingUpdate.Partition = ptr.To[int32](0) })
	// (kubectl reports a set with a partition, even 0, as partitioned.)
	out = mustKubectl(t, "-n", ns, "rollout", "status", "statefulset/web", "--timeout=60s")
	if !strings.Contains(out, "partitioned roll out complete: 3 new pods have been updated") {
		t.Errorf("rollout status: %q", out)
	}
	poll(t, 10*time.Second, "update revision current", func() bool {
		st := stsGet(t, ns, "web").Status
		return st.CurrentRevision == rev2 && st.UpdateRevision == rev2 && st.CurrentReplicas == 3
	})
	if got := rec.waitDeletions(t, 3); strings.Join(got, ",") != "web-2,web-1,web-0" {
		t.Errorf("update order %v, want web-2,web-1,web-0", got)
	}

	hist := mustKubectl(t, "-n", ns, "rollout", "history", "statefulset/web")
	if !strings.Contains(hist, "1 ") || !strings.Contains(hist, "2 ") {
		t.Errorf("rollout history:\n%s", hist)
	}
	detail := mustKubectl(t, "-n", ns, "rollout", "history", "statefulset/web", "--revision=1")
	if !strings.Contains(detail, "nginx:1") {
		t.Errorf("revision 1 detail:\n%s", detail)
	}

	// Undo: back to revision 1's template, renumbered 3, pods follow.
	mustKubectl(t, "-n", ns, "rollout", "undo", "statefulset/web")
	mustKubectl(t, "-n", ns, "rollout", "status", "statefulset/web", "--timeout=60s")
	s = stsGet(t, ns, "web")
	if s.Spec.Template.Spec.Containers[0].Image != "nginx:1" || s.Status.CurrentRevision != rev1 {
		t.Errorf("after undo: image %s current %s (rev1 %s)", s.Spec.Template.Spec.Containers[0].Image, s.Status.CurrentRevision, rev1)
	}
	cr, err := client.AppsV1().ControllerRevisions(ns).Get(baseCtx, rev1, metav1.GetOptions{})
	if err != nil || cr.Revision != 3 {
		t.Errorf("rolled back revision %v: %v", cr, err)
	}
	for name, p := range stsPods(t, ns) {
		if p.Spec.Containers[0].Image != "nginx:1" {
			t.Errorf("%s image %s after undo", name, p.Spec.Containers[0].Image)
		}
	}
	revs, _ := client.AppsV1().ControllerRevisions(ns).List(baseCtx, metav1.ListOptions{})
	var names []string
	for _, r := range revs.Items {
		names = append(names, fmt.Sprintf("%s=%d", r.Name, r.Revision))
	}
	sort.Strings(names)
	if len(revs.Items) != 2 {
		t.Errorf("revisions %v, want 2", names)
	}

	// rollout restart: a new revision, every pod replaced.
	before := stsPods(t, ns)
	mustKubectl(t, "-n", ns, "rollout", "restart", "statefulset/web")
	mustKubectl(t, "-n", ns, "rollout", "status", "statefulset/web", "--timeout=60s")
	poll(t, 30*time.Second, "all pods restarted", func() bool {
		ps := stsPods(t, ns)
		if len(ps) != 3 {
			return false
		}
		for name, p := range ps {
			if p.UID == before[name].UID || p.Annotations["kubectl.kubernetes.io/restartedAt"] == "" || !podReady(&p) {
				return false
			}
		}
		return true
	})
}

// A failed pod is deleted and recreated with the same name. The pod is
// kept off every node (nodeSelector) and the test marks it Failed, as a
// kubelet would.
func TestStatefulSetRecreatesFailedPod(t *testing.T) {
	ns := newNamespace(t)
	stsCreate(t, ns, stsNew("fail", 1, "nginx:1", func(s *appsv1.StatefulSet) {
		s.Spec.Template.Spec.NodeSelector = map[string]string{"no-such-node": "true"}
	}))
	var p *corev1.Pod
	poll(t, 30*time.Second, "fail-0 created", func() bool {
		var err error
		p, err = client.CoreV1().Pods(ns).Get(baseCtx, "fail-0", metav1.GetOptions{})
		return err == nil
	})
	p.Status.Phase = corev1.PodFailed
	if _, err := client.CoreV1().Pods(ns).UpdateStatus(baseCtx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, 30*time.Second, "fail-0 recreated", func() bool {
		q, err := client.CoreV1().Pods(ns).Get(baseCtx, "fail-0", metav1.GetOptions{})
		return err == nil && q.UID != p.UID && q.Status.Phase == corev1.PodPending
	})
	poll(t, 10*time.Second, "delete event", func() bool {
		return strings.Contains(stsEventMessages(t, ns, "fail"), "SuccessfulDelete: delete Pod fail-0 in StatefulSet fail successful")
	})
}

// Pods run on their claims once those are bound: the test plays the PV
// controller (orca has none) by creating each claim bound to a hostPath
// PV before the set exists; the controller uses the existing claims and
// OrderedReady brings both pods up.
func TestStatefulSetBoundClaims(t *testing.T) {
	ns := newNamespace(t)
	dir := t.TempDir()
	uids := map[string]types.UID{}
	for i := 0; i < 2; i++ {
		pvName := fmt.Sprintf("%s-pv-%d", ns, i)
		claim := fmt.Sprintf("data-db-%d", i)
		pv := &corev1.PersistentVolume{
			ObjectMeta: metav1.ObjectMeta{Name: pvName},
			Spec: corev1.PersistentVolumeSpec{
				Capacity:    corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
				AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{
					Path: fmt.Sprintf("%s/%d", dir, i), Type: ptr.To(corev1.HostPathDirectoryOrCreate)}},
				ClaimRef: &corev1.ObjectReference{Namespace: ns, Name: claim},
			},
		}
		if _, err := client.CoreV1().PersistentVolumes().Create(baseCtx, pv, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			client.CoreV1().PersistentVolumes().Delete(context.Background(), pvName, metav1.DeleteOptions{})
		})
		pvc, err := client.CoreV1().PersistentVolumeClaims(ns).Create(baseCtx, &corev1.PersistentVolumeClaim{
			ObjectMeta: metav1.ObjectMeta{Name: claim},
			Spec: corev1.PersistentVolumeClaimSpec{
				AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				StorageClassName: ptr.To(""),
				VolumeName:       pvName,
				Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
			},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		pvc.Status.Phase = corev1.ClaimBound
		if _, err := client.CoreV1().PersistentVolumeClaims(ns).UpdateStatus(baseCtx, pvc, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		uids[claim] = pvc.UID
	}
	stsCreate(t, ns, stsNew("db", 2, "nginx:1", func(s *appsv1.StatefulSet) {
		s.Spec.VolumeClaimTemplates = []corev1.PersistentVolumeClaim{{
			ObjectMeta: metav1.ObjectMeta{Name: "data"},
			Spec: corev1.PersistentVolumeClaimSpec{
				AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
			},
		}}
	}))
	poll(t, 60*time.Second, "db-0, db-1 ready on their claims", stsReady(t, ns, "db-0", "db-1"))
	for claim, uid := range uids {
		c, err := client.CoreV1().PersistentVolumeClaims(ns).Get(baseCtx, claim, metav1.GetOptions{})
		if err != nil || c.UID != uid {
			t.Errorf("claim %s replaced: %v %v", claim, c, err)
		}
	}
	if ev := stsEventMessages(t, ns, "db"); strings.Contains(ev, "create Claim") {
		t.Errorf("existing claims were created again:\n%s", ev)
	}
}

// stsState summarizes a pod's status for logs.
func stsState(p *corev1.Pod) string {
	s := fmt.Sprintf("%s node=%s rv=%s", p.Status.Phase, p.Spec.NodeName, p.ResourceVersion)
	for _, c := range p.Status.ContainerStatuses {
		s += fmt.Sprintf(" %s:restarts=%d,ready=%v,state=%+v", c.Name, c.RestartCount, c.Ready, c.State)
	}
	return s
}

// OnDelete: a template change touches no pod; a deleted pod comes back at
// the update revision. revisionHistoryLimit 0 drops revisions no pod
// uses.
func TestStatefulSetOnDelete(t *testing.T) {
	ns := newNamespace(t)
	stsCreate(t, ns, stsNew("od", 2, "nginx:1", func(s *appsv1.StatefulSet) {
		s.Spec.UpdateStrategy = appsv1.StatefulSetUpdateStrategy{Type: appsv1.OnDeleteStatefulSetStrategyType}
		s.Spec.RevisionHistoryLimit = ptr.To[int32](0)
	}))
	poll(t, 30*time.Second, "2 ready", stsReady(t, ns, "od-0", "od-1"))
	before := stsPods(t, ns)
	revA := stsGet(t, ns, "od").Status.CurrentRevision
	var revB string
	for _, img := range []string{"nginx:2", "nginx:3"} {
		stsUpdate(t, ns, "od", func(s *appsv1.StatefulSet) { s.Spec.Template.Spec.Containers[0].Image = img })
		poll(t, 10*time.Second, "update observed", func() bool {
			s := stsGet(t, ns, "od")
			return s.Status.ObservedGeneration == s.Generation && s.Status.UpdateRevision != revA && s.Status.UpdateRevision != revB
		})
		if revB == "" {
			revB = stsGet(t, ns, "od").Status.UpdateRevision
		}
	}
	revC := stsGet(t, ns, "od").Status.UpdateRevision
	for name, p := range stsPods(t, ns) {
		if p.UID != before[name].UID || p.Spec.Containers[0].Image != "nginx:1" {
			t.Errorf("%s replaced or changed by an OnDelete update", name)
		}
	}
	poll(t, 10*time.Second, "unused revision "+revB+" truncated", func() bool {
		revs, err := client.AppsV1().ControllerRevisions(ns).List(baseCtx, metav1.ListOptions{})
		if err != nil {
			return false
		}
		names := map[string]bool{}
		for _, r := range revs.Items {
			names[r.Name] = true
		}
		return len(names) == 2 && names[revA] && names[revC]
	})

	if err := client.CoreV1().Pods(ns).Delete(baseCtx, "od-1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, 30*time.Second, "od-1 recreated at the update revision", func() bool {
		p, ok := stsPods(t, ns)["od-1"]
		return ok && p.UID != before["od-1"].UID && podReady(&p) && p.Spec.Containers[0].Image == "nginx:3" &&
			p.Labels[appsv1.ControllerRevisionHashLabelKey] == revC
	})
	poll(t, 10*time.Second, "status", func() bool {
		st := stsGet(t, ns, "od").Status
		return st.CurrentRevision == revA && st.UpdateRevision == revC && st.CurrentReplicas == 1 && st.UpdatedReplicas == 1 && st.ReadyReplicas == 2
	})
	if p := stsPods(t, ns)["od-0"]; p.UID != before["od-0"].UID {
		t.Error("od-0 replaced")
	}
}
