package controllers

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// A pod bound to a node that does not exist is, after the quarantine,
// marked Failed with DisruptionTarget DeletionByPodGC and force-deleted.
func TestPodGCOrphanedPod(t *testing.T) {
	ns := newNamespace(t)
	w, err := client.CoreV1().Pods(ns).Watch(baseCtx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "orphan"},
		Spec: corev1.PodSpec{NodeName: "podgc-no-such-node",
			Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
	}
	created, err := client.CoreV1().Pods(ns).Create(baseCtx, pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(baseCtx, 60*time.Second)
	defer cancel()
	var marked bool
	for {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				t.Fatal("watch closed")
			}
			p, _ := ev.Object.(*corev1.Pod)
			if p == nil {
				continue
			}
			for _, c := range p.Status.Conditions {
				if c.Type == corev1.DisruptionTarget && c.Reason == "DeletionByPodGC" && c.Message == "PodGC: node no longer exists" && p.Status.Phase == corev1.PodFailed {
					marked = true
				}
			}
			if ev.Type != watch.Deleted {
				continue
			}
			if !marked {
				t.Error("deleted without being marked Failed with DisruptionTarget DeletionByPodGC first")
			}
			if d := time.Since(start); d < nodeGrace-time.Second {
				t.Errorf("deleted after %v, inside the %v quarantine", d, nodeGrace)
			}
			if _, err := client.CoreV1().Pods(ns).Get(baseCtx, "orphan", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				t.Errorf("pod still there after its deletion event: %v", err)
			}
			t.Logf("orphan %s deleted after %v", created.UID, time.Since(start).Round(100*time.Millisecond))
			return
		case <-ctx.Done():
			t.Fatal("orphaned pod not deleted in 60 s")
		}
	}
}

// A pod on a node that is then deleted (its machine gone for good) is
// deleted by the pod GC, Terminating or not.
func TestPodGCDeletedNode(t *testing.T) {
	prefix := "podgc-gone"
	stop := virtualNodes(t, prefix, 1)
	ns := newNamespace(t)
	for _, name := range []string{"a", "b"} {
		p := nlcPod(name, prefix, "")
		if _, err := client.CoreV1().Pods(ns).Create(baseCtx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	nlcWaitRunning(t, ns, "a", "b")
	stop()
	// "a" is being deleted gracefully: with no kubelet it would stay Terminating.
	if err := client.CoreV1().Pods(ns).Delete(baseCtx, "a", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := client.CoreV1().Nodes().Delete(baseCtx, prefix+"-0000", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, 30*time.Second, "pods of the deleted node gone", func() bool {
		list, err := client.CoreV1().Pods(ns).List(baseCtx, metav1.ListOptions{})
		return err == nil && len(list.Items) == 0
	})
}
