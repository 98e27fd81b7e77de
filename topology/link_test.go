package topology

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestLinkShapeValidate(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name  string
		shape LinkShape
		want  string // "" = valid; else a part of the error
	}{
		{"zero", LinkShape{}, ""},
		{"delay", LinkShape{Delay: 20 * ms}, ""},
		{"all", LinkShape{Delay: 50 * ms, Jitter: 5 * ms, LossPercent: 0.5, RateBitsPerSec: 100_000_000}, ""},
		{"loss only", LinkShape{LossPercent: 100}, ""},
		{"rate only", LinkShape{RateBitsPerSec: 8}, ""},
		{"rate above 2^32 bytes/s", LinkShape{RateBitsPerSec: 400_000_000_000}, ""},
		{"longest delay", LinkShape{Delay: MaxLinkDelay, Jitter: MaxLinkDelay}, ""},
		{"negative delay", LinkShape{Delay: -ms}, "link delay -1ms is negative"},
		{"negative jitter", LinkShape{Delay: ms, Jitter: -ms}, "link jitter -1ms is negative"},
		{"jitter without delay", LinkShape{Jitter: ms}, "needs a link delay"},
		{"delay below 1µs", LinkShape{Delay: 500}, "below netem's resolution"},
		{"delay too long", LinkShape{Delay: MaxLinkDelay + 1}, "is above 1m0s"},
		{"negative loss", LinkShape{LossPercent: -1}, "not a percentage"},
		{"loss above 100", LinkShape{LossPercent: 100.5}, "not a percentage"},
		{"loss NaN", LinkShape{LossPercent: math.NaN()}, "not a percentage"},
		{"rate below a byte", LinkShape{RateBitsPerSec: 7}, "below netem's 1 byte/s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.shape.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate(%+v) = %v, want nil", tc.shape, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrBadLinkShape) {
				t.Fatalf("Validate(%+v) = %v, want an ErrBadLinkShape containing %q", tc.shape, err, tc.want)
			}
		})
	}
}

func TestLinkShapeString(t *testing.T) {
	for _, tc := range []struct {
		shape LinkShape
		want  string
	}{
		{LinkShape{}, "none"},
		{LinkShape{Delay: 20 * time.Millisecond}, "delay 20ms"},
		{LinkShape{Delay: time.Second, Jitter: time.Millisecond, LossPercent: 0.5, RateBitsPerSec: 1e9}, "delay 1s jitter 1ms loss 0.5% rate 1000000000bit"},
	} {
		if got := tc.shape.String(); got != tc.want {
			t.Errorf("%+v.String() = %q, want %q", tc.shape, got, tc.want)
		}
	}
}

// TestMakePlanRefusesBadLinkShape: Build's first, pure step refuses an
// invalid shape before anything is created.
func TestMakePlanRefusesBadLinkShape(t *testing.T) {
	_, err := makePlan(Spec{RunID: "abc123", ClientNamespaces: 1, ClientAddresses: 1, ServerAddresses: 1,
		Link: LinkShape{Jitter: time.Millisecond}})
	if !errors.Is(err, ErrBadLinkShape) {
		t.Fatalf("makePlan with jitter and no delay = %v, want ErrBadLinkShape", err)
	}
}
