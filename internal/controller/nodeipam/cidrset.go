package nodeipam

import (
	"errors"
	"fmt"
	"math/big"
	"net/netip"
)

// maxSubnetBits bounds the number of node blocks (2^16), as upstream's
// range allocator does: the used set is a plain slice.
const maxSubnetBits = 16

var (
	errExhausted  = errors.New("no remaining CIDRs in the cluster range")
	errOutOfRange = errors.New("CIDR is outside the cluster range")
)

// cidrSet hands out the node-sized blocks of one cluster CIDR. It is pure
// bookkeeping, with no locking and no I/O.
type cidrSet struct {
	cluster  netip.Prefix
	nodeBits int    // prefix length of a node block
	used     []bool // by block index
}

func newCIDRSet(cluster netip.Prefix, nodeBits int) (*cidrSet, error) {
	cluster = cluster.Masked()
	diff := nodeBits - cluster.Bits()
	switch {
	case nodeBits > cluster.Addr().BitLen():
		return nil, fmt.Errorf("node CIDR mask size %d is longer than an %s address", nodeBits, family(cluster))
	case diff < 0:
		return nil, fmt.Errorf("node CIDR mask size %d is shorter than the cluster CIDR %s", nodeBits, cluster)
	case diff > maxSubnetBits:
		return nil, fmt.Errorf("node CIDR mask size %d splits %s into more than 2^%d blocks", nodeBits, cluster, maxSubnetBits)
	}
	return &cidrSet{cluster: cluster, nodeBits: nodeBits, used: make([]bool, 1<<diff)}, nil
}

// Allocate takes the lowest free block.
func (s *cidrSet) Allocate() (netip.Prefix, error) {
	for i, u := range s.used {
		if !u {
			s.used[i] = true
			return s.block(i), nil
		}
	}
	return netip.Prefix{}, errExhausted
}

// Occupy marks every block that cidr overlaps as used (a node may carry a
// CIDR of another size, set by hand). It fails if cidr is outside the range.
func (s *cidrSet) Occupy(cidr netip.Prefix) error {
	return s.mark(cidr, true)
}

// Release frees the blocks cidr overlaps.
func (s *cidrSet) Release(cidr netip.Prefix) error {
	return s.mark(cidr, false)
}

func (s *cidrSet) mark(cidr netip.Prefix, used bool) error {
	first, last, err := s.indices(cidr)
	if err != nil {
		return err
	}
	for i := first; i <= last; i++ {
		s.used[i] = used
	}
	return nil
}

// indices are the first and last block indices cidr overlaps.
func (s *cidrSet) indices(cidr netip.Prefix) (int, int, error) {
	cidr = cidr.Masked()
	if !cidr.IsValid() || cidr.Addr().BitLen() != s.cluster.Addr().BitLen() || !cidr.Overlaps(s.cluster) {
		return 0, 0, fmt.Errorf("%s: %w %s", cidr, errOutOfRange, s.cluster)
	}
	if cidr.Bits() <= s.cluster.Bits() {
		return 0, len(s.used) - 1, nil // cidr covers the whole range
	}
	first := s.index(cidr.Addr())
	last := s.index(lastAddr(cidr))
	return first, last, nil
}

// index is the number of the block holding addr (which is in the range).
func (s *cidrSet) index(addr netip.Addr) int {
	off := new(big.Int).Sub(toInt(addr), toInt(s.cluster.Addr()))
	off.Rsh(off, uint(addr.BitLen()-s.nodeBits))
	return int(off.Int64())
}

// block is the prefix of block i.
func (s *cidrSet) block(i int) netip.Prefix {
	bits := s.cluster.Addr().BitLen()
	off := new(big.Int).Lsh(big.NewInt(int64(i)), uint(bits-s.nodeBits))
	return netip.PrefixFrom(fromInt(off.Add(off, toInt(s.cluster.Addr())), bits), s.nodeBits)
}

func lastAddr(p netip.Prefix) netip.Addr {
	bits := p.Addr().BitLen()
	hostMask := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(bits-p.Bits())), big.NewInt(1))
	return fromInt(hostMask.Or(hostMask, toInt(p.Addr())), bits)
}

func toInt(a netip.Addr) *big.Int {
	return new(big.Int).SetBytes(a.AsSlice())
}

func fromInt(v *big.Int, bits int) netip.Addr {
	buf := make([]byte, bits/8)
	v.FillBytes(buf)
	a, _ := netip.AddrFromSlice(buf)
	return a
}

func family(p netip.Prefix) string {
	if p.Addr().Is4() {
		return "IPv4"
	}
	return "IPv6"
}
