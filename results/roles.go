package results

// RoleUsage is what one role's processes used, measured from /proc: every
// process in the role's network namespaces counts (found by namespace
// inode, so forks, re-execs and daemons are followed), whether the testbed
// started it or not. The built-in workers and external programs are
// measured the same way.
type RoleUsage struct {
	Role       string `json:"role"`       // "server" or "client"
	Namespaces int    `json:"namespaces"` // network namespaces measured
	// PeakProcesses is the most processes alive at one reading;
	// ProcessesSeen counts every process that lived at any reading.
	PeakProcesses int `json:"peak_processes"`
	ProcessesSeen int `json:"processes_seen"`
	// PeakRSS, PeakPSS and PeakFDs are the highest sums over the live
	// processes at one reading (not sums of each process's peak).
	PeakRSS int64 `json:"peak_rss_bytes"`
	PeakPSS int64 `json:"peak_pss_bytes"`
	PeakFDs int64 `json:"peak_fds"`
	// CPUUserSeconds and CPUSystemSeconds sum every process seen, at its
	// last reading (a process that exits between two readings loses at most
	// one interval's time).
	CPUUserSeconds   float64 `json:"cpu_user_seconds"`
	CPUSystemSeconds float64 `json:"cpu_system_seconds"`
	// Processes is each process seen, in order of pid, at most
	// MaxRoleProcesses of them; ProcessesOmitted counts the rest (their
	// CPU and memory are in the sums above).
	Processes        []ProcessUsage `json:"processes"`
	ProcessesOmitted int            `json:"processes_omitted,omitempty"`
}

// MaxRoleProcesses bounds roles[].processes, so a server that forks per
// connection cannot make run.json grow without end.
const MaxRoleProcesses = 2000

// ProcessUsage is one process of a role.
type ProcessUsage struct {
	PID       int    `json:"pid"`
	PPID      int    `json:"ppid"`
	Comm      string `json:"comm"`    // the name it gave itself (/proc/PID/comm)
	Command   string `json:"command"` // its command line, as first read
	Namespace string `json:"namespace"`
	// StartedSeconds and LastSeenSeconds are when it was first and last
	// read, from the run's start; Exited says it was gone before the end.
	StartedSeconds  float64 `json:"started_seconds"`
	LastSeenSeconds float64 `json:"last_seen_seconds"`
	Exited          bool    `json:"exited"`
	PeakRSS         int64   `json:"peak_rss_bytes"`
	PeakPSS         int64   `json:"peak_pss_bytes"`
	PeakFDs         int64   `json:"peak_fds"`
	// CPUUserSeconds and CPUSystemSeconds are its CPU times at the last reading.
	CPUUserSeconds   float64 `json:"cpu_user_seconds"`
	CPUSystemSeconds float64 `json:"cpu_system_seconds"`
}
