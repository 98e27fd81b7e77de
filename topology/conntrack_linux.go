package topology

import (
	"encoding/binary"
	"fmt"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// conntrackTable is the nftables table the conntrack rule lives in.
const conntrackTable = "c1m"

// engageConntrack adds to the namespace of nsFd an nftables table with an
// input chain and one rule that matches on the conntrack state
// ("ct state new,established,related counter accept"). Its only purpose is
// to make the kernel track the namespace's traffic: a rule that reads ct
// state makes netfilter register the conntrack hooks for the namespace, so
// every new connection then takes an entry and nf_conntrack_max applies.
// The rule accepts everything, so nothing else about the traffic changes.
// The table is of the inet family, so both IPv4 and IPv6 connections are
// tracked (an ip table would leave an IPv6 run untracked).
// It is spoken over netlink (github.com/google/nftables); no nft binary.
func engageConntrack(nsFd int) error {
	c, err := nftables.New(nftables.WithNetNSFd(nsFd))
	if err != nil {
		return fmt.Errorf("failed to open an nftables connection: %w", err)
	}
	t := c.AddTable(&nftables.Table{Family: nftables.TableFamilyINet, Name: conntrackTable})
	policy := nftables.ChainPolicyAccept
	ch := c.AddChain(&nftables.Chain{
		Name:     "input",
		Table:    t,
		Type:     nftables.ChainTypeFilter,
		Hooknum:  nftables.ChainHookInput,
		Priority: nftables.ChainPriorityFilter,
		Policy:   &policy,
	})
	mask := make([]byte, 4)
	binary.NativeEndian.PutUint32(mask, expr.CtStateBitNEW|expr.CtStateBitESTABLISHED|expr.CtStateBitRELATED)
	c.AddRule(&nftables.Rule{Table: t, Chain: ch, Exprs: []expr.Any{
		&expr.Ct{Register: 1, Key: expr.CtKeySTATE},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: mask, Xor: make([]byte, 4)},
		&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: make([]byte, 4)},
		&expr.Counter{},
		&expr.Verdict{Kind: expr.VerdictAccept},
	}})
	if err := c.Flush(); err != nil {
		if err == unix.ENOENT || err == unix.EOPNOTSUPP {
			return fmt.Errorf("failed to add the conntrack rule: this kernel lacks nf_tables or conntrack (CONFIG_NF_TABLES, CONFIG_NF_CONNTRACK): %w", err)
		}
		return fmt.Errorf("failed to add the conntrack rule in the server namespace: %w", err)
	}
	return nil
}
