package pki

import (
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// startMTLSServer serves whoami over HTTPS with a serving cert from ca and
// requires client certificates signed by ca.
func startMTLSServer(t *testing.T, ca *CA) *httptest.Server {
	t.Helper()
	certFile, keyFile := pairPaths(t, "apiserver")
	if err := ca.EnsureServingCert(certFile, keyFile, []string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1)}); err != nil {
		t.Fatal(err)
	}
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer := r.TLS.PeerCertificates[0]
		fmt.Fprintf(w, "%s %s", peer.Subject.CommonName, strings.Join(peer.Subject.Organization, ","))
	}))
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{pair},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    ca.pool(),
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // expected handshake failures
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// restConfigFrom loads a kubeconfig the way kubectl does.
func restConfigFrom(t *testing.T, path string) *rest.Config {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.CurrentContext != "default" || cfg.Contexts["default"] == nil {
		t.Fatalf("current context = %q, contexts = %v", cfg.CurrentContext, cfg.Contexts)
	}
	restCfg, err := clientcmd.NewDefaultClientConfig(*cfg, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	return restCfg
}

func get(restCfg *rest.Config, url string) (string, error) {
	client, err := rest.HTTPClientFor(restCfg)
	if err != nil {
		return "", err
	}
	resp, err := client.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return string(body), err
}

func TestKubeconfigMutualTLS(t *testing.T) {
	ca := newTestCA(t)
	srv := startMTLSServer(t, ca)
	certFile, keyFile := pairPaths(t, "admin")
	certPEM, keyPEM, err := ca.EnsureClientCert(certFile, keyFile, "admin", []string{"system:masters"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "admin.kubeconfig")
	if err := WriteKubeconfig(path, srv.URL, ca.CertPEM, certPEM, keyPEM); err != nil {
		t.Fatal(err)
	}
	checkMode(t, path, 0o600)
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("kubeconfig dir holds %d entries, want just the kubeconfig", len(entries))
	}
	restCfg := restConfigFrom(t, path)
	if restCfg.Host != srv.URL {
		t.Errorf("Host = %q, want %q", restCfg.Host, srv.URL)
	}
	body, err := get(restCfg, srv.URL+"/whoami")
	if err != nil {
		t.Fatalf("HTTPS request with kubeconfig credentials: %v", err)
	}
	if body != "admin system:masters" {
		t.Errorf("server saw client %q", body)
	}
}

func TestKubeconfigTLSFailures(t *testing.T) {
	ca := newTestCA(t)
	srv := startMTLSServer(t, ca)
	certPEM, keyPEM, err := ca.EnsureClientCert(filepath.Join(t.TempDir(), "a.crt"), filepath.Join(t.TempDir(), "a.key"), "admin", nil)
	if err != nil {
		t.Fatal(err)
	}
	strangerCA := newTestCA(t)
	strangerCert, strangerKey, err := strangerCA.EnsureClientCert(filepath.Join(t.TempDir(), "s.crt"), filepath.Join(t.TempDir(), "s.key"), "admin", nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name             string
		caPEM, cert, key []byte
	}{
		{"server CA unknown to client", strangerCA.CertPEM, certPEM, keyPEM},
		{"client cert from another CA", ca.CertPEM, strangerCert, strangerKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "kubeconfig")
			if err := WriteKubeconfig(path, srv.URL, tt.caPEM, tt.cert, tt.key); err != nil {
				t.Fatal(err)
			}
			if body, err := get(restConfigFrom(t, path), srv.URL); err == nil {
				t.Errorf("request succeeded (%q), want TLS failure", body)
			}
		})
	}
}

func TestWriteKubeconfigReplacesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kubeconfig")
	mustWrite(t, path, []byte("old"))
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteKubeconfig(path, "https://example:6443", []byte("ca"), []byte("c"), []byte("k")); err != nil {
		t.Fatal(err)
	}
	checkMode(t, path, 0o600)
	cfg, err := clientcmd.LoadFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Clusters["default"]; got == nil || got.Server != "https://example:6443" || string(got.CertificateAuthorityData) != "ca" {
		t.Errorf("cluster = %+v", got)
	}
	if got := cfg.AuthInfos["default"]; got == nil || string(got.ClientCertificateData) != "c" || string(got.ClientKeyData) != "k" {
		t.Errorf("user = %+v", got)
	}
}
