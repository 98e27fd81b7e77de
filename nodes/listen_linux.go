package nodes

import (
	"fmt"
	"net/netip"
)

// listenSock is one listener a server opens: where it binds, and whether
// an IPv6 one takes IPv6 only.
type listenSock struct {
	sa     sockaddr
	v6only bool
}

// listenAddrs checks a server's addresses, ports and listen mode and
// returns its listeners: every address × port (ListenAddresses), every
// family's wildcard × port (ListenAny), or [::] taking both families ×
// port (ListenDual).
func listenAddrs(cfg ServerConfig) ([]listenSock, error) {
	if len(cfg.Addrs) == 0 || len(cfg.Ports) == 0 {
		return nil, fmt.Errorf("server needs at least one address and one port (got %d addresses, %d ports)", len(cfg.Addrs), len(cfg.Ports))
	}
	for _, p := range cfg.Ports {
		if err := checkPort(p); err != nil {
			return nil, err
		}
	}
	ips := make([]netip.Addr, len(cfg.Addrs))
	var has4, has6 bool
	for i, a := range cfg.Addrs {
		ip, err := parseAddr("listen", a)
		if err != nil {
			return nil, err
		}
		ips[i] = ip
		has4, has6 = has4 || ip.Is4(), has6 || ip.Is6()
	}
	var socks []listenSock
	switch cfg.Listen {
	case "", ListenAddresses:
		for _, ip := range ips {
			for _, p := range cfg.Ports {
				socks = append(socks, listenSock{sa: newSockaddr(ip, p), v6only: true})
			}
		}
	case ListenAny:
		for _, p := range cfg.Ports {
			if has4 {
				socks = append(socks, listenSock{sa: newSockaddr(netip.IPv4Unspecified(), p)})
			}
			if has6 {
				socks = append(socks, listenSock{sa: newSockaddr(netip.IPv6Unspecified(), p), v6only: true})
			}
		}
	case ListenDual:
		for _, p := range cfg.Ports {
			socks = append(socks, listenSock{sa: newSockaddr(netip.IPv6Unspecified(), p)})
		}
	default:
		return nil, fmt.Errorf("unknown listen %q: use addresses (the default), any or dual", cfg.Listen)
	}
	return socks, nil
}
