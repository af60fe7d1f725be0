package apiserver

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"

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
	clientCA := ca
	if c.ClientCAFile != "" {
		if clientCA, err = pki.LoadCA(c.ClientCAFile, c.ClientCAKey); err != nil {
			return fmt.Errorf("--client-ca-file: %w", err)
		}
	}
	pool := x509.NewCertPool()
	pool.AddCert(clientCA.Cert)
	s.tlsConfig = &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.VerifyClientCertIfGiven,
		ClientCAs:    pool,
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"h2", "http/1.1"},
	}
	return s.writeAdminKubeconfig(ca, clientCA)
}

// writeAdminKubeconfig issues the admin client certificate (system:masters)
// and writes the kubeconfig that `orca kubectl` uses.
func (s *Server) writeAdminKubeconfig(serverCA, clientCA *pki.CA) error {
	if clientCA.Key == nil {
		return nil // the user brought a client CA without its key: no admin cert from us
	}
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
