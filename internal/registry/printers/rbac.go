package printers

import (
	"strings"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func rbacPrinters() map[string]Printer {
	return map[string]Printer{
		// Upstream has no printer for roles: they print NAME, CREATED AT.
		"roles":               Default,
		"clusterroles":        Default,
		"rolebindings":        {Columns: bindingColumns("role binding"), Cells: typed(roleBindingCells)},
		"clusterrolebindings": {Columns: bindingColumns("cluster role binding"), Cells: typed(clusterRoleBindingCells)},
	}
}

func bindingColumns(kind string) []metav1.TableColumnDefinition {
	return columns(nameColumn(),
		column("Role", "string", "Kind and name of the bound role."),
		ageColumn(),
		wide("Users", "string", "Users bound by the "+kind+"."),
		wide("Groups", "string", "Groups bound by the "+kind+"."),
		wide("ServiceAccounts", "string", "Service accounts bound by the "+kind+"."))
}

func roleBindingCells(rb *rbacv1.RoleBinding, now time.Time) []interface{} {
	return bindingCells(rb.Name, rb.RoleRef, rb.Subjects, age(rb.CreationTimestamp, now))
}

func clusterRoleBindingCells(crb *rbacv1.ClusterRoleBinding, now time.Time) []interface{} {
	return bindingCells(crb.Name, crb.RoleRef, crb.Subjects, age(crb.CreationTimestamp, now))
}

func bindingCells(name string, ref rbacv1.RoleRef, subjects []rbacv1.Subject, age string) []interface{} {
	var users, groups, sas []string
	for _, s := range subjects {
		switch s.Kind {
		case rbacv1.ServiceAccountKind:
			sas = append(sas, s.Namespace+"/"+s.Name)
		case rbacv1.UserKind:
			users = append(users, s.Name)
		case rbacv1.GroupKind:
			groups = append(groups, s.Name)
		}
	}
	return []interface{}{
		name, ref.Kind + "/" + ref.Name, age,
		strings.Join(users, ", "), strings.Join(groups, ", "), strings.Join(sas, ", "),
	}
}
