module github.com/c1m-testbed/c1m-testbed

go 1.26.8
