package nodeipam

import (
	"errors"
	"net/netip"
	"testing"
)

func TestCIDRSet(t *testing.T) {
	type op struct {
		do      string // allocate, occupy, release
		cidr    string // argument, or the expected result of allocate
		wantErr error
	}
	tests := []struct {
		name    string
		cluster string
		bits    int
		ops     []op
	}{
		{name: "lowest first", cluster: "10.244.0.0/16", bits: 24, ops: []op{
			{do: "allocate", cidr: "10.244.0.0/24"},
			{do: "allocate", cidr: "10.244.1.0/24"},
			{do: "release", cidr: "10.244.0.0/24"},
			{do: "allocate", cidr: "10.244.0.0/24"},
			{do: "allocate", cidr: "10.244.2.0/24"},
		}},
		{name: "occupied blocks are skipped", cluster: "10.244.0.0/16", bits: 24, ops: []op{
			{do: "occupy", cidr: "10.244.0.0/24"},
			{do: "occupy", cidr: "10.244.2.0/23"}, // a bigger block: 2 and 3
			{do: "allocate", cidr: "10.244.1.0/24"},
			{do: "allocate", cidr: "10.244.4.0/24"},
		}},
		{name: "smaller block occupies its container", cluster: "10.244.0.0/16", bits: 24, ops: []op{
			{do: "occupy", cidr: "10.244.0.128/25"},
			{do: "allocate", cidr: "10.244.1.0/24"},
		}},
		{name: "out of range", cluster: "10.244.0.0/16", bits: 24, ops: []op{
			{do: "occupy", cidr: "10.245.0.0/24", wantErr: errOutOfRange},
			{do: "occupy", cidr: "fd00::/64", wantErr: errOutOfRange},
			{do: "release", cidr: "192.168.0.0/24", wantErr: errOutOfRange},
			{do: "allocate", cidr: "10.244.0.0/24"},
		}},
		{name: "exhaustion", cluster: "10.0.0.0/30", bits: 31, ops: []op{
			{do: "allocate", cidr: "10.0.0.0/31"},
			{do: "allocate", cidr: "10.0.0.2/31"},
			{do: "allocate", wantErr: errExhausted},
			{do: "release", cidr: "10.0.0.2/31"},
			{do: "allocate", cidr: "10.0.0.2/31"},
		}},
		{name: "covering cidr fills everything", cluster: "10.0.0.0/30", bits: 31, ops: []op{
			{do: "occupy", cidr: "10.0.0.0/8"},
			{do: "allocate", wantErr: errExhausted},
		}},
		{name: "unmasked cluster", cluster: "10.244.7.9/16", bits: 24, ops: []op{
			{do: "allocate", cidr: "10.244.0.0/24"},
		}},
		{name: "ipv6", cluster: "fd00:10:244::/56", bits: 64, ops: []op{
			{do: "allocate", cidr: "fd00:10:244::/64"},
			{do: "occupy", cidr: "fd00:10:244:1::/64"},
			{do: "allocate", cidr: "fd00:10:244:2::/64"},
		}},
		{name: "last block", cluster: "10.244.0.0/16", bits: 24, ops: []op{
			{do: "occupy", cidr: "10.244.0.0/17"},
			{do: "occupy", cidr: "10.244.128.0/18"},
			{do: "occupy", cidr: "10.244.192.0/19"},
			{do: "occupy", cidr: "10.244.224.0/20"},
			{do: "occupy", cidr: "10.244.240.0/21"},
			{do: "occupy", cidr: "10.244.248.0/22"},
			{do: "occupy", cidr: "10.244.252.0/23"},
			{do: "occupy", cidr: "10.244.254.0/24"},
			{do: "allocate", cidr: "10.244.255.0/24"},
			{do: "allocate", wantErr: errExhausted},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := newCIDRSet(netip.MustParsePrefix(tt.cluster), tt.bits)
			if err != nil {
				t.Fatal(err)
			}
			for i, o := range tt.ops {
				var got netip.Prefix
				switch o.do {
				case "allocate":
					got, err = s.Allocate()
				case "occupy":
					err = s.Occupy(netip.MustParsePrefix(o.cidr))
				case "release":
					err = s.Release(netip.MustParsePrefix(o.cidr))
				}
				if !errors.Is(err, o.wantErr) {
					t.Fatalf("op %d %s %s: err = %v, want %v", i, o.do, o.cidr, err, o.wantErr)
				}
				if o.do == "allocate" && o.wantErr == nil && got.String() != o.cidr {
					t.Fatalf("op %d: allocated %s, want %s", i, got, o.cidr)
				}
			}
		})
	}
}

func TestNewCIDRSetLimits(t *testing.T) {
	tests := []struct {
		cluster string
		bits    int
		ok      bool
	}{
		{"10.244.0.0/16", 24, true},
		{"10.244.0.0/16", 16, true},
		{"10.244.0.0/16", 32, true},
		{"10.0.0.0/8", 24, true},
		{"10.0.0.0/8", 25, false}, // 2^17 blocks
		{"10.244.0.0/16", 15, false},
		{"10.244.0.0/16", 33, false},
		{"fd00::/48", 64, true},
	}
	for _, tt := range tests {
		_, err := newCIDRSet(netip.MustParsePrefix(tt.cluster), tt.bits)
		if (err == nil) != tt.ok {
			t.Errorf("newCIDRSet(%s, %d) = %v, want ok=%v", tt.cluster, tt.bits, err, tt.ok)
		}
	}
}

func TestCIDRSetCount(t *testing.T) {
	s, _ := newCIDRSet(netip.MustParsePrefix("10.244.0.0/16"), 24)
	for i := 0; i < 256; i++ {
		if _, err := s.Allocate(); err != nil {
			t.Fatalf("allocation %d: %v", i, err)
		}
	}
	if _, err := s.Allocate(); !errors.Is(err, errExhausted) {
		t.Errorf("257th allocation: %v", err)
	}
}
