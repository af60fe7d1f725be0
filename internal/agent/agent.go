// Package agent runs a node: the kubelet on a CRI runtime (a supervised
// containerd by default), its HTTPS server, and the pod network's CNI
// configuration. With Simulate it runs many virtual nodes instead.
package agent

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path"
	"path/filepath"
	"strconv"

	v1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"orca/internal/agent/containerd"
	"orca/internal/buildinfo"
	"orca/internal/image/pause"
	"orca/internal/informerset"
	"orca/internal/kubelet"
	"orca/internal/kubelet/cri"
	"orca/internal/kubelet/server"
	"orca/internal/network"
)

// Config is one agent.
type Config struct {
	// Rest reaches the API server (the admin kubeconfig for now).
	Rest *rest.Config
	// ClusterCA (PEM) verifies the API server's kubelet client
	// certificate; empty: the CA of Rest.
	ClusterCA []byte
	// DataDir holds containerd's state, pod volumes and logs.
	DataDir  string
	NodeName string
	NodeIP   net.IP
	// Labels are added to the node's (node-role.kubernetes.io/control-plane
	// for `orca up`).
	Labels map[string]string
	Taints []v1.Taint

	// ContainerRuntimeEndpoint uses an existing CRI socket instead of
	// starting containerd.
	ContainerRuntimeEndpoint string
	CNIBinDir                string
	CNIConfDir               string

	KubeletPort int
	// CgroupRoot is the cgroup pods go under, in <CgroupRoot>/kubepods
	// (upstream's --cgroup-root; empty: "/"). Agents sharing a machine
	// (test hosts in network namespaces) use different ones to keep their
	// pods' cgroups apart.
	CgroupRoot    string
	ClusterDNS    []string
	ClusterDomain string
	// ServiceCIDR and ClusterCIDR are the server's Service and pod ranges
	// (empty: orca's defaults).
	ServiceCIDR string
	ClusterCIDR string
	// ProxyMode is the Service proxy's --proxy-mode: auto (""), nftables
	// or iptables (the iptables-restore fallback).
	ProxyMode string
	// ProxyHealthzAddress is where the Service proxy serves /healthz and
	// /livez (--proxy-healthz-bind-address; empty: nowhere).
	ProxyHealthzAddress string
	// ClusterDNSListen is the node-local cluster DNS's host:port ("": the
	// node IP, port 53; "none": no DNS in this agent).
	ClusterDNSListen string
	// IngressHTTPPort and IngressHTTPSPort are the built-in ingress's
	// ports on the node (0 turns a listener off).
	IngressHTTPPort, IngressHTTPSPort int

	// Simulate > 0 runs that many virtual nodes on the simulated runtime.
	Simulate int
	// NodeLeaseDurationSeconds is the node Lease's duration (0: the
	// kubelet's default, 40 s); tests with a short node monitor grace
	// period shorten it.
	NodeLeaseDurationSeconds int32

	Logger *slog.Logger
}

// Run runs the node until ctx ends. Pods keep running after it returns.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Simulate > 0 {
		return RunSimulated(ctx, cfg)
	}
	if err := containerd.CheckHost(cfg.CNIBinDir); err != nil {
		return err
	}
	if cfg.NodeName == "" {
		h, err := os.Hostname()
		if err != nil {
			return err
		}
		cfg.NodeName = h
	}
	if cfg.NodeIP == nil {
		cfg.NodeIP = nodeIP()
	}
	if err := cfg.networkDefaults(); err != nil {
		return err
	}
	if cfg.CNIConfDir == "" {
		cfg.CNIConfDir = filepath.Join(cfg.DataDir, "cni", "net.d")
	}
	if err := network.EnableForwarding(); err != nil {
		cfg.Logger.Warn("enable IPv4 forwarding", "err", err)
	}
	endpoint, address, stop, err := startRuntime(ctx, cfg)
	if err != nil {
		return err
	}
	defer stop()
	rt, err := cri.Connect(ctx, endpoint)
	if err != nil {
		return err
	}
	defer rt.Close(context.Background())
	if address != "" {
		if err := pause.EnsureImported(ctx, rt, address); err != nil {
			return fmt.Errorf("import the pause image: %w", err)
		}
	}
	client, err := kubernetes.NewForConfig(clientConfig(cfg.Rest, "orca-agent"))
	if err != nil {
		return err
	}
	// One informer factory serves the kubelet's Service cache (service
	// environment variables) and the node's Service networking.
	factory := informers.NewSharedInformerFactory(client, 0)
	kcfg := kubeletConfig(cfg, client, freshNeighbors{Runtime: rt, bridge: network.Bridge, log: cfg.Logger})
	services := factory.Core().V1().Services()
	kcfg.Shared = &kubelet.Shared{Services: services.Lister(), ServicesSynced: services.Informer().HasSynced}
	kl := kubelet.New(kcfg)
	srv, ln, err := kubeletServer(cfg, rt, kl)
	if err != nil {
		return err
	}
	go func() {
		if err := srv.Serve(ctx, ln); err != nil && !errors.Is(err, context.Canceled) {
			cfg.Logger.Error("kubelet server", "err", err)
		}
	}()
	waitNetworking, err := startNetworking(ctx, cfg, client, factory)
	if err != nil {
		return err
	}
	defer waitNetworking()
	cfg.Logger.Info("node agent running", "node", cfg.NodeName, "ip", cfg.NodeIP, "runtime", endpoint, "kubeletPort", ln.Addr().(*net.TCPAddr).Port)
	return kl.Run(ctx)
}

// startRuntime starts containerd for the node unless an endpoint is given;
// address is containerd's socket when orca owns it (for image imports).
func startRuntime(ctx context.Context, cfg Config) (endpoint, address string, stop func(), err error) {
	if cfg.ContainerRuntimeEndpoint != "" {
		return cfg.ContainerRuntimeEndpoint, "", func() {}, nil
	}
	sup, err := containerd.Start(ctx, containerd.Config{
		DataDir: cfg.DataDir, CNIBinDir: cfg.CNIBinDir, CNIConfDir: cfg.CNIConfDir, Logger: cfg.Logger,
	})
	if err != nil {
		return "", "", nil, err
	}
	return sup.Endpoint(), sup.Address(), sup.Stop, nil
}

func kubeletConfig(cfg Config, client kubernetes.Interface, rt cri.Runtime) kubelet.Config {
	capacity, allocatable := hostResources(cfg.DataDir)
	confDir, ipamDir := cfg.CNIConfDir, filepath.Join(cfg.DataDir, "cni", "networks")
	return kubelet.Config{
		NodeName: cfg.NodeName,
		Client:   client,
		Runtime:  rt,
		Node: kubelet.NodeConfig{
			Labels:      nodeLabels(cfg.NodeName, cfg.Labels),
			Taints:      cfg.Taints,
			Capacity:    capacity,
			Allocatable: allocatable,
			Addresses: []v1.NodeAddress{
				{Type: v1.NodeInternalIP, Address: cfg.NodeIP.String()},
				{Type: v1.NodeHostName, Address: cfg.NodeName},
			},
			Info: systemInfo(kubeletVersion()),
			Port: int32(cfg.KubeletPort),
		},
		RootDir:                  cfg.DataDir,
		LogDir:                   filepath.Join(cfg.DataDir, "logs"),
		CgroupRoot:               path.Join("/", cfg.CgroupRoot, "kubepods"),
		ClusterDNS:               cfg.ClusterDNS,
		ClusterDomain:            cfg.ClusterDomain,
		NodeLeaseDurationSeconds: cfg.NodeLeaseDurationSeconds,
		OnPodCIDR:                func(cidr string) error { return network.WriteCNIConfig(confDir, cidr, ipamDir) },
		Logger:                   cfg.Logger,
	}
}

// kubeletServer listens for the API server's log, exec and stats requests.
func kubeletServer(cfg Config, rt cri.Runtime, kl *kubelet.Kubelet) (*server.Server, net.Listener, error) {
	cert, err := server.LoadOrCreateCert(filepath.Join(cfg.DataDir, "tls"), cfg.NodeName, []net.IP{cfg.NodeIP})
	if err != nil {
		return nil, nil, err
	}
	pool := x509.NewCertPool()
	ca := cfg.ClusterCA
	if len(ca) == 0 {
		ca = cfg.Rest.TLSClientConfig.CAData
	}
	if len(ca) == 0 && cfg.Rest.TLSClientConfig.CAFile != "" {
		if ca, err = os.ReadFile(cfg.Rest.TLSClientConfig.CAFile); err != nil {
			return nil, nil, err
		}
	}
	if !pool.AppendCertsFromPEM(ca) {
		return nil, nil, errors.New("the kubeconfig has no cluster CA to verify the API server's kubelet client certificate")
	}
	addr := net.JoinHostPort("", strconv.Itoa(cfg.KubeletPort))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("kubelet server: %w", err)
	}
	srv := server.New(server.Config{
		Addr: addr, ServingCert: cert, ClientCA: pool, Runtime: rt, Pods: kl, NodeName: cfg.NodeName, Logger: cfg.Logger,
	})
	return srv, ln, nil
}

// clientConfig speaks protobuf, as upstream's kubelet does (the server
// then encodes a pod's watch event once for every orca component instead
// of once more in JSON for the nodes), and lets the server, not the
// client, pace requests.
func clientConfig(c *rest.Config, agent string) *rest.Config {
	c = informerset.Protobuf(c)
	c.QPS, c.Burst = -1, -1
	c.UserAgent = agent
	return c
}

// kubeletVersion is the version the node reports: the Kubernetes version
// served, tagged with orca's, as k3s does (v1.37.2+orca-0.1.0).
func kubeletVersion() string { return buildinfo.Version().GitVersion }
