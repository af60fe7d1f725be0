package registry

import (
	"context"
	"errors"
	"math/big"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"orca/internal/storage"
)

// Errors of a range allocator.
var (
	ErrAllocated = errors.New("provided value is already allocated")
	ErrFull      = errors.New("range is full")
	ErrOutside   = errors.New("provided value is not in the valid range")
)

// Allocator hands out offsets in [0, size) and records them in one
// RangeAllocation object in etcd, written with compare-and-swap: two
// concurrent allocations (even from two servers) never get the same offset.
type Allocator struct {
	store *storage.Store
	key   string
	rng   string
	size  int
	// dynamicFrom is where automatic allocation starts: offsets below it
	// are left for users who ask for a specific value (upstream's split).
	dynamicFrom int
}

// NewAllocator returns an allocator stored under key (a RangeAllocation).
func NewAllocator(store *storage.Store, key, rangeString string, size, dynamicFrom int) *Allocator {
	return &Allocator{store: store, key: key, rng: rangeString, size: size, dynamicFrom: dynamicFrom}
}

// Allocate takes offset (or the first free one when offset < 0).
func (a *Allocator) Allocate(ctx context.Context, offset int) (int, error) {
	if offset >= a.size {
		return 0, ErrOutside
	}
	got := -1
	err := a.update(ctx, func(bits *big.Int) error {
		if offset >= 0 {
			if bits.Bit(offset) == 1 {
				return ErrAllocated
			}
			got = offset
		} else if got = a.firstFree(bits); got < 0 {
			return ErrFull
		}
		bits.SetBit(bits, got, 1)
		return nil
	})
	return got, err
}

// firstFree scans the dynamic band, then the static band. Upstream picks a
// random free offset; orca takes the lowest, so the stored bitmap stays as
// small as the number of Services (it is rewritten on every allocation).
// The difference is visible only in which IP a new Service gets.
func (a *Allocator) firstFree(bits *big.Int) int {
	for i := a.dynamicFrom; i < a.size; i++ {
		if bits.Bit(i) == 0 {
			return i
		}
	}
	for i := 0; i < a.dynamicFrom; i++ {
		if bits.Bit(i) == 0 {
			return i
		}
	}
	return -1
}

// Release frees offset; releasing a free offset is a no-op.
func (a *Allocator) Release(ctx context.Context, offset int) error {
	if offset < 0 || offset >= a.size {
		return nil
	}
	return a.update(ctx, func(bits *big.Int) error {
		bits.SetBit(bits, offset, 0)
		return nil
	})
}

func (a *Allocator) update(ctx context.Context, fn func(*big.Int) error) error {
	for {
		_, err := a.store.Update(ctx, a.key, func(cur runtime.Object) (runtime.Object, error) {
			ra := cur.(*corev1.RangeAllocation)
			bits := new(big.Int).SetBytes(ra.Data)
			if err := fn(bits); err != nil {
				return nil, err
			}
			ra.Range, ra.Data = a.rng, bits.Bytes()
			return ra, nil
		})
		if !apierrors.IsNotFound(err) {
			return err
		}
		ra := &corev1.RangeAllocation{ObjectMeta: metav1.ObjectMeta{Name: a.key}, Range: a.rng}
		if _, err := a.store.Create(ctx, a.key, ra, 0); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
}
