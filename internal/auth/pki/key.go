package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"os"
)

func newKey() (crypto.Signer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("pki: generating key: %w", err)
	}
	return key, nil
}

// LoadOrCreateSigningKey loads the PEM private key at path, or creates an
// ECDSA P-256 key there (mode 0600) if the file does not exist. An existing
// RSA key is kept; it is meant for signing service-account tokens.
func LoadOrCreateSigningKey(path string) (crypto.Signer, error) {
	key, err := loadOrCreateKey(path)
	if err != nil {
		return nil, err
	}
	switch key.(type) {
	case *ecdsa.PrivateKey, *rsa.PrivateKey:
		return key, nil
	}
	return nil, fmt.Errorf("pki: %s: signing key must be ECDSA or RSA, not %T", path, key)
}

// loadOrCreateKey loads the key at path or writes a fresh ECDSA P-256 key there.
func loadOrCreateKey(path string) (crypto.Signer, error) {
	switch ok, err := fileExists(path); {
	case err != nil:
		return nil, err
	case ok:
		return loadKey(path)
	}
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	pemBytes, err := encodeKey(key)
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(path, pemBytes, 0o600); err != nil {
		return nil, err
	}
	return key, nil
}

// loadKey reads and parses the private key at path.
func loadKey(path string) (crypto.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	key, err := parseKey(data)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return key, nil
}
