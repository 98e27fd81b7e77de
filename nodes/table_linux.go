package nodes

// Connection states.
const (
	stFree       uint8 = iota // slot unused
	stListener                // a listening socket (server)
	stConnecting              // connect in progress (client)
	stOpen                    // established
)

// Connection flags.
const (
	fReplied uint8 = 1 << iota // reply-once already sent
	fMsg                       // client message partly written; left = bytes still to write
	fSend                      // a send command is writing; left = bytes still to write
)

// conn is one slot of the connection table, indexed by fd: 12 bytes, so
// a worker with 20,000 connections spends about 240 KB on its table.
type conn struct {
	state uint8
	flags uint8
	tries uint8  // client: connect retries spent on this index
	_     uint8  // padding, kept explicit
	idx   uint32 // client: local connection index (the %d of Message)
	left  uint32 // bytes still to write (message rest or send command)
}

// slot returns the table entry for fd, growing the table by a quarter
// (not doubling: at 20k fds, doubling would leave up to 10k idle slots)
// when the kernel hands out a higher fd than seen before.
func (w *Worker) slot(fd int) *conn {
	if fd >= len(w.conns) {
		n := len(w.conns) + len(w.conns)/4
		if n <= fd {
			n = fd + 1
		}
		grown := make([]conn, n)
		copy(grown, w.conns)
		w.conns = grown
	}
	return &w.conns[fd]
}
