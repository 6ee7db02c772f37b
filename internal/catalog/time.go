package catalog

import "time"

// The names of days and months, by time.Weekday and by time.Month-1.
var (
	weekdays = [...]struct{ long, short string }{
		{"time.weekday.sunday", "time.weekday.sunday.short"},
		{"time.weekday.monday", "time.weekday.monday.short"},
		{"time.weekday.tuesday", "time.weekday.tuesday.short"},
		{"time.weekday.wednesday", "time.weekday.wednesday.short"},
		{"time.weekday.thursday", "time.weekday.thursday.short"},
		{"time.weekday.friday", "time.weekday.friday.short"},
		{"time.weekday.saturday", "time.weekday.saturday.short"},
	}
	months = [...]struct{ long, short string }{
		{"time.month.january", "time.month.january.short"},
		{"time.month.february", "time.month.february.short"},
		{"time.month.march", "time.month.march.short"},
		{"time.month.april", "time.month.april.short"},
		{"time.month.may", "time.month.may.short"},
		{"time.month.june", "time.month.june.short"},
		{"time.month.july", "time.month.july.short"},
		{"time.month.august", "time.month.august.short"},
		{"time.month.september", "time.month.september.short"},
		{"time.month.october", "time.month.october.short"},
		{"time.month.november", "time.month.november.short"},
		{"time.month.december", "time.month.december.short"},
	}
)

// Weekday is d's name in p's language ("Monday", "lunes"). Short is the name a
// line with little room uses: English's three letters ("Mon"), as Go's layouts
// write them; Spanish, which does not abbreviate there, the whole name.
func (p *Printer) Weekday(d time.Weekday, short bool) string {
	if short {
		return p.T(weekdays[d].short)
	}
	return p.T(weekdays[d].long)
}

// Month is m's name in p's language ("November", "noviembre"), short as Weekday's.
func (p *Printer) Month(m time.Month, short bool) string {
	if short {
		return p.T(months[m-1].short)
	}
	return p.T(months[m-1].long)
}
