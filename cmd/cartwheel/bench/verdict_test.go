package bench

import (
	"errors"
	"testing"
	"time"
)

const msec = time.Millisecond

func TestPeakOf(t *testing.T) {
	for _, tc := range []struct {
		name    string
		steps   []sweepStep
		want    int // the peak's clients
		wantOK  bool
		goodput float64
	}{
		{"peak/in_the_middle", []sweepStep{{Clients: 4, Goodput: 900}, {Clients: 8, Goodput: 1500}, {Clients: 16, Goodput: 1400}}, 8, true, 1500},
		{"peak/last_step", []sweepStep{{Clients: 4, Goodput: 900}, {Clients: 8, Goodput: 1500}, {Clients: 16, Goodput: 1600}}, 16, true, 1600},
		{"peak/tie_goes_to_fewer_clients", []sweepStep{{Clients: 32, Goodput: 1500}, {Clients: 8, Goodput: 1500}, {Clients: 16, Goodput: 1200}}, 8, true, 1500},
		{"peak/none_answered", []sweepStep{{Clients: 4, Goodput: 0}, {Clients: 8, Goodput: 0}}, 0, false, 0},
		{"peak/no_steps", nil, 0, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := peakOf(tc.steps)
			if ok != tc.wantOK || got.Clients != tc.want || got.Goodput != tc.goodput {
				t.Fatalf("peakOf = %+v, %v; want %d clients at %v/s, %v", got, ok, tc.want, tc.goodput, tc.wantOK)
			}
		})
	}
}

func TestJudgeOverload(t *testing.T) {
	// at2 is a load at twice the capacity: ok answers over one second, admitted
	// latencies of which the p99 is p99.
	at2 := func(ok int, p99 time.Duration, unsent int) offered {
		o := offered{Window: time.Second, OK: ok, Unsent: unsent}
		for range 99 {
			o.Admitted = append(o.Admitted, msec)
		}
		if p99 > 0 {
			o.Admitted = append(o.Admitted, p99)
		} else {
			o.Admitted = nil
		}
		return o
	}
	for _, tc := range []struct {
		name         string
		peak         float64
		p99At1       time.Duration
		at2          offered
		goodput, p99 bool
	}{
		{"overload/both_met", 1000, 20 * msec, at2(900, 30*msec, 0), true, true},
		{"overload/goodput_exactly_80_percent_p99_exactly_2x", 1000, 20 * msec, at2(800, 40*msec, 0), true, true},
		{"overload/collapse", 1000, 20 * msec, at2(500, 30*msec, 0), false, true},
		{"overload/queueing", 1000, 20 * msec, at2(950, 41*msec, 0), true, false},
		{"overload/arrivals_dropped_by_the_generator", 1000, 20 * msec, at2(950, 30*msec, 3), false, true},
		{"overload/no_peak", 0, 20 * msec, at2(0, 20*msec, 0), false, true},
		{"overload/nothing_admitted_at_2x", 1000, 20 * msec, at2(0, 0, 0), false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := judgeOverload(tc.peak, tc.p99At1, tc.at2)
			if v.GoodputMet != tc.goodput || v.P99Met != tc.p99 {
				t.Fatalf("judgeOverload = %+v; want goodput met %v, p99 met %v", v, tc.goodput, tc.p99)
			}
		})
	}
	if v := judgeOverload(1000, 20*msec, at2(900, 30*msec, 0)); v.GoodputShare != 0.9 || v.P99Growth != 1.5 {
		t.Fatalf("shares: got %+v, want 0.9 and 1.5", v)
	}
}

func TestDeadlineVerdict(t *testing.T) {
	for _, tc := range []struct {
		name       string
		longest    time.Duration
		unanswered int
		want       bool
	}{
		{"deadline/inside", 2 * time.Second, 0, true},
		{"deadline/at_it", 6 * time.Second, 0, true},
		{"deadline/past_it", 6*time.Second + msec, 0, false},
		{"deadline/a_request_never_answered", time.Second, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := deadlineVerdict(tc.longest, 6*time.Second, tc.unanswered); got != tc.want {
				t.Fatalf("deadlineVerdict(%s, 6s, %d) = %v, want %v", tc.longest, tc.unanswered, got, tc.want)
			}
		})
	}
}

func TestAnswerOf(t *testing.T) {
	for _, tc := range []struct {
		name   string
		out    Outcome
		status string
		want   buyerAnswer
	}{
		{"buyer/pending_polls", Outcome{Status: 201}, "PENDING", buyerWaits},
		{"buyer/created_awaiting_payment_won", Outcome{Status: 201}, "AWAITING_PAYMENT", buyerWon},
		{"buyer/created_cancelled_lost", Outcome{Status: 201}, "CANCELLED", buyerLost},
		{"buyer/gate_409_lost_at_once", Outcome{Status: 409, Code: "STOCK_INSUFFICIENT"}, "", buyerLost},
		{"buyer/other_409_failed", Outcome{Status: 409, Code: "SKU_UNAVAILABLE"}, "", buyerFailed},
		{"buyer/overloaded_failed", Outcome{Status: 503, Code: "OVERLOADED"}, "", buyerFailed},
		{"buyer/timeout_failed", Outcome{Err: errors.New("context deadline exceeded")}, "", buyerFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := answerOf(tc.out, tc.status); got != tc.want {
				t.Fatalf("answerOf(%+v, %q) = %d, want %d", tc.out, tc.status, got, tc.want)
			}
		})
	}
}

func TestFlashVerdict(t *testing.T) {
	for _, tc := range []struct {
		name           string
		buyers, learnt int
		slowest        time.Duration
		want           bool
	}{
		{"flash/all_within_a_second", 2000, 2000, 900 * msec, true},
		{"flash/one_late", 2000, 2000, 1100 * msec, false},
		{"flash/some_never_learnt", 2000, 1818, 300 * msec, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := flashVerdict(tc.buyers, tc.learnt, tc.slowest); got != tc.want {
				t.Fatalf("flashVerdict(%d, %d, %s) = %v, want %v", tc.buyers, tc.learnt, tc.slowest, got, tc.want)
			}
		})
	}
}

func TestParseCounts(t *testing.T) {
	if got, err := parseCounts("4, 8,16"); err != nil || len(got) != 3 || got[0] != 4 || got[2] != 16 {
		t.Fatalf("parseCounts(4, 8,16) = %v, %v", got, err)
	}
	for _, bad := range []string{"", "4,0", "4,x", "8,8"} {
		if _, err := parseCounts(bad); err == nil {
			t.Errorf("parseCounts(%q): want an error", bad)
		}
	}
}

func TestNeighbours(t *testing.T) {
	quiet := cpuUse{Ours: 1.8, Others: 0.1, ok: true}
	for _, tc := range []struct {
		name         string
		peak, atLoad cpuUse
		warns        bool
	}{
		{"neighbours/as_quiet", quiet, cpuUse{Ours: 1.7, Others: 0.2, ok: true}, false},
		{"neighbours/a_build_started", quiet, cpuUse{Ours: 0.9, Others: 1.0, ok: true}, true},
		{"neighbours/quieter_than_at_the_peak", cpuUse{Ours: 1, Others: 1, ok: true}, quiet, false},
		{"neighbours/unknown", cpuUse{}, cpuUse{Ours: 0.9, Others: 1.0, ok: true}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := neighbours(tc.peak, tc.atLoad) != ""; got != tc.warns {
				t.Fatalf("neighbours(%+v, %+v) warns %v, want %v", tc.peak, tc.atLoad, got, tc.warns)
			}
		})
	}
}

func TestFirstBurstCustomer(t *testing.T) {
	if got := (Config{Scenarios: []string{"login", "overload"}, LoginConcurrency: 16}).firstBurstCustomer(); got != 16 {
		t.Errorf("after the login scenario's 16 wrong-password customers: got %d, want 16", got)
	}
	if got := (Config{Scenarios: []string{"overload"}, LoginConcurrency: 16}).firstBurstCustomer(); got != 0 {
		t.Errorf("without the login scenario: got %d, want 0", got)
	}
}
