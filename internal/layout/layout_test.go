package layout

import (
	"errors"
	"net/netip"
	"testing"
)

var slash15 = netip.MustParsePrefix("198.18.0.0/15")

func TestCompute(t *testing.T) {
	tests := []struct {
		name            string
		spec            Spec
		first, last     string // first client block, last client block
		lastAddr        string
		fits            bool
		need, block, sz uint64
	}{
		{"3x4, 2 servers", Spec{3, 4, 2, slash15}, "198.18.0.4/30", "198.18.0.12/30", "198.18.0.15", true, 17, 4, 131072},
		{"odd sizes", Spec{2, 5, 20, netip.MustParsePrefix("10.9.8.0/24")}, "10.9.8.32/29", "10.9.8.40/29", "10.9.8.44", true, 49, 8, 256},
		{"4 x 20,000 does not fit a /15", Spec{4, 20000, 1, slash15}, "", "", "", false, 163841, 32768, 131072},
		{"1 x 65,536 does not fit a /15", Spec{1, 65536, 1, slash15}, "", "", "", false, 131073, 65536, 131072},
		{"1 x 32,768 fits", Spec{1, 32768, 1, slash15}, "198.18.128.0/17", "198.18.128.0/17", "198.18.255.255", true, 65537, 32768, 131072},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Compute(tt.spec)
			if !tt.fits {
				var fe *FitError
				if !errors.As(err, &fe) || fe.Need != tt.need || fe.ClientBlock != tt.block || fe.Size != tt.sz {
					t.Fatalf("err = %v (%+v); want a FitError need %d block %d size %d", err, fe, tt.need, tt.block, tt.sz)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			lastBlock := l.Clients[len(l.Clients)-1]
			addrs := lastBlock.Addrs()
			if got := l.Clients[0].Prefix.String(); got != tt.first {
				t.Errorf("first block %s; want %s", got, tt.first)
			}
			if got := lastBlock.Prefix.String(); got != tt.last {
				t.Errorf("last block %s; want %s", got, tt.last)
			}
			if got := addrs[len(addrs)-1].String(); got != tt.lastAddr {
				t.Errorf("last address %s; want %s", got, tt.lastAddr)
			}
			for _, a := range l.ServerAddrs() {
				if l.Clients[0].Prefix.Contains(a) {
					t.Errorf("server address %s inside a client block", a)
				}
			}
		})
	}
}

func TestComputeRefuses(t *testing.T) {
	if _, err := Compute(Spec{0, 1, 1, slash15}); err == nil {
		t.Error("zero namespaces accepted")
	}
	if _, err := Compute(Spec{1, 1, 1, netip.MustParsePrefix("fd00::/64")}); err == nil {
		t.Error("IPv6 accepted")
	}
	if got := MaxClientAddresses(slash15, 4, 1); got != 16384 {
		t.Errorf("MaxClientAddresses(/15, 4, 1) = %d; want 16384", got)
	}
}
