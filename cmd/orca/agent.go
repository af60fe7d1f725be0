package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	v1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"orca/internal/agent"
	"orca/internal/network"
)

// agentFlags are the node agent's flags, shared by `orca agent` and `orca up`.
type agentFlags struct {
	cfg                agent.Config
	nodeIP, labels     string
	taints, clusterDNS string
}

// credentials are how a standalone agent reaches the server: a kubeconfig
// (the admin one for now), or a client certificate and the cluster CA.
type credentials struct {
	server, kubeconfig string
	cert, key, ca      string
}

func (c *credentials) add(f *pflag.FlagSet) {
	f.StringVar(&c.server, "server", "", "URL of the orca server (overrides the kubeconfig's)")
	f.StringVar(&c.kubeconfig, "kubeconfig", "/var/lib/orca/admin.kubeconfig", "kubeconfig with the cluster CA and credentials (the server's admin kubeconfig for now)")
	f.StringVar(&c.cert, "client-certificate", "", "client certificate signed by the cluster CA (with --client-key, --certificate-authority and --server, instead of --kubeconfig)")
	f.StringVar(&c.key, "client-key", "", "key of --client-certificate")
	f.StringVar(&c.ca, "certificate-authority", "", "the cluster CA certificate")
}

func (c *credentials) restConfig() (*rest.Config, error) {
	if c.cert == "" {
		rc, err := clientcmd.BuildConfigFromFlags(c.server, c.kubeconfig)
		if err != nil {
			return nil, fmt.Errorf("credentials for the server: %w", err)
		}
		return rc, nil
	}
	if c.server == "" || c.key == "" || c.ca == "" {
		return nil, fmt.Errorf("--client-certificate needs --client-key, --certificate-authority and --server")
	}
	ca, err := os.ReadFile(c.ca)
	if err != nil {
		return nil, err
	}
	return &rest.Config{Host: c.server, TLSClientConfig: rest.TLSClientConfig{CertFile: c.cert, KeyFile: c.key, CAData: ca}}, nil
}

func (a *agentFlags) add(f *pflag.FlagSet, dataDir string) {
	f.StringVar(&a.cfg.DataDir, "agent-data-dir", filepath.Join(dataDir, "agent"), "directory for the node's containerd state, pod volumes and logs")
	f.StringVar(&a.cfg.NodeName, "node-name", "", "name of the node (default: the hostname)")
	f.StringVar(&a.nodeIP, "node-ip", "", "IP address of the node (default: the address of the default route)")
	f.StringVar(&a.labels, "node-labels", "", "labels to add to the node, key=value,...")
	f.StringVar(&a.taints, "register-with-taints", "", "taints to register the node with, key=value:Effect,...")
	f.StringVar(&a.cfg.ContainerRuntimeEndpoint, "container-runtime-endpoint", "", "use this CRI socket instead of starting containerd (e.g. unix:///run/containerd/containerd.sock)")
	f.StringVar(&a.cfg.CNIBinDir, "cni-bin-dir", "", "directory of the CNI plugins (default: /usr/lib/cni or /opt/cni/bin)")
	f.StringVar(&a.cfg.CNIConfDir, "cni-conf-dir", "", "directory for the CNI configuration (default: <agent-data-dir>/cni/net.d)")
	f.IntVar(&a.cfg.KubeletPort, "kubelet-port", 10250, "port of the kubelet's HTTPS server (logs, exec, stats)")
	f.StringVar(&a.cfg.CgroupRoot, "cgroup-root", "/", "cgroup under which pod cgroups go, as <cgroup-root>/kubepods (agents sharing a machine use different ones)")
	f.StringVar(&a.clusterDNS, "cluster-dns", "", "comma-separated cluster DNS server IPs for pods with dnsPolicy ClusterFirst (default: the 10th address of the Service CIDR, the kube-dns Service)")
	f.StringVar(&a.cfg.ClusterDomain, "cluster-domain", "cluster.local", "the cluster's DNS domain")
	f.StringVar(&a.cfg.ProxyMode, "proxy-mode", "auto", "Service proxy mode: auto (nftables, or iptables-restore where nftables is missing), nftables or iptables")
	f.StringVar(&a.cfg.ProxyHealthzAddress, "proxy-healthz-bind-address", "0.0.0.0:10256", "where the Service proxy serves /healthz and /livez, as kube-proxy (empty: nowhere)")
	f.StringVar(&a.cfg.ClusterDNSListen, "cluster-dns-listen", "", `address:port of the node's cluster DNS, UDP and TCP (default: <node-ip>:53; "none": don't run it)`)
	f.IntVar(&a.cfg.IngressHTTPPort, "ingress-http-port", 80, "port of the built-in ingress's HTTP listener on the node (0: none)")
	f.IntVar(&a.cfg.IngressHTTPSPort, "ingress-https-port", 443, "port of the built-in ingress's HTTPS listener on the node (0: none)")
	f.IntVar(&a.cfg.Simulate, "simulate", 0, "run this many virtual nodes on the simulated runtime (agent: instead of a real node; up: besides it)")
}

// finish parses the string flags into the agent's config.
func (a *agentFlags) finish() error {
	if a.nodeIP != "" {
		if a.cfg.NodeIP = net.ParseIP(a.nodeIP); a.cfg.NodeIP == nil {
			return fmt.Errorf("--node-ip %q is not an IP address", a.nodeIP)
		}
	}
	if a.labels != "" {
		a.cfg.Labels = map[string]string{}
		for _, kv := range strings.Split(a.labels, ",") {
			k, v, _ := strings.Cut(kv, "=")
			a.cfg.Labels[k] = v
		}
	}
	for _, t := range strings.Split(a.taints, ",") {
		if t == "" {
			continue
		}
		kv, effect, ok := strings.Cut(t, ":")
		if !ok {
			return fmt.Errorf("--register-with-taints %q: want key=value:Effect", t)
		}
		k, v, _ := strings.Cut(kv, "=")
		a.cfg.Taints = append(a.cfg.Taints, v1.Taint{Key: k, Value: v, Effect: v1.TaintEffect(effect)})
	}
	if a.clusterDNS != "" {
		a.cfg.ClusterDNS = strings.Split(a.clusterDNS, ",")
	}
	return nil
}

func agentCmd() *cobra.Command {
	var a agentFlags
	var creds credentials
	var logLevel, dataDir, cpuProfile, heapProfile string
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Run a node: the kubelet on containerd, joined to an orca server",
		Long: `Run a node agent: it supervises its own containerd (unless --container-runtime-endpoint
is given), registers the node with the server and runs the pods the scheduler binds to it.
With --simulate N it runs N virtual nodes on the simulated runtime instead.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			setupLogging(logLevel)
			if err := a.finish(); err != nil {
				return err
			}
			if !cmd.Flags().Changed("agent-data-dir") {
				a.cfg.DataDir = filepath.Join(dataDir, "agent")
			}
			rc, err := creds.restConfig()
			if err != nil {
				return err
			}
			a.cfg.Rest = rc
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			a.cfg.Logger = slog.Default()
			stopProfile, err := startCPUProfile(cpuProfile)
			if err != nil {
				return err
			}
			defer stopProfile()
			err = agent.Run(ctx, a.cfg)
			if herr := writeHeapProfile(heapProfile); herr != nil && err == nil {
				err = herr
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&dataDir, "data-dir", "/var/lib/orca", "orca's data directory")
	creds.add(f)
	f.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	f.StringVar(&cpuProfile, "cpu-profile", "", "write a CPU profile to this file until exit")
	f.StringVar(&heapProfile, "heap-profile", "", "write a heap profile (in use, and allocated since start) to this file at exit")
	a.add(f, "/var/lib/orca")
	// `orca up` takes these two from its server flags of the same names.
	f.StringVar(&a.cfg.ServiceCIDR, "service-cluster-ip-range", network.DefaultServiceCIDR, "the server's Service CIDR (for the Service proxy and the default --cluster-dns)")
	f.StringVar(&a.cfg.ClusterCIDR, "cluster-cidr", network.DefaultClusterCIDR, "the cluster's pod CIDR (nodes' pod CIDRs are inside it)")
	return cmd
}
