// Package archtest holds the tests that keep the repository's structure
// as docs/architecture.md draws it: the import arrows between packages,
// and the documentation's links to files that exist. It has no code of
// its own.
package archtest
