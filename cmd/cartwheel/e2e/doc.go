// Package e2e drives the whole shop through the gateway's public HTTP API, as a mobile
// or web client would, and checks that stock and money stay right.
package e2e
