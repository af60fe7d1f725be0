package pki

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

var (
	localNames = []string{"localhost", "kubernetes.default.svc"}
	localIPs   = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
)

func TestServingCertVerifies(t *testing.T) {
	ca := newTestCA(t)
	certFile, keyFile := pairPaths(t, "apiserver")
	if err := ca.EnsureServingCert(certFile, keyFile, localNames, localIPs); err != nil {
		t.Fatal(err)
	}
	leaf := readLeaf(t, certFile)
	tests := []struct {
		host  string
		usage x509.ExtKeyUsage
		ok    bool
	}{
		{"localhost", x509.ExtKeyUsageServerAuth, true},
		{"127.0.0.1", x509.ExtKeyUsageServerAuth, true},
		{"::1", x509.ExtKeyUsageServerAuth, true},
		{"kubernetes.default.svc", x509.ExtKeyUsageServerAuth, true},
		{"example.com", x509.ExtKeyUsageServerAuth, false},
		{"10.0.0.1", x509.ExtKeyUsageServerAuth, false},
		{"localhost", x509.ExtKeyUsageClientAuth, false},
	}
	for _, tt := range tests {
		_, err := leaf.Verify(x509.VerifyOptions{
			DNSName: tt.host, Roots: ca.pool(), KeyUsages: []x509.ExtKeyUsage{tt.usage},
		})
		if (err == nil) != tt.ok {
			t.Errorf("Verify(%s, usage %v) err = %v, want ok=%v", tt.host, tt.usage, err, tt.ok)
		}
	}
	checkValidity(t, leaf, certValidity)
	checkMode(t, keyFile, 0o600)
	checkMode(t, certFile, 0o644)
}

func TestServingCertReissueOnChangedRequest(t *testing.T) {
	tests := []struct {
		name    string
		dns     []string
		ips     []net.IP
		reissue bool
	}{
		{"unchanged", localNames, localIPs, false},
		{"subset", []string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1)}, false},
		{"reordered and cased", []string{"Kubernetes.Default.SVC", "localhost"}, []net.IP{net.IPv6loopback, net.ParseIP("127.0.0.1")}, false},
		{"new DNS name", append(slices.Clone(localNames), "orca.example"), localIPs, true},
		{"new IP", localNames, append(slices.Clone(localIPs), net.IPv4(10, 96, 0, 1)), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ca := newTestCA(t)
			certFile, keyFile := pairPaths(t, "apiserver")
			if err := ca.EnsureServingCert(certFile, keyFile, localNames, localIPs); err != nil {
				t.Fatal(err)
			}
			oldCert, oldKey := mustRead(t, certFile), mustRead(t, keyFile)
			if err := ca.EnsureServingCert(certFile, keyFile, tt.dns, tt.ips); err != nil {
				t.Fatal(err)
			}
			changed := !bytes.Equal(oldCert, mustRead(t, certFile))
			if changed != tt.reissue || changed == bytes.Equal(oldKey, mustRead(t, keyFile)) {
				t.Fatalf("cert changed = %v (key changed = %v), want %v", changed, !bytes.Equal(oldKey, mustRead(t, keyFile)), tt.reissue)
			}
			leaf := readLeaf(t, certFile)
			for _, ip := range tt.ips {
				if err := leaf.VerifyHostname(ip.String()); err != nil {
					t.Error(err)
				}
			}
			for _, name := range tt.dns {
				if err := leaf.VerifyHostname(name); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func TestReissueWhenFilesAreUnusable(t *testing.T) {
	tests := []struct {
		name    string
		damage  func(t *testing.T, ca *CA, certFile, keyFile string)
		reissue bool
	}{
		{"valid 40 more days", func(t *testing.T, ca *CA, c, k string) { writeLeafExpiringIn(t, ca, c, k, 40*24*time.Hour) }, false},
		{"expires in 10 days", func(t *testing.T, ca *CA, c, k string) { writeLeafExpiringIn(t, ca, c, k, 10*24*time.Hour) }, true},
		{"key does not match", func(t *testing.T, _ *CA, _, k string) {
			key, _ := newKey()
			pemBytes, _ := encodeKey(key)
			mustWrite(t, k, pemBytes)
		}, true},
		{"signed by another CA", func(t *testing.T, _ *CA, c, k string) {
			if err := newTestCA(t).EnsureServingCert(c+".tmp", k, localNames, localIPs); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(c+".tmp", c); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"client cert in its place", func(t *testing.T, ca *CA, c, k string) {
			os.Remove(c)
			if _, _, err := ca.EnsureClientCert(c, k, "localhost", nil); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"corrupt cert", func(t *testing.T, _ *CA, c, _ string) { mustWrite(t, c, []byte("garbage")) }, true},
		{"missing key", func(t *testing.T, _ *CA, _, k string) { os.Remove(k) }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ca := newTestCA(t)
			certFile, keyFile := pairPaths(t, "apiserver")
			if err := ca.EnsureServingCert(certFile, keyFile, localNames, localIPs); err != nil {
				t.Fatal(err)
			}
			tt.damage(t, ca, certFile, keyFile)
			before := mustRead(t, certFile)
			if err := ca.EnsureServingCert(certFile, keyFile, localNames, localIPs); err != nil {
				t.Fatal(err)
			}
			after := mustRead(t, certFile)
			if changed := !bytes.Equal(before, after); changed != tt.reissue {
				t.Fatalf("reissued = %v, want %v", changed, tt.reissue)
			}
			req := request{usage: x509.ExtKeyUsageServerAuth, dnsNames: localNames, ips: localIPs}
			if !ca.accepts(after, mustRead(t, keyFile), req, time.Now()) {
				t.Error("files after EnsureServingCert are not acceptable")
			}
		})
	}
}

// writeLeafExpiringIn replaces the pair with a serving cert for localNames/localIPs expiring after d.
func writeLeafExpiringIn(t *testing.T, ca *CA, certFile, keyFile string, d time.Duration) {
	t.Helper()
	key, _ := newKey()
	tmpl := request{usage: x509.ExtKeyUsageServerAuth, dnsNames: localNames, ips: localIPs}.template()
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(d)
	der, err := createCert(tmpl, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, _ := encodeKey(key)
	mustWrite(t, keyFile, keyPEM)
	mustWrite(t, certFile, encodeCert(der))
}

func TestClientCert(t *testing.T) {
	ca := newTestCA(t)
	certFile, keyFile := pairPaths(t, "admin")
	certPEM, keyPEM, err := ca.EnsureClientCert(certFile, keyFile, "admin", []string{"system:masters", "ops"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(certPEM, mustRead(t, certFile)) || !bytes.Equal(keyPEM, mustRead(t, keyFile)) {
		t.Fatal("returned PEM differs from files")
	}
	leaf := readLeaf(t, certFile)
	if leaf.Subject.CommonName != "admin" || !slices.Equal(sortedSet(leaf.Subject.Organization), []string{"ops", "system:masters"}) {
		t.Errorf("subject = %v", leaf.Subject)
	}
	for usage, ok := range map[x509.ExtKeyUsage]bool{x509.ExtKeyUsageClientAuth: true, x509.ExtKeyUsageServerAuth: false} {
		_, err := leaf.Verify(x509.VerifyOptions{Roots: ca.pool(), KeyUsages: []x509.ExtKeyUsage{usage}})
		if (err == nil) != ok {
			t.Errorf("Verify(usage %v) err = %v, want ok=%v", usage, err, ok)
		}
	}
	checkValidity(t, leaf, certValidity)
	checkMode(t, keyFile, 0o600)
}

func TestClientCertReissue(t *testing.T) {
	tests := []struct {
		name    string
		user    string
		groups  []string
		reissue bool
	}{
		{"unchanged", "admin", []string{"system:masters", "ops"}, false},
		{"groups reordered", "admin", []string{"ops", "system:masters"}, false},
		{"group removed", "admin", []string{"system:masters"}, true},
		{"group added", "admin", []string{"system:masters", "ops", "dev"}, true},
		{"other user", "root", []string{"system:masters", "ops"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ca := newTestCA(t)
			certFile, keyFile := pairPaths(t, "admin")
			old, _, err := ca.EnsureClientCert(certFile, keyFile, "admin", []string{"system:masters", "ops"})
			if err != nil {
				t.Fatal(err)
			}
			got, _, err := ca.EnsureClientCert(certFile, keyFile, tt.user, tt.groups)
			if err != nil {
				t.Fatal(err)
			}
			if changed := !bytes.Equal(old, got); changed != tt.reissue {
				t.Fatalf("reissued = %v, want %v", changed, tt.reissue)
			}
			want := pkix.Name{CommonName: tt.user, Organization: tt.groups}
			if leaf := readLeaf(t, certFile); !(request{subject: want, matchSubject: true}).coveredBy(leaf) {
				t.Errorf("subject = %v, want %v", leaf.Subject, want)
			}
		})
	}
}

func TestEnsureRejectsEmptyRequests(t *testing.T) {
	ca := newTestCA(t)
	dir := t.TempDir()
	c, k := filepath.Join(dir, "x.crt"), filepath.Join(dir, "x.key")
	if err := ca.EnsureServingCert(c, k, nil, nil); err == nil {
		t.Error("serving cert without names accepted")
	}
	if _, _, err := ca.EnsureClientCert(c, k, "", nil); err == nil {
		t.Error("client cert without user accepted")
	}
}

func TestSerialsDiffer(t *testing.T) {
	ca := newTestCA(t)
	a, _ := pairPaths(t, "a")
	b, _ := pairPaths(t, "b")
	for _, p := range []string{a, b} {
		if _, _, err := ca.EnsureClientCert(p, p+".key", "u", nil); err != nil {
			t.Fatal(err)
		}
	}
	if readLeaf(t, a).SerialNumber.Cmp(readLeaf(t, b).SerialNumber) == 0 {
		t.Error("two certificates share a serial number")
	}
}
