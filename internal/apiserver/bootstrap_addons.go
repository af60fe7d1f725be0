package apiserver

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"orca/internal/network"
	"orca/internal/registry"
)

// IngressClassName is the built-in ingress controller's class, the default.
const IngressClassName = "orca"

// IngressController is the controller name of the built-in IngressClass.
const IngressController = "orca.dev/ingress"

// ensureAddons creates the objects the built-in cluster services answer
// to: the cluster DNS Service and the default IngressClass. They are made
// once; a user's later change to them is kept.
func (s *Server) ensureAddons(ctx context.Context) error {
	if err := ignoreExists(s.rest("", "services").Create(ctx, "kube-system", kubeDNSService(network.ClusterDNSIP(s.serviceNet).String()), registry.WriteOptions{FieldManager: "orca-apiserver"})); err != nil {
		return fmt.Errorf("kube-dns service: %w", err)
	}
	if err := ignoreExists(s.rest("networking.k8s.io", "ingressclasses").Create(ctx, "", defaultIngressClass(), registry.WriteOptions{FieldManager: "orca-apiserver"})); err != nil {
		return fmt.Errorf("ingress class: %w", err)
	}
	return nil
}

// kubeDNSService is kube-system/kube-dns with kubeadm's name, labels, ports
// and address. It has no selector: every agent serves DNS itself and
// publishes its own EndpointSlice for it, and internalTrafficPolicy Local
// keeps each node's queries on that node.
func kubeDNSService(ip string) *corev1.Service {
	local := corev1.ServiceInternalTrafficPolicyLocal
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "kube-dns", Namespace: "kube-system",
			Labels: map[string]string{"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "orca-dns"}},
		Spec: corev1.ServiceSpec{
			Type: corev1.ServiceTypeClusterIP, ClusterIP: ip, ClusterIPs: []string{ip},
			Ports: []corev1.ServicePort{
				{Name: "dns", Protocol: corev1.ProtocolUDP, Port: 53, TargetPort: intstr.FromInt32(53)},
				{Name: "dns-tcp", Protocol: corev1.ProtocolTCP, Port: 53, TargetPort: intstr.FromInt32(53)},
			},
			InternalTrafficPolicy: &local,
			SessionAffinity:       corev1.ServiceAffinityNone,
		},
	}
}

func defaultIngressClass() *networkingv1.IngressClass {
	return &networkingv1.IngressClass{
		ObjectMeta: metav1.ObjectMeta{Name: IngressClassName,
			Annotations: map[string]string{networkingv1.AnnotationIsDefaultIngressClass: "true"}},
		Spec: networkingv1.IngressClassSpec{Controller: IngressController},
	}
}
