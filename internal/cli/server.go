package cli

import (
	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/internal/server"
)

func (a *app) serverCommand() *cobra.Command {
	return &cobra.Command{
		Use:                "server",
		Short:              "Run the Coffer server (see coffer server --help for every setting)",
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return server.Main(cmd.Context(), args, a.env.Getenv, a.env.Stdout, a.env.Stderr)
		},
	}
}
