package apiserver

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"

	"k8s.io/client-go/rest"

	"orca/internal/auth"
	"orca/internal/auth/pki"
)

// setupTLS creates or loads the PKI: the serving certificate (generated
// unless --tls-cert-file is given), the client CA that authenticates users,
// and the admin kubeconfig signed by it.
func (s *Server) setupTLS(serviceIP net.IP) error {
	c := s.cfg
	ca, err := pki.LoadOrCreateCA(c.CertDir, "ca", "orca-ca")
	if err != nil {
		return err
	}
	certFile, keyFile := c.TLSCertFile, c.TLSKeyFile
	if certFile == "" {
		certFile, keyFile = filepath.Join(c.CertDir, "apiserver.crt"), filepath.Join(c.CertDir, "apiserver.key")
		names, ips := pki.HostNames(serviceIP)
		if c.AdvertiseAddress != nil {
			ips = append(ips, c.AdvertiseAddress)
		}
		if err := ca.EnsureServingCert(certFile, keyFile, names, ips); err != nil {
			return err
		}
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return fmt.Errorf("serving certificate: %w", err)
	}
	// Clients are verified against the cluster CA (which signs orca's own
	// admin certificate) and, if given, the user's client CA.
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	if c.ClientCAFile != "" {
		pem, err := os.ReadFile(c.ClientCAFile)
		if err != nil {
			return fmt.Errorf("--client-ca-file: %w", err)
		}
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("--client-ca-file %s: no certificates found", c.ClientCAFile)
		}
	}
	if err := s.setupKubeletClient(ca); err != nil {
		return err
	}
	s.tlsConfig = &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.VerifyClientCertIfGiven,
		ClientCAs:    pool,
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"h2", "http/1.1"},
	}
	s.clusterCA = ca.CertPEM
	s.setupLoopback()
	return s.writeAdminKubeconfig(ca, ca)
}

// writeAdminKubeconfig issues the admin client certificate (system:masters)
// and writes the kubeconfig that `orca kubectl` uses.
func (s *Server) writeAdminKubeconfig(serverCA, clientCA *pki.CA) error {
	c := s.cfg
	certPEM, keyPEM, err := clientCA.EnsureClientCert(filepath.Join(c.CertDir, "admin.crt"), filepath.Join(c.CertDir, "admin.key"), "system:admin", []string{auth.SystemMasters})
	if err != nil {
		return err
	}
	caPEM := serverCA.CertPEM
	if c.TLSCertFile != "" {
		caPEM = nil // a user-provided serving cert: trust the system roots
		if b, err := os.ReadFile(c.TLSCertFile); err == nil {
			caPEM = b
		}
	}
	return pki.WriteKubeconfig(c.KubeconfigOut, s.URL(), caPEM, certPEM, keyPEM)
}

// LoopbackConfig is a client configuration for orca's own components in
// this process (scheduler, controllers, `orca up`'s agent), authenticated
// as system:apiserver. Its requests go straight to the handler
// (inProcess); Host names the server for messages only.
func (s *Server) LoopbackConfig() *rest.Config { return rest.CopyConfig(s.loopback) }

// ClusterCA is the PEM of the CA that signs orca's client certificates,
// the API server's kubelet client certificate among them: an agent in
// this process verifies the server's requests with it.
func (s *Server) ClusterCA() []byte { return s.clusterCA }

func (s *Server) setupLoopback() {
	user := &auth.User{Name: "system:apiserver", Groups: []string{auth.SystemMasters, auth.AllAuthenticated}}
	s.loopback = &rest.Config{Host: s.URL(), Transport: &inProcess{handler: s.Handler(), user: user}}
	s.loopback.ContentType = "application/vnd.kubernetes.protobuf"
}
