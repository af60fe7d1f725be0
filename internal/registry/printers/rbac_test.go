package printers

import (
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
)

func TestBindingCells(t *testing.T) {
	subjects := []rbacv1.Subject{
		{Kind: "User", Name: "alice"}, {Kind: "Group", Name: "devs"}, {Kind: "User", Name: "bob"},
		{Kind: "ServiceAccount", Namespace: "kube-system", Name: "ctrl"}, {Kind: "Other", Name: "ignored"},
	}
	ref := rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "view"}
	want := []interface{}{"b", "ClusterRole/view", "5m", "alice, bob", "devs", "kube-system/ctrl"}
	checkCells(t, "rbac.authorization.k8s.io", "rolebindings", []cellCase{
		{"subjects", &rbacv1.RoleBinding{ObjectMeta: meta5m("b"), RoleRef: ref, Subjects: subjects}, want},
		{"empty", &rbacv1.RoleBinding{ObjectMeta: meta5m("e"), RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "r"}},
			[]interface{}{"e", "Role/r", "5m", "", "", ""}},
	})
	checkCells(t, "rbac.authorization.k8s.io", "clusterrolebindings", []cellCase{
		{"subjects", &rbacv1.ClusterRoleBinding{ObjectMeta: meta5m("b"), RoleRef: ref, Subjects: subjects}, want},
	})
}

func TestRolesUseDefaultTable(t *testing.T) {
	checkCells(t, "rbac.authorization.k8s.io", "roles", []cellCase{
		{"role", &rbacv1.Role{ObjectMeta: meta5m("r")}, []interface{}{"r", "2025-06-01T11:55:00Z"}},
	})
	checkCells(t, "rbac.authorization.k8s.io", "clusterroles", []cellCase{
		{"cluster role", &rbacv1.ClusterRole{ObjectMeta: meta5m("admin")}, []interface{}{"admin", "2025-06-01T11:55:00Z"}},
	})
}
