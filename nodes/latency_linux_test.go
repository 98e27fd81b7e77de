package nodes

import (
	"encoding/binary"
	"encoding/json"
	"testing"
	"time"
	"unsafe"

	"github.com/c1m-testbed/c1m-testbed/internal/histogram"
)

// TestConnSize: the table slot is 12 bytes, as before connects and round
// trips were timed; the start it keeps gives every interval under 18
// minutes to a tick (256 ns), across the 32-bit wrap too.
func TestConnSize(t *testing.T) {
	if got := unsafe.Sizeof(conn{}); got != connSize {
		t.Fatalf("conn is %d bytes, want %d", got, connSize)
	}
	var c conn
	for _, start := range []time.Duration{0, 1, 1<<40 - 300, 1<<40 + 5, 100 * time.Hour} {
		for _, d := range []time.Duration{0, 255, 256, time.Microsecond, 3 * time.Second, 17 * time.Minute} {
			c.setStart(start)
			got := c.sinceStart(start + d)
			if diff := got - d; diff < -256 || diff > 256 {
				t.Errorf("start %d, %v later: kept %v", start, d, got)
			}
		}
	}
}

// trafficMsg builds one message as the client writes it.
func trafficMsg(size int, sent uint64, mark [8]byte) []byte {
	b := make([]byte, size)
	binary.LittleEndian.PutUint64(b, sent)
	copy(b[8:], mark[:])
	return b
}

// TestRepliesEverySplit feeds three replies (timed, unmeasured, timed)
// cut at every pair of points: each split gives 3 answered and the two
// round trips, exactly.
func TestRepliesEverySplit(t *testing.T) {
	const size = 24
	const now = uint64(10_000_000_000)
	var stream []byte
	stream = append(stream, trafficMsg(size, now-1_000_000, markBeat)...) // 1 ms
	stream = append(stream, trafficMsg(size, 0, markSkip)...)
	stream = append(stream, trafficMsg(size, now-5_000_000, markBeat)...) // 5 ms
	for i := 0; i <= len(stream); i++ {
		for j := i; j <= len(stream); j++ {
			w := &Worker{}
			w.tf.bytes = size
			c := &conn{state: stOpen, flags: fRx}
			for _, part := range [][]byte{stream[:i], stream[i:j], stream[j:]} {
				if !w.replies(c, part, now) {
					t.Fatalf("split %d/%d: garbled", i, j)
				}
			}
			if w.st.MsgAnswered != 3 || w.rttHist.Count() != 2 || c.sub != 0 || c.rxStamp() != 0 {
				t.Fatalf("split %d/%d: answered %d, timed %d, left sub %d stamp %d", i, j, w.st.MsgAnswered, w.rttHist.Count(), c.sub, c.rxStamp())
			}
			if w.rttHist.Min() < 990*time.Microsecond || w.rttHist.Max() > 5050*time.Microsecond {
				t.Fatalf("split %d/%d: rtt %v..%v, want 1 ms..5 ms", i, j, w.rttHist.Min(), w.rttHist.Max())
			}
		}
	}
}

// TestRepliesGarbled: input that is not the message format (an echo of
// the connect Message, bytes lost by an echo cut short) takes the
// connection out of the run, counted, wherever the read cuts it.
func TestRepliesGarbled(t *testing.T) {
	const size = 16
	bad := append(trafficMsg(size, 1, markBeat), []byte("hello 7\n and more")...)
	for i := 0; i <= len(bad); i++ {
		w := &Worker{}
		w.tf = trafficJob{active: true, bytes: size, live: 1}
		c := &conn{state: stOpen, flags: fRx | fTx}
		ok := w.replies(c, bad[:i], 2) && w.replies(c, bad[i:], 2)
		if ok || c.flags&(fRx|fTx) != 0 || w.tf.live != 0 || w.errs.snapshot()[errTrafficGarbled] != 1 {
			t.Fatalf("split %d: ok %v, flags %b, live %d, errors %v", i, ok, c.flags, w.tf.live, w.errs.snapshot())
		}
		if w.st.MsgAnswered != 1 {
			t.Fatalf("split %d: answered %d, want the 1 good reply", i, w.st.MsgAnswered)
		}
	}
}

// TestTrafficSchedule: connection i of n first sends at i/n of the
// interval, then every interval.
func TestTrafficSchedule(t *testing.T) {
	j := trafficJob{n: 4, interval: 100 * time.Millisecond, start: time.Second}
	for k, want := range []time.Duration{1000, 1025, 1050, 1075, 1100, 1125} {
		if got := j.intended(int64(k)); got != want*time.Millisecond {
			t.Errorf("send %d at %v, want %v", k, got, want*time.Millisecond)
		}
	}
}

// TestStatsHistogramsOnChange: a histogram goes into a Stats only when its
// count changed since the previous call.
func TestStatsHistogramsOnChange(t *testing.T) {
	w, err := NewClient(ClientConfig{Sources: []string{"198.18.0.2"}, Servers: []string{"198.18.0.1"}, Ports: []int{5001}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if s := w.Stats(); s.ConnectHist != nil || s.RTTHist != nil {
		t.Fatal("histograms sent before anything was recorded")
	}
	w.connHist.Record(time.Millisecond)
	if s := w.Stats(); s.ConnectHist == nil || s.ConnectHist.Count() != 1 || s.RTTHist != nil {
		t.Fatalf("after one connect: %+v, %+v", s.ConnectHist, s.RTTHist)
	}
	if s := w.Stats(); s.ConnectHist != nil {
		t.Fatal("unchanged connect histogram sent again")
	}
	w.rttHist.Record(time.Millisecond)
	if s := w.Stats(); s.RTTHist == nil || s.ConnectHist != nil {
		t.Fatal("changed RTT histogram not sent alone")
	}
}

// TestProtocolTrafficJSON: the traffic command and the new stats fields
// on the wire, both ways.
func TestProtocolTrafficJSON(t *testing.T) {
	cmd := Command{Cmd: CmdTraffic, Bytes: 64, Interval: 10 * time.Second, Duration: time.Minute, Fraction: 1}
	b, err := json.Marshal(cmd)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"cmd":"traffic","fraction":1,"bytes":64,"interval_ns":10000000000,"duration_ns":60000000000}`
	if string(b) != want {
		t.Errorf("traffic command\n got %s\nwant %s", b, want)
	}
	var back Command
	if err := json.Unmarshal([]byte(`{"cmd":"traffic","bytes":64,"interval_ns":10000000000,"duration_ns":60000000000,"fraction":1}`), &back); err != nil || back != cmd {
		t.Errorf("contract line decoded as %+v (%v), want %+v", back, err, cmd)
	}

	var h histogram.Histogram
	h.Record(150 * time.Microsecond)
	h.Record(2 * time.Second)
	s := Stats{Connected: 2, ConnectHist: &h, MsgAsked: 10, MsgSent: 9, MsgAnswered: 8}
	if b, err = json.Marshal(s); err != nil {
		t.Fatal(err)
	}
	var got Stats
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	if got.ConnectHist == nil || *got.ConnectHist != h || got.RTTHist != nil ||
		got.MsgAsked != 10 || got.MsgSent != 9 || got.MsgAnswered != 8 {
		t.Errorf("round trip of %s gave %+v", b, got)
	}
	var m map[string]json.RawMessage
	json.Unmarshal(b, &m)
	for _, k := range []string{"connect_hist", "msg_asked", "msg_sent", "msg_answered"} {
		if _, ok := m[k]; !ok {
			t.Errorf("field %s missing from %s", k, b)
		}
	}
	if _, ok := m["rtt_hist"]; ok {
		t.Errorf("rtt_hist sent while nil: %s", b)
	}
	if b, _ := json.Marshal(Stats{}); string(b) != `{"established":0,"connecting":0,"accepted":0,"connected":0,"closed_by_peer":0,"closed_by_us":0,"bytes_in":0,"bytes_out":0,"messages":0,"fds":0,"fd_limit":0}` {
		t.Errorf("empty stats carry traffic fields: %s", b)
	}
}

// TestTrafficRefusals: every bad traffic command is refused, naming what
// to change.
func TestTrafficRefusals(t *testing.T) {
	w, err := NewClient(ClientConfig{Sources: []string{"198.18.0.2"}, Servers: []string{"198.18.0.1"}, Ports: []int{5001}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ok := Command{Cmd: CmdTraffic, Bytes: 64, Interval: time.Second, Duration: time.Second, Fraction: 1}
	for _, tc := range []struct {
		name string
		mod  func(*Command)
	}{
		{"bytes 15", func(c *Command) { c.Bytes = 15 }},
		{"bytes 65537", func(c *Command) { c.Bytes = TrafficMaxBytes + 1 }},
		{"interval 0", func(c *Command) { c.Interval = 0 }},
		{"interval 2h", func(c *Command) { c.Interval = 2 * time.Hour }},
		{"duration 0", func(c *Command) { c.Duration = 0 }},
		{"fraction 0", func(c *Command) { c.Fraction = 0 }},
		{"fraction 1.5", func(c *Command) { c.Fraction = 1.5 }},
	} {
		c := ok
		tc.mod(&c)
		if err := w.Do(c); err == nil || w.tf.active {
			t.Errorf("%s: accepted", tc.name)
		}
	}
	srv := &Worker{role: "server"}
	if err := srv.Do(ok); err == nil {
		t.Error("a server accepted traffic")
	}
	var events []string
	w.OnEvent = func(e, d string) { events = append(events, e+": "+d) }
	// No connection: the run ends at once.
	if err := w.Do(ok); err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0] != EventTrafficDone+": 0 asked, 0 sent, 0 answered; 0 of 0 connections still in the run" {
		t.Errorf("events %q", events)
	}
}
