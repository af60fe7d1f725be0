// Package auth holds who is calling: authentication turns a request into a
// User, authorization decides what that User may do.
package auth

import "context"

// User is an authenticated identity, as Kubernetes' user.Info describes it.
type User struct {
	Name   string
	UID    string
	Groups []string
	Extra  map[string][]string
}

// Well-known users and groups.
const (
	Anonymous          = "system:anonymous"
	AllUnauthenticated = "system:unauthenticated"
	AllAuthenticated   = "system:authenticated"
	SystemMasters      = "system:masters"
)

// Allowed is orca's authorization until RBAC is enforced: an
// authenticated user may do anything, an anonymous one nothing (beyond
// the public paths the API server opens to everyone).
func Allowed(name string, groups []string) bool {
	if name == Anonymous {
		return false
	}
	for _, g := range groups {
		if g == AllUnauthenticated {
			return false
		}
	}
	return true
}

// AllowedReason explains an allowed decision, in access reviews' status.
const AllowedReason = "orca allows every authenticated user everything (RBAC objects are stored, not enforced)"

type userKey struct{}

// WithUser returns a context carrying u.
func WithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserFrom returns the user in ctx, or nil.
func UserFrom(ctx context.Context) *User {
	u, _ := ctx.Value(userKey{}).(*User)
	return u
}
