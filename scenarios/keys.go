package scenarios

import (
	"fmt"
	"strconv"

	"github.com/c1m-testbed/c1m-testbed/internal/layout"
)

// keyDef is one key the decoder knows, with its default written as
// docs/scenario-format.md writes it ("" when the doc shows none).
type keyDef struct{ name, def string }

// sectionKeys lists, for each table of a scenario, the keys the decoder
// accepts and their defaults: the one list the decoder checks keys
// against and the doc test checks docs/scenario-format.md against. The
// "" section is the top level's own keys (the tables come from
// topTables).
var sectionKeys = map[string][]keyDef{
	"": {{"name", ""}, {"description", `""`}, {"scaling", strconv.Quote(DefaultScaling)}},
	"topology": {
		{"client-namespaces", fmt.Sprint(DefaultClientNamespaces)},
		{"client-addresses", fmt.Sprint(DefaultClientAddresses)},
		{"server-addresses", fmt.Sprint(DefaultServerAddresses)},
		{"server-ports", fmt.Sprintf("port %d", DefaultFirstPort)},
		{"subnet", strconv.Quote(layout.DefaultSubnet.String())},
		{"family", strconv.Quote(FamilyIPv4)},
		{"subnet6", strconv.Quote(layout.DefaultSubnet6.String())},
		{"client-sources", strconv.Quote(SourcesAddresses)},
		{"neighbour-table", "0"},
		{"conntrack", "false"},
		{"routing", strconv.Quote(DefaultRouting)},
		{"link-delay", "0"},
		{"link-jitter", "0"},
		{"link-loss", "0"},
		{"link-rate", "0"},
	},
	"server": {
		{"workers", "0"},
		{"backlog", fmt.Sprint(DefaultBacklog)},
		{"on-data", strconv.Quote(DefaultOnData)},
		{"reply", strconv.Quote(DefaultReply)},
		{"close-mode", strconv.Quote(DefaultCloseMode)},
		{"conn-buffer", fmt.Sprint(DefaultConnBuffer)},
		{"fd-limit", "0"},
		{"accept-rate", "0"},
		{"command", "none"},
		{"env", "none"},
		{"protocol", strconv.Quote(DefaultProtocol)},
		{"body", strconv.Quote(DefaultBody)},
		{"memory-limit", "0"},
		{"cpu-limit", "0"},
		{"cpus", `""`},
		{"listen", strconv.Quote(ListenAddresses)},
		{"engine", strconv.Quote(DefaultEngine)},
	},
	"client": {
		{"connections", "required"},
		{"workers", "0"},
		{"connect-rate", "0"},
		{"in-flight", fmt.Sprintf("%d per worker", DefaultInFlightPerWorker)},
		{"window", strconv.Quote(DefaultWindow)},
		{"message", `""`},
		{"source-strategy", strconv.Quote(DefaultSourceStrategy)},
		{"port-selection", strconv.Quote(DefaultPortSelection)},
		{"retries", "0"},
		{"fd-limit", "0"},
		{"command", "none"},
		{"env", "none"},
		{"protocol", strconv.Quote(DefaultProtocol)},
		{"path", strconv.Quote(DefaultPath)},
		{"host", "the server address"},
		{"headers", "none"},
		{"request", "per protocol"},
		{"topic", strconv.Quote(DefaultTopic)},
		{"client-id", strconv.Quote(DefaultClientID)},
		{"keep-alive", "0"},
		{"reply-delimiter", `"\n"`},
		{"reply-size", "0"},
		{"reconnect", strconv.Quote(ReconnectOff)},
		{"reconnect-delay", `"1s"`},
		{"reconnect-max-delay", `"30s"`},
		{"reconnect-jitter", "false"},
		{"memory-limit", "0"},
		{"cpu-limit", "0"},
		{"cpus", `""`},
	},
	"expect": {
		{"min-established", ""}, {"max-established", ""}, {"errors-present", ""}, {"errors-absent", ""},
		{"close-within", ""}, {"no-node-killed", ""}, {"counters", ""}, {"counters-max", ""}, {"kernel-log", ""},
		{"min-user-bytes-per-conn", ""}, {"max-user-bytes-per-conn", ""},
		{"min-server-syscalls-per-conn", ""}, {"max-server-syscalls-per-conn", ""},
		{"connect-p99-max", ""}, {"connect-p99-min", ""}, {"rtt-p99-max", ""}, {"rtt-p50-min", ""},
		{"messages-per-second-min", ""}, {"handshake-p99-max", ""},
		{"min-oom-kills", ""}, {"max-oom-kills", ""}, {"max-throttled", ""},
	},
}

// topTables are the tables a scenario's top level may hold.
var topTables = []string{"topology", "server", "client", "sysctl", "host", "phase", "expect"}

// keysOf returns the names of a section's keys (for the top level, with
// its tables).
func keysOf(section string) []string {
	var out []string
	for _, k := range sectionKeys[section] {
		out = append(out, k.name)
	}
	if section == "" {
		out = append(out, topTables...)
	}
	return out
}
