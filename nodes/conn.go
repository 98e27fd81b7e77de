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
	fRx                        // client: its input is traffic replies (sub and idx hold the one being read)
	fPart                      // client: a traffic message partly written; left = bytes still to write
	fCut                       // client: that part stopped inside the time field; the rest goes out unmeasured
	fRxSkip                    // client: the reply being read is an unmeasured one (its marker said so)
)

// fOut marks a lazyOut server's connection whose mask has EPOLLOUT
// (armOut); it shares fTx's bit, which only clients use (traffic is a
// client command).
const fOut = fTx

// conn is one slot of the connection table, indexed by fd: 20 bytes, so a
// worker with 20,000 connections spends about 400 KB on its table; timing
// connects and round trips added nothing to it. The fields after flags
// mean different things in different states, never two at once:
//
//	state        sub                idx                     left
//	connecting   retries spent      connection index        intended start (tick)
//	open         traffic: bytes of  Message: connection     bytes still to write
//	             the reply read     index; traffic: the
//	             so far             reply's send time, read
//	                                so far (tick)
//
// A tick is 256 ns of CLOCK_MONOTONIC (bits 8..39 of a nanosecond time):
// 32 bits of it wrap after 18 minutes, and an interval shorter than that
// (a connect in flight, a round trip) is their difference modulo 2^32.
//
// The Message index is needed only until the message is written, which is
// why a traffic run takes no connection whose message is still going out.
type conn struct {
	state uint8
	flags uint8
	sub   uint16
	idx   uint32
	left  uint32
	// pa and pb are a protocol's (see proto.go): for echo they stay 0.
	pa uint32
	pb uint32
}

// connSize is the size of a table slot (a test keeps it at 20: the
// protocols took 8 bytes, pa and pb).
const connSize = 20

// tickShift turns nanoseconds into ticks of 256 ns.
const tickShift = 8

// tick is t (nanoseconds) in ticks, modulo 2^32.
func tick(t uint64) uint32 { return uint32(t >> tickShift) }

// sinceTick is the time from tick then to nanosecond time now: exact to a
// tick for intervals under 2^32 ticks (18 minutes).
func sinceTick(now uint64, then uint32) time.Duration {
	return time.Duration(tick(now)-then) << tickShift
}

// setStart keeps the intended start of a connect in progress.
func (c *conn) setStart(t time.Duration) { c.left = tick(uint64(t)) }

// sinceStart is the time from the start kept by setStart to now.
func (c *conn) sinceStart(now time.Duration) time.Duration { return sinceTick(uint64(now), c.left) }

// rxStamp is the send time (in ticks) gathered so far from the reply
// being read.
func (c *conn) rxStamp() uint32 { return c.idx }

func (c *conn) setRxStamp(v uint32) { c.idx = v }

// addStampByte adds byte b, the off-th of a reply's 8-byte little-endian
// nanosecond send time, to the stamp being read: bytes 1 to 4 are its
// ticks (bits 8..39); the others are not kept.
func (c *conn) addStampByte(off int, b byte) {
	if off >= 1 && off <= 4 {
		c.idx |= uint32(b) << (8 * (off - 1))
	}
}
