package apiserver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"orca/internal/auth"
	"orca/internal/auth/pki"
)

// kubeletClientUser is the identity kubelets let in (upstream kubeadm's name).
const kubeletClientUser = "kube-apiserver-kubelet-client"

// defaultKubeletPort is used when a node does not report its kubelet port.
const defaultKubeletPort = 10250

// setupKubeletClient loads (or issues, signed by ca) the client certificate
// the apiserver presents to kubelets, and builds the transport that reaches
// them. A kubelet's serving certificate is verified only against
// --kubelet-certificate-authority: kubelets self-sign by default.
func (s *Server) setupKubeletClient(ca *pki.CA) error {
	c := s.cfg
	certFile, keyFile := c.KubeletClientCertificate, c.KubeletClientKey
	if (certFile == "") != (keyFile == "") {
		return errors.New("--kubelet-client-certificate and --kubelet-client-key must be given together")
	}
	if certFile == "" {
		certFile, keyFile = filepath.Join(c.CertDir, "apiserver-kubelet-client.crt"), filepath.Join(c.CertDir, "apiserver-kubelet-client.key")
		if _, _, err := ca.EnsureClientCert(certFile, keyFile, kubeletClientUser, []string{auth.SystemMasters}); err != nil {
			return err
		}
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return fmt.Errorf("kubelet client certificate: %w", err)
	}
	tlsCfg := &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"http/1.1"}, // exec and friends upgrade the connection
	}
	if c.KubeletCertificateAuthority != "" {
		pem, err := os.ReadFile(c.KubeletCertificateAuthority)
		if err != nil {
			return fmt.Errorf("--kubelet-certificate-authority: %w", err)
		}
		tlsCfg.RootCAs = x509.NewCertPool()
		if !tlsCfg.RootCAs.AppendCertsFromPEM(pem) {
			return fmt.Errorf("--kubelet-certificate-authority %s: no certificates found", c.KubeletCertificateAuthority)
		}
	} else {
		tlsCfg.InsecureSkipVerify = true
	}
	s.kubelet = newProxyTransport(tlsCfg)
	return nil
}

func newProxyTransport(tlsCfg *tls.Config) *http.Transport {
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     tlsCfg,
		TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
	}
}

// kubeletAddr is host:port of node's kubelet: its preferred address and
// the port it reports in status.daemonEndpoints.
func (s *Server) kubeletAddr(ctx context.Context, nodeName string) (string, error) {
	node, err := s.getNode(ctx, nodeName)
	if err != nil {
		return "", err
	}
	host, err := preferredAddress(node)
	if err != nil {
		return "", err
	}
	port := int(node.Status.DaemonEndpoints.KubeletEndpoint.Port)
	if port == 0 {
		port = defaultKubeletPort
	}
	return net.JoinHostPort(host, strconv.Itoa(port)), nil
}

func (s *Server) getNode(ctx context.Context, name string) (*corev1.Node, error) {
	obj, err := s.rest("", "nodes").Get(ctx, "", name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	return obj.(*corev1.Node), nil
}

// preferredAddress picks, in order, the InternalIP, InternalDNS, Hostname,
// ExternalIP and ExternalDNS address: the node's own network first, since
// hostnames need not resolve from the apiserver.
func preferredAddress(node *corev1.Node) (string, error) {
	for _, t := range []corev1.NodeAddressType{corev1.NodeInternalIP, corev1.NodeInternalDNS, corev1.NodeHostName, corev1.NodeExternalIP, corev1.NodeExternalDNS} {
		for _, a := range node.Status.Addresses {
			if a.Type == t && a.Address != "" {
				return a.Address, nil
			}
		}
	}
	return "", backendError(fmt.Errorf("no preferred addresses found; known addresses: %v", node.Status.Addresses))
}

// backendError is how upstream reports a kubelet it cannot reach: a 500
// Status carrying the transport's message and no reason.
func backendError(err error) error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure, Code: http.StatusInternalServerError, Message: err.Error(),
	}}
}
