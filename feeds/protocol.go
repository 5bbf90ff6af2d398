// Package feeds speaks the onescreen feed protocol (docs/protocol.md): JSON
// messages over a websocket at /v1/stream. It holds the wire types, the
// decoder and validator, the feed server used by cmd/cityfeed and by the
// embedded demo, and the resumable client. The demo district simulator is
// in feeds/sim.
package feeds

import (
	"encoding/json"
	"fmt"
	"onescreen/feeds/wire"
	"strconv"
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
	// TypeStep relays an officer's step that the server accepted from a
	// client of the district, with its step sequence number.
	TypeStep = "step"
)

// StepsKey is the member of a subscribe that asks for the district's
// officer steps; its cursor is the step log's epoch and the last step seq
// the client holds.
const StepsKey = "steps"

// Message types, client → server.
const (
	TypeSubscribe = "subscribe"
	TypeAction    = "action"
)

// TypeBatch carries several messages in one websocket frame, in order.
// Either side may send it; a batch never contains a batch.
const TypeBatch = "batch"

// Error codes carried in an error message's "code".
const (
	CodeBadMessage        = "bad_message"        // malformed JSON, wrong types, unknown or missing fields
	CodeBadVersion        = "bad_version"        // "v" is not ProtocolVersion
	CodeUnknownType       = "unknown_type"       // "type" names no message type
	CodeUnexpectedType    = "unexpected_type"    // a type the server only sends
	CodeUnknownFeed       = "unknown_feed"       // subscribe named a feed the server does not offer
	CodeAlreadySubscribed = "already_subscribed" // a second subscribe on one connection
	CodeBadAction         = "bad_action"         // an action that fails validation; it is not acknowledged
)

// Limits of the protocol. A sender must stay inside them; a receiver
// rejects what does not.
const (
	// DefaultClientReadLimit is the largest frame, in bytes, a server may
	// send and a client must accept.
	DefaultClientReadLimit = 1 << 20
	// DefaultServerReadLimit is the largest frame, in bytes, a server
	// accepts from a client unless configured otherwise.
	DefaultServerReadLimit = 64 << 10
	// MaxBatchMessages is the most messages one batch may carry.
	MaxBatchMessages = 1024
	// MaxIDLen is the longest station or action id, in bytes.
	MaxIDLen = 128
	// MaxNameLen is the longest station name, in bytes.
	MaxNameLen = wire.MaxNameLen
	// MaxAttrs is the most static attributes one station may carry.
	MaxAttrs = 32
	// MaxAttrLen is the longest attribute key or value, in bytes.
	MaxAttrLen = 256
	// MaxValues is the most parameters one reading may carry.
	MaxValues = 32
	// MaxPolygonVertices is the most vertices a zone polygon may have,
	// over all its rings.
	MaxPolygonVertices = 4096
	// MaxTextLen is the longest free text (an action's note), in bytes.
	MaxTextLen = wire.MaxTextLen
)

// Envelope is the common shape of every message; fields that a type does
// not use stay empty. Decoding is strict: see Decode.
type Envelope struct {
	V    int    `json:"v"`
	Type string `json:"type"`

	// hello / heartbeat
	Epoch       string            `json:"epoch,omitempty"`
	Server      string            `json:"server,omitempty"`
	Feeds       []string          `json:"feeds,omitempty"`
	Latest      map[string]uint64 `json:"latest,omitempty"` // newest seq per feed
	Time        *time.Time        `json:"time,omitempty"`
	HeartbeatMS int64             `json:"heartbeat_ms,omitempty"` // hello: the heartbeat period in milliseconds
	ReadLimit   int64             `json:"read_limit,omitempty"`   // hello: the largest client frame the server accepts, in bytes

	// station
	Station *WireStation `json:"station,omitempty"`

	// reading
	Reading *WireReading `json:"reading,omitempty"`

	// gap
	Gap *WireGap `json:"gap,omitempty"`

	// subscribe
	Subscribe map[string]Cursor `json:"subscribe,omitempty"`

	// action / action_ack / error about an action
	Action *WireAction `json:"action,omitempty"`
	ID     string      `json:"id,omitempty"`

	// step: the step's sequence number in the step log named by Epoch
	Seq uint64 `json:"seq,omitempty"`

	// error
	Error string `json:"error,omitempty"`
	Code  string `json:"code,omitempty"`
	Feed  string `json:"feed,omitempty"` // the feed an error is about, if any

	// batch
	Messages []json.RawMessage `json:"messages,omitempty"`
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
	V    Number `json:"v"`
	Unit string `json:"unit"`
}

// Number is a JSON number kept as its literal text, so that a value too big
// for a float64 (1e999) reaches the validator and is refused by name. A
// quoted string or null is refused when decoding.
type Number string

// UnmarshalJSON accepts only a JSON number literal.
func (n *Number) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || !(b[0] == '-' || (b[0] >= '0' && b[0] <= '9')) {
		return fmt.Errorf("value must be a JSON number, got %.40s", b)
	}
	*n = Number(b)
	return nil
}

// MarshalJSON writes the literal. A literal that is not a finite number
// (empty, NaN, an infinity, out of float64 range) is an error.
func (n Number) MarshalJSON() ([]byte, error) {
	if len(n) == 0 || !(n[0] == '-' || (n[0] >= '0' && n[0] <= '9')) {
		return nil, fmt.Errorf("number %q is not a JSON number", string(n))
	}
	if _, err := strconv.ParseFloat(string(n), 64); err != nil {
		return nil, fmt.Errorf("number %q: %w", string(n), err)
	}
	return []byte(n), nil
}

// Float64 parses the number.
func (n Number) Float64() (float64, error) { return strconv.ParseFloat(string(n), 64) }

// NumberOf formats v as the shortest literal that reads back as v.
func NumberOf(v float64) Number { return Number(strconv.FormatFloat(v, 'g', -1, 64)) }

// WireGap tells a client that readings From..To (inclusive) of a feed are
// no longer held by the server.
type WireGap struct {
	Feed string `json:"feed"`
	From uint64 `json:"from"`
	To   uint64 `json:"to"`
}

// Cursor is what a client already holds of one feed (wire.Cursor).
type Cursor = wire.Cursor

// WireAction is an operator's step on an alert, sent from the outbox
// (wire.Action).
type WireAction = wire.Action
