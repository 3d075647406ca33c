// Command interop checks @org/webhook-exporter against Go's own encoding/json and crypto/hmac:
//
//	interop marshal <secret>      reads {"meta":...,"kind":...,"events":[...]} cases (one JSON per line)
//	                              and prints, per case, Go's body and X-Hub-Signature-256
//	interop roundtrip             reads payload bodies (base64, one per line), decodes them into the Go
//	                              types and prints them re-encoded
//	interop send <url> <secret>   POSTs a payload as GO Feature Flag's webhook exporter does (body from
//	                              stdin), prints the HTTP status
//	interop bench <url> <secret> <count> <per-call>
//	                              sends the benchmarks' events as GO Feature Flag's Export does and
//	                              prints the milliseconds it took (bench.go)
package main

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
)

type marshalCase struct {
	Kind   string            `json:"kind"`
	Meta   map[string]string `json:"meta"`
	Events json.RawMessage   `json:"events"`
}

type marshalResult struct {
	Body      string `json:"body"`
	Signature string `json:"signature"`
	Error     string `json:"error,omitempty"`
}

// sign is GO Feature Flag's signer: "sha256=" and the hex HMAC-SHA256 of the body.
func sign(body []byte, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func marshalPayload(c marshalCase) ([]byte, error) {
	if c.Kind == "tracking" {
		payload := TrackingPayload{Meta: c.Meta}
		if err := json.Unmarshal(c.Events, &payload.Events); err != nil {
			return nil, err
		}
		return json.Marshal(payload)
	}
	payload := FeaturePayload{Meta: c.Meta}
	if err := json.Unmarshal(c.Events, &payload.Events); err != nil {
		return nil, err
	}
	return json.Marshal(payload)
}

// roundtrip decodes a body into the wire types (failing on any type mismatch) and encodes it again.
func roundtrip(body []byte) ([]byte, error) {
	var probe struct {
		Events []struct {
			Kind string `json:"kind"`
		} `json:"events"`
	}
	if err := json.Unmarshal(body, &probe); err != nil {
		return nil, err
	}
	if len(probe.Events) > 0 && probe.Events[0].Kind == "tracking" {
		var payload TrackingPayload
		if err := json.Unmarshal(body, &payload); err != nil {
			return nil, err
		}
		return json.Marshal(payload)
	}
	var payload FeaturePayload
	if err := json.Unmarshal(body, &payload); err != nil {
		return nil, err
	}
	return json.Marshal(payload)
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: interop marshal <secret> | roundtrip | send <url> <secret> | bench <url> <secret> <count> <per-call>")
		os.Exit(2)
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 64<<20), 64<<20)
	out := json.NewEncoder(os.Stdout)
	switch os.Args[1] {
	case "marshal":
		for in.Scan() {
			var c marshalCase
			result := marshalResult{}
			if err := json.Unmarshal(in.Bytes(), &c); err != nil {
				result.Error = err.Error()
			} else if body, err := marshalPayload(c); err != nil {
				result.Error = err.Error()
			} else {
				result.Body = base64.StdEncoding.EncodeToString(body)
				result.Signature = sign(body, os.Args[2])
			}
			_ = out.Encode(result)
		}
	case "roundtrip":
		for in.Scan() {
			body, err := base64.StdEncoding.DecodeString(strings.TrimSpace(in.Text()))
			var again []byte
			if err == nil {
				again, err = roundtrip(body)
			}
			result := marshalResult{Body: base64.StdEncoding.EncodeToString(again)}
			if err != nil {
				result.Error = err.Error()
			}
			_ = out.Encode(result)
		}
	case "send":
		var body bytes.Buffer
		_, _ = body.ReadFrom(os.Stdin)
		request, _ := http.NewRequest(http.MethodPost, os.Args[2], bytes.NewReader(body.Bytes()))
		request.Header = http.Header{"Content-Type": []string{"application/json"}}
		if os.Args[3] != "" {
			request.Header["X-Hub-Signature-256"] = []string{sign(body.Bytes(), os.Args[3])}
		}
		response, err := http.DefaultClient.Do(request)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		_ = response.Body.Close()
		fmt.Println(response.StatusCode)
	case "bench":
		count, countErr := strconv.Atoi(os.Args[4])
		perCall, perCallErr := strconv.Atoi(os.Args[5])
		if countErr != nil || perCallErr != nil || count <= 0 || perCall <= 0 {
			fmt.Fprintln(os.Stderr, "usage: interop bench <url> <secret> <count> <per-call>")
			os.Exit(2)
		}
		if err := benchSend(os.Args[2], os.Args[3], count, perCall); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	default:
		fmt.Fprintln(os.Stderr, "unknown command", os.Args[1])
		os.Exit(2)
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
