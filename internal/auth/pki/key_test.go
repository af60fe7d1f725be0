package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
)

func TestLoadOrCreateSigningKeyCreates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sa.key")
	key, err := LoadOrCreateSigningKey(path)
	if err != nil {
		t.Fatal(err)
	}
	ec, ok := key.(*ecdsa.PrivateKey)
	if !ok || ec.Curve != elliptic.P256() {
		t.Fatalf("created %T, want ECDSA P-256", key)
	}
	checkMode(t, path, 0o600)
	before := mustRead(t, path)
	again, err := LoadOrCreateSigningKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if !ec.Equal(again) || !bytes.Equal(before, mustRead(t, path)) {
		t.Error("second call did not return the stored key unchanged")
	}
}

func TestLoadOrCreateSigningKeyLoads(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalECPrivateKey(ecKey)
	rsaPKCS8, _ := x509.MarshalPKCS8PrivateKey(rsaKey)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	edPKCS8, _ := x509.MarshalPKCS8PrivateKey(edKey)
	block := func(typ string, der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}) }
	tests := []struct {
		name string
		data []byte
		want interface{ Equal(crypto.PrivateKey) bool } // nil means an error is expected
	}{
		{"RSA PKCS#1", block("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey)), rsaKey},
		{"RSA PKCS#8", block("PRIVATE KEY", rsaPKCS8), rsaKey},
		{"EC SEC1 after EC PARAMETERS", append(block("EC PARAMETERS", []byte{6, 8, 42, 134, 72, 206, 61, 3, 1, 7}), block("EC PRIVATE KEY", ecDER)...), ecKey},
		{"ed25519 is refused", block("PRIVATE KEY", edPKCS8), nil},
		{"garbage", []byte("not a key"), nil},
		{"corrupt DER", block("PRIVATE KEY", []byte{1, 2, 3}), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sa.key")
			mustWrite(t, path, tt.data)
			key, err := LoadOrCreateSigningKey(path)
			if tt.want == nil {
				if err == nil {
					t.Errorf("loaded %T, want error", key)
				}
			} else if err != nil || !tt.want.Equal(key) {
				t.Errorf("got %T, %v; want the stored key", key, err)
			}
			if !bytes.Equal(tt.data, mustRead(t, path)) {
				t.Error("existing key file was modified")
			}
		})
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "dir")
	path := filepath.Join(dir, "f")
	for i, data := range []string{"one", "two"} {
		if err := writeFileAtomic(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		if got := string(mustRead(t, path)); got != data {
			t.Errorf("write %d: got %q", i, got)
		}
	}
	checkMode(t, path, 0o600)
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d entries in dir, temp files left behind", len(entries))
	}
}
