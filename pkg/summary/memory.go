package summary

// Live heap estimates, measured with TestMemoryLimitCoversTheLiveHeap: a flow in the table, its entry in
// the index and, while the report is built, its api.Flow take about 1.2 KB; decoder, caches and tables
// about 4 MiB.
const (
	liveBytesPerFlow = 1280
	liveBytesBase    = 4 << 20
	minMemoryLimit   = 40 << 20
)

// MemoryLimit is a soft memory limit (debug.SetMemoryLimit) for summarizing with a table of maxFlows: twice
// the live heap, so that the garbage collector keeps the heap near what is live without running all the
// time, as it does once the live heap passes the limit.
func MemoryLimit(maxFlows int) int64 {
	if maxFlows <= 0 {
		maxFlows = DefaultMaxFlows
	}
	return max(minMemoryLimit, 2*(liveBytesBase+int64(maxFlows)*liveBytesPerFlow))
}
