package controllers

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// depNew is a Deployment of n replicas of nginx:1.27 labelled app=name,
// with an exec readiness probe (so that the sim.orca.dev/exec-exit-code
// annotation can keep a version from ever becoming Ready).
func depNew(name string, n int32, mutate ...func(*appsv1.Deployment)) *appsv1.Deployment {
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: &n,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec: corev1.PodSpec{
					Containers: []corev1.Container{{
						Name: "main", Image: "nginx:1.27",
						ReadinessProbe: &corev1.Probe{
							ProbeHandler:  corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}},
							PeriodSeconds: 1, FailureThreshold: 1,
						},
					}},
					TerminationGracePeriodSeconds: new(int64(1)),
				},
			},
		},
	}
	for _, m := range mutate {
		m(d)
	}
	return d
}

// depRolling sets a RollingUpdate strategy with absolute numbers.
func depRolling(surge, unavailable int) func(*appsv1.Deployment) {
	return func(d *appsv1.Deployment) {
		s, u := intstr.FromInt(surge), intstr.FromInt(unavailable)
		d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
			RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &s, MaxUnavailable: &u}}
	}
}

func depCreate(t *testing.T, ns string, d *appsv1.Deployment) *appsv1.Deployment {
	t.Helper()
	got, err := client.AppsV1().Deployments(ns).Create(baseCtx, d, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func depGet(t *testing.T, ns, name string) *appsv1.Deployment {
	t.Helper()
	d, err := client.AppsV1().Deployments(ns).Get(baseCtx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// depReplicaSets lists the Deployment's ReplicaSets by revision.
func depReplicaSets(t *testing.T, ns, name string) map[string]*appsv1.ReplicaSet {
	t.Helper()
	l, err := client.AppsV1().ReplicaSets(ns).List(baseCtx, metav1.ListOptions{LabelSelector: "app=" + name})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*appsv1.ReplicaSet{}
	for i := range l.Items {
		out[l.Items[i].Annotations["deployment.kubernetes.io/revision"]] = &l.Items[i]
	}
	return out
}

// depRollout runs kubectl rollout status to success.
func depRollout(t *testing.T, ns, name string) {
	t.Helper()
	out := mustKubectl(t, "-n", ns, "rollout", "status", "deployment/"+name, "--timeout=120s")
	if !strings.Contains(out, "successfully rolled out") {
		t.Fatalf("rollout status: %s", out)
	}
}

func depCondition(d *appsv1.Deployment, ct appsv1.DeploymentConditionType) *appsv1.DeploymentCondition {
	for i := range d.Status.Conditions {
		if d.Status.Conditions[i].Type == ct {
			return &d.Status.Conditions[i]
		}
	}
	return nil
}

func depReason(d *appsv1.Deployment) string {
	if c := depCondition(d, appsv1.DeploymentProgressing); c != nil {
		return c.Reason
	}
	return ""
}

// depMonitor watches the pods labelled app=name and records the fewest
// available ones (Ready and not terminating) at any moment, and the first
// moment check (if any) reports a violated invariant. stop ends the watch
// and returns both.
type depMonitor struct {
	pw    *podWatch
	min   int
	check func(map[string]*corev1.Pod) string // a violated invariant, or ""
	bad   string
}

func depWatch(t *testing.T, ns, name string, check func(map[string]*corev1.Pod) string) *depMonitor {
	t.Helper()
	m := &depMonitor{min: 1 << 30, check: check}
	m.pw = watchPods(t, ns, "app="+name, m.observe)
	return m
}

func (m *depMonitor) observe(pods map[string]*corev1.Pod) {
	n := 0
	for _, p := range pods {
		if p.DeletionTimestamp == nil && podReady(p) {
			n++
		}
	}
	m.min = min(m.min, n)
	if m.check != nil && m.bad == "" {
		m.bad = m.check(pods)
	}
}

func (m *depMonitor) stop() (minAvailable int, violation string) {
	m.pw.stop()
	return m.min, m.bad
}

// The basic life of a Deployment with kubectl: create → available and
// `rollout status` returns; `set image` rolls out revision 2 with history
// 1 and 2; `rollout restart` is revision 3; `rollout undo --to-revision=1`
// brings the first template back, reusing its ReplicaSet as revision 4.
func TestDeploymentKubectlLifecycle(t *testing.T) {
	ns := newNamespace(t)
	d := depCreate(t, ns, depNew("web", 3))
	depRollout(t, ns, "web")
	d = depGet(t, ns, "web")
	s := d.Status
	if s.Replicas != 3 || s.UpdatedReplicas != 3 || s.ReadyReplicas != 3 || s.AvailableReplicas != 3 || s.UnavailableReplicas != 0 || s.ObservedGeneration != d.Generation {
		t.Fatalf("status %+v", s)
	}
	if c := depCondition(d, appsv1.DeploymentAvailable); c == nil || c.Status != corev1.ConditionTrue || c.Reason != "MinimumReplicasAvailable" {
		t.Errorf("Available %+v", c)
	}
	if c := depCondition(d, appsv1.DeploymentProgressing); c == nil || c.Status != corev1.ConditionTrue || c.Reason != "NewReplicaSetAvailable" {
		t.Errorf("Progressing %+v", c)
	}
	rss := depReplicaSets(t, ns, "web")
	rs1 := rss["1"]
	if len(rss) != 1 || rs1 == nil {
		t.Fatalf("replica sets %v", rss)
	}
	hash := rs1.Labels["pod-template-hash"]
	if hash == "" || rs1.Name != "web-"+hash || rs1.Spec.Selector.MatchLabels["pod-template-hash"] != hash {
		t.Errorf("replica set %s labels %v", rs1.Name, rs1.Labels)
	}
	if ref := metav1.GetControllerOf(rs1); ref == nil || ref.UID != d.UID {
		t.Errorf("owner %v", rs1.OwnerReferences)
	}
	if d.Annotations["deployment.kubernetes.io/revision"] != "1" {
		t.Errorf("deployment annotations %v", d.Annotations)
	}
	depWaitEvent(t, ns, "web", "Normal ScalingReplicaSet: Scaled up replica set "+rs1.Name+" from 0 to 3")
	if out := mustKubectl(t, "-n", ns, "describe", "deployment", "web"); !strings.Contains(out, "NewReplicaSet:   "+rs1.Name+" (3/3 replicas created)") {
		t.Errorf("kubectl describe does not show the new replica set:\n%s", out)
	}

	mustKubectl(t, "-n", ns, "set", "image", "deployment/web", "main=nginx:1.28")
	depRollout(t, ns, "web")
	rss = depReplicaSets(t, ns, "web")
	if len(rss) != 2 || rss["2"] == nil || rss["2"].Spec.Template.Spec.Containers[0].Image != "nginx:1.28" || *rss["1"].Spec.Replicas != 0 || *rss["2"].Spec.Replicas != 3 {
		t.Fatalf("after set image: %v", rsSummary(rss))
	}
	hist := mustKubectl(t, "-n", ns, "rollout", "history", "deployment/web")
	if !historyHas(hist, "1", "2") {
		t.Errorf("rollout history:\n%s", hist)
	}
	depWaitEvent(t, ns, "web", "Scaled down replica set "+rs1.Name+" from 3 to ")

	mustKubectl(t, "-n", ns, "rollout", "restart", "deployment/web")
	depRollout(t, ns, "web")
	rss = depReplicaSets(t, ns, "web")
	if rs3 := rss["3"]; rs3 == nil || rs3.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"] == "" || rs3.Spec.Template.Spec.Containers[0].Image != "nginx:1.28" {
		t.Fatalf("after restart: %v", rsSummary(rss))
	}

	mustKubectl(t, "-n", ns, "rollout", "undo", "deployment/web", "--to-revision=1")
	depRollout(t, ns, "web")
	rss = depReplicaSets(t, ns, "web")
	rs4 := rss["4"]
	if rs4 == nil || rs4.UID != rs1.UID || rs4.Annotations["deployment.kubernetes.io/revision-history"] != "1" || *rs4.Spec.Replicas != 3 {
		t.Fatalf("after undo --to-revision=1: %v", rsSummary(rss))
	}
	d = depGet(t, ns, "web")
	if img := d.Spec.Template.Spec.Containers[0].Image; img != "nginx:1.27" {
		t.Errorf("template image %s after undo", img)
	}
	hist = mustKubectl(t, "-n", ns, "rollout", "history", "deployment/web")
	if !historyHas(hist, "2", "3", "4") || historyHas(hist, "1") {
		t.Errorf("rollout history after undo:\n%s", hist)
	}
}

// historyHas: kubectl rollout history lists each revision.
func historyHas(out string, revs ...string) bool {
	have := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			have[f[0]] = true
		}
	}
	for _, r := range revs {
		if !have[r] {
			return false
		}
	}
	return true
}

func rsSummary(rss map[string]*appsv1.ReplicaSet) string {
	var parts []string
	for rev, rs := range rss {
		parts = append(parts, fmt.Sprintf("rev %s: %s spec %d status %d/%d image %s", rev, rs.Name, *rs.Spec.Replicas,
			rs.Status.AvailableReplicas, rs.Status.Replicas, rs.Spec.Template.Spec.Containers[0].Image))
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

// The story: a rollout to a version that never becomes Ready
// stalls within maxUnavailable and reports ProgressDeadlineExceeded;
// `rollout undo` restores the old version. Pods are watched throughout:
// available ones never drop below replicas - maxUnavailable.
func TestDeploymentBrokenRolloutStallsAndUndo(t *testing.T) {
	ns := newNamespace(t)
	depCreate(t, ns, depNew("web", 4, depRolling(1, 1)))
	depRollout(t, ns, "web")
	mon := depWatch(t, ns, "web", nil)

	patch := `{"spec":{"progressDeadlineSeconds":5,"template":{"metadata":{"annotations":{"sim.orca.dev/exec-exit-code":"1"}},` +
		`"spec":{"containers":[{"name":"main","image":"nginx:1.28"}]}}}}`
	mustKubectl(t, "-n", ns, "patch", "deployment/web", "-p", patch)
	r := kubectl(t, "-n", ns, "rollout", "status", "deployment/web", "--timeout=90s")
	if r.Err == nil || !strings.Contains(r.Stderr, "exceeded its progress deadline") {
		t.Fatalf("rollout status of a broken version: err %v, stderr %q", r.Err, r.Stderr)
	}
	d := depGet(t, ns, "web")
	c := depCondition(d, appsv1.DeploymentProgressing)
	if c == nil || c.Status != corev1.ConditionFalse || c.Reason != "ProgressDeadlineExceeded" {
		t.Fatalf("Progressing %+v", c)
	}
	// Stalled where the budget ends: 1 surge pod above 4, 3 old available.
	var rss map[string]*appsv1.ReplicaSet
	poll(t, 30*time.Second, "stalled at old 3 new 2", func() bool {
		rss = depReplicaSets(t, ns, "web")
		d = depGet(t, ns, "web")
		return *rss["1"].Spec.Replicas == 3 && *rss["2"].Spec.Replicas == 2 &&
			d.Status.AvailableReplicas == 3 && d.Status.UpdatedReplicas == 2 && d.Status.UnavailableReplicas == 2
	})

	mustKubectl(t, "-n", ns, "rollout", "undo", "deployment/web")
	depRollout(t, ns, "web")
	d = depGet(t, ns, "web")
	if d.Spec.Template.Spec.Containers[0].Image != "nginx:1.27" || d.Spec.Template.Annotations["sim.orca.dev/exec-exit-code"] != "" {
		t.Errorf("template after undo: %+v", d.Spec.Template)
	}
	rss = depReplicaSets(t, ns, "web")
	if rs := rss["3"]; rs == nil || rs.Spec.Template.Spec.Containers[0].Image != "nginx:1.27" || *rs.Spec.Replicas != 4 || *rss["2"].Spec.Replicas != 0 {
		t.Errorf("after undo: %s", rsSummary(rss))
	}
	poll(t, 30*time.Second, "only the restored version's pods left", func() bool {
		l, _ := client.CoreV1().Pods(ns).List(baseCtx, metav1.ListOptions{LabelSelector: "app=web"})
		for _, p := range l.Items {
			if p.Spec.Containers[0].Image != "nginx:1.27" {
				return false
			}
		}
		return len(l.Items) == 4
	})
	if low, _ := mon.stop(); low < 3 {
		t.Errorf("available pods dropped to %d, below replicas - maxUnavailable = 3", low)
	}
}

// Pause: template changes wait, scaling still works, Progressing says
// DeploymentPaused; resume rolls the change out.
func TestDeploymentPauseResume(t *testing.T) {
	ns := newNamespace(t)
	depCreate(t, ns, depNew("web", 2))
	depRollout(t, ns, "web")
	mustKubectl(t, "-n", ns, "rollout", "pause", "deployment/web")
	mustKubectl(t, "-n", ns, "set", "image", "deployment/web", "main=nginx:1.28")
	mustKubectl(t, "-n", ns, "scale", "deployment/web", "--replicas=3")
	var d *appsv1.Deployment
	poll(t, 20*time.Second, "paused deployment observed and scaled", func() bool {
		d = depGet(t, ns, "web")
		return d.Status.ObservedGeneration == d.Generation && depReason(d) == "DeploymentPaused" && d.Status.AvailableReplicas == 3
	})
	if c := depCondition(d, appsv1.DeploymentProgressing); c.Status != corev1.ConditionUnknown {
		t.Errorf("paused Progressing %+v", c)
	}
	rss := depReplicaSets(t, ns, "web")
	if len(rss) != 1 || *rss["1"].Spec.Replicas != 3 || rss["1"].Spec.Template.Spec.Containers[0].Image != "nginx:1.27" {
		t.Fatalf("while paused: %s", rsSummary(rss))
	}
	r := kubectl(t, "-n", ns, "rollout", "undo", "deployment/web")
	if r.Err == nil {
		t.Error("rollout undo of a paused deployment succeeded")
	}
	mustKubectl(t, "-n", ns, "rollout", "resume", "deployment/web")
	depRollout(t, ns, "web")
	rss = depReplicaSets(t, ns, "web")
	if rs := rss["2"]; rs == nil || *rs.Spec.Replicas != 3 || rs.Spec.Template.Spec.Containers[0].Image != "nginx:1.28" || *rss["1"].Spec.Replicas != 0 {
		t.Fatalf("after resume: %s", rsSummary(rss))
	}
	if d := depGet(t, ns, "web"); depReason(d) != "NewReplicaSetAvailable" {
		t.Errorf("Progressing after resume: %s", depReason(d))
	}
}

// Recreate: the old pods are all gone before any new one exists.
func TestDeploymentRecreate(t *testing.T) {
	ns := newNamespace(t)
	depCreate(t, ns, depNew("web", 3, func(d *appsv1.Deployment) {
		d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
	}))
	depRollout(t, ns, "web")
	oldHash := depReplicaSets(t, ns, "web")["1"].Labels["pod-template-hash"]
	mon := depWatch(t, ns, "web", func(pods map[string]*corev1.Pod) string {
		var oldPods, newPods []string
		for name, p := range pods {
			if p.Labels["pod-template-hash"] == oldHash {
				oldPods = append(oldPods, name)
			} else {
				newPods = append(newPods, name)
			}
		}
		if len(oldPods) > 0 && len(newPods) > 0 {
			return fmt.Sprintf("old pods %v and new pods %v at once", oldPods, newPods)
		}
		return ""
	})
	mustKubectl(t, "-n", ns, "set", "image", "deployment/web", "main=nginx:1.28")
	depRollout(t, ns, "web")
	rss := depReplicaSets(t, ns, "web")
	if rs := rss["2"]; rs == nil || *rs.Spec.Replicas != 3 || *rss["1"].Spec.Replicas != 0 {
		t.Fatalf("after recreate: %s", rsSummary(rss))
	}
	if _, bad := mon.stop(); bad != "" {
		t.Error(bad)
	}
}

// Scaling in the middle of a (stalled) rolling update spreads the new
// size over the old and new ReplicaSets in proportion, as upstream.
func TestDeploymentScaleMidRollout(t *testing.T) {
	ns := newNamespace(t)
	depCreate(t, ns, depNew("web", 10, depRolling(3, 2)))
	depRollout(t, ns, "web")
	mustKubectl(t, "-n", ns, "patch", "deployment/web", "-p",
		`{"spec":{"template":{"metadata":{"annotations":{"sim.orca.dev/exec-exit-code":"1"}}}}}`)
	// Stalls at old 8 (10 - maxUnavailable) and new 5 (13 - 8).
	poll(t, 60*time.Second, "rollout stalled at old 8 new 5", func() bool {
		rss := depReplicaSets(t, ns, "web")
		d := depGet(t, ns, "web")
		return rss["1"] != nil && rss["2"] != nil && *rss["1"].Spec.Replicas == 8 && *rss["2"].Spec.Replicas == 5 &&
			d.Status.Replicas == 13 && d.Status.ObservedGeneration == d.Generation
	})
	mustKubectl(t, "-n", ns, "scale", "deployment/web", "--replicas=20")
	// 23 allowed (20 + surge 3), sized for 13: old 8·23/13 ≈ 14, new 5·23/13 ≈ 9.
	poll(t, 30*time.Second, "proportional scale up to old 14 new 9", func() bool {
		rss := depReplicaSets(t, ns, "web")
		return *rss["1"].Spec.Replicas == 14 && *rss["2"].Spec.Replicas == 9 && rss["1"].Status.AvailableReplicas == 14
	})
	rss := depReplicaSets(t, ns, "web")
	for _, rs := range rss {
		if rs.Annotations["deployment.kubernetes.io/desired-replicas"] != "20" || rs.Annotations["deployment.kubernetes.io/max-replicas"] != "23" {
			t.Errorf("%s annotations %v", rs.Name, rs.Annotations)
		}
	}
	mon := depWatch(t, ns, "web", nil)
	mustKubectl(t, "-n", ns, "scale", "deployment/web", "--replicas=5")
	// 8 allowed: old 14·8/23 ≈ 5, new 9·8/23 ≈ 3 ...
	depWaitEvent(t, ns, "web", "Scaled down replica set "+rss["1"].Name+" from 14 to 5")
	depWaitEvent(t, ns, "web", "Scaled down replica set "+rss["2"].Name+" from 9 to 3")
	// ... then the rollout goes on within the new budget: old down to
	// 5 - maxUnavailable = 3, new up to 8 - 3 = 5.
	poll(t, 30*time.Second, "stalled again at old 3 new 5", func() bool {
		rss := depReplicaSets(t, ns, "web")
		d := depGet(t, ns, "web")
		return *rss["1"].Spec.Replicas == 3 && *rss["2"].Spec.Replicas == 5 && d.Status.AvailableReplicas == 3 && d.Status.Replicas == 8
	})
	if low, _ := mon.stop(); low < 3 {
		t.Errorf("available pods dropped to %d while scaling down, below 5 - maxUnavailable = 3", low)
	}
}

// revisionHistoryLimit: old ReplicaSets beyond the limit are deleted,
// lowest revisions first.
func TestDeploymentRevisionHistoryLimit(t *testing.T) {
	ns := newNamespace(t)
	depCreate(t, ns, depNew("web", 1, func(d *appsv1.Deployment) { d.Spec.RevisionHistoryLimit = new(int32(1)) }))
	depRollout(t, ns, "web")
	for _, img := range []string{"nginx:1.28", "nginx:1.29", "nginx:1.30"} {
		mustKubectl(t, "-n", ns, "set", "image", "deployment/web", "main="+img)
		depRollout(t, ns, "web")
	}
	poll(t, 30*time.Second, "only revisions 3 and 4 kept", func() bool {
		rss := depReplicaSets(t, ns, "web")
		return len(rss) == 2 && rss["3"] != nil && rss["4"] != nil
	})
	hist := mustKubectl(t, "-n", ns, "rollout", "history", "deployment/web")
	if !historyHas(hist, "3", "4") || historyHas(hist, "1") || historyHas(hist, "2") {
		t.Errorf("rollout history:\n%s", hist)
	}
}

// A ReplicaSet that matches a Deployment's selector but has no owner is
// adopted; one whose labels stop matching is released.
func TestDeploymentAdoptAndRelease(t *testing.T) {
	ns := newNamespace(t)
	d := depNew("web", 2)
	orphan := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web-orphan", Labels: map[string]string{"app": "web"}},
		Spec:       appsv1.ReplicaSetSpec{Replicas: new(int32(2)), Selector: d.Spec.Selector, Template: d.Spec.Template},
	}
	if _, err := client.AppsV1().ReplicaSets(ns).Create(baseCtx, orphan, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	d = depCreate(t, ns, d)
	depRollout(t, ns, "web")
	got, err := client.AppsV1().ReplicaSets(ns).Get(baseCtx, "web-orphan", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ref := metav1.GetControllerOf(got); ref == nil || ref.UID != d.UID {
		t.Fatalf("not adopted: %v", got.OwnerReferences)
	}
	if rss := depReplicaSets(t, ns, "web"); len(rss) != 1 || rss["1"].Name != "web-orphan" {
		t.Errorf("the adopted set, with the template, should be the only one: %s", rsSummary(rss))
	}
	patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{"labels": map[string]string{"app": "other"}}})
	if _, err := client.AppsV1().ReplicaSets(ns).Patch(baseCtx, "web-orphan", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, 20*time.Second, "released and replaced", func() bool {
		got, err := client.AppsV1().ReplicaSets(ns).Get(baseCtx, "web-orphan", metav1.GetOptions{})
		if err != nil || metav1.GetControllerOf(got) != nil {
			return false
		}
		rss := depReplicaSets(t, ns, "web")
		return len(rss) == 1 && rss["1"] != nil && rss["1"].Name != "web-orphan" && *rss["1"].Spec.Replicas == 2
	})
}

// depEvents are the events about one object, "Type Reason: message" lines.
func depEvents(t *testing.T, ns, name string) string {
	t.Helper()
	l, err := client.CoreV1().Events(ns).List(baseCtx, metav1.ListOptions{FieldSelector: "involvedObject.name=" + name})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range l.Items {
		fmt.Fprintf(&b, "%s %s: %s\n", e.Type, e.Reason, e.Message)
	}
	return b.String()
}

// depWaitEvent waits for an event about the object containing want
// (events are recorded asynchronously).
func depWaitEvent(t *testing.T, ns, name, want string) {
	t.Helper()
	poll(t, 20*time.Second, fmt.Sprintf("event %q on %s", want, name), func() bool {
		return strings.Contains(depEvents(t, ns, name), want)
	})
}

// minReadySeconds: an old pod goes only once a new one has been Ready
// that long (the ReplicaSet's availableReplicas), so the rollout of two
// replicas one at a time takes at least two such periods.
func TestDeploymentMinReadySeconds(t *testing.T) {
	ns := newNamespace(t)
	depCreate(t, ns, depNew("web", 2, depRolling(1, 0), func(d *appsv1.Deployment) { d.Spec.MinReadySeconds = 3 }))
	depRollout(t, ns, "web")
	if rs := depReplicaSets(t, ns, "web")["1"]; rs.Spec.MinReadySeconds != 3 {
		t.Fatalf("replica set minReadySeconds %d", rs.Spec.MinReadySeconds)
	}
	// Ready times are stored to the second: 2 s seen means more than 1 s
	// ready; without minReadySeconds old pods would go within a second.
	mon := depWatch(t, ns, "web", func(pods map[string]*corev1.Pod) string {
		now := time.Now()
		var avail int
		for _, p := range pods {
			if c := depReadyCondition(p); p.DeletionTimestamp == nil && c != nil && c.Status == corev1.ConditionTrue && now.Sub(c.LastTransitionTime.Time) >= 2*time.Second {
				avail++
			}
		}
		if avail < 2 {
			return fmt.Sprintf("%d pods ready for 2 s at %s", avail, now.Format(time.StampMilli))
		}
		return ""
	})
	start := time.Now()
	mustKubectl(t, "-n", ns, "set", "image", "deployment/web", "main=nginx:1.28")
	depRollout(t, ns, "web")
	// Each step waits for minReadySeconds counted from a Ready time stored
	// to the second (as upstream), so a step can end up to a second early.
	if took := time.Since(start); took < 2*(3-1)*time.Second {
		t.Errorf("rollout took %s, less than 2 × (minReadySeconds - 1 s)", took)
	}
	if _, bad := mon.stop(); bad != "" {
		t.Error(bad)
	}
}

func depReadyCondition(p *corev1.Pod) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == corev1.PodReady {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}
