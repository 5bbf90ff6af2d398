package app

import (
	"fmt"
	"os"
	"strings"

	"github.com/BurntSushi/toml"

	"onescreen/city"
)

// LoadSiteConfig reads the site settings (docs/config.md) from a TOML file
// over the documented defaults. An empty path gives the defaults. Unknown
// keys are an error, so a misspelt setting is never silently ignored.
func LoadSiteConfig(path string) (city.SiteConfig, error) {
	cfg := city.DefaultSiteConfig()
	if path == "" {
		return cfg, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("site config: %w", err)
	}
	md, err := toml.Decode(string(b), &cfg)
	if err != nil {
		return cfg, fmt.Errorf("site config %s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return cfg, fmt.Errorf("site config %s: unknown keys: %s", path, strings.Join(keys, ", "))
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("site config %s: %w", path, err)
	}
	return cfg, nil
}
