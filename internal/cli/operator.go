package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/api"
)

func (a *app) operatorCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "operator", Short: "Seal, unseal and rotate the root key"}
	var shares, threshold int
	initCmd := &cobra.Command{
		Use:   "init",
		Short: "Create the root key of a --seal=shamir server and print its unseal shares (once)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c := a.anonymousClient()
			res, err := c.Init(cmd.Context(), shares, threshold)
			if err != nil {
				return err
			}
			if a.jsonOutput() {
				return a.printJSON(res)
			}
			fmt.Fprintf(a.env.Stdout, "Root key %s created. Unseal shares (any %d of %d unseal Coffer):\n\n",
				res.RootKeyID, res.Threshold, len(res.Shares))
			for i, s := range res.Shares {
				fmt.Fprintf(a.env.Stdout, "Share %d: %s\n", i+1, s)
			}
			fmt.Fprintf(a.env.Stderr, "\nThese shares are shown once. Give each to a different person and store them apart.\n")
			return nil
		},
	}
	initCmd.Flags().IntVar(&shares, "shares", 5, "number of shares to create")
	initCmd.Flags().IntVar(&threshold, "threshold", 3, "number of shares needed to unseal")

	unseal := &cobra.Command{
		Use:   "unseal [SHARE]",
		Short: "Send one unseal share (read from stdin when not given)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			share, err := a.argOrStdin(args)
			if err != nil {
				return err
			}
			c := a.anonymousClient()
			st, err := c.Unseal(cmd.Context(), share)
			if err != nil {
				return err
			}
			return a.printSealStatus(st)
		},
	}
	status := &cobra.Command{
		Use: "seal-status", Short: "Show whether Coffer is sealed", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c := a.anonymousClient()
			st, err := c.SealStatus(cmd.Context())
			if err != nil {
				return err
			}
			return a.printSealStatus(st)
		},
	}
	seal := &cobra.Command{
		Use: "seal", Short: "Seal a --seal=shamir server (needs the operator administrator)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			st, err := c.Seal(cmd.Context())
			if err != nil {
				return err
			}
			return a.printSealStatus(st)
		},
	}
	rotate := &cobra.Command{
		Use: "rotate-root-key", Short: "Re-wrap every data key under a new root key, online", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			res, err := c.RotateRootKey(cmd.Context())
			if err != nil {
				return err
			}
			if a.jsonOutput() {
				return a.printJSON(res)
			}
			fmt.Fprintf(a.env.Stdout, "Root key rotated: new root key %s, %d data keys re-wrapped.\n", res.RootKeyID, res.DataKeys)
			for i, s := range res.Shares {
				fmt.Fprintf(a.env.Stdout, "New share %d: %s\n", i+1, s)
			}
			return nil
		},
	}
	cmd.AddCommand(initCmd, unseal, status, seal, rotate)
	return cmd
}

func (a *app) argOrStdin(args []string) (string, error) {
	if len(args) == 1 {
		return args[0], nil
	}
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := a.env.Stdin.Read(buf)
		b.Write(buf[:n])
		if err != nil || b.Len() > 1<<16 {
			break
		}
	}
	v := strings.TrimSpace(b.String())
	if v == "" {
		return "", usagef("give the share as an argument or on standard input")
	}
	return v, nil
}

func (a *app) printSealStatus(st *api.SealStatus) error {
	if a.jsonOutput() {
		return a.printJSON(st)
	}
	fmt.Fprintf(a.env.Stdout, "Seal type:    %s\nInitialized:  %t\nSealed:       %t\n", st.Type, st.Initialized, st.Sealed)
	if st.Threshold > 0 {
		fmt.Fprintf(a.env.Stdout, "Progress:     %d/%d\n", st.Progress, st.Threshold)
	}
	if st.RootKeyID != "" {
		fmt.Fprintf(a.env.Stdout, "Root key id:  %s\n", st.RootKeyID)
	}
	return nil
}
