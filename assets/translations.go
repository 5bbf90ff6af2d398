package assets

import "embed"

// Translations holds the interface's translation bundles for Fyne's lang
// package: English text is the key, translations/zh.json gives the Chinese.
//
//go:embed translations/*.json
var Translations embed.FS
