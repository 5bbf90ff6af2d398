package ui

import (
	"fmt"
	"os"

	"fyne.io/fyne/v2/lang"

	"onescreen/assets"
)

// Languages the interface speaks: Chinese by default, English on request.
const (
	LangZH = "zh"
	LangEN = "en"
)

// SetLanguage makes Fyne's translation API (lang.L) answer in code ("zh" or
// "en"), whatever the system locale says. Every UI string goes through
// lang.L with the English text as its key; assets/translations holds the
// Chinese. Call it before building a window, and rebuild the window's
// content after a change.
func SetLanguage(code string) error {
	var loc string
	switch code {
	case LangZH:
		loc = "zh_CN.UTF-8"
	case LangEN:
		loc = "en_US.UTF-8"
	default:
		return fmt.Errorf("language %q: want zh or en", code)
	}
	// Fyne reads the locale from the environment (LC_ALL, LC_MESSAGES,
	// LANG, then LANGUAGE) each time translations are added.
	_ = os.Unsetenv("LC_ALL")
	_ = os.Setenv("LC_MESSAGES", loc)
	_ = os.Setenv("LANGUAGE", code)
	if err := lang.AddTranslationsFS(assets.Translations, "translations"); err != nil {
		return fmt.Errorf("load translations: %w", err)
	}
	currentLang = code
	return nil
}

func isZH() bool { return currentLang == LangZH }
