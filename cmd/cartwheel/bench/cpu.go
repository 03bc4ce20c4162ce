package bench

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cpuUse is how many cores were busy during a window, on average: this process's (the
// load generator, and with the in-process dev server the shop too) and the rest of the
// machine's (with -target, the shop is there). On a machine shared with other work a
// falling goodput of the in-process shop can be its own doing or the neighbours': these
// two figures say which.
type cpuUse struct {
	Ours, Others float64
	ok           bool
}

func (c cpuUse) String() string {
	if !c.ok {
		return "CPU use unknown"
	}
	return fmt.Sprintf("this process %.2f cores, the rest of the machine %.2f", c.Ours, c.Others)
}

// clockTick is the kernel's USER_HZ, the unit of /proc/stat: 100 on every Linux
// architecture Go supports.
const clockTick = 100

// meterCPU starts a window; the function it returns ends it.
func meterCPU() func() cpuUse {
	start := time.Now()
	busy0, ok0 := machineBusy()
	ours0 := processCPU()
	return func() cpuUse {
		wall := time.Since(start).Seconds()
		busy1, ok1 := machineBusy()
		ours := (processCPU() - ours0).Seconds()
		if !ok0 || !ok1 || wall <= 0 {
			return cpuUse{}
		}
		others := max(0, (busy1-busy0).Seconds()-ours)
		return cpuUse{Ours: ours / wall, Others: others / wall, ok: true}
	}
}

// machineBusy is the time every core of the machine spent not idle since boot.
func machineBusy() (time.Duration, bool) {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, false
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	fields := strings.Fields(line)
	if len(fields) < 9 || fields[0] != "cpu" {
		return 0, false
	}
	var ticks int64
	// user nice system idle iowait irq softirq steal: all but idle and iowait.
	for i, f := range fields[1:9] {
		if i == 3 || i == 4 {
			continue
		}
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, false
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTick, true
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
