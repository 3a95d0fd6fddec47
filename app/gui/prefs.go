package gui

import (
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/tessera-auth/tessera/app/clipboard"
)

// Preference keys, stored through Fyne's preferences API. The number of
// backups kept is the vault's own setting (vault.Vault.SetBackupsKept), so
// the CLI and the GUI agree on it.
const (
	prefAutoLock     = "autolock_seconds"
	prefLockOnScreen = "lock_on_screen_lock"
	prefClearAfter   = "clipboard_clear_seconds"
	prefTheme        = "theme"
	prefVaultPath    = "vault_path"
	prefSort         = "sort"
	prefGroupByTag   = "group_by_tag"
	prefIconPacks    = "icon_packs"
)

// defaultAutoLock is the idle time after which the vault locks unless the
// settings say otherwise.
const defaultAutoLock = 5 * time.Minute

// Theme choices.
const (
	themeSystem = "system"
	themeLight  = "light"
	themeDark   = "dark"
)

// Sort orders of the main list.
const (
	sortManual   = "Manual order"
	sortName     = "By name"
	sortLastUsed = "Last used first"
	sortMostUsed = "Most used first"
)

// settings reads and writes the person's choices.
type settings struct{ p fyne.Preferences }

// autoLock is the idle time after which the vault locks; 0 never locks.
func (s settings) autoLock() time.Duration {
	return time.Duration(s.p.IntWithFallback(prefAutoLock, int(defaultAutoLock/time.Second))) * time.Second
}

func (s settings) lockOnScreenLock() bool { return s.p.BoolWithFallback(prefLockOnScreen, true) }

// clearAfter is how long a copied code stays on the clipboard; 0 keeps it.
func (s settings) clearAfter() time.Duration {
	return time.Duration(s.p.IntWithFallback(prefClearAfter, int(clipboard.DefaultClearAfter/time.Second))) * time.Second
}

func (s settings) theme() string     { return s.p.StringWithFallback(prefTheme, themeSystem) }
func (s settings) vaultPath() string { return s.p.String(prefVaultPath) }
func (s settings) sortOrder() string { return s.p.StringWithFallback(prefSort, sortManual) }

// groupByTag is whether the list shows a section per tag.
func (s settings) groupByTag() bool { return s.p.Bool(prefGroupByTag) }

// applyTheme sets the app's theme from the setting.
func applyTheme(a fyne.App, choice string) {
	switch choice {
	case themeLight:
		a.Settings().SetTheme(fixedVariant{theme.DefaultTheme(), theme.VariantLight})
	case themeDark:
		a.Settings().SetTheme(fixedVariant{theme.DefaultTheme(), theme.VariantDark})
	default:
		a.Settings().SetTheme(theme.DefaultTheme())
	}
}

// fixedVariant is the default theme in one variant whatever the desktop
// prefers.
type fixedVariant struct {
	fyne.Theme
	v fyne.ThemeVariant
}

func (t fixedVariant) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.Theme.Color(n, t.v)
}
