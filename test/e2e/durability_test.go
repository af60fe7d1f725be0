package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

func clientFor(t *testing.T, s *orcaServer) *kubernetes.Clientset {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", s.Kubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	cfg.QPS, cfg.Burst = -1, -1
	cfg.Timeout = 20 * time.Second
	return kubernetes.NewForConfigOrDie(cfg)
}

// acked is what the server acknowledged for one object.
type acked struct {
	rv   uint64
	data map[string]string
}

type ackLog struct {
	mu      sync.Mutex
	objs    map[string]acked // "kind/name"
	deleted map[string]bool
	maxRV   uint64
}

func (a *ackLog) put(t *testing.T, key string, meta metav1.Object, data map[string]string) {
	rv, err := strconv.ParseUint(meta.GetResourceVersion(), 10, 64)
	if err != nil {
		t.Errorf("%s: resourceVersion %q is not a number: %v", key, meta.GetResourceVersion(), err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.objs[key] = acked{rv: rv, data: data}
	delete(a.deleted, key)
	if rv > a.maxRV {
		a.maxRV = rv
	}
}

// TestRestartDurability writes through its own server, SIGKILLs it (with
// writes in flight), restarts it on the same data dir and expects every
// acknowledged write to be there.
func TestRestartDurability(t *testing.T) {
	const n = 200
	// The controllers would write the Deployments' status after the test
	// recorded their resourceVersions: this test is about storage alone.
	srv := startOrcaT(t, filepath.Join(t.TempDir(), "data"), "--disable-controller-manager")
	cs := clientFor(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const ns = "durable"
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	log := &ackLog{objs: map[string]acked{}, deleted: map[string]bool{}}
	cmData := func(i int, v string) map[string]string {
		return map[string]string{"index": strconv.Itoa(i), "value": v, "payload": strings.Repeat(fmt.Sprintf("%03d", i), 100)}
	}

	// 200 configmaps from 8 concurrent writers.
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += 8 {
				name := fmt.Sprintf("cm-%03d", i)
				out, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: cmData(i, "v1")}, metav1.CreateOptions{})
				if err != nil {
					firstErr.CompareAndSwap(nil, fmt.Errorf("create %s: %w", name, err))
					return
				}
				log.put(t, "configmap/"+name, out, out.Data)
			}
		}(w)
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		t.Fatal(err)
	}

	// A few other kinds.
	for i := 0; i < 5; i++ {
		name := fmt.Sprintf("secret-%d", i)
		out, err := cs.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: map[string][]byte{"k": []byte("secret-value-" + strconv.Itoa(i))}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create secret: %v", err)
		}
		log.put(t, "secret/"+name, out, map[string]string{"k": string(out.Data["k"])})
	}
	for i := 0; i < 3; i++ {
		name := fmt.Sprintf("svc-%d", i)
		out, err := cs.CoreV1().Services(ns).Create(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: corev1.ServiceSpec{Selector: map[string]string{"app": name}, Ports: []corev1.ServicePort{{Port: int32(8080 + i)}}}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create service: %v", err)
		}
		log.put(t, "service/"+name, out, map[string]string{"clusterIP": out.Spec.ClusterIP, "port": strconv.Itoa(int(out.Spec.Ports[0].Port))})
	}
	for i := 0; i < 3; i++ {
		name := fmt.Sprintf("deploy-%d", i)
		replicas := int32(i + 1)
		labels := map[string]string{"app": name}
		out, err := cs.AppsV1().Deployments(ns).Create(ctx, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: appsv1.DeploymentSpec{
			Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox:" + name}}}},
		}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create deployment: %v", err)
		}
		log.put(t, "deployment/"+name, out, map[string]string{"replicas": strconv.Itoa(int(*out.Spec.Replicas)), "image": out.Spec.Template.Spec.Containers[0].Image})
	}

	// Updates and deletes are acknowledged writes too.
	for i := 0; i < 20; i++ {
		name := fmt.Sprintf("cm-%03d", i)
		cm, err := cs.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("get %s: %v", name, err)
		}
		cm.Data = cmData(i, "v2")
		out, err := cs.CoreV1().ConfigMaps(ns).Update(ctx, cm, metav1.UpdateOptions{})
		if err != nil {
			t.Fatalf("update %s: %v", name, err)
		}
		log.put(t, "configmap/"+name, out, out.Data)
	}
	for i := n - 10; i < n; i++ {
		name := fmt.Sprintf("cm-%03d", i)
		if err := cs.CoreV1().ConfigMaps(ns).Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
			t.Errorf("delete %s: %v", name, err)
			continue
		}
		log.mu.Lock()
		delete(log.objs, "configmap/"+name)
		log.deleted["configmap/"+name] = true
		log.mu.Unlock()
	}

	// Keep writing while the server is SIGKILLed; every write acknowledged
	// before the kill must survive it.
	var inflight atomic.Int64
	stopWriters := make(chan struct{})
	var writers sync.WaitGroup
	for w := 0; w < 4; w++ {
		writers.Add(1)
		go func(w int) {
			defer writers.Done()
			for i := 0; ; i++ {
				select {
				case <-stopWriters:
					return
				default:
				}
				name := fmt.Sprintf("inflight-%d-%d", w, i)
				out, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: cmData(i, name)}, metav1.CreateOptions{})
				if err != nil {
					return // the server is gone
				}
				log.put(t, "configmap/"+name, out, out.Data)
				inflight.Add(1)
			}
		}(w)
	}
	for deadline := time.Now().Add(10 * time.Second); inflight.Load() < 40 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	srv.Kill()
	close(stopWriters)
	writers.Wait()
	log.mu.Lock()
	total, maxRV := len(log.objs), log.maxRV
	log.mu.Unlock()
	t.Logf("SIGKILLed the server after %d acknowledged objects (%d written while the kill landed); max resourceVersion %d", total, inflight.Load(), maxRV)

	if err := srv.Restart(); err != nil {
		t.Fatalf("restart on the same data dir: %v", err)
	}
	cs = clientFor(t, srv)

	list, err := cs.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("list configmaps after restart: %v", err)
	}
	if rv, err := strconv.ParseUint(list.ResourceVersion, 10, 64); err != nil || rv < maxRV {
		t.Errorf("list resourceVersion after restart %q went backwards (acknowledged max %d)", list.ResourceVersion, maxRV)
	}
	seen := map[string]corev1.ConfigMap{}
	for _, cm := range list.Items {
		seen["configmap/"+cm.Name] = cm
	}
	missing := 0
	check := func(key string, meta metav1.Object, data map[string]string) {
		want := log.objs[key]
		if meta == nil {
			missing++
			if missing <= 10 {
				t.Errorf("acknowledged %s (resourceVersion %d) is gone after SIGKILL + restart", key, want.rv)
			}
			return
		}
		rv, _ := strconv.ParseUint(meta.GetResourceVersion(), 10, 64)
		if rv != want.rv {
			t.Errorf("%s: resourceVersion %s after restart, acknowledged %d", key, meta.GetResourceVersion(), want.rv)
		}
		if !reflect.DeepEqual(data, want.data) {
			t.Errorf("%s: data after restart %v, acknowledged %v", key, data, want.data)
		}
	}
	for key := range log.objs {
		kind, name, _ := strings.Cut(key, "/")
		switch kind {
		case "configmap":
			if cm, found := seen[key]; found {
				check(key, &cm, cm.Data)
			} else {
				check(key, nil, nil)
			}
			// A GET must agree with the LIST.
			if strings.HasSuffix(name, "7") {
				if _, err := cs.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{}); err != nil && seen[key].Name != "" {
					t.Errorf("get %s after restart: %v", key, err)
				}
			}
		case "secret":
			s, err := cs.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				check(key, nil, nil)
				continue
			}
			check(key, s, map[string]string{"k": string(s.Data["k"])})
		case "service":
			s, err := cs.CoreV1().Services(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				check(key, nil, nil)
				continue
			}
			check(key, s, map[string]string{"clusterIP": s.Spec.ClusterIP, "port": strconv.Itoa(int(s.Spec.Ports[0].Port))})
		case "deployment":
			d, err := cs.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				check(key, nil, nil)
				continue
			}
			check(key, d, map[string]string{"replicas": strconv.Itoa(int(*d.Spec.Replicas)), "image": d.Spec.Template.Spec.Containers[0].Image})
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d acknowledged objects missing after SIGKILL + restart", missing, total)
	}
	for key := range log.deleted {
		if _, found := seen[key]; found {
			t.Errorf("%s was deleted (acknowledged) but is back after restart", key)
		}
	}

	// New writes continue above every acknowledged resourceVersion.
	out, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "after-restart"}, Data: map[string]string{"a": "b"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create after restart: %v", err)
	}
	if rv, err := strconv.ParseUint(out.ResourceVersion, 10, 64); err != nil || rv <= maxRV {
		t.Errorf("resourceVersion after restart %q is not above the acknowledged max %d", out.ResourceVersion, maxRV)
	}
	// A second create of an acknowledged name must conflict, not succeed.
	if _, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm-000"}}, metav1.CreateOptions{}); !apierrors.IsAlreadyExists(err) {
		t.Errorf("create cm-000 again after restart: want AlreadyExists, got %v", err)
	}
}
