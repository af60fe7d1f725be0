package server

import (
	"crypto/x509"
	"net/http"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Who may use the kubelet API: the apiserver's kubelet client and cluster
// admins. (Upstream asks the apiserver with a SubjectAccessReview; orca's
// fixed rule covers the identities it issues.)
const (
	APIServerKubeletClient = "kube-apiserver-kubelet-client"
	SystemMasters          = "system:masters"
)

type user struct {
	name   string
	groups []string
}

// withAuth refuses requests without a client certificate the cluster CA
// signed (401) and users other than the allowed ones (403).
func (s *Server) withAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := s.authenticate(r)
		if u == nil {
			writeError(w, newStatus(http.StatusUnauthorized, metav1.StatusReasonUnauthorized, "Unauthorized"))
			return
		}
		if u.name != APIServerKubeletClient && !slices.Contains(u.groups, SystemMasters) {
			writeError(w, newStatus(http.StatusForbidden, metav1.StatusReasonForbidden,
				"Forbidden (user=%s, verb=%s, resource=nodes, subresource(s)=[%s])", u.name, verbOf(r), subresourceOf(r.URL.Path)))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// authenticate verifies the client certificate chain here rather than in
// the TLS handshake, so a certificate from another CA is a 401 Status.
func (s *Server) authenticate(r *http.Request) *user {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 || s.cfg.ClientCA == nil {
		return nil
	}
	certs := r.TLS.PeerCertificates
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := certs[0].Verify(x509.VerifyOptions{
		Roots: s.cfg.ClientCA, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		s.log.Debug("client certificate rejected", "subject", certs[0].Subject.String(), "err", err)
		return nil
	}
	return &user{name: certs[0].Subject.CommonName, groups: certs[0].Subject.Organization}
}

// verbOf and subresourceOf name a request the way upstream's kubelet
// authorizer does in its Forbidden message.
func verbOf(r *http.Request) string {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		return "get"
	case http.MethodPost:
		return "create"
	case http.MethodPut:
		return "update"
	case http.MethodPatch:
		return "patch"
	case http.MethodDelete:
		return "delete"
	}
	return strings.ToLower(r.Method)
}

func subresourceOf(path string) string {
	switch {
	case strings.HasPrefix(path, "/stats"):
		return "stats"
	case strings.HasPrefix(path, "/metrics"):
		return "metrics"
	case strings.HasPrefix(path, "/logs"):
		return "log"
	case strings.HasPrefix(path, "/spec"):
		return "spec"
	}
	return "proxy"
}
