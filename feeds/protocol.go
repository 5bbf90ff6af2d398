// Package feeds speaks the onescreen feed protocol (docs/protocol.md): JSON
// messages over a websocket at /v1/stream. It holds the wire types, the
// decoder and validator, the feed server used by cmd/cityfeed and by the
// embedded demo, the demo district simulator, and the resumable client.
package feeds

import (
	"encoding/json"
	"time"
)

// ProtocolVersion is the value of every message's "v" field.
const ProtocolVersion = 1

// StreamPath is the websocket path a feed server serves.
const StreamPath = "/v1/stream"

// Message types, server → client.
const (
	TypeHello     = "hello"     // first message: epoch and feeds offered
	TypeStation   = "station"   // a station description
	TypeReading   = "reading"   // one station's observation
	TypeHeartbeat = "heartbeat" // liveness plus the newest seq per feed
	TypeGap       = "gap"       // history asked for is no longer held
	TypeActionAck = "action_ack"
	TypeError     = "error" // the server refused something the client sent
)

// Message types, client → server.
const (
	TypeSubscribe = "subscribe"
	TypeAction    = "action"
)

// Envelope is the common shape of every message; fields that a type does
// not use stay empty. Decoding is strict: see Decode.
type Envelope struct {
	V    int    `json:"v"`
	Type string `json:"type"`

	// hello / heartbeat
	Epoch  string            `json:"epoch,omitempty"`
	Server string            `json:"server,omitempty"`
	Feeds  []string          `json:"feeds,omitempty"`
	Latest map[string]uint64 `json:"latest,omitempty"` // newest seq per feed
	Time   *time.Time        `json:"time,omitempty"`

	// station
	Station *WireStation `json:"station,omitempty"`

	// reading
	Reading *WireReading `json:"reading,omitempty"`

	// gap
	Gap *WireGap `json:"gap,omitempty"`

	// subscribe
	Subscribe map[string]Cursor `json:"subscribe,omitempty"`

	// action / action_ack
	Action *WireAction `json:"action,omitempty"`
	ID     string      `json:"id,omitempty"`

	// error
	Error string `json:"error,omitempty"`
}

// WireStation describes a station. Geometry is GeoJSON (RFC 7946, WGS-84):
// a Point for stations and devices, a Polygon for zones.
type WireStation struct {
	ID       string            `json:"id"`
	Feed     string            `json:"feed"`
	Name     string            `json:"name"`
	Kind     string            `json:"kind"`
	Geometry json.RawMessage   `json:"geometry"`
	Attrs    map[string]string `json:"attrs,omitempty"`
}

// WireReading is one observation. Time is RFC 3339 with its zone offset.
// Values are keyed by canonical parameter name or HJ 212 code.
type WireReading struct {
	Feed    string               `json:"feed"`
	Seq     uint64               `json:"seq"`
	Station string               `json:"station"`
	Time    string               `json:"time"`
	Values  map[string]WireValue `json:"values,omitempty"`
	Event   string               `json:"event,omitempty"`
}

// WireValue is a number with its unit.
type WireValue struct {
	V    json.Number `json:"v"`
	Unit string      `json:"unit"`
}

// WireGap tells a client that readings From..To (inclusive) of a feed are
// no longer held by the server.
type WireGap struct {
	Feed string `json:"feed"`
	From uint64 `json:"from"`
	To   uint64 `json:"to"`
}

// Cursor is what a client already holds of one feed.
type Cursor struct {
	Epoch string `json:"epoch,omitempty"`
	After uint64 `json:"after"`
}

// WireAction is an operator's step on an alert, sent from the outbox.
// ID is unique per step so that a server can drop a second delivery.
type WireAction struct {
	ID      string `json:"id"`
	Alert   string `json:"alert"`
	Step    string `json:"step"`
	Officer string `json:"officer"`
	Time    string `json:"time"`
	Team    string `json:"team,omitempty"`
	Note    string `json:"note,omitempty"`
}
