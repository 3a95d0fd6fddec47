package imports

import (
	"encoding/json"
	"fmt"

	"github.com/tessera-auth/tessera/otp"
)

// LastPass Authenticator's JSON export (version 3): "accounts" with the
// issuer, user name, base32 secret, time step, digits and algorithm, and
// "folders" they sit in.

type lastpassFile struct {
	Version  int `json:"version"`
	Accounts []struct {
		IssuerName         string `json:"issuerName"`
		OriginalIssuerName string `json:"originalIssuerName"`
		UserName           string `json:"userName"`
		OriginalUserName   string `json:"originalUserName"`
		Secret             string `json:"secret"`
		TimeStep           int    `json:"timeStep"`
		Digits             int    `json:"digits"`
		Algorithm          string `json:"algorithm"`
		IsFavorite         bool   `json:"isFavorite"`
		FolderData         *struct {
			FolderID int `json:"folderId"`
		} `json:"folderData"`
	} `json:"accounts"`
	Folders []struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	} `json:"folders"`
}

func readLastPass(data []byte, _ *Options, r *Result) error {
	var f lastpassFile
	if err := json.Unmarshal(trimBOM(data), &f); err != nil {
		return fmt.Errorf("lastpass: %v", jsonErr(err))
	}
	if f.Accounts == nil {
		return notThis("lastpass", `"accounts"`)
	}
	folders := map[int]string{}
	for _, fo := range f.Folders {
		folders[fo.ID] = fo.Name
	}
	for i, a := range f.Accounts {
		alg, err := parseAlgorithm(a.Algorithm)
		if err != nil {
			r.problem(pos(i), "%v", err)
			continue
		}
		secret, err := decodeSecret(a.Secret)
		if err != nil {
			r.problem(pos(i), "%v", err)
			continue
		}
		issuer, account := a.IssuerName, a.UserName
		if issuer == "" {
			issuer = a.OriginalIssuerName
		}
		if account == "" {
			account = a.OriginalUserName
		}
		e := otpEntry(otp.TOTP, alg, a.Digits, a.TimeStep, 0, secret, issuer, account)
		e.Favourite = a.IsFavorite
		if a.FolderData != nil {
			e.Tags = addTag(e.Tags, folders[a.FolderData.FolderID])
		}
		r.add(pos(i), e)
	}
	return nil
}
