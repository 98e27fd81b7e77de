package lab

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/c1m-testbed/c1m-testbed/topology"
)

// HolderFile, in a run's record directory, says that the run holds the
// host lock and how (a Holder); the run's host lease writes it when it
// takes the lock and removes it first when it gives the lock up.
const HolderFile = "host-holder.json"

// Holder describes a run that holds the host lock, as its HolderFile says.
type Holder struct {
	RunID     string    `json:"run_id"`
	PID       int       `json:"pid"`
	Scenario  string    `json:"scenario"`
	Exclusive bool      `json:"exclusive"`
	Started   time.Time `json:"started"`
}

// String names the holder for messages: "run ab12cd (scenario tcp-mem,
// pid 4242, changes host settings, since 10:04:05)".
func (h Holder) String() string {
	how := "changes nothing on the host"
	if h.Exclusive {
		how = "changes host settings"
	}
	return fmt.Sprintf("run %s (scenario %s, pid %d, %s, since %s)", h.RunID, h.Scenario, h.PID, how, h.Started.Local().Format("15:04:05"))
}

// Holders lists the runs other than the run named except ("" = none)
// whose owner lives and that hold the host lock (have a HolderFile).
func Holders(except string) []Holder {
	runs, err := topology.Runs()
	if err != nil {
		return nil
	}
	var out []Holder
	for _, ri := range runs {
		if ri.RunID == except || !ri.Alive {
			continue
		}
		data, err := os.ReadFile(filepath.Join(ri.Dir, HolderFile))
		if err != nil {
			continue
		}
		var h Holder
		if json.Unmarshal(data, &h) == nil && h.PID == ri.PID {
			out = append(out, h)
		}
	}
	return out
}
