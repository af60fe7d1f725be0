package ingress

import (
	"context"
	"log/slog"
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
)

// TestControllerFollowsCluster: the controller's table follows the
// informers: an Ingress's routes appear with its Service's endpoints and
// TLS Secret, an EndpointSlice change and a Secret change are picked up,
// and a deleted Ingress's routes go.
func TestControllerFollowsCluster(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	objs := newObjects()
	objs.addService("ns", "web", 8080, "10.0.0.1")
	certPEM, keyPEM := pemCert(t, "a.test")
	i := ing("ns", "web", 0, rule("a.test", path("/", prefix, "web")))
	i.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{"a.test"}, SecretName: "tls"}}
	client := fake.NewClientset([]runtime.Object{
		&networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: "orca"}, Spec: networkingv1.IngressClassSpec{Controller: ControllerName}},
		objs.services["ns/web"], objs.slices["ns/web"][0], i,
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "tls"}, Type: corev1.SecretTypeTLS,
			Data: map[string][]byte{corev1.TLSCertKey: []byte("not a certificate"), corev1.TLSPrivateKeyKey: keyPEM}},
	}...)
	factory := informers.NewSharedInformerFactory(client, 0)
	c, err := newController(client, factory, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	factory.Start(ctx.Done())
	c.secretsInf.Start(ctx.Done())
	go c.run(ctx)

	endpoints := func() []string {
		if b := c.Handler().Table().Route("a.test", "/"); b != nil {
			return b.Endpoints
		}
		return nil
	}
	waitFor(t, "the Ingress's route", func() bool { return reflect.DeepEqual(endpoints(), []string{"10.0.0.1:8080"}) })
	if c.Handler().Table().Certificate("a.test") != nil {
		t.Error("an invalid Secret gave a certificate")
	}

	more := slice("ns", "web", "http", 8080, "10.0.0.2")
	more.Name = "web-more"
	if _, err := client.DiscoveryV1().EndpointSlices("ns").Create(ctx, more, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the new slice's endpoint", func() bool {
		return reflect.DeepEqual(endpoints(), []string{"10.0.0.1:8080", "10.0.0.2:8080"})
	})

	secret, err := client.CoreV1().Secrets("ns").Get(ctx, "tls", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	secret.Data[corev1.TLSCertKey] = certPEM
	secret.ResourceVersion = "2"
	if _, err := client.CoreV1().Secrets("ns").Update(ctx, secret, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the fixed Secret's certificate", func() bool { return c.Handler().Table().Certificate("a.test") != nil })

	if err := client.NetworkingV1().Ingresses("ns").Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the deleted Ingress's routes to go", func() bool { return c.Handler().Table().Route("a.test", "/") == nil })
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
