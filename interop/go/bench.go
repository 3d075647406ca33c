package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// benchEvents builds the events of the exporter's benchmarks (scripts/bench-kit.mjs, sampleFeatureEvent)
// as Go values, so that both senders serialize the same data.
func benchEvents(count int) []FeatureEvent {
	events := make([]FeatureEvent, count)
	for index := range events {
		contextKind := "user"
		if index%5 == 0 {
			contextKind = "anonymousUser"
		}
		variation := "disabled"
		if index%2 == 0 {
			variation = "enabled"
		}
		events[index] = FeatureEvent{
			Kind:         "feature",
			ContextKind:  contextKind,
			UserKey:      "user-" + strconv.Itoa(index),
			CreationDate: 1_767_225_600 + int64(index%3600),
			Key:          "flag-" + strconv.Itoa(index%20),
			Variation:    variation,
			Value:        index%2 == 0,
			Default:      false,
			Version:      "12",
			Source:       "SERVER",
			Metadata:     map[string]interface{}{"env": "production", "region": "eu-west-1"},
		}
	}
	return events
}

// benchSend sends `count` events to url as GO Feature Flag's webhook exporter's Export does (the payload
// marshaled with encoding/json, signed with HMAC-SHA256, one POST through net/http, the answer read),
// in calls of `perCall` events, and prints the milliseconds from the first marshal to the last answer.
// The events are built before the clock starts, as a running GO Feature Flag holds them already.
func benchSend(url, secret string, count, perCall int) error {
	events := benchEvents(count)
	meta := map[string]string{"hostname": "bench"}
	client := &http.Client{Timeout: 30 * time.Second}
	started := time.Now()
	for start := 0; start < count; start += perCall {
		end := min(start+perCall, count)
		body, err := json.Marshal(FeaturePayload{Meta: meta, Events: events[start:end]})
		if err != nil {
			return err
		}
		request, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		request.Header = http.Header{
			"Content-Type":        []string{"application/json"},
			"X-Hub-Signature-256": []string{sign(body, secret)},
		}
		response, err := client.Do(request)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, response.Body)
		_ = response.Body.Close()
		if response.StatusCode > 399 {
			return fmt.Errorf("the sink answered %d", response.StatusCode)
		}
	}
	fmt.Printf("{\"ms\":%f}\n", float64(time.Since(started).Nanoseconds())/1e6)
	return nil
}
