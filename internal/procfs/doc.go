// Package procfs is the one home of every /proc parser: pure functions
// over the text of a /proc file (sockstat and sockstat6, meminfo, netstat
// and snmp, net/tcp and net/tcp6, net/arp, cpuinfo, <pid>/stat), tested
// without root, and the few small readers that hand those files to them.
//
// The parsers never panic on any input (each has a fuzz test): a field
// they cannot read is 0, or reported (ok false, an error) where the caller
// must tell a missing value from a zero.
package procfs
