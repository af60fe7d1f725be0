package proxy

import (
	"crypto/sha256"
	"encoding/base32"
	"strconv"
	"strings"
)

// The table and its fixed objects. The layout follows kube-proxy's nftables
// mode: maps from (IP, protocol, port) to a per-Service chain, a chain per
// endpoint, and maps that reject traffic to Services without endpoints.
const (
	tableName = "orca-proxy"

	servicesChain       = "services"
	serviceIPsMap       = "service-ips"
	serviceNodePortsMap = "service-nodeports"

	serviceEndpointsCheckChain  = "service-endpoints-check"
	nodePortEndpointsCheckChain = "nodeport-endpoints-check"
	noEndpointServicesMap       = "no-endpoint-services"
	noEndpointNodePortsMap      = "no-endpoint-nodeports"
	rejectChain                 = "reject-chain"

	clusterIPsSet        = "cluster-ips"
	clusterIPsCheckChain = "cluster-ips-check"

	// loadBalancerSourceRanges: load balancer IPs whose Service limits its
	// clients map to the Service's firewall chain.
	firewallCheckChain = "firewall-check"
	firewallIPsMap     = "firewall-ips"

	markMasqChain     = "mark-for-masquerade"
	masqueradingChain = "masquerading"
	// masqueradeMark is the packet mark bit asking for SNAT in postrouting
	// (kube-proxy's default bit, 14).
	masqueradeMark = "0x4000"
)

// Prefixes of the per-Service objects. Their names contain "/" (from
// "ns/svc/proto/port"), which no fixed object's name does.
const (
	clusterChainPrefix  = "service-"
	localChainPrefix    = "local-"
	externalChainPrefix = "external-"
	endpointChainPrefix = "endpoint-"
	affinitySetPrefix   = "affinity-"
	firewallChainPrefix = "firewall-"
)

// hashed prefixes name with a short hash of itself, so names that differ
// in one digit are easy to tell apart and long names stay unique when cut
// to nftables' 256-byte limit.
func hashed(name string) string {
	sum := sha256.Sum256([]byte(name))
	name = base32.StdEncoding.EncodeToString(sum[:])[:8] + "-" + name
	if max := 256 - 16; len(name) > max {
		name = name[:max]
	}
	return name
}

// endpointName is "ns/svc/proto/port__ip/port" (":" of IPv6 is not allowed
// in chain names).
func endpointName(sp *servicePort, ep endpoint) string {
	return sp.name() + "__" + strings.ReplaceAll(ep.ip, ":", ".") + "/" + itoa(ep.port)
}

// isServiceChain tells per-Service chains from fixed ones.
func isServiceChain(name string) bool { return strings.Contains(name, "/") }

func isAffinitySet(name string) bool { return strings.HasPrefix(name, affinitySetPrefix) }

func itoa(i int32) string { return strconv.Itoa(int(i)) }
