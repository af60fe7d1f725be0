package network

import "net"

// ClusterDNSIP is the cluster DNS Service's virtual IP: the tenth address of
// the Service range (10.96.0.10 for 10.96.0.0/12), as kubeadm and k3s choose
// it. The server reserves it for kube-system/kube-dns and agents default
// their pods' nameserver to it, so both sides derive it the same way.
func ClusterDNSIP(serviceCIDR *net.IPNet) net.IP {
	return nthIP(serviceCIDR, 10)
}

// nthIP is the n-th address of n (n small, no overflow past the last octet
// carried beyond one byte).
func nthIP(cidr *net.IPNet, n int) net.IP {
	ip := make(net.IP, len(cidr.IP))
	copy(ip, cidr.IP)
	for i := len(ip) - 1; i >= 0 && n > 0; i-- {
		sum := int(ip[i]) + n
		ip[i] = byte(sum)
		n = sum >> 8
	}
	return ip
}

// DefaultServiceCIDR is the Service range of `orca server` unless
// --service-cluster-ip-range says otherwise.
const DefaultServiceCIDR = "10.96.0.0/12"

// DefaultClusterCIDR is the pod range nodes' pod CIDRs come from unless
// --cluster-cidr says otherwise.
const DefaultClusterCIDR = "10.244.0.0/16"
