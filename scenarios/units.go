package scenarios

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseCount reads a count the way a person writes it: 1000000, "1_000_000",
// "1,000,000", "200k", "1M", "1.5M". Counts are never negative.
func ParseCount(s string) (int64, error) {
	t := strings.TrimSpace(s)
	t = strings.NewReplacer("_", "", ",", "").Replace(t)
	mult := 1.0
	switch {
	case strings.HasSuffix(t, "k"), strings.HasSuffix(t, "K"):
		mult, t = 1e3, t[:len(t)-1]
	case strings.HasSuffix(t, "M"):
		mult, t = 1e6, t[:len(t)-1]
	}
	if t == "" {
		return 0, fmt.Errorf("%q is not a count", s)
	}
	if n, err := strconv.ParseInt(t, 10, 64); err == nil && mult == 1 {
		if n < 0 {
			return 0, fmt.Errorf("%q is negative; counts start at 0", s)
		}
		return n, nil
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || strings.ContainsAny(t, "eEpPxX") {
		return 0, fmt.Errorf("%q is not a count", s)
	}
	f *= mult
	if f < 0 {
		return 0, fmt.Errorf("%q is negative; counts start at 0", s)
	}
	if f != math.Trunc(f) || f > 1<<53 {
		return 0, fmt.Errorf("%q is not a whole number", s)
	}
	return int64(f), nil
}

// ParseSize reads a size in bytes: 4096, "4096", "4KiB", "4KB", "4k", "1MiB",
// "2GiB". K, KB = 1000; KiB = 1024; the same for M and G.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(strings.ReplaceAll(s, "_", ""))
	units := []struct {
		suffix string
		mult   int64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9},
		{"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9},
		{"B", 1},
	}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			mult, t = u.mult, strings.TrimSpace(strings.TrimSuffix(t, u.suffix))
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a size", s)
	}
	if n < 0 {
		return 0, fmt.Errorf("%q is negative; sizes start at 0", s)
	}
	if n > math.MaxInt64/mult {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return n * mult, nil
}

// parseDuration reads a Go duration ("30s", "1m30s", "500ms"); never negative.
func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative", s)
	}
	return d, nil
}

// rateUnits are the units of a link rate, bits per second with SI
// prefixes as tc writes them ("100Mbit"); the longest suffix is tried first.
var rateUnits = []struct {
	suffix string
	mult   float64
}{
	{"kbit", 1e3}, {"Kbit", 1e3}, {"Mbit", 1e6}, {"Gbit", 1e9}, {"bit", 1},
}

// ParseRate reads a link rate in bits per second, written with its unit:
// "500kbit", "100Mbit", "1Gbit", "2.5Gbit", "64000bit" (k and K = 1,000,
// M = 1,000,000, G = 1,000,000,000). Bytes per second ("MB/s", "bps"
// as tc means it) and a bare number are refused: a rate without its
// unit is a guess between bits and bytes.
func ParseRate(s string) (uint64, error) {
	t := strings.TrimSpace(strings.ReplaceAll(s, "_", ""))
	for _, u := range rateUnits {
		num, ok := strings.CutSuffix(t, u.suffix)
		if !ok {
			continue
		}
		if strings.HasSuffix(num, "m") {
			return 0, fmt.Errorf("%q: m is milli; write Mbit for millions of bits per second", s)
		}
		num = strings.TrimSpace(num)
		f, err := strconv.ParseFloat(num, 64)
		if err != nil || num == "" || strings.ContainsAny(num, "eEpPxX+-") || math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, fmt.Errorf("%q is not a rate", s)
		}
		f *= u.mult
		if f != math.Trunc(f) {
			return 0, fmt.Errorf("%q is not a whole number of bits per second", s)
		}
		if f > 1<<62 {
			return 0, fmt.Errorf("%q is too large", s)
		}
		return uint64(f), nil
	}
	return 0, fmt.Errorf("%q has no rate unit (bit, kbit, Mbit or Gbit: bits per second)", s)
}

// ParsePercent reads a percentage written "0.5%" (the number may also be
// written bare, as a TOML number, by the decoder).
func ParsePercent(s string) (float64, error) {
	num, ok := strings.CutSuffix(strings.TrimSpace(s), "%")
	num = strings.TrimSpace(num)
	if !ok {
		return 0, fmt.Errorf("%q has no %% sign", s)
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || num == "" || strings.ContainsAny(num, "eEpPxX_") || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%q is not a percentage", s)
	}
	return f, nil
}
