// Package apiserver serves the Kubernetes API over HTTPS: authentication,
// authorization, admission, then the registry, with discovery, OpenAPI,
// health and metrics endpoints around it.
package apiserver

import (
	"net"
	"time"

	"orca/internal/etcd"
)

// Config is everything `orca server` takes. Flag names follow
// kube-apiserver where the setting is shared.
type Config struct {
	DataDir          string
	BindAddress      net.IP
	SecurePort       int // 0 picks a free port
	AdvertiseAddress net.IP

	Etcd etcd.ExternalConfig // Servers empty: embedded etcd in DataDir/etcd

	ServiceClusterIPRange string
	ServiceNodePortRange  string

	CertDir       string // default DataDir/tls
	TLSCertFile   string
	TLSKeyFile    string
	ClientCAFile  string
	KubeconfigOut string // default DataDir/admin.kubeconfig

	// The client certificate the apiserver presents to kubelets (default:
	// CertDir/apiserver-kubelet-client.crt, issued by the cluster CA) and
	// the CA that verifies kubelet serving certificates (default: none,
	// kubelets' self-signed certificates are accepted, as upstream).
	KubeletClientCertificate    string
	KubeletClientKey            string
	KubeletCertificateAuthority string

	// How long pods tolerate their node being not ready or unreachable
	// (the DefaultTolerationSeconds admission plugin; nil: 300 s).
	DefaultNotReadyTolerationSeconds    *int64
	DefaultUnreachableTolerationSeconds *int64

	// Tuning, mostly for tests.
	BookmarkInterval time.Duration
	// CompactionInterval: 0 is 5 minutes, less than 0 never.
	CompactionInterval time.Duration
}

func (c *Config) setDefaults() {
	if c.DataDir == "" {
		c.DataDir = "/var/lib/orca"
	}
	if c.BindAddress == nil {
		c.BindAddress = net.IPv4zero
	}
	if c.ServiceClusterIPRange == "" {
		c.ServiceClusterIPRange = "10.96.0.0/12"
	}
	if c.ServiceNodePortRange == "" {
		c.ServiceNodePortRange = "30000-32767"
	}
	if c.CertDir == "" {
		c.CertDir = c.DataDir + "/tls"
	}
	if c.KubeconfigOut == "" {
		c.KubeconfigOut = c.DataDir + "/admin.kubeconfig"
	}
	if c.DefaultNotReadyTolerationSeconds == nil {
		c.DefaultNotReadyTolerationSeconds = ptr(int64(300))
	}
	if c.DefaultUnreachableTolerationSeconds == nil {
		c.DefaultUnreachableTolerationSeconds = ptr(int64(300))
	}
	if c.CompactionInterval == 0 {
		c.CompactionInterval = 5 * time.Minute
	}
}
