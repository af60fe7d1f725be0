package ownership

import (
	"encoding/json"
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
)

var rsKind = schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "ReplicaSet"}

func pod(name string, lbl string, owner *metav1.OwnerReference, deleting bool) *v1.Pod {
	p := &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID("uid-" + name), Labels: map[string]string{"app": lbl}}}
	if owner != nil {
		p.OwnerReferences = []metav1.OwnerReference{*owner}
	}
	if deleting {
		now := metav1.Now()
		p.DeletionTimestamp = &now
	}
	return p
}

func names(ps []*v1.Pod) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func TestDecide(t *testing.T) {
	rs := &v1.ReplicationController{ObjectMeta: metav1.ObjectMeta{Name: "web", UID: "rs-uid"}}
	mine := ControllerRef(rs, rsKind)
	other := mine
	other.UID = "other"
	sel := labels.SelectorFromSet(labels.Set{"app": "web"})
	objs := []*v1.Pod{
		pod("owned", "web", &mine, false),
		pod("relabelled", "db", &mine, false),
		pod("orphan", "web", nil, false),
		pod("orphan-deleting", "web", nil, true),
		pod("foreign", "web", &other, false),
		pod("unrelated", "db", nil, false),
	}
	p := Decide(rs, sel, objs)
	if got := names(p.Owned); len(got) != 1 || got[0] != "owned" {
		t.Errorf("owned %v", got)
	}
	if got := names(p.Adopt); len(got) != 1 || got[0] != "orphan" {
		t.Errorf("adopt %v", got)
	}
	if got := names(p.Release); len(got) != 1 || got[0] != "relabelled" {
		t.Errorf("release %v", got)
	}
	now := metav1.Now()
	rs.DeletionTimestamp = &now
	p = Decide(rs, sel, objs)
	if len(p.Adopt) != 0 || len(p.Release) != 0 || len(p.Owned) != 2 {
		t.Errorf("deleting owner: owned %v adopt %v release %v", names(p.Owned), names(p.Adopt), names(p.Release))
	}
}

func TestPatches(t *testing.T) {
	rs := &v1.ReplicationController{ObjectMeta: metav1.ObjectMeta{Name: "web", UID: "rs-uid"}}
	p := pod("orphan", "web", nil, false)
	p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "x", UID: "cm"}}
	orig, _ := json.Marshal(p)
	out, err := strategicpatch.StrategicMergePatch(orig, AdoptPatch(rs, rsKind, p.UID), &v1.Pod{})
	if err != nil {
		t.Fatal(err)
	}
	var adopted v1.Pod
	_ = json.Unmarshal(out, &adopted)
	if ref := metav1.GetControllerOf(&adopted); ref == nil || ref.UID != "rs-uid" || len(adopted.OwnerReferences) != 2 {
		t.Fatalf("after adopt: %+v", adopted.OwnerReferences)
	}
	out, err = strategicpatch.StrategicMergePatch(out, ReleasePatch("rs-uid", p.UID), &v1.Pod{})
	if err != nil {
		t.Fatal(err)
	}
	var released v1.Pod
	_ = json.Unmarshal(out, &released)
	if len(released.OwnerReferences) != 1 || released.OwnerReferences[0].UID != "cm" {
		t.Fatalf("after release: %+v", released.OwnerReferences)
	}
}
