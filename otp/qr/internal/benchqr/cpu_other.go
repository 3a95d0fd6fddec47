//go:build !unix

package main

import "time"

// cpuTime returns zero: the benchmark shows no processor time here.
func cpuTime() time.Duration { return 0 }
