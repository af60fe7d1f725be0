package registry

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func svc(mutate func(*corev1.Service)) *corev1.Service {
	s := &corev1.Service{ObjectMeta: objMeta("web"), Spec: corev1.ServiceSpec{
		Selector: map[string]string{"app": "web"},
		Ports:    []corev1.ServicePort{{Port: 80}},
	}}
	if mutate != nil {
		mutate(s)
	}
	return s
}

func TestServiceDefaults(t *testing.T) {
	s := svc(func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeNodePort })
	must(t, create(serviceStrategy{}, s))
	sp := s.Spec
	if sp.SessionAffinity != corev1.ServiceAffinityNone || sp.Type != corev1.ServiceTypeNodePort {
		t.Errorf("affinity/type = %s/%s", sp.SessionAffinity, sp.Type)
	}
	if sp.Ports[0].Protocol != corev1.ProtocolTCP || sp.Ports[0].TargetPort != intstr.FromInt32(80) {
		t.Errorf("port = %+v", sp.Ports[0])
	}
	if *sp.InternalTrafficPolicy != corev1.ServiceInternalTrafficPolicyCluster || sp.ExternalTrafficPolicy != corev1.ServiceExternalTrafficPolicyCluster {
		t.Errorf("traffic policies = %v/%s", *sp.InternalTrafficPolicy, sp.ExternalTrafficPolicy)
	}
	if *sp.IPFamilyPolicy != corev1.IPFamilyPolicySingleStack {
		t.Errorf("ipFamilyPolicy = %s", *sp.IPFamilyPolicy)
	}
	if sp.ClusterIP != "" || sp.Ports[0].NodePort != 0 {
		t.Errorf("defaulting allocated: %+v", sp)
	}
}

func TestServiceDefaultsPerType(t *testing.T) {
	s := svc(nil)
	serviceStrategy{}.Default(s)
	if s.Spec.Type != corev1.ServiceTypeClusterIP || s.Spec.ExternalTrafficPolicy != "" {
		t.Errorf("ClusterIP service: type %s etp %q", s.Spec.Type, s.Spec.ExternalTrafficPolicy)
	}
	lb := svc(func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeLoadBalancer })
	serviceStrategy{}.Default(lb)
	if lb.Spec.AllocateLoadBalancerNodePorts == nil || !*lb.Spec.AllocateLoadBalancerNodePorts {
		t.Errorf("LB allocateLoadBalancerNodePorts not defaulted")
	}
	aff := svc(func(s *corev1.Service) { s.Spec.SessionAffinity = corev1.ServiceAffinityClientIP })
	serviceStrategy{}.Default(aff)
	if *aff.Spec.SessionAffinityConfig.ClientIP.TimeoutSeconds != 10800 {
		t.Errorf("ClientIP timeout not defaulted")
	}
	headless := svc(func(s *corev1.Service) { s.Spec.ClusterIP = corev1.ClusterIPNone; s.Spec.Selector = nil })
	must(t, create(serviceStrategy{}, headless))
	if headless.Spec.ClusterIPs[0] != "None" || *headless.Spec.IPFamilyPolicy != corev1.IPFamilyPolicyRequireDualStack || len(headless.Spec.IPFamilies) != 1 {
		t.Errorf("headless = %+v", headless.Spec)
	}
	en := svc(func(s *corev1.Service) {
		s.Spec.Type = corev1.ServiceTypeExternalName
		s.Spec.ExternalName = "example.com"
	})
	must(t, create(serviceStrategy{}, en))
	if en.Spec.IPFamilyPolicy != nil || en.Spec.InternalTrafficPolicy != nil {
		t.Errorf("ExternalName got IP fields: %+v", en.Spec)
	}
}

func TestServiceValidation(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*corev1.Service)
		want   []wantErr
	}{
		{"valid", nil, nil},
		{"no ports", func(s *corev1.Service) { s.Spec.Ports = nil }, []wantErr{required + "spec.ports"}},
		{"headless without ports", func(s *corev1.Service) { s.Spec.Ports = nil; s.Spec.ClusterIP = "None" }, nil},
		{"externalName without ports", func(s *corev1.Service) {
			s.Spec.Ports = nil
			s.Spec.Type = corev1.ServiceTypeExternalName
			s.Spec.ExternalName = "db.example.com."
		}, nil},
		{"externalName missing", func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeExternalName },
			[]wantErr{required + "spec.externalName"}},
		{"bad port", func(s *corev1.Service) { s.Spec.Ports[0].Port = 0 }, []wantErr{invalid + "spec.ports[0].port", invalid + "spec.ports[0].targetPort"}},
		{"unnamed ports", func(s *corev1.Service) { s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Port: 81}) },
			[]wantErr{required + "spec.ports[0].name", required + "spec.ports[1].name"}},
		{"duplicate port names", func(s *corev1.Service) {
			s.Spec.Ports = []corev1.ServicePort{{Name: "a", Port: 80}, {Name: "a", Port: 81}}
		}, []wantErr{duplicate + "spec.ports[1].name"}},
		{"duplicate ports", func(s *corev1.Service) {
			s.Spec.Ports = []corev1.ServicePort{{Name: "a", Port: 80}, {Name: "b", Port: 80}}
		}, []wantErr{duplicate + "spec.ports[1]"}},
		{"type", func(s *corev1.Service) { s.Spec.Type = "Magic" }, []wantErr{notSupported + "spec.type"}},
		{"nodePort on ClusterIP", func(s *corev1.Service) { s.Spec.Ports[0].NodePort = 30000 },
			[]wantErr{forbidden + "spec.ports[0].nodePort"}},
		{"bad clusterIP", func(s *corev1.Service) { s.Spec.ClusterIP = "300.1.1.1" },
			[]wantErr{invalid + "spec.clusterIPs[0]"}},
		{"selector", func(s *corev1.Service) { s.Spec.Selector = map[string]string{"a": "b c"} },
			[]wantErr{invalid + "spec.selector"}},
		{"headless NodePort", func(s *corev1.Service) { s.Spec.ClusterIP = "None"; s.Spec.Type = corev1.ServiceTypeNodePort },
			[]wantErr{invalid + "spec.clusterIPs[0]"}},
		{"session affinity", func(s *corev1.Service) { s.Spec.SessionAffinity = "Sticky" },
			[]wantErr{notSupported + "spec.sessionAffinity"}},
		{"externalTrafficPolicy on ClusterIP", func(s *corev1.Service) { s.Spec.ExternalTrafficPolicy = "Local" },
			[]wantErr{invalid + "spec.externalTrafficPolicy"}},
		{"traffic distribution", func(s *corev1.Service) { s.Spec.TrafficDistribution = ptrTo("PreferNearby") },
			[]wantErr{notSupported + "spec.trafficDistribution"}},
		{"source ranges", func(s *corev1.Service) { s.Spec.LoadBalancerSourceRanges = []string{"10.0.0.0/8"} },
			[]wantErr{forbidden + "spec.LoadBalancerSourceRanges"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkErrs(t, create(serviceStrategy{}, svc(c.mutate)), c.want...)
		})
	}
}

// allocated stands in for the allocation hook.
func allocated(s *corev1.Service) *corev1.Service {
	s.Spec.ClusterIP, s.Spec.ClusterIPs = "10.96.0.10", []string{"10.96.0.10"}
	s.Spec.IPFamilies = []corev1.IPFamily{corev1.IPv4Protocol}
	return s
}

func TestServiceUpdate(t *testing.T) {
	old := svc(nil)
	must(t, create(serviceStrategy{}, old))
	allocated(old)

	// A PUT without clusterIP keeps the allocated one.
	put := svc(nil)
	must(t, update(serviceStrategy{}, put, old))
	if put.Spec.ClusterIP != "10.96.0.10" || len(put.Spec.ClusterIPs) != 1 {
		t.Errorf("clusterIP not carried over: %+v", put.Spec)
	}

	changed := old.DeepCopy()
	changed.Spec.ClusterIP, changed.Spec.ClusterIPs = "10.96.0.11", nil
	hasErr(t, update(serviceStrategy{}, changed, old), invalid+"spec.clusterIPs[0]", "may not change once set")

	toExternal := old.DeepCopy()
	toExternal.Spec.Type, toExternal.Spec.ExternalName = corev1.ServiceTypeExternalName, "example.com"
	must(t, update(serviceStrategy{}, toExternal, old))
	if toExternal.Spec.ClusterIP != "" || toExternal.Spec.IPFamilyPolicy != nil || toExternal.Spec.IPFamilies != nil {
		t.Errorf("ExternalName kept IP fields: %+v", toExternal.Spec)
	}
}

func TestServiceUpdateKeepsNodePorts(t *testing.T) {
	old := svc(func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeNodePort; s.Spec.Ports[0].Name = "http" })
	must(t, create(serviceStrategy{}, old))
	allocated(old).Spec.Ports[0].NodePort = 30080
	put := svc(func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeNodePort; s.Spec.Ports[0].Name = "http" })
	must(t, update(serviceStrategy{}, put, old))
	if put.Spec.Ports[0].NodePort != 30080 {
		t.Errorf("nodePort = %d", put.Spec.Ports[0].NodePort)
	}
	toClusterIP := old.DeepCopy()
	toClusterIP.Spec.Type = corev1.ServiceTypeClusterIP
	must(t, update(serviceStrategy{}, toClusterIP, old))
	if toClusterIP.Spec.Ports[0].NodePort != 0 || toClusterIP.Spec.ExternalTrafficPolicy != "" {
		t.Errorf("type-dependent fields kept: %+v", toClusterIP.Spec)
	}
}

func TestServiceFields(t *testing.T) {
	f := serviceStrategy{}.Fields(&corev1.Service{})
	for _, k := range []string{"spec.clusterIP", "spec.type"} {
		if _, ok := f[k]; !ok {
			t.Errorf("missing %s", k)
		}
	}
}
