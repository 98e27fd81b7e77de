package layout

import (
	"net/netip"
	"strings"
	"testing"
)

func TestCompute6(t *testing.T) {
	l, err := Compute6(Spec6{ClientNamespaces: 3, ClientAddresses: 2, ServerAddresses: 2, Subnet: DefaultSubnet6})
	if err != nil {
		t.Fatal(err)
	}
	if got := l.ServerAddrs(); len(got) != 2 || got[0] != netip.MustParseAddr("2001:2::1") || got[1] != netip.MustParseAddr("2001:2::2") {
		t.Errorf("server addresses %v", got)
	}
	want := []string{"2001:2:0:1::/64", "2001:2:0:2::/64", "2001:2:0:3::/64"}
	for i, b := range l.Clients {
		if b.Prefix.String() != want[i] {
			t.Errorf("client %d block %s, want %s", i+1, b.Prefix, want[i])
		}
		a := b.Addrs()
		if len(a) != 2 || a[0] != b.Prefix.Addr().Next() || !b.Prefix.Contains(a[1]) {
			t.Errorf("client %d addresses %v", i+1, a)
		}
	}
}

func TestCompute6Refuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec Spec6
		want string
	}{
		{"ipv4", Spec6{1, 1, 1, DefaultSubnet}, "not IPv6"},
		{"one /64", Spec6{1, 1, 1, netip.MustParsePrefix("2001:2::/64")}, "smaller than two /64s"},
		{"too many namespaces", Spec6{4, 1, 1, netip.MustParsePrefix("2001:2::/62")}, "has 4 /64s but the topology needs 5"},
		{"too many addresses", Spec6{1, MaxAddresses6 + 1, 1, DefaultSubnet6}, "AnyIP"},
		{"no namespace", Spec6{0, 1, 1, DefaultSubnet6}, "at least one"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compute6(tc.spec)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := Compute6(Spec6{3, 1, 1, netip.MustParsePrefix("2001:2::/62")}); err != nil {
		t.Errorf("four /64s for three clients and the server: %v", err)
	}
}
