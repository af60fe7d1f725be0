package printers

import (
	"testing"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestAdmissionRegistrationCells(t *testing.T) {
	g := "admissionregistration.k8s.io"
	checkCells(t, g, "mutatingwebhookconfigurations", []cellCase{
		{"two", &admissionv1.MutatingWebhookConfiguration{ObjectMeta: meta5m("m"), Webhooks: make([]admissionv1.MutatingWebhook, 2)},
			[]interface{}{"m", int64(2), "5m"}},
	})
	checkCells(t, g, "validatingwebhookconfigurations", []cellCase{
		{"one", &admissionv1.ValidatingWebhookConfiguration{ObjectMeta: meta5m("v"), Webhooks: make([]admissionv1.ValidatingWebhook, 1)},
			[]interface{}{"v", int64(1), "5m"}},
	})
	checkCells(t, g, "validatingadmissionpolicies", []cellCase{
		{"param kind", &admissionv1.ValidatingAdmissionPolicy{ObjectMeta: meta5m("p"), Spec: admissionv1.ValidatingAdmissionPolicySpec{
			ParamKind: &admissionv1.ParamKind{APIVersion: "v1", Kind: "ConfigMap"}, Validations: make([]admissionv1.Validation, 3)}},
			[]interface{}{"p", int64(3), "v1/ConfigMap", "5m"}},
		{"no params", &admissionv1.ValidatingAdmissionPolicy{ObjectMeta: meta5m("q")}, []interface{}{"q", int64(0), "<unset>", "5m"}},
	})
	checkCells(t, g, "mutatingadmissionpolicies", []cellCase{
		{"mutations", &admissionv1.MutatingAdmissionPolicy{ObjectMeta: meta5m("p"), Spec: admissionv1.MutatingAdmissionPolicySpec{
			Mutations: make([]admissionv1.Mutation, 2)}}, []interface{}{"p", int64(2), "<unset>", "5m"}},
	})
	binding := func(ref *admissionv1.ParamRef) *admissionv1.ValidatingAdmissionPolicyBinding {
		return &admissionv1.ValidatingAdmissionPolicyBinding{ObjectMeta: meta5m("b"),
			Spec: admissionv1.ValidatingAdmissionPolicyBindingSpec{PolicyName: "p", ParamRef: ref}}
	}
	checkCells(t, g, "validatingadmissionpolicybindings", []cellCase{
		{"namespaced", binding(&admissionv1.ParamRef{Namespace: "ns", Name: "cfg"}), []interface{}{"b", "p", "ns/cfg", "5m"}},
		{"any namespace", binding(&admissionv1.ParamRef{Name: "cfg"}), []interface{}{"b", "p", "*/cfg", "5m"}},
		{"selector", binding(&admissionv1.ParamRef{Selector: &metav1.LabelSelector{}}), []interface{}{"b", "p", "&LabelSelector{MatchLabels:map[string]string{},MatchExpressions:[]LabelSelectorRequirement{},}", "5m"}},
		{"none", binding(nil), []interface{}{"b", "p", "<unset>", "5m"}},
	})
	checkCells(t, g, "mutatingadmissionpolicybindings", []cellCase{
		{"namespaced", &admissionv1.MutatingAdmissionPolicyBinding{ObjectMeta: meta5m("b"), Spec: admissionv1.MutatingAdmissionPolicyBindingSpec{
			PolicyName: "p", ParamRef: &admissionv1.ParamRef{Namespace: "ns", Name: "cfg"}}}, []interface{}{"b", "p", "ns/cfg", "5m"}},
	})
}
