package city

import (
	"cmp"
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/paulmach/orb"
)

// Alerts as OASIS CAP 1.2 messages, for exchange with other systems, in
// the form of China's national profile GB/T 35965.1-2018.
//
// One CAP document holds one <alert>, which describes one of our alerts as
// it stands after its latest change:
//
//   - msgType: Cancel once the alert is closed or its condition cleared by
//     itself (auto-cleared); Alert while nothing has happened since it was
//     raised (Updated is not after Raised); Update otherwise (an officer's
//     step, an engine update or an escalation). An Update or Cancel lists
//     the message that raised the alert in <references>.
//   - sent: the time of that change (Raised for an Alert, Updated
//     otherwise), to the second, in Beijing time (+08:00), never "Z" and
//     never fractions.
//   - identifier: ZZZZZZDDDUUUXX_YYYYMMDDhhmmss_N — the sender's code
//     (6-digit GB/T 2260 admin code, 3-digit body code, 3-digit unit code,
//     2-digit extension), the time the message was entered (Beijing time)
//     and N, 0–9, the message's number among the sender's messages entered
//     in that second. NumberCAP hands these numbers out over a set of
//     alerts.
//   - severity: Critical → Severe, Major → Moderate, Minor and Info →
//     Minor. Extreme ("extraordinary threat to life or property") is left
//     to a person's judgement: our alerts are raised automatically from
//     single sensors, so the strongest we assert on our own is Severe.
//   - urgency: Past for a Cancel; Immediate for fire alarms, crowd
//     conditions and anything Critical; Expected (act within the hour) for
//     the rest.
//   - certainty: Likely for time to capacity (a projection of the current
//     inflow), Observed for everything else (a measured value).
//   - category: Env for air, water and noise; Fire for fire devices; Safety
//     for crowds.
//   - two <info> blocks, zh-CN first and en-US, each with the station and
//     condition, the alert's message, its state and history, and the
//     alert's facts as <parameter>s.
//   - area: areaDesc names the district, the 街道 when known and the
//     station; the geometry is WGS-84, a <polygon> of the zone's outer ring
//     (lat,lon pairs, closed; CAP has no holes, so holes are left out and
//     the area errs on the large side) or a <circle> around a point station
//     with a radius that suits its kind (see CAPRadiusKM); a <geocode> gives
//     the GB/T 2260 admin code.

// CAPNamespace is the XML namespace of CAP 1.2.
const CAPNamespace = "urn:oasis:names:tc:emergency:cap:1.2"

// CAPStatus is a CAP message's status.
type CAPStatus string

// The CAP statuses.
const (
	CAPActual   CAPStatus = "Actual"   // a real alert
	CAPExercise CAPStatus = "Exercise" // a drill; recipients act only as the exercise says
	CAPSystem   CAPStatus = "System"   // for the network's own housekeeping
	CAPTest     CAPStatus = "Test"     // technical test, to be discarded
	CAPDraft    CAPStatus = "Draft"    // not to be acted on
)

// Valid reports whether s is a CAP status.
func (s CAPStatus) Valid() bool {
	switch s {
	case CAPActual, CAPExercise, CAPSystem, CAPTest, CAPDraft:
		return true
	}
	return false
}

// ParseCAPStatus reads a status, ignoring case: "actual", "Exercise", "TEST".
func ParseCAPStatus(s string) (CAPStatus, error) {
	for _, v := range []CAPStatus{CAPActual, CAPExercise, CAPSystem, CAPTest, CAPDraft} {
		if strings.EqualFold(strings.TrimSpace(s), string(v)) {
			return v, nil
		}
	}
	return "", fmt.Errorf("CAP status %q: want Actual, Exercise, System, Test or Draft", s)
}

// CAPScope says who a CAP message is for.
type CAPScope string

// The CAP scopes.
const (
	CAPPublic     CAPScope = "Public"     // anyone
	CAPRestricted CAPScope = "Restricted" // those the restriction names
	CAPPrivate    CAPScope = "Private"    // the addresses listed
)

// Valid reports whether s is a CAP scope.
func (s CAPScope) Valid() bool { return s == CAPPublic || s == CAPRestricted || s == CAPPrivate }

// The CAP message types we issue.
const (
	CAPMsgAlert  = "Alert"
	CAPMsgUpdate = "Update"
	CAPMsgCancel = "Cancel"
)

// Defaults of CAPOptions: the demo district, 黄浦区 (GB/T 2260 code 310101).
const (
	DefaultCAPAdminCode    = "310101" // 黄浦区
	DefaultCAPBodyCode     = "000"    // GB/T 4657 body code; "000" until a site sets its own
	DefaultCAPUnitCode     = "000"    // GB/T 35965.1 default
	DefaultCAPExtension    = "00"     // GB/T 35965.1 default
	DefaultCAPSenderName   = "黄浦区城市运行管理中心"
	DefaultCAPSenderNameEN = "Huangpu District City Operations Centre"
	DefaultCAPDistrict     = "黄浦区"
	DefaultCAPDistrictEN   = "Huangpu District"
	DefaultCAPRestriction  = "仅限城市运行管理中心及处置单位使用 / For the city operations centre and responding units only"
)

// capMaxPerSecond is how many messages one sender can number in one second:
// N is a single digit, 0–9.
const capMaxPerSecond = 10

// capMaxHistory is how many of an alert's latest steps its description
// lists.
const capMaxHistory = 20

// capTimeLayout is CAP's dateTime form: no "Z", no fractions.
const capTimeLayout = "2006-01-02T15:04:05-07:00"

// capEnteredLayout is the GB/T 35965.1 basic date-time form of identifiers.
const capEnteredLayout = "20060102150405"

// CAPOptions are the sender's settings. Zero fields take the defaults
// (DefaultCAPOptions); Issue and Original number the message (see
// NumberCAP) and default to number 0 at the message's own time.
type CAPOptions struct {
	AdminCode string // ZZZZZZ: 6-digit GB/T 2260 admin code, default 310101 (黄浦区)
	BodyCode  string // DDD: 3-digit GB/T 4657 body code, default 000
	UnitCode  string // UUU: 3-digit unit code within the body, default 000
	Extension string // XX: 2-digit extension, default 00

	Sender       string // CAP sender, default "onescreen@" + AdminCode; no spaces, commas, < or &
	SenderName   string // default 黄浦区城市运行管理中心
	SenderNameEN string // default Huangpu District City Operations Centre
	District     string // the district named in areaDesc, default 黄浦区
	DistrictEN   string // default Huangpu District
	Contact      string // optional: whom to call, e.g. the duty desk's number

	Status      CAPStatus // default Actual
	Scope       CAPScope  // default Restricted
	Restriction string    // who may see a Restricted message; default DefaultCAPRestriction
	Addresses   string    // recipients of a Private message (required then)
	Note        string    // optional note, e.g. what an Exercise is about

	Issue    CAPIssue // this message's number; zero: entered at its sent time, N 0
	Original CAPIssue // the number of the message that raised the alert; zero: at Raised, N 0
}

// DefaultCAPOptions returns the options of the demo district.
func DefaultCAPOptions() CAPOptions {
	return CAPOptions{
		AdminCode: DefaultCAPAdminCode, BodyCode: DefaultCAPBodyCode, UnitCode: DefaultCAPUnitCode,
		Extension: DefaultCAPExtension, Sender: "onescreen@" + DefaultCAPAdminCode,
		SenderName: DefaultCAPSenderName, SenderNameEN: DefaultCAPSenderNameEN,
		District: DefaultCAPDistrict, DistrictEN: DefaultCAPDistrictEN,
		Status: CAPActual, Scope: CAPRestricted, Restriction: DefaultCAPRestriction,
	}
}

func (o CAPOptions) withDefaults() CAPOptions {
	d := DefaultCAPOptions()
	set := func(p *string, v string) {
		if strings.TrimSpace(*p) == "" {
			*p = v
		}
	}
	set(&o.AdminCode, d.AdminCode)
	set(&o.BodyCode, d.BodyCode)
	set(&o.UnitCode, d.UnitCode)
	set(&o.Extension, d.Extension)
	set(&o.Sender, "onescreen@"+o.AdminCode)
	set(&o.SenderName, d.SenderName)
	set(&o.SenderNameEN, d.SenderNameEN)
	set(&o.District, d.District)
	set(&o.DistrictEN, d.DistrictEN)
	if o.Status == "" {
		o.Status = d.Status
	}
	if o.Scope == "" {
		o.Scope = d.Scope
	}
	if o.Scope == CAPRestricted {
		set(&o.Restriction, d.Restriction)
	}
	return o
}

// Validate reports every option that cannot make a valid message.
func (o CAPOptions) Validate() error {
	o = o.withDefaults()
	var errs []error
	digits := func(name, v string, n int) {
		if len(v) != n || strings.IndexFunc(v, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
			errs = append(errs, fmt.Errorf("%s %q is not %d digits", name, v, n))
		}
	}
	digits("admin code", o.AdminCode, 6)
	digits("body code", o.BodyCode, 3)
	digits("unit code", o.UnitCode, 3)
	digits("extension", o.Extension, 2)
	if strings.ContainsAny(o.Sender, ",<&") || strings.IndexFunc(o.Sender, unicode.IsSpace) >= 0 {
		errs = append(errs, fmt.Errorf("sender %q must not contain spaces, commas, < or &", o.Sender))
	}
	if !o.Status.Valid() {
		errs = append(errs, fmt.Errorf("status %q is not Actual, Exercise, System, Test or Draft", o.Status))
	}
	if !o.Scope.Valid() {
		errs = append(errs, fmt.Errorf("scope %q is not Public, Restricted or Private", o.Scope))
	}
	if o.Scope == CAPPrivate && strings.TrimSpace(o.Addresses) == "" {
		errs = append(errs, errors.New("a Private message needs addresses"))
	}
	for _, is := range []struct {
		name string
		is   CAPIssue
	}{{"issue", o.Issue}, {"original", o.Original}} {
		if is.is.N < 0 || is.is.N >= capMaxPerSecond {
			errs = append(errs, fmt.Errorf("%s number %d is not 0–9", is.name, is.is.N))
		}
		if !is.is.Entered.IsZero() {
			if err := capTimeOK(is.is.Entered); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", is.name, err))
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("CAP options: %w", errors.Join(errs...))
	}
	return nil
}

// SenderCode is the GB/T 35965.1 sender code ZZZZZZDDDUUUXX.
func (o CAPOptions) SenderCode() string {
	o = o.withDefaults()
	return o.AdminCode + o.BodyCode + o.UnitCode + o.Extension
}

// Identifier gives the GB/T 35965.1 identifier of the message numbered is:
// ZZZZZZDDDUUUXX_YYYYMMDDhhmmss_N, 31 characters, Beijing time.
func (o CAPOptions) Identifier(is CAPIssue) (string, error) {
	if err := o.Validate(); err != nil {
		return "", err
	}
	if is.N < 0 || is.N >= capMaxPerSecond {
		return "", fmt.Errorf("CAP identifier: number %d is not 0–9", is.N)
	}
	if err := capTimeOK(is.Entered); err != nil {
		return "", fmt.Errorf("CAP identifier: %w", err)
	}
	return o.SenderCode() + "_" + is.Entered.In(Shanghai).Format(capEnteredLayout) + "_" + strconv.Itoa(is.N), nil
}

// CAPTime formats t as CAP wants it: Beijing time to the second with its
// offset, e.g. 2026-03-01T10:00:00+08:00.
func CAPTime(t time.Time) string { return t.In(Shanghai).Format(capTimeLayout) }

func capTimeOK(t time.Time) error {
	if t.IsZero() {
		return errors.New("no time")
	}
	if y := t.In(Shanghai).Year(); y < 1 || y > 9999 {
		return fmt.Errorf("time %v is outside years 1–9999", t)
	}
	return nil
}

// CAPIssue numbers one CAP message: when it was entered (to the second)
// and its number N, 0–9, among the sender's messages entered that second.
type CAPIssue struct {
	Entered time.Time
	N       int
}

// CAPIssues are the numbers of the two messages an alert's export needs:
// the one that raised it and the one describing it now (the same message
// while its msgType is Alert).
type CAPIssues struct {
	Raise, Current CAPIssue
}

// CAPMsgType gives the msgType of the message describing a as it stands:
// Cancel when closed or auto-cleared, Alert when nothing changed since it
// was raised, Update otherwise.
func CAPMsgType(a Alert) string {
	switch {
	case a.State == StateClosed || a.State == StateAutoCleared:
		return CAPMsgCancel
	case a.Updated.After(a.Raised):
		return CAPMsgUpdate
	}
	return CAPMsgAlert
}

// capSent is the time of the message describing a as it stands.
func capSent(a Alert) time.Time {
	if CAPMsgType(a) != CAPMsgAlert && a.Updated.After(a.Raised) {
		return a.Updated
	}
	return a.Raised
}

// NumberCAP numbers the CAP messages of a set of alerts from one sender:
// each alert's raise message and its current one. Messages are taken in
// the order of their times, then alert IDs, raise before current; each
// gets the next free number of its second, and when all ten numbers of a
// second are taken, the first free number of a later second (its entry
// time moves on by that much). The same set of alerts always gets the same
// numbers. Alerts without an ID or raise time, or with a repeated ID, are
// an error.
func NumberCAP(alerts []Alert) (map[string]CAPIssues, error) {
	type msg struct {
		t       int64 // Unix seconds
		id      string
		current bool
	}
	msgs := make([]msg, 0, 2*len(alerts))
	seen := make(map[string]bool, len(alerts))
	for _, a := range alerts {
		if strings.TrimSpace(a.ID) == "" {
			return nil, errors.New("number CAP messages: an alert has no ID")
		}
		if seen[a.ID] {
			return nil, fmt.Errorf("number CAP messages: alert %q appears twice", a.ID)
		}
		seen[a.ID] = true
		if err := capTimeOK(a.Raised); err != nil {
			return nil, fmt.Errorf("number CAP messages: alert %q raised: %w", a.ID, err)
		}
		msgs = append(msgs, msg{a.Raised.Unix(), a.ID, false})
		if CAPMsgType(a) != CAPMsgAlert {
			msgs = append(msgs, msg{capSent(a).Unix(), a.ID, true})
		}
	}
	slices.SortFunc(msgs, func(x, y msg) int {
		if c := cmp.Compare(x.t, y.t); c != 0 {
			return c
		}
		if c := strings.Compare(x.id, y.id); c != 0 {
			return c
		}
		if x.current == y.current {
			return 0
		}
		if y.current {
			return -1
		}
		return 1
	})
	used := map[int64]int{}
	out := make(map[string]CAPIssues, len(alerts))
	for _, m := range msgs {
		sec := m.t
		for used[sec] >= capMaxPerSecond {
			sec++
		}
		is := CAPIssue{Entered: time.Unix(sec, 0).In(Shanghai), N: used[sec]}
		used[sec]++
		v := out[m.id]
		if m.current {
			v.Current = is
		} else {
			v.Raise, v.Current = is, is
		}
		out[m.id] = v
	}
	return out, nil
}

// The radii of the circles drawn around point stations, by kind.
const (
	capRadiusAirKM     = 2.0  // km: an urban air station represents 0.5–4 km around it (HJ 664-2013)
	capRadiusWaterKM   = 0.5  // km: the reach of river around a monitoring section
	capRadiusNoiseKM   = 0.2  // km: the block around a noise station
	capRadiusFireKM    = 0.05 // km: the building or street spot of a fire device
	capRadiusDefaultKM = 0.1  // km: any other point
)

// CAPRadiusKM gives the radius in km of the circle a CAP area draws
// around a point station of the given kind.
func CAPRadiusKM(kind string) float64 {
	switch kind {
	case KindAirStation:
		return capRadiusAirKM
	case KindWaterSection:
		return capRadiusWaterKM
	case KindNoiseStation:
		return capRadiusNoiseKM
	case KindSmokeDetector, KindHydrant, KindElectricalFire:
		return capRadiusFireKM
	}
	return capRadiusDefaultKM
}

// The XML of a CAP 1.2 alert, in the schema's element order.
type capAlertXML struct {
	XMLName     xml.Name     `xml:"urn:oasis:names:tc:emergency:cap:1.2 alert"`
	Identifier  string       `xml:"identifier"`
	Sender      string       `xml:"sender"`
	Sent        string       `xml:"sent"`
	Status      string       `xml:"status"`
	MsgType     string       `xml:"msgType"`
	Scope       string       `xml:"scope"`
	Restriction string       `xml:"restriction,omitempty"`
	Addresses   string       `xml:"addresses,omitempty"`
	Note        string       `xml:"note,omitempty"`
	References  string       `xml:"references,omitempty"`
	Infos       []capInfoXML `xml:"info"`
}

type capInfoXML struct {
	Language     string        `xml:"language"`
	Category     []string      `xml:"category"`
	Event        string        `xml:"event"`
	ResponseType []string      `xml:"responseType,omitempty"`
	Urgency      string        `xml:"urgency"`
	Severity     string        `xml:"severity"`
	Certainty    string        `xml:"certainty"`
	Onset        string        `xml:"onset,omitempty"`
	SenderName   string        `xml:"senderName,omitempty"`
	Headline     string        `xml:"headline,omitempty"`
	Description  string        `xml:"description,omitempty"`
	Contact      string        `xml:"contact,omitempty"`
	Parameters   []capValueXML `xml:"parameter"`
	Areas        []capAreaXML  `xml:"area"`
}

type capValueXML struct {
	ValueName string `xml:"valueName"`
	Value     string `xml:"value"`
}

type capAreaXML struct {
	AreaDesc string        `xml:"areaDesc"`
	Polygons []string      `xml:"polygon,omitempty"`
	Circles  []string      `xml:"circle,omitempty"`
	Geocodes []capValueXML `xml:"geocode,omitempty"`
}

// CAPCategory gives the CAP category of a feed: Env, Fire or Safety.
func CAPCategory(f Feed) (string, error) {
	switch f {
	case FeedAir, FeedWater, FeedNoise:
		return "Env", nil
	case FeedFire:
		return "Fire", nil
	case FeedCrowd:
		return "Safety", nil
	}
	return "", fmt.Errorf("no CAP category for feed %q", f)
}

// CAPSeverity maps a severity onto CAP's: Critical → Severe, Major →
// Moderate, Minor and Info → Minor (see the rules above).
func CAPSeverity(s Severity) (string, error) {
	switch s {
	case SeverityCritical:
		return "Severe", nil
	case SeverityMajor:
		return "Moderate", nil
	case SeverityMinor, SeverityInfo:
		return "Minor", nil
	}
	return "", fmt.Errorf("no CAP severity for severity %d", int(s))
}

// capUrgency follows the rules above.
func capUrgency(a Alert) string {
	switch {
	case CAPMsgType(a) == CAPMsgCancel:
		return "Past"
	case a.Condition == CondFireAlarm, a.Feed == FeedCrowd, a.Severity == SeverityCritical:
		return "Immediate"
	}
	return "Expected"
}

func capCertainty(c Condition) string {
	if c == CondCrowdTimeToCapacity {
		return "Likely"
	}
	return "Observed"
}

// capCoord formats a WGS-84 coordinate to 1e-7 degrees (about 1 cm).
func capCoord(v float64) string {
	return strconv.FormatFloat(math.Round(v*1e7)/1e7, 'f', -1, 64)
}

// capPoint checks a WGS-84 lon, lat point and gives it as CAP's "lat,lon".
func capPoint(p orb.Point) (string, error) {
	lon, lat := p[0], p[1]
	switch {
	case !Finite(lon) || !Finite(lat):
		return "", fmt.Errorf("coordinate (lon %v, lat %v) is not a number", lon, lat)
	case lat < -90 || lat > 90 || lon < -180 || lon > 180:
		return "", fmt.Errorf("coordinate (lon %v, lat %v) is outside the globe", lon, lat)
	case lon == 0 && lat == 0:
		return "", errors.New("coordinate (0, 0) is a missing location")
	}
	return capCoord(lat) + "," + capCoord(lon), nil
}

// CAPPolygon gives the outer ring of a WGS-84 polygon in CAP's form:
// space-separated "lat,lon" pairs (orb keeps lon, lat), closed, at least
// four points. Holes are left out: CAP polygons have none.
func CAPPolygon(p orb.Polygon) (string, error) {
	if len(p) == 0 {
		return "", errors.New("polygon has no ring")
	}
	// points are told apart, and the ring closed, as written: points
	// closer than the 1e-7° written are one point
	ring := p[0]
	pairs := make([]string, 0, len(ring)+1)
	distinct := map[string]bool{}
	for i, pt := range ring {
		s, err := capPoint(pt)
		if err != nil {
			return "", fmt.Errorf("polygon point %d: %w", i, err)
		}
		pairs = append(pairs, s)
		distinct[s] = true
	}
	if len(distinct) < 3 {
		return "", fmt.Errorf("polygon ring has %d distinct points (to 1e-7°), want at least 3", len(distinct))
	}
	if pairs[0] != pairs[len(pairs)-1] {
		pairs = append(pairs, pairs[0])
	}
	return strings.Join(pairs, " "), nil
}

// CAPCircle gives a circle in CAP's form "lat,lon radius_km".
func CAPCircle(centre orb.Point, radiusKM float64) (string, error) {
	if !Finite(radiusKM) || radiusKM < 0 {
		return "", fmt.Errorf("circle radius %v km is not a distance", radiusKM)
	}
	s, err := capPoint(centre)
	if err != nil {
		return "", fmt.Errorf("circle centre: %w", err)
	}
	return s + " " + strconv.FormatFloat(radiusKM, 'f', -1, 64), nil
}

// capArea draws a station's area: its polygon when it has one, else a
// circle around its location.
func capArea(st Station) (polygons, circles []string, err error) {
	if len(st.Area) > 0 {
		p, err := CAPPolygon(st.Area)
		if err != nil {
			return nil, nil, err
		}
		return []string{p}, nil, nil
	}
	if st.Location == (orb.Point{}) {
		return nil, nil, errors.New("station has neither an area nor a location")
	}
	c, err := CAPCircle(st.Location, CAPRadiusKM(st.Kind))
	if err != nil {
		return nil, nil, err
	}
	return nil, []string{c}, nil
}

func checkCAPAlert(a Alert, st Station, steps []Step) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if strings.TrimSpace(a.ID) == "" {
		bad("alert has no ID")
	}
	if strings.TrimSpace(st.ID) == "" {
		bad("station has no ID")
	}
	if a.Station != st.ID {
		bad("alert is about station %q, not %q", a.Station, st.ID)
	}
	if !a.Feed.Valid() {
		bad("feed %q is unknown", a.Feed)
	} else if st.Feed != "" && st.Feed != a.Feed {
		bad("alert feed %q differs from station feed %q", a.Feed, st.Feed)
	}
	if !slices.Contains(Conditions, a.Condition) {
		bad("condition %q is unknown", a.Condition)
	}
	if !a.Severity.Valid() {
		bad("severity %d is unknown", int(a.Severity))
	}
	if !a.State.Valid() {
		bad("state %q is unknown", a.State)
	}
	if err := capTimeOK(a.Raised); err != nil {
		bad("raised: %w", err)
	}
	if !a.Updated.IsZero() && a.Updated.Before(a.Raised) {
		bad("updated %s is before raised %s", CAPTime(a.Updated), CAPTime(a.Raised))
	}
	if !a.Updated.IsZero() {
		if err := capTimeOK(a.Updated); err != nil {
			bad("updated: %w", err)
		}
	}
	if math.IsInf(a.Value, 0) {
		bad("value %v is not a number", a.Value)
	}
	for i, s := range steps {
		if s.Alert != a.ID {
			bad("step %d is for alert %q", i+1, s.Alert)
		}
		if err := capTimeOK(s.Time); err != nil {
			bad("step %d (%s): %w", i+1, s.Kind, err)
		}
	}
	return errors.Join(errs...)
}

// capValue formats an alert's value with its unit; "" when it has none:
// NaN (the cache's "no value") or no unit (the engine's alarms, faults and
// tampering carry a zero without one).
func capValue(a Alert) string {
	if math.IsNaN(a.Value) || strings.TrimSpace(a.Unit) == "" {
		return ""
	}
	return strconv.FormatFloat(a.Value, 'f', -1, 64) + " " + a.Unit
}

// capHistory lists the latest steps, one a line, oldest first.
func capHistory(steps []Step, en bool) []string {
	var lines []string
	if n := len(steps) - capMaxHistory; n > 0 {
		if en {
			lines = append(lines, fmt.Sprintf("(%d earlier steps left out)", n))
		} else {
			lines = append(lines, fmt.Sprintf("（前 %d 条略）", n))
		}
		steps = steps[n:]
	}
	for _, s := range steps {
		t := s.Time.In(Shanghai).Format("2006-01-02 15:04:05")
		var b strings.Builder
		if en {
			fmt.Fprintf(&b, "%s %s by %s", t, s.Kind, s.Officer)
			if s.Team != "" {
				fmt.Fprintf(&b, ", team %s", s.Team)
			}
			if s.Note != "" {
				fmt.Fprintf(&b, ": %s", s.Note)
			}
		} else {
			who := s.Officer
			if s.Team != "" {
				who += "，" + s.Team
			}
			fmt.Fprintf(&b, "%s %s（%s）", t, s.Kind.Name(), who)
			if s.Note != "" {
				fmt.Fprintf(&b, "：%s", s.Note)
			}
		}
		lines = append(lines, b.String())
	}
	return lines
}

// CAPAlert gives the CAP 1.2 document (XML declaration and one <alert>)
// that describes alert a of station st as it stands, following the rules
// at the top of this file. steps is the alert's history, oldest first
// (nil for none); the latest 20 are listed in the descriptions. A NaN
// value (the cache's "no value") leaves the value out. A bad
// alert, station, step or option is an error naming every problem.
func CAPAlert(a Alert, st Station, steps []Step, opts CAPOptions) ([]byte, error) {
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("CAP for alert %q: %w", a.ID, err)
	}
	o := opts.withDefaults()
	if err := checkCAPAlert(a, st, steps); err != nil {
		return nil, fmt.Errorf("CAP for alert %q: %w", a.ID, err)
	}
	polygons, circles, err := capArea(st)
	if err != nil {
		return nil, fmt.Errorf("CAP for alert %q: station %s: %w", a.ID, st.ID, err)
	}
	category, err := CAPCategory(a.Feed)
	if err != nil {
		return nil, fmt.Errorf("CAP for alert %q: %w", a.ID, err)
	}
	severity, err := CAPSeverity(a.Severity)
	if err != nil {
		return nil, fmt.Errorf("CAP for alert %q: %w", a.ID, err)
	}

	msgType := CAPMsgType(a)
	orig := o.Original
	if orig.Entered.IsZero() {
		orig.Entered = a.Raised
	}
	orig.Entered = orig.Entered.Truncate(time.Second)
	issue := o.Issue
	if issue.Entered.IsZero() {
		issue.Entered = capSent(a)
		// Numbered by default: the update must not take the number of
		// the message it refers to.
		if msgType != CAPMsgAlert && issue.Entered.Unix() == orig.Entered.Unix() && issue.N <= orig.N {
			issue.N = orig.N + 1
		}
	}
	issue.Entered = issue.Entered.Truncate(time.Second)
	id, err := o.Identifier(issue)
	if err != nil {
		return nil, fmt.Errorf("CAP for alert %q: %w", a.ID, err)
	}
	doc := capAlertXML{
		Identifier: id, Sender: o.Sender, Sent: CAPTime(issue.Entered),
		Status: string(o.Status), MsgType: msgType, Scope: string(o.Scope),
		Note: o.Note,
	}
	switch o.Scope {
	case CAPRestricted:
		doc.Restriction = o.Restriction
	case CAPPrivate:
		doc.Addresses = o.Addresses
	}
	if msgType != CAPMsgAlert {
		origID, err := o.Identifier(orig)
		if err != nil {
			return nil, fmt.Errorf("CAP for alert %q: original message: %w", a.ID, err)
		}
		if origID == id {
			return nil, fmt.Errorf("CAP for alert %q: the %s message has the identifier of the message it refers to (%s)", a.ID, msgType, id)
		}
		if issue.Entered.Before(orig.Entered) {
			return nil, fmt.Errorf("CAP for alert %q: the %s message (%s) is older than the message it refers to (%s)", a.ID, msgType, CAPTime(issue.Entered), CAPTime(orig.Entered))
		}
		doc.References = o.Sender + "," + origID + "," + CAPTime(orig.Entered)
	}

	var responses []string
	if msgType == CAPMsgCancel {
		responses = []string{"AllClear"}
	}
	onset := ""
	if !a.Began.IsZero() && !a.Began.After(a.Raised) && capTimeOK(a.Began) == nil {
		onset = CAPTime(a.Began.Truncate(time.Second))
	}
	street := strings.TrimSpace(st.Attrs[AttrStreet])
	name := strings.TrimSpace(st.Name)
	if name == "" {
		name = st.ID
	}
	geocodes := []capValueXML{{ValueName: "GB/T 2260", Value: o.AdminCode}}

	params := func(en bool) []capValueXML {
		state := a.State.Name()
		if en {
			state = string(a.State)
		}
		ps := []capValueXML{
			{"alert_id", a.ID}, {"station_id", st.ID}, {"condition", string(a.Condition)}, {"state", state},
		}
		if v := capValue(a); v != "" {
			ps = append(ps, capValueXML{"value", v})
		}
		if a.Team != "" {
			ps = append(ps, capValueXML{"team", a.Team})
		}
		if a.Escalations > 0 {
			ps = append(ps, capValueXML{"escalations", strconv.Itoa(a.Escalations)})
		}
		return ps
	}

	// Chinese.
	headline := name + " " + a.Condition.Name()
	msg := strings.TrimSpace(a.Message)
	if msg == "" {
		msg = strings.TrimSuffix(a.Condition.Name()+"，"+capValue(a), "，")
	}
	desc := []string{msg, "严重程度：" + a.Severity.Name(), "状态：" + a.State.Name()}
	if msgType == CAPMsgCancel {
		headline += "（已解除）"
	}
	if a.Team != "" {
		desc = append(desc, "处置队伍："+a.Team)
	}
	if h := capHistory(steps, false); len(h) > 0 {
		desc = append(desc, "处置记录：")
		desc = append(desc, h...)
	}
	areaZH := o.District + street + " " + name
	zh := capInfoXML{
		Language: "zh-CN", Category: []string{category}, Event: a.Condition.Name(), ResponseType: responses,
		Urgency: capUrgency(a), Severity: severity, Certainty: capCertainty(a.Condition), Onset: onset,
		SenderName: o.SenderName, Headline: headline, Description: strings.Join(desc, "\n"), Contact: o.Contact,
		Parameters: params(false),
		Areas:      []capAreaXML{{AreaDesc: areaZH, Polygons: polygons, Circles: circles, Geocodes: geocodes}},
	}

	// English.
	headlineEN := name + ": " + a.Condition.NameEN()
	if msgType == CAPMsgCancel {
		headlineEN += " (cleared)"
	}
	msgEN := strings.TrimSpace(a.MessageEN)
	if msgEN == "" {
		msgEN = strings.TrimSuffix(a.Condition.NameEN()+", "+capValue(a), ", ")
	}
	descEN := []string{msgEN, "Severity: " + a.Severity.String(), "State: " + string(a.State)}
	if a.Team != "" {
		descEN = append(descEN, "Team: "+a.Team)
	}
	if h := capHistory(steps, true); len(h) > 0 {
		descEN = append(descEN, "History:")
		descEN = append(descEN, h...)
	}
	areaEN := name
	if street != "" {
		areaEN += ", " + street
	}
	areaEN += ", " + o.DistrictEN
	en := zh
	en.Language, en.Event, en.SenderName = "en-US", a.Condition.NameEN(), o.SenderNameEN
	en.Headline, en.Description, en.Parameters = headlineEN, strings.Join(descEN, "\n"), params(true)
	en.Areas = []capAreaXML{{AreaDesc: areaEN, Polygons: polygons, Circles: circles, Geocodes: geocodes}}

	doc.Infos = []capInfoXML{zh, en}
	out, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("CAP for alert %q: %w", a.ID, err)
	}
	return append(append([]byte(xml.Header), out...), '\n'), nil
}
