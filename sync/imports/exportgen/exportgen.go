// Package exportgen writes other authenticator apps' export formats from
// vault entries, with the parameters those apps document, so that the
// importers in sync/imports are tested against files made the way the apps
// make them rather than against copies of anybody's test files. It is test
// support: nothing in Tessera's own code paths uses it.
package exportgen

import (
	"bytes"
	"cmp"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/scrypt"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

// Options change how an export is written.
type Options struct {
	Passphrase []byte // encrypt with it; nil writes the plain form
	Legacy     bool   // andOTP's SHA-256 key, Authenticator Pro's "AuthenticatorPro" header
	Argon2     bool   // Bitwarden: Argon2id instead of PBKDF2
	Icons      bool   // embed an icon in every entry, where the format can

	// Key derivation costs written into the file, where the format lets
	// the file say; zero means the app's own default.
	ScryptN      int    // Aegis
	PBKDF2Rounds int    // andOTP, Bitwarden
	Argon2Memory uint64 // bytes: Ente, Bitwarden
	Argon2Passes uint64 // Ente, Bitwarden
}

// Formats lists the names Write takes.
var Formats = []string{"uris", "aegis", "2fas", "andotp", "ente", "bitwarden", "bitwarden-csv",
	"freeotp", "proton", "authpro", "lastpass", "keepassxc", "steam"}

// Write returns entries in the named format.
func Write(format string, entries []vault.Entry, o Options) ([]byte, error) {
	switch format {
	case "uris":
		return uris(entries), nil
	case "aegis":
		return aegisFile(entries, o)
	case "2fas":
		return twofas(entries, o)
	case "andotp":
		return andotp(entries, o)
	case "ente":
		return ente(entries, o)
	case "bitwarden":
		return bitwarden(entries, o)
	case "bitwarden-csv":
		return bitwardenCSV(entries)
	case "freeotp":
		return freeotp(entries)
	case "proton":
		return proton(entries, o)
	case "authpro":
		return authpro(entries, o)
	case "lastpass":
		return lastpass(entries)
	case "keepassxc":
		return keepassxc(entries)
	case "steam":
		return steam(entries)
	}
	return nil, fmt.Errorf("exportgen: format %q unknown", format)
}

// tinyPNG is a 1x1 PNG, the icon written with Options.Icons.
var tinyPNG, _ = base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg==")

func random(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func uuid() string {
	b := random(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func gcmSeal(key, nonce, pt, ad []byte) []byte {
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	aead, err := cipher.NewGCMWithNonceSize(block, len(nonce))
	if err != nil {
		panic(err)
	}
	return aead.Seal(nil, nonce, pt, ad)
}

func cbcSeal(key, iv, pt []byte) []byte {
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	n := aes.BlockSize - len(pt)%aes.BlockSize
	padded := append(slices.Clone(pt), bytes.Repeat([]byte{byte(n)}, n)...)
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(padded, padded)
	return padded
}

func kindName(e *vault.Entry) string { return e.OTP.Kind.String() }

func uris(entries []vault.Entry) []byte {
	var b bytes.Buffer
	for i := range entries {
		c := entries[i].OTP
		c.Issuer, c.Account = entries[i].Issuer, entries[i].Account
		b.WriteString(otp.FormatURI(&c))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// tagIDs gives every tag of entries an ID from id(name).
func tagIDs(entries []vault.Entry, id func(string) string) (names []string, ids map[string]string) {
	ids = map[string]string{}
	for _, e := range entries {
		for _, t := range e.Tags {
			if _, ok := ids[t]; !ok {
				ids[t] = id(t)
				names = append(names, t)
			}
		}
	}
	return names, ids
}

func aegisFile(entries []vault.Entry, o Options) ([]byte, error) {
	names, ids := tagIDs(entries, func(string) string { return uuid() })
	type group struct {
		UUID string `json:"uuid"`
		Name string `json:"name"`
	}
	db := map[string]any{"version": 3}
	var groups []group
	for _, n := range names {
		groups = append(groups, group{ids[n], n})
	}
	db["groups"] = groups
	var list []map[string]any
	for _, e := range entries {
		info := map[string]any{"secret": otp.EncodeSecret(e.OTP.Secret), "algo": e.OTP.Algorithm.String(), "digits": e.OTP.EffectiveDigits()}
		if e.OTP.Kind == otp.HOTP {
			info["counter"] = e.OTP.Counter
		} else {
			info["period"] = e.OTP.EffectivePeriod()
		}
		var gids []string
		for _, t := range e.Tags {
			gids = append(gids, ids[t])
		}
		ae := map[string]any{"type": kindName(&e), "uuid": uuid(), "name": e.Account, "issuer": e.Issuer,
			"note": e.Note, "favorite": e.Favourite, "icon": nil, "info": info, "groups": gids}
		if o.Icons {
			ae["icon"] = base64.StdEncoding.EncodeToString(tinyPNG)
			ae["icon_mime"] = "image/png"
		}
		list = append(list, ae)
	}
	db["entries"] = list
	dbJSON, err := json.Marshal(db)
	if err != nil {
		return nil, err
	}
	if o.Passphrase == nil {
		return json.MarshalIndent(map[string]any{"version": 1, "header": map[string]any{"slots": nil, "params": nil}, "db": json.RawMessage(dbJSON)}, "", "    ")
	}
	n := o.ScryptN
	if n == 0 {
		n = 1 << 15
	}
	master := random(32)
	salt := random(32)
	kek, err := scrypt.Key(o.Passphrase, salt, n, 8, 1, 32)
	if err != nil {
		return nil, err
	}
	slotNonce := random(12)
	wrapped := gcmSeal(kek, slotNonce, master, nil)
	nonce := random(12)
	ct := gcmSeal(master, nonce, dbJSON, nil)
	slot := map[string]any{"type": 1, "uuid": uuid(), "key": hex.EncodeToString(wrapped[:32]),
		"key_params": map[string]string{"nonce": hex.EncodeToString(slotNonce), "tag": hex.EncodeToString(wrapped[32:])},
		"n":          n, "r": 8, "p": 1, "salt": hex.EncodeToString(salt), "repaired": true, "is_backup": false}
	bio := map[string]any{"type": 2, "uuid": uuid(), "key": hex.EncodeToString(random(32)),
		"key_params": map[string]string{"nonce": hex.EncodeToString(random(12)), "tag": hex.EncodeToString(random(16))}}
	return json.MarshalIndent(map[string]any{"version": 1,
		"header": map[string]any{"slots": []any{bio, slot},
			"params": map[string]string{"nonce": hex.EncodeToString(nonce), "tag": hex.EncodeToString(ct[len(ct)-16:])}},
		"db": base64.StdEncoding.EncodeToString(ct[:len(ct)-16])}, "", "    ")
}

func twofas(entries []vault.Entry, o Options) ([]byte, error) {
	names, ids := tagIDs(entries, func(string) string { return uuid() })
	var groups []map[string]any
	for _, n := range names {
		groups = append(groups, map[string]any{"id": ids[n], "name": n, "isExpanded": true})
	}
	var services []map[string]any
	for i, e := range entries {
		o := map[string]any{"label": e.Issuer + ":" + e.Account, "account": e.Account, "issuer": e.Issuer,
			"digits": e.OTP.EffectiveDigits(), "algorithm": e.OTP.Algorithm.String(),
			"tokenType": strings.ToUpper(kindName(&e)), "source": "Link"}
		if e.OTP.Kind == otp.HOTP {
			o["counter"] = e.OTP.Counter
		} else {
			o["period"] = e.OTP.EffectivePeriod()
		}
		s := map[string]any{"name": e.Issuer, "secret": otp.EncodeSecret(e.OTP.Secret), "updatedAt": 1700000000000,
			"otp": o, "order": map[string]int{"position": i}, "badge": map[string]string{"color": "Default"}}
		if e.Note != "" {
			s["notes"] = e.Note
		}
		if len(e.Tags) > 0 {
			s["groupId"] = ids[e.Tags[0]]
		}
		services = append(services, s)
	}
	file := map[string]any{"services": services, "groups": groups, "updatedAt": 1700000000000,
		"schemaVersion": 4, "appVersionCode": 5000000, "appVersionName": "5.0.0", "appOrigin": "android"}
	if o.Passphrase != nil {
		pt, err := json.Marshal(services)
		if err != nil {
			return nil, err
		}
		salt, iv := random(256), random(12)
		key, err := pbkdf2.Key(sha256.New, string(o.Passphrase), salt, 10000, 32)
		if err != nil {
			return nil, err
		}
		ct := gcmSeal(key, iv, pt, nil)
		b64 := base64.StdEncoding.EncodeToString
		file["services"] = []any{}
		file["servicesEncrypted"] = b64(ct) + ":" + b64(salt) + ":" + b64(iv)
		ref := gcmSeal(key, random(12), []byte("tRViSsLKzd86Hprh4ceC2OP7xazn4rrt4xhfEUbOjxLX8Rc3mkISXE0lWbmnWfggogbBJhtYgpK6fMl1D6mtsy92R3HkdGfwuXbzLebqVFJsR7IZ2w58t938iymwG4824igYy1wi6n2WDpO1Q1P69zwJGs2F5a1qP4MyIiDSD7NCV2OvidXQCBnDlGfmz0f1BQySRkkt4ryiJeCjD2o4QsveJ9uDBUn8ELyOrESv5R5DMDkD4iAF8TqSGAkHbvYO"), nil)
		file["reference"] = b64(ref)
	}
	return json.MarshalIndent(file, "", "  ")
}

func andotp(entries []vault.Entry, o Options) ([]byte, error) {
	var list []map[string]any
	for _, e := range entries {
		a := map[string]any{"secret": otp.EncodeSecret(e.OTP.Secret), "issuer": e.Issuer, "label": e.Account,
			"digits": e.OTP.EffectiveDigits(), "type": strings.ToUpper(kindName(&e)), "algorithm": e.OTP.Algorithm.String(),
			"thumbnail": "Default", "last_used": 1700000000000, "used_frequency": 0, "tags": append([]string{}, e.Tags...)}
		if o.Icons {
			a["thumbnail"] = "Github"
		}
		if e.OTP.Kind == otp.HOTP {
			a["counter"] = e.OTP.Counter
		} else {
			a["period"] = e.OTP.EffectivePeriod()
		}
		list = append(list, a)
	}
	pt, err := json.Marshal(list)
	if err != nil || o.Passphrase == nil {
		return pt, err
	}
	nonce := random(12)
	if o.Legacy {
		key := sha256.Sum256(o.Passphrase)
		return append(nonce, gcmSeal(key[:], nonce, pt, nil)...), nil
	}
	rounds := o.PBKDF2Rounds
	if rounds == 0 {
		rounds = 150000
	}
	salt := random(12)
	key, err := pbkdf2.Key(sha1.New, string(o.Passphrase), salt, rounds, 32)
	if err != nil {
		return nil, err
	}
	out := binary.BigEndian.AppendUint32(nil, uint32(rounds))
	out = append(out, salt...)
	out = append(out, nonce...)
	return append(out, gcmSeal(key, nonce, pt, nil)...), nil
}

// enteURIs is Ente's plain export: URIs with its codeDisplay parameter.
func enteURIs(entries []vault.Entry) []byte {
	var b bytes.Buffer
	for _, e := range entries {
		c := e.OTP
		c.Issuer, c.Account = e.Issuer, e.Account
		d, _ := json.Marshal(map[string]any{"pinned": e.Favourite, "trashed": false, "lastUsedAt": 0, "tapCount": 0,
			"tags": append([]string{}, e.Tags...), "note": e.Note, "position": 0, "iconSrc": "", "iconID": ""})
		b.WriteString(otp.FormatURI(&c) + "&codeDisplay=" + strings.ReplaceAll(urlEscape(string(d)), "+", "%20"))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func ente(entries []vault.Entry, o Options) ([]byte, error) {
	pt := enteURIs(entries)
	if o.Passphrase == nil {
		return pt, nil
	}
	mem, passes := o.Argon2Memory, o.Argon2Passes
	if mem == 0 {
		mem, passes = 64<<20, 2 // libsodium's "interactive" limits
	}
	salt := random(16)
	key := argon2.IDKey(o.Passphrase, salt, uint32(passes), uint32(mem>>10), 1, 32)
	header, ct := SecretstreamSeal(key, [][]byte{pt}, nil)
	return json.MarshalIndent(map[string]any{"version": 1,
		"kdfParams":       map[string]any{"memLimit": mem, "opsLimit": passes, "salt": base64.StdEncoding.EncodeToString(salt)},
		"encryptedData":   base64.StdEncoding.EncodeToString(ct),
		"encryptionNonce": base64.StdEncoding.EncodeToString(header)}, "", "  ")
}

func bitwardenItems(entries []vault.Entry) (folders []map[string]any, items []map[string]any) {
	names, ids := tagIDs(entries, func(string) string { return uuid() })
	for _, n := range names {
		folders = append(folders, map[string]any{"id": ids[n], "name": n})
	}
	for _, e := range entries {
		it := map[string]any{"id": uuid(), "organizationId": nil, "type": 1, "reprompt": 0, "name": e.Issuer,
			"notes": nilIfEmpty(e.Note), "favorite": e.Favourite, "fields": []any{}, "collectionIds": nil,
			"login": map[string]any{"uris": []any{}, "username": e.Account, "password": "hunter2", "totp": bitwardenTOTP(e)}}
		if len(e.Tags) > 0 {
			it["folderId"] = ids[e.Tags[0]]
		} else {
			it["folderId"] = nil
		}
		items = append(items, it)
	}
	// A login without a one-time code, which importers pass over.
	items = append(items, map[string]any{"id": uuid(), "type": 1, "name": "Forum", "favorite": false,
		"login": map[string]any{"username": "x", "password": "y", "totp": nil}})
	return folders, items
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// bitwardenTOTP writes what Bitwarden keeps in login.totp: steam://SECRET
// for Steam, else an otpauth URI.
func bitwardenTOTP(e vault.Entry) string {
	if e.OTP.Kind == otp.Steam {
		return "steam://" + otp.EncodeSecret(e.OTP.Secret)
	}
	c := e.OTP
	c.Issuer, c.Account = e.Issuer, e.Account
	return otp.FormatURI(&c)
}

func bitwarden(entries []vault.Entry, o Options) ([]byte, error) {
	folders, items := bitwardenItems(entries)
	plain, err := json.MarshalIndent(map[string]any{"encrypted": false, "folders": folders, "items": items}, "", "  ")
	if err != nil || o.Passphrase == nil {
		return plain, err
	}
	salt := base64.StdEncoding.EncodeToString(random(16))
	file := map[string]any{"encrypted": true, "passwordProtected": true, "salt": salt}
	var key []byte
	if o.Argon2 {
		mem, passes := o.Argon2Memory, o.Argon2Passes
		if mem == 0 {
			mem, passes = 64<<20, 3
		}
		s := sha256.Sum256([]byte(salt))
		key = argon2.IDKey(o.Passphrase, s[:], uint32(passes), uint32(mem>>10), 4, 32)
		file["kdfType"], file["kdfIterations"], file["kdfMemory"], file["kdfParallelism"] = 1, passes, mem>>20, 4
	} else {
		rounds := o.PBKDF2Rounds
		if rounds == 0 {
			rounds = 600000
		}
		key, err = pbkdf2.Key(sha256.New, string(o.Passphrase), []byte(salt), rounds, 32)
		if err != nil {
			return nil, err
		}
		file["kdfType"], file["kdfIterations"] = 0, rounds
	}
	encKey, _ := hkdf.Expand(sha256.New, key, "enc", 32)
	macKey, _ := hkdf.Expand(sha256.New, key, "mac", 32)
	encString := func(pt []byte) string {
		iv := random(16)
		ct := cbcSeal(encKey, iv, pt)
		m := hmac.New(sha256.New, macKey)
		m.Write(iv)
		m.Write(ct)
		b64 := base64.StdEncoding.EncodeToString
		return "2." + b64(iv) + "|" + b64(ct) + "|" + b64(m.Sum(nil))
	}
	file["encKeyValidation_DO_NOT_EDIT"] = encString([]byte(uuid()))
	file["data"] = encString(plain)
	return json.MarshalIndent(file, "", "  ")
}

func bitwardenCSV(entries []vault.Entry) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"folder", "favorite", "type", "name", "notes", "fields", "reprompt", "login_uri", "login_username", "login_password", "login_totp"})
	for _, e := range entries {
		fav, folder := "", ""
		if e.Favourite {
			fav = "1"
		}
		if len(e.Tags) > 0 {
			folder = e.Tags[0]
		}
		w.Write([]string{folder, fav, "login", e.Issuer, e.Note, "", "0", "https://example.com", e.Account, "hunter2", bitwardenTOTP(e)})
	}
	w.Write([]string{"", "", "note", "Wifi", "the password is on the fridge", "", "0", "", "", "", ""})
	w.Flush()
	return b.Bytes(), w.Error()
}

func freeotp(entries []vault.Entry) ([]byte, error) {
	var tokens []map[string]any
	var order []string
	for _, e := range entries {
		secret := make([]int, len(e.OTP.Secret))
		for i, c := range e.OTP.Secret {
			secret[i] = int(int8(c))
		}
		t := map[string]any{"algo": e.OTP.Algorithm.String(), "digits": e.OTP.EffectiveDigits(), "issuerExt": e.Issuer,
			"issuerInt": e.Issuer, "label": e.Account, "period": 30, "secret": secret, "type": strings.ToUpper(kindName(&e)), "counter": 0}
		if e.OTP.Kind == otp.HOTP {
			t["counter"] = e.OTP.Counter - 1 // FreeOTP keeps the counter of the code before the next
		} else {
			t["period"] = e.OTP.EffectivePeriod()
		}
		tokens = append(tokens, t)
		order = append(order, e.Issuer+":"+e.Account)
	}
	return json.Marshal(map[string]any{"tokenOrder": order, "tokens": tokens})
}

func proton(entries []vault.Entry, o Options) ([]byte, error) {
	var list []map[string]any
	for _, e := range entries {
		typ, uri := "Totp", bitwardenTOTP(e)
		if e.OTP.Kind == otp.Steam {
			typ = "Steam"
		}
		list = append(list, map[string]any{"id": uuid(), "content": map[string]any{"id": uuid(), "uri": uri, "entry_type": typ, "name": e.Account}, "note": nilIfEmpty(e.Note)})
	}
	plain, err := json.Marshal(map[string]any{"version": 1, "entries": list})
	if err != nil || o.Passphrase == nil {
		return plain, err
	}
	salt, nonce := random(16), random(12)
	key := argon2.IDKey(o.Passphrase, salt, 2, 19<<10, 1, 32)
	ct := append(nonce, gcmSeal(key, nonce, plain, []byte("proton.authenticator.export.v1"))...)
	return json.Marshal(map[string]any{"version": 1, "salt": base64.StdEncoding.EncodeToString(salt), "content": base64.StdEncoding.EncodeToString(ct)})
}

func authpro(entries []vault.Entry, o Options) ([]byte, error) {
	names, ids := tagIDs(entries, func(n string) string {
		s := sha1.Sum([]byte(n))
		return hex.EncodeToString(s[:])[:8]
	})
	var cats, bindings, auths, icons []map[string]any
	for i, n := range names {
		cats = append(cats, map[string]any{"Id": ids[n], "Name": n, "Ranking": i})
	}
	for i, e := range entries {
		typ := map[otp.Kind]int{otp.HOTP: 1, otp.TOTP: 2, otp.Steam: 4}[e.OTP.Kind]
		icon := "default"
		if o.Icons {
			id := fmt.Sprintf("%08x", i)
			icon = "@" + id
			icons = append(icons, map[string]any{"Id": id, "Data": base64.StdEncoding.EncodeToString(tinyPNG)})
		}
		a := map[string]any{"Type": typ, "Icon": icon, "Issuer": e.Issuer, "Username": e.Account,
			"Secret": otp.EncodeSecret(e.OTP.Secret), "Pin": nil, "Algorithm": int(e.OTP.Algorithm),
			"Digits": e.OTP.EffectiveDigits(), "Period": cmp.Or(e.OTP.EffectivePeriod(), 30), "Counter": e.OTP.Counter,
			"Ranking": i, "CopyCount": e.Uses}
		auths = append(auths, a)
		for _, t := range e.Tags {
			bindings = append(bindings, map[string]any{"CategoryId": ids[t], "AuthenticatorSecret": otp.EncodeSecret(e.OTP.Secret), "Ranking": 0})
		}
	}
	plain, err := json.Marshal(map[string]any{"Authenticators": auths, "Categories": cats, "AuthenticatorCategories": bindings, "CustomIcons": icons})
	if err != nil || o.Passphrase == nil {
		return plain, err
	}
	if o.Legacy {
		salt, iv := random(20), random(16)
		key, err := pbkdf2.Key(sha1.New, string(o.Passphrase), salt, 64000, 32)
		if err != nil {
			return nil, err
		}
		out := append([]byte("AuthenticatorPro"), salt...)
		out = append(out, iv...)
		return append(out, cbcSeal(key, iv, plain)...), nil
	}
	salt, iv := random(16), random(12)
	key := argon2.IDKey(o.Passphrase, salt, 3, 64<<10, 4, 32)
	out := append([]byte("AUTHENTICATORPRO"), salt...)
	out = append(out, iv...)
	return append(out, gcmSeal(key, iv, plain, nil)...), nil
}

func lastpass(entries []vault.Entry) ([]byte, error) {
	names, _ := tagIDs(entries, func(string) string { return "" })
	folderID := map[string]int{}
	var folders []map[string]any
	for i, n := range names {
		folderID[n] = i + 2
		folders = append(folders, map[string]any{"id": i + 2, "name": n, "isOpened": true})
	}
	var accounts []map[string]any
	for i, e := range entries {
		a := map[string]any{"accountID": uuid(), "issuerName": e.Issuer, "originalIssuerName": e.Issuer,
			"userName": e.Account, "originalUserName": e.Account, "pushNotification": false,
			"secret": otp.EncodeSecret(e.OTP.Secret), "timeStep": e.OTP.EffectivePeriod(), "digits": e.OTP.EffectiveDigits(),
			"creationTimestamp": 1700000000000, "isFavorite": e.Favourite, "algorithm": e.OTP.Algorithm.String()}
		if len(e.Tags) > 0 {
			a["folderData"] = map[string]any{"folderId": folderID[e.Tags[0]], "position": i}
		}
		accounts = append(accounts, a)
	}
	return json.Marshal(map[string]any{"deviceId": "d", "deviceSecret": "s", "localDeviceId": "l", "deviceName": "phone",
		"version": 3, "accounts": accounts, "folders": folders})
}

// keepassxc writes the CSV KeePassXC exports: every field quoted, the
// TOTP column as Totp::writeSettings writes it with forceOtp.
func keepassxc(entries []vault.Entry) ([]byte, error) {
	q := func(fields ...string) string {
		for i, f := range fields {
			fields[i] = `"` + strings.ReplaceAll(f, `"`, `""`) + `"`
		}
		return strings.Join(fields, ",") + "\n"
	}
	var b strings.Builder
	b.WriteString(q("Group", "Title", "Username", "Password", "URL", "Notes", "TOTP", "Icon", "Last Modified", "Created"))
	for _, e := range entries {
		group := "Root"
		if len(e.Tags) > 0 {
			group = "Root/" + e.Tags[0]
		}
		user := e.Account
		if user == "" {
			user = "none"
		}
		totp := fmt.Sprintf("otpauth://totp/%s:%s?secret=%s&period=%d&digits=%d&issuer=%s",
			urlEscape(e.Issuer), urlEscape(user), otp.EncodeSecret(e.OTP.Secret), e.OTP.EffectivePeriod(), e.OTP.EffectiveDigits(), urlEscape(e.Issuer))
		if e.OTP.Kind == otp.Steam {
			totp += "&encoder=steam"
		}
		if e.OTP.Algorithm != otp.SHA1 {
			totp += "&algorithm=" + e.OTP.Algorithm.String()
		}
		b.WriteString(q(group, e.Issuer, e.Account, "hunter2", "https://example.com", e.Note, totp, "0", "2024-01-02T03:04:05Z", "2024-01-02T03:04:05Z"))
	}
	b.WriteString(q("Root", "No TOTP", "x", "y", "", "", "", "0", "2024-01-02T03:04:05Z", "2024-01-02T03:04:05Z"))
	return []byte(b.String()), nil
}

func steam(entries []vault.Entry) ([]byte, error) {
	if len(entries) != 1 {
		return nil, fmt.Errorf("exportgen: a .maFile holds one account, not %d", len(entries))
	}
	e := entries[0]
	return json.MarshalIndent(map[string]any{
		"shared_secret": base64.StdEncoding.EncodeToString(e.OTP.Secret), "serial_number": "1234567890",
		"revocation_code": "R12345", "uri": "otpauth://totp/Steam:" + e.Account + "?secret=" + otp.EncodeSecret(e.OTP.Secret) + "&issuer=Steam",
		"server_time": 1700000000, "account_name": e.Account, "token_gid": "abc", "identity_secret": base64.StdEncoding.EncodeToString(random(20)),
		"secret_1": base64.StdEncoding.EncodeToString(random(20)), "status": 1, "device_id": "android:" + uuid(),
		"fully_enrolled": true, "Session": map[string]any{"SteamID": 76561197960287930}}, "", "  ")
}

// urlEscape percent-encodes everything but unreserved characters, as
// Qt's QUrl::toPercentEncoding does.
func urlEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '.', c == '_', c == '~':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// SteamSDA writes a Steam Desktop Authenticator folder: one .maFile per
// account and manifest.json, the files encrypted as SDA does (PBKDF2-SHA1,
// 50,000 rounds, 8-byte salt, AES-256-CBC) when passphrase is not nil. It
// returns the files by name.
func SteamSDA(entries []vault.Entry, passphrase []byte) (map[string][]byte, error) {
	files := map[string][]byte{}
	var list []map[string]any
	for i, e := range entries {
		body, err := steam([]vault.Entry{e})
		if err != nil {
			return nil, err
		}
		steamID := 76561197960287930 + i
		name := fmt.Sprintf("%d.maFile", steamID)
		entry := map[string]any{"encryption_iv": nil, "encryption_salt": nil, "filename": name, "steamid": steamID}
		if passphrase != nil {
			salt, iv := random(8), random(16)
			key, err := pbkdf2.Key(sha1.New, string(passphrase), salt, 50000, 32)
			if err != nil {
				return nil, err
			}
			body = []byte(base64.StdEncoding.EncodeToString(cbcSeal(key, iv, body)))
			entry["encryption_iv"] = base64.StdEncoding.EncodeToString(iv)
			entry["encryption_salt"] = base64.StdEncoding.EncodeToString(salt)
		}
		files[name] = body
		list = append(list, entry)
	}
	m, err := json.Marshal(map[string]any{"encrypted": passphrase != nil, "first_run": false, "entries": list,
		"periodic_checking": false, "periodic_checking_interval": 5, "periodic_checking_checkall": false, "auto_confirm_market_transactions": false, "auto_confirm_trades": false})
	if err != nil {
		return nil, err
	}
	files["manifest.json"] = m
	return files, nil
}
