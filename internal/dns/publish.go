package dns

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	v1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// The kube-dns Service (created by the API server at bootstrap, without a
// selector) gets one EndpointSlice per node, written by that node's agent.
const (
	ServiceNamespace = "kube-system"
	ServiceName      = "kube-dns"
	// ManagedBy marks the slices as the agents', so that no EndpointSlice
	// controller takes them over.
	ManagedBy = "orca-agent"
)

// SliceName is the node's kube-dns EndpointSlice.
func SliceName(node string) string { return ServiceName + "-" + node }

// desiredSlice is the node's kube-dns EndpointSlice: one ready endpoint,
// the DNS's address on the node, with the dns (UDP) and dns-tcp (TCP)
// ports it listens on, owned by the Node so that the garbage collector
// removes it with the node.
func desiredSlice(node *v1.Node, ip net.IP, port int32) *discoveryv1.EndpointSlice {
	addrType := discoveryv1.AddressTypeIPv4
	if ip.To4() == nil {
		addrType = discoveryv1.AddressTypeIPv6
	}
	yes, no := true, false
	udp, tcp := v1.ProtocolUDP, v1.ProtocolTCP
	dnsName, tcpName := "dns", "dns-tcp"
	nodeName := node.Name
	return &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: ServiceNamespace,
			Name:      SliceName(node.Name),
			Labels: map[string]string{
				discoveryv1.LabelServiceName: ServiceName,
				discoveryv1.LabelManagedBy:   ManagedBy,
			},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "v1", Kind: "Node", Name: node.Name, UID: node.UID,
			}},
		},
		AddressType: addrType,
		Endpoints: []discoveryv1.Endpoint{{
			Addresses:  []string{ip.String()},
			Conditions: discoveryv1.EndpointConditions{Ready: &yes, Serving: &yes, Terminating: &no},
			NodeName:   &nodeName,
		}},
		Ports: []discoveryv1.EndpointPort{
			{Name: &dnsName, Protocol: &udp, Port: &port},
			{Name: &tcpName, Protocol: &tcp, Port: &port},
		},
	}
}

// sliceUpToDate: the parts of cur the agent owns equal want's.
func sliceUpToDate(cur, want *discoveryv1.EndpointSlice) bool {
	return cur.AddressType == want.AddressType &&
		apiequality.Semantic.DeepEqual(cur.Endpoints, want.Endpoints) &&
		apiequality.Semantic.DeepEqual(cur.Ports, want.Ports) &&
		apiequality.Semantic.DeepEqual(cur.OwnerReferences, want.OwnerReferences) &&
		cur.Labels[discoveryv1.LabelServiceName] == ServiceName &&
		cur.Labels[discoveryv1.LabelManagedBy] == ManagedBy
}

// publisher keeps the node's kube-dns EndpointSlice as desired.
type publisher struct {
	client kubernetes.Interface
	node   string
	ip     net.IP
	port   int32
	log    *slog.Logger
}

// ensure creates or corrects the slice; the Node must exist (its UID is
// the slice's owner).
func (p *publisher) ensure(ctx context.Context) error {
	node, err := p.client.CoreV1().Nodes().Get(ctx, p.node, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("node %s: %w", p.node, err)
	}
	want := desiredSlice(node, p.ip, p.port)
	slices := p.client.DiscoveryV1().EndpointSlices(ServiceNamespace)
	cur, err := slices.Get(ctx, want.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = slices.Create(ctx, want, metav1.CreateOptions{})
		if err == nil {
			p.log.Info("dns: published the node's kube-dns endpoint", "slice", want.Name, "ip", p.ip, "port", p.port)
		}
		return err
	case err != nil:
		return err
	case sliceUpToDate(cur, want):
		return nil
	case cur.AddressType != want.AddressType:
		// addressType is immutable: replace the slice.
		if err := slices.Delete(ctx, cur.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &cur.UID}}); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
		_, err = slices.Create(ctx, want, metav1.CreateOptions{})
		return err
	}
	upd := cur.DeepCopy()
	upd.AddressType, upd.Endpoints, upd.Ports, upd.OwnerReferences = want.AddressType, want.Endpoints, want.Ports, want.OwnerReferences
	if upd.Labels == nil {
		upd.Labels = map[string]string{}
	}
	upd.Labels[discoveryv1.LabelServiceName] = ServiceName
	upd.Labels[discoveryv1.LabelManagedBy] = ManagedBy
	_, err = slices.Update(ctx, upd, metav1.UpdateOptions{})
	if err == nil {
		p.log.Info("dns: updated the node's kube-dns endpoint", "slice", want.Name, "ip", p.ip, "port", p.port)
	}
	return err
}

// run ensures the slice now and whenever kick fires (the slice changed or
// went away), retrying failures (the Node not registered yet) with backoff.
func (p *publisher) run(ctx context.Context, kick <-chan struct{}) {
	backoff := 200 * time.Millisecond
	for {
		err := p.ensure(ctx)
		wait := time.Duration(0)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			p.log.Debug("dns: publish the kube-dns endpoint", "err", err)
			wait = backoff
			backoff = min(2*backoff, 10*time.Second)
		} else {
			backoff = 200 * time.Millisecond
		}
		var retry <-chan time.Time
		if wait > 0 {
			retry = time.After(wait)
		}
		select {
		case <-ctx.Done():
			return
		case <-kick:
		case <-retry:
		}
	}
}
