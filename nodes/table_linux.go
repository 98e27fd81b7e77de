package nodes

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
