package main

import (
	"reflect"
	"testing"
	"time"
)

func TestDelayLineHandsValuesBackInOrderOnceTheirLagIsOver(t *testing.T) {
	start := time.Unix(1000, 0)
	line := &delayLine[string]{lag: time.Second}
	if _, ok := line.next(); ok {
		t.Fatal("an empty line has something due")
	}
	line.push(start, "a")
	line.push(start.Add(300*time.Millisecond), "b")
	if got := line.due(start.Add(999 * time.Millisecond)); len(got) != 0 {
		t.Errorf("before the lag: %v", got)
	}
	if at, _ := line.next(); !at.Equal(start.Add(time.Second)) {
		t.Errorf("next due at %v", at)
	}
	if got := line.due(start.Add(2 * time.Second)); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("after the lag: %v, want a then b", got)
	}
}
