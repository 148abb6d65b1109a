package errs

func init() {
	AddDanish(map[string]string{
		"is not valid text":                  "er ikke gyldig tekst",
		"must not be empty":                  "må ikke være tom",
		"needs at least %d characters":       "skal have mindst %d tegn",
		"has at most %d characters (got %d)": "må højst have %d tegn (fik %d)",
		"unknown value %q; want one of %s":   "ukendt værdi %q; brug en af %s",
	})
}
