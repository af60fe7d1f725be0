package apiserver

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"orca/internal/auth"
)

// Impersonation headers, as kubectl's --as, --as-group and --as-uid send them.
const (
	impersonateUser       = "Impersonate-User"
	impersonateGroup      = "Impersonate-Group"
	impersonateUID        = "Impersonate-Uid"
	impersonateExtraStart = "Impersonate-Extra-"
)

// impersonate returns the user a request acts as: the authenticated user u,
// or the one its Impersonate-* headers name, which u must be allowed to
// impersonate (auth.Allowed, as for any other action). As upstream: a
// non-anonymous user is in system:authenticated unless the groups say
// otherwise, the anonymous user in system:unauthenticated, and a service
// account named without groups is in its service account groups. The
// headers are removed, so nothing passes them on.
func impersonate(r *http.Request, u *auth.User) (*auth.User, error) {
	h := r.Header
	name, uid, groups := h.Get(impersonateUser), h.Get(impersonateUID), h.Values(impersonateGroup)
	extra := map[string][]string{}
	for k, vs := range h {
		rest, ok := strings.CutPrefix(k, impersonateExtraStart)
		if !ok {
			continue
		}
		key, err := url.PathUnescape(strings.ToLower(rest))
		if err != nil {
			return nil, apierrors.NewBadRequest("malformed " + k + " header: " + err.Error())
		}
		extra[key] = append(extra[key], vs...)
		h.Del(k)
	}
	h.Del(impersonateUser)
	h.Del(impersonateUID)
	h.Del(impersonateGroup)
	if name == "" {
		if len(groups) > 0 || uid != "" || len(extra) > 0 {
			return nil, apierrors.NewBadRequest("requested groups, uid or extra without impersonating a user")
		}
		return u, nil
	}
	if !auth.Allowed(u.Name, u.Groups) {
		return nil, apierrors.NewForbidden(schema.GroupResource{Resource: "users"}, name,
			errors.New(`User "`+u.Name+`" cannot impersonate resource "users" in API group "" at the cluster scope`))
	}
	if ns, ok := serviceAccountNamespace(name); ok && len(groups) == 0 {
		groups = []string{"system:serviceaccounts", "system:serviceaccounts:" + ns}
	}
	groups = withAuthGroup(name, groups)
	if len(extra) == 0 {
		extra = nil
	}
	return &auth.User{Name: name, UID: uid, Groups: groups, Extra: extra}, nil
}

// withAuthGroup adds system:authenticated (system:unauthenticated for the
// anonymous user) unless the groups already hold one of the two.
func withAuthGroup(name string, groups []string) []string {
	for _, g := range groups {
		if g == auth.AllAuthenticated || g == auth.AllUnauthenticated {
			return groups
		}
	}
	if name == auth.Anonymous {
		return append(groups, auth.AllUnauthenticated)
	}
	return append(groups, auth.AllAuthenticated)
}

// serviceAccountNamespace reads system:serviceaccount:<namespace>:<name>.
func serviceAccountNamespace(user string) (string, bool) {
	rest, ok := strings.CutPrefix(user, "system:serviceaccount:")
	if !ok {
		return "", false
	}
	ns, name, ok := strings.Cut(rest, ":")
	return ns, ok && ns != "" && name != "" && !strings.Contains(name, ":")
}

func hasImpersonation(h http.Header) bool {
	for k := range h {
		if strings.HasPrefix(k, "Impersonate-") {
			return true
		}
	}
	return false
}
