package replicaset

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
)

// kind is what the reconciler needs from one of the two kinds it serves.
// Both are seen as ReplicaSets: a ReplicationController is converted on the
// way in and its status back on the way out (as upstream does).
type kind interface {
	// gvk is the kind owner references and events name.
	gvk() schema.GroupVersionKind
	// get reads one object from the informer's cache.
	get(namespace, name string) (*appsv1.ReplicaSet, error)
	// list reads a namespace's objects from the informer's cache.
	list(namespace string) ([]*appsv1.ReplicaSet, error)
	// fresh reads one object from the server, bypassing the cache.
	fresh(ctx context.Context, namespace, name string) (*appsv1.ReplicaSet, error)
	// updateStatus writes rs.Status through the status subresource.
	updateStatus(ctx context.Context, rs *appsv1.ReplicaSet) error
	// countsTerminating: the status has terminatingReplicas (a
	// ReplicationController's has not).
	countsTerminating() bool
}

// rsKind serves ReplicaSets.
type rsKind struct {
	client kubernetes.Interface
	lister appslisters.ReplicaSetLister
}

func (rsKind) gvk() schema.GroupVersionKind { return appsv1.SchemeGroupVersion.WithKind("ReplicaSet") }

func (rsKind) countsTerminating() bool { return true }

func (k rsKind) get(namespace, name string) (*appsv1.ReplicaSet, error) {
	return k.lister.ReplicaSets(namespace).Get(name)
}

func (k rsKind) list(namespace string) ([]*appsv1.ReplicaSet, error) {
	return k.lister.ReplicaSets(namespace).List(labels.Everything())
}

func (k rsKind) fresh(ctx context.Context, namespace, name string) (*appsv1.ReplicaSet, error) {
	return k.client.AppsV1().ReplicaSets(namespace).Get(ctx, name, metav1.GetOptions{})
}

func (k rsKind) updateStatus(ctx context.Context, rs *appsv1.ReplicaSet) error {
	_, err := k.client.AppsV1().ReplicaSets(rs.Namespace).UpdateStatus(ctx, rs, metav1.UpdateOptions{})
	return err
}
