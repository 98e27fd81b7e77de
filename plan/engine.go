package plan

import "github.com/c1m-testbed/c1m-testbed/scenarios"

// pickEngine resolves server.engine on this host into p.ServerEngine and
// says why; io_uring asked for where it cannot be set up is an error.
func (p *Plan) pickEngine(s *scenarios.Scenario, env Env) error {
	if len(s.Server.Command) > 0 {
		p.ServerEngine, p.ServerEngineWhy = "", "the [server] command's own"
		return nil
	}
	switch s.Server.Engine {
	case "epoll":
		p.ServerEngine, p.ServerEngineWhy = "epoll", "server.engine"
	case "io_uring":
		if env.IOUringUnusable != "" {
			return s.ErrorAt("server.engine", `set server.engine = "auto" (io_uring where it can be set up, else epoll) or "epoll"`,
				"io_uring cannot be set up on this host: %s", env.IOUringUnusable)
		}
		p.ServerEngine, p.ServerEngineWhy = "io_uring", "server.engine"
	default:
		if env.IOUringUnusable != "" {
			p.ServerEngine, p.ServerEngineWhy = "epoll", "auto: io_uring cannot be set up here ("+env.IOUringUnusable+")"
		} else {
			p.ServerEngine, p.ServerEngineWhy = "io_uring", "auto: io_uring can be set up here"
		}
	}
	return nil
}
