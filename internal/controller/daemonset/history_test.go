package daemonset

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"k8s.io/kubectl/pkg/polymorphichelpers"
)

func TestDaemonSetTemplateHash(t *testing.T) {
	a, b := testDS(), testDS()
	if templateHash(&a.Spec.Template, nil) != templateHash(&b.Spec.Template, nil) {
		t.Error("equal templates hash differently")
	}
	b.Spec.Template.Spec.Containers[0].Image = "img:2"
	if templateHash(&a.Spec.Template, nil) == templateHash(&b.Spec.Template, nil) {
		t.Error("different templates hash the same")
	}
	one := int32(1)
	if templateHash(&a.Spec.Template, nil) == templateHash(&a.Spec.Template, &one) {
		t.Error("collision count does not change the hash")
	}
}

func TestDaemonSetRevisionMatchesKubectl(t *testing.T) {
	ds := testDS()
	r, err := newRevision(ds, "abc", 1)
	if err != nil {
		t.Fatal(err)
	}
	if r.Name != "ds-abc" || r.Labels[hashLabel] != "abc" || r.Labels["app"] != "d" || !metav1.IsControlledBy(r, ds) {
		t.Errorf("revision meta = %+v", r.ObjectMeta)
	}
	if !isCurrent(ds, r) {
		t.Error("fresh revision is not current")
	}
	if !strings.Contains(string(r.Data.Raw), `"$patch":"replace"`) {
		t.Errorf("patch = %s", r.Data.Raw)
	}
	ds2 := ds.DeepCopy()
	ds2.Spec.Template.Spec.Containers[0].Image = "img:2"
	if isCurrent(ds2, r) {
		t.Error("changed template still matches the old revision")
	}
	// kubectl rollout undo tells "already at this revision" by comparing
	// bytes with what it computes itself: run its code on a fake server.
	c := fake.NewSimpleClientset(ds, r)
	rb, err := polymorphichelpers.RollbackerFor(schema.GroupKind{Group: "apps", Kind: "DaemonSet"}, c)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := rb.Rollback(ds, nil, 1, cmdutil.DryRunNone)
	if err != nil || !strings.Contains(msg, "current template already matches revision 1") {
		t.Errorf("kubectl rollback to the current revision = %q, %v; want skipped", msg, err)
	}
}

func TestDaemonSetRevisionsToDelete(t *testing.T) {
	rev := func(name string, n int64) *appsv1.ControllerRevision {
		return &appsv1.ControllerRevision{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{hashLabel: name}}, Revision: n}
	}
	old := []*appsv1.ControllerRevision{rev("r3", 3), rev("r1", 1), rev("r2", 2), rev("r4", 4)}
	got := revisionsToDelete(old, 2, map[string]bool{"r1": true})
	if len(got) != 2 || got[0].Name != "r2" || got[1].Name != "r3" {
		t.Errorf("deleted %v, want r2 r3 (r1 has live pods)", revNames(got))
	}
	if got := revisionsToDelete(old, 10, nil); len(got) != 0 {
		t.Errorf("under the limit deleted %v", revNames(got))
	}
}

func revNames(rs []*appsv1.ControllerRevision) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}
