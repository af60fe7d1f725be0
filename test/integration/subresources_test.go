package integration

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestStatusSubresource(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	deps := client.AppsV1().Deployments(ns)
	d := must(deps.Create(ctx, simpleDeployment("s", 1), metav1.CreateOptions{}))(t)
	if d.Generation != 1 {
		t.Fatalf("generation after create %d, want 1", d.Generation)
	}

	// The main resource ignores status; metadata-only changes keep the generation.
	d.Status.Replicas = 5
	d.Status.ObservedGeneration = 9
	d.Labels = map[string]string{"new": "label"}
	d = must(deps.Update(ctx, d, metav1.UpdateOptions{}))(t)
	if d.Status.Replicas != 0 || d.Status.ObservedGeneration != 0 {
		t.Fatalf("main update changed status: %+v", d.Status)
	}
	if d.Generation != 1 || d.Labels["new"] != "label" {
		t.Fatalf("label update: generation %d labels %v", d.Generation, d.Labels)
	}

	// /status ignores spec (and labels).
	d.Status.Replicas = 3
	d.Status.ObservedGeneration = 1
	d.Spec.Replicas = ptrTo(int32(42))
	d.Labels = map[string]string{"from": "status"}
	d = must(deps.UpdateStatus(ctx, d, metav1.UpdateOptions{}))(t)
	if d.Status.Replicas != 3 || d.Status.ObservedGeneration != 1 {
		t.Fatalf("status update did not set status: %+v", d.Status)
	}
	if *d.Spec.Replicas != 1 || d.Labels["new"] != "label" || d.Generation != 1 {
		t.Fatalf("status update changed spec or metadata: replicas %d labels %v generation %d", *d.Spec.Replicas, d.Labels, d.Generation)
	}

	// Spec changes move the generation, one step per change.
	for want := int64(2); want <= 3; want++ {
		d.Spec.Replicas = ptrTo(int32(want))
		d = must(deps.Update(ctx, d, metav1.UpdateOptions{}))(t)
		if d.Generation != want || d.Status.Replicas != 3 {
			t.Fatalf("spec update: generation %d (want %d), status %+v", d.Generation, want, d.Status)
		}
	}
	// A no-op update changes nothing at all.
	same := must(deps.Update(ctx, d, metav1.UpdateOptions{}))(t)
	if same.ResourceVersion != d.ResourceVersion || same.Generation != d.Generation {
		t.Fatalf("no-op update wrote: rv %s -> %s, generation %d -> %d", d.ResourceVersion, same.ResourceVersion, d.Generation, same.Generation)
	}

	// Patches through /status only touch status.
	p := must(deps.Patch(ctx, "s", types.MergePatchType, []byte(`{"spec":{"replicas":100},"status":{"availableReplicas":2}}`), metav1.PatchOptions{}, "status"))(t)
	if p.Status.AvailableReplicas != 2 || *p.Spec.Replicas != 3 {
		t.Fatalf("status patch: status %+v replicas %d", p.Status, *p.Spec.Replicas)
	}
	// A stale status update conflicts.
	d.Status.Replicas = 7
	if _, err := deps.UpdateStatus(ctx, d, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
		t.Fatalf("stale status update: %v", err)
	}
	// GET of /status returns the whole object.
	r := doRaw(t, http.MethodGet, "/apis/apps/v1/namespaces/"+ns+"/deployments/s/status", nil)
	if r.Code != http.StatusOK || !containsAll(string(r.Body), `"kind":"Deployment"`, `"availableReplicas":2`) {
		t.Fatalf("GET status: %d %s", r.Code, r.Body)
	}

	// Resources without a status subresource have no /status, and no generation.
	cm := must(client.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c"}}, metav1.CreateOptions{}))(t)
	r = doRaw(t, http.MethodGet, "/api/v1/namespaces/"+ns+"/configmaps/c/status", nil)
	expectStatus(t, "configmap status", r, http.StatusNotFound, metav1.StatusReasonNotFound)
	if cm.Generation != 0 {
		t.Fatalf("configmap generation %d", cm.Generation)
	}
}

func TestScaleSubresource(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	lbls := map[string]string{"app": "sc"}
	sel := &metav1.LabelSelector{MatchLabels: lbls}
	must(client.AppsV1().Deployments(ns).Create(ctx, simpleDeployment("sc", 2), metav1.CreateOptions{}))(t)
	must(client.AppsV1().ReplicaSets(ns).Create(ctx, &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "sc"},
		Spec: appsv1.ReplicaSetSpec{Replicas: ptrTo(int32(2)), Selector: sel, Template: podTemplate(lbls)}}, metav1.CreateOptions{}))(t)
	must(client.AppsV1().StatefulSets(ns).Create(ctx, &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "sc"},
		Spec: appsv1.StatefulSetSpec{Replicas: ptrTo(int32(2)), Selector: sel, Template: podTemplate(lbls), ServiceName: "sc",
			PodManagementPolicy: appsv1.OrderedReadyPodManagement, UpdateStrategy: appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType}}}, metav1.CreateOptions{}))(t)
	tmpl := podTemplate(lbls)
	must(client.CoreV1().ReplicationControllers(ns).Create(ctx, &corev1.ReplicationController{ObjectMeta: metav1.ObjectMeta{Name: "sc"},
		Spec: corev1.ReplicationControllerSpec{Replicas: ptrTo(int32(2)), Selector: lbls, Template: &tmpl}}, metav1.CreateOptions{}))(t)

	type scaler struct {
		get    func() (*autoscalingv1.Scale, error)
		update func(*autoscalingv1.Scale) (*autoscalingv1.Scale, error)
		specOf func() (int32, int64)
	}
	scalers := map[string]scaler{
		"deployments": {
			get: func() (*autoscalingv1.Scale, error) {
				return client.AppsV1().Deployments(ns).GetScale(ctx, "sc", metav1.GetOptions{})
			},
			update: func(s *autoscalingv1.Scale) (*autoscalingv1.Scale, error) {
				return client.AppsV1().Deployments(ns).UpdateScale(ctx, "sc", s, metav1.UpdateOptions{})
			},
			specOf: func() (int32, int64) {
				d := must(client.AppsV1().Deployments(ns).Get(ctx, "sc", metav1.GetOptions{}))(t)
				return *d.Spec.Replicas, d.Generation
			},
		},
		"replicasets": {
			get: func() (*autoscalingv1.Scale, error) {
				return client.AppsV1().ReplicaSets(ns).GetScale(ctx, "sc", metav1.GetOptions{})
			},
			update: func(s *autoscalingv1.Scale) (*autoscalingv1.Scale, error) {
				return client.AppsV1().ReplicaSets(ns).UpdateScale(ctx, "sc", s, metav1.UpdateOptions{})
			},
			specOf: func() (int32, int64) {
				d := must(client.AppsV1().ReplicaSets(ns).Get(ctx, "sc", metav1.GetOptions{}))(t)
				return *d.Spec.Replicas, d.Generation
			},
		},
		"statefulsets": {
			get: func() (*autoscalingv1.Scale, error) {
				return client.AppsV1().StatefulSets(ns).GetScale(ctx, "sc", metav1.GetOptions{})
			},
			update: func(s *autoscalingv1.Scale) (*autoscalingv1.Scale, error) {
				return client.AppsV1().StatefulSets(ns).UpdateScale(ctx, "sc", s, metav1.UpdateOptions{})
			},
			specOf: func() (int32, int64) {
				d := must(client.AppsV1().StatefulSets(ns).Get(ctx, "sc", metav1.GetOptions{}))(t)
				return *d.Spec.Replicas, d.Generation
			},
		},
		"replicationcontrollers": {
			get: func() (*autoscalingv1.Scale, error) {
				return client.CoreV1().ReplicationControllers(ns).GetScale(ctx, "sc", metav1.GetOptions{})
			},
			update: func(s *autoscalingv1.Scale) (*autoscalingv1.Scale, error) {
				return client.CoreV1().ReplicationControllers(ns).UpdateScale(ctx, "sc", s, metav1.UpdateOptions{})
			},
			specOf: func() (int32, int64) {
				d := must(client.CoreV1().ReplicationControllers(ns).Get(ctx, "sc", metav1.GetOptions{}))(t)
				return *d.Spec.Replicas, d.Generation
			},
		},
	}
	for name, sc := range scalers {
		t.Run(name, func(t *testing.T) {
			s, err := sc.get()
			if err != nil {
				t.Fatal(err)
			}
			if s.Spec.Replicas != 2 || s.Name != "sc" || s.Namespace != ns || s.Status.Selector != "app=sc" || s.ResourceVersion == "" {
				t.Fatalf("scale: %+v", s)
			}
			_, gen0 := sc.specOf()
			s.Spec.Replicas = 5
			out, err := sc.update(s)
			if err != nil {
				t.Fatal(err)
			}
			if out.Spec.Replicas != 5 {
				t.Fatalf("scale update answered %d replicas", out.Spec.Replicas)
			}
			if n, gen := sc.specOf(); n != 5 || gen != gen0+1 {
				t.Fatalf("after scaling: spec.replicas %d generation %d (was %d)", n, gen, gen0)
			}
			// A stale scale conflicts; a negative one is invalid; neither changes anything.
			s.Spec.Replicas = 9
			if _, err := sc.update(s); !apierrors.IsConflict(err) {
				t.Fatalf("stale scale: %v", err)
			}
			out.Spec.Replicas = -1
			if _, err := sc.update(out); !apierrors.IsInvalid(err) {
				t.Fatalf("negative scale: %v", err)
			}
			if n, _ := sc.specOf(); n != 5 {
				t.Fatalf("failed scale updates changed replicas to %d", n)
			}
		})
	}

	// Patch the scale subresource (kubectl scale does).
	r := doRaw(t, http.MethodPatch, "/apis/apps/v1/namespaces/"+ns+"/deployments/sc/scale", []byte(`{"spec":{"replicas":1}}`), "Content-Type", string(types.MergePatchType))
	if r.Code != http.StatusOK || !containsAll(string(r.Body), `"kind":"Scale"`, `"replicas":1`) {
		t.Fatalf("scale patch: %d %s", r.Code, r.Body)
	}
	if d := must(client.AppsV1().Deployments(ns).Get(ctx, "sc", metav1.GetOptions{}))(t); *d.Spec.Replicas != 1 {
		t.Fatalf("scale patch left %d replicas", *d.Spec.Replicas)
	}
	// No scale for configmaps or daemonsets; none for a missing deployment.
	r = doRaw(t, http.MethodGet, "/apis/apps/v1/namespaces/"+ns+"/daemonsets/sc/scale", nil)
	expectStatus(t, "daemonset scale", r, http.StatusNotFound, metav1.StatusReasonNotFound)
	if _, err := client.AppsV1().Deployments(ns).GetScale(ctx, "missing", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("scale of a missing deployment: %v", err)
	}
}

func TestPodBinding(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	pods := client.CoreV1().Pods(ns)
	must(pods.Create(ctx, simplePod("p", nil), metav1.CreateOptions{}))(t)
	bind := func(node string) error {
		return pods.Bind(ctx, &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "p", Annotations: map[string]string{"bound-by": "test"}},
			Target: corev1.ObjectReference{Kind: "Node", Name: node}}, metav1.CreateOptions{})
	}
	if err := bind("node-1"); err != nil {
		t.Fatal(err)
	}
	p := must(pods.Get(ctx, "p", metav1.GetOptions{}))(t)
	if p.Spec.NodeName != "node-1" || p.Annotations["bound-by"] != "test" {
		t.Fatalf("bound pod: node %q annotations %v", p.Spec.NodeName, p.Annotations)
	}
	scheduled := false
	for _, c := range p.Status.Conditions {
		scheduled = scheduled || (c.Type == corev1.PodScheduled && c.Status == corev1.ConditionTrue)
	}
	if !scheduled {
		t.Fatalf("bound pod has no PodScheduled=True condition: %+v", p.Status.Conditions)
	}
	// As upstream, a binding records no manager: the pod's managed fields
	// are its creator's alone.
	if len(p.ManagedFields) != 1 || strings.Contains(string(p.ManagedFields[0].FieldsV1.Raw), "nodeName") {
		t.Fatalf("managed fields after binding: %+v", p.ManagedFields)
	}
	if err := bind("node-2"); !apierrors.IsConflict(err) {
		t.Fatalf("second bind: %v, want 409 Conflict", err)
	}
	if p2 := must(pods.Get(ctx, "p", metav1.GetOptions{}))(t); p2.Spec.NodeName != "node-1" {
		t.Fatalf("second bind moved the pod to %q", p2.Spec.NodeName)
	}
	// Binding a missing pod is 404; a binding without a target is 422.
	err := pods.Bind(ctx, &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "missing"}, Target: corev1.ObjectReference{Name: "n"}}, metav1.CreateOptions{})
	if !apierrors.IsNotFound(err) {
		t.Fatalf("bind of a missing pod: %v", err)
	}
	must(pods.Create(ctx, simplePod("q", nil), metav1.CreateOptions{}))(t)
	err = pods.Bind(ctx, &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "q"}}, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) {
		t.Fatalf("bind without a target: %v", err)
	}
}

func runningPod(t *testing.T, ctx context.Context, ns, name string, lbls map[string]string) *corev1.Pod {
	t.Helper()
	pods := client.CoreV1().Pods(ns)
	p := must(pods.Create(ctx, simplePod(name, lbls), metav1.CreateOptions{}))(t)
	p.Status.Phase = corev1.PodRunning
	// Ready: an unready pod may be evicted without a disruption when the budget is met.
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	return must(pods.UpdateStatus(ctx, p, metav1.UpdateOptions{}))(t)
}

func TestEviction(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	pods := client.CoreV1().Pods(ns)
	evict := func(name string) error {
		return pods.EvictV1(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}})
	}

	// Without a budget, eviction deletes the pod.
	runningPod(t, ctx, ns, "free", map[string]string{"app": "free"})
	if err := evict("free"); err != nil {
		t.Fatal(err)
	}
	if _, err := pods.Get(ctx, "free", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("evicted pod still there: %v", err)
	}
	if err := evict("free"); !apierrors.IsNotFound(err) {
		t.Fatalf("eviction of a missing pod: %v", err)
	}

	// A budget with no disruptions allowed refuses with 429.
	guarded := map[string]string{"app": "guarded"}
	runningPod(t, ctx, ns, "g1", guarded)
	runningPod(t, ctx, ns, "g2", guarded)
	pdbs := client.PolicyV1().PodDisruptionBudgets(ns)
	pdb := must(pdbs.Create(ctx, &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: "pdb"},
		Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: ptrTo(intstr.FromInt32(2)), Selector: &metav1.LabelSelector{MatchLabels: guarded}}}, metav1.CreateOptions{}))(t)
	pdb.Status = policyv1.PodDisruptionBudgetStatus{ObservedGeneration: pdb.Generation, DisruptionsAllowed: 0, CurrentHealthy: 2, DesiredHealthy: 2, ExpectedPods: 2}
	pdb = must(pdbs.UpdateStatus(ctx, pdb, metav1.UpdateOptions{}))(t)

	err := evict("g1")
	if !apierrors.IsTooManyRequests(err) || statusCode(err) != http.StatusTooManyRequests {
		t.Fatalf("eviction against a budget with no room: %v, want 429", err)
	}
	if _, err := pods.Get(ctx, "g1", metav1.GetOptions{}); err != nil {
		t.Fatalf("a refused eviction deleted the pod: %v", err)
	}
	// The refusal is a Status with upstream's message and a DisruptionBudget cause.
	r := doRaw(t, http.MethodPost, "/api/v1/namespaces/"+ns+"/pods/g1/eviction",
		[]byte(fmt.Sprintf(`{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"g1","namespace":%q}}`, ns)), "Content-Type", "application/json")
	st := expectStatus(t, "eviction refused", r, http.StatusTooManyRequests, metav1.StatusReasonTooManyRequests)
	if st.Details == nil || len(st.Details.Causes) == 0 || st.Details.Causes[0].Type != "DisruptionBudget" {
		t.Fatalf("eviction refusal without a DisruptionBudget cause: %s", r.Body)
	}

	// A pod that is not running yet (Pending) may always be evicted.
	pending := must(pods.Create(ctx, simplePod("g-pending", guarded), metav1.CreateOptions{}))(t)
	pending.Status.Phase = corev1.PodPending
	must(pods.UpdateStatus(ctx, pending, metav1.UpdateOptions{}))(t)
	if err := evict("g-pending"); err != nil {
		t.Fatalf("eviction of a pending pod under a budget: %v", err)
	}

	// With one disruption allowed, one eviction goes through and uses it up.
	pdb.Status.DisruptionsAllowed = 1
	pdb = must(pdbs.UpdateStatus(ctx, pdb, metav1.UpdateOptions{}))(t)
	if err := evict("g1"); err != nil {
		t.Fatalf("eviction within the budget: %v", err)
	}
	if _, err := pods.Get(ctx, "g1", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("evicted pod still there: %v", err)
	}
	after := must(pdbs.Get(ctx, "pdb", metav1.GetOptions{}))(t)
	if after.Status.DisruptionsAllowed != 0 {
		t.Fatalf("eviction did not use up the allowed disruption: %+v", after.Status)
	}
	if _, ok := after.Status.DisruptedPods["g1"]; !ok {
		t.Fatalf("evicted pod not recorded in disruptedPods: %+v", after.Status)
	}
	if err := evict("g2"); !apierrors.IsTooManyRequests(err) {
		t.Fatalf("second eviction with the budget used up: %v, want 429", err)
	}
}

// Upstream's finer eviction rules: an unready pod goes without a
// disruption when the budget is met anyway, a budget its controller has
// not seen since its spec changed refuses, two budgets are a 500, and the
// evicted pod is marked DisruptionTarget=True before it is deleted.
func TestEvictionBudgetRules(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	pods := client.CoreV1().Pods(ns)
	pdbs := client.PolicyV1().PodDisruptionBudgets(ns)
	evict := func(name string) error {
		return pods.EvictV1(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}})
	}
	lbls := map[string]string{"app": "rules"}
	pdb := must(pdbs.Create(ctx, &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: "pdb"},
		Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: ptrTo(intstr.FromInt32(1)), Selector: &metav1.LabelSelector{MatchLabels: lbls}}}, metav1.CreateOptions{}))(t)
	pdb.Status = policyv1.PodDisruptionBudgetStatus{ObservedGeneration: pdb.Generation, DisruptionsAllowed: 0, CurrentHealthy: 1, DesiredHealthy: 1, ExpectedPods: 2}
	pdb = must(pdbs.UpdateStatus(ctx, pdb, metav1.UpdateOptions{}))(t)

	// Running but not Ready, budget met: evicted, no disruption taken.
	unready := must(pods.Create(ctx, simplePod("unready", lbls), metav1.CreateOptions{}))(t)
	unready.Status.Phase = corev1.PodRunning
	must(pods.UpdateStatus(ctx, unready, metav1.UpdateOptions{}))(t)
	if err := evict("unready"); err != nil {
		t.Fatalf("eviction of an unready pod with the budget met: %v", err)
	}
	if got := must(pdbs.Get(ctx, "pdb", metav1.GetOptions{}))(t); got.Status.DisruptionsAllowed != 0 || len(got.Status.DisruptedPods) != 0 {
		t.Fatalf("unready eviction changed the budget: %+v", got.Status)
	}

	// The evicted pod is marked before it goes (a finalizer keeps it to look at).
	p := simplePod("marked", lbls)
	p.Finalizers = []string{"orca.dev/test"}
	p = must(pods.Create(ctx, p, metav1.CreateOptions{}))(t)
	p.Status.Phase = corev1.PodRunning
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	must(pods.UpdateStatus(ctx, p, metav1.UpdateOptions{}))(t)
	pdb.Status.DisruptionsAllowed = 1
	pdb = must(pdbs.UpdateStatus(ctx, pdb, metav1.UpdateOptions{}))(t)
	if err := evict("marked"); err != nil {
		t.Fatalf("eviction within the budget: %v", err)
	}
	p = must(pods.Get(ctx, "marked", metav1.GetOptions{}))(t)
	var target *corev1.PodCondition
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == corev1.DisruptionTarget {
			target = &p.Status.Conditions[i]
		}
	}
	if p.DeletionTimestamp == nil || target == nil || target.Status != corev1.ConditionTrue || target.Reason != "EvictionByEvictionAPI" {
		t.Fatalf("evicted pod: deletionTimestamp %v, DisruptionTarget %+v", p.DeletionTimestamp, target)
	}
	p.Finalizers = nil
	must(pods.Update(ctx, p, metav1.UpdateOptions{}))(t)
	pdb = must(pdbs.Get(ctx, "pdb", metav1.GetOptions{}))(t)
	if pdb.Status.DisruptionsAllowed != 0 || pdb.Status.Conditions[0].Reason != policyv1.InsufficientPodsReason {
		t.Fatalf("budget after its last disruption: %+v", pdb.Status)
	}

	// A spec change the controller has not observed: 429, still being processed.
	runningPod(t, ctx, ns, "r1", lbls)
	pdb.Status.DisruptionsAllowed = 5
	pdb = must(pdbs.UpdateStatus(ctx, pdb, metav1.UpdateOptions{}))(t)
	pdb.Spec.MinAvailable = ptrTo(intstr.FromInt32(0))
	pdb = must(pdbs.Update(ctx, pdb, metav1.UpdateOptions{}))(t)
	err := evict("r1")
	var se apierrors.APIStatus
	if !apierrors.IsTooManyRequests(err) || !errors.As(err, &se) || se.Status().Details == nil ||
		len(se.Status().Details.Causes) == 0 || !strings.Contains(se.Status().Details.Causes[0].Message, "still being processed") {
		t.Fatalf("eviction against an unobserved budget: %v, want 429 still being processed", err)
	}

	// Two budgets for one pod: 500.
	must(pdbs.Create(ctx, &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: "second"},
		Spec: policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptrTo(intstr.FromInt32(1)), Selector: &metav1.LabelSelector{MatchLabels: lbls}}}, metav1.CreateOptions{}))(t)
	if err := evict("r1"); statusCode(err) != http.StatusInternalServerError || !strings.Contains(err.Error(), "more than one PodDisruptionBudget") {
		t.Fatalf("eviction of a pod with two budgets: %v, want 500", err)
	}
}

// A status write to a Deployment may change its annotations (the
// deployment controller's revision annotation), as upstream allows; its
// spec and labels stay, and the generation does not move.
func TestDeploymentStatusWritesAnnotations(t *testing.T) {
	ctx := ctxT(t)
	ns := newNamespace(t)
	one := int32(1)
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "d", Labels: map[string]string{"a": "b"}},
		Spec: appsv1.DeploymentSpec{
			Replicas: &one,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "d"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "d"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i"}}},
			},
		},
	}
	d, err := client.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	gen := d.Generation
	d.Annotations = map[string]string{"deployment.kubernetes.io/revision": "1"}
	d.Labels = map[string]string{"a": "changed"}
	d.Spec.Replicas = nil
	d.Status.ObservedGeneration = gen
	got, err := client.AppsV1().Deployments(ns).UpdateStatus(ctx, d, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Annotations["deployment.kubernetes.io/revision"] != "1" || got.Status.ObservedGeneration != gen {
		t.Errorf("after the status write: annotations %v, observedGeneration %d; want the revision annotation and %d", got.Annotations, got.Status.ObservedGeneration, gen)
	}
	if got.Labels["a"] != "b" || got.Spec.Replicas == nil || *got.Spec.Replicas != 1 || got.Generation != gen {
		t.Errorf("a status write changed labels %v, replicas %v or generation %d (was %d)", got.Labels, got.Spec.Replicas, got.Generation, gen)
	}
}
