package calendar

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"time"
)

// Hours turns a number of hours (a catalog target such as 0.5 or 8) into
// business time in whole seconds, rounded to the nearest: 7/3600 h is 7 s,
// not the 6.999… s a float multiplication truncates to.
func Hours(h float64) time.Duration {
	return time.Duration(math.Round(h*3600)) * time.Second
}

// decimalHours is what ParseHours takes: a plain decimal, no sign,
// exponent, hexadecimal, NaN or infinity.
var decimalHours = regexp.MustCompile(`^[0-9]{1,6}(\.[0-9]{1,15})?$`)

// ParseHours reads a number of hours written as a plain decimal ("8",
// "0.25", "0.001944444444") exactly and returns it as whole seconds,
// rounded to the nearest. It fails for anything else, for zero, and for
// more than max hours.
func ParseHours(s string, max int) (time.Duration, error) {
	if !decimalHours.MatchString(s) {
		return 0, fmt.Errorf("want hours as a plain decimal such as 8 or 0.25, got %q", s)
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0, fmt.Errorf("want hours as a plain decimal such as 8 or 0.25, got %q", s)
	}
	if r.Sign() <= 0 || r.Cmp(big.NewRat(int64(max), 1)) > 0 {
		return 0, fmt.Errorf("want hours above 0 and at most %d, got %q", max, s)
	}
	secs := new(big.Rat).Mul(r, big.NewRat(3600, 1))
	// Round half up: floor(secs + 1/2).
	secs.Add(secs, big.NewRat(1, 2))
	whole := new(big.Int).Quo(secs.Num(), secs.Denom())
	return time.Duration(whole.Int64()) * time.Second, nil
}
