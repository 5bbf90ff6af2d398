package app

import (
	"fmt"
	"os"

	"onescreen/city"
)

// LoadSiteConfig reads the site settings (docs/config.md) from a TOML file
// over the documented defaults. An empty path gives the defaults. Unknown
// keys are an error, so a misspelt setting is never silently ignored.
func LoadSiteConfig(path string) (city.SiteConfig, error) {
	if path == "" {
		return city.DefaultSiteConfig(), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return city.DefaultSiteConfig(), fmt.Errorf("site config: %w", err)
	}
	cfg, err := city.ParseSiteConfig(string(b))
	if err != nil {
		return cfg, fmt.Errorf("site config %s: %w", path, err)
	}
	return cfg, nil
}
