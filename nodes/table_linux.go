package nodes

import "time"

// Connection states.
const (
	stFree       uint8 = iota // slot unused
	stListener                // a listening socket (server)
	stConnecting              // connect in progress (client)
	stOpen                    // established
)

// Connection flags.
const (
	fReplied uint8 = 1 << iota // server: reply-once already sent
	fMsg                       // client message partly written; left = bytes still to write
	fSend                      // a send command is writing; left = bytes still to write
	fTx                        // client: sends in the running traffic run
	fRx                        // client: its input is traffic replies (sub, idx, aux hold the one being read)
	fPart                      // client: a traffic message partly written; left = bytes still to write
	fCut                       // client: that part stopped inside the time field; the rest goes out unmeasured
	fRxSkip                    // client: the reply being read is an unmeasured one (its marker said so)
)

// conn is one slot of the connection table, indexed by fd: 16 bytes, so a
// worker with 20,000 connections spends about 320 KB on its table (12
// bytes before issue 14: aux is the 4 bytes latency added). The fields
// after flags mean different things in different states, never two at
// once:
//
//	state        sub                idx                  left, aux
//	connecting   retries spent      connection index     intended start (loop clock ns, low, high)
//	open         traffic: bytes of  Message: connection  left: bytes still to write;
//	             the reply read     index; traffic: low  aux: traffic: high half of
//	             so far             half of the reply's  the reply's send time
//	                                send time
//
// The Message index is needed only until the message is written, which is
// why a traffic run takes no connection whose message is still going out.
type conn struct {
	state uint8
	flags uint8
	sub   uint16
	idx   uint32
	left  uint32
	aux   uint32
}

// connSize is the size of a table slot (a test keeps it at 16).
const connSize = 16

// setStart keeps the intended start of a connect in progress.
func (c *conn) setStart(t time.Duration) {
	c.left, c.aux = uint32(uint64(t)), uint32(uint64(t)>>32)
}

// startTime is the intended start kept by setStart.
func (c *conn) startTime() time.Duration {
	return time.Duration(uint64(c.left) | uint64(c.aux)<<32)
}

// rxStamp is the send time gathered so far from the reply being read.
func (c *conn) rxStamp() uint64 { return uint64(c.idx) | uint64(c.aux)<<32 }

func (c *conn) setRxStamp(v uint64) { c.idx, c.aux = uint32(v), uint32(v>>32) }

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
