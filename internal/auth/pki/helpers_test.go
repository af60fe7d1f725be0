package pki

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func newTestCA(t *testing.T) *CA {
	t.Helper()
	ca, err := LoadOrCreateCA(t.TempDir(), "ca", "orca-test-ca")
	if err != nil {
		t.Fatalf("LoadOrCreateCA: %v", err)
	}
	return ca
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustWrite(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func readLeaf(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	certs, err := parseCerts(mustRead(t, path))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return certs[0]
}

func checkMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %o, want %o", filepath.Base(path), got, want)
	}
}

// pairPaths returns cert and key paths in a fresh directory.
func pairPaths(t *testing.T, name string) (string, string) {
	dir := t.TempDir()
	return filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
}

// checkValidity asserts NotBefore is an hour back, NotAfter validity ahead,
// and the serial is a positive random number of at most 129 bits.
func checkValidity(t *testing.T, c *x509.Certificate, validity time.Duration) {
	t.Helper()
	now := time.Now()
	if d := now.Add(-clockSkew).Sub(c.NotBefore).Abs(); d > time.Minute {
		t.Errorf("NotBefore %s is not an hour before now", c.NotBefore)
	}
	if d := now.Add(validity).Sub(c.NotAfter).Abs(); d > time.Minute {
		t.Errorf("NotAfter %s is not %s after now", c.NotAfter, validity)
	}
	if c.SerialNumber.Sign() <= 0 || c.SerialNumber.BitLen() > 129 || c.SerialNumber.BitLen() < 64 {
		t.Errorf("serial %s is not a random 128-bit number", c.SerialNumber)
	}
}
