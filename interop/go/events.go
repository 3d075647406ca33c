package main

// The wire types, declared as GO Feature Flag declares them (exporter.FeatureEvent,
// exporter.TrackingEvent and the webhook exporter's payload): same fields, same order, same JSON tags.
// encoding/json derives the bytes from exactly these declarations.

type FeatureEvent struct {
	Kind         string                 `json:"kind"`
	ContextKind  string                 `json:"contextKind,omitempty"`
	UserKey      string                 `json:"userKey"`
	CreationDate int64                  `json:"creationDate"`
	Key          string                 `json:"key"`
	Variation    string                 `json:"variation"`
	Value        interface{}            `json:"value"`
	Default      bool                   `json:"default"`
	Version      string                 `json:"version"`
	Source       string                 `json:"source"`
	Metadata     map[string]interface{} `json:"metadata,omitempty"`
}

type TrackingEvent struct {
	Kind              string                 `json:"kind"`
	ContextKind       string                 `json:"contextKind,omitempty"`
	UserKey           string                 `json:"userKey"`
	CreationDate      int64                  `json:"creationDate"`
	Key               string                 `json:"key"`
	EvaluationContext map[string]interface{} `json:"evaluationContext"`
	TrackingDetails   map[string]interface{} `json:"trackingEventDetails"`
}

type FeaturePayload struct {
	Meta   map[string]string `json:"meta"`
	Events []FeatureEvent    `json:"events"`
}

type TrackingPayload struct {
	Meta   map[string]string `json:"meta"`
	Events []TrackingEvent   `json:"events"`
}
