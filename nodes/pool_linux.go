package nodes

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// maxConnBuffer is the largest conn_buffer a server accepts (1 GiB).
const maxConnBuffer = 1 << 30

// connPool is the classic C server's static connection pool (the
// checklist's third item): a read and a write buffer of size bytes for
// every slot of the connection table, reserved at start as one anonymous
// mapping for every fd the worker's limit allows (address space, and
// commit under vm.overcommit_memory = 2), and made resident slot by slot
// the first time an fd uses it: both buffers' pages are written then, as
// a C server that clears its connection struct does. A slot once used
// stays resident after its connection closes: the pool never shrinks.
// The mapping lies outside the Go heap, so the garbage collector neither
// scans it nor counts it against the worker's memory limit.
type connPool struct {
	mem      []byte   // slots × 2 × size; nil when the pool is off
	size     int      // bytes of each buffer
	slots    int      // slots the mapping covers
	touched  []uint64 // one bit per slot: its pages were written
	resident int      // slots touched so far
}

// newConnPool reserves slots × 2 × size bytes; size 0 is no pool.
func newConnPool(slots, size int) (connPool, error) {
	if size == 0 || slots == 0 {
		return connPool{}, nil
	}
	total := int64(slots) * 2 * int64(size)
	mem, err := unix.Mmap(-1, 0, int(total), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return connPool{}, fmt.Errorf("failed to reserve the connection pool (%d slots × 2 × %d B = %d MiB): %w; lower conn_buffer or fd_limit",
			slots, size, total>>20, err)
	}
	return connPool{mem: mem, size: size, slots: slots, touched: make([]uint64, (slots+63)/64)}, nil
}

// on reports whether the pool is in use.
func (p *connPool) on() bool { return p.mem != nil }

// use makes fd's slot resident the first time it is used: one byte
// written per page of its read and write buffers.
func (p *connPool) use(fd int) {
	if fd >= p.slots || p.touched[fd/64]&(1<<(fd%64)) != 0 {
		return
	}
	p.touched[fd/64] |= 1 << (fd % 64)
	p.resident++
	b := p.mem[fd*2*p.size : (fd+1)*2*p.size]
	page := unix.Getpagesize()
	for off := 0; off < len(b); off += page {
		b[off] = 0
	}
	b[len(b)-1] = 0
}

// read returns fd's read buffer, or nil when fd lies beyond the pool
// (then the worker's shared buffer serves).
func (p *connPool) read(fd int) []byte {
	if fd >= p.slots {
		return nil
	}
	o := fd * 2 * p.size
	return p.mem[o : o+p.size : o+p.size]
}

// write returns fd's write buffer, or nil when fd lies beyond the pool.
func (p *connPool) write(fd int) []byte {
	if fd >= p.slots {
		return nil
	}
	o := fd*2*p.size + p.size
	return p.mem[o : o+p.size : o+p.size]
}

// residentBytes is what the slots used so far hold: 2 × size each.
func (p *connPool) residentBytes() int64 { return int64(p.resident) * 2 * int64(p.size) }

// describe is the pool's part of the server's ready detail.
func (p *connPool) describe() string {
	if !p.on() {
		return ""
	}
	return fmt.Sprintf("; connection pool %d slots × 2 × %d B reserved (%d MiB), resident as slots are first used",
		p.slots, p.size, int64(p.slots)*2*int64(p.size)>>20)
}

// release unmaps the pool.
func (p *connPool) release() {
	if p.mem != nil {
		unix.Munmap(p.mem)
		*p = connPool{}
	}
}
