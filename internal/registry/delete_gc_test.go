package registry

import (
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A delete request sets the garbage collector's finalizers as upstream's
// apiserver does.
func TestGCFinalizers(t *testing.T) {
	orphan, fg, bg := metav1.DeletePropagationOrphan, metav1.DeletePropagationForeground, metav1.DeletePropagationBackground
	for _, tc := range []struct {
		name          string
		fins          []string
		p             metav1.DeletionPropagation
		defaultOrphan bool
		want          []string
	}{
		{"orphan adds", []string{"x"}, orphan, false, []string{"x", FinalizerOrphan}},
		{"orphan replaces foreground", []string{FinalizerForeground}, orphan, false, []string{FinalizerOrphan}},
		{"foreground replaces orphan", []string{FinalizerOrphan, "x"}, fg, false, []string{"x", FinalizerForeground}},
		{"background removes both", []string{FinalizerOrphan, "x", FinalizerForeground}, bg, false, []string{"x"}},
		{"background on a default-orphan kind", nil, bg, true, nil},
		{"no policy keeps", []string{FinalizerForeground}, "", true, []string{FinalizerForeground}},
		{"no policy, default orphan", nil, "", true, []string{FinalizerOrphan}},
		{"no policy, default background", []string{"x"}, "", false, []string{"x"}},
	} {
		if got := gcFinalizers(tc.fins, tc.p, tc.defaultOrphan); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}
