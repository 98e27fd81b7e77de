package topology

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"golang.org/x/sys/unix"
)

// Clean removes what dead runs left behind and says on w what it did. For
// every run under RunDir whose owner is gone it restores the host
// journal, ends the processes still inside the run's namespaces (found by
// namespace inode, also in namespaces that lost their name; SIGTERM, then
// SIGKILL after DefaultKillGrace), deletes the namespaces and any link of the
// run's prefix in the host namespace, and removes the run record. It also
// removes namespaces shaped like a run's (c1m-<id>-srv, c1m-<id>-c<N>)
// that have no run record at all. A run with
// a live owner is never touched. It returns how many runs it cleaned; on a
// clean host it prints "nothing to clean".
func Clean(w io.Writer) (int, error) {
	runs, err := Runs()
	if err != nil {
		return 0, err
	}
	recorded := map[string]bool{}
	var errs []error
	cleaned := 0
	for _, r := range runs {
		recorded[r.RunID] = true
		if r.Alive {
			continue
		}
		why := "it has no owner record"
		if r.PID > 0 {
			why = fmt.Sprintf("its owner, process %d, is gone", r.PID)
		}
		fmt.Fprintf(w, "run %s: %s\n", r.RunID, why)
		if err := cleanRun(w, r.RunID, true); err != nil {
			errs = append(errs, err)
			fmt.Fprintf(w, "  %v\n", err)
			continue
		}
		cleaned++
	}
	orphans, err := orphanRuns(recorded)
	if err != nil {
		errs = append(errs, err)
	}
	for _, id := range orphans {
		fmt.Fprintf(w, "run %s: namespaces without a run record\n", id)
		if err := cleanRun(w, id, false); err != nil {
			errs = append(errs, err)
			fmt.Fprintf(w, "  %v\n", err)
			continue
		}
		cleaned++
	}
	if cleaned == 0 && len(errs) == 0 {
		fmt.Fprintln(w, "nothing to clean")
	}
	return cleaned, errors.Join(errs...)
}

// orphanRuns lists the run ids of namespaces shaped like a run's that have
// no run record (other c1m-* names are not ours and are left alone).
func orphanRuns(recorded map[string]bool) ([]string, error) {
	names, err := listNamed(Prefix)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var ids []string
	for _, n := range names {
		id, ok := isRunNamespace(n)
		if !ok || recorded[id] || seen[id] {
			continue
		}
		if _, err := os.Stat(filepath.Join(RunDir, id)); err == nil {
			continue // claimed since we listed the runs
		}
		seen[id] = true
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids, nil
}

// cleanRun restores and removes one dead run.
func cleanRun(w io.Writer, id string, hasRecord bool) error {
	if hasRecord {
		if err := restoreJournal(w, id); err != nil {
			return err // keep the record so a later clean can try again
		}
	}
	// End the run's processes before any name goes: a process in a
	// namespace without a name is what nobody can find again.
	ended, left, err := killRun(id, DefaultKillGrace)
	for _, p := range ended {
		fmt.Fprintf(w, "  killed process %d in %s\n", p.PID, p.NS.label())
	}
	if err != nil {
		for _, p := range left {
			fmt.Fprintf(w, "  process %d in %s survived SIGKILL\n", p.PID, p.NS.label())
		}
		return fmt.Errorf("failed to clean run %s: %w", id, err) // keep names and record for a later clean
	}
	names, err := listNamed(RunPrefix(id))
	if err != nil {
		return err
	}
	var errs []error
	for _, n := range names {
		if err := deleteNamed(n); err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintf(w, "  deleted namespace %s\n", n)
	}
	if links, err := hostLinks(RunPrefix(id)); err != nil {
		errs = append(errs, err)
	} else if len(links) > 0 {
		h, err := hostHandle()
		if err != nil {
			errs = append(errs, err)
		} else {
			for _, l := range links {
				if err := h.LinkDel(l); err != nil && !errors.Is(err, unix.ENODEV) {
					errs = append(errs, fmt.Errorf("failed to delete link %s from the host namespace: %w", l.Attrs().Name, err))
					continue
				}
				fmt.Fprintf(w, "  deleted link %s from the host namespace\n", l.Attrs().Name)
			}
			h.Close()
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("failed to clean run %s: %w", id, errors.Join(errs...))
	}
	if hasRecord {
		dir := filepath.Join(RunDir, id)
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("failed to remove run record %s: %w", dir, err)
		}
		fmt.Fprintf(w, "  removed %s\n", dir)
	}
	return nil
}

// restoreJournal puts back the host settings a dead run journaled.
func restoreJournal(w io.Writer, id string) error {
	j, err := OpenJournal(id)
	if err != nil {
		return nil // no owner record, hence no journal either
	}
	entries, err := j.Entries()
	if err != nil {
		return err
	}
	if err := j.Restore(); err != nil {
		return err
	}
	for i := len(entries) - 1; i >= 0; i-- {
		fmt.Fprintf(w, "  restored %s = %s\n", entries[i].Key, entries[i].Old)
	}
	return nil
}
