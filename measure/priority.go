package measure

import "golang.org/x/sys/unix"

// samplerNice is the nice value of the sampling threads: above the
// programs measured (0) so samples keep their cadence, not so high as to
// matter.
const samplerNice = -10

// raisePriority sets the calling thread's nice value to samplerNice (Linux
// setpriority on a thread id changes that thread only). Best effort: it
// needs CAP_SYS_NICE, which root has.
func raisePriority() {
	_ = unix.Setpriority(unix.PRIO_PROCESS, unix.Gettid(), samplerNice)
}
