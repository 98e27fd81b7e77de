package scenarios

import (
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/internal/layout"
)

func TestParseShard(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Shard
		err  bool
	}{
		{"0/1", Shard{0, 1}, false},
		{"3/4", Shard{3, 4}, false},
		{" 0/2 ", Shard{0, 2}, false},
		{"4/4", Shard{}, true},
		{"-1/4", Shard{}, true},
		{"1/0", Shard{}, true},
		{"1", Shard{}, true},
		{"a/b", Shard{}, true},
		{"0/100001", Shard{}, true},
	} {
		got, err := ParseShard(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("ParseShard(%q) error %v, want error %v", tc.in, err, tc.err)
			continue
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseShard(%q): %v does not wrap ErrInvalid", tc.in, err)
		}
		if err == nil && got != tc.want {
			t.Errorf("ParseShard(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestShardParts(t *testing.T) {
	for _, tc := range []struct {
		total, n int
		parts    []int
	}{
		{10, 3, []int{4, 3, 3}},
		{2, 4, []int{1, 1, 0, 0}},
		{1000000, 7, []int{142858, 142857, 142857, 142857, 142857, 142857, 142857}},
		{0, 2, []int{0, 0}},
	} {
		off := 0
		for i, want := range tc.parts {
			s := Shard{i, tc.n}
			if got := s.Part(tc.total); got != want {
				t.Errorf("Shard %v.Part(%d) = %d, want %d", s, tc.total, got, want)
			}
			if got := s.Offset(tc.total); got != off {
				t.Errorf("Shard %v.Offset(%d) = %d, want %d", s, tc.total, got, off)
			}
			off += want
		}
	}
}

func TestShardPortSlice(t *testing.T) {
	for _, tc := range []struct {
		low, high, n int
		want         [][2]int
		ok           bool
	}{
		{32768, 60999, 2, [][2]int{{32768, 46883}, {46884, 60999}}, true},
		{1000, 1009, 3, [][2]int{{1000, 1002}, {1003, 1005}, {1006, 1009}}, true},
		{1000, 1001, 3, nil, false},
	} {
		for i := 0; i < tc.n; i++ {
			lo, hi, ok := Shard{i, tc.n}.PortSlice(tc.low, tc.high)
			if ok != tc.ok {
				t.Errorf("PortSlice %d/%d of %d-%d ok = %v", i, tc.n, tc.low, tc.high, ok)
				continue
			}
			if ok && [2]int{lo, hi} != tc.want[i] {
				t.Errorf("PortSlice %d/%d of %d-%d = %d-%d, want %v", i, tc.n, tc.low, tc.high, lo, hi, tc.want[i])
			}
		}
	}
}

// checkShards checks the property every shard count must have: the parts
// of total are disjoint, contiguous and add up to it, and so do the port slices.
func checkShards(t *testing.T, total, n, low, high int) {
	t.Helper()
	next, sum := 0, 0
	nextPort := low
	for i := 0; i < n; i++ {
		s := Shard{i, n}
		if s.Offset(total) != next {
			t.Fatalf("%d over %d: shard %d starts at %d, want %d (gap or overlap)", total, n, i, s.Offset(total), next)
		}
		p := s.Part(total)
		if p < 0 || p > total/n+1 {
			t.Fatalf("%d over %d: shard %d part %d is uneven", total, n, i, p)
		}
		next += p
		sum += p
		if lo, hi, ok := s.PortSlice(low, high); ok {
			if lo != nextPort || hi < lo || hi > high {
				t.Fatalf("ports %d-%d over %d: shard %d slice %d-%d, want from %d", low, high, n, i, lo, hi, nextPort)
			}
			nextPort = hi + 1
		} else if high-low+1 >= n {
			t.Fatalf("ports %d-%d over %d: shard %d got no slice", low, high, n, i)
		}
	}
	if sum != total {
		t.Fatalf("%d over %d shards sums to %d", total, n, sum)
	}
	if high-low+1 >= n && nextPort != high+1 {
		t.Fatalf("ports %d-%d over %d: slices end at %d", low, high, n, nextPort-1)
	}
}

func FuzzShardsAddUp(f *testing.F) {
	f.Add(1000000, 7, 32768, 60999)
	f.Add(3, 3, 1024, 1024)
	f.Add(0, 1, 1, 65535)
	f.Fuzz(func(t *testing.T, total, n, low, high int) {
		if total < 0 || n < 1 || n > 1000 || low < 1 || high > 65535 || low > high {
			t.Skip()
		}
		checkShards(t, total%100000000, n, low, high)
	})
}

func TestShardedScenarioAddsUp(t *testing.T) {
	for _, name := range []string{"smoke", "million", "heartbeat", "close-storm-rate", "syn-backlog"} {
		sc, err := Load(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{1, 2, 3, 7} {
			var parts []*Scenario
			for i := 0; i < n; i++ {
				p, err := sc.Sharded(Shard{i, n})
				if err != nil {
					t.Fatalf("%s shard %d/%d: %v", name, i, n, err)
				}
				parts = append(parts, p)
			}
			whole, err := Unshard(parts)
			if err != nil {
				t.Fatalf("%s over %d: %v", name, n, err)
			}
			if math.Abs(whole.Expect.MessagesPerSecondMin-sc.Expect.MessagesPerSecondMin) > 1e-6*math.Max(1, sc.Expect.MessagesPerSecondMin) {
				t.Errorf("%s over %d: messages-per-second-min %g, want %g", name, n, whole.Expect.MessagesPerSecondMin, sc.Expect.MessagesPerSecondMin)
			}
			whole.Expect.MessagesPerSecondMin = sc.Expect.MessagesPerSecondMin
			if !reflect.DeepEqual(whole, sc.clone()) {
				t.Errorf("%s over %d shards does not add up to it:\n got %+v\nwant %+v", name, n, whole, sc)
			}
		}
	}
}

func TestShardedRefusals(t *testing.T) {
	sc, err := Load("smoke")
	if err != nil {
		t.Fatal(err)
	}
	few := sc.clone()
	few.Client.Connections = 3
	slow := sc.clone()
	slow.Phases[0].Rate = 5
	for _, tc := range []struct {
		sc   *Scenario
		sh   Shard
		want string
	}{
		{few, Shard{0, 4}, "at most 3 shards"},
		{slow, Shard{0, 8}, "at most 5 shards"},
		{sc, Shard{2, 2}, "0 <= I < N"},
	} {
		_, err := tc.sc.Sharded(tc.sh)
		if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Sharded(%v) = %v, want an ErrInvalid saying %q", tc.sh, err, tc.want)
		}
	}
}

func TestParseTarget(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      bool
	}{
		{"198.18.0.1:8000", "198.18.0.1:8000", false},
		{"10.0.0.5,10.0.0.6:8000-8003,9000", "10.0.0.5,10.0.0.6:8000-8003,9000", false},
		{"198.18.0.1", "", true},
		{"::1:80", "", true},
		{"127.0.0.1:80", "", true},
		{"198.18.0.1:0", "", true},
		{"198.18.0.1:9-8", "", true},
		{"198.18.0.1:80,80", "", true},
		{"198.18.0.1,198.18.0.1:80", "", true},
		{"example.com:80", "", true},
		// IPv6, in brackets, from 2001:2::/48 only.
		{"[2001:2::1]:8000", "[2001:2::1]:8000", false},
		{"[2001:2::1],[2001:2::2]:8000,8001", "[2001:2::1],[2001:2::2]:8000-8001", false},
		{"[2001:2::1]:8000-8003", "[2001:2::1]:8000-8003", false},
		{"198.18.0.1,[2001:2::1]:8000", "198.18.0.1,[2001:2::1]:8000", false},
		{" [2001:2:0:ffff::a] , 198.18.0.1 :80", "[2001:2:0:ffff::a],198.18.0.1:80", false},
		{"[2001:0002:0000::0001]:80", "[2001:2::1]:80", false},
		{"[2001:2::1],[2001:2:0::1]:80", "", true},
	} {
		got, err := ParseTarget(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("ParseTarget(%q) error %v, want error %v", tc.in, err, tc.err)
			continue
		}
		if err == nil && got.String() != tc.want {
			t.Errorf("ParseTarget(%q) = %s, want %s", tc.in, got, tc.want)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseTarget(%q) error %v does not wrap ErrInvalid", tc.in, err)
		}
	}
	tg, _ := ParseTarget("198.18.0.1,10.1.2.3:80")
	if out := tg.Outside(layout.DefaultSubnet); len(out) != 1 || out[0].String() != "10.1.2.3" {
		t.Errorf("Outside = %v, want [10.1.2.3]", out)
	}
	tg, _ = ParseTarget("[2001:2::1],198.18.0.1:80")
	if out := tg.Outside(layout.DefaultSubnet); len(out) != 0 {
		t.Errorf("Outside = %v, want none: an IPv6 target is in 2001:2::/48", out)
	}
}

// TestParseTargetRefusesIPv6 holds the refusals of IPv6 targets to an
// error that says what to write: every prefix but 2001:2::/48 is named
// as outside it, and an unbracketed address gets the bracketed form.
func TestParseTargetRefusesIPv6(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"link-local", "[fe80::1]:80", "fe80::1 is outside 2001:2::/48"},
		{"link-local with zone", "[fe80::1%eth0]:80", "outside 2001:2::/48"},
		{"loopback", "[::1]:80", "::1 is outside 2001:2::/48"},
		{"unspecified", "[::]:80", ":: is outside 2001:2::/48"},
		{"ULA", "[fd00::1]:80", "fd00::1 is outside 2001:2::/48"},
		{"ULA fc00::/7 low half", "[fc00::1]:80", "outside 2001:2::/48"},
		{"documentation", "[2001:db8::1]:80", "2001:db8::1 is outside 2001:2::/48"},
		{"next /48", "[2001:2:1::1]:80", "outside 2001:2::/48"},
		{"just below", "[2001:1:ffff::1]:80", "outside 2001:2::/48"},
		{"global", "[2606:4700::1111]:443", "outside 2001:2::/48"},
		{"multicast", "[ff02::1]:80", "outside 2001:2::/48"},
		{"v4-mapped", "[::ffff:198.18.0.1]:80", "write the IPv4 address as it is (198.18.0.1)"},
		{"v4 in brackets", "[198.18.0.1]:80", "IPv4 addresses are written without brackets"},
		{"mixed, one outside", "198.18.0.1,[fe80::1]:80", "fe80::1 is outside 2001:2::/48"},
		{"unbracketed", "2001:2::1:8000", "write [2001:2::1]:8000 (or [2001:2::1:8000]:PORT"},
		{"unbracketed list", "2001:2::1,2001:2::2:8000-8003", "write [2001:2::1],[2001:2::2]:8000-8003"},
		{"unbracketed, mixed", "198.18.0.1,2001:2::1:8000", "write 198.18.0.1,[2001:2::1]:8000"},
		{"unbracketed, no port", "2001:2::1", "write [2001:2::1]:PORT"},
		{"unbracketed, gibberish", "a:b:c", "write [2001:2::1]:8000"},
		{"unclosed bracket", "[2001:2::1:8000", "a '[' without its ']'"},
		{"stray bracket", "2001:2::1]:8000", "a ']' without its '['"},
		{"nested bracket", "[[2001:2::1]]:8000", "a '[' inside brackets"},
		{"text after bracket", "[2001:2::1]x:8000", "ends with ']'"},
		{"bracketed name", "[example.com]:8000", "not an IPv4 address or a bracketed IPv6 address"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseTarget(tc.in)
			if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseTarget(%q) = %v; want an ErrInvalid saying %q", tc.in, err, tc.want)
			}
		})
	}
}

// FuzzParseTarget: ParseTarget never panics, and what it accepts writes
// back (String) to a text it reads as the same target, whose addresses
// are IPv4 or in 2001:2::/48.
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"198.18.0.1:8000", "10.0.0.5,10.0.0.6:8000-8003,9000", "[2001:2::1]:8000",
		"[2001:2::1],[2001:2::2]:8000,8001", "198.18.0.1,[2001:2::1]:8000-8003", "2001:2::1:8000", "[fe80::1%eth0]:80",
		"[::ffff:198.18.0.1]:80", "[[", "]:", "::"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := ParseTarget(s)
		if err != nil {
			return
		}
		for _, a := range tg.Addrs {
			if !a.Is4() && !BenchmarkingIPv6.Contains(a) {
				t.Fatalf("ParseTarget(%q) accepted %s", s, a)
			}
		}
		back, err := ParseTarget(tg.String())
		if err != nil || !slices.Equal(back.Addrs, tg.Addrs) || !slices.Equal(back.Ports, tg.Ports) {
			t.Fatalf("ParseTarget(%q) = %s, which reads back as %v, %v", s, tg, back, err)
		}
	})
}

func TestForClients(t *testing.T) {
	sc, err := Load("million")
	if err != nil {
		t.Fatal(err)
	}
	tg, _ := ParseTarget("10.0.0.5:8000-8003")
	c, notes, err := sc.ForClients(InPlace{Target: tg, Sources: 4, PortLow: 1024, PortHigh: 65535})
	if err != nil {
		t.Fatal(err)
	}
	if c.Topology.ClientNamespaces != 1 || c.Topology.ClientAddresses != 4 || c.Topology.ServerAddresses != 1 || len(c.Topology.ServerPorts) != 4 {
		t.Errorf("topology in place = %+v", c.Topology)
	}
	if len(c.Host) != 0 || c.Sysctl.Client["net.ipv4.ip_local_port_range"] != "1024 65535" {
		t.Errorf("host %v, client sysctls %v", c.Host, c.Sysctl.Client)
	}
	if len(notes) == 0 || !strings.Contains(notes[0], "tcp_child_ehash_entries") {
		t.Errorf("notes %q do not name the [host] key left out", notes)
	}

	storm, _ := Load("close-storm")
	if _, _, err := storm.ForClients(InPlace{Target: tg, Sources: 1, PortLow: 1024, PortHigh: 65535}); err == nil || !strings.Contains(err.Error(), "server side") {
		t.Errorf("close-storm in place: %v, want a refusal of its server close", err)
	}
	if _, _, err := sc.ForClients(InPlace{Target: tg, Sources: 0, PortLow: 1024, PortHigh: 65535}); err == nil {
		t.Error("no sources accepted")
	}
}
