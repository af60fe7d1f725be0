package registry

import (
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Strategies not (yet) wired into resources.go, with an object each.
var unwired = []struct {
	s   Strategy
	new func() runtime.Object
}{
	{controllerRevisionStrategy{}, func() runtime.Object { return &appsv1.ControllerRevision{} }},
	{ingressClassStrategy{}, func() runtime.Object { return &networkingv1.IngressClass{} }},
	{roleStrategy{}, func() runtime.Object { return &rbacv1.Role{} }},
	{clusterRoleStrategy{}, func() runtime.Object { return &rbacv1.ClusterRole{} }},
	{roleBindingStrategy{}, func() runtime.Object { return &rbacv1.RoleBinding{} }},
	{clusterRoleBindingStrategy{}, func() runtime.Object { return &rbacv1.ClusterRoleBinding{} }},
	{resourceQuotaStrategy{}, func() runtime.Object { return &corev1.ResourceQuota{} }},
	{limitRangeStrategy{}, func() runtime.Object { return &corev1.LimitRange{} }},
	{leaseStrategy{}, func() runtime.Object { return &coordinationv1.Lease{} }},
	{eventV1Strategy{}, func() runtime.Object { return &eventsv1.Event{} }},
}

// TestStrategiesTakeEmptyObjects runs every strategy over an empty object:
// nothing may panic, and an update with no change must fail only where
// the create did.
func TestStrategiesTakeEmptyObjects(t *testing.T) {
	type entry struct {
		name string
		s    Strategy
		new  func() runtime.Object
	}
	var all []entry
	for _, r := range Resources() {
		all = append(all, entry{r.Group + "/" + r.Resource + "@" + r.Version, r.Strategy, r.New})
	}
	for _, u := range unwired {
		all = append(all, entry{fmt.Sprintf("unwired %T", u.new()), u.s, u.new})
	}
	for _, e := range all {
		t.Run(e.name, func(t *testing.T) {
			obj := e.new()
			createErrs := create(e.s, obj)
			next := obj.DeepCopyObject()
			updateErrs := update(e.s, next, obj)
			if len(updateErrs) < len(createErrs) {
				t.Errorf("update found fewer errors (%v) than create (%v)", updateErrs, createErrs)
			}
			_ = e.s.Fields(e.new())
		})
	}
}

// TestSelectableFieldsOfZeroObjects: the keys Fields returns for an empty
// object are the ones field selectors may use, so each must be there.
func TestSelectableFieldsOfZeroObjects(t *testing.T) {
	want := map[string][]string{
		"pods":                   {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"},
		"events":                 {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"},
		"secrets":                {"type"},
		"nodes":                  {"spec.unschedulable"},
		"namespaces":             {"status.phase"},
		"replicasets":            {"status.replicas"},
		"replicationcontrollers": {"status.replicas"},
		"jobs":                   {"status.successful"},
		"services":               {"spec.clusterIP", "spec.type"},
	}
	for _, r := range Resources() {
		keys, ok := want[r.Resource]
		if !ok || r.Group == "events.k8s.io" {
			continue
		}
		f := SelectableFields(r)
		for _, k := range append(keys, "metadata.name", "metadata.namespace") {
			if _, ok := f[k]; !ok {
				t.Errorf("%s: field %s not selectable", r.Resource, k)
			}
		}
	}
}
