package loop

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
)

// A loop reconciles nothing before its handlers have taken in the whole
// initial list, however long they lag behind the informer's own sync:
// here the handler is held on the first pod, and every reconcile checks
// that all pods went through it.
func TestRunWaitsForHandlers(t *testing.T) {
	const pods = 50
	var objs []runtime.Object
	for i := range pods {
		objs = append(objs, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: fmt.Sprintf("p%02d", i)}})
	}
	factory := informers.NewSharedInformerFactory(fake.NewSimpleClientset(objs...), 0)
	inf := factory.Core().V1().Pods().Informer()
	var handled, early atomic.Int32
	reconciled := make(chan struct{}, 1)
	l := New("test", Func(func(context.Context, string) (time.Duration, error) {
		if handled.Load() != pods {
			early.Add(1)
		}
		select {
		case reconciled <- struct{}{}:
		default:
		}
		return 0, nil
	}), 1, inf.HasSynced)
	release := make(chan struct{})
	var once sync.Once
	releaseHandler := func() { once.Do(func() { close(release) }) }
	if err := l.Handle(nil, inf, cache.ResourceEventHandlerFuncs{AddFunc: func(any) {
		if handled.Load() == 0 {
			<-release
		}
		handled.Add(1)
	}}); err != nil {
		t.Fatal(err)
	}
	l.Add("key") // ready to run as soon as a worker starts

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	factory.Start(ctx.Done())
	defer factory.Shutdown()
	defer releaseHandler() // before Shutdown, which waits for the handler
	stopped := make(chan struct{})
	go func() { l.Run(ctx); close(stopped) }()
	defer func() { cancel(); <-stopped }()
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		t.Fatal("informer did not sync")
	}
	// Hold the handler for several of Run's sync polls (100ms).
	select {
	case <-reconciled:
		t.Fatalf("reconciled with %d of %d pods through the handler", handled.Load(), pods)
	case <-time.After(500 * time.Millisecond):
	}
	releaseHandler()
	select {
	case <-reconciled:
	case <-time.After(10 * time.Second):
		t.Fatal("no reconcile after the handler caught up")
	}
	if n := early.Load(); n != 0 {
		t.Fatalf("%d reconciles ran before the handler had seen the initial list", n)
	}
}
