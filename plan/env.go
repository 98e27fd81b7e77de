package plan

// Env holds the host facts a plan is checked against, the one type that
// holds them as facts: the testbed reads them (testbed.ProbeEnv) and
// copies the ones run.json records into its record; DefaultEnv gives
// typical values for tests and dry runs.
type Env struct {
	// FDSoft and FDHard are RLIMIT_NOFILE of the orchestrator; workers inherit them.
	FDSoft int64 `json:"fd_soft"`
	FDHard int64 `json:"fd_hard"`
	// NrOpen is fs.nr_open, the most any process may raise RLIMIT_NOFILE to.
	NrOpen int64 `json:"nr_open"`
	// FileMax is fs.file-max; FileNr is the number of files allocated now.
	FileMax int64 `json:"file_max"`
	FileNr  int64 `json:"file_nr"`
	// MemAvailable and MemTotal are from /proc/meminfo, in bytes.
	MemAvailable int64 `json:"mem_available"`
	MemTotal     int64 `json:"mem_total"`
	// PageSize is the memory page size in bytes (tcp_mem counts pages).
	PageSize int64 `json:"page_size"`
	// PortLow and PortHigh are the ip_local_port_range a fresh namespace gets.
	PortLow  int `json:"port_low"`
	PortHigh int `json:"port_high"`
	// TCPMem is net.ipv4.tcp_mem: min, pressure, max, in pages.
	TCPMem [3]int64 `json:"tcp_mem"`
	// ConntrackMax is net.netfilter.nf_conntrack_max.
	ConntrackMax int64 `json:"conntrack_max"`
	// TimeWaitBuckets is net.ipv4.tcp_max_tw_buckets of a fresh namespace.
	TimeWaitBuckets int64 `json:"time_wait_buckets"`
	// NeighbourMax is net.ipv4.neigh.default.gc_thresh3, the most
	// neighbour entries a table holds (host-global on this kernel); 0 when
	// unknown, and then not checked.
	NeighbourMax int64 `json:"neighbour_max"`
	// NeighbourMax6 is net.ipv6.neigh.default.gc_thresh3, IPv6's
	// neighbour table's cap (host-global too); 0 when unknown.
	NeighbourMax6 int64 `json:"neighbour_max6"`
	// CPUs is the number of online CPUs.
	CPUs int `json:"cpus"`
	// IOUringUnusable says why the built-in server cannot run on io_uring
	// here (kernel.io_uring_disabled, a seccomp filter, a kernel before
	// 6.1); empty when it can.
	IOUringUnusable string `json:"io_uring_unusable,omitempty"`
	// HostInUse is what the host uses now of the [host] settings that have
	// an amount in use, keyed by sysctl name, in the key's unit (see
	// HostInUseKeys). A new value must leave the key's margin above it. A
	// key that is absent is not checked (dry runs, tests).
	HostInUse map[string]int64 `json:"host_in_use"`
}

// DefaultEnv returns the facts of the project's reference machine: 2 CPUs,
// 24 GiB, an fd hard limit of 20000 that cannot be raised, fs.file-max
// 2,466,174, the default port range 32768-60999, the kernel's default
// gc_thresh3 of 1,024.
func DefaultEnv() Env {
	return Env{
		FDSoft:          20000,
		FDHard:          20000,
		NrOpen:          1048576,
		FileMax:         2466174,
		FileNr:          1024,
		MemAvailable:    23 << 30,
		MemTotal:        24 << 30,
		PageSize:        4096,
		PortLow:         32768,
		PortHigh:        60999,
		TCPMem:          [3]int64{287898, 383867, 575796},
		ConntrackMax:    262144,
		TimeWaitBuckets: 131072,
		NeighbourMax:    1024,
		NeighbourMax6:   1024,
		CPUs:            2,
	}
}
