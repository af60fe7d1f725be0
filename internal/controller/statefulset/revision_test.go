package statefulset

import (
	"encoding/json"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A revision holds only the template, as a replacing patch; its name is
// <set>-<hash>, stable for a template and changed by the collision count.
func TestNewRevision(t *testing.T) {
	set := testSet(1)
	set.Annotations = map[string]string{"note": "x"}
	r, err := newRevision(set, 4, 0)
	if err != nil {
		t.Fatal(err)
	}
	var data map[string]map[string]map[string]any
	if err := json.Unmarshal(r.Data.Raw, &data); err != nil {
		t.Fatal(err)
	}
	if len(data) != 1 || len(data["spec"]) != 1 || data["spec"]["template"]["$patch"] != "replace" {
		t.Errorf("data %s", r.Data.Raw)
	}
	hash := r.Labels[hashLabel]
	if r.Name != "web-"+hash || hash == "" || r.Revision != 4 || r.Labels["app"] != "web" || r.Annotations["note"] != "x" {
		t.Errorf("revision %s labels %v annotations %v", r.Name, r.Labels, r.Annotations)
	}
	if !metav1.IsControlledBy(r, set) {
		t.Error("not owned by the set")
	}
	again, _ := newRevision(set.DeepCopy(), 9, 0)
	if again.Name != r.Name {
		t.Errorf("name not stable: %s vs %s", again.Name, r.Name)
	}
	collided, _ := newRevision(set, 4, 1)
	if collided.Name == r.Name {
		t.Error("collision count did not change the name")
	}
	changed := set.DeepCopy()
	changed.Spec.Template.Spec.Containers[0].Image = "nginx:2"
	other, _ := newRevision(changed, 5, 0)
	if other.Name == r.Name || sameData(other, r) {
		t.Error("a new template made the same revision")
	}
	// Replicas are not part of a revision.
	scaled := set.DeepCopy()
	scaled.Spec.Replicas = ptrInt32(9)
	if s, _ := newRevision(scaled, 4, 0); s.Name != r.Name {
		t.Error("scaling changed the revision")
	}
}

func ptrInt32(n int32) *int32 { return &n }

// applyRevision puts a revision's template back on the set, nothing else.
func TestApplyRevision(t *testing.T) {
	old := testSet(1)
	r, _ := newRevision(old, 1, 0)
	cur := testSet(5)
	cur.Spec.Template.Spec.Containers = []v1.Container{{Name: "other", Image: "busybox"}}
	cur.Spec.Template.Labels["extra"] = "yes"
	got, err := applyRevision(cur, r)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Spec.Template.Spec.Containers) != 1 || got.Spec.Template.Spec.Containers[0].Image != "nginx:1" ||
		got.Spec.Template.Labels["extra"] != "" || *got.Spec.Replicas != 5 || got.Name != "web" {
		t.Errorf("applied %+v", got.Spec)
	}
}

func rev(name string, n int64, image string) *appsv1.ControllerRevision {
	s := testSet(1)
	s.Spec.Template.Spec.Containers[0].Image = image
	r, _ := newRevision(s, n, 0)
	r.Name = name
	return r
}

// The update revision: the newest if it matches, an older equal one
// renumbered (rollback), or a new one.
func TestChooseUpdateRevision(t *testing.T) {
	revs := []*appsv1.ControllerRevision{rev("a", 1, "nginx:1"), rev("b", 2, "nginx:2")}
	sortRevisions(revs)
	if c := chooseUpdateRevision(revs, rev("x", 3, "nginx:2")); c.reuse == nil || c.reuse.Name != "b" {
		t.Errorf("same template: %+v", c)
	}
	if c := chooseUpdateRevision(revs, rev("x", 3, "nginx:1")); c.renumber == nil || c.renumber.Name != "a" {
		t.Errorf("rollback: %+v", c)
	}
	if c := chooseUpdateRevision(revs, rev("x", 3, "nginx:3")); !c.create {
		t.Errorf("new template: %+v", c)
	}
	if c := chooseUpdateRevision(nil, rev("x", 1, "nginx:3")); !c.create {
		t.Errorf("no history: %+v", c)
	}
	if n := nextRevisionNumber(revs); n != 3 {
		t.Errorf("next %d", n)
	}
}

// Truncation drops the oldest revisions no pod uses beyond the limit.
func TestRevisionsToTruncate(t *testing.T) {
	var revs []*appsv1.ControllerRevision
	for i, n := range []string{"r1", "r2", "r3", "r4", "r5"} {
		revs = append(revs, rev(n, int64(i+1), "nginx:"+n))
	}
	set := testSet(1)
	live := liveRevisions("r5", "r5", []*v1.Pod{testPod(set, "web-0", "r1", ready)})
	var names []string
	for _, r := range revisionsToTruncate(revs, 1, live) {
		names = append(names, r.Name)
	}
	if strings.Join(names, ",") != "r2,r3" {
		t.Errorf("truncate %v, want r2,r3", names)
	}
	if got := revisionsToTruncate(revs, 10, live); len(got) != 0 {
		t.Errorf("under the limit: %v", got)
	}
}
