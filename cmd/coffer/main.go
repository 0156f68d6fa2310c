// Command coffer is Coffer's server, CLI and compute runner in one binary.
package main

import (
	"context"
	"os"

	"github.com/cofferhq/coffer/internal/cli"
)

func main() {
	os.Exit(cli.Run(context.Background(), os.Args[1:], cli.OSEnv()))
}
