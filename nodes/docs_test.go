package nodes

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestNodeProtocolDoc: every field of the control protocol's objects
// (start's server and client, the protocol options, the stats) is named
// in docs/node-protocol.md.
func TestNodeProtocolDoc(t *testing.T) {
	data, err := os.ReadFile("../docs/node-protocol.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	for _, v := range []any{ServerConfig{}, ClientConfig{}, ProtoOptions{}, Stats{}, Command{}} {
		typ := reflect.TypeOf(v)
		for i := 0; i < typ.NumField(); i++ {
			name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			if !strings.Contains(doc, "`"+name+"`") {
				t.Errorf("%s.%s: json field %q is not in docs/node-protocol.md", typ.Name(), typ.Field(i).Name, name)
			}
		}
	}
}
