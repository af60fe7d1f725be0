package serviceaccount

import (
	"context"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"

	"orca/internal/controller/deps"
)

func namespace(name string, phase v1.NamespacePhase) *v1.Namespace {
	return &v1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}, Status: v1.NamespaceStatus{Phase: phase}}
}

func account(ns, name string) *v1.ServiceAccount {
	return &v1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}}
}

// newTestController runs the controller's informers over a fake clientset
// holding objs (without starting its loop: tests call Reconcile).
func newTestController(t *testing.T, objs ...runtime.Object) (*Controller, *fake.Clientset) {
	t.Helper()
	client := fake.NewClientset(objs...)
	f := informers.NewSharedInformerFactory(client, time.Hour)
	c, err := New(&deps.Deps{Client: client, Informers: f})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	f.Start(ctx.Done())
	f.WaitForCacheSync(ctx.Done())
	client.ClearActions()
	return c, client
}

func creates(client *fake.Clientset) []string {
	var out []string
	for _, a := range client.Actions() {
		if c, ok := a.(clienttesting.CreateAction); ok && a.GetResource().Resource == "serviceaccounts" {
			out = append(out, c.GetNamespace()+"/"+c.GetObject().(*v1.ServiceAccount).Name)
		}
	}
	return out
}

func TestReconcile(t *testing.T) {
	cases := []struct {
		name string
		objs []runtime.Object
		key  string
		want []string // ServiceAccounts created
	}{
		{"active namespace gets default", []runtime.Object{namespace("a", v1.NamespaceActive)}, "a", []string{"a/default"}},
		{"default already there", []runtime.Object{namespace("a", v1.NamespaceActive), account("a", "default")}, "a", nil},
		{"other accounts do not count", []runtime.Object{namespace("a", v1.NamespaceActive), account("a", "builder")}, "a", []string{"a/default"}},
		{"terminating namespace gets none", []runtime.Object{namespace("a", v1.NamespaceTerminating)}, "a", nil},
		{"namespace gone", nil, "a", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, client := newTestController(t, tc.objs...)
			if _, err := c.Reconcile(context.Background(), tc.key); err != nil {
				t.Fatal(err)
			}
			got := creates(client)
			if len(got) != len(tc.want) || (len(got) > 0 && got[0] != tc.want[0]) {
				t.Errorf("created %v, want %v", got, tc.want)
			}
		})
	}
}

// An AlreadyExists answer (the informer lagging behind a create) is success.
func TestReconcileAlreadyExists(t *testing.T) {
	c, client := newTestController(t, namespace("a", v1.NamespaceActive))
	if _, err := client.CoreV1().ServiceAccounts("a").Create(context.Background(), account("a", "default"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The lister may not have seen it yet; either way no error.
	if _, err := c.Reconcile(context.Background(), "a"); err != nil {
		t.Fatalf("reconcile: %v", err)
	}
}

// Deleting "default" queues its namespace; deleting another account does not.
func TestAccountDeletedQueuesNamespace(t *testing.T) {
	c, _ := newTestController(t)
	c.accountDeleted(account("a", "builder"))
	if n := c.loop.Len(); n != 0 {
		t.Fatalf("queue length %d after deleting a non-default account, want 0", n)
	}
	c.accountDeleted(account("a", "default"))
	if n := c.loop.Len(); n != 1 {
		t.Fatalf("queue length %d after deleting default, want 1", n)
	}
}
