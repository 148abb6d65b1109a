package eventstore

// SearchIDs exposes the VictoriaLogs store's id search to the corpus
// test.
var SearchIDs = (*Victoria).searchIDs

// SearchVictoria exposes the VictoriaLogs store's search to tests.
var SearchVictoria = (*Victoria).search

// HistogramVictoria exposes the VictoriaLogs store's histogram to tests.
var HistogramVictoria = (*Victoria).histogram

// EachVictoria exposes the VictoriaLogs store's merged export to tests.
var EachVictoria = (*Victoria).each
