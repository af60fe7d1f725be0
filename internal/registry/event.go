package registry

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The core/v1 Event strategy (events.k8s.io/v1 Events are stored as core
// ones too). Validation is upstream's legacy one, which both APIs pass: old
// events (no eventTime) must agree on the namespace; new events carry the
// reporting controller, instance, action and reason.

const (
	maxEventReason   = 128
	maxEventAction   = 128
	maxEventInstance = 128
	maxEventNote     = 1024
)

func (eventStrategy) Validate(obj runtime.Object) field.ErrorList {
	ev := obj.(*corev1.Event)
	var errs field.ErrorList
	if ev.EventTime.IsZero() {
		errs = append(errs, validateOldEventNamespace(ev)...)
	} else {
		errs = append(errs, validateNewEvent(ev)...)
	}
	return errs
}

func (s eventStrategy) ValidateUpdate(obj, _ runtime.Object) field.ErrorList { return s.Validate(obj) }

func validateOldEventNamespace(ev *corev1.Event) field.ErrorList {
	ns, invNS := ev.Namespace, ev.InvolvedObject.Namespace
	ok := ns == invNS || (invNS == "" && (ns == metav1.NamespaceNone || ns == metav1.NamespaceDefault))
	if ok {
		return nil
	}
	return field.ErrorList{field.Invalid(field.NewPath("involvedObject", "namespace"), invNS, "does not match event.namespace")}
}

func validateNewEvent(ev *corev1.Event) field.ErrorList {
	var errs field.ErrorList
	if ev.InvolvedObject.Namespace == "" && ev.Namespace != metav1.NamespaceDefault && ev.Namespace != metav1.NamespaceSystem {
		errs = append(errs, field.Invalid(field.NewPath("involvedObject", "namespace"), ev.InvolvedObject.Namespace, "does not match event.namespace"))
	}
	rc := field.NewPath("reportingComponent")
	if ev.ReportingController == "" {
		errs = append(errs, field.Required(rc, ""))
	} else {
		errs = append(errs, qualifiedName(ev.ReportingController, rc)...)
	}
	errs = append(errs, requiredShort(ev.ReportingInstance, maxEventInstance, field.NewPath("reportingInstance"))...)
	errs = append(errs, requiredShort(ev.Action, maxEventAction, field.NewPath("action"))...)
	errs = append(errs, requiredShort(ev.Reason, maxEventReason, field.NewPath("reason"))...)
	if len(ev.Message) > maxEventNote {
		errs = append(errs, field.Invalid(field.NewPath("message"), "", fmt.Sprintf("can have at most %v characters", maxEventNote)))
	}
	return errs
}

// requiredShort: present and at most max characters.
func requiredShort(v string, max int, p *field.Path) field.ErrorList {
	if v == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	if len(v) > max {
		return field.ErrorList{field.Invalid(p, "", fmt.Sprintf("can have at most %v characters", max))}
	}
	return nil
}

func (eventStrategy) Fields(obj runtime.Object) fields.Set {
	ev := obj.(*corev1.Event)
	source := ev.Source.Component
	if source == "" {
		source = ev.ReportingController
	}
	io := ev.InvolvedObject
	return fields.Set{
		"involvedObject.kind":            io.Kind,
		"involvedObject.namespace":       io.Namespace,
		"involvedObject.name":            io.Name,
		"involvedObject.uid":             string(io.UID),
		"involvedObject.apiVersion":      io.APIVersion,
		"involvedObject.resourceVersion": io.ResourceVersion,
		"involvedObject.fieldPath":       io.FieldPath,
		"reason":                         ev.Reason,
		"reportingComponent":             ev.ReportingController,
		"source":                         source,
		"type":                           ev.Type,
	}
}

// eventV1Strategy is the events.k8s.io/v1 view of Events: its selectable
// fields carry that API's names (resources.go may use it in place of
// Base{}). The store filters on core/v1 names, so a selector must be
// translated with EventV1FieldLabels before it is applied.
type eventV1Strategy struct{ Base }

// EventV1FieldLabels maps each field events.k8s.io/v1 selects on to the
// core/v1 field the stored Event is filtered by, as upstream does.
var EventV1FieldLabels = map[string]string{
	"reason":                    "reason",
	"regarding.kind":            "involvedObject.kind",
	"regarding.namespace":       "involvedObject.namespace",
	"regarding.name":            "involvedObject.name",
	"regarding.uid":             "involvedObject.uid",
	"regarding.apiVersion":      "involvedObject.apiVersion",
	"regarding.resourceVersion": "involvedObject.resourceVersion",
	"regarding.fieldPath":       "involvedObject.fieldPath",
	"reportingController":       "reportingComponent",
	"type":                      "type",
	"metadata.namespace":        "metadata.namespace",
	"metadata.name":             "metadata.name",
}

func (eventV1Strategy) Fields(obj runtime.Object) fields.Set {
	ev, ok := obj.(*eventsv1.Event)
	if !ok {
		return nil
	}
	core, _ := convertEventV1ToCore(ev)
	coreFields := eventStrategy{}.Fields(core)
	out := fields.Set{}
	for v1Name, coreName := range EventV1FieldLabels {
		if !strings.HasPrefix(v1Name, "metadata.") {
			out[v1Name] = coreFields[coreName]
		}
	}
	return out
}
