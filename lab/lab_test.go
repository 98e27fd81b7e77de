package lab

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testLab() *Lab {
	return &Lab{RunID: "ab12cd", Scenario: "smoke",
		Server:  Namespace{Short: "srv", Name: "c1m-ab12cd-srv", Addrs: []string{"198.18.0.1"}},
		Clients: []Namespace{{Short: "c1", Name: "c1m-ab12cd-c1"}, {Short: "c2", Name: "c1m-ab12cd-c2"}},
		Workers: []Process{{Role: "server", Namespace: "c1m-ab12cd-srv", PID: 4242}}}
}

func TestLabNamespaceOf(t *testing.T) {
	l := testLab()
	for node, want := range map[string]string{
		"srv": "c1m-ab12cd-srv", "server": "c1m-ab12cd-srv", "c1m-ab12cd-srv": "c1m-ab12cd-srv",
		"c2": "c1m-ab12cd-c2", "c1m-ab12cd-c1": "c1m-ab12cd-c1",
	} {
		if got, err := l.NamespaceOf(node); err != nil || got != want {
			t.Errorf("NamespaceOf(%q) = %q, %v; want %q", node, got, err, want)
		}
	}
	_, err := l.NamespaceOf("c3")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "use one of srv, c1, c2") {
		t.Errorf("NamespaceOf(c3) = %v; want ErrNotFound naming srv, c1, c2", err)
	}
	if strings.Contains(err.Error(), ErrNotFound.Error()) {
		t.Errorf("the error %q repeats the sentinel's text; it should say only what to do", err)
	}
}

// TestLabWrite checks that the record keeps the keys the owner has always
// written (files under /run/c1m-testbed outlive a version change) and
// never writes through a symbolic link.
func TestLabWrite(t *testing.T) {
	dir := t.TempDir()
	if err := Write(dir, testLab()); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, File))
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"run_id"`, `"owner_pid"`, `"server"`, `"short": "srv"`, `"namespace": "c1m-ab12cd-srv"`, `"addrs"`, `"workers"`, `"role"`} {
		if !strings.Contains(string(data), key) {
			t.Errorf("%s lacks %s:\n%s", File, key, data)
		}
	}
	var back Lab
	if err := json.Unmarshal(data, &back); err != nil || back.Clients[1].Name != "c1m-ab12cd-c2" {
		t.Errorf("read back %+v, %v", back, err)
	}

	linked := t.TempDir()
	target := filepath.Join(t.TempDir(), "elsewhere")
	if err := os.Symlink(target, filepath.Join(linked, File)); err != nil {
		t.Fatal(err)
	}
	if err := Write(linked, testLab()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(target); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Write followed the link to %s: %v", target, err)
	}
}
