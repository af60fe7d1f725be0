package ingressstatus

import (
	"context"
	"reflect"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"

	"orca/internal/controller/deps"
	"orca/internal/ingress"
)

func node(name string, ready bool, addrs ...v1.NodeAddress) *v1.Node {
	status := v1.ConditionFalse
	if ready {
		status = v1.ConditionTrue
	}
	return &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}, Status: v1.NodeStatus{
		Addresses: addrs, Conditions: []v1.NodeCondition{{Type: v1.NodeReady, Status: status}}}}
}

func internal(ip string) v1.NodeAddress { return v1.NodeAddress{Type: v1.NodeInternalIP, Address: ip} }
func external(ip string) v1.NodeAddress { return v1.NodeAddress{Type: v1.NodeExternalIP, Address: ip} }

func ips(lb []networkingv1.IngressLoadBalancerIngress) []string {
	var out []string
	for _, i := range lb {
		out = append(out, i.IP)
	}
	return out
}

// TestLoadBalancer: Ready nodes only, ExternalIP before InternalIP, no
// duplicates, numeric order with IPv4 first.
func TestLoadBalancer(t *testing.T) {
	nodes := []*v1.Node{
		node("a", true, internal("10.0.0.10")),
		node("b", true, internal("10.0.0.9")),
		node("c", true, internal("10.0.0.2"), external("203.0.113.5")),
		node("d", false, internal("10.0.0.3")),
		node("e", true, internal("fd00::1")),
		node("f", true, internal("10.0.0.9")),
		node("g", true, v1.NodeAddress{Type: v1.NodeHostName, Address: "g"}),
	}
	want := []string{"10.0.0.9", "10.0.0.10", "203.0.113.5", "fd00::1"}
	if got := ips(LoadBalancer(nodes)); !reflect.DeepEqual(got, want) {
		t.Errorf("addresses %v, want %v", got, want)
	}
	if got := LoadBalancer([]*v1.Node{node("d", false, internal("10.0.0.3"))}); got != nil {
		t.Errorf("no Ready node: %v, want nil", got)
	}
}

// TestReconcile: our Ingresses get the Ready nodes' addresses; others'
// are not touched; an up-to-date status is not written again.
func TestReconcile(t *testing.T) {
	class := func(name, controller string) *networkingv1.IngressClass {
		return &networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: networkingv1.IngressClassSpec{Controller: controller}}
	}
	ing := func(name, class string, status ...string) *networkingv1.Ingress {
		i := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}, Spec: networkingv1.IngressSpec{IngressClassName: &class}}
		for _, ip := range status {
			i.Status.LoadBalancer.Ingress = append(i.Status.LoadBalancer.Ingress, networkingv1.IngressLoadBalancerIngress{IP: ip})
		}
		return i
	}
	objs := []runtime.Object{
		class("orca", ingress.ControllerName), class("nginx", "k8s.io/ingress-nginx"),
		node("n1", true, internal("10.0.0.2")), node("n2", true, internal("10.0.0.1")), node("n3", false, internal("10.0.0.3")),
		ing("ours", "orca"), ing("theirs", "nginx"), ing("current", "orca", "10.0.0.1", "10.0.0.2"),
	}
	client := fake.NewClientset(objs...)
	f := informers.NewSharedInformerFactory(client, time.Hour)
	c, err := New(&deps.Deps{Client: client, Informers: f})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.Start(ctx.Done())
	f.WaitForCacheSync(ctx.Done())
	client.ClearActions()
	for _, key := range []string{"ns/ours", "ns/theirs", "ns/current", "ns/gone"} {
		if _, err := c.Reconcile(ctx, key); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
	}
	var updated []string
	for _, a := range client.Actions() {
		if a.GetVerb() == "update" && a.GetSubresource() == "status" {
			updated = append(updated, a.(interface{ GetObject() runtime.Object }).GetObject().(*networkingv1.Ingress).Name)
		}
	}
	if !reflect.DeepEqual(updated, []string{"ours"}) {
		t.Errorf("status updates %v, want [ours]", updated)
	}
	got, err := client.NetworkingV1().Ingresses("ns").Get(ctx, "ours", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"10.0.0.1", "10.0.0.2"}; !reflect.DeepEqual(ips(got.Status.LoadBalancer.Ingress), want) {
		t.Errorf("status %v, want %v", ips(got.Status.LoadBalancer.Ingress), want)
	}
}
