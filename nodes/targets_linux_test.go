package nodes

import (
	"net/netip"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TestSockaddrForm: the kernel form of both families, the port in
// network byte order, read back the same.
func TestSockaddrForm(t *testing.T) {
	sa := newSockaddr(netip.MustParseAddr("198.18.0.1"), 0x1389) // 5001
	r := (*unix.RawSockaddrInet4)(unsafe.Pointer(&sa.raw[0]))
	if sa.n != unix.SizeofSockaddrInet4 || r.Family != unix.AF_INET || r.Addr != [4]byte{198, 18, 0, 1} ||
		sa.raw[2] != 0x13 || sa.raw[3] != 0x89 || sa.family() != unix.AF_INET {
		t.Errorf("IPv4: %+v (len %d)", *r, sa.n)
	}
	sa = newSockaddr(netip.MustParseAddr("2001:2::1"), 40123)
	r6 := (*unix.RawSockaddrInet6)(unsafe.Pointer(&sa.raw[0]))
	want := netip.MustParseAddr("2001:2::1").As16()
	if sa.n != unix.SizeofSockaddrInet6 || r6.Family != unix.AF_INET6 || r6.Addr != want ||
		r6.Flowinfo != 0 || r6.Scope_id != 0 || sa.raw[2] != 40123>>8 || sa.raw[3] != 40123&0xff || sa.family() != unix.AF_INET6 {
		t.Errorf("IPv6: %+v (len %d)", *r6, sa.n)
	}
	sa.setPort(65535)
	if sa.port() != 65535 || sa.String() != "[2001:2::1]:65535" {
		t.Errorf("IPv6 after setPort: %s", sa.String())
	}
	sa4 := newSockaddr(netip.MustParseAddr("198.18.0.1"), 80)
	if sa4.String() != "198.18.0.1:80" {
		t.Errorf("IPv4 String: %s", sa4.String())
	}
}

// TestTargetsFamilies: each source pairs only with servers of its family,
// and round-robin alternates the families while both have tuples left.
func TestTargetsFamilies(t *testing.T) {
	tg, err := newTargets(ClientConfig{
		Sources: []string{"198.18.0.2", "2001:2::2", "2001:2::3"},
		Servers: []string{"198.18.0.1", "2001:2::1"}, Ports: []int{5001, 5002},
	})
	if err != nil {
		t.Fatal(err)
	}
	if tg.n != 2+4 {
		t.Fatalf("%d tuples, want 1×2 IPv4 + 2×2 IPv6", tg.n)
	}
	var got []string
	for k := 0; k < tg.n; k++ {
		src, dst, anyip := tg.pick(k)
		if anyip || src.family() != dst.family() {
			t.Errorf("tuple %d: %s -> %s (anyip %v)", k, src, dst, anyip)
		}
		got = append(got, src.addr().String()+">"+dst.String())
	}
	want := []string{
		"198.18.0.2>198.18.0.1:5001", "2001:2::2>[2001:2::1]:5001",
		"198.18.0.2>198.18.0.1:5002", "2001:2::2>[2001:2::1]:5002",
		"2001:2::3>[2001:2::1]:5001", "2001:2::3>[2001:2::1]:5002",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("tuples\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestTargetsPrefix: a prefix's sources come after the listed IPv6 ones,
// are computed per pick (no tuple kept per source) and match anyIP's.
func TestTargetsPrefix(t *testing.T) {
	cfg := ClientConfig{Sources: []string{"2001:2::2"}, SourcePrefix: "2001:2:0:1::/64", SourceCount: MaxSourceCount,
		Servers: []string{"2001:2::1"}, Ports: []int{5001, 5002}}
	tg, err := newTargets(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if tg.n != (1+MaxSourceCount)*2 {
		t.Fatalf("%d tuples", tg.n)
	}
	if size := unsafe.Sizeof(*tg) + uintptr(cap(tg.g[0].srcs)+cap(tg.g[0].dsts))*unsafe.Sizeof(sockaddr{}); size > 1024 {
		t.Errorf("the tuples of a million sources take %d bytes", size)
	}
	src, dst, anyip := tg.pick(1)
	if anyip || src.addr().String() != "2001:2::2" || dst.port() != 5002 {
		t.Errorf("tuple 1: %s -> %s", src, dst)
	}
	g, _ := parseSourcePrefix(cfg.SourcePrefix, cfg.SourceCount)
	for _, i := range []int{0, 1, 77, MaxSourceCount - 1} {
		src, dst, anyip := tg.pick(2 + 2*i + 1)
		if !anyip || src.addr() != g.addr(i) || src.port() != 0 || dst.port() != 5002 {
			t.Errorf("prefix source %d: %s -> %s (anyip %v), want %s", i, src, dst, anyip, g.addr(i))
		}
	}
	if n := testing.AllocsPerRun(100, func() { tg.pick(12345) }); n != 0 {
		t.Errorf("pick allocates %v times", n)
	}
}

// TestClientConfigRefused: configurations a client refuses before it
// opens anything, each with a message that says what to do.
func TestClientConfigRefused(t *testing.T) {
	base := ClientConfig{Sources: []string{"198.18.0.2"}, Servers: []string{"198.18.0.1"}, Ports: []int{5001}}
	for _, tc := range []struct {
		name string
		edit func(*ClientConfig)
		want string
	}{
		{"no source", func(c *ClientConfig) { c.Sources = nil }, "at least one source"},
		{"bracketed", func(c *ClientConfig) { c.Servers = []string{"[2001:2::1]"} }, "without brackets"},
		{"host name", func(c *ClientConfig) { c.Sources = []string{"localhost"} }, "IPv4 or IPv6 literal"},
		{"zone", func(c *ClientConfig) { c.Sources = []string{"fe80::1%lo"} }, "zones are not supported"},
		{"mapped", func(c *ClientConfig) { c.Servers = []string{"::ffff:198.18.0.1"} }, "write it as 198.18.0.1"},
		{"with port", func(c *ClientConfig) { c.Servers = []string{"198.18.0.1:5001"} }, "IPv4 or IPv6 literal"},
		{"port 0", func(c *ClientConfig) { c.Ports = []int{0} }, "port 0 out of range"},
		{"port high", func(c *ClientConfig) { c.Ports = []int{65536} }, "port 65536 out of range"},
		{"no shared family", func(c *ClientConfig) { c.Servers = []string{"2001:2::1"} }, "share no address family"},
		{"prefix and v4 servers", func(c *ClientConfig) {
			c.Sources, c.SourcePrefix, c.SourceCount = nil, "2001:2:0:1::/64", 10
		}, "share no address family"},
		{"count without prefix", func(c *ClientConfig) { c.SourceCount = 5 }, "without source_prefix"},
		{"prefix v4", func(c *ClientConfig) { c.SourcePrefix, c.SourceCount = "198.18.0.0/24", 5 }, "not IPv6"},
		{"explicit ports with prefix", func(c *ClientConfig) {
			c.Servers, c.SourcePrefix, c.SourceCount, c.PortLow, c.PortHigh = []string{"2001:2::1"}, "2001:2:0:1::/64", 10, 40000, 40100
		}, "use the kernel's port choice with a source prefix"},
	} {
		cfg := base
		tc.edit(&cfg)
		_, err := newTargets(cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one saying %q", tc.name, err, tc.want)
		}
	}
	// One family shared is enough: the IPv4 source goes unused.
	cfg := base
	cfg.Sources = append(cfg.Sources, "2001:2::2")
	cfg.Servers = []string{"2001:2::1"}
	if tg, err := newTargets(cfg); err != nil || tg.n != 1 {
		t.Errorf("IPv4 and IPv6 sources to an IPv6 server: %v", err)
	}
}

// TestServerConfigRefused: listen modes and addresses a server refuses,
// and the listeners each mode opens.
func TestServerConfigRefused(t *testing.T) {
	for _, tc := range []struct {
		cfg  ServerConfig
		want string
	}{
		{ServerConfig{Addrs: []string{"2001:2::1"}, Ports: []int{5001}, Listen: "both"}, "unknown listen"},
		{ServerConfig{Addrs: []string{"[2001:2::1]"}, Ports: []int{5001}}, "without brackets"},
		{ServerConfig{Addrs: []string{"198.18.0.1"}, Ports: []int{70000}}, "out of range"},
		{ServerConfig{Ports: []int{5001}, Listen: ListenDual}, "at least one address"},
	} {
		if _, err := listenAddrs(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one saying %q", tc.cfg, err, tc.want)
		}
	}
	both := []string{"198.18.0.1", "2001:2::1"}
	for _, tc := range []struct {
		listen string
		addrs  []string
		want   string
	}{
		{"", both, "198.18.0.1:1 198.18.0.1:2 [2001:2::1]:1/v6only [2001:2::1]:2/v6only"},
		{ListenAny, both, "0.0.0.0:1 [::]:1/v6only 0.0.0.0:2 [::]:2/v6only"},
		{ListenAny, both[1:], "[::]:1/v6only [::]:2/v6only"},
		{ListenAny, both[:1], "0.0.0.0:1 0.0.0.0:2"},
		{ListenDual, both, "[::]:1 [::]:2"},
	} {
		socks, err := listenAddrs(ServerConfig{Addrs: tc.addrs, Ports: []int{1, 2}, Listen: tc.listen})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range socks {
			g := s.sa.String()
			if s.v6only && s.sa.family() == unix.AF_INET6 {
				g += "/v6only"
			}
			got = append(got, g)
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("listen %q %v: %s, want %s", tc.listen, tc.addrs, strings.Join(got, " "), tc.want)
		}
	}
}
