package cli

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
)

func (a *app) loginCommand() *cobra.Command {
	var key, endpoint string
	cmd := &cobra.Command{
		Use:   "login --apikey KEY|@FILE [-a URL]",
		Short: "Log in to Coffer with an API key and keep the session in ~/.coffer/config.json",
		Long: `Log in with an API key: the key is exchanged for an IAM access token (which
verifies it), and the endpoint, the key, the token and its refresh token are
kept in ~/.coffer/config.json (mode 0600). Every other command uses this
session and gets new tokens when they expire: that is why the API key is
kept, as IBM's CLI keeps its refresh token. "coffer logout" removes it.

The key comes from --apikey (a value, or @FILE to read it from a file) or
from COFFER_APIKEY. -a may be omitted after a previous login.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.login(cmd.Context(), key, endpoint)
		},
	}
	cmd.Flags().StringVar(&key, "apikey", "", "API key, or @FILE to read it from FILE (default: COFFER_APIKEY)")
	cmd.Flags().StringVarP(&endpoint, "api-endpoint", "a", "", "Coffer URL (default: the previous login's)")
	return cmd
}

func (a *app) login(ctx context.Context, keyArg, endpoint string) error {
	s, _ := loadSession(a.env.HomeDir) // a broken file is replaced
	url := strings.TrimRight(firstNonEmpty(endpoint, a.url, a.env.Getenv("COFFER_URL"), s.URL), "/")
	if url == "" {
		return usagef("give Coffer's URL with -a URL")
	}
	key, err := a.readAPIKey(keyArg)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.env.Stderr, "API endpoint: %s\nAuthenticating...\n", url)
	c := client.New(client.Config{URL: url, UserAgent: "coffer-cli"})
	res, err := c.ExchangeAPIKey(ctx, key)
	if err != nil {
		return err
	}
	iamID, accountID := tokenIdentity(res.AccessToken.Reveal())
	if iamID == "" || accountID == "" {
		k, err := client.New(client.Config{URL: url, Token: res.AccessToken.Sensitive()}).APIKeyDetails(ctx, key)
		if err != nil {
			return fmt.Errorf("finding who the API key belongs to: %w", err)
		}
		iamID, accountID = k.IAMID, k.AccountID
	}
	*s = session{URL: url, APIKey: api.WireSecret(key.Reveal()), IAMID: iamID, AccountID: accountID}
	s.setToken(*res)
	if err := saveSession(a.env.HomeDir, s); err != nil {
		return err
	}
	fmt.Fprintf(a.env.Stderr, "OK\n\n")
	return a.printTarget(s)
}

// readAPIKey returns the key of --apikey (a value or @FILE) or COFFER_APIKEY.
func (a *app) readAPIKey(arg string) (api.Sensitive, error) {
	if arg == "" {
		arg = a.env.Getenv("COFFER_APIKEY")
	}
	if file, ok := strings.CutPrefix(arg, "@"); ok {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", usagef("reading the API key: %v", err)
		}
		arg = apiKeyFromFile(b)
	}
	if arg = strings.TrimSpace(arg); arg == "" {
		return "", usagef("give the API key with --apikey KEY, --apikey @FILE or COFFER_APIKEY")
	}
	return api.Sensitive(arg), nil
}

// apiKeyFromFile accepts a file holding the key alone or the JSON written by
// api-key-create --file (an object with an "apikey" field).
func apiKeyFromFile(b []byte) string {
	var k struct {
		APIKey string `json:"apikey"`
	}
	if json.Unmarshal(b, &k) == nil && k.APIKey != "" {
		return k.APIKey
	}
	return strings.TrimSpace(string(b))
}

// setToken stores a newly issued token in the session.
func (s *session) setToken(res api.TokenResponse) {
	s.AccessToken, s.Expiration = res.AccessToken, res.Expiration
	if res.RefreshToken != "" {
		s.RefreshToken = res.RefreshToken
	}
	if s.Expiration == 0 && res.ExpiresIn > 0 {
		s.Expiration = time.Now().Unix() + res.ExpiresIn
	}
}

// sessionConfig makes cfg use the stored session, saving renewed tokens.
func (a *app) sessionConfig(cfg *client.Config, s *session) {
	cfg.APIKey, cfg.Token, cfg.RefreshToken = s.APIKey.Sensitive(), s.AccessToken.Sensitive(), s.RefreshToken.Sensitive()
	if s.Expiration > 0 {
		cfg.TokenExpiration = time.Unix(s.Expiration, 0)
	}
	cfg.OnToken = func(res api.TokenResponse) {
		s.setToken(res)
		if err := saveSession(a.env.HomeDir, s); err != nil {
			fmt.Fprintf(a.env.Stderr, "Warning: could not save the renewed token: %s\n", api.Message(err))
		}
	}
}

func (a *app) logoutCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "logout",
		Short: "Remove the stored API key and tokens (the endpoint stays)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, _ := loadSession(a.env.HomeDir)
			s.logout()
			fmt.Fprintf(a.env.Stderr, "Logging out...\n")
			if err := saveSession(a.env.HomeDir, s); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stderr, "OK\n")
			return nil
		},
	}
}

func (a *app) targetCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "target",
		Short: "Show the endpoint, account and identity the CLI uses",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := loadSession(a.env.HomeDir)
			if err != nil {
				return err
			}
			return a.printTarget(s)
		},
	}
}

// target is the JSON of `coffer target`.
type target struct {
	URL       string `json:"url"`
	AccountID string `json:"account_id,omitempty"`
	IAMID     string `json:"iam_id,omitempty"`
	LoggedIn  bool   `json:"logged_in"`
}

func (a *app) printTarget(s *session) error {
	t := target{URL: firstNonEmpty(a.url, a.env.Getenv("COFFER_URL"), s.URL, client.DefaultURL),
		AccountID: s.AccountID, IAMID: s.IAMID, LoggedIn: s.loggedIn()}
	if a.jsonOutput() {
		return a.printJSON(t)
	}
	if !t.LoggedIn {
		t.AccountID, t.IAMID = "(not logged in: coffer login --apikey KEY -a URL)", ""
	}
	return printKV(a.env.Stdout, "API endpoint:", t.URL, "Account:", t.AccountID, "IAM ID:", t.IAMID)
}

// tokenIdentity reads iam_id and account.bss from an access token's claims
// without verifying it (the server does; this only labels the session).
func tokenIdentity(token string) (iamID, accountID string) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", ""
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", ""
	}
	var c struct {
		IAMID   string `json:"iam_id"`
		Account struct {
			BSS string `json:"bss"`
		} `json:"account"`
	}
	if json.Unmarshal(b, &c) != nil {
		return "", ""
	}
	return c.IAMID, c.Account.BSS
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
