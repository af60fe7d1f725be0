package registry

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Helpers the strategy tests share.

// wantErr names an expected error as "<type> <field>", e.g.
// "Required value spec.containers[0].image".
type wantErr string

func errKey(e *field.Error) string { return e.Type.String() + " " + e.Field }

// checkErrs fails unless errs has exactly one error per want (in any order).
func checkErrs(t *testing.T, errs field.ErrorList, want ...wantErr) {
	t.Helper()
	got := map[string]int{}
	for _, e := range errs {
		got[errKey(e)]++
	}
	for _, w := range want {
		if got[string(w)] == 0 {
			t.Errorf("missing error %q; got %v", w, errs)
			continue
		}
		got[string(w)]--
	}
	for k, n := range got {
		if n > 0 {
			t.Errorf("unexpected error %q; all: %v", k, errs)
		}
	}
}

// hasErr fails unless some error has the type, field and (when given) a
// detail containing detail.
func hasErr(t *testing.T, errs field.ErrorList, want wantErr, detail string) {
	t.Helper()
	for _, e := range errs {
		if errKey(e) == string(want) && strings.Contains(e.Detail, detail) {
			return
		}
	}
	t.Errorf("no error %q with detail %q in %v", want, detail, errs)
}

const (
	required     = "Required value "
	invalid      = "Invalid value "
	notSupported = "Unsupported value "
	forbidden    = "Forbidden "
	duplicate    = "Duplicate value "
	notFound     = "Not found "
	tooMany      = "Too many "
	tooLong      = "Too long "
)

func q(s string) resource.Quantity { return resource.MustParse(s) }

func objMeta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name)}
}

// validPodSpec is a minimal valid spec (before defaulting).
func validPodSpec() corev1.PodSpec {
	return corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx:1.27"}}}
}

func validPod() *corev1.Pod {
	return &corev1.Pod{ObjectMeta: objMeta("p"), Spec: validPodSpec()}
}

func validTemplate(labels map[string]string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: validPodSpec()}
}

// create runs a strategy the way REST.Create does (without admission and
// server metadata) and returns the validation errors.
func create(s Strategy, obj runtime.Object) field.ErrorList {
	s.Default(obj)
	resetStatus(obj)
	s.PrepareForCreate(obj)
	return s.Validate(obj)
}

// update runs a strategy the way REST.Update does for the main resource.
func update(s Strategy, obj, old runtime.Object) field.ErrorList {
	s.Default(obj)
	copyStatus(obj, old)
	s.PrepareForUpdate(obj, old)
	return s.ValidateUpdate(obj, old)
}

func must(t *testing.T, errs field.ErrorList) {
	t.Helper()
	if len(errs) > 0 {
		t.Fatalf("unexpected errors: %v", errs)
	}
}
