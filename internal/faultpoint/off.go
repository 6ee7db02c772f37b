//go:build !faults

package faultpoint

// Enabled is false: this build has no fault points.
const Enabled = false

// Hit does nothing in an ordinary build; calls to it compile to nothing.
func Hit(point, file string) {}

// HitWith does nothing in an ordinary build; calls to it compile to nothing.
func HitWith(point, name string, data []byte) {}
