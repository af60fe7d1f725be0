package pki

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"net"
	"slices"
	"strings"
	"time"
)

// request describes what a leaf certificate must contain.
type request struct {
	subject      pkix.Name
	matchSubject bool // client certs: CN and O are identity, so they must match
	usage        x509.ExtKeyUsage
	dnsNames     []string
	ips          []net.IP
}

// template returns the certificate to issue for r (validity and serial are set by sign).
func (r request) template() *x509.Certificate {
	return &x509.Certificate{
		Subject:               r.subject,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{r.usage},
		BasicConstraintsValid: true,
		DNSNames:              r.dnsNames,
		IPAddresses:           r.ips,
	}
}

// accepts reports whether the PEM pair on disk can be kept for r: it parses,
// the key matches, it chains to ca for r's usage at now, it is valid for at
// least renewBefore more, and it covers r's names and subject.
func (ca *CA) accepts(certPEM, keyPEM []byte, r request, now time.Time) bool {
	certs, err := parseCerts(certPEM)
	if err != nil {
		return false
	}
	key, err := parseKey(keyPEM)
	if err != nil || !keyMatches(certs[0], key) {
		return false
	}
	if now.Add(renewBefore).After(certs[0].NotAfter) || !ca.verifies(certs, r.usage, now) {
		return false
	}
	return r.coveredBy(certs[0])
}

// verifies checks that certs[0] chains to ca (via any intermediates that follow it).
func (ca *CA) verifies(certs []*x509.Certificate, usage x509.ExtKeyUsage, now time.Time) bool {
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := certs[0].Verify(x509.VerifyOptions{
		Roots:         ca.pool(),
		Intermediates: inter,
		KeyUsages:     []x509.ExtKeyUsage{usage},
		CurrentTime:   now,
	})
	return err == nil
}

// coveredBy reports whether cert has every requested SAN (extra SANs are
// fine) and, for client certs, exactly the requested CN and organizations.
func (r request) coveredBy(cert *x509.Certificate) bool {
	for _, name := range r.dnsNames {
		if !slices.ContainsFunc(cert.DNSNames, func(n string) bool { return strings.EqualFold(n, name) }) {
			return false
		}
	}
	for _, ip := range r.ips {
		if !slices.ContainsFunc(cert.IPAddresses, ip.Equal) {
			return false
		}
	}
	if !r.matchSubject {
		return true
	}
	return cert.Subject.CommonName == r.subject.CommonName &&
		slices.Equal(sortedSet(cert.Subject.Organization), sortedSet(r.subject.Organization))
}

func sortedSet(s []string) []string {
	return slices.Compact(slices.Sorted(slices.Values(s)))
}
