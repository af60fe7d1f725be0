package printers

import (
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func admissionregistrationPrinters() map[string]Printer {
	return map[string]Printer{
		"mutatingwebhookconfigurations":     {Columns: webhookColumns, Cells: typed(mutatingWebhookCells)},
		"validatingwebhookconfigurations":   {Columns: webhookColumns, Cells: typed(validatingWebhookCells)},
		"validatingadmissionpolicies":       {Columns: policyColumns("Validations", "validation rules"), Cells: typed(vapCells)},
		"validatingadmissionpolicybindings": {Columns: policyBindingColumns, Cells: typed(vapBindingCells)},
		"mutatingadmissionpolicies":         {Columns: policyColumns("Mutations", "mutations"), Cells: typed(mapCells)},
		"mutatingadmissionpolicybindings":   {Columns: policyBindingColumns, Cells: typed(mapBindingCells)},
	}
}

var webhookColumns = columns(nameColumn(),
	column("Webhooks", "integer", "Number of webhooks in the configuration."),
	ageColumn())

func mutatingWebhookCells(c *admissionv1.MutatingWebhookConfiguration, now time.Time) []interface{} {
	return []interface{}{c.Name, int64(len(c.Webhooks)), age(c.CreationTimestamp, now)}
}

func validatingWebhookCells(c *admissionv1.ValidatingWebhookConfiguration, now time.Time) []interface{} {
	return []interface{}{c.Name, int64(len(c.Webhooks)), age(c.CreationTimestamp, now)}
}

func policyColumns(count, what string) []metav1.TableColumnDefinition {
	return columns(nameColumn(),
		column(count, "integer", "Number of "+what+" in the policy."),
		column("ParamKind", "string", "Kind of the resources that parameterize the policy."),
		ageColumn())
}

func paramKind(k *admissionv1.ParamKind) string {
	if k == nil {
		return "<unset>"
	}
	return k.APIVersion + "/" + k.Kind
}

func vapCells(p *admissionv1.ValidatingAdmissionPolicy, now time.Time) []interface{} {
	return []interface{}{p.Name, int64(len(p.Spec.Validations)), paramKind(p.Spec.ParamKind), age(p.CreationTimestamp, now)}
}

func mapCells(p *admissionv1.MutatingAdmissionPolicy, now time.Time) []interface{} {
	return []interface{}{p.Name, int64(len(p.Spec.Mutations)), paramKind(p.Spec.ParamKind), age(p.CreationTimestamp, now)}
}

var policyBindingColumns = columns(nameColumn(),
	column("PolicyName", "string", "Policy the binding applies."),
	column("ParamRef", "string", "Parameter resource of the binding."),
	ageColumn())

// paramRef names the parameter object: "ns/name", "*/name" when the namespace is unset, or the selector.
func paramRef(r *admissionv1.ParamRef) string {
	switch {
	case r == nil:
		return "<unset>"
	case r.Name != "" && r.Namespace != "":
		return r.Namespace + "/" + r.Name
	case r.Name != "":
		return "*/" + r.Name
	case r.Selector != nil:
		return r.Selector.String()
	}
	return "<unset>"
}

func vapBindingCells(b *admissionv1.ValidatingAdmissionPolicyBinding, now time.Time) []interface{} {
	return []interface{}{b.Name, b.Spec.PolicyName, paramRef(b.Spec.ParamRef), age(b.CreationTimestamp, now)}
}

func mapBindingCells(b *admissionv1.MutatingAdmissionPolicyBinding, now time.Time) []interface{} {
	return []interface{}{b.Name, b.Spec.PolicyName, paramRef(b.Spec.ParamRef), age(b.CreationTimestamp, now)}
}
