package feeds

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"onescreen/city"
)

// Kinds of rejection. A *RejectError wraps one of these (errors.Is), so a
// receiver can count rejections by kind; its Reason says what exactly.
var (
	ErrMalformed      = errors.New("malformed message")            // not JSON, wrong types, unknown or missing fields, trailing data
	ErrVersion        = errors.New("unsupported protocol version") // "v" is not ProtocolVersion
	ErrUnknownType    = errors.New("unknown message type")
	ErrUnexpectedType = errors.New("unexpected message type") // a known type sent in the wrong direction or order
	ErrUnknownFeed    = errors.New("unknown feed")
	ErrUnknownStation = errors.New("station never described")
	ErrKind           = errors.New("station kind does not match its feed")
	ErrGeometry       = errors.New("bad geometry")
	ErrOutOfBounds    = errors.New("location outside the plausible bounds")
	ErrTime           = errors.New("bad observation time")
	ErrFuture         = errors.New("observation time in the future")
	ErrUnknownParam   = errors.New("unknown parameter")
	ErrParamNotInFeed = errors.New("parameter not measured by this feed")
	ErrUnit           = errors.New("wrong unit")
	ErrNotFinite      = errors.New("value not finite")
	ErrValue          = errors.New("impossible value")
	ErrField          = errors.New("invalid field") // empty or too long ids, names, attributes; bad seq, event, gap range
	ErrTooBig         = errors.New("frame over the read limit")
)

// RejectError says why one message was refused. Feed is the message's feed
// when it names a known one, "" otherwise; Station is the station id when
// there is one. Reason is short and meant for a person; Err is one of the
// Err* kinds above, possibly wrapping a lower-level cause.
type RejectError struct {
	Feed, Station, Reason string
	Err                   error
}

// Error implements error.
func (e *RejectError) Error() string {
	var b strings.Builder
	if e.Feed != "" {
		b.WriteString(e.Feed)
		b.WriteString(" ")
	}
	if e.Station != "" {
		fmt.Fprintf(&b, "station %q ", e.Station)
	}
	if b.Len() > 0 {
		b.WriteString("rejected: ")
	} else {
		b.WriteString("message rejected: ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// Unwrap returns the kind of rejection.
func (e *RejectError) Unwrap() error { return e.Err }

// reject builds a *RejectError. feed is reported only when it is known.
func reject(feed, station string, kind error, format string, args ...any) *RejectError {
	if !city.Feed(feed).Valid() {
		feed = ""
	}
	return &RejectError{Feed: feed, Station: station, Reason: fmt.Sprintf(format, args...), Err: kind}
}

// Decode parses one message strictly: it must be a single JSON object with
// only the fields of Envelope (field names are matched as encoding/json
// does), of the right JSON types, "v" equal to ProtocolVersion, a known
// "type", and the part that type needs. A batch's inner messages are left
// raw in Messages; decode each with Decode. Decode does not judge the
// content of stations and readings: that is the Validator's work.
func Decode(raw []byte) (Envelope, error) {
	var env Envelope
	if len(bytes.TrimSpace(raw)) == 0 {
		return env, reject("", "", ErrMalformed, "empty message")
	}
	if err := decodeStrict(raw, &env); err != nil {
		feed, station := peekFeed(raw)
		return Envelope{}, reject(feed, station, fmt.Errorf("%w: %w", ErrMalformed, err), "%s", jsonReason(err))
	}
	if err := checkEnvelope(&env); err != nil {
		return Envelope{}, err
	}
	return env, nil
}

// errTrailing is decodeStrict's complaint about data after the value.
var errTrailing = errors.New("trailing data after the message")

// decodeStrict decodes exactly one JSON value into v, refusing unknown
// fields and trailing data.
func decodeStrict(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if rest := bytes.TrimSpace(raw[dec.InputOffset():]); len(rest) > 0 {
		return errTrailing
	}
	return nil
}

// checkEnvelope checks the version, the type and that the message carries
// the part its type needs and no other.
func checkEnvelope(env *Envelope) error {
	feed, station := env.feedStation()
	switch {
	case env.V == 0:
		return reject(feed, station, ErrVersion, `missing protocol version "v" (want %d)`, ProtocolVersion)
	case env.V != ProtocolVersion:
		return reject(feed, station, ErrVersion, "protocol version %d not supported (this end speaks %d)", env.V, ProtocolVersion)
	}
	missing := func(field string) error {
		return reject(feed, station, ErrMalformed, "%s message without %q", env.Type, field)
	}
	switch env.Type {
	case TypeHello, TypeHeartbeat:
		if env.Epoch == "" {
			return missing("epoch")
		}
	case TypeStation:
		if env.Station == nil {
			return missing("station")
		}
	case TypeReading:
		if env.Reading == nil {
			return missing("reading")
		}
	case TypeGap:
		if env.Gap == nil {
			return missing("gap")
		}
	case TypeActionAck:
		if env.ID == "" {
			return missing("id")
		}
	case TypeError:
		if env.Error == "" {
			return missing("error")
		}
	case TypeSubscribe:
		if len(env.Subscribe) == 0 {
			return missing("subscribe")
		}
	case TypeAction:
		if env.Action == nil {
			return missing("action")
		}
	case TypeStep:
		switch {
		case env.Action == nil:
			return missing("action")
		case env.Epoch == "":
			return missing("epoch")
		case env.Seq == 0:
			return missing("seq")
		}
	case TypeBatch:
		if len(env.Messages) == 0 {
			return missing("messages")
		}
		if len(env.Messages) > MaxBatchMessages {
			return reject("", "", ErrMalformed, "batch of %d messages (limit %d)", len(env.Messages), MaxBatchMessages)
		}
	case "":
		return reject(feed, station, ErrMalformed, `missing message "type"`)
	default:
		return reject(feed, station, ErrUnknownType, "unknown message type %q", env.Type)
	}
	if other := env.strayPart(); other != "" {
		return reject(feed, station, ErrMalformed, "%s message carries a %q part", env.Type, other)
	}
	return nil
}

// decodedBatch is a batch whose messages are decoded in the same pass.
type decodedBatch struct {
	V        int        `json:"v"`
	Type     string     `json:"type"`
	Messages []Envelope `json:"messages"`
}

// batchPrefix is how every batch this package sends begins.
var batchPrefix = []byte(`{"v":1,"type":"batch",`)

// decodeBatchFast decodes a batch and its messages in one pass. It reports
// false when raw is not a well-formed batch of well-formed messages; the
// caller then takes the slow path (Decode, then Decode per message), which
// finds and reports each bad message on its own. The inner messages still
// need checkEnvelope.
func decodeBatchFast(raw []byte) ([]Envelope, bool) {
	if !bytes.HasPrefix(raw, batchPrefix) {
		return nil, false
	}
	var b decodedBatch
	if decodeStrict(raw, &b) != nil || b.V != ProtocolVersion || b.Type != TypeBatch ||
		len(b.Messages) == 0 || len(b.Messages) > MaxBatchMessages {
		return nil, false
	}
	return b.Messages, true
}

// strayPart names a payload that does not belong to the message's type.
func (e *Envelope) strayPart() string {
	parts := []struct {
		name    string
		present bool
		owner   string
	}{
		{"station", e.Station != nil, TypeStation},
		{"reading", e.Reading != nil, TypeReading},
		{"gap", e.Gap != nil, TypeGap},
		{"subscribe", e.Subscribe != nil, TypeSubscribe},
		{"action", e.Action != nil, TypeAction},
		{"messages", e.Messages != nil, TypeBatch},
		{"seq", e.Seq != 0, TypeStep},
	}
	for _, p := range parts {
		if p.present && p.owner != e.Type && !(p.name == "action" && e.Type == TypeStep) {
			return p.name
		}
	}
	return ""
}

// feedStation is the feed and station a decoded message is about.
func (e *Envelope) feedStation() (feed, station string) {
	switch {
	case e.Reading != nil:
		return e.Reading.Feed, e.Reading.Station
	case e.Station != nil:
		return e.Station.Feed, e.Station.ID
	case e.Gap != nil:
		return e.Gap.Feed, ""
	}
	return e.Feed, ""
}

// peekFeed digs the feed and station out of a message that failed strict
// decoding, so that the rejection is counted against the right feed.
func peekFeed(raw []byte) (feed, station string) {
	var p struct {
		Reading *struct {
			Feed    any `json:"feed"`
			Station any `json:"station"`
		} `json:"reading"`
		Station *struct {
			Feed any `json:"feed"`
			ID   any `json:"id"`
		} `json:"station"`
		Gap *struct {
			Feed any `json:"feed"`
		} `json:"gap"`
	}
	if json.Unmarshal(raw, &p) != nil {
		return "", ""
	}
	str := func(v any) string { s, _ := v.(string); return s }
	switch {
	case p.Reading != nil:
		return str(p.Reading.Feed), str(p.Reading.Station)
	case p.Station != nil:
		return str(p.Station.Feed), str(p.Station.ID)
	case p.Gap != nil:
		return str(p.Gap.Feed), ""
	}
	return "", ""
}

// peekSeq digs the seq out of a reading that failed strict decoding
// (0 when there is none), so that the receiver's sequence accounting
// still counts it as received.
func peekSeq(raw []byte) uint64 {
	var p struct {
		Reading *struct {
			Seq json.Number `json:"seq"`
		} `json:"reading"`
	}
	if json.Unmarshal(raw, &p) != nil || p.Reading == nil {
		return 0
	}
	n, _ := strconv.ParseUint(string(p.Reading.Seq), 10, 64)
	return n
}

// jsonReason turns an encoding/json error into a short reason.
func jsonReason(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("malformed JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "message"
		}
		return fmt.Sprintf("field %s: JSON %s where %s belongs", field, typ.Value, jsonKind(typ.Type.Kind().String()))
	}
	if errors.Is(err, errTrailing) {
		return errTrailing.Error()
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if strings.HasPrefix(msg, "unknown field ") {
		return msg
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "malformed JSON: message ends early"
	}
	return "malformed JSON: " + msg
}

func jsonKind(k string) string {
	switch k {
	case "int", "int64", "uint64", "float64":
		return "a number"
	case "string":
		return "a string"
	case "map", "struct":
		return "an object"
	case "slice", "array":
		return "an array"
	case "ptr":
		return "an object"
	}
	return "a " + k
}

// DefaultFutureTolerance is how far ahead of the receiver's clock an
// observation time may lie (clock skew between stations and centre).
const DefaultFutureTolerance = 5 * time.Minute

// earliestObservation is the oldest observation time accepted; anything
// older is a device with an unset clock.
var earliestObservation = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Validator judges stations and readings: plausible bounds, the clock, the
// stations described so far, parameters and units per feed. It is safe for
// concurrent use.
type Validator struct {
	bounds city.Bounds
	future time.Duration
	now    func() time.Time

	mu       sync.RWMutex
	stations map[string]knownStation
}

type knownStation struct {
	feed city.Feed
	kind string
}

// ValidatorOption configures a Validator.
type ValidatorOption func(*Validator)

// WithBounds sets the box every location must fall inside
// (default city.ShanghaiBounds).
func WithBounds(b city.Bounds) ValidatorOption { return func(v *Validator) { v.bounds = b } }

// WithFutureTolerance sets how far ahead of the clock an observation may
// be (default DefaultFutureTolerance).
func WithFutureTolerance(d time.Duration) ValidatorOption {
	return func(v *Validator) { v.future = d }
}

// WithClock sets the receiver's clock (default time.Now).
func WithClock(now func() time.Time) ValidatorOption { return func(v *Validator) { v.now = now } }

// NewValidator returns a validator with city.ShanghaiBounds, a five-minute
// future tolerance and the system clock, changed by opts.
func NewValidator(opts ...ValidatorOption) *Validator {
	v := &Validator{bounds: city.ShanghaiBounds, future: DefaultFutureTolerance, now: time.Now, stations: map[string]knownStation{}}
	for _, o := range opts {
		o(v)
	}
	return v
}

// Bounds returns the box locations must fall inside.
func (v *Validator) Bounds() city.Bounds { return v.bounds }

// Know records a station as described, e.g. one held in the cache from an
// earlier session, so that its readings are accepted before the feed
// server describes it again.
func (v *Validator) Know(st city.Station) {
	v.mu.Lock()
	v.stations[st.ID] = knownStation{feed: st.Feed, kind: st.Kind}
	v.mu.Unlock()
}

// Known reports whether a station id has been described.
func (v *Validator) Known(id string) bool {
	v.mu.RLock()
	_, ok := v.stations[id]
	v.mu.RUnlock()
	return ok
}

// Station checks a station description and returns the domain station. A
// station that passes becomes known, so its readings are accepted.
func (v *Validator) Station(ws *WireStation) (city.Station, error) {
	if ws == nil {
		return city.Station{}, reject("", "", ErrMalformed, "station message without a station")
	}
	st := city.Station{ID: ws.ID, Feed: city.Feed(ws.Feed), Name: ws.Name, Kind: ws.Kind}
	if len(ws.Attrs) > 0 {
		st.Attrs = maps.Clone(ws.Attrs)
	}
	if err := checkStationHead(&st); err != nil {
		return city.Station{}, err
	}
	pt, poly, err := v.parseGeometry(ws)
	if err != nil {
		return city.Station{}, err
	}
	st.Location, st.Area = pt, poly
	if poly != nil {
		st.Location, _ = planar.CentroidArea(poly)
	}
	if err := v.checkStation(&st); err != nil {
		return city.Station{}, err
	}
	v.Know(st)
	return st, nil
}

// CheckStation judges a domain station (as a feed server does before it
// sends one) without making it known.
func (v *Validator) CheckStation(st city.Station) error {
	if err := checkStationHead(&st); err != nil {
		return err
	}
	if !city.Finite(st.Location[0]) || !city.Finite(st.Location[1]) {
		return reject(string(st.Feed), st.ID, ErrNotFinite, "location is not a finite number")
	}
	if len(st.Area) > 0 {
		if err := v.checkPolygon(st.Feed, st.ID, st.Area); err != nil {
			return err
		}
	}
	return v.checkStation(&st)
}

// checkStationHead checks the id, feed, name and kind.
func checkStationHead(st *city.Station) error {
	feed := string(st.Feed)
	if !st.Feed.Valid() {
		return reject("", st.ID, ErrUnknownFeed, "unknown feed %q", feed)
	}
	if err := checkText(feed, st.ID, "station id", st.ID, MaxIDLen, true); err != nil {
		return err
	}
	if err := checkText(feed, st.ID, "station name", st.Name, MaxNameLen, true); err != nil {
		return err
	}
	if !slices.Contains(feedKinds[st.Feed], st.Kind) {
		return reject(feed, st.ID, ErrKind, "kind %q does not belong to the %s feed (want one of %s)", st.Kind, feed, strings.Join(feedKinds[st.Feed], ", "))
	}
	return nil
}

// checkStation checks geometry rules, bounds and attributes of a station
// whose head is valid and whose polygon (if any) is valid.
func (v *Validator) checkStation(st *city.Station) error {
	feed := string(st.Feed)
	zone := st.Kind == city.KindCrowdZone
	switch {
	case zone && len(st.Area) == 0:
		return reject(feed, st.ID, ErrGeometry, "a crowd zone needs a Polygon of its walkable area")
	case !zone && len(st.Area) > 0:
		return reject(feed, st.ID, ErrGeometry, "a %s is a Point, not a Polygon", st.Kind)
	}
	if !v.bounds.Contains(st.Location) {
		return reject(feed, st.ID, ErrOutOfBounds, "location %.6f,%.6f (lon,lat) outside %s", st.Location[0], st.Location[1], fmtBounds(v.bounds))
	}
	if err := checkAttrs(st); err != nil {
		return err
	}
	v.mu.RLock()
	k, ok := v.stations[st.ID]
	v.mu.RUnlock()
	if ok && k.feed != st.Feed {
		return reject(feed, st.ID, ErrField, "station id already describes a station of the %s feed", k.feed)
	}
	return nil
}

func fmtBounds(b city.Bounds) string {
	return fmt.Sprintf("the plausible bounds lon %g..%g, lat %g..%g", b.MinLon, b.MaxLon, b.MinLat, b.MaxLat)
}

// checkText refuses empty (when required), over-long, invalid UTF-8 or
// control characters.
func checkText(feed, station, what, s string, limit int, required bool) error {
	switch {
	case s == "" && required:
		return reject(feed, station, ErrField, "empty %s", what)
	case len(s) > limit:
		return reject(feed, station, ErrField, "%s of %d bytes (limit %d)", what, len(s), limit)
	case !utf8.ValidString(s):
		return reject(feed, station, ErrField, "%s is not valid UTF-8", what)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return reject(feed, station, ErrField, "%s contains control character %U", what, r)
		}
	}
	return nil
}

// Allowed values of the static attributes that the standards use.
var (
	zoneClasses   = []string{"0", "1", "2", "3", "4a", "4b"}
	targetClasses = []string{"I", "II", "III", "IV", "V"}
	waterBodies   = []string{"river", "lake"}
)

func checkAttrs(st *city.Station) error {
	feed := string(st.Feed)
	if len(st.Attrs) > MaxAttrs {
		return reject(feed, st.ID, ErrField, "%d attributes (limit %d)", len(st.Attrs), MaxAttrs)
	}
	for k, val := range st.Attrs {
		if err := checkText(feed, st.ID, "attribute name", k, MaxAttrLen, true); err != nil {
			return err
		}
		if err := checkText(feed, st.ID, "attribute "+k, val, MaxAttrLen, false); err != nil {
			return err
		}
	}
	oneOf := func(key string, allowed []string) error {
		if val, ok := st.Attrs[key]; ok && !slices.Contains(allowed, val) {
			return reject(feed, st.ID, ErrField, "%s %q is not one of %s", key, val, strings.Join(allowed, ", "))
		}
		return nil
	}
	if err := oneOf(city.AttrZoneClass, zoneClasses); err != nil {
		return err
	}
	if err := oneOf(city.AttrTargetClass, targetClasses); err != nil {
		return err
	}
	if err := oneOf(city.AttrWaterBody, waterBodies); err != nil {
		return err
	}
	if c, ok := st.Attrs[city.AttrCapacity]; ok {
		if n, err := strconv.ParseUint(c, 10, 32); err != nil || n == 0 {
			return reject(feed, st.ID, ErrField, "capacity %q is not a positive whole number of persons", c)
		}
	}
	return nil
}

// wireGeometry is a GeoJSON geometry object as this protocol admits it.
type wireGeometry struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
	BBox        []Number        `json:"bbox,omitempty"`
}

// parseGeometry reads a station's GeoJSON Point or Polygon.
func (v *Validator) parseGeometry(ws *WireStation) (orb.Point, orb.Polygon, error) {
	bad := func(format string, args ...any) (orb.Point, orb.Polygon, error) {
		return orb.Point{}, nil, reject(ws.Feed, ws.ID, ErrGeometry, format, args...)
	}
	if len(ws.Geometry) == 0 || string(ws.Geometry) == "null" {
		return bad("missing geometry")
	}
	var g wireGeometry
	dec := json.NewDecoder(bytes.NewReader(ws.Geometry))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&g); err != nil {
		return bad("geometry: %s", jsonReason(err))
	}
	switch g.Type {
	case "Point":
		var pos []Number
		if err := json.Unmarshal(g.Coordinates, &pos); err != nil {
			return bad("Point coordinates: want [lon, lat]: %v", err)
		}
		p, err := position(ws.Feed, ws.ID, pos)
		if err != nil {
			return orb.Point{}, nil, err
		}
		return p, nil, nil
	case "Polygon":
		var rings [][][]Number
		if err := json.Unmarshal(g.Coordinates, &rings); err != nil {
			return bad("Polygon coordinates: want [[[lon, lat], …]]: %v", err)
		}
		poly := make(orb.Polygon, 0, len(rings))
		for _, ring := range rings {
			r := make(orb.Ring, 0, len(ring))
			for _, pos := range ring {
				p, err := position(ws.Feed, ws.ID, pos)
				if err != nil {
					return orb.Point{}, nil, err
				}
				r = append(r, p)
			}
			poly = append(poly, r)
		}
		if err := v.checkPolygon(city.Feed(ws.Feed), ws.ID, poly); err != nil {
			return orb.Point{}, nil, err
		}
		return orb.Point{}, poly, nil
	case "":
		return bad(`geometry without "type"`)
	default:
		return bad("geometry type %q not allowed (want Point or Polygon)", g.Type)
	}
}

// position reads one GeoJSON position: lon, lat and an optional altitude.
func position(feed, station string, pos []Number) (orb.Point, error) {
	if len(pos) < 2 || len(pos) > 3 {
		return orb.Point{}, reject(feed, station, ErrGeometry, "a position has %d numbers (want lon, lat)", len(pos))
	}
	var p orb.Point
	for i := range 2 {
		f, err := pos[i].Float64()
		if err != nil || !city.Finite(f) {
			return orb.Point{}, reject(feed, station, ErrNotFinite, "coordinate %s is not a finite number", pos[i])
		}
		p[i] = f
	}
	return p, nil
}

// checkPolygon checks ring sizes, closure, vertex count and bounds.
func (v *Validator) checkPolygon(feed city.Feed, id string, poly orb.Polygon) error {
	f := string(feed)
	if len(poly) == 0 {
		return reject(f, id, ErrGeometry, "Polygon without rings")
	}
	n := 0
	for i, r := range poly {
		n += len(r)
		if len(r) < 4 {
			return reject(f, id, ErrGeometry, "Polygon ring %d has %d positions (want at least 4)", i, len(r))
		}
		if r[0] != r[len(r)-1] {
			return reject(f, id, ErrGeometry, "Polygon ring %d is not closed", i)
		}
		for _, p := range r {
			if !city.Finite(p[0]) || !city.Finite(p[1]) {
				return reject(f, id, ErrNotFinite, "Polygon vertex is not a finite number")
			}
			if !v.bounds.Contains(p) {
				return reject(f, id, ErrOutOfBounds, "Polygon vertex %.6f,%.6f (lon,lat) outside %s", p[0], p[1], fmtBounds(v.bounds))
			}
		}
	}
	if n > MaxPolygonVertices {
		return reject(f, id, ErrGeometry, "Polygon of %d vertices (limit %d)", n, MaxPolygonVertices)
	}
	if planar.Area(poly) == 0 {
		return reject(f, id, ErrGeometry, "Polygon encloses no area")
	}
	return nil
}

// Reading checks one observation and returns the domain reading, with
// parameters under their canonical names (HJ 212 codes and FIWARE attribute
// names mapped), units canonical, values sorted by parameter, and the time
// in the zone it was sent with.
func (v *Validator) Reading(wr *WireReading) (city.Reading, error) {
	if wr == nil {
		return city.Reading{}, reject("", "", ErrMalformed, "reading message without a reading")
	}
	r := city.Reading{Feed: city.Feed(wr.Feed), Station: wr.Station, Seq: wr.Seq, Event: wr.Event}
	if !r.Feed.Valid() {
		return city.Reading{}, reject("", wr.Station, ErrUnknownFeed, "unknown feed %q", wr.Feed)
	}
	if wr.Seq == 0 {
		return city.Reading{}, reject(wr.Feed, wr.Station, ErrField, "seq must be 1 or more")
	}
	t, err := time.Parse(time.RFC3339Nano, wr.Time)
	if err != nil {
		if wr.Time == "" {
			return city.Reading{}, reject(wr.Feed, wr.Station, ErrTime, "missing observation time")
		}
		return city.Reading{}, reject(wr.Feed, wr.Station, ErrTime, "observation time %.40q is not RFC 3339 with a zone offset", wr.Time)
	}
	r.Time = t
	if len(wr.Values) > MaxValues {
		return city.Reading{}, reject(wr.Feed, wr.Station, ErrField, "%d values (limit %d)", len(wr.Values), MaxValues)
	}
	r.Values = make([]city.Measurement, 0, len(wr.Values))
	for key, wv := range wr.Values {
		param, ok := CanonicalParam(key)
		if !ok {
			return city.Reading{}, reject(wr.Feed, wr.Station, ErrUnknownParam, "unknown parameter %.40q", key)
		}
		unit, ok := CanonicalUnit(param, wv.Unit)
		if !ok {
			if wv.Unit == "" {
				return city.Reading{}, reject(wr.Feed, wr.Station, ErrUnit, "%s without a unit (want %s)", key, city.ParamUnits[param])
			}
			return city.Reading{}, reject(wr.Feed, wr.Station, ErrUnit, "unit %.20q is wrong for %s (want %s)", wv.Unit, key, city.ParamUnits[param])
		}
		if wv.V == "" {
			return city.Reading{}, reject(wr.Feed, wr.Station, ErrMalformed, "%s without a value", key)
		}
		f, err := wv.V.Float64()
		if err != nil || !city.Finite(f) {
			return city.Reading{}, reject(wr.Feed, wr.Station, ErrNotFinite, "value %.40s of %s is not a finite number", wv.V, key)
		}
		r.Values = append(r.Values, city.Measurement{Param: param, Value: f, Unit: unit})
	}
	slices.SortFunc(r.Values, func(a, b city.Measurement) int { return strings.Compare(a.Param, b.Param) })
	if err := v.checkReading(&r); err != nil {
		return city.Reading{}, err
	}
	return r, nil
}

// CheckReading judges a domain reading as a feed server does before it
// publishes one: units must be canonical (see NormalizeUnits); Seq is not
// looked at.
func (v *Validator) CheckReading(r city.Reading) error {
	if !r.Feed.Valid() {
		return reject("", r.Station, ErrUnknownFeed, "unknown feed %q", r.Feed)
	}
	if len(r.Values) > MaxValues {
		return reject(string(r.Feed), r.Station, ErrField, "%d values (limit %d)", len(r.Values), MaxValues)
	}
	for i, m := range r.Values {
		want, ok := city.ParamUnits[m.Param]
		switch {
		case !ok:
			return reject(string(r.Feed), r.Station, ErrUnknownParam, "unknown parameter %.40q", m.Param)
		case m.Unit != want:
			return reject(string(r.Feed), r.Station, ErrUnit, "unit %.20q is wrong for %s (want %s)", m.Unit, m.Param, want)
		case !city.Finite(m.Value):
			return reject(string(r.Feed), r.Station, ErrNotFinite, "value %v of %s is not a finite number", m.Value, m.Param)
		}
		for _, o := range r.Values[:i] {
			if o.Param == m.Param {
				return reject(string(r.Feed), r.Station, ErrField, "parameter %s given twice", m.Param)
			}
		}
	}
	return v.checkReading(&r)
}

// checkReading checks what both paths share: station, time, parameters
// for the feed, duplicates, physical ranges, the event.
func (v *Validator) checkReading(r *city.Reading) error {
	feed := string(r.Feed)
	if err := checkText(feed, r.Station, "station id", r.Station, MaxIDLen, true); err != nil {
		return err
	}
	v.mu.RLock()
	k, ok := v.stations[r.Station]
	v.mu.RUnlock()
	if !ok {
		return reject(feed, r.Station, ErrUnknownStation, "reading for a station never described")
	}
	if k.feed != r.Feed {
		return reject(feed, r.Station, ErrKind, "the station belongs to the %s feed", k.feed)
	}
	now := v.now()
	switch {
	case r.Time.Before(earliestObservation):
		return reject(feed, r.Station, ErrTime, "observation time %s is before %s", r.Time.Format(time.RFC3339), earliestObservation.Format("2006-01-02"))
	case r.Time.After(now.Add(v.future)):
		ahead := r.Time.Sub(now).Round(time.Second)
		return reject(feed, r.Station, ErrFuture, "observation time %s is %v ahead of the receiver's clock (limit %v)", r.Time.Format(time.RFC3339), ahead, v.future)
	}
	if len(r.Values) == 0 && r.Event == "" {
		return reject(feed, r.Station, ErrField, "reading with neither values nor an event")
	}
	for i, m := range r.Values {
		if !feedParams[r.Feed][m.Param] {
			return reject(feed, r.Station, ErrParamNotInFeed, "parameter %s is not measured by the %s feed", m.Param, feed)
		}
		if i > 0 && r.Values[i-1].Param == m.Param {
			return reject(feed, r.Station, ErrField, "parameter %s given twice", m.Param)
		}
		if rg, ok := paramRange[m.Param]; ok && (m.Value < rg[0] || m.Value > rg[1]) {
			return reject(feed, r.Station, ErrValue, "%s %g %s is impossible (range %g..%g)", m.Param, m.Value, m.Unit, rg[0], rg[1])
		}
	}
	if r.Event != "" {
		if r.Feed != city.FeedFire {
			return reject(feed, r.Station, ErrField, "event %.20q on the %s feed (only fire devices report events)", r.Event, feed)
		}
		if !slices.Contains(city.FireEvents, r.Event) {
			return reject(feed, r.Station, ErrField, "unknown fire event %.20q (want one of %s)", r.Event, strings.Join(city.FireEvents, ", "))
		}
	}
	return nil
}

// feedKinds lists the station kinds each feed describes.
var feedKinds = map[city.Feed][]string{
	city.FeedAir:   {city.KindAirStation},
	city.FeedWater: {city.KindWaterSection},
	city.FeedNoise: {city.KindNoiseStation},
	city.FeedFire:  {city.KindSmokeDetector, city.KindHydrant, city.KindElectricalFire},
	city.FeedCrowd: {city.KindCrowdZone},
}

// FeedKinds returns the station kinds a feed describes.
func FeedKinds(f city.Feed) []string { return slices.Clone(feedKinds[f]) }

// feedParamList lists the canonical parameters each feed carries.
var feedParamList = map[city.Feed][]string{
	city.FeedAir: {city.ParamPM25, city.ParamPM10, city.ParamSO2, city.ParamNO2, city.ParamCO, city.ParamO3,
		city.ParamPM25h, city.ParamPM10h, city.ParamO38h},
	city.FeedWater: {city.ParamPH, city.ParamDO, city.ParamCODMn, city.ParamNH3N, city.ParamTP, city.ParamTN, city.ParamTemp},
	city.FeedNoise: {city.ParamLAeq, city.ParamLmax},
	city.FeedFire:  {city.ParamPressure, city.ParamResidualCurrent, city.ParamCableTemp, city.ParamBattery},
	city.FeedCrowd: {city.ParamCount, city.ParamInflow},
}

var feedParams = func() map[city.Feed]map[string]bool {
	m := map[city.Feed]map[string]bool{}
	for f, ps := range feedParamList {
		m[f] = map[string]bool{}
		for _, p := range ps {
			m[f][p] = true
		}
	}
	return m
}()

// FeedParams returns the canonical parameters a feed carries.
func FeedParams(f city.Feed) []string { return slices.Clone(feedParamList[f]) }

// paramRange bounds values that cannot physically be otherwise; a value
// outside is a broken sensor or a wrong unit, not an alarm.
var paramRange = map[string][2]float64{
	city.ParamPM25: {0, math.MaxFloat64}, city.ParamPM10: {0, math.MaxFloat64},
	city.ParamSO2: {0, math.MaxFloat64}, city.ParamNO2: {0, math.MaxFloat64},
	city.ParamCO: {0, math.MaxFloat64}, city.ParamO3: {0, math.MaxFloat64},
	city.ParamPM25h: {0, math.MaxFloat64}, city.ParamPM10h: {0, math.MaxFloat64}, city.ParamO38h: {0, math.MaxFloat64},
	city.ParamPH: {0, 14},
	city.ParamDO: {0, math.MaxFloat64}, city.ParamCODMn: {0, math.MaxFloat64}, city.ParamNH3N: {0, math.MaxFloat64},
	city.ParamTP: {0, math.MaxFloat64}, city.ParamTN: {0, math.MaxFloat64},
	city.ParamTemp:     {-5, 50}, // °C: surface water outside this is no river
	city.ParamLAeq:     {0, 200}, // dB(A)
	city.ParamLmax:     {0, 200},
	city.ParamPressure: {0, math.MaxFloat64}, city.ParamResidualCurrent: {0, math.MaxFloat64},
	city.ParamCableTemp: {-50, 1000}, // °C
	city.ParamBattery:   {0, 100},    // %
	city.ParamCount:     {0, math.MaxFloat64}, city.ParamInflow: {0, math.MaxFloat64},
}

// FIWAREAttrs maps FIWARE smart-data-model attribute names that name the
// same quantity as a canonical parameter (AirQualityObserved uses the
// canonical names themselves). The protocol accepts them as value keys.
var FIWAREAttrs = map[string]string{
	"pH":          city.ParamPH,    // WaterQualityObserved
	"O2":          city.ParamDO,    // WaterQualityObserved (dissolved oxygen)
	"temperature": city.ParamTemp,  // WaterQualityObserved
	"LAeq":        city.ParamLAeq,  // NoiseLevelObserved
	"LAmax":       city.ParamLmax,  // NoiseLevelObserved
	"peopleCount": city.ParamCount, // CrowdFlowObserved
}

// CanonicalParam maps a value key (a canonical name, an HJ 212-2017 code in
// either case, or a FIWARE attribute name) onto the canonical name.
func CanonicalParam(key string) (string, bool) {
	if _, ok := city.ParamUnits[key]; ok {
		return key, true
	}
	if p, ok := city.HJ212Codes[key]; ok {
		return p, true
	}
	if p, ok := FIWAREAttrs[key]; ok {
		return p, true
	}
	if p, ok := city.HJ212Codes[strings.ToLower(key)]; ok {
		return p, true
	}
	return "", false
}

// unitAliases lists, per canonical unit, the spellings accepted for it:
// ASCII forms, the Greek mu beside the micro sign, the CJK degree sign, and
// the UN/CEFACT common codes FIWARE puts in unitCode. Keys are normalised
// by normUnit.
var unitAliases = func() map[string]map[string]bool {
	raw := map[string][]string{
		"µg/m³":       {"µg/m³", "μg/m³", "ug/m3", "µg/m3", "μg/m3", "ug/m³", "GQ"},
		"mg/m³":       {"mg/m³", "mg/m3", "GP"},
		"mg/L":        {"mg/L", "M1"},
		"pH":          {"pH"},
		"°C":          {"°C", "℃", "C", "degC", "CEL"},
		"dB(A)":       {"dB(A)", "dBA", "dB", "2N"},
		"MPa":         {"MPa", "MPA"},
		"mA":          {"mA", "4K"},
		"%":           {"%", "percent", "P1"},
		"persons":     {"persons", "person", "人", "IE"},
		"persons/min": {"persons/min", "person/min", "人/分钟", "人/min"},
	}
	m := map[string]map[string]bool{}
	for unit, as := range raw {
		m[unit] = map[string]bool{}
		for _, a := range as {
			m[unit][a] = true // as written: found without normalising
			m[unit][normUnit(a)] = true
		}
	}
	return m
}()

// normUnit lower-cases a unit and drops spaces.
func normUnit(u string) string { return strings.ToLower(strings.ReplaceAll(u, " ", "")) }

// CanonicalUnit returns the canonical unit of param when unit is it or an
// accepted spelling of it.
func CanonicalUnit(param, unit string) (string, bool) {
	want, ok := city.ParamUnits[param]
	if !ok {
		return "", false
	}
	if unit == want || unitAliases[want][unit] || unitAliases[want][normUnit(unit)] {
		return want, true
	}
	return "", false
}

// NormalizeUnits returns r with every unit canonical: an empty unit takes
// the parameter's unit, an accepted spelling is replaced. It returns an
// error for an unknown parameter or a wrong unit. r's Values are not
// modified; a copy is made when something changes.
func NormalizeUnits(r city.Reading) (city.Reading, error) {
	copied := false
	for i, m := range r.Values {
		want, ok := city.ParamUnits[m.Param]
		if !ok {
			return r, reject(string(r.Feed), r.Station, ErrUnknownParam, "unknown parameter %.40q", m.Param)
		}
		if m.Unit == want {
			continue
		}
		u := want
		if m.Unit != "" {
			if u, ok = CanonicalUnit(m.Param, m.Unit); !ok {
				return r, reject(string(r.Feed), r.Station, ErrUnit, "unit %.20q is wrong for %s (want %s)", m.Unit, m.Param, want)
			}
		}
		if !copied {
			r.Values = slices.Clone(r.Values)
			copied = true
		}
		r.Values[i].Unit = u
	}
	return r, nil
}

// Gap checks a gap notice.
func (v *Validator) Gap(g *WireGap) error {
	if g == nil {
		return reject("", "", ErrMalformed, "gap message without a gap")
	}
	if !city.Feed(g.Feed).Valid() {
		return reject("", "", ErrUnknownFeed, "unknown feed %q", g.Feed)
	}
	if g.From == 0 || g.To < g.From {
		return reject(g.Feed, "", ErrField, "gap %d..%d is not a range of sequence numbers", g.From, g.To)
	}
	return nil
}

// Action checks an operator action.
func (v *Validator) Action(a *WireAction) error {
	if a == nil {
		return reject("", "", ErrMalformed, "action message without an action")
	}
	for _, f := range []struct {
		what, val string
		limit     int
		required  bool
	}{
		{"action id", a.ID, MaxIDLen, true},
		{"alert id", a.Alert, MaxIDLen, true},
		{"step", a.Step, MaxIDLen, true},
		{"officer", a.Officer, MaxNameLen, true},
		{"team", a.Team, MaxNameLen, false},
	} {
		if err := checkText("", "", f.what, f.val, f.limit, f.required); err != nil {
			return err
		}
	}
	if len(a.Note) > MaxTextLen || !utf8.ValidString(a.Note) {
		return reject("", "", ErrField, "note longer than %d bytes or not UTF-8", MaxTextLen)
	}
	if err := checkDutyStep(a); err != nil {
		return err
	}
	if !IsDutyStep(a.Step) && !city.StepKind(a.Step).Known() {
		return reject("", "", ErrField, "unknown step %.40q (want an alert step: acknowledge, dispatch, comment, resolve, verify, close, raise, update, clear, escalate, case_accept, case_reject, case_shelve, case_unshelve, case_overdue; or a duty step)", a.Step)
	}
	t, err := time.Parse(time.RFC3339Nano, a.Time)
	if err != nil {
		return reject("", "", ErrTime, "action time %.40q is not RFC 3339 with a zone offset", a.Time)
	}
	if t.After(v.now().Add(v.future)) {
		return reject("", "", ErrFuture, "action time %s is ahead of the receiver's clock", a.Time)
	}
	return nil
}
