package registry

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Pod update rules, as upstream's ValidatePodUpdate: a pod's spec is fixed
// once created except for images, a shrinking activeDeadlineSeconds, added
// tolerations, removed scheduling gates, and a negative grace period
// becoming 1.

const podUpdatableFields = "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`," +
	"`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"

func validatePodUpdate(pod, old *corev1.Pod) field.ErrorList {
	sp := field.NewPath("spec")
	errs, stop := validateContainerCount(pod.Spec.Containers, old.Spec.Containers, sp.Child("containers"))
	if stop {
		return errs
	}
	initErrs, stop := validateContainerCount(pod.Spec.InitContainers, old.Spec.InitContainers, sp.Child("initContainers"))
	errs = append(errs, initErrs...)
	if stop {
		return errs
	}
	if e := validateDeadlineUpdate(pod.Spec.ActiveDeadlineSeconds, old.Spec.ActiveDeadlineSeconds, sp.Child("activeDeadlineSeconds")); e != nil {
		return append(errs, e...)
	}
	errs = append(errs, onlyAddedTolerations(pod.Spec.Tolerations, old.Spec.Tolerations, sp.Child("tolerations"))...)
	errs = append(errs, onlyDeletedGates(pod.Spec.SchedulingGates, old.Spec.SchedulingGates, sp.Child("schedulingGates"))...)
	if equality.Semantic.DeepEqual(pod.Spec, old.Spec) {
		return errs
	}
	munged := mungePodSpec(&pod.Spec, &old.Spec)
	if !equality.Semantic.DeepEqual(*munged, old.Spec) {
		errs = append(errs, field.Forbidden(sp, fmt.Sprintf("pod updates may not change fields other than %s\n%s", podUpdatableFields, specDiff(old.Spec, *munged))))
	}
	return errs
}

// validateContainerCount: containers may not come or go; every image is
// still required. stop means the rest of the comparison makes no sense.
func validateContainerCount(cs, old []corev1.Container, p *field.Path) (field.ErrorList, bool) {
	if len(cs) != len(old) {
		return field.ErrorList{field.Forbidden(p, "pod updates may not add or remove containers")}, true
	}
	var errs field.ErrorList
	for i, c := range cs {
		if c.Image == "" {
			errs = append(errs, field.Required(p.Index(i).Child("image"), ""))
		}
		if strings.TrimSpace(c.Image) != c.Image {
			errs = append(errs, field.Invalid(p.Index(i).Child("image"), c.Image, "must not have leading or trailing whitespace"))
		}
	}
	return errs, false
}

// validateDeadlineUpdate: activeDeadlineSeconds may only be set or shrink.
func validateDeadlineUpdate(v, old *int64, p *field.Path) field.ErrorList {
	switch {
	case v == nil && old != nil:
		return field.ErrorList{field.Invalid(p, v, "must not update from a positive integer to nil value")}
	case v == nil:
		return nil
	case *v < 0 || *v > math.MaxInt32:
		return field.ErrorList{field.Invalid(p, *v, validation.InclusiveRangeError(0, math.MaxInt32))}
	case old != nil && *old < *v:
		return field.ErrorList{field.Invalid(p, *v, "must be less than or equal to previous value")}
	}
	return nil
}

// onlyAddedTolerations: every old toleration is still there (its
// tolerationSeconds may change).
func onlyAddedTolerations(ts, old []corev1.Toleration, p *field.Path) field.ErrorList {
	for _, o := range old {
		found := false
		for _, t := range ts {
			cmp := o
			cmp.TolerationSeconds = t.TolerationSeconds
			if reflect.DeepEqual(cmp, t) {
				found = true
				break
			}
		}
		if !found {
			return field.ErrorList{field.Forbidden(p, "existing toleration can not be modified except its tolerationSeconds")}
		}
	}
	return nil
}

// onlyDeletedGates: scheduling gates may be removed, never added.
func onlyDeletedGates(gates, old []corev1.PodSchedulingGate, p *field.Path) field.ErrorList {
	had := map[string]bool{}
	for _, g := range old {
		had[g.Name] = true
	}
	var errs field.ErrorList
	for i, g := range gates {
		if !had[g.Name] {
			errs = append(errs, field.Forbidden(p.Index(i).Child("name"), fmt.Sprintf("only deletion is allowed, but found new scheduling gate '%s'", g.Name)))
		}
	}
	return errs
}

// mungePodSpec is the new spec with every updatable field set back to its
// old value: whatever still differs may not change.
func mungePodSpec(spec, old *corev1.PodSpec) *corev1.PodSpec {
	m := spec.DeepCopy()
	for i := range m.Containers {
		m.Containers[i].Image = old.Containers[i].Image
	}
	for i := range m.InitContainers {
		m.InitContainers[i].Image = old.InitContainers[i].Image
	}
	m.ActiveDeadlineSeconds = old.ActiveDeadlineSeconds
	m.SchedulingGates = old.SchedulingGates
	m.Tolerations = old.Tolerations
	if g := old.TerminationGracePeriodSeconds; g != nil && *g < 0 && m.TerminationGracePeriodSeconds != nil && *m.TerminationGracePeriodSeconds == 1 {
		m.TerminationGracePeriodSeconds = g
	}
	if len(old.SchedulingGates) > 0 && nodeSelectorOnlyGrew(m.NodeSelector, old.NodeSelector) {
		m.NodeSelector = old.NodeSelector
	}
	return m
}

// nodeSelectorOnlyGrew: a gated pod may gain node selector entries.
func nodeSelectorOnlyGrew(sel, old map[string]string) bool {
	for k, v := range old {
		if nv, ok := sel[k]; !ok || nv != v {
			return false
		}
	}
	return true
}

// specDiff shows what differs between two specs, one JSON line per field,
// "-" for the old and "+" for the new.
func specDiff(old, cur any) string {
	a, _ := json.MarshalIndent(old, "", "  ")
	b, _ := json.MarshalIndent(cur, "", "  ")
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	pre := 0
	for pre < len(al) && pre < len(bl) && al[pre] == bl[pre] {
		pre++
	}
	suf := 0
	for suf < len(al)-pre && suf < len(bl)-pre && al[len(al)-1-suf] == bl[len(bl)-1-suf] {
		suf++
	}
	var sb strings.Builder
	for _, l := range al[pre : len(al)-suf] {
		sb.WriteString("- " + l + "\n")
	}
	for _, l := range bl[pre : len(bl)-suf] {
		sb.WriteString("+ " + l + "\n")
	}
	return sb.String()
}
