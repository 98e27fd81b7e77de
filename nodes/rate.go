package nodes

import "time"

// bucket is a token bucket refilled from the event loop's clock: it limits
// connects or closes per second without a timer goroutine. A rate of 0
// means unlimited.
type bucket struct {
	rate   float64 // tokens per second; 0 = unlimited
	burst  float64 // most tokens kept
	tokens float64
	last   time.Duration // loop clock at the last refill
}

// reset starts the bucket at rate per second, empty except for one token,
// so that a rate-limited job starts at once and then keeps its pace.
func (b *bucket) reset(rate int, now time.Duration) {
	b.rate = float64(rate)
	b.burst = b.rate / 50 // 20 ms worth
	if b.burst < 1 {
		b.burst = 1
	}
	b.tokens = 1
	b.last = now
}

func (b *bucket) refill(now time.Duration) {
	if now > b.last {
		b.tokens += b.rate * (now - b.last).Seconds()
		if b.tokens > b.burst {
			b.tokens = b.burst
		}
		b.last = now
	}
}

// take spends one token if there is one.
func (b *bucket) take(now time.Duration) bool {
	if b.rate <= 0 {
		return true
	}
	b.refill(now)
	if b.tokens >= 1 {
		b.tokens--
		return true
	}
	return false
}

// wait is how long until the next token: 0 when one is ready.
func (b *bucket) wait(now time.Duration) time.Duration {
	if b.rate <= 0 {
		return 0
	}
	b.refill(now)
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
}
