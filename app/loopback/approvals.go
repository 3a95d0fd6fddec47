package loopback

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"

	"github.com/tessera-auth/tessera/app/approve"
)

// Paths of the approval endpoints.
const (
	PathDiscovery = "/.well-known/openid-configuration"
	PathJWKS      = "/jwks"
	PathBackchan  = "/backchannel"
	PathToken     = "/token"
	PathPair      = "/pair"
	PathPairPoll  = "/pair/poll"
)

// Issuer is the issuer URL of a server on port.
func Issuer(port int) string { return "http://127.0.0.1:" + strconv.Itoa(port) }

// ClientsOf returns the authenticator of svc's paired clients.
func ClientsOf(svc *approve.Service) Authenticator {
	return func(id, secret string) (any, bool) {
		c, ok := svc.Authenticate(id, secret)
		return c, ok
	}
}

// Discovery is the OpenID discovery document of the issuer iss.
type Discovery struct {
	Issuer                     string   `json:"issuer"`
	BackchannelEndpoint        string   `json:"backchannel_authentication_endpoint"`
	TokenEndpoint              string   `json:"token_endpoint"`
	JWKSURI                    string   `json:"jwks_uri"`
	DeliveryModes              []string `json:"backchannel_token_delivery_modes_supported"`
	UserCodeSupported          bool     `json:"backchannel_user_code_parameter_supported"`
	GrantTypes                 []string `json:"grant_types_supported"`
	TokenAuthMethods           []string `json:"token_endpoint_auth_methods_supported"`
	IDTokenAlgs                []string `json:"id_token_signing_alg_values_supported"`
	SubjectTypes               []string `json:"subject_types_supported"`
	ResponseTypes              []string `json:"response_types_supported"`
	Scopes                     []string `json:"scopes_supported"`
	Claims                     []string `json:"claims_supported"`
	ACRs                       []string `json:"acr_values_supported"`
	PairingEndpoint            string   `json:"tessera_pairing_endpoint"`
	PairingPollEndpoint        string   `json:"tessera_pairing_poll_endpoint"`
	BindingMessageMaxCharacter int      `json:"tessera_binding_message_max_characters"`
}

// NewDiscovery returns the discovery document of the issuer iss.
func NewDiscovery(iss string) Discovery {
	return Discovery{
		Issuer:                     iss,
		BackchannelEndpoint:        iss + PathBackchan,
		TokenEndpoint:              iss + PathToken,
		JWKSURI:                    iss + PathJWKS,
		DeliveryModes:              []string{"poll"},
		GrantTypes:                 []string{approve.GrantType},
		TokenAuthMethods:           []string{"client_secret_basic", "client_secret_post"},
		IDTokenAlgs:                approve.Algorithms,
		SubjectTypes:               []string{"public"},
		ResponseTypes:              []string{"id_token"},
		Scopes:                     []string{"openid"},
		Claims:                     []string{"iss", "sub", "aud", "iat", "exp", "auth_time", "jti", "acr", "binding_message", "context"},
		ACRs:                       []string{approve.ACRMatched, approve.ACRConfirmed},
		PairingEndpoint:            iss + PathPair,
		PairingPollEndpoint:        iss + PathPairPoll,
		BindingMessageMaxCharacter: approve.MaxBindingMessage,
	}
}

// AddApprovals adds the CIBA, jwks, discovery and pairing routes of svc to
// s. The issuer is read from svc at each request.
func AddApprovals(s *Server, svc *approve.Service) {
	s.Unavailable = svc.Unavailable
	s.Handle(Route{Method: http.MethodGet, Path: PathDiscovery, Access: Public, Handle: func(w http.ResponseWriter, c *Call) {
		JSON(w, http.StatusOK, NewDiscovery(svc.Issuer()))
	}})
	s.Handle(Route{Method: http.MethodGet, Path: PathJWKS, Access: Public, Handle: func(w http.ResponseWriter, c *Call) {
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.Write(svc.JWKS())
	}})
	s.Handle(Route{Method: http.MethodPost, Path: PathBackchan, Access: Client, Handle: func(w http.ResponseWriter, c *Call) {
		ans, err := svc.Authorize(c.Client.(approve.Client), c.Form, callerOf(c))
		if err != nil {
			protocolError(w, err)
			return
		}
		JSON(w, http.StatusOK, ans)
	}})
	s.Handle(Route{Method: http.MethodPost, Path: PathToken, Access: Client, Handle: func(w http.ResponseWriter, c *Call) {
		if gt := c.Form["grant_type"]; gt != approve.GrantType {
			Error(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be "+approve.GrantType)
			return
		}
		id, ok := c.Form["auth_req_id"]
		if !ok || id == "" {
			Error(w, http.StatusBadRequest, "invalid_request", "auth_req_id is missing")
			return
		}
		ans, err := svc.Token(c.Client.(approve.Client), id)
		if err != nil {
			protocolError(w, err)
			return
		}
		JSON(w, http.StatusOK, ans)
	}})
	s.Handle(Route{Method: http.MethodPost, Path: PathPair, Access: Pairing, Handle: func(w http.ResponseWriter, c *Call) {
		var req approve.PairRequest
		if err := DecodeJSON(c.Body, &req); err != nil {
			Error(w, http.StatusBadRequest, "invalid_request", err.Error())
			return
		}
		p := c.Peer()
		if p.Known && p.UID != os.Getuid() {
			Error(w, http.StatusForbidden, "access_denied", "pairing from another user's program is refused")
			return
		}
		ans, err := svc.StartPairing(req, callerOf(c))
		if err != nil {
			protocolError(w, err)
			return
		}
		JSON(w, http.StatusOK, ans)
	}})
	s.Handle(Route{Method: http.MethodPost, Path: PathPairPoll, Access: Pairing, Handle: func(w http.ResponseWriter, c *Call) {
		var req PairPoll
		if err := DecodeJSON(c.Body, &req); err != nil {
			Error(w, http.StatusBadRequest, "invalid_request", err.Error())
			return
		}
		reg, err := svc.PollPairing(req.PairingID)
		if err != nil {
			protocolError(w, err)
			return
		}
		JSON(w, http.StatusOK, reg)
	}})
}

// PairPoll is the body of POST /pair/poll.
type PairPoll struct {
	PairingID string `json:"pairing_id"`
}

func callerOf(c *Call) approve.Caller {
	p := c.Peer()
	return approve.Caller{Known: p.Known, PID: p.PID, UID: p.UID, Exe: p.Exe}
}

func protocolError(w http.ResponseWriter, err error) {
	var pe *approve.Error
	if errors.As(err, &pe) {
		Error(w, pe.Status, pe.Code, pe.Description)
		return
	}
	Error(w, http.StatusInternalServerError, "server_error", "Tessera could not complete the request; see its window")
}

// StartApprovals serves svc on port (DefaultPort when 0) of 127.0.0.1 and
// ::1, falling back to a free port when another program has it, sets svc's
// issuer and writes the discovery file at discoveryPath (none when empty).
// The notice, when not empty, tells the person what happened (the
// fallback), for the window to show.
func StartApprovals(svc *approve.Service, port int, discoveryPath string) (s *Server, notice string, err error) {
	if port == 0 {
		port = DefaultPort
	}
	s = New(ClientsOf(svc))
	AddApprovals(s, svc)
	err = s.Listen(port)
	if errors.Is(err, ErrPortTaken) {
		if err = s.Listen(0); err == nil {
			notice = fmt.Sprintf("Port %d is taken by another program, so Tessera takes approval requests on port %d for now: clients paired on port %d cannot reach it until that program stops and Tessera restarts.", port, s.Port(), port)
		}
	}
	if err != nil {
		return nil, "", fmt.Errorf("starting the approvals endpoint: %w", err)
	}
	iss := Issuer(s.Port())
	svc.SetIssuer(iss)
	if discoveryPath != "" {
		if err := approve.WriteDiscoveryFile(discoveryPath, approve.DiscoveryFile{Issuer: iss, PID: os.Getpid()}); err != nil {
			s.Close()
			return nil, "", err
		}
	}
	s.Serve()
	return s, notice, nil
}
