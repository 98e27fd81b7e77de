package nodes

import (
	"os"
	"runtime"
	"testing"
)

// TestDropSysAdmin checks a locked thread can give up CAP_SYS_ADMIN, so
// fs.file-max binds a worker started by root. The thread is thrown away
// afterwards: its goroutine ends still locked.
func TestDropSysAdmin(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipping: root has CAP_SYS_ADMIN to drop; run 'go test' as root")
	}
	type result struct {
		before, after bool
		err           error
	}
	done := make(chan result)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		var r result
		r.before = hasSysAdmin()
		r.err = dropSysAdmin()
		r.after = hasSysAdmin()
		done <- r
	}()
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if !r.before || r.after {
		t.Fatalf("CAP_SYS_ADMIN before=%v after=%v, want true then false", r.before, r.after)
	}
	if !hasSysAdmin() {
		t.Fatal("the test's own thread lost CAP_SYS_ADMIN: the drop leaked past its thread")
	}
}
