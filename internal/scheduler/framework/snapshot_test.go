package framework

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A shallow copy (preemption's what-if snapshot) has its own image bound:
// a Replace on the copy raises the copy's, not the original's.
func TestShallowCopyImageBound(t *testing.T) {
	n := &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}, Status: v1.NodeStatus{Images: []v1.ContainerImage{{Names: []string{"a:1"}, SizeBytes: 10}}}}
	s := NewSnapshot(nil, []*v1.Node{n}, nil)
	c := s.ShallowCopy()
	ni := s.List()[0].Clone()
	ni.ImageStates["a:1"] = &ImageStateSummary{Size: 50, NumNodes: 1}
	c.Replace(0, ni)
	if got := c.LargestImage("a:1"); got != 50 {
		t.Errorf("copy: %d, want 50", got)
	}
	if got := s.LargestImage("a:1"); got != 10 {
		t.Errorf("original: %d, want 10", got)
	}
}
