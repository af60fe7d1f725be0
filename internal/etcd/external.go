package etcd

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// ExternalConfig names an etcd cluster run by someone else, with the same
// flag names kube-apiserver uses (--etcd-servers, --etcd-cafile, ...).
type ExternalConfig struct {
	Servers  []string
	CAFile   string
	CertFile string
	KeyFile  string
}

// Connect dials an external cluster and checks that it answers.
func Connect(ctx context.Context, c ExternalConfig) (*clientv3.Client, error) {
	tlsCfg, err := c.tls()
	if err != nil {
		return nil, err
	}
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   c.Servers,
		DialTimeout: 10 * time.Second,
		TLS:         tlsCfg,
		Logger:      zap.NewNop(),
		// Large lists of objects exceed gRPC's 4 MiB default.
		MaxCallRecvMsgSize: 1 << 30,
	})
	if err != nil {
		return nil, fmt.Errorf("etcd %s: %w", strings.Join(c.Servers, ","), err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := cli.Get(pctx, "/registry/health-check"); err != nil {
		cli.Close()
		return nil, fmt.Errorf("etcd %s does not answer: %w", strings.Join(c.Servers, ","), err)
	}
	return cli, nil
}

func (c ExternalConfig) tls() (*tls.Config, error) {
	secure := false
	for _, s := range c.Servers {
		secure = secure || strings.HasPrefix(s, "https://")
	}
	if !secure && c.CAFile == "" && c.CertFile == "" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("--etcd-cafile: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--etcd-cafile %s: no certificates found", c.CAFile)
		}
		cfg.RootCAs = pool
	}
	if c.CertFile != "" || c.KeyFile != "" {
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("--etcd-certfile/--etcd-keyfile: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}
