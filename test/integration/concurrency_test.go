package integration

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"
)

// TestConcurrentCounter: read-modify-write with retry on conflict loses
// no increment, however the writers interleave.
func TestConcurrentCounter(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	cms := client.CoreV1().ConfigMaps(ns)
	must(cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "counter"}, Data: map[string]string{"n": "0"}}, metav1.CreateOptions{}))(t)
	const workers, increments = 20, 10
	var conflicts atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < increments; i++ {
				err := retry.RetryOnConflict(wait.Backoff{Steps: 1000, Duration: time.Millisecond, Jitter: 1}, func() error {
					cm, err := cms.Get(ctx, "counter", metav1.GetOptions{})
					if err != nil {
						return err
					}
					n, _ := strconv.Atoi(cm.Data["n"])
					cm.Data["n"] = strconv.Itoa(n + 1)
					_, err = cms.Update(ctx, cm, metav1.UpdateOptions{})
					if apierrors.IsConflict(err) {
						conflicts.Add(1)
					}
					return err
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	cm := must(cms.Get(ctx, "counter", metav1.GetOptions{}))(t)
	if cm.Data["n"] != strconv.Itoa(workers*increments) {
		t.Fatalf("counter %s, want %d", cm.Data["n"], workers*increments)
	}
	t.Logf("%d conflicts retried", conflicts.Load())
}

// TestConcurrentCreateSameName: exactly one of many creates of one name wins.
func TestConcurrentCreateSameName(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	const n = 20
	var wins, exists atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, err := client.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "race"}, Data: map[string]string{"by": fmt.Sprint(i)}}, metav1.CreateOptions{})
			switch {
			case err == nil:
				wins.Add(1)
			case apierrors.IsAlreadyExists(err):
				exists.Add(1)
			default:
				t.Errorf("create: %v", err)
			}
		}(i)
	}
	wg.Wait()
	if wins.Load() != 1 || exists.Load() != n-1 {
		t.Fatalf("%d creates won and %d saw AlreadyExists; want 1 and %d", wins.Load(), exists.Load(), n-1)
	}
}
