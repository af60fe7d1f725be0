package integration

import (
	"net/http"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func TestSystemNamespaces(t *testing.T) {
	ctx := ctxT(t)
	for _, name := range []string{"default", "kube-system", "kube-public", "kube-node-lease"} {
		ns, err := client.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("namespace %s: %v", name, err)
		}
		if ns.DeletionTimestamp != nil {
			t.Fatalf("namespace %s is being deleted", name)
		}
		// System namespaces may not be deleted (checked with a dry run, so a
		// failure cannot break the other tests).
		err = client.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{DryRun: []string{metav1.DryRunAll}})
		if !apierrors.IsForbidden(err) {
			t.Fatalf("deleting namespace %s: %v, want 403 Forbidden", name, err)
		}
	}
	// Namespace names are DNS labels.
	_, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "has.dots"}}, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) {
		t.Fatalf("namespace with dots: %v, want Invalid", err)
	}
	// Namespaces are cluster-scoped: their namespace field is cleared.
	ns := must(client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "it-scope-", Namespace: "ignored"}}, metav1.CreateOptions{}))(t)
	if ns.Namespace != "" {
		t.Fatalf("namespace object has namespace %q", ns.Namespace)
	}
}

func TestCreateInMissingNamespace(t *testing.T) {
	ctx := ctxT(t)
	_, err := client.CoreV1().ConfigMaps("no-such-namespace").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "x"}}, metav1.CreateOptions{})
	if !apierrors.IsNotFound(err) {
		t.Fatalf("create in a missing namespace: %v, want 404", err)
	}
	st := err.(apierrors.APIStatus).Status()
	if st.Details == nil || st.Details.Kind != "namespaces" || st.Details.Name != "no-such-namespace" {
		t.Fatalf("404 should name the namespace: %+v", st.Details)
	}
	// Reads of a missing namespace are simply empty / not found.
	l := must(client.CoreV1().ConfigMaps("no-such-namespace").List(ctx, metav1.ListOptions{}))(t)
	if len(l.Items) != 0 {
		t.Fatalf("list in a missing namespace: %d items", len(l.Items))
	}
	// A namespace created a moment ago takes objects at once.
	ns := newNamespace(t)
	if _, err := client.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "x"}}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create right after the namespace: %v", err)
	}
}

func TestTerminatingNamespace(t *testing.T) {
	ctx, name := ctxT(t), newNamespace(t)
	nss := client.CoreV1().Namespaces()
	must(client.CoreV1().ConfigMaps(name).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "before"}}, metav1.CreateOptions{}))(t)
	// A finalizer of our own keeps the namespace in Terminating whatever
	// else runs.
	must(nss.Patch(ctx, name, types.MergePatchType, []byte(`{"metadata":{"finalizers":["example.com/hold"]}}`), metav1.PatchOptions{}))(t)
	t.Cleanup(func() {
		nss.Patch(ctxT(t), name, types.JSONPatchType, []byte(`[{"op":"remove","path":"/metadata/finalizers"}]`), metav1.PatchOptions{})
	})
	if err := nss.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	ns := must(nss.Get(ctx, name, metav1.GetOptions{}))(t)
	if ns.DeletionTimestamp == nil {
		t.Fatalf("deleted namespace has no deletionTimestamp")
	}

	_, err := client.CoreV1().ConfigMaps(name).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "after"}}, metav1.CreateOptions{})
	if !apierrors.IsForbidden(err) || statusCode(err) != http.StatusForbidden {
		t.Fatalf("create in a terminating namespace: %v, want 403", err)
	}
	if !apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
		t.Fatalf("403 without the NamespaceTerminating cause: %+v", err.(apierrors.APIStatus).Status().Details)
	}
	// Existing objects can still be read, changed and deleted.
	cm := must(client.CoreV1().ConfigMaps(name).Get(ctx, "before", metav1.GetOptions{}))(t)
	cm.Data = map[string]string{"k": "v"}
	must(client.CoreV1().ConfigMaps(name).Update(ctx, cm, metav1.UpdateOptions{}))(t)
	if err := client.CoreV1().ConfigMaps(name).Delete(ctx, "before", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete in a terminating namespace: %v", err)
	}

	// Once its finalizers are gone the namespace goes too. spec.finalizers
	// (content removal) are the namespace controller's, which this server
	// does not run: do its last step, PUT .../finalize, by hand.
	must(nss.Patch(ctx, name, types.JSONPatchType, []byte(`[{"op":"remove","path":"/metadata/finalizers"}]`), metav1.PatchOptions{}))(t)
	// namespaces/<name>/status is the namespace's status subresource (not a
	// resource "status" inside the namespace).
	r := doRaw(t, http.MethodGet, "/api/v1/namespaces/"+name+"/status", nil)
	if r.Code != http.StatusOK || !containsAll(string(r.Body), `"kind":"Namespace"`, `"name":"`+name+`"`) {
		t.Fatalf("GET namespaces/%s/status: %d %s", name, r.Code, r.Body)
	}
	// The namespace controller reports progress through /status.
	ns = must(nss.Get(ctx, name, metav1.GetOptions{}))(t)
	ns.Status.Conditions = []corev1.NamespaceCondition{{Type: corev1.NamespaceDeletionContentFailure, Status: corev1.ConditionFalse, Reason: "ContentDeleted", LastTransitionTime: metav1.Now()}}
	ns.Spec.Finalizers = append(ns.Spec.Finalizers, "example.com/not-through-status")
	ns = must(nss.UpdateStatus(ctx, ns, metav1.UpdateOptions{}))(t)
	if len(ns.Status.Conditions) != 1 || ns.Status.Conditions[0].Reason != "ContentDeleted" || slices.Contains(ns.Spec.Finalizers, "example.com/not-through-status") {
		t.Fatalf("namespace status update: %+v %+v", ns.Spec, ns.Status)
	}
	if ns, err := nss.Get(ctx, name, metav1.GetOptions{}); err == nil && len(ns.Spec.Finalizers) > 0 {
		if ns.Status.Phase != corev1.NamespaceTerminating {
			t.Fatalf("namespace waiting for spec.finalizers is in phase %q, want Terminating", ns.Status.Phase)
		}
		ns.Spec.Finalizers = nil
		if _, err := nss.Finalize(ctx, ns, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) {
			t.Fatalf("finalize: %v", err)
		}
	}
	eventually(t, 30*time.Second, "the namespace to go", func() (bool, error) {
		_, err := nss.Get(ctx, name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), err
	})
}
