package apiserver

import (
	"net/http"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"orca/internal/auth"
)

// publicPaths are open to anonymous clients, as upstream's
// system:public-info-viewer role opens them (probes, load balancers).
func isPublic(path string) bool {
	for _, p := range []string{"/healthz", "/livez", "/readyz", "/version"} {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// authenticate finds the user of an in-process request (inProcess), or
// from a verified client certificate: CN is the name, O the groups.
func authenticate(r *http.Request) *auth.User {
	if u := inProcessUser(r); u != nil {
		return u
	}
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 || len(r.TLS.VerifiedChains[0]) == 0 {
		return nil
	}
	leaf := r.TLS.VerifiedChains[0][0]
	groups := append([]string{}, leaf.Subject.Organization...)
	groups = append(groups, auth.AllAuthenticated)
	return &auth.User{Name: leaf.Subject.CommonName, Groups: groups}
}

// withAuthentication refuses anonymous requests with 401, except to the
// public paths.
func (s *Server) withAuthentication(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := authenticate(r)
		if u == nil {
			if !isPublic(r.URL.Path) {
				s.writeObject(w, r, http.StatusUnauthorized, &metav1.Status{
					Status: metav1.StatusFailure, Message: "Unauthorized", Reason: metav1.StatusReasonUnauthorized, Code: http.StatusUnauthorized,
				}, nil)
				return
			}
			u = &auth.User{Name: auth.Anonymous, Groups: []string{auth.AllUnauthenticated}}
		}
		if hasImpersonation(r.Header) {
			var err error
			if u, err = impersonate(r, u); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(auth.WithUser(r.Context(), u)))
	})
}

// withAuthorization asks the authorizer; until RBAC lands every
// authenticated user may do anything (and only the admin cert exists).
func (s *Server) withAuthorization(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := auth.UserFrom(r.Context())
		if !auth.Allowed(u.Name, u.Groups) && !isPublic(r.URL.Path) {
			s.writeObject(w, r, http.StatusForbidden, &metav1.Status{
				Status: metav1.StatusFailure, Reason: metav1.StatusReasonForbidden, Code: http.StatusForbidden,
				Message: "forbidden: User \"" + u.Name + "\" cannot access path \"" + r.URL.Path + "\"",
			}, nil)
			return
		}
		next.ServeHTTP(w, r)
	})
}
