// Package library parses and validates compliance libraries written in CISO
// Assistant's (intuitem) YAML library format: a library file carries metadata
// (urn, ref_id, name, version, locale, translations, dependencies) and
// objects: at most one framework with its tree of requirement nodes,
// reference controls, threats and requirement mapping sets that relate the
// requirements of two frameworks.
//
// Parse reads one file and refuses it whole when anything is wrong, listing
// every problem as FILE:LINE: message. Validate checks files against each
// other: that dependencies, mapped frameworks, mapped requirements and the
// controls and threats requirements name all exist. Keys the package does
// not know are ignored, because the format keeps growing (questions, scores,
// risk matrices, presets, …).
//
// URNs are lower-cased on the way in, as CISO Assistant does: real libraries
// spell the same URN in different cases, and the lower-cased form is the
// identity used for every comparison and returned in every URN field.
//
// The package knows files and their meaning only. It must not know the
// database, the web layer or where the files come from: callers read the
// bytes, and a caller that installs libraries answers "is this URN already
// installed?" through the resolver it passes to Validate.
package library
