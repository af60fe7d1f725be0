package pki

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"time"
)

const (
	certValidity = 365 * 24 * time.Hour
	renewBefore  = 30 * 24 * time.Hour
	clockSkew    = time.Hour
)

// EnsureServingCert makes sure certFile/keyFile hold a serving certificate
// (ExtKeyUsageServerAuth, 1 year) signed by ca that covers dnsNames and ips,
// reissuing it if not or if it expires within 30 days.
func (ca *CA) EnsureServingCert(certFile, keyFile string, dnsNames []string, ips []net.IP) error {
	dnsNames, ips = uniqueNames(dnsNames), uniqueIPs(ips)
	if len(dnsNames) == 0 && len(ips) == 0 {
		return errors.New("pki: serving certificate needs at least one DNS name or IP")
	}
	_, _, err := ca.ensure(certFile, keyFile, request{
		subject:  pkix.Name{CommonName: servingCN(dnsNames, ips)},
		usage:    x509.ExtKeyUsageServerAuth,
		dnsNames: dnsNames,
		ips:      ips,
	})
	return err
}

// EnsureClientCert makes sure certFile/keyFile hold a client certificate
// (ExtKeyUsageClientAuth, 1 year) signed by ca with Subject CN=user,
// O=groups, reissuing it if not or if it expires within 30 days.
func (ca *CA) EnsureClientCert(certFile, keyFile, user string, groups []string) (certPEM, keyPEM []byte, err error) {
	if user == "" {
		return nil, nil, errors.New("pki: client certificate needs a user name")
	}
	return ca.ensure(certFile, keyFile, request{
		subject:      pkix.Name{CommonName: user, Organization: groups},
		matchSubject: true,
		usage:        x509.ExtKeyUsageClientAuth,
	})
}

func servingCN(dnsNames []string, ips []net.IP) string {
	if len(dnsNames) > 0 {
		return dnsNames[0]
	}
	return ips[0].String()
}

// ensure returns the pair on disk if it still satisfies req, else issues a new one.
func (ca *CA) ensure(certFile, keyFile string, req request) (certPEM, keyPEM []byte, err error) {
	certPEM, keyPEM, err = readPair(certFile, keyFile)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("pki: %w", err)
	}
	if err == nil && ca.accepts(certPEM, keyPEM, req, time.Now()) {
		return certPEM, keyPEM, nil
	}
	if ca.Key == nil {
		return nil, nil, fmt.Errorf("pki: %s must be (re)issued but the CA key is not available", certFile)
	}
	return ca.issue(certFile, keyFile, req)
}

// issue signs a fresh key for req and writes key, then certificate. If the
// process dies in between, the mismatched pair is reissued on the next call.
func (ca *CA) issue(certFile, keyFile string, req request) (certPEM, keyPEM []byte, err error) {
	key, err := newKey()
	if err != nil {
		return nil, nil, err
	}
	if keyPEM, err = encodeKey(key); err != nil {
		return nil, nil, err
	}
	der, err := ca.sign(req.template(), key.Public())
	if err != nil {
		return nil, nil, err
	}
	certPEM = encodeCert(der)
	if err := writeFileAtomic(keyFile, keyPEM, 0o600); err != nil {
		return nil, nil, err
	}
	if err := writeFileAtomic(certFile, certPEM, 0o644); err != nil {
		return nil, nil, err
	}
	return certPEM, keyPEM, nil
}

// sign issues a leaf certificate valid from an hour ago for a year, but never
// past the CA's own expiry.
func (ca *CA) sign(tmpl *x509.Certificate, pub crypto.PublicKey) ([]byte, error) {
	now := time.Now()
	tmpl.NotBefore = now.Add(-clockSkew)
	tmpl.NotAfter = now.Add(certValidity)
	if tmpl.NotAfter.After(ca.Cert.NotAfter) {
		tmpl.NotAfter = ca.Cert.NotAfter
	}
	return createCert(tmpl, ca.Cert, pub, ca.Key)
}

// createCert gives tmpl a random 128-bit serial number and signs it.
func createCert(tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) ([]byte, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("pki: serial number: %w", err)
	}
	tmpl.SerialNumber = serial.Add(serial, big.NewInt(1)) // must be positive
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		return nil, fmt.Errorf("pki: signing %q: %w", tmpl.Subject.CommonName, err)
	}
	return der, nil
}
