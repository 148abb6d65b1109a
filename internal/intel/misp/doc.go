// Package misp reads and writes MISP feeds for samdrift's CERT: the MISP
// core format's events (draft-dulaunoy-misp-core-format) with their
// attributes, objects and TLP tags, and the feed layout around them — a
// directory or web root holding manifest.json (event uuid → summary), one
// <uuid>.json per event and hashes.csv (md5 of each attribute value, event
// uuid).
//
// Reading turns an event's actionable attributes (to_ids) into samdrift's
// indicator types, normalised with package indicator, and says why every
// other attribute was left out. Writing publishes samdrift's own
// indicators as a feed any MISP instance can subscribe to, with TLP 2.0
// tags and a distribution derived from them.
//
// TLP markings are the TLP 2.0 labels samdrift uses elsewhere, without the
// "tlp:" prefix: clear, green, amber, amber+strict, red; TLP 1.0's white
// reads as clear. An attribute is never marked wider than its event.
//
// The package knows the MISP format and the indicator types; it does not
// store anything, decide what a missing TLP means, or know HTTP handlers —
// FeedFiles gives the bytes for whoever serves them.
package misp
