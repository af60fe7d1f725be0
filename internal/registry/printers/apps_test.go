package printers

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func template(names ...string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: containers(names...)}}
}

func appSelector() *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"},
		MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"a", "b"}}}}
}

func TestDeploymentCells(t *testing.T) {
	d := &appsv1.Deployment{ObjectMeta: meta5m("web"),
		Spec:   appsv1.DeploymentSpec{Replicas: ptr(int32(3)), Selector: appSelector(), Template: template("web", "log")},
		Status: appsv1.DeploymentStatus{ReadyReplicas: 2, UpdatedReplicas: 3, AvailableReplicas: 1}}
	bad := &appsv1.Deployment{ObjectMeta: meta5m("bad"), Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{
		MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "x", Operator: "Bogus"}}}}}
	checkCells(t, "apps", "deployments", []cellCase{
		{"two of three", d, []interface{}{"web", "2/3", int64(3), int64(1), "5m", "web,log", "web:1,log:1", "app=web,tier in (a,b)"}},
		{"invalid selector, default replicas", bad, []interface{}{"bad", "0/1", int64(0), int64(0), "5m", "", "", "<invalid>"}},
		{"empty", &appsv1.Deployment{}, []interface{}{"", "0/1", int64(0), int64(0), "<unknown>", "", "", ""}},
	})
}

func TestReplicaSetCells(t *testing.T) {
	rs := &appsv1.ReplicaSet{ObjectMeta: meta5m("web-7d9"),
		Spec:   appsv1.ReplicaSetSpec{Replicas: ptr(int32(0)), Selector: appSelector(), Template: template("web")},
		Status: appsv1.ReplicaSetStatus{Replicas: 1, ReadyReplicas: 1}}
	checkCells(t, "apps", "replicasets", []cellCase{
		{"scaling down", rs, []interface{}{"web-7d9", int64(0), int64(1), int64(1), "5m", "web", "web:1", "app=web,tier in (a,b)"}},
		{"empty", &appsv1.ReplicaSet{}, []interface{}{"", int64(1), int64(0), int64(0), "<unknown>", "", "", "<none>"}},
	})
}

func TestDaemonSetCells(t *testing.T) {
	ds := &appsv1.DaemonSet{ObjectMeta: meta5m("agent"),
		Spec: appsv1.DaemonSetSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "agent"}},
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: containers("agent"),
				NodeSelector: map[string]string{"kubernetes.io/os": "linux"}}}},
		Status: appsv1.DaemonSetStatus{DesiredNumberScheduled: 3, CurrentNumberScheduled: 3, NumberReady: 2,
			UpdatedNumberScheduled: 1, NumberAvailable: 2}}
	checkCells(t, "apps", "daemonsets", []cellCase{
		{"rolling", ds, []interface{}{"agent", int64(3), int64(3), int64(2), int64(1), int64(2), "kubernetes.io/os=linux", "5m",
			"agent", "agent:1", "app=agent"}},
	})
}

func TestStatefulSetCells(t *testing.T) {
	ss := &appsv1.StatefulSet{ObjectMeta: meta5m("db"),
		Spec:   appsv1.StatefulSetSpec{Replicas: ptr(int32(3)), Template: template("db")},
		Status: appsv1.StatefulSetStatus{ReadyReplicas: 1}}
	checkCells(t, "apps", "statefulsets", []cellCase{
		{"one of three", ss, []interface{}{"db", "1/3", "5m", "db", "db:1"}},
		{"default replicas", &appsv1.StatefulSet{}, []interface{}{"", "0/1", "<unknown>", "", ""}},
	})
}

func TestControllerRevisionCells(t *testing.T) {
	owned := func(apiVersion, kind string) *appsv1.ControllerRevision {
		cr := &appsv1.ControllerRevision{ObjectMeta: meta5m("db-5d8"), Revision: 4, Data: runtime.RawExtension{}}
		cr.OwnerReferences = []metav1.OwnerReference{{APIVersion: apiVersion, Kind: kind, Name: "db", Controller: ptr(true)}}
		return cr
	}
	checkCells(t, "apps", "controllerrevisions", []cellCase{
		{"statefulset", owned("apps/v1", "StatefulSet"), []interface{}{"db-5d8", "statefulset.apps/db", int64(4), "5m"}},
		{"core owner", owned("v1", "Pod"), []interface{}{"db-5d8", "pod/db", int64(4), "5m"}},
		{"no controller", &appsv1.ControllerRevision{ObjectMeta: meta5m("x"), Revision: 1}, []interface{}{"x", "<none>", int64(1), "5m"}},
	})
	p, _ := For("apps", "controllerrevisions")
	if _, err := p.Cells(owned("a/b/c", "X"), testNow); err == nil {
		t.Error("bad owner API version accepted")
	}
}
