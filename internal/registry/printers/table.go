// Package printers builds the server-side Table rows that `kubectl get`
// prints (Accept: application/json;as=Table;v=v1;g=meta.k8s.io).
//
// The columns and cell contents follow the printers of kube-apiserver
// (pkg/printers/internalversion), which the apiserver always runs in wide
// mode: every row carries the cells of the priority-1 columns too, and
// kubectl hides those unless asked for -o wide.
//
// Upstream prints objects after they have been decoded from storage, that
// is after the API defaults were applied. Where a printed field would have
// been defaulted (replicas, service type, port protocol, ...), the printers
// here apply the same default when the field is unset, so a non-defaulted
// object prints like its defaulted form.
package printers

import (
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"

	corev1 "k8s.io/api/core/v1"
)

// Printer describes the table of one resource.
type Printer struct {
	Columns []metav1.TableColumnDefinition
	// Cells returns the cells of the row(s) for one object (pods print one row; keep it one row per object).
	Cells func(obj runtime.Object, now time.Time) ([]interface{}, error)
}

// registry maps an API group to its resources' printers.
var registry = map[string]map[string]Printer{
	"":                          corePrinters(),
	"apps":                      appsPrinters(),
	"batch":                     batchPrinters(),
	"autoscaling":               autoscalingPrinters(),
	"networking.k8s.io":         networkingPrinters(),
	"discovery.k8s.io":          discoveryPrinters(),
	"coordination.k8s.io":       coordinationPrinters(),
	"rbac.authorization.k8s.io": rbacPrinters(),
	"storage.k8s.io":            storagePrinters(),
	"scheduling.k8s.io":         schedulingPrinters(),
	"policy":                    policyPrinters(),
	"events.k8s.io":             eventsPrinters(),
	// Beyond kubectl's everyday resources.
	"admissionregistration.k8s.io": admissionregistrationPrinters(),
	"certificates.k8s.io":          certificatesPrinters(),
	"node.k8s.io":                  nodePrinters(),
	"flowcontrol.apiserver.k8s.io": flowcontrolPrinters(),
	"resource.k8s.io":              resourcePrinters(),
}

// For returns the printer of a resource given its group and plural resource name (core group ""), ok=false if none.
func For(group, resource string) (Printer, bool) {
	p, ok := registry[group][resource]
	return p, ok
}

// Default is upstream's fallback table (NAME, CREATED AT) for resources without a printer.
var Default = Printer{
	Columns: []metav1.TableColumnDefinition{
		nameColumn(),
		{Name: "Created At", Type: "date", Description: "When the object was created."},
	},
	Cells: defaultCells,
}

func defaultCells(obj runtime.Object, _ time.Time) ([]interface{}, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, fmt.Errorf("printers: %T has no object metadata: %w", obj, err)
	}
	created := m.GetCreationTimestamp().Time.UTC().Format(time.RFC3339)
	return []interface{}{m.GetName(), created}, nil
}

// Table builds a metav1.Table for objs with printer p; each row's Object is left for the caller to fill (RawExtension zero), Conditions unset.
func Table(p Printer, objs []runtime.Object, now time.Time, noHeaders bool) (*metav1.Table, error) {
	t := &metav1.Table{
		TypeMeta: metav1.TypeMeta{Kind: "Table", APIVersion: "meta.k8s.io/v1"},
		Rows:     make([]metav1.TableRow, 0, len(objs)),
	}
	if !noHeaders {
		t.ColumnDefinitions = append([]metav1.TableColumnDefinition(nil), p.Columns...)
	}
	for _, obj := range objs {
		cells, err := p.Cells(obj, now)
		if err != nil {
			return nil, err
		}
		t.Rows = append(t.Rows, metav1.TableRow{Cells: cells})
	}
	return t, nil
}

// typed adapts a cell function of one concrete type to Printer.Cells.
func typed[T runtime.Object](f func(T, time.Time) []interface{}) func(runtime.Object, time.Time) ([]interface{}, error) {
	return func(obj runtime.Object, now time.Time) ([]interface{}, error) {
		o, ok := obj.(T)
		if !ok {
			return nil, wrongType(obj)
		}
		return f(o, now), nil
	}
}

// typedErr is typed for cell functions that can fail.
func typedErr[T runtime.Object](f func(T, time.Time) ([]interface{}, error)) func(runtime.Object, time.Time) ([]interface{}, error) {
	return func(obj runtime.Object, now time.Time) ([]interface{}, error) {
		o, ok := obj.(T)
		if !ok {
			return nil, wrongType(obj)
		}
		return f(o, now)
	}
}

func wrongType(obj runtime.Object) error {
	return fmt.Errorf("printers: unexpected object type %T", obj)
}

// Column helpers.

func nameColumn() metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: "Name", Type: "string", Format: "name", Description: "Name of the object, unique within its namespace."}
}

func ageColumn() metav1.TableColumnDefinition {
	return column("Age", "string", "Time since the object was created.")
}

func column(name, typ, desc string) metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: name, Type: typ, Description: desc}
}

// wide is a column shown only with -o wide.
func wide(name, typ, desc string) metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: name, Type: typ, Priority: 1, Description: desc}
}

func containerColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		wide("Containers", "string", "Names of the containers in the pod template."),
		wide("Images", "string", "Images of the containers in the pod template."),
	}
}

func columns(cols ...interface{}) []metav1.TableColumnDefinition {
	var out []metav1.TableColumnDefinition
	for _, c := range cols {
		switch c := c.(type) {
		case metav1.TableColumnDefinition:
			out = append(out, c)
		case []metav1.TableColumnDefinition:
			out = append(out, c...)
		}
	}
	return out
}

// Cell helpers.

// age is the human-readable time elapsed from t to now, "<unknown>" when unset.
func age(t metav1.Time, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t.Time))
}

func microAge(t metav1.MicroTime, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t.Time))
}

// containerCells lays the containers' names and images out on one line each.
func containerCells(containers []corev1.Container) (names, images string) {
	n := make([]string, len(containers))
	im := make([]string, len(containers))
	for i, c := range containers {
		n[i], im[i] = c.Name, c.Image
	}
	return strings.Join(n, ","), strings.Join(im, ",")
}

// selectorString is metav1.FormatLabelSelector: "<none>" when empty.
func selectorString(s *metav1.LabelSelector) string {
	return metav1.FormatLabelSelector(s)
}

func labelsString(m map[string]string) string {
	return labels.FormatLabels(m)
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

func boolPtr(b *bool, def bool) bool {
	if b == nil {
		return def
	}
	return *b
}

func replicas(r *int32) int64 {
	if r == nil {
		return 1 // the apps and core defaults
	}
	return int64(*r)
}

// listWithMore joins the first max items and tells how many more there were.
func listWithMore(list []string, max int) string {
	if len(list) > max {
		return fmt.Sprintf("%s + %d more...", strings.Join(list[:max], ","), len(list)-max)
	}
	return strings.Join(list, ",")
}
