package controllers

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/watch"
)

// The garbage collector tests own their objects: ConfigMaps owning
// ConfigMaps, Secrets and Pods, with no controller in between.

const gcTimeout = 30 * time.Second

// gcOwnerRef is a reference to owner (a ConfigMap unless told).
func gcOwnerRef(kind, apiVersion, name string, uid types.UID, block bool) metav1.OwnerReference {
	r := metav1.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: name, UID: uid}
	if block {
		r.BlockOwnerDeletion = &block
	}
	return r
}

func gcCMRef(cm *corev1.ConfigMap, block bool) metav1.OwnerReference {
	return gcOwnerRef("ConfigMap", "v1", cm.Name, cm.UID, block)
}

func gcConfigMap(t *testing.T, ns, name string, owners ...metav1.OwnerReference) *corev1.ConfigMap {
	t.Helper()
	cm, err := client.CoreV1().ConfigMaps(ns).Create(baseCtx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: name, OwnerReferences: owners},
		Data:       map[string]string{"k": "v"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return cm
}

func gcSecret(t *testing.T, ns, name string, owners ...metav1.OwnerReference) *corev1.Secret {
	t.Helper()
	s, err := client.CoreV1().Secrets(ns).Create(baseCtx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name, OwnerReferences: owners},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func gcPod(t *testing.T, ns, name string, owners ...metav1.OwnerReference) *corev1.Pod {
	t.Helper()
	p, err := client.CoreV1().Pods(ns).Create(baseCtx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, OwnerReferences: owners},
		Spec: corev1.PodSpec{
			TerminationGracePeriodSeconds: new(int64(1)),
			Containers:                    []corev1.Container{{Name: "c", Image: "busybox"}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func gcConfigMapGone(ns, name string) func() bool {
	return func() bool {
		_, err := client.CoreV1().ConfigMaps(ns).Get(baseCtx, name, metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	}
}

func gcSecretGone(ns, name string) func() bool {
	return func() bool {
		_, err := client.CoreV1().Secrets(ns).Get(baseCtx, name, metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	}
}

func gcPodGone(ns, name string) func() bool {
	return func() bool {
		_, err := client.CoreV1().Pods(ns).Get(baseCtx, name, metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	}
}

// gcStays fails the test if cond stops holding within d (for "is not
// collected" checks: the collector had every chance to act on it).
func gcStays(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if !cond() {
			t.Fatalf("no longer true: %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func gcConfigMapExists(ns, name string) func() bool {
	return func() bool {
		_, err := client.CoreV1().ConfigMaps(ns).Get(baseCtx, name, metav1.GetOptions{})
		return err == nil
	}
}

// kubectl delete (background by default) removes the owner's dependents of
// every kind.
func TestGarbageCollectorBackground(t *testing.T) {
	ns := newNamespace(t)
	owner := gcConfigMap(t, ns, "owner")
	ref := gcCMRef(owner, false)
	gcConfigMap(t, ns, "dep-cm", ref)
	gcSecret(t, ns, "dep-secret", ref)
	gcPod(t, ns, "dep-pod", ref)
	bystander := gcConfigMap(t, ns, "bystander")
	_ = bystander
	mustKubectl(t, "delete", "-n", ns, "configmap", "owner")
	poll(t, gcTimeout, "dependent ConfigMap collected", gcConfigMapGone(ns, "dep-cm"))
	poll(t, gcTimeout, "dependent Secret collected", gcSecretGone(ns, "dep-secret"))
	poll(t, gcTimeout, "dependent Pod collected", gcPodGone(ns, "dep-pod"))
	if !gcConfigMapExists(ns, "bystander")() {
		t.Fatal("an object without owners was deleted")
	}
}

// A chain owner → child → grandchild goes entirely.
func TestGarbageCollectorBackgroundChain(t *testing.T) {
	ns := newNamespace(t)
	owner := gcConfigMap(t, ns, "owner")
	child := gcConfigMap(t, ns, "child", gcCMRef(owner, false))
	gcSecret(t, ns, "grandchild", gcCMRef(child, false))
	if err := client.CoreV1().ConfigMaps(ns).Delete(baseCtx, "owner", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, gcTimeout, "child collected", gcConfigMapGone(ns, "child"))
	poll(t, gcTimeout, "grandchild collected", gcSecretGone(ns, "grandchild"))
}

// A dependent with two owners outlives one of them; the dangling
// reference is removed.
func TestGarbageCollectorTwoOwners(t *testing.T) {
	ns := newNamespace(t)
	a := gcConfigMap(t, ns, "owner-a")
	b := gcConfigMap(t, ns, "owner-b")
	gcSecret(t, ns, "dep", gcCMRef(a, false), gcCMRef(b, false))
	mustKubectl(t, "delete", "-n", ns, "configmap", "owner-a")
	poll(t, gcTimeout, "reference to the deleted owner removed", func() bool {
		s, err := client.CoreV1().Secrets(ns).Get(baseCtx, "dep", metav1.GetOptions{})
		return err == nil && len(s.OwnerReferences) == 1 && s.OwnerReferences[0].UID == b.UID
	})
	gcStays(t, 2*time.Second, "dependent with a remaining owner kept", func() bool { return !gcSecretGone(ns, "dep")() })
	mustKubectl(t, "delete", "-n", ns, "configmap", "owner-b")
	poll(t, gcTimeout, "dependent collected after its last owner", gcSecretGone(ns, "dep"))
}

// Foreground: the owner stays (deletionTimestamp and the foregroundDeletion
// finalizer) while a blocking dependent exists, then goes.
func TestGarbageCollectorForeground(t *testing.T) {
	ns := newNamespace(t)
	owner := gcConfigMap(t, ns, "owner")
	// The blocking dependent has a finalizer of its own, so it lingers.
	blocker, err := client.CoreV1().ConfigMaps(ns).Create(baseCtx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
		Name: "blocker", OwnerReferences: []metav1.OwnerReference{gcCMRef(owner, true)}, Finalizers: []string{"test.orca.dev/hold"},
	}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	gcSecret(t, ns, "nonblocking", gcCMRef(owner, false))
	mustKubectl(t, "delete", "-n", ns, "configmap", "owner", "--cascade=foreground", "--wait=false")
	poll(t, gcTimeout, "blocking dependent being deleted", func() bool {
		cm, err := client.CoreV1().ConfigMaps(ns).Get(baseCtx, "blocker", metav1.GetOptions{})
		return err == nil && cm.DeletionTimestamp != nil
	})
	poll(t, gcTimeout, "non-blocking dependent collected", gcSecretGone(ns, "nonblocking"))
	gcStays(t, 2*time.Second, "owner kept with the foregroundDeletion finalizer while blocked", func() bool {
		cm, err := client.CoreV1().ConfigMaps(ns).Get(baseCtx, "owner", metav1.GetOptions{})
		return err == nil && cm.DeletionTimestamp != nil && slices.Contains(cm.Finalizers, metav1.FinalizerDeleteDependents)
	})
	// Release the blocker: it goes, then the owner.
	patch := fmt.Sprintf(`{"metadata":{"finalizers":null,"uid":%q}}`, blocker.UID)
	if _, err := client.CoreV1().ConfigMaps(ns).Patch(baseCtx, "blocker", types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, gcTimeout, "blocker gone", gcConfigMapGone(ns, "blocker"))
	poll(t, gcTimeout, "owner deleted once nothing blocks it", gcConfigMapGone(ns, "owner"))
}

// Foreground through a chain: the middle object is deleted in the
// foreground as well, and the owner goes last.
func TestGarbageCollectorForegroundChain(t *testing.T) {
	ns := newNamespace(t)
	owner := gcConfigMap(t, ns, "owner")
	mid := gcConfigMap(t, ns, "mid", gcCMRef(owner, true))
	gcPod(t, ns, "leaf", gcCMRef(mid, true))
	policy := metav1.DeletePropagationForeground
	if err := client.CoreV1().ConfigMaps(ns).Delete(baseCtx, "owner", metav1.DeleteOptions{PropagationPolicy: &policy}); err != nil {
		t.Fatal(err)
	}
	poll(t, gcTimeout, "leaf pod collected", gcPodGone(ns, "leaf"))
	poll(t, gcTimeout, "mid collected", gcConfigMapGone(ns, "mid"))
	poll(t, gcTimeout, "owner collected", gcConfigMapGone(ns, "owner"))
}

// Orphan: the owner goes, its dependents stay without the reference.
func TestGarbageCollectorOrphan(t *testing.T) {
	ns := newNamespace(t)
	owner := gcConfigMap(t, ns, "owner")
	other := gcConfigMap(t, ns, "other")
	gcConfigMap(t, ns, "dep-cm", gcCMRef(owner, true))
	gcSecret(t, ns, "dep-secret", gcCMRef(owner, false), gcCMRef(other, false))
	mustKubectl(t, "delete", "-n", ns, "configmap", "owner", "--cascade=orphan")
	poll(t, gcTimeout, "owner deleted", gcConfigMapGone(ns, "owner"))
	poll(t, gcTimeout, "references stripped", func() bool {
		cm, err := client.CoreV1().ConfigMaps(ns).Get(baseCtx, "dep-cm", metav1.GetOptions{})
		if err != nil || len(cm.OwnerReferences) != 0 {
			return false
		}
		s, err := client.CoreV1().Secrets(ns).Get(baseCtx, "dep-secret", metav1.GetOptions{})
		return err == nil && len(s.OwnerReferences) == 1 && s.OwnerReferences[0].UID == other.UID
	})
	gcStays(t, 2*time.Second, "orphans kept", func() bool {
		return gcConfigMapExists(ns, "dep-cm")() && !gcSecretGone(ns, "dep-secret")()
	})
}

// A cluster-scoped owner (a ClusterRole) holds namespaced dependents until
// it goes.
func TestGarbageCollectorClusterScopedOwner(t *testing.T) {
	ns := newNamespace(t)
	name := "gc-owner-" + ns
	cr, err := client.RbacV1().ClusterRoles().Create(baseCtx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ref := gcOwnerRef("ClusterRole", "rbac.authorization.k8s.io/v1", name, cr.UID, false)
	gcConfigMap(t, ns, "dep", ref)
	ns2 := newNamespace(t)
	gcSecret(t, ns2, "dep", ref)
	gcStays(t, 2*time.Second, "dependents of a live cluster-scoped owner kept", func() bool {
		return gcConfigMapExists(ns, "dep")() && !gcSecretGone(ns2, "dep")()
	})
	mustKubectl(t, "delete", "clusterrole", name)
	poll(t, gcTimeout, "ConfigMap collected", gcConfigMapGone(ns, "dep"))
	poll(t, gcTimeout, "Secret in another namespace collected", gcSecretGone(ns2, "dep"))
}

// A dependent created with a reference to an owner that does not exist
// (no such name, or the name with another UID) is collected.
func TestGarbageCollectorAbsentOwner(t *testing.T) {
	ns := newNamespace(t)
	gcConfigMap(t, ns, "no-such-owner", gcOwnerRef("ConfigMap", "v1", "ghost", types.UID(uuid.NewUUID()), false))
	gcConfigMap(t, ns, "reused-name")
	gcSecret(t, ns, "wrong-uid", gcOwnerRef("ConfigMap", "v1", "reused-name", types.UID(uuid.NewUUID()), false))
	poll(t, gcTimeout, "dependent of a missing owner collected", gcConfigMapGone(ns, "no-such-owner"))
	poll(t, gcTimeout, "dependent of a UID that does not exist collected", gcSecretGone(ns, "wrong-uid"))
	if !gcConfigMapExists(ns, "reused-name")() {
		t.Fatal("the object whose name was referenced with another UID was deleted")
	}
}

// A namespaced owner in another namespace is no owner: the dependent is
// collected and the event OwnerRefInvalidNamespace reported, as upstream.
func TestGarbageCollectorOwnerInOtherNamespace(t *testing.T) {
	nsA := newNamespace(t)
	nsB := newNamespace(t)
	owner := gcConfigMap(t, nsA, "owner")
	gcConfigMap(t, nsB, "dep", gcCMRef(owner, false))
	poll(t, gcTimeout, "dependent referring across namespaces collected", gcConfigMapGone(nsB, "dep"))
	if !gcConfigMapExists(nsA, "owner")() {
		t.Fatal("the owner in the other namespace was deleted")
	}
	poll(t, gcTimeout, "OwnerRefInvalidNamespace event", func() bool {
		evs, err := client.CoreV1().Events(nsB).List(baseCtx, metav1.ListOptions{})
		if err != nil {
			return false
		}
		for _, e := range evs.Items {
			if e.Reason == "OwnerRefInvalidNamespace" && e.InvolvedObject.Name == "dep" &&
				strings.Contains(e.Message, fmt.Sprintf("does not exist in namespace %q", nsB)) {
				return true
			}
		}
		return false
	})
}

// gcWorkload counts the ReplicaSets and Pods of a Deployment made by
// `kubectl create deployment name` (label app=name).
func gcWorkload(t *testing.T, ns, name string) (rs, pods int) {
	t.Helper()
	sel := metav1.ListOptions{LabelSelector: "app=" + name}
	rss, err := client.AppsV1().ReplicaSets(ns).List(baseCtx, sel)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := client.CoreV1().Pods(ns).List(baseCtx, sel)
	if err != nil {
		t.Fatal(err)
	}
	return len(rss.Items), len(ps.Items)
}

func gcDeployment(t *testing.T, ns, name string, replicas int) {
	t.Helper()
	mustKubectl(t, "create", "deployment", name, "-n", ns, "--image=busybox", fmt.Sprintf("--replicas=%d", replicas))
	poll(t, 60*time.Second, "deployment's ReplicaSet and pods created", func() bool {
		rs, pods := gcWorkload(t, ns, name)
		return rs == 1 && pods == replicas
	})
}

// `kubectl delete deployment x` removes its ReplicaSets and pods.
func TestGarbageCollectorDeploymentCascade(t *testing.T) {
	ns := newNamespace(t)
	gcDeployment(t, ns, "web", 3)
	mustKubectl(t, "delete", "deployment", "web", "-n", ns)
	poll(t, 60*time.Second, "ReplicaSets and pods collected", func() bool {
		rs, pods := gcWorkload(t, ns, "web")
		return rs == 0 && pods == 0
	})
}

// `kubectl delete deployment x --cascade=orphan` keeps them, without the
// reference to the Deployment.
func TestGarbageCollectorDeploymentOrphan(t *testing.T) {
	ns := newNamespace(t)
	gcDeployment(t, ns, "web", 2)
	mustKubectl(t, "delete", "deployment", "web", "-n", ns, "--cascade=orphan")
	poll(t, gcTimeout, "Deployment gone", func() bool {
		_, err := client.AppsV1().Deployments(ns).Get(baseCtx, "web", metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	})
	poll(t, gcTimeout, "ReplicaSet orphaned", func() bool {
		rss, err := client.AppsV1().ReplicaSets(ns).List(baseCtx, metav1.ListOptions{LabelSelector: "app=web"})
		return err == nil && len(rss.Items) == 1 && len(rss.Items[0].OwnerReferences) == 0
	})
	gcStays(t, 2*time.Second, "ReplicaSet and pods kept", func() bool {
		rs, pods := gcWorkload(t, ns, "web")
		return rs == 1 && pods == 2
	})
}

// `kubectl delete deployment x --cascade=foreground`: the Deployment stays
// (with the foregroundDeletion finalizer) until its ReplicaSet and pods
// are gone.
func TestGarbageCollectorDeploymentForeground(t *testing.T) {
	ns := newNamespace(t)
	gcDeployment(t, ns, "web", 2)
	w, err := client.AppsV1().Deployments(ns).Watch(baseCtx, metav1.ListOptions{FieldSelector: "metadata.name=web"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	mustKubectl(t, "delete", "deployment", "web", "-n", ns, "--cascade=foreground", "--wait=false")
	sawWaiting := false
	timeout := time.After(60 * time.Second)
	for done := false; !done; {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				t.Fatal("watch closed")
			}
			d, _ := ev.Object.(*appsv1.Deployment)
			switch {
			case d == nil:
			case ev.Type == watch.Deleted:
				rs, pods := gcWorkload(t, ns, "web")
				if rs != 0 || pods != 0 {
					t.Fatalf("Deployment gone before its dependents: %d ReplicaSets, %d pods", rs, pods)
				}
				done = true
			case d.DeletionTimestamp != nil && slices.Contains(d.Finalizers, metav1.FinalizerDeleteDependents):
				sawWaiting = true
			}
		case <-timeout:
			t.Fatal("timed out waiting for the Deployment to be deleted")
		}
	}
	if !sawWaiting {
		t.Fatal("the Deployment never waited with the foregroundDeletion finalizer")
	}
}

// A v1 ReplicationController deleted without a propagation policy orphans
// its dependents (upstream's default for that kind).
func TestGarbageCollectorReplicationControllerDefaultOrphan(t *testing.T) {
	ns := newNamespace(t)
	zero := int32(0)
	rc, err := client.CoreV1().ReplicationControllers(ns).Create(baseCtx, &corev1.ReplicationController{
		ObjectMeta: metav1.ObjectMeta{Name: "rc"},
		Spec: corev1.ReplicationControllerSpec{
			Replicas: &zero, Selector: map[string]string{"app": "gc-rc"},
			Template: &corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "gc-rc"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
			},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	gcConfigMap(t, ns, "dep", gcOwnerRef("ReplicationController", "v1", "rc", rc.UID, false))
	if err := client.CoreV1().ReplicationControllers(ns).Delete(baseCtx, "rc", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, gcTimeout, "ReplicationController deleted", func() bool {
		_, err := client.CoreV1().ReplicationControllers(ns).Get(baseCtx, "rc", metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	})
	poll(t, gcTimeout, "dependent orphaned", func() bool {
		cm, err := client.CoreV1().ConfigMaps(ns).Get(baseCtx, "dep", metav1.GetOptions{})
		return err == nil && len(cm.OwnerReferences) == 0
	})
}
