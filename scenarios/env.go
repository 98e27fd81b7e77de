package scenarios

// Env holds the host facts a plan is checked against. The testbed probes
// them as root; DefaultEnv gives typical values for tests and dry runs.
type Env struct {
	// FDSoft and FDHard are RLIMIT_NOFILE of the orchestrator; workers inherit them.
	FDSoft, FDHard int64
	// NrOpen is fs.nr_open, the most any process may raise RLIMIT_NOFILE to.
	NrOpen int64
	// FileMax is fs.file-max; FileNr is the number of files allocated now.
	FileMax, FileNr int64
	// MemAvailable and MemTotal are from /proc/meminfo, in bytes.
	MemAvailable, MemTotal int64
	// PageSize is the memory page size in bytes (tcp_mem counts pages).
	PageSize int64
	// PortLow and PortHigh are the ip_local_port_range a fresh namespace gets.
	PortLow, PortHigh int
	// TCPMem is net.ipv4.tcp_mem: min, pressure, max, in pages.
	TCPMem [3]int64
	// ConntrackMax is net.netfilter.nf_conntrack_max.
	ConntrackMax int64
	// TimeWaitBuckets is net.ipv4.tcp_max_tw_buckets of a fresh namespace.
	TimeWaitBuckets int64
	// CPUs is the number of online CPUs.
	CPUs int
}

// DefaultEnv returns the facts of the project's reference machine: 2 CPUs,
// 24 GiB, an fd hard limit of 20000 that cannot be raised, fs.file-max
// 2,466,174, the default port range 32768-60999.
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
		CPUs:            2,
	}
}
