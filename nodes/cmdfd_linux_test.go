package nodes

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// TestFDCommands: the loop's own command reader splits lines across
// reads, skips empty ones, keeps a partial line until its end arrives,
// and reports EOF once the writer closes; non-blocking, it returns at
// once when no whole line is there.
func TestFDCommands(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c := fdCommands{fd: int(r.Fd())}
	if err := unix.SetNonblock(c.fd, true); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		write string
		want  []string // commands returned, in order
		done  bool
	}{
		{`{"cmd":"stop"}` + "\n\n" + `{"cmd":"con`, []string{"stop"}, false},
		{"", nil, false},
		{`nect","count":3}` + "\r\n", []string{"connect"}, false},
		{`{"cmd":"close"}` + "\n" + `{"cmd":"send"}` + "\n", []string{"close", "send"}, false},
		{"not json\n", []string{"(error)"}, false},
	}
	for i, st := range steps {
		if st.write != "" {
			w.WriteString(st.write)
		}
		var got []string
		for {
			l, ok := c.next()
			if !ok {
				break
			}
			if l.err != nil {
				got = append(got, "(error)")
			} else {
				got = append(got, l.cmd.Cmd)
			}
		}
		if len(got) != len(st.want) {
			t.Fatalf("step %d: got %v, want %v", i, got, st.want)
		}
		for j := range got {
			if got[j] != st.want[j] {
				t.Errorf("step %d: got %v, want %v", i, got, st.want)
			}
		}
		if c.done() {
			t.Fatalf("step %d: done before EOF", i)
		}
	}
	w.Close()
	if _, ok := c.next(); ok || !c.eof {
		t.Errorf("after the writer closed: eof = %v", c.eof)
	}
}
