package main

import "time"

// delayLine hands values back in order, each lag after it went in: the service
// proxy acts on what it saw that much later, as kube-proxy on a busy node and
// cloud load balancers do in a real cluster.
type delayLine[T any] struct {
	lag     time.Duration
	pending []delayed[T]
}

type delayed[T any] struct {
	at    time.Time
	value T
}

func (d *delayLine[T]) push(now time.Time, value T) {
	d.pending = append(d.pending, delayed[T]{now.Add(d.lag), value})
}

// due takes out every value whose time has come, oldest first.
func (d *delayLine[T]) due(now time.Time) []T {
	var out []T
	for len(d.pending) > 0 && !d.pending[0].at.After(now) {
		out = append(out, d.pending[0].value)
		d.pending = d.pending[1:]
	}
	return out
}

// next is when the oldest pending value is due, and whether there is one.
func (d *delayLine[T]) next() (time.Time, bool) {
	if len(d.pending) == 0 {
		return time.Time{}, false
	}
	return d.pending[0].at, true
}
