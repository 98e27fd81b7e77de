package topology

import (
	"net/netip"
	"strings"
	"testing"
)

func TestPlanLayout(t *testing.T) {
	tests := []struct {
		name                 string
		spec                 Spec
		server0, serverLast  string
		client0, block0      string
		clientLast, blockEnd string
		wantErr              string
	}{
		{
			name:    "3x4, 2 servers",
			spec:    Spec{RunID: "abc", ClientNamespaces: 3, ClientAddresses: 4, ServerAddresses: 2},
			server0: "198.18.0.1", serverLast: "198.18.0.2",
			client0: "198.18.0.4", block0: "198.18.0.4/30",
			clientLast: "198.18.0.15", blockEnd: "198.18.0.12/30",
		},
		{
			name:    "64x16, 1 server",
			spec:    Spec{RunID: "abc", ClientNamespaces: 64, ClientAddresses: 16, ServerAddresses: 1},
			server0: "198.18.0.1", serverLast: "198.18.0.1",
			client0: "198.18.0.16", block0: "198.18.0.16/28",
			clientLast: "198.18.4.15", blockEnd: "198.18.4.0/28",
		},
		{
			name:    "odd sizes in a /24",
			spec:    Spec{RunID: "abc", ClientNamespaces: 2, ClientAddresses: 5, ServerAddresses: 20, Subnet: netip.MustParsePrefix("10.9.8.0/24")},
			server0: "10.9.8.1", serverLast: "10.9.8.20",
			client0: "10.9.8.32", block0: "10.9.8.32/29",
			clientLast: "10.9.8.44", blockEnd: "10.9.8.40/29",
		},
		{name: "too many", spec: Spec{RunID: "abc", ClientNamespaces: 2, ClientAddresses: 200, ServerAddresses: 1, Subnet: netip.MustParsePrefix("10.0.0.0/24")}, wantErr: "use a larger subnet"},
		{name: "ipv6", spec: Spec{RunID: "abc", ClientNamespaces: 1, ClientAddresses: 1, ServerAddresses: 1, Subnet: netip.MustParsePrefix("fd00::/64")}, wantErr: "not IPv4"},
		{name: "bad id", spec: Spec{RunID: "AB-1", ClientNamespaces: 1, ClientAddresses: 1, ServerAddresses: 1}, wantErr: "run id"},
		{name: "zero clients", spec: Spec{RunID: "abc", ClientAddresses: 1, ServerAddresses: 1}, wantErr: "at least one"},
		{name: "link too long", spec: Spec{RunID: "abcdef", ClientNamespaces: 1000, ClientAddresses: 1, ServerAddresses: 1}, wantErr: "longer than 15"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := makePlan(tt.spec)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			last := p.clients[len(p.clients)-1]
			got := []string{p.server[0].String(), p.server[len(p.server)-1].String(),
				p.clients[0].addrs[0].String(), p.clients[0].block.String(),
				last.addrs[len(last.addrs)-1].String(), last.block.String()}
			want := []string{tt.server0, tt.serverLast, tt.client0, tt.block0, tt.clientLast, tt.blockEnd}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("field %d = %s, want %s (all: %v)", i, got[i], want[i], got)
				}
			}
			for _, c := range p.clients {
				for _, a := range c.addrs {
					if !c.block.Contains(a) {
						t.Errorf("address %s outside its block %s", a, c.block)
					}
				}
			}
		})
	}
}

func TestRunIDNew(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id := NewRunID()
		if err := ValidateRunID(id); err != nil || len(id) != 6 {
			t.Fatalf("NewRunID() = %q: %v", id, err)
		}
		seen[id] = true
	}
	if len(seen) < 95 {
		t.Errorf("only %d distinct ids out of 100", len(seen))
	}
	if got := runIDOf("c1m-ab12cd-c7"); got != "ab12cd" {
		t.Errorf("runIDOf = %q", got)
	}
	if got := runIDOf("eth0"); got != "" {
		t.Errorf("runIDOf(eth0) = %q", got)
	}
}

func TestRunNamespaceShape(t *testing.T) {
	for name, want := range map[string]bool{
		"c1m-ab12cd-srv": true, "c1m-ab12cd-c1": true, "c1m-a-c640": true,
		"c1m-3e85e6-nt": false, "c1m-ab12cd-c": false, "c1m-ab12cd-cx": false, "c1m-ab12cd-s1": false, "eth0": false,
	} {
		if _, got := isRunNamespace(name); got != want {
			t.Errorf("isRunNamespace(%s) = %v, want %v", name, got, want)
		}
	}
}
