package summary

import "time"

// maxTS bounds the timestamps the summary computes with, in nanoseconds either side of 1970 (years 1823 to
// 2116): time.Time.UnixNano overflows past 2262, and the idle and copy windows subtract two timestamps, which
// must not overflow either. A pcapng may carry any 64-bit timestamp and offset.
const maxTS = 1 << 62

var minTime, maxTime = time.Unix(0, -maxTS), time.Unix(0, maxTS)

// unixNano is t in nanoseconds since the epoch, clamped to ±maxTS; clamped says it was outside.
func unixNano(t time.Time) (ns int64, clamped bool) {
	switch {
	case t.Before(minTime):
		return -maxTS, true
	case t.After(maxTime):
		return maxTS, true
	}
	return t.UnixNano(), false
}
