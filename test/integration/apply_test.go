package integration

import (
	"net/http"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
)

func managerOf(cm metav1.Object, manager string) *metav1.ManagedFieldsEntry {
	for _, e := range cm.GetManagedFields() {
		if e.Manager == manager {
			e := e
			return &e
		}
	}
	return nil
}

func TestServerSideApply(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	cms := client.CoreV1().ConfigMaps(ns)

	// First apply creates the object and records the manager.
	a := corev1ac.ConfigMap("ssa", ns).WithLabels(map[string]string{"owner": "alice"}).WithData(map[string]string{"shared": "alice", "a-only": "1"})
	cm, err := cms.Apply(ctx, a, metav1.ApplyOptions{FieldManager: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if cm.Data["shared"] != "alice" || cm.Labels["owner"] != "alice" {
		t.Fatalf("apply created %+v", cm)
	}
	alice := managerOf(cm, "alice")
	if alice == nil || alice.Operation != metav1.ManagedFieldsOperationApply || alice.FieldsV1 == nil ||
		!strings.Contains(string(alice.FieldsV1.Raw), `"f:shared"`) || !strings.Contains(string(alice.FieldsV1.Raw), `"f:owner"`) {
		t.Fatalf("managedFields after the first apply: %+v", cm.ManagedFields)
	}

	// Re-applying the same configuration changes nothing.
	again := must(cms.Apply(ctx, a, metav1.ApplyOptions{FieldManager: "alice"}))(t)
	if again.ResourceVersion != cm.ResourceVersion {
		t.Fatalf("an identical apply wrote a new version (%s -> %s)", cm.ResourceVersion, again.ResourceVersion)
	}

	// A second manager touching a field alice owns with another value conflicts.
	b := corev1ac.ConfigMap("ssa", ns).WithData(map[string]string{"shared": "bob", "b-only": "2"})
	_, err = cms.Apply(ctx, b, metav1.ApplyOptions{FieldManager: "bob"})
	if !apierrors.IsConflict(err) {
		t.Fatalf("conflicting apply: %v, want 409 Conflict", err)
	}
	if st, ok := err.(apierrors.APIStatus); !ok || st.Status().Details == nil || len(st.Status().Details.Causes) == 0 ||
		!strings.Contains(st.Status().Details.Causes[0].Field, "shared") || !strings.Contains(err.Error(), "alice") {
		t.Fatalf("conflict should name the field and its manager: %v", err)
	}
	if got := must(cms.Get(ctx, "ssa", metav1.GetOptions{}))(t); got.ResourceVersion != cm.ResourceVersion || got.Data["shared"] != "alice" {
		t.Fatalf("a conflicting apply changed the object: %+v", got)
	}

	// Non-conflicting fields of a second manager merge in.
	c := corev1ac.ConfigMap("ssa", ns).WithData(map[string]string{"c-only": "3"})
	merged := must(cms.Apply(ctx, c, metav1.ApplyOptions{FieldManager: "carol"}))(t)
	if merged.Data["c-only"] != "3" || merged.Data["shared"] != "alice" || merged.Data["a-only"] != "1" {
		t.Fatalf("merged apply: %v", merged.Data)
	}

	// force=true takes the field over.
	forced, err := cms.Apply(ctx, b, metav1.ApplyOptions{FieldManager: "bob", Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if forced.Data["shared"] != "bob" || forced.Data["b-only"] != "2" {
		t.Fatalf("forced apply: %v", forced.Data)
	}
	bob, alice := managerOf(forced, "bob"), managerOf(forced, "alice")
	if bob == nil || !strings.Contains(string(bob.FieldsV1.Raw), `"f:shared"`) {
		t.Fatalf("bob should own data.shared: %+v", forced.ManagedFields)
	}
	if alice == nil || strings.Contains(string(alice.FieldsV1.Raw), `"f:shared"`) || !strings.Contains(string(alice.FieldsV1.Raw), `"f:a-only"`) {
		t.Fatalf("alice should have lost data.shared only: %+v", forced.ManagedFields)
	}

	// Alice applies without a field she owned: it is removed.
	a2 := corev1ac.ConfigMap("ssa", ns).WithLabels(map[string]string{"owner": "alice"})
	pruned := must(cms.Apply(ctx, a2, metav1.ApplyOptions{FieldManager: "alice"}))(t)
	if _, ok := pruned.Data["a-only"]; ok || pruned.Data["shared"] != "bob" || pruned.Data["c-only"] != "3" {
		t.Fatalf("field removed from alice's configuration should go: %v", pruned.Data)
	}

	// An ordinary update is recorded as an Update operation of its manager.
	pruned.Data["edited"] = "yes"
	upd := must(cms.Update(ctx, pruned, metav1.UpdateOptions{FieldManager: "editor"}))(t)
	if e := managerOf(upd, "editor"); e == nil || e.Operation != metav1.ManagedFieldsOperationUpdate || !strings.Contains(string(e.FieldsV1.Raw), `"f:edited"`) {
		t.Fatalf("update manager entry: %+v", upd.ManagedFields)
	}

	// Apply requires a field manager, and a body naming the right object.
	r := doRaw(t, http.MethodPatch, "/api/v1/namespaces/"+ns+"/configmaps/ssa", []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ssa"}}`), "Content-Type", string(types.ApplyYAMLPatchType))
	expectStatus(t, "apply without fieldManager", r, http.StatusBadRequest, metav1.StatusReasonBadRequest)
	r = doRaw(t, http.MethodPatch, "/api/v1/namespaces/"+ns+"/configmaps/ssa?fieldManager=x", []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"other"}}`), "Content-Type", string(types.ApplyYAMLPatchType))
	expectStatus(t, "apply with another name", r, http.StatusBadRequest, metav1.StatusReasonBadRequest)
	r = doRaw(t, http.MethodPatch, "/api/v1/namespaces/"+ns+"/configmaps/ssa?fieldManager=x", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa\n"), "Content-Type", string(types.ApplyYAMLPatchType))
	expectStatus(t, "apply with broken YAML", r, http.StatusBadRequest, metav1.StatusReasonBadRequest)

	// YAML apply bodies work (kubectl apply --server-side sends YAML or JSON).
	r = doRaw(t, http.MethodPatch, "/api/v1/namespaces/"+ns+"/configmaps/yaml-applied?fieldManager=yaml",
		[]byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yaml-applied\ndata:\n  k: v\n"), "Content-Type", string(types.ApplyYAMLPatchType))
	expectStatus(t, "YAML apply", r, http.StatusCreated, "")
	if got := must(cms.Get(ctx, "yaml-applied", metav1.GetOptions{}))(t); got.Data["k"] != "v" {
		t.Fatalf("YAML apply stored %v", got.Data)
	}
}

func TestServerSideApplyDeployment(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	deps := client.AppsV1().Deployments(ns)
	tmpl := podTemplate(map[string]string{"app": "web"})
	c0 := tmpl.Spec.Containers[0]
	d := appsv1ac.Deployment("web", ns).WithSpec(appsv1ac.DeploymentSpec().
		WithReplicas(2).
		WithSelector(metav1ac.LabelSelector().WithMatchLabels(map[string]string{"app": "web"})).
		WithTemplate(corev1ac.PodTemplateSpec().WithLabels(map[string]string{"app": "web"}).WithSpec(corev1ac.PodSpec().
			WithContainers(corev1ac.Container().WithName(c0.Name).WithImage("nginx:1")))))
	out := must(deps.Apply(ctx, d, metav1.ApplyOptions{FieldManager: "deployer"}))(t)
	if *out.Spec.Replicas != 2 || out.Spec.Template.Spec.Containers[0].Image != "nginx:1" || out.Generation != 1 {
		t.Fatalf("applied deployment: replicas %d generation %d", *out.Spec.Replicas, out.Generation)
	}
	// The autoscaler takes replicas over by scaling; the deployer's next
	// apply without replicas leaves them alone.
	must(deps.Patch(ctx, "web", types.MergePatchType, []byte(`{"spec":{"replicas":7}}`), metav1.PatchOptions{FieldManager: "autoscaler"}))(t)
	d.Spec.Replicas = nil
	d.Spec.Template.Spec.Containers[0].WithImage("nginx:2")
	out = must(deps.Apply(ctx, d, metav1.ApplyOptions{FieldManager: "deployer", Force: true}))(t)
	if *out.Spec.Replicas != 7 || out.Spec.Template.Spec.Containers[0].Image != "nginx:2" {
		t.Fatalf("after re-apply: replicas %d image %s", *out.Spec.Replicas, out.Spec.Template.Spec.Containers[0].Image)
	}
	if out.Generation != 3 {
		t.Fatalf("generation %d, want 3 (two spec changes since create)", out.Generation)
	}
}

// Merge and strategic merge patches that do not name the managed fields
// leave them as they were (the server keeps them out of the patch's JSON
// round trip); a patch that names them still replaces them.
func TestPatchKeepsManagedFields(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	cms := client.CoreV1().ConfigMaps(ns)
	a := corev1ac.ConfigMap("patched", ns).WithData(map[string]string{"a": "1"})
	cm := must(cms.Apply(ctx, a, metav1.ApplyOptions{FieldManager: "alice"}))(t)
	alice := managerOf(cm, "alice")
	for _, p := range []struct {
		pt      types.PatchType
		manager string
		body    string
	}{
		{types.StrategicMergePatchType, "smp", `{"data":{"b":"2"}}`},
		{types.MergePatchType, "merge", `{"data":{"c":"3"}}`},
	} {
		got := must(cms.Patch(ctx, "patched", p.pt, []byte(p.body), metav1.PatchOptions{FieldManager: p.manager}))(t)
		if e := managerOf(got, "alice"); e == nil || string(e.FieldsV1.Raw) != string(alice.FieldsV1.Raw) || !e.Time.Equal(alice.Time) {
			t.Fatalf("%s: alice's entry changed: %+v, was %+v", p.pt, e, alice)
		}
		if e := managerOf(got, p.manager); e == nil || e.Operation != metav1.ManagedFieldsOperationUpdate || !strings.Contains(string(e.FieldsV1.Raw), `"f:data"`) {
			t.Fatalf("%s: patcher's entry: %+v", p.pt, got.ManagedFields)
		}
		stored := must(cms.Get(ctx, "patched", metav1.GetOptions{}))(t)
		if len(stored.ManagedFields) != len(got.ManagedFields) || stored.Data["a"] != "1" {
			t.Fatalf("%s: stored %+v, answered %+v", p.pt, stored, got)
		}
	}
	// Naming them: an empty entry clears them, as upstream documents.
	cleared := must(cms.Patch(ctx, "patched", types.MergePatchType, []byte(`{"metadata":{"managedFields":[{}]}}`), metav1.PatchOptions{}))(t)
	if len(cleared.ManagedFields) != 0 || cleared.Data["b"] != "2" || cleared.Data["c"] != "3" {
		t.Fatalf("clearing patch left %+v, data %v", cleared.ManagedFields, cleared.Data)
	}
}
