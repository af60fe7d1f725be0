package pki

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"net"
	"os"
	"path/filepath"
	"testing"
)

func TestLoadOrCreateCAReloadsIdentically(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key")
	first, err := LoadOrCreateCA(dir, "ca", "orca-ca")
	if err != nil {
		t.Fatal(err)
	}
	certBytes, keyBytes := mustRead(t, certFile), mustRead(t, keyFile)
	second, err := LoadOrCreateCA(dir, "ca", "ignored-on-reload")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.CertPEM, second.CertPEM) || !bytes.Equal(certBytes, second.CertPEM) {
		t.Error("CA certificate PEM changed on reload")
	}
	if !bytes.Equal(keyBytes, mustRead(t, keyFile)) || !bytes.Equal(certBytes, mustRead(t, certFile)) {
		t.Error("CA files were rewritten on reload")
	}
	if !second.Cert.Equal(first.Cert) || !keyMatches(first.Cert, second.Key) {
		t.Error("reloaded CA differs from created CA")
	}
	checkMode(t, keyFile, 0o600)
}

func TestCreatedCAProperties(t *testing.T) {
	ca := newTestCA(t)
	c := ca.Cert
	if !c.IsCA || !c.BasicConstraintsValid || c.Subject.CommonName != "orca-test-ca" {
		t.Errorf("not a CA named orca-test-ca: IsCA=%v CN=%q", c.IsCA, c.Subject.CommonName)
	}
	if err := c.CheckSignatureFrom(c); err != nil {
		t.Errorf("CA is not self-signed: %v", err)
	}
	pub, ok := c.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		t.Errorf("CA key is %T, want ECDSA P-256", c.PublicKey)
	}
	checkValidity(t, c, caValidity)
}

func TestLoadOrCreateCAKeyCertMismatchCases(t *testing.T) {
	t.Run("orphan key is reused", func(t *testing.T) {
		dir := t.TempDir()
		key, err := loadOrCreateKey(filepath.Join(dir, "ca.key"))
		if err != nil {
			t.Fatal(err)
		}
		ca, err := LoadOrCreateCA(dir, "ca", "orca-ca")
		if err != nil {
			t.Fatal(err)
		}
		if !keyMatches(ca.Cert, key) {
			t.Error("CA was not created from the existing key")
		}
	})
	t.Run("cert without key fails", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := LoadOrCreateCA(dir, "ca", "orca-ca"); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(filepath.Join(dir, "ca.key")); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadOrCreateCA(dir, "ca", "orca-ca"); err == nil {
			t.Error("expected an error for a CA certificate without key")
		}
	})
}

func TestLoadCA(t *testing.T) {
	ca := newTestCA(t)
	other := newTestCA(t)
	dir := t.TempDir()
	caCrt, caKey := filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key")
	otherKey, leafCrt, leafKey := filepath.Join(dir, "other.key"), filepath.Join(dir, "leaf.crt"), filepath.Join(dir, "leaf.key")
	mustWrite(t, caCrt, ca.CertPEM)
	keyPEM, _ := encodeKey(ca.Key)
	mustWrite(t, caKey, keyPEM)
	otherPEM, _ := encodeKey(other.Key)
	mustWrite(t, otherKey, otherPEM)
	if _, _, err := ca.EnsureClientCert(leafCrt, leafKey, "u", nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, cert, key  string
		wantErr, wantKey bool
	}{
		{"cert and key", caCrt, caKey, false, true},
		{"cert only", caCrt, "", false, false},
		{"mismatched key", caCrt, otherKey, true, false},
		{"not a CA", leafCrt, leafKey, true, false},
		{"missing cert", filepath.Join(dir, "nope.crt"), "", true, false},
		{"missing key", caCrt, filepath.Join(dir, "nope.key"), true, false},
		{"key file as cert", caKey, "", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadCA(tt.cert, tt.key)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if !got.Cert.Equal(ca.Cert) || (got.Key != nil) != tt.wantKey {
				t.Errorf("loaded CA: cert equal %v, has key %v", got.Cert.Equal(ca.Cert), got.Key != nil)
			}
		})
	}
}

func TestKeylessCAKeepsValidCertButCannotIssue(t *testing.T) {
	ca := newTestCA(t)
	certFile, keyFile := pairPaths(t, "serving")
	names, ips := []string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1)}
	if err := ca.EnsureServingCert(certFile, keyFile, names, ips); err != nil {
		t.Fatal(err)
	}
	before := mustRead(t, certFile)
	keyless := &CA{Cert: ca.Cert, CertPEM: ca.CertPEM}
	if err := keyless.EnsureServingCert(certFile, keyFile, names, ips); err != nil {
		t.Errorf("valid cert rejected by keyless CA: %v", err)
	}
	if !bytes.Equal(before, mustRead(t, certFile)) {
		t.Error("keyless CA changed a valid certificate")
	}
	if err := keyless.EnsureServingCert(certFile, keyFile, []string{"new.example"}, ips); err == nil {
		t.Error("keyless CA claimed to issue a certificate")
	}
}
