package topology

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// Journal records host-global settings before they change, so that
// teardown, or `c1m-testbed clean` after a crash, can put them back. It
// lives at RunDir/<runid>/journal, one JSON line {"key","old"} per change.
// Keys are dotted sysctl names, read and written in the namespace of the
// calling thread, which for the orchestrator is the host's own.
type Journal struct {
	mu   sync.Mutex
	path string
}

// JournalEntry is one recorded change: the key and its value before it.
type JournalEntry struct {
	Key string `json:"key"`
	Old string `json:"old"`
}

// OpenJournal opens the journal of runID, which must have been claimed
// (Claim) so that a crash leaves an owner record next to it.
func OpenJournal(runID string) (*Journal, error) {
	if err := ValidateRunID(runID); err != nil {
		return nil, err
	}
	dir := filepath.Join(RunDir, runID)
	if _, err := os.Stat(filepath.Join(dir, "owner")); err != nil {
		return nil, fmt.Errorf("failed to open the journal of run %s: the run is not claimed, call Claim first: %w", runID, err)
	}
	return &Journal{path: filepath.Join(dir, "journal")}, nil
}

// Path is the journal file.
func (j *Journal) Path() string { return j.path }

// Set reads key's current value, appends it to the journal and fsyncs the
// journal, and only then writes value. A value equal to the current one
// (whitespace aside) changes nothing and is not recorded. fs.file-max may
// be written "+N": the files the host has allocated at this moment plus N
// (a lab that lowers it must never go below what the host uses).
func (j *Journal) Set(key, value string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	value, err := resolveRelative(key, value)
	if err != nil {
		return err
	}
	old, err := ReadSysctl(key)
	if err != nil {
		return err
	}
	if old == normalize(value) {
		return nil
	}
	line, err := json.Marshal(JournalEntry{Key: key, Old: old})
	if err != nil {
		return fmt.Errorf("failed to record %s: %w", key, err)
	}
	f, err := os.OpenFile(j.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("failed to open journal %s: %w", j.path, err)
	}
	_, err = f.Write(append(line, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("failed to record %s in journal %s, nothing was changed: %w", key, j.path, err)
	}
	if err := WriteSysctl(key, value); err != nil {
		return fmt.Errorf("failed to set host setting %s (its old value %q is journaled): %w", key, old, err)
	}
	return nil
}

// Entries returns the recorded changes in the order they were made.
func (j *Journal) Entries() ([]JournalEntry, error) {
	f, err := os.Open(j.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("failed to read journal %s: %w", j.path, err)
	}
	defer f.Close()
	var out []JournalEntry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e JournalEntry
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.Key == "" {
			continue // a torn last line from a crash mid-write: its value was never changed
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

// Restore writes every recorded value back, newest first, and then empties
// the journal. It is idempotent. Every key it could not restore is
// reported, and the journal is then kept so that a later Restore (or
// `c1m-testbed clean`) can try again.
func (j *Journal) Restore() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	entries, err := j.Entries()
	if err != nil {
		return err
	}
	var errs []error
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if err := WriteSysctl(e.Key, e.Old); err != nil {
			errs = append(errs, fmt.Errorf("failed to restore host setting %s to %q, set it by hand: %w", e.Key, e.Old, err))
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if len(entries) > 0 {
		if err := writeSynced(j.path, ""); err != nil {
			return fmt.Errorf("restored every host setting but failed to empty journal %s: %w", j.path, err)
		}
	}
	return nil
}
