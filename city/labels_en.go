package city

// English labels of the classes officers write in Chinese.

// LabelEN gives the class in English, e.g. "class III", "below class V" (劣V).
func (c WaterClass) LabelEN() string {
	switch {
	case c == ClassWorseThanV:
		return "below class V"
	case c.Valid():
		return "class " + c.String()
	}
	return c.String()
}

// LabelEN gives the zone in English, e.g. "zone 4a".
func (z NoiseZone) LabelEN() string { return "zone " + string(z) }
