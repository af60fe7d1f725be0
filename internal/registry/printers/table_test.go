package printers

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	certificatesv1 "k8s.io/api/certificates/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	eventsv1 "k8s.io/api/events/v1"
	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	networkingv1 "k8s.io/api/networking/v1"
	nodev1 "k8s.io/api/node/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	resourcev1 "k8s.io/api/resource/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

var testNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// ago is a timestamp d before testNow.
func ago(d time.Duration) metav1.Time { return metav1.NewTime(testNow.Add(-d)) }

func agoPtr(d time.Duration) *metav1.Time { t := ago(d); return &t }

func ptr[T any](v T) *T { return &v }

// meta5m is object metadata created five minutes before testNow.
func meta5m(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: "default", CreationTimestamp: ago(5 * time.Minute)}
}

type cellCase struct {
	name string
	obj  runtime.Object
	want []interface{}
}

// checkCells asserts the exact cells the printer of group/resource gives each case.
func checkCells(t *testing.T, group, resource string, cases []cellCase) {
	t.Helper()
	p, ok := For(group, resource)
	if !ok {
		t.Fatalf("no printer for %q/%q", group, resource)
	}
	for _, c := range cases {
		got, err := p.Cells(c.obj, testNow)
		if err != nil {
			t.Errorf("%s/%s %s: %v", group, resource, c.name, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s/%s %s:\n got  %#v\n want %#v", group, resource, c.name, got, c.want)
		}
		if len(got) != len(p.Columns) {
			t.Errorf("%s/%s %s: %d cells for %d columns", group, resource, c.name, len(got), len(p.Columns))
		}
	}
}

// zeroObjects holds an empty object of every resource's type.
var zeroObjects = map[string]map[string][]runtime.Object{
	"": {
		"namespaces": {&corev1.Namespace{}}, "pods": {&corev1.Pod{}}, "nodes": {&corev1.Node{}},
		"services": {&corev1.Service{}}, "endpoints": {&corev1.Endpoints{}}, "configmaps": {&corev1.ConfigMap{}},
		"secrets": {&corev1.Secret{}}, "serviceaccounts": {&corev1.ServiceAccount{}},
		"events":            {&corev1.Event{}, &eventsv1.Event{}},
		"persistentvolumes": {&corev1.PersistentVolume{}}, "persistentvolumeclaims": {&corev1.PersistentVolumeClaim{}},
		"resourcequotas": {&corev1.ResourceQuota{}}, "limitranges": {&corev1.LimitRange{}},
		"replicationcontrollers": {&corev1.ReplicationController{}}, "podtemplates": {&corev1.PodTemplate{}},
		"componentstatuses": {&corev1.ComponentStatus{}},
	},
	"apps": {
		"deployments": {&appsv1.Deployment{}}, "replicasets": {&appsv1.ReplicaSet{}}, "daemonsets": {&appsv1.DaemonSet{}},
		"statefulsets": {&appsv1.StatefulSet{}}, "controllerrevisions": {&appsv1.ControllerRevision{}},
	},
	"batch":       {"jobs": {&batchv1.Job{}}, "cronjobs": {&batchv1.CronJob{}}},
	"autoscaling": {"horizontalpodautoscalers": {&autoscalingv1.HorizontalPodAutoscaler{}, &autoscalingv2.HorizontalPodAutoscaler{}}},
	"networking.k8s.io": {
		"ingresses": {&networkingv1.Ingress{}}, "ingressclasses": {&networkingv1.IngressClass{}},
		"networkpolicies": {&networkingv1.NetworkPolicy{}}, "servicecidrs": {&networkingv1.ServiceCIDR{}},
		"ipaddresses": {&networkingv1.IPAddress{}},
	},
	"discovery.k8s.io":    {"endpointslices": {&discoveryv1.EndpointSlice{}}},
	"coordination.k8s.io": {"leases": {&coordinationv1.Lease{}}},
	"rbac.authorization.k8s.io": {
		"roles": {&rbacv1.Role{}}, "clusterroles": {&rbacv1.ClusterRole{}},
		"rolebindings": {&rbacv1.RoleBinding{}}, "clusterrolebindings": {&rbacv1.ClusterRoleBinding{}},
	},
	"storage.k8s.io": {
		"storageclasses": {&storagev1.StorageClass{}}, "volumeattributesclasses": {&storagev1.VolumeAttributesClass{}},
		"csidrivers": {&storagev1.CSIDriver{}}, "csinodes": {&storagev1.CSINode{}},
		"csistoragecapacities": {&storagev1.CSIStorageCapacity{}}, "volumeattachments": {&storagev1.VolumeAttachment{}},
	},
	"scheduling.k8s.io": {"priorityclasses": {&schedulingv1.PriorityClass{}}},
	"policy":            {"poddisruptionbudgets": {&policyv1.PodDisruptionBudget{}}},
	"events.k8s.io":     {"events": {&eventsv1.Event{}, &corev1.Event{}}},
	"admissionregistration.k8s.io": {
		"mutatingwebhookconfigurations":     {&admissionv1.MutatingWebhookConfiguration{}},
		"validatingwebhookconfigurations":   {&admissionv1.ValidatingWebhookConfiguration{}},
		"validatingadmissionpolicies":       {&admissionv1.ValidatingAdmissionPolicy{}},
		"validatingadmissionpolicybindings": {&admissionv1.ValidatingAdmissionPolicyBinding{}},
		"mutatingadmissionpolicies":         {&admissionv1.MutatingAdmissionPolicy{}},
		"mutatingadmissionpolicybindings":   {&admissionv1.MutatingAdmissionPolicyBinding{}},
	},
	"certificates.k8s.io": {
		"certificatesigningrequests": {&certificatesv1.CertificateSigningRequest{}},
		"clustertrustbundles":        {&certificatesv1.ClusterTrustBundle{}},
	},
	"node.k8s.io": {"runtimeclasses": {&nodev1.RuntimeClass{}}},
	"flowcontrol.apiserver.k8s.io": {
		"flowschemas": {&flowcontrolv1.FlowSchema{}}, "prioritylevelconfigurations": {&flowcontrolv1.PriorityLevelConfiguration{}},
	},
	"resource.k8s.io": {
		"deviceclasses": {&resourcev1.DeviceClass{}}, "resourceclaims": {&resourcev1.ResourceClaim{}},
		"resourceclaimtemplates": {&resourcev1.ResourceClaimTemplate{}}, "resourceslices": {&resourcev1.ResourceSlice{}},
	},
}

// TestEveryPrinterFitsItsColumns prints an empty object of every resource
// For knows: no panic, one cell per column, JSON-friendly cells.
func TestEveryPrinterFitsItsColumns(t *testing.T) {
	for group, resources := range registry {
		for resource, p := range resources {
			objs := zeroObjects[group][resource]
			if len(objs) == 0 {
				t.Errorf("%q/%q: no zero object in the test", group, resource)
			}
			for _, obj := range objs {
				cells, err := p.Cells(obj, testNow)
				if err != nil {
					t.Errorf("%q/%q %T: %v", group, resource, obj, err)
					continue
				}
				if len(cells) != len(p.Columns) {
					t.Errorf("%q/%q %T: %d cells for %d columns", group, resource, obj, len(cells), len(p.Columns))
				}
				checkJSONCells(t, group+"/"+resource, cells)
			}
			checkColumns(t, group, resource, p.Columns)
		}
	}
}

func checkJSONCells(t *testing.T, what string, cells []interface{}) {
	t.Helper()
	for i, c := range cells {
		switch c.(type) {
		case string, int64, bool, float64:
		default:
			t.Errorf("%s: cell %d is a %T", what, i, c)
		}
	}
}

func checkColumns(t *testing.T, group, resource string, cols []metav1.TableColumnDefinition) {
	t.Helper()
	first := cols[0]
	if group+"/"+resource == "/events" || group+"/"+resource == "events.k8s.io/events" {
		first = cols[len(cols)-1] // upstream lists event names last, as a wide column
	}
	if first.Name != "Name" || first.Format != "name" {
		t.Errorf("%q/%q: name column is %+v", group, resource, first)
	}
	for _, c := range cols {
		if c.Description == "" || c.Type == "" {
			t.Errorf("%q/%q: column %q lacks a type or description", group, resource, c.Name)
		}
	}
}

func TestPrintersRejectOtherTypes(t *testing.T) {
	p, _ := For("apps", "deployments")
	if _, err := p.Cells(&corev1.Pod{}, testNow); err == nil {
		t.Error("deployment printer accepted a pod")
	}
	p, _ = For("autoscaling", "horizontalpodautoscalers")
	if _, err := p.Cells(&corev1.Pod{}, testNow); err == nil {
		t.Error("hpa printer accepted a pod")
	}
}

func TestForUnknown(t *testing.T) {
	if _, ok := For("example.com", "widgets"); ok {
		t.Error("For found a printer for an unknown resource")
	}
	if _, ok := For("", "deployments"); ok {
		t.Error("For found deployments in the core group")
	}
}

func TestDefault(t *testing.T) {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg",
		CreationTimestamp: metav1.NewTime(time.Date(2024, 3, 4, 5, 6, 7, 0, time.FixedZone("x", 3600)))}}
	got, err := Default.Cells(cm, testNow)
	if err != nil {
		t.Fatal(err)
	}
	want := []interface{}{"cfg", "2024-03-04T04:06:07Z"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
	got, _ = Default.Cells(&corev1.ConfigMap{}, testNow)
	if got[1] != "0001-01-01T00:00:00Z" {
		t.Errorf("zero creation time printed as %v", got[1])
	}
	if Default.Columns[1].Name != "Created At" || Default.Columns[1].Type != "date" {
		t.Errorf("unexpected default columns %+v", Default.Columns)
	}
	if _, err := Default.Cells(&metav1.Status{}, testNow); err == nil {
		t.Error("Default accepted an object without metadata")
	}
}

func TestTable(t *testing.T) {
	p, _ := For("", "configmaps")
	objs := []runtime.Object{
		&corev1.ConfigMap{ObjectMeta: meta5m("a"), Data: map[string]string{"k": "v"}},
		&corev1.ConfigMap{ObjectMeta: meta5m("b")},
	}
	tbl, err := Table(p, objs, testNow, false)
	if err != nil {
		t.Fatal(err)
	}
	if tbl.Kind != "Table" || tbl.APIVersion != "meta.k8s.io/v1" {
		t.Errorf("type meta %+v", tbl.TypeMeta)
	}
	if !reflect.DeepEqual(tbl.ColumnDefinitions, p.Columns) {
		t.Errorf("columns %+v", tbl.ColumnDefinitions)
	}
	want := [][]interface{}{{"a", int64(1), "5m"}, {"b", int64(0), "5m"}}
	for i, row := range tbl.Rows {
		if !reflect.DeepEqual(row.Cells, want[i]) {
			t.Errorf("row %d: %#v", i, row.Cells)
		}
		if row.Object.Raw != nil || row.Object.Object != nil || row.Conditions != nil {
			t.Errorf("row %d: object or conditions set", i)
		}
	}
	raw, err := json.Marshal(tbl)
	if err != nil {
		t.Fatal(err)
	}
	var back metav1.Table
	if err := json.Unmarshal(raw, &back); err != nil || len(back.Rows) != 2 {
		t.Fatalf("round trip: %v, %s", err, raw)
	}
}

func TestTableNoHeadersAndEmpty(t *testing.T) {
	p, _ := For("", "pods")
	tbl, err := Table(p, nil, testNow, true)
	if err != nil {
		t.Fatal(err)
	}
	if tbl.ColumnDefinitions != nil {
		t.Errorf("columns sent with noHeaders")
	}
	raw, _ := json.Marshal(tbl)
	var m map[string]interface{}
	_ = json.Unmarshal(raw, &m)
	if rows, ok := m["rows"].([]interface{}); !ok || len(rows) != 0 {
		t.Errorf("empty table rows should be [], got %s", raw)
	}
	if _, err := Table(p, []runtime.Object{&corev1.Node{}}, testNow, false); err == nil {
		t.Error("Table printed a node with the pod printer")
	}
}

func TestTableCopiesColumns(t *testing.T) {
	p, _ := For("", "namespaces")
	tbl, _ := Table(p, nil, testNow, false)
	tbl.ColumnDefinitions[0].Name = "changed"
	if p2, _ := For("", "namespaces"); p2.Columns[0].Name != "Name" {
		t.Error("Table shares its columns with the printer")
	}
}

func TestAge(t *testing.T) {
	cases := map[string]struct {
		t    metav1.Time
		want string
	}{
		"unset":   {metav1.Time{}, "<unknown>"},
		"seconds": {ago(90 * time.Second), "90s"},
		"minutes": {ago(5*time.Minute + 30*time.Second), "5m30s"},
		"hours":   {ago(5 * time.Hour), "5h"},
		"days":    {ago(50 * time.Hour), "2d2h"},
		"future":  {ago(-time.Hour), "<invalid>"},
		"justnow": {ago(-500 * time.Millisecond), "0s"},
	}
	for name, c := range cases {
		if got := age(c.t, testNow); got != c.want {
			t.Errorf("%s: got %q want %q", name, got, c.want)
		}
	}
}
