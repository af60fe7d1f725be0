package job

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"

	"orca/internal/controller/deps"
)

type harness struct {
	c        *Controller
	client   *fake.Clientset
	inf      informers.SharedInformerFactory
	recorder *record.FakeRecorder
}

func newHarness(t *testing.T, objs ...runtime.Object) *harness {
	t.Helper()
	client := fake.NewClientset(objs...)
	var n atomic.Int32
	// The fake clientset does not generate names.
	client.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		p := a.(k8stesting.CreateAction).GetObject().(*v1.Pod)
		if p.Name == "" {
			p.Name = fmt.Sprintf("%s%d", p.GenerateName, n.Add(1))
			p.UID = types.UID("uid-" + p.Name)
		}
		return false, nil, nil
	})
	// Nor does it keep resourceVersions: count them as etcd would.
	var rv atomic.Int64
	rv.Store(100)
	client.PrependReactor("update", "jobs", func(a k8stesting.Action) (bool, runtime.Object, error) {
		j := a.(k8stesting.UpdateAction).GetObject().(*batchv1.Job)
		j.ResourceVersion = fmt.Sprint(rv.Add(1))
		return false, nil, nil
	})
	h := &harness{client: client, inf: informers.NewSharedInformerFactory(client, 0), recorder: record.NewFakeRecorder(100)}
	d := &deps.Deps{Client: client, Informers: h.inf, Recorder: func(string) record.EventRecorder { return h.recorder }}
	c, err := newController(client, d, clocktesting.NewFakeClock(t0))
	if err != nil {
		t.Fatal(err)
	}
	h.c = c
	for _, o := range objs {
		switch o := o.(type) {
		case *batchv1.Job:
			h.inf.Batch().V1().Jobs().Informer().GetIndexer().Add(o)
		case *v1.Pod:
			h.inf.Core().V1().Pods().Informer().GetIndexer().Add(o)
		}
	}
	return h
}

func (h *harness) events() string {
	var b strings.Builder
	for {
		select {
		case e := <-h.recorder.Events:
			b.WriteString(e + "\n")
		default:
			return b.String()
		}
	}
}

// Reconcile creates the pods with the tracking finalizer and writes the
// status; a finished pod then loses its finalizer and is counted.
func TestJobReconcileCreatesAndCounts(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, testJob())
	if _, err := h.c.Reconcile(ctx, "ns/j"); err != nil {
		t.Fatal(err)
	}
	pods, _ := h.client.CoreV1().Pods("ns").List(ctx, metav1.ListOptions{})
	if len(pods.Items) != 2 {
		t.Fatalf("%d pods, want 2", len(pods.Items))
	}
	for _, p := range pods.Items {
		if !hasFinalizer(&p) || metav1.GetControllerOf(&p) == nil || !strings.HasPrefix(p.Name, "j-") {
			t.Errorf("pod %+v, want the finalizer and the job's controller reference", p.ObjectMeta)
		}
	}
	j, _ := h.client.BatchV1().Jobs("ns").Get(ctx, "j", metav1.GetOptions{})
	if j.Status.Active != 2 || j.Status.StartTime == nil {
		t.Errorf("status %+v, want active 2 and a start time", j.Status)
	}
	if ev := h.events(); strings.Count(ev, "SuccessfulCreate Created pod: j-") != 2 {
		t.Errorf("events %q, want two SuccessfulCreate", ev)
	}

	// One pod succeeds (the cache shows the status the job controller wrote).
	done := pods.Items[0].DeepCopy()
	done.Status.Phase = v1.PodSucceeded
	h.client.CoreV1().Pods("ns").UpdateStatus(ctx, done, metav1.UpdateOptions{})
	h.inf.Core().V1().Pods().Informer().GetIndexer().Add(done)
	h.inf.Core().V1().Pods().Informer().GetIndexer().Add(&pods.Items[1])
	h.inf.Batch().V1().Jobs().Informer().GetIndexer().Update(j)
	if _, err := h.c.Reconcile(ctx, "ns/j"); err != nil {
		t.Fatal(err)
	}
	got, _ := h.client.CoreV1().Pods("ns").Get(ctx, done.Name, metav1.GetOptions{})
	if hasFinalizer(got) {
		t.Errorf("finished pod still has finalizers %v", got.Finalizers)
	}
	j, _ = h.client.BatchV1().Jobs("ns").Get(ctx, "j", metav1.GetOptions{})
	if j.Status.Succeeded != 1 || len(j.Status.UncountedTerminatedPods.Succeeded) != 0 {
		t.Errorf("status %+v, want succeeded 1 and nothing uncounted", j.Status)
	}
	// A stale cache (the pod still with its finalizer) counts nothing twice.
	if _, err := h.c.Reconcile(ctx, "ns/j"); err != nil {
		t.Fatal(err)
	}
	j, _ = h.client.BatchV1().Jobs("ns").Get(ctx, "j", metav1.GetOptions{})
	if j.Status.Succeeded != 1 {
		t.Errorf("succeeded %d after a stale reconcile, want 1", j.Status.Succeeded)
	}
}

// The pod of a deleted job loses its finalizer.
func TestJobReconcileReleasesOrphans(t *testing.T) {
	ctx := context.Background()
	p := testPod("orphan", v1.PodRunning)
	h := newHarness(t, p)
	if _, err := h.c.Reconcile(ctx, orphanPrefix+"ns/orphan"); err != nil {
		t.Fatal(err)
	}
	got, _ := h.client.CoreV1().Pods("ns").Get(ctx, "orphan", metav1.GetOptions{})
	if hasFinalizer(got) {
		t.Errorf("orphan keeps finalizers %v", got.Finalizers)
	}
}
