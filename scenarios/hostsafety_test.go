package scenarios

import (
	"errors"
	"strings"
	"testing"

	"github.com/c1m-testbed/c1m-testbed/internal/sysctlscope"
)

// parseBody decodes body; the error is the decoder's.
func parseBody(body string) error {
	_, err := Parse("t.toml", []byte(body))
	return err
}

// TestLinkDurationResolution: link-delay and link-jitter between 0 and
// 1 µs decode no more: topology.LinkShape.Validate refuses them, after
// [host] was written.
func TestLinkDurationResolution(t *testing.T) {
	for _, tc := range []struct {
		link string
		ok   bool
	}{
		{`link-delay = "1us"`, true},
		{`link-delay = "999ns"`, false},
		{`link-delay = "1ns"`, false},
		{"link-delay = \"2us\"\nlink-jitter = \"500ns\"", false},
		{"link-delay = \"2us\"\nlink-jitter = \"1us\"", true},
	} {
		err := parseBody("name = \"l\"\n[topology]\n" + tc.link + "\n[client]\nconnections = 10\n[[phase]]\nkind = \"connect\"\n")
		if (err == nil) != tc.ok {
			t.Errorf("%q: err = %v, want ok %v", tc.link, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "resolution") {
			t.Errorf("%q: %v does not name netem's resolution", tc.link, err)
		}
	}
}

// TestScaledHostValuesStayInKernelRange: --scale 10 of a lab whose [host]
// ints are near 2^30 would write values past the kernel's int range; the
// lab runs whole instead, and says so. Every value a scaled scenario
// writes decodes as a written one would.
func TestScaledHostValuesStayInKernelRange(t *testing.T) {
	s, err := Parse("s.toml", []byte(`name = "s"
[client]
connections = 1000
[host]
"net.ipv4.tcp_max_orphans" = 1073741824
"net.ipv4.neigh.default.gc_thresh3" = 1073741824
[sysctl.server]
"net.ipv4.tcp_max_tw_buckets" = 1073741824
[[phase]]
kind = "connect"
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []float64{10, 2, 0.5} {
		sc, note := s.ScaledNote(f)
		if f > 1 && (!strings.Contains(note, "runs whole") || !strings.Contains(note, "maximum")) {
			t.Errorf("--scale %g: note %q, want it to run whole above the kernel's maximum", f, note)
		}
		for name, v := range sc.Host {
			k, _ := sysctlscope.Lookup(name)
			if _, _, problem := normalizeSysctl(k, v, true); problem != "" {
				t.Errorf("--scale %g: [host] %s = %s %s", f, name, v, problem)
			}
		}
		for name, v := range sc.Sysctl.Server {
			k, _ := sysctlscope.Lookup(name)
			if _, _, problem := normalizeSysctl(k, v, false); problem != "" {
				t.Errorf("--scale %g: [sysctl.server] %s = %s %s", f, name, v, problem)
			}
		}
	}
}

// TestOneSpellingPerKey: a setting written twice (both names of the
// conntrack limit, or one key quoted and nested) is refused: the plan
// would check one value and the run write the other.
func TestOneSpellingPerKey(t *testing.T) {
	for _, host := range []string{
		"\"net.netfilter.nf_conntrack_max\" = 100000\n\"net.nf_conntrack_max\" = 300000\n",
		"\"fs.file-max\" = 100000\nfs.file-max = 300000\n",
	} {
		err := parseBody("name = \"k\"\n[client]\nconnections = 10\n[host]\n" + host + "[[phase]]\nkind = \"connect\"\n")
		if err == nil || !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: err = %v, want a refusal", host, err)
		}
	}
	if err := parseBody("name = \"k\"\n[client]\nconnections = 10\n[host]\n\"net.nf_conntrack_max\" = 300000\n[[phase]]\nkind = \"connect\"\n"); err != nil {
		t.Errorf("one spelling: %v", err)
	}
}

// TestWorkerPortCopiesCapped: {worker-port} runs one copy per port; with
// 57,536 ports that was 57,536 copies past the 10,000 cap (and plan out
// of memory listing them).
func TestWorkerPortCopiesCapped(t *testing.T) {
	for _, tc := range []struct {
		ports string
		ok    bool
	}{{"57536", false}, {"10001", false}, {"10000", true}} {
		_, err := Parse("w.toml", []byte("name = \"w\"\n[topology]\nserver-ports = "+tc.ports+"\n[server]\ncommand = [\"/srv\", \"{worker-port}\"]\n[client]\nconnections = 10\n[[phase]]\nkind = \"connect\"\n"))
		if (err == nil) != tc.ok {
			t.Errorf("%s ports: err = %v, want ok %v", tc.ports, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "10,000") {
			t.Errorf("%s ports: %v does not name the cap", tc.ports, err)
		}
	}
}
