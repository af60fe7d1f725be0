package pki

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

const caValidity = 10 * 365 * 24 * time.Hour

// CA is a certificate authority. Key is nil when the CA was loaded without
// its private key; such a CA can check certificates but not issue them.
type CA struct {
	Cert    *x509.Certificate
	Key     crypto.Signer
	CertPEM []byte
}

// LoadOrCreateCA loads <dir>/<name>.crt and <dir>/<name>.key, or creates a
// self-signed ECDSA P-256 CA valid for 10 years with CommonName cn.
// A key left without a certificate (interrupted first start) is reused;
// a certificate without its key is an error, since it cannot be recovered.
func LoadOrCreateCA(dir, name, cn string) (*CA, error) {
	certFile := filepath.Join(dir, name+".crt")
	keyFile := filepath.Join(dir, name+".key")
	certExists, err := fileExists(certFile)
	if err != nil {
		return nil, err
	}
	if certExists {
		return LoadCA(certFile, keyFile)
	}
	key, err := loadOrCreateKey(keyFile)
	if err != nil {
		return nil, err
	}
	return createCA(certFile, key, cn)
}

// createCA self-signs a CA certificate for key and writes it to certFile.
func createCA(certFile string, key crypto.Signer, cn string) (*CA, error) {
	now := time.Now()
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             now.Add(-clockSkew),
		NotAfter:              now.Add(caValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := createCert(tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	ca := &CA{Cert: cert, Key: key, CertPEM: encodeCert(der)}
	if err := writeFileAtomic(certFile, ca.CertPEM, 0o644); err != nil {
		return nil, err
	}
	return ca, nil
}

// LoadCA loads a CA from explicit files, e.g. a user-provided PKI. keyFile may
// be empty, in which case the CA cannot sign. CertPEM holds the file as read.
func LoadCA(certFile, keyFile string) (*CA, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	certs, err := parseCerts(certPEM)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, certFile)
	}
	cert := certs[0]
	if err := checkCA(cert, time.Now()); err != nil {
		return nil, fmt.Errorf("pki: %s: %w", certFile, err)
	}
	ca := &CA{Cert: cert, CertPEM: certPEM}
	if keyFile == "" {
		return ca, nil
	}
	if ca.Key, err = loadKey(keyFile); err != nil {
		return nil, err
	}
	if !keyMatches(cert, ca.Key) {
		return nil, fmt.Errorf("pki: key %s does not match CA certificate %s", keyFile, certFile)
	}
	return ca, nil
}

func checkCA(cert *x509.Certificate, now time.Time) error {
	if !cert.IsCA {
		return fmt.Errorf("certificate %q is not a CA", cert.Subject.CommonName)
	}
	if now.After(cert.NotAfter) {
		return fmt.Errorf("CA certificate %q expired at %s", cert.Subject.CommonName, cert.NotAfter)
	}
	return nil
}

// pool returns a cert pool holding only the CA certificate.
func (ca *CA) pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}
