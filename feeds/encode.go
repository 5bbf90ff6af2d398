package feeds

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"onescreen/city"
)

// Geometry of a station on the wire. orb's types marshal as GeoJSON
// coordinate arrays; the object around them is RFC 7946's.
type pointGeometry struct {
	Type        string    `json:"type"`
	Coordinates orb.Point `json:"coordinates"`
}

type polygonGeometry struct {
	Type        string      `json:"type"`
	Coordinates orb.Polygon `json:"coordinates"`
}

// GeometryJSON returns st's GeoJSON geometry: its Area as a Polygon when it
// has one, else its Location as a Point.
func GeometryJSON(st city.Station) (json.RawMessage, error) {
	var b []byte
	var err error
	if len(st.Area) > 0 {
		b, err = json.Marshal(polygonGeometry{Type: "Polygon", Coordinates: st.Area})
	} else {
		b, err = json.Marshal(pointGeometry{Type: "Point", Coordinates: st.Location})
	}
	if err != nil {
		return nil, fmt.Errorf("station %q geometry: %w", st.ID, err)
	}
	return b, nil
}

// WireStationOf converts a domain station to its wire form.
func WireStationOf(st city.Station) (*WireStation, error) {
	g, err := GeometryJSON(st)
	if err != nil {
		return nil, err
	}
	return &WireStation{ID: st.ID, Feed: string(st.Feed), Name: st.Name, Kind: st.Kind, Geometry: g, Attrs: st.Attrs}, nil
}

// StationEnvelope builds the station message describing st. It does not
// validate st (Server.PutStation does); a geometry that cannot be encoded
// (NaN) is left null, which every receiver rejects.
func StationEnvelope(st city.Station) Envelope {
	ws, err := WireStationOf(st)
	if err != nil {
		ws = &WireStation{ID: st.ID, Feed: string(st.Feed), Name: st.Name, Kind: st.Kind, Attrs: st.Attrs}
	}
	return Envelope{V: ProtocolVersion, Type: TypeStation, Station: ws}
}

// WireReadingOf converts a domain reading to its wire form, keeping its
// Seq and the zone of its Time.
func WireReadingOf(r city.Reading) *WireReading {
	return &WireReading{
		Feed: string(r.Feed), Seq: r.Seq, Station: r.Station,
		Time: r.Time.Format(time.RFC3339Nano), Values: wireValues(r.Values), Event: r.Event,
	}
}

func wireValues(ms []city.Measurement) map[string]WireValue {
	if len(ms) == 0 {
		return nil
	}
	vs := make(map[string]WireValue, len(ms))
	for _, m := range ms {
		vs[m.Param] = WireValue{V: NumberOf(m.Value), Unit: m.Unit}
	}
	return vs
}

// ReadingEnvelope builds the reading message for r, with r.Seq as its
// sequence number.
func ReadingEnvelope(r city.Reading) Envelope {
	return Envelope{V: ProtocolVersion, Type: TypeReading, Reading: WireReadingOf(r)}
}

// Encode marshals one message.
func Encode(env Envelope) ([]byte, error) {
	b, err := json.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("encode %s message: %w", env.Type, err)
	}
	return b, nil
}

// quotedParams and quotedUnits hold the JSON form of every canonical
// parameter name and unit, made by encoding/json itself.
var quotedParams, quotedUnits = func() (map[string][]byte, map[string][]byte) {
	ps, us := map[string][]byte{}, map[string][]byte{}
	for p, u := range city.ParamUnits {
		ps[p], _ = json.Marshal(p)
		us[u], _ = json.Marshal(u)
	}
	return ps, us
}()

// encodeReadingBody encodes r's station, time, values and event as a JSON
// object; everything but the seq is known before the seq is. r must have
// passed Validator.CheckReading: its parameters and units are canonical
// (so their JSON forms are in the tables above) and its values finite.
// The bytes are those encoding/json gives for the reading (map keys in
// order); TestSpliceReading holds them to it.
func encodeReadingBody(r city.Reading) ([]byte, error) {
	station, err := json.Marshal(r.Station)
	if err != nil {
		return nil, fmt.Errorf("encode %s reading of %q: %w", r.Feed, r.Station, err)
	}
	ms := r.Values
	if !slices.IsSortedFunc(ms, byParam) {
		ms = slices.SortedFunc(slices.Values(ms), byParam)
	}
	b := make([]byte, 0, 64+len(station)+48*len(ms))
	b = append(b, `{"station":`...)
	b = append(b, station...)
	b = append(b, `,"time":"`...)
	b = r.Time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	if len(ms) > 0 {
		b = append(b, `,"values":{`...)
		for i, m := range ms {
			p, u := quotedParams[m.Param], quotedUnits[m.Unit]
			if p == nil || u == nil || !city.Finite(m.Value) {
				return nil, fmt.Errorf("encode %s reading of %q: %s %v %q is not canonical and finite", r.Feed, r.Station, m.Param, m.Value, m.Unit)
			}
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, p...)
			b = append(b, `:{"v":`...)
			b = strconv.AppendFloat(b, m.Value, 'g', -1, 64)
			b = append(b, `,"unit":`...)
			b = append(b, u...)
			b = append(b, '}')
		}
		b = append(b, '}')
	}
	if r.Event != "" {
		ev, err := json.Marshal(r.Event)
		if err != nil {
			return nil, err
		}
		b = append(b, `,"event":`...)
		b = append(b, ev...)
	}
	return append(b, '}'), nil
}

func byParam(a, b city.Measurement) int { return strings.Compare(a.Param, b.Param) }

// spliceReading returns the complete reading message: the same bytes that
// Encode(ReadingEnvelope(r)) gives for r with Seq seq. feed is a valid feed
// name, which needs no JSON escaping.
func spliceReading(feed city.Feed, seq uint64, body []byte) []byte {
	const head = `{"v":1,"type":"reading","reading":{"feed":"`
	b := make([]byte, 0, len(head)+len(feed)+len(`","seq":`)+20+len(body)+1)
	b = append(b, head...)
	b = append(b, feed...)
	b = append(b, `","seq":`...)
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, ',')
	b = append(b, body[1:]...)
	return append(b, '}')
}

// mustEncode marshals a message built from values this package controls.
// A failure is a bug in this package; the message is replaced by an error
// message so that the peer learns of it rather than the server stopping.
func mustEncode(env Envelope) []byte {
	b, err := json.Marshal(env)
	if err != nil {
		b, _ = json.Marshal(Envelope{V: ProtocolVersion, Type: TypeError, Error: "internal: " + err.Error()})
	}
	return b
}

func errorMessage(code, feed, id, text string) []byte {
	return mustEncode(Envelope{V: ProtocolVersion, Type: TypeError, Code: code, Feed: feed, ID: id, Error: text})
}

func ackMessage(id string) []byte {
	return mustEncode(Envelope{V: ProtocolVersion, Type: TypeActionAck, ID: id})
}

func gapMessage(g WireGap) []byte {
	return mustEncode(Envelope{V: ProtocolVersion, Type: TypeGap, Gap: &g})
}
