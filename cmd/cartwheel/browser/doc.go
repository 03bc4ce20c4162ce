// Package browser drives the storefront and the admin console in headless Chromium
// against a dev fleet on ephemeral ports. The tests carry the build tag `browser`;
// scripts/browser.sh installs Debian's chromium when missing and runs them.
package browser
