// Package pki creates and maintains the cluster PKI that `orca server`
// keeps in its data directory: a CA, serving and client certificates signed
// by it, a service-account signing key and an admin kubeconfig.
//
// Everything is load-if-present, create-if-missing, so the files survive
// restarts. A leaf certificate that no longer covers what is requested, no
// longer verifies against the CA, does not match its key, or expires within
// 30 days is reissued from the same CA. All files are written atomically
// (temp file + rename); private keys and kubeconfigs get mode 0600.
package pki
