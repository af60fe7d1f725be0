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
	"k8s.io/apimachinery/pkg/watch"
)

func TestFinalizers(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	cms := client.CoreV1().ConfigMaps(ns)
	const fin = "example.com/hold"
	cm := must(cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "held", Finalizers: []string{fin, "example.com/second"}}}, metav1.CreateOptions{}))(t)
	w := must(cms.Watch(ctx, metav1.ListOptions{ResourceVersion: cm.ResourceVersion}))(t)
	defer w.Stop()

	// Delete marks the object; it stays while finalizers remain.
	// Upstream answers 200 with the marked object.
	r := doRaw(t, http.MethodDelete, "/api/v1/namespaces/"+ns+"/configmaps/held", nil)
	if r.Code != http.StatusOK || !containsAll(string(r.Body), `"kind":"ConfigMap"`, `"deletionTimestamp"`) {
		t.Fatalf("delete of a finalized object: %d %s", r.Code, r.Body)
	}
	marked := must(cms.Get(ctx, "held", metav1.GetOptions{}))(t)
	if marked.DeletionTimestamp == nil || marked.DeletionGracePeriodSeconds == nil || *marked.DeletionGracePeriodSeconds != 0 {
		t.Fatalf("after delete: deletionTimestamp %v grace %v", marked.DeletionTimestamp, marked.DeletionGracePeriodSeconds)
	}
	if e := nextNonBookmark(t, w, 10*time.Second); e.Type != watch.Modified || e.Object.(*corev1.ConfigMap).DeletionTimestamp == nil {
		t.Fatalf("watch after delete: %s", e.Type)
	}
	// A second delete changes nothing about the deadline.
	if err := cms.Delete(ctx, "held", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	again := must(cms.Get(ctx, "held", metav1.GetOptions{}))(t)
	if !again.DeletionTimestamp.Equal(marked.DeletionTimestamp) {
		t.Fatalf("second delete moved deletionTimestamp %v -> %v", marked.DeletionTimestamp, again.DeletionTimestamp)
	}

	// No new finalizers while deleting: 422.
	add := again.DeepCopy()
	add.Finalizers = append(add.Finalizers, "example.com/late")
	_, err := cms.Update(ctx, add, metav1.UpdateOptions{})
	if !apierrors.IsInvalid(err) {
		t.Fatalf("adding a finalizer while deleting: %v, want 422 Invalid", err)
	}
	if st := err.(apierrors.APIStatus).Status(); st.Details == nil || len(st.Details.Causes) == 0 || st.Details.Causes[0].Field != "metadata.finalizers" {
		t.Fatalf("invalid should name metadata.finalizers: %+v", st.Details)
	}
	_, err = cms.Patch(ctx, "held", types.JSONPatchType, []byte(`[{"op":"add","path":"/metadata/finalizers/-","value":"example.com/late"}]`), metav1.PatchOptions{})
	if !apierrors.IsInvalid(err) {
		t.Fatalf("adding a finalizer by patch while deleting: %v, want 422", err)
	}
	// The deletion timestamp cannot be cleared either (it is server-owned).
	clear := again.DeepCopy()
	clear.DeletionTimestamp = nil
	clear.Data = map[string]string{"still": "writable"}
	upd := must(cms.Update(ctx, clear, metav1.UpdateOptions{}))(t)
	if upd.DeletionTimestamp == nil || upd.Data["still"] != "writable" {
		t.Fatalf("update of a deleting object: %+v", upd.ObjectMeta)
	}

	// Removing one finalizer keeps it; removing the last lets it go.
	upd.Finalizers = []string{"example.com/second"}
	upd = must(cms.Update(ctx, upd, metav1.UpdateOptions{}))(t)
	if !slices.Equal(upd.Finalizers, []string{"example.com/second"}) {
		t.Fatalf("finalizers %v", upd.Finalizers)
	}
	must(cms.Patch(ctx, "held", types.JSONPatchType, []byte(`[{"op":"remove","path":"/metadata/finalizers"}]`), metav1.PatchOptions{}))(t)
	if _, err := cms.Get(ctx, "held", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("object with no finalizers left still exists: %v", err)
	}
	var evTypes []watch.EventType
	for {
		e := nextNonBookmark(t, w, 10*time.Second)
		evTypes = append(evTypes, e.Type)
		if e.Type == watch.Deleted {
			break
		}
	}
	if len(evTypes) < 2 {
		t.Fatalf("watch events after finalizer removal: %v", evTypes)
	}

	// Finalizers on an object not being deleted come and go freely.
	free := must(cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "free"}}, metav1.CreateOptions{}))(t)
	free.Finalizers = []string{fin}
	free = must(cms.Update(ctx, free, metav1.UpdateOptions{}))(t)
	free.Finalizers = nil
	free = must(cms.Update(ctx, free, metav1.UpdateOptions{}))(t)
	if free.DeletionTimestamp != nil {
		t.Fatal("removing finalizers of a live object deleted it")
	}
	if _, err := cms.Get(ctx, "free", metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	}

	// Invalid finalizer names are refused.
	_, err = cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "badfin", Finalizers: []string{"not a name"}}}, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) {
		t.Fatalf("invalid finalizer: %v", err)
	}
}
