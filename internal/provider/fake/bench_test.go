package fake

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkJourney is one new person's whole demo journey (code sent and checked,
// mobile registered, support told, Duo user, phone, activation, push approved) in a
// home where 10, 1,000 or 10,000 people went before. The journeys of one benchmark
// add people of their own, so run it with a fixed -benchtime (say 20x) to know how
// many: 10 others plus 19 newcomers at most. Besides time and allocations it reports
// the processor time of a journey (cpu-ns/op), as the issue measured a run's cost.
func BenchmarkJourney(b *testing.B) {
	for _, others := range []int{10, 1000, 10000} {
		b.Run(fmt.Sprintf("others=%d", others), func(b *testing.B) {
			c := newCrowd(b, others)
			screen := &phoneScreen{}
			s := c.services(b, fastFiles{}, screen)
			settle()
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			cpuBefore, cpuOK := cpuTime()
			n := 0
			for b.Loop() {
				n++
				if err := journey(ctx, s, screen, n); err != nil {
					b.Fatal(err)
				}
			}
			// Processor time, unlike wall time, leaves out the waits for the disk
			// (every change is synced), which vary from one write to the next.
			if cpuAfter, ok := cpuTime(); cpuOK && ok {
				b.ReportMetric(float64(cpuAfter-cpuBefore)/float64(n), "cpu-ns/op")
			}
		})
	}
}

// BenchmarkJourneyAlternating runs the same journeys as BenchmarkJourney, but takes
// turns between the three homes, so that whatever else the machine is doing (other
// builds, the disk busy with others' writes) weighs on each alike: it reports each
// home's wall time per journey (ns-10/op, …) and the largest home's over the smallest's
// (ratio-10000/10).
func BenchmarkJourneyAlternating(b *testing.B) {
	crowds := []int{10, 1000, 10000}
	type home struct {
		s      *Services
		screen *phoneScreen
		took   time.Duration
	}
	homes := make([]*home, len(crowds))
	for i, others := range crowds {
		screen := &phoneScreen{}
		homes[i] = &home{s: newCrowd(b, others).services(b, fastFiles{}, screen), screen: screen}
	}
	settle()
	ctx := context.Background()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		n++
		for _, h := range homes {
			began := time.Now()
			if err := journey(ctx, h.s, h.screen, n); err != nil {
				b.Fatal(err)
			}
			h.took += time.Since(began)
		}
	}
	for i, h := range homes {
		b.ReportMetric(float64(h.took)/float64(n), fmt.Sprintf("ns-%d/op", crowds[i]))
	}
	b.ReportMetric(float64(homes[len(homes)-1].took)/float64(homes[0].took), fmt.Sprintf("ratio-%d/%d", crowds[len(crowds)-1], crowds[0]))
}
