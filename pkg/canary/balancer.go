package canary

import (
	"context"

	"github.com/cloudwego/kitex/pkg/discovery"
	"github.com/cloudwego/kitex/pkg/loadbalance"
)

// Balancer wraps a Kitex load balancer: it splits each discovery result by the instance
// tag "track" and lets the wrapped balancer pick within the side the call's context
// chose (Chosen). A canary call with no canary instance goes to a stable one; a stable
// call never goes to a canary, even when no stable instance is left (it then fails
// like any call with no instance).
type Balancer struct {
	inner loadbalance.Loadbalancer
}

var (
	_ loadbalance.Loadbalancer = (*Balancer)(nil)
	_ loadbalance.Rebalancer   = (*Balancer)(nil)
)

// NewBalancer wraps inner, e.g. loadbalance.NewWeightedBalancer().
func NewBalancer(inner loadbalance.Loadbalancer) *Balancer { return &Balancer{inner: inner} }

// GetPicker builds one picker per side; the inner balancer caches each under its own key.
func (b *Balancer) GetPicker(res discovery.Result) loadbalance.Picker {
	stable, canary := split(res)
	p := &picker{stable: b.inner.GetPicker(stable)}
	if len(canary.Instances) > 0 {
		p.canary = b.inner.GetPicker(canary)
	}
	return p
}

// Rebalance and Delete pass a changed result on to the inner balancer, side by side,
// so its cached pickers follow the registry.
func (b *Balancer) Rebalance(ch discovery.Change) {
	if rb, ok := b.inner.(loadbalance.Rebalancer); ok {
		b.each(ch, rb.Rebalance)
	}
}

func (b *Balancer) Delete(ch discovery.Change) {
	if rb, ok := b.inner.(loadbalance.Rebalancer); ok {
		b.each(ch, rb.Delete)
	}
}

func (b *Balancer) each(ch discovery.Change, apply func(discovery.Change)) {
	stable, canary := split(ch.Result)
	for _, side := range []discovery.Result{stable, canary} {
		c := ch
		c.Result = side
		apply(c)
	}
}

// Name differs from the inner balancer's, so Kitex's balancer cache never hands a
// wrapped client an unwrapped balancer or the reverse.
func (b *Balancer) Name() string { return "canary_" + b.inner.Name() }

type picker struct {
	stable, canary loadbalance.Picker // canary nil: the service has no canary instance
}

func (p *picker) Next(ctx context.Context, request interface{}) discovery.Instance {
	if p.canary != nil && Chosen(ctx) {
		return p.canary.Next(ctx, request)
	}
	return p.stable.Next(ctx, request)
}

// split divides res by track. Each side keeps res's cacheability under a key of its own.
func split(res discovery.Result) (stable, canary discovery.Result) {
	stable = discovery.Result{Cacheable: res.Cacheable, CacheKey: res.CacheKey + "#stable", Instances: []discovery.Instance{}}
	canary = discovery.Result{Cacheable: res.Cacheable, CacheKey: res.CacheKey + "#canary", Instances: []discovery.Instance{}}
	for _, in := range res.Instances {
		if track, _ := in.Tag(TrackTag); track == TrackCanary {
			canary.Instances = append(canary.Instances, in)
		} else {
			stable.Instances = append(stable.Instances, in)
		}
	}
	return stable, canary
}
