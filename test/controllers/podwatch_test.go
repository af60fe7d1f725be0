package controllers

import (
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// podWatch keeps the pods a label selector matches in a namespace up to
// date from a list and watch, and calls observe with all of them after
// every change, so a test can check an invariant at every moment (not just
// where it polls).
type podWatch struct {
	mu      sync.Mutex
	pods    map[string]*corev1.Pod
	observe func(map[string]*corev1.Pod) // called with mu held
	w       watch.Interface
	done    chan struct{}
}

func watchPods(t *testing.T, ns, selector string, observe func(map[string]*corev1.Pod)) *podWatch {
	t.Helper()
	l, err := client.CoreV1().Pods(ns).List(baseCtx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		t.Fatal(err)
	}
	w, err := client.CoreV1().Pods(ns).Watch(baseCtx, metav1.ListOptions{LabelSelector: selector, ResourceVersion: l.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	pw := &podWatch{pods: map[string]*corev1.Pod{}, observe: observe, w: w, done: make(chan struct{})}
	for i := range l.Items {
		pw.pods[l.Items[i].Name] = &l.Items[i]
	}
	pw.observe(pw.pods)
	go func() {
		defer close(pw.done)
		for ev := range w.ResultChan() {
			p, ok := ev.Object.(*corev1.Pod)
			if !ok {
				continue
			}
			pw.mu.Lock()
			if ev.Type == watch.Deleted {
				delete(pw.pods, p.Name)
			} else {
				pw.pods[p.Name] = p
			}
			pw.observe(pw.pods)
			pw.mu.Unlock()
		}
	}()
	t.Cleanup(w.Stop)
	return pw
}

// stop ends the watch; observe is not called after it returns.
func (pw *podWatch) stop() {
	pw.w.Stop()
	<-pw.done
}
