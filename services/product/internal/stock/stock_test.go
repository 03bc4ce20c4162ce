package stock

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

func key(k string) *string { return &k }

func TestNewAdjustment(t *testing.T) {
	cases := []struct {
		name    string
		sku     string
		delta   int64
		reason  string
		actor   string
		key     *string
		fields  []string // nil: valid
		wantMov Movement
	}{
		{"restock", "TEA-1", 25, " delivery ", "staff-1", nil, nil, Movement{SKU: "TEA-1", Available: 25}},
		{"write-off", "TEA-1", -3, "damaged", "staff-1", nil, nil, Movement{SKU: "TEA-1", Available: -3}},
		{"largest delta", "TEA-1", MaxDelta, "big delivery", "staff-1", nil, nil, Movement{SKU: "TEA-1", Available: MaxDelta}},
		{"most negative delta", "TEA-1", -MaxDelta, "stocktake", "staff-1", nil, nil, Movement{SKU: "TEA-1", Available: -MaxDelta}},
		{"with a key", "TEA-1", 5, "delivery", "staff-1", key("0190f5a8-0000-7000-8000-000000000001"), nil, Movement{SKU: "TEA-1", Available: 5}},
		{"zero delta", "TEA-1", 0, "nothing", "staff-1", nil, []string{"delta"}, Movement{}},
		{"delta too big", "TEA-1", MaxDelta + 1, "x", "staff-1", nil, []string{"delta"}, Movement{}},
		{"delta too small", "TEA-1", -MaxDelta - 1, "x", "staff-1", nil, []string{"delta"}, Movement{}},
		{"blank reason", "TEA-1", 1, "  ", "staff-1", nil, []string{"reason"}, Movement{}},
		{"reason too long", "TEA-1", 1, strings.Repeat("r", MaxReasonLen+1), "staff-1", nil, []string{"reason"}, Movement{}},
		{"no actor", "TEA-1", 1, "x", "", nil, []string{"actor_id"}, Movement{}},
		{"actor too long", "TEA-1", 1, "x", strings.Repeat("a", MaxActorLen+1), nil, []string{"actor_id"}, Movement{}},
		{"malformed key", "TEA-1", 1, "x", "staff-1", key("two words"), []string{"idempotency_key"}, Movement{}},
		{"key set but empty", "TEA-1", 1, "x", "staff-1", key(""), []string{"idempotency_key"}, Movement{}},
		{"everything wrong", "", 0, "", "", key(strings.Repeat("k", 65)), []string{"sku", "delta", "reason", "actor_id", "idempotency_key"}, Movement{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := NewAdjustment(AdjustRequest{SKU: c.sku, Delta: c.delta, Reason: c.reason, ActorID: c.actor, IdempotencyKey: c.key})
			if c.fields != nil {
				var bad *errs.Error
				if !errors.As(err, &bad) || bad.Code != errs.InvalidArgument {
					t.Fatalf("error = %v, want INVALID_ARGUMENT", err)
				}
				var got []string
				for _, f := range bad.Details {
					got = append(got, f.Field)
				}
				if !slices.Equal(got, c.fields) {
					t.Errorf("invalid fields = %q, want %q", got, c.fields)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewAdjustment: %v", err)
			}
			if a.Movement() != c.wantMov {
				t.Errorf("movement = %+v, want %+v", a.Movement(), c.wantMov)
			}
			if a.Reason != strings.TrimSpace(c.reason) {
				t.Errorf("reason = %q, want it trimmed", a.Reason)
			}
			if c.key != nil && a.Key != *c.key || c.key == nil && a.Key != "" {
				t.Errorf("key = %q, want %v", a.Key, c.key)
			}
		})
	}
}

func TestFingerprintTellsAdjustmentsApart(t *testing.T) {
	adjust := func(sku string, delta int64, reason, actor string) Adjustment {
		t.Helper()
		a, err := NewAdjustment(AdjustRequest{SKU: sku, Delta: delta, Reason: reason, ActorID: actor, IdempotencyKey: key("k-1")})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	first := adjust("TEA-1", 5, "delivery", "staff-1")
	same := []Adjustment{adjust("TEA-1", 5, "  delivery ", "staff-1"), adjust("TEA-1", 5, "delivery", "staff-2")}
	for _, a := range same {
		if a.Fingerprint() != first.Fingerprint() {
			t.Errorf("%+v: fingerprint differs from %+v's; a retry must match", a, first)
		}
	}
	other := []Adjustment{adjust("TEA-2", 5, "delivery", "staff-1"), adjust("TEA-1", -5, "delivery", "staff-1"),
		adjust("TEA-1", 5, "Delivery", "staff-1")}
	for _, a := range other {
		if a.Fingerprint() == first.Fingerprint() {
			t.Errorf("%+v: same fingerprint as %+v", a, first)
		}
	}
}

// keyedStore is a Store whose adjustments the test scripts: Adjust answers adjustErr
// (recording what it was given when nil), and keys maps "actor/key" to a fingerprint.
type keyedStore struct {
	Store
	level     Level
	adjustErr error
	adjusted  []Adjustment
	keys      map[string]string
	// onAdjust runs inside Adjust, before it answers: a concurrent call's commit.
	onAdjust func()
}

func (f *keyedStore) Level(_ context.Context, sku string) (Level, error) {
	l := f.level
	l.SKU = sku
	return l, nil
}

func (f *keyedStore) Adjust(_ context.Context, a Adjustment) (Level, error) {
	if f.onAdjust != nil {
		f.onAdjust()
	}
	if f.adjustErr != nil {
		return Level{}, f.adjustErr
	}
	f.adjusted = append(f.adjusted, a)
	f.level.Available += a.Delta
	if a.Key != "" {
		f.keys[a.ActorID+"/"+a.Key] = a.Fingerprint()
	}
	return f.Level(context.Background(), a.SKU)
}

func (f *keyedStore) KeyedAdjustment(_ context.Context, actorID, key string) (string, bool, error) {
	fp, ok := f.keys[actorID+"/"+key]
	return fp, ok, nil
}

func TestAdjustWithAKey(t *testing.T) {
	ctx := context.Background()
	restock := AdjustRequest{SKU: "TEA-1", Delta: 5, Reason: "delivery", ActorID: "staff-1", IdempotencyKey: key("k-1")}
	fingerprint := func(r AdjustRequest) string {
		a, err := NewAdjustment(r)
		if err != nil {
			t.Fatal(err)
		}
		return a.Fingerprint()
	}
	cases := []struct {
		name         string
		store        *keyedStore
		req          AdjustRequest
		wantErr      error // nil: success with wantLevel
		wantLevel    Level
		wantAdjusted int
	}{
		{"first use adjusts", &keyedStore{keys: map[string]string{}}, restock,
			nil, Level{SKU: "TEA-1", Available: 5}, 1},
		{"a retry answers the stock now without adjusting", &keyedStore{level: Level{Available: 3, Sold: 2},
			keys: map[string]string{"staff-1/k-1": fingerprint(restock)}}, restock,
			nil, Level{SKU: "TEA-1", Available: 3, Sold: 2}, 0},
		{"another adjustment under the key is refused", &keyedStore{
			keys: map[string]string{"staff-1/k-1": fingerprint(AdjustRequest{SKU: "TEA-1", Delta: 6, Reason: "delivery", ActorID: "staff-1", IdempotencyKey: key("k-1")})}},
			restock, ErrIdempotencyKeyReused, Level{}, 0},
		{"another actor's key is not ours", &keyedStore{keys: map[string]string{"staff-2/k-1": "whatever"}}, restock,
			nil, Level{SKU: "TEA-1", Available: 5}, 1},
		{"insufficient stock without the key used is insufficient", &keyedStore{keys: map[string]string{}, adjustErr: ErrInsufficient},
			restock, ErrInsufficient, Level{}, 0},
		{"no key adjusts although a keyed retry would not", &keyedStore{keys: map[string]string{"staff-1/k-1": fingerprint(restock)}},
			AdjustRequest{SKU: "TEA-1", Delta: 5, Reason: "delivery", ActorID: "staff-1"}, nil, Level{SKU: "TEA-1", Available: 5}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, err := NewService(c.store).Adjust(ctx, c.req)
			if !errors.Is(err, c.wantErr) {
				t.Fatalf("error = %v, want %v", err, c.wantErr)
			}
			if l != c.wantLevel {
				t.Errorf("level = %+v, want %+v", l, c.wantLevel)
			}
			if len(c.store.adjusted) != c.wantAdjusted {
				t.Errorf("%d adjustments applied, want %d", len(c.store.adjusted), c.wantAdjusted)
			}
		})
	}
}

// A concurrent call with the same key can commit between the look-up and this call's
// transaction; the store then refuses (the key is taken, or that call's write-off left
// too little stock), and the answer is the retry's, not the refusal.
func TestAdjustLosingARaceForTheKeyAnswersAsARetry(t *testing.T) {
	ctx := context.Background()
	writeOff := AdjustRequest{SKU: "TEA-1", Delta: -3, Reason: "damaged", ActorID: "staff-1", IdempotencyKey: key("k-1")}
	a, err := NewAdjustment(writeOff)
	if err != nil {
		t.Fatal(err)
	}
	for _, refusal := range []error{ErrIdempotencyKeyTaken, ErrInsufficient} {
		t.Run(refusal.Error(), func(t *testing.T) {
			f := &keyedStore{keys: map[string]string{}, adjustErr: refusal}
			f.onAdjust = func() { f.keys["staff-1/k-1"] = a.Fingerprint() }
			l, err := NewService(f).Adjust(ctx, writeOff)
			if err != nil || l != (Level{SKU: "TEA-1"}) {
				t.Fatalf("Adjust = %+v, %v; want the stock now, as for a retry", l, err)
			}
		})
	}
	t.Run("taken by nothing", func(t *testing.T) {
		f := &keyedStore{keys: map[string]string{}, adjustErr: ErrIdempotencyKeyTaken}
		_, err := NewService(f).Adjust(ctx, writeOff)
		if err == nil || errors.Is(err, ErrIdempotencyKeyTaken) || errors.Is(err, ErrIdempotencyKeyReused) {
			t.Fatalf("error = %v, want an internal error: the store contradicts itself", err)
		}
	})
}
