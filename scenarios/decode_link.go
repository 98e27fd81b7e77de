package scenarios

import (
	"fmt"
	"math"
	"time"

	"github.com/c1m-testbed/c1m-testbed/internal/units"
)

// link reads the link impairments of [topology] into tp: link-delay,
// link-jitter, link-loss, link-rate (0 = none, each).
func (d *decoder) link(t table, tp *Topology) {
	tp.LinkDelay = d.durationIn(t, "link-delay", MaxLinkDelay)
	tp.LinkJitter = d.durationIn(t, "link-jitter", MaxLinkDelay)
	tp.LinkLoss = d.percent(t, "link-loss")
	tp.LinkRate = d.rate(t, "link-rate")
	if d.err != nil {
		return
	}
	switch {
	case tp.LinkJitter > 0 && tp.LinkDelay == 0:
		d.failVal(t.child("link-jitter"), `add link-delay (jitter varies it), e.g. link-delay = "25ms"`,
			"%s: jitter %v needs a link-delay", t.qualified("link-jitter"), tp.LinkJitter)
	case tp.LinkJitter > tp.LinkDelay:
		d.failVal(t.child("link-jitter"), fmt.Sprintf("use a jitter of at most the delay (%v)", tp.LinkDelay),
			"%s: jitter %v is more than link-delay %v (netem would clamp the negative delays to 0 and reorder packets)", t.qualified("link-jitter"), tp.LinkJitter, tp.LinkDelay)
	}
}

// linkResolution is the finest link delay and jitter: the topology
// (topology.LinkShape.Validate) refuses anything between 0 and 1 µs,
// netem's resolution, so the decoder does too.
const linkResolution = time.Microsecond

// durationIn reads a link duration: 0 (none) or from linkResolution to hi.
func (d *decoder) durationIn(t table, k string, hi time.Duration) time.Duration {
	v := d.duration(t, k, 0)
	switch {
	case d.err != nil:
	case v > hi:
		d.failVal(t.child(k), fmt.Sprintf("use a duration from 0 to %v", hi), "%s: %v is above the maximum %v", t.qualified(k), v, hi)
		return 0
	case v > 0 && v < linkResolution:
		d.failVal(t.child(k), fmt.Sprintf("use 0 (none) or at least %v", linkResolution), "%s: %v is below netem's resolution of %v", t.qualified(k), v, linkResolution)
		return 0
	}
	return v
}

// percent reads a percentage from 0 to 100: a number (0.5) or a string
// with a % sign ("0.5%").
func (d *decoder) percent(t table, k string) float64 {
	v, ok := t.m[k]
	if !ok {
		return 0
	}
	fix := fmt.Sprintf(`write a percentage from 0 to 100, e.g. %s = 0.5 or "0.5%%"`, k)
	var f float64
	switch v := v.(type) {
	case float64:
		f = v
	case int64:
		f = float64(v)
	case string:
		var err error
		if f, err = ParsePercent(v); err != nil {
			d.failVal(t.child(k), fix, "%s: %v", t.qualified(k), err)
			return 0
		}
	default:
		d.wrongType(t, k, "a percentage", fix)
		return 0
	}
	if f < 0 || f > 100 || math.IsNaN(f) {
		d.failVal(t.child(k), fix, "%s: %v%% is out of range", t.qualified(k), f)
		return 0
	}
	return f
}

// rate reads a link rate in bits per second, written with its unit
// ("100Mbit"), from MinLinkRate to MaxLinkRate.
func (d *decoder) rate(t table, k string) uint64 {
	v, ok := t.m[k]
	if !ok {
		return 0
	}
	fix := fmt.Sprintf(`write a rate in bits per second with its unit, e.g. %s = "100Mbit", "1Gbit" or "500kbit"`, k)
	s, ok := v.(string)
	if !ok {
		d.wrongType(t, k, "a rate with its unit", fix)
		return 0
	}
	r, err := ParseRate(s)
	if err != nil {
		d.failVal(t.child(k), fix, "%s: %v", t.qualified(k), err)
		return 0
	}
	if r < MinLinkRate || r > MaxLinkRate {
		d.failVal(t.child(k), `use a rate from "8kbit" to "100Gbit"`, "%s: %s bit/s is out of range", t.qualified(k), units.Int(int64(r)))
		return 0
	}
	return r
}
