package kubelet

import (
	"bufio"
	"bytes"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Limits from upstream's validation of the final resolv.conf.
const (
	maxDNSNameservers = 3
	maxDNSSearch      = 32
)

// dnsConfig is the pod's resolv.conf as upstream's DNS policies define it.
func (k *Kubelet) dnsConfig(pod *v1.Pod) (*runtimeapi.DNSConfig, error) {
	host := k.hostDNS()
	var cfg *runtimeapi.DNSConfig
	policy := pod.Spec.DNSPolicy
	if policy == v1.DNSClusterFirst && pod.Spec.HostNetwork {
		policy = v1.DNSDefault
	}
	if policy == v1.DNSClusterFirstWithHostNet {
		policy = v1.DNSClusterFirst
	}
	switch policy {
	case v1.DNSNone:
		cfg = &runtimeapi.DNSConfig{}
	case v1.DNSDefault:
		cfg = host
	default: // ClusterFirst
		if len(k.cfg.ClusterDNS) == 0 {
			// No cluster DNS configured: upstream falls back to the host's
			// resolver (and warns in an event).
			cfg = host
			break
		}
		d := k.cfg.ClusterDomain
		cfg = &runtimeapi.DNSConfig{
			Servers:  k.cfg.ClusterDNS,
			Searches: append([]string{pod.Namespace + ".svc." + d, "svc." + d, d}, host.Searches...),
			Options:  []string{"ndots:5"},
		}
	}
	if pc := pod.Spec.DNSConfig; pc != nil {
		cfg.Servers = append(cfg.Servers, pc.Nameservers...)
		cfg.Searches = append(cfg.Searches, pc.Searches...)
		cfg.Options = mergeDNSOptions(cfg.Options, pc.Options)
	}
	cfg.Servers = dedupe(cfg.Servers)
	if len(cfg.Servers) > maxDNSNameservers {
		cfg.Servers = cfg.Servers[:maxDNSNameservers]
	}
	cfg.Searches = dedupe(cfg.Searches)
	if len(cfg.Searches) > maxDNSSearch {
		cfg.Searches = cfg.Searches[:maxDNSSearch]
	}
	return cfg, nil
}

// hostDNS is the node's resolv.conf.
func (k *Kubelet) hostDNS() *runtimeapi.DNSConfig { return k.resolv.get(k.cfg.ResolvConf) }

// hostResolver keeps the parsed resolv.conf and reads the file again only
// when its size or modification time changed: every new sandbox asks, and
// a stat is one system call where reading the file is four.
type hostResolver struct {
	mu   sync.Mutex
	path string
	mod  time.Time
	size int64
	cfg  *runtimeapi.DNSConfig
}

// get returns a copy the caller may append to.
func (h *hostResolver) get(path string) *runtimeapi.DNSConfig {
	h.mu.Lock()
	defer h.mu.Unlock()
	fi, err := os.Stat(path)
	if err != nil {
		h.cfg = nil
		return &runtimeapi.DNSConfig{}
	}
	if h.cfg == nil || h.path != path || !fi.ModTime().Equal(h.mod) || fi.Size() != h.size {
		h.cfg, h.path, h.mod, h.size = parseResolvConf(path), path, fi.ModTime(), fi.Size()
	}
	return &runtimeapi.DNSConfig{
		Servers:  slices.Clone(h.cfg.Servers),
		Searches: slices.Clone(h.cfg.Searches),
		Options:  slices.Clone(h.cfg.Options),
	}
}

// parseResolvConf reads nameservers, the search list and options; a file
// that cannot be read yields an empty configuration.
func parseResolvConf(path string) *runtimeapi.DNSConfig {
	cfg := &runtimeapi.DNSConfig{}
	data, err := os.ReadFile(path)
	if err != nil {
		return cfg
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || strings.HasPrefix(f[0], "#") || strings.HasPrefix(f[0], ";") {
			continue
		}
		switch f[0] {
		case "nameserver":
			cfg.Servers = append(cfg.Servers, f[1])
		case "search", "domain":
			cfg.Searches = append(cfg.Searches[:0], f[1:]...)
		case "options":
			cfg.Options = append(cfg.Options, f[1:]...)
		}
	}
	return cfg
}

// mergeDNSOptions lets the pod's options override same-named ones.
func mergeDNSOptions(base []string, extra []v1.PodDNSConfigOption) []string {
	idx := map[string]int{}
	out := []string{}
	add := func(name, opt string) {
		if i, ok := idx[name]; ok {
			out[i] = opt
			return
		}
		idx[name] = len(out)
		out = append(out, opt)
	}
	for _, o := range base {
		add(strings.SplitN(o, ":", 2)[0], o)
	}
	for _, o := range extra {
		opt := o.Name
		if o.Value != nil {
			opt += ":" + *o.Value
		}
		add(o.Name, opt)
	}
	return out
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	out := in[:0:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
