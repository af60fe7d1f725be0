package integration

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Access reviews and SelfSubjectReview (`kubectl auth can-i`, `auth
// whoami`): answered in the returned object, never stored, create only.
// Until RBAC is enforced every authenticated user may do anything, and the
// answers say so; anonymous users may do nothing.
func TestReviews(t *testing.T) {
	ctx := ctxT(t)
	pods := &authorizationv1.ResourceAttributes{Verb: "create", Resource: "pods", Namespace: "default"}

	t.Run("self", func(t *testing.T) {
		got, err := client.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authorizationv1.SelfSubjectAccessReview{
			Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: pods}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !got.Status.Allowed || got.Status.Denied || got.Status.Reason == "" {
			t.Errorf("status %+v, want allowed with a reason", got.Status)
		}
	})

	t.Run("subject", func(t *testing.T) {
		for _, c := range []struct {
			user    string
			groups  []string
			allowed bool
		}{
			{"jane", nil, true},
			{"", []string{"devs"}, true},
			{"system:anonymous", []string{"system:unauthenticated"}, false},
			{"bob", []string{"system:unauthenticated"}, false},
		} {
			got, err := client.AuthorizationV1().SubjectAccessReviews().Create(ctx, &authorizationv1.SubjectAccessReview{
				Spec: authorizationv1.SubjectAccessReviewSpec{User: c.user, Groups: c.groups, ResourceAttributes: pods}}, metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got.Status.Allowed != c.allowed {
				t.Errorf("user %q groups %v: allowed %v, want %v", c.user, c.groups, got.Status.Allowed, c.allowed)
			}
		}
	})

	t.Run("invalid", func(t *testing.T) {
		_, err := client.AuthorizationV1().SubjectAccessReviews().Create(ctx, &authorizationv1.SubjectAccessReview{}, metav1.CreateOptions{})
		wantCauses(t, "empty SubjectAccessReview", err, "spec.resourceAttributes", "spec.user")
		_, err = client.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authorizationv1.SelfSubjectAccessReview{
			ObjectMeta: metav1.ObjectMeta{Name: "x"},
			Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: pods,
				NonResourceAttributes: &authorizationv1.NonResourceAttributes{Path: "/healthz", Verb: "get"}}}, metav1.CreateOptions{})
		wantCauses(t, "named SelfSubjectAccessReview with both attributes", err, "metadata", "spec.nonResourceAttributes")
	})

	t.Run("local", func(t *testing.T) {
		ns := newNamespace(t)
		got, err := client.AuthorizationV1().LocalSubjectAccessReviews(ns).Create(ctx, &authorizationv1.LocalSubjectAccessReview{
			Spec: authorizationv1.SubjectAccessReviewSpec{User: "jane",
				ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: "get", Resource: "pods", Namespace: ns}}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !got.Status.Allowed || got.Namespace != ns {
			t.Errorf("namespace %q status %+v, want %s and allowed", got.Namespace, got.Status, ns)
		}
		_, err = client.AuthorizationV1().LocalSubjectAccessReviews(ns).Create(ctx, &authorizationv1.LocalSubjectAccessReview{
			Spec: authorizationv1.SubjectAccessReviewSpec{User: "jane",
				ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: "get", Resource: "pods", Namespace: "other"}}}, metav1.CreateOptions{})
		wantCauses(t, "LocalSubjectAccessReview about another namespace", err, "spec.resourceAttributes.namespace")
	})

	t.Run("rules", func(t *testing.T) {
		got, err := client.AuthorizationV1().SelfSubjectRulesReviews().Create(ctx, &authorizationv1.SelfSubjectRulesReview{
			Spec: authorizationv1.SelfSubjectRulesReviewSpec{Namespace: "default"}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Status.ResourceRules) != 1 || !slices.Equal(got.Status.ResourceRules[0].Verbs, []string{"*"}) || got.Status.Incomplete {
			t.Errorf("status %+v, want every verb on every resource", got.Status)
		}
		_, err = client.AuthorizationV1().SelfSubjectRulesReviews().Create(ctx, &authorizationv1.SelfSubjectRulesReview{}, metav1.CreateOptions{})
		if !apierrors.IsBadRequest(err) {
			t.Errorf("rules review without a namespace: err %v, want 400", err)
		}
	})

	t.Run("whoami", func(t *testing.T) {
		got, err := client.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		u := got.Status.UserInfo
		if u.Username != "system:admin" || !slices.Contains(u.Groups, "system:masters") || !slices.Contains(u.Groups, "system:authenticated") {
			t.Errorf("userInfo %+v, want system:admin in system:masters and system:authenticated", u)
		}
	})

	t.Run("create-only", func(t *testing.T) {
		r := doRaw(t, http.MethodGet, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", nil)
		expectStatus(t, "list selfsubjectaccessreviews", r, http.StatusMethodNotAllowed, metav1.StatusReasonMethodNotAllowed)
		lists, err := client.Discovery().ServerResourcesForGroupVersion("authorization.k8s.io/v1")
		if err != nil {
			t.Fatal(err)
		}
		for _, res := range lists.APIResources {
			if !slices.Equal(res.Verbs, []string{"create"}) {
				t.Errorf("discovery: %s verbs %v, want [create]", res.Name, res.Verbs)
			}
		}
		if len(lists.APIResources) != 4 {
			t.Errorf("discovery: %d authorization.k8s.io/v1 resources, want 4", len(lists.APIResources))
		}
	})
}

// wantCauses checks a 422 Invalid error names each field.
func wantCauses(t *testing.T, what string, err error, fields ...string) {
	t.Helper()
	if !apierrors.IsInvalid(err) {
		t.Fatalf("%s: err %v, want 422 Invalid", what, err)
	}
	var got []string
	if d := err.(apierrors.APIStatus).Status().Details; d != nil {
		for _, c := range d.Causes {
			got = append(got, c.Field)
		}
	}
	for _, f := range fields {
		if !slices.Contains(got, f) {
			t.Errorf("%s: causes %v, want one for %s", what, got, f)
		}
	}
}

// Impersonation (kubectl --as, --as-group, --as-uid): the request acts as
// the named user, with upstream's implied groups.
func TestImpersonation(t *testing.T) {
	ctx := ctxT(t)
	whoami := func(t *testing.T, imp rest.ImpersonationConfig) authenticationv1.UserInfo {
		t.Helper()
		cfg := rest.CopyConfig(restConfig)
		cfg.Impersonate = imp
		got, err := kubernetes.NewForConfigOrDie(cfg).AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("whoami as %+v: %v", imp, err)
		}
		return got.Status.UserInfo
	}
	for _, c := range []struct {
		name       string
		imp        rest.ImpersonationConfig
		wantUser   string
		wantGroups []string
	}{
		{"user", rest.ImpersonationConfig{UserName: "jane"}, "jane", []string{"system:authenticated"}},
		{"groups", rest.ImpersonationConfig{UserName: "jane", Groups: []string{"devs"}}, "jane", []string{"devs", "system:authenticated"}},
		{"service account", rest.ImpersonationConfig{UserName: "system:serviceaccount:ns1:robot"}, "system:serviceaccount:ns1:robot",
			[]string{"system:serviceaccounts", "system:serviceaccounts:ns1", "system:authenticated"}},
		{"anonymous", rest.ImpersonationConfig{UserName: "system:anonymous"}, "system:anonymous", []string{"system:unauthenticated"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.wantUser == "system:anonymous" {
				// An anonymous user may not even ask who it is.
				r := doRaw(t, http.MethodGet, "/api/v1/namespaces", nil, "Impersonate-User", "system:anonymous")
				expectStatus(t, "list namespaces as system:anonymous", r, http.StatusForbidden, metav1.StatusReasonForbidden)
				return
			}
			u := whoami(t, c.imp)
			if u.Username != c.wantUser || !slices.Equal(u.Groups, c.wantGroups) {
				t.Errorf("user %q groups %v, want %q %v", u.Username, u.Groups, c.wantUser, c.wantGroups)
			}
		})
	}
	t.Run("extra and uid", func(t *testing.T) {
		u := whoami(t, rest.ImpersonationConfig{UserName: "jane", UID: "u-1", Extra: map[string][]string{"scopes": {"a", "b"}}})
		if u.UID != "u-1" || !slices.Equal(u.Extra["scopes"], authenticationv1.ExtraValue{"a", "b"}) {
			t.Errorf("uid %q extra %v, want u-1 and scopes [a b]", u.UID, u.Extra)
		}
	})
	t.Run("unauthenticated group", func(t *testing.T) {
		// Denied as the anonymous user is, and the answer names the user.
		r := doRaw(t, http.MethodGet, "/api/v1/namespaces", nil, "Impersonate-User", "jane", "Impersonate-Group", "system:unauthenticated")
		st := expectStatus(t, "list namespaces as jane in system:unauthenticated", r, http.StatusForbidden, metav1.StatusReasonForbidden)
		if !strings.Contains(st.Message, `User "jane"`) {
			t.Errorf("message %q, want it to name jane", st.Message)
		}
	})
	t.Run("group without user", func(t *testing.T) {
		r := doRaw(t, http.MethodGet, "/api/v1/namespaces", nil, "Impersonate-Group", "devs")
		expectStatus(t, "Impersonate-Group alone", r, http.StatusBadRequest, metav1.StatusReasonBadRequest)
	})
}
