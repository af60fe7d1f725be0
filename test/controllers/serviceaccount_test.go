package controllers

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// saDefault waits for the namespace's "default" ServiceAccount.
func saDefault(t *testing.T, ns string) *corev1.ServiceAccount {
	t.Helper()
	var sa *corev1.ServiceAccount
	poll(t, 30*time.Second, "serviceaccount "+ns+"/default", func() bool {
		var err error
		sa, err = client.CoreV1().ServiceAccounts(ns).Get(baseCtx, "default", metav1.GetOptions{})
		return err == nil
	})
	return sa
}

// Every namespace, new or system, gets a "default" ServiceAccount, and a
// deleted one comes back (as a new object).
func TestServiceAccountDefault(t *testing.T) {
	for _, ns := range []string{"default", "kube-system"} {
		saDefault(t, ns)
	}
	ns := newNamespace(t)
	first := saDefault(t, ns)
	if out := mustKubectl(t, "get", "serviceaccounts", "-n", ns, "-o", "name"); strings.TrimSpace(out) != "serviceaccount/default" {
		t.Fatalf("kubectl get serviceaccounts: %q, want serviceaccount/default", out)
	}

	// Other accounts are left alone; the default one is recreated.
	if _, err := client.CoreV1().ServiceAccounts(ns).Create(baseCtx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "builder"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	mustKubectl(t, "delete", "serviceaccount", "default", "-n", ns)
	poll(t, 30*time.Second, "default recreated", func() bool {
		sa, err := client.CoreV1().ServiceAccounts(ns).Get(baseCtx, "default", metav1.GetOptions{})
		return err == nil && sa.UID != first.UID
	})
	if err := client.CoreV1().ServiceAccounts(ns).Delete(baseCtx, "builder", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, 10*time.Second, "builder deleted", func() bool {
		_, err := client.CoreV1().ServiceAccounts(ns).Get(baseCtx, "builder", metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	})
	// builder is not one the controller keeps: still gone a moment later,
	// while a fresh namespace still gets its default.
	saDefault(t, newNamespace(t))
	if _, err := client.CoreV1().ServiceAccounts(ns).Get(baseCtx, "builder", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("builder came back: %v", err)
	}
}
