package printers

import (
	"testing"
	"time"

	resourcev1 "k8s.io/api/resource/v1"
)

func TestResourceCells(t *testing.T) {
	g := "resource.k8s.io"
	checkCells(t, g, "deviceclasses", []cellCase{
		{"class", &resourcev1.DeviceClass{ObjectMeta: meta5m("gpu")}, []interface{}{"gpu", "5m"}},
	})
	checkCells(t, g, "resourceclaimtemplates", []cellCase{
		{"template", &resourcev1.ResourceClaimTemplate{ObjectMeta: meta5m("t")}, []interface{}{"t", "5m"}},
	})
	reserved := &resourcev1.ResourceClaim{ObjectMeta: meta5m("c"), Status: resourcev1.ResourceClaimStatus{
		Allocation: &resourcev1.AllocationResult{}, ReservedFor: []resourcev1.ResourceClaimConsumerReference{{Name: "pod"}}}}
	deletedPending := &resourcev1.ResourceClaim{ObjectMeta: meta5m("d")}
	deletedPending.DeletionTimestamp = agoPtr(time.Second)
	deletedAllocated := &resourcev1.ResourceClaim{ObjectMeta: meta5m("e"), Status: resourcev1.ResourceClaimStatus{Allocation: &resourcev1.AllocationResult{}}}
	deletedAllocated.DeletionTimestamp = agoPtr(time.Second)
	checkCells(t, g, "resourceclaims", []cellCase{
		{"pending", &resourcev1.ResourceClaim{ObjectMeta: meta5m("p")}, []interface{}{"p", "pending", "5m"}},
		{"reserved", reserved, []interface{}{"c", "allocated,reserved", "5m"}},
		{"deleted", deletedPending, []interface{}{"d", "deleted", "5m"}},
		{"deleted allocated", deletedAllocated, []interface{}{"e", "deleted,allocated", "5m"}},
	})
	checkCells(t, g, "resourceslices", []cellCase{
		{"node slice", &resourcev1.ResourceSlice{ObjectMeta: meta5m("s"), Spec: resourcev1.ResourceSliceSpec{
			NodeName: ptr("node-1"), Driver: "gpu.example.com", Pool: resourcev1.ResourcePool{Name: "node-1"}}},
			[]interface{}{"s", "node-1", "gpu.example.com", "node-1", "5m"}},
	})
}
