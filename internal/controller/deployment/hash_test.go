package deployment

import (
	"strings"
	"testing"
)

func TestDeploymentComputeHash(t *testing.T) {
	d := deploy(1, "1", "0")
	h := ComputeHash(&d.Spec.Template, nil)
	if h != ComputeHash(d.Spec.Template.DeepCopy(), nil) {
		t.Fatal("hash not stable")
	}
	// rand.SafeEncodeString's alphabet: no vowels, no look-alikes.
	for _, r := range h {
		if !strings.ContainsRune("bcdfghjklmnpqrstvwxz2456789", r) {
			t.Fatalf("hash %q has %q outside the safe alphabet", h, r)
		}
	}
	if len(h) < 8 || len(h) > 10 {
		t.Errorf("hash %q: want the 8-10 characters of a decimal uint32", h)
	}
	zero := int32(0)
	if ComputeHash(&d.Spec.Template, &zero) == h {
		t.Error("collision count 0 does not change the hash")
	}
	one := int32(1)
	if ComputeHash(&d.Spec.Template, &one) == ComputeHash(&d.Spec.Template, &zero) {
		t.Error("collision counts 0 and 1 hash the same")
	}
	d2 := d.DeepCopy()
	d2.Spec.Template.Spec.Containers[0].Image = "img:2"
	if ComputeHash(&d2.Spec.Template, nil) == h {
		t.Error("another image hashes the same")
	}
}

func TestDeploymentEqualIgnoreHash(t *testing.T) {
	d := deploy(1, "1", "0")
	t2 := d.Spec.Template.DeepCopy()
	t2.Labels = withLabel(t2.Labels, hashLabel, "abc")
	if !EqualIgnoreHash(&d.Spec.Template, t2) {
		t.Error("templates differing only in the hash label are not equal")
	}
	if _, ok := d.Spec.Template.Labels[hashLabel]; ok {
		t.Error("EqualIgnoreHash changed its argument")
	}
	t2.Spec.Containers[0].Image = "img:2"
	if EqualIgnoreHash(&d.Spec.Template, t2) {
		t.Error("different images are equal")
	}
}
