package kubelet

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// sandboxConfig builds the CRI request that creates a pod's sandbox.
func (k *Kubelet) sandboxConfig(pod *v1.Pod, attempt uint32) (*runtimeapi.PodSandboxConfig, error) {
	dns, err := k.dnsConfig(pod)
	if err != nil {
		return nil, err
	}
	labels := map[string]string{labelPodName: pod.Name, labelPodNamespace: pod.Namespace, labelPodUID: string(pod.UID)}
	for key, v := range pod.Labels {
		if _, reserved := labels[key]; !reserved {
			labels[key] = v
		}
	}
	cfg := &runtimeapi.PodSandboxConfig{
		Metadata:     &runtimeapi.PodSandboxMetadata{Name: pod.Name, Namespace: pod.Namespace, Uid: string(pod.UID), Attempt: attempt},
		Hostname:     sandboxHostname(pod),
		LogDirectory: k.podLogDir(pod),
		DnsConfig:    dns,
		PortMappings: portMappings(pod),
		Labels:       labels,
		Annotations:  pod.Annotations,
		Linux: &runtimeapi.LinuxPodSandboxConfig{
			CgroupParent: k.podCgroup(pod),
			SecurityContext: &runtimeapi.LinuxSandboxSecurityContext{
				NamespaceOptions: namespaceOptions(pod),
				Privileged:       anyPrivileged(pod),
			},
			Sysctls: sysctls(pod),
		},
	}
	if psc := pod.Spec.SecurityContext; psc != nil {
		sc := cfg.Linux.SecurityContext
		if psc.RunAsUser != nil {
			sc.RunAsUser = &runtimeapi.Int64Value{Value: *psc.RunAsUser}
		}
		if psc.RunAsGroup != nil {
			sc.RunAsGroup = &runtimeapi.Int64Value{Value: *psc.RunAsGroup}
		}
		sc.SupplementalGroups = psc.SupplementalGroups
	}
	if !k.cfg.NoFiles {
		if err := os.MkdirAll(cfg.LogDirectory, 0o755); err != nil {
			return nil, err
		}
	}
	return cfg, nil
}

// sandboxHostname is what the runtime sets in the pod's UTS namespace:
// nothing for hostNetwork pods, which share the node's (runc refuses a
// hostname without a private UTS namespace).
func sandboxHostname(pod *v1.Pod) string {
	if pod.Spec.HostNetwork {
		return ""
	}
	return podOwnHostname(pod)
}

// podHostname is the pod's hostname as upstream sets it: spec.hostname or
// the pod name (truncated to 63), the node's name with hostNetwork.
func podHostname(pod *v1.Pod, node string) string {
	if pod.Spec.HostNetwork {
		return node
	}
	return podOwnHostname(pod)
}

func podOwnHostname(pod *v1.Pod) string {
	h := pod.Spec.Hostname
	if h == "" {
		h = pod.Name
	}
	if len(h) > 63 {
		h = strings.TrimRight(h[:63], "-.")
	}
	return h
}

func (k *Kubelet) podLogDir(pod *v1.Pod) string {
	return filepath.Join(k.cfg.LogDir, fmt.Sprintf("%s_%s_%s", pod.Namespace, pod.Name, pod.UID))
}

// podCgroup is the pod's cgroup under the QoS tiers, as upstream lays them
// out with the cgroupfs driver.
func (k *Kubelet) podCgroup(pod *v1.Pod) string {
	if k.cfg.CgroupRoot == "" {
		return ""
	}
	switch pod.Status.QOSClass {
	case v1.PodQOSGuaranteed:
		return filepath.Join(k.cfg.CgroupRoot, "pod"+string(pod.UID))
	case v1.PodQOSBestEffort:
		return filepath.Join(k.cfg.CgroupRoot, "besteffort", "pod"+string(pod.UID))
	}
	return filepath.Join(k.cfg.CgroupRoot, "burstable", "pod"+string(pod.UID))
}

func portMappings(pod *v1.Pod) []*runtimeapi.PortMapping {
	var out []*runtimeapi.PortMapping
	for _, c := range allContainers(pod) {
		for _, p := range c.Ports {
			if p.HostPort == 0 || pod.Spec.HostNetwork {
				continue
			}
			proto := runtimeapi.Protocol_TCP
			switch p.Protocol {
			case v1.ProtocolUDP:
				proto = runtimeapi.Protocol_UDP
			case v1.ProtocolSCTP:
				proto = runtimeapi.Protocol_SCTP
			}
			out = append(out, &runtimeapi.PortMapping{Protocol: proto, ContainerPort: p.ContainerPort, HostPort: p.HostPort, HostIp: p.HostIP})
		}
	}
	return out
}

func allContainers(pod *v1.Pod) []*v1.Container {
	out := make([]*v1.Container, 0, len(pod.Spec.InitContainers)+len(pod.Spec.Containers))
	for i := range pod.Spec.InitContainers {
		out = append(out, &pod.Spec.InitContainers[i])
	}
	for i := range pod.Spec.Containers {
		out = append(out, &pod.Spec.Containers[i])
	}
	return out
}

func anyPrivileged(pod *v1.Pod) bool {
	for _, c := range allContainers(pod) {
		if c.SecurityContext != nil && c.SecurityContext.Privileged != nil && *c.SecurityContext.Privileged {
			return true
		}
	}
	return false
}

func sysctls(pod *v1.Pod) map[string]string {
	if pod.Spec.SecurityContext == nil || len(pod.Spec.SecurityContext.Sysctls) == 0 {
		return nil
	}
	out := map[string]string{}
	for _, s := range pod.Spec.SecurityContext.Sysctls {
		out[s.Name] = s.Value
	}
	return out
}

// hostsFile writes the pod's /etc/hosts once its IP is known; hostNetwork
// pods see the node's own file.
func (k *Kubelet) hostsFile(pod *v1.Pod) (string, bool) {
	if pod.Spec.HostNetwork {
		return "", false
	}
	var b strings.Builder
	b.WriteString("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n")
	host := podHostname(pod, k.cfg.NodeName)
	if pod.Spec.Subdomain != "" {
		fqdn := fmt.Sprintf("%s.%s.%s.svc.%s", host, pod.Spec.Subdomain, pod.Namespace, k.cfg.ClusterDomain)
		host = fqdn + "\t" + host
	}
	for _, ip := range pod.Status.PodIPs {
		fmt.Fprintf(&b, "%s\t%s\n", ip.IP, host)
	}
	for _, ha := range pod.Spec.HostAliases {
		fmt.Fprintf(&b, "\n# Entries added by HostAliases.\n%s\t%s\n", ha.IP, strings.Join(ha.Hostnames, "\t"))
	}
	path := filepath.Join(k.podDir(pod.UID), "etc-hosts")
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return "", false
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return "", false
	}
	return path, true
}
