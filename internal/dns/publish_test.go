package dns

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/miekg/dns"
	v1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
)

func testNode(name string, uid types.UID) *v1.Node {
	return &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, UID: uid}}
}

func TestDesiredSlice(t *testing.T) {
	sl := desiredSlice(testNode("n1", "uid-1"), net.ParseIP("192.168.1.5"), 53)
	if sl.Namespace != "kube-system" || sl.Name != "kube-dns-n1" ||
		sl.Labels["kubernetes.io/service-name"] != "kube-dns" || sl.Labels["endpointslice.kubernetes.io/managed-by"] != "orca-agent" {
		t.Errorf("meta: %+v", sl.ObjectMeta)
	}
	if o := sl.OwnerReferences; len(o) != 1 || o[0].Kind != "Node" || o[0].APIVersion != "v1" || o[0].Name != "n1" || o[0].UID != "uid-1" {
		t.Errorf("owner: %+v", o)
	}
	if sl.AddressType != discoveryv1.AddressTypeIPv4 || len(sl.Endpoints) != 1 {
		t.Fatalf("slice: %+v", sl)
	}
	e := sl.Endpoints[0]
	if e.Addresses[0] != "192.168.1.5" || *e.NodeName != "n1" || !*e.Conditions.Ready || !*e.Conditions.Serving || *e.Conditions.Terminating {
		t.Errorf("endpoint: %+v", e)
	}
	if len(sl.Ports) != 2 || *sl.Ports[0].Name != "dns" || *sl.Ports[0].Protocol != v1.ProtocolUDP || *sl.Ports[0].Port != 53 ||
		*sl.Ports[1].Name != "dns-tcp" || *sl.Ports[1].Protocol != v1.ProtocolTCP || *sl.Ports[1].Port != 53 {
		t.Errorf("ports: %+v", sl.Ports)
	}
	if v6 := desiredSlice(testNode("n1", "u"), net.ParseIP("fd00::5"), 53); v6.AddressType != discoveryv1.AddressTypeIPv6 {
		t.Errorf("IPv6 node: addressType %s", v6.AddressType)
	}
}

// TestPublisherEnsure: created, corrected after an address change,
// replaced when the address family changes, untouched when up to date.
func TestPublisherEnsure(t *testing.T) {
	ctx := context.Background()
	client := fake.NewClientset(testNode("n1", "uid-1"))
	p := &publisher{client: client, node: "n1", ip: net.ParseIP("192.168.1.5"), port: 53, log: discardLog()}
	get := func() *discoveryv1.EndpointSlice {
		sl, err := client.DiscoveryV1().EndpointSlices("kube-system").Get(ctx, "kube-dns-n1", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return sl
	}
	if err := p.ensure(ctx); err != nil {
		t.Fatal(err)
	}
	if sl := get(); sl.Endpoints[0].Addresses[0] != "192.168.1.5" {
		t.Errorf("created: %+v", sl.Endpoints)
	}
	p.ip, p.port = net.ParseIP("192.168.1.6"), 5353
	if err := p.ensure(ctx); err != nil {
		t.Fatal(err)
	}
	if sl := get(); sl.Endpoints[0].Addresses[0] != "192.168.1.6" || *sl.Ports[0].Port != 5353 {
		t.Errorf("after the change: %+v %+v", sl.Endpoints, sl.Ports)
	}
	p.ip = net.ParseIP("fd00::6")
	if err := p.ensure(ctx); err != nil {
		t.Fatal(err)
	}
	if sl := get(); sl.AddressType != discoveryv1.AddressTypeIPv6 || sl.Endpoints[0].Addresses[0] != "fd00::6" {
		t.Errorf("after the family change: %s %+v", sl.AddressType, sl.Endpoints)
	}
	client.ClearActions()
	if err := p.ensure(ctx); err != nil {
		t.Fatal(err)
	}
	for _, a := range client.Actions() {
		if a.GetVerb() != "get" {
			t.Errorf("up-to-date slice: %s %s", a.GetVerb(), a.GetResource().Resource)
		}
	}
	// No Node (not registered yet): an error, no slice without an owner.
	p2 := &publisher{client: fake.NewClientset(), node: "n2", ip: net.ParseIP("192.168.1.7"), port: 53, log: discardLog()}
	if err := p2.ensure(ctx); err == nil {
		t.Error("published without a Node")
	}
}

// TestStart runs the DNS as the agent does, on a fake API: it answers
// from objects created after it started, forwards to the resolv.conf's
// server, and publishes (and restores) the node's kube-dns slice.
func TestStart(t *testing.T) {
	upstream, _ := fakeUpstream(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client := fake.NewClientset(testNode("n1", "uid-1"))
	factory := informers.NewSharedInformerFactory(client, 0)
	// Listen on a fixed free port: the slice must carry it.
	free, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	listen := free.LocalAddr().String()
	free.Close()
	err = Start(ctx, Config{
		Client: client, Factory: factory, NodeName: "n1", NodeIP: net.ParseIP("127.0.0.1"), Listen: listen,
		Domain: "cluster.local", ClusterDNS: []net.IP{net.ParseIP("10.96.0.10")}, Upstreams: []string{upstream}, Logger: discardLog(),
	})
	if err != nil {
		t.Fatal(err)
	}
	factory.Start(ctx.Done())

	ns := &v1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "ns1"}}
	if _, err := client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CoreV1().Services("ns1").Create(ctx, headlessService("ns1", "db", svcPort("mysql", v1.ProtocolTCP, 3306)), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	sl := slice("ns1", "db-1", "db", []ep{{ip: "10.244.0.7", hostname: "db-0", ready: yes}}, slicePort("mysql", v1.ProtocolTCP, 3306))
	if _, err := client.DiscoveryV1().EndpointSlices("ns1").Create(ctx, sl, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, "db-0 resolves", func() bool {
		r, err := exchange(listen, "db-0.db.ns1.svc.cluster.local.", dns.TypeA)
		return err == nil && len(r.Answer) == 1 && r.Answer[0].(*dns.A).A.String() == "10.244.0.7"
	})
	if r, err := exchange(listen, "example.com.", dns.TypeA); err != nil || len(r.Answer) != 1 || r.Answer[0].(*dns.A).A.String() != "192.0.2.1" {
		t.Errorf("forwarded name: %v %v", r, err)
	}

	_, lport, _ := net.SplitHostPort(listen)
	slices := client.DiscoveryV1().EndpointSlices("kube-system")
	var own *discoveryv1.EndpointSlice
	poll(t, "the node's kube-dns slice", func() bool {
		own, err = slices.Get(ctx, "kube-dns-n1", metav1.GetOptions{})
		return err == nil
	})
	if own.Endpoints[0].Addresses[0] != "127.0.0.1" || strconv.Itoa(int(*own.Ports[0].Port)) != lport || own.OwnerReferences[0].UID != "uid-1" {
		t.Errorf("published slice: %+v %+v %+v", own.Endpoints, own.Ports, own.OwnerReferences)
	}
	// Someone deletes it: it comes back.
	if err := slices.Delete(ctx, "kube-dns-n1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, "the slice restored", func() bool {
		_, err := slices.Get(ctx, "kube-dns-n1", metav1.GetOptions{})
		return err == nil
	})
	// And the DNS publishes itself: kube-dns's endpoint name resolves.
	if _, err := client.CoreV1().Services("kube-system").Create(ctx,
		clusterIPService("kube-system", "kube-dns", []string{"10.96.0.10"}, svcPort("dns", v1.ProtocolUDP, 53)), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, "kube-dns's endpoint name", func() bool {
		r, err := exchange(listen, "127-0-0-1.kube-dns.kube-system.svc.cluster.local.", dns.TypeA)
		return err == nil && len(r.Answer) == 1
	})
}

func exchange(server, name string, qtype uint16) (*dns.Msg, error) {
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	c := &dns.Client{Timeout: time.Second}
	r, _, err := c.Exchange(m, server)
	return r, err
}

func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
