package bench

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
)

// machine describes where the numbers were taken.
func machine() string {
	model := "unknown CPU"
	if raw, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(raw), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	load := ""
	if raw, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = ", load average before the run " + strings.Join(strings.Fields(string(raw))[:3], " ")
	}
	return fmt.Sprintf("%s, %d logical CPUs (GOMAXPROCS %d), %s/%s, %s%s",
		model, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, runtime.Version(), load)
}

// Print writes the report as Markdown.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "machine: %s\n", r.Machine)
	fmt.Fprintf(w, "target: %s\n", r.Target)
	fmt.Fprintf(w, "medians of %d runs; errors summed over the runs; ratio = answers/s ÷ the bare Hertz hello's in the same run; settle = order placed → AWAITING_PAYMENT/CANCELLED as seen by a client polling every 100 ms, from the start of its POST (flash sale: → won or lost, a 409 STOCK_INSUFFICIENT included); c \"open, N/s\" = requests started at N per second whatever the answers (latencies: the admitted requests')\n\n", r.Runs)
	fmt.Fprintln(w, "| scenario | operation | c | answers/s | p50 | p99 | max | errors | × Hertz | settle p50 / p99 / max (n) |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---|---:|---|")
	for _, row := range r.Rows {
		ratio, settle := "", ""
		if row.Ratio > 0 {
			ratio = fmt.Sprintf("%.3f", row.Ratio)
		}
		if row.Settle != nil {
			settle = fmt.Sprintf("%s / %s / %s (%d)", ms(row.Settle.P50), ms(row.Settle.P99), ms(row.Settle.Max), row.Settle.N)
		}
		c := fmt.Sprint(row.Concurrency)
		if row.Offered > 0 {
			c = fmt.Sprintf("open, %.0f/s", row.Offered)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %.0f | %s | %s | %s | %s | %s | %s |\n",
			row.Scenario, row.Op, c, row.PerSec, ms(row.P50), ms(row.P99), ms(row.Max),
			formatErrors(row.Errors), ratio, settle)
	}
	var notes []string
	for _, row := range r.Rows {
		if row.Note != "" {
			notes = append(notes, fmt.Sprintf("- %s, %s: %s", row.Scenario, row.Op, row.Note))
		}
	}
	if len(notes) > 0 {
		fmt.Fprintf(w, "\n%s\n", strings.Join(notes, "\n"))
	}
	if len(r.Goals) > 0 {
		fmt.Fprintf(w, "\ngoals, run by run:\n")
		for _, g := range r.Goals {
			fmt.Fprintf(w, "- %s\n", g)
		}
	}
	fmt.Fprintln(w)
	for _, c := range r.Checks {
		fmt.Fprintf(w, "- %s\n", c)
	}
	if len(r.Violations) == 0 {
		fmt.Fprintf(w, "\nno violation; the bench took %s\n", r.Elapsed.Round(time.Second))
		return
	}
	fmt.Fprintf(w, "\n%d VIOLATIONS:\n", len(r.Violations))
	for _, v := range r.Violations {
		fmt.Fprintf(w, "- %s\n", v)
	}
}

func ms(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
}
