package nodes

// serveProto answers what the server's protocol can of input b on fd: the
// requests b completes (with any rest kept from the previous read). A
// request still cut is kept in w.srvPart until the next read (the server
// is the laboratory's stand-in: a copy on that rare path is cheaper than
// a parser per protocol that resumes anywhere). It returns false when the
// connection ended.
func (w *Worker) serveProto(fd int, c *conn, b []byte) bool {
	key := int32(fd)
	if part, ok := w.srvPart[key]; ok {
		delete(w.srvPart, key)
		b = append(part, b...)
	}
	n, out, kind := w.sproto.serve(c, b, w.pbuf[:0])
	if len(out) > 0 {
		w.st.Messages++
		if !w.writeProto(fd, c, out, true) {
			return false
		}
	}
	w.pbuf = out[:0]
	if kind != "" {
		w.errs.addName(kind)
		w.closeConn(fd, true, false)
		return false
	}
	if rest := b[n:]; len(rest) > 0 {
		if len(rest) > w.sproto.maxRequest() {
			w.errs.addName("request-too-long")
			w.closeConn(fd, true, false)
			return false
		}
		if w.srvPart == nil {
			w.srvPart = make(map[int32][]byte)
		}
		w.srvPart[key] = append([]byte(nil), rest...)
	}
	return true
}
