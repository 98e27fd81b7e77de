package scenarios

import (
	"net/netip"
	"strings"
	"testing"
)

// family6 is a scenario body with topology keys tp.
func family6(tp string) string {
	return "name = \"f\"\n[topology]\n" + tp + "\n[client]\nconnections = 10\n[[phase]]\nkind = \"connect\"\n"
}

// TestSubnet6Refusals: every prefix outside 2001:2::/48 is refused with
// file:line and what it is, so a lab can never send to a real network.
func TestSubnet6Refusals(t *testing.T) {
	for _, tc := range []struct{ prefix, want string }{
		{"::1/128", "loopback"},
		{"::/0", "unspecified"},
		{"fe80::/64", "link-local"},
		{"fd00::/48", "unique local"},
		{"fc00::/7", "unique local"},
		{"ff02::/16", "multicast"},
		{"2001:db8::/32", "documentation"},
		{"2001:4860::/32", "global"},
		{"2001:2::/47", "outside 2001:2::/48"},
		{"2001:3::/48", "global"},
		{"::ffff:198.18.0.0/112", "IPv4"},
		{"198.18.0.0/15", "IPv4"},
		{"2001:2::1/48", "host bits"},
		{"2001:2::/64", "one /64"},
		{"2001:2::", "not a CIDR"},
		{"2001:2::/48%eth0", "not a CIDR"},
	} {
		t.Run(tc.prefix, func(t *testing.T) {
			err := parseBody(family6("family = \"ipv6\"\nsubnet6 = \"" + tc.prefix + "\""))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "t.toml:4") {
				t.Fatalf("subnet6 %s: %v, want an error at t.toml:4 naming %q", tc.prefix, err, tc.want)
			}
		})
	}
	for _, ok := range []string{"2001:2::/48", "2001:2:0:100::/56", "2001:2:0:fffe::/63"} {
		s, err := Parse("t.toml", []byte(family6("family = \"ipv6\"\nsubnet6 = \""+ok+"\"")))
		if err != nil {
			t.Errorf("subnet6 %s: %v", ok, err)
		} else if s.Topology.Subnet6 != netip.MustParsePrefix(ok) {
			t.Errorf("subnet6 %s decoded as %s", ok, s.Topology.Subnet6)
		}
	}
}

// TestFamilyKeys: the family keys decode, and each combination that
// cannot work is refused at the key that breaks it.
func TestFamilyKeys(t *testing.T) {
	for _, tc := range []struct {
		name, tp, server, want string
	}{
		{"ipv6", `family = "ipv6"`, "", ""},
		{"dual listener", `family = "dual"`, `listen = "dual"`, ""},
		{"any listener", `family = "ipv6"`, `listen = "any"`, ""},
		{"anyip", "family = \"ipv6\"\nclient-sources = \"anyip\"\nclient-addresses = 100000", "", ""},
		{"bad family", `family = "ipv5"`, "", `"ipv5" is not valid`},
		{"subnet6 without ipv6", `subnet6 = "2001:2::/48"`, "", `family = "ipv6" or "dual"`},
		{"subnet with ipv6 only", "family = \"ipv6\"\nsubnet = \"198.18.0.0/16\"", "", "no IPv4 address"},
		{"anyip on ipv4", `client-sources = "anyip"`, "", "needs IPv6"},
		{"anyip direct", "family = \"ipv6\"\nclient-sources = \"anyip\"\nrouting = \"direct\"", "", `routing = "gateway"`},
		{"dual listener on ipv6", `family = "ipv6"`, `listen = "dual"`, `family = "dual"`},
		{"too many namespaces for subnet6", "family = \"ipv6\"\nsubnet6 = \"2001:2::/63\"\nclient-namespaces = 2", "", "has 2 /64s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := "name = \"f\"\n[topology]\n" + tc.tp + "\n[server]\n" + tc.server + "\n[client]\nconnections = 10\n[[phase]]\nkind = \"connect\"\n"
			s, err := Parse("t.toml", []byte(body))
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if s.Topology.Family == FamilyIPv4 || !s.Topology.HasIPv6() {
					t.Errorf("family %q", s.Topology.Family)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
}
