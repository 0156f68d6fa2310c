package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
)

// groupCommands are `coffer resource groups`, `group` and `group-create`.
func (a *app) groupCommands() []*cobra.Command {
	list := &cobra.Command{
		Use: "groups", Short: "List the resource groups of the account", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			a.progress("Getting resource groups under account %s as %s...", cl.AccountID, cl.IAMID)
			l, err := cl.c.ListResourceGroups(cmd.Context(), client.ListResourceGroupsOptions{})
			if err != nil {
				return err
			}
			if a.jsonOutput() {
				return a.printJSON(nonNil(l.Resources))
			}
			a.ok()
			t := newTable(a.env.Stdout, "Name", "ID", "Default Group", "State")
			for _, g := range l.Resources {
				t.row(g.Name, g.ID, boolStr(g.Default), g.State)
			}
			return t.flush()
		},
	}
	show := &cobra.Command{
		Use: "group NAME", Short: "Show a resource group", Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			a.progress("Getting resource group %s under account %s as %s...", args[0], cl.AccountID, cl.IAMID)
			g, err := resolveGroup(cmd.Context(), cl, args[0])
			if err != nil {
				return err
			}
			a.ok()
			return a.printGroup(g)
		},
	}
	create := &cobra.Command{
		Use: "group-create NAME", Short: "Create a resource group", Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			a.progress("Creating resource group %s under account %s as %s...", args[0], cl.AccountID, cl.IAMID)
			g, err := cl.c.CreateResourceGroup(cmd.Context(), api.CreateResourceGroupRequest{Name: args[0]})
			if err != nil {
				return err
			}
			a.ok()
			return a.printGroup(g)
		},
	}
	return []*cobra.Command{list, show, create}
}

// resolveGroup finds a resource group of the caller's account by name, or
// by id when no group has that name; "" is the default group.
func resolveGroup(ctx context.Context, cl *caller, arg string) (*api.ResourceGroup, error) {
	opts := client.ListResourceGroupsOptions{Name: arg}
	if arg == "" {
		opts = client.ListResourceGroupsOptions{Default: "true"}
	}
	l, err := cl.c.ListResourceGroups(ctx, opts)
	if err != nil {
		return nil, err
	}
	if len(l.Resources) == 0 && arg != "" {
		if g, err := cl.c.ResourceGroup(ctx, arg); err == nil {
			return g, nil
		}
	}
	if arg == "" && len(l.Resources) == 1 {
		return &l.Resources[0], nil
	}
	g, err := pick("resource group", arg, l.Resources, func(g api.ResourceGroup) string { return g.Name },
		func(g api.ResourceGroup) string { return g.ID })
	return &g, err
}

func (a *app) printGroup(g *api.ResourceGroup) error {
	if a.jsonOutput() {
		return a.printJSON(g)
	}
	return printKV(a.env.Stdout, "Name:", g.Name, "Account ID:", g.AccountID, "ID:", g.ID, "Default Resource Group:",
		boolStr(g.Default), "State:", g.State, "CRN:", g.CRN)
}
