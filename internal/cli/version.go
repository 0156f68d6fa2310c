package cli

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/server"
)

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print Coffer's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			v := api.Version{Version: server.Version, GoVersion: runtime.Version()}
			if a.jsonOutput() {
				return a.printJSON(v)
			}
			_, err := fmt.Fprintf(a.env.Stdout, "coffer %s (%s)\n", v.Version, v.GoVersion)
			return err
		},
	}
}
