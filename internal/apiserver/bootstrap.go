package apiserver

import (
	"context"
	"fmt"
	"net"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"

	"orca/internal/admission"
	"orca/internal/registry"
	"orca/internal/storage"
)

// systemNamespaces exist from the start and cannot be deleted.
var systemNamespaces = []string{"default", "kube-system", "kube-public", "kube-node-lease"}

func (s *Server) admissionChain() *admission.Chain {
	immortal := map[string]bool{}
	for _, n := range systemNamespaces {
		immortal[n] = true
	}
	lifecycle := admission.NamespaceLifecycle{Immortal: immortal, Get: func(ctx context.Context, name string) (*corev1.Namespace, error) {
		obj, err := s.rest("", "namespaces").Get(ctx, "", name, metav1.GetOptions{ResourceVersion: "0"})
		if apierrors.IsNotFound(err) {
			// The cache may lag a namespace created a moment ago: ask etcd.
			obj, err = s.rest("", "namespaces").Get(ctx, "", name, metav1.GetOptions{})
		}
		if err != nil {
			return nil, err
		}
		return obj.(*corev1.Namespace), nil
	}}
	priority := admission.Priority{List: func(ctx context.Context, fresh bool) ([]schedulingv1.PriorityClass, error) {
		rv := "0"
		if fresh {
			rv = ""
		}
		list, err := s.rest("scheduling.k8s.io", "priorityclasses").List(ctx, "", storage.ListOptions{ResourceVersion: rv})
		if err != nil {
			return nil, err
		}
		return list.(*schedulingv1.PriorityClassList).Items, nil
	}}
	tolerations := admission.DefaultTolerationSeconds{
		NotReady: *s.cfg.DefaultNotReadyTolerationSeconds, Unreachable: *s.cfg.DefaultUnreachableTolerationSeconds,
	}
	ingressClass := admission.DefaultIngressClass{List: func(ctx context.Context) ([]networkingv1.IngressClass, error) {
		list, err := s.rest("networking.k8s.io", "ingressclasses").List(ctx, "", storage.ListOptions{ResourceVersion: "0"})
		if err != nil {
			return nil, err
		}
		return list.(*networkingv1.IngressClassList).Items, nil
	}}
	return &admission.Chain{Mutating: []admission.Plugin{tolerations, priority, ingressClass}, Validating: []admission.Plugin{lifecycle}}
}

func (s *Server) rest(group, resource string) *registry.REST {
	return s.byGR[schema.GroupResource{Group: group, Resource: resource}]
}

// bootstrap creates what every cluster has: the system namespaces and the
// `kubernetes` Service in default pointing at this apiserver.
func (s *Server) bootstrap(ctx context.Context) error {
	for _, name := range systemNamespaces {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		if err := ignoreExists(s.rest("", "namespaces").Create(ctx, "", ns, registry.WriteOptions{FieldManager: "orca-apiserver"})); err != nil {
			return err
		}
	}
	for name, value := range admission.SystemPriorityClasses {
		pc := &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Value: value,
			Description: "Used for system critical pods that must not be moved from their current node."}
		if err := ignoreExists(s.rest("scheduling.k8s.io", "priorityclasses").Create(ctx, "", pc, registry.WriteOptions{FieldManager: "orca-apiserver"})); err != nil {
			return err
		}
	}
	if err := s.ensureKubernetesService(ctx); err != nil {
		return err
	}
	return s.ensureAddons(ctx)
}

func ignoreExists(_ runtime.Object, err error) error {
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

func (s *Server) ensureKubernetesService(ctx context.Context) error {
	ip := firstIP(s.serviceNet)
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default",
			Labels: map[string]string{"component": "apiserver", "provider": "kubernetes"}},
		Spec: corev1.ServiceSpec{
			Type: corev1.ServiceTypeClusterIP, ClusterIP: ip.String(), ClusterIPs: []string{ip.String()},
			Ports:           []corev1.ServicePort{{Name: "https", Protocol: corev1.ProtocolTCP, Port: 443, TargetPort: intstr.FromInt32(int32(s.Port()))}},
			SessionAffinity: corev1.ServiceAffinityNone,
		},
	}
	if err := ignoreExists(s.rest("", "services").Create(ctx, "default", svc, registry.WriteOptions{FieldManager: "orca-apiserver"})); err != nil {
		return fmt.Errorf("kubernetes service: %w", err)
	}
	return s.ensureAPIEndpoints(ctx)
}

// ensureAPIEndpoints points the kubernetes Service at this server's address.
func (s *Server) ensureAPIEndpoints(ctx context.Context) error {
	host, portStr, _ := net.SplitHostPort(s.advertise)
	port, _ := strconv.Atoi(portStr)
	ep := &corev1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default", Labels: map[string]string{"endpointslice.kubernetes.io/skip-mirror": "true"}},
		Subsets: []corev1.EndpointSubset{{
			Addresses: []corev1.EndpointAddress{{IP: host}},
			Ports:     []corev1.EndpointPort{{Name: "https", Port: int32(port), Protocol: corev1.ProtocolTCP}},
		}},
	}
	if err := s.upsert(ctx, "", "endpoints", "default", ep); err != nil {
		return err
	}
	ready := true
	slice := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default",
			Labels: map[string]string{discoveryv1.LabelServiceName: "kubernetes", discoveryv1.LabelManagedBy: "orca-apiserver"}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{host}, Conditions: discoveryv1.EndpointConditions{Ready: &ready}}},
		Ports:       []discoveryv1.EndpointPort{{Name: ptr("https"), Port: ptr(int32(port)), Protocol: ptr(corev1.ProtocolTCP)}},
	}
	return s.upsert(ctx, "discovery.k8s.io", "endpointslices", "default", slice)
}

func ptr[T any](v T) *T { return &v }

// upsert creates obj or replaces the stored object's content with it.
func (s *Server) upsert(ctx context.Context, group, resource, ns string, obj runtime.Object) error {
	r := s.rest(group, resource)
	name := obj.(metav1.Object).GetName()
	_, err := r.Create(ctx, ns, obj.DeepCopyObject(), registry.WriteOptions{FieldManager: "orca-apiserver"})
	if !apierrors.IsAlreadyExists(err) {
		return err
	}
	_, _, err = r.Update(ctx, ns, name, "", func(_ context.Context, cur runtime.Object) (runtime.Object, error) {
		out := obj.DeepCopyObject()
		out.(metav1.Object).SetResourceVersion(cur.(metav1.Object).GetResourceVersion())
		return out, nil
	}, registry.WriteOptions{FieldManager: "orca-apiserver"})
	return err
}
