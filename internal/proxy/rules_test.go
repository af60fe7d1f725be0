package proxy

import (
	"testing"

	v1 "k8s.io/api/core/v1"
)

// ruleCases are representative Services; wantRules holds the lines each
// adds to the table, checked line by line against the upstream semantics.
var ruleCases = []struct {
	name  string
	build func(*staticSource)
}{
	{"clusterip and nodeport", func(s *staticSource) {
		x := svc("default", "web", "10.96.0.20", nodePort(30080))
		s.set(x, slice(x, "web-1", 8080, "10.244.0.5@node-a", "10.244.1.6@node-b", "10.244.1.7@node-b!"))
	}},
	{"no endpoints", func(s *staticSource) {
		x := svc("default", "none", "10.96.0.22", nodePort(30082))
		s.set(x, slice(x, "none-1", 8080, "10.244.0.5@node-a!"))
	}},
	{"internal local", func(s *staticSource) {
		x := svc("kube-system", "kube-dns", "10.96.0.10", udp, internalLocal)
		s.set(x, slice(x, "kube-dns-node-a", 53, "192.0.2.2@node-a"), slice(x, "kube-dns-node-b", 53, "192.0.2.3@node-b"))
		y := svc("kube-system", "other", "10.96.0.11", udp, internalLocal)
		s.set(y, slice(y, "other-node-b", 53, "192.0.2.3@node-b"))
	}},
	{"terminating fallback", func(s *staticSource) {
		x := svc("default", "drain", "10.96.0.30")
		s.set(x, slice(x, "drain-1", 8080, "10.244.0.5@node-a~", "10.244.0.6@node-a-", "10.244.0.7@node-a!"))
	}},
	{"load balancer local", func(s *staticSource) {
		x := svc("default", "lb", "10.96.0.21", loadBalancer(30081, "192.0.2.2"), externalLocal)
		s.set(x, slice(x, "lb-1", 8080, "10.244.0.8@node-a", "10.244.1.9@node-b"))
	}},
	{"load balancer source ranges", func(s *staticSource) {
		x := svc("default", "fw", "10.96.0.60", loadBalancer(30083, "192.0.2.2", "192.0.2.3"), func(v *v1.Service) {
			v.Spec.LoadBalancerSourceRanges = []string{"203.0.113.0/24", " 198.51.100.7/32", "203.0.113.5/24"}
		})
		s.set(x, slice(x, "fw-1", 8080, "10.244.0.8@node-a"))
	}},
	{"external ip local without local endpoints", func(s *staticSource) {
		x := svc("default", "ext", "10.96.0.40", externalLocal, func(v *v1.Service) { v.Spec.ExternalIPs = []string{"203.0.113.7"} })
		s.set(x, slice(x, "ext-1", 8080, "10.244.1.5@node-b"))
	}},
	{"client ip affinity", func(s *staticSource) {
		x := svc("default", "sticky", "10.96.0.50", affinity(60))
		s.set(x, slice(x, "sticky-1", 8080, "10.244.0.5@node-a", "10.244.1.6@node-b"))
	}},
	{"not proxied", func(s *staticSource) {
		s.set(svc("default", "headless", "None"))
		s.set(svc("default", "external-name", "", func(v *v1.Service) { v.Spec.Type = v1.ServiceTypeExternalName }))
	}},
}

func TestServiceRules(t *testing.T) {
	for _, c := range ruleCases {
		t.Run(c.name, func(t *testing.T) {
			src := newStaticSource()
			c.build(src)
			got := serviceLines(t, fullDump(t, stateOf(src)))
			want, ok := wantRules[c.name]
			if !ok {
				t.Fatalf("no expected rules for %q", c.name)
			}
			if got != want {
				t.Errorf("rules differ\n got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// TestFixedTable checks the table without Services: hooks, dispatch maps,
// reject and masquerade chains.
func TestFixedTable(t *testing.T) {
	if got := fullDump(t, state{}); got != wantFixedTable {
		t.Errorf("table differs\n got:\n%s\nwant:\n%s", got, wantFixedTable)
	}
}

const wantFixedTable = `add table ip orca-proxy { comment "orca Service proxy" ; }
add chain ip orca-proxy cluster-ips-check
add chain ip orca-proxy filter-forward { type filter hook forward priority -110 ; }
add chain ip orca-proxy filter-input { type filter hook input priority -110 ; }
add chain ip orca-proxy filter-output { type filter hook output priority -110 ; }
add chain ip orca-proxy filter-output-post-dnat { type filter hook output priority -90 ; }
add chain ip orca-proxy filter-prerouting { type filter hook prerouting priority -110 ; }
add chain ip orca-proxy firewall-check
add chain ip orca-proxy mark-for-masquerade
add chain ip orca-proxy masquerading
add chain ip orca-proxy nat-output { type nat hook output priority -100 ; }
add chain ip orca-proxy nat-postrouting { type nat hook postrouting priority 100 ; }
add chain ip orca-proxy nat-prerouting { type nat hook prerouting priority -100 ; }
add chain ip orca-proxy nodeport-endpoints-check
add chain ip orca-proxy reject-chain
add chain ip orca-proxy service-endpoints-check
add chain ip orca-proxy services
add set ip orca-proxy cluster-ips { type ipv4_addr ; comment "ClusterIPs of Services" ; }
add map ip orca-proxy firewall-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "load balancer IPs limited to loadBalancerSourceRanges" ; }
add map ip orca-proxy no-endpoint-nodeports { type inet_proto . inet_service : verdict ; comment "NodePorts without usable endpoints" ; }
add map ip orca-proxy no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict ; comment "Service addresses without usable endpoints" ; }
add map ip orca-proxy service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "ClusterIP, external and load balancer IP traffic" ; }
add map ip orca-proxy service-nodeports { type inet_proto . inet_service : verdict ; comment "NodePort traffic" ; }
add rule ip orca-proxy cluster-ips-check ip daddr @cluster-ips reject
add rule ip orca-proxy cluster-ips-check ip daddr 10.96.0.0/12 drop
add rule ip orca-proxy filter-forward ct state new jump service-endpoints-check
add rule ip orca-proxy filter-forward ct state new jump cluster-ips-check
add rule ip orca-proxy filter-input ct state new jump nodeport-endpoints-check
add rule ip orca-proxy filter-input ct state new jump service-endpoints-check
add rule ip orca-proxy filter-output ct state new jump firewall-check
add rule ip orca-proxy filter-output ct state new jump service-endpoints-check
add rule ip orca-proxy filter-output-post-dnat ct state new jump cluster-ips-check
add rule ip orca-proxy filter-prerouting ct state new jump firewall-check
add rule ip orca-proxy firewall-check ip daddr . meta l4proto . th dport vmap @firewall-ips
add rule ip orca-proxy mark-for-masquerade mark set mark or 0x4000
add rule ip orca-proxy masquerading mark and 0x4000 == 0 return
add rule ip orca-proxy masquerading mark set mark xor 0x4000
add rule ip orca-proxy masquerading masquerade fully-random
add rule ip orca-proxy nat-output jump services
add rule ip orca-proxy nat-postrouting jump masquerading
add rule ip orca-proxy nat-prerouting jump services
add rule ip orca-proxy nodeport-endpoints-check fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @no-endpoint-nodeports
add rule ip orca-proxy reject-chain meta l4proto tcp reject with tcp reset
add rule ip orca-proxy reject-chain reject
add rule ip orca-proxy service-endpoints-check ip daddr . meta l4proto . th dport vmap @no-endpoint-services
add rule ip orca-proxy services ip daddr . meta l4proto . th dport vmap @service-ips
add rule ip orca-proxy services fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports
`
