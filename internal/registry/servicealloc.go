package registry

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"orca/internal/storage"
)

// ServiceAllocations gives Services their ClusterIP and NodePorts from the
// configured ranges, and takes them back when Services go away.
type ServiceAllocations struct {
	IPs      *Allocator
	Ports    *Allocator
	Net      *net.IPNet
	PortBase int
}

// NewServiceAllocations builds the two allocators over a RangeAllocation
// store: the ClusterIP range (network and broadcast excluded) and NodePorts.
func NewServiceAllocations(ranges Ranger, ipNet *net.IPNet, portBase, portSize int) *ServiceAllocations {
	ones, bits := ipNet.Mask.Size()
	size := 1<<uint(min(bits-ones, 24)) - 2
	static := min(max(16, size/16), 256)
	return &ServiceAllocations{
		IPs:      NewAllocator(ranges.Store(), ranges.Key("serviceips"), ipNet.String(), size, static),
		Ports:    NewAllocator(ranges.Store(), ranges.Key("servicenodeports"), fmt.Sprintf("%d-%d", portBase, portBase+portSize-1), portSize, min(max(16, portSize/32), 128)),
		Net:      ipNet,
		PortBase: portBase,
	}
}

// ipOffset is ip's place in the range: network address +1 is offset 0.
func (s *ServiceAllocations) ipOffset(ip net.IP) int {
	ip4, base := ip.To4(), s.Net.IP.To4()
	if ip4 == nil || base == nil || !s.Net.Contains(ip4) {
		return -1
	}
	d := new(big.Int).Sub(new(big.Int).SetBytes(ip4), new(big.Int).SetBytes(base))
	return int(d.Int64()) - 1
}

func (s *ServiceAllocations) ipAt(off int) net.IP {
	n := new(big.Int).Add(new(big.Int).SetBytes(s.Net.IP.To4()), big.NewInt(int64(off+1)))
	b := n.Bytes()
	return net.IPv4(b[0], b[1], b[2], b[3]).To4()
}

var svcGK = schema.GroupKind{Kind: "Service"}

func needsClusterIP(svc *corev1.Service) bool {
	return svc.Spec.Type != corev1.ServiceTypeExternalName && svc.Spec.ClusterIP != corev1.ClusterIPNone
}

func needsNodePorts(svc *corev1.Service) bool {
	return svc.Spec.Type == corev1.ServiceTypeNodePort || svc.Spec.Type == corev1.ServiceTypeLoadBalancer
}

// BeforeCreate allocates the Service's IP and ports; undo gives them back.
func (s *ServiceAllocations) BeforeCreate(ctx context.Context, obj runtime.Object, dryRun bool) (func(), error) {
	svc := obj.(*corev1.Service)
	var undo undoList
	if needsClusterIP(svc) {
		if err := s.allocateIP(ctx, svc, &undo); err != nil {
			undo.run()
			return nil, err
		}
	}
	if needsNodePorts(svc) {
		if err := s.allocatePorts(ctx, svc, nil, &undo); err != nil {
			undo.run()
			return nil, err
		}
	}
	if dryRun {
		undo.run()
		return func() {}, nil
	}
	return undo.run, nil
}

func (s *ServiceAllocations) allocateIP(ctx context.Context, svc *corev1.Service, undo *undoList) error {
	want := -1
	fld := field.NewPath("spec", "clusterIPs").Index(0)
	if svc.Spec.ClusterIP != "" {
		ip := net.ParseIP(svc.Spec.ClusterIP)
		if want = s.ipOffset(ip); ip == nil || want < 0 {
			return apierrors.NewInvalid(svcGK, svc.Name, field.ErrorList{field.Invalid(fld, svc.Spec.ClusterIP,
				fmt.Sprintf("failed to allocate IP %v: the provided IP (%v) is not in the valid range. The range of valid IPs is %s", svc.Spec.ClusterIP, svc.Spec.ClusterIP, s.Net))})
		}
	}
	off, err := s.IPs.Allocate(ctx, want)
	switch {
	case errors.Is(err, ErrAllocated):
		return apierrors.NewInvalid(svcGK, svc.Name, field.ErrorList{field.Invalid(fld, svc.Spec.ClusterIP,
			fmt.Sprintf("failed to allocate IP %v: provided IP is already allocated", svc.Spec.ClusterIP))})
	case errors.Is(err, ErrFull):
		return apierrors.NewInternalError(fmt.Errorf("failed to allocate a serviceIP: range is full"))
	case err != nil:
		return err
	}
	undo.add(func() { s.IPs.Release(context.Background(), off) })
	ip := s.ipAt(off).String()
	svc.Spec.ClusterIP, svc.Spec.ClusterIPs = ip, []string{ip}
	if len(svc.Spec.IPFamilies) == 0 {
		svc.Spec.IPFamilies = []corev1.IPFamily{corev1.IPv4Protocol}
	}
	if svc.Spec.IPFamilyPolicy == nil {
		p := corev1.IPFamilyPolicySingleStack
		svc.Spec.IPFamilyPolicy = &p
	}
	return nil
}

// allocatePorts gives every port without a nodePort one; ports kept from
// old keep theirs.
func (s *ServiceAllocations) allocatePorts(ctx context.Context, svc, old *corev1.Service, undo *undoList) error {
	had := map[int32]bool{}
	if old != nil && needsNodePorts(old) {
		for _, p := range old.Spec.Ports {
			had[p.NodePort] = true
		}
	}
	for i := range svc.Spec.Ports {
		p := &svc.Spec.Ports[i]
		if p.NodePort != 0 && had[p.NodePort] {
			continue
		}
		fld := field.NewPath("spec", "ports").Index(i).Child("nodePort")
		want := -1
		if p.NodePort != 0 {
			want = int(p.NodePort) - s.PortBase
			if want < 0 {
				want = s.Ports.size // out of range
			}
		}
		off, err := s.Ports.Allocate(ctx, want)
		switch {
		case errors.Is(err, ErrAllocated):
			return apierrors.NewInvalid(svcGK, svc.Name, field.ErrorList{field.Invalid(fld, p.NodePort, "provided port is already allocated")})
		case errors.Is(err, ErrOutside):
			return apierrors.NewInvalid(svcGK, svc.Name, field.ErrorList{field.Invalid(fld, p.NodePort, fmt.Sprintf("provided port is not in the valid range. The range of valid ports is %s", s.Ports.rng))})
		case errors.Is(err, ErrFull):
			return apierrors.NewInternalError(fmt.Errorf("failed to allocate a nodePort: range is full"))
		case err != nil:
			return err
		}
		undo.add(func() { s.Ports.Release(context.Background(), off) })
		p.NodePort = int32(off + s.PortBase)
	}
	return nil
}

// BeforeUpdate allocates what a changed Service newly needs (a type change
// to NodePort, new ports); AfterUpdate releases what it no longer uses.
func (s *ServiceAllocations) BeforeUpdate(ctx context.Context, obj, oldObj runtime.Object, dryRun bool) (func(), error) {
	svc, old := obj.(*corev1.Service), oldObj.(*corev1.Service)
	var undo undoList
	if needsClusterIP(svc) && !needsClusterIP(old) && svc.Spec.ClusterIP == "" {
		if err := s.allocateIP(ctx, svc, &undo); err != nil {
			undo.run()
			return nil, err
		}
	}
	if needsNodePorts(svc) {
		if err := s.allocatePorts(ctx, svc, old, &undo); err != nil {
			undo.run()
			return nil, err
		}
	} else {
		for i := range svc.Spec.Ports {
			svc.Spec.Ports[i].NodePort = 0
		}
	}
	if dryRun {
		undo.run()
		return func() {}, nil
	}
	return undo.run, nil
}

// AfterUpdate releases the IP and ports old held that obj no longer does.
func (s *ServiceAllocations) AfterUpdate(ctx context.Context, obj, oldObj runtime.Object) {
	svc, old := obj.(*corev1.Service), oldObj.(*corev1.Service)
	if needsClusterIP(old) && !needsClusterIP(svc) {
		s.IPs.Release(ctx, s.ipOffset(net.ParseIP(old.Spec.ClusterIP)))
	}
	keep := map[int32]bool{}
	if needsNodePorts(svc) {
		for _, p := range svc.Spec.Ports {
			keep[p.NodePort] = true
		}
	}
	if needsNodePorts(old) {
		for _, p := range old.Spec.Ports {
			if p.NodePort != 0 && !keep[p.NodePort] {
				s.Ports.Release(ctx, int(p.NodePort)-s.PortBase)
			}
		}
	}
}

// AfterDelete gives back everything the Service held.
func (s *ServiceAllocations) AfterDelete(ctx context.Context, obj runtime.Object) {
	svc := obj.(*corev1.Service)
	if needsClusterIP(svc) && svc.Spec.ClusterIP != "" {
		s.IPs.Release(ctx, s.ipOffset(net.ParseIP(svc.Spec.ClusterIP)))
	}
	if needsNodePorts(svc) {
		for _, p := range svc.Spec.Ports {
			if p.NodePort != 0 {
				s.Ports.Release(ctx, int(p.NodePort)-s.PortBase)
			}
		}
	}
}

type undoList []func()

func (u *undoList) add(f func()) { *u = append(*u, f) }
func (u *undoList) run() {
	for i := len(*u) - 1; i >= 0; i-- {
		(*u)[i]()
	}
	*u = nil
}

// Ranger locates RangeAllocation objects in storage.
type Ranger interface {
	Store() *storage.Store
	Key(name string) string
}
