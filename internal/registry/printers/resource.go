package printers

import (
	"strings"
	"time"

	resourcev1 "k8s.io/api/resource/v1"
)

func resourcePrinters() map[string]Printer {
	return map[string]Printer{
		"deviceclasses":          {Columns: columns(nameColumn(), ageColumn()), Cells: typed(deviceClassCells)},
		"resourceclaims":         {Columns: resourceClaimColumns, Cells: typed(resourceClaimCells)},
		"resourceclaimtemplates": {Columns: columns(nameColumn(), ageColumn()), Cells: typed(resourceClaimTemplateCells)},
		"resourceslices":         {Columns: resourceSliceColumns, Cells: typed(resourceSliceCells)},
	}
}

func deviceClassCells(dc *resourcev1.DeviceClass, now time.Time) []interface{} {
	return []interface{}{dc.Name, age(dc.CreationTimestamp, now)}
}

func resourceClaimTemplateCells(t *resourcev1.ResourceClaimTemplate, now time.Time) []interface{} {
	return []interface{}{t.Name, age(t.CreationTimestamp, now)}
}

var resourceClaimColumns = columns(nameColumn(),
	column("State", "string", "Whether the claim is pending, allocated, reserved or deleted."),
	ageColumn())

func resourceClaimCells(c *resourcev1.ResourceClaim, now time.Time) []interface{} {
	var states []string
	if c.DeletionTimestamp != nil {
		states = append(states, "deleted")
	}
	switch {
	case c.Status.Allocation == nil && c.DeletionTimestamp == nil:
		states = append(states, "pending")
	case c.Status.Allocation != nil:
		states = append(states, "allocated")
		if len(c.Status.ReservedFor) > 0 {
			states = append(states, "reserved")
		}
	}
	return []interface{}{c.Name, strings.Join(states, ","), age(c.CreationTimestamp, now)}
}

var resourceSliceColumns = columns(nameColumn(),
	column("Node", "string", "Node the slice's devices are on."),
	column("Driver", "string", "Driver that published the slice."),
	column("Pool", "string", "Pool the slice belongs to."),
	ageColumn())

func resourceSliceCells(s *resourcev1.ResourceSlice, now time.Time) []interface{} {
	node := ""
	if s.Spec.NodeName != nil {
		node = *s.Spec.NodeName
	}
	return []interface{}{s.Name, node, s.Spec.Driver, s.Spec.Pool.Name, age(s.CreationTimestamp, now)}
}
