package openapi

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	openapiv2 "github.com/google/gnostic-models/openapiv2"
	openapiv3 "github.com/google/gnostic-models/openapiv3"
	"google.golang.org/protobuf/proto"
)

func TestServeHTTP(t *testing.T) {
	d := testDocs(t)
	apps, _ := d.V3Path("apis/apps/v1")
	appsHash := d.V3Hash("apis/apps/v1")
	v2ETag := strconv.Quote(etagOf(d.V2JSON()))

	tests := []struct {
		name       string
		method     string
		target     string
		header     map[string]string
		wantCode   int
		wantType   string
		wantBody   []byte            // exact body after gunzip, if set
		wantHeader map[string]string // exact header values
		checkBody  func(t *testing.T, body []byte)
	}{
		{name: "v2 json", target: "/openapi/v2", wantCode: 200, wantType: "application/json", wantBody: d.V2JSON(),
			wantHeader: map[string]string{"Etag": v2ETag}},
		{name: "v2 not modified", target: "/openapi/v2", header: map[string]string{"If-None-Match": v2ETag}, wantCode: 304},
		{name: "v2 weak etag list", target: "/openapi/v2", header: map[string]string{"If-None-Match": `"other", W/` + v2ETag}, wantCode: 304},
		{name: "v2 stale etag", target: "/openapi/v2", header: map[string]string{"If-None-Match": `"other"`}, wantCode: 200, wantBody: d.V2JSON()},
		{name: "v2 gzip", target: "/openapi/v2", header: map[string]string{"Accept-Encoding": "gzip"}, wantCode: 200, wantBody: d.V2JSON(),
			wantHeader: map[string]string{"Content-Encoding": "gzip"}},
		{name: "v2 gzip refused", target: "/openapi/v2", header: map[string]string{"Accept-Encoding": "gzip;q=0"}, wantCode: 200, wantBody: d.V2JSON(),
			wantHeader: map[string]string{"Content-Encoding": ""}},
		{name: "v2 protobuf", target: "/openapi/v2", header: map[string]string{"Accept": "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"},
			wantCode: 200, wantType: "application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
			checkBody: func(t *testing.T, body []byte) {
				var doc openapiv2.Document
				if err := proto.Unmarshal(body, &doc); err != nil {
					t.Fatal(err)
				}
				if doc.GetSwagger() != "2.0" || len(doc.GetDefinitions().GetAdditionalProperties()) == 0 {
					t.Errorf("protobuf document: swagger %q, %d definitions", doc.GetSwagger(), len(doc.GetDefinitions().GetAdditionalProperties()))
				}
			}},
		{name: "v2 not acceptable", target: "/openapi/v2", header: map[string]string{"Accept": "text/html"}, wantCode: 406},
		{name: "v2 head", method: http.MethodHead, target: "/openapi/v2", wantCode: 200, wantBody: []byte{}},
		{name: "v2 post", method: http.MethodPost, target: "/openapi/v2", wantCode: 405},
		{name: "v3 index", target: "/openapi/v3", wantCode: 200, wantType: "application/json", wantBody: d.V3Index()},
		{name: "v3 index trailing slash", target: "/openapi/v3/", wantCode: 200, wantBody: d.V3Index()},
		{name: "v3 group version", target: "/openapi/v3/apis/apps/v1", wantCode: 200, wantType: "application/json", wantBody: apps,
			wantHeader: map[string]string{"Etag": strconv.Quote(appsHash), "Cache-Control": ""}},
		{name: "v3 with current hash", target: "/openapi/v3/apis/apps/v1?hash=" + appsHash, wantCode: 200, wantBody: apps,
			wantHeader: map[string]string{"Cache-Control": "public, immutable"}},
		{name: "v3 with stale hash", target: "/openapi/v3/apis/apps/v1?hash=0BAD", wantCode: 301,
			wantHeader: map[string]string{"Location": "/openapi/v3/apis/apps/v1?hash=" + appsHash}},
		{name: "v3 not modified", target: "/openapi/v3/apis/apps/v1", header: map[string]string{"If-None-Match": strconv.Quote(appsHash)}, wantCode: 304},
		{name: "v3 protobuf", target: "/openapi/v3/apis/apps/v1", header: map[string]string{"Accept": "application/com.github.proto-openapi.spec.v3@v1.0+protobuf"},
			wantCode: 200, wantType: "application/com.github.proto-openapi.spec.v3.v1.0+protobuf",
			checkBody: func(t *testing.T, body []byte) {
				var doc openapiv3.Document
				if err := proto.Unmarshal(body, &doc); err != nil {
					t.Fatal(err)
				}
				if doc.GetOpenapi() != "3.0.0" || len(doc.GetPaths().GetPath()) == 0 {
					t.Errorf("protobuf document: openapi %q, %d paths", doc.GetOpenapi(), len(doc.GetPaths().GetPath()))
				}
			}},
		{name: "v3 json preferred by q", target: "/openapi/v3/apis/apps/v1",
			header:   map[string]string{"Accept": "application/com.github.proto-openapi.spec.v3@v1.0+protobuf;q=0.5, application/json"},
			wantCode: 200, wantType: "application/json", wantBody: apps},
		{name: "v3 unknown group version", target: "/openapi/v3/apis/nope/v1", wantCode: 404},
		{name: "elsewhere", target: "/openapi/v4", wantCode: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			req := httptest.NewRequest(method, tt.target, nil)
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			d.ServeHTTP(rec, req)
			res := rec.Result()
			if res.StatusCode != tt.wantCode {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.wantCode)
			}
			if tt.wantType != "" && res.Header.Get("Content-Type") != tt.wantType {
				t.Errorf("Content-Type %q, want %q", res.Header.Get("Content-Type"), tt.wantType)
			}
			for k, v := range tt.wantHeader {
				if got := res.Header.Get(k); got != v {
					t.Errorf("%s %q, want %q", k, got, v)
				}
			}
			body, _ := io.ReadAll(res.Body)
			if res.Header.Get("Content-Encoding") == "gzip" {
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if body, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
			}
			if tt.wantBody != nil && !bytes.Equal(body, tt.wantBody) {
				t.Errorf("body differs (%d bytes, want %d): %.200s", len(body), len(tt.wantBody), body)
			}
			if tt.checkBody != nil {
				tt.checkBody(t, body)
			}
			if tt.wantCode == 200 && !strings.Contains(strings.Join(res.Header.Values("Vary"), ","), "Accept") {
				t.Errorf("Vary %v lacks Accept", res.Header.Values("Vary"))
			}
		})
	}
}
